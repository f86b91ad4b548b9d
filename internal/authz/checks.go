package authz

import (
	"net/http"

	"graphgate/internal/catalog"
	"graphgate/internal/routes"
)

// This file is the decision itself: an ordered list of named checks, in the
// manner of fosite's composed handlers. Each check answers whether it
// applies to the call and, when it does, lets the call through to the next
// check or denies it; the first denial decides, and a call every check lets
// through is allowed. A Decision names the check that decided
// (Decision.Check).
//
// The checks are methods called in a fixed sequence (evaluation.check)
// rather than function values in a table: an indirect call would make the
// evaluation escape to the heap, and a decision must not allocate.

// Check names one of the checks a decision is made of. DecideMatch asks
// them in the order of their values, from CheckAppOnlyMe to
// CheckHiddenMembership: the order is part of the policy, since a call two
// checks would deny is denied by the first, and its explanation says what
// that one found. The names are stable strings for logs, the
// x-graphgate-decision header, `graphgate explain` and JSON.
type Check uint8

const (
	// CheckNone: no check decided (a zero Decision).
	CheckNone Check = iota
	// CheckRoute: the route table has a rule for the method and path
	// (NoRoute, MethodNotAllowed, BadRequest). Decide asks it before the
	// others; DecideMatch gets a request already matched.
	CheckRoute
	// CheckAppOnlyMe: /me names the signed-in user, so an app-only token
	// cannot use it (MeRequiresDelegated).
	CheckAppOnlyMe
	// CheckScheme: the endpoint accepts a permission of the token's kind
	// (SchemeNotSupported).
	CheckScheme
	// CheckOwnData: another user's data needs a delegated permission that
	// reaches beyond the signed-in user's own, a .Shared or .All variant;
	// it puts those in place of the own-data ones (OwnDataOnly).
	CheckOwnData
	// CheckPermission: the token holds, or includes, an accepted permission
	// with what it must be combined with (MissingPermission, AlsoRequires).
	// It picks the most capable one; an allowed call whose path names no
	// other user's or group's data was decided here.
	CheckPermission
	// CheckRelation: a delegated permission reaches another user's or a
	// group's data only through the relation it needs (relation.go); when
	// the picked permission's relation does not hold, another held one whose
	// relation holds decides (NotShared, NotGroupMember, NotMember,
	// UserLacksRole). An allowed call whose path names another user's or a
	// group's data was decided here.
	CheckRelation
	// CheckGuestEnumeration: guests cannot list users or groups
	// (GuestEnumeration).
	CheckGuestEnumeration
	// CheckRole: a delegated permission that only works for some directory
	// roles needs the signed-in user to hold one (UserLacksRole).
	CheckRole
	// CheckMemberOf: the memberships of a user in a directory role or an
	// administrative unit need Directory permissions
	// (MemberOfNeedsDirectory).
	CheckMemberOf
	// CheckHiddenMembership: hidden members are listed only by the group's
	// members, owners, some administrators, or an app holding
	// Member.Read.Hidden (HiddenMembership).
	CheckHiddenMembership
	// CheckProperty: a property the request sets needs a permission or a
	// role of its own (property.go); DecideMatch does not ask it, the
	// handler asks Engine.DecideProperties with the properties it sets
	// (MissingPermission, UserLacksRole).
	CheckProperty
)

var checkNames = [...]string{"", "route", "app_only_me", "scheme", "own_data", "permission", "relation",
	"guest_enumeration", "role", "member_of", "hidden_membership", "property"}

// String is the check's stable name ("" for CheckNone).
func (c Check) String() string {
	if int(c) < len(checkNames) {
		return checkNames[c]
	}
	return "check"
}

// MarshalText renders the check's name.
func (c Check) MarshalText() ([]byte, error) { return []byte(c.String()), nil }

// verdict is a check's answer.
type verdict uint8

const (
	// skip: the check does not apply to the call.
	skip verdict = iota
	// pass: the check applies and lets the call through.
	pass
	// deny: the check denies the call; the Decision says why.
	deny
)

var verdictNames = [...]string{"skip", "pass", "deny"}

func (v verdict) String() string { return verdictNames[v] }

