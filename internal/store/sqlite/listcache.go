package sqlite

import (
	"context"
	"encoding/binary"
	"math"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/hashicorp/golang-lru/v2/simplelru"

	"graphgate/internal/store"
)

// The listing cache: keyed listings (store.ItemQuery with Omit — the Graph
// messages page asks for its page's keys and versions first, and for the
// documents only of the items its render cache lacks) answered from memory
// while the tenant file's WAL stamp is unchanged since the listing was
// read, validated exactly like the user cache (Store.users): any commit by
// any connection of any process changes the stamp, so an entry is never
// served after a write, whichever item the write touched. The logs are in
// their own file (logs.go), so under a read-only load the stamp holds and a
// page is listed without a read transaction, a statement or a row step.
//
// An entry holds a listing's items without their documents (keys,
// versions, times, owner and parent) and its count, under a canonical
// encoding of the query (listKey). A hit asks Omit about every cached item
// in order, as the listing would; when Omit omits them all — the render
// cache holds every item's render at its version — the copy is the
// answer. When it wants a document, the listing is read from the store
// again (Omit's answers for the items already asked are replayed, not asked
// twice) and the entry replaced. Listings with $search text (the candidates
// come from the text index, whose answer is not in the query), overlap
// windows, or a limit or an answer of more than listCacheMaxItems rows are
// not cached. A listing without a limit is cached when its answer is that
// small: a calendar view lists the keys of the series masters active in
// its window (about 600 at scale 1, 4 ms of SQLite's VM a view), and a
// view of the same window again finds them here.
//
// The cache is bounded by entries (listCacheEntries) and by the bytes its
// entries hold (listCacheBytes, estimated per item), least recently used
// first out.

const (
	// listCacheEntries bounds the cached listings.
	listCacheEntries = 1024
	// listCacheBytes bounds the estimated bytes of the cached listings.
	listCacheBytes = 8 << 20
	// listCacheMaxItems is the largest listing (rows, the probe of a next
	// page included) the cache keeps: Graph's pages are at most 1000.
	listCacheMaxItems = 1001
	// itemKeyOverhead estimates an item's bytes beside its strings
	// (store.Item's fields and the slice's share).
	itemKeyOverhead = 160
)

// listCache is an LRU of keyed listings bounded by entries and bytes.
type listCache struct {
	mu    sync.Mutex
	lru   *simplelru.LRU[string, *cachedList]
	bytes int
	// hits counts the listings answered from the cache (for its tests).
	hits atomic.Uint64
}

type cachedList struct {
	stamp walStamp
	items []store.Item // Doc nil
	total int
	bytes int
}

func newListCache() *listCache {
	c := &listCache{}
	c.lru, _ = simplelru.NewLRU[string, *cachedList](listCacheEntries, func(_ string, e *cachedList) { c.bytes -= e.bytes })
	return c
}

// get returns the entry of key if it was read at stamp.
func (c *listCache) get(key string, stamp walStamp) (*cachedList, bool) {
	c.mu.Lock()
	e, ok := c.lru.Get(key)
	c.mu.Unlock()
	return e, ok && e.stamp == stamp
}

// add caches items (their documents left out) and total as key's listing
// read at stamp, and evicts the least recently used entries beyond the
// byte bound.
func (c *listCache) add(key string, stamp walStamp, items []store.Item, total int) {
	e := &cachedList{stamp: stamp, items: make([]store.Item, len(items)), total: total, bytes: len(key)}
	for i, it := range items {
		it.Doc = nil
		e.items[i] = it
		e.bytes += itemKeyOverhead + len(it.TenantID) + len(it.Kind) + len(it.ID) + len(it.OwnerID) + len(it.ParentID)
	}
	if e.bytes > listCacheBytes/16 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.lru.Remove(key) // a replaced entry's bytes go through the eviction callback
	c.lru.Add(key, e)
	c.bytes += e.bytes
	for c.bytes > listCacheBytes {
		if _, _, ok := c.lru.RemoveOldest(); !ok {
			break
		}
	}
}

// QueryItems answers a keyed listing (q.Omit set) from the listing cache
// when the tenant file is unchanged since it was cached (see listCache),
// and otherwise reads it through the shared SQL (store/sqlstore) and
// caches its keys; the stamp is taken before the read, so a commit racing
// the read invalidates what it cached.
func (s *Store) QueryItems(ctx context.Context, q store.ItemQuery) ([]store.Item, int, error) {
	if s.lists == nil || q.Omit == nil || q.Overlap != nil || q.Limit > listCacheMaxItems || len(q.Text) > 0 {
		return s.Store.QueryItems(ctx, q)
	}
	stamp, fresh := s.watch.stamp()
	if !fresh {
		return s.Store.QueryItems(ctx, q)
	}
	key, ok := listKey(q)
	if !ok {
		return s.Store.QueryItems(ctx, q)
	}
	omit := q.Omit
	var asked []store.Item // the cached items Omit was asked about
	var answers []bool
	if e, ok := s.lists.get(key, stamp); ok {
		items := slices.Clone(e.items)
		all := true
		answers = make([]bool, 0, len(items))
		for i := range items {
			o := omit(i, items[i])
			answers = append(answers, o)
			all = all && o
		}
		if all {
			s.lists.hits.Add(1)
			return items, e.total, nil
		}
		asked = e.items
		// Omit wants a document: read the listing again, replaying the
		// answers for the items it was asked about at their versions.
		q.Omit = func(i int, it store.Item) bool {
			if i < len(asked) && sameKeys(asked[i], it) {
				return answers[i]
			}
			return omit(i, it)
		}
	}
	items, total, err := s.Store.QueryItems(ctx, q)
	if err == nil && len(items) <= listCacheMaxItems {
		s.lists.add(key, stamp, items, total)
	}
	return items, total, err
}

