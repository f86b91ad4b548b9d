package routes

import (
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"

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
	// Sets holds the same permissions as sets, for membership checks.
	Sets [catalog.NumSchemes]PermSet
}

// PermSet is the set of permissions a rule accepts in one scheme, as
// catalog indexes in ascending order. A rule accepts a few dozen permissions
// at most, so a binary search answers Has in a few comparisons, and the set
// costs two bytes a permission: a catalog.Set (256 bytes) per rule and scheme
// made the table 8 MB larger and its load slower by the page faults.
type PermSet struct{ idx []uint16 }

// Has reports whether p is in the set.
func (s *PermSet) Has(p *catalog.Permission) bool {
	_, found := slices.BinarySearch(s.idx, uint16(p.Index))
	return found
}

// Len is the number of permissions in the set.
func (s *PermSet) Len() int { return len(s.idx) }

// add puts p in the set.
func (s *PermSet) add(p *catalog.Permission) {
	if i, found := slices.BinarySearch(s.idx, uint16(p.Index)); !found {
		s.idx = slices.Insert(s.idx, i, uint16(p.Index))
	}
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
	// gen is the generated record until the rules are built (Table.link);
	// firstRule is the Index of the route's first rule.
	gen       *genRoute
	firstRule int
	linked    atomic.Bool
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

// Table is the loaded route table. It is immutable (but for building a
// part of it when it is first used) and safe for concurrent use.
//
// The matcher's trie is built per first path segment (a group), when a
// lookup first reaches that segment: `permissions for GET /me` builds the
// 1,000 routes under /me, not the 7,300 of the table. A route's rules are
// built when the table first hands the route out. Route and rule indexes
// are fixed at load, in generated order and then the supplement's, whatever
// the order in which groups are built.
type Table struct {
	cat *catalog.Catalog
	gen []genRoute
	sup []supEntry
	// groups maps a first path segment ("" for the path "/") to its part of
	// the table; order lists them as they first appear, for building all.
	groups map[string]*group
	order  []*group
	routes []*Route // filled as groups are built
	rules  []*Rule  // filled as routes are linked
	nodes  []node   // the rest of the trie's current chunk of nodes
	pool   sync.Pool

	mu        sync.Mutex // serializes building groups and linking
	allLinked atomic.Bool
}

var (
	defaultOnce  sync.Once
	defaultTable *Table
	defaultErr   error
)

// Default returns the table built from the generated data over
// catalog.Default(). It, or the first lookup in a part of the table, panics
// if the data is inconsistent with the catalog, which the package's tests
// rule out (they build every part).
func Default() *Table {
	defaultOnce.Do(func() { defaultTable, defaultErr = Load(catalog.Default()) })
	if defaultErr != nil {
		panic("routes: generated data: " + defaultErr.Error())
	}
	return defaultTable
}

// genRoute is one route of the generated table (table_gen.go, written by
// internal/gendata): static data the compiler lays out, so that loading the
// table decodes nothing.
type genRoute struct {
	// path is in normal form (graphpath, Template mode); the package's tests
	// check every one.
	path, query, template string
	rules                 []genRule
}

// genRule is one method of a genRoute.
type genRule struct {
	method   Method
	accepted byScheme
}

// byScheme holds a genRule's entries per scheme; table_gen.go indexes it
// with work, personal and app.
type byScheme = [catalog.NumSchemes][]genEntry

// The schemes, as table_gen.go spells them.
const (
	work     = catalog.DelegatedWork
	personal = catalog.DelegatedPersonal
	app      = catalog.Application
)

// genEntry is one accepted permission of a genRule.
type genEntry struct {
	perm  string
	least bool
	also  []string
}

// Load builds the table from the generated data and the supplement over a
// catalog.
func Load(cat *catalog.Catalog) (*Table, error) {
	return load(generatedRoutes[:], generatedGroups[:], generatedRules, cat, generatedSupplement())
}

// LoadWithout builds the table as Load does, leaving out the generated
// routes with these normalized paths: the table Microsoft's data would give
// with those paths renamed. It is for the tests of what must refuse such a
// table (authz.New); a path the data does not have is an error.
func LoadWithout(cat *catalog.Catalog, paths ...string) (*Table, error) {
	gen := make([]genRoute, 0, len(generatedRoutes))
	left := map[string]bool{}
	for _, p := range paths {
		left[p] = true
	}
	for _, gr := range generatedRoutes {
		if left[gr.path] {
			delete(left, gr.path)
			continue
		}
		gen = append(gen, gr)
	}
	for p := range left {
		return nil, fmt.Errorf("routes: no generated route %s to leave out", p)
	}
	groups, nRules := groupsOf(gen)
	return load(gen, groups, nRules, cat, generatedSupplement())
}

// load prepares the table from the generated records and the supplement:
// it groups the routes by first path segment and fixes every route's and
// rule's index, including those the supplement adds, and builds nothing
// else. A group's routes and trie are built when a lookup first reaches it
// (Match, Route), all of them by Routes and Rules (the engine calls Rules
// when it starts); a route's rules (its accepted permissions, linked to the
// catalog) when the table first hands the route out. So a process answering
// one call builds one group and links one route, not 7,300 routes and
// 11,000 rules. What load cannot check without building — a permission the
// catalog lacks, a supplement entry that adds nothing — fails when the group
// is built (a panic: the package's tests build every group).
func load(gen []genRoute, runs []genGroup, nRules int, cat *catalog.Catalog, supplement []supplementRoute) (*Table, error) {
	t := &Table{cat: cat, gen: gen, groups: make(map[string]*group, len(runs))}
	t.pool.New = func() any { return &graphpath.Path{Buf: make([]byte, 0, 256)} }
	for _, run := range runs {
		g := t.group(run.seg)
		g.runs = append(g.runs, run)
	}
	nRoutes, err := t.planSupplement(supplement, &nRules)
	if err != nil {
		return nil, err
	}
	t.routes = make([]*Route, nRoutes)
	t.rules = make([]*Rule, nRules)
	return t, nil
}

// genGroup is a run of generated routes that share a first path segment
// (table_gen.go lists them, generatedGroups, so that loading the table does
// not read every route to group them): routes [start, end), whose first
// rule has the Index firstRule.
type genGroup struct {
	seg                   string
	start, end, firstRule int32
}

// groupsOf groups generated routes as gendata does (for LoadWithout; a test
// checks that it gives generatedGroups) and counts their rules.
func groupsOf(gen []genRoute) ([]genGroup, int) {
	var runs []genGroup
	rules := 0
	for i := range gen {
		if seg := firstSegment(gen[i].path); len(runs) == 0 || runs[len(runs)-1].seg != seg {
			runs = append(runs, genGroup{seg: seg, start: int32(i), firstRule: int32(rules)})
		}
		runs[len(runs)-1].end = int32(i + 1)
		rules += len(gen[i].rules)
	}
	return runs, rules
}

// group is the part of the table under one first path segment.
type group struct {
	key string
	// runs are its generated routes (one run unless the generated order
	// splits them); plain and below are indexes of supplement entries
	// (Table.sup) whose path starts with key.
	runs         []genGroup
	plain, below []int
	// nd is the trie node of key, once the group is built.
	nd atomic.Pointer[node]
}

// group returns the group of a first segment, adding it if it is new.
func (t *Table) group(key string) *group {
	g := t.groups[key]
	if g == nil {
		g = &group{key: key}
		t.groups[key] = g
		t.order = append(t.order, g)
	}
	return g
}

// firstSegment is the first segment of a normalized path, "" for "/".
func firstSegment(path string) string {
	seg, _, _ := strings.Cut(strings.TrimPrefix(path, "/"), "/")
	return seg
}

// sub returns the trie node of a first segment, building its group on
// first use, or nil if no route starts with it. It panics if the group's
// data is inconsistent (see load).
func (t *Table) sub(key string) *node {
	g := t.groups[key]
	if g == nil {
		return nil
	}
	if nd := g.nd.Load(); nd != nil {
		return nd
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if nd := g.nd.Load(); nd != nil {
		return nd
	}
	nd, err := t.buildLocked(g)
	if err != nil {
		panic("routes: generated data: " + err.Error())
	}
	g.nd.Store(nd)
	return nd
}

// buildLocked builds a group's routes and trie and applies its supplement
// entries; t.mu is held.
func (t *Table) buildLocked(g *group) (*node, error) {
	nd := t.newNode()
	for _, run := range g.runs {
		slab := make([]Route, run.end-run.start)
		first := int(run.firstRule)
		for gi := run.start; gi < run.end; gi++ {
			gr := &t.gen[gi]
			r := &slab[gi-run.start]
			*r = Route{Index: int(gi), Path: gr.path, Template: gr.template, Query: gr.query, Source: SourceMicrosoft,
				gen: gr, firstRule: first}
			first += len(gr.rules)
			t.insert(nd, r)
			t.routes[gi] = r
		}
	}
	for _, i := range g.plain {
		if err := t.applyPlain(nd, &t.sup[i]); err != nil {
			return nil, err
		}
	}
	for _, i := range g.below {
		if err := t.applyBelow(g, &t.sup[i]); err != nil {
			return nil, err
		}
	}
	return nd, nil
}

// build builds every group not yet built, in a fixed order, and returns the
// first inconsistency it finds.
func (t *Table) build() error {
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, g := range t.order {
		if g.nd.Load() != nil {
			continue
		}
		nd, err := t.buildLocked(g)
		if err != nil {
			return err
		}
		g.nd.Store(nd)
	}
	return nil
}

// link builds r's rules from its generated record, once. It panics if the
// record names a permission the catalog lacks, which the package's tests
// rule out (they link every route).
func (t *Table) link(r *Route) *Route {
	if r == nil || r.linked.Load() {
		return r
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if err := t.linkHeld(r); err != nil {
		panic("routes: generated data: " + err.Error())
	}
	return r
}

// linkHeld links r if it is not linked yet; t.mu is held.
func (t *Table) linkHeld(r *Route) error {
	if r.linked.Load() {
		return nil
	}
	if err := t.linkLocked(r); err != nil {
		return err
	}
	r.linked.Store(true)
	return nil
}

// linkAll links every route.
func (t *Table) linkAll() {
	if t.allLinked.Load() {
		return
	}
	if err := t.build(); err != nil {
		panic("routes: generated data: " + err.Error())
	}
	for _, r := range t.routes {
		t.link(r)
	}
	t.allLinked.Store(true)
}

func (t *Table) linkLocked(r *Route) error {
	gr := r.gen
	if gr == nil {
		return nil // a route of the supplement: built when it was added
	}
	r.segs = splitPath(r.Path)
	lookup := func(name string) (*catalog.Permission, error) {
		p, ok := t.cat.Lookup(name)
		if !ok {
			return nil, fmt.Errorf("route %s names %s, which is not in the catalog", gr.path, name)
		}
		return p, nil
	}
	nEntries := 0
	for k := range gr.rules {
		for _, es := range gr.rules[k].accepted {
			nEntries += len(es)
		}
	}
	ruleSlab := make([]Rule, len(gr.rules))
	entrySlab := make([]Entry, nEntries)
	idxSlab := make([]uint16, nEntries)
	for k := range gr.rules {
		g := &gr.rules[k]
		if g.method >= NumMethods || r.Rules[g.method] != nil {
			return fmt.Errorf("%s: method %v missing or listed twice: regenerate", gr.path, g.method)
		}
		rule := &ruleSlab[k]
		rule.Index, rule.Route, rule.Method = r.firstRule+k, r, g.method
		for sch, ges := range g.accepted {
			if len(ges) == 0 {
				continue
			}
			entries := entrySlab[:len(ges):len(ges)]
			entrySlab = entrySlab[len(ges):]
			idx := idxSlab[:len(ges):len(ges)]
			idxSlab = idxSlab[len(ges):]
			for n := range ges {
				p, err := lookup(ges[n].perm)
				if err != nil {
					return err
				}
				e := Entry{Perm: p, Least: ges[n].least, Source: SourceMicrosoft}
				for _, name := range ges[n].also {
					a, err := lookup(name)
					if err != nil {
						return err
					}
					e.AlsoRequires = append(e.AlsoRequires, a)
				}
				entries[n] = e
				idx[n] = uint16(p.Index)
			}
			rule.Accepted[sch] = entries
			slices.Sort(idx)
			rule.Sets[sch] = PermSet{idx: slices.Compact(idx)}
		}
		r.Rules[g.method] = rule
		t.rules[rule.Index] = rule
	}
	r.gen = nil
	return nil
}

// splitPath splits a normalized path into its segments, which share the
// path's memory.
func splitPath(path string) []string {
	if path == "/" {
		return nil
	}
	rest := strings.TrimPrefix(path, "/")
	segs := make([]string, 0, strings.Count(rest, "/")+1)
	for {
		seg, after, more := strings.Cut(rest, "/")
		segs = append(segs, seg)
		if !more {
			return segs
		}
		rest = after
	}
}

// Segments are the segments of Path ("users", "{id}", "messages"), split
// once, when the route's rules are built: the Graph server walks them on
// every request. Callers must not change them.
func (r *Route) Segments() []string { return r.segs }

// Catalog returns the catalog the table refers to.
func (t *Table) Catalog() *catalog.Catalog { return t.cat }

// Routes returns every route: Microsoft's in path order, then the
// supplement's. The slice must not be modified.
func (t *Table) Routes() []*Route {
	t.linkAll()
	return t.routes
}

// Rules returns every rule, indexed by Rule.Index.
// NumRules is how many rules the table has (every Rule.Index is below
// it), without linking them as Rules does.
func (t *Table) NumRules() int { return len(t.rules) }

func (t *Table) Rules() []*Rule {
	t.linkAll()
	return t.rules
}

// Route returns the route with exactly this normalized path (no matching);
// a $filter variant is path?condition.
func (t *Table) Route(path string) (*Route, bool) {
	r := t.exact(path)
	return t.link(r), r != nil
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
		r := t.link(t.find(np, n, false))
		var twin *Route
		if res.Me && (r == nil || r.Rules[m] == nil) {
			twin = t.link(t.find(np, n, true))
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