// evaluation is one decision in progress: what the checks read and what
// they leave for the checks after them, besides the Decision and the
// token's sets. It lives on the caller's stack. The Decision and the sets
// are passed beside it, never kept in it: escape analysis does not tell an
// evaluation's fields apart, so a pointer to either stored here would move
// it to the heap.
type evaluation struct {
	e    *Engine
	p    *Principal
	rule *routes.Rule
	info *ruleInfo
	// delegated: a signed-in user; si indexes the per-scheme precomputed
	// data (0 work or school, 1 personal).
	delegated bool
	si        int
	// scoped: a delegated call on a path that names another user's or a
	// group's data; others: another user's.
	scoped, others bool
	// accepted are the permissions that would allow the call, needs[i] the
	// relation accepted[i] needs (nil: none).
	accepted []routes.Entry
	needs    []need
	// granted indexes accepted: the permission that allows the call so
	// far; -1 before CheckPermission.
	granted int
}

// sets are the token's permissions as the checks read them: direct holds
// those that count for its scheme, held adds what they include
// (Engine.expand). The sets live in DecideMatch's frame and reach the
// checks as two pointers passed by value, not kept in the evaluation: an
// evaluation's fields would be zeroed on every decision, and a pointer kept
// there would move the sets to the heap.
type sets struct{ direct, held *catalog.Set }

// DecideMatch decides a request already matched against the engine's table
// (the Graph server matches once, for its handler and for this): it asks
// the checks in order, and the first that denies decides.
func (e *Engine) DecideMatch(p *Principal, match routes.Match, t Target) Decision {
	rule := match.Rule
	d := Decision{Match: match, Method: rule.Method, Scheme: schemeOf(p), principal: p, cat: e.cat, Status: http.StatusForbidden, target: t}
	held := p.Granted
	e.narrow(&held, d.Scheme)
	direct := held
	e.widen(&held, &direct, d.Scheme)
	s := sets{direct: &direct, held: &held}
	var ev evaluation
	e.begin(&ev, &d, p)
	if c := ev.check(&d, s); c != CheckNone {
		d.Check = c
		return d
	}
	ev.allow(&d, s)
	return d
}

// narrow keeps of a token's permissions those that count in its scheme:
// for a personal account only those valid for personal accounts, and
// never one that grants nothing.
func (e *Engine) narrow(held *catalog.Set, sch catalog.Scheme) {
	if sch == catalog.DelegatedPersonal {
		held.Intersect(&e.personalValid)
	}
	held.Minus(&e.grantsNothing)
}

// widen adds to held what the permissions of direct (a copy of held)
// include, within the scheme.
func (e *Engine) widen(held, direct *catalog.Set, sch catalog.Scheme) {
	e.expand(held, direct)
	if sch == catalog.DelegatedPersonal {
		held.Intersect(&e.personalValid)
	}
}

// begin prepares a zero evaluation for the decision d: the relation to the
// target (d.target.Relation, inferred from the path when the caller did not
// say), and what the call's path and scheme make of the rule.
func (e *Engine) begin(ev *evaluation, d *Decision, p *Principal) {
	rule := d.Match.Rule
	info := e.ruleInfo(rule)
	ev.e, ev.p, ev.rule, ev.info, ev.delegated, ev.granted = e, p, rule, info, p.Kind == Delegated, -1

	rel := d.target.Relation
	switch {
	case d.Match.Me:
		rel = RelSelf
	case rel == RelDefault:
		switch info.subject {
		case subjUser, subjDrive:
			rel = RelOtherUser
		case subjGroup, subjTeam, subjSite:
			rel = RelGroup
		case subjChat:
			rel = RelChat
		default:
			rel = RelTenant
		}
	}
	d.target.Relation = rel

	if d.Scheme == catalog.DelegatedPersonal {
		ev.si = 1
	}

	// A path that names another user's or a group's data is decided by the
	// relation to it; a relation that does not fit the path's subject (the
	// tenant for a user's data) counts as none.
	ev.scoped = ev.delegated && info.subject.scoped() && rel != RelSelf && !d.Match.Me
	groupData := info.subject.groupLike() || info.subject == subjChat || info.subject == subjDrive && rel == RelGroup
	ev.others = ev.scoped && !groupData
	ev.accepted = rule.Accepted[d.Scheme]
	if ev.scoped && !ev.others {
		ev.needs = info.groupNeed[ev.si]
	}
}

