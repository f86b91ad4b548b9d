package tokens

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"errors"
	"math/big"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
)

const (
	testClientID      = "11111111-2222-3333-4444-555555555555"
	testTokenEndpoint = "https://localhost:8443/99999999-8888-7777-6666-555555555555/oauth2/v2.0/token"
)

// clientCert is a client's certificate credential: a self-signed
// certificate and its key, as registered on an app.
type clientCert struct {
	cert *x509.Certificate
	key  crypto.Signer
}

func newClientCert(t testing.TB, key crypto.Signer) clientCert {
	t.Helper()
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "contoso client"},
		NotBefore:    epoch.Add(-day),
		NotAfter:     epoch.Add(365 * day),
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return clientCert{cert: cert, key: key}
}

func newRSAClientCert(t testing.TB) clientCert {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	return newClientCert(t, key)
}

// msalClaims are the claims MSAL puts in a client assertion: aud is the
// token endpoint, iss = sub = client id, a fresh jti, nbf now, exp in 10 min.
func msalClaims(now time.Time, jti string) map[string]any {
	return map[string]any{
		"aud": testTokenEndpoint,
		"exp": now.Add(10 * time.Minute).Unix(),
		"iss": testClientID,
		"jti": jti,
		"nbf": now.Unix(),
		"sub": testClientID,
	}
}

// s256 and s1 are the certificate thumbprint headers. MSAL Go encodes them
// in standard, padded base64; base64url is the RFC 7515 form.
func s256(c *x509.Certificate, enc *base64.Encoding) map[jose.HeaderKey]any {
	sum := sha256.Sum256(c.Raw)
	return map[jose.HeaderKey]any{"x5t#S256": enc.EncodeToString(sum[:])}
}

func s1(c *x509.Certificate) map[jose.HeaderKey]any {
	sum := sha1.Sum(c.Raw)
	return map[jose.HeaderKey]any{"x5t": base64.RawURLEncoding.EncodeToString(sum[:])}
}

