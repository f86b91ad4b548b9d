package directory

import (
	"context"

	"graphgate/internal/store"
)

// NewGroup is a group to create with its first owners and members.
type NewGroup struct {
	// Group carries the tenant and the group's properties; the service sets
	// an ID unless one is given, CreatedAt and Version.
	store.Group
	// Owners and Members are object ids (users or groups) of the tenant.
	Owners, Members []string
	// Creator is the signed-in user who creates the group: as in Entra, they
	// own it when no owner is named. Empty for an app or an administrator's
	// command.
	Creator string
}

// CreateGroup creates a group in an organisation together with its owners
// and members, in one store transaction. Visibility defaults to Public; a
// mail-enabled group without a mail address gets <mailNickname>@<default
// domain>. Naming a member twice is the same as naming it once. A group
// whose id exists is ErrExists.
func (s *Service) CreateGroup(ctx context.Context, ng NewGroup) (store.Group, error) {
	g := ng.Group
	t, err := s.tenant(ctx, g.TenantID)
	if err != nil {
		return g, err
	}
	if t.Kind != store.TenantWork {
		return g, invalid("tenant", "groups belong to an organisation, not to %s", t.DisplayName)
	}
	switch g.Visibility {
	case "":
		g.Visibility = store.VisibilityPublic
	case store.VisibilityPublic, store.VisibilityPrivate, store.VisibilityHiddenMembership:
	default:
		return g, invalid("visibility", "a group's visibility is Public, Private or HiddenMembership, not %q", g.Visibility)
	}
	if g.MailEnabled && g.Mail == "" && len(t.Domains) > 0 {
		g.Mail = g.MailNickname + "@" + t.Domains[0]
	}
	owners := ng.Owners
	if len(owners) == 0 && ng.Creator != "" {
		owners = []string{ng.Creator}
	}
	var initial []store.Membership
	seen := map[store.Membership]bool{}
	for _, part := range []struct {
		ids  []string
		role store.MemberRole
	}{{owners, store.RoleOwner}, {ng.Members, store.RoleMember}} {
		for _, id := range part.ids {
			m := store.Membership{MemberID: id, Role: part.role}
			if id != "" && !seen[m] {
				seen[m] = true
				initial = append(initial, m)
			}
		}
	}
	if g.ID == "" {
		g.ID = s.newID()
	}
	g.CreatedAt, g.Version = s.now(), 1
	return g, classify(s.st.CreateGroup(ctx, g, initial...))
}

// GroupChanges are the properties UpdateGroup sets; nil leaves a property
// as it is.
type GroupChanges struct {
	DisplayName, Description, MailNickname *string
}

// UpdateGroup changes a group's properties.
func (s *Service) UpdateGroup(ctx context.Context, tenantID, id string, c GroupChanges) error {
	return classify(s.st.UpdateGroup(ctx, tenantID, id, func(g store.Group) (store.Group, error) {
		for _, f := range []struct {
			dst *string
			v   *string
		}{{&g.DisplayName, c.DisplayName}, {&g.Description, c.Description}, {&g.MailNickname, c.MailNickname}} {
			if f.v != nil {
				*f.dst = *f.v
			}
		}
		return g, nil
	}))
}

// DeleteGroup deletes a group with the memberships it holds and those it is
// in.
func (s *Service) DeleteGroup(ctx context.Context, tenantID, id string) error {
	return classify(s.st.DeleteGroup(ctx, tenantID, id))
}

// AddMember adds a member or owner to a group (or an administrative unit),
// as POST /groups/{id}/members/$ref does: a membership that exists is
// ErrExists. ContainerKind defaults to a group, Role to member.
func (s *Service) AddMember(ctx context.Context, m store.Membership) error {
	m, err := membership(m)
	if err != nil {
		return err
	}
	return classify(s.st.AddMember(ctx, m))
}

// RemoveMember removes a member or owner, as DELETE
// /groups/{id}/members/{id}/$ref does: a membership that does not exist is
// ErrNotFound.
func (s *Service) RemoveMember(ctx context.Context, m store.Membership) error {
	m, err := membership(m)
	if err != nil {
		return err
	}
	return classify(s.st.RemoveMember(ctx, m))
}

func membership(m store.Membership) (store.Membership, error) {
	if m.ContainerKind == "" {
		m.ContainerKind = store.ContainerGroup
	}
	if m.Role == "" {
		m.Role = store.RoleMember
	}
	switch {
	case m.TenantID == "" || m.ContainerID == "" || m.MemberID == "":
		return m, invalid("membership", "a membership names a tenant, a container and a member")
	case m.Role != store.RoleMember && m.Role != store.RoleOwner:
		return m, invalid("role", "a membership's role is member or owner, not %q", m.Role)
	case m.ContainerKind != store.ContainerGroup && m.ContainerKind != store.ContainerAU:
		return m, invalid("containerKind", "members belong to a group or an administrative unit, not %q", m.ContainerKind)
	case m.ContainerKind == store.ContainerAU && m.Role == store.RoleOwner:
		return m, invalid("role", "an administrative unit has members, not owners")
	}
	return m, nil
}

// CreateAdministrativeUnit creates an administrative unit (ID generated if
// missing); one whose id exists is ErrExists.
func (s *Service) CreateAdministrativeUnit(ctx context.Context, au store.AdministrativeUnit) (store.AdministrativeUnit, error) {
	if au.ID == "" {
		au.ID = s.newID()
	}
	if au.TenantID == "" {
		return au, invalid("tenant", "an administrative unit belongs to a tenant")
	}
	return au, classify(s.st.CreateAdministrativeUnit(ctx, au))
}
