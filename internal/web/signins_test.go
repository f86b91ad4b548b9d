package web_test

import (
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
	"graphgate/internal/server/servertest"
	"graphgate/internal/store"
)

var (
	signInCodeRe = regexp.MustCompile(`data-error-code="(\d+)"`)
	signInIDRe   = regexp.MustCompile(`data-signin-id="([^"]+)"`)
)

// signInCodes are the error codes of a sign-in log page's rows, in its
// order (0: success).
func signInCodes(body string) []string {
	var out []string
	for _, m := range signInCodeRe.FindAllStringSubmatch(body, -1) {
		out = append(out, m[1])
	}
	return out
}

// TestConsoleSignIns signs Adele in with the password grant on a real
// server — once right, once with a wrong password, once for a permission
// no one consented to — and finds the three in the console's sign-in log
// as an administrator would: newest first, failures with their AADSTS
// code and the error page's explanation, links to the user and the app,
// the filters; a non-administrator is refused.
func TestConsoleSignIns(t *testing.T) {
	env := servertest.Start(t)
	app, adele := env.App("homeassistant"), env.User("adele")
	env.Consent(app.ClientID, adele.ID, "User.Read")
	token := func(pw, scope string) int {
		res, err := env.Client.PostForm(env.Base+"/"+demo.TenantID+"/oauth2/v2.0/token", url.Values{"grant_type": {"password"},
			"client_id": {app.ClientID}, "username": {adele.UserPrincipalName}, "password": {pw}, "scope": {scope}})
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, res.Body)
		res.Body.Close()
		return res.StatusCode
	}
	if st := token(adele.Password, "User.Read"); st != 200 {
		t.Fatalf("the right password: %d", st)
	}
	if st := token("wrong password", "User.Read"); st != 400 {
		t.Fatalf("a wrong password: %d", st)
	}
	if st := token(adele.Password, "Mail.Send"); st != 400 {
		t.Fatalf("a permission not consented: %d", st)
	}
	if err := env.Server.FlushSignInLog(t.Context()); err != nil {
		t.Fatal(err)
	}
	b := newBrowser(t, env)
	b.signIn("admin", "/console/")
	adeleQ := "?user=" + url.QueryEscape(strings.ToUpper(adele.UserPrincipalName))
	for _, tc := range []struct {
		name, query string
		want        []string
		status      int
	}{
		{"a user by UPN, any case, newest first", adeleQ, []string{"65001", "50126", "0"}, 200},
		{"a user by id", "?user=" + adele.ID, []string{"65001", "50126", "0"}, 200},
		{"failures", adeleQ + "&status=failure", []string{"65001", "50126"}, 200},
		{"successes", adeleQ + "&status=success", []string{"0"}, 200},
		{"the app by name", "?app=" + url.QueryEscape(app.DisplayName) + "&user=" + adele.ID, []string{"65001", "50126", "0"}, 200},
		{"an app no one signed in to", "?app=" + url.QueryEscape("Contoso Daemon"), nil, 200},
		{"since an hour", adeleQ + "&since=1h", []string{"65001", "50126", "0"}, 200},
		{"since a time to come", adeleQ + "&since=" + time.Now().Add(time.Hour).UTC().Format(time.RFC3339), nil, 200},
		{"since unreadable", "?since=yesterday", nil, 400},
		{"an unknown status", "?status=maybe", nil, 400},
		{"a forged page link", "?before=-4", nil, 400},
	} {
		p := b.get("/console/signins" + tc.query)
		if p.status != tc.status {
			t.Errorf("%s: %d, want %d", tc.name, p.status, tc.status)
			continue
		}
		if got := signInCodes(p.body); !slices.Equal(got, tc.want) {
			t.Errorf("%s: rows %v, want %v", tc.name, got, tc.want)
		}
	}
	// The console's own sign-in (the administrator's) is there too.
	if err := env.Server.FlushSignInLog(t.Context()); err != nil {
		t.Fatal(err)
	}
	if p := b.get("/console/signins?user=" + env.User("admin").ID); !slices.Equal(signInCodes(p.body), []string{"0"}) ||
		!strings.Contains(p.body, "interactive, interactive") {
		t.Errorf("the administrator's console sign-in: %v", signInCodes(p.body))
	}
	p := b.get("/console/signins" + adeleQ)
	for _, want := range []string{
		`href="/error?code=50126">AADSTS50126</a>`, "The user name or the password is wrong.",
		`href="/error?code=65001">AADSTS65001</a>`,
		`href="/console/users/` + adele.ID + `"`, `href="/console/enterprise/` + app.ClientID + `"`,
		"non-interactive, password", "for Microsoft Graph", "from 127.0.0.1", `aria-current="page">Sign-ins`, `<label for="f-status">`,
	} {
		if !strings.Contains(p.body, want) {
			t.Errorf("the sign-in log lacks %q", want)
		}
	}
	// The user's page links to their sign-ins.
	if u := b.get("/console/users/" + adele.ID); !strings.Contains(u.body, `href="/console/signins?user=`+adele.ID+`"`) {
		t.Error("the user page has no Sign-ins link")
	}
	// Not for a user without an administrator role.
	nb := newBrowser(t, env)
	nb.signIn("adele", "/console/")
	if p := nb.get("/console/signins"); p.status != http.StatusForbidden || signInIDRe.MatchString(p.body) {
		t.Errorf("a non-administrator: %d", p.status)
	}
}

