package graph

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"graphgate/internal/authz"
	"graphgate/internal/catalog"
	"graphgate/internal/directory"
	"graphgate/internal/graphpath"
	"graphgate/internal/password"
	"graphgate/internal/routes"
	"graphgate/internal/store"
	"graphgate/internal/tokens"
)

// Store is what the Graph server needs from storage.
type Store interface {
	store.Directory
	store.DirectoryQueries
	store.Items
}

// Config tunes the server.
type Config struct {
	// PageSize is the default page size of collections (Graph's is 10 for
	// mail, 100 for the directory; handlers pass their own).
	PageSize int
	// Throttle, when set, limits requests per app and user.
	Throttle *ThrottleConfig
	// TrustForwarded builds @odata links from X-Forwarded-Proto/Host.
	TrustForwarded bool
	// Passwords hash the passwords of sharing links, and of users created
	// through POST /users when Deps.Directory is nil.
	Passwords password.Params
}

// Server serves Graph. Build it with New and mount Handler under /v1.0/
// and /beta/.
type Server struct {
	store    Store
	dir      *directory.Service
	engine   *authz.Engine
	cat      *catalog.Catalog
	verifier *tokens.Verifier
	log      *slog.Logger
	now      func() time.Time
	cfg      Config

	// endpoints are the bound descriptors (endpoint.go), by route and
	// method, and routeWorkload the workload of each served route; both
	// are written by New only.
	endpoints     map[handlerKey]*Endpoint
	routeWorkload map[*routes.Route]Workload
	throttle      *throttle
	explained     sync.Map // explainKey → x-graphgate-decision value ([]string{…}, shared: never modified)
	urlKeys       sync.Map // tenant → key signing its download URLs
	calWork       calendarWork
	mailboxes     knownMailboxes
	decisions     DecisionRecorder
	scopes        scopeCache // tokens' parsed scp and roles claims (scopecache.go)
	// files are the files workload's hooks (Package.Files), zero when the
	// server was built without it; written by New only.
	files FilesHooks
	// renderScope tells this server's keyed renders (renderKeyed) from
	// those of another server in the process, whose store may hold other
	// documents under the same ids and versions; written by New only.
	renderScope uint64
	// driveDeltaSkew moves the drive delta's retention clock (DriveDeltaNow;
	// graph's tests stand 30 days later without waiting); atomic because
	// handlers read it while a test sets it.
	driveDeltaSkew atomic.Int64
}

type handlerKey struct {
	route  *routes.Route
	method routes.Method
}

// handlerFunc serves one method of one route, bound to its Server.
type handlerFunc func(c *Call) error

// Deps are the Server's collaborators.
type Deps struct {
	Store    Store
	Engine   *authz.Engine
	Verifier *tokens.Verifier
	Logger   *slog.Logger
	Now      func() time.Time
	// Directory makes every change to users, groups and memberships. When
	// nil, New builds one over Store, which must then also be a
	// directory.Store.
	Directory *directory.Service
	// Decisions, when set, receives every authorization decision (the
	// decision log); it must never block.
	Decisions DecisionRecorder
}

// Package is what one workload package hands New: its endpoint
// descriptors and, for the files workload, the hooks the pipeline calls
// into it (FilesHooks). internal/graph/workloads lists them.
type Package struct {
	Endpoints []Endpoint
	// Files, when set, are the files workload's hooks; at most one
	// package sets them.
	Files *FilesHooks
}

// New builds the server and binds the endpoint descriptors of every
// workload package (as the composition root, internal/server, passes them)
// to the route table; it refuses a descriptor the table disagrees with,
// and two packages that both hand it files hooks.
func New(d Deps, cfg Config, workloads ...Package) (*Server, error) {
	s := &Server{store: d.Store, dir: d.Directory, engine: d.Engine, cat: d.Engine.Catalog(), verifier: d.Verifier, log: d.Logger, now: d.Now, cfg: cfg,
		decisions: d.Decisions, renderScope: renderScopes.Add(1)}
	if s.dir == nil {
		ds, ok := d.Store.(directory.Store)
		if !ok {
			return nil, errors.New("graph: Deps.Directory is required with a store that is not a directory.Store")
		}
		s.dir = directory.New(ds, directory.Options{Passwords: cfg.Passwords, Catalog: s.cat, Now: d.Now})
	}
	if s.log == nil {
		s.log = slog.Default()
	}
	if s.now == nil {
		s.now = time.Now
	}
	if cfg.Throttle != nil {
		// The throttle is a rate over real time: on the server's (possibly
		// frozen) clock its buckets would never refill.
		s.throttle = newThrottle(*cfg.Throttle, time.Now)
	}
	var eps []Endpoint
	files := 0
	for _, w := range workloads {
		eps = append(eps, w.Endpoints...)
		if w.Files != nil {
			s.files = *w.Files
			files++
		}
	}
	if files > 1 {
		return nil, errors.New("graph: two workload packages hand New files hooks")
	}
	if err := s.bind(eps); err != nil {
		return nil, err
	}
	return s, nil
}

