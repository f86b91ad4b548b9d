package e2e

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"graphgate/internal/demo"
	"graphgate/internal/store"
)

// xss is a payload for every HTML context a parameter may land in: text,
// a quoted attribute, a URL.
const xss = `"'><script>alert(1)</script><img src=x onerror=alert(1)>`

// rawPage is an HTML answer with its headers.
type rawPage struct {
	status int
	header http.Header
	body   string
}

func fetchPage(t *testing.T, c *http.Client, method, u string, form url.Values) rawPage {
	t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, _ := http.NewRequest(method, u, body)
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	res, err := c.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, u, err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return rawPage{status: res.StatusCode, header: res.Header, body: string(b)}
}

// wantSafePage checks an HTML page: the payload's markup never appears as
// markup (html/template's contextual escaping, OWASP XSS prevention rules
// 1–2 and 5), reflected shows it was reflected escaped, and the headers
// keep the page out of frames (RFC 7034, CSP frame-ancestors: clickjacking
// of the sign-in and consent pages, RFC 6819 §4.4.1.9) and caches.
func wantSafePage(t *testing.T, p rawPage, reflected bool) {
	t.Helper()
	for _, raw := range []string{"<script>alert(1)", "<img src=x", "onerror=alert(1)>"} {
		if strings.Contains(p.body, raw) {
			t.Errorf("the page holds %q unescaped (status %d):\n%s", raw, p.status, clip(p.body, 600))
		}
	}
	if reflected && !strings.Contains(p.body, "&lt;script&gt;alert(1)") && !strings.Contains(p.body, "%3Cscript%3Ealert%281%29") {
		t.Errorf("the payload is not on the page (status %d): the test no longer reaches the reflection\n%s", p.status, clip(p.body, 600))
	}
	h := p.header
	if ct := h.Get("Content-Type"); ct != "text/html; charset=utf-8" {
		t.Errorf("Content-Type %q", ct)
	}
	csp := h.Get("Content-Security-Policy")
	for _, d := range []string{"default-src 'none'", "frame-ancestors 'none'"} {
		if !strings.Contains(csp, d) {
			t.Errorf("Content-Security-Policy %q lacks %s", csp, d)
		}
	}
	if h.Get("X-Frame-Options") != "DENY" {
		t.Errorf("X-Frame-Options %q", h.Get("X-Frame-Options"))
	}
	if !strings.Contains(h.Get("Cache-Control"), "no-store") {
		t.Errorf("Cache-Control %q", h.Get("Cache-Control"))
	}
}