// TestConsoleSignInsPaging: a page is at most 50 rows, newest first, and
// the next page starts below the last row shown (keyset), the filters
// kept in the link.
func TestConsoleSignInsPaging(t *testing.T) {
	env := servertest.Start(t)
	const n = 120
	var xs []store.SignIn
	at := time.Now().Add(-time.Hour)
	for i := range n {
		x := store.SignIn{ID: fmt.Sprintf("si-%03d", i), Time: at.Add(time.Duration(i) * time.Second), TenantID: demo.TenantID,
			AppID: "app-1", AppName: "Paging App", UserUPN: "nobody@contoso.example", GrantType: "password"}
		if i%2 == 1 {
			x.ErrorCode, x.FailureReason = 50126, "AADSTS50126: wrong"
		}
		xs = append(xs, x)
	}
	if err := env.Server.Store().AppendSignIns(t.Context(), xs); err != nil {
		t.Fatal(err)
	}
	b := newBrowser(t, env)
	b.signIn("admin", "/console/")
	ids := func(body string) []string {
		var out []string
		for _, m := range signInIDRe.FindAllStringSubmatch(body, -1) {
			out = append(out, m[1])
		}
		return out
	}
	next := regexp.MustCompile(`<a href="([^"]+)" id="next-page">`)
	path := "/console/signins?app=Paging+App&status=failure"
	var seen []string
	for page := 0; path != ""; page++ {
		p := b.get(html.UnescapeString(path))
		got := ids(p.body)
		if p.status != 200 {
			t.Fatalf("page %d (%s): %d\n%s", page, path, p.status, p.body)
		}
		if len(got) > 50 {
			t.Fatalf("page %d: %d rows", page, len(got))
		}
		seen = append(seen, got...)
		if page == 0 && !next.MatchString(p.body) {
			t.Fatalf("no next page link:\n%s", p.body)
		}
		path = ""
		if m := next.FindStringSubmatch(p.body); m != nil {
			path = m[1]
		}
	}
	if len(seen) != n/2 || seen[0] != "si-119" || seen[len(seen)-1] != "si-001" {
		t.Errorf("paged through %d failures (%v … %v), want 60 from si-119 to si-001", len(seen), seen[:1], seen[len(seen)-1:])
	}
}

// TestConsoleSignInsGrouped: the daemon's client-credentials sign-ins are
// one row ×3 in the console, as Entra ID groups service principal
// sign-ins, and the id filter finds each of them, as itself, by its id or
// its correlation id.
func TestConsoleSignInsGrouped(t *testing.T) {
	env := servertest.Start(t)
	daemon := env.App("daemon")
	var ids []string
	for range 3 {
		res, err := env.Client.PostForm(env.Base+"/"+demo.TenantID+"/oauth2/v2.0/token", url.Values{"grant_type": {"client_credentials"},
			"client_id": {daemon.ClientID}, "client_secret": {daemon.Secret}, "scope": {"https://graph.microsoft.com/.default"}})
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, res.Body)
		res.Body.Close()
		if res.StatusCode != 200 {
			t.Fatalf("client credentials: %d", res.StatusCode)
		}
		ids = append(ids, res.Header.Get("x-ms-request-id"))
	}
	if err := env.Server.FlushSignInLog(t.Context()); err != nil {
		t.Fatal(err)
	}
	b := newBrowser(t, env)
	b.signIn("admin", "/console/")
	p := b.get("/console/signins?app=" + daemon.ClientID)
	if got := signInIDRe.FindAllStringSubmatch(p.body, -1); len(got) != 1 || got[0][1] != ids[0] ||
		!strings.Contains(p.body, `data-count="3"`) || !strings.Contains(p.body, "×3</span>") {
		t.Fatalf("the daemon's sign-ins: want one row ×3 with the first's id %s\n%s", ids[0], p.body)
	}
	for _, q := range []string{"?id=" + ids[1], "?app=" + url.QueryEscape(daemon.DisplayName) + "&id=" + ids[1]} {
		p := b.get("/console/signins" + q)
		if got := signInIDRe.FindAllStringSubmatch(p.body, -1); len(got) != 1 || got[0][1] != ids[1] || !strings.Contains(p.body, `data-count="3"`) {
			t.Errorf("%s: want the second sign-in, as one of 3\n%s", q, p.body)
		}
	}
	if p := b.get("/console/signins?id=not-an-id"); len(signInIDRe.FindAllString(p.body, -1)) != 0 || !strings.Contains(p.body, "matches these filters") {
		t.Errorf("an unknown id: want no row")
	}
}
