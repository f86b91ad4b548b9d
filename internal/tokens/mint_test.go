package tokens

import (
	"context"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"maps"
	"net/http"
	"net/http/httptest"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"github.com/go-jose/go-jose/v4"
)

// decodeParts returns a token's protected header and its claims as generic
// JSON, to check the wire shape independently of the package's structs.
func decodeParts(t *testing.T, raw string) (jose.Header, map[string]any) {
	t.Helper()
	jws, err := jose.ParseSignedCompact(raw, []jose.SignatureAlgorithm{jose.RS256})
	if err != nil {
		t.Fatal(err)
	}
	var claims map[string]any
	if err := json.Unmarshal(jws.UnsafePayloadWithoutVerification(), &claims); err != nil {
		t.Fatal(err)
	}
	return jws.Signatures[0].Header, claims
}

func TestAccessTokenRoundTrip(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, RotationPolicy{})
	kid, err := f.keys.ActiveKeyID(ctx)
	if err != nil {
		t.Fatal(err)
	}
	user, app := userClaims(), appClaims()
	tests := []struct {
		name     string
		in       AccessClaims
		wantKeys []string
		wantSub  string
	}{
		{
			name: "delegated",
			in:   user,
			wantKeys: []string{"aud", "iss", "iat", "nbf", "exp", "aio", "app_displayname", "appid", "appidacr",
				"idtyp", "name", "oid", "rh", "scp", "sub", "tid", "unique_name", "upn", "uti", "ver", "wids", "xms_tcdt"},
			wantSub: PairwiseSubject(testSecret, user.AppID, user.ObjectID),
		},
		{
			name:     "app-only",
			in:       app,
			wantKeys: []string{"aud", "iss", "iat", "nbf", "exp", "aio", "appid", "appidacr", "idp", "idtyp", "oid", "rh", "roles", "sub", "tid", "uti", "ver"},
			wantSub:  app.ObjectID,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			raw, minted, err := f.minter.MintAccessToken(ctx, tt.in, time.Hour)
			if err != nil {
				t.Fatal(err)
			}
			h, wire := decodeParts(t, raw)
			if h.Algorithm != "RS256" || h.KeyID != kid || h.ExtraHeaders["typ"] != "JWT" || h.ExtraHeaders["x5t"] != kid {
				t.Errorf("header alg=%q kid=%q typ=%v x5t=%v; want RS256, %q, JWT, kid", h.Algorithm, h.KeyID, h.ExtraHeaders["typ"], h.ExtraHeaders["x5t"], kid)
			}
			gotKeys := slices.Sorted(maps.Keys(wire))
			if want := slices.Sorted(slices.Values(tt.wantKeys)); !slices.Equal(gotKeys, want) {
				t.Errorf("claims %v\nwant   %v", gotKeys, want)
			}
			now := f.clock.Now().Unix()
			for k, want := range map[string]any{
				"aud": GraphResource, "iss": "https://sts.windows.net/" + tt.in.TenantID + "/", "ver": "1.0",
				"sub": tt.wantSub, "iat": float64(now), "nbf": float64(now), "exp": float64(now + 3600),
			} {
				if wire[k] != want {
					t.Errorf("%s = %v, want %v", k, wire[k], want)
				}
			}
			if tt.in.IDType == IDTypeApp {
				if roles, ok := wire["roles"].([]any); !ok || len(roles) != 2 {
					t.Errorf("roles = %#v, want a JSON array", wire["roles"])
				}
			}
			got, err := f.verifier.Verify(ctx, raw, Expectations{})
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(*got, minted) {
				t.Errorf("verified claims differ from minted:\n got %+v\nwant %+v", *got, minted)
			}
		})
	}
}

