package web_test

import (
	"encoding/json"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"graphgate/internal/demo"
	"graphgate/internal/parity"
	"graphgate/internal/routes"
	"graphgate/internal/server/servertest"
	"graphgate/internal/store"
)

// graphAs returns a function making Graph calls with a delegated token of
// the Home Assistant app for Adele, granted Mail.ReadWrite only (the
// reference's example of an app granted more than it uses).
func graphAs(t *testing.T, env *servertest.Env) func(method, path, clientRequestID string) (int, string) {
	t.Helper()
	app, adele := env.App("homeassistant"), env.User("adele")
	env.Consent(app.ClientID, adele.ID, "Mail.ReadWrite")
	res, err := env.Client.PostForm(env.Base+"/"+demo.TenantID+"/oauth2/v2.0/token", url.Values{"grant_type": {"password"},
		"client_id": {app.ClientID}, "username": {adele.UserPrincipalName}, "password": {adele.Password},
		"scope": {"https://graph.microsoft.com/.default"}})
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	if err := json.NewDecoder(res.Body).Decode(&tok); err != nil || tok.AccessToken == "" {
		t.Fatalf("token: status %d, %v", res.StatusCode, err)
	}
	return func(method, path, clientRequestID string) (int, string) {
		t.Helper()
		req, _ := http.NewRequest(method, env.Base+"/v1.0"+path, nil)
		req.Header.Set("Authorization", "Bearer "+tok.AccessToken)
		if clientRequestID != "" {
			req.Header.Set("client-request-id", clientRequestID)
		}
		res, err := env.Client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, res.Body)
		res.Body.Close()
		return res.StatusCode, res.Header.Get("request-id")
	}
}

var requestIDRe = regexp.MustCompile(`data-request-id="([^"]+)"`)

// logRows are the request ids of a decision log page, in its order.
func logRows(body string) []string {
	var ids []string
	for _, m := range requestIDRe.FindAllStringSubmatch(body, -1) {
		ids = append(ids, m[1])
	}
	return ids
}

