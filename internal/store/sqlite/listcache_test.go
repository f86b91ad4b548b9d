package sqlite

import (
	"bufio"
	"context"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"graphgate/internal/store"
)

// The listing cache (listcache.go) answers a keyed listing from memory only
// while the tenant file's WAL stamp is unchanged. These tests change the
// listed messages every way a change can arrive between two pages — a
// create, an update, a delete, a move, a write through another Store and by
// another process — and check that the next page equals the uncached
// listing; and that unchanged pages and log writes do hit.

const (
	lcTenant = "t1"
	lcOwner  = "u1"
)

func lcMessage(i int, folder string) store.Item {
	at := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(i) * time.Minute)
	return store.Item{TenantID: lcTenant, Kind: "message", ID: fmt.Sprint("m", i), OwnerID: lcOwner, ParentID: folder,
		Doc: fmt.Appendf(nil, `{"subject":"s%d","receivedDateTime":%q}`, i, at.Format(store.TimeLayout))}
}

// lcQuery is the Graph messages page's listing: a folder's mail newest
// first, a page of 3 and the probe of the next, with the count.
func lcQuery(folder string) store.ItemQuery {
	return store.ItemQuery{TenantID: lcTenant, Kind: "message", OwnerID: lcOwner, ParentID: folder,
		Order: []store.Order{{Field: store.Doc("receivedDateTime", store.TypeTime), Desc: true}}, Limit: 4, Count: true}
}

// lcUnlimited is a listing without a limit, as a calendar view lists the
// keys of the series masters active in its window: a folder's mail with a
// subject, by id.
func lcUnlimited(folder string) store.ItemQuery {
	return store.ItemQuery{TenantID: lcTenant, Kind: "message", OwnerID: lcOwner, ParentID: folder,
		Filter: store.Not{Cond: store.IsNull{Field: store.Doc("subject", store.TypeString)}}}
}

// omitAll is a render cache that holds every item.
func omitAll(int, store.Item) bool { return true }

// keysOf lists items as id@version/parent.
func keysOf(items []store.Item) []string {
	var out []string
	for _, it := range items {
		out = append(out, fmt.Sprintf("%s@%d/%s", it.ID, it.Version, it.ParentID))
	}
	return out
}

// checkPage reads q keyed (through the cache) and compares it with the
// store's uncached listing; it returns whether the page was a hit.
func checkPage(t *testing.T, s *Store, q store.ItemQuery) bool {
	t.Helper()
	ctx := t.Context()
	want, wantTotal, err := s.Store.QueryItems(ctx, q)
	if err != nil {
		t.Fatal(err)
	}
	h := s.lists.hits.Load()
	q.Omit = omitAll
	got, total, err := s.QueryItems(ctx, q)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(keysOf(got), keysOf(want)) || total != wantTotal {
		t.Fatalf("keyed page %v (%d), want %v (%d)", keysOf(got), total, keysOf(want), wantTotal)
	}
	for _, it := range got {
		if it.Doc != nil {
			t.Fatalf("%s: a document Omit omitted was returned", it.ID)
		}
	}
	return s.lists.hits.Load() == h+1
}

func lcSeed(t *testing.T, s *Store) {
	t.Helper()
	ctx := t.Context()
	if err := s.CreateTenant(ctx, store.Tenant{ID: lcTenant, Kind: store.TenantWork}); err != nil {
		t.Fatal(err)
	}
	var items []store.Item
	for i := range 6 {
		items = append(items, lcMessage(i, "inbox"))
	}
	items = append(items, lcMessage(100, "archive"))
	if err := s.CreateItems(ctx, items...); err != nil {
		t.Fatal(err)
	}
}

// mailChild updates message m5 (another process's write).
func mailChild(ctx context.Context, s *Store, _ *bufio.Writer) error {
	_, err := s.UpdateItem(ctx, lcTenant, "message", "m5", 0, func(it store.Item) (store.Item, error) {
		it.Doc = []byte(`{"subject":"by another process","receivedDateTime":"2026-01-01T00:05:00.0000000Z"}`)
		return it, nil
	})
	return err
}

