package graph

import (
	"encoding/json"
	"errors"
	"strings"

	"graphgate/internal/authz"
	"graphgate/internal/catalog"
	"graphgate/internal/store"
)

// resolveTarget finds the object the path names and the facts about it
// that the rule's decision reads (authz.Engine.Lookups): the relation to the
// caller, what the owner shared with the caller, group membership, whether
// the group is public or hides its members, role membership. It answers
// 404 for a path naming nothing.
func (s *Server) resolveTarget(c *Call) error {
	if c.Match.MeFallback || c.Match.Me {
		if c.Caller == nil {
			return nil // app-only on /me: the engine answers
		}
		c.TargetUser = c.Caller
		c.target.Relation = authz.RelSelf
		return s.userFacts(c)
	}
	kind := targetOfSegments(c.Match.Route.Segments(), false)
	if c.endpoint != nil {
		kind = c.endpoint.Target // the same, declared or computed once
	}
	if kind == TargetTenant || kind == TargetMe { // TargetMe: the match said not /me
		c.target.Relation = authz.RelTenant
		return nil
	}
	id := c.Param(0)
	switch kind {
	case TargetUser:
		u, err := s.FindUser(c, id)
		if err != nil {
			if errors.Is(err, store.ErrNotFound) {
				if s.workloadOf(&authz.Decision{Match: c.Match, Scheme: catalog.DelegatedWork}) == WorkloadExchange {
					return ErrMailboxNotFound(id)
				}
				return ErrDirectoryNotFound(id)
			}
			return AsError(err)
		}
		c.TargetUser = &u
		return s.userFacts(c)
	case TargetGroup:
		g, err := s.store.GetGroup(c.ctx, c.TenantID, strings.ToLower(id))
		if errors.Is(err, store.ErrNotFound) {
			return ErrDirectoryNotFound(id)
		}
		if err != nil {
			return AsError(err)
		}
		c.TargetGroup = &g
		return s.groupFacts(c, &g)
	case TargetDrive:
		if s.files.Drive == nil {
			return ErrDriveItemNotFound()
		}
		owner, group, d, err := s.files.Drive(s, c.ctx, c.TenantID, id)
		if err != nil {
			return err
		}
		c.targetDrive = d
		if !group {
			c.TargetUser = &owner
			return s.userFacts(c)
		}
		g, err := s.store.GetGroup(c.ctx, c.TenantID, owner.ID)
		if errors.Is(err, store.ErrNotFound) {
			return ErrDriveItemNotFound()
		}
		if err != nil {
			return AsError(err)
		}
		return s.groupFacts(c, &g)
	case TargetAdministrativeUnit:
		au, err := s.store.GetAdministrativeUnit(c.ctx, c.TenantID, strings.ToLower(id))
		if errors.Is(err, store.ErrNotFound) {
			return ErrDirectoryNotFound(id)
		}
		if err != nil {
			return AsError(err)
		}
		c.target.Relation = authz.RelTenant
		c.target.HiddenMembership = au.Visibility == string(store.VisibilityHiddenMembership)
	case TargetChat:
		c.target.Relation = authz.RelChat
		if c.Caller != nil {
			member, err := s.chatMember(c, id, c.Caller.ID)
			if err != nil {
				return err
			}
			c.target.Member = member
		}
	default:
		// Teams, sites and the like, which graphgate does not serve, keep
		// the relation the engine infers from the path (a team's or a
		// site's data is its group's); directory objects such as devices or
		// applications are the tenant's.
		if s.engine.Lookups(c.Match.Rule) == 0 {
			c.target.Relation = authz.RelTenant
		}
	}
	return nil
}

// FindUser resolves a user by object id or user principal name.
func (s *Server) FindUser(c *Call, id string) (store.User, error) {
	if strings.Contains(id, "@") {
		u, err := s.store.UserByUPN(c.ctx, id)
		if err == nil && u.TenantID != c.TenantID {
			return store.User{}, store.ErrNotFound
		}
		return u, err
	}
	return s.store.GetUser(c.ctx, c.TenantID, strings.ToLower(id))
}

