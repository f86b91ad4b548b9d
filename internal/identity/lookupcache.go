package identity

import (
	"context"
	"slices"
	"sync/atomic"
	"time"

	lru "github.com/hashicorp/golang-lru/v2"

	"graphgate/internal/store"
)

// The token endpoint reads, for every client-credentials token, the tenant,
// the app, its service principal and its app role assignments: four store
// reads (22 % of the token phase's CPU in bench/throughput, next to the
// RS256 signature's 51 %). CachedLookups keeps those reads for a short,
// fixed time.
//
// Staleness. Entra itself does not apply a change to an app registration
// or its permissions at once: Microsoft documents that changes can take
// time to propagate ("it may take some time for the changes to be
// reflected", and for app role assignments that tokens already issued keep
// their roles until they expire). graphgate chooses a much shorter bound
// than Entra's: a change made through another process (another replica
// over the same PostgreSQL, or a CLI command on the data folder) is seen
// by this one's token endpoint at most LookupCacheTTL later. A change made
// through this process's store (the Graph API, the admin API and console,
// the directory service, snapshots) is seen at once: every write of
// tenants, apps, service principals or role assignments through
// CachedLookups empties the cache before it returns.
//
// Only successful reads are kept: an app created in another process is
// usable as soon as it is committed, and a client sending unknown ids
// costs a store read each time, as before. Returned values are copies; a
// caller may modify them.

// LookupCacheTTL is how long a cached read is used: the longest a change
// made by another process goes unseen by the token endpoint.
const LookupCacheTTL = 2 * time.Second

// lookupCacheSize bounds each cache (tenants, domains, apps, service
// principals, role assignments) in entries; the entry loaded longest ago
// goes first. A hit does not reorder (it reads under the cache's read
// lock: golang-lru's Get takes the write lock to move the entry, and at
// 128 concurrent token requests for one app that lock was the token
// endpoint's contention); an entry in use is loaded again every TTL, so
// the order is at most one TTL off least-recently-used.
const lookupCacheSize = 1024

// CachedLookups is a store whose reads of tenants, apps, service principals
// and app role assignments are cached for LookupCacheTTL and whose writes
// of them empty the cache. Every other method is the wrapped store's.
// Build it with CacheLookups; it is safe for concurrent use.
type CachedLookups struct {
	store.Store
	ttl time.Duration
	now func() time.Time
	// gen counts writes; an entry read before the latest write is stale.
	gen atomic.Uint64

	tenants *lru.Cache[string, cached[store.Tenant]]
	domains *lru.Cache[string, cached[store.Tenant]]
	apps    *lru.Cache[string, cached[store.App]]
	sps     *lru.Cache[[2]string, cached[store.ServicePrincipal]]
	roles   *lru.Cache[[2]string, cached[[]store.AppRoleAssignment]]
}

type cached[T any] struct {
	v       T
	gen     uint64
	expires time.Time
}

// LookupCacheOptions tune CacheLookups.
type LookupCacheOptions struct {
	// TTL defaults to LookupCacheTTL; a negative TTL turns caching off.
	TTL time.Duration
	// Size bounds each cache in entries (default 1024).
	Size int
	// Now is the clock (default time.Now).
	Now func() time.Time
}