func TestVerifyClientAssertion(t *testing.T) {
	now := epoch
	client := newRSAClientCert(t)
	other := newRSAClientCert(t)
	registered := []*x509.Certificate{other.cert, client.cert}
	ecKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	ecClient := newClientCert(t, ecKey)

	claims := func(jti string, mod func(map[string]any)) map[string]any {
		c := msalClaims(now, jti)
		if mod != nil {
			mod(c)
		}
		return c
	}
	sign := func(alg jose.SignatureAlgorithm, key any, c map[string]any, h map[jose.HeaderKey]any) string {
		return signJWT(t, alg, key, "", c, h)
	}
	std := base64.StdEncoding
	url := base64.RawURLEncoding

	tests := []struct {
		name  string
		raw   string
		certs []*x509.Certificate
		err   error
	}{
		{name: "MSAL Go: PS256, x5t#S256 in padded standard base64", raw: sign(jose.PS256, client.key, claims("j1", nil), s256(client.cert, std))},
		{name: "PS256, x5t#S256 in base64url", raw: sign(jose.PS256, client.key, claims("j2", nil), s256(client.cert, url))},
		{name: "RS256 with x5t (ADFS style)", raw: sign(jose.RS256, client.key, claims("j3", nil), s1(client.cert))},
		{name: "aud as an array", raw: sign(jose.PS256, client.key, claims("j4", func(c map[string]any) { c["aud"] = []string{"x", testTokenEndpoint} }), s256(client.cert, std))},
		{name: "no nbf", raw: sign(jose.PS256, client.key, claims("j5", func(c map[string]any) { delete(c, "nbf") }), s256(client.cert, std))},
		{name: "certificate not registered", raw: sign(jose.PS256, client.key, claims("e1", nil), s256(client.cert, std)), certs: []*x509.Certificate{other.cert}, err: ErrUnknownKey},
		{name: "no thumbprint header", raw: sign(jose.PS256, client.key, claims("e2", nil), nil), err: ErrUnknownKey},
		{name: "thumbprint of one certificate, signed by another's key", raw: sign(jose.PS256, other.key, claims("e3", nil), s256(client.cert, std)), err: ErrSignature},
		{name: "HS256", raw: sign(jose.HS256, []byte("0123456789abcdef0123456789abcdef"), claims("e4", nil), s256(client.cert, std)), err: ErrAlgorithm},
		{name: "ES256", raw: sign(jose.ES256, ecKey, claims("e5", nil), s256(ecClient.cert, std)), certs: []*x509.Certificate{ecClient.cert}, err: ErrAlgorithm},
		{name: "wrong audience", raw: sign(jose.PS256, client.key, claims("e6", func(c map[string]any) { c["aud"] = "https://login.microsoftonline.com/x/oauth2/v2.0/token" }), s256(client.cert, std)), err: ErrAudience},
		{name: "iss is another client", raw: sign(jose.PS256, client.key, claims("e7", func(c map[string]any) { c["iss"] = "other" }), s256(client.cert, std)), err: ErrIssuer},
		{name: "sub is another client", raw: sign(jose.PS256, client.key, claims("e8", func(c map[string]any) { c["sub"] = "other" }), s256(client.cert, std)), err: ErrIssuer},
		{name: "expired", raw: sign(jose.PS256, client.key, claims("e9", func(c map[string]any) { c["exp"] = now.Add(-DefaultSkew - time.Second).Unix() }), s256(client.cert, std)), err: ErrExpired},
		{name: "not yet valid", raw: sign(jose.PS256, client.key, claims("e10", func(c map[string]any) { c["nbf"] = now.Add(DefaultSkew + time.Second).Unix() }), s256(client.cert, std)), err: ErrNotYetValid},
		{name: "no jti", raw: sign(jose.PS256, client.key, claims("", nil), s256(client.cert, std)), err: ErrMalformed},
		{name: "no exp", raw: sign(jose.PS256, client.key, claims("e11", func(c map[string]any) { delete(c, "exp") }), s256(client.cert, std)), err: ErrMalformed},
		{name: "not a JWT", raw: "abc", err: ErrMalformed},
	}
	v := NewAssertionVerifier(AssertionOptions{})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			certs := tt.certs
			if certs == nil {
				certs = registered
			}
			err := v.VerifyClientAssertion(tt.raw, []string{testTokenEndpoint}, testClientID, certs, now)
			checkErr(t, err, tt.err)
			// A lifetime failure carries the assertion's times (Entra's
			// AADSTS700024 names them); no other failure does.
			var lt *LifetimeError
			if isLifetime := errors.As(err, &lt); isLifetime != (tt.err == ErrExpired || tt.err == ErrNotYetValid) {
				t.Errorf("LifetimeError %v for %v", isLifetime, err)
			} else if isLifetime && (lt.Expiry.IsZero() || lt.Expiry.Location() != time.UTC || tt.err == ErrNotYetValid && lt.NotBefore.IsZero()) {
				t.Errorf("LifetimeError times: nbf %v, exp %v", lt.NotBefore, lt.Expiry)
			}
		})
	}
}

func TestClientAssertionReplay(t *testing.T) {
	now := epoch
	client := newRSAClientCert(t)
	certs := []*x509.Certificate{client.cert}
	v := NewAssertionVerifier(AssertionOptions{})
	verify := func(raw string, at time.Time) error {
		return v.VerifyClientAssertion(raw, []string{testTokenEndpoint}, testClientID, certs, at)
	}
	h := s256(client.cert, base64.StdEncoding)

	raw := signJWT(t, jose.PS256, client.key, "", msalClaims(now, "jti-1"), h)
	checkErr(t, verify(raw, now), nil)
	checkErr(t, verify(raw, now.Add(time.Minute)), ErrReplay)

	// A rejected assertion does not burn its jti.
	bad := msalClaims(now, "jti-2")
	bad["aud"] = "https://elsewhere.test/token"
	checkErr(t, verify(signJWT(t, jose.PS256, client.key, "", bad, h), now), ErrAudience)
	checkErr(t, verify(signJWT(t, jose.PS256, client.key, "", msalClaims(now, "jti-2"), h), now), nil)

	// Once the first assertion has expired (plus skew), its jti may be
	// used by a new assertion.
	later := now.Add(10*time.Minute + DefaultSkew + time.Second)
	checkErr(t, verify(signJWT(t, jose.PS256, client.key, "", msalClaims(later, "jti-1"), h), later), nil)
}
