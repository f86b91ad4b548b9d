package authz

import (
	"strings"

	"graphgate/internal/catalog"
	"graphgate/internal/routes"
)

// This file derives, for every route that names another user's or a
// group's data (/users/{id}/…, /groups/{id}/…, /teams/{id}/…,
// /sites/{id}/…, /drives/{id}/…, /chats/{id}/…), the relation each
// delegated permission the route accepts needs between the signed-in user
// and that data. A delegated permission is only as strong as the signed-in
// user: Notes.ReadWrite.All is "all the notebooks the signed-in user can
// access", which is the user's own and what others shared with them, never
// another user's unshared notebooks. What the signed-in user may reach is a
// property of the data the path names, so the derivation classifies paths
// from the route table:
//
//   - The data of a path is that of the resource whose own-data permissions
//     (no constraint: Notes.Read, Files.Read, Mail.Read, User.Read) its /me
//     twin accepts, or, failing those, of the permissions it accepts: the
//     route table says that /users/{id}/onenote/notebooks holds Notes and
//     that /users/{id}/manager holds directory data. A group's path is
//     compared with the same path under /me (a group's events and drive are
//     a user's events and drive), a group's team with /teams/{id}. A path
//     below a content path holds content.
//   - Directory data is that of the resources that read the directory's own
//     objects: the permissions GET /me and GET /groups/{id} accept (User,
//     GroupMember, Directory, …), derived from the table, not listed.
//
// Then, per accepted permission: reading directory data with a directory
// permission is tenant-wide (every member of the organization reads the
// directory), with another permission it needs an administrator who reads
// the whole directory; changing another user's directory data needs an
// administrator role, a group's needs its ownership (group management) or
// membership (a member's actions on the group); content needs the owner's
// sharing (users: at the level the call needs, per item for drives) or
// membership of the group, team, site or chat.

// Reach is the relation between the signed-in user and the target's data
// that a delegated permission needs to reach it. The engine derives it per
// rule and permission; a Decision reports the one that decided.
type Reach uint8

const (
	// ReachNone: the call names no other user's or group's data (the
	// signed-in user's own, the tenant's, or an application permission).
	ReachNone Reach = iota
	// ReachDirectory: tenant-wide directory visibility; any member of the
	// organization reads the directory's objects (a user's profile, a
	// group's members) and what Microsoft publishes to the whole
	// organization (tenantVisibleResources).
	ReachDirectory
	// ReachShared: the owner shared the data with the signed-in user, at the
	// level the call needs (Decision.Need); for drives, per item.
	ReachShared
	// ReachMember: the signed-in user is a member or an owner of the group,
	// team, site or chat (a public group's content: any member of the
	// organization may read it).
	ReachMember
	// ReachOwner: the signed-in user owns the group, or holds one of the
	// administrator roles the policy lists (Decision.Roles).
	ReachOwner
	// ReachRole: the signed-in user holds one of the administrator roles the
	// policy lists (Decision.Roles).
	ReachRole
)

var reachNames = [...]string{"", "directory", "shared", "member", "owner", "role"}

// String is the relation's stable name for logs, headers and JSON ("" for
// ReachNone).
func (r Reach) String() string {
	if int(r) < len(reachNames) {
		return reachNames[r]
	}
	return "reach"
}

// MarshalText renders the relation's name.
func (r Reach) MarshalText() ([]byte, error) { return []byte(r.String()), nil }

// Phrase describes the relation for people.
func (r Reach) Phrase() string {
	switch r {
	case ReachDirectory:
		return "tenant-wide directory visibility (any member of the organization)"
	case ReachShared:
		return "the owner's sharing with the signed-in user"
	case ReachMember:
		return "membership (or ownership) of the group"
	case ReachOwner:
		return "ownership of the group or an administrator role"
	case ReachRole:
		return "an administrator role"
	}
	return "no relation"
}

