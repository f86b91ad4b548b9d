package report

import (
	"sort"
	"strings"

	"graphgate/internal/authz"
	"graphgate/internal/catalog"
	"graphgate/internal/roles"
	"graphgate/internal/routes"
)

// reads is what a call reads: its $select'ed and $expand'ed properties
// (lower case), or all (no $select, or $select=*).
type reads struct {
	props []string
	all   bool
}

// within reports whether the reads stay inside what limit l returns.
func (r reads) within(l authz.Limit) bool {
	allowed := l.Properties()
	if allowed == nil {
		return true
	}
	if r.all {
		return false
	}
	for _, p := range r.props {
		if !allowed[p] {
			return false
		}
	}
	return true
}

// withinMask has bit l set for every limit l that trims what route
// returns and that the reads stay inside; it keys endpoints, so that calls
// reading only basic properties are apart from those reading more.
func (r reads) withinMask(route *routes.Route) uint8 {
	var m uint8
	for l := authz.LimitBasicProfile; l <= authz.LimitBasicChat; l++ {
		if l.Restricts(route) && r.within(l) {
			m |= 1 << l
		}
	}
	return m
}

// inFamily reports whether p is of the requirement's resource family: its
// resource is one of the family's or extends one's name, as Microsoft
// names the parts of a resource (GroupMember and Group-NestingSupport of
// Group, ChatMessage of Chat).
func (r *requirement) inFamily(p *catalog.Permission) bool {
	res := strings.ToLower(p.Parts.Resource)
	for f := range r.family {
		if strings.HasPrefix(res, f) {
			return true
		}
	}
	return false
}

// trims reports whether a call allowed with limit l gets a trimmed
// answer: a GET of a route that returns what l trims, whose reads are not
// inside l (within is the call's withinMask).
func trims(m routes.Match, l authz.Limit, within uint8) bool {
	return l != authz.LimitNone && m.Rule.Method == routes.GET && l.Restricts(m.Route) && within&(1<<l) == 0
}

// pairAlt is a permission that allows a call only together with one of
// also: the route table's AlsoRequires, or the Directory permissions
// memberships of a user in a role need.
type pairAlt struct {
	perm *catalog.Permission
	also []*catalog.Permission
}

// requirement is what one endpoint needs in one scheme.
type requirement struct {
	// alone allow the call in full by themselves; pairs with one of their
	// also; trimmed answer a GET without what their property limit trims.
	alone   []*catalog.Permission
	pairs   []pairAlt
	trimmed []*catalog.Permission
	// roles, when not empty, are the directory roles of which the
	// signed-in user needs one: no permission allows the call without.
	roles roles.Set
	// family are the resources (lower case) of the route table's least
	// privileged permissions for the call: the minimal set prefers them
	// (inFamily).
	family map[string]bool
	notes  []string
	// impossible, when not Allowed, is why no permission of the scheme
	// allows the call; text says it in a sentence.
	impossible authz.Reason
	text       string
}

// needKey identifies a requirement: the same rule, reached the same way
// (/me or not, own data or not), in the same scheme and with the same
// reads, needs the same permissions.
type needKey struct {
	scheme catalog.Scheme
	rule   int
	me     bool
	self   bool
	within uint8
}

// relationFacts are the facts about a target the report takes to hold:
// they decide whether the signed-in user reaches the data, not which
// permission the app needs.
var relationFacts = authz.Target{Access: authz.AccessRead | authz.AccessWrite | authz.AccessSend, Member: true, Owner: true}

