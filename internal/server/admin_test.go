package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"graphgate/internal/demo"
	"graphgate/internal/password"
	"graphgate/internal/server"
	"graphgate/internal/server/servertest"
	"graphgate/internal/store"
)

// answer is an HTTP answer with its JSON body decoded.
type answer struct {
	status int
	header http.Header
	body   map[string]any
	raw    string
}

func (a answer) str(path ...string) string {
	var v any = a.body
	for _, k := range path {
		m, _ := v.(map[string]any)
		v = m[k]
	}
	s, _ := v.(string)
	return s
}

func do(t *testing.T, e *servertest.Env, method, path, token string, body any) answer {
	t.Helper()
	return doCtx(t, context.Background(), e, method, path, token, body)
}

func doCtx(t *testing.T, ctx context.Context, e *servertest.Env, method, path, token string, body any) answer {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, _ := http.NewRequestWithContext(ctx, method, e.Base+path, rd)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := e.Client.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	a := answer{status: res.StatusCode, header: res.Header, raw: string(raw)}
	_ = json.Unmarshal(raw, &a.body)
	return a
}

// tokenRequest posts a token request to the demo tenant's token endpoint.
func tokenRequest(t *testing.T, e *servertest.Env, form url.Values) answer {
	t.Helper()
	res, err := e.Client.PostForm(e.Authority(demo.TenantID)+"/oauth2/v2.0/token", form)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	a := answer{status: res.StatusCode, header: res.Header, raw: string(raw)}
	_ = json.Unmarshal(raw, &a.body)
	return a
}

// signIn returns a demo user's access and refresh tokens (password grant
// through the Home Assistant app, after consent to scopes).
func signIn(t *testing.T, e *servertest.Env, userKey string, scopes ...string) (access, refresh string) {
	t.Helper()
	u, ha := e.User(userKey), e.App("homeassistant")
	e.Consent(ha.ClientID, u.ID, scopes...)
	a := tokenRequest(t, e, url.Values{"grant_type": {"password"}, "client_id": {ha.ClientID}, "username": {u.UserPrincipalName},
		"password": {u.Password}, "scope": {strings.Join(scopes, " ") + " offline_access"}})
	if a.status != http.StatusOK || a.str("access_token") == "" {
		t.Fatalf("signing %s in: %d %s", userKey, a.status, a.raw)
	}
	return a.str("access_token"), a.str("refresh_token")
}

func appToken(t *testing.T, e *servertest.Env) string {
	t.Helper()
	d := e.App("daemon")
	a := tokenRequest(t, e, url.Values{"grant_type": {"client_credentials"}, "client_id": {d.ClientID}, "client_secret": {d.Secret},
		"scope": {"https://graph.microsoft.com/.default"}})
	if a.status != http.StatusOK {
		t.Fatalf("app token: %d %s", a.status, a.raw)
	}
	return a.str("access_token")
}

func wantGraphError(t *testing.T, a answer, status int, code string) {
	t.Helper()
	if a.status != status || a.str("error", "code") != code {
		t.Fatalf("want %d %s, got %d %s", status, code, a.status, a.raw)
	}
	if a.str("error", "message") == "" || a.str("error", "innerError", "request-id") == "" {
		t.Fatalf("not Graph's error body: %s", a.raw)
	}
}

