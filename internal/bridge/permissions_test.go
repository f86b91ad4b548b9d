package bridge_test

import (
	"context"
	"encoding/json"
	"io"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/AzureAD/microsoft-authentication-library-for-go/apps/public"

	"graphgate/internal/bridge"
	"graphgate/internal/bridge/auth"
	"graphgate/internal/demo"
	"graphgate/internal/identity"
)

// passwordLogin signs "home" in with the password grant into the bridge's
// token file (test set-up only: the bridge itself offers device code and
// pasted auth code).
func (s *setup) passwordLogin(userKey string, scopes ...string) {
	s.t.Helper()
	u := s.g.user(userKey)
	cf, err := auth.NewCacheFile(s.cfg.TokenFile(&s.cfg.Accounts[0]))
	if err != nil {
		s.t.Fatal(err)
	}
	c, err := public.New(demo.HomeAssistantAppID, public.WithAuthority(s.g.base+"/"+demo.TenantDomain), public.WithCache(cf),
		public.WithHTTPClient(s.g.client), public.WithInstanceDiscovery(false))
	if err != nil {
		s.t.Fatal(err)
	}
	if _, err := c.AcquireTokenByUsernamePassword(context.Background(), scopes, u.UserPrincipalName, u.Password); err != nil {
		s.t.Fatalf("password sign-in: %v", err)
	}
}

func attrsOf(t *testing.T, w *watcher, topic string) map[string]any {
	t.Helper()
	p, _ := w.get(topic)
	var m map[string]any
	if err := json.Unmarshal(p, &m); err != nil {
		t.Fatalf("%s: %v: %s", topic, err, p)
	}
	return m
}

// TestReadOnlyWhenOnlyReadConsented: with Tasks.Read consented and
// enable_update asking for Tasks.ReadWrite, To Do is read-only: its sensor
// works, its write services are not offered and a call is answered with
// the planner's reason.
func TestReadOnlyWhenOnlyReadConsented(t *testing.T) {
	broker := needBroker(t)
	t.Parallel()
	g := startGraphgate(t, identity.Config{})
	g.consent("adele", "User.Read", "Tasks.Read", "Calendars.Read")
	s := newSetup(t, g, broker, `    enable_calendar: false
    todo_sensors:
      enabled: true
      enable_update: true
`)
	s.passwordLogin("adele", "User.Read")
	logs := &syncBuffer{}
	s.run(logs)
	w := watch(t, broker, s.base+"/#")
	w.waitEq(s.topic("todo/availability"), "online", wait)
	w.waitEq(s.topic("todo_tasks/state"), "2", wait)
	w.waitEq(s.topic("permissions/state"), "read-only", wait)
	perm := attrsOf(t, w, s.topic("permissions/attributes"))
	todo := perm["features"].(map[string]any)["todo"].(map[string]any)
	if todo["status"] != "read-only" || !strings.Contains(todo["explanation"].(string), "Tasks.ReadWrite") {
		t.Errorf("todo feature: %v", todo)
	}
	if !strings.Contains(perm["remedy"].(string), "sign in again (the consent screen will ask for: Tasks.ReadWrite)") &&
		!strings.Contains(perm["remedy"].(string), "Sign in again (the consent screen will ask for: Tasks.ReadWrite)") {
		t.Errorf("remedy: %v", perm["remedy"])
	}
	svc := w.waitJSON(s.topic("services"), wait, func(m map[string]any) bool { return m["unavailable"] != nil })
	if av, _ := json.Marshal(svc["available"]); strings.Contains(string(av), "todo_") {
		t.Errorf("write services offered while read-only: %s", av)
	}
	un := svc["unavailable"].(map[string]any)
	if why, _ := un["todo_complete_task"].(string); !strings.Contains(why, "read-only") {
		t.Errorf("todo_complete_task unavailable because %q", why)
	}
	w.publish(s.topic("command/todo_new_task"), map[string]any{"id": "n1", "list": "Tasks", "subject": "Not allowed"})
	r := w.waitJSON(s.topic("result/todo_new_task"), wait, func(m map[string]any) bool { return m["id"] == "n1" })
	if e, _ := r["error"].(map[string]any); r["ok"] != false || e["code"] != "serviceUnavailable" || !strings.Contains(e["message"].(string), "Tasks.ReadWrite") {
		t.Errorf("new task while read-only: %v", r)
	}
	// The changed scope needs were detected and logged with the remedy.
	if l := logs.String(); !strings.Contains(l, "To Do is read-only") {
		t.Errorf("log lacks the planner's explanation:\n%s", l)
	}
}

