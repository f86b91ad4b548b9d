package server

import (
	"context"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// instrument wraps the handler with a structured access log, Prometheus
// metrics and panic recovery. The metric's path label is a coarse class
// (identity endpoint name, graph, metrics, …), never the raw path, so its
// cardinality stays bounded.
func (s *Server) instrument(next http.Handler) http.Handler {
	requests := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "graphgate_http_requests_total", Help: "HTTP requests by endpoint class, method and status.",
	}, []string{"endpoint", "method", "code"})
	duration := prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name: "graphgate_http_request_duration_seconds", Help: "HTTP request latency by endpoint class.",
		Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5},
	}, []string{"endpoint"})
	s.registry.MustRegister(requests, duration)
	series := &seriesCache{requests: requests, duration: duration}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		// Browsers must not guess a type other than the one sent: a drive
		// file downloaded through its URL, a Graph error body or a page is
		// what its Content-Type says (Microsoft's services send this on
		// their responses too).
		w.Header()["X-Content-Type-Options"] = nosniff
		rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
		if s.rate != nil {
			rec.rio = &rec.rateIO
			rec.rio.init(s.rate, w, r)
			if r.Body != nil && r.Body != http.NoBody {
				r.Body = &rateBody{ReadCloser: r.Body, rio: rec.rio}
			}
		}
		defer func() {
			if p := recover(); p == http.ErrAbortHandler {
				// A dropped connection (an injected fault on HTTP/2):
				// net/http resets the stream; counted as a 500.
				rec.status = http.StatusInternalServerError
				defer panic(p)
			} else if p != nil {
				s.log.Error("panic serving request", "path", r.URL.Path, "panic", p)
				if !rec.wrote {
					http.Error(rec, "internal server error", http.StatusInternalServerError)
				}
				rec.status = http.StatusInternalServerError
			}
			if rec.rio != nil {
				rec.rio.finish()
			}
			status := rec.status
			// net/http cancels the context when the client hangs up — and
			// when a body read fails, such as one the minimum rate cut.
			gone := r.Context().Err() != nil && (rec.rio == nil || rec.rio.tooSlow == "")
			if gone {
				// The client went away before the answer was complete
				// (nginx's 499): whatever the handler made of its canceled
				// context, nothing is wrong with the server.
				status = StatusClientClosedRequest
			}
			ep := endpointClass(r.URL.Path)
			d := time.Since(start)
			m := series.get(ep, r.Method, status)
			m.count.Inc()
			m.latency.Observe(d.Seconds())
			level := accessLogLevel(status)
			if ep != "metrics" && ep != "healthz" && s.log.Handler().Enabled(r.Context(), level) {
				// A record without a caller's PC (the Logger's methods
				// capture one with runtime.Callers on every request; an
				// access log has no use for it). The request's context may
				// be canceled: the record is handled regardless.
				lr := slog.NewRecord(time.Now(), level, "request", 0)
				lr.AddAttrs(slog.String("method", r.Method), slog.String("endpoint", ep),
					slog.String("path", r.URL.Path), slog.Int("status", status), slog.Duration("duration", d),
					slog.String("client_request_id", headerValue(r.Header, "Client-Request-Id")))
				if gone && rec.wrote {
					lr.AddAttrs(slog.Int("handler_status", rec.status))
				}
				if rec.rio != nil && rec.rio.tooSlow != "" {
					lr.AddAttrs(slog.String("cut", rec.rio.tooSlow+" slower than the minimum data rate (--min-data-rate)"))
				}
				if why := headerValue(rec.Header(), "X-Graphgate-Decision"); why != "" && rec.status >= 400 {
					// A denial says why in the log too.
					lr.AddAttrs(slog.String("decision", why))
				}
				_ = s.log.Handler().Handle(context.WithoutCancel(r.Context()), lr)
			}
		}()
		next.ServeHTTP(rec, r)
	})
}

// StatusClientClosedRequest is the status the access log and the metrics
// give a request whose client went away before its answer was complete
// (nginx's 499; no response is sent).
const StatusClientClosedRequest = 499

// nosniff is the X-Content-Type-Options value, shared by every response
// (a header value slice is never modified in place).
var nosniff = []string{"nosniff"}

// accessLogLevel: requests that worked are logged at debug (metrics count
// them all; `--log-level debug` lists them), those that failed at info
// (client errors, denials with the decision, clients that went away) or
// error (server errors), so that the default log shows what needs
// attention, and costs nothing on the hot path.
func accessLogLevel(status int) slog.Level {
	switch {
	case status == StatusClientClosedRequest:
		return slog.LevelInfo
	case status >= 500:
		return slog.LevelError
	case status >= 400:
		return slog.LevelInfo
	}
	return slog.LevelDebug
}

