package graph

import (
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"time"

	"graphgate/internal/authz"
	"graphgate/internal/directory"
	"graphgate/internal/odata"
	"graphgate/internal/roles"
	"graphgate/internal/store"
)

// Groups, memberships (members, owners, memberOf, with /$ref to add and
// remove), directory roles and administrative units.

// groupEntity is a group: GET /groups/{id} inlines members and owners.
var groupEntity = Entity{Type: "microsoft.graph.group", Context: "groups/$entity", Expand: []string{"members", "owners"}}

// objectsEntity is a collection of directory objects (members, owners,
// memberships).
var objectsEntity = Entity{Type: "microsoft.graph.directoryObject", Context: "directoryObjects"}

var _ = declare(WorkloadDirectory,
	Endpoint{Method: "GET", Template: "/groups", Handler: (*Server).listGroups, Entity: Entity{Type: "microsoft.graph.group", Context: "groups"}},
	Endpoint{Method: "POST", Template: "/groups", Handler: (*Server).createGroup, Entity: Entity{Type: "microsoft.graph.group", Context: "groups/$entity"}},
	Endpoint{Method: "GET", Template: "/groups/{id}", Handler: (*Server).getGroup, Entity: groupEntity},
	Endpoint{Method: "PATCH", Template: "/groups/{id}", Handler: (*Server).updateGroup},
	Endpoint{Method: "DELETE", Template: "/groups/{id}", Handler: (*Server).deleteGroup},
	Endpoint{Method: "GET", Template: "/groups/{id}/members", Handler: (*Server).listMembers, Entity: objectsEntity},
	Endpoint{Method: "GET", Template: "/groups/{id}/owners", Handler: (*Server).listMembers, Entity: objectsEntity},
	Endpoint{Method: "POST", Template: "/groups/{id}/members/$ref", Handler: (*Server).addMember},
	Endpoint{Method: "POST", Template: "/groups/{id}/owners/$ref", Handler: (*Server).addMember},
	Endpoint{Method: "DELETE", Template: "/groups/{id}/members/{id}", Handler: (*Server).removeMember},
	Endpoint{Method: "DELETE", Template: "/groups/{id}/owners/{id}", Handler: (*Server).removeMember},
	Endpoint{Method: "GET", Template: "/me/memberOf", Handler: (*Server).memberOf, Entity: objectsEntity},
	Endpoint{Method: "GET", Template: "/users/{id}/memberOf", Handler: (*Server).memberOf, Entity: objectsEntity},
	Endpoint{Method: "GET", Template: "/directoryRoles", Handler: (*Server).listDirectoryRoles,
		Entity: Entity{Type: "microsoft.graph.directoryRole", Context: "directoryRoles"}},
	Endpoint{Method: "GET", Template: "/directoryRoles/{id}/members", Handler: (*Server).directoryRoleMembers, Entity: objectsEntity},
	Endpoint{Method: "GET", Template: "/administrativeUnits", Handler: (*Server).listAUs,
		Entity: Entity{Type: "microsoft.graph.administrativeUnit", Context: "directory/administrativeUnits"}},
	Endpoint{Method: "GET", Template: "/administrativeUnits/{id}/members", Handler: (*Server).auMembers, Entity: objectsEntity},
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

func (c *Call) renderGroup(g *store.Group, selected []string, typed bool) (json.RawMessage, error) {
	b, err := json.Marshal(toGroupJSON(g))
	if err != nil {
		return nil, err
	}
	b, err = ProjectDirectory(b, selected, nil, groupAllowed(&c.Decision))
	if err != nil {
		return nil, err
	}
	if typed {
		b = WithType(b, "#microsoft.graph.group")
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

func (s *Server) queryGroups(c *Call, q *Query, ids []string) ([]store.Group, int, error) {
	dq := store.DirectoryQuery{TenantID: c.TenantID, IDs: ids, Limit: q.top + 1, Offset: q.skip, Count: q.q.Count}
	var err error
	if q.q.Filter != nil {
		if dq.Filter, err = odata.Filter(q.q.Filter, groupMapping, odata.Directory); err != nil {
			return nil, 0, err
		}
	}
	if len(q.q.OrderBy) > 0 {
		if dq.Order, err = odata.Order(q.q.OrderBy, groupMapping, odata.Directory); err != nil {
			return nil, 0, err
		}
	}
	return s.store.QueryGroups(c.ctx, dq)
}

func (s *Server) writeGroups(c *Call, q *Query, groups []store.Group, total int, ctx string, typed bool) error {
	more := len(groups) > q.top
	if more {
		groups = groups[:q.top]
	}
	vals := make([]json.RawMessage, 0, len(groups))
	for i := range groups {
		b, err := c.renderGroup(&groups[i], q.q.Select, typed)
		if err != nil {
			return AsError(err)
		}
		vals = append(vals, b)
	}
	return c.WritePage(ctx, q, vals, total, more)
}

func (s *Server) listGroups(c *Call) error {
	q, err := c.ParseQuery(odata.Directory, 100, odata.DirectoryMaxTop)
	if err != nil {
		return err
	}
	if err := c.directoryCount(q); err != nil {
		return err
	}
	groups, total, err := s.queryGroups(c, q, nil)
	if err != nil {
		return err
	}
	return s.writeGroups(c, q, groups, total, c.ContextURL(), false)
}

func (s *Server) getGroup(c *Call) error {
	q, err := c.ParseQuery(odata.Directory, 1, odata.DirectoryMaxTop)
	if err != nil {
		return err
	}
	b, err := c.renderGroup(c.TargetGroup, q.q.Select, false)
	if err != nil {
		return AsError(err)
	}
	if b, err = s.expandGroupMembers(c, c.TargetGroup, b); err != nil {
		return err
	}
	return c.JSON(http.StatusOK, WithContext(b, c.ContextURL()))
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

func (s *Server) createGroup(c *Call) error {
	var in groupInput
	if err := c.ReadBody(&in, groupBody); err != nil {
		return err
	}
	if in.DisplayName == nil || in.MailNickname == nil || in.MailEnabled == nil || in.SecurityEnabled == nil {
		return NewErrorf(http.StatusBadRequest, "Request_BadRequest", "A value is required for property 'displayName', 'mailNickname', 'mailEnabled' and 'securityEnabled' of resource 'Group'.")
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
			return NewErrorf(http.StatusBadRequest, "Request_BadRequest", "Invalid value specified for property 'visibility' of resource 'Group'.")
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
			if u, err := s.FindUser(c, BindID(b)); err == nil {
				*part.ids = append(*part.ids, u.ID)
			}
		}
	}
	g, err := s.dir.CreateGroup(c.ctx, ng)
	if err != nil {
		var ve *directory.ValidationError
		if errors.As(err, &ve) {
			return ErrInvalidValue(ve.Field, "Group")
		}
		return AsError(err)
	}
	b, err := c.renderGroup(&g, nil, false)
	if err != nil {
		return AsError(err)
	}
	return c.JSON(http.StatusCreated, WithContext(b, c.ContextURL()))
}

func (s *Server) updateGroup(c *Call) error {
	var in groupInput
	if err := c.ReadBody(&in, groupBody); err != nil {
		return err
	}
	err := s.dir.UpdateGroup(c.ctx, c.TenantID, c.TargetGroup.ID, directory.GroupChanges{DisplayName: in.DisplayName,
		Description: in.Description, MailNickname: in.MailNickname})
	if err != nil {
		return AsError(err)
	}
	return c.NoContent()
}

func (s *Server) deleteGroup(c *Call) error {
	if err := s.dir.DeleteGroup(c.ctx, c.TenantID, c.TargetGroup.ID); err != nil {
		return AsError(err)
	}
	return c.NoContent()
}

// roleOfPath tells members from owners by the route.
func roleOfPath(c *Call) store.MemberRole {
	if strings.Contains(c.Match.Route.Path, "/owners") {
		return store.RoleOwner
	}
	return store.RoleMember
}

// listMembers lists a group's members or owners as directory objects.
func (s *Server) listMembers(c *Call) error {
	q, err := c.ParseQuery(odata.Directory, 100, odata.DirectoryMaxTop)
	if err != nil {
		return err
	}
	ms, err := s.store.Members(c.ctx, c.TenantID, c.TargetGroup.ID, roleOfPath(c))
	if err != nil {
		return AsError(err)
	}
	return s.writeDirectoryObjects(c, q, ms, func(m store.Membership) string { return m.MemberID })
}

// writeDirectoryObjects renders a list of users and groups by id, typed.
func (s *Server) writeDirectoryObjects(c *Call, q *Query, ms []store.Membership, id func(store.Membership) string) error {
	var ids []string
	for _, m := range ms {
		ids = append(ids, id(m))
	}
	if len(ids) == 0 {
		return c.WritePage(c.ContextURL(), q, nil, 0, false)
	}
	all := *q
	all.top, all.skip = 1000, 0
	users, _, err := s.store.QueryUsers(c.ctx, store.DirectoryQuery{TenantID: c.TenantID, IDs: ids})
	if err != nil {
		return AsError(err)
	}
	groups, _, err := s.store.QueryGroups(c.ctx, store.DirectoryQuery{TenantID: c.TenantID, IDs: ids})
	if err != nil {
		return AsError(err)
	}
	var vals []json.RawMessage
	for i := range users {
		b, err := c.renderUser(&users[i], q.q.Select)
		if err != nil {
			return AsError(err)
		}
		vals = append(vals, WithType(b, "#microsoft.graph.user"))
	}
	for i := range groups {
		b, err := c.renderGroup(&groups[i], q.q.Select, true)
		if err != nil {
			return AsError(err)
		}
		vals = append(vals, b)
	}
	total := len(vals)
	if q.skip < len(vals) {
		vals = vals[q.skip:]
	} else {
		vals = nil
	}
	more := len(vals) > q.top
	if more {
		vals = vals[:q.top]
	}
	return c.WritePage(c.ContextURL(), q, vals, total, more)
}

// addMember is POST /members/$ref {"@odata.id": ".../directoryObjects/{id}"}.
func (s *Server) addMember(c *Call) error {
	var in struct {
		ID string `json:"@odata.id"`
	}
	if err := c.ReadJSON(&in); err != nil {
		return err
	}
	if in.ID == "" {
		return NewErrorf(http.StatusBadRequest, "Request_BadRequest", "Invalid URL format specified in @odata.id.")
	}
	id := BindID(in.ID)
	u, err := s.FindUser(c, id)
	if err != nil {
		return ErrDirectoryNotFound(id)
	}
	m := store.Membership{TenantID: c.TenantID, ContainerID: c.TargetGroup.ID, ContainerKind: store.ContainerGroup, MemberID: u.ID, Role: roleOfPath(c)}
	if err := s.dir.AddMember(c.ctx, m); err != nil {
		if errors.Is(err, directory.ErrExists) {
			return NewErrorf(http.StatusBadRequest, "Request_BadRequest", "One or more added object references already exist for the following modified properties: '%s'.", strings.TrimSuffix(string(m.Role), "")+"s")
		}
		return AsError(err)
	}
	return c.NoContent()
}

func (s *Server) removeMember(c *Call) error {
	id := c.Param(1)
	u, err := s.FindUser(c, id)
	if err != nil {
		return ErrDirectoryNotFound(id)
	}
	m := store.Membership{TenantID: c.TenantID, ContainerID: c.TargetGroup.ID, ContainerKind: store.ContainerGroup, MemberID: u.ID, Role: roleOfPath(c)}
	if err := s.dir.RemoveMember(c.ctx, m); err != nil {
		if errors.Is(err, directory.ErrNotFound) {
			return ErrDirectoryNotFound(id)
		}
		return AsError(err)
	}
	return c.NoContent()
}

// memberOf lists the groups, directory roles and administrative units a
// user is a direct member of.
func (s *Server) memberOf(c *Call) error {
	q, err := c.ParseQuery(odata.Directory, 100, odata.DirectoryMaxTop)
	if err != nil {
		return err
	}
	ms, err := s.store.MemberOf(c.ctx, c.TenantID, c.TargetUser.ID, store.RoleMember)
	if err != nil {
		return AsError(err)
	}
	var groupIDs []string
	var vals []json.RawMessage
	for _, m := range ms {
		switch m.ContainerKind {
		case store.ContainerGroup:
			groupIDs = append(groupIDs, m.ContainerID)
		case store.ContainerAU:
			if au, err := s.store.GetAdministrativeUnit(c.ctx, c.TenantID, m.ContainerID); err == nil {
				vals = append(vals, WithType(EncodeDoc(auJSON(au)), "#microsoft.graph.administrativeUnit"))
			}
		}
	}
	for _, r := range c.TargetUser.Roles {
		if role, err := roles.Parse(r); err == nil {
			vals = append(vals, WithType(EncodeDoc(roleJSON(role)), "#microsoft.graph.directoryRole"))
		}
	}
	if len(groupIDs) > 0 {
		gq := *q
		gq.top, gq.skip = 1000, 0
		groups, _, err := s.queryGroups(c, &gq, groupIDs)
		if err != nil {
			return err
		}
		for i := range groups {
			b, err := c.renderGroup(&groups[i], q.q.Select, true)
			if err != nil {
				return AsError(err)
			}
			vals = append(vals, b)
		}
	}
	total := len(vals)
	if q.skip < len(vals) {
		vals = vals[q.skip:]
	} else {
		vals = nil
	}
	more := len(vals) > q.top
	if more {
		vals = vals[:q.top]
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
func (s *Server) listDirectoryRoles(c *Call) error {
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
			vals = append(vals, EncodeDoc(roleJSON(r)))
		}
	}
	return c.WritePage(c.ContextURL(), q, vals, len(vals), false)
}

// eachUser visits a tenant's users page by page (directory roles are few;
// role membership is a property of users in graphgate's store).
func (s *Server) eachUser(c *Call, f func(store.User)) error {
	after := ""
	for {
		us, err := s.store.ListUsers(c.ctx, c.TenantID, after, 500)
		if err != nil {
			return AsError(err)
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

func (s *Server) directoryRoleMembers(c *Call) error {
	role, err := roles.Parse(c.Param(0))
	if err != nil {
		return ErrDirectoryNotFound(c.Param(0))
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

func (s *Server) listAUs(c *Call) error {
	q, err := c.ParseQuery(odata.Directory, 100, odata.DirectoryMaxTop)
	if err != nil {
		return err
	}
	aus, err := s.store.ListAdministrativeUnits(c.ctx, c.TenantID)
	if err != nil {
		return AsError(err)
	}
	var vals []json.RawMessage
	for _, au := range aus {
		vals = append(vals, EncodeDoc(auJSON(au)))
	}
	return c.WritePage(c.ContextURL(), q, vals, len(vals), false)
}

func (s *Server) auMembers(c *Call) error {
	q, err := c.ParseQuery(odata.Directory, 100, odata.DirectoryMaxTop)
	if err != nil {
		return err
	}
	ms, err := s.store.Members(c.ctx, c.TenantID, strings.ToLower(c.Param(0)), store.RoleMember)
	if err != nil {
		return AsError(err)
	}
	return s.writeDirectoryObjects(c, q, ms, func(m store.Membership) string { return m.MemberID })
}
