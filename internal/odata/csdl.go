package odata

import (
	"encoding/xml"
	"fmt"
	"io"
	"strings"
)

// Model is the part of a service's schema (its CSDL, OData v4 Part 3) that
// request bodies and $select are checked against: entity and complex types
// with their properties, enumerations and the parameters of actions. It
// holds one schema namespace (Graph's microsoft.graph, alias graph).
//
// A Model is immutable once parsed and safe for concurrent use.
type Model struct {
	namespace, alias string
	types            map[string]*StructuredType // by lower-cased simple name
	enums            map[string]*EnumType       // by lower-cased simple name
	actions          map[string][]*Action       // by lower-cased name
}

// StructuredType is an entity or complex type.
type StructuredType struct {
	// Name is the qualified name, e.g. "microsoft.graph.event".
	Name     string
	Complex  bool
	Abstract bool
	// Open types accept properties they do not declare (OData v4 Part 3,
	// 6.3 and 9.3).
	Open bool
	// action marks the parameters of an action (ActionType).
	action bool
	base   *StructuredType
	// props are the type's own structural properties; navigation its
	// own navigation properties.
	props      []Property
	navigation []string
	derived    []*StructuredType
	model      *Model
}

// Property is a structural property or an action parameter.
type Property struct {
	Name string
	Type TypeRef
}

// TypeRef is the type of a property: a primitive (Edm.String...), an
// enumeration, a complex or entity type, or a collection of one of them.
type TypeRef struct {
	// Name is the qualified element type name: "Edm.Boolean",
	// "microsoft.graph.importance", "microsoft.graph.itemBody".
	Name       string
	Collection bool
	// Nullable is false where the schema says Nullable="false": for a
	// collection, its elements may not be null.
	Nullable bool
	// Enum or Structured is set for those kinds.
	Enum       *EnumType
	Structured *StructuredType
}

// String is the type as OData messages name it: "Edm.String",
// "Collection(microsoft.graph.attendee)".
func (t TypeRef) String() string {
	if t.Collection {
		return "Collection(" + t.Name + ")"
	}
	return t.Name
}

// EnumType is an enumeration: its members by name.
type EnumType struct {
	Name    string
	Flags   bool
	members []string
}

// Member returns the declared spelling of the member named s, matched
// ignoring case, as Graph matches enumeration values.
func (e *EnumType) Member(s string) (string, bool) {
	for _, m := range e.members {
		if strings.EqualFold(m, s) {
			return m, true
		}
	}
	return "", false
}

// Action is a bound action: its binding type and its other parameters.
type Action struct {
	Name    string
	Binding string // qualified name of the binding parameter's type
	Params  []Property
}

// csdl mirrors the parts of an edmx document ParseCSDL reads.
type csdl struct {
	Schemas []struct {
		Namespace string `xml:"Namespace,attr"`
		Alias     string `xml:"Alias,attr"`
		Enums     []struct {
			Name    string `xml:"Name,attr"`
			IsFlags bool   `xml:"IsFlags,attr"`
			Members []struct {
				Name string `xml:"Name,attr"`
			} `xml:"Member"`
		} `xml:"EnumType"`
		Entities  []csdlStructured `xml:"EntityType"`
		Complexes []csdlStructured `xml:"ComplexType"`
		Actions   []struct {
			Name   string     `xml:"Name,attr"`
			Params []csdlProp `xml:"Parameter"`
		} `xml:"Action"`
	} `xml:"DataServices>Schema"`
}

type csdlStructured struct {
	Name       string     `xml:"Name,attr"`
	BaseType   string     `xml:"BaseType,attr"`
	Abstract   bool       `xml:"Abstract,attr"`
	OpenType   bool       `xml:"OpenType,attr"`
	Properties []csdlProp `xml:"Property"`
	Navigation []csdlProp `xml:"NavigationProperty"`
}

type csdlProp struct {
	Name     string `xml:"Name,attr"`
	Type     string `xml:"Type,attr"`
	Nullable string `xml:"Nullable,attr"`
}

