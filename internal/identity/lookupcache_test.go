package identity_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"graphgate/internal/clock"
	"graphgate/internal/identity"
	"graphgate/internal/store"
)

// countingStore answers the cached reads from memory and counts the reads
// that reach it; its writes succeed and change nothing. Other methods are
// not used by these tests (the embedded nil Store panics if one is).
type countingStore struct {
	store.Store
	mu    sync.Mutex
	reads map[string]int
	apps  map[string]store.App
}

func newCountingStore() *countingStore {
	return &countingStore{reads: map[string]int{}, apps: map[string]store.App{
		"app-1": {AppID: "app-1", Secrets: []store.ClientSecret{{ID: "k1"}}},
		"app-2": {AppID: "app-2"}, "app-3": {AppID: "app-3"},
	}}
}

func (s *countingStore) count(what string) {
	s.mu.Lock()
	s.reads[what]++
	s.mu.Unlock()
}

func (s *countingStore) n(what string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.reads[what]
}

func (s *countingStore) GetTenant(_ context.Context, id string) (store.Tenant, error) {
	s.count("tenant")
	return store.Tenant{ID: id, Domains: []string{"contoso.com"}}, nil
}

func (s *countingStore) TenantByDomain(_ context.Context, d string) (store.Tenant, error) {
	s.count("domain")
	return store.Tenant{ID: "t", Domains: []string{d}}, nil
}

func (s *countingStore) GetApp(_ context.Context, id string) (store.App, error) {
	s.count("app")
	a, ok := s.apps[id]
	if !ok {
		return store.App{}, store.ErrNotFound
	}
	return a, nil
}

func (s *countingStore) GetServicePrincipal(_ context.Context, t, a string) (store.ServicePrincipal, error) {
	s.count("sp")
	return store.ServicePrincipal{ID: "sp-" + a, TenantID: t, AppID: a}, nil
}

func (s *countingStore) AppRoleAssignments(_ context.Context, t, c string) ([]store.AppRoleAssignment, error) {
	s.count("roles")
	return []store.AppRoleAssignment{{TenantID: t, ClientID: c, Permission: "Mail.Read"}}, nil
}

func (s *countingStore) CreateTenant(context.Context, store.Tenant) error { return nil }
func (s *countingStore) UpdateTenant(context.Context, string, func(store.Tenant) (store.Tenant, error)) error {
	return nil
}
func (s *countingStore) CreateApp(context.Context, store.App) error { return nil }
func (s *countingStore) UpdateApp(context.Context, string, func(store.App) (store.App, error)) error {
	return errors.New("conflict") // a failed write empties the cache too
}
func (s *countingStore) DeleteApp(context.Context, string) error { return nil }
func (s *countingStore) EnsureServicePrincipal(_ context.Context, t, a, _ string) (store.ServicePrincipal, error) {
	return store.ServicePrincipal{}, nil
}
func (s *countingStore) AddAppRoleAssignment(context.Context, store.AppRoleAssignment) error {
	return nil
}
func (s *countingStore) RemoveAppRoleAssignment(context.Context, string, string, string) error {
	return nil
}
func (s *countingStore) ImportTenant(context.Context, store.TenantData, bool) error { return nil }
func (s *countingStore) RestoreSnapshot(context.Context, string) error              { return nil }
func (s *countingStore) Wipe(context.Context, func(string) bool) error              { return nil }

// readAll does each cached read once.
func readAll(t *testing.T, c *identity.CachedLookups) {
	t.Helper()
	ctx := context.Background()
	if _, err := c.GetTenant(ctx, "t"); err != nil {
		t.Fatal(err)
	}
	if _, err := c.TenantByDomain(ctx, "contoso.com"); err != nil {
		t.Fatal(err)
	}
	if _, err := c.GetApp(ctx, "app-1"); err != nil {
		t.Fatal(err)
	}
	if _, err := c.GetServicePrincipal(ctx, "t", "app-1"); err != nil {
		t.Fatal(err)
	}
	if _, err := c.AppRoleAssignments(ctx, "t", "app-1"); err != nil {
		t.Fatal(err)
	}
}

var cachedReads = []string{"tenant", "domain", "app", "sp", "roles"}

func TestCachedLookupsStalenessBound(t *testing.T) {
	clk := clock.New(nil)
	clk.Freeze()
	inner := newCountingStore()
	c := identity.CacheLookups(inner, identity.LookupCacheOptions{Now: clk.Now})
	steps := []struct {
		name    string
		advance time.Duration
		reads   int // store reads of each kind so far
	}{
		{"first read goes to the store", 0, 1},
		{"a second read is served from the cache", 0, 1},
		{"still fresh just before the bound", identity.LookupCacheTTL - time.Millisecond, 1},
		{"read again at the bound", time.Millisecond, 2},
		{"then cached again", identity.LookupCacheTTL / 2, 2},
	}
	for _, s := range steps {
		if _, err := clk.Advance(s.advance); err != nil {
			t.Fatal(err)
		}
		readAll(t, c)
		for _, k := range cachedReads {
			if got := inner.n(k); got != s.reads {
				t.Errorf("%s: %s reads = %d, want %d", s.name, k, got, s.reads)
			}
		}
	}
}

