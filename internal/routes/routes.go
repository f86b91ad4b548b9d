// Package routes is the per-endpoint permission table of Microsoft Graph and
// its path matcher.
//
// The table is generated from Microsoft's permissions.json into
// data/routes.gen.json (see internal/gendata): for every method and path of
// the data, per scheme (delegated work, delegated personal, application), the
// accepted permissions ordered least-privileged first by Kibali's rules, and
// the permissions each one also requires. It is the single place an
// endpoint's permission rule lives: enforcement (authz), `graphgate
// permissions for` and least-privilege reports all read it.
//
// Matching is segment by segment on the normalized path (graphpath): a
// literal segment wins over a {param} segment, matching is case-insensitive,
// OData key segments and function arguments are normalized, and a /me/...
// path missing from the data falls back to its /users/{id}/... twin.
package routes

import (
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"

	"graphgate/internal/catalog"
	"graphgate/internal/graphpath"
)

// Method is an HTTP method of the table.
type Method uint8

// The methods Microsoft's data uses.
const (
	GET Method = iota
	POST
	PUT
	PATCH
	DELETE
	NumMethods
)

var methodNames = [NumMethods]string{"GET", "POST", "PUT", "PATCH", "DELETE"}

func (m Method) String() string {
	if m < NumMethods {
		return methodNames[m]
	}
	return fmt.Sprintf("Method(%d)", m)
}

// Write reports whether the method changes data.
func (m Method) Write() bool { return m != GET }

// ParseMethod reads an HTTP method, ignoring case.
func ParseMethod(s string) (Method, error) {
	for i, n := range methodNames {
		if len(s) == len(n) && strings.EqualFold(s, n) {
			return Method(i), nil
		}
	}
	return 0, fmt.Errorf("%w: %q (Graph's permission data covers GET, POST, PUT, PATCH and DELETE)", ErrMethod, s)
}

// Entry is one accepted permission of a rule.
type Entry struct {
	Perm *catalog.Permission
	// Least marks Microsoft's least-privileged choice for the method and scheme.
	Least bool
	// AlsoRequires lists permissions of which the caller must also hold one.
	AlsoRequires []*catalog.Permission
	// Source says where the entry comes from: SourceMicrosoft for Microsoft's
	// data, or the source of the supplement entry that added it (SourceDocs,
	// SourceRetired), also on a route of Microsoft's data that the supplement
	// amends.
	Source string
}

// Sources of routes and entries.
const (
	// SourceMicrosoft is Microsoft's permission data.
	SourceMicrosoft = "microsoft"
	// SourceDocs is supplement.yaml: an endpoint or permission Microsoft
	// documents that the data lacks.
	SourceDocs = "docs"
	// SourceRetired is supplement.yaml: an API of the seed reference that
	// Graph no longer serves.
	SourceRetired = "retired"
)

// Rule is the permission rule of one method on one route.
type Rule struct {
	// Index is dense over all rules of the table.
	Index  int
	Route  *Route
	Method Method
	// Accepted holds, per scheme, the accepted permissions least-privileged
	// first; empty when the scheme cannot call the endpoint.
	Accepted [catalog.NumSchemes][]Entry
	// Sets holds the same permissions as sets, for constant-time checks.
	Sets [catalog.NumSchemes]catalog.Set
}

// Route is one path of the table.
type Route struct {
	Index int
	// Path is the normalized template, e.g. /users/{id}/mailfolders/{id}/messages.
	Path string
	// Template is Microsoft's spelling, e.g. /users/{id}/mailFolders/{id}/messages.
	Template string
	// Query, when set, is a $filter condition under which this route applies
	// instead of the plain one (two paths of the data have one).
	Query string
	Rules [NumMethods]*Rule
	// Source is SourceMicrosoft for routes of Microsoft's data; supplement.yaml
	// adds SourceDocs (documented endpoints the data lacks) and SourceRetired
	// (APIs the seed reference shows that Graph no longer serves). Each
	// Entry says where it comes from as well.
	Source string
	// Note explains a supplemented route.
	Note string

	segs []string
}

// Methods lists the methods the route has a rule for.
func (r *Route) Methods() []Method {
	var out []Method
	for m, rule := range r.Rules {
		if rule != nil {
			out = append(out, Method(m))
		}
	}
	return out
}

// Table is the loaded route table. It is immutable and safe for concurrent use.
type Table struct {
	cat    *catalog.Catalog
	routes []*Route
	rules  []*Rule
	root   *node
	byPath map[string]*Route // normalized path (+ "?" + query) → route
	pool   sync.Pool
}

