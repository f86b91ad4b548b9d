package tokens

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"math/big"
	"time"

	"github.com/go-jose/go-jose/v4"
)

const (
	// rsaBits is what Microsoft's signing keys use. Larger keys would make
	// every token several times slower to sign for no client-visible gain.
	rsaBits = 2048
	// certLifetime only matters to tools that inspect x5c; the key's real
	// life is governed by the RotationPolicy.
	certLifetime = 5 * 365 * 24 * time.Hour
)

// signingKey is a StoredKey decoded once into what signing and verification
// need, so no request ever parses PEM or builds a signer.
type signingKey struct {
	gen        int64
	kid, x5t   string
	activateAt time.Time
	// retireAt is the effective end of publication; zero for the newest
	// key, which never retires until a successor exists.
	retireAt time.Time
	public   *rsa.PublicKey
	signer   jose.Signer
	jwk      jwkEntry
}

// newStoredKey generates generation gen: an RSA-2048 key, a self-signed
// certificate for x5c, and kid = x5t = base64url(SHA-1(cert DER)), the way
// Microsoft identifies its keys.
func newStoredKey(gen int64, createdAt, activateAt, retireAt time.Time) (StoredKey, error) {
	priv, err := rsa.GenerateKey(rand.Reader, rsaBits)
	if err != nil {
		return StoredKey{}, err
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 128))
	if err != nil {
		return StoredKey{}, err
	}
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: "graphgate token signing"},
		NotBefore:             createdAt.Add(-time.Hour),
		NotAfter:              createdAt.Add(certLifetime),
		KeyUsage:              x509.KeyUsageDigitalSignature,
		BasicConstraintsValid: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &priv.PublicKey, priv)
	if err != nil {
		return StoredKey{}, err
	}
	pkcs8, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		return StoredKey{}, err
	}
	return StoredKey{
		Generation:    gen,
		KID:           thumbprintSHA1(der),
		PrivateKeyPEM: pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: pkcs8}),
		CertDER:       der,
		CreatedAt:     createdAt,
		ActivateAt:    activateAt,
		RetireAt:      retireAt,
	}, nil
}

// decodeKey checks a stored key for consistency and prepares its signer and
// JWKS entry. retireAt is the effective retirement computed by the caller.
func decodeKey(k StoredKey, retireAt time.Time) (*signingKey, error) {
	fail := func(format string, args ...any) (*signingKey, error) {
		return nil, fmt.Errorf("tokens: signing key generation %d: "+format, append([]any{k.Generation}, args...)...)
	}
	block, _ := pem.Decode(k.PrivateKeyPEM)
	if block == nil || block.Type != "PRIVATE KEY" {
		return fail("private key is not a PEM PRIVATE KEY block")
	}
	parsed, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		return fail("%v", err)
	}
	priv, ok := parsed.(*rsa.PrivateKey)
	if !ok || priv.N.BitLen() < rsaBits {
		return fail("want an RSA key of at least %d bits, have %T", rsaBits, parsed)
	}
	cert, err := x509.ParseCertificate(k.CertDER)
	if err != nil {
		return fail("%v", err)
	}
	if !priv.PublicKey.Equal(cert.PublicKey) {
		return fail("certificate does not match the private key")
	}
	if k.KID == "" {
		return fail("empty kid")
	}
	x5t := thumbprintSHA1(k.CertDER)
	opts := (&jose.SignerOptions{}).WithType("JWT").WithHeader("x5t", x5t)
	signer, err := jose.NewSigner(jose.SigningKey{
		Algorithm: jose.RS256,
		Key:       jose.JSONWebKey{Key: priv, KeyID: k.KID},
	}, opts)
	if err != nil {
		return fail("%v", err)
	}
	jwk, err := newJWKEntry(&priv.PublicKey, k.KID, cert)
	if err != nil {
		return fail("%v", err)
	}
	return &signingKey{
		gen:        k.Generation,
		kid:        k.KID,
		x5t:        x5t,
		activateAt: k.ActivateAt,
		retireAt:   retireAt,
		public:     &priv.PublicKey,
		signer:     signer,
		jwk:        jwk,
	}, nil
}

// newJWKEntry lets go-jose encode the public key (n, e, x5c, x5t) and copies
// the result into graphgate's JWKS shape, which adds Microsoft's per-tenant
// "issuer" member that go-jose's JSONWebKey does not carry.
func newJWKEntry(pub *rsa.PublicKey, kid string, cert *x509.Certificate) (jwkEntry, error) {
	sum := sha1.Sum(cert.Raw)
	raw, err := jose.JSONWebKey{
		Key:                       pub,
		KeyID:                     kid,
		Use:                       "sig",
		Certificates:              []*x509.Certificate{cert},
		CertificateThumbprintSHA1: sum[:],
	}.MarshalJSON()
	if err != nil {
		return jwkEntry{}, err
	}
	var e jwkEntry
	err = json.Unmarshal(raw, &e)
	return e, err
}

// thumbprintSHA1 is the x5t form: base64url, unpadded, of SHA-1 over the
// certificate DER (RFC 7515 section 4.1.7). SHA-1 is an identifier here, not
// a security boundary; it is what Microsoft publishes and clients expect.
func thumbprintSHA1(der []byte) string {
	sum := sha1.Sum(der)
	return base64.RawURLEncoding.EncodeToString(sum[:])
}