// ParseCSDL reads the first schema of a CSDL XML document ($metadata, or
// an excerpt of it). Type references must resolve within that schema or to
// Edm primitives; a reference that does not is an error, as is a base
// type cycle.
func ParseCSDL(r io.Reader) (*Model, error) {
	var doc csdl
	if err := xml.NewDecoder(r).Decode(&doc); err != nil {
		return nil, fmt.Errorf("odata: reading CSDL: %w", err)
	}
	if len(doc.Schemas) == 0 {
		return nil, fmt.Errorf("odata: CSDL has no schema")
	}
	s := doc.Schemas[0]
	m := &Model{namespace: s.Namespace, alias: s.Alias, types: map[string]*StructuredType{},
		enums: map[string]*EnumType{}, actions: map[string][]*Action{}}
	for _, e := range s.Enums {
		et := &EnumType{Name: m.namespace + "." + e.Name, Flags: e.IsFlags}
		for _, mb := range e.Members {
			et.members = append(et.members, mb.Name)
		}
		m.enums[strings.ToLower(e.Name)] = et
	}
	all := append(append([]csdlStructured{}, s.Entities...), s.Complexes...)
	for i, st := range all {
		m.types[strings.ToLower(st.Name)] = &StructuredType{Name: m.namespace + "." + st.Name, Complex: i >= len(s.Entities),
			Abstract: st.Abstract, Open: st.OpenType, model: m}
	}
	for _, st := range all {
		t := m.types[strings.ToLower(st.Name)]
		if st.BaseType != "" {
			base, ok := m.types[strings.ToLower(m.local(st.BaseType))]
			if !ok {
				return nil, fmt.Errorf("odata: CSDL: base type %q of %s is not in the schema", st.BaseType, t.Name)
			}
			t.base = base
			base.derived = append(base.derived, t)
		}
		for _, p := range st.Properties {
			ref, err := m.typeRef(p.Type, p.Nullable)
			if err != nil {
				return nil, fmt.Errorf("odata: CSDL: %s/%s: %w", t.Name, p.Name, err)
			}
			t.props = append(t.props, Property{Name: p.Name, Type: ref})
		}
		for _, p := range st.Navigation {
			t.navigation = append(t.navigation, p.Name)
		}
	}
	for _, t := range m.types {
		seen := map[*StructuredType]bool{}
		for b := t; b != nil; b = b.base {
			if seen[b] {
				return nil, fmt.Errorf("odata: CSDL: %s derives from itself", t.Name)
			}
			seen[b] = true
		}
	}
	for _, a := range s.Actions {
		if len(a.Params) == 0 {
			continue
		}
		act := &Action{Name: a.Name, Binding: m.qualified(a.Params[0].Type)}
		for _, p := range a.Params[1:] {
			ref, err := m.typeRef(p.Type, p.Nullable)
			if err != nil {
				return nil, fmt.Errorf("odata: CSDL: action %s/%s: %w", a.Name, p.Name, err)
			}
			act.Params = append(act.Params, Property{Name: p.Name, Type: ref})
		}
		key := strings.ToLower(a.Name)
		m.actions[key] = append(m.actions[key], act)
	}
	return m, nil
}

// local strips the schema's namespace or alias from a qualified name.
func (m *Model) local(name string) string {
	for _, p := range []string{m.namespace + ".", m.alias + "."} {
		if p != "." && len(name) > len(p) && strings.EqualFold(name[:len(p)], p) {
			return name[len(p):]
		}
	}
	return name
}

// qualified spells a type reference with the namespace rather than the alias.
func (m *Model) qualified(name string) string {
	coll := strings.HasPrefix(name, "Collection(")
	if coll {
		name = strings.TrimSuffix(strings.TrimPrefix(name, "Collection("), ")")
	}
	if !strings.HasPrefix(name, "Edm.") {
		name = m.namespace + "." + m.local(name)
	}
	if coll {
		return "Collection(" + name + ")"
	}
	return name
}

