package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"graphgate/internal/demo"
	"graphgate/internal/report"
	"graphgate/internal/server"
	"graphgate/internal/server/servertest"
)

// logEnv is a real server whose decision log the commands read, and a
// delegated token of the Home Assistant app for Adele, granted
// Mail.ReadWrite only.
type logEnv struct {
	*servertest.Env
	data, token string
}

func startLogEnv(t *testing.T) *logEnv {
	t.Helper()
	var data string
	env := servertest.Start(t, func(c *server.Config) { data = c.DataDir })
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
		Scope       string `json:"scope"`
	}
	if err := json.NewDecoder(res.Body).Decode(&tok); err != nil || tok.AccessToken == "" {
		t.Fatalf("token: status %d, %v", res.StatusCode, err)
	}
	return &logEnv{Env: env, data: data, token: tok.AccessToken}
}

// call makes a Graph call and returns the status and the request-id.
func (e *logEnv) call(t *testing.T, method, path, clientRequestID string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(method, e.Base+"/v1.0"+path, nil)
	req.Header.Set("Authorization", "Bearer "+e.token)
	if clientRequestID != "" {
		req.Header.Set("client-request-id", clientRequestID)
	}
	res, err := e.Client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, res.Body)
	res.Body.Close()
	return res.StatusCode, res.Header.Get("request-id")
}

// run runs graphgate with args on the server's data folder.
func (e *logEnv) run(t *testing.T, ctx context.Context, args ...string) (int, string, string) {
	t.Helper()
	var out, errb syncBuffer
	code := MainContext(ctx, append(args, "--data", e.data), strings.NewReader(""), &out, &errb)
	return code, out.String(), errb.String()
}

