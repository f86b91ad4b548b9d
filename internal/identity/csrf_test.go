package identity

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// TestLoginCSRF: the sign-in and consent forms are bound to the browser
// they were shown to (an anti-CSRF cookie whose hash the signed flow
// holds). A form posted with a flow from another browser — the login CSRF
// of RFC 6749 §10.12, where an attacker signs a victim's browser in to the
// attacker's account — or from another site is refused with an error
// page, and signs no one in.
func TestLoginCSRF(t *testing.T) {
	h := newHarness(t, Config{})
	attacker := h.browser()
	page := h.signInPage(attacker, "organizations", haID, "User.Read")

	// The cookie that binds the flow.
	var xsrf *http.Cookie
	for _, c := range (&http.Response{Header: page.header}).Cookies() {
		if c.Name == xsrfCookie {
			xsrf = c
		}
	}
	if xsrf == nil || !xsrf.HttpOnly || !xsrf.Secure || xsrf.SameSite != http.SameSiteLaxMode || xsrf.Path != "/" {
		t.Fatalf("anti-CSRF cookie %+v; want HttpOnly, Secure, SameSite=Lax, Path=/", xsrf)
	}
	if strings.Contains(page.body, xsrf.Value) {
		t.Error("the page reveals the anti-CSRF cookie")
	}

	refused := func(what string, r resp) {
		t.Helper()
		if r.status != http.StatusBadRequest || !strings.Contains(r.body, `id="error"`) || !strings.Contains(r.body, "start again from the app") {
			t.Errorf("%s: want a 400 error page, got %s", what, r)
		}
		for _, c := range (&http.Response{Header: r.header}).Cookies() {
			if c.Name == sessionCookie && c.Value != "" {
				t.Errorf("%s: a session was set", what)
			}
		}
	}
	// A victim who never saw graphgate.
	refused("a browser without the cookie", h.login(h.browser(), page, h.adele.UserPrincipalName, userPassword))
	// A victim with a cookie of their own.
	victim := h.browser()
	h.signInPage(victim, "organizations", haID, "User.Read")
	refused("a browser with another cookie", h.login(victim, page, h.adele.UserPrincipalName, userPassword))
	// The right browser, but the form comes from another site.
	v := hidden(page.body)
	v.Set("username", h.adele.UserPrincipalName)
	v.Set("password", userPassword)
	req, _ := http.NewRequest(http.MethodPost, h.base+"/login", strings.NewReader(v.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	refused("a cross-site post", h.do(attacker, req))
	// An older browser without Sec-Fetch-Site, posting from another origin.
	req, _ = http.NewRequest(http.MethodPost, h.base+"/login", strings.NewReader(v.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", "https://evil.example")
	refused("a post from another origin", h.do(attacker, req))
	// A flow without the binding (signed before it existed, or forged
	// without the key) cannot be completed either.
	refused("a flow without its field", h.post(attacker, "/login", url.Values{"flow": {"e30.x"}, "username": {"a"}, "password": {"b"}}))

	// The browser it was shown to signs in.
	if r := h.login(attacker, page, h.adele.UserPrincipalName, userPassword); r.status != http.StatusFound || !strings.Contains(r.header.Get("Location"), "code=") {
		t.Errorf("the same browser: %s", r)
	}

	// The consent form too: Sam's consent page, posted by another browser
	// in which Sam is signed in as well.
	samA, samB := h.browser(), h.browser()
	consent := h.login(samA, h.signInPage(samA, "common", haID, "User.Read"), h.sam.UserPrincipalName, userPassword)
	h.login(samB, h.signInPage(samB, "common", haID, "User.Read"), h.sam.UserPrincipalName, userPassword)
	cv := hidden(consent.body)
	cv.Set("decision", "accept")
	refused("a consent form from another browser", h.post(samB, "/consent", cv))
	if r := h.post(samA, "/consent", cv); r.status != http.StatusFound || !strings.Contains(r.header.Get("Location"), "code=") {
		t.Errorf("consent in the same browser: %s", r)
	}
}
