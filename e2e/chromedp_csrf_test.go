package e2e

import (
	"html/template"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestChromedpLoginCSRF: login CSRF (RFC 6749 §10.12) in a real browser. An
// attacker takes a sign-in form of their own (its flow) and has a page on
// another site post it, with the attacker's credentials, from the victim's
// browser — which would sign the victim in to the attacker's account.
// graphgate refuses it with an error page: the victim's browser does not
// hold the cookie the flow is bound to (and would not send it cross-site),
// and no session is created.
func TestChromedpLoginCSRF(t *testing.T) {
	b := newTab(t) // first: skips without a browser
	e := start(t)
	ha, megan := e.app("homeassistant"), e.user("megan")
	rcv := newReceiver(t)
	_, challenge := pkcePair()
	authorize := e.authorizeURL("common", authParams(ha.ClientID, rcv.uri, "User.Read", "code_challenge", challenge, "code_challenge_method", "S256"))

	// The attacker's own sign-in form, fetched with the attacker's browser.
	p := e.browser().get(authorize)
	if len(p.forms) == 0 || p.forms[0].fields.Get("flow") == "" {
		t.Fatalf("no sign-in form: %s", p.body)
	}
	// The attacker's page, on another site (127.0.0.1 is not localhost's
	// site), posts it by itself.
	evil := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_ = template.Must(template.New("evil").Parse(`<!doctype html><html lang="en"><head><title>Win a prize</title></head><body>
<form id="f" method="post" action="{{.Action}}"><input type="hidden" name="flow" value="{{.Flow}}">
<input type="hidden" name="username" value="{{.User}}"><input type="hidden" name="password" value="{{.Password}}"></form>
<script>document.getElementById("f").submit()</script></body></html>`)).Execute(w, map[string]string{
			"Action": e.base + "/login", "Flow": p.forms[0].fields.Get("flow"), "User": megan.UserPrincipalName, "Password": megan.Password})
	}))
	t.Cleanup(evil.Close)

	// The victim has visited graphgate before (an anti-CSRF cookie of
	// their own), then opens the attacker's page.
	b.navigate(authorize)
	b.waitFor("username")
	b.navigate(evil.URL)
	b.waitFor("error")
	if msg := b.text("error"); !strings.Contains(msg, "start again from the app") {
		t.Errorf("the forged sign-in shows %q", msg)
	}
	if loc := b.location(); !strings.HasPrefix(loc, e.base+"/login") {
		t.Errorf("the forged sign-in ended at %s", loc)
	}
	b.snap("login-csrf")
	rcv.none(t)

	// And the victim's browser is signed in to no one: a silent request
	// comes back with login_required.
	b.navigate(authorize + "&prompt=none")
	if q := rcv.wait(b); q.Get("error") != "login_required" || q.Get("code") != "" {
		t.Errorf("after the forged sign-in, a silent sign-in returned %v", q)
	}
}
