package graph

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"graphgate/internal/routes"
)

// Endpoint descriptors: everything graph knows about one method of one
// path template, declared once beside its handler (in the spirit of
// vault's framework.Path). Each workload file declares its slice with
// declare; New binds every descriptor to the route table and refuses to
// start when one disagrees with it (a template the table does not know, a
// method without a rule, two handlers for one method and route, two
// workloads for one route, a target kind the path contradicts). From the
// bound descriptors graph derives what it otherwise computed from the path
// on every request: the workload whose service words denials and bad
// requests (workloadOf), the kind of object the path names (resolveTarget),
// the navigation properties a handler inlines ($expand) and the response's
// OData context URL (Call.ContextURL).
//
// The permission rule is not part of a descriptor: it is the route table's
// (generated from Microsoft's data, internal/routes), so that permission
// knowledge stays in routes/authz; a descriptor only names the template the
// rule is found by.

// Handler serves one endpoint. A workload package's handlers are methods of
// its own type over the Server, adapted to Handlers where the descriptors
// are declared (package data, built once); the Server passed is the one New
// built, the Call the request's.
type Handler func(s *Server, c *Call) error

// Entity is what a descriptor's handler answers.
type Entity struct {
	// Type is the OData type name (microsoft.graph.user), which errors
	// about its properties name.
	Type string
	// Context is the context URL's fragment after $metadata# (users,
	// users/$entity); empty where the handler builds it from the data
	// (a drive's). It may hold placeholders, filled from the call when
	// the response is written (Call.ContextURL): {owner} is the id of the
	// user the call targets (Call.TargetUser: the signed-in user on /me
	// paths, /users/{id}'s user, resolved to its object id), {0}, {1}, …
	// the path parameters as Call.Param reads them (chats('{0}')/messages
	// on /chats/{id}/messages), and the names in ContextValues. New
	// refuses a placeholder the template cannot fill.
	Context string
	// ContextValues names the placeholders of Context the handler
	// supplies (Call.SetContextValue) because the path does not hold
	// them: a stored value, such as the folder id a well-known name
	// stands for (contactFolders('{folder}')/contacts on
	// …/contactFolders/contacts/contacts). New refuses a name Context
	// does not use.
	ContextValues []string
	// Expand lists the navigation properties the handler inlines; a
	// request expanding any other gets the workload's 400 before the
	// handler runs.
	Expand []string
}

// TargetKind is the kind of object a path names, whose facts the engine's
// decision reads (resolveTarget).
type TargetKind uint8

const (
	// targetFromPath: not declared; derived from the template.
	targetFromPath TargetKind = iota
	// TargetTenant: the tenant's data (/users, /groups, /devices/{id}).
	TargetTenant
	// TargetMe: the signed-in user (/me/…).
	TargetMe
	// TargetUser: /users/{id}/….
	TargetUser
	// TargetGroup: /groups/{id}/….
	TargetGroup
	// TargetDrive: /drives/{id}/…, its owner's facts.
	TargetDrive
	// TargetAdministrativeUnit: /administrativeUnits/{id}/….
	TargetAdministrativeUnit
	// TargetChat: /chats/{id}/…, the caller's membership.
	TargetChat
	// TargetOther: an object graph does not resolve (a team, a site); the
	// engine infers the relation from the path.
	TargetOther
)

// targetOfSegments is the target kind of a route's normalized segments:
// the collection its first segment names, when the second is an id.
func targetOfSegments(segs []string, me bool) TargetKind {
	if me {
		return TargetMe
	}
	if len(segs) < 2 || segs[1] != "{id}" {
		return TargetTenant
	}
	switch segs[0] {
	case "users":
		return TargetUser
	case "groups":
		return TargetGroup
	case "drives":
		return TargetDrive
	case "administrativeunits":
		return TargetAdministrativeUnit
	case "chats":
		return TargetChat
	}
	return TargetOther
}

// Endpoint is one endpoint's descriptor. Served returns them bound: Route
// set to the route table's route.
type Endpoint struct {
	Method   string
	Template string
	Handler  Handler
	Entity   Entity
	// Workload is the service whose wording denials and bad requests use;
	// declare sets it for a file's slice.
	Workload Workload
	// Target is the kind of object the path names; zero derives it from
	// the template, a declared one must agree with it.
	Target TargetKind
	// Optional marks a form generated for several bases (a /me twin, a
	// group's drive) that is served only where the route table has a rule:
	// without one, /me falls back to the /users/{id} twin. Every other
	// descriptor without a rule stops New.
	Optional bool

	// Route is the route table's route, once bound.
	Route *routes.Route
	m     routes.Method
}

