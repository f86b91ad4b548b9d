package e2e

// Protocol tests: raw HTTP against the real server, checking the identity
// platform's wire behaviour (endpoints, error shapes, AADSTS codes, consent,
// code and token life cycles) without a client library in between.

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"html"
	"io"
	"math/big"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/google/uuid"

	"graphgate/internal/clock"
	"graphgate/internal/demo"
	"graphgate/internal/server"
	"graphgate/internal/store"
)

const (
	graphDotDefault = "https://graph.microsoft.com/.default"
	globalAdminWID  = "62e90394-69f5-4237-9190-012177145e10"
)

var (
	guidRE  = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)
	stampRE = regexp.MustCompile(`^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}Z$`)
)

// ---------------------------------------------------------------------------
// Raw HTTP helpers.

// jsonResp is one answer of a JSON endpoint.
type jsonResp struct {
	status int
	header http.Header
	body   map[string]any
	raw    string
	corr   string // the client-request-id the request carried
}

func (r jsonResp) str(k string) string { s, _ := r.body[k].(string); return s }

// num is a numeric field (0 when absent).
func (r jsonResp) num(k string) float64 { n, _ := r.body[k].(float64); return n }

func (r jsonResp) String() string { return fmt.Sprintf("HTTP %d %s", r.status, r.raw) }

// call sends req with a fresh client-request-id and decodes a JSON answer.
func call(t *testing.T, e *env, req *http.Request) jsonResp {
	t.Helper()
	corr := uuid.NewString()
	req.Header.Set("client-request-id", corr)
	resp, err := e.client.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	r := jsonResp{status: resp.StatusCode, header: resp.Header, raw: string(b), corr: corr}
	if strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
		if err := json.Unmarshal(b, &r.body); err != nil {
			t.Fatalf("%s %s: bad JSON %q: %v", req.Method, req.URL, b, err)
		}
	}
	return r
}

func getJSON(t *testing.T, e *env, u string) jsonResp {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, u, nil)
	return call(t, e, req)
}

// postForm posts v to the tenant's token endpoint; mod may change the request.
func postToken(t *testing.T, e *env, tenant string, v url.Values, mod ...func(*http.Request)) jsonResp {
	t.Helper()
	return postFormTo(t, e, e.base+"/"+tenant+"/oauth2/v2.0/token", v, mod...)
}