// check asks the checks in the order of their values and returns the
// first that denies, or CheckNone when every one lets the call through.
// The order is written out rather than looped over: a loop dispatching
// through a switch costs a decision a tenth of its time.
func (ev *evaluation) check(d *Decision, s sets) Check {
	switch {
	case ev.appOnlyMe(d, s) == deny:
		return CheckAppOnlyMe
	case ev.scheme(d, s) == deny:
		return CheckScheme
	case ev.ownData(d, s) == deny:
		return CheckOwnData
	case ev.permission(d, s) == deny:
		return CheckPermission
	case ev.relation(d, s) == deny:
		return CheckRelation
	case ev.guestEnumeration(d, s) == deny:
		return CheckGuestEnumeration
	case ev.role(d, s) == deny:
		return CheckRole
	case ev.memberOf(d, s) == deny:
		return CheckMemberOf
	case ev.hiddenMembership(d, s) == deny:
		return CheckHiddenMembership
	}
	return CheckNone
}

// appOnlyMe: app-only tokens cannot use /me, whatever the data lists.
func (ev *evaluation) appOnlyMe(d *Decision, s sets) verdict {
	if ev.delegated || !d.Match.Me {
		return skip
	}
	d.Reason, d.Status = MeRequiresDelegated, http.StatusBadRequest
	return deny
}

// scheme: the endpoint must accept some permission of the token's scheme.
func (ev *evaluation) scheme(d *Decision, s sets) verdict {
	if len(ev.accepted) == 0 {
		d.Reason = SchemeNotSupported
		return deny
	}
	return pass
}

// ownData: on another user's data, the permissions that allow the call
// are the .Shared (or .All) variants of the accepted ones, each with the
// relation it needs; with none, only the signed-in user's own data is
// reachable.
func (ev *evaluation) ownData(d *Decision, s sets) verdict {
	if !ev.others {
		return skip
	}
	if len(ev.info.other[ev.si]) == 0 {
		d.Reason, d.Candidates = OwnDataOnly, ev.accepted
		return deny
	}
	ev.accepted, ev.needs = ev.info.other[ev.si], ev.info.userNeed[ev.si]
	return pass
}

// permission picks the most capable held permission, which decides what
// the call may return: one without a property limit if any, else the most
// privileged held. A permission the token holds wins over one it only
// includes.
func (ev *evaluation) permission(d *Decision, s sets) verdict {
	d.Candidates = ev.accepted
	g := ev.e.pick(d, ev.accepted, s.direct, nil, ev.p, &d.target)
	if g < 0 {
		g = ev.e.pick(d, ev.accepted, s.held, nil, ev.p, &d.target)
	}
	if g < 0 {
		if d.Also != nil {
			d.Reason = AlsoRequires
		} else {
			d.Reason = MissingPermission
		}
		return deny
	}
	d.Also = nil
	ev.grant(d, s, g)
	return pass
}

// relation: another user's or a group's data is reached by a delegated
// permission only through the relation it needs (relation.go). When the
// picked permission lacks its relation, another held one whose relation
// holds decides.
func (ev *evaluation) relation(d *Decision, s sets) verdict {
	if ev.needs == nil {
		return skip
	}
	return ev.relationHolds(d, s)
}

// relationHolds is relation on a call that names another user's or a
// group's data. (Split from relation so that the test of whether the check
// applies is inlined into evaluation.check: most calls name none.)
func (ev *evaluation) relationHolds(d *Decision, s sets) verdict {
	e, t := ev.e, &d.target
	n := &ev.needs[ev.granted]
	if !n.satisfied(ev.p, t, d.Method) {
		alt := e.pick(d, ev.accepted, s.direct, ev.needs, ev.p, t)
		if alt < 0 {
			alt = e.pick(d, ev.accepted, s.held, ev.needs, ev.p, t)
		}
		d.Also = nil
		if alt < 0 {
			d.Granted, d.Via, d.Relation, d.Resource = ev.accepted[ev.granted].Perm, nil, n.reach, n.key
			d.Fact = n.fact(ev.p, t, d.Method)
			switch n.reach {
			case ReachShared:
				d.Reason, d.Need = NotShared, n.access
			case ReachMember:
				d.Reason = NotGroupMember
				if ev.info.subject == subjChat {
					d.Reason = NotMember
				}
				if n.items {
					d.Need = n.access
				}
			default:
				r := &roleRules[n.rule]
				d.Reason, d.Roles, d.Rule = UserLacksRole, r.anyRole, r.id
			}
			return deny
		}
		ev.grant(d, s, alt)
		n = &ev.needs[alt]
	}
	d.Relation, d.Resource, d.Fact = n.reach, n.key, n.fact(ev.p, t, d.Method)
	d.sharedItemsOnly = d.Fact == FactSharedItems
	return pass
}