// CacheLookups wraps st. The server installs it over the process's store,
// so that every in-process write goes through it.
func CacheLookups(st store.Store, o LookupCacheOptions) *CachedLookups {
	if o.TTL == 0 {
		o.TTL = LookupCacheTTL
	}
	if o.Size <= 0 {
		o.Size = lookupCacheSize
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	c := &CachedLookups{Store: st, ttl: o.TTL, now: o.Now}
	c.tenants, _ = lru.New[string, cached[store.Tenant]](o.Size)
	c.domains, _ = lru.New[string, cached[store.Tenant]](o.Size)
	c.apps, _ = lru.New[string, cached[store.App]](o.Size)
	c.sps, _ = lru.New[[2]string, cached[store.ServicePrincipal]](o.Size)
	c.roles, _ = lru.New[[2]string, cached[[]store.AppRoleAssignment]](o.Size)
	return c
}

// Unwrap returns the wrapped store.
func (c *CachedLookups) Unwrap() store.Store { return c.Store }

// lookup answers from cache when the entry is fresh, else reads and keeps
// the result (successful reads only).
func lookup[K comparable, T any](c *CachedLookups, cache *lru.Cache[K, cached[T]], k K, clone func(T) T, read func() (T, error)) (T, error) {
	if c.ttl < 0 {
		return read()
	}
	gen := c.gen.Load()
	now := c.now()
	if e, ok := cache.Peek(k); ok && e.gen == gen && now.Before(e.expires) {
		return clone(e.v), nil
	}
	v, err := read()
	if err != nil {
		return v, err
	}
	cache.Add(k, cached[T]{v: clone(v), gen: gen, expires: now.Add(c.ttl)})
	return v, nil
}

// invalidate empties the caches after a write: entries read before it are
// refused by their generation, and dropped to free their memory.
func (c *CachedLookups) invalidate() {
	c.gen.Add(1)
	c.tenants.Purge()
	c.domains.Purge()
	c.apps.Purge()
	c.sps.Purge()
	c.roles.Purge()
}

func cloneTenant(t store.Tenant) store.Tenant {
	t.Domains = slices.Clone(t.Domains)
	return t
}

func cloneApp(a store.App) store.App {
	a.RedirectURIs = slices.Clone(a.RedirectURIs)
	a.Secrets = slices.Clone(a.Secrets)
	a.Certificates = slices.Clone(a.Certificates)
	a.RequiredScopes = slices.Clone(a.RequiredScopes)
	a.RequiredRoles = slices.Clone(a.RequiredRoles)
	return a
}

func same[T any](v T) T { return v }

// GetTenant is the store's, cached.
func (c *CachedLookups) GetTenant(ctx context.Context, id string) (store.Tenant, error) {
	return lookup(c, c.tenants, id, cloneTenant, func() (store.Tenant, error) { return c.Store.GetTenant(ctx, id) })
}

// TenantByDomain is the store's, cached.
func (c *CachedLookups) TenantByDomain(ctx context.Context, domain string) (store.Tenant, error) {
	return lookup(c, c.domains, domain, cloneTenant, func() (store.Tenant, error) { return c.Store.TenantByDomain(ctx, domain) })
}

// GetApp is the store's, cached.
func (c *CachedLookups) GetApp(ctx context.Context, appID string) (store.App, error) {
	return lookup(c, c.apps, appID, cloneApp, func() (store.App, error) { return c.Store.GetApp(ctx, appID) })
}

// GetServicePrincipal is the store's, cached.
func (c *CachedLookups) GetServicePrincipal(ctx context.Context, tenantID, appID string) (store.ServicePrincipal, error) {
	return lookup(c, c.sps, [2]string{tenantID, appID}, same[store.ServicePrincipal], func() (store.ServicePrincipal, error) {
		return c.Store.GetServicePrincipal(ctx, tenantID, appID)
	})
}

// AppRoleAssignments is the store's, cached.
func (c *CachedLookups) AppRoleAssignments(ctx context.Context, tenantID, clientID string) ([]store.AppRoleAssignment, error) {
	return lookup(c, c.roles, [2]string{tenantID, clientID}, slices.Clone[[]store.AppRoleAssignment], func() ([]store.AppRoleAssignment, error) {
		return c.Store.AppRoleAssignments(ctx, tenantID, clientID)
	})
}

// The writes that change what the cache holds: each empties it once the
// wrapped store has answered (failed writes too: a failure may have
// committed before the error).

// CreateTenant is the store's; it empties the cache.
func (c *CachedLookups) CreateTenant(ctx context.Context, t store.Tenant) error {
	defer c.invalidate()
	return c.Store.CreateTenant(ctx, t)
}

// UpdateTenant is the store's; it empties the cache.
func (c *CachedLookups) UpdateTenant(ctx context.Context, id string, f func(store.Tenant) (store.Tenant, error)) error {
	defer c.invalidate()
	return c.Store.UpdateTenant(ctx, id, f)
}

// CreateApp is the store's; it empties the cache.
func (c *CachedLookups) CreateApp(ctx context.Context, a store.App) error {
	defer c.invalidate()
	return c.Store.CreateApp(ctx, a)
}

// UpdateApp is the store's; it empties the cache.
func (c *CachedLookups) UpdateApp(ctx context.Context, appID string, f func(store.App) (store.App, error)) error {
	defer c.invalidate()
	return c.Store.UpdateApp(ctx, appID, f)
}

// DeleteApp is the store's; it empties the cache.
func (c *CachedLookups) DeleteApp(ctx context.Context, appID string) error {
	defer c.invalidate()
	return c.Store.DeleteApp(ctx, appID)
}

// EnsureServicePrincipal is the store's; it empties the cache.
func (c *CachedLookups) EnsureServicePrincipal(ctx context.Context, tenantID, appID, displayName string) (store.ServicePrincipal, error) {
	defer c.invalidate()
	return c.Store.EnsureServicePrincipal(ctx, tenantID, appID, displayName)
}

// AddAppRoleAssignment is the store's; it empties the cache.
func (c *CachedLookups) AddAppRoleAssignment(ctx context.Context, a store.AppRoleAssignment) error {
	defer c.invalidate()
	return c.Store.AddAppRoleAssignment(ctx, a)
}

// RemoveAppRoleAssignment is the store's; it empties the cache.
func (c *CachedLookups) RemoveAppRoleAssignment(ctx context.Context, tenantID, clientID, permission string) error {
	defer c.invalidate()
	return c.Store.RemoveAppRoleAssignment(ctx, tenantID, clientID, permission)
}

// ImportTenant is the store's; it empties the cache.
func (c *CachedLookups) ImportTenant(ctx context.Context, d store.TenantData, replace bool) error {
	defer c.invalidate()
	return c.Store.ImportTenant(ctx, d, replace)
}

// RestoreSnapshot is the store's; it empties the cache.
func (c *CachedLookups) RestoreSnapshot(ctx context.Context, name string) error {
	defer c.invalidate()
	return c.Store.RestoreSnapshot(ctx, name)
}

// Wipe is the store's; it empties the cache.
func (c *CachedLookups) Wipe(ctx context.Context, keepSetting func(name string) bool) error {
	defer c.invalidate()
	return c.Store.Wipe(ctx, keepSetting)
}

// Analyze is the wrapped store's when it has one (store.Analyzer).
func (c *CachedLookups) Analyze(ctx context.Context) error {
	if a, ok := c.Store.(store.Analyzer); ok {
		return a.Analyze(ctx)
	}
	return nil
}