// TestAdminAPIRefusesWithoutAnAdminToken: the admin API answers a Global
// Administrator's token only — Graph's 401 without a valid token, 403
// for another user's or an app's — and leaves the clock as it was.
func TestAdminAPIRefusesWithoutAnAdminToken(t *testing.T) {
	e := servertest.Start(t)
	admin, _ := signIn(t, e, "admin", "User.Read")
	adele, _ := signIn(t, e, "adele", "User.Read")
	tests := []struct {
		name, token string
		status      int
		code        string
	}{
		{"no token", "", 401, "InvalidAuthenticationToken"},
		{"not a token", "abc", 401, "InvalidAuthenticationToken"},
		{"a member's token", adele, 403, "Authorization_RequestDenied"},
		{"an app's token", appToken(t, e), 403, "Authorization_RequestDenied"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, c := range []struct{ method, path string }{{"GET", "/admin/v1/clock"}, {"POST", "/admin/v1/clock/freeze"},
				{"POST", "/admin/v1/faults"}, {"DELETE", "/admin/v1/faults"}} {
				wantGraphError(t, do(t, e, c.method, c.path, tt.token, nil), tt.status, tt.code)
			}
			if e.Server.Clock().State().Frozen {
				t.Fatal("a refused request froze the clock")
			}
		})
	}
	t.Run("a Global Administrator's token", func(t *testing.T) {
		a := do(t, e, "GET", "/admin/v1/clock", admin, nil)
		if a.status != 200 || a.body["frozen"] != false || a.str("now") == "" {
			t.Fatalf("%d %s", a.status, a.raw)
		}
	})
}

// TestAdminNoAuthOnlyOnLoopback: --admin-no-auth is refused on a
// non-loopback listener, and opens the API on a loopback one.
func TestAdminNoAuthOnlyOnLoopback(t *testing.T) {
	discard := slog.New(slog.NewTextHandler(io.Discard, nil))
	for _, addr := range []string{"0.0.0.0:8443", "192.0.2.1:8443", "[::]:8443"} {
		_, err := server.New(context.Background(), server.Config{DataDir: t.TempDir(), Addr: addr, AdminNoAuth: true, Passwords: password.Fast, Logger: discard})
		if err == nil || !strings.Contains(err.Error(), "--admin-no-auth") {
			t.Errorf("%s: err = %v, want a refusal naming --admin-no-auth", addr, err)
		}
	}
	_, err := server.New(context.Background(), server.Config{DataDir: t.TempDir(), Addr: "127.0.0.1:8443", HTTPAddr: "0.0.0.0:8080",
		AdminNoAuth: true, Passwords: password.Fast, Logger: discard})
	if err == nil {
		t.Error("a plain HTTP listener on every interface was accepted with --admin-no-auth")
	}
	_, err = server.New(context.Background(), server.Config{DataDir: t.TempDir(), Addr: "127.0.0.1:8443", ProxyAddr: "0.0.0.0:8080",
		AdminNoAuth: true, Passwords: password.Fast, Logger: discard})
	if err == nil || !strings.Contains(err.Error(), "0.0.0.0:8080") {
		t.Errorf("an interception proxy on every interface was accepted with --admin-no-auth: %v", err)
	}
	e := servertest.Start(t, func(c *server.Config) { c.AdminNoAuth = true })
	if a := do(t, e, "POST", "/admin/v1/clock/freeze", "", nil); a.status != 200 || a.body["frozen"] != true {
		t.Fatalf("open admin API on loopback: %d %s", a.status, a.raw)
	}
}

