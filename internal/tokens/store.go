package tokens

import (
	"cmp"
	"context"
	"slices"
	"sync"
	"time"
)

// StoredKey is a token-signing key as persisted. Keys are immutable once
// stored; rotation adds a new generation and never edits an old one.
type StoredKey struct {
	// Generation numbers keys 1, 2, 3, … in creation order. It is the
	// store's uniqueness key: replicas that rotate at the same moment all
	// try to insert the same generation and exactly one succeeds.
	Generation int64
	// KID is the JWK "kid" and the JWT header "kid"; graphgate sets it to
	// the x5t thumbprint, as Microsoft does.
	KID string
	// PrivateKeyPEM is the RSA-2048 private key, PEM "PRIVATE KEY" (PKCS#8).
	PrivateKeyPEM []byte
	// CertDER is the self-signed certificate published in x5c.
	CertDER []byte
	// CreatedAt is when the key was published in JWKS.
	CreatedAt time.Time
	// ActivateAt is when the key becomes the signing key. For every key but
	// the first it is at least RotationPolicy.Overlap after CreatedAt, so
	// relying parties have fetched it before they see tokens signed with it.
	ActivateAt time.Time
	// RetireAt is the planned end of publication, written at creation. The
	// Keyring keeps a key longer when its successor activated late (for
	// example after downtime), because tokens it signed may still be live.
	RetireAt time.Time
}

// KeyStore persists signing keys. Implementations must be safe for
// concurrent use, and AddSigningKey must be atomic across every process
// sharing the store (a unique constraint on Generation is enough).
type KeyStore interface {
	// SigningKeys returns every stored key, in any order.
	SigningKeys(ctx context.Context) ([]StoredKey, error)
	// AddSigningKey inserts k unless a key with the same Generation exists;
	// it reports whether k was inserted. Losing the race is not an error.
	AddSigningKey(ctx context.Context, k StoredKey) (bool, error)
}

// MemoryStore is a KeyStore held in memory, for tests and single-process
// development. The zero value is ready to use.
type MemoryStore struct {
	mu   sync.Mutex
	keys []StoredKey
}

var _ KeyStore = (*MemoryStore)(nil)

// SigningKeys returns copies of the stored keys, ordered by generation.
func (s *MemoryStore) SigningKeys(ctx context.Context) ([]StoredKey, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]StoredKey, len(s.keys))
	for i, k := range s.keys {
		out[i] = cloneKey(k)
	}
	return out, nil
}

// AddSigningKey inserts a copy of k unless its generation is taken.
func (s *MemoryStore) AddSigningKey(ctx context.Context, k StoredKey) (bool, error) {
	if err := ctx.Err(); err != nil {
		return false, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	i, found := slices.BinarySearchFunc(s.keys, k.Generation, func(e StoredKey, g int64) int { return cmp.Compare(e.Generation, g) })
	if found {
		return false, nil
	}
	s.keys = slices.Insert(s.keys, i, cloneKey(k))
	return true, nil
}

func cloneKey(k StoredKey) StoredKey {
	k.PrivateKeyPEM = slices.Clone(k.PrivateKeyPEM)
	k.CertDER = slices.Clone(k.CertDER)
	return k
}
