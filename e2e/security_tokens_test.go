package e2e

import (
	"context"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
	"github.com/google/uuid"

	"graphgate/internal/demo"
	"graphgate/internal/store"
	"graphgate/internal/tokens"
)

// forgery is a token that differs from a genuine one in one respect.
type forgery struct {
	name  string // the rule it breaks, first
	token string
	// graphMsg is Graph's 401 InvalidAuthenticationToken message for it.
	graphMsg string
}

// fetchCounter is an attacker's web server: it counts requests, to prove
// that jku and x5u headers are never fetched.
func fetchCounter(t *testing.T) (string, *atomic.Int64) {
	var n atomic.Int64
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		http.NotFound(w, r)
	}))
	t.Cleanup(hs.Close)
	return hs.URL, &n
}

// forgeKit is what forging takes: the server's key, an attacker's key, a
// certificate a client registered (the daemon's: a key the server knows,
// but for client assertions, not for signing tokens) with its key,
// another graphgate (another data folder, so other keys, and the same demo
// ids), and the attacker's web server.
type forgeKit struct {
	key, attacker, certKey *rsa.PrivateKey
	kid                    string
	cert                   *x509.Certificate
	elsewhere              *tokens.Minter
	jku                    string
	fetched                *atomic.Int64
}

func newForgeKit(t *testing.T, e *env) *forgeKit {
	k := &forgeKit{attacker: rsaKey(t), elsewhere: minter(t, start(t))}
	k.key, k.kid = serverKey(t, e)
	k.cert, k.certKey = selfSigned(t)
	if err := e.srv.Store().UpdateApp(context.Background(), demo.DaemonAppID, func(a store.App) (store.App, error) {
		a.Certificates = append(a.Certificates, store.Certificate{ID: uuid.NewString(), DisplayName: "forgery", DER: k.cert.Raw, ExpiresAt: k.cert.NotAfter})
		return a, nil
	}); err != nil {
		t.Fatal(err)
	}
	k.jku, k.fetched = fetchCounter(t)
	return k
}