// TestClockThroughTheAdminAPI: freeze, advance, set and reset, and the
// answers to bad input (Graph's 400, the clock unchanged).
func TestClockThroughTheAdminAPI(t *testing.T) {
	e := servertest.Start(t)
	admin, _ := signIn(t, e, "admin", "User.Read")
	frozen := do(t, e, "POST", "/admin/v1/clock/freeze", admin, nil)
	if frozen.status != 200 || frozen.body["frozen"] != true {
		t.Fatalf("freeze: %d %s", frozen.status, frozen.raw)
	}
	at, _ := time.Parse(time.RFC3339Nano, frozen.str("now"))
	adv := do(t, e, "POST", "/admin/v1/clock/advance", admin, map[string]string{"by": "30m"})
	if got, _ := time.Parse(time.RFC3339Nano, adv.str("now")); adv.status != 200 || !got.Equal(at.Add(30*time.Minute)) {
		t.Fatalf("advance 30m from %v: %d %s", at, adv.status, adv.raw)
	}
	for _, bad := range []struct {
		path string
		body any
	}{
		{"/admin/v1/clock/advance", map[string]string{"by": "-1h"}},
		{"/admin/v1/clock/advance", map[string]string{"by": "soon"}},
		{"/admin/v1/clock/advance", map[string]string{"bye": "1h"}},
		{"/admin/v1/clock/set", map[string]string{"time": "tomorrow"}},
	} {
		wantGraphError(t, do(t, e, "POST", bad.path, admin, bad.body), 400, "BadRequest")
	}
	wantGraphError(t, do(t, e, "POST", "/admin/v1/clock/rewind", admin, nil), 404, "itemNotFound")
	if now := e.Server.Clock().Now(); !now.Equal(at.Add(30 * time.Minute)) {
		t.Fatalf("bad requests moved the clock to %v", now)
	}
	set := do(t, e, "POST", "/admin/v1/clock/set", admin, map[string]string{"time": at.Add(-time.Minute).Format(time.RFC3339Nano)})
	if got, _ := time.Parse(time.RFC3339Nano, set.str("now")); set.status != 200 || set.body["frozen"] != true || !got.Equal(at.Add(-time.Minute)) {
		t.Fatalf("set: %d %s", set.status, set.raw)
	}
	reset := do(t, e, "POST", "/admin/v1/clock/reset", admin, nil)
	if reset.status != 200 || reset.body["frozen"] != false || reset.str("offset") != "0s" {
		t.Fatalf("reset: %d %s", reset.status, reset.raw)
	}
}

// TestRefreshTokenExpiresOnTheServerClock: a refresh token refreshes
// until the clock, advanced through the admin API past its 90 days,
// makes it AADSTS700082 — without waiting.
func TestRefreshTokenExpiresOnTheServerClock(t *testing.T) {
	e := servertest.Start(t)
	admin, _ := signIn(t, e, "admin", "User.Read")
	_, rt := signIn(t, e, "adele", "User.Read")
	ha := e.App("homeassistant")
	refresh := func(rt string) answer {
		return tokenRequest(t, e, url.Values{"grant_type": {"refresh_token"}, "client_id": {ha.ClientID}, "refresh_token": {rt}, "scope": {"User.Read offline_access"}})
	}
	a := refresh(rt)
	if a.status != 200 {
		t.Fatalf("refresh: %d %s", a.status, a.raw)
	}
	rt = a.str("refresh_token")
	if adv := do(t, e, "POST", "/admin/v1/clock/advance", admin, map[string]string{"by": "89d"}); adv.status != 200 {
		t.Fatalf("advance: %d %s", adv.status, adv.raw)
	}
	if a = refresh(rt); a.status != 200 {
		t.Fatalf("refresh after 89 days: %d %s", a.status, a.raw)
	}
	rt = a.str("refresh_token")
	// The admin's own access token expired with the jump: sign in again.
	admin, _ = signIn(t, e, "admin", "User.Read")
	if adv := do(t, e, "POST", "/admin/v1/clock/advance", admin, map[string]string{"by": "90d"}); adv.status != 200 {
		t.Fatalf("advance: %d %s", adv.status, adv.raw)
	}
	a = refresh(rt)
	codes, _ := a.body["error_codes"].([]any)
	if a.status != 400 || a.str("error") != "invalid_grant" || len(codes) != 1 || codes[0] != float64(700082) ||
		!strings.HasPrefix(a.str("error_description"), "AADSTS700082: The refresh token has expired due to inactivity.") {
		t.Fatalf("refresh after 90 more days: %d %s", a.status, a.raw)
	}
}