// TestDecisionLogEndToEnd makes allowed and denied Graph calls on a real
// server, then reads them back as a user would: the denied ones with
// 'graphgate log --denied --json', one explained with 'graphgate explain
// --request-id', and the least-privilege report built from the log, which
// tells the app granted Mail.ReadWrite that reads mail that Mail.Read
// would do.
func TestDecisionLogEndToEnd(t *testing.T) {
	e := startLogEnv(t)
	for _, path := range []string{"/me/messages", "/me/messages?$top=1", "/me/mailFolders/inbox/messages"} {
		if st, _ := e.call(t, "GET", path, ""); st != 200 {
			t.Fatalf("GET %s: %d, want 200", path, st)
		}
	}
	st, deniedID := e.call(t, "GET", "/users", "client-7f3a")
	if st != 403 {
		t.Fatalf("GET /users with Mail.ReadWrite: %d, want 403", st)
	}
	if err := e.Server.FlushDecisionLog(t.Context()); err != nil {
		t.Fatal(err)
	}

	code, out, errOut := e.run(t, t.Context(), "log", "--denied", "--json")
	if code != 0 {
		t.Fatalf("log --denied --json: exit %d: %s", code, errOut)
	}
	var rows []logRow
	if err := json.Unmarshal([]byte(out), &rows); err != nil {
		t.Fatalf("log --json: %v\n%s", err, out)
	}
	if len(rows) != 1 {
		t.Fatalf("log --denied: %d rows, want the one denied call\n%s", len(rows), out)
	}
	r := rows[0]
	if r.RequestID != deniedID || r.ClientRequestID != "client-7f3a" || r.Method != "GET" || r.Route != "/users" || r.Allowed ||
		r.Status != 403 || r.Reason != "missing_permission" || r.Check != "permission" || r.Scheme != "DelegatedWork" ||
		r.AppID != e.App("homeassistant").ClientID || r.AppName == "" || r.UserUPN != e.User("adele").UserPrincipalName ||
		!slices.Contains(r.Held, "Mail.ReadWrite") || len(r.WouldAllow) == 0 || r.WouldAllow[0] != "User.ReadBasic.All" {
		t.Errorf("the denied call as logged: %+v", r)
	}

	code, out, _ = e.run(t, t.Context(), "log")
	if code != 0 || strings.Count(out, "allowed 200") != 3 || strings.Count(out, "DENIED 403") != 1 ||
		!strings.Contains(out, "missing_permission: needs User.ReadBasic.All") || !strings.Contains(out, "Mail.ReadWrite") {
		t.Errorf("log (table): exit %d\n%s", code, out)
	}
	code, out, _ = e.run(t, t.Context(), "log", "--route", "/me/messages", "--user", strings.ToUpper(e.User("adele").UserPrincipalName), "--json")
	if err := json.Unmarshal([]byte(out), &rows); code != 0 || err != nil || len(rows) != 2 {
		t.Errorf("log --route /me/messages --user ADELE: exit %d, %d rows (%v)", code, len(rows), err)
	}
	code, out, _ = e.run(t, t.Context(), "log", "--app", "Contoso Daemon", "--json")
	if code != 0 || strings.TrimSpace(out) != "[]" {
		t.Errorf("log --app of an app that made no call: exit %d, %s", code, out)
	}

	// explain --request-id, by the client-request-id and by the request-id.
	for _, id := range []string{"client-7f3a", deniedID} {
		code, out, _ = e.run(t, t.Context(), "explain", "--request-id", id, "--json")
		if code != ExitNegative {
			t.Fatalf("explain --request-id %s of a denied call: exit %d, want %d", id, code, ExitNegative)
		}
		var x recordedOut
		if err := json.Unmarshal([]byte(out), &x); err != nil {
			t.Fatal(err)
		}
		d := x.Decision
		if d.Reason != "missing_permission" || d.Check != "permission" || d.Route != "/users" || d.Account != "work or school account" ||
			d.Target.Relation != "the tenant" || !slices.Contains(d.Held, "Mail.ReadWrite") || len(d.Candidates) < 2 ||
			!strings.Contains(d.Explanation, "needs one of User.ReadBasic.All") || !strings.HasPrefix(d.Summary, "missing_permission; check=permission; ") ||
			x.RequestID != deniedID {
			t.Errorf("explain --request-id %s: %+v", id, x)
		}
	}
	code, out, _ = e.run(t, t.Context(), "explain", "--request-id", deniedID)
	for _, want := range []string{"DENIED  GET /v1.0/users", "would allow", "User.ReadBasic.All", "token held", "Mail.ReadWrite",
		"account", "work or school account", "target", "the tenant"} {
		if !strings.Contains(out, want) {
			t.Errorf("explain --request-id (text) lacks %q:\n%s", want, out)
		}
	}
	if code, _, errOut = e.run(t, t.Context(), "explain", "--request-id", "no-such-request"); code != ExitNotFound ||
		!strings.Contains(errOut, "graphgate log") {
		t.Errorf("explain --request-id of an unknown request: exit %d, %s", code, errOut)
	}

	// The least-privilege report from the log: Mail.Read is enough for the
	// mail, Mail.ReadWrite narrows to it; the refused /users call needs
	// User.Read.All.
	code, out, errOut = e.run(t, t.Context(), "report", "least-privilege", "--from-log", "--app", "Home Assistant O365", "--json")
	if code != ExitNegative {
		t.Fatalf("report --from-log: exit %d, want %d (the grant is not minimal)\n%s", code, ExitNegative, errOut)
	}
	var rep report.Report
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatal(err)
	}
	if rep.Calls != 4 || len(rep.Groups) != 1 {
		t.Fatalf("report: %d calls, %d groups, want 4 calls of one app and scheme\n%s", rep.Calls, len(rep.Groups), out)
	}
	g := rep.Groups[0]
	var minimal []string
	for _, p := range g.Minimal.Permissions {
		minimal = append(minimal, p.Permission)
	}
	slices.Sort(minimal)
	// GET /users without $select reads more than User.ReadBasic.All's
	// basic profile: the report asks for User.Read.All (internal/report).
	if strings.Join(minimal, " ") != "Mail.Read User.Read.All" || !g.Minimal.Exact {
		t.Errorf("minimal set %v (exact %v), want Mail.Read and User.Read.All", minimal, g.Minimal.Exact)
	}
	if len(g.Narrow) != 1 || g.Narrow[0].From != "Mail.ReadWrite" || strings.Join(g.Narrow[0].To, " ") != "Mail.Read" {
		t.Errorf("narrow %+v, want Mail.ReadWrite to Mail.Read", g.Narrow)
	}
	if len(g.Denied) != 1 || g.Denied[0].Template != "/users" || !slices.Contains(g.Denied[0].RequestIDs, deniedID) {
		t.Errorf("denied %+v, want GET /users with its request id", g.Denied)
	}
	if code, out, _ = e.run(t, t.Context(), "report", "least-privilege", "--from-log", "--since", "1h"); code != ExitNegative ||
		!strings.Contains(out, "Narrow:   Mail.ReadWrite to Mail.Read") {
		t.Errorf("report --from-log --since 1h (table): exit %d\n%s", code, out)
	}
}

