package identity

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"graphgate/internal/directory"
)

// TestServerSideFailures: a store or signer failure answers 5xx, in the
// class Entra uses (503 temporarily_unavailable AADSTS90033 for the store,
// 500 server_error AADSTS50000 for signing), on every grant and page; never
// the 400 invalid_request that clients do not retry. Authorization
// responses that can reach the app carry the same codes in the redirect
// (RFC 6749 §4.1.2.1).
func TestServerSideFailures(t *testing.T) {
	const (
		unavailable = "temporarily_unavailable"
		serverError = "server_error"
	)
	pw := func(h *harness, scope string) url.Values {
		return passwordGrant(haID, h.adele.UserPrincipalName, userPassword, scope)
	}
	// Each case prepares what the failing request needs with the store
	// working, then fails the named store methods (or the signing keys)
	// and sends it.
	type answer struct {
		status int
		code   string // the OAuth error, in JSON or in the redirect
		page   bool   // an HTML error page
	}
	tokenErr := func(status int, code string) answer { return answer{status: status, code: code} }
	pageErr := func(status int) answer { return answer{status: status, page: true} }
	redirectErr := func(code string) answer { return answer{status: http.StatusFound, code: code} }
	for _, c := range []struct {
		name    string
		fail    []string // store methods; "keys" fails the signing keys
		prepare func(h *harness) func() resp
		want    answer
	}{
		{"password grant: user lookup", []string{"UserByUPN"}, func(h *harness) func() resp {
			return func() resp { return h.token(h.contoso.ID, pw(h, "User.Read")) }
		}, tokenErr(503, unavailable)},
		{"password grant: tenant by id", []string{"GetTenant"}, func(h *harness) func() resp {
			return func() resp { return h.token(h.contoso.ID, pw(h, "User.Read")) }
		}, tokenErr(503, unavailable)},
		{"password grant: tenant by domain", []string{"TenantByDomain"}, func(h *harness) func() resp {
			return func() resp { return h.token("contoso.test", pw(h, "User.Read")) }
		}, tokenErr(503, unavailable)},
		{"password grant: the app", []string{"GetApp"}, func(h *harness) func() resp {
			return func() resp { return h.token(h.contoso.ID, pw(h, "User.Read")) }
		}, tokenErr(503, unavailable)},
		{"password grant: consent", []string{"DelegatedGrants"}, func(h *harness) func() resp {
			return func() resp { return h.token(h.contoso.ID, pw(h, "User.Read")) }
		}, tokenErr(503, unavailable)},
		{"password grant: lockout state", []string{"GetLockout"}, func(h *harness) func() resp {
			return func() resp { return h.token(h.contoso.ID, pw(h, "User.Read")) }
		}, tokenErr(503, unavailable)},
		{"password grant: counting a failure", []string{"UpsertLockout"}, func(h *harness) func() resp {
			return func() resp {
				return h.token(h.contoso.ID, passwordGrant(haID, h.adele.UserPrincipalName, "wrong", "User.Read"))
			}
		}, tokenErr(503, unavailable)},
		{"password grant: resetting the count", []string{"DeleteLockout"}, func(h *harness) func() resp {
			h.token(h.contoso.ID, passwordGrant(haID, h.adele.UserPrincipalName, "wrong", "User.Read"))
			return func() resp { return h.token(h.contoso.ID, pw(h, "User.Read")) }
		}, tokenErr(503, unavailable)},
		{"password grant: storing the refresh token", []string{"CreateRefreshToken"}, func(h *harness) func() resp {
			return func() resp { return h.token(h.contoso.ID, pw(h, "User.Read offline_access")) }
		}, tokenErr(503, unavailable)},
		{"password grant: signing", []string{"keys"}, func(h *harness) func() resp {
			return func() resp { return h.token(h.contoso.ID, pw(h, "User.Read")) }
		}, tokenErr(500, serverError)},
		{"client credentials: service principal", []string{"GetServicePrincipal"}, func(h *harness) func() resp {
			return func() resp { return h.token(h.contoso.ID, clientCredentials(contosoDaemonID, graphDefault)) }
		}, tokenErr(503, unavailable)},
		{"client credentials: app role assignments", []string{"AppRoleAssignments"}, func(h *harness) func() resp {
			return func() resp { return h.token(h.contoso.ID, clientCredentials(contosoDaemonID, graphDefault)) }
		}, tokenErr(503, unavailable)},
		{"client credentials: signing", []string{"keys"}, func(h *harness) func() resp {
			return func() resp { return h.token(h.contoso.ID, clientCredentials(contosoDaemonID, graphDefault)) }
		}, tokenErr(500, serverError)},
		{"authorization code: redeeming", []string{"UpdateAuthCode"}, func(h *harness) func() resp {
			code := h.authCode(h.client, h.adele)
			return func() resp { return h.token("organizations", redeem(code)) }
		}, tokenErr(503, unavailable)},
		{"authorization code: the user", []string{"GetUser"}, func(h *harness) func() resp {
			code := h.authCode(h.client, h.adele)
			return func() resp { return h.token("organizations", redeem(code)) }
		}, tokenErr(503, unavailable)},
		{"authorization code: revoking after a replay", []string{"RevokeFamily"}, func(h *harness) func() resp {
			code := h.authCode(h.client, h.adele)
			wantToken(t, h.token("organizations", redeem(code)))
			return func() resp { return h.token("organizations", redeem(code)) }
		}, tokenErr(503, unavailable)},
		{"refresh token: reading it", []string{"GetRefreshToken"}, func(h *harness) func() resp {
			rt := h.token(h.contoso.ID, pw(h, "User.Read offline_access")).str("refresh_token")
			return func() resp { return h.token(h.contoso.ID, refresh(haID, rt)) }
		}, tokenErr(503, unavailable)},
		{"refresh token: rotating it", []string{"UpdateRefreshToken"}, func(h *harness) func() resp {
			rt := h.token(h.contoso.ID, pw(h, "User.Read offline_access")).str("refresh_token")
			return func() resp { return h.token(h.contoso.ID, refresh(haID, rt)) }
		}, tokenErr(503, unavailable)},
		{"refresh token: revoking a reused one's family", []string{"RevokeFamily"}, func(h *harness) func() resp {
			rt := h.token(h.contoso.ID, pw(h, "User.Read offline_access")).str("refresh_token")
			wantToken(t, h.token(h.contoso.ID, refresh(haID, rt)))
			return func() resp { return h.token(h.contoso.ID, refresh(haID, rt)) }
		}, tokenErr(503, unavailable)},
		{"device code: storing it", []string{"CreateDeviceCode"}, func(h *harness) func() resp {
			return func() resp {
				return h.post(h.client, "/organizations/oauth2/v2.0/devicecode", form("client_id", haID, "scope", "User.Read"))
			}
		}, tokenErr(503, unavailable)},
		{"device code: polling", []string{"UpdateDeviceCode"}, func(h *harness) func() resp {
			dc := h.post(h.client, "/organizations/oauth2/v2.0/devicecode", form("client_id", haID, "scope", "User.Read"))
			return func() resp { return h.token("organizations", poll(dc.str("device_code"))) }
		}, tokenErr(503, unavailable)},
		{"on-behalf-of: the assertion's user", []string{"GetUser"}, func(h *harness) func() resp {
			assertion := h.token(h.fabrikam.ID, passwordGrant(fabAppID, h.ford.UserPrincipalName, userPassword, "api://"+fabAPIID+"/access")).str("access_token")
			return func() resp { return h.token(h.fabrikam.ID, obo(fabAPIID, assertion, "User.Read")) }
		}, tokenErr(503, unavailable)},
		{"discovery: tenant by domain", []string{"TenantByDomain"}, func(h *harness) func() resp {
			return func() resp { return h.get(h.client, "/contoso.test/v2.0/.well-known/openid-configuration") }
		}, tokenErr(503, unavailable)},
		{"JWKS: signing keys", []string{"keys"}, func(h *harness) func() resp {
			return func() resp { return h.get(h.client, "/"+h.contoso.ID+"/discovery/v2.0/keys") }
		}, tokenErr(500, serverError)},
		{"UserRealm", []string{"TenantByDomain"}, func(h *harness) func() resp {
			return func() resp { return h.get(h.client, "/common/UserRealm/adele@contoso.test?api-version=1.0") }
		}, tokenErr(503, unavailable)},
		{"userinfo", []string{"GetUser"}, func(h *harness) func() resp {
			at := h.token(h.contoso.ID, pw(h, "User.Read")).str("access_token")
			return func() resp {
				req, _ := http.NewRequest(http.MethodGet, h.base+"/oidc/userinfo", nil)
				req.Header.Set("Authorization", "Bearer "+at)
				return h.do(h.client, req)
			}
		}, answer{status: 503}},
		{"authorize page: the app", []string{"GetApp"}, func(h *harness) func() resp {
			return func() resp {
				return h.get(h.client, "/organizations/oauth2/v2.0/authorize?"+form("client_id", haID, "response_type", "code",
					"redirect_uri", redirect, "scope", "User.Read", "code_challenge", pkceChallenge, "code_challenge_method", "S256").Encode())
			}
		}, pageErr(503)},
		{"authorize with a session: the user", []string{"GetUser"}, func(h *harness) func() resp {
			h.authCode(h.client, h.adele) // signs the browser in
			return func() resp {
				return h.get(h.client, "/organizations/oauth2/v2.0/authorize?"+form("client_id", haID, "response_type", "code",
					"redirect_uri", redirect, "scope", "User.Read", "code_challenge", pkceChallenge, "code_challenge_method", "S256").Encode())
			}
		}, redirectErr(unavailable)},
		{"sign-in form: the user", []string{"UserByUPN"}, func(h *harness) func() resp {
			p := h.signInPage(h.client, "organizations", haID, "User.Read")
			return func() resp { return h.login(h.client, p, h.adele.UserPrincipalName, userPassword) }
		}, pageErr(503)},
		{"sign-in form: storing the code", []string{"CreateAuthCode"}, func(h *harness) func() resp {
			p := h.signInPage(h.client, "organizations", haID, "User.Read")
			return func() resp { return h.login(h.client, p, h.adele.UserPrincipalName, userPassword) }
		}, redirectErr(unavailable)},
		{"sign-in form: consent", []string{"DelegatedGrants"}, func(h *harness) func() resp {
			p := h.signInPage(h.client, "organizations", haID, "User.Read")
			return func() resp { return h.login(h.client, p, h.adele.UserPrincipalName, userPassword) }
		}, redirectErr(unavailable)},
		{"consent page: recording consent", []string{"UpsertDelegatedGrant"}, func(h *harness) func() resp {
			p := h.signInPage(h.client, "common", haID, "User.Read")
			consent := h.login(h.client, p, h.sam.UserPrincipalName, userPassword)
			if !strings.Contains(consent.body, `id="accept"`) {
				t.Fatalf("no consent page: %s", consent)
			}
			return func() resp {
				v := hidden(consent.body)
				v.Set("decision", "accept")
				return h.post(h.client, "/consent", v)
			}
		}, redirectErr(unavailable)},
		{"admin consent: recording it", []string{"EnsureServicePrincipal"}, func(h *harness) func() resp {
			b := h.client
			p := h.get(b, "/"+h.contoso.ID+"/adminconsent?"+form("client_id", haID, "redirect_uri", redirect, "state", "st").Encode())
			consent := h.login(b, p, h.admin.UserPrincipalName, userPassword)
			if !strings.Contains(consent.body, `id="accept"`) {
				t.Fatalf("no admin consent page: %s", consent)
			}
			return func() resp {
				v := hidden(consent.body)
				v.Set("decision", "accept")
				return h.post(b, "/consent", v)
			}
		}, redirectErr(unavailable)},
		{"device login page: the code", []string{"DeviceCodeByUserCode"}, func(h *harness) func() resp {
			dc := h.post(h.client, "/organizations/oauth2/v2.0/devicecode", form("client_id", haID, "scope", "User.Read"))
			return func() resp { return h.post(h.client, "/devicelogin", form("otc", dc.str("user_code"))) }
		}, pageErr(503)},
		{"device sign-in: approving the code", []string{"UpdateDeviceCode"}, func(h *harness) func() resp {
			dc := h.post(h.client, "/organizations/oauth2/v2.0/devicecode", form("client_id", haID, "scope", "User.Read"))
			p := h.post(h.client, "/devicelogin", form("otc", dc.str("user_code")))
			return func() resp { return h.login(h.client, p, h.adele.UserPrincipalName, userPassword) }
		}, pageErr(503)},
		{"logout: checking the address", []string{"ListApps"}, func(h *harness) func() resp {
			return func() resp {
				return h.get(h.client, "/common/oauth2/v2.0/logout?post_logout_redirect_uri="+url.QueryEscape(redirect))
			}
		}, pageErr(503)},
	} {
		t.Run(c.name, func(t *testing.T) {
			h := newHarness(t, Config{})
			send := c.prepare(h)
			for _, m := range c.fail {
				if m == "keys" {
					h.keys.down = true
				}
			}
			h.st.fail(c.fail...)
			r := send()
			h.st.fail()
			h.keys.down = false
			switch {
			case c.want.page:
				if r.status != c.want.status || !strings.Contains(r.header.Get("Content-Type"), "text/html") || !strings.Contains(r.body, `id="error"`) {
					t.Errorf("want an error page with status %d, got %s", c.want.status, r)
				}
			case c.want.status == http.StatusFound:
				loc, err := url.Parse(r.header.Get("Location"))
				if r.status != http.StatusFound || err != nil || loc.Query().Get("error") != c.want.code {
					t.Errorf("want a redirect with error=%s, got %d %s", c.want.code, r.status, r.header.Get("Location"))
				}
			case c.want.code == "":
				if r.status != c.want.status {
					t.Errorf("want status %d, got %s", c.want.status, r)
				}
			default:
				aadsts := map[string]int{unavailable: 90033, serverError: 50000}[c.want.code]
				wantErr(t, r, c.want.status, c.want.code, aadsts)
				if c.want.status == 503 && r.header.Get("Retry-After") == "" {
					t.Errorf("503 without Retry-After")
				}
			}
		})
	}
}