// TestConsoleDecisionLog makes allowed and denied Graph calls on a real
// server, then finds them in the console as an administrator would: the
// denied call under "denied only", its reasoning naming the permission
// that would allow it with a link that preselects it on the app's API
// permissions page (a confirm form: nothing changes on GET), and the
// filters.
func TestConsoleDecisionLog(t *testing.T) {
	env := servertest.Start(t)
	call := graphAs(t, env)
	var allowed []string
	for _, path := range []string{"/me/messages", "/me/messages?$top=1", "/me/mailFolders/inbox/messages"} {
		st, id := call("GET", path, "")
		if st != 200 {
			t.Fatalf("GET %s: %d, want 200", path, st)
		}
		allowed = append(allowed, id)
	}
	st, deniedID := call("GET", "/users", "client-7f3a")
	if st != 403 {
		t.Fatalf("GET /users with Mail.ReadWrite: %d, want 403", st)
	}
	if err := env.Server.FlushDecisionLog(t.Context()); err != nil {
		t.Fatal(err)
	}
	app, adele := env.App("homeassistant"), env.User("adele")
	b := newBrowser(t, env)
	b.signIn("admin", "/console/")

	for _, tc := range []struct {
		name, query string
		want        []string
		status      int
	}{
		{"everything, newest first", "", []string{deniedID, allowed[2], allowed[1], allowed[0]}, 200},
		{"denied only", "?denied=1", []string{deniedID}, 200},
		{"route template", "?route=" + url.QueryEscape("/me/messages"), []string{allowed[1], allowed[0]}, 200},
		{"user by UPN, any case", "?user=" + url.QueryEscape(strings.ToUpper(adele.UserPrincipalName)), []string{deniedID, allowed[2], allowed[1], allowed[0]}, 200},
		{"app by client id", "?app=" + app.ClientID + "&denied=1", []string{deniedID}, 200},
		{"an app that made no call", "?app=" + url.QueryEscape("Contoso Daemon"), nil, 200},
		{"since an hour", "?since=1h", []string{deniedID, allowed[2], allowed[1], allowed[0]}, 200},
		{"since a time to come", "?since=" + time.Now().Add(time.Hour).UTC().Format(time.RFC3339), nil, 200},
		{"since unreadable", "?since=yesterday", nil, 400},
	} {
		p := b.get("/console/log" + tc.query)
		if p.status != tc.status {
			t.Errorf("%s: %d, want %d", tc.name, p.status, tc.status)
			continue
		}
		if got := logRows(p.body); !slices.Equal(got, tc.want) {
			t.Errorf("%s: rows %v, want %v", tc.name, got, tc.want)
		}
	}
	if p := b.get("/console/log?since=yesterday"); !strings.Contains(p.body, "neither a duration") {
		t.Error("an unreadable since does not say what it takes")
	}
	if p := b.get("/console/log?denied=1"); !strings.Contains(p.body, `href="/console/log/`+deniedID+`"`) || !strings.Contains(p.body, "DENIED 403") {
		t.Errorf("the denied row does not open its reasoning:\n%s", p.body)
	}

	// The reasoning, by request-id and by client-request-id.
	addHref := "/console/apps/" + app.ClientID + "/permissions?add=User.ReadBasic.All&type=delegated"
	for _, id := range []string{deniedID, "client-7f3a"} {
		p := b.get("/console/log/" + id)
		if p.status != 200 {
			t.Fatalf("decision %s: %d", id, p.status)
		}
		for _, want := range []string{"Denied: GET /users", "missing_permission (HTTP 403)", "the permission check", "Mail.ReadWrite",
			`data-permission="User.ReadBasic.All"`, `href="` + html.EscapeString(addHref) + `"`, "graphgate explain --request-id " + deniedID} {
			if !strings.Contains(p.body, want) {
				t.Errorf("decision %s lacks %q", id, want)
			}
		}
	}
	if p := b.get("/console/log/" + allowed[0]); p.status != 200 || !strings.Contains(p.body, "Allowed: GET /me/messages") ||
		strings.Contains(p.body, "would-allow") {
		t.Errorf("an allowed decision: %d", p.status)
	}
	if p := b.get("/console/log/no-such-request"); p.status != http.StatusNotFound || !strings.Contains(p.body, "--decision-log") {
		t.Errorf("an unknown request id: %d", p.status)
	}

	// The add link preselects the permission: a confirm form, no change.
	p := b.get(addHref)
	if p.status != 200 || !strings.Contains(p.body, `id="confirm-add"`) || !strings.Contains(p.body, "Add User.ReadBasic.All (delegated)?") {
		t.Fatalf("the add link: %d\n%s", p.status, p.body)
	}
	a, _ := env.Server.Store().GetApp(t.Context(), app.ClientID)
	if slices.Contains(a.RequiredScopes, "User.ReadBasic.All") {
		t.Fatal("following the add link changed the app")
	}
	if p := b.post("/console/apps/"+app.ClientID+"/permissions", url.Values{"csrf": {field(t, csrfRe, p.body)}, "action": {"add"},
		"permission": {"User.ReadBasic.All"}, "type": {"delegated"}}); p.status != 200 {
		t.Fatalf("confirming: %d", p.status)
	}
	a, _ = env.Server.Store().GetApp(t.Context(), app.ClientID)
	if !slices.Contains(a.RequiredScopes, "User.ReadBasic.All") {
		t.Errorf("confirmed, yet the app requests %v", a.RequiredScopes)
	}
	if p := b.get(addHref); !strings.Contains(p.body, "requests User.ReadBasic.All already") || strings.Contains(p.body, `id="confirm-add"`) {
		t.Error("the add link of a permission requested already offers it again")
	}
	if p := b.get("/console/apps/" + app.ClientID + "/permissions?add=Mail.Fly&type=application"); !strings.Contains(p.body, "no application permission named Mail.Fly") {
		t.Error("the add link of an unknown permission")
	}

	// Not for a user without an administrator role.
	nb := newBrowser(t, env)
	nb.signIn("adele", "/console/")
	for _, path := range []string{"/console/log", "/console/log/" + deniedID, "/console/apps/" + app.ClientID + "/report"} {
		if p := nb.get(path); p.status != http.StatusForbidden || strings.Contains(p.body, deniedID) {
			t.Errorf("a non-administrator: GET %s: %d", path, p.status)
		}
	}
}

