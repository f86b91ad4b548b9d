package identity

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"graphgate/internal/store"
)

// TestAPIAudienceAcrossTenants: a token for a registered API is issued in
// a tenant only where the API has a service principal — its home tenant,
// or a tenant whose administrator consented to a multi-tenant API — as
// Entra does; otherwise AADSTS500011 names the resource and the tenant. On
// every grant that can ask for an api:// scope.
func TestAPIAudienceAcrossTenants(t *testing.T) {
	api := func(id string) string { return "api://" + id + "/access_as_user" }
	def := func(id string) string { return "api://" + id + "/.default" }
	ford := func(h *harness, scope string) url.Values {
		return passwordGrant(fabAppID, h.ford.UserPrincipalName, userPassword, scope)
	}
	for _, c := range []struct {
		name   string
		get    func(h *harness) resp
		aud    string // the token's audience, or "" for AADSTS500011
		tenant string // named in the error
	}{
		{"password: Contoso user, Contoso API", func(h *harness) resp {
			return h.token(h.contoso.ID, passwordGrant(haID, h.adele.UserPrincipalName, userPassword, api(contosoAPIID)))
		}, "api://" + contosoAPIID, ""},
		{"password: Fabrikam user through a Fabrikam app, single-tenant Contoso API", func(h *harness) resp {
			return h.token(h.fabrikam.ID, ford(h, api(contosoAPIID)))
		}, "", "Fabrikam"},
		{"password: multi-tenant API consented in Fabrikam", func(h *harness) resp {
			return h.token(h.fabrikam.ID, ford(h, api(sharedAPIID)))
		}, "api://" + sharedAPIID, ""},
		{"password: multi-tenant API never consented in Fabrikam", func(h *harness) resp {
			return h.token(h.fabrikam.ID, ford(h, api(lonelyAPIID)))
		}, "", "Fabrikam"},
		{"password: an API no one registered", func(h *harness) resp {
			return h.token(h.fabrikam.ID, ford(h, api("99999999-9999-4999-8999-999999999999")))
		}, "", "Fabrikam"},
		{"password: personal account, work-only API", func(h *harness) resp {
			return h.token("consumers", passwordGrant(haID, h.sam.UserPrincipalName, userPassword, api(contosoAPIID)))
		}, "", "Microsoft Accounts"},
		{"password: personal account, API for personal accounts", func(h *harness) resp {
			return h.token("consumers", passwordGrant(haID, h.sam.UserPrincipalName, userPassword, api(personalAPIID)))
		}, "api://" + personalAPIID, ""},
		{"client credentials: Contoso daemon, Contoso API", func(h *harness) resp {
			return h.token(h.contoso.ID, clientCredentials(contosoDaemonID, def(contosoAPIID)))
		}, "api://" + contosoAPIID, ""},
		{"client credentials: Fabrikam daemon, single-tenant Contoso API", func(h *harness) resp {
			return h.token(h.fabrikam.ID, clientCredentials(fabDaemonID, def(contosoAPIID)))
		}, "", "Fabrikam"},
		{"client credentials: Fabrikam daemon, multi-tenant API consented in Fabrikam", func(h *harness) resp {
			return h.token(h.fabrikam.ID, clientCredentials(fabDaemonID, def(sharedAPIID)))
		}, "api://" + sharedAPIID, ""},
		{"client credentials: Fabrikam daemon, multi-tenant API never consented", func(h *harness) resp {
			return h.token(h.fabrikam.ID, clientCredentials(fabDaemonID, def(lonelyAPIID)))
		}, "", "Fabrikam"},
		{"refresh: asking for a single-tenant Contoso API", func(h *harness) resp {
			rt := h.token(h.fabrikam.ID, ford(h, "User.Read offline_access")).str("refresh_token")
			return h.token(h.fabrikam.ID, with(refresh(fabAppID, rt), "scope", api(contosoAPIID)))
		}, "", "Fabrikam"},
		{"refresh: asking for a consented multi-tenant API", func(h *harness) resp {
			rt := h.token(h.fabrikam.ID, ford(h, "User.Read offline_access")).str("refresh_token")
			return h.token(h.fabrikam.ID, with(refresh(fabAppID, rt), "scope", api(sharedAPIID)))
		}, "api://" + sharedAPIID, ""},
		{"refresh: the API became single-tenant since", func(h *harness) resp {
			rt := h.token(h.fabrikam.ID, ford(h, api(sharedAPIID)+" offline_access")).str("refresh_token")
			if err := h.st.UpdateApp(t.Context(), sharedAPIID, func(a store.App) (store.App, error) {
				a.SignInAudience = store.AudienceMyOrg
				return a, nil
			}); err != nil {
				t.Fatal(err)
			}
			return h.token(h.fabrikam.ID, refresh(fabAppID, rt))
		}, "", "Fabrikam"},
		{"on-behalf-of: Fabrikam API asks for a single-tenant Contoso API", func(h *harness) resp {
			assertion := h.token(h.fabrikam.ID, ford(h, api(fabAPIID))).str("access_token")
			return h.token(h.fabrikam.ID, obo(fabAPIID, assertion, def(contosoAPIID)))
		}, "", "Fabrikam"},
		{"on-behalf-of: Fabrikam API asks for a consented multi-tenant API", func(h *harness) resp {
			assertion := h.token(h.fabrikam.ID, ford(h, api(fabAPIID))).str("access_token")
			return h.token(h.fabrikam.ID, obo(fabAPIID, assertion, def(sharedAPIID)))
		}, "api://" + sharedAPIID, ""},
		{"authorization code: Fabrikam user, single-tenant Contoso API", func(h *harness) resp {
			return h.codeFlow(fabAppID, h.fabrikam.ID, h.ford, api(contosoAPIID))
		}, "", "Fabrikam"},
		{"authorization code: Fabrikam user, consented multi-tenant API", func(h *harness) resp {
			return h.codeFlow(fabAppID, h.fabrikam.ID, h.ford, api(sharedAPIID))
		}, "api://" + sharedAPIID, ""},
		{"authorization code: Contoso user, Contoso API", func(h *harness) resp {
			return h.codeFlow(haID, "organizations", h.adele, api(contosoAPIID))
		}, "api://" + contosoAPIID, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			h := newHarness(t, Config{})
			r := c.get(h)
			if c.aud == "" {
				wantErr(t, r, http.StatusBadRequest, "invalid_resource", 500011)
				if !strings.Contains(r.str("error_description"), "was not found in the tenant named "+c.tenant+".") {
					t.Errorf("error_description %q does not name the tenant %s", r.str("error_description"), c.tenant)
				}
				return
			}
			wantToken(t, r)
			if got := jwtClaims(t, r.str("access_token"))["aud"]; got != c.aud {
				t.Errorf("aud %v, want %s", got, c.aud)
			}
		})
	}
}

