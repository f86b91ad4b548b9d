package faults

import (
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"time"
)

// Limits on what a rule may ask for, so that a rule cannot hold a server's
// connections for long or grow its state without bound.
const (
	// MaxRules is how many rules a Set holds.
	MaxRules = 1000
	// MaxLatency is the longest added latency.
	MaxLatency = 5 * time.Minute
	// MaxRetryAfter is the largest Retry-After, in seconds.
	MaxRetryAfter = 3600
)

// Duration is a time.Duration written as Go writes it ("250ms", "2s") in
// JSON and YAML.
type Duration time.Duration

// MarshalText writes the duration as "1.5s".
func (d Duration) MarshalText() ([]byte, error) { return []byte(time.Duration(d).String()), nil }

// UnmarshalText reads "1.5s", "250ms", "2m".
func (d *Duration) UnmarshalText(b []byte) error {
	v, err := time.ParseDuration(string(b))
	if err != nil {
		return fmt.Errorf("a duration such as 500ms or 2s: %w", err)
	}
	*d = Duration(v)
	return nil
}

// Rule is one fault: what it matches and what it answers. Empty match
// fields match anything; every set field must match.
type Rule struct {
	// ID names the rule in the x-graphgate-fault header, the log and the
	// metric (generated as f1, f2, … when empty).
	ID string `json:"id" yaml:"id"`

	// Method is the HTTP method (GET, POST, …).
	Method string `json:"method,omitempty" yaml:"method,omitempty"`
	// Route is the route template: the route table's for Graph
	// (/me/messages, /users/{id}/events; parameter names do not matter,
	// and a trailing /* matches every route below), or an identity
	// endpoint such as /{tenant}/oauth2/v2.0/token.
	Route string `json:"route,omitempty" yaml:"route,omitempty"`
	// Workload is directory, exchange, teams, drive, onenote (Graph) or
	// identity (the identity platform's endpoints).
	Workload string `json:"workload,omitempty" yaml:"workload,omitempty"`
	// App is the calling app's client id.
	App string `json:"app,omitempty" yaml:"app,omitempty"`
	// User is the signed-in user's UPN or object id.
	User string `json:"user,omitempty" yaml:"user,omitempty"`

	// Status answers with this HTTP status and an error body in the
	// endpoint's format (Graph's, or the identity platform's).
	Status int `json:"status,omitempty" yaml:"status,omitempty"`
	// Code and Message override the error body's code and message (for
	// identity endpoints: the OAuth error and the description).
	Code    string `json:"code,omitempty" yaml:"code,omitempty"`
	Message string `json:"message,omitempty" yaml:"message,omitempty"`
	// AADSTS is the identity platform's error number (identity endpoints).
	AADSTS int `json:"aadsts,omitempty" yaml:"aadsts,omitempty"`
	// RetryAfter, in seconds, is sent as Retry-After (default 1 for 429
	// and 503).
	RetryAfter int `json:"retryAfter,omitempty" yaml:"retryAfter,omitempty"`
	// Latency delays the request (then it is answered normally, or with
	// Status). The wait ends early when the client gives up.
	Latency Duration `json:"latency,omitempty" yaml:"latency,omitempty"`
	// Drop closes the connection without an answer.
	Drop bool `json:"drop,omitempty" yaml:"drop,omitempty"`

	// Probability fires the rule on this fraction of matches (0 or 1:
	// every match).
	Probability float64 `json:"probability,omitempty" yaml:"probability,omitempty"`
	// Count fires the rule on the next Count matches only (0: no limit).
	Count int `json:"count,omitempty" yaml:"count,omitempty"`
	// Remaining is how many of Count are left (read only).
	Remaining *int `json:"remaining,omitempty" yaml:"-"`
	// Injected is how often the rule fired (read only).
	Injected int64 `json:"injected" yaml:"-"`
}

// Kind is what a rule does, for the log and the metric: drop, status,
// latency, or latency+status.
func (r *Rule) Kind() string {
	switch {
	case r.Drop:
		return "drop"
	case r.Latency > 0 && r.Status != 0:
		return "latency+status"
	case r.Latency > 0:
		return "latency"
	}
	return "status"
}