// hasRule reports whether the route table has a rule for method and template.
func (s *Server) hasRule(method, template string) bool {
	m, err := routes.ParseMethod(method)
	if err != nil {
		return false
	}
	r, ok := s.routeOf(template)
	return ok && r.Rules[m] != nil
}

// routeOf finds the route of a path template.
func (s *Server) routeOf(template string) (*routes.Route, bool) {
	var np graphpath.Path
	if graphpath.Normalize(&np, template, graphpath.Template) != nil {
		return nil, false
	}
	return s.engine.Table().Route(np.String())
}

// Served lists the bound descriptor of every served endpoint (Method and
// Route name it), for the permission-matrix tests and documentation.
func (s *Server) Served() []Endpoint {
	out := make([]Endpoint, 0, len(s.endpoints))
	for _, e := range s.endpoints {
		out = append(out, *e)
	}
	return out
}

// Handler serves /v1.0/… and /beta/….
func (s *Server) Handler() http.Handler { return http.HandlerFunc(s.serve) }

// NewRequestID returns a random (version 4) GUID, as Graph's request-id.
func NewRequestID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	var out [36]byte
	hex.Encode(out[0:8], b[0:4])
	out[8] = '-'
	hex.Encode(out[9:13], b[4:6])
	out[13] = '-'
	hex.Encode(out[14:18], b[6:8])
	out[18] = '-'
	hex.Encode(out[19:23], b[8:10])
	out[23] = '-'
	hex.Encode(out[24:], b[10:])
	return string(out[:])
}

// firstValue is Header.Get for a canonical key without canonicalizing it
// again on every request.
func firstValue(v []string) string {
	if len(v) == 0 {
		return ""
	}
	return v[0]
}

// odataVersion is shared by every response; net/http only reads it.
var odataVersion = []string{"4.0"}

// calls recycles Calls: one is several KB (the parsed path holds a fixed
// array of segments), allocated and zeroed on every request otherwise.
// Nothing keeps a Call after serve returns (batch waits for its
// sub-requests), so serve puts it back, keeping its path buffer.
var calls = sync.Pool{New: func() any { return new(Call) }}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	if s.files.Transfer != nil && s.files.Transfer(s, w, r) {
		return
	}
	c := calls.Get().(*Call)
	defer func() {
		buf := c.path.Buf[:0]
		*c = Call{}
		c.path.Buf = buf
		calls.Put(c)
	}()
	buf := c.path.Buf
	*c = Call{s: s, w: w, r: r, ctx: r.Context(), RequestID: NewRequestID(), ClientRequestID: firstValue(r.Header["Client-Request-Id"])}
	c.path.Buf = buf
	if c.ClientRequestID == "" {
		c.ClientRequestID = c.RequestID
	}
	// Canonical keys assigned directly: Header.Set would canonicalize (and
	// allocate) on every request.
	h := w.Header()
	ids := &[2]string{c.RequestID, c.ClientRequestID} // one allocation for both values
	h["Request-Id"] = ids[0:1:1]
	h["Client-Request-Id"] = ids[1:2:2]
	h["Odata-Version"] = odataVersion
	if err := s.dispatch(c); err != nil {
		c.fail(err)
	}
}

