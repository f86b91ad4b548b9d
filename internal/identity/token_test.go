package identity

import (
	"net/url"
	"reflect"
	"testing"
)

// Each grant type parses its own parameters into a value, before any
// client is authenticated; what it lacks is its own answer.
func TestParseGrantRequests(t *testing.T) {
	tenant := tenantSeg{raw: "contoso.com", kind: segTenant}
	for _, c := range []struct {
		name   string
		form   url.Values
		ts     tenantSeg
		aadsts int   // 0: parses
		want   grant // the value parsed
	}{
		{"code", form("grant_type", "authorization_code", "code", "c1", "redirect_uri", redirect, "code_verifier", "v"), tenant, 0,
			codeRequest{code: "c1", redirectURI: redirect, verifier: "v"}},
		{"code without code", form("grant_type", "authorization_code", "redirect_uri", redirect), tenant, 900144, nil},
		{"refresh", form("grant_type", "refresh_token", "refresh_token", "rt", "scope", "User.Read"), tenant, 0, refreshRequest{token: "rt", scope: "User.Read"}},
		{"refresh without token", form("grant_type", "refresh_token", "scope", "User.Read"), tenant, 900144, nil},
		{"client credentials", form("grant_type", "client_credentials", "scope", graphDefault), tenant, 0, clientCredentialsRequest{scope: graphDefault}},
		// An app-only token is for one tenant: /common and /organizations
		// are refused before anything else.
		{"client credentials on /common", form("grant_type", "client_credentials", "scope", graphDefault), tenantSeg{raw: "common", kind: segCommon}, 50059, nil},
		{"client credentials on /organizations", form("grant_type", "client_credentials"), tenantSeg{raw: "organizations", kind: segOrganizations}, 50059, nil},
		{"password", form("grant_type", "password", "username", "adele@contoso.com", "password", "pw", "scope", "User.Read"), tenant, 0,
			passwordRequest{username: "adele@contoso.com", password: "pw", scope: "User.Read"}},
		{"password without username", form("grant_type", "password", "password", "pw"), tenant, 900144, nil},
		{"password without password", form("grant_type", "password", "username", "adele@contoso.com"), tenant, 900144, nil},
		{"device code", form("grant_type", "device_code", "device_code", "dc"), tenant, 0, deviceCodeRequest{code: "dc"}},
		// MSAL's other spelling.
		{"device code as code", form("grant_type", "urn:ietf:params:oauth:grant-type:device_code", "code", "dc"), tenant, 0, deviceCodeRequest{code: "dc"}},
		{"device code without code", form("grant_type", "device_code"), tenant, 900144, nil},
		{"on-behalf-of", form("requested_token_use", "on_behalf_of", "assertion", "ey", "scope", "User.Read"), tenant, 0, onBehalfOfRequest{assertion: "ey", scope: "User.Read"}},
		{"on-behalf-of without requested_token_use", form("assertion", "ey"), tenant, 9002313, nil},
		{"on-behalf-of without assertion", form("requested_token_use", "on_behalf_of"), tenant, 900144, nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			gt := c.form.Get("grant_type")
			if gt == "" {
				gt = "urn:ietf:params:oauth:grant-type:jwt-bearer"
			}
			typ, ok := findGrantType(gt)
			if !ok {
				t.Fatalf("no grant type %q", gt)
			}
			g, e := typ.parse(c.form, c.ts)
			switch {
			case c.aadsts != 0 && (e == nil || e.AADSTS != c.aadsts):
				t.Fatalf("parse = %v, %v; want AADSTS%d", g, e, c.aadsts)
			case c.aadsts == 0 && e != nil:
				t.Fatalf("parse: %v", e)
			case !reflect.DeepEqual(g, c.want):
				t.Errorf("parse = %#v, want %#v", g, c.want)
			}
		})
	}
	if _, ok := findGrantType("urn:ietf:params:oauth:grant-type:saml1_1-bearer"); ok {
		t.Error("a grant type graphgate does not serve was found")
	}
}

// The token endpoint answers in a fixed order: the grant's own missing
// parameters, then the client (authenticated once, by handleToken, for
// every grant), then whether the grant admits a public client, then what
// the grant finds.
func TestTokenEndpointOrder(t *testing.T) {
	h := newHarness(t, Config{})
	const unknownClient = "0f0f0f0f-0000-4000-8000-000000000000"
	for _, c := range []struct {
		name   string
		tenant string
		form   url.Values
		status int
		code   string
		aadsts int
	}{
		// A missing parameter is answered before the unknown client.
		{"code: no code, unknown client", h.contoso.ID, form("grant_type", "authorization_code", "client_id", unknownClient), 400, "invalid_request", 900144},
		{"password: no password, unknown client", h.contoso.ID, form("grant_type", "password", "client_id", unknownClient, "username", "x"), 400, "invalid_request", 900144},
		{"device: no code, unknown client", h.contoso.ID, form("grant_type", "device_code", "client_id", unknownClient), 400, "invalid_request", 900144},
		{"refresh: no token, unknown client", h.contoso.ID, form("grant_type", "refresh_token", "client_id", unknownClient), 400, "invalid_request", 900144},
		{"client credentials on /common, unknown client", "common", form("grant_type", "client_credentials", "client_id", unknownClient), 400, "invalid_request", 50059},
		// The unknown client is answered before what the grant would find
		// (a code, refresh token or device code that does not exist).
		{"code: unknown client before unknown code", h.contoso.ID, form("grant_type", "authorization_code", "client_id", unknownClient, "code", "nope"), 400, "unauthorized_client", 700016},
		{"refresh: unknown client before unknown token", h.contoso.ID, form("grant_type", "refresh_token", "client_id", unknownClient, "refresh_token", "nope"), 400, "unauthorized_client", 700016},
		{"device: unknown client before unknown code", h.contoso.ID, form("grant_type", "device_code", "client_id", unknownClient, "device_code", "nope"), 400, "unauthorized_client", 700016},
		// A confidential app that sends no credential is refused by the
		// client authentication, whatever the grant.
		{"code: confidential client without its secret", h.contoso.ID, form("grant_type", "authorization_code", "client_id", contosoAPIID, "code", "nope"), 401, "invalid_client", 7000218},
		// The grants only a confidential client may use refuse a public
		// one before looking at the scope.
		{"client credentials: public client", h.contoso.ID, form("grant_type", "client_credentials", "client_id", haID, "scope", "Not.A.Scope"), 401, "invalid_client", 7000218},
		{"on-behalf-of: public client", h.contoso.ID, form("grant_type", "urn:ietf:params:oauth:grant-type:jwt-bearer", "requested_token_use", "on_behalf_of",
			"client_id", haID, "assertion", "not-a-token"), 401, "invalid_client", 7000218},
		// And then the grant: an unknown code for a known client.
		{"code: unknown code", h.contoso.ID, form("grant_type", "authorization_code", "client_id", haID, "code", "nope", "redirect_uri", redirect), 400, "invalid_grant", 9002313},
	} {
		t.Run(c.name, func(t *testing.T) {
			wantErr(t, h.token(c.tenant, c.form), c.status, c.code, c.aadsts)
		})
	}
}
