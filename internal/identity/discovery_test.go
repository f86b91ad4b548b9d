package identity

import (
	"net/http"
	"net/url"
	"testing"
)

// TestDiscoveryPKCE: the discovery document does not list PKCE methods,
// as Entra's does not, and the methods graphgate takes are what the
// authorize endpoint accepts: S256 from anyone, plain from confidential
// clients only.
func TestDiscoveryPKCE(t *testing.T) {
	h := newHarness(t, Config{})
	for _, seg := range []string{"common", "organizations", h.contoso.ID, "contoso.test", "consumers"} {
		r := h.get(h.client, "/"+seg+"/v2.0/.well-known/openid-configuration")
		if r.status != http.StatusOK || r.str("authorization_endpoint") == "" {
			t.Fatalf("%s: %s", seg, r)
		}
		if v, ok := r.json["code_challenge_methods_supported"]; ok {
			t.Errorf("%s: code_challenge_methods_supported = %v; Entra's document has none", seg, v)
		}
	}
	authorize := func(clientID, method string) resp {
		q := form("client_id", clientID, "response_type", "code", "redirect_uri", redirect, "scope", "User.Read",
			"code_challenge", pkceChallenge, "code_challenge_method", method)
		return h.get(h.browser(), "/organizations/oauth2/v2.0/authorize?"+q.Encode())
	}
	if r := authorize(haID, "S256"); r.status != http.StatusOK {
		t.Errorf("S256 from a public client: %s", r)
	}
	r := authorize(haID, "plain")
	loc, _ := url.Parse(r.header.Get("Location"))
	if r.status != http.StatusFound || loc == nil || loc.Query().Get("error") != "invalid_request" {
		t.Errorf("plain from a public client: %d %s", r.status, r.header.Get("Location"))
	}
}

// TestUserInfoMethods: OpenID Connect Core §5.3.1 lets the client send the
// UserInfo request with GET or POST, and Microsoft's endpoint takes both
// (with the token in the Authorization header); other methods are 405.
func TestUserInfoMethods(t *testing.T) {
	h := newHarness(t, Config{})
	at := h.token(h.contoso.ID, passwordGrant(haID, h.adele.UserPrincipalName, userPassword, "User.Read")).str("access_token")
	for _, c := range []struct {
		method string
		status int
	}{{http.MethodGet, http.StatusOK}, {http.MethodPost, http.StatusOK}, {http.MethodPut, http.StatusMethodNotAllowed}} {
		req, _ := http.NewRequest(c.method, h.base+"/oidc/userinfo", nil)
		req.Header.Set("Authorization", "Bearer "+at)
		r := h.do(h.client, req)
		if r.status != c.status {
			t.Errorf("%s: %s, want %d", c.method, r, c.status)
		}
		if c.status == http.StatusOK && r.str("sub") == "" {
			t.Errorf("%s: %s", c.method, r)
		}
	}
}