//go:embed data/routes.gen.json
var generatedJSON []byte

//go:embed supplement.yaml
var supplementYAML []byte

var (
	defaultOnce  sync.Once
	defaultTable *Table
	defaultErr   error
)

// Default returns the table built from the embedded data over
// catalog.Default(). It panics if the data is inconsistent with the catalog,
// which the package's tests rule out.
func Default() *Table {
	defaultOnce.Do(func() { defaultTable, defaultErr = Load(generatedJSON, catalog.Default()) })
	if defaultErr != nil {
		panic("routes: embedded data: " + defaultErr.Error())
	}
	return defaultTable
}

type genEntry struct {
	Perm         string   `json:"perm"`
	Least        bool     `json:"least"`
	AlsoRequires []string `json:"alsoRequires"`
}

type genRoute struct {
	Path     string                           `json:"path"`
	Query    string                           `json:"query"`
	Template string                           `json:"template"`
	Methods  map[string]map[string][]genEntry `json:"methods"`
}

// Load builds a table from generated data over a catalog.
func Load(generated []byte, cat *catalog.Catalog) (*Table, error) {
	var g struct {
		Routes []genRoute `json:"routes"`
	}
	if err := json.Unmarshal(generated, &g); err != nil {
		return nil, fmt.Errorf("generated routes: %w", err)
	}
	t := &Table{cat: cat, root: &node{}, byPath: map[string]*Route{}}
	t.pool.New = func() any { return &graphpath.Path{Buf: make([]byte, 0, 256)} }
	lookup := func(name string) (*catalog.Permission, error) {
		p, ok := cat.Lookup(name)
		if !ok {
			return nil, fmt.Errorf("route table names %s, which is not in the catalog", name)
		}
		return p, nil
	}
	var np graphpath.Path
	for _, gr := range g.Routes {
		r := &Route{Index: len(t.routes), Path: gr.Path, Template: gr.Template, Query: gr.Query, Source: SourceMicrosoft}
		for ms, bySch := range gr.Methods {
			m, err := ParseMethod(ms)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", gr.Path, err)
			}
			rule := &Rule{Index: len(t.rules), Route: r, Method: m}
			for schName, entries := range bySch {
				sch, err := catalog.ParseScheme(schName)
				if err != nil {
					return nil, fmt.Errorf("%s %s: %w", ms, gr.Path, err)
				}
				for _, ge := range entries {
					p, err := lookup(ge.Perm)
					if err != nil {
						return nil, err
					}
					e := Entry{Perm: p, Least: ge.Least, Source: SourceMicrosoft}
					for _, a := range ge.AlsoRequires {
						ap, err := lookup(a)
						if err != nil {
							return nil, err
						}
						e.AlsoRequires = append(e.AlsoRequires, ap)
					}
					rule.Accepted[sch] = append(rule.Accepted[sch], e)
					rule.Sets[sch].Add(p)
				}
			}
			r.Rules[m] = rule
			t.rules = append(t.rules, rule)
		}
		if err := graphpath.Normalize(&np, gr.Path, graphpath.Template); err != nil {
			return nil, fmt.Errorf("%s: %w", gr.Path, err)
		}
		if np.String() != gr.Path {
			return nil, fmt.Errorf("route %s is not in normal form (%s): regenerate", gr.Path, np.String())
		}
		t.insert(&np, r)
		key := gr.Path
		if gr.Query != "" {
			key += "?" + gr.Query
		}
		t.byPath[key] = r
		t.routes = append(t.routes, r)
	}
	if err := t.applySupplement(supplementYAML); err != nil {
		return nil, err
	}
	for _, r := range t.routes {
		r.segs = strings.Split(strings.TrimPrefix(r.Path, "/"), "/")
	}
	return t, nil
}

// Segments are the segments of Path ("users", "{id}", "messages"), split
// once when the table loads: the Graph server walks them on every request.
// Callers must not change them.
func (r *Route) Segments() []string { return r.segs }

// Catalog returns the catalog the table refers to.
func (t *Table) Catalog() *catalog.Catalog { return t.cat }

// Routes returns every route in path order. The slice must not be modified.
func (t *Table) Routes() []*Route { return t.routes }

// Rules returns every rule, indexed by Rule.Index.
func (t *Table) Rules() []*Rule { return t.rules }

// Route returns the route with exactly this normalized path (no matching).
func (t *Table) Route(path string) (*Route, bool) {
	r, ok := t.byPath[path]
	return r, ok
}