// TestMinimumPermissionMissing: To Do configured, Tasks.* not consented:
// the integration's message, the feature off, the rest working.
func TestMinimumPermissionMissing(t *testing.T) {
	broker := needBroker(t)
	t.Parallel()
	g := startGraphgate(t, identity.Config{})
	g.consent("adele", "User.Read", "Calendars.Read")
	s := newSetup(t, g, broker, `    todo_sensors:
      enabled: true
`)
	s.passwordLogin("adele", "User.Read")
	logs := &syncBuffer{}
	s.run(logs)
	w := watch(t, broker, s.base+"/#")
	const msg = "Minimum required permissions not granted: ['Tasks.Read', ['Tasks.ReadWrite']]"
	w.waitEq(s.topic("permissions/state"), "minimum-not-met", wait)
	w.waitEq(s.topic("todo/availability"), "offline", wait)
	w.waitEq(s.topic("calendar/availability"), "online", wait)
	// The calendar still works (ON or OFF depends on the demo's recurring
	// events and the time of day).
	w.wait(s.topic("calendar_calendar/state"), wait, func(p []byte) bool { return string(p) == "ON" || string(p) == "OFF" })
	perm := attrsOf(t, w, s.topic("permissions/attributes"))
	if lm, _ := json.Marshal(perm["legacy_messages"]); !strings.Contains(string(lm), msg) {
		t.Errorf("legacy messages: %s", lm)
	}
	if cm, _ := perm["current_message"].(string); cm != "Minimum required permissions: 'Tasks.Read'. Not available in token 'o365_home.token' for account 'home'." {
		t.Errorf("current message: %q", cm)
	}
	if !strings.Contains(logs.String(), msg) {
		t.Errorf("log lacks %q:\n%s", msg, logs.String())
	}
}