// sameKeys reports whether a and b are one item at one version.
func sameKeys(a, b store.Item) bool {
	return a.ID == b.ID && a.Version == b.Version && a.CreatedAt.Equal(b.CreatedAt) && a.ModifiedAt.Equal(b.ModifiedAt) &&
		a.OwnerID == b.OwnerID && a.ParentID == b.ParentID
}

// listKey encodes q's listing — everything but Omit — canonically: two
// queries with one key list the same rows. ok is false for a condition
// type it does not know (the query is then not cached).
func listKey(q store.ItemQuery) (string, bool) {
	var e keyEncoder
	e.str(q.TenantID)
	e.str(q.Kind)
	e.str(q.OwnerID)
	e.str(q.ParentID)
	if q.ParentIDs == nil {
		e.int(-1)
	} else {
		e.int(int64(len(q.ParentIDs)))
		for _, p := range q.ParentIDs {
			e.str(p)
		}
	}
	e.cond(q.Filter)
	e.int(int64(len(q.Order)))
	for _, o := range q.Order {
		e.field(o.Field)
		e.bool(o.Desc)
		e.bool(o.Fold)
		e.int(int64(o.Nulls))
	}
	if q.After == nil {
		e.int(-1)
	} else {
		e.int(int64(len(q.After.Keys)))
		for _, k := range q.After.Keys {
			e.bool(k == nil)
			if k != nil {
				e.value(*k)
			}
		}
		e.str(q.After.ID)
	}
	e.int(int64(q.Limit))
	e.int(int64(q.Offset))
	e.bool(q.Count)
	return string(e.b), !e.bad
}

// keyEncoder appends a query's parts, each length-prefixed or of fixed
// width and preceded by a tag where a type is chosen, so that distinct
// queries cannot encode alike.
type keyEncoder struct {
	b   []byte
	bad bool
}

func (e *keyEncoder) int(v int64) { e.b = binary.AppendVarint(e.b, v) }

func (e *keyEncoder) bool(v bool) {
	if v {
		e.b = append(e.b, 1)
	} else {
		e.b = append(e.b, 0)
	}
}

func (e *keyEncoder) str(s string) {
	e.b = binary.AppendUvarint(e.b, uint64(len(s)))
	e.b = append(e.b, s...)
}

func (e *keyEncoder) value(v store.Value) {
	e.int(int64(v.Type))
	e.bool(v.Inline)
	e.str(v.Str)
	e.int(v.Int)
	e.b = binary.LittleEndian.AppendUint64(e.b, math.Float64bits(v.Float))
	e.bool(v.Bool)
	e.b = binary.AppendVarint(e.b, v.Time.UnixNano())
	e.bool(v.Time.IsZero())
}

func (e *keyEncoder) field(f store.Field) {
	e.str(f.Var)
	e.int(int64(len(f.Path)))
	for _, p := range f.Path {
		e.str(p)
	}
	e.str(f.Column)
	e.int(int64(f.Type))
	e.bool(f.Count)
	e.bool(f.IfNull == nil)
	if f.IfNull != nil {
		e.value(*f.IfNull)
	}
}

// Tags of the condition types.
const (
	tagNil = iota
	tagCompare
	tagIn
	tagMatch
	tagIsNull
	tagAnd
	tagOr
	tagNot
	tagConst
	tagAny
	tagAll
)

func (e *keyEncoder) cond(c store.Cond) {
	switch c := c.(type) {
	case nil:
		e.int(tagNil)
	case store.Compare:
		e.int(tagCompare)
		e.field(c.Field)
		e.int(int64(c.Op))
		e.value(c.Value)
		e.bool(c.Fold)
	case store.In:
		e.int(tagIn)
		e.field(c.Field)
		e.int(int64(len(c.Values)))
		for _, v := range c.Values {
			e.value(v)
		}
		e.bool(c.Fold)
		e.bool(c.OrNull)
	case store.Match:
		e.int(tagMatch)
		e.field(c.Field)
		e.int(int64(c.Kind))
		e.str(c.Text)
	case store.IsNull:
		e.int(tagIsNull)
		e.field(c.Field)
	case store.And:
		e.int(tagAnd)
		e.conds(c)
	case store.Or:
		e.int(tagOr)
		e.conds(c)
	case store.Not:
		e.int(tagNot)
		e.cond(c.Cond)
	case store.Const:
		e.int(tagConst)
		e.bool(bool(c))
	case store.Any:
		e.int(tagAny)
		e.field(c.Array)
		e.str(c.Var)
		e.cond(c.Cond)
	case store.All:
		e.int(tagAll)
		e.field(c.Array)
		e.str(c.Var)
		e.cond(c.Cond)
	default:
		e.bad = true
	}
}

func (e *keyEncoder) conds(cs []store.Cond) {
	e.int(int64(len(cs)))
	for _, c := range cs {
		e.cond(c)
	}
}
