package report

import (
	"fmt"
	"sort"
	"strings"

	"graphgate/internal/catalog"
	"graphgate/internal/permname"
	"graphgate/internal/routes"
)

// alt is one way to allow an endpoint: perm alone, or with one of also.
type alt struct {
	perm *catalog.Permission
	also []*catalog.Permission
}

func (x alt) has(p *catalog.Permission) bool {
	if x.perm == p {
		return true
	}
	for _, a := range x.also {
		if a == p {
			return true
		}
	}
	return false
}

// satisfiedBy reports whether set allows the endpoint through x.
func (x alt) satisfiedBy(set *catalog.Set) bool {
	if !set.Has(x.perm) {
		return false
	}
	if len(x.also) == 0 {
		return true
	}
	for _, a := range x.also {
		if set.Has(a) {
			return true
		}
	}
	return false
}

func (x alt) public() Alternative {
	out := Alternative{Permission: x.perm.Name}
	for _, a := range x.also {
		out.AlsoOneOf = append(out.AlsoOneOf, a.Name)
	}
	return out
}

// epWork is one endpoint of a group while its report is built.
type epWork struct {
	st      *endpointState
	req     *requirement
	alts    []alt // cheapest first
	covered alt   // the minimal set's alternative
	label   string
}

// buildGroup assembles the report of one app and scheme.
func (b *Builder) buildGroup(g *groupState) Group {
	s := g.key.scheme
	out := Group{App: g.key.app, Scheme: s.String(), Calls: g.calls, SchemeAssumed: g.assumed, GrantKnown: g.grantKnown,
		Needed: []string{}, Endpoints: []Endpoint{}}
	if !g.first.IsZero() {
		f, l := g.first.UTC(), g.last.UTC()
		out.FirstSeen, out.LastSeen = &f, &l
	}
	if g.grantKnown {
		out.Granted = g.granted.Names(b.a.cat)
		out.SignIn = sortedKeys(g.signIn)
		out.Unknown = sortedKeys(g.unknown)
	}

	// The endpoints in a stable order, with what each needs.
	states := make([]*endpointState, 0, len(g.eps))
	for _, ep := range g.eps {
		states = append(states, ep)
	}
	sort.Slice(states, func(i, j int) bool {
		a, c := states[i], states[j]
		if a.match.Route.Template != c.match.Route.Template {
			return a.match.Route.Template < c.match.Route.Template
		}
		if a.match.Rule.Method != c.match.Rule.Method {
			return a.match.Rule.Method < c.match.Rule.Method
		}
		if a.self != c.self {
			return !a.self
		}
		if a.match.Me != c.match.Me {
			return !a.match.Me
		}
		return a.within < c.within
	})
	var work []*epWork
	for _, st := range states {
		req := b.requirement(s, st)
		label := st.match.Rule.Method.String() + " " + DisplayPath(st.match.Route.Template, st.match.MeFallback)
		if req.impossible != 0 {
			out.Impossible = append(out.Impossible, Impossible{Method: st.match.Rule.Method.String(), Template: st.match.Route.Template,
				Calls: st.calls, Reason: req.impossible.String(), Explanation: req.text})
			continue
		}
		w := &epWork{st: st, req: req, label: label}
		for _, p := range req.alone {
			w.alts = append(w.alts, alt{perm: p})
		}
		for _, pa := range req.pairs {
			w.alts = append(w.alts, alt{perm: pa.perm, also: pa.also})
		}
		// Cheapest first, as the minimal set weighs them: class, then the
		// call's resource family, then reach and name.
		sort.SliceStable(w.alts, func(i, j int) bool {
			x, y := w.alts[i], w.alts[j]
			if x.perm == y.perm {
				return len(x.also) < len(y.also)
			}
			if cx, cy := classOf(x.perm, s), classOf(y.perm, s); cx != cy {
				return cx < cy
			}
			if fx, fy := req.inFamily(x.perm), req.inFamily(y.perm); fx != fy {
				return fx
			}
			return b.a.permLess(s, x.perm, y.perm)
		})
		work = append(work, w)
	}

	chosen, exact, nodes := b.cover(s, work)
	out.Minimal = Minimal{Exact: exact, Searched: nodes, Permissions: []Chosen{}}
	if !exact {
		out.Minimal.Note = fmt.Sprintf("The search stopped after %d nodes: this set covers every call and is no worse than greedy set cover (within 1 + ln n of the fewest permissions), but it is not proven minimal.", nodes)
	}
	var chosenSet catalog.Set
	for _, p := range chosen {
		chosenSet.Add(p)
	}
	for _, w := range work {
		for _, x := range w.alts {
			if x.satisfiedBy(&chosenSet) {
				w.covered = x
				break
			}
		}
	}

	// The grant against the minimal set.
	gset := g.granted
	grantOf := func(p *catalog.Permission) string {
		if !g.grantKnown {
			return ""
		}
		if gset.Has(p) {
			return "yes"
		}
		for _, h := range b.a.includedBy[p.Index] {
			if gset.Has(h) {
				return "via " + h.Name
			}
		}
		return "no"
	}
	for _, p := range chosen {
		c := Chosen{Permission: p.Name, PrivilegeLevel: p.PrivilegeLevel(s), AdminConsent: p.RequiresAdminConsent(s), Granted: grantOf(p)}
		for _, w := range work {
			if w.covered.perm != nil && w.covered.has(p) {
				c.Endpoints++
				c.Calls += w.st.calls
			}
		}
		c.Why = b.why(s, p, work)
		out.Minimal.Permissions = append(out.Minimal.Permissions, c)
		if c.Granted == "no" {
			out.Add = append(out.Add, p.Name)
		}
	}
	if g.grantKnown {
		b.compareGrant(&out, s, gset, chosenSet, work)
	}

	needed := map[string]bool{}
	for _, w := range work {
		ep := Endpoint{Method: w.st.match.Rule.Method.String(), Template: w.st.match.Route.Template, OwnData: w.st.self, MeFallback: w.st.match.MeFallback,
			Calls: w.st.calls, Denied: w.st.denied, Examples: w.st.examples, Notes: append([]string(nil), w.req.notes...), RequestIDs: w.st.requestIDs}
		if w.st.match.Route.Source != routes.SourceMicrosoft {
			ep.Source = w.st.match.Route.Source
		}
		if !w.st.readsAll {
			ep.Select = sortedKeys(w.st.selects)
		}
		for _, x := range w.alts {
			ep.AllowedBy = append(ep.AllowedBy, x.public())
		}
		ep.Least = w.alts[0].public().String()
		needed[ep.Least] = true
		for _, p := range w.req.trimmed {
			ep.TrimmedBy = append(ep.TrimmedBy, p.Name)
		}
		if len(ep.TrimmedBy) > 0 {
			asked := "the calls select properties outside them"
			if w.st.readsAll {
				asked = "without $select the calls ask for the default properties"
			}
			ep.Notes = append(ep.Notes, fmt.Sprintf("%s would allow it with a trimmed answer, its basic properties only (%s); calls that select only those would need no more than %s",
				ep.TrimmedBy[0], asked, ep.TrimmedBy[0]))
		}
		if w.covered.perm != nil {
			ep.CoveredBy = w.covered.public().String()
		}
		if g.grantKnown {
			ep.Grant = "denies"
			for _, x := range w.alts {
				if x.satisfiedBy(&gset) {
					ep.Grant = "allows"
					break
				}
			}
			if ep.Grant == "denies" {
				for _, p := range w.req.trimmed {
					if gset.Has(p) {
						ep.Grant = "trims"
					}
				}
			}
		}
		out.Endpoints = append(out.Endpoints, ep)
		if ep.Denied > 0 || ep.Grant == "denies" {
			d := Denied{Method: ep.Method, Template: ep.Template, Example: ep.Examples[0], Calls: ep.Denied,
				RequestIDs: ep.RequestIDs, InMinimal: ep.CoveredBy}
			if ep.Denied == 0 {
				d.Calls, d.Predicted = ep.Calls, true
			}
			for i := 0; i < len(ep.AllowedBy) && i < 3; i++ {
				d.WouldAllow = append(d.WouldAllow, ep.AllowedBy[i].String())
			}
			out.Denied = append(out.Denied, d)
		}
	}
	out.Needed = sortedKeys(needed)
	return out
}

