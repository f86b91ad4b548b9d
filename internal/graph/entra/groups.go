package entra

import (
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"time"

	"graphgate/internal/authz"
	"graphgate/internal/directory"
	"graphgate/internal/graph"
	"graphgate/internal/model"
	"graphgate/internal/odata"
	"graphgate/internal/roles"
	"graphgate/internal/store"
)

// Groups, memberships (members, owners, memberOf, with /$ref to add and
// remove), directory roles and administrative units.

// groupEntity is a group: GET /groups/{id} inlines members and owners.
var groupEntity = graph.Entity{Type: "microsoft.graph.group", Context: "groups/$entity", Expand: []string{"members", "owners"}}

// objectsEntity is a collection of directory objects (members, owners,
// memberships).
var objectsEntity = graph.Entity{Type: "microsoft.graph.directoryObject", Context: "directoryObjects"}

var _ = declare(graph.WorkloadDirectory,
	graph.Endpoint{Method: "GET", Template: "/groups", Handler: handle(server.listGroups), Entity: graph.Entity{Type: "microsoft.graph.group", Context: "groups"}},
	graph.Endpoint{Method: "POST", Template: "/groups", Handler: handle(server.createGroup), Entity: graph.Entity{Type: "microsoft.graph.group", Context: "groups/$entity"}},
	graph.Endpoint{Method: "GET", Template: "/groups/{id}", Handler: handle(server.getGroup), Entity: groupEntity},
	graph.Endpoint{Method: "PATCH", Template: "/groups/{id}", Handler: handle(server.updateGroup)},
	graph.Endpoint{Method: "DELETE", Template: "/groups/{id}", Handler: handle(server.deleteGroup)},
	graph.Endpoint{Method: "GET", Template: "/groups/{id}/members", Handler: handle(server.listMembers), Entity: objectsEntity},
	graph.Endpoint{Method: "GET", Template: "/groups/{id}/owners", Handler: handle(server.listMembers), Entity: objectsEntity},
	graph.Endpoint{Method: "POST", Template: "/groups/{id}/members/$ref", Handler: handle(server.addMember)},
	graph.Endpoint{Method: "POST", Template: "/groups/{id}/owners/$ref", Handler: handle(server.addMember)},
	graph.Endpoint{Method: "DELETE", Template: "/groups/{id}/members/{id}", Handler: handle(server.removeMember)},
	graph.Endpoint{Method: "DELETE", Template: "/groups/{id}/owners/{id}", Handler: handle(server.removeMember)},
	graph.Endpoint{Method: "GET", Template: "/me/memberOf", Handler: handle(server.memberOf), Entity: objectsEntity},
	graph.Endpoint{Method: "GET", Template: "/users/{id}/memberOf", Handler: handle(server.memberOf), Entity: objectsEntity},
	graph.Endpoint{Method: "GET", Template: "/directoryRoles", Handler: handle(server.listDirectoryRoles),
		Entity: graph.Entity{Type: "microsoft.graph.directoryRole", Context: "directoryRoles"}},
	graph.Endpoint{Method: "GET", Template: "/directoryRoles/{id}/members", Handler: handle(server.directoryRoleMembers), Entity: objectsEntity},
	graph.Endpoint{Method: "GET", Template: "/administrativeUnits", Handler: handle(server.listAUs),
		Entity: graph.Entity{Type: "microsoft.graph.administrativeUnit", Context: "directory/administrativeUnits"}},
	graph.Endpoint{Method: "GET", Template: "/administrativeUnits/{id}/members", Handler: handle(server.auMembers), Entity: objectsEntity},
)