// TestAuthCodePastedAndRevocation: the pasted auth code sign-in, then a
// revoked refresh token reported with its remedy (no crash loop), then a new
// sign-in picked up by the running daemon.
func TestAuthCodePastedAndRevocation(t *testing.T) {
	broker := needBroker(t)
	t.Parallel()
	// A 4-minute token is refreshed at every use (MSAL refreshes 5 minutes
	// early), so the revocation is seen at the next poll.
	g := startGraphgate(t, identity.Config{AccessTokenLifetime: 4 * time.Minute})
	s := newSetup(t, g, broker, `    enable_calendar: false
    todo_sensors:
      enabled: true
`)
	adele := g.user("adele")
	pr, pw := io.Pipe()
	out := &lineWriter{}
	done := make(chan error, 1)
	go func() {
		_, err := bridge.Login(context.Background(), s.cfg, "home", bridge.FlowAuthCode, pr, out, nil)
		done <- err
	}()
	var authURL string
	deadline := time.Now().Add(wait)
	for authURL == "" && time.Now().Before(deadline) {
		for _, l := range strings.Split(out.String(), "\n") {
			if strings.HasPrefix(l, g.base) && strings.Contains(l, "/oauth2/v2.0/authorize?") {
				authURL = strings.TrimSpace(l)
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	if authURL == "" {
		t.Fatalf("no authorize URL printed:\n%s", out.String())
	}
	u, _ := url.Parse(authURL)
	if q := u.Query(); q.Get("code_challenge_method") != "S256" || q.Get("redirect_uri") != auth.NativeClientRedirect || !strings.Contains(q.Get("scope"), "Tasks.Read") {
		t.Errorf("authorize URL: %s", authURL)
	}
	b := g.browser()
	p, err := b.get(authURL)
	if err == nil {
		p, err = b.signIn(p, adele.UserPrincipalName, adele.Password)
	}
	if err != nil || !strings.HasPrefix(p.location, auth.NativeClientRedirect+"?") {
		t.Fatalf("sign-in did not end on the nativeclient page: %v %d %s %.500s", err, p.status, p.location, p.body)
	}
	if _, err := io.WriteString(pw, p.location+"\n"); err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Fatalf("Login: %v\n%s", err, out.String())
	}
	if !strings.Contains(out.String(), "Signed in as adele@contoso.onmicrosoft.com") {
		t.Errorf("login output:\n%s", out.String())
	}

	logs := &syncBuffer{}
	s.run(logs)
	w := watch(t, broker, s.base+"/#")
	w.waitEq(s.topic("permissions/state"), "ok", wait)
	w.waitEq(s.topic("todo/availability"), "online", wait)

	// Revoke every refresh token of the user for the app.
	if _, err := g.srv.Store().RevokeUserTokens(context.Background(), demo.TenantID, adele.ID, demo.HomeAssistantAppID, time.Now()); err != nil {
		t.Fatal(err)
	}
	w.waitEq(s.topic("permissions/state"), "sign-in-again", wait)
	w.waitEq(s.topic("todo/availability"), "offline", wait)
	perm := attrsOf(t, w, s.topic("permissions/attributes"))
	if r, _ := perm["remedy"].(string); !strings.Contains(r, "graphgate bridge login --config "+s.file+" --account home") {
		t.Errorf("remedy: %v", perm)
	}
	// Reported once, retried with back-off: a few attempts, not a loop.
	time.Sleep(3 * time.Second)
	if n := strings.Count(logs.String(), "cannot get a token"); n != 1 {
		t.Errorf("the failure was logged %d times:\n%s", n, logs.String())
	}
	if n := strings.Count(logs.String(), "AADSTS"); n > 3 {
		t.Errorf("too many attempts logged:\n%s", logs.String())
	}
	// A new sign-in (here by password, into the same file) brings the
	// running daemon back.
	g.consent("adele", "User.Read", "Tasks.Read")
	s.passwordLogin("adele", "User.Read", "Tasks.Read")
	w.waitEq(s.topic("permissions/state"), "ok", wait)
	w.waitEq(s.topic("todo/availability"), "online", wait)
}

// TestConfidentialClientAuthCode: with client_secret the account is a
// confidential client: the pasted auth code sign-in, then the daemon
// refreshing from the token file.
func TestConfidentialClientAuthCode(t *testing.T) {
	broker := needBroker(t)
	t.Parallel()
	g := startGraphgate(t, identity.Config{})
	web, _ := g.Demo.AppByKey("webapp")
	s := newSetup(t, g, broker, `    enable_calendar: false
    redirect_uri: http://localhost
    email_sensors:
      - name: Inbox
`)
	s.cfg.Accounts[0].ClientID, s.cfg.Accounts[0].ClientSecret = web.ClientID, web.Secret
	// The device code flow needs a public client.
	if _, err := bridge.Login(context.Background(), s.cfg, "home", bridge.FlowDeviceCode, strings.NewReader(""), io.Discard, nil); err == nil ||
		!strings.Contains(err.Error(), "public client") {
		t.Errorf("device code with a secret: %v", err)
	}
	adele := g.user("adele")
	pr, pw := io.Pipe()
	out := &lineWriter{}
	done := make(chan error, 1)
	go func() {
		_, err := bridge.Login(context.Background(), s.cfg, "home", bridge.FlowAuthCode, pr, out, nil)
		done <- err
	}()
	var authURL string
	for deadline := time.Now().Add(wait); authURL == "" && time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		for _, l := range strings.Split(out.String(), "\n") {
			if strings.Contains(l, "/oauth2/v2.0/authorize?") {
				authURL = strings.TrimSpace(l)
			}
		}
	}
	b := g.browser()
	p, err := b.get(authURL)
	if err == nil {
		p, err = b.signIn(p, adele.UserPrincipalName, adele.Password)
	}
	if err != nil || !strings.HasPrefix(p.location, "http://localhost") {
		t.Fatalf("sign-in: %v %d %q %.300s", err, p.status, p.location, p.body)
	}
	// A pasted address from another sign-in is refused.
	wrong, _ := url.Parse(p.location)
	q := wrong.Query()
	q.Set("state", "another")
	wrong.RawQuery = q.Encode()
	if _, err := io.WriteString(pw, wrong.String()+"\n"); err != nil {
		t.Fatal(err)
	}
	if err := <-done; err == nil || !strings.Contains(err.Error(), "state does not match") {
		t.Fatalf("wrong state: %v", err)
	}
	go func() {
		_, err := bridge.Login(context.Background(), s.cfg, "home", bridge.FlowAuthCode, strings.NewReader(p.location+"\n"), io.Discard, nil)
		done <- err
	}()
	if err := <-done; err == nil {
		t.Fatal("a code redeemed for another sign-in's PKCE verifier was accepted")
	}
	// A fresh sign-in, pasted correctly.
	out2 := &lineWriter{}
	pr2, pw2 := io.Pipe()
	go func() {
		_, err := bridge.Login(context.Background(), s.cfg, "home", bridge.FlowAuthCode, pr2, out2, nil)
		done <- err
	}()
	authURL = ""
	for deadline := time.Now().Add(wait); authURL == "" && time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		for _, l := range strings.Split(out2.String(), "\n") {
			if strings.Contains(l, "/oauth2/v2.0/authorize?") {
				authURL = strings.TrimSpace(l)
			}
		}
	}
	p, err = b.get(authURL) // the browser session signs in without the password page
	if err == nil {
		p, err = b.signIn(p, adele.UserPrincipalName, adele.Password)
	}
	if err != nil || !strings.HasPrefix(p.location, "http://localhost") {
		t.Fatalf("second sign-in: %v %d %q", err, p.status, p.location)
	}
	_, _ = io.WriteString(pw2, p.location+"\n")
	if err := <-done; err != nil {
		t.Fatalf("Login: %v\n%s", err, out2.String())
	}
	s.run(nil)
	w := watch(t, broker, s.base+"/#")
	w.waitEq(s.topic("permissions/state"), "ok", wait)
	w.wait(s.topic("email_inbox/state"), wait, func(p []byte) bool { return len(p) > 0 })
}

