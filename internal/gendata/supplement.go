package main

import (
	"bytes"
	"fmt"
	"go/format"
	"sort"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// supplementDoc is internal/routes/supplement.yaml, decoded with the field
// names routes.supplementRoute has, so that a field the route table does not
// know is an error here rather than silently dropped.
type supplementDoc struct {
	Routes []struct {
		Template     string                         `yaml:"template"`
		Source       string                         `yaml:"source"`
		Note         string                         `yaml:"note"`
		Below        bool                           `yaml:"below"`
		Methods      map[string]map[string][]string `yaml:"methods"`
		AlsoRequires []string                       `yaml:"alsoRequires"`
	} `yaml:"routes"`
}

// renderSupplement writes internal/routes/supplement_gen.go from
// supplement.yaml: the same entries as a function returning Go literals, so
// that a process answering one call decodes no YAML (decoding the file took
// about 7 % of a `graphgate permissions for GET /me` process). The entries
// are checked against the catalog and the table where they are applied
// (routes.Load and the first use of a route's first segment); this only
// moves the decoding to generation time. The result is a function, not a
// package-level variable: the maps inside would otherwise be built by the
// package's init in every process, including those that never load the
// table.
func renderSupplement(doc []byte) ([]byte, error) {
	var f supplementDoc
	dec := yaml.NewDecoder(bytes.NewReader(doc))
	dec.KnownFields(true)
	if err := dec.Decode(&f); err != nil {
		return nil, fmt.Errorf("supplement.yaml: %w", err)
	}
	var b bytes.Buffer
	b.WriteString(generatedHeader)
	fmt.Fprintf(&b, `//
// From supplement.yaml (%d entries), in file order; edit that file and
// regenerate.

package routes

// generatedSupplement returns the entries of supplement.yaml.
func generatedSupplement() []supplementRoute {
	return []supplementRoute{
`, len(f.Routes))
	q := strconv.Quote
	list := func(xs []string) string {
		parts := make([]string, len(xs))
		for i, x := range xs {
			parts[i] = q(x)
		}
		return "{" + strings.Join(parts, ", ") + "}"
	}
	for _, r := range f.Routes {
		fmt.Fprintf(&b, "{Template: %s, Source: %s, Note: %s,", q(r.Template), q(r.Source), q(r.Note))
		if r.Below {
			b.WriteString(" Below: true,")
		}
		if len(r.Methods) > 0 {
			b.WriteString(" Methods: map[string]map[string][]string{\n")
			for _, m := range sortedKeys(r.Methods) {
				fmt.Fprintf(&b, "%s: {", q(m))
				for i, sch := range sortedKeys(r.Methods[m]) {
					if i > 0 {
						b.WriteString(", ")
					}
					fmt.Fprintf(&b, "%s: %s", q(sch), list(r.Methods[m][sch]))
				}
				b.WriteString("},\n")
			}
			b.WriteString("},")
		}
		if len(r.AlsoRequires) > 0 {
			fmt.Fprintf(&b, " AlsoRequires: []string%s,", list(r.AlsoRequires))
		}
		b.WriteString("},\n")
	}
	b.WriteString("}\n}\n")
	out, err := format.Source(b.Bytes())
	if err != nil {
		return nil, fmt.Errorf("supplement_gen.go: %w", err)
	}
	return out, nil
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
