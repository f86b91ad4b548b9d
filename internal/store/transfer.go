package store

import "context"

// Setting is one named value of Settings.
type Setting struct {
	Name  string
	Value []byte
}

// TenantData is everything a store keeps about one tenant, plus the
// store-wide settings and signing keys: what graphgate export writes and
// graphgate import reads (package transfer), moved between stores of any
// backend.
//
// Codes, refresh tokens and device codes are not part of it: they are
// short-lived, and their owners sign in again.
type TenantData struct {
	Tenant              Tenant
	Users               []User
	Groups              []Group
	AdministrativeUnits []AdministrativeUnit
	Memberships         []Membership
	// Apps are the apps whose home tenant this is.
	Apps               []App
	ServicePrincipals  []ServicePrincipal
	DelegatedGrants    []DelegatedGrant
	AppRoleAssignments []AppRoleAssignment
	Items              []Item
	// Settings are store-wide (the identity platform's keys, the demo
	// tenant's credentials): ImportTenant creates or overwrites them.
	Settings []Setting
	// SigningKeys are store-wide too: ImportTenant adds each unless its
	// generation holds the same key id already; a generation holding another
	// key is ErrConflict.
	SigningKeys []SigningKey
}

// Transfer reads and writes whole tenants, each in one transaction.
type Transfer interface {
	// ExportTenant reads everything the tenant holds, with every setting
	// and signing key, from one snapshot of the store. Lists are ordered by
	// their keys (users, groups and units by id; memberships by container,
	// role and member; apps and service principals by client id; delegated
	// grants by client, consent type and principal; app role assignments by
	// client and permission; items by kind and id). A missing tenant is
	// ErrNotFound.
	ExportTenant(ctx context.Context, tenantID string) (TenantData, error)
	// ImportTenant stores d in one transaction: all of it, or on any error
	// nothing. If the tenant exists, replace says what happens: false is
	// ErrConflict; true deletes first everything the tenant holds (its
	// directory, the apps whose home it is, its service principals, grants
	// and items, and its codes, refresh tokens and device codes). Objects
	// are stored as given, versions and times included (an item's Version 0
	// becomes 1); keys another tenant holds (a user principal name, a
	// domain, an app's client id) are ErrConflict.
	ImportTenant(ctx context.Context, d TenantData, replace bool) error
}