func postFormTo(t *testing.T, e *env, u string, v url.Values, mod ...func(*http.Request)) jsonResp {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, u, strings.NewReader(v.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for _, m := range mod {
		m(req)
	}
	return call(t, e, req)
}

// kv builds form values from name, value pairs.
func kv(pairs ...string) url.Values {
	v := url.Values{}
	for i := 0; i+1 < len(pairs); i += 2 {
		v.Set(pairs[i], pairs[i+1])
	}
	return v
}

func with(v url.Values, pairs ...string) url.Values {
	out := url.Values{}
	for k, vs := range v {
		out[k] = append([]string(nil), vs...)
	}
	for i := 0; i+1 < len(pairs); i += 2 {
		if pairs[i+1] == "" {
			out.Del(pairs[i])
		} else {
			out.Set(pairs[i], pairs[i+1])
		}
	}
	return out
}

// wantError checks Microsoft's error shape, status, error and AADSTS code.
func wantError(t *testing.T, r jsonResp, status int, code string, aadsts int) {
	t.Helper()
	if r.status != status || r.body == nil || r.str("error") != code {
		t.Errorf("want %d %s AADSTS%d, got %s", status, code, aadsts, r)
		return
	}
	codes, _ := r.body["error_codes"].([]any)
	if len(codes) != 1 || codes[0] != float64(aadsts) {
		t.Errorf("error_codes %v, want [%d]: %s", r.body["error_codes"], aadsts, r.raw)
	}
	desc, trace, corr, stamp := r.str("error_description"), r.str("trace_id"), r.str("correlation_id"), r.str("timestamp")
	if !strings.HasPrefix(desc, fmt.Sprintf("AADSTS%d: ", aadsts)) {
		t.Errorf("error_description %q does not start with AADSTS%d", desc, aadsts)
	}
	if !guidRE.MatchString(trace) {
		t.Errorf("trace_id %q is not a GUID", trace)
	}
	if corr != r.corr {
		t.Errorf("correlation_id %q does not echo client-request-id %q", corr, r.corr)
	}
	if !stampRE.MatchString(stamp) {
		t.Errorf("timestamp %q is not YYYY-MM-DD hh:mm:ssZ", stamp)
	}
	if tail := "\r\nTrace ID: " + trace + "\r\nCorrelation ID: " + corr + "\r\nTimestamp: " + stamp; !strings.HasSuffix(desc, tail) {
		t.Errorf("error_description %q does not end with %q", desc, tail)
	}
	if u := r.str("error_uri"); !strings.HasPrefix(u, "https://") {
		t.Errorf("error_uri %q", u)
	}
	if !strings.HasPrefix(r.header.Get("Content-Type"), "application/json") {
		t.Errorf("Content-Type %q", r.header.Get("Content-Type"))
	}
	if status == http.StatusUnauthorized && r.header.Get("WWW-Authenticate") == "" {
		t.Errorf("401 without WWW-Authenticate")
	}
}

func wantSubError(t *testing.T, r jsonResp, sub string) {
	t.Helper()
	if r.str("suberror") != sub {
		t.Errorf("suberror %q, want %q: %s", r.str("suberror"), sub, r.raw)
	}
}

func wantOK(t *testing.T, r jsonResp) {
	t.Helper()
	if r.status != http.StatusOK || r.str("access_token") == "" {
		t.Fatalf("want a token, got %s", r)
	}
	if r.str("token_type") != "Bearer" {
		t.Errorf("token_type %q", r.str("token_type"))
	}
	if n, _ := r.body["expires_in"].(float64); n <= 0 {
		t.Errorf("expires_in %v", r.body["expires_in"])
	}
	if _, ok := r.body["ext_expires_in"].(float64); !ok {
		t.Errorf("ext_expires_in %v", r.body["ext_expires_in"])
	}
	if cc := r.header.Get("Cache-Control"); !strings.Contains(cc, "no-store") {
		t.Errorf("Cache-Control %q", cc)
	}
}

// ---------------------------------------------------------------------------
// Browser (authorize) helpers.

func (e *env) authorizeURL(tenant string, v url.Values) string {
	return e.base + "/" + tenant + "/oauth2/v2.0/authorize?" + v.Encode()
}

func authParams(clientID, redirect, scope string, pairs ...string) url.Values {
	v := kv("client_id", clientID, "response_type", "code", "redirect_uri", redirect, "scope", scope, "state", "st-"+uuid.NewString()[:8])
	return with(v, pairs...)
}

func pkcePair() (verifier, challenge string) {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	verifier = base64.RawURLEncoding.EncodeToString(b)
	sum := sha256.Sum256([]byte(verifier))
	return verifier, base64.RawURLEncoding.EncodeToString(sum[:])
}

// browserFor returns a browser reporting to t (subtests need their own t).
func browserFor(t *testing.T, e *env) *browser {
	b := e.browser()
	b.t = t
	return b
}

// redirected reads the parameters a 302 delivers to the redirect URI, from
// the query or the fragment.
func redirected(t *testing.T, p *page) (*url.URL, url.Values) {
	t.Helper()
	if p.status != http.StatusFound || p.location == "" {
		t.Fatalf("want a redirect, got %d: %s", p.status, p.body)
	}
	u, err := url.Parse(p.location)
	if err != nil {
		t.Fatal(err)
	}
	if u.Fragment != "" {
		q, err := url.ParseQuery(u.Fragment)
		if err != nil {
			t.Fatal(err)
		}
		return u, q
	}
	return u, u.Query()
}

// wantRedirectError checks an error delivered to the redirect URI.
func wantRedirectError(t *testing.T, q url.Values, code string, aadsts int, state string) {
	t.Helper()
	if q.Get("error") != code {
		t.Errorf("error %q, want %q (%v)", q.Get("error"), code, q)
	}
	desc := q.Get("error_description")
	if aadsts != 0 && !strings.HasPrefix(desc, fmt.Sprintf("AADSTS%d: ", aadsts)) {
		t.Errorf("error_description %q, want AADSTS%d", desc, aadsts)
	}
	if !strings.Contains(desc, "\r\nTrace ID: ") || !strings.Contains(desc, "\r\nTimestamp: ") {
		t.Errorf("error_description %q lacks trace and timestamp", desc)
	}
	if q.Get("state") != state {
		t.Errorf("state %q, want %q", q.Get("state"), state)
	}
	if q.Get("code") != "" {
		t.Errorf("an error redirect carries a code: %v", q)
	}
}

// codeFlow runs authorize, signs in (and consents), and returns what the
// redirect URI receives.
func codeFlow(t *testing.T, b *browser, tenant string, v url.Values, u demo.User) url.Values {
	t.Helper()
	p := b.signIn(b.get(b.e.authorizeURL(tenant, v)), u.UserPrincipalName, u.Password, true)
	_, q := redirected(t, p)
	if q.Get("code") == "" {
		t.Fatalf("no code: %v", q)
	}
	if q.Get("state") != v.Get("state") {
		t.Errorf("state %q, want %q", q.Get("state"), v.Get("state"))
	}
	return q
}

func redeemParams(clientID, secret, code, redirect, verifier string) url.Values {
	v := kv("grant_type", "authorization_code", "client_id", clientID, "code", code, "redirect_uri", redirect, "client_info", "1")
	if secret != "" {
		v.Set("client_secret", secret)
	}
	if verifier != "" {
		v.Set("code_verifier", verifier)
	}
	return v
}

func passwordParams(clientID string, u demo.User, scope string) url.Values {
	return kv("grant_type", "password", "client_id", clientID, "username", u.UserPrincipalName, "password", u.Password, "scope", scope, "client_info", "1")
}

func refreshParams(clientID, rt, scope string) url.Values {
	return kv("grant_type", "refresh_token", "client_id", clientID, "refresh_token", rt, "scope", scope, "client_info", "1")
}

func hasCookie(h http.Header, name string) (value string, cleared bool, found bool) {
	for _, sc := range h.Values("Set-Cookie") {
		c, err := http.ParseSetCookie(sc)
		if err != nil || c.Name != name {
			continue
		}
		return c.Value, c.MaxAge < 0 || (!c.Expires.IsZero() && c.Expires.Before(time.Now())), true
	}
	return "", false, false
}

func fields(s string) []string { return strings.Fields(s) }

// ---------------------------------------------------------------------------
// Discovery, keys, instance discovery, UserRealm.

func TestProtocolDiscovery(t *testing.T) {
	e := start(t)
	for _, c := range []struct{ name, seg, tid string }{
		{"guid", demo.TenantID, demo.TenantID},
		{"guid in upper case", strings.ToUpper(demo.TenantID), demo.TenantID},
		{"domain", demo.TenantDomain, demo.TenantID},
		{"common", "common", "{tenantid}"},
		{"organizations", "organizations", "{tenantid}"},
		{"consumers", "consumers", store.PersonalTenantID},
		{"personal domain", "outlook.com", store.PersonalTenantID},
	} {
		t.Run(c.name, func(t *testing.T) {
			for _, path := range []string{"/v2.0/.well-known/openid-configuration", "/.well-known/openid-configuration"} {
				r := getJSON(t, e, e.base+"/"+c.seg+path)
				if r.status != http.StatusOK {
					t.Fatalf("%s: %s", path, r)
				}
				want := map[string]string{
					"issuer":                        e.base + "/" + c.tid + "/v2.0",
					"token_endpoint":                e.base + "/" + c.seg + "/oauth2/v2.0/token",
					"authorization_endpoint":        e.base + "/" + c.seg + "/oauth2/v2.0/authorize",
					"device_authorization_endpoint": e.base + "/" + c.seg + "/oauth2/v2.0/devicecode",
					"end_session_endpoint":          e.base + "/" + c.seg + "/oauth2/v2.0/logout",
					"jwks_uri":                      e.base + "/" + c.seg + "/discovery/v2.0/keys",
					"msgraph_host":                  strings.TrimPrefix(e.base, "https://"),
				}
				for k, v := range want {
					if r.str(k) != v {
						t.Errorf("%s %s = %q, want %q", path, k, r.str(k), v)
					}
				}
				for _, k := range []string{"token_endpoint", "authorization_endpoint", "device_authorization_endpoint"} {
					if strings.Contains(strings.TrimPrefix(r.str(k), e.base), "token") != (k == "token_endpoint") {
						t.Errorf("%s %q: only the token endpoint may contain 'token' (MSAL derives URLs by replacement)", k, r.str(k))
					}
				}
				// No code_challenge_methods_supported: Entra publishes none.
				if _, ok := r.body["code_challenge_methods_supported"]; ok || !hasAll(r.body["response_modes_supported"], "query", "fragment", "form_post") {
					t.Errorf("capabilities: %s", r.raw)
				}
			}
		})
	}

	t.Run("issuer follows the Host", func(t *testing.T) {
		ip := strings.Replace(e.base, "localhost", "127.0.0.1", 1)
		a := getJSON(t, e, e.base+"/"+demo.TenantID+"/v2.0/.well-known/openid-configuration")
		b := getJSON(t, e, ip+"/"+demo.TenantID+"/v2.0/.well-known/openid-configuration")
		if a.status != 200 || b.status != 200 {
			t.Fatalf("%s / %s", a, b)
		}
		if a.str("issuer") == b.str("issuer") {
			t.Errorf("localhost and 127.0.0.1 share issuer %q", a.str("issuer"))
		}
		for _, k := range []string{"issuer", "token_endpoint", "authorization_endpoint", "jwks_uri"} {
			if !strings.HasPrefix(b.str(k), ip+"/") {
				t.Errorf("127.0.0.1 %s = %q", k, b.str(k))
			}
		}
	})

	t.Run("unknown tenant", func(t *testing.T) {
		for _, seg := range []string{"00000000-0000-4000-8000-000000000001", "nowhere.example", "contoso"} {
			wantError(t, getJSON(t, e, e.base+"/"+seg+"/v2.0/.well-known/openid-configuration"), 400, "invalid_request", 90002)
			wantError(t, getJSON(t, e, e.base+"/"+seg+"/discovery/v2.0/keys"), 400, "invalid_request", 90002)
			wantError(t, postToken(t, e, seg, kv("grant_type", "client_credentials")), 400, "invalid_request", 90002)
		}
	})
}

func TestProtocolJWKSVerifiesTokens(t *testing.T) {
	e := start(t)
	d := e.app("daemon")
	keysets := map[string]jsonResp{}
	for _, p := range []string{"/" + demo.TenantID + "/discovery/v2.0/keys", "/common/discovery/v2.0/keys", "/common/discovery/keys"} {
		r := getJSON(t, e, e.base+p)
		if r.status != 200 {
			t.Fatalf("%s: %s", p, r)
		}
		keysets[p] = r
	}
	r := keysets["/"+demo.TenantID+"/discovery/v2.0/keys"]
	keys, _ := r.body["keys"].([]any)
	if len(keys) == 0 {
		t.Fatalf("no keys: %s", r.raw)
	}
	pubs := map[string]*rsa.PublicKey{}
	for _, k := range keys {
		m := k.(map[string]any)
		for _, f := range []string{"kty", "use", "kid", "x5t", "n", "e"} {
			if s, _ := m[f].(string); s == "" {
				t.Errorf("key lacks %s: %v", f, m)
			}
		}
		if m["kty"] != "RSA" || m["use"] != "sig" || m["e"] != "AQAB" {
			t.Errorf("key: %v", m)
		}
		x5c, _ := m["x5c"].([]any)
		if len(x5c) == 0 {
			t.Fatalf("key lacks x5c: %v", m)
		}
		der, err := base64.StdEncoding.DecodeString(x5c[0].(string))
		if err != nil {
			t.Fatalf("x5c is not standard base64: %v", err)
		}
		cert, err := x509.ParseCertificate(der)
		if err != nil {
			t.Fatal(err)
		}
		sum := sha1.Sum(cert.Raw)
		if got := base64.RawURLEncoding.EncodeToString(sum[:]); got != m["x5t"] {
			t.Errorf("x5t %v is not the certificate's SHA-1 thumbprint %s", m["x5t"], got)
		}
		pub := cert.PublicKey.(*rsa.PublicKey)
		n, _ := base64.RawURLEncoding.DecodeString(m["n"].(string))
		if new(big.Int).SetBytes(n).Cmp(pub.N) != 0 {
			t.Errorf("n does not match the certificate")
		}
		if iss, _ := m["issuer"].(string); iss != e.base+"/"+demo.TenantID+"/v2.0" {
			t.Errorf("key issuer %q", iss)
		}
		pubs[m["kid"].(string)] = pub
	}
	// A token verifies with the published key named by its kid.
	tok := postToken(t, e, demo.TenantID, kv("grant_type", "client_credentials", "client_id", d.ClientID, "client_secret", d.Secret, "scope", graphDotDefault))
	wantOK(t, tok)
	jws, err := jose.ParseSigned(tok.str("access_token"), []jose.SignatureAlgorithm{jose.RS256})
	if err != nil {
		t.Fatal(err)
	}
	h := jws.Signatures[0].Header
	pub, ok := pubs[h.KeyID]
	if !ok {
		t.Fatalf("token kid %q not in the JWKS", h.KeyID)
	}
	if _, err := jws.Verify(pub); err != nil {
		t.Errorf("token does not verify with the JWKS key: %v", err)
	}
	if x5t, _ := h.ExtraHeaders["x5t"].(string); x5t == "" {
		t.Errorf("token header lacks x5t: %+v", h)
	}
}

func TestProtocolInstanceDiscoveryAndUserRealm(t *testing.T) {
	e := start(t)
	host := strings.TrimPrefix(e.base, "https://")
	ae := e.base + "/" + demo.TenantDomain + "/oauth2/v2.0/authorize"
	r := getJSON(t, e, e.base+"/common/discovery/instance?api-version=1.1&authorization_endpoint="+url.QueryEscape(ae))
	if r.status != 200 || r.str("tenant_discovery_endpoint") != e.base+"/"+demo.TenantDomain+"/v2.0/.well-known/openid-configuration" || r.str("api-version") != "1.1" {
		t.Errorf("instance discovery: %s", r)
	}
	md, _ := r.body["metadata"].([]any)
	if len(md) != 1 || !hasAll(md[0].(map[string]any)["aliases"], host) || md[0].(map[string]any)["preferred_network"] != host {
		t.Errorf("instance discovery metadata: %v", r.body["metadata"])
	}

	for _, c := range []struct {
		upn, kind, domain string
	}{
		{e.user("adele").UserPrincipalName, "Managed", demo.TenantDomain},
		{"someone@" + strings.ToUpper(demo.TenantDomain), "Managed", strings.ToUpper(demo.TenantDomain)},
		{"nobody@fabrikam.example", "Unknown", "fabrikam.example"},
	} {
		for _, p := range []string{"/common/UserRealm/", "/common/userrealm/"} {
			r := getJSON(t, e, e.base+p+url.PathEscape(c.upn)+"?api-version=1.0")
			if r.status != 200 || r.str("account_type") != c.kind || r.str("domain_name") != c.domain ||
				r.str("cloud_instance_name") == "" || r.str("cloud_audience_urn") == "" {
				t.Errorf("UserRealm %s: %s", c.upn, r)
			}
		}
	}
}

// ---------------------------------------------------------------------------
// Token endpoint input errors.

func TestProtocolTokenInputErrors(t *testing.T) {
	e := start(t)
	d, w, ha, api := e.app("daemon"), e.app("webapp"), e.app("homeassistant"), e.app("api")
	adele := e.user("adele")
	cc := kv("grant_type", "client_credentials", "client_id", d.ClientID, "client_secret", d.Secret, "scope", graphDotDefault)
	pw := passwordParams(ha.ClientID, adele, "User.Read")
	basic := func(id, secret string) func(*http.Request) {
		return func(r *http.Request) { r.SetBasicAuth(id, secret) }
	}
	body := func(ct, b string) func(*http.Request) {
		return func(r *http.Request) {
			r.Header.Set("Content-Type", ct)
			r.Body = io.NopCloser(strings.NewReader(b))
			r.ContentLength = int64(len(b))
		}
	}
	for _, c := range []struct {
		name   string
		tenant string
		form   url.Values
		mod    func(*http.Request)
		status int
		code   string
		aadsts int
	}{
		{"missing grant_type", demo.TenantID, with(cc, "grant_type", ""), nil, 400, "invalid_request", 900144},
		{"unsupported grant", demo.TenantID, with(cc, "grant_type", "implicit"), nil, 400, "unsupported_grant_type", 70003},
		{"saml grant", demo.TenantID, with(cc, "grant_type", "urn:ietf:params:oauth:grant-type:saml1_1-bearer"), nil, 400, "unsupported_grant_type", 70003},
		{"JSON body", demo.TenantID, cc, body("application/json", `{"grant_type":"client_credentials"}`), 400, "invalid_request", 9002313},
		{"form body as text/plain", demo.TenantID, cc, body("text/plain", cc.Encode()), 400, "invalid_request", 9002313},
		{"missing client_id", demo.TenantID, with(cc, "client_id", ""), nil, 400, "invalid_request", 900144},
		{"unknown client", demo.TenantID, with(cc, "client_id", "11111111-2222-4333-8444-555555555555"), nil, 400, "unauthorized_client", 700016},
		{"wrong secret", demo.TenantID, with(cc, "client_secret", "not-the-secret"), nil, 401, "invalid_client", 7000215},
		{"wrong secret via Basic", demo.TenantID, with(cc, "client_id", "", "client_secret", ""), basic(d.ClientID, "nope"), 401, "invalid_client", 7000215},
		{"Basic and body name different clients", demo.TenantID, with(cc, "client_secret", ""), basic(w.ClientID, w.Secret), 400, "invalid_request", 9002313},
		{"public client sends a secret", demo.TenantID, with(pw, "client_secret", "whatever"), nil, 401, "invalid_client", 700025},
		{"confidential client without credential", demo.TenantID, passwordParams(w.ClientID, adele, "User.Read"), nil, 401, "invalid_client", 7000218},
		{"client_credentials by a public client", demo.TenantID, with(cc, "client_id", ha.ClientID, "client_secret", ""), nil, 401, "invalid_client", 7000218},
		{"client_credentials on /common", "common", cc, nil, 400, "invalid_request", 50059},
		{"client_credentials on /organizations", "organizations", cc, nil, 400, "invalid_request", 50059},
		{"client_credentials without scope", demo.TenantID, with(cc, "scope", ""), nil, 400, "invalid_scope", 70011},
		{"client_credentials with a delegated scope", demo.TenantID, with(cc, "scope", "https://graph.microsoft.com/User.Read"), nil, 400, "invalid_scope", 1002012},
		{"client_credentials with a short scope", demo.TenantID, with(cc, "scope", "Mail.Read"), nil, 400, "invalid_scope", 1002012},
		{"client_credentials with an application permission", demo.TenantID, with(cc, "scope", "https://graph.microsoft.com/Application.ReadWrite.OwnedBy"), nil, 400, "invalid_scope", 1002012},
		{"client_credentials with MSAL's extras and a scope", demo.TenantID, with(cc, "scope", "openid offline_access profile https://graph.microsoft.com/Mail.Read"), nil, 400, "invalid_scope", 1002012},
		{"client_credentials for a foreign resource", demo.TenantID, with(cc, "scope", "https://management.azure.com/.default"), nil, 400, "invalid_resource", 500011},
		{"unknown scope", demo.TenantID, with(pw, "scope", "Foo.Bar"), nil, 400, "invalid_scope", 70011},
		{"unknown qualified scope", demo.TenantID, with(pw, "scope", "https://graph.microsoft.com/Foo.Bar"), nil, 400, "invalid_scope", 70011},
		{"application permission as a delegated scope", demo.TenantID, with(pw, "scope", "https://graph.microsoft.com/Application.ReadWrite.OwnedBy"), nil, 400, "invalid_scope", 70011},
		{"/.default mixed with Graph scopes", demo.TenantID, with(pw, "scope", graphDotDefault+" User.Read"), nil, 400, "invalid_scope", 70011},
		{"bare .default", demo.TenantID, with(pw, "scope", ".default"), nil, 400, "invalid_scope", 70011},
		{"foreign resource", demo.TenantID, with(pw, "scope", "https://outlook.office.com/Mail.Read"), nil, 400, "invalid_resource", 500011},
		{"unregistered api:// resource", demo.TenantID, with(pw, "scope", "api://11111111-2222-4333-8444-555555555555/access_as_user"), nil, 400, "invalid_resource", 500011},
		{"api:// and Graph in one request", demo.TenantID, with(pw, "scope", "api://"+api.ClientID+"/access_as_user User.Read"), nil, 400, "invalid_scope", 70011},
		{"Graph and api:// in one request", demo.TenantID, with(pw, "scope", "User.Read api://"+api.ClientID+"/access_as_user"), nil, 400, "invalid_scope", 70011},
		{"password without username", demo.TenantID, with(pw, "username", ""), nil, 400, "invalid_request", 900144},
		{"wrong password", demo.TenantID, with(pw, "password", "nope"), nil, 400, "invalid_grant", 50126},
		{"unknown user", demo.TenantID, with(pw, "username", "nobody@"+demo.TenantDomain), nil, 400, "invalid_grant", 50034},
		{"authorization_code without code", demo.TenantID, kv("grant_type", "authorization_code", "client_id", w.ClientID, "client_secret", w.Secret), nil, 400, "invalid_request", 900144},
		{"unknown code", demo.TenantID, redeemParams(w.ClientID, w.Secret, "1.Anot-a-code", "http://localhost", ""), nil, 400, "invalid_grant", 9002313},
		{"unknown refresh token", demo.TenantID, refreshParams(ha.ClientID, "0.Anot-a-token", "User.Read"), nil, 400, "invalid_grant", 9002313},
		{"refresh without refresh_token", demo.TenantID, refreshParams(ha.ClientID, "", "User.Read"), nil, 400, "invalid_request", 900144},
		{"device_code without device_code", "organizations", kv("grant_type", "device_code", "client_id", ha.ClientID), nil, 400, "invalid_request", 900144},
		{"on-behalf-of without requested_token_use", demo.TenantID, kv("grant_type", "urn:ietf:params:oauth:grant-type:jwt-bearer", "client_id", api.ClientID, "client_secret", api.Secret, "assertion", "x"), nil, 400, "invalid_request", 9002313},
		{"client assertion of the wrong type", demo.TenantID, with(cc, "client_secret", "", "client_assertion", "x.y.z", "client_assertion_type", "bearer"), nil, 400, "invalid_request", 9002313},
		{"client assertion that is not a JWT", demo.TenantID, with(cc, "client_secret", "", "client_assertion", "x.y.z", "client_assertion_type", "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"), nil, 401, "invalid_client", 700027},
	} {
		t.Run(c.name, func(t *testing.T) {
			var mods []func(*http.Request)
			if c.mod != nil {
				mods = append(mods, c.mod)
			}
			wantError(t, postToken(t, e, c.tenant, c.form, mods...), c.status, c.code, c.aadsts)
		})
	}
}

func TestProtocolClientSecrets(t *testing.T) {
	e := start(t)
	w := e.app("webapp")
	ctx := context.Background()
	// Secrets with the characters RFC 6749 §2.3.1 makes clients encode
	// (one with '%', one without), and an expired one.
	special := "a+b/c=d%e f:g&h~" + uuid.NewString()[:6]
	plus := "p+q/r=s t:u&v~" + uuid.NewString()[:6]
	err := e.srv.Store().UpdateApp(ctx, w.ClientID, func(a store.App) (store.App, error) {
		hash := e.srv.Identity().SecretHash
		a.Secrets = append(a.Secrets,
			store.ClientSecret{ID: uuid.NewString(), DisplayName: "special", Hint: "a+b", Hash: hash(special), ExpiresAt: time.Now().Add(time.Hour), CreatedAt: time.Now()},
			store.ClientSecret{ID: uuid.NewString(), DisplayName: "plus", Hint: "p+q", Hash: hash(plus), CreatedAt: time.Now()},
			store.ClientSecret{ID: uuid.NewString(), DisplayName: "old", Hint: "old", Hash: hash("expired-secret-value"), ExpiresAt: time.Now().Add(-time.Hour), CreatedAt: time.Now().Add(-48 * time.Hour)})
		return a, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	cc := kv("grant_type", "client_credentials", "scope", graphDotDefault)
	basic := func(id, secret string) func(*http.Request) {
		return func(r *http.Request) { r.SetBasicAuth(id, secret) }
	}
	// In the body.
	wantOK(t, postToken(t, e, demo.TenantID, with(cc, "client_id", w.ClientID, "client_secret", special)))
	// HTTP Basic, url-encoded as RFC 6749 §2.3.1 requires.
	r := postToken(t, e, demo.TenantID, cc, basic(url.QueryEscape(w.ClientID), url.QueryEscape(special)))
	wantOK(t, r)
	if cl := claims(t, r.str("access_token")); cl["appid"] != w.ClientID || cl["appidacr"] != "1" || cl["idtyp"] != "app" {
		t.Errorf("Basic-auth token: %v", cl)
	}
	if r.str("scope") != "" || r.str("refresh_token") != "" || r.str("id_token") != "" {
		t.Errorf("client credentials answer with scope/refresh/id token: %s", r.raw)
	}
	// The demo secret has no reserved characters: raw and encoded are equal.
	wantOK(t, postToken(t, e, demo.TenantID, cc, basic(w.ClientID, w.Secret)))
	// Basic with the client_id repeated in the body is fine.
	wantOK(t, postToken(t, e, demo.TenantID, with(cc, "client_id", w.ClientID), basic(w.ClientID, url.QueryEscape(special))))
	wantOK(t, postToken(t, e, demo.TenantID, cc, basic(w.ClientID, url.QueryEscape(plus))))
	wantOK(t, postToken(t, e, demo.TenantID, with(cc, "client_id", w.ClientID, "client_secret", plus)))
	// Not encoding '+' turns it into a space: the secret no longer matches.
	wantError(t, postToken(t, e, demo.TenantID, cc, basic(w.ClientID, plus)), 401, "invalid_client", 7000215)
	// An expired secret is AADSTS7000222, in the body and via Basic.
	wantError(t, postToken(t, e, demo.TenantID, with(cc, "client_id", w.ClientID, "client_secret", "expired-secret-value")), 401, "invalid_client", 7000222)
	wantError(t, postToken(t, e, demo.TenantID, cc, basic(w.ClientID, "expired-secret-value")), 401, "invalid_client", 7000222)
	// MSAL appends openid offline_access profile to client credentials.
	wantOK(t, postToken(t, e, demo.TenantID, with(cc, "client_id", w.ClientID, "client_secret", w.Secret, "scope", graphDotDefault+" openid offline_access profile")))
	// The Graph app id form of the resource works too.
	wantOK(t, postToken(t, e, demo.TenantDomain, with(cc, "client_id", w.ClientID, "client_secret", w.Secret, "scope", "00000003-0000-0000-c000-000000000000/.default")))
}

func TestProtocolAPIScopes(t *testing.T) {
	e := start(t)
	ha, api, d, adele := e.app("homeassistant"), e.app("api"), e.app("daemon"), e.user("adele")
	scope := "api://" + api.ClientID + "/access_as_user"
	r := postToken(t, e, demo.TenantID, passwordParams(ha.ClientID, adele, scope+" openid profile offline_access"))
	wantOK(t, r)
	cl := claims(t, r.str("access_token"))
	if cl["aud"] != "api://"+api.ClientID || cl["scp"] != "access_as_user" || cl["oid"] != adele.ID || cl["appid"] != ha.ClientID {
		t.Errorf("API token claims: %v", cl)
	}
	if !hasAll(r.str("scope"), scope) || strings.Contains(r.str("scope"), "offline_access") {
		t.Errorf("API token scope %q", r.str("scope"))
	}
	// It refreshes, staying an API token.
	r2 := postToken(t, e, demo.TenantID, refreshParams(ha.ClientID, r.str("refresh_token"), scope))
	wantOK(t, r2)
	if cl := claims(t, r2.str("access_token")); cl["aud"] != "api://"+api.ClientID {
		t.Errorf("refreshed API token: %v", cl)
	}
	// An app-only token for the API.
	r3 := postToken(t, e, demo.TenantID, kv("grant_type", "client_credentials", "client_id", d.ClientID, "client_secret", d.Secret, "scope", "api://"+api.ClientID+"/.default"))
	wantOK(t, r3)
	if cl := claims(t, r3.str("access_token")); cl["aud"] != "api://"+api.ClientID || cl["idtyp"] != "app" || cl["roles"] != nil {
		t.Errorf("app-only API token: %v", cl)
	}
	// …but not for an unregistered API.
	wantError(t, postToken(t, e, demo.TenantID, kv("grant_type", "client_credentials", "client_id", d.ClientID, "client_secret", d.Secret,
		"scope", "api://11111111-2222-4333-8444-555555555555/.default")), 400, "invalid_resource", 500011)
}

// ---------------------------------------------------------------------------
// Authorization code.

func TestProtocolAuthCodeSingleUse(t *testing.T) {
	e := start(t)
	w, adele := e.app("webapp"), e.user("adele")
	b := e.browser()
	q := codeFlow(t, b, demo.TenantID, authParams(w.ClientID, "http://localhost", "openid profile offline_access User.Read"), adele)
	redeem := redeemParams(w.ClientID, w.Secret, q.Get("code"), "http://localhost", "")
	first := postToken(t, e, demo.TenantID, redeem)
	wantOK(t, first)
	rt := first.str("refresh_token")
	if rt == "" {
		t.Fatalf("no refresh token: %s", first.raw)
	}
	// The replay is refused and revokes what the first redemption issued.
	wantError(t, postToken(t, e, demo.TenantID, redeem), 400, "invalid_grant", 54005)
	wantError(t, postToken(t, e, demo.TenantID, with(refreshParams(w.ClientID, rt, "User.Read"), "client_secret", w.Secret)), 400, "invalid_grant", 50173)
}

// TestProtocolAuthCodeExpired: a code redeemed after its 10 minutes is
// AADSTS70008, on the server's clock.
func TestProtocolAuthCodeExpired(t *testing.T) {
	t.Parallel()
	clk := clock.New(nil)
	e := start(t, func(cfg *server.Config) { cfg.Clock = clk })
	w, adele := e.app("webapp"), e.user("adele")
	q := codeFlow(t, e.browser(), demo.TenantID, authParams(w.ClientID, "http://localhost", "openid User.Read"), adele)
	if _, err := clk.Advance(10*time.Minute + time.Second); err != nil {
		t.Fatal(err)
	}
	wantError(t, postToken(t, e, demo.TenantID, redeemParams(w.ClientID, w.Secret, q.Get("code"), "http://localhost", "")), 400, "invalid_grant", 70008)
}

func TestProtocolAuthCodeRedemptionChecks(t *testing.T) {
	e := start(t)
	w, api, ha, adele := e.app("webapp"), e.app("api"), e.app("homeassistant"), e.user("adele")
	e.consent(ha.ClientID, adele.ID, "User.Read")
	b := e.browser()
	webCode := func(pairs ...string) string {
		t.Helper()
		return codeFlow(t, b, demo.TenantID, authParams(w.ClientID, "http://localhost", "openid User.Read", pairs...), adele).Get("code")
	}
	publicCode := func(challenge, method string) string {
		t.Helper()
		return codeFlow(t, b, "common", authParams(ha.ClientID, "http://localhost:8400", "openid User.Read",
			"code_challenge", challenge, "code_challenge_method", method), adele).Get("code")
	}

	t.Run("another client", func(t *testing.T) {
		r := postToken(t, e, demo.TenantID, redeemParams(api.ClientID, api.Secret, webCode(), "http://localhost", ""))
		wantError(t, r, 400, "invalid_grant", 9002313)
	})
	t.Run("redirect_uri differs", func(t *testing.T) {
		r := postToken(t, e, demo.TenantID, redeemParams(w.ClientID, w.Secret, webCode(), "https://localhost:5001/signin-oidc", ""))
		if r.status != 400 || r.str("error") != "invalid_grant" {
			t.Errorf("redirect mismatch: %s", r)
		}
		r = postToken(t, e, demo.TenantID, with(redeemParams(w.ClientID, w.Secret, webCode(), "", ""), "redirect_uri", ""))
		if r.status != 400 || r.str("error") != "invalid_grant" {
			t.Errorf("redirect omitted: %s", r)
		}
	})
	t.Run("another tenant segment", func(t *testing.T) {
		// A work account's code from /organizations is no good on /consumers.
		v, c := pkcePair()
		code := codeFlow(t, b, "organizations", authParams(ha.ClientID, "http://localhost", "openid User.Read",
			"code_challenge", c, "code_challenge_method", "S256"), adele).Get("code")
		wantError(t, postToken(t, e, "consumers", redeemParams(ha.ClientID, "", code, "http://localhost", v)), 400, "invalid_grant", 50020)
		// Nor is the single-tenant web app's on /common.
		wantError(t, postToken(t, e, "common", redeemParams(w.ClientID, w.Secret, webCode(), "http://localhost", "")), 400, "invalid_request", 50194)
	})
	t.Run("confidential client without its secret", func(t *testing.T) {
		wantError(t, postToken(t, e, demo.TenantID, redeemParams(w.ClientID, "", webCode(), "http://localhost", "")), 401, "invalid_client", 7000218)
	})
	t.Run("empty code_verifier without PKCE", func(t *testing.T) {
		// MSAL's confidential client sends code_verifier= when it used no PKCE.
		r := postToken(t, e, demo.TenantID, with(redeemParams(w.ClientID, w.Secret, webCode(), "http://localhost", ""), "code_verifier", ""))
		wantOK(t, r)
	})
	t.Run("PKCE S256", func(t *testing.T) {
		v, c := pkcePair()
		r := postToken(t, e, "common", redeemParams(ha.ClientID, "", publicCode(c, "S256"), "http://localhost:8400", v))
		wantOK(t, r)
		if cl := claims(t, r.str("access_token")); cl["appidacr"] != "0" || cl["appid"] != ha.ClientID {
			t.Errorf("public client token: %v", cl)
		}
	})
	t.Run("PKCE missing verifier", func(t *testing.T) {
		_, c := pkcePair()
		r := postToken(t, e, "common", redeemParams(ha.ClientID, "", publicCode(c, "S256"), "http://localhost:8400", ""))
		wantError(t, r, 400, "invalid_request", 900144)
	})
	t.Run("PKCE wrong verifier", func(t *testing.T) {
		_, c := pkcePair()
		other, _ := pkcePair()
		r := postToken(t, e, "common", redeemParams(ha.ClientID, "", publicCode(c, "S256"), "http://localhost:8400", other))
		wantError(t, r, 400, "invalid_grant", 501481)
	})
	t.Run("PKCE plain for a confidential client", func(t *testing.T) {
		v, _ := pkcePair()
		code := webCode("code_challenge", v, "code_challenge_method", "plain")
		wantError(t, postToken(t, e, demo.TenantID, redeemParams(w.ClientID, w.Secret, code, "http://localhost", v+"x")), 400, "invalid_grant", 501481)
		code = webCode("code_challenge", v, "code_challenge_method", "plain")
		wantOK(t, postToken(t, e, demo.TenantID, redeemParams(w.ClientID, w.Secret, code, "http://localhost", v)))
	})
	t.Run("PKCE S256 for a confidential client", func(t *testing.T) {
		v, c := pkcePair()
		code := webCode("code_challenge", c, "code_challenge_method", "S256")
		wantError(t, postToken(t, e, demo.TenantID, redeemParams(w.ClientID, w.Secret, code, "http://localhost", "")), 400, "invalid_request", 900144)
		code = webCode("code_challenge", c, "code_challenge_method", "S256")
		wantOK(t, postToken(t, e, demo.TenantID, redeemParams(w.ClientID, w.Secret, code, "http://localhost", v)))
	})
	t.Run("plain refused for a public client", func(t *testing.T) {
		v, _ := pkcePair()
		for _, method := range []string{"plain", ""} {
			st := "s-" + method
			p := b.get(e.authorizeURL("common", authParams(ha.ClientID, "http://localhost:8400", "User.Read", "state", st, "code_challenge", v, "code_challenge_method", method)))
			_, q := redirected(t, p)
			wantRedirectError(t, q, "invalid_request", 0, st)
		}
	})
	t.Run("public client without code_challenge", func(t *testing.T) {
		p := b.get(e.authorizeURL("common", authParams(ha.ClientID, "http://localhost:8400", "User.Read", "state", "s1")))
		_, q := redirected(t, p)
		wantRedirectError(t, q, "invalid_request", 9002325, "s1")
	})
	t.Run("unknown code_challenge_method", func(t *testing.T) {
		p := b.get(e.authorizeURL(demo.TenantID, authParams(w.ClientID, "http://localhost", "User.Read", "state", "s2", "code_challenge", "abc", "code_challenge_method", "S512")))
		_, q := redirected(t, p)
		wantRedirectError(t, q, "invalid_request", 0, "s2")
	})
}

func TestProtocolResponseModes(t *testing.T) {
	e := start(t)
	w, adele := e.app("webapp"), e.user("adele")
	b := e.browser()
	// query (the default)
	v := authParams(w.ClientID, "http://localhost", "openid User.Read")
	p := b.signIn(b.get(e.authorizeURL(demo.TenantID, v)), adele.UserPrincipalName, adele.Password, true)
	u, q := redirected(t, p)
	if u.Fragment != "" || u.Host != "localhost" || q.Get("code") == "" || q.Get("state") != v.Get("state") {
		t.Errorf("query mode: %s", p.location)
	}
	if q.Get("session_state") == "" {
		t.Errorf("no session_state: %s", p.location)
	}
	// query on a redirect URI that has a query already
	// fragment
	v = authParams(w.ClientID, "http://localhost", "openid User.Read", "response_mode", "fragment")
	p = b.get(e.authorizeURL(demo.TenantID, v))
	u, q = redirected(t, p)
	if u.RawQuery != "" || u.Fragment == "" || q.Get("code") == "" || q.Get("state") != v.Get("state") {
		t.Errorf("fragment mode: %s", p.location)
	}
	// form_post: an auto-submitting form to the redirect URI
	v = authParams(w.ClientID, "http://localhost", "openid User.Read", "response_mode", "form_post")
	p = b.get(e.authorizeURL(demo.TenantID, v))
	action, f := formPostTarget(p)
	if p.status != 200 || action != "http://localhost" || f.Get("code") == "" || f.Get("state") != v.Get("state") ||
		!strings.Contains(p.body, `onload="document.forms[0].submit()"`) || !strings.Contains(p.body, `method="post"`) {
		t.Errorf("form_post: %d %s", p.status, p.body)
	}
	// The form_post code works.
	wantOK(t, postToken(t, e, demo.TenantID, redeemParams(w.ClientID, w.Secret, f.Get("code"), "http://localhost", "")))
	// Errors use the response mode too.
	fresh := e.browser()
	v = authParams(w.ClientID, "http://localhost", "openid User.Read", "response_mode", "form_post", "prompt", "none")
	p = fresh.get(e.authorizeURL(demo.TenantID, v))
	action, f = formPostTarget(p)
	if action != "http://localhost" {
		t.Fatalf("form_post error: %d %s", p.status, p.body)
	}
	wantRedirectError(t, f, "login_required", 50058, v.Get("state"))
	v = authParams(w.ClientID, "http://localhost", "openid User.Read", "response_mode", "fragment", "prompt", "none")
	_, q = redirected(t, fresh.get(e.authorizeURL(demo.TenantID, v)))
	wantRedirectError(t, q, "login_required", 50058, v.Get("state"))
	// An unknown response mode is refused.
	v = authParams(w.ClientID, "http://localhost", "openid User.Read", "response_mode", "web_message")
	_, q = redirected(t, b.get(e.authorizeURL(demo.TenantID, v)))
	wantRedirectError(t, q, "invalid_request", 9002313, v.Get("state"))
	// So are response types other than code.
	v = authParams(w.ClientID, "http://localhost", "openid User.Read", "response_type", "token")
	_, q = redirected(t, b.get(e.authorizeURL(demo.TenantID, v)))
	wantRedirectError(t, q, "unsupported_response_type", 700054, v.Get("state"))
	// And an invalid scope goes back to the app.
	v = authParams(w.ClientID, "http://localhost", "openid Foo.Bar")
	_, q = redirected(t, b.get(e.authorizeURL(demo.TenantID, v)))
	wantRedirectError(t, q, "invalid_scope", 70011, v.Get("state"))
	// POST to authorize works like GET.
	v = authParams(w.ClientID, "http://localhost", "openid User.Read")
	p = b.post(e.base+"/"+demo.TenantID+"/oauth2/v2.0/authorize", v)
	if _, q = redirected(t, p); q.Get("code") == "" {
		t.Errorf("POST authorize: %v", q)
	}
}

func TestProtocolPromptAndLoginHint(t *testing.T) {
	e := start(t)
	w, adele, megan := e.app("webapp"), e.user("adele"), e.user("megan")
	b := e.browser()
	params := func(pairs ...string) url.Values {
		return authParams(w.ClientID, "http://localhost", "openid User.Read", pairs...)
	}
	// prompt=none without a session.
	v := params("prompt", "none")
	_, q := redirected(t, b.get(e.authorizeURL(demo.TenantID, v)))
	wantRedirectError(t, q, "login_required", 50058, v.Get("state"))

	// login_hint pre-fills the user name.
	p := b.get(e.authorizeURL(demo.TenantID, params("login_hint", adele.UserPrincipalName)))
	if len(p.forms) == 0 || p.forms[0].fields.Get("username") != adele.UserPrincipalName {
		t.Fatalf("login_hint not pre-filled: %s", p.body)
	}
	// A wrong password shows the page again, with an error and the name kept.
	p2 := b.submit(p, map[string]string{"username": adele.UserPrincipalName, "password": "wrong"}, "signin")
	if p2.status != 200 || p2.ids["error"] == "" || len(p2.forms) == 0 || p2.forms[0].fields.Get("username") != adele.UserPrincipalName {
		t.Fatalf("wrong password page: %d %s", p2.status, p2.body)
	}
	if _, ok := p2.ids["password"]; !ok {
		t.Fatalf("no password field after a wrong password")
	}
	// An unknown user is told so.
	p3 := b.submit(p, map[string]string{"username": "nobody@" + demo.TenantDomain, "password": "x"}, "signin")
	if p3.ids["error"] == "" || p3.ids["error"] == p2.ids["error"] {
		t.Errorf("unknown user message %q", p3.ids["error"])
	}
	// The right password then signs in.
	p = b.submit(p2, map[string]string{"password": adele.Password}, "signin")
	if _, q = redirected(t, p); q.Get("code") == "" {
		t.Fatalf("sign-in after a wrong password: %v", q)
	}

	// With the session, authorize answers at once, prompt=none too.
	for _, pv := range []url.Values{params(), params("prompt", "none"), params("login_hint", strings.ToUpper(adele.UserPrincipalName))} {
		p = b.get(e.authorizeURL(demo.TenantID, pv))
		if _, q = redirected(t, p); q.Get("code") == "" {
			t.Errorf("SSO %v: %v", pv, q)
		}
	}
	// prompt=login forces the sign-in page despite the session.
	p = b.get(e.authorizeURL(demo.TenantID, params("prompt", "login")))
	if _, ok := p.ids["password"]; !ok || p.status != 200 {
		t.Errorf("prompt=login: %d %s", p.status, p.location)
	}
	// A login_hint naming someone else asks that person to sign in.
	p = b.get(e.authorizeURL(demo.TenantID, params("login_hint", megan.UserPrincipalName)))
	if _, ok := p.ids["password"]; !ok || p.forms[0].fields.Get("username") != megan.UserPrincipalName {
		t.Errorf("login_hint for another user: %d %s", p.status, p.location)
	}
	// …and with prompt=none that is login_required.
	v = params("login_hint", megan.UserPrincipalName, "prompt", "none")
	_, q = redirected(t, b.get(e.authorizeURL(demo.TenantID, v)))
	wantRedirectError(t, q, "login_required", 50058, v.Get("state"))
}

func TestProtocolRedirectURIs(t *testing.T) {
	e := start(t)
	ha, w := e.app("homeassistant"), e.app("webapp")
	_, challenge := pkcePair()
	b := e.browser()
	try := func(clientID, tenant, redirect string) *page {
		v := authParams(clientID, redirect, "User.Read", "prompt", "none", "code_challenge", challenge, "code_challenge_method", "S256")
		if redirect == "" {
			v.Del("redirect_uri")
		}
		return b.get(e.authorizeURL(tenant, v))
	}
	for _, c := range []struct {
		name, client, tenant, redirect string
		ok                             bool
		aadsts                         string
	}{
		{"registered loopback", ha.ClientID, "common", "http://localhost", true, ""},
		{"loopback on a port", ha.ClientID, "common", "http://localhost:49152", true, ""},
		{"loopback on another port with a slash", ha.ClientID, "common", "http://localhost:1234/", true, ""},
		{"nativeclient", ha.ClientID, "common", demo.NativeClientRedirect, true, ""},
		{"loopback with another path", ha.ClientID, "common", "http://localhost:1234/callback", false, "AADSTS50011"},
		{"loopback over https", ha.ClientID, "common", "https://localhost:1234", false, "AADSTS50011"},
		{"foreign site", ha.ClientID, "common", "https://evil.example/cb", false, "AADSTS50011"},
		{"nativeclient with a query", ha.ClientID, "common", demo.NativeClientRedirect + "?x=1", false, "AADSTS50011"},
		{"web redirect on another port", w.ClientID, demo.TenantID, "https://localhost:5002/signin-oidc", false, "AADSTS50011"},
		{"web redirect, case changed", w.ClientID, demo.TenantID, "https://localhost:5001/SIGNIN-OIDC", false, "AADSTS50011"},
		{"omitted with two registered", w.ClientID, demo.TenantID, "", false, "AADSTS900971"},
		{"unknown client", "11111111-2222-4333-8444-555555555555", demo.TenantID, "http://localhost", false, "AADSTS700016"},
		{"unknown tenant", w.ClientID, "nowhere.example", "http://localhost", false, "AADSTS90002"},
		{"app without reply address", e.app("daemon").ClientID, demo.TenantID, "http://localhost", false, "AADSTS500113"},
	} {
		t.Run(c.name, func(t *testing.T) {
			b.t = t
			p := try(c.client, c.tenant, c.redirect)
			if c.ok {
				u, q := redirected(t, p)
				if got := u.Scheme + "://" + u.Host + u.Path; !strings.HasPrefix(c.redirect, got) || q.Get("error") != "login_required" {
					t.Errorf("redirected to %s", p.location)
				}
				return
			}
			if p.status != http.StatusBadRequest || p.location != "" || !strings.Contains(p.body, c.aadsts) {
				t.Errorf("want an error page with %s, got %d %q %s", c.aadsts, p.status, p.location, p.body)
			}
		})
	}
}

// ---------------------------------------------------------------------------
// Consent.

func TestProtocolConsent(t *testing.T) {
	e := start(t)
	ha, adele, megan, admin := e.app("homeassistant"), e.user("adele"), e.user("megan"), e.user("admin")
	ctx := context.Background()
	verifier, challenge := pkcePair()
	params := func(scope string, pairs ...string) url.Values {
		return authParams(ha.ClientID, "http://localhost", scope, append([]string{"code_challenge", challenge, "code_challenge_method", "S256"}, pairs...)...)
	}

	t.Run("declined", func(t *testing.T) {
		b := browserFor(t, e)
		v := params("openid User.Read Tasks.Read")
		p := b.signIn(b.get(e.authorizeURL("organizations", v)), megan.UserPrincipalName, megan.Password, false)
		_, q := redirected(t, p)
		wantRedirectError(t, q, "access_denied", 65004, v.Get("state"))
		gs, _ := e.srv.Store().DelegatedGrants(ctx, demo.TenantID, ha.ClientID, megan.ID)
		if len(gs) != 0 {
			t.Errorf("declining recorded consent: %+v", gs)
		}
	})

	t.Run("admin-only permission", func(t *testing.T) {
		b := browserFor(t, e)
		v := params("openid User.Read User.Read.All")
		p := b.signIn(b.get(e.authorizeURL("organizations", v)), adele.UserPrincipalName, adele.Password, true)
		if p.status != 200 || !strings.Contains(p.body, "Need admin approval") || !strings.Contains(p.ids["error"], "AADSTS90094") {
			t.Fatalf("want the admin-approval page, got %d %s", p.status, p.body)
		}
		if _, ok := p.ids["accept"]; ok {
			t.Error("the admin-approval page offers to accept")
		}
		if !strings.Contains(p.ids["permissions"], "User.Read.All") {
			t.Errorf("admin-approval page lists %q", p.ids["permissions"])
		}
		// Its link returns to the app with the error.
		var link string
		for _, f := range strings.Split(p.body, `href="`)[1:] {
			link = html.UnescapeString(f[:strings.IndexByte(f, '"')])
		}
		u, err := url.Parse(link)
		if err != nil || u.Host != "localhost" {
			t.Fatalf("link %q", link)
		}
		wantRedirectError(t, u.Query(), "invalid_grant", 90094, v.Get("state"))
		// Nothing was granted.
		gs, _ := e.srv.Store().DelegatedGrants(ctx, demo.TenantID, ha.ClientID, adele.ID)
		if len(gs) != 0 {
			t.Errorf("grants after refused consent: %+v", gs)
		}
	})

	t.Run("incremental", func(t *testing.T) {
		b := browserFor(t, e)
		p := b.get(e.authorizeURL("organizations", params("openid User.Read")))
		p = b.submit(p, map[string]string{"username": adele.UserPrincipalName, "password": adele.Password}, "signin")
		if !strings.Contains(p.ids["permissions"], "User.Read") {
			t.Errorf("first consent page: %q", p.ids["permissions"])
		}
		if strings.Contains(p.body, `id="org"`) {
			t.Error("a non-admin is offered to consent for the organization")
		}
		_, q := redirected(t, b.submit(p, nil, "accept"))
		wantOK(t, postToken(t, e, "organizations", redeemParams(ha.ClientID, "", q.Get("code"), "http://localhost", verifier)))
		p = b.get(e.authorizeURL("organizations", params("openid User.Read Calendars.Read offline_access")))
		perms := p.ids["permissions"]
		if !strings.Contains(perms, "Calendars.Read") || strings.Contains(perms, "User.Read") {
			t.Errorf("incremental consent lists %q", perms)
		}
		_, q = redirected(t, b.submit(p, nil, "accept"))
		r := postToken(t, e, "organizations", redeemParams(ha.ClientID, "", q.Get("code"), "http://localhost", verifier))
		wantOK(t, r)
		if cl := claims(t, r.str("access_token")); !hasAll(cl["scp"], "User.Read", "Calendars.Read") {
			t.Errorf("after incremental consent: %v", cl["scp"])
		}
		// Everything consented: no page.
		if _, q = redirected(t, b.get(e.authorizeURL("organizations", params("User.Read Calendars.Read")))); q.Get("code") == "" {
			t.Errorf("consented scopes asked again: %v", q)
		}
		// prompt=consent asks again, for everything.
		p = b.get(e.authorizeURL("organizations", params("User.Read Calendars.Read", "prompt", "consent")))
		if perms := p.ids["permissions"]; !strings.Contains(perms, "Calendars.Read") || !strings.Contains(perms, "User.Read") {
			t.Errorf("prompt=consent lists %q", perms)
		}
		// prompt=none with consent missing is consent_required.
		v := params("User.Read Tasks.ReadWrite", "prompt", "none")
		_, q = redirected(t, b.get(e.authorizeURL("organizations", v)))
		wantRedirectError(t, q, "consent_required", 65001, v.Get("state"))
	})

	t.Run("admin consents for the organization", func(t *testing.T) {
		b := browserFor(t, e)
		p := b.get(e.authorizeURL(demo.TenantDomain, params("openid Mail.Send Presence.Read")))
		p = b.submit(p, map[string]string{"username": admin.UserPrincipalName, "password": admin.Password}, "signin")
		if !strings.Contains(p.body, `id="org"`) {
			t.Fatalf("no organization checkbox for the admin: %s", p.body)
		}
		_, q := redirected(t, b.submit(p, map[string]string{"org": "1"}, "accept"))
		if q.Get("code") == "" {
			t.Fatalf("no code: %v", q)
		}
		gs, err := e.srv.Store().DelegatedGrants(ctx, demo.TenantID, ha.ClientID, "")
		if err != nil || len(gs) != 1 || gs[0].ConsentType != store.ConsentAllPrincipals || !hasAll(strings.Join(gs[0].Scopes, " "), "Mail.Send", "Presence.Read") {
			t.Fatalf("AllPrincipals grant: %+v %v", gs, err)
		}
		// Megan needs no consent now.
		mb := browserFor(t, e)
		p = mb.get(e.authorizeURL(demo.TenantDomain, params("openid Mail.Send Presence.Read")))
		p = mb.submit(p, map[string]string{"username": megan.UserPrincipalName, "password": megan.Password}, "signin")
		if _, q := redirected(t, p); q.Get("code") == "" {
			t.Errorf("megan: %v", q)
		}
	})
}

// ---------------------------------------------------------------------------
// Refresh tokens.

func TestProtocolRefreshTokens(t *testing.T) {
	e := start(t)
	ha, api, adele := e.app("homeassistant"), e.app("api"), e.user("adele")
	e.consent(ha.ClientID, adele.ID, "User.Read", "Mail.Read")
	signIn := func(t *testing.T, scope string) jsonResp {
		t.Helper()
		r := postToken(t, e, demo.TenantID, passwordParams(ha.ClientID, adele, scope))
		wantOK(t, r)
		if r.str("refresh_token") == "" {
			t.Fatalf("no refresh token: %s", r.raw)
		}
		return r
	}
	refresh := func(t *testing.T, rt, scope string) jsonResp {
		t.Helper()
		return postToken(t, e, demo.TenantID, refreshParams(ha.ClientID, rt, scope))
	}

	t.Run("rotation and reuse detection", func(t *testing.T) {
		rt1 := signIn(t, "User.Read Mail.Read openid profile offline_access").str("refresh_token")
		r := refresh(t, rt1, "User.Read Mail.Read openid profile offline_access")
		wantOK(t, r)
		rt2 := r.str("refresh_token")
		if rt2 == "" || rt2 == rt1 {
			t.Fatalf("refresh token did not rotate: %q", rt2)
		}
		if r.str("id_token") == "" || r.str("client_info") == "" {
			t.Errorf("refresh lacks id_token/client_info: %s", r.raw)
		}
		// The used token is refused, and its whole family with it.
		wantError(t, refresh(t, rt1, "User.Read"), 400, "invalid_grant", 50173)
		wantError(t, refresh(t, rt2, "User.Read"), 400, "invalid_grant", 50173)
	})

	t.Run("rotation without offline_access in the refresh request", func(t *testing.T) {
		rt := signIn(t, "User.Read offline_access").str("refresh_token")
		r := refresh(t, rt, "User.Read")
		wantOK(t, r)
		if r.str("refresh_token") == "" {
			t.Errorf("no successor: %s", r.raw)
		}
		// Without scope, the token's own scopes are used.
		r2 := refresh(t, r.str("refresh_token"), "")
		wantOK(t, r2)
	})

	t.Run("scope narrowing and consent", func(t *testing.T) {
		rt := signIn(t, "User.Read Mail.Read offline_access").str("refresh_token")
		r := refresh(t, rt, "https://graph.microsoft.com/User.Read openid")
		wantOK(t, r)
		if s := fields(r.str("scope")); !slices.Contains(s, "https://graph.microsoft.com/User.Read") || slices.Contains(s, "offline_access") {
			t.Errorf("narrowed scope %q", r.str("scope"))
		}
		rt = r.str("refresh_token")
		// A scope never consented is 65001, and does not burn the token.
		bad := refresh(t, rt, "Tasks.Read")
		wantError(t, bad, 400, "invalid_grant", 65001)
		wantSubError(t, bad, "consent_required")
		// Another client cannot use the token (nor burn it).
		wantError(t, postToken(t, e, demo.TenantID, with(refreshParams(api.ClientID, rt, "User.Read"), "client_secret", api.Secret)), 400, "invalid_grant", 9002313)
		// The token is still good after those refusals.
		r = refresh(t, rt, "Mail.Read")
		wantOK(t, r)
		rt = r.str("refresh_token")
		// Revoking consent takes effect at the next refresh.
		e.consent(ha.ClientID, adele.ID, "User.Read")
		wantError(t, refresh(t, rt, "Mail.Read"), 400, "invalid_grant", 65001)
		r = refresh(t, rt, "User.Read")
		wantOK(t, r)
		if cl := claims(t, r.str("access_token")); hasAll(cl["scp"], "Mail.Read") || !hasAll(cl["scp"], "User.Read") {
			t.Errorf("scp after revocation: %v", cl["scp"])
		}
		e.consent(ha.ClientID, adele.ID, "User.Read", "Mail.Read")
	})

	t.Run("refresh in another tenant", func(t *testing.T) {
		rt := signIn(t, "User.Read offline_access").str("refresh_token")
		wantError(t, postToken(t, e, "consumers", refreshParams(ha.ClientID, rt, "User.Read")), 400, "invalid_grant", 50020)
		wantOK(t, postToken(t, e, "organizations", refreshParams(ha.ClientID, rt, "User.Read")))
	})

	t.Run("/.default", func(t *testing.T) {
		r := signIn(t, graphDotDefault+" offline_access openid profile")
		if cl := claims(t, r.str("access_token")); !hasAll(cl["scp"], "User.Read", "Mail.Read") {
			t.Errorf("/.default scp %v", cl["scp"])
		}
		r2 := refresh(t, r.str("refresh_token"), graphDotDefault+" offline_access openid profile")
		wantOK(t, r2)
		if cl := claims(t, r2.str("access_token")); !hasAll(cl["scp"], "User.Read", "Mail.Read") {
			t.Errorf("refreshed /.default scp %v", cl["scp"])
		}
	})

	t.Run("disabled user", func(t *testing.T) {
		megan := e.user("megan")
		e.consent(ha.ClientID, megan.ID, "User.Read")
		r := postToken(t, e, demo.TenantID, passwordParams(ha.ClientID, megan, "User.Read offline_access"))
		wantOK(t, r)
		if err := e.srv.Store().UpdateUser(context.Background(), demo.TenantID, megan.ID, func(u store.User) (store.User, error) {
			u.AccountEnabled = false
			return u, nil
		}); err != nil {
			t.Fatal(err)
		}
		wantError(t, refresh(t, r.str("refresh_token"), "User.Read"), 400, "invalid_grant", 50057)
		wantError(t, postToken(t, e, demo.TenantID, passwordParams(ha.ClientID, megan, "User.Read")), 400, "invalid_grant", 50057)
	})
}

// TestProtocolRefreshTokenExpired: a refresh token unused for longer than
// its lifetime (90 days) is AADSTS700082, on the server's clock: no
// waiting.
func TestProtocolRefreshTokenExpired(t *testing.T) {
	t.Parallel()
	clk := clock.New(nil)
	e := start(t, func(cfg *server.Config) { cfg.Clock = clk })
	ha, adele := e.app("homeassistant"), e.user("adele")
	e.consent(ha.ClientID, adele.ID, "User.Read")
	r := postToken(t, e, demo.TenantID, passwordParams(ha.ClientID, adele, "User.Read offline_access"))
	wantOK(t, r)
	clk.Freeze()
	if _, err := clk.Advance(90*24*time.Hour + time.Second); err != nil {
		t.Fatal(err)
	}
	wantError(t, postToken(t, e, demo.TenantID, refreshParams(ha.ClientID, r.str("refresh_token"), "User.Read")), 400, "invalid_grant", 700082)
}

// ---------------------------------------------------------------------------
// Device code.

func deviceCode(t *testing.T, e *env, tenant, clientID, scope string) jsonResp {
	t.Helper()
	r := postFormTo(t, e, e.base+"/"+tenant+"/oauth2/v2.0/devicecode", kv("client_id", clientID, "scope", scope))
	if r.status != 200 {
		t.Fatalf("devicecode: %s", r)
	}
	return r
}

func pollDevice(t *testing.T, e *env, tenant, clientID, code string, pairs ...string) jsonResp {
	t.Helper()
	return postToken(t, e, tenant, with(kv("grant_type", "urn:ietf:params:oauth:grant-type:device_code", "client_id", clientID, "device_code", code, "client_info", "1"), pairs...))
}

// enterUserCode opens the device login page and types the code.
func enterUserCode(b *browser, code string) *page {
	p := b.get(b.e.base + "/devicelogin")
	return b.submit(p, map[string]string{"otc": code}, "next")
}

func TestProtocolDeviceCode(t *testing.T) {
	e := start(t)
	ha, w, megan := e.app("homeassistant"), e.app("webapp"), e.user("megan")

	dc := deviceCode(t, e, "organizations", ha.ClientID, "User.Read Tasks.ReadWrite offline_access")
	code, userCode := dc.str("device_code"), dc.str("user_code")
	if code == "" || userCode == "" || dc.str("verification_uri") != e.base+"/devicelogin" || !strings.Contains(dc.str("message"), userCode) {
		t.Fatalf("device code response: %s", dc.raw)
	}
	if n, _ := dc.body["expires_in"].(float64); n <= 0 {
		t.Errorf("expires_in %v", dc.body["expires_in"])
	}
	if n, _ := dc.body["interval"].(float64); n <= 0 {
		t.Errorf("interval %v", dc.body["interval"])
	}
	// Pending, in both grant_type spellings; polled again at once, sooner
	// than the interval, it is slow_down (RFC 8628 §3.5), still AADSTS70016.
	wantError(t, pollDevice(t, e, "organizations", ha.ClientID, code), 400, "authorization_pending", 70016)
	slow := pollDevice(t, e, "organizations", ha.ClientID, code, "grant_type", "device_code")
	wantError(t, slow, 400, "slow_down", 70016)
	if slow.body["interval"] != float64(10) {
		t.Errorf("slow_down interval %v, want 10", slow.body["interval"])
	}
	// The code's "code" alias works too (MSAL's older spelling).
	wantError(t, pollDevice(t, e, "organizations", ha.ClientID, "", "device_code", "", "code", code), 400, "slow_down", 70016)
	// Another client cannot poll it.
	wantError(t, pollDevice(t, e, "organizations", w.ClientID, code, "client_secret", w.Secret), 400, "invalid_grant", 9002313)
	// An unknown device code.
	wantError(t, pollDevice(t, e, "organizations", ha.ClientID, "DAQABAAEAAADnot-a-code"), 400, "invalid_grant", 9002313)

	// A mistyped user code is refused on the page.
	b := e.browser()
	p := enterUserCode(b, "ZZZZZZZZZ")
	if p.ids["error"] == "" {
		t.Errorf("a wrong user code was accepted: %s", p.body)
	}
	// The person types the code in lower case with a dash.
	typed := strings.ToLower(userCode[:4] + "-" + userCode[4:])
	p = enterUserCode(b, typed)
	if _, ok := p.ids["password"]; !ok {
		t.Fatalf("no sign-in page after the code: %s", p.body)
	}
	p = b.signIn(p, megan.UserPrincipalName, megan.Password, true)
	if !strings.Contains(p.ids["message"], "You have signed in") {
		t.Fatalf("device login did not finish: %s", p.body)
	}
	r := pollDevice(t, e, "organizations", ha.ClientID, code)
	wantOK(t, r)
	if cl := claims(t, r.str("access_token")); cl["upn"] != megan.UserPrincipalName || !hasAll(cl["scp"], "User.Read", "Tasks.ReadWrite") {
		t.Errorf("device token: %v", cl)
	}
	if r.str("refresh_token") == "" || r.str("client_info") == "" {
		t.Errorf("device token response: %s", r.raw)
	}
	// Redeemed twice.
	wantError(t, pollDevice(t, e, "organizations", ha.ClientID, code), 400, "invalid_grant", 54005)
	// The used user code no longer works on the page.
	if p := enterUserCode(b, userCode); p.ids["error"] == "" {
		t.Errorf("a used user code was accepted again")
	}

	t.Run("declined", func(t *testing.T) {
		dc := deviceCode(t, e, "organizations", ha.ClientID, "User.Read Calendars.Read")
		b := browserFor(t, e)
		p := b.signIn(enterUserCode(b, dc.str("user_code")), megan.UserPrincipalName, megan.Password, false)
		if p.status == http.StatusFound {
			t.Errorf("declining a device sign-in redirected to %s", p.location)
		}
		wantError(t, pollDevice(t, e, "organizations", ha.ClientID, dc.str("device_code")), 400, "authorization_declined", 70020)
		// And it stays declined.
		wantError(t, pollDevice(t, e, "organizations", ha.ClientID, dc.str("device_code")), 400, "authorization_declined", 70020)
	})

	t.Run("user refused by the tenant", func(t *testing.T) {
		sam := e.user("sam")
		dc := deviceCode(t, e, "organizations", ha.ClientID, "User.Read")
		b := browserFor(t, e)
		p := b.signIn(enterUserCode(b, dc.str("user_code")), sam.UserPrincipalName, sam.Password, true)
		if !strings.Contains(p.body, "AADSTS50020") {
			t.Errorf("personal account on an organizations device code: %d %s", p.status, p.body)
		}
		wantError(t, pollDevice(t, e, "organizations", ha.ClientID, dc.str("device_code")), 400, "authorization_pending", 70016)
	})

	t.Run("confidential app", func(t *testing.T) {
		wantError(t, postFormTo(t, e, e.base+"/common/oauth2/v2.0/devicecode", kv("client_id", w.ClientID, "scope", "User.Read")), 400, "invalid_request", 50194)
		wantError(t, postFormTo(t, e, e.base+"/organizations/oauth2/v2.0/devicecode", kv("client_id", ha.ClientID, "scope", "Foo.Bar")), 400, "invalid_scope", 70011)
		wantError(t, postFormTo(t, e, e.base+"/organizations/oauth2/v2.0/devicecode", kv("client_id", ha.ClientID)), 400, "invalid_scope", 70011)
	})
}

// TestProtocolDeviceCodeExpired: a device code polled after its expires_in
// is AADSTS70019, and its user code is refused, on the server's clock.
func TestProtocolDeviceCodeExpired(t *testing.T) {
	t.Parallel()
	clk := clock.New(nil)
	e := start(t, func(cfg *server.Config) { cfg.Clock = clk })
	ha := e.app("homeassistant")
	dc := deviceCode(t, e, "organizations", ha.ClientID, "User.Read")
	wantError(t, pollDevice(t, e, "organizations", ha.ClientID, dc.str("device_code")), 400, "authorization_pending", 70016)
	if _, err := clk.Advance(time.Duration(dc.num("expires_in")+1) * time.Second); err != nil {
		t.Fatal(err)
	}
	wantError(t, pollDevice(t, e, "organizations", ha.ClientID, dc.str("device_code")), 400, "expired_token", 70019)
	if p := enterUserCode(e.browser(), dc.str("user_code")); p.ids["error"] == "" {
		t.Errorf("an expired user code was accepted: %s", p.body)
	}
}

// ---------------------------------------------------------------------------
// Sign-in audience.

func TestProtocolSignInAudience(t *testing.T) {
	e := start(t)
	ha, w, d, adele, sam := e.app("homeassistant"), e.app("webapp"), e.app("daemon"), e.user("adele"), e.user("sam")
	ctx := context.Background()
	fabrikam := store.Tenant{ID: uuid.NewString(), DisplayName: "Fabrikam", Kind: store.TenantWork, Domains: []string{"fabrikam.onmicrosoft.com"}, CreatedAt: time.Now()}
	if err := e.srv.Store().CreateTenant(ctx, fabrikam); err != nil {
		t.Fatal(err)
	}
	e.consent(ha.ClientID, sam.ID, "User.Read", "Mail.Read")
	e.consent(ha.ClientID, adele.ID, "User.Read")
	webPw := func(tenant string) jsonResp {
		return postToken(t, e, tenant, with(passwordParams(w.ClientID, adele, "User.Read"), "client_secret", w.Secret))
	}
	cc := kv("grant_type", "client_credentials", "client_id", d.ClientID, "client_secret", d.Secret, "scope", graphDotDefault)

	// The single-tenant web app.
	wantOK(t, webPw(demo.TenantDomain))
	wantError(t, webPw("common"), 400, "invalid_request", 50194)
	wantError(t, webPw("organizations"), 400, "invalid_request", 50194)
	wantError(t, webPw("fabrikam.onmicrosoft.com"), 400, "unauthorized_client", 700016)
	wantError(t, postToken(t, e, fabrikam.ID, cc), 400, "unauthorized_client", 700016)
	b := e.browser()
	v := authParams(w.ClientID, "http://localhost", "openid User.Read")
	_, q := redirected(t, b.get(e.authorizeURL("common", v)))
	wantRedirectError(t, q, "invalid_request", 50194, v.Get("state"))
	_, q = redirected(t, b.get(e.authorizeURL("fabrikam.onmicrosoft.com", v)))
	wantRedirectError(t, q, "unauthorized_client", 700016, v.Get("state"))

	// Personal account on /organizations and on a work tenant; work account on /consumers.
	wantError(t, postToken(t, e, "organizations", passwordParams(ha.ClientID, sam, "User.Read")), 400, "invalid_grant", 50020)
	wantError(t, postToken(t, e, demo.TenantID, passwordParams(ha.ClientID, sam, "User.Read")), 400, "invalid_grant", 50020)
	wantError(t, postToken(t, e, "consumers", passwordParams(ha.ClientID, adele, "User.Read")), 400, "invalid_grant", 50020)
	wantOK(t, postToken(t, e, "consumers", passwordParams(ha.ClientID, sam, "User.Read")))
	wantOK(t, postToken(t, e, "common", passwordParams(ha.ClientID, sam, "User.Read")))
	wantOK(t, postToken(t, e, "common", passwordParams(ha.ClientID, adele, "User.Read")))
	_, challenge := pkcePair()
	v = authParams(ha.ClientID, "http://localhost", "openid User.Read", "code_challenge", challenge, "code_challenge_method", "S256")
	ob := e.browser()
	_, q = redirected(t, ob.signIn(ob.get(e.authorizeURL("organizations", v)), sam.UserPrincipalName, sam.Password, true))
	wantRedirectError(t, q, "invalid_grant", 50020, v.Get("state"))
	pb := e.browser()
	_, q = redirected(t, pb.signIn(pb.get(e.authorizeURL("consumers", v)), adele.UserPrincipalName, adele.Password, true))
	wantRedirectError(t, q, "invalid_grant", 50020, v.Get("state"))

	// A personal account asking for a work-only scope.
	for _, tenant := range []string{"consumers", "common"} {
		wantError(t, postToken(t, e, tenant, passwordParams(ha.ClientID, sam, "User.Read Presence.Read")), 400, "invalid_scope", 70011)
	}
	sb := e.browser()
	v = authParams(ha.ClientID, "http://localhost", "openid Presence.Read", "code_challenge", challenge, "code_challenge_method", "S256")
	_, q = redirected(t, sb.signIn(sb.get(e.authorizeURL("consumers", v)), sam.UserPrincipalName, sam.Password, true))
	wantRedirectError(t, q, "invalid_scope", 70011, v.Get("state"))

	// No app-only tokens for the personal-accounts tenant.
	for _, tenant := range []string{"consumers", store.PersonalTenantID, "outlook.com"} {
		r := postToken(t, e, tenant, cc)
		if codes, _ := r.body["error_codes"].([]any); r.status != 400 || r.str("access_token") != "" || len(codes) != 1 {
			t.Errorf("app-only token on %s: %s", tenant, r)
		}
	}
}

// ---------------------------------------------------------------------------
// Admin consent.

func TestProtocolAdminConsent(t *testing.T) {
	e := start(t)
	w, api, admin, adele := e.app("webapp"), e.app("api"), e.user("admin"), e.user("adele")
	ctx := context.Background()
	st := e.srv.Store()
	// The web app now also asks for an application permission.
	if err := st.UpdateApp(ctx, w.ClientID, func(a store.App) (store.App, error) {
		a.RequiredRoles = []string{"User.Read.All", "Group.Read.All"}
		return a, nil
	}); err != nil {
		t.Fatal(err)
	}
	appToken := func() map[string]any {
		r := postToken(t, e, demo.TenantID, kv("grant_type", "client_credentials", "client_id", w.ClientID, "client_secret", w.Secret, "scope", graphDotDefault))
		wantOK(t, r)
		return claims(t, r.str("access_token"))
	}
	if cl := appToken(); cl["roles"] != nil {
		t.Fatalf("roles before consent: %v", cl["roles"])
	}

	t.Run("non-admin", func(t *testing.T) {
		b := browserFor(t, e)
		p := b.get(e.base + "/" + demo.TenantDomain + "/adminconsent?" + kv("client_id", w.ClientID, "redirect_uri", "https://localhost:5001/signin-oidc", "state", "n1").Encode())
		p = b.signIn(p, adele.UserPrincipalName, adele.Password, true)
		_, q := redirected(t, p)
		wantRedirectError(t, q, "access_denied", 0, "n1")
		if q.Get("admin_consent") != "" {
			t.Errorf("admin_consent for a non-admin: %v", q)
		}
	})

	t.Run("admin declines", func(t *testing.T) {
		b := browserFor(t, e)
		p := b.get(e.base + "/" + demo.TenantDomain + "/adminconsent?" + kv("client_id", w.ClientID, "redirect_uri", "https://localhost:5001/signin-oidc", "state", "d1").Encode())
		p = b.signIn(p, admin.UserPrincipalName, admin.Password, false)
		_, q := redirected(t, p)
		wantRedirectError(t, q, "access_denied", 65004, "d1")
		if cl := appToken(); cl["roles"] != nil {
			t.Errorf("roles after a declined consent: %v", cl["roles"])
		}
	})

	t.Run("v1", func(t *testing.T) {
		b := browserFor(t, e)
		p := b.get(e.base + "/" + demo.TenantDomain + "/adminconsent?" + kv("client_id", w.ClientID, "redirect_uri", "https://localhost:5001/signin-oidc", "state", "v1").Encode())
		if _, ok := p.ids["password"]; !ok {
			t.Fatalf("no sign-in page: %d %s", p.status, p.body)
		}
		p = b.submit(p, map[string]string{"username": admin.UserPrincipalName, "password": admin.Password}, "signin")
		if perms := p.ids["permissions"]; !strings.Contains(perms, "User.Read.All") || !strings.Contains(perms, "Calendars.Read") {
			t.Errorf("admin consent page lists %q", perms)
		}
		u, q := redirected(t, b.submit(p, nil, "accept"))
		if u.Host != "localhost:5001" || q.Get("admin_consent") != "True" || q.Get("tenant") != demo.TenantID || q.Get("state") != "v1" || q.Get("error") != "" {
			t.Fatalf("v1 admin consent redirect: %s", p.location)
		}
		as, _ := st.AppRoleAssignments(ctx, demo.TenantID, w.ClientID)
		var perms []string
		for _, a := range as {
			perms = append(perms, a.Permission)
		}
		if !hasAll(strings.Join(perms, " "), "User.Read.All", "Group.Read.All") {
			t.Errorf("app role assignments: %v", perms)
		}
		gs, _ := st.DelegatedGrants(ctx, demo.TenantID, w.ClientID, "")
		if len(gs) != 1 || gs[0].ConsentType != store.ConsentAllPrincipals || !hasAll(strings.Join(gs[0].Scopes, " "), "User.Read", "Mail.Read", "Calendars.Read") {
			t.Errorf("AllPrincipals grant: %+v", gs)
		}
		if cl := appToken(); !hasAll(cl["roles"], "User.Read.All", "Group.Read.All") {
			t.Errorf("roles after consent: %v", cl["roles"])
		}
		// With the admin's session, a second consent needs no sign-in.
		p = b.get(e.base + "/" + demo.TenantID + "/adminconsent?" + kv("client_id", w.ClientID, "redirect_uri", "http://localhost", "state", "v1b").Encode())
		if _, ok := p.ids["accept"]; !ok {
			t.Errorf("no consent page with the admin's session: %s", p.body)
		}
	})

	t.Run("v2", func(t *testing.T) {
		b := browserFor(t, e)
		v := kv("client_id", api.ClientID, "redirect_uri", "http://localhost", "state", "v2", "scope", graphDotDefault)
		p := b.get(e.base + "/organizations/v2.0/adminconsent?" + v.Encode())
		p = b.signIn(p, admin.UserPrincipalName, admin.Password, true)
		_, q := redirected(t, p)
		if q.Get("admin_consent") != "True" || q.Get("tenant") != demo.TenantID || q.Get("state") != "v2" || q.Get("scope") != graphDotDefault {
			t.Fatalf("v2 admin consent redirect: %s", p.location)
		}
		gs, _ := st.DelegatedGrants(ctx, demo.TenantID, api.ClientID, "")
		if len(gs) != 1 || !hasAll(strings.Join(gs[0].Scopes, " "), "User.Read", "Mail.Read") {
			t.Errorf("v2 grant: %+v", gs)
		}
		// v2 needs a scope.
		p = b.get(e.base + "/organizations/v2.0/adminconsent?" + with(v, "scope", "", "state", "v2b").Encode())
		_, q = redirected(t, p)
		wantRedirectError(t, q, "invalid_scope", 70011, "v2b")
		// Specific scopes grant just those.
		p = b.get(e.base + "/" + demo.TenantID + "/v2.0/adminconsent?" + with(v, "scope", "https://graph.microsoft.com/Tasks.Read", "state", "v2c").Encode())
		_, q = redirected(t, b.submit(p, nil, "accept"))
		if q.Get("admin_consent") != "True" || q.Get("scope") != "https://graph.microsoft.com/Tasks.Read" {
			t.Errorf("v2 specific scope: %v", q)
		}
		gs, _ = st.DelegatedGrants(ctx, demo.TenantID, api.ClientID, "")
		if len(gs) != 1 || !hasAll(strings.Join(gs[0].Scopes, " "), "Tasks.Read") {
			t.Errorf("v2 specific grant: %+v", gs)
		}
	})

	t.Run("bad requests", func(t *testing.T) {
		b := browserFor(t, e)
		p := b.get(e.base + "/" + demo.TenantID + "/adminconsent?" + kv("client_id", w.ClientID, "redirect_uri", "https://evil.example/").Encode())
		if p.status != 400 || p.location != "" || !strings.Contains(p.body, "AADSTS50011") {
			t.Errorf("unregistered redirect: %d %s", p.status, p.body)
		}
		p = b.get(e.base + "/" + demo.TenantID + "/adminconsent?" + kv("client_id", e.app("daemon").ClientID).Encode())
		if p.status != 400 || !strings.Contains(p.body, "AADSTS500113") {
			t.Errorf("no reply address: %d %s", p.status, p.body)
		}
	})
}

// ---------------------------------------------------------------------------
// On-behalf-of.

func TestProtocolOnBehalfOf(t *testing.T) {
	e := start(t)
	ha, api, w, adele := e.app("homeassistant"), e.app("api"), e.app("webapp"), e.user("adele")
	e.consent(ha.ClientID, adele.ID, "User.Read")
	r := postToken(t, e, demo.TenantID, passwordParams(ha.ClientID, adele, "api://"+api.ClientID+"/access_as_user"))
	wantOK(t, r)
	userToken := r.str("access_token")
	obo := func(clientID, secret, assertion, scope string) jsonResp {
		v := kv("grant_type", "urn:ietf:params:oauth:grant-type:jwt-bearer", "requested_token_use", "on_behalf_of",
			"client_id", clientID, "assertion", assertion, "scope", scope)
		if secret != "" {
			v.Set("client_secret", secret)
		}
		return postToken(t, e, demo.TenantID, v)
	}
	r = obo(api.ClientID, api.Secret, userToken, "https://graph.microsoft.com/User.Read openid offline_access")
	wantOK(t, r)
	in, out := claims(t, userToken), claims(t, r.str("access_token"))
	if out["aud"] != "https://graph.microsoft.com" || out["appid"] != api.ClientID || out["appidacr"] != "1" || out["idtyp"] != "user" ||
		!hasAll(out["scp"], "User.Read", "Mail.Read") {
		t.Errorf("OBO token: %v", out)
	}
	for _, k := range []string{"oid", "tid", "upn", "name"} {
		if out[k] != in[k] || out[k] == nil {
			t.Errorf("OBO %s = %v, user token had %v", k, out[k], in[k])
		}
	}
	if !hasAll(r.str("scope"), "https://graph.microsoft.com/User.Read") {
		t.Errorf("OBO scope %q", r.str("scope"))
	}
	wantOK(t, obo(api.ClientID, api.Secret, userToken, graphDotDefault))
	// An assertion for another audience (a Graph token) is refused.
	graphToken := postToken(t, e, demo.TenantID, passwordParams(ha.ClientID, adele, "User.Read")).str("access_token")
	wantError(t, obo(api.ClientID, api.Secret, graphToken, "User.Read"), 400, "invalid_grant", 50013)
	// So is the API's token presented by another app.
	wantError(t, obo(w.ClientID, w.Secret, userToken, "User.Read"), 400, "invalid_grant", 50013)
	// And a public client.
	wantError(t, obo(ha.ClientID, "", userToken, "User.Read"), 401, "invalid_client", 7000218)
	// And garbage.
	wantError(t, obo(api.ClientID, api.Secret, "not.a.jwt", "User.Read"), 400, "invalid_grant", 50013)
	// An app-only token is not a user's.
	d := e.app("daemon")
	app := postToken(t, e, demo.TenantID, kv("grant_type", "client_credentials", "client_id", d.ClientID, "client_secret", d.Secret, "scope", "api://"+api.ClientID+"/.default"))
	wantOK(t, app)
	wantError(t, obo(api.ClientID, api.Secret, app.str("access_token"), "User.Read"), 400, "invalid_grant", 50013)
	// A scope the API was not granted.
	wantError(t, obo(api.ClientID, api.Secret, userToken, "Tasks.Read"), 400, "invalid_grant", 65001)
}

// ---------------------------------------------------------------------------
// Logout.

func TestProtocolLogout(t *testing.T) {
	e := start(t)
	w, adele := e.app("webapp"), e.user("adele")
	b := e.browser()
	params := authParams(w.ClientID, "http://localhost", "openid User.Read")
	codeFlow(t, b, demo.TenantID, params, adele)
	if _, q := redirected(t, b.get(e.authorizeURL(demo.TenantID, params))); q.Get("code") == "" {
		t.Fatal("no session after sign-in")
	}
	logout := func(tenant string, v url.Values) *page {
		req, _ := http.NewRequest(http.MethodGet, e.base+"/"+tenant+"/oauth2/v2.0/logout?"+v.Encode(), nil)
		resp, err := b.client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		if _, cleared, ok := hasCookie(resp.Header, "graphgate_session"); !ok || !cleared {
			t.Errorf("logout does not clear the session cookie: %v", resp.Header.Values("Set-Cookie"))
		}
		return &page{status: resp.StatusCode, location: resp.Header.Get("Location"), body: string(body)}
	}
	// Registered address: redirected there with the state.
	p := logout(demo.TenantID, kv("post_logout_redirect_uri", "https://localhost:5001/signin-oidc", "state", "bye"))
	if p.status != http.StatusFound || !strings.HasPrefix(p.location, "https://localhost:5001/signin-oidc?") || !strings.Contains(p.location, "state=bye") {
		t.Errorf("logout redirect: %d %q", p.status, p.location)
	}
	// The session is gone: authorize shows the sign-in page again.
	pg := b.get(e.authorizeURL(demo.TenantID, params))
	if _, ok := pg.ids["password"]; !ok {
		t.Errorf("signed in after logout: %d %s", pg.status, pg.location)
	}
	// Unregistered address: no redirect.
	for _, target := range []string{"https://evil.example/", "javascript:alert(1)", "https://localhost:5001/other"} {
		p = logout(demo.TenantID, kv("post_logout_redirect_uri", target))
		if p.status != 200 || p.location != "" {
			t.Errorf("logout to %s: %d %q", target, p.status, p.location)
		}
	}
	// /common works too (most apps sign out there), with or without client_id.
	p = logout("common", kv("post_logout_redirect_uri", "https://localhost:5001/signin-oidc"))
	if p.status != http.StatusFound || !strings.HasPrefix(p.location, "https://localhost:5001/signin-oidc") {
		t.Errorf("logout on /common: %d %q", p.status, p.location)
	}
	p = logout("common", kv("post_logout_redirect_uri", "https://localhost:5001/signin-oidc", "client_id", w.ClientID))
	if p.status != http.StatusFound {
		t.Errorf("logout on /common with client_id: %d %q", p.status, p.location)
	}
	// …but not to another app's address when client_id names the app.
	p = logout("common", kv("post_logout_redirect_uri", demo.NativeClientRedirect, "client_id", w.ClientID))
	if p.status != 200 || p.location != "" {
		t.Errorf("logout to another app's address: %d %q", p.status, p.location)
	}
}

// ---------------------------------------------------------------------------
// Token claims and the token response.

func TestProtocolTokenClaims(t *testing.T) {
	e := start(t)
	w, ha, d, admin, adele, sam := e.app("webapp"), e.app("homeassistant"), e.app("daemon"), e.user("admin"), e.user("adele"), e.user("sam")

	b := e.browser()
	scope := "openid profile email offline_access https://graph.microsoft.com/User.Read mail.read"
	v := authParams(w.ClientID, "http://localhost", scope, "nonce", "n-0S6_WzA2Mj")
	q := codeFlow(t, b, demo.TenantDomain, v, admin)
	r := postToken(t, e, demo.TenantDomain, redeemParams(w.ClientID, w.Secret, q.Get("code"), "http://localhost", ""))
	wantOK(t, r)

	at := claims(t, r.str("access_token"))
	want := map[string]any{"aud": "https://graph.microsoft.com", "iss": "https://sts.windows.net/" + demo.TenantID + "/", "tid": demo.TenantID,
		"oid": admin.ID, "appid": w.ClientID, "appidacr": "1", "idtyp": "user", "upn": admin.UserPrincipalName, "name": admin.DisplayName, "ver": "1.0"}
	for k, v := range want {
		if at[k] != v {
			t.Errorf("access token %s = %v, want %v", k, at[k], v)
		}
	}
	if s, _ := at["sub"].(string); s == "" || s == admin.ID {
		t.Errorf("access token sub %v", at["sub"])
	}
	if !hasAll(at["scp"], "User.Read", "Mail.Read") || at["roles"] != nil {
		t.Errorf("access token scp/roles: %v %v", at["scp"], at["roles"])
	}
	if !hasAll(at["wids"], globalAdminWID) {
		t.Errorf("admin wids %v", at["wids"])
	}
	for _, k := range []string{"iat", "nbf", "exp", "uti"} {
		if at[k] == nil {
			t.Errorf("access token lacks %s", k)
		}
	}

	id := claims(t, r.str("id_token"))
	wantID := map[string]any{"aud": w.ClientID, "iss": e.base + "/" + demo.TenantID + "/v2.0", "tid": demo.TenantID, "oid": admin.ID,
		"preferred_username": admin.UserPrincipalName, "name": admin.DisplayName, "nonce": "n-0S6_WzA2Mj", "ver": "2.0"}
	for k, v := range wantID {
		if id[k] != v {
			t.Errorf("id token %s = %v, want %v", k, id[k], v)
		}
	}
	if id["email"] != admin.UserPrincipalName || id["sub"] == nil {
		t.Errorf("id token email/sub: %v", id)
	}
	for _, k := range []string{"scp", "appid", "idtyp"} {
		if id[k] != nil {
			t.Errorf("id token carries %s", k)
		}
	}

	ci := r.str("client_info")
	if strings.ContainsAny(ci, "=+/") {
		t.Errorf("client_info %q is not unpadded base64url", ci)
	}
	raw, err := base64.RawURLEncoding.DecodeString(ci)
	var info map[string]string
	if err != nil || json.Unmarshal(raw, &info) != nil || info["uid"] != admin.ID || info["utid"] != demo.TenantID {
		t.Errorf("client_info %q: %s %v", ci, raw, err)
	}

	sc := fields(r.str("scope"))
	for _, s := range []string{"https://graph.microsoft.com/User.Read", "mail.read", "openid", "profile", "email"} {
		if !slices.Contains(sc, s) {
			t.Errorf("scope %q lacks %q (in the client's spelling)", r.str("scope"), s)
		}
	}
	if slices.Contains(sc, "offline_access") {
		t.Errorf("scope %q contains offline_access", r.str("scope"))
	}
	if r.str("refresh_token") == "" {
		t.Error("no refresh token despite offline_access")
	}

	// Without offline_access: no refresh token; without openid: no id token.
	q = codeFlow(t, b, demo.TenantDomain, authParams(w.ClientID, "http://localhost", "openid User.Read"), admin)
	r = postToken(t, e, demo.TenantDomain, redeemParams(w.ClientID, w.Secret, q.Get("code"), "http://localhost", ""))
	wantOK(t, r)
	if r.str("refresh_token") != "" || r.str("id_token") == "" {
		t.Errorf("without offline_access: %s", r.raw)
	}
	if id := claims(t, r.str("id_token")); id["nonce"] != nil || id["email"] != nil {
		t.Errorf("id token without nonce/email scope: %v", id)
	}
	q = codeFlow(t, b, demo.TenantDomain, authParams(w.ClientID, "http://localhost", "User.Read"), admin)
	r = postToken(t, e, demo.TenantDomain, with(redeemParams(w.ClientID, w.Secret, q.Get("code"), "http://localhost", ""), "client_info", ""))
	wantOK(t, r)
	if r.str("id_token") != "" || r.str("refresh_token") != "" || r.str("client_info") != "" {
		t.Errorf("without openid and client_info: %s", r.raw)
	}

	// A member has no wids.
	e.consent(ha.ClientID, adele.ID, "User.Read")
	r = postToken(t, e, demo.TenantID, passwordParams(ha.ClientID, adele, "User.Read openid profile"))
	wantOK(t, r)
	if cl := claims(t, r.str("access_token")); cl["wids"] != nil || cl["appidacr"] != "0" || cl["upn"] != adele.UserPrincipalName {
		t.Errorf("member token: %v", cl)
	}
	if sc := fields(r.str("scope")); !slices.Contains(sc, "User.Read") || !slices.Contains(sc, "openid") || !slices.Contains(sc, "profile") || !slices.Contains(sc, "email") {
		t.Errorf("member scope %q", r.str("scope"))
	}

	// A personal account: no upn, idp live.com, the personal tenant.
	e.consent(ha.ClientID, sam.ID, "User.Read")
	r = postToken(t, e, "consumers", passwordParams(ha.ClientID, sam, "User.Read openid profile"))
	wantOK(t, r)
	pc := claims(t, r.str("access_token"))
	if pc["upn"] != nil || pc["idp"] != "live.com" || pc["tid"] != store.PersonalTenantID || pc["oid"] != sam.ID || pc["iss"] != "https://sts.windows.net/"+store.PersonalTenantID+"/" {
		t.Errorf("personal token: %v", pc)
	}
	if pid := claims(t, r.str("id_token")); pid["tid"] != store.PersonalTenantID || pid["iss"] != e.base+"/"+store.PersonalTenantID+"/v2.0" {
		t.Errorf("personal id token: %v", pid)
	}
	raw, _ = base64.RawURLEncoding.DecodeString(r.str("client_info"))
	if err := json.Unmarshal(raw, &info); err != nil || info["utid"] != store.PersonalTenantID || info["uid"] != sam.ID {
		t.Errorf("personal client_info %s", raw)
	}

	// An app-only token.
	r = postToken(t, e, demo.TenantID, kv("grant_type", "client_credentials", "client_id", d.ClientID, "client_secret", d.Secret, "scope", graphDotDefault))
	wantOK(t, r)
	ac := claims(t, r.str("access_token"))
	if ac["idtyp"] != "app" || ac["scp"] != nil || !hasAll(ac["roles"], "User.Read.All", "Mail.Read") || ac["sub"] != ac["oid"] || ac["upn"] != nil ||
		ac["appid"] != d.ClientID || ac["iss"] != "https://sts.windows.net/"+demo.TenantID+"/" || ac["ver"] != "1.0" {
		t.Errorf("app token: %v", ac)
	}
}

// ---------------------------------------------------------------------------
// Concurrency: single use holds under racing redemptions.

func TestProtocolConcurrentRedemption(t *testing.T) {
	e := start(t)
	w, adele := e.app("webapp"), e.user("adele")
	q := codeFlow(t, e.browser(), demo.TenantID, authParams(w.ClientID, "http://localhost", "openid User.Read offline_access"), adele)
	race := func(v url.Values) (ok []jsonResp, failed []jsonResp) {
		const n = 6
		out := make(chan jsonResp, n)
		var wg sync.WaitGroup
		for range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				out <- postToken(t, e, demo.TenantID, v)
			}()
		}
		wg.Wait()
		close(out)
		for r := range out {
			if r.status == 200 {
				ok = append(ok, r)
			} else {
				failed = append(failed, r)
			}
		}
		return ok, failed
	}
	ok, failed := race(redeemParams(w.ClientID, w.Secret, q.Get("code"), "http://localhost", ""))
	if len(ok) != 1 {
		t.Fatalf("%d redemptions of one code succeeded", len(ok))
	}
	for _, r := range failed {
		wantError(t, r, 400, "invalid_grant", 54005)
	}
	// The replays revoked the refresh token the winner got.
	wantError(t, postToken(t, e, demo.TenantID, with(refreshParams(w.ClientID, ok[0].str("refresh_token"), "User.Read"), "client_secret", w.Secret)), 400, "invalid_grant", 50173)

	// Racing refreshes of one refresh token: at most one wins.
	q = codeFlow(t, e.browser(), demo.TenantID, authParams(w.ClientID, "http://localhost", "openid User.Read offline_access"), adele)
	first := postToken(t, e, demo.TenantID, redeemParams(w.ClientID, w.Secret, q.Get("code"), "http://localhost", ""))
	wantOK(t, first)
	ok, failed = race(with(refreshParams(w.ClientID, first.str("refresh_token"), "User.Read"), "client_secret", w.Secret))
	if len(ok) > 1 {
		t.Fatalf("%d refreshes of one refresh token succeeded", len(ok))
	}
	for _, r := range failed {
		wantError(t, r, 400, "invalid_grant", 50173)
	}
}
