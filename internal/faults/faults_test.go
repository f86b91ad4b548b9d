package faults

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
)

func TestValidate(t *testing.T) {
	tests := []struct {
		name    string
		rule    Rule
		wantErr string // "" for a valid rule
	}{
		{"429 with retry", Rule{Route: "/me/messages", Status: 429, RetryAfter: 2, Count: 2}, ""},
		{"latency only", Rule{Latency: Duration(time.Second)}, ""},
		{"drop", Rule{Method: "get", Drop: true}, ""},
		{"nothing to do", Rule{Route: "/me"}, "does nothing"},
		{"success status", Rule{Status: 200}, "4xx or 5xx"},
		{"drop and status", Rule{Drop: true, Status: 503}, "cannot also"},
		{"too slow", Rule{Latency: Duration(time.Hour)}, "latency"},
		{"probability", Rule{Status: 503, Probability: 1.5}, "probability"},
		{"bad method", Rule{Method: "FETCH", Status: 503}, "method"},
		{"bad route", Rule{Route: "me/messages", Status: 503}, "starts with /"},
		{"bad workload", Rule{Workload: "sharepoint", Status: 503}, "workload"},
		{"bad id", Rule{ID: "a b", Status: 503}, "id"},
		{"negative count", Rule{Status: 503, Count: -1}, "count"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.rule.Validate()
			if tt.wantErr == "" && err != nil {
				t.Fatalf("Validate: %v", err)
			}
			if tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)) {
				t.Fatalf("Validate = %v, want an error about %q", err, tt.wantErr)
			}
		})
	}
}

func TestRouteMatches(t *testing.T) {
	tests := []struct {
		pattern, route string
		want           bool
	}{
		{"/me/messages", "/me/messages", true},
		{"/me/Messages", "/me/messages", true},
		{"/v1.0/me/messages", "/me/messages", true},
		{"/users/{user-id}/events", "/users/{id}/events", true},
		{"/me/messages", "/me/messages/{id}", false},
		{"/me/*", "/me/messages/{id}", true},
		{"/me/*", "/me", true},
		{"/me/*", "/men", false},
		{"/{tenant}/oauth2/v2.0/token", "/{tenant}/oauth2/v2.0/token", true},
		{"/me", "", false},
	}
	for _, tt := range tests {
		if got := routeMatches(tt.pattern, tt.route); got != tt.want {
			t.Errorf("routeMatches(%q, %q) = %v, want %v", tt.pattern, tt.route, got, tt.want)
		}
	}
}

// pickN runs n requests through the set and says which fired.
func pickN(s *Set, q Request, n int) []bool {
	out := make([]bool, n)
	for i := range out {
		qq := q
		_, ok, need := s.pick(&qq, false)
		if need {
			_, ok, _ = s.pick(&qq, true)
		}
		out[i] = ok
	}
	return out
}

func TestSetCountAndOrder(t *testing.T) {
	s := NewSet(Options{})
	if _, err := s.Add(Rule{ID: "two", Route: "/me/messages", Status: 429, Count: 2}); err != nil {
		t.Fatal(err)
	}
	got := pickN(s, Request{Method: "GET", Route: "/me/messages"}, 4)
	if want := []bool{true, true, false, false}; !slices.Equal(got, want) {
		t.Fatalf("fired %v, want %v", got, want)
	}
	l := s.List()
	if l[0].Remaining == nil || *l[0].Remaining != 0 || l[0].Injected != 2 {
		t.Fatalf("rule after its count: %+v", l[0])
	}
	if got := pickN(s, Request{Method: "GET", Route: "/me/events"}, 1); got[0] {
		t.Fatal("a rule for /me/messages fired on /me/events")
	}
	if _, err := s.Add(Rule{ID: "two", Status: 503}); !errors.Is(err, ErrDuplicate) {
		t.Fatalf("duplicate id: %v", err)
	}
	if err := s.Remove("nope"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("Remove(unknown) = %v", err)
	}
	if err := s.Remove("two"); err != nil || !s.Empty() {
		t.Fatalf("Remove = %v, empty %v", err, s.Empty())
	}
}