// Errors of Match.
var (
	ErrPath     = errors.New("malformed path")
	ErrMethod   = errors.New("unsupported method")
	ErrNoRoute  = errors.New("no permission rule for this path")
	ErrNoMethod = errors.New("no permission rule for this method on this path")
)

// Match is the result of matching a request.
type Match struct {
	Route *Route
	Rule  *Rule
	// MeFallback is set when a /me/... request was answered by the route of
	// its /users/{id}/... twin.
	MeFallback bool
	// Me is set when the request path starts with /me.
	Me bool
	// Stripped counts trailing $count, $value, $ref or type-cast segments
	// removed to find the route (GET /users/$count uses the rule of GET
	// /users, PUT /me/photo/$value that of /me/photo).
	Stripped int
}

// MatchError explains a failed match.
type MatchError struct {
	Err    error
	Method string
	Path   string
	Detail string
	// Allowed lists the methods the path does have, for ErrNoMethod.
	Allowed []Method
}

func (e *MatchError) Error() string {
	msg := fmt.Sprintf("%s %s: %v", e.Method, e.Path, e.Err)
	if e.Detail != "" {
		msg += ": " + e.Detail
	}
	if len(e.Allowed) > 0 {
		names := make([]string, len(e.Allowed))
		for i, m := range e.Allowed {
			names[i] = m.String()
		}
		msg += " (the path has rules for " + strings.Join(names, ", ") + ")"
	}
	return msg
}

func (e *MatchError) Unwrap() error { return e.Err }

// Match finds the rule for a request. path may be a full URL, may carry the
// /v1.0 or /beta prefix and a query string. On success it does not allocate.
func (t *Table) Match(method, path string) (Match, error) {
	m, err := ParseMethod(method)
	if err != nil {
		return Match{}, &MatchError{Err: ErrMethod, Method: method, Path: path}
	}
	return t.MatchMethod(m, path)
}

// MatchMethod is Match with a parsed method.
func (t *Table) MatchMethod(m Method, path string) (Match, error) {
	np := t.pool.Get().(*graphpath.Path)
	defer t.pool.Put(np)
	if err := graphpath.Normalize(np, path, graphpath.Request); err != nil {
		return Match{}, &MatchError{Err: ErrPath, Method: m.String(), Path: path, Detail: err.Error()}
	}
	res := Match{Me: np.N > 0 && string(np.Text(0)) == "me"}
	n := np.N
	for {
		r := t.find(np, n, false)
		var twin *Route
		if res.Me && (r == nil || r.Rules[m] == nil) {
			twin = t.find(np, n, true)
		}
		switch {
		case r != nil && r.Rules[m] != nil:
			res.Route, res.Rule = r, r.Rules[m]
			return res, nil
		case twin != nil && twin.Rules[m] != nil:
			res.Route, res.Rule, res.MeFallback = twin, twin.Rules[m], true
			return res, nil
		case r != nil || twin != nil:
			if r == nil {
				r = twin
			}
			return Match{}, &MatchError{Err: ErrNoMethod, Method: m.String(), Path: path, Allowed: r.Methods()}
		}
		// Try again without a trailing $count or type cast.
		if n > 1 && strippable(np.Text(n-1)) {
			n--
			res.Stripped++
			continue
		}
		return Match{}, &MatchError{Err: ErrNoRoute, Method: m.String(), Path: path}
	}
}

// strippable segments end a path without changing which permission it
// needs: $count counts the collection, $value and $ref address the content
// or reference of the object before them, and a type cast filters it.
func strippable(seg []byte) bool {
	s := string(seg) // no allocation: compared, not stored
	return s == "$count" || s == "$value" || s == "$ref" || s == "$" || strings.HasPrefix(s, "microsoft.graph.")
}

// AllRules returns, for every method, the rule of path (for `graphgate
// permissions for` without a method).
func (t *Table) AllRules(path string) (*Route, bool, error) {
	for _, m := range []Method{GET, POST, PATCH, PUT, DELETE} {
		mt, err := t.MatchMethod(m, path)
		if err == nil {
			return mt.Route, mt.MeFallback, nil
		}
		var me *MatchError
		if errors.As(err, &me) && me.Err != ErrNoMethod {
			return nil, false, err
		}
	}
	return nil, false, &MatchError{Err: ErrNoRoute, Method: "*", Path: path}
}

// SortedEntries returns a copy of entries sorted by name, for stable output.
func SortedEntries(entries []Entry) []Entry {
	out := append([]Entry(nil), entries...)
	sort.Slice(out, func(i, j int) bool { return out[i].Perm.Name < out[j].Perm.Name })
	return out
}