func TestMintFillsUniqueAndCallerValues(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, RotationPolicy{})
	seen := map[string]bool{}
	for range 20 {
		_, c, err := f.minter.MintAccessToken(ctx, userClaims(), time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		if seen[c.UTI] || len(c.UTI) != 22 || c.AIO == "" || !strings.HasPrefix(c.RH, "0.") {
			t.Fatalf("uti %q (repeat %v), aio %q, rh %q", c.UTI, seen[c.UTI], c.AIO, c.RH)
		}
		seen[c.UTI] = true
	}
	in := userClaims()
	in.Audience, in.Subject, in.AIO, in.Issuer = GraphAppID, "given-sub", "given-aio", "https://ignored/"
	_, c, err := f.minter.MintAccessToken(ctx, in, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if c.Audience != GraphAppID || c.Subject != "given-sub" || c.AIO != "given-aio" || c.Issuer != AccessTokenIssuer(in.TenantID) {
		t.Fatalf("caller values not kept or issuer not forced: %+v", c)
	}
}

func TestMintRejectsIncompleteInput(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, RotationPolicy{MaxTokenLifetime: 2 * time.Hour})
	mod := func(fn func(*AccessClaims)) AccessClaims { c := userClaims(); fn(&c); return c }
	access := map[string]struct {
		c        AccessClaims
		lifetime time.Duration
	}{
		"no tid":                {mod(func(c *AccessClaims) { c.TenantID = "" }), time.Hour},
		"no appid":              {mod(func(c *AccessClaims) { c.AppID = "" }), time.Hour},
		"no oid":                {mod(func(c *AccessClaims) { c.ObjectID = "" }), time.Hour},
		"bad idtyp":             {mod(func(c *AccessClaims) { c.IDType = "device" }), time.Hour},
		"bad appidacr":          {mod(func(c *AccessClaims) { c.AppIDACR = "3" }), time.Hour},
		"zero lifetime":         {userClaims(), 0},
		"outlives its key":      {userClaims(), 2*time.Hour + time.Second},
		"negative lifetime":     {userClaims(), -time.Hour},
		"app without app idtyp": {mod(func(c *AccessClaims) { c.IDType = "" }), time.Hour},
	}
	for name, tt := range access {
		if _, _, err := f.minter.MintAccessToken(ctx, tt.c, tt.lifetime); err == nil {
			t.Errorf("MintAccessToken accepted %s", name)
		}
	}
	id := IDClaims{Issuer: "https://localhost:8443/tid/v2.0", Audience: "client", TenantID: "tid", ObjectID: "oid"}
	for name, c := range map[string]IDClaims{
		"no iss": {Audience: id.Audience, TenantID: id.TenantID, ObjectID: id.ObjectID},
		"no aud": {Issuer: id.Issuer, TenantID: id.TenantID, ObjectID: id.ObjectID},
		"no tid": {Issuer: id.Issuer, Audience: id.Audience, ObjectID: id.ObjectID},
		"no oid": {Issuer: id.Issuer, Audience: id.Audience, TenantID: id.TenantID},
	} {
		if _, _, err := f.minter.MintIDToken(ctx, c, time.Hour); err == nil {
			t.Errorf("MintIDToken accepted %s", name)
		}
	}
	if _, err := NewMinter(f.keys, []byte("short")); err == nil {
		t.Error("NewMinter accepted a short pairwise secret")
	}
}

// TestIDTokenVerifiesWithGoOIDC checks the ID token and the JWKS document
// with an independent relying party: go-oidc fetching the keys over HTTP.
func TestIDTokenVerifiesWithGoOIDC(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, RotationPolicy{})
	const tid = "99999999-8888-7777-6666-555555555555"
	const clientID = "11111111-2222-3333-4444-555555555555"
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		doc, err := f.keys.JWKS(r.Context(), "https://"+r.Host+"/"+tid+"/v2.0")
		if err != nil {
			http.Error(w, err.Error(), 500)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.Write(doc)
	}))
	defer srv.Close()
	issuer := "https://localhost:8443/" + tid + "/v2.0"

	tests := []struct {
		name string
		in   IDClaims
	}{
		{"with email and nonce", IDClaims{Name: "Adele Vance", PreferredUsername: "adele@contoso.test", Email: "adele@contoso.test", Nonce: "n-0S6_WzA2Mj"}},
		{"without email scope", IDClaims{Name: "Adele Vance", PreferredUsername: "adele@contoso.test"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := tt.in
			in.Issuer, in.Audience, in.TenantID, in.ObjectID = issuer, clientID, tid, "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"
			raw, minted, err := f.minter.MintIDToken(ctx, in, time.Hour)
			if err != nil {
				t.Fatal(err)
			}
			v := oidc.NewVerifier(issuer, oidc.NewRemoteKeySet(ctx, srv.URL), &oidc.Config{ClientID: clientID, Now: f.clock.Now})
			tok, err := v.Verify(ctx, raw)
			if err != nil {
				t.Fatalf("go-oidc: %v", err)
			}
			if tok.Nonce != in.Nonce || tok.Subject != PairwiseSubject(testSecret, clientID, in.ObjectID) {
				t.Errorf("nonce %q sub %q", tok.Nonce, tok.Subject)
			}
			var got IDClaims
			if err := tok.Claims(&got); err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, minted) || got.Version != "2.0" {
				t.Errorf("claims:\n got %+v\nwant %+v", got, minted)
			}
			_, wire := decodeParts(t, raw)
			if _, has := wire["email"]; has != (in.Email != "") {
				t.Errorf("email present = %v, want %v", has, in.Email != "")
			}
		})
	}
}