type groupJSON struct {
	ID                   string   `json:"id"`
	DeletedDateTime      *string  `json:"deletedDateTime"`
	Classification       *string  `json:"classification"`
	CreatedDateTime      string   `json:"createdDateTime"`
	Description          *string  `json:"description"`
	DisplayName          string   `json:"displayName"`
	GroupTypes           []string `json:"groupTypes"`
	Mail                 *string  `json:"mail"`
	MailEnabled          bool     `json:"mailEnabled"`
	MailNickname         string   `json:"mailNickname"`
	SecurityEnabled      bool     `json:"securityEnabled"`
	Visibility           *string  `json:"visibility"`
	ProxyAddresses       []string `json:"proxyAddresses"`
	RenewedDateTime      string   `json:"renewedDateTime"`
	OnPremisesSyncEnable *bool    `json:"onPremisesSyncEnabled"`
}

// groupAllowed is Group.ReadBasic.All's property limit (authz owns it).
func groupAllowed(d *authz.Decision) map[string]bool {
	if d.Limit == authz.LimitBasicGroup {
		return authz.LimitBasicGroup.Properties()
	}
	return nil
}

func toGroupJSON(g *store.Group) groupJSON {
	types := g.GroupTypes
	if types == nil {
		types = []string{}
	}
	j := groupJSON{ID: g.ID, CreatedDateTime: g.CreatedAt.UTC().Format(time.RFC3339), Description: nullable(g.Description), DisplayName: g.DisplayName,
		GroupTypes: types, Mail: nullable(g.Mail), MailEnabled: g.MailEnabled, MailNickname: g.MailNickname, SecurityEnabled: g.SecurityEnabled,
		ProxyAddresses: []string{}, RenewedDateTime: g.CreatedAt.UTC().Format(time.RFC3339)}
	if g.Visibility != "" {
		v := string(g.Visibility)
		j.Visibility = &v
	}
	if g.Mail != "" {
		j.ProxyAddresses = []string{"SMTP:" + g.Mail}
	}
	return j
}

func renderGroup(c *graph.Call, g *store.Group, selected []string, typed bool) (json.RawMessage, error) {
	b, err := json.Marshal(toGroupJSON(g))
	if err != nil {
		return nil, err
	}
	b, err = graph.ProjectDirectory(b, selected, nil, groupAllowed(&c.Decision))
	if err != nil {
		return nil, err
	}
	if typed {
		b = graph.WithType(b, "#microsoft.graph.group")
	}
	return b, nil
}

// groupMapping maps group properties to the store's directory columns;
// groupTypes is an array in the group's document (store.GroupDocument),
// so that groupTypes/any(a:a eq 'Unified') is a condition like any other.
var groupMapping = func() odata.Mapping {
	m := odata.JSONMapping("microsoft.graph.group", odata.JSONProps{store.GroupDocument: odata.JSONArrayOf(odata.TypeString)})
	for k, v := range map[string]odata.Column{
		"id": {Name: "id", Type: odata.TypeGUID}, "displayName": {Name: "display_name", Type: odata.TypeString},
		"description": {Name: "description", Type: odata.TypeString}, "mailNickname": {Name: "mail_nickname", Type: odata.TypeString},
		"mail": {Name: "mail", Type: odata.TypeString}, "mailEnabled": {Name: "mail_enabled", Type: odata.TypeBool},
		"securityEnabled": {Name: "security_enabled", Type: odata.TypeBool}, "visibility": {Name: "visibility", Type: odata.TypeString},
	} {
		m.Columns[k] = v
	}
	return m
}()

func (s server) queryGroups(c *graph.Call, q *graph.Query, ids []string) ([]store.Group, int, error) {
	dq := store.DirectoryQuery{TenantID: c.TenantID, IDs: ids, Limit: q.Top() + 1, Offset: q.Skip(), Count: q.Options().Count}
	var err error
	if q.Options().Filter != nil {
		if dq.Filter, err = odata.Filter(q.Options().Filter, groupMapping, odata.Directory); err != nil {
			return nil, 0, err
		}
	}
	if len(q.Options().OrderBy) > 0 {
		if dq.Order, err = odata.Order(q.Options().OrderBy, groupMapping, odata.Directory); err != nil {
			return nil, 0, err
		}
	}
	return s.Store().QueryGroups(c.Context(), dq)
}