func TestListCacheNeverStale(t *testing.T) {
	dir := t.TempDir()
	ctx := t.Context()
	s := open(t, dir)
	if s.lists == nil {
		t.Fatal("no listing cache: the WAL index is not watched")
	}
	lcSeed(t, s)
	other := open(t, dir)
	update := func(s *Store, id string) func() error {
		return func() error {
			_, err := s.UpdateItem(ctx, lcTenant, "message", id, 0, func(it store.Item) (store.Item, error) {
				it.Doc = []byte(`{"subject":"changed","receivedDateTime":"2026-01-01T00:04:00.0000000Z"}`)
				return it, nil
			})
			return err
		}
	}
	n := 200
	for _, tc := range []struct {
		name   string
		change func() error
	}{
		{"a newer message created", func() error { n++; return s.CreateItems(ctx, lcMessage(n, "inbox")) }},
		{"a listed message updated", update(s, "m4")},
		{"the probe's message updated", update(s, "m2")},
		{"a listed message deleted", func() error { _, err := s.DeleteItems(ctx, lcTenant, "message", "m4"); return err }},
		{"a listed message moved out", func() error {
			_, err := s.UpdateItem(ctx, lcTenant, "message", "m3", 0, func(it store.Item) (store.Item, error) {
				it.ParentID = "archive"
				return it, nil
			})
			return err
		}},
		{"a message moved in", func() error {
			_, err := s.UpdateItem(ctx, lcTenant, "message", "m100", 0, func(it store.Item) (store.Item, error) {
				it.ParentID = "inbox"
				return it, nil
			})
			return err
		}},
		{"an update through another Store", update(other, "m5")},
		{"an update by another process", func() error {
			cmd, _ := startChild(t, "mail", childDB+"="+dir)
			return cmd.Wait()
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			queries := []store.ItemQuery{lcQuery("inbox"), lcUnlimited("inbox")}
			for _, q := range queries {
				checkPage(t, s, q)
				if !checkPage(t, s, q) {
					t.Fatalf("an unchanged page (limit %d) was not served from the cache", q.Limit)
				}
			}
			if err := tc.change(); err != nil {
				t.Fatal(err)
			}
			for _, q := range queries {
				if checkPage(t, s, q) {
					t.Fatalf("a page (limit %d) was served from the cache after a commit", q.Limit)
				}
			}
		})
	}

	// The logs' commits leave the tenant stamp, and the cache's hits, alone.
	checkPage(t, s, lcQuery("inbox"))
	if err := s.AppendDecisions(ctx, []store.Decision{{Time: time.Now(), RequestID: "r", TenantID: lcTenant}}); err != nil {
		t.Fatal(err)
	}
	if !checkPage(t, s, lcQuery("inbox")) {
		t.Fatal("a decision appended between two pages emptied the listing cache")
	}
}

// TestListCacheKeys: queries that differ in anything but Omit have entries
// of their own, each equal to its uncached listing.
func TestListCacheKeys(t *testing.T) {
	s := open(t, t.TempDir())
	lcSeed(t, s)
	base := lcQuery("inbox")
	asc := base
	asc.Order = []store.Order{{Field: store.Doc("receivedDateTime", store.TypeTime)}}
	filtered := base
	filtered.Filter = store.Compare{Field: store.Doc("subject", store.TypeString), Op: store.Ne, Value: store.String("s5")}
	filtered2 := base
	filtered2.Filter = store.Compare{Field: store.Doc("subject", store.TypeString), Op: store.Ne, Value: store.String("s4")}
	after := base
	v := store.Time(time.Date(2026, 1, 1, 0, 4, 0, 0, time.UTC))
	after.After = &store.Cursor{Keys: []*store.Value{&v}, ID: "m4"}
	offset := base
	offset.Offset = 2
	noCount := base
	noCount.Count = false
	other := lcQuery("archive")
	mailbox := base
	mailbox.ParentID = ""
	folders := base
	folders.ParentID, folders.ParentIDs = "", []string{"inbox", "archive"}
	queries := []store.ItemQuery{base, asc, filtered, filtered2, after, offset, noCount, other, mailbox, folders}
	keys := map[string]int{}
	for i, q := range queries {
		k, ok := listKey(q)
		if !ok {
			t.Fatalf("query %d has no key", i)
		}
		if j, dup := keys[k]; dup {
			t.Errorf("queries %d and %d share a key", j, i)
		}
		keys[k] = i
	}
	for round := range 2 {
		for i, q := range queries {
			if hit := checkPage(t, s, q); hit != (round == 1) {
				t.Errorf("round %d, query %d: hit %v", round, i, hit)
			}
		}
	}
}

// TestListCacheAsksOmitOnce: on a hit whose render cache lacks an item,
// the documents wanted are read (at the listed versions) and Omit is asked
// once an item, in order, as on a miss.
func TestListCacheAsksOmitOnce(t *testing.T) {
	s := open(t, t.TempDir())
	lcSeed(t, s)
	ctx := t.Context()
	checkPage(t, s, lcQuery("inbox"))
	var asked []int
	q := lcQuery("inbox")
	q.Omit = func(i int, it store.Item) bool {
		asked = append(asked, i)
		return i != 1
	}
	got, _, err := s.QueryItems(ctx, q)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(asked, []int{0, 1, 2, 3}) {
		t.Errorf("Omit asked about %v, want 0 1 2 3 once each", asked)
	}
	want, err := s.GetItem(ctx, lcTenant, "message", got[1].ID)
	if err != nil {
		t.Fatal(err)
	}
	if string(got[1].Doc) != string(want.Doc) || got[0].Doc != nil || got[2].Doc != nil {
		t.Errorf("documents: %q %q %q, want only the second's, %q", got[0].Doc, got[1].Doc, got[2].Doc, want.Doc)
	}
}

