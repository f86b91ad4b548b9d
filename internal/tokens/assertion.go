package tokens

import (
	"bytes"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
	"github.com/hashicorp/golang-lru/v2/simplelru"
)

// DefaultReplayCacheSize is how many used assertion ids an
// AssertionVerifier remembers.
const DefaultReplayCacheSize = 65536

// AssertionOptions configures an AssertionVerifier. The zero value is usable.
type AssertionOptions struct {
	// Skew is the tolerance on exp and nbf: DefaultSkew when zero, none
	// when negative.
	Skew time.Duration
	// ReplayCacheSize bounds the remembered jti values;
	// DefaultReplayCacheSize when zero or negative.
	ReplayCacheSize int
}

// AssertionVerifier checks client assertions: the JWTs confidential clients
// with a certificate credential send as client_assertion (RFC 7523 section
// 2.2, in the shape MSAL produces). It is safe for concurrent use.
//
// Replay protection is per process: an assertion's jti is remembered until
// the assertion expires, in memory. Replicas do not share it, so the same
// assertion could be used once per replica; and if more than
// ReplayCacheSize live assertions are presented (which takes the client's
// private key) the oldest ids are forgotten early.
type AssertionVerifier struct {
	skew time.Duration

	mu   sync.Mutex
	seen *simplelru.LRU[string, time.Time] // client id + jti → expiry; guarded by mu
}

// NewAssertionVerifier returns an AssertionVerifier.
func NewAssertionVerifier(opts AssertionOptions) *AssertionVerifier {
	switch {
	case opts.Skew == 0:
		opts.Skew = DefaultSkew
	case opts.Skew < 0:
		opts.Skew = 0
	}
	if opts.ReplayCacheSize <= 0 {
		opts.ReplayCacheSize = DefaultReplayCacheSize
	}
	seen, _ := simplelru.NewLRU[string, time.Time](opts.ReplayCacheSize, nil) // fails only for size <= 0
	return &AssertionVerifier{skew: opts.Skew, seen: seen}
}

// assertionClaims are the RFC 7523 claims a client assertion carries.
type assertionClaims struct {
	Issuer    string           `json:"iss"`
	Subject   string           `json:"sub"`
	Audience  jwt.Audience     `json:"aud"`
	ID        string           `json:"jti"`
	Expiry    *jwt.NumericDate `json:"exp"`
	NotBefore *jwt.NumericDate `json:"nbf"`
}

// VerifyClientAssertion checks raw, a client assertion from clientID:
//   - signed PS256 or RS256 (MSAL uses PS256, RS256 for ADFS-style
//     authorities) by the key of one of certs, the client's registered
//     certificates, chosen by the x5t#S256 or x5t header (SHA-256 or SHA-1
//     of the certificate DER; MSAL encodes it in standard base64, others in
//     base64url, and both are accepted);
//   - aud is one of audiences (the token endpoint URL as the client
//     addressed it, plus any aliases the caller accepts);
//   - iss and sub are clientID, jti is present;
//   - exp, and nbf if present, hold at now within the skew;
//   - the jti was not seen before from this client while unexpired.
//
// A failure wraps one of the Err* values (ErrIssuer for iss or sub,
// ErrReplay for a reused jti); a lifetime failure (ErrExpired,
// ErrNotYetValid) is a *LifetimeError with the assertion's times.
// Certificate validity dates are not checked: the caller decides which
// credentials are registered and current.
func (v *AssertionVerifier) VerifyClientAssertion(raw string, audiences []string, clientID string, certs []*x509.Certificate, now time.Time) error {
	if len(raw) > maxTokenBytes {
		return fmt.Errorf("%w: assertion longer than %d bytes", ErrMalformed, maxTokenBytes)
	}
	jws, err := jose.ParseSignedCompact(raw, []jose.SignatureAlgorithm{jose.PS256, jose.RS256})
	if err != nil {
		return parseError(err)
	}
	cert, err := certForHeader(jws.Signatures[0].Header, certs)
	if err != nil {
		return err
	}
	payload, err := jws.Verify(cert.PublicKey)
	if err != nil {
		return fmt.Errorf("%w: %v", ErrSignature, err)
	}
	var c assertionClaims
	if err := json.Unmarshal(payload, &c); err != nil {
		return fmt.Errorf("%w: claims: %v", ErrMalformed, err)
	}
	if c.Expiry == nil || c.ID == "" {
		return fmt.Errorf("%w: exp and jti are required", ErrMalformed)
	}
	if err := checkLifetime(c.Expiry.Time(), c.NotBefore.Time(), c.NotBefore != nil, now, v.skew); err != nil {
		lt := &LifetimeError{Expiry: c.Expiry.Time().UTC(), Err: err}
		if c.NotBefore != nil {
			lt.NotBefore = c.NotBefore.Time().UTC()
		}
		return lt
	}
	if !anyAudience(c.Audience, audiences) {
		return fmt.Errorf("%w: %q", ErrAudience, []string(c.Audience))
	}
	if c.Issuer != clientID || c.Subject != clientID {
		return fmt.Errorf("%w: iss %q and sub %q must both be the client id", ErrIssuer, c.Issuer, c.Subject)
	}
	return v.remember(clientID+"\x00"+c.ID, c.Expiry.Time().Add(v.skew), now)
}