func (s server) writeGroups(c *graph.Call, q *graph.Query, groups []store.Group, total int, ctx string, typed bool) error {
	more := len(groups) > q.Top()
	if more {
		groups = groups[:q.Top()]
	}
	vals := make([]json.RawMessage, 0, len(groups))
	for i := range groups {
		b, err := renderGroup(c, &groups[i], q.Options().Select, typed)
		if err != nil {
			return graph.AsError(err)
		}
		vals = append(vals, b)
	}
	return c.WritePage(ctx, q, vals, total, more)
}

func (s server) listGroups(c *graph.Call) error {
	q, err := c.ParseQuery(odata.Directory, 100, odata.DirectoryMaxTop)
	if err != nil {
		return err
	}
	if err := directoryCount(c, q); err != nil {
		return err
	}
	groups, total, err := s.queryGroups(c, q, nil)
	if err != nil {
		return err
	}
	return s.writeGroups(c, q, groups, total, c.ContextURL(), false)
}

func (s server) getGroup(c *graph.Call) error {
	q, err := c.ParseQuery(odata.Directory, 1, odata.DirectoryMaxTop)
	if err != nil {
		return err
	}
	b, err := renderGroup(c, c.TargetGroup, q.Options().Select, false)
	if err != nil {
		return graph.AsError(err)
	}
	if b, err = s.expandGroupMembers(c, c.TargetGroup, b); err != nil {
		return err
	}
	return c.JSON(http.StatusOK, graph.WithContext(b, c.ContextURL()))
}

type groupInput struct {
	DisplayName     *string   `json:"displayName"`
	Description     *string   `json:"description"`
	MailNickname    *string   `json:"mailNickname"`
	MailEnabled     *bool     `json:"mailEnabled"`
	SecurityEnabled *bool     `json:"securityEnabled"`
	GroupTypes      *[]string `json:"groupTypes"`
	Visibility      *string   `json:"visibility"`
	Owners          []string  `json:"owners@odata.bind"`
	Members         []string  `json:"members@odata.bind"`
}

func (s server) createGroup(c *graph.Call) error {
	var in groupInput
	if err := c.ReadBody(&in, groupBody); err != nil {
		return err
	}
	if in.DisplayName == nil || in.MailNickname == nil || in.MailEnabled == nil || in.SecurityEnabled == nil {
		return graph.NewErrorf(http.StatusBadRequest, "Request_BadRequest", "A value is required for property 'displayName', 'mailNickname', 'mailEnabled' and 'securityEnabled' of resource 'Group'.")
	}
	g := store.Group{TenantID: c.TenantID, DisplayName: *in.DisplayName, MailNickname: *in.MailNickname,
		MailEnabled: *in.MailEnabled, SecurityEnabled: *in.SecurityEnabled, Visibility: store.VisibilityPublic}
	if in.Description != nil {
		g.Description = *in.Description
	}
	if in.GroupTypes != nil {
		g.GroupTypes = *in.GroupTypes
	}
	if in.Visibility != nil {
		switch strings.ToLower(*in.Visibility) {
		case "public":
			g.Visibility = store.VisibilityPublic
		case "private":
			g.Visibility = store.VisibilityPrivate
		case "hiddenmembership":
			g.Visibility = store.VisibilityHiddenMembership
		default:
			return graph.NewErrorf(http.StatusBadRequest, "Request_BadRequest", "Invalid value specified for property 'visibility' of resource 'Group'.")
		}
	}
	ng := directory.NewGroup{Group: g}
	if len(in.Owners) == 0 && c.Caller != nil {
		// A user who creates a group without naming owners owns it.
		ng.Creator = c.Caller.ID
	}
	for _, part := range []struct {
		binds []string
		ids   *[]string
	}{{in.Owners, &ng.Owners}, {in.Members, &ng.Members}} {
		for _, b := range part.binds {
			// A bind to no user is left out, as before the directory
			// service.
			if u, err := s.FindUser(c, graph.BindID(b)); err == nil {
				*part.ids = append(*part.ids, u.ID)
			}
		}
	}
	g, err := s.Directory().CreateGroup(c.Context(), ng)
	if err != nil {
		var ve *directory.ValidationError
		if errors.As(err, &ve) {
			return graph.ErrInvalidValue(ve.Field, "Group")
		}
		return graph.AsError(err)
	}
	b, err := renderGroup(c, &g, nil, false)
	if err != nil {
		return graph.AsError(err)
	}
	return c.JSON(http.StatusCreated, graph.WithContext(b, c.ContextURL()))
}