// dispatch runs the request pipeline.
func (s *Server) dispatch(c *Call) error {
	if err := s.authenticate(c); err != nil {
		return err
	}
	if prefix, ok := isBatch(c.r); ok {
		// Each batched request is authorized and throttled on its own.
		return s.batch(c, prefix)
	}
	if s.throttle != nil {
		if wait, ok := s.throttle.allow(c.Claims.AppID + "|" + c.Claims.ObjectID); !ok {
			return errThrottled(wait)
		}
	}
	m, err := routes.ParseMethod(c.r.Method)
	if err != nil {
		return errMethodNotAllowed()
	}
	path, keptEscapes := decodePath(c.r.URL.EscapedPath())
	if err := graphpath.Normalize(&c.path, path, graphpath.Request); err != nil {
		return ErrBadRequest("Invalid request URI: %s", err)
	}
	c.path.Query = c.r.URL.RawQuery
	match, err := s.engine.Table().MatchMethod(m, path+"?"+c.r.URL.RawQuery)
	if err != nil {
		var me *routes.MatchError
		if asMatchError(err, &me) && me.Err == routes.ErrNoMethod {
			return errMethodNotAllowed()
		}
		return errSegmentNotFound(s.unresolvedSegment(&c.path))
	}
	c.Match = match
	c.endpoint = s.endpoint(match.Route, m)
	c.countOnly = m == routes.GET && match.Stripped > 0 && strings.EqualFold(lastSegment(&c.path), "$count")
	c.params = extractParams(c.paramsBuf[:0], match, &c.path)
	if keptEscapes {
		for i, p := range c.params {
			c.params[i] = keptUnescaper.Replace(p)
		}
	}
	if err := s.resolveTarget(c); err != nil {
		return err
	}
	d := s.engine.DecideMatch(c.Principal, match, c.target)
	c.Decision = d
	c.w.Header()["X-Graphgate-Decision"] = s.decisionHeader(&d)
	at := s.now()
	if !d.Allow {
		s.recordDecision(c, path, at)
		return s.denial(c)
	}
	// An allowed call is recorded when its handler returns: a handler may
	// still refuse it by a check the route's rule cannot make (a
	// property's, Engine.DecideProperties), and the log must say what the
	// caller was answered. The time is the decision's.
	defer s.recordDecision(c, path, at)
	if c.endpoint == nil {
		return errNotImplemented(m.String(), match.Route.Template)
	}
	if err := s.checkExpand(c); err != nil {
		return err
	}
	return c.endpoint.Handler(s, c)
}

// denial renders a decision to deny in the body of the workload that
// serves the route.
func (s *Server) denial(c *Call) error {
	d := &c.Decision
	switch d.Reason {
	case authz.MeRequiresDelegated:
		return errMeAppOnly()
	}
	switch s.workloadOf(d) {
	case WorkloadExchange:
		return errExchangeDenied()
	case WorkloadTeams:
		have := c.Principal.Granted.String(s.cat)
		return errTeamsDenied(strings.Join(d.CandidateNames(), ","), have)
	case WorkloadDrive:
		// OneDrive hides the items of a drive one can read nothing of: an
		// item answers 404, the drive and its root 403 (as when the engine
		// confines the call to shared items, checkDriveAccess). A public
		// group's items are visible to all: changing one is a 403.
		if relationDenial(d.Reason) && d.Need != 0 && c.target.Access == 0 && !c.target.Public {
			if s.files.ItemAddressed != nil && s.files.ItemAddressed(c) {
				return ErrDriveItemNotFound()
			}
		}
		return ErrDriveAccessDenied()
	case WorkloadOneNote:
		switch {
		case !relationDenial(d.Reason):
			return ErrOnenoteScopes()
		case d.Method.Write():
			return ErrOnenoteNoWrite()
		}
		return ErrOnenoteNoAccess()
	}
	return errDirectoryDenied()
}

// relationDenial reports whether a denial is for the signed-in user's
// relation to the target (the token's permissions would do).
func relationDenial(r authz.Reason) bool {
	switch r {
	case authz.NotShared, authz.NotGroupMember, authz.NotMember, authz.UserLacksRole, authz.HiddenMembership:
		return true
	}
	return false
}

// workloadOf is the workload of a decision's route: its descriptors'
// (endpoint.go), or for a route graphgate does not serve (whose denial
// comes before its 501) the one its path and permissions suggest.
func (s *Server) workloadOf(d *authz.Decision) Workload {
	if d.Match.Route != nil {
		if w, ok := s.routeWorkload[d.Match.Route]; ok {
			return w
		}
	}
	return pathWorkload(d)
}

