package entra

import (
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"sync"
	"time"

	"graphgate/internal/authz"
	"graphgate/internal/directory"
	"graphgate/internal/graph"
	"graphgate/internal/odata"
	"graphgate/internal/store"
)

// userEntity is a user: GET /me and /users/{id} inline the manager.
var userEntity = graph.Entity{Type: "microsoft.graph.user", Context: "users/$entity", Expand: []string{"manager"}}

// PATCH /me has no rule of its own: it uses PATCH /users/{id}'s.
var _ = declare(graph.WorkloadDirectory,
	graph.Endpoint{Method: "GET", Template: "/me", Handler: handle(server.getUser), Entity: userEntity},
	graph.Endpoint{Method: "GET", Template: "/users/{id}", Handler: handle(server.getUser), Entity: userEntity},
	graph.Endpoint{Method: "PATCH", Template: "/users/{id}", Handler: handle(server.updateUser), Entity: graph.Entity{Type: "microsoft.graph.user", Context: "users/$entity"}},
	graph.Endpoint{Method: "DELETE", Template: "/users/{id}", Handler: handle(server.deleteUser)},
	graph.Endpoint{Method: "GET", Template: "/users", Handler: handle(server.listUsers),
		Entity: graph.Entity{Type: "microsoft.graph.user", Context: "users", Expand: []string{"manager"}}},
	graph.Endpoint{Method: "POST", Template: "/users", Handler: handle(server.createUser), Entity: graph.Entity{Type: "microsoft.graph.user", Context: "users/$entity"}},
	graph.Endpoint{Method: "GET", Template: "/me/manager", Handler: handle(server.getManager), Entity: managerEntity},
	graph.Endpoint{Method: "GET", Template: "/users/{id}/manager", Handler: handle(server.getManager), Entity: managerEntity},
	graph.Endpoint{Method: "GET", Template: "/me/directReports", Handler: handle(server.directReports), Entity: reportsEntity},
	graph.Endpoint{Method: "GET", Template: "/users/{id}/directReports", Handler: handle(server.directReports), Entity: reportsEntity},
)

var (
	managerEntity = graph.Entity{Type: "microsoft.graph.directoryObject", Context: "directoryObjects/$entity"}
	reportsEntity = graph.Entity{Type: "microsoft.graph.directoryObject", Context: "directoryObjects"}
)

// userJSON is a user's Graph representation.
type userJSON struct {
	ID                string   `json:"id"`
	BusinessPhones    []string `json:"businessPhones"`
	DisplayName       *string  `json:"displayName"`
	GivenName         *string  `json:"givenName"`
	JobTitle          *string  `json:"jobTitle"`
	Mail              *string  `json:"mail"`
	MobilePhone       *string  `json:"mobilePhone"`
	OfficeLocation    *string  `json:"officeLocation"`
	PreferredLanguage *string  `json:"preferredLanguage"`
	Surname           *string  `json:"surname"`
	UserPrincipalName string   `json:"userPrincipalName"`
	AccountEnabled    bool     `json:"accountEnabled"`
	Department        *string  `json:"department"`
	UserType          string   `json:"userType"`
	UsageLocation     *string  `json:"usageLocation"`
	CreatedDateTime   *string  `json:"createdDateTime"`
}

// userDefaults are the properties Graph returns without $select.
var userDefaults = []string{"businessPhones", "displayName", "givenName", "jobTitle", "mail", "mobilePhone", "officeLocation",
	"preferredLanguage", "surname", "userPrincipalName", "id"}

