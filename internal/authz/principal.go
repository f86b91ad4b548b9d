package authz

import (
	"graphgate/internal/catalog"
	"graphgate/internal/roles"
)

// TokenKind says whether a token acts for a signed-in user.
type TokenKind uint8

const (
	// Delegated tokens carry scopes (scp) and act as the signed-in user.
	Delegated TokenKind = iota
	// App tokens carry application permissions (roles) and no user.
	App
)

func (k TokenKind) String() string {
	if k == App {
		return "application"
	}
	return "delegated"
}

// AccountType is the signed-in user's kind of account.
type AccountType uint8

const (
	// Work is a work or school (Entra ID) account.
	Work AccountType = iota
	// Personal is a personal Microsoft account (Outlook.com, Xbox, …).
	Personal
)

func (a AccountType) String() string {
	if a == Personal {
		return "personal Microsoft account"
	}
	return "work or school account"
}

// Principal is who calls: what the token grants and, for delegated tokens,
// the facts about the signed-in user that bound its effective permissions.
// A Principal is built once per token and reused for every request.
type Principal struct {
	Kind    TokenKind
	Account AccountType
	// Granted holds the token's scopes (delegated) or roles (application).
	Granted catalog.Set
	// Roles are the signed-in user's directory roles.
	Roles roles.Set
	// Guest marks a guest (B2B) user of the tenant.
	Guest bool
}

// Relation is how the target of a request relates to the signed-in user.
type Relation uint8

const (
	// RelDefault lets the engine infer the relation from the path: /me is
	// the user themselves, /users/{id} and /drives/{id} another user,
	// /groups/{id}, /teams/{id} and /sites/{id} a group, /chats/{id} a chat,
	// anything else the tenant.
	RelDefault Relation = iota
	// RelSelf: the target is the signed-in user's own data.
	RelSelf
	// RelOtherUser: another user's data: mailbox, calendar, contacts,
	// tasks, notebooks, drive, profile.
	RelOtherUser
	// RelSharedMailbox: a shared mailbox (a mailbox no one signs in to).
	RelSharedMailbox
	// RelGroup: a group, or its team, site or drive (see Target.Member,
	// Target.Owner and Target.Public).
	RelGroup
	// RelChat: a chat (see Target.Member).
	RelChat
	// RelTenant: a tenant-wide resource or collection.
	RelTenant
)

var relationNames = [...]string{"inferred", "self", "another user", "a shared mailbox", "a group", "a chat", "the tenant"}

func (r Relation) String() string {
	if int(r) < len(relationNames) {
		return relationNames[r]
	}
	return "unknown"
}

// Access is what the owner of another user's data (or a shared mailbox's
// administrator) granted the signed-in user: calendar sharing, mailbox
// delegation, send-as or send-on-behalf rights, shared notebooks, shared
// drive items (the union of the items' grants: the drive confines the call
// to the items themselves).
type Access uint8

// Access levels.
const (
	AccessRead Access = 1 << iota
	AccessWrite
	AccessSend
)

// Has reports whether a includes all of b.
func (a Access) Has(b Access) bool { return a&b == b }

func (a Access) String() string {
	s := ""
	add := func(x string) {
		if s != "" {
			s += "+"
		}
		s += x
	}
	if a.Has(AccessRead) {
		add("read")
	}
	if a.Has(AccessWrite) {
		add("write")
	}
	if a.Has(AccessSend) {
		add("send")
	}
	if s == "" {
		return "none"
	}
	return s
}

// Target is what the engine needs to know about the object of a request. The
// Graph server fills it from the directory; `graphgate explain` from flags.
// Only the facts a rule needs are read.
type Target struct {
	Relation Relation
	// Access is the sharing or delegation the owner granted the signed-in
	// user of the rule's sharing resource (Engine.SharingResource): for
	// another user's data, a shared mailbox, and the items of a group's
	// drive shared with a non-member.
	Access Access
	// Member and Owner describe the signed-in user's membership of the
	// target group (or the group of the team, site or drive) or chat.
	Member, Owner bool
	// Public marks a public group: any member of the organization may read
	// its content (Microsoft 365 groups' privacy "Public").
	Public bool
	// HiddenMembership marks a group or administrative unit whose members
	// only its members may list.
	HiddenMembership bool
	// InRoleOrAU marks a user who is a member of a directory role or an
	// administrative unit (their memberOf then needs Directory permissions).
	InRoleOrAU bool
}