// Workload is the service behind a route, whose words its denials and bad
// requests use (the error bodies of Microsoft Entra ID, Exchange Online,
// the Teams APIs, OneDrive, OneNote). Each descriptor names one; for a
// route graphgate does not serve, pathWorkload infers it from the path and
// permissions. The zero Workload is none declared.
type Workload uint8

// The workloads. A workload package (internal/graph/entra, …) declares its
// descriptors with its own; graph keeps the values, since the wording of a
// route nobody serves is chosen among them too.
const (
	WorkloadDirectory Workload = iota + 1
	WorkloadExchange
	WorkloadTeams
	WorkloadDrive
	WorkloadOneNote
)

// Declare sets the Workload of the descriptors that name none to w and
// returns them: a workload package declares its descriptors with it, as
// package data, and hands them to New.
func Declare(w Workload, eps ...Endpoint) []Endpoint {
	for i := range eps {
		if eps[i].Workload == 0 {
			eps[i].Workload = w
		}
	}
	return eps
}

// Twins declares an endpoint for the /users/{id} form of suffix and its /me
// form; the /me form is optional (without a rule of its own /me falls back
// to the /users/{id} rule and handler).
func Twins(e Endpoint) []Endpoint {
	u, me := e, e
	u.Template = "/users/{id}" + e.Template
	me.Template = "/me" + e.Template
	me.Optional = true
	return []Endpoint{u, me}
}

// errNoRule is the error of a descriptor whose method and template have no
// rule in the route table: graphgate serves nothing whose permissions it
// cannot state.
var errNoRule = errors.New("no permission rule in the route table")

// bind checks every descriptor against the route table and indexes them by
// route and method. It is New's: the server refuses to start on a
// disagreement.
func (s *Server) bind(eps []Endpoint) error {
	s.endpoints = make(map[handlerKey]*Endpoint, len(eps))
	s.routeWorkload = map[*routes.Route]Workload{}
	for i := range eps {
		e := eps[i] // a copy: the workloads' descriptors stay unbound package data
		if err := s.bindOne(&e); err != nil {
			if e.Optional && errors.Is(err, errNoRule) {
				continue
			}
			return err
		}
	}
	return nil
}

func (s *Server) bindOne(e *Endpoint) error {
	m, err := routes.ParseMethod(e.Method)
	if err != nil {
		return fmt.Errorf("graph: endpoint %s %s: %w", e.Method, e.Template, err)
	}
	if e.Handler == nil {
		return fmt.Errorf("graph: endpoint %s %s has no handler", e.Method, e.Template)
	}
	if e.Workload == 0 {
		return fmt.Errorf("graph: endpoint %s %s declares no workload", e.Method, e.Template)
	}
	r, ok := s.routeOf(e.Template)
	if !ok || r.Rules[m] == nil {
		return fmt.Errorf("graph: endpoint %s %s: %w", e.Method, e.Template, errNoRule)
	}
	derived := targetOfSegments(r.Segments(), strings.HasPrefix(strings.ToLower(e.Template), "/me/") || strings.EqualFold(e.Template, "/me"))
	switch {
	case e.Target == targetFromPath:
		e.Target = derived
	case e.Target != derived:
		return fmt.Errorf("graph: endpoint %s %s declares target %d, its path names %d", e.Method, e.Template, e.Target, derived)
	}
	if err := checkContext(e); err != nil {
		return err
	}
	key := handlerKey{r, m}
	if prev, dup := s.endpoints[key]; dup {
		return fmt.Errorf("graph: endpoint %s %s declared twice (also as %s)", e.Method, e.Template, prev.Template)
	}
	if w, ok := s.routeWorkload[r]; ok && w != e.Workload {
		return fmt.Errorf("graph: route %s is declared in workloads %s and %s", r.Template, w, e.Workload)
	}
	e.Route, e.m = r, m
	s.endpoints[key] = e
	s.routeWorkload[r] = e.Workload
	return nil
}

// endpoint is the bound descriptor serving a method and route, or nil.
func (s *Server) endpoint(r *routes.Route, m routes.Method) *Endpoint {
	return s.endpoints[handlerKey{r, m}]
}

