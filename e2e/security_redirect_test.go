package e2e

import (
	"net/http"
	"strings"
	"testing"

	"graphgate/internal/demo"
)

// redirectVariant is a redirect_uri an attacker might try instead of a
// registered one, and why it must be refused or may be accepted.
type redirectVariant struct {
	name, uri string
	// ok: the authorize endpoint redirects there (with a code).
	ok bool
}

// webVariants are variants of the web app's registered
// https://localhost:5001/signin-oidc. RFC 9700 §2.1 and §4.1.3: the
// authorization server compares redirect URIs by exact string matching
// (the one exception, the port of a native app's loopback URI, is below);
// Entra: "Redirect URIs are case-sensitive and must match the case of the
// URL path", an unregistered one is AADSTS50011 on an error page, never a
// redirect ("Redirect URI (reply URL) restrictions and limitations").
var webVariants = []redirectVariant{
	{"exact (the control)", "https://localhost:5001/signin-oidc", true},
	{"RFC 9700 §4.1.3 path case", "https://localhost:5001/Signin-OIDC", false},
	{"RFC 9700 §4.1.3 host case (exact string, not RFC 3986 normalization)", "https://LOCALHOST:5001/signin-oidc", false},
	{"RFC 9700 §4.1.3 scheme case", "HTTPS://localhost:5001/signin-oidc", false},
	{"RFC 9700 §4.1.3 trailing slash added", "https://localhost:5001/signin-oidc/", false},
	{"RFC 9700 §4.1.3 extra path segment", "https://localhost:5001/signin-oidc/callback", false},
	{"RFC 9700 §4.1.3 dot segments", "https://localhost:5001/x/../signin-oidc", false},
	{"RFC 9700 §4.1.3 query added (an open redirector's parameter)", "https://localhost:5001/signin-oidc?next=https://evil.example/", false},
	{"RFC 6749 §3.1.2 fragment", "https://localhost:5001/signin-oidc#x", false},
	{"RFC 9700 §4.1.1 userinfo before the attacker's host", "https://localhost:5001@evil.example/signin-oidc", false},
	{"RFC 3986 §3.2.1 userinfo on the registered host", "https://attacker@localhost:5001/signin-oidc", false},
	{"RFC 9700 §2.1 another port (only native loopback ports vary)", "https://localhost:5002/signin-oidc", false},
	{"RFC 9700 §2.1 port dropped", "https://localhost/signin-oidc", false},
	{"RFC 9700 §4.1.3 http for https", "http://localhost:5001/signin-oidc", false},
	{"RFC 9700 §4.1.3 IDN homograph (Cyrillic o)", "https://l\u043ecalhost:5001/signin-oidc", false},
	{"RFC 9700 §4.1.3 punycode host", "https://xn--lcalhost-9wf:5001/signin-oidc", false},
	{"RFC 9700 §4.1.3 percent-encoded path character", "https://localhost:5001/signin%2Doidc", false},
	{"RFC 9700 §4.1.1 percent-encoded slash before the attacker's host", "https://localhost:5001%2F@evil.example/signin-oidc", false},
	{"RFC 9700 §4.1.1 backslash before the attacker's host", "https://localhost:5001\\@evil.example/signin-oidc", false},
	{"RFC 9700 §4.1.1 registered host as a prefix of the attacker's", "https://localhost:5001.evil.example/signin-oidc", false},
	{"Entra: special characters are not allowed in redirect URIs", "https://localhost:5001/signin-oidc;evil", false},
}

// nativeVariants are variants of the Home Assistant app's registered
// http://localhost (a public client). RFC 8252 §7.3 and RFC 9700 §2.1:
// the port of a loopback redirect URI varies at request time; Entra
// "ignores the port component" for localhost redirect URIs, but compares
// the host and the path ("Redirect URI (reply URL) restrictions and
// limitations", localhost exceptions).
var nativeVariants = []redirectVariant{
	{"RFC 8252 §7.3 loopback on any port", "http://localhost:49152", true},
	{"RFC 8252 §7.3 loopback on any port with the root path (Entra returns it so)", "http://localhost:49152/", true},
	{"Entra: 127.0.0.1 is another host than the registered localhost", "http://127.0.0.1:49152", false},
	{"Entra: [::1] is another host than the registered localhost", "http://[::1]:49152", false},
	{"Entra: the path of a loopback URI matters", "http://localhost:49152/callback", false},
	{"RFC 8252 §7.3 https is not the registered http loopback", "https://localhost:49152", false},
	{"RFC 9700 §4.1.3 localhost as the attacker's subdomain", "http://localhost.evil.example:49152", false},
	{"RFC 9700 §4.1.1 userinfo before the attacker's host", "http://localhost:49152@evil.example", false},
	{"RFC 9700 §4.1.3 nativeclient with a query", demo.NativeClientRedirect + "?x=1", false},
	{"RFC 9700 §4.1.3 nativeclient with another path case", strings.Replace(demo.NativeClientRedirect, "nativeclient", "NativeClient", 1), false},
}