// Lookups says which facts about a target a rule's decision reads, so
// that the Graph server looks up only those (Engine.Lookups).
type Lookups uint8

const (
	// LookupSharing: Target.Access, what the owner shared of the rule's
	// sharing resource (Engine.SharingResource) with the signed-in user.
	LookupSharing Lookups = 1 << iota
	// LookupMembership: Target.Member and Target.Owner.
	LookupMembership
	// LookupRoleOrAU: Target.InRoleOrAU.
	LookupRoleOrAU
)

// Fact is the fact about the target (or the signed-in user) that a
// relation rested on: the one that allowed the call, or the one missing
// when the call was denied for its relation.
type Fact uint8

const (
	FactNone Fact = iota
	// FactShared: the owner shared the data with the signed-in user.
	FactShared
	// FactSharedItems: items of the drive were shared with the signed-in
	// user; the call reaches only those.
	FactSharedItems
	// FactMember: the signed-in user is a member of the group or chat.
	FactMember
	// FactOwner: the signed-in user owns the group.
	FactOwner
	// FactPublic: the group is public, and the call reads.
	FactPublic
	// FactRole: the signed-in user holds an administrator role.
	FactRole
	// FactTenant: directory data, visible to every member of the
	// organization.
	FactTenant
)

var factNames = [...]string{"", "shared", "shared_items", "member", "owner", "public", "role", "tenant"}

// String is the fact's stable name ("" for FactNone).
func (f Fact) String() string {
	if int(f) < len(factNames) {
		return factNames[f]
	}
	return "fact"
}

// MarshalText renders the fact's name.
func (f Fact) MarshalText() ([]byte, error) { return []byte(f.String()), nil }

// need is what one accepted permission of a rule needs to reach the
// target's data.
type need struct {
	reach Reach
	// access is the level the owner must share (ReachShared, and item
	// sharing for ReachMember).
	access Access
	// items: the sharing is per item (a drive's): the call is allowed
	// confined to the items shared with the signed-in user.
	items bool
	// rule is the index in roleRules that lists the roles (ReachOwner,
	// ReachRole); -1 otherwise.
	rule int8
	// key names the data: the sharing resource (Notes, Files, Mail…).
	key string
}

// satisfied reports whether the principal and target have the relation n
// needs. m is the call's method.
//
// A public group's content is read by any member user of the organization
// (not a guest): Microsoft 365 groups' privacy "Public" lets anyone in the
// organization see the group's content and join without approval, while
// Group.Read.All reaches "group content for all groups the signed-in user
// can access". Changing it needs membership, as for a private group.
// Microsoft does not document an administrator role that reaches a group's
// content without membership, so none stands in for it here.
func (n *need) satisfied(p *Principal, t *Target, m routes.Method) bool {
	switch n.reach {
	case ReachShared:
		return t.Access.Has(n.access)
	case ReachMember:
		return t.Member || t.Owner || m == routes.GET && t.Public && !p.Guest || n.items && t.Access.Has(n.access)
	case ReachOwner:
		return t.Owner || p.Roles.Intersects(roleRules[n.rule].anyRole)
	case ReachRole:
		return p.Roles.Intersects(roleRules[n.rule].anyRole)
	}
	return true
}

// fact names the fact that satisfies n (which confines the call to shared
// items when it is FactSharedItems), or, when none does, the fact missing.
func (n *need) fact(p *Principal, t *Target, m routes.Method) Fact {
	switch n.reach {
	case ReachDirectory:
		return FactTenant
	case ReachShared:
		if n.items {
			return FactSharedItems
		}
		return FactShared
	case ReachMember:
		switch {
		case t.Member:
			return FactMember
		case t.Owner:
			return FactOwner
		case m == routes.GET && t.Public && !p.Guest:
			return FactPublic
		case n.items && t.Access.Has(n.access):
			return FactSharedItems
		}
		return FactMember
	case ReachOwner:
		if t.Owner {
			return FactOwner
		}
		if p.Roles.Intersects(roleRules[n.rule].anyRole) {
			return FactRole
		}
		return FactOwner
	case ReachRole:
		return FactRole
	}
	return FactNone
}

// scoped reports whether a subject names another user's or a group's data.
func (s subject) scoped() bool { return s != subjTenant }

// groupLike reports whether a subject's data belongs to a group (a team
// and a site are a group's).
func (s subject) groupLike() bool { return s == subjGroup || s == subjTeam || s == subjSite }

// directoryRoutes are the routes whose GET rules say which resources read
// the directory's own objects (directoryResources).
var directoryRoutes = []string{"/me", "/groups/{id}"}

// directoryResources derives the resources whose permissions read the
// directory's own objects: those GET /me and GET /groups/{id} accept.
func directoryResources(tab *routes.Table) map[string]bool {
	out := map[string]bool{}
	for _, path := range directoryRoutes {
		r, ok := tab.Route(path)
		if !ok || r.Rules[routes.GET] == nil {
			continue
		}
		for _, sch := range []catalog.Scheme{catalog.DelegatedWork, catalog.DelegatedPersonal} {
			for _, en := range r.Rules[routes.GET].Accepted[sch] {
				out[strings.ToLower(en.Perm.Parts.Resource)] = true
			}
		}
	}
	return out
}

// classify says whether a subject-scoped rule's path holds directory data
// (dir) or content, and names the content's resource (key).
func (e *Engine) classify(path string) (dir bool, key string) {
	segs := strings.Split(strings.TrimPrefix(path, "/"), "/")
	if len(segs) < 2 {
		return true, ""
	}
	root, rest := segs[0], segs[2:]
	for k := len(rest); k >= 0; k-- {
		for _, cand := range twins(root, rest[:k]) {
			r, ok := e.tab.Route(cand)
			if !ok {
				continue
			}
			if c, decided := e.contentOf(r); decided {
				return c == "", c
			}
		}
	}
	return true, ""
}

// twins lists the routes whose data tells what root/{id}/rest holds: the
// same path under /me (a user's own data, and what a group's path is to a
// user: events, drive, notebooks), a group's team under /teams/{id}, a
// drive under /me/drive, and the path itself.
func twins(root string, rest []string) []string {
	tail := strings.Join(rest, "/")
	self := "/" + root + "/{id}"
	if tail != "" {
		self += "/" + tail
	}
	switch root {
	case "users":
		if tail == "" {
			return []string{"/me", self}
		}
		return []string{"/me/" + tail, self}
	case "groups":
		if tail == "" {
			return []string{self}
		}
		out := []string{"/me/" + tail, "/users/{id}/" + tail}
		if rest[0] == "team" {
			t := "/teams/{id}"
			if len(rest) > 1 {
				t += "/" + strings.Join(rest[1:], "/")
			}
			out = append(out, t)
		}
		return append(out, self)
	case "drives":
		if tail == "" {
			return []string{"/me/drive", self}
		}
		return []string{"/me/drive/" + tail, self}
	}
	return []string{self}
}

// contentOf reads what a route's delegated permissions say about its
// data: the first resource of its own-data permissions that is not a
// directory resource (content), else directory data when it has own-data
// permissions, else the first non-directory resource it accepts at all;
// decided is false when it accepts directory permissions only.
func (e *Engine) contentOf(r *routes.Route) (key string, decided bool) {
	ownDir := false
	var other string
	for _, rule := range r.Rules {
		if rule == nil {
			continue
		}
		for _, sch := range []catalog.Scheme{catalog.DelegatedWork, catalog.DelegatedPersonal} {
			for _, en := range rule.Accepted[sch] {
				res := en.Perm.Parts.Resource
				dir := e.dirRes[strings.ToLower(res)]
				switch {
				case en.Perm.Parts.Constraint == "" && !dir:
					return res, true
				case en.Perm.Parts.Constraint == "":
					ownDir = true
				case !dir && other == "":
					other = res
				}
			}
		}
	}
	if ownDir {
		return "", true
	}
	return other, other != ""
}