func TestSetProbabilityUsesTheInjectedSource(t *testing.T) {
	draws := []float64{0.1, 0.9, 0.29, 0.3, 0.5}
	i := 0
	s := NewSet(Options{Rand: func() float64 { d := draws[i%len(draws)]; i++; return d }})
	if _, err := s.Add(Rule{Status: 503, Probability: 0.3}); err != nil {
		t.Fatal(err)
	}
	got := pickN(s, Request{Method: "GET"}, 5)
	if want := []bool{true, false, true, false, false}; !slices.Equal(got, want) {
		t.Fatalf("fired %v, want %v", got, want)
	}
}

func TestSetSeededSourceRepeats(t *testing.T) {
	run := func() []bool {
		s := NewSet(Options{Seed: 42})
		if _, err := s.Add(Rule{Status: 503, Probability: 0.5}); err != nil {
			t.Fatal(err)
		}
		return pickN(s, Request{Method: "GET"}, 64)
	}
	a, b := run(), run()
	if !slices.Equal(a, b) {
		t.Fatal("one seed gave two sequences")
	}
	n := 0
	for _, f := range a {
		if f {
			n++
		}
	}
	if n < 16 || n > 48 {
		t.Fatalf("probability 0.5 fired %d of 64 times", n)
	}
}

func TestSetCallerMatchedOnlyWhenNeeded(t *testing.T) {
	s := NewSet(Options{})
	if _, err := s.Add(Rule{ID: "adele", User: "adele@contoso.onmicrosoft.com", Status: 503}); err != nil {
		t.Fatal(err)
	}
	q := Request{Method: "GET", Route: "/me"}
	if _, ok, need := s.pick(&q, false); ok || !need {
		t.Fatalf("a user rule fired (%v) or did not ask for the caller (%v)", ok, need)
	}
	q.UPN = "megan@contoso.onmicrosoft.com"
	if _, ok, _ := s.pick(&q, true); ok {
		t.Fatal("a rule for adele fired for megan")
	}
	q.UPN = "ADELE@contoso.onmicrosoft.com"
	if _, ok, _ := s.pick(&q, true); !ok {
		t.Fatal("a rule for adele did not fire for adele")
	}
}

func TestLoadFile(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "faults.yaml")
	if err := os.WriteFile(good, []byte(`faults:
  - id: mail-throttled
    route: /me/messages
    status: 429
    retryAfter: 2
    count: 2
  - workload: identity
    latency: 1500ms
`), 0o600); err != nil {
		t.Fatal(err)
	}
	s := NewSet(Options{})
	if err := s.LoadFile(good); err != nil {
		t.Fatal(err)
	}
	l := s.List()
	if len(l) != 2 || l[0].ID != "mail-throttled" || l[0].RetryAfter != 2 || l[1].ID != "f1" || time.Duration(l[1].Latency) != 1500*time.Millisecond {
		t.Fatalf("loaded %+v", l)
	}
	bad := filepath.Join(dir, "bad.yaml")
	if err := os.WriteFile(bad, []byte("faults:\n  - route: /me\n    statuss: 503\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := s.LoadFile(bad); err == nil || !strings.Contains(err.Error(), "statuss") {
		t.Fatalf("a misspelt field: %v", err)
	}
	if len(s.List()) != 2 {
		t.Fatal("a bad file changed the rules")
	}
}

// fakes for the injector.
type describer struct{ q Request }

func (d describer) Describe(r *http.Request) Request { q := d.q; q.Method = r.Method; return q }
func (d describer) Caller(*http.Request, *Request)   {}

type responder struct{}

func (responder) GraphError(w http.ResponseWriter, r *http.Request, status int, code, message string) {
	w.WriteHeader(status)
	_, _ = io.WriteString(w, "graph "+code+": "+message)
}
func (responder) IdentityError(w http.ResponseWriter, r *http.Request, status int, code string, aadsts int, description string) {
	w.WriteHeader(status)
	_, _ = io.WriteString(w, "identity "+code+": "+description)
}

func newInjector(t *testing.T, q Request, rules ...Rule) (*Injector, *prometheus.Registry) {
	t.Helper()
	s := NewSet(Options{})
	for _, r := range rules {
		if _, err := s.Add(r); err != nil {
			t.Fatal(err)
		}
	}
	reg := prometheus.NewRegistry()
	return NewInjector(s, describer{q}, responder{}, nil, reg), reg
}

