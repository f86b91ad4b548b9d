package entra

import (
	"encoding/json"
	"errors"

	"graphgate/internal/graph"
	"graphgate/internal/store"
)

// expandManager inlines a user's manager (omitted when there is none, as
// Graph does).
func (s server) expandManager(c *graph.Call, u *store.User, body json.RawMessage) (json.RawMessage, error) {
	it, ok := c.Expanding("manager")
	if !ok || u.ManagerID == "" {
		return body, nil
	}
	d, err := s.AuthorizeExpansion(c, "/users/"+u.ID+"/manager")
	if err != nil {
		return nil, err
	}
	m, err := s.Store().GetUser(c.Context(), c.TenantID, u.ManagerID)
	if errors.Is(err, store.ErrNotFound) {
		return body, nil
	}
	if err != nil {
		return nil, graph.AsError(err)
	}
	saved := c.Decision
	c.Decision = d
	mb, err := renderUser(c, &m, graph.SelectOf(it))
	c.Decision = saved
	if err != nil {
		return nil, err
	}
	return graph.SpliceProp(body, "manager", graph.WithType(mb, "#microsoft.graph.user")), nil
}

// expandGroupMembers inlines a group's members or owners (directory
// objects, typed).
func (s server) expandGroupMembers(c *graph.Call, g *store.Group, body json.RawMessage) (json.RawMessage, error) {
	for _, nav := range []struct {
		name string
		role store.MemberRole
	}{{"members", store.RoleMember}, {"owners", store.RoleOwner}} {
		it, ok := c.Expanding(nav.name)
		if !ok {
			continue
		}
		d, err := s.AuthorizeExpansion(c, "/groups/"+g.ID+"/"+nav.name)
		if err != nil {
			return nil, err
		}
		ms, err := s.Store().Members(c.Context(), c.TenantID, g.ID, nav.role)
		if err != nil {
			return nil, graph.AsError(err)
		}
		var ids []string
		for _, m := range ms {
			ids = append(ids, m.MemberID)
		}
		vals := []json.RawMessage{}
		if len(ids) > 0 {
			users, _, err := s.Store().QueryUsers(c.Context(), store.DirectoryQuery{TenantID: c.TenantID, IDs: ids})
			if err != nil {
				return nil, graph.AsError(err)
			}
			groups, _, err := s.Store().QueryGroups(c.Context(), store.DirectoryQuery{TenantID: c.TenantID, IDs: ids})
			if err != nil {
				return nil, graph.AsError(err)
			}
			saved := c.Decision
			c.Decision = d
			for i := range users {
				b, err := renderUser(c, &users[i], graph.SelectOf(it))
				if err != nil {
					c.Decision = saved
					return nil, err
				}
				vals = append(vals, graph.WithType(b, "#microsoft.graph.user"))
			}
			for i := range groups {
				b, err := renderGroup(c, &groups[i], graph.SelectOf(it), true)
				if err != nil {
					c.Decision = saved
					return nil, graph.AsError(err)
				}
				vals = append(vals, b)
			}
			c.Decision = saved
		}
		arr, _ := json.Marshal(vals)
		body = graph.SpliceProp(body, nav.name, arr)
	}
	return body, nil
}