// TestNotSignedInThenSignIn: a daemon started before any sign-in reports
// it and picks the sign-in up without a restart.
func TestNotSignedInThenSignIn(t *testing.T) {
	broker := needBroker(t)
	t.Parallel()
	g := startGraphgate(t, identity.Config{})
	g.consent("adele", "User.Read", "Calendars.Read")
	s := newSetup(t, g, broker, "")
	logs := &syncBuffer{}
	s.run(logs)
	w := watch(t, broker, s.base+"/#")
	w.waitEq(s.topic("permissions/state"), "not-signed-in", wait)
	w.waitEq(s.topic("calendar/availability"), "offline", wait)
	perm := attrsOf(t, w, s.topic("permissions/attributes"))
	if r, _ := perm["remedy"].(string); r != "Sign in: graphgate bridge login --config "+s.file+" --account home" {
		t.Errorf("remedy %q", r)
	}
	s.passwordLogin("adele", "User.Read")
	w.waitEq(s.topic("permissions/state"), "ok", wait)
	w.waitEq(s.topic("calendar/availability"), "online", wait)
	w.wait(s.topic("calendar_calendar/state"), wait, func(p []byte) bool { return string(p) == "ON" || string(p) == "OFF" })
	if n := strings.Count(logs.String(), "cannot get a token"); n != 1 {
		t.Errorf("logged %d times:\n%s", n, logs.String())
	}
}

// TestDeniedCallsLinkedToMissingPermissions: Megan is not a delegate of
// the shared mailbox, so Graph refuses the calendar sensor's calls though
// her token holds the .Shared scopes. The Permissions entity lists the
// refused call (method, path, request ids, graphgate's decision and the
// command that explains it) with the feature's missing permissions: none,
// since what is missing is the mailbox's delegation, not a permission.
func TestDeniedCallsLinkedToMissingPermissions(t *testing.T) {
	broker := needBroker(t)
	t.Parallel()
	g := startGraphgate(t, identity.Config{})
	g.consent("megan", "User.Read", "Calendars.Read.Shared", "Calendars.ReadWrite.Shared", "Mail.Read.Shared")
	s := newSetup(t, g, broker, `    shared_mailbox: support@`+demo.TenantDomain+`
`)
	s.passwordLogin("megan", "User.Read")
	s.run(io.Discard)
	w := watch(t, broker, s.base+"/#")
	p := w.wait(s.topic("permissions/attributes"), wait, func(p []byte) bool { return strings.Contains(string(p), `"denied_calls"`) })
	var perm struct {
		DeniedCalls []struct {
			Feature    string   `json:"feature"`
			Method     string   `json:"method"`
			Path       string   `json:"path"`
			Status     int      `json:"status"`
			RequestIDs []string `json:"request_ids"`
			Missing    []string `json:"missing"`
			Decision   string   `json:"decision"`
			Explain    string   `json:"explain"`
		} `json:"denied_calls"`
	}
	if err := json.Unmarshal(p, &perm); err != nil {
		t.Fatal(err)
	}
	d := perm.DeniedCalls[0]
	if d.Feature != "calendar" || d.Method != "GET" || !strings.HasPrefix(d.Path, "/v1.0/users/support@") || d.Status != 403 ||
		len(d.RequestIDs) == 0 || d.Missing == nil || len(d.Missing) != 0 || !strings.HasPrefix(d.Decision, "not_shared; check=relation") ||
		d.Explain != "graphgate explain --request-id "+d.RequestIDs[len(d.RequestIDs)-1] {
		t.Errorf("denied call: %+v", d)
	}
}
