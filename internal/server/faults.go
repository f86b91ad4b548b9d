package server

import (
	"bytes"
	"encoding/json"
	"io"
	"mime"
	"net"
	"net/http"
	"net/url"
	"strings"

	"graphgate/internal/faults"
	"graphgate/internal/graph"
	"graphgate/internal/report"
	"graphgate/internal/store"
	"graphgate/internal/tokens"
)

// faultRequest describes requests for the fault injector: the route
// table's template and workload for Graph, the endpoint's template and
// "identity" for the identity platform; the caller from a verified bearer
// token, or from an identity request's client_id and username.
type faultRequest struct{ s *Server }

var _ faults.Describer = faultRequest{}

func (f faultRequest) Describe(r *http.Request) faults.Request {
	q := faults.Request{Method: r.Method}
	p := r.URL.Path
	if strings.HasPrefix(p, "/v1.0/") || strings.HasPrefix(p, "/beta/") {
		if f.s.graph != nil {
			q.Route, q.Workload, _ = f.s.graph.Route(r.Method, p)
		}
		return q
	}
	q.Workload = "identity"
	// /contoso.onmicrosoft.com/oauth2/v2.0/token → /{tenant}/oauth2/v2.0/token
	if first, rest, ok := strings.Cut(strings.TrimPrefix(p, "/"), "/"); ok && first != "" && rest != "" {
		q.Route = "/{tenant}/" + rest
	} else {
		q.Route = p
	}
	return q
}

// maxPeek bounds how much of an identity request's form is read to find
// its client_id (token requests are a few KB).
const maxPeek = 64 << 10

func (f faultRequest) Caller(r *http.Request, q *faults.Request) {
	if h := r.Header.Get("Authorization"); len(h) > 7 && strings.EqualFold(h[:7], "Bearer ") {
		c, err := f.s.verifier.Verify(r.Context(), strings.TrimSpace(h[7:]), tokens.Expectations{})
		if err == nil {
			q.App, q.UPN, q.ObjectID, q.Tenant = c.AppID, c.UPN, c.ObjectID, c.TenantID
		}
		return
	}
	if q.Workload != "identity" {
		return
	}
	vals := r.URL.Query()
	if r.Method == http.MethodPost && r.Body != nil {
		if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt == "application/x-www-form-urlencoded" {
			b, _ := io.ReadAll(io.LimitReader(r.Body, maxPeek))
			r.Body = struct {
				io.Reader
				io.Closer
			}{io.MultiReader(bytes.NewReader(b), r.Body), r.Body}
			if form, err := url.ParseQuery(string(b)); err == nil {
				for k, v := range form {
					if vals.Get(k) == "" {
						vals[k] = v
					}
				}
			}
		}
	}
	q.App = vals.Get("client_id")
	if u, _, ok := r.BasicAuth(); ok && q.App == "" {
		q.App, _ = url.QueryUnescape(u)
	}
	q.UPN = vals.Get("username")
	if q.UPN == "" {
		q.UPN = vals.Get("login_hint")
	}
}

// faultResponder writes injected errors with the Graph server's and the
// identity platform's own writers.
type faultResponder struct{ s *Server }

func (f faultResponder) GraphError(w http.ResponseWriter, r *http.Request, status int, code, message string) {
	if f.s.graph == nil {
		http.Error(w, message, status)
		return
	}
	f.s.graph.WriteError(w, r, graph.NewError(status, code, message))
}

func (f faultResponder) IdentityError(w http.ResponseWriter, r *http.Request, status int, code string, aadsts int, description string) {
	f.s.identity.WriteError(w, r, status, code, aadsts, description)
}

// loopbackOnly reports whether every address listens on a loopback
// interface only (127.0.0.0/8, ::1, localhost); "" counts as none.
func loopbackOnly(addrs ...string) bool {
	for _, a := range addrs {
		if a == "" {
			continue
		}
		h, _, err := net.SplitHostPort(a)
		if err != nil {
			return false
		}
		if h == "localhost" {
			continue
		}
		ip := net.ParseIP(h)
		if ip == nil || !ip.IsLoopback() {
			return false
		}
	}
	return true
}

// recordFault logs an injected fault in the decision log, beside the
// engine's decisions: reason "fault", check "fault:<rule id>", the status
// it answered with (0 for a dropped connection or added latency alone,
// when the request went on to be decided as usual), and the rule as its
// detail. 'graphgate log' lists it; 'graphgate explain --request-id'
// prints the rule.
func (s *Server) recordFault(w http.ResponseWriter, r *http.Request, q *faults.Request, rule *faults.Rule) {
	detail, _ := json.Marshal(map[string]any{"fault": rule, "workload": q.Workload})
	path := r.URL.Path
	for _, v := range []string{"/v1.0", "/beta"} {
		if strings.HasPrefix(path, v+"/") {
			path = strings.TrimPrefix(path, v)
			break
		}
	}
	if r.URL.RawQuery != "" {
		path += "?" + r.URL.RawQuery
	}
	s.decisions.RecordRow(store.Decision{Time: s.clock.Now().UTC(), RequestID: w.Header().Get("request-id"),
		ClientRequestID: r.Header.Get("client-request-id"), TenantID: q.Tenant, AppID: q.App, UserID: q.ObjectID, UserUPN: q.UPN,
		Method: r.Method, Route: q.Route, Path: path, Allowed: rule.Status == 0 && !rule.Drop, Status: rule.Status,
		Reason: report.FaultReason, Check: "fault:" + rule.ID, Detail: detail})
}