func TestCachedLookupsInvalidatedByWrites(t *testing.T) {
	ctx := context.Background()
	writes := []struct {
		name  string
		write func(*identity.CachedLookups) error
	}{
		{"CreateTenant", func(c *identity.CachedLookups) error { return c.CreateTenant(ctx, store.Tenant{}) }},
		{"UpdateTenant", func(c *identity.CachedLookups) error { return c.UpdateTenant(ctx, "t", nil) }},
		{"CreateApp", func(c *identity.CachedLookups) error { return c.CreateApp(ctx, store.App{}) }},
		{"UpdateApp (failing)", func(c *identity.CachedLookups) error { _ = c.UpdateApp(ctx, "app-1", nil); return nil }},
		{"DeleteApp", func(c *identity.CachedLookups) error { return c.DeleteApp(ctx, "app-1") }},
		{"EnsureServicePrincipal", func(c *identity.CachedLookups) error {
			_, err := c.EnsureServicePrincipal(ctx, "t", "app-1", "")
			return err
		}},
		{"AddAppRoleAssignment", func(c *identity.CachedLookups) error { return c.AddAppRoleAssignment(ctx, store.AppRoleAssignment{}) }},
		{"RemoveAppRoleAssignment", func(c *identity.CachedLookups) error {
			return c.RemoveAppRoleAssignment(ctx, "t", "app-1", "Mail.Read")
		}},
		{"ImportTenant", func(c *identity.CachedLookups) error { return c.ImportTenant(ctx, store.TenantData{}, true) }},
		{"RestoreSnapshot", func(c *identity.CachedLookups) error { return c.RestoreSnapshot(ctx, "s") }},
		{"Wipe", func(c *identity.CachedLookups) error { return c.Wipe(ctx, nil) }},
	}
	for _, w := range writes {
		t.Run(w.name, func(t *testing.T) {
			clk := clock.New(nil)
			clk.Freeze()
			inner := newCountingStore()
			c := identity.CacheLookups(inner, identity.LookupCacheOptions{Now: clk.Now})
			readAll(t, c)
			readAll(t, c)
			if err := w.write(c); err != nil {
				t.Fatal(err)
			}
			readAll(t, c)
			for _, k := range cachedReads {
				if got := inner.n(k); got != 2 {
					t.Errorf("%s reads = %d, want 2 (one before the write, one after)", k, got)
				}
			}
		})
	}
}

func TestCachedLookupsBoundedAndCopies(t *testing.T) {
	ctx := context.Background()
	clk := clock.New(nil)
	clk.Freeze()
	inner := newCountingStore()
	c := identity.CacheLookups(inner, identity.LookupCacheOptions{Now: clk.Now, Size: 2})

	// Errors are not kept: an app created elsewhere is found at once.
	for range 2 {
		if _, err := c.GetApp(ctx, "nope"); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("GetApp(nope) = %v, want ErrNotFound", err)
		}
	}
	if got := inner.n("app"); got != 2 {
		t.Fatalf("reads of a missing app = %d, want 2 (not cached)", got)
	}

	// A caller modifying what it got does not change the cache.
	a, _ := c.GetApp(ctx, "app-1")
	a.Secrets[0].ID = "changed"
	if b, _ := c.GetApp(ctx, "app-1"); b.Secrets[0].ID != "k1" {
		t.Fatalf("cached app changed through a returned copy: %q", b.Secrets[0].ID)
	}

	// Two entries at most: app-1 is the least recently used when app-3
	// comes in.
	before := inner.n("app")
	for _, id := range []string{"app-2", "app-3", "app-1"} {
		if _, err := c.GetApp(ctx, id); err != nil {
			t.Fatal(err)
		}
	}
	if got := inner.n("app") - before; got != 3 {
		t.Fatalf("store reads = %d, want 3 (app-1 evicted by app-3)", got)
	}

	// A hit does not reorder: the entry loaded longest ago goes first
	// (app-3, loaded before app-1), though app-3 was read since.
	if _, err := c.GetApp(ctx, "app-3"); err != nil {
		t.Fatal(err)
	}
	before = inner.n("app")
	for _, id := range []string{"app-2", "app-1", "app-3"} {
		if _, err := c.GetApp(ctx, id); err != nil {
			t.Fatal(err)
		}
	}
	if got := inner.n("app") - before; got != 2 {
		t.Fatalf("store reads = %d, want 2 (app-2 loads and evicts app-3, app-1 a hit, app-3 loads again)", got)
	}
}

func TestCachedLookupsOff(t *testing.T) {
	inner := newCountingStore()
	c := identity.CacheLookups(inner, identity.LookupCacheOptions{TTL: -1})
	readAll(t, c)
	readAll(t, c)
	for _, k := range cachedReads {
		if got := inner.n(k); got != 2 {
			t.Errorf("%s reads = %d, want 2 (caching off)", k, got)
		}
	}
}
