package graph

import (
	"context"
	"net/http"
	"strings"

	"graphgate/internal/authz"
	"graphgate/internal/tokens"
)

// This file is the Graph server's surface for the parts of graphgate that
// serve requests outside the Graph pipeline (the admin API, the fault
// injector): authenticate a bearer token as Graph does, write Graph's
// error body, and name the route and workload of a request.

// NewError is a Graph error with a status, code and message.
func NewError(status int, code, message string) *Error {
	return &Error{Status: status, Code: code, Message: message}
}

// Authenticate verifies r's bearer token as a Graph request's and returns
// the caller's principal and claims. A failure is a *Error: Graph's 401
// InvalidAuthenticationToken with its message (expired, wrong audience, …).
func (s *Server) Authenticate(ctx context.Context, r *http.Request) (*authz.Principal, *tokens.AccessClaims, error) {
	c := &Call{s: s, r: r, ctx: ctx}
	if err := s.authenticate(c); err != nil {
		return nil, nil, err
	}
	return c.Principal, c.Claims, nil
}

// WriteError writes err as Graph's error body ({"error":{"code","message",
// "innerError"}}) with request-id headers; an error that is not a *Error is
// a 500.
func (s *Server) WriteError(w http.ResponseWriter, r *http.Request, err error) {
	id := NewRequestID()
	client := firstValue(r.Header["Client-Request-Id"])
	if client == "" {
		client = id
	}
	w.Header().Set("request-id", id)
	w.Header().Set("client-request-id", client)
	AsError(err).write(w, id, client, s.now())
}

// Route names the route table's template of a Graph request (for /me/…
// the /me spelling) and the workload whose service answers it: directory,
// exchange, teams, drive or onenote. ok is false when no route matches.
func (s *Server) Route(method, path string) (template, workload string, ok bool) {
	m, err := s.engine.Table().Match(method, path)
	if err != nil || m.Route == nil {
		return "", "", false
	}
	template = m.Route.Template
	if m.MeFallback {
		if rest, ok := strings.CutPrefix(template, "/users/{id}"); ok {
			template = "/me" + rest
		}
	}
	return template, s.workloadOf(&authz.Decision{Match: m}).String(), true
}

// String is the workload's name in fault rules and logs.
func (w Workload) String() string {
	switch w {
	case WorkloadExchange:
		return "exchange"
	case WorkloadTeams:
		return "teams"
	case WorkloadDrive:
		return "drive"
	case WorkloadOneNote:
		return "onenote"
	}
	return "directory"
}
