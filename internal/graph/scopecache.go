package graph

import (
	"sync"
	"sync/atomic"

	"graphgate/internal/catalog"
)

// scopeCacheSize bounds the scope cache: the distinct scp and roles claims
// a tenant's tokens carry are one per app and consent, far fewer than this.
const scopeCacheSize = 1024

// scopeCache keeps the permission sets parsed from tokens' scp claims (and
// app tokens' roles, joined by a space), keyed by the exact claim text:
// every Graph request carries one, and most carry one of a few. Parsing
// splits the text and looks each name up in the catalog (about 0.5 µs for
// a delegated token's dozen scopes); a hit is one map lookup. The catalog a
// Server parses with never changes, so an entry never goes stale. When the
// cache holds scopeCacheSize claims it starts over (bounded memory, and no
// lock on the hit path as an LRU's bookkeeping would need).
type scopeCache struct {
	m sync.Map // claim text → *catalog.Set (never modified once stored)
	n atomic.Int64
}

// parse is cat.ParseScopes(claim)'s set, from the cache when it holds it.
// Unknown names are dropped, as authenticate always did.
func (c *scopeCache) parse(cat *catalog.Catalog, claim string) catalog.Set {
	if v, ok := c.m.Load(claim); ok {
		return *v.(*catalog.Set)
	}
	set, _ := cat.ParseScopes(claim)
	if c.n.Add(1) > scopeCacheSize {
		c.m.Clear()
		c.n.Store(1)
	}
	c.m.Store(claim, &set)
	return set
}
