package routes

import (
	"fmt"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"

	"graphgate/internal/catalog"
	"graphgate/internal/graphpath"
)

// supplementFile is supplement.yaml: routes Microsoft's data lacks.
type supplementFile struct {
	Routes []supplementRoute `yaml:"routes"`
}

// supplementRoute is one entry of supplement.yaml.
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

// applySupplement adds the supplement's routes, methods and permissions. A
// supplement may only add: an entry that adds nothing the data lacks is an
// error, so a Microsoft data update that covers it is noticed.
func (t *Table) applySupplement(doc []byte) error {
	var f supplementFile
	dec := yaml.NewDecoder(strings.NewReader(string(doc)))
	dec.KnownFields(true)
	if err := dec.Decode(&f); err != nil {
		return fmt.Errorf("supplement: %w", err)
	}
	var np graphpath.Path
	var below []supplementRoute
	for _, sr := range f.Routes {
		if sr.Below {
			below = append(below, sr)
			continue
		}
		if sr.Source != SourceDocs && sr.Source != SourceRetired {
			return fmt.Errorf("supplement %s: source must be docs or retired, not %q", sr.Template, sr.Source)
		}
		if sr.Note == "" {
			return fmt.Errorf("supplement %s: a note is required", sr.Template)
		}
		if err := graphpath.Normalize(&np, sr.Template, graphpath.Template); err != nil {
			return fmt.Errorf("supplement %s: %w", sr.Template, err)
		}
		path := np.String()
		r := t.link(t.exact(path))
		if r == nil {
			r = &Route{Index: len(t.routes), Path: path, Template: sr.Template, Source: sr.Source, Note: sr.Note, segs: splitPath(path)}
			r.linked.Store(true)
			t.insert(r)
			t.routes = append(t.routes, r)
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
				rule = &Rule{Index: len(t.rules), Route: r, Method: m}
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
				t.rules = append(t.rules, rule)
			}
		}
	}
	for _, sr := range below {
		if err := t.applyBelow(sr); err != nil {
			return err
		}
	}
	return nil
}

// applyBelow applies a Below entry of the supplement.
func (t *Table) applyBelow(sr supplementRoute) error {
	if sr.Source != SourceDocs {
		return fmt.Errorf("supplement %s: an entry with below must have source docs, not %q", sr.Template, sr.Source)
	}
	if sr.Note == "" {
		return fmt.Errorf("supplement %s: a note is required", sr.Template)
	}
	if len(sr.AlsoRequires) > 0 {
		return fmt.Errorf("supplement %s: an entry with below cannot have alsoRequires", sr.Template)
	}
	var np graphpath.Path
	if err := graphpath.Normalize(&np, sr.Template, graphpath.Template); err != nil {
		return fmt.Errorf("supplement %s: %w", sr.Template, err)
	}
	prefix := np.String()
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
	added := 0
	for _, r := range t.routes {
		if r.Path != prefix && !strings.HasPrefix(r.Path, prefix+"/") {
			continue
		}
		t.link(r)
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
