package identity

import (
	"html"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"graphgate/internal/store"
)

// TestErrorPages: the /error?code= page (every error's error_uri) and the
// sign-in flow's error pages say what went wrong and how to fix it with
// graphgate's own commands, naming the app and address when they know
// them.
func TestErrorPages(t *testing.T) {
	h := newHarness(t, Config{})
	for _, c := range []struct {
		path  string
		title string
		want  []string // in the page's text
		not   []string
	}{
		{"/error?code=50011", "Error AADSTS50011", []string{"not registered", "graphgate app show APP", "graphgate app add-redirect APP URI"}, nil},
		{"/error?code=50053", "Error AADSTS50053", []string{"smart lockout", "graphgate serve --lockout-threshold 0"}, nil},
		{"/error?code=50126", "Error AADSTS50126", []string{"graphgate demo", "graphgate user set-password UPN"}, nil},
		{"/error?code=65001", "Error AADSTS65001", []string{`graphgate consent grant --app APP --user UPN --scopes "User.Read"`}, nil},
		{"/error?code=500011", "Error AADSTS500011", []string{"--audience multiorg", "graphgate consent grant --app API --all-users --tenant TENANT"}, nil},
		{"/error?code=90033", "Error AADSTS90033", []string{"trace id"}, nil},
		{"/error?code=12345", "Error", []string{"error_description"}, []string{"How to fix it"}},
		{"/error?code=%3Cscript%3E", "Error", []string{"error_description"}, []string{"<script>"}},
	} {
		r := h.get(h.client, c.path)
		text := pageText(r.body)
		if r.status != http.StatusOK || !strings.Contains(r.body, "<h1>"+c.title+"</h1>") {
			t.Errorf("%s: %d, want the page %q: %s", c.path, r.status, c.title, text)
		}
		for _, w := range c.want {
			if !strings.Contains(text, w) {
				t.Errorf("%s lacks %q: %s", c.path, w, text)
			}
		}
		for _, w := range c.not {
			if strings.Contains(r.body, w) {
				t.Errorf("%s has %q", c.path, w)
			}
		}
	}

	// The redirect URI mismatch page names this app and this address.
	bad := "https://app.example/cb"
	r := h.get(h.client, "/organizations/oauth2/v2.0/authorize?"+form("client_id", haID, "response_type", "code", "redirect_uri", bad,
		"scope", "User.Read", "code_challenge", pkceChallenge, "code_challenge_method", "S256").Encode())
	text := pageText(r.body)
	for _, w := range []string{"AADSTS50011", "graphgate app add-redirect " + haID + " " + bad, "graphgate app show " + haID} {
		if r.status != http.StatusBadRequest || !strings.Contains(text, w) {
			t.Errorf("redirect URI mismatch page (%d) lacks %q: %s", r.status, w, text)
		}
	}
	// An unknown app's page lists the tenant's apps.
	r = h.get(h.client, "/contoso.test/oauth2/v2.0/authorize?"+form("client_id", "99999999-9999-4999-8999-999999999999",
		"response_type", "code", "redirect_uri", redirect, "scope", "User.Read").Encode())
	if text := pageText(r.body); !strings.Contains(text, "graphgate app list --tenant Contoso") {
		t.Errorf("unknown app page: %s", text)
	}
}

// TestEveryErrorHasHelp: every AADSTS code the identity platform answers
// with has an entry on the error pages.
func TestEveryErrorHasHelp(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	re := regexp.MustCompile(`newErr\("[a-z_]+", (\d+),`)
	seen := 0
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range re.FindAllStringSubmatch(string(b), -1) {
			seen++
			code, _ := strconv.Atoi(m[1])
			if _, ok := errorHelps[code]; !ok {
				t.Errorf("%s: AADSTS%d has no help on the error pages (errorhelp.go)", f, code)
			}
		}
	}
	if seen < 40 {
		t.Errorf("found only %d error constructors", seen)
	}
}

