package tokens

import (
	"time"

	lru "github.com/hashicorp/golang-lru/v2"
)

// jwksCacheSize bounds the rendered JWKS documents kept per key set: one per
// tenant issuer that asked recently.
const jwksCacheSize = 256

// keySet is an immutable snapshot of the published keys, replaced as a whole
// when the store's contents change. Which key signs, and which are still
// published, depends on the time, so those are computed per call from the
// few keys held (usually two).
type keySet struct {
	keys  []*signingKey // ascending generation; retired keys are not loaded
	byKID map[string]*signingKey
	// jwks caches rendered documents by (first published index, issuer);
	// it dies with the snapshot, so a key change always re-renders.
	jwks *lru.Cache[jwksCacheKey, []byte]
}

type jwksCacheKey struct {
	from   int
	issuer string
}

func newKeySet(keys []*signingKey) *keySet {
	s := &keySet{keys: keys, byKID: make(map[string]*signingKey, len(keys))}
	for _, k := range keys {
		s.byKID[k.kid] = k
	}
	s.jwks, _ = lru.New[jwksCacheKey, []byte](jwksCacheSize) // only fails for size <= 0
	return s
}

// active returns the signing key at now: the newest key whose activation
// has come. If none has (a replica whose clock lags the one that created the
// first key), the oldest key signs rather than none.
func (s *keySet) active(now time.Time) *signingKey {
	for i := len(s.keys) - 1; i >= 0; i-- {
		if !s.keys[i].activateAt.After(now) {
			return s.keys[i]
		}
	}
	return s.keys[0]
}

// firstPublished is the index of the oldest key not retired at now; the keys
// from there on are published. Retirement times rise with generation unless
// the policy was changed between rotations, and then a key retired early is
// merely listed a little longer, which is harmless. The newest key never
// retires.
func (s *keySet) firstPublished(now time.Time) int {
	for i, k := range s.keys {
		if !retired(k.retireAt, now) {
			return i
		}
	}
	return len(s.keys) - 1
}

// lookup returns the published key with this kid.
func (s *keySet) lookup(kid string, now time.Time) (*signingKey, bool) {
	k, ok := s.byKID[kid]
	if !ok || retired(k.retireAt, now) {
		return nil, false
	}
	return k, true
}