// cover solves the group's set cover and returns the chosen permissions in
// name order.
func (b *Builder) cover(s catalog.Scheme, work []*epWork) ([]*catalog.Permission, bool, int) {
	in := &coverInstance{}
	b.a.buildReach()
	in.nbits = b.a.nRules
	local := map[int]int{}
	var perms []*catalog.Permission
	idx := func(p *catalog.Permission) int {
		if i, ok := local[p.Index]; ok {
			return i
		}
		i := len(perms)
		local[p.Index] = i
		perms = append(perms, p)
		in.class = append(in.class, classOf(p, s))
		in.scope = append(in.scope, permname.ConstraintRank(p.Parts.Constraint))
		in.reach = append(in.reach, b.a.reach(s, p))
		in.name = append(in.name, p.Name)
		return i
	}
	seen := map[string]bool{}
	for _, w := range work {
		var opts [][]int
		var fam []bool
		var sig strings.Builder
		for _, x := range w.alts {
			of := w.req.inFamily(x.perm)
			if len(x.also) == 0 {
				opts = append(opts, []int{idx(x.perm)})
				fam = append(fam, of)
				fmt.Fprintf(&sig, "%d/%v;", x.perm.Index, of)
				continue
			}
			for _, a := range x.also {
				o := []int{idx(x.perm), idx(a)}
				sort.Ints(o)
				opts = append(opts, o)
				fam = append(fam, of)
				fmt.Fprintf(&sig, "%d+%d/%v;", x.perm.Index, a.Index, of)
			}
		}
		if seen[sig.String()] {
			continue
		}
		seen[sig.String()] = true
		in.reqs = append(in.reqs, opts)
		in.family = append(in.family, fam)
	}
	res := in.solve(b.o.SearchBudget)
	out := make([]*catalog.Permission, len(res.perms))
	for i, p := range res.perms {
		out[i] = perms[p]
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, res.exact, res.nodes
}

// why says why p is in the minimal set: the endpoints it is the least
// privileged choice for, and those it allows in place of a permission they
// alone would need, with the fact that lets it (the grammar, or the route
// table listing it).
func (b *Builder) why(s catalog.Scheme, p *catalog.Permission, work []*epWork) string {
	var own, with []string
	stand := map[*catalog.Permission][]string{}
	var standOrder []*catalog.Permission
	for _, w := range work {
		if w.covered.perm == nil || !w.covered.has(p) {
			continue
		}
		least := w.alts[0]
		switch {
		case least.has(p):
			own = append(own, w.label)
		case w.covered.perm != p:
			with = append(with, w.covered.perm.Name+" for "+w.label)
		default:
			if _, ok := stand[least.perm]; !ok {
				standOrder = append(standOrder, least.perm)
			}
			stand[least.perm] = append(stand[least.perm], w.label)
		}
	}
	var parts []string
	if len(own) > 0 {
		parts = append(parts, "Least privileged for "+listOf(own)+".")
	}
	if len(with) > 0 {
		parts = append(parts, "Needed together with "+listOf(with)+" (the route table names what each also requires).")
	}
	sort.Slice(standOrder, func(i, j int) bool { return standOrder[i].Name < standOrder[j].Name })
	for _, q := range standOrder {
		eps := stand[q]
		it := "it"
		if len(eps) > 1 {
			it = "them"
		}
		how := "the route table lists " + p.Name + " for " + it
		if permname.Implies(p.Parts, q.Parts) {
			how = p.Name + " includes " + q.Name
		}
		parts = append(parts, fmt.Sprintf("Also allows %s, which alone would need %s: %s, so %s is not needed.", listOf(eps), q.Name, how, q.Name))
	}
	if len(own) == 0 && len(with) == 0 && len(standOrder) > 1 {
		names := make([]string, len(standOrder))
		for i, q := range standOrder {
			names[i] = q.Name
		}
		parts = append([]string{fmt.Sprintf("Stands in for %s: %s.", listOf(names), b.cheaper(s, p, standOrder))}, parts...)
	}
	if len(parts) == 0 {
		return "Needed by the calls it covers."
	}
	return strings.Join(parts, " ")
}

// cheaper says why one permission beats several by the report's cost.
func (b *Builder) cheaper(s catalog.Scheme, p *catalog.Permission, qs []*catalog.Permission) string {
	top := 0
	for _, q := range qs {
		top = max(top, level(q, s))
	}
	lp := level(p, s)
	switch {
	case lp < top:
		return fmt.Sprintf("a lower privilege level (%d) than the highest of theirs (%d)", lp, top)
	case lp == top:
		return fmt.Sprintf("one permission instead of %d at privilege level %d or below", len(qs), top)
	}
	return "a smaller reach over Graph's endpoints than theirs together"
}

// compareGrant fills Narrow and Excess: granted permissions outside the
// minimal set, broader than minimal ones they include, or not needed.
func (b *Builder) compareGrant(out *Group, s catalog.Scheme, gset, chosen catalog.Set, work []*epWork) {
	gset.Each(b.a.cat, func(g *catalog.Permission) {
		if chosen.Has(g) {
			return
		}
		var to []string
		for _, m := range b.a.includes[g.Index] {
			if chosen.Has(m) && !gset.Has(m) {
				to = append(to, m.Name)
			}
		}
		if len(to) > 0 {
			sort.Strings(to)
			out.Narrow = append(out.Narrow, Narrowing{From: g.Name, To: to,
				Why: fmt.Sprintf("%s includes %s, and the calls need no more than the minimal set", g.Name, strings.Join(to, " and "))})
			return
		}
		n := 0
		for _, w := range work {
			for _, x := range w.alts {
				if x.perm == g {
					n++
					break
				}
			}
		}
		why := "allows none of the calls"
		if n > 0 {
			why = fmt.Sprintf("allows %d of the endpoints, which the minimal set allows with less", n)
		}
		out.Excess = append(out.Excess, Excess{Permission: g.Name, Why: why})
	})
}

// listOf names up to two items, then how many more.
func listOf(items []string) string {
	switch len(items) {
	case 0:
		return ""
	case 1:
		return items[0]
	case 2:
		return items[0] + " and " + items[1]
	}
	return fmt.Sprintf("%s, %s and %d more", items[0], items[1], len(items)-2)
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