// codeFlow runs an authorization code flow for u through clientID and
// redeems the code; an error sent to the redirect URI is returned as the
// token endpoint would send it (status 400, the error fields as JSON).
func (h *harness) codeFlow(clientID, tenant string, u store.User, scope string) resp {
	h.t.Helper()
	b := h.browser()
	q := form("client_id", clientID, "response_type", "code", "redirect_uri", redirect, "scope", scope, "state", "st",
		"code_challenge", pkceChallenge, "code_challenge_method", "S256")
	p := h.get(b, "/"+tenant+"/oauth2/v2.0/authorize?"+q.Encode())
	r := h.login(b, p, u.UserPrincipalName, userPassword)
	loc, err := url.Parse(r.header.Get("Location"))
	if r.status != http.StatusFound || err != nil {
		h.t.Fatalf("authorize: %s", r)
	}
	if e := loc.Query().Get("error"); e != "" {
		out := resp{status: http.StatusBadRequest, json: map[string]any{}}
		for _, k := range []string{"error", "error_description"} {
			out.json[k] = loc.Query().Get(k)
		}
		var code float64
		_, _ = fmt.Sscanf(loc.Query().Get("error_description"), "AADSTS%f:", &code)
		out.json["error_codes"] = []any{code}
		return out
	}
	return h.token(tenant, form("grant_type", "authorization_code", "client_id", clientID, "code", loc.Query().Get("code"),
		"redirect_uri", redirect, "code_verifier", pkceVerifier))
}

// jwtClaims decodes a JWT's payload (the signature is the verifier's
// business, tested elsewhere).
func jwtClaims(t *testing.T, jwt string) map[string]any {
	t.Helper()
	parts := strings.Split(jwt, ".")
	if len(parts) != 3 {
		t.Fatalf("not a JWT: %q", jwt)
	}
	b, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

func with(v url.Values, pairs ...string) url.Values {
	out := url.Values{}
	for k, vs := range v {
		out[k] = append([]string(nil), vs...)
	}
	for i := 0; i+1 < len(pairs); i += 2 {
		out.Set(pairs[i], pairs[i+1])
	}
	return out
}