// TestListCacheBounds: the cache keeps at most listCacheEntries listings
// and listCacheBytes of them, and leaves out a listing too large to keep.
func TestListCacheBounds(t *testing.T) {
	c := newListCache()
	items := make([]store.Item, 100)
	for i := range items {
		items[i] = store.Item{ID: fmt.Sprint("an-id-of-some-length-", i), Doc: []byte(`{}`)}
	}
	for i := range 2 * listCacheEntries {
		c.add(fmt.Sprint("key ", i), walStamp{}, items, -1)
		if c.lru.Len() > listCacheEntries || c.bytes > listCacheBytes {
			t.Fatalf("after %d adds: %d entries, %d bytes", i+1, c.lru.Len(), c.bytes)
		}
	}
	if c.lru.Len() == listCacheEntries {
		t.Errorf("the byte bound never evicted (%d bytes)", c.bytes)
	}
	e, ok := c.get(fmt.Sprint("key ", 2*listCacheEntries-1), walStamp{})
	if !ok || e.items[0].Doc != nil {
		t.Errorf("the newest entry: %v, documents kept: %v", ok, ok && e.items[0].Doc != nil)
	}
	// A listing without a limit is cached only while its answer is at
	// most listCacheMaxItems rows.
	s := open(t, t.TempDir())
	lcSeed(t, s)
	var more []store.Item
	for i := range listCacheMaxItems - 6 {
		more = append(more, lcMessage(1000+i, "inbox"))
	}
	if err := s.CreateItems(t.Context(), more...); err != nil {
		t.Fatal(err)
	}
	checkPage(t, s, lcUnlimited("inbox"))
	if !checkPage(t, s, lcUnlimited("inbox")) {
		t.Errorf("an unlimited listing of %d rows was not cached", listCacheMaxItems)
	}
	if err := s.CreateItems(t.Context(), lcMessage(5000, "inbox")); err != nil {
		t.Fatal(err)
	}
	checkPage(t, s, lcUnlimited("inbox"))
	if checkPage(t, s, lcUnlimited("inbox")) {
		t.Errorf("an unlimited listing of %d rows was cached", listCacheMaxItems+1)
	}
	huge := make([]store.Item, listCacheBytes/16/itemKeyOverhead+1)
	c.add("huge", walStamp{}, huge, -1)
	if _, ok := c.get("huge", walStamp{}); ok {
		t.Error("a listing beyond the entry bound was kept")
	}
	// Replacing an entry does not count its bytes twice.
	c = newListCache()
	c.add("k", walStamp{}, items, -1)
	b := c.bytes
	c.add("k", walStamp{}, items, -1)
	if c.bytes != b {
		t.Errorf("bytes %d after replacing an entry of %d", c.bytes, b)
	}
}

// TestListCacheConcurrentWrites: readers listing while a writer updates a
// listed message never see it older than the last update that returned
// before their listing started.
func TestListCacheConcurrentWrites(t *testing.T) {
	s := open(t, t.TempDir())
	lcSeed(t, s)
	ctx := t.Context()
	var committed atomic.Int64
	committed.Store(1)
	done := make(chan struct{})
	errs := make(chan error, 4)
	var wg sync.WaitGroup
	for range 3 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			q := lcQuery("inbox")
			q.Omit = omitAll
			for {
				select {
				case <-done:
					return
				default:
				}
				before := committed.Load()
				items, _, err := s.QueryItems(ctx, q)
				if err != nil {
					errs <- err
					return
				}
				if i := slices.IndexFunc(items, func(it store.Item) bool { return it.ID == "m5" }); i < 0 || items[i].Version < before {
					errs <- fmt.Errorf("m5 listed as %v after version %d was committed", keysOf(items), before)
					return
				}
			}
		}()
	}
	for range 40 {
		it, err := s.UpdateItem(ctx, lcTenant, "message", "m5", 0, func(it store.Item) (store.Item, error) { return it, nil })
		if err != nil {
			t.Fatal(err)
		}
		committed.Store(it.Version)
	}
	close(done)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if s.lists.hits.Load() == 0 {
		t.Log("no listing was served from the cache (the writer never paused)")
	}
}