func TestJWKSDocument(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, RotationPolicy{})
	const issuer = "https://localhost:8443/tid/v2.0"
	doc, err := f.keys.JWKS(ctx, issuer)
	if err != nil {
		t.Fatal(err)
	}
	var set jwksDocument
	if err := json.Unmarshal(doc, &set); err != nil || len(set.Keys) != 1 {
		t.Fatalf("JWKS %s: %v", doc, err)
	}
	k := set.Keys[0]
	if k.Kty != "RSA" || k.Use != "sig" || k.E != "AQAB" || k.Issuer != issuer || k.Kid != k.X5t || len(k.X5c) != 1 {
		t.Fatalf("key %+v", k)
	}
	der, err := base64.StdEncoding.DecodeString(k.X5c[0])
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	if sum := sha1.Sum(der); base64.RawURLEncoding.EncodeToString(sum[:]) != k.X5t {
		t.Fatal("x5t is not the SHA-1 thumbprint of x5c[0]")
	}
	var parsed jose.JSONWebKeySet
	if err := json.Unmarshal(doc, &parsed); err != nil || len(parsed.Keys) != 1 || !parsed.Keys[0].Valid() {
		t.Fatalf("go-jose cannot read the JWKS: %v", err)
	}
	if !cert.PublicKey.(*rsa.PublicKey).Equal(parsed.Keys[0].Key) {
		t.Fatal("x5c certificate and n/e describe different keys")
	}

	again, _ := f.keys.JWKS(ctx, issuer)
	if &again[0] != &doc[0] {
		t.Error("JWKS re-rendered although the key set did not change")
	}
	other, _ := f.keys.JWKS(ctx, "https://127.0.0.1:8443/tid/v2.0")
	if string(other) == string(doc) || !strings.Contains(string(other), `"issuer":"https://127.0.0.1:8443/tid/v2.0"`) {
		t.Error("JWKS issuer not per call")
	}
}

func TestPairwiseSubjectAndClientInfo(t *testing.T) {
	a := PairwiseSubject(testSecret, "App-1", "OID-1")
	if a != PairwiseSubject(testSecret, "app-1", "oid-1") || len(a) != 43 {
		t.Fatalf("pairwise sub %q not stable across case or not 43 characters", a)
	}
	if a == PairwiseSubject(testSecret, "app-2", "oid-1") || a == PairwiseSubject([]byte("another secret, 32 bytes long...."), "app-1", "oid-1") {
		t.Fatal("pairwise sub does not depend on app and secret")
	}
	ci := ClientInfo("aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee", "99999999-8888-7777-6666-555555555555")
	if strings.ContainsAny(ci, "=+/") {
		t.Fatalf("client_info %q is not unpadded base64url", ci)
	}
	b, err := base64.RawURLEncoding.DecodeString(ci)
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"uid":"aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee","utid":"99999999-8888-7777-6666-555555555555"}`; string(b) != want {
		t.Fatalf("client_info decodes to %s, want %s", b, want)
	}
}