// LifetimeError is a client assertion outside its valid time range: the
// times Entra's AADSTS700024 names. It wraps ErrExpired or ErrNotYetValid.
type LifetimeError struct {
	// NotBefore is the assertion's nbf, zero when it has none; Expiry its
	// exp. Both are UTC.
	NotBefore, Expiry time.Time
	Err               error
}

func (e *LifetimeError) Error() string { return e.Err.Error() }

// Unwrap returns ErrExpired or ErrNotYetValid, wrapped.
func (e *LifetimeError) Unwrap() error { return e.Err }

// remember records a jti until expiry, failing if it is already recorded
// and unexpired. It runs last so that invalid assertions never fill it.
func (v *AssertionVerifier) remember(key string, expiry, now time.Time) error {
	v.mu.Lock()
	defer v.mu.Unlock()
	if prev, ok := v.seen.Get(key); ok && now.Before(prev) {
		return fmt.Errorf("%w: jti already used", ErrReplay)
	}
	v.seen.Add(key, expiry)
	return nil
}

// certForHeader picks the registered certificate the header's thumbprint
// names; x5t#S256 takes precedence over x5t.
func certForHeader(h jose.Header, certs []*x509.Certificate) (*x509.Certificate, error) {
	s256, hasS256 := thumbprintHeader(h, "x5t#S256")
	s1, hasS1 := thumbprintHeader(h, "x5t")
	if !hasS256 && !hasS1 {
		return nil, fmt.Errorf("%w: %w: no x5t#S256 or x5t header", ErrSignature, ErrUnknownKey)
	}
	for _, c := range certs {
		if hasS256 {
			if sum := sha256.Sum256(c.Raw); bytes.Equal(sum[:], s256) {
				return c, nil
			}
		} else if sum := sha1.Sum(c.Raw); bytes.Equal(sum[:], s1) {
			return c, nil
		}
	}
	return nil, fmt.Errorf("%w: %w: no registered certificate has the assertion's thumbprint", ErrSignature, ErrUnknownKey)
}

// thumbprintHeader decodes a thumbprint header in either base64 alphabet,
// padded or not.
func thumbprintHeader(h jose.Header, name jose.HeaderKey) ([]byte, bool) {
	s, _ := h.ExtraHeaders[name].(string)
	if s == "" {
		return nil, false
	}
	s = strings.TrimRight(s, "=")
	for _, enc := range []*base64.Encoding{base64.RawURLEncoding, base64.RawStdEncoding} {
		if b, err := enc.DecodeString(s); err == nil {
			return b, true
		}
	}
	return nil, false
}

func anyAudience(got jwt.Audience, allowed []string) bool {
	for _, a := range got {
		if audienceAllowed(a, allowed) {
			return true
		}
	}
	return false
}