var ok = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = io.WriteString(w, "served") })

func TestInjectorAnswers(t *testing.T) {
	tests := []struct {
		name       string
		q          Request
		rule       Rule
		wantStatus int
		wantBody   string
		wantRetry  string
	}{
		{"graph 429", Request{Route: "/me", Workload: "directory"}, Rule{ID: "r", Status: 429}, 429, "graph activityLimitReached: The app or user has been throttled.", "1"},
		{"graph 503 retry 7", Request{Route: "/me", Workload: "exchange"}, Rule{ID: "r", Status: 503, RetryAfter: 7}, 503, "graph serviceNotAvailable", "7"},
		{"graph own code", Request{Route: "/me"}, Rule{ID: "r", Status: 403, Code: "ErrorAccessDenied", Message: "Access is denied."}, 403, "graph ErrorAccessDenied: Access is denied.", ""},
		{"identity 503", Request{Route: "/{tenant}/oauth2/v2.0/token", Workload: "identity"}, Rule{ID: "r", Status: 503}, 503, "identity temporarily_unavailable", "1"},
		{"identity 400", Request{Workload: "identity"}, Rule{ID: "r", Status: 400, Code: "invalid_grant", AADSTS: 50173}, 400, "identity invalid_grant", ""},
		{"no match", Request{Route: "/me/events"}, Rule{ID: "r", Route: "/me/messages", Status: 503}, 200, "served", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in, _ := newInjector(t, tt.q, tt.rule)
			rec := httptest.NewRecorder()
			in.Wrap(ok).ServeHTTP(rec, httptest.NewRequest("GET", "/x", nil))
			if rec.Code != tt.wantStatus || !strings.HasPrefix(rec.Body.String(), tt.wantBody) {
				t.Fatalf("got %d %q, want %d %q", rec.Code, rec.Body, tt.wantStatus, tt.wantBody)
			}
			if got := rec.Header().Get("Retry-After"); got != tt.wantRetry {
				t.Errorf("Retry-After %q, want %q", got, tt.wantRetry)
			}
			fired := tt.wantStatus != 200
			if got := rec.Header().Get(Header); (got == "r") != fired {
				t.Errorf("%s = %q (fired %v)", Header, got, fired)
			}
			want := 0.0
			if fired {
				want = 1
			}
			if got := testutil.ToFloat64(in.injected.WithLabelValues("r", "status")); got != want {
				t.Errorf("graphgate_faults_injected_total = %v, want %v", got, want)
			}
		})
	}
}

// TestLatencyHonoursCancellation: a request whose client gives up during
// the added latency returns at once, without reaching the handler.
func TestLatencyHonoursCancellation(t *testing.T) {
	in, _ := newInjector(t, Request{}, Rule{ID: "slow", Latency: Duration(MaxLatency)})
	reached := false
	h := in.Wrap(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { reached = true }))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/x", nil).WithContext(ctx))
		close(done)
	}()
	cancel()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("the handler waited out its latency after the client gave up")
	}
	if reached {
		t.Fatal("a canceled request reached the handler")
	}
}

// TestLatencyThenServe: a short latency delays, then serves.
func TestLatencyThenServe(t *testing.T) {
	in, _ := newInjector(t, Request{}, Rule{ID: "slow", Latency: Duration(30 * time.Millisecond)})
	rec := httptest.NewRecorder()
	start := time.Now()
	in.Wrap(ok).ServeHTTP(rec, httptest.NewRequest("GET", "/x", nil))
	if d := time.Since(start); d < 30*time.Millisecond || rec.Body.String() != "served" {
		t.Fatalf("after %v: %d %q", d, rec.Code, rec.Body)
	}
}

// TestDrop: the client sees the connection closed, not an answer.
func TestDrop(t *testing.T) {
	in, _ := newInjector(t, Request{}, Rule{ID: "gone", Drop: true})
	srv := httptest.NewServer(in.Wrap(ok))
	defer srv.Close()
	resp, err := srv.Client().Get(srv.URL + "/x")
	if err == nil {
		resp.Body.Close()
		t.Fatalf("a dropped connection answered %d", resp.StatusCode)
	}
}