// needs derives what each permission of a rule needs for one delegated
// scheme: user is aligned with info.other[si] (another user's data, the
// .Shared variants in place of own-data permissions), group with
// rule.Accepted (a group's, team's, site's or chat's data).
func (e *Engine) needs(rule *routes.Rule, info *ruleInfo, si int, sch catalog.Scheme) (user, group []need) {
	get := rule.Method == routes.GET
	visible := func(res string) bool {
		l := strings.ToLower(res)
		return e.dirRes[l] || tenantVisibleResources[l]
	}
	key := info.key
	if info.subject == subjUser || info.subject == subjDrive {
		for _, en := range info.other[si] {
			res := en.Perm.Parts.Resource
			n := need{rule: -1, key: key}
			switch {
			case info.dirPath && visible(res) && get:
				n.reach = ReachDirectory
			case info.dirPath && get:
				n.reach, n.rule = ReachRole, roleRuleIndex("directory-data-needs-admin")
			case info.dirPath:
				n.reach, n.rule = ReachRole, roleRuleIndex("user-writes-need-admin")
			case get && tenantVisibleResources[strings.ToLower(res)] && strings.EqualFold(res, key):
				n.reach = ReachDirectory
			default:
				n.reach, n.access, n.items = ReachShared, info.access[si], perItemSharing[strings.ToLower(key)]
			}
			user = append(user, n)
		}
	}
	if info.subject.groupLike() || info.subject == subjDrive || info.subject == subjChat {
		access := accessFor(rule.Accepted[sch])
		for _, en := range rule.Accepted[sch] {
			res := en.Perm.Parts.Resource
			n := need{rule: -1, key: key}
			switch {
			case info.subject == subjChat:
				n.reach = ReachMember
			case info.dirPath && visible(res) && get:
				n.reach = ReachDirectory
			case info.dirPath && visible(res) && contains(groupManagementPaths, rule.Route.Path):
				n.reach, n.rule = ReachOwner, roleRuleIndex("group-management-needs-owner")
			default:
				n.reach, n.access, n.items = ReachMember, access, perItemSharing[strings.ToLower(key)]
			}
			group = append(group, n)
		}
	}
	return user, group
}

func roleRuleIndex(id string) int8 {
	for i := range roleRules {
		if roleRules[i].id == id {
			return int8(i)
		}
	}
	panic("authz: no role rule " + id)
}

// lookupsNeeded says which target facts deciding a rule reads.
func (info *ruleInfo) lookupsNeeded() Lookups {
	var f Lookups
	if info.memberOf {
		f |= LookupRoleOrAU
	}
	if info.hiddenMembers || info.subject == subjChat {
		f |= LookupMembership
	}
	for si := range info.userNeed {
		for _, list := range [][]need{info.userNeed[si], info.groupNeed[si]} {
			for _, n := range list {
				switch n.reach {
				case ReachShared:
					f |= LookupSharing
				case ReachMember, ReachOwner:
					f |= LookupMembership
					if n.items {
						f |= LookupSharing
					}
				}
			}
		}
	}
	return f
}

// Lookups reports which facts about the target deciding rule reads, so
// that callers look up only those.
func (e *Engine) Lookups(rule *routes.Rule) Lookups { return e.ruleInfo(rule).lookups }

// SharingResource names the resource whose sharing Target.Access describes
// for rule (Mail, Calendars, Notes, Files…), "" when the rule reads no
// sharing: the owner's grants of that resource to the signed-in user are
// what the Graph server looks up.
func (e *Engine) SharingResource(rule *routes.Rule) string {
	info := e.ruleInfo(rule)
	if info.lookups&LookupSharing == 0 {
		return ""
	}
	return info.key
}
