package faults

import (
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Describer tells the injector what a request is. The server implements it
// with the route table and the token verifier.
type Describer interface {
	// Describe fills the method, route template and workload, without I/O.
	Describe(r *http.Request) Request
	// Caller fills q's App, UPN and ObjectID from the bearer token, or
	// from an identity request's parameters. It may read a bounded prefix
	// of the body; it leaves the body readable for the handler.
	Caller(r *http.Request, q *Request)
}

// Responder writes an error body in the format of the endpoint's service.
type Responder interface {
	// GraphError writes Graph's {"error":{"code","message","innerError"}}.
	GraphError(w http.ResponseWriter, r *http.Request, status int, code, message string)
	// IdentityError writes the identity platform's error (error,
	// error_description with the AADSTS number, error_codes, …).
	IdentityError(w http.ResponseWriter, r *http.Request, status int, code string, aadsts int, description string)
}

// Header names the rule that injected a fault.
const Header = "X-Graphgate-Fault"

// Injector applies a Set's rules to requests.
type Injector struct {
	set      *Set
	describe Describer
	respond  Responder
	log      *slog.Logger
	injected *prometheus.CounterVec
	observe  Observer
}

// Observer learns of each injected fault once it has been answered (the
// server records it in the decision log): the request, what the injector
// knew of it (caller included) and the rule. It runs on the request's
// goroutine and must not block.
type Observer func(w http.ResponseWriter, r *http.Request, q *Request, rule *Rule)

// Observe sets the observer of injected faults (before serving).
func (in *Injector) Observe(o Observer) { in.observe = o }

// NewInjector returns an injector of set's rules; reg (if not nil)
// receives its counter graphgate_faults_injected_total{rule,kind}.
func NewInjector(set *Set, d Describer, resp Responder, log *slog.Logger, reg prometheus.Registerer) *Injector {
	if log == nil {
		log = slog.Default()
	}
	in := &Injector{set: set, describe: d, respond: resp, log: log,
		injected: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "graphgate_faults_injected_total",
			Help: "Faults injected, by rule id and kind (status, latency, latency+status, drop)."}, []string{"rule", "kind"})}
	if reg != nil {
		reg.MustRegister(in.injected)
	}
	return in
}

// Set returns the rules the injector applies.
func (in *Injector) Set() *Set { return in.set }

// Wrap applies the rules before next. With no rules it costs one atomic
// load per request.
func (in *Injector) Wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if in.set.Empty() {
			next.ServeHTTP(w, r)
			return
		}
		q := in.describe.Describe(r)
		rule, ok, need := in.set.pick(&q, false)
		if need {
			in.describe.Caller(r, &q)
			rule, ok, _ = in.set.pick(&q, true)
		}
		if !ok {
			next.ServeHTTP(w, r)
			return
		}
		kind := rule.Kind()
		in.injected.WithLabelValues(rule.ID, kind).Inc()
		in.log.LogAttrs(r.Context(), slog.LevelInfo, "fault injected", slog.String("rule", rule.ID), slog.String("kind", kind),
			slog.String("method", r.Method), slog.String("path", r.URL.Path), slog.String("route", q.Route),
			slog.String("workload", q.Workload), slog.Int("status", rule.Status))
		w.Header().Set(Header, rule.ID)
		if in.observe != nil {
			if !need {
				in.describe.Caller(r, &q)
			}
			defer in.observe(w, r, &q, &rule)
		}
		if rule.Latency > 0 {
			// The real clock: a frozen server clock must not stall requests.
			t := time.NewTimer(time.Duration(rule.Latency))
			select {
			case <-t.C:
			case <-r.Context().Done():
				t.Stop()
				return
			}
		}
		switch {
		case rule.Drop:
			drop(w)
		case rule.Status != 0:
			in.answer(w, r, &q, &rule)
		default:
			next.ServeHTTP(w, r)
		}
	})
}

// drop closes the connection without an answer: hijacked and closed on
// HTTP/1.1; on HTTP/2, which cannot be hijacked, the stream is reset
// (net/http's ErrAbortHandler).
func drop(w http.ResponseWriter) {
	if conn, _, err := http.NewResponseController(w).Hijack(); err == nil {
		_ = conn.Close()
		return
	}
	panic(http.ErrAbortHandler)
}

// answer writes the rule's status with the endpoint's error body.
func (in *Injector) answer(w http.ResponseWriter, r *http.Request, q *Request, rule *Rule) {
	retry := rule.RetryAfter
	if retry == 0 && (rule.Status == http.StatusTooManyRequests || rule.Status == http.StatusServiceUnavailable) {
		retry = 1
	}
	if retry > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(retry))
	}
	if q.Workload == "identity" {
		code, desc := identityDefaults(rule.Status)
		if rule.Code != "" {
			code = rule.Code
		}
		if rule.Message != "" {
			desc = rule.Message
		}
		in.respond.IdentityError(w, r, rule.Status, code, rule.AADSTS, desc)
		return
	}
	code, msg := graphDefaults(rule.Status)
	if rule.Code != "" {
		code = rule.Code
	}
	if rule.Message != "" {
		msg = rule.Message
	}
	in.respond.GraphError(w, r, rule.Status, code, msg)
}

// graphDefaults are Microsoft Graph's documented error codes and their
// descriptions ("Microsoft Graph error responses and resource types"),
// for the statuses they document; other statuses get generalException.
func graphDefaults(status int) (code, message string) {
	switch status {
	case http.StatusBadRequest:
		return "invalidRequest", "The request is malformed or incorrect."
	case http.StatusUnauthorized:
		return "unauthenticated", "The caller isn't authenticated."
	case http.StatusForbidden:
		return "accessDenied", "The caller doesn't have permission to perform the action."
	case http.StatusNotFound:
		return "itemNotFound", "The resource couldn't be found."
	case http.StatusTooManyRequests:
		return "activityLimitReached", "The app or user has been throttled."
	case http.StatusNotImplemented:
		return "notSupported", "The request isn't supported by the system."
	case http.StatusServiceUnavailable:
		return "serviceNotAvailable", "The service isn't available. Try the request again after a delay. There may be a Retry-After header."
	}
	return "generalException", "An unspecified error has occurred."
}

// identityDefaults are OAuth 2.0's error codes (RFC 6749 5.2 and 4.1.2.1)
// with their descriptions; Microsoft's docs name no AADSTS number for an
// overloaded token endpoint, so none is sent unless the rule gives one.
func identityDefaults(status int) (code, description string) {
	switch {
	case status == http.StatusTooManyRequests || status == http.StatusServiceUnavailable:
		return "temporarily_unavailable", "The authorization server is currently unable to handle the request due to a temporary overloading or maintenance of the server."
	case status == http.StatusUnauthorized:
		return "invalid_client", "Client authentication failed."
	case status >= 500:
		return "server_error", "The authorization server encountered an unexpected condition that prevented it from fulfilling the request."
	}
	return "invalid_request", "The request is missing a required parameter, includes an invalid parameter value, includes a parameter more than once, or is otherwise malformed."
}