// TestLogFollow: 'graphgate log --follow' prints the decisions recorded
// after it started, and stops when its context ends (Ctrl-C).
func TestLogFollow(t *testing.T) {
	e := startLogEnv(t)
	e.call(t, "GET", "/me/messages", "before")
	if err := e.Server.FlushDecisionLog(t.Context()); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	var out, errb syncBuffer
	done := make(chan int)
	go func() {
		done <- MainContext(ctx, []string{"log", "--follow", "--json", "--interval", "10ms", "--data", e.data}, strings.NewReader(""), &out, &errb)
	}()
	// The first line is the decision made before; then two new ones.
	e.call(t, "GET", "/users", "after-1")
	e.call(t, "GET", "/me/messages", "after-2")
	if err := e.Server.FlushDecisionLog(t.Context()); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(20 * time.Second)
	for strings.Count(out.String(), "\n") < 3 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond) // waiting for the command's output, not for time to pass
	}
	cancel()
	if code := <-done; code != 0 {
		t.Fatalf("log --follow: exit %d: %s", code, errb.String())
	}
	var ids []string
	for _, line := range strings.Split(strings.TrimSpace(out.String()), "\n") {
		var r logRow
		if err := json.Unmarshal([]byte(line), &r); err != nil {
			t.Fatalf("log --follow --json line %q: %v", line, err)
		}
		ids = append(ids, r.ClientRequestID)
	}
	if strings.Join(ids, " ") != "before after-1 after-2" {
		t.Errorf("log --follow printed %v, want before, after-1, after-2", ids)
	}
}

// TestExplainAggregatedRequests: allowed requests that repeat are one row
// of the log (with their count and ids), and explain --request-id finds
// each by its request-id and client-request-id as itself; the report reads
// one call per request.
func TestExplainAggregatedRequests(t *testing.T) {
	e := startLogEnv(t)
	var ids []string
	for i := range 3 {
		st, id := e.call(t, "GET", "/me/messages", fmt.Sprintf("client-agg-%d", i))
		if st != 200 {
			t.Fatalf("GET /me/messages: %d, want 200", st)
		}
		ids = append(ids, id)
	}
	if err := e.Server.FlushDecisionLog(t.Context()); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := e.run(t, t.Context(), "log", "--json")
	var rows []logRow
	if err := json.Unmarshal([]byte(out), &rows); code != 0 || err != nil {
		t.Fatalf("log --json: exit %d (%v): %s", code, err, errOut)
	}
	if len(rows) != 1 || rows[0].Count != 3 || rows[0].RequestID != ids[0] || len(rows[0].Repeats) != 2 ||
		rows[0].Repeats[0].RequestID != ids[1] || rows[0].Repeats[1].ClientRequestID != "client-agg-2" || rows[0].LastTime == nil {
		t.Fatalf("log --json: want one row of 3 requests\n%s", out)
	}
	if code, out, _ = e.run(t, t.Context(), "log"); code != 0 || !strings.Contains(out, "allowed 200 ×3") {
		t.Errorf("log (table): exit %d, want the row with ×3\n%s", code, out)
	}
	for i, id := range ids {
		for _, key := range []string{id, fmt.Sprintf("client-agg-%d", i)} {
			code, out, _ := e.run(t, t.Context(), "explain", "--request-id", key, "--json")
			var x recordedOut
			if err := json.Unmarshal([]byte(out), &x); code != 0 || err != nil {
				t.Fatalf("explain --request-id %s: exit %d (%v)\n%s", key, code, err, out)
			}
			if x.RequestID != id || x.ClientRequestID != fmt.Sprintf("client-agg-%d", i) || x.Count != 3 || !x.Allowed ||
				x.Decision.Route != "/me/messages" {
				t.Errorf("explain --request-id %s: %+v", key, x)
			}
		}
	}
	code, out, _ = e.run(t, t.Context(), "explain", "--request-id", "client-agg-1")
	if code != 0 || !strings.Contains(out, "Request "+ids[1]) || !strings.Contains(out, "one of 3 identical allowed requests") {
		t.Errorf("explain --request-id (text): exit %d\n%s", code, out)
	}
	code, out, errOut = e.run(t, t.Context(), "report", "least-privilege", "--from-log", "--app", "Home Assistant O365", "--json")
	var rep report.Report
	if err := json.Unmarshal([]byte(out), &rep); err != nil || rep.Calls != 3 {
		t.Errorf("report --from-log: exit %d, %d calls (%v), want 3\n%s", code, rep.Calls, err, errOut)
	}
}
