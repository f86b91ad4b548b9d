package report

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"sort"
	"strings"
	"time"

	"graphgate/internal/catalog"
	"graphgate/internal/graphpath"
	"graphgate/internal/routes"
)

// Options choose what a Builder reports.
type Options struct {
	// DefaultScheme is the scheme of calls whose input does not say it
	// (SchemeUnknown: Delegated).
	DefaultScheme Scheme
	// App, when set, keeps only the calls of this app; OnlyScheme, when
	// set, only those of this scheme (after DefaultScheme applies).
	App        string
	OnlyScheme Scheme
	// GraphHosts are further hosts that serve Graph (graphgate behind a
	// name of its own); graph.microsoft.com, the national clouds and
	// loopback addresses always do.
	GraphHosts []string
	// SearchBudget bounds the exact search of each group's minimal set in
	// nodes (0: 200,000).
	SearchBudget int
}

// Bounds of what a Builder keeps.
const (
	maxExamples    = 3  // example URLs per endpoint
	maxRequestIDs  = 3  // request ids of refused calls per endpoint
	maxSelect      = 64 // selected properties per endpoint
	maxUnplaced    = 1000
	maxUnknownPerm = 64 // unknown granted names per group
)

// Builder collects calls and builds a Report. It keeps one record per app,
// scheme and endpoint, so memory grows with the distinct endpoints, not
// with the calls. A Builder is not safe for concurrent use.
type Builder struct {
	a      *Analyzer
	o      Options
	extra  map[string]bool
	groups map[groupKey]*groupState

	unplaced        map[unplacedKey]*Unplaced
	unplacedOmitted int
	calls, placed   int
	unplacedN       int
	filtered        int
	assumed         int

	np    graphpath.Path
	needs map[needKey]*requirement
}

type groupKey struct {
	app    string
	scheme catalog.Scheme
}

type unplacedKey struct{ method, url, reason string }

type epKey struct {
	rule     int
	me, self bool
	within   uint8
}

type endpointState struct {
	match      routes.Match
	self       bool
	within     uint8
	calls      int
	denied     int
	examples   []string
	requestIDs []string
	selects    map[string]bool
	readsAll   bool
}

type groupState struct {
	key        groupKey
	calls      int
	assumed    int
	first      time.Time
	last       time.Time
	grantKnown bool
	granted    catalog.Set
	signIn     map[string]bool
	unknown    map[string]bool
	eps        map[epKey]*endpointState
}

// NewBuilder starts a report.
func (a *Analyzer) NewBuilder(o Options) *Builder {
	if o.DefaultScheme == SchemeUnknown {
		o.DefaultScheme = Delegated
	}
	if o.SearchBudget <= 0 {
		o.SearchBudget = defaultBudget
	}
	b := &Builder{a: a, o: o, extra: map[string]bool{}, groups: map[groupKey]*groupState{},
		unplaced: map[unplacedKey]*Unplaced{}, needs: map[needKey]*requirement{}}
	for _, h := range o.GraphHosts {
		b.extra[strings.ToLower(strings.TrimSpace(h))] = true
	}
	b.np.Buf = make([]byte, 0, 256)
	return b
}