// TestSecurityRedirectURIVariants tries each variant at the authorize
// endpoint (a refused one gets graphgate's error page with AADSTS50011,
// status 400, and no redirect at all; an accepted one a redirect to exactly
// it with a code) and at the token endpoint: RFC 6749 §4.1.3, a code is
// redeemed only with the redirect_uri its authorization request named, so
// a code issued for the registered URI is refused (invalid_grant) with any
// variant, and a loopback code issued on one port is refused on another.
func TestSecurityRedirectURIVariants(t *testing.T) {
	e := start(t)
	w, ha, adele := e.app("webapp"), e.app("homeassistant"), e.user("adele")
	e.consent(w.ClientID, adele.ID, "User.Read")
	e.consent(ha.ClientID, adele.ID, "User.Read")
	b := browserFor(t, e)
	// Sign in once; later authorize requests use the session (SSO).
	codeFlow(t, b, demo.TenantID, authParams(w.ClientID, "https://localhost:5001/signin-oidc", "openid User.Read"), adele)

	type client struct {
		id, secret, tenant, registered string
		variants                       []redirectVariant
		pkce                           bool
	}
	for _, c := range []client{
		{w.ClientID, w.Secret, demo.TenantID, "https://localhost:5001/signin-oidc", webVariants, false},
		{ha.ClientID, "", "organizations", "http://localhost", nativeVariants, true},
	} {
		// authorize returns the page and the PKCE verifier of the request.
		authorize := func(t *testing.T, redirect string) (*page, string) {
			v := authParams(c.id, redirect, "openid User.Read")
			var verifier string
			if c.pkce {
				var challenge string
				verifier, challenge = pkcePair()
				v = with(v, "code_challenge", challenge, "code_challenge_method", "S256")
			}
			b.t = t
			return b.get(e.authorizeURL(c.tenant, v)), verifier
		}
		redeem := func(t *testing.T, p *page, verifier, redirect string) jsonResp {
			_, q := redirected(t, p)
			return postToken(t, e, c.tenant, redeemParams(c.id, c.secret, q.Get("code"), redirect, verifier))
		}
		for _, vr := range c.variants {
			t.Run(vr.name, func(t *testing.T) {
				p, verifier := authorize(t, vr.uri)
				if !vr.ok {
					if p.status != http.StatusBadRequest || p.location != "" || !strings.Contains(p.body, "AADSTS50011") {
						t.Errorf("authorize with %q: want the AADSTS50011 error page, got %d %q\n%s", vr.uri, p.status, p.location, clip(p.body, 300))
					}
					// Token leg: a code issued for the registered URI,
					// redeemed with the variant.
					base := c.registered
					if c.pkce {
						base = "http://localhost:49152"
					}
					bp, bv := authorize(t, base)
					r := redeem(t, bp, bv, vr.uri)
					if r.status != 400 || r.str("error") != "invalid_grant" || r.str("access_token") != "" {
						t.Errorf("RFC 6749 §4.1.3: a code for %s redeemed with %q: %s", base, vr.uri, r)
					}
					return
				}
				_, q := redirected(t, p)
				if q.Get("code") == "" || !strings.HasPrefix(p.location, vr.uri) {
					t.Fatalf("authorize with %q: redirected to %s", vr.uri, p.location)
				}
				// Redeemed with another registered (or accepted) form: refused.
				other := "http://localhost"
				if c.pkce {
					other = "http://localhost:49153"
				}
				r := redeem(t, p, verifier, other)
				if r.status != 400 || r.str("error") != "invalid_grant" {
					t.Errorf("RFC 6749 §4.1.3: a code for %q redeemed with %q: %s", vr.uri, other, r)
				}
				// Redeemed with exactly its own: a token.
				p, verifier = authorize(t, vr.uri)
				wantOK(t, redeem(t, p, verifier, vr.uri))
			})
		}
	}
}

// TestSecurityLoopbackRedirectExtras: for a native app's loopback
// redirect URI only the port may differ from the registered one (RFC 8252
// §7.3, RFC 9700 §2.1); a fragment is never allowed (RFC 6749 §3.1.2).
// A loopback URI used to be matched on host and path alone, so a fragment
// (the code then lands in it), a query and userinfo were accepted; each
// now gets the AADSTS50011 error page and no redirect.
func TestSecurityLoopbackRedirectExtras(t *testing.T) {
	e := start(t)
	ha, adele := e.app("homeassistant"), e.user("adele")
	e.consent(ha.ClientID, adele.ID, "User.Read")
	b := browserFor(t, e)
	_, challenge := pkcePair()
	pk := []string{"code_challenge", challenge, "code_challenge_method", "S256"}
	codeFlow(t, b, "organizations", authParams(ha.ClientID, "http://localhost:49152", "openid User.Read", pk...), adele)
	for _, uri := range []string{"http://localhost:49152#x", "http://localhost:49152/?next=x", "http://attacker@localhost:49152"} {
		p := b.get(e.authorizeURL("organizations", authParams(ha.ClientID, uri, "openid User.Read", pk...)))
		if p.status != http.StatusBadRequest || p.location != "" || !strings.Contains(p.body, "AADSTS50011") {
			t.Errorf("authorize with %q: want the AADSTS50011 error page, got %d %q", uri, p.status, p.location)
		}
	}
}