// forgeries builds the forged variants of base, a genuine token's claims;
// other is another genuine token (for a payload swap).
func (k *forgeKit) forgeries(t *testing.T, base tokens.AccessClaims, other string) []forgery {
	key, kid, attacker, cert, certKey, jku := k.key, k.kid, k.attacker, k.cert, k.certKey, k.jku
	pubDER, err := x509.MarshalPKIXPublicKey(&key.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	at := func(d time.Duration) jwt.NumericDate { return jwt.NumericDate(now.Add(d).Unix()) }
	b64 := base64.RawURLEncoding.EncodeToString
	sign := func(c tokens.AccessClaims) string { return signJWS(t, jose.RS256, key, kid, c, nil) }
	mod := func(f func(c *tokens.AccessClaims)) string {
		c := base
		f(&c)
		return sign(c)
	}
	genuine := sign(base)
	gp := strings.Split(genuine, ".")
	op := strings.Split(other, ".")
	s1 := sha1.Sum(cert.Raw)
	s256 := sha256.Sum256(cert.Raw)
	foreignGenuine := mint(t, k.elsewhere, base)

	const (
		failure  = "Access token validation failure."
		expired  = "Lifetime validation failed, the token is expired."
		notYet   = "Lifetime validation failed, the token is not yet valid."
		audience = "Access token validation failure. Invalid audience."
		issuer   = "Access token validation failure. Invalid issuer."
		gone     = "The user or application the token was issued to no longer exists in the tenant."
		empty    = "Access token is empty."
	)
	return []forgery{
		{"RFC 8725 §2.1 alg none, unsigned", b64([]byte(`{"alg":"none","typ":"JWT","kid":"`+kid+`"}`)) + "." + gp[1] + ".", failure},
		{"RFC 8725 §2.1 alg None keeping the signature", b64([]byte(`{"alg":"None","typ":"JWT","kid":"`+kid+`"}`)) + "." + gp[1] + "." + gp[2], failure},
		{"RFC 8725 §2.1 HS256 keyed with the server's RSA public key (DER)", signJWS(t, jose.HS256, pubDER, kid, base, nil), failure},
		{"RFC 8725 §2.1 HS256 keyed with the public key's modulus", signJWS(t, jose.HS256, key.PublicKey.N.Bytes(), kid, base, nil), failure},
		{"RFC 8725 §3.1 RS512 with the server's own key (Entra signs RS256 only)", signJWS(t, jose.RS512, key, kid, base, nil), failure},
		{"RFC 8725 §3.1 PS256 with the server's own key", signJWS(t, jose.PS256, key, kid, base, nil), failure},
		{"RFC 7515 §4.1.4 the server's kid, an attacker's key", signJWS(t, jose.RS256, attacker, kid, base, nil), failure},
		{"RFC 7515 §4.1.4 unknown kid", signJWS(t, jose.RS256, attacker, "attacker-key-1", base, nil), failure},
		{"RFC 8725 §3.10 kid path traversal", signJWS(t, jose.RS256, attacker, "../../../../../../dev/null", base, nil), failure},
		{"RFC 8725 §3.10 kid path traversal to the server's kid", signJWS(t, jose.RS256, attacker, "../"+kid, base, nil), failure},
		{"RFC 8725 §3.10 kid SQL injection", signJWS(t, jose.RS256, attacker, "' OR '1'='1", base, nil), failure},
		{"RFC 7515 §4.1.4 kid of another graphgate's key (same demo ids)", foreignGenuine, failure},
		{"RFC 7515 §4.1.7 x5t of a client's registered certificate, signed with its key", signJWS(t, jose.RS256, certKey, b64(s1[:]), base,
			map[jose.HeaderKey]any{"x5t": b64(s1[:]), "x5t#S256": b64(s256[:])}), failure},
		{"RFC 7515 §4.1.2 jku naming the attacker's key set", signJWS(t, jose.RS256, attacker, "attacker-key-2", base,
			map[jose.HeaderKey]any{"jku": jku + "/jwks.json"}), failure},
		{"RFC 7515 §4.1.5 x5u naming the attacker's certificate", signJWS(t, jose.RS256, attacker, kid, base,
			map[jose.HeaderKey]any{"x5u": jku + "/cert.pem"}), failure},
		{"RFC 7515 §4.1.3 jwk embedding the attacker's public key", signJWS(t, jose.RS256, attacker, kid, base,
			map[jose.HeaderKey]any{"jwk": jose.JSONWebKey{Key: &attacker.PublicKey, KeyID: kid, Algorithm: "RS256", Use: "sig"}}), failure},
		{"RFC 7515 §4.1.6 x5c embedding the attacker's certificate", signJWS(t, jose.RS256, certKey, kid, base,
			map[jose.HeaderKey]any{"x5c": []string{base64.StdEncoding.EncodeToString(cert.Raw)}}), failure},
		{"RFC 7515 §5.2 payload swapped under a genuine signature", gp[0] + "." + op[1] + "." + gp[2], failure},
		{"RFC 7515 §5.2 signature stripped", gp[0] + "." + gp[1] + ".", failure},
		{"RFC 7519 §4.1.4 expired beyond Entra's 5-minute skew", mod(func(c *tokens.AccessClaims) {
			c.IssuedAt, c.NotBefore, c.ExpiresAt = at(-2*time.Hour), at(-2*time.Hour), at(-10*time.Minute)
		}), expired},
		{"RFC 7519 §4.1.5 nbf beyond Entra's 5-minute skew", mod(func(c *tokens.AccessClaims) {
			c.IssuedAt, c.NotBefore, c.ExpiresAt = at(10*time.Minute), at(10*time.Minute), at(2*time.Hour)
		}), notYet},
		{"RFC 7519 §4.1.3 aud of another resource", mod(func(c *tokens.AccessClaims) { c.Audience = "https://management.azure.com" }), audience},
		{"RFC 7519 §4.1.3 aud with the expected one as a prefix", mod(func(c *tokens.AccessClaims) { c.Audience = base.Audience + ".evil.example" }), audience},
		{"RFC 7519 §4.1.3 aud of the client itself (an ID token's)", mod(func(c *tokens.AccessClaims) { c.Audience = c.AppID }), audience},
		{"RFC 7519 §4.1.1 v2.0 issuer (Graph accepts v1.0 access tokens' sts.windows.net)", mod(func(c *tokens.AccessClaims) {
			c.Issuer = "https://login.microsoftonline.com/" + c.TenantID + "/v2.0"
		}), issuer},
		{"RFC 7519 §4.1.1 issuer of another tenant than tid", mod(func(c *tokens.AccessClaims) { c.Issuer = tokens.AccessTokenIssuer(uuid.NewString()) }), issuer},
		{"Entra: tid of another tenant with a tenant-A user's oid", mod(func(c *tokens.AccessClaims) {
			c.TenantID = uuid.NewString()
			c.Issuer = tokens.AccessTokenIssuer(c.TenantID)
		}), gone},
		{"RFC 8725 §3.1 a token far over any real size", strings.Repeat("A", 20<<10) + "." + gp[1] + "." + gp[2], "IDX14100: JWT is not well formed…"},
		{"RFC 7519 §7.2 not a JWT", "not-a-jwt", "IDX14100: JWT is not well formed…"},
		// The control: the same claims, genuinely signed, are accepted.
		{"genuine", genuine, ""},
		{"empty bearer", "", empty},
	}
}

// TestSecurityTokenForgery presents forged, expired and misdirected access
// tokens where graphgate accepts a JWT: the Graph resource server (401
// InvalidAuthenticationToken with Graph's messages), the OpenID Connect
// userinfo endpoint (401 invalid_token), the on-behalf-of grant's assertion
// (400 invalid_grant AADSTS50013), and authorize's id_token_hint (a hint,
// never a sign-in: OpenID Connect Core §3.1.2.1). None of them ever fetches
// a jku or x5u URL.
func TestSecurityTokenForgery(t *testing.T) {
	e := start(t)
	m := minter(t, e)
	adele, ha, api := e.user("adele"), e.app("homeassistant"), e.app("api")
	kit := newForgeKit(t, e)
	ctx := context.Background()
	_, graphBase, err := m.MintAccessToken(ctx, tokens.AccessClaims{IDType: tokens.IDTypeUser, TenantID: demo.TenantID, ObjectID: adele.ID,
		AppID: ha.ClientID, AppIDACR: tokens.AppIDACRPublic, Scope: "User.Read", Name: "Adele Vance", UPN: adele.UserPrincipalName}, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	other := mint(t, m, tokens.AccessClaims{IDType: tokens.IDTypeUser, TenantID: demo.TenantID, ObjectID: e.user("megan").ID,
		AppID: ha.ClientID, AppIDACR: tokens.AppIDACRPublic, Scope: "User.Read Mail.Read"})

	t.Run("Graph", func(t *testing.T) {
		for _, f := range kit.forgeries(t, graphBase, other) {
			t.Run(f.name, func(t *testing.T) {
				r := e.graphCall(t, "GET", "/me", f.token, nil)
				if f.graphMsg == "" {
					if r.status != 200 || r.json["id"] != adele.ID {
						t.Fatalf("the genuine token: %s", r)
					}
					return
				}
				wantGraphError(t, r, 401, "InvalidAuthenticationToken", f.graphMsg)
				if !strings.HasPrefix(r.header.Get("WWW-Authenticate"), "Bearer ") {
					t.Errorf("401 without WWW-Authenticate: %v", r.header)
				}
			})
		}
		t.Run("RFC 6750 §2.3 token in the query string (Graph reads the header only)", func(t *testing.T) {
			r := e.graphCall(t, "GET", "/me?access_token="+other, "", nil)
			wantGraphError(t, r, 401, "InvalidAuthenticationToken", "Access token is empty.")
		})
		t.Run("RFC 6750 §2.1 token in a form body", func(t *testing.T) {
			r := e.graphCall(t, "GET", "/me", "", "access_token="+other, "Content-Type", "application/x-www-form-urlencoded")
			wantGraphError(t, r, 401, "InvalidAuthenticationToken", "Access token is empty.")
		})
	})

	t.Run("userinfo", func(t *testing.T) {
		for _, f := range kit.forgeries(t, graphBase, other) {
			t.Run(f.name, func(t *testing.T) {
				req, _ := http.NewRequest("GET", e.base+"/oidc/userinfo", nil)
				if f.token != "" {
					req.Header.Set("Authorization", "Bearer "+f.token)
				}
				r := call(t, e, req)
				if f.graphMsg == "" {
					if r.status != 200 || r.str("name") != "Adele Vance" {
						t.Fatalf("the genuine token: %s", r)
					}
					return
				}
				if r.status != 401 || strings.Contains(r.raw, "Adele") {
					t.Errorf("want 401, got %s", r)
				}
			})
		}
	})

	t.Run("on-behalf-of assertion", func(t *testing.T) {
		e.consent(ha.ClientID, adele.ID, "User.Read")
		apiBase := graphBase
		apiBase.Audience, apiBase.Scope = "api://"+api.ClientID, "access_as_user"
		for _, f := range kit.forgeries(t, apiBase, other) {
			if f.token == "" {
				continue // no assertion: a missing parameter, not a forgery
			}
			t.Run(f.name, func(t *testing.T) {
				v := kv("grant_type", "urn:ietf:params:oauth:grant-type:jwt-bearer", "requested_token_use", "on_behalf_of",
					"client_id", api.ClientID, "client_secret", api.Secret, "assertion", f.token, "scope", "https://graph.microsoft.com/User.Read")
				r := postToken(t, e, demo.TenantID, v)
				if f.graphMsg == "" {
					wantOK(t, r)
					if cl := claims(t, r.str("access_token")); cl["oid"] != adele.ID {
						t.Errorf("OBO token for %v", cl["oid"])
					}
					return
				}
				wantError(t, r, 400, "invalid_grant", 50013)
				if r.str("access_token") != "" {
					t.Errorf("a token was issued: %s", r)
				}
			})
		}
	})

	t.Run("OpenID Connect Core §3.1.2.1 id_token_hint is no sign-in", func(t *testing.T) {
		key, kid := kit.key, kit.kid
		now := time.Now()
		idc := tokens.IDClaims{Audience: ha.ClientID, Issuer: e.base + "/" + demo.TenantID + "/v2.0", ObjectID: adele.ID, TenantID: demo.TenantID,
			Subject: adele.ID, PreferredUsername: adele.UserPrincipalName, IssuedAt: jwt.NumericDate(now.Unix()), NotBefore: jwt.NumericDate(now.Unix()),
			ExpiresAt: jwt.NumericDate(now.Add(time.Hour).Unix()), Version: "2.0"}
		for name, hint := range map[string]string{
			"genuinely signed": signJWS(t, jose.RS256, key, kid, idc, nil),
			"alg none":         base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"none"}`)) + "." + strings.Split(signJWS(t, jose.RS256, key, kid, idc, nil), ".")[1] + ".",
		} {
			t.Run(name, func(t *testing.T) {
				_, challenge := pkcePair()
				v := authParams(ha.ClientID, "http://localhost", "openid User.Read", "prompt", "none", "id_token_hint", hint,
					"code_challenge", challenge, "code_challenge_method", "S256")
				b := browserFor(t, e)
				_, q := redirected(t, b.get(e.authorizeURL(demo.TenantID, v)))
				if q.Get("code") != "" || q.Get("error") != "login_required" {
					t.Errorf("prompt=none with an id_token_hint and no session: %v", q)
				}
			})
		}
	})

	if n := kit.fetched.Load(); n != 0 {
		t.Errorf("RFC 8725 §3.10: the server fetched the attacker's jku/x5u URL %d times", n)
	}
}

// assertionClaims are RFC 7523 §3 client assertion claims.
type assertionClaims struct {
	Issuer    string           `json:"iss"`
	Subject   string           `json:"sub"`
	Audience  string           `json:"aud"`
	ID        string           `json:"jti,omitempty"`
	IssuedAt  *jwt.NumericDate `json:"iat,omitempty"`
	NotBefore *jwt.NumericDate `json:"nbf,omitempty"`
	Expiry    *jwt.NumericDate `json:"exp,omitempty"`
}

// TestSecurityClientAssertionForgery authenticates the web app with
// forged client assertions (RFC 7523 §3, Microsoft's certificate
// credentials) at the token endpoint: each is refused with 401
// invalid_client and no token, and no jku or x5u is fetched.
func TestSecurityClientAssertionForgery(t *testing.T) {
	e := start(t)
	w := e.app("webapp")
	fb := newTenantB(t, e)
	jku, fetched := fetchCounter(t)
	cert, certKey := selfSigned(t)
	daemonCert, daemonKey := selfSigned(t)
	fabCert, fabKey := selfSigned(t)
	register := func(appID string, c *x509.Certificate) {
		t.Helper()
		if err := e.srv.Store().UpdateApp(context.Background(), appID, func(a store.App) (store.App, error) {
			a.Certificates = append(a.Certificates, store.Certificate{ID: uuid.NewString(), DisplayName: "test", DER: c.Raw, ExpiresAt: c.NotAfter})
			return a, nil
		}); err != nil {
			t.Fatal(err)
		}
	}
	register(w.ClientID, cert)
	register(e.app("daemon").ClientID, daemonCert)
	register(fb.AppID, fabCert)
	thumbs := func(c *x509.Certificate) map[jose.HeaderKey]any {
		s1, s256 := sha1.Sum(c.Raw), sha256.Sum256(c.Raw)
		return map[jose.HeaderKey]any{"x5t": base64.RawURLEncoding.EncodeToString(s1[:]), "x5t#S256": base64.RawURLEncoding.EncodeToString(s256[:])}
	}
	with := func(h map[jose.HeaderKey]any, k jose.HeaderKey, v any) map[jose.HeaderKey]any {
		out := map[jose.HeaderKey]any{k: v}
		for kk, vv := range h {
			out[kk] = vv
		}
		return out
	}
	endpoint := e.base + "/" + demo.TenantID + "/oauth2/v2.0/token"
	now := time.Now()
	nd := func(d time.Duration) *jwt.NumericDate { n := jwt.NumericDate(now.Add(d).Unix()); return &n }
	claimsFor := func(mod func(c *assertionClaims)) assertionClaims {
		c := assertionClaims{Issuer: w.ClientID, Subject: w.ClientID, Audience: endpoint, ID: uuid.NewString(), IssuedAt: nd(0), NotBefore: nd(0), Expiry: nd(10 * time.Minute)}
		if mod != nil {
			mod(&c)
		}
		return c
	}
	pubDER, _ := x509.MarshalPKIXPublicKey(cert.PublicKey)
	attacker := rsaKey(t)
	good := func(mod func(c *assertionClaims)) string {
		return signJWS(t, jose.PS256, certKey, "", claimsFor(mod), thumbs(cert))
	}
	replayed := good(nil)
	b64 := base64.RawURLEncoding.EncodeToString

	for _, c := range []struct {
		name, assertion string
		ok              bool
	}{
		{"genuine (PS256, as MSAL signs)", good(nil), true},
		{"genuine RS256", signJWS(t, jose.RS256, certKey, "", claimsFor(nil), thumbs(cert)), true},
		{"RFC 8725 §2.1 alg none", b64([]byte(`{"alg":"none","x5t":"`+thumbs(cert)["x5t"].(string)+`"}`)) + "." + strings.Split(good(nil), ".")[1] + ".", false},
		{"RFC 8725 §2.1 HS256 keyed with the certificate's public key", signJWS(t, jose.HS256, pubDER, "", claimsFor(nil), thumbs(cert)), false},
		{"RFC 7515 §4.1.7 the app's x5t, an attacker's key", signJWS(t, jose.PS256, attacker, "", claimsFor(nil), thumbs(cert)), false},
		{"RFC 7515 §4.1.7 unknown x5t", signJWS(t, jose.PS256, attacker, "", claimsFor(nil), map[jose.HeaderKey]any{"x5t": b64([]byte("01234567890123456789"))}), false},
		{"RFC 7515 §4.1.7 no thumbprint, only a kid", signJWS(t, jose.PS256, certKey, "webapp-cert", claimsFor(nil), nil), false},
		{"Entra: another app's certificate (the daemon's) for the web app", signJWS(t, jose.PS256, daemonKey, "", claimsFor(nil), thumbs(daemonCert)), false},
		{"Entra: a tenant-B app's certificate for a tenant-A app", signJWS(t, jose.PS256, fabKey, "", claimsFor(nil), thumbs(fabCert)), false},
		{"RFC 7515 §4.1.2 jku naming the attacker's keys", signJWS(t, jose.PS256, attacker, "", claimsFor(nil), with(thumbs(cert), "jku", jku+"/keys")), false},
		{"RFC 7515 §4.1.5 x5u naming the attacker's certificate", signJWS(t, jose.PS256, attacker, "", claimsFor(nil), with(thumbs(cert), "x5u", jku+"/cert")), false},
		{"RFC 7515 §4.1.6 x5c carrying the attacker's certificate", signJWS(t, jose.PS256, daemonKey, "", claimsFor(nil),
			with(thumbs(cert), "x5c", []string{base64.StdEncoding.EncodeToString(daemonCert.Raw)})), false},
		{"RFC 7515 §4.1.3 jwk embedding the attacker's key", signJWS(t, jose.PS256, attacker, "", claimsFor(nil),
			with(thumbs(cert), "jwk", jose.JSONWebKey{Key: &attacker.PublicKey, Algorithm: "PS256", Use: "sig"})), false},
		{"RFC 7523 §3 expired beyond the skew", good(func(c *assertionClaims) {
			c.IssuedAt, c.NotBefore, c.Expiry = nd(-time.Hour), nd(-time.Hour), nd(-10*time.Minute)
		}), false},
		{"RFC 7523 §3 nbf beyond the skew", good(func(c *assertionClaims) {
			c.IssuedAt, c.NotBefore, c.Expiry = nd(10*time.Minute), nd(10*time.Minute), nd(time.Hour)
		}), false},
		{"RFC 7523 §3 no exp", good(func(c *assertionClaims) { c.Expiry = nil }), false},
		{"RFC 7523 §3 aud of tenant B's token endpoint", good(func(c *assertionClaims) { c.Audience = e.base + "/" + fb.ID + "/oauth2/v2.0/token" }), false},
		{"RFC 7523 §3 aud of the authorize endpoint", good(func(c *assertionClaims) { c.Audience = e.base + "/" + demo.TenantID + "/oauth2/v2.0/authorize" }), false},
		{"RFC 7523 §3 aud of Graph", good(func(c *assertionClaims) { c.Audience = "https://graph.microsoft.com" }), false},
		{"RFC 7523 §3 iss of another client", good(func(c *assertionClaims) { c.Issuer = e.app("daemon").ClientID }), false},
		{"RFC 7523 §3 sub of another client", good(func(c *assertionClaims) { c.Subject = e.app("daemon").ClientID }), false},
		{"RFC 7523 §3 no jti", good(func(c *assertionClaims) { c.ID = "" }), false},
		{"RFC 7523 §3 replayed jti (first use)", replayed, true},
		{"RFC 7523 §3 replayed jti (second use)", replayed, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := postToken(t, e, demo.TenantID, kv("grant_type", "client_credentials", "client_id", w.ClientID, "scope", graphDotDefault,
				"client_assertion_type", "urn:ietf:params:oauth:client-assertion-type:jwt-bearer", "client_assertion", c.assertion))
			if c.ok {
				wantOK(t, r)
				if cl := claims(t, r.str("access_token")); cl["appidacr"] != "2" {
					t.Errorf("appidacr %v, want 2 (certificate)", cl["appidacr"])
				}
				return
			}
			if r.status != 401 || r.str("error") != "invalid_client" || r.str("access_token") != "" {
				t.Errorf("want 401 invalid_client, got %s", r)
			}
		})
	}
	if n := fetched.Load(); n != 0 {
		t.Errorf("RFC 8725 §3.10: the server fetched the attacker's jku/x5u URL %d times", n)
	}
}

// TestSecurityUnauthorizedChallenge: every 401 of a resource carries a
// Bearer challenge (RFC 6750 §3; RFC 9110 §15.5.2) — at userinfo with
// error="invalid_token" when a token was presented and is refused (the
// token of a user not in its tenant, or disabled, included) and without
// error information when none was (RFC 6750 §3.1), at Graph, and at the
// pre-authenticated transfer URLs. Userinfo used to answer a disabled
// user's token with the user's claims, and a request without a token
// with error="invalid_token".
func TestSecurityUnauthorizedChallenge(t *testing.T) {
	e := start(t)
	m := minter(t, e)
	adele, megan := e.user("adele"), e.user("megan")
	user := func(u demo.User, tenant string) string {
		return mint(t, m, tokens.AccessClaims{IDType: tokens.IDTypeUser, TenantID: tenant, ObjectID: u.ID,
			AppID: demo.HomeAssistantAppID, AppIDACR: tokens.AppIDACRPublic, Scope: "User.Read"})
	}
	if err := e.srv.Store().UpdateUser(context.Background(), megan.TenantID, megan.ID, func(u store.User) (store.User, error) {
		u.AccountEnabled = false
		return u, nil
	}); err != nil {
		t.Fatal(err)
	}
	app := mint(t, m, tokens.AccessClaims{IDType: tokens.IDTypeApp, TenantID: adele.TenantID, ObjectID: uuid.NewString(),
		AppID: demo.DaemonAppID, AppIDACR: tokens.AppIDACRSecret, Roles: []string{"User.Read.All"}})
	for _, c := range []struct {
		name, url, authorization string
		errorParam               string // the challenge's error="…", "" for none
	}{
		{"userinfo: no Authorization", "/oidc/userinfo", "", ""},
		{"userinfo: another scheme", "/oidc/userinfo", "Basic YWRlbGU6cHc=", ""},
		{"userinfo: an empty bearer token", "/oidc/userinfo", "Bearer ", ""},
		{"userinfo: not a JWT", "/oidc/userinfo", "Bearer not-a-jwt", "invalid_token"},
		{"userinfo: an app's token", "/oidc/userinfo", "Bearer " + app, "invalid_token"},
		{"userinfo: the user is not in the token's tenant", "/oidc/userinfo", "Bearer " + user(adele, uuid.NewString()), "invalid_token"},
		{"userinfo: the user is disabled", "/oidc/userinfo", "Bearer " + user(megan, megan.TenantID), "invalid_token"},
		{"Graph: no Authorization", "/v1.0/me", "", ""},
		{"Graph: the user is not in the token's tenant", "/v1.0/me", "Bearer " + user(adele, uuid.NewString()), ""},
		{"download URL: not valid", "/v1.0/_transfer/download?tempauth=x.y", "", ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			req, _ := http.NewRequest("GET", e.base+c.url, nil)
			if c.authorization != "" {
				req.Header.Set("Authorization", c.authorization)
			}
			r := call(t, e, req)
			ch := r.header.Get("WWW-Authenticate")
			if r.status != 401 || !strings.HasPrefix(ch, "Bearer ") {
				t.Fatalf("want 401 with a Bearer challenge, got %d %q", r.status, ch)
			}
			if got := strings.Contains(ch, "error="); got != (c.errorParam != "") || c.errorParam != "" && !strings.Contains(ch, `error="`+c.errorParam+`"`) {
				t.Errorf("challenge %q, want error %q", ch, c.errorParam)
			}
		})
	}
}

// TestSecurityClientAssertionCodes: Entra names why a client
// assertion failed — AADSTS700021 (iss or sub is not the client id),
// AADSTS700023 (aud is not the token endpoint), AADSTS700024 (outside its
// valid time range) — as Microsoft's Azure SDK troubleshooting guide for
// ClientAssertionCredential lists them, with their wording. graphgate
// used to answer AADSTS700027 (signature) for all of them.
func TestSecurityClientAssertionCodes(t *testing.T) {
	e := start(t)
	w := e.app("webapp")
	cert, key := selfSigned(t)
	if err := e.srv.Store().UpdateApp(context.Background(), w.ClientID, func(a store.App) (store.App, error) {
		a.Certificates = append(a.Certificates, store.Certificate{ID: uuid.NewString(), DisplayName: "test", DER: cert.Raw, ExpiresAt: cert.NotAfter})
		return a, nil
	}); err != nil {
		t.Fatal(err)
	}
	s1, s256 := sha1.Sum(cert.Raw), sha256.Sum256(cert.Raw)
	hdr := map[jose.HeaderKey]any{"x5t": base64.RawURLEncoding.EncodeToString(s1[:]), "x5t#S256": base64.RawURLEncoding.EncodeToString(s256[:])}
	now := time.Now()
	nd := func(d time.Duration) *jwt.NumericDate { n := jwt.NumericDate(now.Add(d).Unix()); return &n }
	endpoint := e.base + "/" + demo.TenantID + "/oauth2/v2.0/token"
	for _, c := range []struct {
		name   string
		mod    func(c *assertionClaims)
		aadsts int
	}{
		{"iss of another client", func(c *assertionClaims) { c.Issuer = demo.DaemonAppID }, 700021},
		{"aud of Graph", func(c *assertionClaims) { c.Audience = "https://graph.microsoft.com" }, 700023},
		{"expired", func(c *assertionClaims) {
			c.IssuedAt, c.NotBefore, c.Expiry = nd(-time.Hour), nd(-time.Hour), nd(-10*time.Minute)
		}, 700024},
		{"not valid yet", func(c *assertionClaims) { c.NotBefore, c.Expiry = nd(time.Hour), nd(2*time.Hour) }, 700024},
	} {
		t.Run(c.name, func(t *testing.T) {
			cl := assertionClaims{Issuer: w.ClientID, Subject: w.ClientID, Audience: endpoint, ID: uuid.NewString(), IssuedAt: nd(0), NotBefore: nd(0), Expiry: nd(10 * time.Minute)}
			c.mod(&cl)
			r := postToken(t, e, demo.TenantID, kv("grant_type", "client_credentials", "client_id", w.ClientID, "scope", graphDotDefault,
				"client_assertion_type", "urn:ietf:params:oauth:client-assertion-type:jwt-bearer", "client_assertion", signJWS(t, jose.PS256, key, "", cl, hdr)))
			wantError(t, r, 401, "invalid_client", c.aadsts)
			if want := map[int]string{
				700021: "Client assertion application identifier doesn't match 'client_id' parameter.",
				700023: "Client assertion audience claim does not match Realm issuer.",
				700024: "Client assertion is not within its valid time range. Current time: ",
			}[c.aadsts]; !strings.Contains(r.str("error_description"), want) {
				t.Errorf("error_description %q, want %q", r.str("error_description"), want)
			}
		})
	}
}