func (s server) updateGroup(c *graph.Call) error {
	var in groupInput
	if err := c.ReadBody(&in, groupBody); err != nil {
		return err
	}
	err := s.Directory().UpdateGroup(c.Context(), c.TenantID, c.TargetGroup.ID, directory.GroupChanges{DisplayName: in.DisplayName,
		Description: in.Description, MailNickname: in.MailNickname})
	if err != nil {
		return graph.AsError(err)
	}
	return c.NoContent()
}

func (s server) deleteGroup(c *graph.Call) error {
	if err := s.Directory().DeleteGroup(c.Context(), c.TenantID, c.TargetGroup.ID); err != nil {
		return graph.AsError(err)
	}
	return c.NoContent()
}

// roleOfPath tells members from owners by the route.
func roleOfPath(c *graph.Call) store.MemberRole {
	if strings.Contains(c.Match.Route.Path, "/owners") {
		return store.RoleOwner
	}
	return store.RoleMember
}

// listMembers lists a group's members or owners as directory objects.
func (s server) listMembers(c *graph.Call) error {
	q, err := c.ParseQuery(odata.Directory, 100, odata.DirectoryMaxTop)
	if err != nil {
		return err
	}
	ms, err := s.Store().Members(c.Context(), c.TenantID, c.TargetGroup.ID, roleOfPath(c))
	if err != nil {
		return graph.AsError(err)
	}
	return s.writeDirectoryObjects(c, q, ms, func(m store.Membership) string { return m.MemberID })
}

// writeDirectoryObjects renders a list of users and groups by id, typed.
func (s server) writeDirectoryObjects(c *graph.Call, q *graph.Query, ms []store.Membership, id func(store.Membership) string) error {
	var ids []string
	for _, m := range ms {
		ids = append(ids, id(m))
	}
	if len(ids) == 0 {
		return c.WritePage(c.ContextURL(), q, nil, 0, false)
	}
	users, _, err := s.Store().QueryUsers(c.Context(), store.DirectoryQuery{TenantID: c.TenantID, IDs: ids})
	if err != nil {
		return graph.AsError(err)
	}
	groups, _, err := s.Store().QueryGroups(c.Context(), store.DirectoryQuery{TenantID: c.TenantID, IDs: ids})
	if err != nil {
		return graph.AsError(err)
	}
	var vals []json.RawMessage
	for i := range users {
		b, err := renderUser(c, &users[i], q.Options().Select)
		if err != nil {
			return graph.AsError(err)
		}
		vals = append(vals, graph.WithType(b, "#microsoft.graph.user"))
	}
	for i := range groups {
		b, err := renderGroup(c, &groups[i], q.Options().Select, true)
		if err != nil {
			return graph.AsError(err)
		}
		vals = append(vals, b)
	}
	total := len(vals)
	if q.Skip() < len(vals) {
		vals = vals[q.Skip():]
	} else {
		vals = nil
	}
	more := len(vals) > q.Top()
	if more {
		vals = vals[:q.Top()]
	}
	return c.WritePage(c.ContextURL(), q, vals, total, more)
}