func nullable(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func toUserJSON(u *store.User) userJSON {
	phones := u.BusinessPhones
	if phones == nil {
		phones = []string{}
	}
	j := userJSON{ID: u.ID, BusinessPhones: phones, DisplayName: nullable(u.DisplayName), GivenName: nullable(u.GivenName),
		JobTitle: nullable(u.JobTitle), Mail: nullable(u.Mail), MobilePhone: nullable(u.MobilePhone), OfficeLocation: nullable(u.OfficeLocation),
		PreferredLanguage: nullable(u.PreferredLanguage), Surname: nullable(u.Surname), UserPrincipalName: u.UserPrincipalName,
		AccountEnabled: u.AccountEnabled, Department: nullable(u.Department), UserType: "Member", UsageLocation: nullable(u.UsageLocation)}
	if u.Kind == store.UserGuest {
		j.UserType = "Guest"
	}
	if !u.CreatedAt.IsZero() {
		t := u.CreatedAt.UTC().Format(time.RFC3339)
		j.CreatedDateTime = &t
	}
	return j
}

// userAllowed is the property limit of the decision (nil: everything).
func userAllowed(d *authz.Decision) map[string]bool {
	if d.Limit == authz.LimitBasicProfile {
		return authz.LimitBasicProfile.Properties()
	}
	return nil
}

// userDefaultJSON is a user with exactly the default properties, in
// Graph's order: the common response (no $select, no limit) is encoded
// directly instead of projected.
type userDefaultJSON struct {
	BusinessPhones    []string `json:"businessPhones"`
	DisplayName       *string  `json:"displayName"`
	GivenName         *string  `json:"givenName"`
	JobTitle          *string  `json:"jobTitle"`
	Mail              *string  `json:"mail"`
	MobilePhone       *string  `json:"mobilePhone"`
	OfficeLocation    *string  `json:"officeLocation"`
	PreferredLanguage *string  `json:"preferredLanguage"`
	Surname           *string  `json:"surname"`
	UserPrincipalName string   `json:"userPrincipalName"`
	ID                string   `json:"id"`
}

func renderUser(c *graph.Call, u *store.User, selected []string) (json.RawMessage, error) {
	if len(selected) == 0 && userAllowed(&c.Decision) == nil {
		j := toUserJSON(u)
		return json.Marshal(userDefaultJSON{BusinessPhones: j.BusinessPhones, DisplayName: j.DisplayName, GivenName: j.GivenName,
			JobTitle: j.JobTitle, Mail: j.Mail, MobilePhone: j.MobilePhone, OfficeLocation: j.OfficeLocation,
			PreferredLanguage: j.PreferredLanguage, Surname: j.Surname, UserPrincipalName: j.UserPrincipalName, ID: j.ID})
	}
	b, err := json.Marshal(toUserJSON(u))
	if err != nil {
		return nil, err
	}
	return graph.ProjectDirectory(b, selected, userDefaults, userAllowed(&c.Decision))
}

func (s server) getUser(c *graph.Call) error {
	q, err := c.ParseQuery(odata.Directory, 1, odata.DirectoryMaxTop)
	if err != nil {
		return err
	}
	if len(q.Options().Select) == 0 && len(q.Options().Expand) == 0 && userAllowed(&c.Decision) == nil {
		// The common request (GET /me, the first call of every app): the
		// default shape appended straight into the response bytes, in a
		// buffer used again by the next one (a Write never keeps its bytes).
		bp := userBufs.Get().(*[]byte)
		b := appendUserDefault((*bp)[:0], c.ContextURL(), c.TargetUser)
		err := c.RawJSON(http.StatusOK, b)
		if cap(b) <= maxUserBuf {
			*bp = b[:0]
			userBufs.Put(bp)
		}
		return err
	}
	body, err := renderUser(c, c.TargetUser, q.Options().Select)
	if err != nil {
		return err
	}
	if body, err = s.expandManager(c, c.TargetUser, body); err != nil {
		return err
	}
	return c.JSON(http.StatusOK, graph.WithContext(body, c.ContextURL()))
}

// userBufs holds the buffers GET /me's default shape is rendered into; a
// buffer grown beyond maxUserBuf (a user with very long properties) is
// left to the collector, so the pool holds small buffers only.
var userBufs = sync.Pool{New: func() any { b := make([]byte, 0, 1024); return &b }}

const maxUserBuf = 4 << 10

// appendUserDefault appends {"@odata.context": ctx, …} with exactly the
// properties and order of userDefaultJSON, byte for byte what json.Marshal
// makes of it (TestAppendUserDefault compares the two).
func appendUserDefault(b []byte, ctx string, u *store.User) []byte {
	b = append(b, `{"@odata.context":`...)
	b = graph.AppendJSONString(b, ctx)
	b = append(b, `,"businessPhones":[`...)
	for i, p := range u.BusinessPhones {
		if i > 0 {
			b = append(b, ',')
		}
		b = graph.AppendJSONString(b, p)
	}
	b = append(b, ']')
	for _, f := range [...]struct{ key, val string }{
		{`,"displayName":`, u.DisplayName}, {`,"givenName":`, u.GivenName}, {`,"jobTitle":`, u.JobTitle},
		{`,"mail":`, u.Mail}, {`,"mobilePhone":`, u.MobilePhone}, {`,"officeLocation":`, u.OfficeLocation},
		{`,"preferredLanguage":`, u.PreferredLanguage}, {`,"surname":`, u.Surname},
	} {
		b = append(b, f.key...)
		if f.val == "" {
			b = append(b, "null"...)
		} else {
			b = graph.AppendJSONString(b, f.val)
		}
	}
	b = append(b, `,"userPrincipalName":`...)
	b = graph.AppendJSONString(b, u.UserPrincipalName)
	b = append(b, `,"id":`...)
	b = graph.AppendJSONString(b, u.ID)
	return append(b, '}')
}

// userMapping maps user properties to the store's directory columns.
var userMapping = odata.Mapping{EntityType: "microsoft.graph.user", Columns: map[string]odata.Column{
	"id":                {Name: "id", Type: odata.TypeGUID},
	"userPrincipalName": {Name: "upn", Type: odata.TypeString},
	"displayName":       {Name: "display_name", Type: odata.TypeString},
	"givenName":         {Name: "given_name", Type: odata.TypeString},
	"surname":           {Name: "surname", Type: odata.TypeString},
	"mail":              {Name: "mail", Type: odata.TypeString},
	"jobTitle":          {Name: "job_title", Type: odata.TypeString},
	"department":        {Name: "department", Type: odata.TypeString},
	"officeLocation":    {Name: "office_location", Type: odata.TypeString},
	"mobilePhone":       {Name: "mobile_phone", Type: odata.TypeString},
	"preferredLanguage": {Name: "preferred_language", Type: odata.TypeString},
	"usageLocation":     {Name: "usage_location", Type: odata.TypeString},
	"accountEnabled":    {Name: "account_enabled", Type: odata.TypeBool},
	"userType":          {Name: store.UserType, Type: odata.TypeString},
}}

// directoryCount enforces Graph's rule that $count and $search on
// directory objects need the ConsistencyLevel: eventual header.
func directoryCount(c *graph.Call, q *graph.Query) error {
	if (q.Options().Count || q.Options().Search != nil) && !strings.EqualFold(c.Request().Header.Get("ConsistencyLevel"), "eventual") {
		if q.Options().Search != nil {
			return graph.NewErrorf(http.StatusBadRequest, "Request_UnsupportedQuery", "Request with $search query parameter only works through MSGraph with a special request header: 'ConsistencyLevel: eventual'")
		}
		return graph.NewErrorf(http.StatusBadRequest, "Request_BadRequest", "$count is not currently supported.")
	}
	return nil
}

// queryUsers runs a directory query built from OData options.
func (s server) queryUsers(c *graph.Call, q *graph.Query, ids []string) ([]store.User, int, error) {
	dq := store.DirectoryQuery{TenantID: c.TenantID, IDs: ids, Limit: q.Top() + 1, Offset: q.Skip(), Count: q.Options().Count}
	var err error
	var filter, search store.Cond
	if q.Options().Filter != nil {
		if filter, err = odata.Filter(q.Options().Filter, userMapping, odata.Directory); err != nil {
			return nil, 0, err
		}
	}
	if q.Options().Search != nil {
		if search, err = searchUsers(q.Options().Search); err != nil {
			return nil, 0, err
		}
	}
	dq.Filter = store.AndAll(filter, search)
	if len(q.Options().OrderBy) > 0 {
		if dq.Order, err = odata.Order(q.Options().OrderBy, userMapping, odata.Directory); err != nil {
			return nil, 0, err
		}
	}
	if q.After() != nil {
		// A keyset $skiptoken (keyset.go): only listings in id order
		// (no $orderby) are given one, whose cursor is the last id.
		if len(dq.Order) > 0 || !q.CursorFits(dq.Order) {
			return nil, 0, graph.ErrBadRequest("The $skiptoken is not valid.")
		}
		dq.After, dq.Offset = q.After(), 0
	}
	users, total, err := s.Store().QueryUsers(c.Context(), dq)
	if err == nil && len(dq.Order) == 0 && q.Top() > 0 && len(users) > q.Top() {
		// The next page continues after this one's last id, through
		// the primary key, however deep.
		q.SetNextKeyset(nil, store.Cursor{ID: users[q.Top()-1].ID})
	}
	return users, total, err
}

func (s server) listUsers(c *graph.Call) error {
	q, err := c.ParseQuery(odata.Directory, 100, odata.DirectoryMaxTop)
	if err != nil {
		return err
	}
	if err := directoryCount(c, q); err != nil {
		return err
	}
	users, total, err := s.queryUsers(c, q, nil)
	if err != nil {
		return err
	}
	return s.writeUsers(c, q, users, total, c.ContextURL())
}

func (s server) writeUsers(c *graph.Call, q *graph.Query, users []store.User, total int, ctx string) error {
	more := len(users) > q.Top()
	if more {
		users = users[:q.Top()]
	}
	vals := make([]json.RawMessage, 0, len(users))
	for i := range users {
		b, err := renderUser(c, &users[i], q.Options().Select)
		if err != nil {
			return err
		}
		if b, err = s.expandManager(c, &users[i], b); err != nil {
			return err
		}
		vals = append(vals, b)
	}
	return c.WritePage(ctx, q, vals, total, more)
}

// userPatch is what PATCH /users/{id} may change.
type userPatch struct {
	DisplayName       *string   `json:"displayName"`
	GivenName         *string   `json:"givenName"`
	Surname           *string   `json:"surname"`
	JobTitle          *string   `json:"jobTitle"`
	Department        *string   `json:"department"`
	OfficeLocation    *string   `json:"officeLocation"`
	MobilePhone       *string   `json:"mobilePhone"`
	BusinessPhones    *[]string `json:"businessPhones"`
	PreferredLanguage *string   `json:"preferredLanguage"`
	UsageLocation     *string   `json:"usageLocation"`
	AccountEnabled    *bool     `json:"accountEnabled"`
	Mail              *string   `json:"mail"`
}

// changes is the patch as the directory service takes it.
func (p userPatch) changes() directory.UserChanges {
	return directory.UserChanges{DisplayName: p.DisplayName, GivenName: p.GivenName, Surname: p.Surname, JobTitle: p.JobTitle,
		Department: p.Department, OfficeLocation: p.OfficeLocation, MobilePhone: p.MobilePhone, BusinessPhones: p.BusinessPhones,
		PreferredLanguage: p.PreferredLanguage, UsageLocation: p.UsageLocation, AccountEnabled: p.AccountEnabled, Mail: p.Mail}
}

func (s server) updateUser(c *graph.Call) error {
	var p struct {
		userPatch
		UserType *string `json:"userType"`
	}
	if err := c.ReadBody(&p, userBody); err != nil {
		return err
	}
	ch := p.changes()
	if p.UserType != nil {
		// Some properties need more than the route's permission (a user's
		// type: an administrator of users); the engine decides which.
		if err := c.CheckProperties("userType"); err != nil {
			return err
		}
		// Graph's values are Member and Guest. graphgate takes them in
		// any case (Microsoft does not document the case rule) and
		// answers anything else as Graph answers an invalid property value.
		var kind store.UserKind
		switch {
		case strings.EqualFold(*p.UserType, "Member"):
			kind = store.UserMember
		case strings.EqualFold(*p.UserType, "Guest"):
			kind = store.UserGuest
		default:
			return graph.ErrInvalidValue("userType", "User")
		}
		ch.UserType = &kind
	}
	if _, err := s.Directory().UpdateUser(c.Context(), c.TenantID, c.TargetUser.ID, ch); err != nil {
		var ve *directory.ValidationError
		if errors.As(err, &ve) {
			return graph.ErrInvalidValue(ve.Field, "User")
		}
		return graph.AsError(err)
	}
	return c.NoContent()
}

func (s server) deleteUser(c *graph.Call) error {
	if _, err := s.Directory().DeleteUser(c.Context(), c.TenantID, c.TargetUser.ID, directory.DeleteUserOptions{}); err != nil {
		if errors.Is(err, directory.ErrNotFound) {
			return graph.ErrDirectoryNotFound(c.Param(0))
		}
		return graph.AsError(err)
	}
	s.ForgetMailbox(c.TenantID, c.TargetUser.ID)
	return c.NoContent()
}

// newUser is the body of POST /users.
type newUser struct {
	userPatch
	UserPrincipalName string `json:"userPrincipalName"`
	MailNickname      string `json:"mailNickname"`
	PasswordProfile   *struct {
		Password string `json:"password"`
	} `json:"passwordProfile"`
}

func (s server) createUser(c *graph.Call) error {
	var nu newUser
	if err := c.ReadBody(&nu, userBody); err != nil {
		return err
	}
	if nu.UserPrincipalName == "" || nu.DisplayName == nil || nu.AccountEnabled == nil || nu.MailNickname == "" || nu.PasswordProfile == nil {
		return graph.NewErrorf(http.StatusBadRequest, "Request_BadRequest", "Invalid value specified for property '%s' of resource 'User'.", missingUserProperty(nu))
	}
	u := store.User{TenantID: c.TenantID, UserPrincipalName: nu.UserPrincipalName, Kind: store.UserMember, Mail: nu.UserPrincipalName}
	nu.changes().Apply(&u)
	u, err := s.Directory().CreateUser(c.Context(), directory.NewUser{User: u, Password: nu.PasswordProfile.Password})
	if err != nil {
		return createUserError(err)
	}
	body, err := renderUser(c, &u, nil)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, graph.WithContext(body, c.ContextURL()))
}