// Add takes one call. A call graphgate cannot place is recorded as
// unplaced; nothing a call holds makes Add fail.
func (b *Builder) Add(c Call) {
	b.calls++
	scheme, assumed := c.Scheme, false
	if scheme == SchemeUnknown {
		scheme, assumed = b.o.DefaultScheme, true
	}
	if b.o.App != "" && !strings.EqualFold(c.AppID, b.o.App) || b.o.OnlyScheme != SchemeUnknown && scheme != b.o.OnlyScheme {
		b.filtered++
		return
	}
	method := strings.ToUpper(strings.TrimSpace(c.Method))
	path, _, err := graphPath(c.URL, b.extra)
	if err != nil {
		var pe *placeErr
		if errors.As(err, &pe) {
			b.addUnplaced(method, c.URL, pe.reason, pe.detail, c.Where)
		}
		return
	}
	m, err := routes.ParseMethod(method)
	if err != nil {
		detail := fmt.Sprintf("Graph's permission data covers GET, POST, PUT, PATCH and DELETE, not %s", method)
		if method == "OPTIONS" {
			detail = "a CORS preflight: the browser asks before the call, and no permission is involved"
		}
		b.addUnplaced(method, c.URL, UnplacedMethod, detail, c.Where)
		return
	}
	bare, rawQuery, _ := strings.Cut(path, "?")
	if strings.EqualFold(bare, "/$batch") {
		b.addUnplaced(method, c.URL, UnplacedBatch, "a $batch request without its body: only a HAR file carries the requests inside it", c.Where)
		return
	}
	match, err := b.a.tab.MatchMethod(m, path)
	if err != nil {
		reason, detail := UnplacedURL, err.Error()
		switch {
		case errors.Is(err, routes.ErrNoRoute):
			reason, detail = UnplacedRoute, "no permission rule for this path in Microsoft's data or graphgate's supplement"
		case errors.Is(err, routes.ErrNoMethod):
			reason = UnplacedNoRule
			var me *routes.MatchError
			if errors.As(err, &me) {
				names := make([]string, len(me.Allowed))
				for i, a := range me.Allowed {
					names[i] = a.String()
				}
				detail = "the path has rules for " + strings.Join(names, ", ") + ", not for " + method
			}
		}
		b.addUnplaced(method, c.URL, reason, detail, c.Where)
		return
	}
	b.placed++
	if assumed {
		b.assumed++
	}
	self := !match.Me && len(c.User) > 0 && b.namesUser(bare, c.User)
	rd := reads{props: c.Select, all: c.Select == nil}
	if c.Select == nil {
		rd.props, rd.all = queryReads(rawQuery)
	}
	var within uint8
	if m == routes.GET {
		within = rd.withinMask(match.Route)
	}
	g := b.group(groupKey{app: c.AppID, scheme: scheme.Catalog()})
	g.calls++
	if assumed {
		g.assumed++
	}
	if !c.Time.IsZero() {
		if g.first.IsZero() || c.Time.Before(g.first) {
			g.first = c.Time
		}
		if c.Time.After(g.last) {
			g.last = c.Time
		}
	}
	if c.GrantKnown {
		g.grant(b.a.cat, c.Granted)
	}
	k := epKey{rule: match.Rule.Index, me: match.Me, self: self, within: within}
	ep := g.eps[k]
	if ep == nil {
		ep = &endpointState{match: match, self: self, within: within, selects: map[string]bool{}}
		g.eps[k] = ep
	}
	ep.calls++
	if len(ep.examples) < maxExamples && !contains(ep.examples, c.URL) {
		ep.examples = append(ep.examples, c.URL)
	}
	if rd.all {
		ep.readsAll = true
	}
	for _, p := range rd.props {
		if len(ep.selects) < maxSelect {
			ep.selects[p] = true
		}
	}
	if c.Status == 401 || c.Status == 403 {
		ep.denied++
		if c.RequestID != "" && len(ep.requestIDs) < maxRequestIDs {
			ep.requestIDs = append(ep.requestIDs, c.RequestID)
		}
	}
}

// namesUser reports whether a /users/{id}/… path names the user (one of
// its object id and names, case-insensitive).
func (b *Builder) namesUser(path string, user []string) bool {
	if err := graphpath.Normalize(&b.np, path, graphpath.Request); err != nil || b.np.N < 2 || string(b.np.Text(0)) != "users" {
		return false
	}
	id := strings.Trim(b.np.Orig(1), "'\"")
	if u, err := url.PathUnescape(id); err == nil {
		id = u
	}
	for _, u := range user {
		if strings.EqualFold(id, strings.TrimSpace(u)) {
			return true
		}
	}
	return false
}

func (b *Builder) group(k groupKey) *groupState {
	g := b.groups[k]
	if g == nil {
		g = &groupState{key: k, eps: map[epKey]*endpointState{}, signIn: map[string]bool{}, unknown: map[string]bool{}}
		b.groups[k] = g
	}
	return g
}