// ContextURL is the request's @odata.context: the base URL and its
// endpoint's Entity.Context, its placeholders filled from the call
// (contextValue).
func (c *Call) ContextURL() string {
	if c.endpoint == nil || c.endpoint.Entity.Context == "" {
		return c.BaseURL() + "/$metadata"
	}
	ctx := c.endpoint.Entity.Context
	if strings.IndexByte(ctx, '{') < 0 {
		scheme, host, version := c.baseParts()
		return scheme + "://" + host + "/" + version + "/$metadata#" + ctx
	}
	base := c.BaseURL()
	var b strings.Builder
	// One allocation: room for an object id or two in the placeholders.
	b.Grow(len(base) + len("/$metadata#") + len(ctx) + 64)
	b.WriteString(base)
	b.WriteString("/$metadata#")
	for {
		name, before, after, ok := nextPlaceholder(ctx)
		b.WriteString(before)
		if !ok {
			return b.String()
		}
		b.WriteString(c.contextValue(name))
		ctx = after
	}
}

// contextValue is the value of Entity.Context's placeholder {name}:
// {owner} is the id of the user the call targets (of the group, on a
// /groups/{id} path: a group's calendar is named as its owner's), {0},
// {1}, … are Param(0), Param(1), …, and a name of Entity.ContextValues
// is what the handler supplied (SetContextValue; "" if it supplied none).
func (c *Call) contextValue(name string) string {
	if name == "owner" {
		switch {
		case c.TargetUser != nil:
			return c.TargetUser.ID
		case c.TargetGroup != nil:
			return c.TargetGroup.ID
		}
		return ""
	}
	if i, err := strconv.Atoi(name); err == nil {
		return c.Param(i)
	}
	for i := 0; i+1 < len(c.ctxValues); i += 2 {
		if c.ctxValues[i] == name {
			return c.ctxValues[i+1]
		}
	}
	return ""
}

// SetContextValue supplies the value of the context URL's placeholder
// {name}, one of the endpoint's Entity.ContextValues, for ContextURL: a
// handler calls it with what it read from the store before writing the
// response.
func (c *Call) SetContextValue(name, value string) {
	c.ctxValues = append(c.ctxValues, name, value)
}

// nextPlaceholder splits ctx at its first {name}: the text before it, the
// name and the text after; ok is false (before is all of ctx) when ctx has
// none or an unclosed one.
func nextPlaceholder(ctx string) (name, before, after string, ok bool) {
	i := strings.IndexByte(ctx, '{')
	if i < 0 {
		return "", ctx, "", false
	}
	j := strings.IndexByte(ctx[i:], '}')
	if j < 0 {
		return "", ctx, "", false
	}
	return ctx[i+1 : i+j], ctx[:i], ctx[i+j+1:], true
}

// checkContext refuses an Entity.Context placeholder e's template cannot
// fill: only {owner}, {0} … {n-1}, where n counts the template's {id}
// parameters and a /me path's "me", and the names of
// Entity.ContextValues, each of which the context must use.
func checkContext(e *Endpoint) error {
	for _, name := range e.Entity.ContextValues {
		if _, err := strconv.Atoi(name); err == nil || name == "owner" {
			return fmt.Errorf("graph: endpoint %s %s: context value {%s} is a placeholder of the path's", e.Method, e.Template, name)
		}
		if !strings.Contains(e.Entity.Context, "{"+name+"}") {
			return fmt.Errorf("graph: endpoint %s %s: context %q does not use its value {%s}", e.Method, e.Template, e.Entity.Context, name)
		}
	}
	n := strings.Count(e.Template, "{id}")
	if strings.HasPrefix(strings.ToLower(e.Template), "/me/") || strings.EqualFold(e.Template, "/me") {
		n++
	}
	ctx := e.Entity.Context
	for {
		if i := strings.IndexByte(ctx, '{'); i >= 0 && strings.IndexByte(ctx[i:], '}') < 0 {
			return fmt.Errorf("graph: endpoint %s %s: context %q has an unclosed placeholder", e.Method, e.Template, e.Entity.Context)
		}
		name, _, after, ok := nextPlaceholder(ctx)
		if !ok {
			return nil
		}
		if k, err := strconv.Atoi(name); name != "owner" && !slices.Contains(e.Entity.ContextValues, name) &&
			(err != nil || k < 0 || k >= n || strconv.Itoa(k) != name) {
			return fmt.Errorf("graph: endpoint %s %s: context %q has placeholder {%s}, which its path cannot fill", e.Method, e.Template, e.Entity.Context, name)
		}
		ctx = after
	}
}

// Optional marks descriptors Optional.
func Optional(eps []Endpoint) []Endpoint {
	for i := range eps {
		eps[i].Optional = true
	}
	return eps
}
