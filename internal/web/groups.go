package web

import (
	"errors"
	"net/http"
	"strings"

	"graphgate/internal/directory"
	"graphgate/internal/roles"
	"graphgate/internal/store"
)

type groupsData struct {
	Groups []store.Group
	Next   string
}

// handleGroups lists the tenant's groups and creates one.
func (s *Server) handleGroups(c *creq) {
	ctx := c.r.Context()
	status, notice, errMsg := http.StatusOK, "", ""
	if c.r.Method == http.MethodPost {
		name := strings.TrimSpace(c.r.PostFormValue("displayName"))
		g := store.Group{TenantID: c.tenant.ID, DisplayName: name, Description: strings.TrimSpace(c.r.PostFormValue("description")),
			MailNickname: strings.TrimSpace(c.r.PostFormValue("mailNickname")), SecurityEnabled: true}
		if c.r.PostFormValue("type") == "m365" {
			g.GroupTypes, g.MailEnabled, g.SecurityEnabled = []string{"Unified"}, true, false
		}
		var err error
		if name == "" || g.MailNickname == "" {
			err = &directory.ValidationError{Field: "displayName", Reason: "a group needs a name and a mail nickname"}
		} else {
			// The administrator creates it without naming owners: as with
			// Graph's POST /groups by a user, the creator owns it.
			g, err = s.d.Dir.CreateGroup(ctx, directory.NewGroup{Group: g, Creator: c.admin.ID})
		}
		if err != nil {
			status, errMsg = s.failure(c, err)
		} else {
			notice = "Created the group " + g.DisplayName + "."
		}
	}
	gs, err := s.d.Store.ListGroups(ctx, c.tenant.ID, c.r.FormValue("after"), pageSize+1)
	if err != nil {
		s.storeFailed(c.w, c.r, err)
		return
	}
	d := groupsData{Groups: gs}
	if len(gs) > pageSize {
		d.Groups, d.Next = gs[:pageSize], gs[pageSize-1].ID
	}
	s.show(c, status, "groups", "Groups", "groups", d, notice, errMsg)
}

type memberRow struct {
	ID, Name, UPN, Kind string
}

type groupData struct {
	Group           store.Group
	Members, Owners []memberRow
}

// handleGroup shows a group's members and owners, and adds or removes
// them.
func (s *Server) handleGroup(c *creq) {
	ctx := c.r.Context()
	id := c.r.PathValue("id")
	g, err := s.d.Store.GetGroup(ctx, c.tenant.ID, id)
	if errors.Is(err, store.ErrNotFound) {
		s.notFound(c, "The group "+id)
		return
	}
	if err != nil {
		s.storeFailed(c.w, c.r, err)
		return
	}
	status, notice, errMsg := http.StatusOK, "", ""
	if c.r.Method == http.MethodPost {
		role := store.RoleMember
		if c.r.PostFormValue("role") == "owner" {
			role = store.RoleOwner
		}
		m := store.Membership{TenantID: c.tenant.ID, ContainerID: g.ID, ContainerKind: store.ContainerGroup, Role: role}
		switch c.r.PostFormValue("action") {
		case "add":
			upn := strings.TrimSpace(c.r.PostFormValue("upn"))
			u, err := s.d.Store.UserByUPN(ctx, upn)
			if err != nil || u.TenantID != c.tenant.ID {
				if err != nil && !errors.Is(err, store.ErrNotFound) {
					s.storeFailed(c.w, c.r, err)
					return
				}
				status, errMsg = http.StatusNotFound, "No user "+upn+" in "+c.tenant.DisplayName+"; nothing was changed. `graphgate user list` lists them."
				break
			}
			m.MemberID = u.ID
			if err := s.d.Dir.AddMember(ctx, m); err != nil {
				status, errMsg = s.failure(c, err)
			} else {
				notice = "Added " + u.UserPrincipalName + " as " + string(role) + "."
			}
		case "remove":
			m.MemberID = c.r.PostFormValue("member")
			if err := s.d.Dir.RemoveMember(ctx, m); err != nil {
				status, errMsg = s.failure(c, err)
			} else {
				notice = "Removed the " + string(role) + "."
			}
		default:
			status, errMsg = http.StatusBadRequest, "Unknown action; nothing was changed."
		}
	}
	d := groupData{Group: g}
	for _, role := range []store.MemberRole{store.RoleMember, store.RoleOwner} {
		ms, err := s.d.Store.Members(ctx, c.tenant.ID, g.ID, role)
		if err != nil {
			s.storeFailed(c.w, c.r, err)
			return
		}
		rows := []memberRow{}
		for i, m := range ms {
			if i == maxScan {
				break
			}
			row := memberRow{ID: m.MemberID, Name: m.MemberID, Kind: "group"}
			if u, err := s.d.Store.GetUser(ctx, c.tenant.ID, m.MemberID); err == nil {
				row.Name, row.UPN, row.Kind = u.DisplayName, u.UserPrincipalName, string(u.Kind)
			} else if sg, err := s.d.Store.GetGroup(ctx, c.tenant.ID, m.MemberID); err == nil {
				row.Name = sg.DisplayName
			}
			rows = append(rows, row)
		}
		if role == store.RoleMember {
			d.Members = rows
		} else {
			d.Owners = rows
		}
	}
	s.show(c, status, "group", g.DisplayName, "groups", d, notice, errMsg)
}

type roleHolders struct {
	Name, TemplateID string
	Users            []store.User
}

type rolesData struct {
	Roles     []roleHolders
	Truncated bool
}

// handleRoles lists the directory roles and who holds them (among at most
// maxScan users).
func (s *Server) handleRoles(c *creq) {
	d := rolesData{}
	idx := map[string]int{}
	for _, r := range roles.All() {
		idx[r.TemplateID()] = len(d.Roles)
		d.Roles = append(d.Roles, roleHolders{Name: r.String(), TemplateID: r.TemplateID()})
	}
	after, scanned := "", 0
	for {
		us, err := s.d.Store.ListUsers(c.r.Context(), c.tenant.ID, after, 500)
		if err != nil {
			s.storeFailed(c.w, c.r, err)
			return
		}
		for _, u := range us {
			for _, id := range u.Roles {
				if i, ok := idx[id]; ok {
					d.Roles[i].Users = append(d.Roles[i].Users, u)
				}
			}
		}
		scanned += len(us)
		if len(us) < 500 {
			break
		}
		if scanned >= maxScan {
			d.Truncated = true
			break
		}
		after = us[len(us)-1].ID
	}
	s.show(c, http.StatusOK, "roles", "Roles and administrators", "roles", d, "", "")
}
