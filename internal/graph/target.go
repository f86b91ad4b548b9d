package graph

import (
	"encoding/json"
	"errors"
	"strings"

	"graphgate/internal/authz"
	"graphgate/internal/catalog"
	"graphgate/internal/store"
)

// KindDelegation is the item kind of a sharing grant: an owner shared a
// calendar, delegated a mailbox, or gave send rights to another user. Its
// OwnerID is the owner; the document says to whom and what.
const KindDelegation = "delegation"

// Delegation is a sharing grant's document.
type Delegation struct {
	DelegateID string `json:"delegateId"`
	// Family is what is shared: mail (the mailbox and its settings),
	// calendar, contacts or tasks.
	Family string `json:"family"`
	// Access lists read, write and send.
	Access []string `json:"access"`
}

// resolveTarget finds the object the path names and the facts the rule
// needs about it: the relation to the caller, what the owner shared with
// the caller, group membership, hidden membership, role membership. It
// answers 404 for a path naming nothing.
func (s *Server) resolveTarget(c *Call) error {
	segs := c.Match.Route.Segments()
	if c.Match.MeFallback || c.Match.Me {
		if c.Caller == nil {
			return nil // app-only on /me: the engine answers
		}
		c.TargetUser = c.Caller
		c.target.Relation = authz.RelSelf
		return s.userFacts(c, segs)
	}
	if len(segs) < 2 || segs[1] != "{id}" {
		c.target.Relation = authz.RelTenant
		return nil
	}
	id := c.Param(0)
	switch segs[0] {
	case "users":
		u, err := s.findUser(c, id)
		if err != nil {
			if errors.Is(err, store.ErrNotFound) {
				if workloadOf(&authz.Decision{Match: c.Match, Scheme: catalog.DelegatedWork}) == workloadExchange {
					return errMailboxNotFound(id)
				}
				return errDirectoryNotFound(id)
			}
			return asError(err)
		}
		c.TargetUser = &u
		switch {
		case c.Caller != nil && u.ID == c.Caller.ID:
			c.target.Relation = authz.RelSelf
		case u.Kind == store.UserSharedMailbox:
			c.target.Relation = authz.RelSharedMailbox
		default:
			c.target.Relation = authz.RelOtherUser
		}
		return s.userFacts(c, segs)
	case "groups":
		g, err := s.store.GetGroup(c.ctx, c.TenantID, strings.ToLower(id))
		if errors.Is(err, store.ErrNotFound) {
			return errDirectoryNotFound(id)
		}
		if err != nil {
			return asError(err)
		}
		c.TargetGroup = &g
		c.target.Relation = authz.RelGroup
		c.target.HiddenMembership = g.Visibility == store.VisibilityHiddenMembership
		if c.Caller != nil {
			c.target.Member, c.target.Owner, err = s.membership(c, g.ID)
			if err != nil {
				return asError(err)
			}
		}
	case "administrativeunits":
		au, err := s.store.GetAdministrativeUnit(c.ctx, c.TenantID, strings.ToLower(id))
		if errors.Is(err, store.ErrNotFound) {
			return errDirectoryNotFound(id)
		}
		if err != nil {
			return asError(err)
		}
		c.target.Relation = authz.RelTenant
		c.target.HiddenMembership = au.Visibility == string(store.VisibilityHiddenMembership)
	case "chats":
		c.target.Relation = authz.RelChat
		if c.Caller != nil {
			member, err := s.chatMember(c, id, c.Caller.ID)
			if err != nil {
				return err
			}
			c.target.Member = member
		}
	default:
		c.target.Relation = authz.RelTenant
	}
	return nil
}

// findUser resolves a user by object id or user principal name.
func (s *Server) findUser(c *Call, id string) (store.User, error) {
	if strings.Contains(id, "@") {
		u, err := s.store.UserByUPN(c.ctx, id)
		if err == nil && u.TenantID != c.TenantID {
			return store.User{}, store.ErrNotFound
		}
		return u, err
	}
	return s.store.GetUser(c.ctx, c.TenantID, strings.ToLower(id))
}

// userFacts adds what the owner shared with the caller and whether the
// target holds roles or administrative-unit memberships.
func (s *Server) userFacts(c *Call, segs []string) error {
	u := c.TargetUser
	c.target.InRoleOrAU = len(u.Roles) > 0
	if !c.target.InRoleOrAU && s.engine.NeedsRoleOrAU(c.Match.Rule) {
		ms, err := s.store.MemberOf(c.ctx, c.TenantID, u.ID, store.RoleMember)
		if err != nil {
			return asError(err)
		}
		for _, m := range ms {
			if m.ContainerKind == store.ContainerAU {
				c.target.InRoleOrAU = true
			}
		}
	}
	if c.Caller == nil || c.target.Relation == authz.RelSelf {
		return nil
	}
	family := familyOf(c)
	if family == "" {
		return nil
	}
	items, _, err := s.store.QueryItems(c.ctx, store.ItemQuery{TenantID: c.TenantID, Kind: KindDelegation, OwnerID: u.ID})
	if err != nil {
		return asError(err)
	}
	for _, it := range items {
		var d Delegation
		if json.Unmarshal(it.Doc, &d) != nil || d.DelegateID != c.Caller.ID || d.Family != family {
			continue
		}
		for _, a := range d.Access {
			switch a {
			case "read":
				c.target.Access |= authz.AccessRead
			case "write":
				c.target.Access |= authz.AccessRead | authz.AccessWrite
			case "send":
				c.target.Access |= authz.AccessSend
			}
		}
	}
	return nil
}

// familyOf names the kind of data a route reaches, from the permissions it
// accepts: mail, calendar, contacts or tasks ("" for anything else).
func familyOf(c *Call) string {
	for _, e := range c.Match.Rule.Accepted[catalog.DelegatedWork] {
		switch strings.ToLower(e.Perm.Parts.Resource) {
		case "mail", "mailboxsettings":
			return "mail"
		case "calendars":
			return "calendar"
		case "contacts":
			return "contacts"
		case "tasks":
			return "tasks"
		}
	}
	return ""
}

// membership reports whether the caller is a member and an owner of a group.
func (s *Server) membership(c *Call, groupID string) (member, owner bool, err error) {
	for _, role := range []store.MemberRole{store.RoleMember, store.RoleOwner} {
		ms, err := s.store.Members(c.ctx, c.TenantID, groupID, role)
		if err != nil {
			return false, false, err
		}
		for _, m := range ms {
			if m.MemberID == c.Caller.ID {
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