// need computes what an endpoint needs by asking the engine, one
// candidate permission at a time.
func (a *Analyzer) need(s catalog.Scheme, m routes.Match, self bool, within uint8) *requirement {
	req := &requirement{}
	p := authz.Principal{Kind: authz.Delegated}
	switch s {
	case catalog.Application:
		p.Kind = authz.App
	case catalog.DelegatedPersonal:
		p.Account = authz.Personal
	}
	t := relationFacts
	if self {
		t.Relation = authz.RelSelf
	}
	worst := a.eng.Lookups(m.Rule)&authz.LookupRoleOrAU != 0
	t.InRoleOrAU = worst
	d0 := a.eng.DecideMatch(&p, m, t)
	switch d0.Reason {
	case authz.MeRequiresDelegated, authz.SchemeNotSupported, authz.OwnDataOnly:
		req.impossible, req.text = d0.Reason, d0.Explain()
		return req
	}
	req.family = map[string]bool{}
	for _, e := range d0.Candidates {
		if e.Least {
			req.family[strings.ToLower(e.Perm.Parts.Resource)] = true
		}
	}
	if len(req.family) == 0 && len(d0.Candidates) > 0 {
		req.family[strings.ToLower(d0.Candidates[0].Perm.Parts.Resource)] = true
	}
	probes := a.probes(s, d0.Candidates)
	var conditional []*catalog.Permission
	var condRoles roles.Set
	for _, q := range probes {
		p.Granted = catalog.Set{}
		p.Granted.Add(q)
		d := a.eng.DecideMatch(&p, m, t)
		switch d.Reason {
		case authz.Allowed:
			if trims(m, d.Limit, within) {
				req.trimmed = append(req.trimmed, q)
				continue
			}
			req.alone = append(req.alone, q)
			if len(req.notes) == 0 && d.Relation != authz.ReachNone {
				req.notes = append(req.notes, relationNote(d.Relation))
			}
		case authz.UserLacksRole, authz.NotShared, authz.NotGroupMember, authz.NotMember:
			conditional = append(conditional, q)
			condRoles |= d.Roles
		case authz.AlsoRequires, authz.MemberOfNeedsDirectory:
			also := a.closure(s, d.Also)
			if len(also) == 0 {
				continue
			}
			// Decide with the pair, for the limit of what it allows.
			p.Granted.Add(also[0])
			if d2 := a.eng.DecideMatch(&p, m, t); d2.Allow && trims(m, d2.Limit, within) {
				req.trimmed = append(req.trimmed, q)
				continue
			}
			req.pairs = append(req.pairs, pairAlt{perm: q, also: also})
		}
	}
	if len(req.alone) == 0 && len(req.pairs) == 0 && len(conditional) > 0 {
		req.alone, req.roles = conditional, condRoles
		req.notes = append(req.notes, "the signed-in user needs one of the roles "+condRoles.String())
	}
	if len(req.alone) == 0 && len(req.pairs) == 0 && len(req.trimmed) > 0 {
		req.alone, req.trimmed = req.trimmed, nil
		req.notes = append(req.notes, "only permissions that trim the answer to basic properties allow it")
	}
	if worst {
		a.noteBestCase(req, s, m, p, t)
	}
	if len(req.alone) == 0 && len(req.pairs) == 0 {
		req.impossible, req.text = authz.MissingPermission, "no "+schemeWord(s)+" permission of the route table allows it"
	}
	return req
}

// noteBestCase says, for a rule that needs Directory permissions when the
// target user is in a directory role or administrative unit, what would do
// when it is not.
func (a *Analyzer) noteBestCase(req *requirement, s catalog.Scheme, m routes.Match, p authz.Principal, t authz.Target) {
	t.InRoleOrAU = false
	var best []*catalog.Permission
	d0 := a.eng.DecideMatch(&authz.Principal{Kind: p.Kind, Account: p.Account}, m, t)
	for _, q := range a.probes(s, d0.Candidates) {
		p.Granted = catalog.Set{}
		p.Granted.Add(q)
		if d := a.eng.DecideMatch(&p, m, t); d.Allow {
			best = append(best, q)
		}
	}
	if len(best) == 0 {
		return
	}
	a.sortPerms(s, best)
	req.notes = append(req.notes, "a target in a directory role or administrative unit needs a Directory permission; "+
		best[0].Name+" would do for targets in none")
}

// probes lists the permissions to try for a rule's candidates: each
// candidate and each permission that includes one, valid in s, granting
// something, and of Graph's kind (resource-specific consent is granted per
// team or chat, never in a token's scopes), in catalog order.
func (a *Analyzer) probes(s catalog.Scheme, cands []routes.Entry) []*catalog.Permission {
	var seen catalog.Set
	var out []*catalog.Permission
	add := func(q *catalog.Permission) {
		if seen.Has(q) || !q.In(s) || q.GrantsNothing || q.Kind != catalog.Graph {
			return
		}
		seen.Add(q)
		out = append(out, q)
	}
	for _, e := range cands {
		add(e.Perm)
		for _, q := range a.includedBy[e.Perm.Index] {
			add(q)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Index < out[j].Index })
	return out
}

// closure is ps with every permission that includes one of them, valid in
// s, in catalog order.
func (a *Analyzer) closure(s catalog.Scheme, ps []*catalog.Permission) []*catalog.Permission {
	entries := make([]routes.Entry, len(ps))
	for i, p := range ps {
		entries[i] = routes.Entry{Perm: p}
	}
	return a.probes(s, entries)
}

// relationNote says what the signed-in user needs to reach the data
// besides the permission: a fact about the data, not about the app.
func relationNote(r authz.Reach) string {
	if r == authz.ReachMember {
		return "the signed-in user reaches it as a member or owner of the group, team, site or chat it names"
	}
	return "the signed-in user reaches it through " + r.Phrase()
}

func schemeWord(s catalog.Scheme) string {
	switch s {
	case catalog.Application:
		return "application"
	case catalog.DelegatedPersonal:
		return "delegated (personal account)"
	}
	return "delegated"
}