// TestSecurityPagesEscapeInput puts an XSS payload in every parameter the
// HTML pages reflect — sign-in (login_hint, a failed username), the error
// pages (an unregistered redirect_uri, an unknown client_id, /error's
// code), device code entry (otc, by link and by form), form_post (state),
// logout — and in stored data the pages show (an app's display name on the
// sign-in, consent, admin-approval and admin-consent pages).
func TestSecurityPagesEscapeInput(t *testing.T) {
	e := start(t)
	ha, adele, admin := e.app("homeassistant"), e.user("adele"), e.user("admin")
	_, challenge := pkcePair()
	pk := []string{"code_challenge", challenge, "code_challenge_method", "S256"}
	// An app whose registered name is the payload (any tenant's admin
	// names their apps).
	evil := store.App{AppID: uuid.NewString(), ObjectID: uuid.NewString(), TenantID: demo.TenantID, DisplayName: "Evil " + xss,
		SignInAudience: store.AudienceMyOrg, PublicClient: true, RedirectURIs: []store.RedirectURI{{URI: "http://localhost"}},
		RequiredScopes: []string{"User.Read"}, CreatedAt: time.Now()}
	if err := e.srv.Store().CreateApp(context.Background(), evil); err != nil {
		t.Fatal(err)
	}
	anon := e.browser().client
	get := func(c *http.Client, u string) rawPage { return fetchPage(t, c, "GET", u, nil) }
	auth := func(client string, pairs ...string) string {
		return e.authorizeURL(demo.TenantID, authParams(client, "http://localhost", "openid User.Read", append(pk, pairs...)...))
	}

	cases := []struct {
		name      string
		page      func(t *testing.T) rawPage
		reflected bool
	}{
		{"sign-in page: login_hint", func(t *testing.T) rawPage { return get(anon, auth(ha.ClientID, "login_hint", xss)) }, true},
		{"sign-in page: a failed sign-in's username", func(t *testing.T) rawPage {
			b := e.browser()
			p := b.get(auth(ha.ClientID))
			form := url.Values{"flow": {p.forms[0].fields.Get("flow")}, "username": {xss}, "password": {"wrong"}}
			return fetchPage(t, b.client, "POST", e.base+"/login", form)
		}, true},
		{"sign-in page: an app's display name", func(t *testing.T) rawPage { return get(anon, auth(evil.AppID)) }, true},
		{"error page: an unregistered redirect_uri", func(t *testing.T) rawPage {
			return get(anon, e.authorizeURL(demo.TenantID, authParams(ha.ClientID, "https://evil.example/?q="+xss, "openid", pk...)))
		}, true},
		{"error page: an unknown client_id", func(t *testing.T) rawPage { return get(anon, auth(xss)) }, false},
		// The error page names only the AADSTS numbers it knows, so a payload
		// in ?code= is not shown at all; the page must still be safe.
		{"error page: /error?code=", func(t *testing.T) rawPage { return get(anon, e.base+"/error?code="+url.QueryEscape(xss)) }, false},
		{"device code page: otc in the link", func(t *testing.T) rawPage { return get(anon, e.base+"/devicelogin?otc="+url.QueryEscape(xss)) }, true},
		{"device code page: otc in the form", func(t *testing.T) rawPage {
			return fetchPage(t, anon, "POST", e.base+"/devicelogin", url.Values{"otc": {xss}})
		}, false}, // the code is upper-cased and stripped before it is shown
		{"form_post page: state", func(t *testing.T) rawPage {
			return get(anon, auth(ha.ClientID, "response_mode", "form_post", "prompt", "none", "state", xss))
		}, true},
		{"logout page: post_logout_redirect_uri and state", func(t *testing.T) rawPage {
			return get(anon, e.base+"/common/oauth2/v2.0/logout?"+url.Values{"post_logout_redirect_uri": {"javascript:alert(1)//" + xss}, "state": {xss}}.Encode())
		}, false},
		{"native client page", func(t *testing.T) rawPage {
			return get(anon, e.base+"/common/oauth2/nativeclient?"+url.Values{"code": {xss}, "error_description": {xss}}.Encode())
		}, false},
		{"consent page: an app's display name", func(t *testing.T) rawPage {
			b := e.browser()
			p := b.get(auth(evil.AppID))
			form := url.Values{"flow": {p.forms[0].fields.Get("flow")}, "username": {adele.UserPrincipalName}, "password": {adele.Password}}
			return fetchPage(t, b.client, "POST", e.base+"/login", form)
		}, true},
		{"admin-approval page: an app's display name", func(t *testing.T) rawPage {
			b := e.browser()
			u := e.authorizeURL(demo.TenantID, authParams(evil.AppID, "http://localhost", "openid User.Read.All", pk...))
			p := b.get(u)
			form := url.Values{"flow": {p.forms[0].fields.Get("flow")}, "username": {adele.UserPrincipalName}, "password": {adele.Password}}
			return fetchPage(t, b.client, "POST", e.base+"/login", form)
		}, true},
		{"admin consent page: an app's display name", func(t *testing.T) rawPage {
			b := e.browser()
			p := b.get(e.base + "/" + demo.TenantID + "/adminconsent?" + url.Values{"client_id": {evil.AppID}, "redirect_uri": {"http://localhost"}}.Encode())
			form := url.Values{"flow": {p.forms[0].fields.Get("flow")}, "username": {admin.UserPrincipalName}, "password": {admin.Password}}
			return fetchPage(t, b.client, "POST", e.base+"/login", form)
		}, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := c.page(t)
			if !strings.HasPrefix(p.header.Get("Content-Type"), "text/html") {
				t.Fatalf("not an HTML page: %d %s %s", p.status, p.header.Get("Content-Type"), clip(p.body, 300))
			}
			wantSafePage(t, p, c.reflected)
		})
	}
}