// headerValue is Header.Get for a key already in canonical form (Get
// canonicalizes its argument on every call).
func headerValue(h http.Header, canonicalKey string) string {
	if v := h[canonicalKey]; len(v) > 0 {
		return v[0]
	}
	return ""
}

// requestMetrics are one label combination's series, looked up once:
// WithLabelValues hashes its labels on every call.
type requestMetrics struct {
	count   prometheus.Counter
	latency prometheus.Observer
}

type metricsKey struct {
	endpoint, method string
	status           int
}

// seriesCache finds a server's series by label values.
type seriesCache struct {
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
	m        sync.Map // metricsKey → *requestMetrics
}

func (c *seriesCache) get(ep, method string, status int) *requestMetrics {
	k := metricsKey{ep, metricMethod(method), status}
	if m, ok := c.m.Load(k); ok {
		return m.(*requestMetrics)
	}
	m := &requestMetrics{count: c.requests.WithLabelValues(k.endpoint, k.method, strconv.Itoa(status)), latency: c.duration.WithLabelValues(ep)}
	actual, _ := c.m.LoadOrStore(k, m)
	return actual.(*requestMetrics)
}

// metricMethod bounds the method label: a client can send any token as a
// method, and each would be a new series.
func metricMethod(m string) string {
	switch m {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete, http.MethodOptions:
		return m
	}
	return "OTHER"
}

// endpointClass names the endpoint a path belongs to, for metrics and logs.
func endpointClass(p string) string {
	switch {
	case p == "/metrics":
		return "metrics"
	case p == "/healthz":
		return "healthz"
	case strings.HasPrefix(p, "/v1.0/") || strings.HasPrefix(p, "/beta/") || p == "/v1.0" || p == "/beta":
		return "graph"
	case p == "/explorer" || strings.HasPrefix(p, "/explorer/"):
		return "explorer"
	}
	for _, suffix := range []string{"/oauth2/v2.0/token", "/oauth2/v2.0/authorize", "/oauth2/v2.0/devicecode", "/oauth2/v2.0/logout",
		"/.well-known/openid-configuration", "/discovery/v2.0/keys", "/discovery/keys", "/adminconsent"} {
		if strings.HasSuffix(p, suffix) {
			return strings.TrimPrefix(suffix[strings.LastIndex(suffix, "/"):], "/")
		}
	}
	switch {
	case strings.HasPrefix(p, "/common/discovery/instance"):
		return "instance_discovery"
	case strings.Contains(strings.ToLower(p), "/userrealm/"):
		return "userrealm"
	case p == "/login" || p == "/consent" || p == "/devicelogin" || p == "/signin":
		return strings.TrimPrefix(p, "/")
	case p == "/":
		return "landing"
	case p == "/parity":
		return "parity"
	case p == "/console" || strings.HasPrefix(p, "/console/"):
		return "console"
	case strings.HasPrefix(p, "/static/"):
		return "static"
	}
	return "other"
}

// statusRecorder records the status a handler answers, and applies the
// minimum data rate (rio, nil when off) to what it writes.
type statusRecorder struct {
	http.ResponseWriter
	status int
	wrote  bool
	rio    *rateIO
	rateIO rateIO // what rio points to: one allocation per request for both
}

func (r *statusRecorder) WriteHeader(code int) {
	if !r.wrote {
		r.status, r.wrote = code, true
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *statusRecorder) Write(b []byte) (int, error) {
	r.wrote = true
	if r.rio == nil {
		return r.ResponseWriter.Write(b)
	}
	if !r.rio.beforeWrite(len(b)) {
		return r.ResponseWriter.Write(b)
	}
	n, err := r.ResponseWriter.Write(b)
	r.rio.afterWrite(err)
	return n, err
}

// Flush lets streaming handlers flush through the recorder.
func (r *statusRecorder) Flush() {
	if f, ok := r.ResponseWriter.(http.Flusher); ok {
		if r.rio != nil {
			// A flush writes whatever is buffered: always armed.
			r.rio.spilled = true
			r.rio.beforeWrite(flushAllowanceBytes)
			defer r.rio.afterWrite(nil)
		}
		f.Flush()
	}
}

// Unwrap lets handlers' http.ResponseControllers reach the connection.
func (r *statusRecorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }
