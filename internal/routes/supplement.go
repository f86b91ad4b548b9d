package routes

import (
	"fmt"
	"sort"
	"strings"

	"graphgate/internal/catalog"
	"graphgate/internal/graphpath"
)

// supplementRoute is one entry of supplement.yaml. internal/gendata decodes
// the file when it generates the table and writes the entries as Go
// (supplement_gen.go, generatedSupplement), so no process decodes YAML.
type supplementRoute struct {
	Template string `yaml:"template"`
	Source   string `yaml:"source"`
	Note     string `yaml:"note"`
	// Below makes the entry amend the route at Template and every route
	// below it (its path continues Template's) instead of one route: for
	// each listed method such a route has a rule for, the permissions are
	// appended. It never creates a route or a rule. Below entries apply after
	// the others, so they amend the supplement's own routes too.
	Below bool `yaml:"below"`
	// Methods: method → scheme → permissions, least privileged first; the
	// first is marked least.
	Methods map[string]map[string][]string `yaml:"methods"`
	// AlsoRequires: permissions of which one is needed with any accepted one.
	AlsoRequires []string `yaml:"alsoRequires"`
}

// supEntry is a supplement entry as load plans it.
type supEntry struct {
	supplementRoute
	// path is Template in normal form.
	path string
	// route is the Index of the route the entry creates, or -1 when the
	// table has the route; rules holds, per method, the Index of the rule it
	// creates, or -1.
	route int
	rules [NumMethods]int
}

// planSupplement checks what the supplement's entries can be checked for
// without building the table, puts each in the group of its path's first
// segment, and fixes the index of every route and rule it creates: as if
// the entries were applied in file order after Microsoft's routes (a route
// or rule an entry creates gets the next index), which is the order
// Routes and Rules list them in. It returns the number of routes.
func (t *Table) planSupplement(entries []supplementRoute, nRules *int) (int, error) {
	nRoutes := len(t.gen)
	t.sup = make([]supEntry, len(entries))
	// methods holds, per path the supplement names, the methods the table
	// has a rule for so far.
	methods := map[string]*[NumMethods]bool{}
	var np graphpath.Path
	for i, sr := range entries {
		e := &t.sup[i]
		e.supplementRoute, e.route = sr, -1
		for m := range e.rules {
			e.rules[m] = -1
		}
		if sr.Below {
			if sr.Source != SourceDocs {
				return 0, fmt.Errorf("supplement %s: an entry with below must have source docs, not %q", sr.Template, sr.Source)
			}
		} else if sr.Source != SourceDocs && sr.Source != SourceRetired {
			return 0, fmt.Errorf("supplement %s: source must be docs or retired, not %q", sr.Template, sr.Source)
		}
		if sr.Note == "" {
			return 0, fmt.Errorf("supplement %s: a note is required", sr.Template)
		}
		if sr.Below && len(sr.AlsoRequires) > 0 {
			return 0, fmt.Errorf("supplement %s: an entry with below cannot have alsoRequires", sr.Template)
		}
		if err := graphpath.Normalize(&np, sr.Template, graphpath.Template); err != nil {
			return 0, fmt.Errorf("supplement %s: %w", sr.Template, err)
		}
		e.path = np.String()
		g := t.group(firstSegment(e.path))
		names := make([]string, 0, len(sr.Methods))
		for m := range sr.Methods {
			names = append(names, m)
		}
		sort.Strings(names)
		var ms []Method
		for _, name := range names {
			m, err := ParseMethod(name)
			if err != nil {
				return 0, fmt.Errorf("supplement %s: %w", sr.Template, err)
			}
			ms = append(ms, m)
		}
		if sr.Below {
			g.below = append(g.below, i)
			continue
		}
		g.plain = append(g.plain, i)
		has := methods[e.path]
		if has == nil {
			has = new([NumMethods]bool)
			methods[e.path] = has
			if gi := t.generated(g, e.path); gi >= 0 {
				for _, r := range t.gen[gi].rules {
					has[r.method] = true
				}
			} else {
				e.route = nRoutes
				nRoutes++
			}
		}
		for _, m := range ms {
			if !has[m] {
				e.rules[m] = *nRules
				*nRules++
				has[m] = true
			}
		}
	}
	return nRoutes, nil
}

// generated returns the index of the generated route of g with exactly this
// path and no $filter condition, or -1.
func (t *Table) generated(g *group, path string) int {
	for _, run := range g.runs {
		for gi := run.start; gi < run.end; gi++ {
			if gr := &t.gen[gi]; gr.path == path && gr.query == "" {
				return int(gi)
			}
		}
	}
	return -1
}