// addMember is POST /members/$ref {"@odata.id": ".../directoryObjects/{id}"}.
func (s server) addMember(c *graph.Call) error {
	var in struct {
		ID string `json:"@odata.id"`
	}
	if err := c.ReadJSON(&in); err != nil {
		return err
	}
	if in.ID == "" {
		return graph.NewErrorf(http.StatusBadRequest, "Request_BadRequest", "Invalid URL format specified in @odata.id.")
	}
	id := graph.BindID(in.ID)
	u, err := s.FindUser(c, id)
	if err != nil {
		return graph.ErrDirectoryNotFound(id)
	}
	m := store.Membership{TenantID: c.TenantID, ContainerID: c.TargetGroup.ID, ContainerKind: store.ContainerGroup, MemberID: u.ID, Role: roleOfPath(c)}
	if err := s.Directory().AddMember(c.Context(), m); err != nil {
		if errors.Is(err, directory.ErrExists) {
			return graph.NewErrorf(http.StatusBadRequest, "Request_BadRequest", "One or more added object references already exist for the following modified properties: '%s'.", strings.TrimSuffix(string(m.Role), "")+"s")
		}
		return graph.AsError(err)
	}
	return c.NoContent()
}

func (s server) removeMember(c *graph.Call) error {
	id := c.Param(1)
	u, err := s.FindUser(c, id)
	if err != nil {
		return graph.ErrDirectoryNotFound(id)
	}
	m := store.Membership{TenantID: c.TenantID, ContainerID: c.TargetGroup.ID, ContainerKind: store.ContainerGroup, MemberID: u.ID, Role: roleOfPath(c)}
	if err := s.Directory().RemoveMember(c.Context(), m); err != nil {
		if errors.Is(err, directory.ErrNotFound) {
			return graph.ErrDirectoryNotFound(id)
		}
		return graph.AsError(err)
	}
	return c.NoContent()
}

// memberOf lists the groups, directory roles and administrative units a
// user is a direct member of.
func (s server) memberOf(c *graph.Call) error {
	q, err := c.ParseQuery(odata.Directory, 100, odata.DirectoryMaxTop)
	if err != nil {
		return err
	}
	ms, err := s.Store().MemberOf(c.Context(), c.TenantID, c.TargetUser.ID, store.RoleMember)
	if err != nil {
		return graph.AsError(err)
	}
	var groupIDs []string
	var vals []json.RawMessage
	for _, m := range ms {
		switch m.ContainerKind {
		case store.ContainerGroup:
			groupIDs = append(groupIDs, m.ContainerID)
		case store.ContainerAU:
			if au, err := s.Store().GetAdministrativeUnit(c.Context(), c.TenantID, m.ContainerID); err == nil {
				vals = append(vals, graph.WithType(model.EncodeDoc(auJSON(au)), "#microsoft.graph.administrativeUnit"))
			}
		}
	}
	for _, r := range c.TargetUser.Roles {
		if role, err := roles.Parse(r); err == nil {
			vals = append(vals, graph.WithType(model.EncodeDoc(roleJSON(role)), "#microsoft.graph.directoryRole"))
		}
	}
	if len(groupIDs) > 0 {
		groups, _, err := s.queryGroups(c, q.Paged(1000, 0), groupIDs)
		if err != nil {
			return err
		}
		for i := range groups {
			b, err := renderGroup(c, &groups[i], q.Options().Select, true)
			if err != nil {
				return graph.AsError(err)
			}
			vals = append(vals, b)
		}
	}
	total := len(vals)
	if q.Skip() < len(vals) {
		vals = vals[q.Skip():]
	} else {
		vals = nil
	}
	more := len(vals) > q.Top()
	if more {
		vals = vals[:q.Top()]
	}
	return c.WritePage(c.ContextURL(), q, vals, total, more)
}

