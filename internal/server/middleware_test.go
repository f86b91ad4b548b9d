package server

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"graphgate/internal/password"
)

// lockedBuffer is a log sink the server's goroutines may write at once.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// TestAccessLogAndMetrics: every request is counted by endpoint class,
// bounded method and status, timed, and logged as one structured record;
// Graph paths reach the Graph server whether or not they pass the mux.
func TestAccessLogAndMetrics(t *testing.T) {
	var logs lockedBuffer
	srv, err := New(context.Background(), Config{DataDir: t.TempDir(), Passwords: password.Fast,
		Logger: slog.New(slog.NewJSONHandler(&logs, nil))})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Close)
	hs := httptest.NewServer(srv.Handler())
	t.Cleanup(hs.Close)

	send := func(method, path string, hdr ...string) (int, string) {
		t.Helper()
		req, _ := http.NewRequest(method, hs.URL+path, nil)
		for i := 0; i+1 < len(hdr); i += 2 {
			req.Header.Set(hdr[i], hdr[i+1])
		}
		res, err := (&http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}).Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(b)
	}
	for _, tc := range []struct {
		method, path string
		status       int
		body         string
	}{
		{"GET", "/v1.0/me", 401, "InvalidAuthenticationToken"},
		{"GET", "/beta/me", 401, "InvalidAuthenticationToken"},
		{"GET", "/v1.0/me", 401, "InvalidAuthenticationToken"},
		{"FOO", "/v1.0/me", 401, "InvalidAuthenticationToken"},
		{"GET", "/v1.0/./me", 307, "/v1.0/me"}, // not clean: the mux redirects, as before
		{"GET", "/healthz", 200, "ok"},
		{"GET", "/", 200, "graphgate is running"},
		{"GET", "/console/users", 303, "/signin"},
	} {
		status, body := send(tc.method, tc.path, "client-request-id", "cr-"+tc.method)
		if status != tc.status || !strings.Contains(body, tc.body) {
			t.Errorf("%s %s: %d %.80s, want %d with %q", tc.method, tc.path, status, body, tc.status, tc.body)
		}
	}
	_, metrics := send("GET", "/metrics")
	for _, want := range []string{
		`graphgate_http_requests_total{code="401",endpoint="graph",method="GET"} 3`,
		`graphgate_http_requests_total{code="401",endpoint="graph",method="OTHER"} 1`,
		`graphgate_http_requests_total{code="200",endpoint="healthz",method="GET"} 1`,
		`graphgate_http_request_duration_seconds_count{endpoint="graph"} 5`,
		`graphgate_http_requests_total{code="200",endpoint="landing",method="GET"} 1`,
		`graphgate_http_requests_total{code="303",endpoint="console",method="GET"} 1`,
	} {
		if !strings.Contains(metrics, want) {
			t.Errorf("metrics lack %s", want)
		}
	}
	var graphLogs int
	for _, line := range strings.Split(strings.TrimSpace(logs.String()), "\n") {
		var rec map[string]any
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatalf("log line %q: %v", line, err)
		}
		if rec["msg"] != "request" {
			continue
		}
		if rec["endpoint"] == "healthz" || rec["endpoint"] == "metrics" {
			t.Errorf("health and metrics requests are logged: %v", rec)
		}
		if rec["endpoint"] == "graph" {
			graphLogs++
			if rec["level"] != "INFO" || rec["status"] == nil || rec["duration"] == nil || !strings.HasPrefix(rec["client_request_id"].(string), "cr-") {
				t.Errorf("access log record %v", rec)
			}
		}
	}
	if graphLogs != 4 {
		t.Errorf("%d access log records for graph requests, want 4 (the 307 is logged at debug)", graphLogs)
	}
}

// TestAccessLogLevels: successful requests are logged at debug, client
// errors (with the decision of a Graph denial) at info.
func TestAccessLogLevels(t *testing.T) {
	var logs lockedBuffer
	srv, err := New(context.Background(), Config{DataDir: t.TempDir(), Passwords: password.Fast,
		Logger: slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Close)
	hs := httptest.NewServer(srv.Handler())
	t.Cleanup(hs.Close)
	for _, p := range []string{"/common/v2.0/.well-known/openid-configuration", "/v1.0/me"} {
		res, err := http.Get(hs.URL + p)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
	}
	levels := map[string]string{}
	for _, line := range strings.Split(strings.TrimSpace(logs.String()), "\n") {
		var rec map[string]any
		if json.Unmarshal([]byte(line), &rec) == nil && rec["msg"] == "request" {
			levels[rec["path"].(string)] = rec["level"].(string)
		}
	}
	if levels["/common/v2.0/.well-known/openid-configuration"] != "DEBUG" || levels["/v1.0/me"] != "INFO" {
		t.Errorf("access log levels %v", levels)
	}
}

// TestClientGoneIsLogged499: a client that hangs up before the answer is
// counted and logged as 499 at info, with what the handler made of its
// canceled context, not as the handler's 500 at error; a real server error
// stays a 500 at error.
func TestClientGoneIsLogged499(t *testing.T) {
	for _, tc := range []struct {
		name       string
		hangUp     bool
		wantStatus float64
		wantLevel  string
	}{
		{"client hangs up", true, 499, "INFO"},
		{"server fails", false, 500, "ERROR"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var logs lockedBuffer
			srv := &Server{log: slog.New(slog.NewJSONHandler(&logs, nil)), registry: prometheus.NewRegistry()}
			entered := make(chan struct{})
			logged := make(chan struct{}) // the access log record is written when instrument returns
			inner := srv.instrument(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				close(entered)
				if tc.hangUp {
					<-r.Context().Done() // a store call failing with the canceled context
				}
				http.Error(w, "internal error", http.StatusInternalServerError)
			}))
			hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				defer close(logged)
				inner.ServeHTTP(w, r)
			}))
			defer hs.Close()
			ctx, cancel := context.WithCancel(context.Background())
			req, _ := http.NewRequestWithContext(ctx, "GET", hs.URL+"/v1.0/me/events", nil)
			go func() {
				<-entered
				if tc.hangUp {
					cancel()
				}
			}()
			if res, err := http.DefaultClient.Do(req); err == nil {
				res.Body.Close()
			}
			cancel()
			<-logged
			var rec map[string]any
			if err := json.Unmarshal([]byte(strings.TrimSpace(logs.String())), &rec); err != nil {
				t.Fatalf("log %q: %v", logs.String(), err)
			}
			if rec["status"] != tc.wantStatus || rec["level"] != tc.wantLevel {
				t.Errorf("logged %v, want status %v at %s", rec, tc.wantStatus, tc.wantLevel)
			}
			if tc.hangUp && rec["handler_status"] != 500.0 {
				t.Errorf("the handler's own answer is not in the record: %v", rec)
			}
			rr := httptest.NewRecorder()
			promhttp.HandlerFor(srv.registry, promhttp.HandlerOpts{}).ServeHTTP(rr, httptest.NewRequest("GET", "/metrics", nil))
			want := fmt.Sprintf(`graphgate_http_requests_total{code="%v",endpoint="graph",method="GET"} 1`, tc.wantStatus)
			if !strings.Contains(rr.Body.String(), want) {
				t.Errorf("metrics lack %s", want)
			}
		})
	}
}
