package authz

import (
	"fmt"
	"strings"

	"graphgate/internal/catalog"
	"graphgate/internal/roles"
	"graphgate/internal/routes"
)

// Reason is why the engine decided as it did. The values are stable strings
// for logs, headers and JSON.
type Reason uint8

const (
	Allowed Reason = iota
	// NoRoute: the path is not in the route table.
	NoRoute
	// MethodNotAllowed: the path has no rule for the method.
	MethodNotAllowed
	// BadRequest: the path or method is malformed.
	BadRequest
	// MeRequiresDelegated: an app-only token on /me.
	MeRequiresDelegated
	// SchemeNotSupported: the endpoint has no permission in the token's
	// scheme (no application permission, or not for personal accounts).
	SchemeNotSupported
	// MissingPermission: the token holds none of the accepted permissions.
	MissingPermission
	// AlsoRequires: an accepted permission is held, but not the permission
	// it must be combined with.
	AlsoRequires
	// NotShared: another user's data, and the owner has not shared it (or
	// not at the needed level) with the signed-in user. A delegated
	// permission's .All or .Shared reach is what the signed-in user can
	// access: their own data and what others shared with them.
	NotShared
	// OwnDataOnly: another user's data, and every permission the endpoint
	// accepts covers only the signed-in user's own data, with no .Shared or
	// .All variant (mailbox settings; a personal account's profile).
	OwnDataOnly
	// UserLacksRole: the delegated permission is held but the signed-in user
	// lacks the directory role it needs to be effective.
	UserLacksRole
	// GuestEnumeration: guests cannot list /users or /groups.
	GuestEnumeration
	// MemberOfNeedsDirectory: the user is in a directory role or
	// administrative unit, so memberOf needs Directory permissions.
	MemberOfNeedsDirectory
	// HiddenMembership: the group's membership is hidden from non-members.
	HiddenMembership
	// NotMember: the signed-in user is not a member of the chat.
	NotMember
	// NotGroupMember: the call reaches a group's content (or its team's,
	// site's or drive's), and the signed-in user is neither a member nor an
	// owner of the group; a public group's content is read by any member of
	// the organization, changed only by its members.
	NotGroupMember
)

var reasonNames = [...]string{
	"allowed", "no_route", "method_not_allowed", "bad_request", "me_requires_delegated", "scheme_not_supported",
	"missing_permission", "also_requires", "not_shared", "own_data_only", "user_lacks_role",
	"guest_enumeration", "memberof_needs_directory", "hidden_membership", "not_member", "not_group_member",
}

func (r Reason) String() string {
	if int(r) < len(reasonNames) {
		return reasonNames[r]
	}
	return fmt.Sprintf("reason(%d)", r)
}

// MarshalText makes reasons render as their names in JSON.
func (r Reason) MarshalText() ([]byte, error) { return []byte(r.String()), nil }

// Limit restricts which properties an allowed call may return.
type Limit uint8

const (
	LimitNone Limit = iota
	// LimitBasicProfile: User.ReadBasic.All's basic profile.
	LimitBasicProfile
	// LimitBasicEvent: Calendars.ReadBasic — no body, attachments, extensions.
	LimitBasicEvent
	// LimitBasicMessage: Mail.ReadBasic — no body, bodyPreview, attachments.
	LimitBasicMessage
	// LimitBasicGroup: Group.ReadBasic.All — basic group properties.
	LimitBasicGroup
	// LimitBasicChat: Chat.ReadBasic — chat properties, no messages.
	LimitBasicChat
)

var limitNames = [...]string{"", "basic_profile", "basic_event", "basic_message", "basic_group", "basic_chat"}

func (l Limit) String() string {
	if int(l) < len(limitNames) {
		return limitNames[l]
	}
	return "limit"
}

// MarshalText renders the limit's name.
func (l Limit) MarshalText() ([]byte, error) { return []byte(l.String()), nil }

// Decision is the engine's answer. It is a value; building it does not
// allocate. Explain renders the one-sentence explanation on demand.
type Decision struct {
	Allow  bool
	Reason Reason
	// Check is the check that decided (checks.go): the one that denied, or
	// for an allowed call the one that chose Granted (CheckPermission, or
	// CheckRelation when the call names another user's or a group's data).
	Check Check
	// Status is the HTTP status Graph answers with: 200 when allowed, 403
	// for most denials, 400 for app-only /me, 404/405 when no rule exists.
	Status int
	Scheme catalog.Scheme
	Method routes.Method
	Match  routes.Match
	// Granted is the held permission that allowed the call (the most capable
	// one when several are held).
	Granted *catalog.Permission
	// Via is, when the token does not hold Granted itself, the held
	// permission that includes it (Mail.ReadWrite for Mail.Read).
	Via *catalog.Permission
	// Candidates are the permissions that would allow the call, least
	// privileged first, after the target's relation is taken into account
	// (another user's mail needs Mail.Read.Shared, not Mail.Read).
	Candidates []routes.Entry
	// Also is, for AlsoRequires and HiddenMembership, the permissions of
	// which one is also needed.
	Also []*catalog.Permission
	// Roles are the directory roles that would make a delegated permission
	// effective (UserLacksRole, HiddenMembership).
	Roles roles.Set
	// Need is the sharing level the owner must grant (NotShared, and
	// NotGroupMember where a group's drive items could be shared).
	Need Access
	// Relation is the relation to the target's data that the deciding
	// permission needs (Granted's when allowed, the most capable held
	// permission's when denied for a missing relation); ReachNone when the
	// call names no other user's or group's data.
	Relation Reach
	// Resource names the data the relation is about: the resource whose
	// sharing counts (Notes, Files, Mail…), "" for directory data.
	Resource string
	// Fact is the fact the relation rested on: the one that allowed the
	// call, or the one missing (NotShared, NotGroupMember, NotMember,
	// UserLacksRole for a relation).
	Fact Fact
	// Limit restricts the properties an allowed call returns.
	Limit Limit
	// Rule names the policy rule that decided (for role rules), "" otherwise.
	Rule string

	principal       *Principal
	target          Target
	appFolderOnly   bool
	sharedItemsOnly bool
	cat             *catalog.Catalog
	err             error
	path            string
}

// Err returns the matching error for NoRoute, MethodNotAllowed and BadRequest.
func (d *Decision) Err() error { return d.err }

// CandidateNames lists the candidate permission names, least privileged first.
func (d *Decision) CandidateNames() []string {
	out := make([]string, len(d.Candidates))
	for i, e := range d.Candidates {
		out[i] = e.Perm.Name
	}
	return out
}

// Note returns a fact about the granted permission worth telling, or "".
func (d *Decision) Note() string {
	if d.Granted == nil {
		return ""
	}
	return notes[d.Granted.Name]
}

// Summary is the decision in one line for the x-graphgate-decision header
// and logs: the reason, the check that decided and the explanation
// ("not_shared; check=relation; Denied: …"). The reason and the check are
// stable tokens a program may split on "; ".
func (d *Decision) Summary() string {
	return Summary(d.Reason.String(), d.Check.String(), d.Explain())
}

// MeMessage is Graph's message for an app-only token on /me.
const MeMessage = "/me request is only valid with delegated authentication flow."

// Explain renders the decision as one sentence for people: in the
// x-graphgate-decision header, the decision log and `graphgate explain`.
func (d *Decision) Explain() string {
	call := d.Method.String() + " " + d.template()
	kind := "delegated"
	if d.Scheme == catalog.Application {
		kind = "application"
	}
	if d.Reason == Allowed {
		// Every allowed request carries this text in a header: one builder,
		// no formatting verbs.
		var b strings.Builder
		b.Grow(160)
		b.WriteString("Allowed: ")
		b.WriteString(call)
		b.WriteString(" accepts the ")
		b.WriteString(kind)
		b.WriteString(" permission ")
		b.WriteString(d.Granted.Name)
		if d.Via != nil {
			b.WriteString(", which the token's ")
			b.WriteString(d.Via.Name)
			b.WriteString(" includes")
		}
		if len(d.Candidates) > 0 && d.Candidates[0].Perm != d.Granted {
			b.WriteString(" (least privileged: ")
			b.WriteString(d.Candidates[0].Perm.Name)
			b.WriteString(")")
		}
		if d.Match.MeFallback {
			b.WriteString(", by the rule of its /users/{id} twin")
		}
		if d.Limit == LimitBasicProfile {
			b.WriteString("; only the basic profile (" + strings.Join(BasicProfileProperties, ", ") + ") is returned")
		} else if d.Limit != LimitNone {
			b.WriteString("; only basic properties are returned (" + d.Limit.String() + ")")
		}
		if r := d.relationAllowed(); r != "" {
			b.WriteString("; ")
			b.WriteString(r)
		}
		if n := d.Note(); n != "" {
			b.WriteString("; ")
			b.WriteString(n)
		}
		b.WriteString(".")
		return b.String()
	}
	held := ""
	if d.principal != nil && d.cat != nil {
		held = d.principal.Granted.String(d.cat)
	}
	if held == "" {
		held = "none"
	}
	list := shortList(d.CandidateNames())
	if d.Check == CheckProperty {
		s := fmt.Sprintf("Denied: %s is allowed, but %s; the token has %s", call, ruleWhy(d.Rule), held)
		if d.Reason == UserLacksRole {
			s += fmt.Sprintf(" and the signed-in user holds none of: %s", d.Roles)
		}
		return s + "."
	}
	switch d.Reason {
	case NoRoute, MethodNotAllowed, BadRequest:
		if d.err != nil {
			return "No permission rule: " + d.err.Error() + "."
		}
		return "No permission rule for " + d.path + "."
	case MeRequiresDelegated:
		return MeMessage
	case SchemeNotSupported:
		switch d.Scheme {
		case catalog.Application:
			return fmt.Sprintf("Denied: %s does not support application permissions; it needs a signed-in user.", call)
		case catalog.DelegatedPersonal:
			return fmt.Sprintf("Denied: %s is not available for personal Microsoft accounts, only for work or school accounts.", call)
		}
		return fmt.Sprintf("Denied: %s does not support delegated permissions for work or school accounts.", call)
	case MissingPermission:
		s := fmt.Sprintf("Denied: %s needs one of %s (%s); the token has %s", call, list, kind, held)
		if d.Account() == Personal {
			s += " (only permissions valid for personal accounts count)"
		}
		return s + "."
	case AlsoRequires:
		return fmt.Sprintf("Denied: %s accepts %s only together with one of %s; the token has %s.", call, d.Granted.Name, names(d.Also), held)
	case NotShared:
		what := "data"
		if d.Resource != "" {
			what = d.Resource + " data"
		}
		if d.Fact == FactSharedItems {
			what += " (shared item by item)"
		}
		return fmt.Sprintf("Denied: %s reaches %s's %s, which has not been shared with the signed-in user for %s: the owner must grant %s access. A delegated %s reaches only what the signed-in user can access, their own data and what others shared with them.",
			call, d.target.Relation, what, d.Need, d.Need, d.grantedName(list))
	case NotGroupMember:
		what := "content"
		if d.Resource != "" {
			what = d.Resource + " content"
		}
		s := fmt.Sprintf("Denied: %s reaches a group's %s, which only its members and owners reach, and the signed-in user is neither (graphgate group add-member GROUP USER adds them). A delegated %s reaches only the groups the signed-in user can access",
			call, what, d.grantedName(list))
		if d.target.Public && d.Method.Write() {
			s += "; a public group's content is read by any member of the organization, but changed only by its members"
		}
		if d.Need != 0 {
			s += fmt.Sprintf("; items of its drive shared with the signed-in user for %s would be reachable", d.Need)
		}
		return s + "."
	case OwnDataOnly:
		return fmt.Sprintf("Denied: %s reaches %s's data, but its %s permissions (%s) cover only the signed-in user's own data and none has a .Shared variant; only an application permission reaches other users' here.",
			call, d.target.Relation, kind, list)
	case UserLacksRole:
		return fmt.Sprintf("Denied: %s is held, but %s; the signed-in user needs one of: %s.", d.Granted.Name, ruleWhy(d.Rule), d.Roles)
	case GuestEnumeration:
		return fmt.Sprintf("Denied: guest users cannot list %s; they can read a single object by id or follow navigation links.", d.template())
	case MemberOfNeedsDirectory:
		return fmt.Sprintf("Denied: the user is a member of a directory role or administrative unit, so %s also needs one of %s (and, delegated, a member user).", call, names(d.Also))
	case HiddenMembership:
		if d.Scheme == catalog.Application {
			return fmt.Sprintf("Denied: the group's membership is hidden; %s without a user also needs %s.", call, names(d.Also))
		}
		return fmt.Sprintf("Denied: the group's membership is hidden; only its members, owners or %s can list them.", d.Roles)
	case NotMember:
		return fmt.Sprintf("Denied: %s needs membership of the chat; the signed-in user is not a member of %s.", call, d.target.Relation)
	}
	return d.Reason.String()
}

// grantedName names the held permission a relation denial is about, or
// the candidates when there is none.
func (d *Decision) grantedName(list string) string {
	if d.Granted != nil {
		return d.Granted.Name
	}
	return list
}

// relationAllowed says, for an allowed call, the relation that allowed it
// ("" when the call names no other user's or group's data).
func (d *Decision) relationAllowed() string {
	switch d.Fact {
	case FactTenant:
		return "directory data, read tenant-wide"
	case FactShared:
		return "through the owner's sharing of " + d.Resource + " with the signed-in user"
	case FactSharedItems:
		return "only the items shared with the signed-in user"
	case FactMember:
		if d.target.Relation == RelChat {
			return "as a member of the chat"
		}
		return "as a member of the group"
	case FactOwner:
		return "as an owner of the group"
	case FactPublic:
		return "the group is public: any member of the organization reads its content"
	case FactRole:
		return "through the signed-in user's administrator role"
	}
	return ""
}

// Account returns the principal's account type.
func (d *Decision) Account() AccountType {
	if d.principal == nil {
		return Work
	}
	return d.principal.Account
}

func (d *Decision) template() string {
	if d.Match.Route != nil {
		return d.Match.Route.Template
	}
	return d.path
}

func names(ps []*catalog.Permission) string {
	s := make([]string, len(ps))
	for i, p := range ps {
		s[i] = p.Name
	}
	return strings.Join(s, ", ")
}

func ruleWhy(id string) string {
	for _, r := range roleRules {
		if r.id == id {
			return r.why
		}
	}
	for _, r := range propertyRules {
		if r.id == id {
			return r.why
		}
	}
	return id
}

// shortList names up to four permissions, then says how many more there are.
func shortList(names []string) string {
	if len(names) <= 4 {
		return strings.Join(names, ", ")
	}
	return fmt.Sprintf("%s or %d more", strings.Join(names[:3], ", "), len(names)-3)
}
