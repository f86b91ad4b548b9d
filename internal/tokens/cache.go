package tokens

import (
	"hash/maphash"
	"slices"
	"time"

	lru "github.com/hashicorp/golang-lru/v2"
)

// DefaultCacheSize is the number of verified tokens a Verifier remembers.
// An entry is well under 2 KB, so the default costs at most a few MB.
const DefaultCacheSize = 10000

// verifiedCache remembers access tokens whose signature verified, keyed by
// a hash of the raw token, until their exp. A repeated bearer token then
// costs a hash and a map lookup instead of an RSA verification and JSON
// decoding. The hash is hash/maphash with a per-cache random seed (about
// 10× cheaper than SHA-256 on a 1.5 KB token, and it runs on every Graph
// request); an entry keeps its token and a hit compares it in full, so a
// collision is a miss, never another token's claims. Only the signature and decoding are cached: the claim checks
// (audience, issuer, lifetime) run on every call.
//
// It wraps golang-lru's thread-safe LRU. That package's expirable LRU does
// not fit: it has one TTL for all entries, whereas each entry here must end
// at its own token's exp, and it runs a cleanup goroutine that never exits.
// Here an entry's expiry is checked on read, and expired entries are
// dropped then or pushed out by newer ones.
//
// golang-lru takes a mutex on every write (reads use Peek, under its read
// lock: see get): the cache is split into cacheShards LRUs chosen by the
// key's hash, so that concurrent requests with different tokens rarely
// wait for each other. Each shard holds an equal part of the size (rounded
// up), so the bound is the same; the entry cached longest ago is evicted
// within its shard rather than across the cache. A cache smaller than minShardedSize is one LRU, exact in its bound.
type verifiedCache struct {
	seed   maphash.Seed
	shards []*lru.Cache[uint64, cachedToken] // 1 or cacheShards of them
}

const (
	// cacheShards is the number of LRUs a verifiedCache is split into.
	cacheShards = 16
	// minShardedSize is the smallest size that is split.
	minShardedSize = 1024
)

func (c *verifiedCache) shard(key uint64) *lru.Cache[uint64, cachedToken] {
	return c.shards[key&uint64(len(c.shards)-1)] // len is a power of two
}

type cachedToken struct {
	raw    string
	claims AccessClaims
	exp    time.Time
}

// newVerifiedCache returns nil (no caching) for size <= 0.
func newVerifiedCache(size int) *verifiedCache {
	if size <= 0 {
		return nil
	}
	n := 1
	if size >= minShardedSize {
		n = cacheShards
	}
	c := &verifiedCache{seed: maphash.MakeSeed(), shards: make([]*lru.Cache[uint64, cachedToken], n)}
	per := (size + n - 1) / n
	for i := range c.shards {
		c.shards[i], _ = lru.New[uint64, cachedToken](per) // fails only for per <= 0
	}
	return c
}

// get returns a copy of the cached claims if the token is cached and its
// exp has not passed.
func (c *verifiedCache) get(raw string, now time.Time) (*AccessClaims, bool) {
	if c == nil {
		return nil, false
	}
	key := maphash.String(c.seed, raw)
	// Peek, under the shard's read lock: Get takes the write lock to move
	// the entry, and every Graph request with the same token wants the
	// same shard (the second most contended lock under load, after the
	// user cache's: bench/README.md, "The caches without a lock"). A hit
	// does not reorder, so eviction is by insertion within a shard — a
	// token in use that is pushed out is verified and cached again.
	e, ok := c.shard(key).Peek(key)
	if !ok || e.raw != raw {
		return nil, false
	}
	if !now.Before(e.exp) {
		c.shard(key).Remove(key)
		return nil, false
	}
	claims := e.claims
	claims.Roles = slices.Clone(claims.Roles)
	claims.WIDs = slices.Clone(claims.WIDs)
	return &claims, true
}

// put caches verified claims until exp; a token already at exp is not cached.
func (c *verifiedCache) put(raw string, claims *AccessClaims, now time.Time) {
	exp := claims.ExpiresAt.Time()
	if c == nil || !now.Before(exp) {
		return
	}
	key := maphash.String(c.seed, raw)
	cp := *claims
	cp.Roles = slices.Clone(cp.Roles)
	cp.WIDs = slices.Clone(cp.WIDs)
	c.shard(key).Add(key, cachedToken{raw: raw, claims: cp, exp: exp})
}

// len reports the number of cached entries, expired ones included.
func (c *verifiedCache) len() int {
	if c == nil {
		return 0
	}
	n := 0
	for _, s := range c.shards {
		n += s.Len()
	}
	return n
}