var (
	// idPattern is compiled on first use: every graphgate command links this
	// package, few check a rule (cmd/graphgate TestCLIInitIsLazy).
	idPattern = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$`) })
	workloads = map[string]bool{"directory": true, "exchange": true, "teams": true, "drive": true, "onenote": true, "identity": true}
)

// Validate checks a rule and says how to fix it.
func (r *Rule) Validate() error {
	var errs []error
	if r.ID != "" && !idPattern().MatchString(r.ID) {
		errs = append(errs, fmt.Errorf("id %q: use up to 64 letters, digits, '.', '_' or '-'", r.ID))
	}
	if r.Method != "" && !validMethod(r.Method) {
		errs = append(errs, fmt.Errorf("method %q is not an HTTP method", r.Method))
	}
	if r.Route != "" && !strings.HasPrefix(r.Route, "/") {
		errs = append(errs, fmt.Errorf("route %q: a template starts with / (e.g. /me/messages)", r.Route))
	}
	if r.Workload != "" && !workloads[strings.ToLower(r.Workload)] {
		errs = append(errs, fmt.Errorf("workload %q: one of directory, exchange, teams, drive, onenote, identity", r.Workload))
	}
	actions := 0
	if r.Status != 0 {
		actions++
		if r.Status < 400 || r.Status > 599 {
			errs = append(errs, fmt.Errorf("status %d: a fault answers with a 4xx or 5xx status", r.Status))
		}
	}
	if r.Drop {
		actions++
		if r.Status != 0 {
			errs = append(errs, errors.New("drop closes the connection: it cannot also answer with a status"))
		}
	}
	if r.Latency < 0 || time.Duration(r.Latency) > MaxLatency {
		errs = append(errs, fmt.Errorf("latency %s: between 0 and %s", time.Duration(r.Latency), MaxLatency))
	}
	if r.Latency > 0 {
		actions++
	}
	if actions == 0 {
		errs = append(errs, errors.New("the rule does nothing: give a status (e.g. 429 or 503), a latency (e.g. 2s) or drop"))
	}
	if r.RetryAfter < 0 || r.RetryAfter > MaxRetryAfter {
		errs = append(errs, fmt.Errorf("retryAfter %d: between 0 and %d seconds", r.RetryAfter, MaxRetryAfter))
	}
	if r.Probability < 0 || r.Probability > 1 {
		errs = append(errs, fmt.Errorf("probability %g: between 0 and 1", r.Probability))
	}
	if r.Count < 0 {
		errs = append(errs, fmt.Errorf("count %d: 0 (every match) or more", r.Count))
	}
	if r.AADSTS < 0 {
		errs = append(errs, fmt.Errorf("aadsts %d: a positive AADSTS number", r.AADSTS))
	}
	return errors.Join(errs...)
}

func validMethod(m string) bool {
	switch strings.ToUpper(m) {
	case http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete, http.MethodHead, http.MethodOptions:
		return true
	}
	return false
}

// Request is what a rule matches against, as the server describes it.
type Request struct {
	Method string
	// Route is the route template (Graph's route table, or an identity
	// endpoint's template); empty when the path is not a known route.
	Route string
	// Workload is directory, exchange, teams, drive, onenote or identity.
	Workload string
	// App is the client id; User the UPN and object id (either may be
	// empty when unknown).
	App           string
	UPN, ObjectID string
	// Tenant is the token's tenant, when the caller is known from one.
	Tenant string
}

// matchesCheap reports whether the fields known without looking at the
// token or body match.
func (r *Rule) matchesCheap(q *Request) bool {
	if r.Method != "" && !strings.EqualFold(r.Method, q.Method) {
		return false
	}
	if r.Workload != "" && !strings.EqualFold(r.Workload, q.Workload) {
		return false
	}
	if r.Route != "" && !routeMatches(r.Route, q.Route) {
		return false
	}
	return true
}

// needsCaller says whether matching needs the app or user.
func (r *Rule) needsCaller() bool { return r.App != "" || r.User != "" }

func (r *Rule) matchesCaller(q *Request) bool {
	if r.App != "" && !strings.EqualFold(r.App, q.App) {
		return false
	}
	if r.User != "" && !strings.EqualFold(r.User, q.UPN) && !strings.EqualFold(r.User, q.ObjectID) {
		return false
	}
	return true
}

// routeMatches compares templates ignoring case and parameter names
// ({id} matches {user-id}); a pattern ending in /* matches its prefix and
// every route below it.
func routeMatches(pattern, route string) bool {
	if route == "" {
		return false
	}
	p, r := canonical(pattern), canonical(route)
	if rest, ok := strings.CutSuffix(p, "/*"); ok {
		return r == rest || strings.HasPrefix(r, rest+"/")
	}
	return p == r
}

// canonical lowercases a template, strips a /v1.0 or /beta prefix and a
// trailing slash, and writes every {parameter} as {}.
func canonical(t string) string {
	t = strings.ToLower(t)
	for _, v := range []string{"/v1.0", "/beta"} {
		if rest, ok := strings.CutPrefix(t, v); ok && (rest == "" || rest[0] == '/') {
			t = rest
		}
	}
	var b strings.Builder
	in := false
	for _, c := range t {
		switch {
		case c == '{':
			in = true
			b.WriteString("{}")
		case c == '}':
			in = false
		case !in:
			b.WriteRune(c)
		}
	}
	s := b.String()
	if len(s) > 1 {
		s = strings.TrimSuffix(s, "/")
	}
	return s
}