// applyPlain applies an entry that is not Below to its group, whose node
// is nd; t.mu is held. A supplement may only add: an entry that adds
// nothing the data lacks is an error, so a Microsoft data update that
// covers it is noticed.
func (t *Table) applyPlain(nd *node, e *supEntry) error {
	sr := &e.supplementRoute
	r := exactIn(nd, e.path)
	switch {
	case r == nil && e.route < 0, r != nil && e.route >= 0 && r.Index != e.route:
		return fmt.Errorf("supplement %s: planned and built tables differ", sr.Template)
	case r == nil:
		r = &Route{Index: e.route, Path: e.path, Template: sr.Template, Source: sr.Source, Note: sr.Note, segs: splitPath(e.path)}
		r.linked.Store(true)
		t.insert(nd, r)
		t.routes[r.Index] = r
	default:
		if err := t.linkHeld(r); err != nil {
			return err
		}
	}
	var also []*catalog.Permission
	for _, a := range sr.AlsoRequires {
		p, ok := t.cat.Lookup(a)
		if !ok {
			return fmt.Errorf("supplement %s: unknown permission %s", sr.Template, a)
		}
		also = append(also, p)
	}
	methods := make([]string, 0, len(sr.Methods))
	for m := range sr.Methods {
		methods = append(methods, m)
	}
	sort.Strings(methods)
	for _, ms := range methods {
		m, err := ParseMethod(ms)
		if err != nil {
			return fmt.Errorf("supplement %s: %w", sr.Template, err)
		}
		rule := r.Rules[m]
		amend := rule != nil
		if !amend {
			if e.rules[m] < 0 {
				return fmt.Errorf("supplement %s %s: planned and built tables differ", ms, sr.Template)
			}
			rule = &Rule{Index: e.rules[m], Route: r, Method: m}
		}
		added := 0
		for schName, perms := range sr.Methods[ms] {
			sch, err := catalog.ParseScheme(schName)
			if err != nil {
				return fmt.Errorf("supplement %s: %w", sr.Template, err)
			}
			for i, n := range perms {
				p, ok := t.cat.Lookup(n)
				if !ok {
					return fmt.Errorf("supplement %s: unknown permission %s", sr.Template, n)
				}
				if !p.In(sch) {
					return fmt.Errorf("supplement %s: %s has no %s scheme", sr.Template, n, sch)
				}
				if rule.Sets[sch].Has(p) {
					continue
				}
				// Amendments append after Microsoft's entries and never
				// claim to be least privileged.
				rule.Accepted[sch] = append(rule.Accepted[sch], Entry{Perm: p, Least: i == 0 && !amend, AlsoRequires: also, Source: sr.Source})
				rule.Sets[sch].add(p)
				added++
			}
		}
		if added == 0 {
			return fmt.Errorf("supplement %s %s: Microsoft's data already has every listed permission; remove it from the supplement", ms, sr.Template)
		}
		if !amend {
			r.Rules[m] = rule
			t.rules[rule.Index] = rule
		}
	}
	return nil
}

// applyBelow applies a Below entry to g, after its other entries; t.mu is
// held.
func (t *Table) applyBelow(g *group, e *supEntry) error {
	sr := &e.supplementRoute
	prefix := e.path
	type add struct {
		m     Method
		sch   catalog.Scheme
		perms []*catalog.Permission
	}
	var adds []add
	for ms, bySch := range sr.Methods {
		m, err := ParseMethod(ms)
		if err != nil {
			return fmt.Errorf("supplement %s: %w", sr.Template, err)
		}
		for schName, names := range bySch {
			sch, err := catalog.ParseScheme(schName)
			if err != nil {
				return fmt.Errorf("supplement %s: %w", sr.Template, err)
			}
			a := add{m: m, sch: sch}
			for _, n := range names {
				p, ok := t.cat.Lookup(n)
				if !ok {
					return fmt.Errorf("supplement %s: unknown permission %s", sr.Template, n)
				}
				if !p.In(sch) {
					return fmt.Errorf("supplement %s: %s has no %s scheme", sr.Template, n, sch)
				}
				a.perms = append(a.perms, p)
			}
			adds = append(adds, a)
		}
	}
	// The routes of the group: Microsoft's, then those its entries created.
	var below []*Route
	for _, run := range g.runs {
		below = append(below, t.routes[run.start:run.end]...)
	}
	for _, i := range g.plain {
		if k := t.sup[i].route; k >= 0 {
			below = append(below, t.routes[k])
		}
	}
	added := 0
	for _, r := range below {
		if r.Path != prefix && !strings.HasPrefix(r.Path, prefix+"/") {
			continue
		}
		if err := t.linkHeld(r); err != nil {
			return err
		}
		for _, a := range adds {
			rule := r.Rules[a.m]
			if rule == nil {
				continue
			}
			for _, p := range a.perms {
				if rule.Sets[a.sch].Has(p) {
					continue
				}
				rule.Accepted[a.sch] = append(rule.Accepted[a.sch], Entry{Perm: p, Source: sr.Source})
				rule.Sets[a.sch].add(p)
				added++
			}
		}
	}
	if added == 0 {
		return fmt.Errorf("supplement %s (below): no route below it lacks the listed permissions; remove it from the supplement", sr.Template)
	}
	return nil
}