// grant adds a token's permissions to the group's grant.
func (g *groupState) grant(cat *catalog.Catalog, names []string) {
	g.grantKnown = true
	set, unknown := cat.ParseScopes(strings.Join(names, " "))
	set.Each(cat, func(p *catalog.Permission) {
		if p.Kind == catalog.OpenID {
			g.signIn[p.Name] = true
			return
		}
		g.granted.Add(p)
	})
	for _, u := range unknown {
		if len(g.unknown) < maxUnknownPerm {
			g.unknown[u] = true
		}
	}
}

// Sink receives what a reader reads: calls, and what it found that is
// not a call it can give (a malformed line, a $batch body it cannot read).
// A Builder is a Sink.
type Sink interface {
	Add(Call)
	Unplaced(method, url, reason, detail, where string)
}

// Unplaced records something a reader could not turn into a call.
func (b *Builder) Unplaced(method, url, reason, detail, where string) {
	b.calls++
	b.addUnplaced(method, url, reason, detail, where)
}

func (b *Builder) addUnplaced(method, raw, reason, detail, where string) {
	b.unplacedN++
	u := raw
	if i := strings.IndexByte(u, '?'); i >= 0 {
		u = u[:i]
	}
	k := unplacedKey{method, u, reason}
	if e := b.unplaced[k]; e != nil {
		e.Calls++
		return
	}
	if len(b.unplaced) >= maxUnplaced {
		b.unplacedOmitted++
		return
	}
	b.unplaced[k] = &Unplaced{Method: method, URL: u, Calls: 1, Reason: reason, Detail: detail, Where: where}
}

// Report builds the report of the calls added so far. Its work grows with
// the distinct endpoints, not with the calls; it stops when ctx ends.
func (b *Builder) Report(ctx context.Context) (*Report, error) {
	rep := &Report{Calls: b.calls, Placed: b.placed, Unplaced: b.unplacedN, Filtered: b.filtered,
		UnplacedOmitted: b.unplacedOmitted, Groups: []Group{}}
	keys := make([]groupKey, 0, len(b.groups))
	for k := range b.groups {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		if keys[i].app != keys[j].app {
			return keys[i].app < keys[j].app
		}
		return keys[i].scheme < keys[j].scheme
	})
	for _, k := range keys {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		rep.Groups = append(rep.Groups, b.buildGroup(b.groups[k]))
	}
	for _, u := range b.unplaced {
		rep.UnplacedCalls = append(rep.UnplacedCalls, *u)
	}
	sort.Slice(rep.UnplacedCalls, func(i, j int) bool {
		a, c := rep.UnplacedCalls[i], rep.UnplacedCalls[j]
		if a.Reason != c.Reason {
			return a.Reason < c.Reason
		}
		if a.URL != c.URL {
			return a.URL < c.URL
		}
		return a.Method < c.Method
	})
	if b.assumed > 0 {
		rep.Notes = append(rep.Notes, fmt.Sprintf("%d calls did not say their scheme (no token, no scheme directive): they are counted as %s; give --scheme for another.",
			b.assumed, schemePhrase(b.o.DefaultScheme.Catalog())))
	}
	return rep, nil
}

// requirement returns (and caches) what an endpoint needs.
func (b *Builder) requirement(s catalog.Scheme, ep *endpointState) *requirement {
	k := needKey{scheme: s, rule: ep.match.Rule.Index, me: ep.match.Me, self: ep.self, within: ep.within}
	if r := b.needs[k]; r != nil {
		return r
	}
	r := b.a.need(s, ep.match, ep.self, ep.within)
	b.needs[k] = r
	return r
}

func schemePhrase(s catalog.Scheme) string {
	switch s {
	case catalog.Application:
		return "application (app-only)"
	case catalog.DelegatedPersonal:
		return "delegated for a personal Microsoft account"
	}
	return "delegated for a work or school account"
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
