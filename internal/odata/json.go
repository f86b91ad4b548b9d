package odata

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
)

// JSONProps declares the properties of a resource stored as a JSON
// document, by OData property path ("subject", "from/emailAddress/address")
// which is also the property's path in the document: a Type for a scalar,
// JSONArrayOf or JSONArrayOfObjects for an array. Names are matched
// ignoring case in queries, but the document's keys are spelled as
// declared.
//
// Documents are expected to hold each property with the declared JSON
// type (string, boolean, number) or null, or to leave it out; null and
// absent are the same. A TypeDateTime is a string in store.TimeLayout
// (store.TimeLayout): fixed width and UTC, so that text order is time
// order. A value of another JSON type compares loosely in SQLite, may make
// a Postgres cast fail, and is an Eval error. An array property that is
// null, absent or not an array has no elements.
type JSONProps map[string]JSONProp

// JSONProp is the declared shape of one property: a Type, or the result
// of JSONArrayOf or JSONArrayOfObjects.
type JSONProp interface{ jsonProp() }

func (Type) jsonProp() {}

type jsonArray struct {
	elem    Type      // primitive elements
	objects bool      // object elements, described by fields
	fields  JSONProps // paths inside an element
}

func (jsonArray) jsonProp() {}

// JSONArrayOf declares an array of scalars, e.g. categories: ["Red"].
func JSONArrayOf(elem Type) JSONProp { return jsonArray{elem: elem} }

// JSONArrayOfObjects declares an array of objects whose properties, by path
// inside one element, are fields, e.g. toRecipients:
// [{"emailAddress":{"address":...}}] with "emailAddress/address".
// Fields may declare arrays in turn.
func JSONArrayOfObjects(fields JSONProps) JSONProp {
	return jsonArray{objects: true, fields: fields}
}

// JSONMapping returns the Mapping of a resource stored as a JSON
// document (a store item's Doc), for Filter and Order: every property is
// read from the document at its declared path, arrays through any, all
// and $count. More columns (store columns, with a Name) may be added to
// the result.
//
// JSONMapping panics if props is malformed, which is a programming
// error: a path segment that is not an identifier, a nil value, or two
// paths that clash (equal ignoring case, or one a prefix of the other).
func JSONMapping(entityType string, props JSONProps) Mapping {
	mustValidJSONProps(props, "")
	return Mapping{EntityType: entityType, Columns: jsonColumns(props)}
}

func jsonColumns(props JSONProps) map[string]Column {
	cols := make(map[string]Column, len(props))
	for k, p := range props {
		switch p := p.(type) {
		case Type:
			cols[k] = Column{Type: p}
		case jsonArray:
			coll := &Collection{Type: p.elem}
			if p.objects {
				coll = &Collection{Fields: jsonColumns(p.fields)}
			}
			cols[k] = Column{Collection: coll}
		}
	}
	return cols
}