// TestConsoleDecisionLogPaging: a page is at most 50 rows, newest first,
// and the next page starts below the last row shown (keyset), also with
// the filters kept in the link.
func TestConsoleDecisionLogPaging(t *testing.T) {
	env := servertest.Start(t)
	const n = 120
	var ds []store.Decision
	at := time.Now().Add(-time.Hour)
	for i := range n {
		ds = append(ds, store.Decision{Time: at.Add(time.Duration(i) * time.Second), RequestID: fmt.Sprintf("req-%03d", i), TenantID: demo.TenantID,
			AppID: "app-1", AppName: "Paging App", Scheme: "Application", Method: "GET", Route: "/users", Path: "/users",
			Allowed: i%2 == 0, Status: map[bool]int{true: 200, false: 403}[i%2 == 0], Reason: "x", Check: "permission", Detail: []byte(`{}`)})
	}
	if err := env.Server.Store().AppendDecisions(t.Context(), ds); err != nil {
		t.Fatal(err)
	}
	b := newBrowser(t, env)
	b.signIn("admin", "/console/")
	nextRe := regexp.MustCompile(`href="([^"]+)" id="next-page"`)
	for _, tc := range []struct {
		name, first string
		pages       []int
		every       int // the request numbers step down by this
	}{
		{"all", "/console/log?app=app-1", []int{50, 50, 20}, 1},
		{"denied only", "/console/log?app=Paging+App&denied=1", []int{50, 10}, 2},
	} {
		path, want := tc.first, n-1 // the odd ones are denied; the newest, 119, is odd
		for i, size := range tc.pages {
			p := b.get(path)
			rows := logRows(p.body)
			if len(rows) != size {
				t.Fatalf("%s: page %d has %d rows, want %d", tc.name, i+1, len(rows), size)
			}
			for _, id := range rows {
				if id != fmt.Sprintf("req-%03d", want) {
					t.Fatalf("%s: page %d: %s, want req-%03d", tc.name, i+1, id, want)
				}
				want -= tc.every
			}
			m := nextRe.FindStringSubmatch(p.body)
			if last := i == len(tc.pages)-1; last != (m == nil) {
				t.Fatalf("%s: page %d: next link %v", tc.name, i+1, m)
			}
			if m != nil {
				path = html.UnescapeString(m[1])
			}
		}
	}
}