// TestSecurityConsentCSRF forges the consent page's POST (RFC 6819
// §4.4.1.8, CSRF against the authorization endpoint; RFC 9700 §4.7): the
// decision counts only with the flow the server signed for the signed-in
// user, in that user's session. Without it, with another user's flow, a
// sign-in flow, an edited flow or another browser, no consent is recorded.
// The session cookie is HttpOnly, Secure and SameSite=Lax, so a cross-site
// form post does not even carry it.
func TestSecurityConsentCSRF(t *testing.T) {
	e := start(t)
	ha, adele, megan := e.app("homeassistant"), e.user("adele"), e.user("megan")
	ctx := context.Background()
	_, challenge := pkcePair()
	scope := "openid User.Read Tasks.Read" // Tasks.Read: a consent the user can give, not given yet
	consentPage := func(u demo.User) (*browser, string) {
		t.Helper()
		b := browserFor(t, e)
		p := b.get(e.authorizeURL(demo.TenantID, authParams(ha.ClientID, "http://localhost", scope, "code_challenge", challenge, "code_challenge_method", "S256")))
		p = b.login(p, u.UserPrincipalName, u.Password)
		if _, ok := p.ids["accept"]; !ok {
			t.Fatalf("no consent page for %s: %d %s", u.UserPrincipalName, p.status, clip(p.body, 300))
		}
		return b, p.forms[0].fields.Get("flow")
	}
	grants := func() int {
		n := 0
		for _, u := range []demo.User{adele, megan} {
			gs, err := e.srv.Store().DelegatedGrants(ctx, demo.TenantID, ha.ClientID, u.ID)
			if err != nil {
				t.Fatal(err)
			}
			for _, g := range gs {
				for _, s := range g.Scopes {
					if s == "Tasks.Read" {
						n++
					}
				}
			}
		}
		return n
	}
	adeleBrowser, adeleFlow := consentPage(adele)
	meganBrowser, meganFlow := consentPage(megan)
	signin := browserFor(t, e).get(e.authorizeURL(demo.TenantID, authParams(ha.ClientID, "http://localhost", scope, "code_challenge", challenge,
		"code_challenge_method", "S256"))).forms[0].fields.Get("flow")
	payload, sig, _ := strings.Cut(adeleFlow, ".")
	// One character of the signed payload changed (the signature kept).
	flip := map[byte]byte{'A': 'B'}
	c0, ok := flip[payload[len(payload)-2]]
	if !ok {
		c0 = 'A'
	}
	edited := payload[:len(payload)-2] + string(c0) + payload[len(payload)-1:] + "." + sig
	accept := func(c *http.Client, flow string) rawPage {
		v := url.Values{"decision": {"accept"}}
		if flow != "" {
			v.Set("flow", flow)
		}
		return fetchPage(t, c, "POST", e.base+"/consent", v)
	}
	for _, c := range []struct {
		name   string
		client *http.Client
		flow   string
	}{
		{"no flow", adeleBrowser.client, ""},
		{"another user's flow in the victim's session", adeleBrowser.client, meganFlow},
		{"the victim's flow in the attacker's session", meganBrowser.client, adeleFlow},
		{"a sign-in page's flow (no user yet)", adeleBrowser.client, signin},
		{"the victim's flow, edited", adeleBrowser.client, edited},
		{"the victim's flow without the victim's session (a cross-site post)", e.browser().client, adeleFlow},
	} {
		t.Run(c.name, func(t *testing.T) {
			p := accept(c.client, c.flow)
			if p.status != 400 || p.header.Get("Location") != "" {
				t.Errorf("want the error page (400, no redirect), got %d %q", p.status, p.header.Get("Location"))
			}
			if n := grants(); n != 0 {
				t.Fatalf("a forged consent POST recorded consent (%d grants with Tasks.Read)", n)
			}
		})
	}
	t.Run("the session cookie's attributes", func(t *testing.T) {
		b := browserFor(t, e)
		p := b.get(e.authorizeURL(demo.TenantID, authParams(ha.ClientID, "http://localhost", scope, "code_challenge", challenge, "code_challenge_method", "S256")))
		res := fetchPage(t, b.client, "POST", e.base+"/login", url.Values{"flow": {p.forms[0].fields.Get("flow")}, "username": {adele.UserPrincipalName}, "password": {adele.Password}})
		found := false
		for _, sc := range res.header.Values("Set-Cookie") {
			c, err := http.ParseSetCookie(sc)
			if err != nil || c.Name != "graphgate_session" {
				continue
			}
			found = true
			if !c.HttpOnly || !c.Secure || c.SameSite != http.SameSiteLaxMode {
				t.Errorf("session cookie %q: want HttpOnly, Secure, SameSite=Lax", sc)
			}
		}
		if !found {
			t.Fatalf("no session cookie after sign-in: %v", res.header.Values("Set-Cookie"))
		}
	})
	t.Run("the victim's own accept (the control)", func(t *testing.T) {
		p := accept(adeleBrowser.client, adeleFlow)
		if p.status != http.StatusFound || grants() != 1 {
			t.Fatalf("the genuine consent: %d %q, %d grants", p.status, p.header.Get("Location"), grants())
		}
	})
}

// TestSecurityPagesNosniff: the identity platform's HTML pages send
// X-Content-Type-Options: nosniff (OWASP Secure Headers; the Fetch
// standard's nosniff), so a browser never reads a page or its error as
// another type — as item 7 of the security issue asks of every answer
// (the server sets it on all of them, internal/server).
func TestSecurityPagesNosniff(t *testing.T) {
	e := start(t)
	ha := e.app("homeassistant")
	_, challenge := pkcePair()
	anon := e.browser().client
	for name, u := range map[string]string{
		"device code page": e.base + "/devicelogin",
		"sign-in page":     e.authorizeURL(demo.TenantID, authParams(ha.ClientID, "http://localhost", "openid User.Read", "code_challenge", challenge, "code_challenge_method", "S256")),
		"error page":       e.base + "/error?code=50011",
		"logout page":      e.base + "/common/oauth2/v2.0/logout",
		"native client":    e.base + "/common/oauth2/nativeclient?code=x",
	} {
		t.Run(name, func(t *testing.T) {
			p := fetchPage(t, anon, "GET", u, nil)
			if !strings.HasPrefix(p.header.Get("Content-Type"), "text/html") || p.header.Get("X-Content-Type-Options") != "nosniff" {
				t.Errorf("%d %s with X-Content-Type-Options %q", p.status, p.header.Get("Content-Type"), p.header.Get("X-Content-Type-Options"))
			}
		})
	}
}