func mustValidJSONProps(props JSONProps, in string) {
	keys := make([]string, 0, len(props))
	for k := range props {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for i, k := range keys {
		if _, ok := jsonPath(k); !ok {
			panic(fmt.Sprintf("odata: JSONProps%s: %q is not a path of identifiers", in, k))
		}
		switch p := props[k].(type) {
		case Type:
			if p < TypeString || p > TypeDateTime {
				panic(fmt.Sprintf("odata: JSONProps%s: %q has no valid type", in, k))
			}
		case jsonArray:
			if p.objects {
				mustValidJSONProps(p.fields, in+" in "+k)
			} else if p.elem < TypeString || p.elem > TypeDateTime {
				panic(fmt.Sprintf("odata: JSONProps%s: %q has no valid element type", in, k))
			}
		default:
			panic(fmt.Sprintf("odata: JSONProps%s: %q has no type", in, k))
		}
		lk := strings.ToLower(k)
		for _, other := range keys[i+1:] {
			lo := strings.ToLower(other)
			if lo == lk || strings.HasPrefix(lo, lk+"/") || strings.HasPrefix(lk, lo+"/") {
				panic(fmt.Sprintf("odata: JSONProps%s: %q and %q clash", in, k, other))
			}
		}
	}
}

// jsonPath splits a declared path into its segments, which must be
// identifiers (the store writes them into its JSON path expressions).
func jsonPath(key string) ([]string, bool) {
	path := strings.Split(key, "/")
	for _, seg := range path {
		if !isIdentifier(seg) {
			return nil, false
		}
	}
	return path, true
}

// CheckSelect checks $select names (Query.Select) against the top-level
// names of p, the way Exchange-backed workloads do: Graph answers a name
// the entity does not have with 400 rather than ignoring it. "*" and "id"
// are always accepted. Matching ignores case. The error is, by flavor:
//
//	Exchange: RequestBroker--ParseUri "Could not find a property named 'x' on type 'microsoft.graph.message'."
//	Generic:  BadRequest "Parsing OData Select and Expand failed: Could not find a property named 'x' on type '...'."
//	Directory: as Generic, with the directory's Request_BadRequest code.
//
// Declare in p every property a client may select, including those that
// are only returned (body/content, for one), for the check to be right.
func (p JSONProps) CheckSelect(selected []string, entityType string, f Flavor) error {
	for _, name := range selected {
		if name == "*" || strings.EqualFold(name, "id") {
			continue
		}
		found := false
		for k := range p {
			top, _, _ := strings.Cut(k, "/")
			if strings.EqualFold(top, name) {
				found = true
				break
			}
		}
		if found {
			continue
		}
		if f == Exchange {
			return UnknownPropertyError(f, entityType, name)
		}
		return newError(f.badRequestCode(), "Parsing OData Select and Expand failed: Could not find a property named '%s' on type '%s'.", name, entityType)
	}
	return nil
}

// Resolver returns a Resolver over a JSON document decoded with
// encoding/json (json.Unmarshal into a map[string]any), for Eval and
// CompareRows with the semantics of the SQL of JSONMapping(..., p): a
// declared property that is absent (or under an absent or null object) is
// null rather than unknown, an undeclared one is unknown, names match the
// declaration ignoring case, an array property that is not an array has no
// elements, and json.Number values become int64 or float64. p should be
// valid for JSONMapping.
func (p JSONProps) Resolver(doc map[string]any) Resolver {
	return jsonValue{v: doc, props: p}
}

// jsonValue resolves paths below prefix in v, an object of a document
// (or nil) described by props.
type jsonValue struct {
	v      any
	props  JSONProps
	prefix string // declared path of v, with a trailing "/" ("" for the root)
}

// Resolve implements Resolver. A path to an object holding declared
// properties (from, or from/emailAddress) gives another Resolver, which is
// how Eval walks a lambda variable's path one name at a time.
func (r jsonValue) Resolve(path []string) (any, bool) {
	var cur any = r
	for _, name := range path {
		sub, ok := cur.(jsonValue)
		if !ok {
			return nil, false // a path below a scalar or array
		}
		if cur, ok = sub.step(name); !ok {
			return nil, false
		}
	}
	return cur, true
}

// step resolves one name below r: a declared leaf's value, or the object
// on the way to declared paths.
func (r jsonValue) step(name string) (any, bool) {
	for k, p := range r.props {
		rest, ok := cutPrefixFold(k, r.prefix)
		if !ok {
			continue
		}
		seg, more, _ := strings.Cut(rest, "/")
		if !strings.EqualFold(seg, name) {
			continue
		}
		v := jsonField(r.v, seg)
		if more != "" {
			return jsonValue{v: v, props: r.props, prefix: r.prefix + seg + "/"}, true
		}
		return jsonElement(v, p), true
	}
	return nil, false
}

// cutPrefixFold is strings.CutPrefix ignoring case.
func cutPrefixFold(s, prefix string) (string, bool) {
	if len(s) < len(prefix) || !strings.EqualFold(s[:len(prefix)], prefix) {
		return "", false
	}
	return s[len(prefix):], true
}

// jsonField is the member key of the object v, nil if v is not an object
// or lacks it.
func jsonField(v any, key string) any {
	if m, ok := v.(map[string]any); ok {
		return m[key]
	}
	return nil
}

// jsonElement types a declared value for Eval: arrays of objects become
// slices of Resolvers, a non-array array property nil, numbers int64 or
// float64.
func jsonElement(v any, p JSONProp) any {
	a, ok := p.(jsonArray)
	if !ok {
		if n, ok := v.(json.Number); ok {
			if i, err := n.Int64(); err == nil {
				return i
			}
			f, _ := n.Float64()
			return f
		}
		return v
	}
	list, ok := v.([]any)
	if !ok {
		return nil
	}
	out := make([]any, len(list))
	for i, e := range list {
		if a.objects {
			out[i] = jsonValue{v: e, props: a.fields}
		} else {
			out[i] = jsonElement(e, a.elem)
		}
	}
	return out
}