// TestConsoleLeastPrivilegeReport: the report page of the app granted
// Mail.ReadWrite that only read mail says Mail.Read would do, per scheme,
// with the refused call and what would allow it.
func TestConsoleLeastPrivilegeReport(t *testing.T) {
	env := servertest.Start(t)
	call := graphAs(t, env)
	for _, path := range []string{"/me/messages", "/me/mailFolders/inbox/messages"} {
		if st, _ := call("GET", path, ""); st != 200 {
			t.Fatalf("GET %s: %d", path, st)
		}
	}
	_, deniedID := call("GET", "/users", "")
	if err := env.Server.FlushDecisionLog(t.Context()); err != nil {
		t.Fatal(err)
	}
	app := env.App("homeassistant")
	b := newBrowser(t, env)
	b.signIn("admin", "/console/")
	if p := b.get("/console/apps/" + app.ClientID); !strings.Contains(p.body, `href="/console/apps/`+app.ClientID+`/report"`) {
		t.Error("the app's page does not link its report")
	}
	p := b.get("/console/apps/" + app.ClientID + "/report")
	if p.status != 200 {
		t.Fatalf("report: %d\n%s", p.status, p.body)
	}
	section := func(body, class string) string {
		m := regexp.MustCompile(`(?s)class="` + class + `">(.*?)</(?:dd|ul)>`).FindStringSubmatch(body)
		if m == nil {
			return ""
		}
		return m[1]
	}
	if !strings.Contains(p.body, `data-scheme="DelegatedWork"`) || strings.Contains(p.body, `data-scheme="Application"`) {
		t.Error("the report's schemes: want delegated only")
	}
	if g := section(p.body, "granted"); !strings.Contains(g, "Mail.ReadWrite") {
		t.Errorf("granted: %q", g)
	}
	if m := section(p.body, "minimal"); !strings.Contains(m, "Mail.Read,") && !strings.HasPrefix(strings.TrimSpace(m), "Mail.Read") {
		t.Errorf("minimal: %q, want Mail.Read", m)
	}
	if n := section(p.body, "narrow"); !strings.Contains(n, "<strong>Mail.ReadWrite</strong> → Mail.Read:") {
		t.Errorf("narrow: %q, want Mail.ReadWrite to Mail.Read", n)
	}
	if d := section(p.body, "denied"); !strings.Contains(d, "GET /users") || !strings.Contains(d, `href="/console/log/`+deniedID+`"`) {
		t.Errorf("denied: %q", d)
	}
	// Since: none of these calls is in the future; a bad value says so.
	if p := b.get("/console/apps/" + app.ClientID + "/report?since=" + url.QueryEscape(time.Now().Add(time.Hour).UTC().Format(time.RFC3339))); p.status != 200 ||
		!strings.Contains(p.body, `id="no-calls"`) {
		t.Errorf("report since a time to come: %d", p.status)
	}
	if p := b.get("/console/apps/" + app.ClientID + "/report?since=soon"); p.status != http.StatusBadRequest {
		t.Errorf("report since soon: %d", p.status)
	}
	if p := b.get("/console/apps/00000000-0000-0000-0000-000000000000/report"); p.status != http.StatusNotFound {
		t.Errorf("an unknown app's report: %d", p.status)
	}
}

// TestLandingParity: the landing page's parity summary counts what the
// running server serves, per workload, from the same classification as
// docs/parity.md, and links the full map, which lists each served path.
func TestLandingParity(t *testing.T) {
	env := servertest.Start(t)
	rows := parity.Classify(routes.Default(), env.Server.Graph().Served())
	totals := parity.Totals(rows)
	served, all := 0, 0
	var mail parity.Total
	for _, tt := range totals {
		served, all = served+tt.Served, all+tt.All()
		if tt.Workload == "Mail" {
			mail = tt
		}
	}
	if served == 0 || mail.Served == 0 || all <= served {
		t.Fatalf("classification: %d of %d served, Mail %+v", served, all, mail)
	}
	b := newBrowser(t, env)
	p := b.get("/")
	for _, want := range []string{
		fmt.Sprintf("%d of %d method+path pairs", served, all),
		fmt.Sprintf("<tr><td>Mail</td><td>%d</td><td>%d</td><td>%d</td></tr>", mail.Served, mail.RuleOnly, mail.All()),
		`href="/parity" id="parity-link"`,
	} {
		if !strings.Contains(p.body, want) {
			t.Errorf("the landing page lacks %q", want)
		}
	}
	p = b.get("/parity")
	if p.status != http.StatusOK || !strings.Contains(p.body, fmt.Sprintf("%d of %d method+path pairs served", served, all)) ||
		!strings.Contains(p.body, "<td>GET</td><td><code>/me/messages</code></td>") {
		t.Errorf("/parity: %d", p.status)
	}
}

