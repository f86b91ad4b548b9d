package main

import (
	"bytes"
	"fmt"
	"go/format"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// overlayDoc is internal/catalog/overlay.yaml, decoded with the fields
// catalog.Decision has, so that a field the catalog does not know fails
// here rather than being dropped. It mirrors catalog.Decision instead of
// importing it: the generator must still build when the catalog's
// generated file it rewrites (overlay_gen.go) is stale or broken, and
// TestRenderOverlay with TestGeneratedOverlayIsCurrent catch a drift.
type overlayDoc struct {
	Decisions []struct {
		ID          string   `yaml:"id"`
		Permissions []string `yaml:"permissions"`
		Topic       string   `yaml:"topic"`
		Scheme      string   `yaml:"scheme,omitempty"`
		Route       string   `yaml:"route,omitempty"`
		Seed        string   `yaml:"seed"`
		Data        string   `yaml:"data"`
		Follow      string   `yaml:"follow"`
		Why         string   `yaml:"why"`
		Set         struct {
			Alias         string `yaml:"alias,omitempty"`
			Personal      *bool  `yaml:"personal,omitempty"`
			GrantsNothing bool   `yaml:"grantsNothing,omitempty"`
			Deprecated    bool   `yaml:"deprecated,omitempty"`
			Preview       bool   `yaml:"preview,omitempty"`
			Kind          string `yaml:"kind,omitempty"`
			AdminConsent  *bool  `yaml:"adminConsent,omitempty"`
		} `yaml:"set,omitempty"`
	} `yaml:"decisions"`
}

// renderOverlay writes internal/catalog/overlay_gen.go from overlay.yaml:
// the decisions as a function returning Go literals, so that loading the
// catalog decodes no YAML (about 4 % of a `graphgate permissions for GET
// /me` process). catalog.Load still checks every decision against the
// catalog; this only moves the decoding to generation time.
func renderOverlay(doc []byte) ([]byte, error) {
	var f overlayDoc
	dec := yaml.NewDecoder(bytes.NewReader(doc))
	dec.KnownFields(true)
	if err := dec.Decode(&f); err != nil {
		return nil, fmt.Errorf("overlay.yaml: %w", err)
	}
	var b bytes.Buffer
	b.WriteString(generatedHeader)
	fmt.Fprintf(&b, `//
// From overlay.yaml (%d decisions), in file order; edit that file and
// regenerate.

package catalog

// generatedOverlay returns the decisions of overlay.yaml.
func generatedOverlay() []*Decision {
	return []*Decision{
`, len(f.Decisions))
	q := strconv.Quote
	for _, d := range f.Decisions {
		parts := make([]string, len(d.Permissions))
		for i, p := range d.Permissions {
			parts[i] = q(p)
		}
		fmt.Fprintf(&b, "{ID: %s, Permissions: []string{%s}, Topic: %s,", q(d.ID), strings.Join(parts, ", "), q(d.Topic))
		for _, f := range []struct{ name, v string }{{"Scheme", d.Scheme}, {"Route", d.Route}, {"Seed", d.Seed}, {"Data", d.Data}, {"Follow", d.Follow}, {"Why", d.Why}} {
			if f.v != "" {
				fmt.Fprintf(&b, " %s: %s,", f.name, q(f.v))
			}
		}
		var set []string
		if d.Set.Alias != "" {
			set = append(set, "Alias: "+q(d.Set.Alias))
		}
		ptr := func(v bool) string {
			if v {
				return "new(true)"
			}
			return "new(false)"
		}
		if d.Set.Personal != nil {
			set = append(set, "Personal: "+ptr(*d.Set.Personal))
		}
		if d.Set.GrantsNothing {
			set = append(set, "GrantsNothing: true")
		}
		if d.Set.Deprecated {
			set = append(set, "Deprecated: true")
		}
		if d.Set.Preview {
			set = append(set, "Preview: true")
		}
		if d.Set.Kind != "" {
			set = append(set, "Kind: "+q(d.Set.Kind))
		}
		if d.Set.AdminConsent != nil {
			set = append(set, "AdminConsent: "+ptr(*d.Set.AdminConsent))
		}
		if len(set) > 0 {
			fmt.Fprintf(&b, " Set: Effects{%s},", strings.Join(set, ", "))
		}
		b.WriteString("},\n")
	}
	b.WriteString("}\n}\n")
	out, err := format.Source(b.Bytes())
	if err != nil {
		return nil, fmt.Errorf("overlay_gen.go: %w", err)
	}
	return out, nil
}