// userFacts sets the relation of the caller to c.TargetUser, whether the
// target holds roles or administrative-unit memberships, and what the
// target shared with the caller, when the rule reads them.
func (s *Server) userFacts(c *Call) error {
	u := c.TargetUser
	switch {
	case c.Caller != nil && u.ID == c.Caller.ID:
		c.target.Relation = authz.RelSelf
	case u.Kind == store.UserSharedMailbox:
		c.target.Relation = authz.RelSharedMailbox
	default:
		c.target.Relation = authz.RelOtherUser
	}
	need := s.engine.Lookups(c.Match.Rule)
	c.target.InRoleOrAU = len(u.Roles) > 0
	if !c.target.InRoleOrAU && need&authz.LookupRoleOrAU != 0 {
		ms, err := s.store.MemberOf(c.ctx, c.TenantID, u.ID, store.RoleMember)
		if err != nil {
			return AsError(err)
		}
		for _, m := range ms {
			if m.ContainerKind == store.ContainerAU {
				c.target.InRoleOrAU = true
			}
		}
	}
	if c.Caller == nil || c.target.Relation == authz.RelSelf || need&authz.LookupSharing == 0 {
		return nil
	}
	access, err := s.sharedWithCaller(c, u.ID, s.engine.SharingResource(c.Match.Rule))
	c.target.Access = access
	return err
}

// groupFacts sets the relation of the caller to a group (or its drive):
// whether the group is public or hides its members, and, when the rule
// reads them, the caller's membership and the items of the group's drive
// shared with the caller.
func (s *Server) groupFacts(c *Call, g *store.Group) error {
	c.target.Relation = authz.RelGroup
	c.target.HiddenMembership = g.Visibility == store.VisibilityHiddenMembership
	c.target.Public = g.Visibility == store.VisibilityPublic
	if c.Caller == nil {
		return nil
	}
	need := s.engine.Lookups(c.Match.Rule)
	if need&authz.LookupMembership != 0 || c.r != nil && strings.Contains(c.r.URL.RawQuery, "expand") {
		// An expansion ($expand=members) is decided with these facts too.
		var err error
		if c.target.Member, c.target.Owner, err = s.Membership(c, g.ID); err != nil {
			return AsError(err)
		}
	}
	if need&authz.LookupSharing != 0 && !c.target.Member && !c.target.Owner {
		access, err := s.sharedWithCaller(c, g.ID, s.engine.SharingResource(c.Match.Rule))
		c.target.Access = access
		return err
	}
	return nil
}

// sharedWithCaller is what owner (a user, or a group for its drive) shared
// of resource with the caller: for files, the union of the grants on items
// of the owner's drive (the drive then confines the call to those items);
// otherwise the owner's delegations of the resource to the caller.
func (s *Server) sharedWithCaller(c *Call, ownerID, resource string) (authz.Access, error) {
	if strings.EqualFold(resource, "Files") {
		q := store.ItemQuery{TenantID: c.TenantID, Kind: KindDriveShare, OwnerID: c.Caller.ID,
			Filter: DocEq("driveOwnerId", ownerID), Limit: 1}
		items, _, err := s.store.QueryItems(c.ctx, q)
		if err != nil || len(items) == 0 {
			return 0, AsErrorOrNil(err)
		}
		role := store.Field{Var: "r", Type: store.TypeString}
		q.Filter = store.And{q.Filter, store.Any{Array: store.Field{Path: []string{"roles"}, Type: store.TypeString}, Var: "r",
			Cond: store.In{Field: role, Values: []store.Value{store.String("write"), store.String("owner")}}}}
		if items, _, err = s.store.QueryItems(c.ctx, q); err != nil {
			return 0, AsError(err)
		}
		if len(items) > 0 {
			return authz.AccessRead | authz.AccessWrite, nil
		}
		return authz.AccessRead, nil
	}
	items, _, err := s.store.QueryItems(c.ctx, store.ItemQuery{TenantID: c.TenantID, Kind: KindDelegation, OwnerID: ownerID,
		Filter: DocEq("delegateId", c.Caller.ID)})
	if err != nil {
		return 0, AsError(err)
	}
	var access authz.Access
	for _, it := range items {
		var dl Delegation
		if json.Unmarshal(it.Doc, &dl) != nil || dl.DelegateID != c.Caller.ID || !dl.Shares(resource) {
			continue
		}
		for _, a := range dl.Access {
			switch a {
			case "read":
				access |= authz.AccessRead
			case "write":
				access |= authz.AccessRead | authz.AccessWrite
			case "send":
				access |= authz.AccessSend
			}
		}
	}
	return access, nil
}

// Membership reports whether the caller is a member and an owner of a
// group, from the caller's own memberships (not the group's members, which
// may be many).
func (s *Server) Membership(c *Call, groupID string) (member, owner bool, err error) {
	for _, role := range []store.MemberRole{store.RoleMember, store.RoleOwner} {
		ms, err := s.store.MemberOf(c.ctx, c.TenantID, c.Caller.ID, role)
		if err != nil {
			return false, false, err
		}
		for _, m := range ms {
			if m.ContainerKind == store.ContainerGroup && strings.EqualFold(m.ContainerID, groupID) {
				if role == store.RoleMember {
					member = true
				} else {
					owner = true
				}
			}
		}
	}
	return member, owner, nil
}
