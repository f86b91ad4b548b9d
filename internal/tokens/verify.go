package tokens

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/go-jose/go-jose/v4"
)

const (
	// DefaultSkew is the clock skew Entra tolerates on exp and nbf.
	DefaultSkew = 5 * time.Minute
	// maxTokenBytes bounds what is parsed at all; real tokens are 1-3 KB.
	maxTokenBytes = 16 << 10
)

// VerifierOptions configures a Verifier. The zero value is usable.
type VerifierOptions struct {
	// Skew is the tolerance on exp and nbf: DefaultSkew when zero, none
	// when negative.
	Skew time.Duration
	// CacheSize is the number of verified tokens remembered:
	// DefaultCacheSize when zero, no cache when negative.
	CacheSize int
}

// Expectations are what a token must be for, beyond a valid signature and
// lifetime. The zero value expects a Graph token from the tenant it names.
type Expectations struct {
	// Audiences accepted for aud; GraphAudiences when empty. Comparison
	// ignores case and one trailing slash.
	Audiences []string
	// Issuer is the exact iss required. When empty, iss must be
	// AccessTokenIssuer(tid) for the token's own tid, and the caller checks
	// that the tenant exists.
	Issuer string
}

// Verifier checks access tokens minted by a Minter over the same store. It
// is safe for concurrent use.
type Verifier struct {
	keys  *Keyring
	skew  time.Duration
	cache *verifiedCache
}

// NewVerifier returns a Verifier using keys for signatures and clock.
func NewVerifier(keys *Keyring, opts VerifierOptions) (*Verifier, error) {
	if keys == nil {
		return nil, errors.New("tokens: nil Keyring")
	}
	switch {
	case opts.Skew == 0:
		opts.Skew = DefaultSkew
	case opts.Skew < 0:
		opts.Skew = 0
	}
	if opts.CacheSize == 0 {
		opts.CacheSize = DefaultCacheSize
	}
	return &Verifier{keys: keys, skew: opts.Skew, cache: newVerifiedCache(opts.CacheSize)}, nil
}

// Verify checks an access token and returns its claims: a compact JWS
// signed RS256 (any other alg, "none" and HS* included, is refused) by a
// published key found by kid (or x5t), reloading the keys once if the kid
// is unknown; exp and nbf within the skew; aud and iss as want says. A
// failure wraps one of the Err* values; any other error is an
// infrastructure failure (the key store could not be read). The returned
// claims belong to the caller.
func (v *Verifier) Verify(ctx context.Context, raw string, want Expectations) (*AccessClaims, error) {
	if len(raw) > maxTokenBytes {
		return nil, fmt.Errorf("%w: token longer than %d bytes", ErrMalformed, maxTokenBytes)
	}
	now := v.keys.now()
	claims, ok := v.cache.get(raw, now)
	if !ok {
		var err error
		if claims, err = v.verifySignature(ctx, raw); err != nil {
			return nil, err
		}
		v.cache.put(raw, claims, now)
	}
	if err := v.checkClaims(claims, want, now); err != nil {
		return nil, err
	}
	return claims, nil
}

// verifySignature parses raw with go-jose, finds its key and decodes the
// verified payload.
func (v *Verifier) verifySignature(ctx context.Context, raw string) (*AccessClaims, error) {
	jws, err := jose.ParseSignedCompact(raw, []jose.SignatureAlgorithm{jose.RS256})
	if err != nil {
		return nil, parseError(err)
	}
	h := jws.Signatures[0].Header
	kid := h.KeyID
	if kid == "" {
		kid, _ = h.ExtraHeaders["x5t"].(string)
	}
	if kid == "" {
		return nil, fmt.Errorf("%w: %w: no kid or x5t header", ErrSignature, ErrUnknownKey)
	}
	key, err := v.keys.verificationKey(ctx, kid)
	if err != nil {
		return nil, err
	}
	payload, err := jws.Verify(key.public)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrSignature, err)
	}
	var c AccessClaims
	if err := json.Unmarshal(payload, &c); err != nil {
		return nil, fmt.Errorf("%w: claims: %v", ErrMalformed, err)
	}
	return &c, nil
}

// checkClaims validates in the order Microsoft's IdentityModel does:
// lifetime, then audience, then issuer.
func (v *Verifier) checkClaims(c *AccessClaims, want Expectations, now time.Time) error {
	if c.ExpiresAt == 0 || c.TenantID == "" || c.AppID == "" {
		return fmt.Errorf("%w: exp, tid and appid are required", ErrMalformed)
	}
	if err := checkLifetime(c.ExpiresAt.Time(), c.NotBefore.Time(), c.NotBefore != 0, now, v.skew); err != nil {
		return err
	}
	audiences := want.Audiences
	if len(audiences) == 0 {
		audiences = GraphAudiences
	}
	if !audienceAllowed(c.Audience, audiences) {
		return fmt.Errorf("%w: %q", ErrAudience, c.Audience)
	}
	if want.Issuer != "" && c.Issuer != want.Issuer || want.Issuer == "" && !isAccessTokenIssuer(c.Issuer, c.TenantID) {
		return fmt.Errorf("%w: %q", ErrIssuer, c.Issuer)
	}
	return nil
}

// checkLifetime applies exp and (if present) nbf with skew either way.
func checkLifetime(exp, nbf time.Time, hasNBF bool, now time.Time, skew time.Duration) error {
	if now.After(exp.Add(skew)) {
		return fmt.Errorf("%w: expired at %s", ErrExpired, exp.UTC().Format(time.RFC3339))
	}
	if hasNBF && now.Add(skew).Before(nbf) {
		return fmt.Errorf("%w: valid from %s", ErrNotYetValid, nbf.UTC().Format(time.RFC3339))
	}
	return nil
}

func audienceAllowed(aud string, allowed []string) bool {
	aud = strings.TrimSuffix(aud, "/")
	for _, a := range allowed {
		if aud != "" && strings.EqualFold(aud, strings.TrimSuffix(a, "/")) {
			return true
		}
	}
	return false
}

// parseError classifies a go-jose parse failure.
func parseError(err error) error {
	if _, ok := errors.AsType[*jose.ErrUnexpectedSignatureAlgorithm](err); ok {
		return fmt.Errorf("%w: %v", ErrAlgorithm, err)
	}
	return fmt.Errorf("%w: %v", ErrMalformed, err)
}