// TestAccessTokenExpiresOnTheServerClock: Graph answers 401
// InvalidAuthenticationToken once the clock passes the token's hour and
// the 5 minutes of clock skew Microsoft's validation allows.
func TestAccessTokenExpiresOnTheServerClock(t *testing.T) {
	e := servertest.Start(t)
	admin, _ := signIn(t, e, "admin", "User.Read")
	adele, _ := signIn(t, e, "adele", "User.Read")
	if a := do(t, e, "GET", "/v1.0/me", adele, nil); a.status != 200 {
		t.Fatalf("GET /me: %d %s", a.status, a.raw)
	}
	do(t, e, "POST", "/admin/v1/clock/freeze", admin, nil)
	if a := do(t, e, "POST", "/admin/v1/clock/advance", admin, map[string]string{"by": "59m"}); a.status != 200 {
		t.Fatalf("advance: %d %s", a.status, a.raw)
	}
	if a := do(t, e, "GET", "/v1.0/me", adele, nil); a.status != 200 {
		t.Fatalf("GET /me 59 minutes on: %d %s", a.status, a.raw)
	}
	do(t, e, "POST", "/admin/v1/clock/advance", admin, map[string]string{"by": "7m"})
	a := do(t, e, "GET", "/v1.0/me", adele, nil)
	wantGraphError(t, a, 401, "InvalidAuthenticationToken")
	if msg := a.str("error", "message"); msg != "Lifetime validation failed, the token is expired." {
		t.Fatalf("message %q", msg)
	}
}

// TestCalendarNowFollowsTheServerClock: what Graph stamps as now
// (createdDateTime, lastModifiedDateTime) is the server clock's time.
func TestCalendarNowFollowsTheServerClock(t *testing.T) {
	e := servertest.Start(t)
	admin, _ := signIn(t, e, "admin", "User.Read")
	if a := do(t, e, "POST", "/admin/v1/clock/set", admin, map[string]string{"time": "2031-06-02T08:30:00Z"}); a.status != 200 {
		t.Fatalf("set: %d %s", a.status, a.raw)
	}
	adele, _ := signIn(t, e, "adele", "Calendars.ReadWrite")
	ev := do(t, e, "POST", "/v1.0/me/events", adele, map[string]any{"subject": "Planning",
		"start": map[string]string{"dateTime": "2031-06-03T09:00:00", "timeZone": "UTC"},
		"end":   map[string]string{"dateTime": "2031-06-03T10:00:00", "timeZone": "UTC"}})
	if ev.status != 201 || !strings.HasPrefix(ev.str("createdDateTime"), "2031-06-02T08:30") {
		t.Fatalf("event created at 2031-06-02T08:30: %d %s", ev.status, ev.raw)
	}
	e.Server.Clock().Set(time.Date(2031, 6, 2, 9, 45, 0, 0, time.UTC))
	adele, _ = signIn(t, e, "adele", "Calendars.ReadWrite")
	up := do(t, e, "PATCH", "/v1.0/me/events/"+ev.str("id"), adele, map[string]any{"subject": "Planning (moved)"})
	if up.status != 200 || !strings.HasPrefix(up.str("lastModifiedDateTime"), "2031-06-02T09:45") ||
		!strings.HasPrefix(up.str("createdDateTime"), "2031-06-02T08:30") {
		t.Fatalf("event updated at 09:45: %d %s", up.status, up.raw)
	}
}

