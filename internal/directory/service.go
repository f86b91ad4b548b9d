package directory

import (
	"context"
	"time"

	"github.com/google/uuid"

	"graphgate/internal/catalog"
	"graphgate/internal/password"
	"graphgate/internal/store"
)

// Store is what the directory service needs of the store: the directory's
// objects, service principals, consent, and revoking a user's refresh
// tokens. Every store.Store satisfies it.
type Store interface {
	CreateTenant(ctx context.Context, t store.Tenant) error
	GetTenant(ctx context.Context, id string) (store.Tenant, error)
	ListTenants(ctx context.Context) ([]store.Tenant, error)

	CreateUser(ctx context.Context, u store.User) error
	GetUser(ctx context.Context, tenantID, id string) (store.User, error)
	UpdateUser(ctx context.Context, tenantID, id string, f func(store.User) (store.User, error)) error
	DeleteUser(ctx context.Context, tenantID, id string) error

	CreateGroup(ctx context.Context, g store.Group, initial ...store.Membership) error
	UpdateGroup(ctx context.Context, tenantID, id string, f func(store.Group) (store.Group, error)) error
	DeleteGroup(ctx context.Context, tenantID, id string) error
	CreateAdministrativeUnit(ctx context.Context, au store.AdministrativeUnit) error
	AddMember(ctx context.Context, m store.Membership) error
	RemoveMember(ctx context.Context, m store.Membership) error

	UpdateApp(ctx context.Context, appID string, f func(store.App) (store.App, error)) error
	EnsureServicePrincipal(ctx context.Context, tenantID, appID, displayName string) (store.ServicePrincipal, error)

	DelegatedGrants(ctx context.Context, tenantID, clientID, userID string) ([]store.DelegatedGrant, error)
	ListDelegatedGrants(ctx context.Context, tenantID string) ([]store.DelegatedGrant, error)
	UpsertDelegatedGrant(ctx context.Context, key store.DelegatedGrant, f func(store.DelegatedGrant) (store.DelegatedGrant, error)) error
	DeleteDelegatedGrant(ctx context.Context, tenantID, id string) error
	AppRoleAssignments(ctx context.Context, tenantID, clientID string) ([]store.AppRoleAssignment, error)
	AddAppRoleAssignment(ctx context.Context, a store.AppRoleAssignment) error
	RemoveAppRoleAssignment(ctx context.Context, tenantID, clientID, permission string) error

	RevokeUserTokens(ctx context.Context, tenantID, userID, clientID string, now time.Time) (int, error)
}

// Options configure a Service; the zero value works.
type Options struct {
	// Passwords are the argon2id parameters of the passwords the service
	// hashes (default password.Default).
	Passwords password.Params
	// Catalog names the permissions consent may hold (default
	// catalog.Default()).
	Catalog *catalog.Catalog
	// Now is the clock (default time.Now).
	Now func() time.Time
	// NewID makes object ids (default: random GUIDs).
	NewID func() string
}

// Service changes the directory. Build it with New.
type Service struct {
	st    Store
	pw    password.Params
	cat   *catalog.Catalog
	clock func() time.Time
	newID func() string
}

// New returns a Service over st.
func New(st Store, o Options) *Service {
	s := &Service{st: st, pw: o.Passwords, cat: o.Catalog, clock: o.Now, newID: o.NewID}
	if s.pw.Memory == 0 {
		s.pw = password.Default
	}
	if s.cat == nil {
		s.cat = catalog.Default()
	}
	if s.clock == nil {
		s.clock = time.Now
	}
	if s.newID == nil {
		s.newID = uuid.NewString
	}
	return s
}

// now is the clock's time in UTC, at the store's millisecond precision.
func (s *Service) now() time.Time { return s.clock().UTC().Truncate(time.Millisecond) }