type directoryRoleJSON struct {
	ID             string  `json:"id"`
	DeletedDate    *string `json:"deletedDateTime"`
	Description    string  `json:"description"`
	DisplayName    string  `json:"displayName"`
	RoleTemplateID string  `json:"roleTemplateId"`
}

func roleJSON(r roles.Role) directoryRoleJSON {
	return directoryRoleJSON{ID: r.TemplateID(), DisplayName: r.String(), RoleTemplateID: r.TemplateID(), Description: r.String() + " role."}
}

type auJSONT struct {
	ID          string  `json:"id"`
	DisplayName string  `json:"displayName"`
	Description *string `json:"description"`
	Visibility  *string `json:"visibility"`
}

func auJSON(au store.AdministrativeUnit) auJSONT {
	return auJSONT{ID: au.ID, DisplayName: au.DisplayName, Description: nullable(au.Description), Visibility: nullable(au.Visibility)}
}

// listDirectoryRoles lists the activated roles (those with a holder).
func (s server) listDirectoryRoles(c *graph.Call) error {
	q, err := c.ParseQuery(odata.Directory, 100, odata.DirectoryMaxTop)
	if err != nil {
		return err
	}
	held := map[roles.Role]bool{}
	if err := s.eachUser(c, func(u store.User) {
		for _, r := range u.Roles {
			if role, err := roles.Parse(r); err == nil {
				held[role] = true
			}
		}
	}); err != nil {
		return err
	}
	var vals []json.RawMessage
	for _, r := range roles.All() {
		if held[r] {
			vals = append(vals, model.EncodeDoc(roleJSON(r)))
		}
	}
	return c.WritePage(c.ContextURL(), q, vals, len(vals), false)
}

// eachUser visits a tenant's users page by page (directory roles are few;
// role membership is a property of users in graphgate's store).
func (s server) eachUser(c *graph.Call, f func(store.User)) error {
	after := ""
	for {
		us, err := s.Store().ListUsers(c.Context(), c.TenantID, after, 500)
		if err != nil {
			return graph.AsError(err)
		}
		for _, u := range us {
			f(u)
		}
		if len(us) < 500 {
			return nil
		}
		after = us[len(us)-1].ID
	}
}

func (s server) directoryRoleMembers(c *graph.Call) error {
	role, err := roles.Parse(c.Param(0))
	if err != nil {
		return graph.ErrDirectoryNotFound(c.Param(0))
	}
	q, err := c.ParseQuery(odata.Directory, 100, odata.DirectoryMaxTop)
	if err != nil {
		return err
	}
	var ms []store.Membership
	if err := s.eachUser(c, func(u store.User) {
		for _, r := range u.Roles {
			if r == role.TemplateID() {
				ms = append(ms, store.Membership{MemberID: u.ID})
			}
		}
	}); err != nil {
		return err
	}
	return s.writeDirectoryObjects(c, q, ms, func(m store.Membership) string { return m.MemberID })
}

func (s server) listAUs(c *graph.Call) error {
	q, err := c.ParseQuery(odata.Directory, 100, odata.DirectoryMaxTop)
	if err != nil {
		return err
	}
	aus, err := s.Store().ListAdministrativeUnits(c.Context(), c.TenantID)
	if err != nil {
		return graph.AsError(err)
	}
	var vals []json.RawMessage
	for _, au := range aus {
		vals = append(vals, model.EncodeDoc(auJSON(au)))
	}
	return c.WritePage(c.ContextURL(), q, vals, len(vals), false)
}

func (s server) auMembers(c *graph.Call) error {
	q, err := c.ParseQuery(odata.Directory, 100, odata.DirectoryMaxTop)
	if err != nil {
		return err
	}
	ms, err := s.Store().Members(c.Context(), c.TenantID, strings.ToLower(c.Param(0)), store.RoleMember)
	if err != nil {
		return graph.AsError(err)
	}
	return s.writeDirectoryObjects(c, q, ms, func(m store.Membership) string { return m.MemberID })
}