// TestFaultsThroughTheAdminAPI: a rule added through the admin API
// answers Graph's error body with Retry-After and x-graphgate-fault for
// its next N matches, is counted in the list and the metric, and goes
// away; rules match app and user; bad rules are refused.
func TestFaultsThroughTheAdminAPI(t *testing.T) {
	e := servertest.Start(t)
	admin, _ := signIn(t, e, "admin", "User.Read")
	adele, _ := signIn(t, e, "adele", "User.Read")
	megan, _ := signIn(t, e, "megan", "User.Read")
	add := do(t, e, "POST", "/admin/v1/faults", admin, map[string]any{"id": "me-down", "route": "/me", "method": "GET", "status": 503, "retryAfter": 3, "count": 1})
	if add.status != 201 || add.str("id") != "me-down" {
		t.Fatalf("add: %d %s", add.status, add.raw)
	}
	a := do(t, e, "GET", "/v1.0/me", adele, nil)
	wantGraphError(t, a, 503, "serviceNotAvailable")
	if a.header.Get("x-graphgate-fault") != "me-down" || a.header.Get("Retry-After") != "3" {
		t.Fatalf("headers %v", a.header)
	}
	if a := do(t, e, "GET", "/v1.0/me", adele, nil); a.status != 200 || a.header.Get("x-graphgate-fault") != "" {
		t.Fatalf("after its one match: %d %s", a.status, a.raw)
	}
	list := do(t, e, "GET", "/admin/v1/faults", admin, nil)
	rules, _ := list.body["value"].([]any)
	if len(rules) != 1 || rules[0].(map[string]any)["injected"] != float64(1) || rules[0].(map[string]any)["remaining"] != float64(0) {
		t.Fatalf("list: %s", list.raw)
	}
	if m := do(t, e, "GET", "/metrics", "", nil); !strings.Contains(m.raw, `graphgate_faults_injected_total{kind="status",rule="me-down"} 1`) {
		t.Fatal("the metric does not count the fault")
	}
	if a := do(t, e, "DELETE", "/admin/v1/faults/me-down", admin, nil); a.status != 204 {
		t.Fatalf("remove: %d %s", a.status, a.raw)
	}
	wantGraphError(t, do(t, e, "DELETE", "/admin/v1/faults/me-down", admin, nil), 404, "itemNotFound")
	wantGraphError(t, do(t, e, "POST", "/admin/v1/faults", admin, map[string]any{"route": "/me"}), 400, "BadRequest")
	wantGraphError(t, do(t, e, "POST", "/admin/v1/faults", admin, map[string]any{"route": "/me", "status": 503, "colour": "red"}), 400, "BadRequest")

	// By user, and by app.
	do(t, e, "POST", "/admin/v1/faults", admin, map[string]any{"id": "megan", "user": e.User("megan").UserPrincipalName, "status": 403,
		"code": "ErrorAccessDenied", "message": "Access is denied. Check credentials and try again."})
	do(t, e, "POST", "/admin/v1/faults", admin, map[string]any{"id": "daemon", "app": e.App("daemon").ClientID, "workload": "directory", "status": 429})
	if a := do(t, e, "GET", "/v1.0/me", adele, nil); a.status != 200 {
		t.Fatalf("adele, matched by no rule: %d %s", a.status, a.raw)
	}
	wantGraphError(t, do(t, e, "GET", "/v1.0/me", megan, nil), 403, "ErrorAccessDenied")
	a = do(t, e, "GET", "/v1.0/users", appToken(t, e), nil)
	wantGraphError(t, a, 429, "activityLimitReached")
	if a.header.Get("x-graphgate-fault") != "daemon" || a.header.Get("Retry-After") != "1" {
		t.Fatalf("headers %v", a.header)
	}
	if a := do(t, e, "DELETE", "/admin/v1/faults", admin, nil); a.status != 204 || !e.Server.Faults().Empty() {
		t.Fatalf("clear: %d %s", a.status, a.raw)
	}
	if a := do(t, e, "GET", "/v1.0/me", megan, nil); a.status != 200 {
		t.Fatalf("after clear: %d %s", a.status, a.raw)
	}
}

// TestFaultOnTheTokenEndpoint: a rule on the identity platform answers
// its error body (temporarily_unavailable), for the app it names.
func TestFaultOnTheTokenEndpoint(t *testing.T) {
	e := servertest.Start(t)
	ha := e.App("homeassistant")
	if _, err := e.Server.Faults().Add(faultRule(`{"id":"sts","route":"/{tenant}/oauth2/v2.0/token","app":"` + ha.ClientID + `","status":503,"count":1}`)); err != nil {
		t.Fatal(err)
	}
	// Another app's token request is not matched.
	appToken(t, e)
	u := e.User("adele")
	e.Consent(ha.ClientID, u.ID, "User.Read")
	form := url.Values{"grant_type": {"password"}, "client_id": {ha.ClientID}, "username": {u.UserPrincipalName}, "password": {u.Password}, "scope": {"User.Read"}}
	a := tokenRequest(t, e, form)
	if a.status != 503 || a.str("error") != "temporarily_unavailable" || a.header.Get("x-graphgate-fault") != "sts" || a.header.Get("Retry-After") != "1" ||
		a.str("trace_id") == "" {
		t.Fatalf("faulted token request: %d %v %s", a.status, a.header, a.raw)
	}
	// The form the injector read is still the handler's.
	if a := tokenRequest(t, e, form); a.status != 200 {
		t.Fatalf("next token request: %d %s", a.status, a.raw)
	}
}