// TestConsoleDecisionFault: a request a fault rule answered shows the rule,
// not an engine's reasoning; a request with latency injected and then
// decided shows the decision.
func TestConsoleDecisionFault(t *testing.T) {
	env := servertest.Start(t)
	at := time.Now().Add(-time.Minute)
	row := func(id, reason, check string, status int, detail string) store.Decision {
		return store.Decision{Time: at, RequestID: id, TenantID: demo.TenantID, AppID: "app-1", Scheme: "Application", Method: "GET",
			Route: "/users", Path: "/users", Allowed: status == 200, Status: status, Reason: reason, Check: check, Detail: []byte(detail)}
	}
	if err := env.Server.Store().AppendDecisions(t.Context(), []store.Decision{
		row("req-fault", "fault", "fault:throttle-mail", 429, `{"fault":{"id":"throttle-mail","status":429}}`),
		row("req-slow", "allowed", "permission", 200, `{"allow":true,"reason":"allowed","check":"permission","status":200,"explanation":"Allowed by User.Read.All.","method":"GET","path":"/users","held":["User.Read.All"],"target":{"relation":"tenant"}}`),
		row("req-slow", "fault", "fault:slow", 0, `{"fault":{"id":"slow","latency":"2s"}}`),
	}); err != nil {
		t.Fatal(err)
	}
	b := newBrowser(t, env)
	b.signIn("admin", "/console/")
	if p := b.get("/console/log/req-fault"); p.status != 200 || !strings.Contains(p.body, "Fault injected: GET /users") ||
		!strings.Contains(p.body, "<strong>throttle-mail</strong> answered this request with HTTP 429") {
		t.Errorf("a fault's page: %d\n%s", p.status, p.body)
	}
	if p := b.get("/console/log/req-slow"); p.status != 200 || !strings.Contains(p.body, "Allowed: GET /users") ||
		!strings.Contains(p.body, "Allowed by User.Read.All.") || strings.Contains(p.body, "Fault injected") {
		t.Errorf("a slowed, then decided request: %d\n%s", p.status, p.body)
	}
}

// TestConsoleDecisionAggregated: a row the log writer aggregated (allowed
// requests that repeat) shows its count in the log, and each of its
// requests opens by its own request-id and client-request-id.
func TestConsoleDecisionAggregated(t *testing.T) {
	env := servertest.Start(t)
	at := time.Now().Add(-time.Minute).UTC().Truncate(time.Second)
	d := store.Decision{Time: at, RequestID: "req-first", ClientRequestID: "client-first", TenantID: demo.TenantID, AppID: "app-1",
		Scheme: "Application", Method: "GET", Route: "/users", Path: "/users", Allowed: true, Status: 200, Reason: "allowed",
		Check: "permission", Detail: []byte(`{"allow":true,"reason":"allowed","check":"permission","status":200,"explanation":"Allowed by User.Read.All.","method":"GET","path":"/users","held":["User.Read.All"],"target":{"relation":"tenant"}}`),
		Repeats: []store.Repeat{{Time: at.Add(time.Second), RequestID: "req-second", ClientRequestID: "client-second"},
			{Time: at.Add(2 * time.Second), RequestID: "req-third"}}}
	if err := env.Server.Store().AppendDecisions(t.Context(), []store.Decision{d}); err != nil {
		t.Fatal(err)
	}
	b := newBrowser(t, env)
	b.signIn("admin", "/console/")
	if p := b.get("/console/log"); p.status != 200 || !strings.Contains(p.body, `data-request-id="req-first"`) || !strings.Contains(p.body, "×3") {
		t.Errorf("the log: %d, want the row with ×3\n%s", p.status, p.body)
	}
	for _, tc := range []struct{ id, request string }{
		{"req-first", "req-first"}, {"client-first", "req-first"}, {"req-second", "req-second"}, {"client-second", "req-second"}, {"req-third", "req-third"},
	} {
		p := b.get("/console/log/" + tc.id)
		if p.status != 200 || !strings.Contains(p.body, "Allowed: GET /users") || !strings.Contains(p.body, "<code>"+tc.request+"</code>") ||
			!strings.Contains(p.body, "One of 3 identical allowed requests") {
			t.Errorf("%s: %d, want the decision of %s, one of 3\n%s", tc.id, p.status, tc.request, p.body)
		}
	}
	if p := b.get("/console/log/req-fourth"); p.status != 404 {
		t.Errorf("an unknown request: %d, want 404", p.status)
	}
}