// Denials are worded by the service behind the route: the Teams APIs
// (chats, presence), Exchange Online (mail, calendars, contacts, To Do,
// people — group calendars included), OneNote (notebooks, of users, groups
// and sites), OneDrive (drives), else the directory. The path decides, as
// in Graph, where one front door routes to several services; a route
// without path clues falls back to the resources of its permissions.
var (
	onenoteSegments  = map[string]bool{"onenote": true}
	teamsSegments    = map[string]bool{"chats": true, "presence": true, "getpresencesbyuserid": true, "teams": true, "channels": true}
	exchangeSegments = map[string]bool{"messages": true, "mailfolders": true, "sendmail": true, "mailboxsettings": true, "events": true,
		"calendar": true, "calendars": true, "calendarview": true, "calendargroups": true, "todo": true, "contacts": true,
		"contactfolders": true, "people": true, "outlook": true, "inferenceclassification": true}
	driveSegments     = map[string]bool{"drive": true, "drives": true, "shares": true}
	exchangeResources = map[string]bool{"mail": true, "calendars": true, "contacts": true, "mailboxsettings": true, "people": true, "tasks": true, "place": true, "mailtips": true}
	teamsResources    = map[string]bool{"chat": true, "chatmessage": true, "presence": true, "channelmessage": true, "chatmember": true, "teamwork": true}
	driveResources    = map[string]bool{"files": true}
	onenoteResources  = map[string]bool{"notes": true}
)

// pathWorkload classifies a route graphgate does not serve.
func pathWorkload(d *authz.Decision) Workload {
	if d.Match.Route != nil {
		segs := strings.Split(strings.TrimPrefix(d.Match.Route.Path, "/"), "/")
		for _, set := range []struct {
			segs map[string]bool
			w    Workload
		}{{onenoteSegments, WorkloadOneNote}, {teamsSegments, WorkloadTeams}, {exchangeSegments, WorkloadExchange}, {driveSegments, WorkloadDrive}} {
			for _, sg := range segs {
				if set.segs[sg] {
					return set.w
				}
			}
		}
	}
	if d.Match.Rule == nil {
		return WorkloadDirectory
	}
	for _, sch := range []catalog.Scheme{d.Scheme, catalog.DelegatedWork, catalog.Application} {
		for _, e := range d.Match.Rule.Accepted[sch] {
			res := strings.ToLower(e.Perm.Parts.Resource)
			switch {
			case exchangeResources[res]:
				return WorkloadExchange
			case teamsResources[res]:
				return WorkloadTeams
			case driveResources[res]:
				return WorkloadDrive
			case onenoteResources[res]:
				return WorkloadOneNote
			}
		}
	}
	return WorkloadDirectory
}

// explainKey is everything an allowed decision's explanation depends on.
type explainKey struct {
	rule           *routes.Rule
	scheme         catalog.Scheme
	granted, via   *catalog.Permission
	meFallback, me bool
	limit          authz.Limit
	fact           authz.Fact
	check          authz.Check
}

// decisionHeader is the x-graphgate-decision header's value (a one-element
// slice, as http.Header holds it). Allowed decisions repeat (one per rule,
// scheme and permission used), so their sentences are built once and their
// slices shared (net/http only reads a header's values); the keys are
// pointers into the fixed route table and catalog, so the cache is bounded
// by them.
func (s *Server) decisionHeader(d *authz.Decision) []string {
	if d.Reason != authz.Allowed || d.Match.Rule == nil {
		return []string{headerSafe(d.Summary())}
	}
	k := explainKey{rule: d.Match.Rule, scheme: d.Scheme, granted: d.Granted, via: d.Via, meFallback: d.Match.MeFallback, me: d.Match.Me,
		limit: d.Limit, fact: d.Fact, check: d.Check}
	if v, ok := s.explained.Load(k); ok {
		return v.([]string)
	}
	h := []string{headerSafe(d.Summary())}
	s.explained.Store(k, h)
	return h
}

// headerSafe keeps a header value to printable ASCII on one line.
func headerSafe(s string) string {
	i := 0
	for i < len(s) && s[i] >= 0x20 && s[i] <= 0x7e {
		i++
	}
	if i == len(s) {
		return s
	}
	b := []byte(s)
	for i, c := range b {
		if c < 0x20 || c > 0x7e {
			b[i] = ' '
		}
	}
	return string(b)
}

// unresolvedSegment names the first segment of a path that no route
// continues with, as Graph's "Resource not found for the segment" does
// (/me/bogus/x names 'bogus', not 'x').
func (s *Server) unresolvedSegment(p *graphpath.Path) string {
	var b strings.Builder
	for i := 0; i < p.N; i++ {
		b.WriteByte('/')
		b.WriteString(p.Orig(i))
		_, err := s.engine.Table().MatchMethod(routes.GET, b.String())
		var me *routes.MatchError
		if err != nil && asMatchError(err, &me) && me.Err == routes.ErrNoRoute {
			return p.Orig(i)
		}
	}
	return lastSegment(p)
}

func lastSegment(p *graphpath.Path) string {
	if p.N == 0 {
		return ""
	}
	return p.Orig(p.N - 1)
}