// TestFaultDropsTheConnection: a drop rule closes the connection, on
// HTTP/2 (e.Client) and HTTP/1.1, and the client sees an error, no answer.
func TestFaultDropsTheConnection(t *testing.T) {
	e := servertest.Start(t)
	adele, _ := signIn(t, e, "adele", "User.Read")
	if _, err := e.Server.Faults().Add(faultRule(`{"id":"gone","route":"/me","drop":true}`)); err != nil {
		t.Fatal(err)
	}
	h1 := &http.Client{Transport: &http.Transport{TLSClientConfig: e.TLS, ForceAttemptHTTP2: false}, Timeout: 10 * time.Second}
	for name, c := range map[string]*http.Client{"HTTP/2": e.Client, "HTTP/1.1": h1} {
		req, _ := http.NewRequest("GET", e.Base+"/v1.0/me", nil)
		req.Header.Set("Authorization", "Bearer "+adele)
		res, err := c.Do(req)
		if err == nil {
			res.Body.Close()
			t.Errorf("%s: a dropped connection answered %d", name, res.StatusCode)
		}
	}
}

// TestFaultLatencyHonoursCancellation: a client that gives up during an
// injected minute of latency gets its error at once.
func TestFaultLatencyHonoursCancellation(t *testing.T) {
	e := servertest.Start(t)
	if _, err := e.Server.Faults().Add(faultRule(`{"id":"slow","route":"/me","latency":"1m"}`)); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", e.Base+"/v1.0/me", nil)
	start := time.Now()
	res, err := e.Client.Do(req)
	if err == nil {
		res.Body.Close()
		t.Fatalf("answered %d during the latency", res.StatusCode)
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Fatalf("the client waited %v", d)
	}
}