func (m *Model) typeRef(name, nullable string) (TypeRef, error) {
	ref := TypeRef{Nullable: nullable != "false"}
	if strings.HasPrefix(name, "Collection(") && strings.HasSuffix(name, ")") {
		ref.Collection = true
		name = name[len("Collection(") : len(name)-1]
	}
	if strings.HasPrefix(name, "Edm.") {
		ref.Name = name
		return ref, nil
	}
	local := strings.ToLower(m.local(name))
	ref.Name = m.namespace + "." + m.local(name)
	if e, ok := m.enums[local]; ok {
		ref.Enum = e
		return ref, nil
	}
	if t, ok := m.types[local]; ok {
		ref.Structured = t
		return ref, nil
	}
	return ref, fmt.Errorf("type %q is not in the schema", name)
}

// Type returns the entity or complex type named name: qualified
// ("microsoft.graph.event", "graph.event", with or without a leading '#')
// or simple ("event"), matched ignoring case.
func (m *Model) Type(name string) (*StructuredType, bool) {
	name = strings.TrimPrefix(name, "#")
	if strings.Contains(name, ".") {
		local := m.local(name)
		if local == name {
			return nil, false // another namespace
		}
		name = local
	}
	t, ok := m.types[strings.ToLower(name)]
	return t, ok
}

// InNamespace reports whether a qualified type name (with or without '#')
// is in the model's namespace or alias, whether or not the model holds it.
func (m *Model) InNamespace(name string) bool {
	name = strings.TrimPrefix(name, "#")
	return m.local(name) != name
}

// Action returns the action name bound to the type binding (qualified or
// simple), matched ignoring case; a binding to a base type of binding
// counts.
func (m *Model) Action(name, binding string) (*Action, bool) {
	bt, ok := m.Type(binding)
	if !ok {
		return nil, false
	}
	for t := bt; t != nil; t = t.base {
		for _, a := range m.actions[strings.ToLower(name)] {
			if strings.EqualFold(a.Binding, t.Name) {
				return a, true
			}
		}
	}
	return nil, false
}

// Base is the type's base type, nil for none.
func (t *StructuredType) Base() *StructuredType { return t.base }

// SimpleName is the type's name without its namespace ("event").
func (t *StructuredType) SimpleName() string { return t.Name[strings.LastIndexByte(t.Name, '.')+1:] }

// Property returns the structural property named name, declared by the
// type or a base type: the exact spelling first, then ignoring case (as
// Graph matches names; OData v4.01 Part 1, 4.4 allows it when
// unambiguous).
func (t *StructuredType) Property(name string) (Property, bool) {
	var folded *Property
	for b := t; b != nil; b = b.base {
		for i, p := range b.props {
			if p.Name == name {
				return p, true
			}
			if folded == nil && strings.EqualFold(p.Name, name) {
				folded = &b.props[i]
			}
		}
	}
	if folded != nil {
		return *folded, true
	}
	return Property{}, false
}

// Navigation returns the declared spelling of the navigation property
// named name (matched ignoring case), declared by the type or a base type.
func (t *StructuredType) Navigation(name string) (string, bool) {
	for b := t; b != nil; b = b.base {
		for _, n := range b.navigation {
			if strings.EqualFold(n, name) {
				return n, true
			}
		}
	}
	return "", false
}

// NavigationNames lists the navigation properties of the type and its
// base types.
func (t *StructuredType) NavigationNames() []string {
	var out []string
	for b := t; b != nil; b = b.base {
		out = append(out, b.navigation...)
	}
	return out
}

// Properties lists the structural properties of the type and its base
// types, base types' first.
func (t *StructuredType) Properties() []Property {
	var chain []*StructuredType
	for b := t; b != nil; b = b.base {
		chain = append(chain, b)
	}
	var out []Property
	for i := len(chain) - 1; i >= 0; i-- {
		out = append(out, chain[i].props...)
	}
	return out
}

// IsA reports whether t is u or derives from it.
func (t *StructuredType) IsA(u *StructuredType) bool {
	for b := t; b != nil; b = b.base {
		if b == u {
			return true
		}
	}
	return false
}

// ActionType presents an action's parameters as a structured type, so a
// request body of the action reads like a complex value whose properties
// are the parameters (OData JSON Format v4.01, 18).
func (a *Action) ActionType() *StructuredType {
	return &StructuredType{Name: a.Name, Complex: true, action: true, props: a.Params}
}