// guestEnumeration: guests cannot query the user and group sets.
func (ev *evaluation) guestEnumeration(d *Decision, s sets) verdict {
	if !ev.delegated || !ev.p.Guest || !ev.info.enumeration || ev.rule.Method != routes.GET {
		return skip
	}
	d.Reason = GuestEnumeration
	return deny
}

// role: a delegated permission of a role rule's resources is effective only
// for a signed-in user holding one of its roles (or owning the group, where
// that suffices).
func (ev *evaluation) role(d *Decision, s sets) verdict {
	if !ev.delegated || ev.info.roleRules == 0 {
		return skip
	}
	return ev.roleHeld(d, s)
}

// roleHeld is role on a path some role rules name: those that also name
// the deciding permission's resource apply.
func (ev *evaluation) roleHeld(d *Decision, s sets) verdict {
	mask := ev.e.roleMask[d.Granted.Index] & ev.info.roleRules
	if mask == 0 {
		return skip
	}
	for i := range roleRules {
		r := &roleRules[i]
		if mask&(1<<i) == 0 || r.writes && !ev.rule.Method.Write() || r.otherOnly && d.target.Relation == RelSelf {
			continue
		}
		if ev.p.Roles.Intersects(r.anyRole) || r.ownerSuffices && d.target.Owner {
			continue
		}
		d.Reason, d.Roles, d.Rule = UserLacksRole, r.anyRole, r.id
		return deny
	}
	return pass
}

// memberOf: the memberships of a user in a directory role or an
// administrative unit need a Directory permission (and, delegated, a
// member user).
func (ev *evaluation) memberOf(d *Decision, s sets) verdict {
	if !ev.info.memberOf || !d.target.InRoleOrAU {
		return skip
	}
	if !s.held.Intersects(&ev.e.directorySet) || ev.delegated && ev.p.Guest {
		d.Reason, d.Also = MemberOfNeedsDirectory, ev.e.directory
		return deny
	}
	return pass
}

// hiddenMembership: a hidden membership is listed by an app holding
// Member.Read.Hidden, or for a signed-in member, owner or administrator.
func (ev *evaluation) hiddenMembership(d *Decision, s sets) verdict {
	if !ev.info.hiddenMembers || !d.target.HiddenMembership {
		return skip
	}
	return ev.hiddenListable(d, s)
}

// hiddenListable is hiddenMembership on a call that lists a hidden
// membership.
func (ev *evaluation) hiddenListable(d *Decision, s sets) verdict {
	if !ev.delegated {
		if len(ev.e.memberHidden) == 0 || !s.held.Has(ev.e.memberHidden[0]) {
			d.Reason, d.Also = HiddenMembership, ev.e.memberHidden
			return deny
		}
	} else if !d.target.Member && !d.target.Owner && !ev.p.Roles.Intersects(hiddenMembershipRoles) {
		d.Reason, d.Roles = HiddenMembership, hiddenMembershipRoles
		return deny
	}
	return pass
}

// grant makes accepted[i] the permission that allows the call, and notes
// the held permission that includes it when the token does not hold it.
func (ev *evaluation) grant(d *Decision, s sets, i int) {
	ev.granted = i
	d.Granted, d.Via = ev.accepted[i].Perm, nil
	if !s.direct.Has(d.Granted) {
		d.Via = ev.e.via(s.direct, d.Granted)
	}
}

// allow ends an evaluation that every check let through: the property
// limit of the deciding permission (or of the held one that includes it)
// and the app-folder confinement.
func (ev *evaluation) allow(d *Decision, s sets) {
	e := ev.e
	d.Allow, d.Reason, d.Status = true, Allowed, http.StatusOK
	d.Check = CheckPermission
	if ev.needs != nil {
		d.Check = CheckRelation
	}
	d.Limit = e.limit[d.Granted.Index]
	if d.Via != nil {
		d.Limit = e.limit[d.Via.Index]
	}
	if d.target.Relation == RelSelf && limitLiftedForSelf[d.Limit] {
		d.Limit = LimitNone
	}
	d.appFolderOnly = e.appFolder.Has(d.Granted) && !e.allowsOutside(ev.accepted, s.held)
}
