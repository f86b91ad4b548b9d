package tokens

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/go-jose/go-jose/v4/jwt"
)

// minPairwiseSecret is the least secret length PairwiseSubject is keyed
// with: a full SHA-256 block of entropy is not needed, 32 bytes is.
const minPairwiseSecret = 32

// Minter signs access and ID tokens with the Keyring's active key. It is
// safe for concurrent use.
type Minter struct {
	keys           *Keyring
	pairwiseSecret []byte
}

// NewMinter returns a Minter signing with keys. pairwiseSecret keys the
// per-app sub (see PairwiseSubject); it must be at least 32 random bytes and
// kept with the tenant data, since changing it changes every user's sub.
func NewMinter(keys *Keyring, pairwiseSecret []byte) (*Minter, error) {
	if keys == nil {
		return nil, errors.New("tokens: nil Keyring")
	}
	if len(pairwiseSecret) < minPairwiseSecret {
		return nil, fmt.Errorf("tokens: pairwise secret must be at least %d bytes", minPairwiseSecret)
	}
	return &Minter{keys: keys, pairwiseSecret: append([]byte(nil), pairwiseSecret...)}, nil
}

// MintAccessToken signs a v1.0 Graph access token valid for lifetime from
// now. c carries the identity (tid, appid, appidacr, idtyp, oid and, for
// users, name, upn, scp, wids …); MintAccessToken sets iss, iat, nbf, exp,
// uti and ver, and fills aud, sub, aio and rh when empty. It returns the
// token and the claims it carries.
func (m *Minter) MintAccessToken(ctx context.Context, c AccessClaims, lifetime time.Duration) (string, AccessClaims, error) {
	if c.TenantID == "" || c.AppID == "" || c.ObjectID == "" {
		return "", AccessClaims{}, errors.New("tokens: access token needs tid, appid and oid")
	}
	if c.IDType != IDTypeUser && c.IDType != IDTypeApp {
		return "", AccessClaims{}, fmt.Errorf("tokens: idtyp %q is neither %q nor %q", c.IDType, IDTypeUser, IDTypeApp)
	}
	switch c.AppIDACR {
	case AppIDACRPublic, AppIDACRSecret, AppIDACRCertificate:
	default:
		return "", AccessClaims{}, fmt.Errorf("tokens: appidacr %q is not 0, 1 or 2", c.AppIDACR)
	}
	if err := m.checkLifetime(lifetime); err != nil {
		return "", AccessClaims{}, err
	}
	now := m.keys.now()
	ids := newOpaqueIDs()
	if c.Audience == "" {
		c.Audience = GraphResource
	}
	if c.Subject == "" {
		c.Subject = c.ObjectID
		if c.IDType == IDTypeUser {
			c.Subject = PairwiseSubject(m.pairwiseSecret, c.AppID, c.ObjectID)
		}
	}
	c.Issuer = AccessTokenIssuer(c.TenantID)
	c.IssuedAt, c.NotBefore, c.ExpiresAt = times(now, lifetime)
	c.UTI, c.Version = ids.uti, "1.0"
	c.AIO = cmp.Or(c.AIO, ids.aio)
	c.RH = cmp.Or(c.RH, ids.rh)
	raw, err := m.sign(ctx, &c)
	return raw, c, err
}

// MintIDToken signs a v2.0 ID token valid for lifetime from now. c.Issuer
// (built from the request's host) and c.Audience (the client id) are
// required, with tid and oid; MintIDToken sets iat, nbf, exp, uti and ver
// and fills sub, aio and rh when empty.
func (m *Minter) MintIDToken(ctx context.Context, c IDClaims, lifetime time.Duration) (string, IDClaims, error) {
	if c.Issuer == "" || c.Audience == "" || c.TenantID == "" || c.ObjectID == "" {
		return "", IDClaims{}, errors.New("tokens: ID token needs iss, aud, tid and oid")
	}
	if err := m.checkLifetime(lifetime); err != nil {
		return "", IDClaims{}, err
	}
	now := m.keys.now()
	ids := newOpaqueIDs()
	if c.Subject == "" {
		c.Subject = PairwiseSubject(m.pairwiseSecret, c.Audience, c.ObjectID)
	}
	c.IssuedAt, c.NotBefore, c.ExpiresAt = times(now, lifetime)
	c.UTI, c.Version = ids.uti, "2.0"
	c.AIO = cmp.Or(c.AIO, ids.aio)
	c.RH = cmp.Or(c.RH, ids.rh)
	raw, err := m.sign(ctx, &c)
	return raw, c, err
}

// checkLifetime refuses tokens that would outlive their signing key's
// publication: the rotation policy retires keys MaxTokenLifetime after
// they stop signing.
func (m *Minter) checkLifetime(d time.Duration) error {
	if max := m.keys.policy.MaxTokenLifetime; d <= 0 || d > max {
		return fmt.Errorf("tokens: lifetime %v outside (0, %v]", d, max)
	}
	return nil
}

// sign serializes claims and signs them with go-jose (RS256; header typ,
// kid, x5t). Claims go straight to the JWS layer rather than through
// jwt.Builder, which would round-trip them through a map.
func (m *Minter) sign(ctx context.Context, claims any) (string, error) {
	key, err := m.keys.signingKey(ctx)
	if err != nil {
		return "", err
	}
	payload, err := json.Marshal(claims)
	if err != nil {
		return "", err
	}
	jws, err := key.signer.Sign(payload)
	if err != nil {
		return "", fmt.Errorf("tokens: sign: %w", err)
	}
	return jws.CompactSerialize()
}

func times(now time.Time, lifetime time.Duration) (iat, nbf, exp jwt.NumericDate) {
	iat = jwt.NumericDate(now.Unix())
	return iat, iat, jwt.NumericDate(now.Add(lifetime).Unix())
}