// TestErrConsent: recording consent fails as the store does (503
// temporarily_unavailable, retried); the directory refusing what identity
// checked before is graphgate's own failure (500 server_error), never a
// 4xx the client would blame itself for.
func TestErrConsent(t *testing.T) {
	for _, c := range []struct {
		name   string
		err    error
		status int
		code   string
		aadsts int
	}{
		{"store down", errStoreDown, 503, "temporarily_unavailable", 90033},
		{"store error wrapped by the directory", fmt.Errorf("grant: %w", errStoreDown), 503, "temporarily_unavailable", 90033},
		{"directory refuses", &directory.ValidationError{Field: "scopes", Reason: "x: not a delegated Graph permission"}, 500, "server_error", 50000},
		{"directory refuses, wrapped", fmt.Errorf("consent: %w", &directory.ValidationError{Field: "user"}), 500, "server_error", 50000},
	} {
		e := errConsent("recording consent", c.err)
		if e.Status != c.status || e.Code != c.code || e.AADSTS != c.aadsts || !errors.Is(e.Unwrap(), c.err) {
			t.Errorf("%s: %d %s %d (cause %v), want %d %s %d", c.name, e.Status, e.Code, e.AADSTS, e.Unwrap(), c.status, c.code, c.aadsts)
		}
	}
}