// createUserError is Graph's answer to a user the directory refused.
func createUserError(err error) error {
	var ve *directory.ValidationError
	switch {
	case errors.Is(err, directory.ErrDomainNotVerified):
		return graph.NewErrorf(http.StatusBadRequest, "Request_BadRequest", "The domain portion of the userPrincipalName property is invalid. You must use one of the verified domain names in your organization.")
	case errors.Is(err, directory.ErrExists):
		return graph.NewErrorf(http.StatusBadRequest, "Request_BadRequest", "Another object with the same value for property userPrincipalName already exists.")
	case errors.As(err, &ve) && ve.Field == "password":
		return graph.ErrBadRequest("The specified password does not comply with password complexity requirements. Please provide a different password.")
	case errors.As(err, &ve):
		return graph.ErrInvalidValue(ve.Field, "User")
	}
	return graph.AsError(err)
}

func missingUserProperty(nu newUser) string {
	switch {
	case nu.AccountEnabled == nil:
		return "accountEnabled"
	case nu.DisplayName == nil:
		return "displayName"
	case nu.MailNickname == "":
		return "mailNickname"
	case nu.PasswordProfile == nil:
		return "passwordProfile"
	}
	return "userPrincipalName"
}

func (s server) getManager(c *graph.Call) error {
	if c.TargetUser.ManagerID == "" {
		return graph.ErrDirectoryNotFound("manager")
	}
	m, err := s.Store().GetUser(c.Context(), c.TenantID, c.TargetUser.ManagerID)
	if err != nil {
		return graph.ErrDirectoryNotFound("manager")
	}
	body, err := renderUser(c, &m, nil)
	if err != nil {
		return err
	}
	body = graph.WithType(body, "#microsoft.graph.user")
	return c.JSON(http.StatusOK, graph.WithContext(body, c.ContextURL()))
}

func (s server) directReports(c *graph.Call) error {
	q, err := c.ParseQuery(odata.Directory, 100, odata.DirectoryMaxTop)
	if err != nil {
		return err
	}
	users, total, err := s.Store().QueryUsers(c.Context(), store.DirectoryQuery{TenantID: c.TenantID,
		Filter: store.Compare{Field: store.Column("manager_id", store.TypeString), Op: store.Eq, Value: store.String(c.TargetUser.ID)},
		Limit:  q.Top() + 1, Offset: q.Skip(), Count: q.Options().Count})
	if err != nil {
		return err
	}
	return s.writeUsers(c, q, users, total, c.ContextURL())
}