// TestFaultsFile: serve --faults loads the rules at start; a bad file
// stops the server with the file's name.
func TestFaultsFile(t *testing.T) {
	dir := t.TempDir()
	f := filepath.Join(dir, "faults.yaml")
	if err := os.WriteFile(f, []byte("faults:\n  - id: users-throttled\n    route: /users\n    status: 429\n    retryAfter: 2\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	e := servertest.Start(t, func(c *server.Config) { c.FaultsFile = f })
	a := do(t, e, "GET", "/v1.0/users", appToken(t, e), nil)
	wantGraphError(t, a, 429, "activityLimitReached")
	if a.header.Get("Retry-After") != "2" || a.header.Get("x-graphgate-fault") != "users-throttled" {
		t.Fatalf("headers %v", a.header)
	}
	bad := filepath.Join(dir, "bad.yaml")
	if err := os.WriteFile(bad, []byte("faults:\n  - route: /users\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := server.New(context.Background(), server.Config{DataDir: t.TempDir(), FaultsFile: bad, Passwords: password.Fast,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err == nil || !strings.Contains(err.Error(), "bad.yaml") || !strings.Contains(err.Error(), "does nothing") {
		t.Fatalf("bad file: %v", err)
	}
}

// TestSnapshotsThroughTheAdminAPI: save, change, restore and the data is
// back; reset puts the demo tenant back; names and unknown snapshots get
// Graph's error bodies; a non-administrator is refused.
func TestSnapshotsThroughTheAdminAPI(t *testing.T) {
	e := servertest.Start(t)
	admin, _ := signIn(t, e, "admin", "User.ReadWrite.All")
	adele, _ := signIn(t, e, "adele", "User.Read")
	path := "/v1.0/users/" + e.User("adele").ID
	title := func() string {
		t.Helper()
		r := do(t, e, "GET", path+"?$select=jobTitle", admin, nil)
		if r.status != 200 {
			t.Fatalf("GET %s: %d %s", path, r.status, r.raw)
		}
		return r.str("jobTitle")
	}
	original := title()
	if r := do(t, e, "POST", "/admin/v1/snapshots", admin, map[string]any{"name": "before"}); r.status != 201 || r.str("name") != "before" {
		t.Fatalf("save: %d %s", r.status, r.raw)
	}
	wantGraphError(t, do(t, e, "POST", "/admin/v1/snapshots", admin, map[string]any{"name": "before"}), 409, "nameAlreadyExists")
	wantGraphError(t, do(t, e, "POST", "/admin/v1/snapshots", admin, map[string]any{"name": "Not A Name"}), 400, "BadRequest")
	if r := do(t, e, "PATCH", path, admin, map[string]any{"jobTitle": "Changed in the test"}); r.status != 204 {
		t.Fatalf("PATCH: %d %s", r.status, r.raw)
	}
	if title() != "Changed in the test" {
		t.Fatal("the change did not land")
	}
	list := do(t, e, "GET", "/admin/v1/snapshots", admin, nil)
	if v, _ := list.body["value"].([]any); len(v) != 1 || v[0].(map[string]any)["name"] != "before" {
		t.Fatalf("list: %s", list.raw)
	}
	if r := do(t, e, "POST", "/admin/v1/snapshots/before/restore", admin, nil); r.status != 204 {
		t.Fatalf("restore: %d %s", r.status, r.raw)
	}
	if got := title(); got != original {
		t.Fatalf("after the restore jobTitle = %q, want %q", got, original)
	}
	wantGraphError(t, do(t, e, "POST", "/admin/v1/snapshots/nothing/restore", admin, nil), 404, "itemNotFound")
	wantGraphError(t, do(t, e, "POST", "/admin/v1/snapshots", adele, map[string]any{"name": "mine"}), 403, "Authorization_RequestDenied")
	if r := do(t, e, "DELETE", "/admin/v1/snapshots/before", admin, nil); r.status != 204 {
		t.Fatalf("delete: %d %s", r.status, r.raw)
	}
	wantGraphError(t, do(t, e, "DELETE", "/admin/v1/snapshots/before", admin, nil), 404, "itemNotFound")

	// Reset: the demo tenant as a fresh start seeds it.
	do(t, e, "PATCH", path, admin, map[string]any{"jobTitle": "Changed again"})
	if r := do(t, e, "POST", "/admin/v1/reset", admin, nil); r.status != 204 {
		t.Fatalf("reset: %d %s", r.status, r.raw)
	}
	if got := title(); got != original {
		t.Fatalf("after the reset jobTitle = %q, want %q", got, original)
	}
}

// TestFaultsInTheDecisionLog: an injected fault is a row of the decision
// log (reason "fault", the rule as its check), with the caller and the
// request-id the client saw.
func TestFaultsInTheDecisionLog(t *testing.T) {
	e := servertest.Start(t)
	admin, _ := signIn(t, e, "admin", "User.Read")
	adele, _ := signIn(t, e, "adele", "User.Read")
	if r := do(t, e, "POST", "/admin/v1/faults", admin, map[string]any{"id": "me-429", "route": "/me", "method": "GET", "status": 429, "count": 1}); r.status != 201 {
		t.Fatalf("add: %d %s", r.status, r.raw)
	}
	a := do(t, e, "GET", "/v1.0/me", adele, nil)
	wantGraphError(t, a, 429, "activityLimitReached")
	if err := e.Server.FlushDecisionLog(context.Background()); err != nil {
		t.Fatal(err)
	}
	rows, err := e.Server.Store().ListDecisions(context.Background(), store.DecisionQuery{RequestID: a.header.Get("request-id"), Limit: 5})
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 1 {
		t.Fatalf("rows for request-id %q: %+v", a.header.Get("request-id"), rows)
	}
	r := rows[0]
	if r.Reason != "fault" || r.Check != "fault:me-429" || r.Allowed || r.Status != 429 || r.Route != "/me" ||
		r.UserUPN != e.User("adele").UserPrincipalName || r.TenantID == "" || !strings.Contains(string(r.Detail), `"me-429"`) {
		t.Errorf("fault row %+v", r)
	}
}
