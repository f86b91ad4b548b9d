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
	Routes []struct {
		Template string `yaml:"template"`
		Source   string `yaml:"source"`
		Note     string `yaml:"note"`
		// Methods: method → scheme → permissions, least privileged first; the
		// first is marked least.
		Methods map[string]map[string][]string `yaml:"methods"`
		// AlsoRequires: permissions of which one is needed with any accepted one.
		AlsoRequires []string `yaml:"alsoRequires"`
	} `yaml:"routes"`
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
	for _, sr := range f.Routes {
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
		r, exists := t.byPath[path]
		if !exists {
			r = &Route{Index: len(t.routes), Path: path, Template: sr.Template, Source: sr.Source, Note: sr.Note}
			t.insert(&np, r)
			t.byPath[path] = r
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
					rule.Sets[sch].Add(p)
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
	return nil
}