// TestErrorURIAbsolute: error_uri is an absolute URL on the request's host
// (as discovery's URLs are), in JSON errors and in errors sent to the
// redirect URI, and follows X-Forwarded-Host when the server trusts it.
func TestErrorURIAbsolute(t *testing.T) {
	h := newHarness(t, Config{})
	r := h.token(h.contoso.ID, passwordGrant(haID, h.adele.UserPrincipalName, "wrong", "User.Read"))
	if r.str("error_uri") != h.base+"/error?code=50126" {
		t.Errorf("token endpoint error_uri %q, want %s/error?code=50126", r.str("error_uri"), h.base)
	}
	r = h.get(h.client, "/organizations/oauth2/v2.0/authorize?"+form("client_id", haID, "response_type", "code", "redirect_uri", redirect,
		"scope", "Nope.Nothing", "code_challenge", pkceChallenge, "code_challenge_method", "S256").Encode())
	loc, err := url.Parse(r.header.Get("Location"))
	if err != nil || loc.Query().Get("error_uri") != h.base+"/error?code=70011" {
		t.Errorf("redirected error_uri in %s", r.header.Get("Location"))
	}

	fw := newHarness(t, Config{TrustForwarded: true})
	req, _ := http.NewRequest(http.MethodPost, fw.base+"/"+fw.contoso.ID+"/oauth2/v2.0/token",
		strings.NewReader(passwordGrant(haID, fw.adele.UserPrincipalName, "wrong", "User.Read").Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("X-Forwarded-Proto", "https")
	req.Header.Set("X-Forwarded-Host", "login.graphgate.test")
	if r := fw.do(fw.client, req); r.str("error_uri") != "https://login.graphgate.test/error?code=50126" {
		t.Errorf("behind a proxy, error_uri %q", r.str("error_uri"))
	}
}

// TestLogoutRedirect: logout returns to a registered address exactly as
// given, with state only when the app sent one (no stray "?"); a loopback
// address may differ from the registered one in its port only, so a query
// must be registered (RFC 8252 §7.3) and an unregistered one gets no
// redirect.
func TestLogoutRedirect(t *testing.T) {
	h := newHarness(t, Config{})
	withQuery := "http://localhost:8400/?x=1"
	if err := h.st.UpdateApp(t.Context(), haID, func(a store.App) (store.App, error) {
		a.RedirectURIs = append(a.RedirectURIs, store.RedirectURI{URI: "http://localhost/?x=1", Kind: store.RedirectPublicClient})
		return a, nil
	}); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ target, state, want string }{
		{redirect, "", redirect},
		{redirect, "abc", redirect + "?state=abc"},
		{withQuery, "", withQuery},
		{withQuery, "abc", withQuery + "&state=abc"},
	} {
		q := url.Values{"post_logout_redirect_uri": {c.target}}
		if c.state != "" {
			q.Set("state", c.state)
		}
		r := h.get(h.client, "/common/oauth2/v2.0/logout?"+q.Encode())
		if r.status != http.StatusFound || r.header.Get("Location") != c.want {
			t.Errorf("logout to %s (state %q): %d %q, want %q", c.target, c.state, r.status, r.header.Get("Location"), c.want)
		}
	}
	q := url.Values{"post_logout_redirect_uri": {"http://localhost:8400/?next=https://evil.example"}}
	if r := h.get(h.client, "/common/oauth2/v2.0/logout?"+q.Encode()); r.status == http.StatusFound || r.header.Get("Location") != "" {
		t.Errorf("logout to a loopback address with an unregistered query: %d %q", r.status, r.header.Get("Location"))
	}
}

// TestSignInField: the user name field takes user principal names, guests'
// #EXT# names included (type=email accepts them: Chromium checks this in
// e2e), is labelled with what graphgate accepts, and a guest signs in.
func TestSignInField(t *testing.T) {
	h := newHarness(t, Config{})
	p := h.signInPage(h.client, "organizations", haID, "User.Read")
	if !strings.Contains(p.body, `<label for="username">Email or user principal name</label>`) ||
		!regexp.MustCompile(`<input type="email" id="username" name="username" value="" autocomplete="username"`).MatchString(p.body) {
		t.Errorf("sign-in field: %s", p.body)
	}
	guest := store.User{ID: "aaaaaaaa-0000-4000-8000-000000000009", TenantID: h.contoso.ID, UserPrincipalName: "kim_fabrikam.test#EXT#@contoso.test",
		Kind: store.UserGuest, AccountEnabled: true, PasswordHash: mustUser(t, h, h.adele).PasswordHash, Version: 1}
	if err := h.st.CreateUser(t.Context(), guest); err != nil {
		t.Fatal(err)
	}
	if r := h.login(h.client, p, guest.UserPrincipalName, userPassword); r.status != http.StatusFound || !strings.Contains(r.header.Get("Location"), "code=") {
		t.Errorf("a guest signing in: %s", r)
	}
}

func mustUser(t *testing.T, h *harness, u store.User) store.User {
	t.Helper()
	got, err := h.st.GetUser(t.Context(), u.TenantID, u.ID)
	if err != nil {
		t.Fatal(err)
	}
	return got
}

var tagRE = regexp.MustCompile(`<[^>]+>`)

// pageText is a page's text, tags removed, entities decoded, spaces
// collapsed.
func pageText(body string) string {
	return strings.Join(strings.Fields(html.UnescapeString(tagRE.ReplaceAllString(body, " "))), " ")
}
