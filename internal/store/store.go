package store

import (
	"context"
	"errors"
	"time"
)

// Errors every backend returns.
var (
	ErrNotFound = errors.New("store: not found")
	ErrConflict = errors.New("store: already exists")
	// ErrPrecondition is returned when an update's expected version (etag)
	// no longer matches.
	ErrPrecondition = errors.New("store: changed since read")
)

// Store is the whole storage interface.
type Store interface {
	Directory
	Apps
	Grants
	Sessions
	Keys
	Settings
	Lockouts
	Items
	DirectoryQueries
	Transfer
	Snapshots
	DecisionLog
	SignInLog
	// Close releases the backend's resources.
	Close() error
}

// TenantKind distinguishes organisations from the personal-accounts tenant.
type TenantKind string

const (
	TenantWork     TenantKind = "work"
	TenantPersonal TenantKind = "personal"
)

// PersonalTenantID is the fixed tenant of personal Microsoft accounts.
const PersonalTenantID = "9188040d-6c67-4c5b-b112-36a304b66dad"

// Tenant is a directory: an organisation, or the personal-accounts tenant.
type Tenant struct {
	ID          string // GUID
	DisplayName string
	Kind        TenantKind
	// Domains are the verified domains; the first is the default (used in
	// new UPNs) and the initial one ends in .onmicrosoft.com by convention.
	Domains   []string
	CreatedAt time.Time
}

// UserKind is a user's kind of account.
type UserKind string

const (
	UserMember   UserKind = "member"
	UserGuest    UserKind = "guest"
	UserPersonal UserKind = "personal"
	// UserSharedMailbox is a mailbox no one signs in to; delegates reach it.
	UserSharedMailbox UserKind = "sharedMailbox"
)

// User is a directory user (or a shared mailbox, which is a user object
// without sign-in in Exchange).
type User struct {
	ID                string // object id (oid), GUID
	TenantID          string
	UserPrincipalName string // unique across the store (case-insensitive)
	DisplayName       string
	GivenName         string
	Surname           string
	Mail              string
	JobTitle          string
	Department        string
	OfficeLocation    string
	MobilePhone       string
	BusinessPhones    []string
	PreferredLanguage string
	UsageLocation     string
	Kind              UserKind
	AccountEnabled    bool
	// PasswordHash is an argon2id hash in PHC string form; empty means the
	// user cannot sign in with a password.
	PasswordHash string
	// Roles are directory role template ids (wids).
	Roles     []string
	ManagerID string
	CreatedAt time.Time
	// Version increases with every update; it is the user's etag.
	Version int64
}

// GroupVisibility as in Graph.
type GroupVisibility string

const (
	VisibilityPublic           GroupVisibility = "Public"
	VisibilityPrivate          GroupVisibility = "Private"
	VisibilityHiddenMembership GroupVisibility = "HiddenMembership"
)

// Group is a security group or a Microsoft 365 ("Unified") group.
type Group struct {
	ID              string
	TenantID        string
	DisplayName     string
	Description     string
	MailNickname    string
	Mail            string
	GroupTypes      []string // "Unified" for Microsoft 365 groups
	MailEnabled     bool
	SecurityEnabled bool
	Visibility      GroupVisibility
	CreatedAt       time.Time
	Version         int64
}

// AdministrativeUnit is a directory container used to scope administration.
type AdministrativeUnit struct {
	ID          string
	TenantID    string
	DisplayName string
	Description string
	Visibility  string // "" or "HiddenMembership"
}

// Directory keeps tenants, users, groups and memberships.
type Directory interface {
	CreateTenant(ctx context.Context, t Tenant) error
	GetTenant(ctx context.Context, id string) (Tenant, error)
	// TenantByDomain finds the tenant with a verified domain (case-insensitive).
	TenantByDomain(ctx context.Context, domain string) (Tenant, error)
	ListTenants(ctx context.Context) ([]Tenant, error)
	UpdateTenant(ctx context.Context, id string, f func(Tenant) (Tenant, error)) error

	CreateUser(ctx context.Context, u User) error
	GetUser(ctx context.Context, tenantID, id string) (User, error)
	// UserByUPN finds a user in any tenant by user principal name
	// (case-insensitive).
	UserByUPN(ctx context.Context, upn string) (User, error)
	// ListUsers returns a tenant's users ordered by id, after the given id
	// ("" for the start), at most limit (0 for all).
	ListUsers(ctx context.Context, tenantID, after string, limit int) ([]User, error)
	// UpdateUser increments Version.
	UpdateUser(ctx context.Context, tenantID, id string, f func(User) (User, error)) error
	// DeleteUser removes the user and their memberships.
	DeleteUser(ctx context.Context, tenantID, id string) error

	// CreateGroup stores a group with its initial memberships (members and
	// owners) in one transaction: a group is never stored without the
	// members it was created with. Each membership's MemberID and Role
	// count; its tenant and container are the group's. A membership that
	// repeats another is ErrConflict, and nothing is stored.
	CreateGroup(ctx context.Context, g Group, initial ...Membership) error
	GetGroup(ctx context.Context, tenantID, id string) (Group, error)
	ListGroups(ctx context.Context, tenantID, after string, limit int) ([]Group, error)
	UpdateGroup(ctx context.Context, tenantID, id string, f func(Group) (Group, error)) error
	DeleteGroup(ctx context.Context, tenantID, id string) error

	CreateAdministrativeUnit(ctx context.Context, au AdministrativeUnit) error
	GetAdministrativeUnit(ctx context.Context, tenantID, id string) (AdministrativeUnit, error)
	ListAdministrativeUnits(ctx context.Context, tenantID string) ([]AdministrativeUnit, error)

	// AddMember adds a directory object (user or group) to a group or
	// administrative unit, as a member or an owner; adding twice is
	// ErrConflict.
	AddMember(ctx context.Context, m Membership) error
	RemoveMember(ctx context.Context, m Membership) error
	// Members lists the direct members (or owners) of a container.
	Members(ctx context.Context, tenantID, containerID string, role MemberRole) ([]Membership, error)
	// MemberOf lists the containers an object is a direct member (or owner) of.
	MemberOf(ctx context.Context, tenantID, memberID string, role MemberRole) ([]Membership, error)
}

// MemberRole is member or owner.
type MemberRole string

const (
	RoleMember MemberRole = "member"
	RoleOwner  MemberRole = "owner"
)

// ContainerKind says what holds the membership.
type ContainerKind string

const (
	ContainerGroup ContainerKind = "group"
	ContainerAU    ContainerKind = "administrativeUnit"
)

// Membership links a member (user or group) to a group or administrative unit.
type Membership struct {
	TenantID      string
	ContainerID   string
	ContainerKind ContainerKind
	MemberID      string
	Role          MemberRole
}

// SignInAudience is who may sign in to an app, as in an app registration.
type SignInAudience string

const (
	AudienceMyOrg                   SignInAudience = "AzureADMyOrg"
	AudienceMultipleOrgs            SignInAudience = "AzureADMultipleOrgs"
	AudienceMultipleOrgsAndPersonal SignInAudience = "AzureADandPersonalMicrosoftAccount"
	AudiencePersonalOnly            SignInAudience = "PersonalMicrosoftAccount"
)

// RedirectKind is the platform a redirect URI is registered for.
type RedirectKind string

const (
	RedirectWeb          RedirectKind = "web"
	RedirectSPA          RedirectKind = "spa"
	RedirectPublicClient RedirectKind = "publicClient"
)

// RedirectURI is a registered reply address.
type RedirectURI struct {
	URI  string
	Kind RedirectKind
}

// ClientSecret is a password credential. Only a keyed hash is kept.
type ClientSecret struct {
	ID          string // keyId
	DisplayName string
	Hint        string // the first three characters, as Entra shows
	// Hash is the keyed hash (HMAC-SHA-256 under the store's secret key) of
	// the secret value.
	Hash      []byte
	ExpiresAt time.Time
	CreatedAt time.Time
}

// Certificate is a key credential (public certificate) for client assertions.
type Certificate struct {
	ID          string
	DisplayName string
	DER         []byte
	ExpiresAt   time.Time
}

// App is an application registration. Apps live in a home tenant; a
// multi-tenant app is used in other tenants through a service principal.
type App struct {
	AppID          string // client id, GUID
	ObjectID       string
	TenantID       string // home tenant
	DisplayName    string
	SignInAudience SignInAudience
	// PublicClient marks apps without a secret (desktop, mobile, CLI,
	// device code); PKCE is required for them.
	PublicClient bool
	RedirectURIs []RedirectURI
	Secrets      []ClientSecret
	Certificates []Certificate
	// RequiredScopes and RequiredRoles are the delegated and application
	// permissions (catalog names) the app registration requests for Graph:
	// what /.default means before anything is consented.
	RequiredScopes []string
	RequiredRoles  []string
	CreatedAt      time.Time
	Version        int64
}

// ServicePrincipal is an app's instance in a tenant.
type ServicePrincipal struct {
	ID          string
	TenantID    string
	AppID       string
	DisplayName string
	CreatedAt   time.Time
}

// Apps keeps app registrations and service principals.
type Apps interface {
	CreateApp(ctx context.Context, a App) error
	// GetApp finds an app by client id, in any tenant.
	GetApp(ctx context.Context, appID string) (App, error)
	ListApps(ctx context.Context, tenantID string) ([]App, error)
	UpdateApp(ctx context.Context, appID string, f func(App) (App, error)) error
	DeleteApp(ctx context.Context, appID string) error

	// EnsureServicePrincipal returns the app's service principal in the
	// tenant, creating it if needed (concurrent callers get the same one).
	EnsureServicePrincipal(ctx context.Context, tenantID, appID, displayName string) (ServicePrincipal, error)
	GetServicePrincipal(ctx context.Context, tenantID, appID string) (ServicePrincipal, error)
	ListServicePrincipals(ctx context.Context, tenantID string) ([]ServicePrincipal, error)
}

// ConsentType as in oAuth2PermissionGrant.
type ConsentType string

const (
	// ConsentAllPrincipals is an administrator's consent for every user.
	ConsentAllPrincipals ConsentType = "AllPrincipals"
	// ConsentPrincipal is one user's consent for themselves.
	ConsentPrincipal ConsentType = "Principal"
)

// DelegatedGrant is an oAuth2PermissionGrant: delegated permissions an app
// may use in a tenant, for one user or for all.
type DelegatedGrant struct {
	ID          string
	TenantID    string
	ClientID    string // the app's client id
	ConsentType ConsentType
	PrincipalID string // the user, for ConsentPrincipal; "" otherwise
	Scopes      []string
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// AppRoleAssignment grants an app an application permission in a tenant.
type AppRoleAssignment struct {
	ID         string
	TenantID   string
	ClientID   string
	Permission string // catalog name, e.g. Mail.Read
	CreatedAt  time.Time
}

// Grants keeps consent.
type Grants interface {
	// DelegatedGrants returns the tenant's grants to the client that apply to
	// the user: the AllPrincipals grant and the user's own grant (either may
	// be absent). userID "" returns only the AllPrincipals grant.
	DelegatedGrants(ctx context.Context, tenantID, clientID, userID string) ([]DelegatedGrant, error)
	// ListDelegatedGrants returns all of a tenant's grants.
	ListDelegatedGrants(ctx context.Context, tenantID string) ([]DelegatedGrant, error)
	// UpsertDelegatedGrant creates the grant for (tenant, client, consent
	// type, principal) or lets f change the existing one, atomically. f gets
	// the existing grant, or a zero grant with the key fields set.
	UpsertDelegatedGrant(ctx context.Context, key DelegatedGrant, f func(DelegatedGrant) (DelegatedGrant, error)) error
	DeleteDelegatedGrant(ctx context.Context, tenantID, id string) error

	AppRoleAssignments(ctx context.Context, tenantID, clientID string) ([]AppRoleAssignment, error)
	// AddAppRoleAssignment is idempotent for the same (tenant, client, permission).
	AddAppRoleAssignment(ctx context.Context, a AppRoleAssignment) error
	RemoveAppRoleAssignment(ctx context.Context, tenantID, clientID, permission string) error
}

// AuthCode is an authorization code, stored by the SHA-256 of its value.
type AuthCode struct {
	Hash                []byte
	TenantID            string
	ClientID            string
	UserID              string
	RedirectURI         string
	Scopes              []string // as granted, catalog names plus OpenID scopes
	Requested           []string // as the app asked, for the token response
	Nonce               string
	CodeChallenge       string
	CodeChallengeMethod string
	AuthTime            time.Time
	ExpiresAt           time.Time
	// RedeemedAt is set when the code is used; FamilyID names the refresh
	// token family its redemption created (revoked if the code is replayed).
	RedeemedAt time.Time
	FamilyID   string
}

// RefreshToken is an opaque refresh token, stored by the SHA-256 of its
// value. Tokens of one sign-in share a FamilyID; each use rotates the token.
type RefreshToken struct {
	Hash      []byte
	FamilyID  string
	TenantID  string
	ClientID  string
	UserID    string
	Scopes    []string // the scopes the sign-in asked for (re-checked against consent at each use)
	AuthTime  time.Time
	CreatedAt time.Time
	ExpiresAt time.Time
	// UsedAt is set when the token was exchanged for its successor.
	UsedAt    time.Time
	RevokedAt time.Time
}

// DeviceCodeStatus is where a device-code sign-in stands.
type DeviceCodeStatus string

const (
	DevicePending  DeviceCodeStatus = "pending"
	DeviceApproved DeviceCodeStatus = "approved"
	DeviceDenied   DeviceCodeStatus = "denied"
	DeviceRedeemed DeviceCodeStatus = "redeemed"
)

// DeviceCode is a device authorization (RFC 8628), stored by the SHA-256 of
// the device code; the user code is short and typed by people.
type DeviceCode struct {
	Hash       []byte
	UserCode   string
	TenantSeg  string // the tenant segment the client used (common, a GUID, …)
	TenantID   string // set on approval
	ClientID   string
	Scopes     []string
	Requested  []string
	Status     DeviceCodeStatus
	UserID     string
	ExpiresAt  time.Time
	LastPollAt time.Time
	Interval   int // seconds
}

// FamilyMemory is how long a revoked family is remembered (RevokeFamily):
// far longer than a token grant takes between redeeming a code and storing
// its refresh token.
const FamilyMemory = time.Hour

// Sessions keeps single-use and rotating credentials.
type Sessions interface {
	CreateAuthCode(ctx context.Context, c AuthCode) error
	// UpdateAuthCode runs f on the code stored under hash and stores what
	// it returns (the code's ids and hash stay), atomically: redeeming a
	// code is a closure that refuses one already redeemed.
	UpdateAuthCode(ctx context.Context, hash []byte, f func(AuthCode) (AuthCode, error)) error

	CreateRefreshToken(ctx context.Context, t RefreshToken) error
	GetRefreshToken(ctx context.Context, hash []byte) (RefreshToken, error)
	// UpdateRefreshToken runs f on the token stored under hash and stores
	// the token it returns (its ids, family and hash stay) and, when f
	// returns a successor, creates it as CreateRefreshToken does, all in
	// one transaction: rotating a token is a closure that refuses one used
	// or revoked and marks it used. A successor that cannot be stored
	// (ErrConflict) leaves the token as it was.
	UpdateRefreshToken(ctx context.Context, hash []byte, f func(RefreshToken) (RefreshToken, *RefreshToken, error)) error
	// RevokeFamily revokes every token of a family; it returns how many.
	// A token of the family stored up to FamilyMemory later is stored
	// revoked: an authorization code's first redeemer stores its token after
	// redeeming, and a replay of the code, which revokes the family, may
	// come in between.
	RevokeFamily(ctx context.Context, familyID string, now time.Time) (int, error)
	// RevokeUserTokens revokes every refresh token of a user (optionally
	// only for one client).
	RevokeUserTokens(ctx context.Context, tenantID, userID, clientID string, now time.Time) (int, error)

	CreateDeviceCode(ctx context.Context, d DeviceCode) error
	GetDeviceCode(ctx context.Context, hash []byte) (DeviceCode, error)
	DeviceCodeByUserCode(ctx context.Context, userCode string) (DeviceCode, error)
	UpdateDeviceCode(ctx context.Context, hash []byte, f func(DeviceCode) (DeviceCode, error)) error

	// DeleteExpired removes codes and tokens that expired before now and
	// returns how many; expired lockout state (Lockouts) goes too, uncounted.
	DeleteExpired(ctx context.Context, now time.Time) (int, error)
}

// SigningKey is a token-signing key with its certificate.
type SigningKey struct {
	// Generation orders keys; it is unique, so replicas racing to create the
	// next key cannot both succeed.
	Generation int64
	KID        string
	PrivateKey []byte // PKCS#8 DER
	CertDER    []byte
	ActivateAt time.Time
	RetireAt   time.Time
	CreatedAt  time.Time
}

// Keys keeps signing keys.
type Keys interface {
	SigningKeys(ctx context.Context) ([]SigningKey, error)
	// AddSigningKey inserts k unless a key with its Generation exists, and
	// reports whether it did.
	AddSigningKey(ctx context.Context, k SigningKey) (bool, error)
}

// Settings keeps small named values shared by every replica, such as the
// key that hashes client secrets.
type Settings interface {
	// SettingOrCreate returns the value of name, storing value first if the
	// setting does not exist yet (the first writer wins).
	SettingOrCreate(ctx context.Context, name string, value []byte) ([]byte, error)
	// Setting returns the value of name, or ErrNotFound.
	Setting(ctx context.Context, name string) ([]byte, error)
	// ListSettings returns every setting, ordered by name.
	ListSettings(ctx context.Context) ([]Setting, error)
	// PutSetting stores value under name, replacing any value it had.
	PutSetting(ctx context.Context, name string, value []byte) error
}

// Lockout is an account's smart-lockout state: the failed password
// sign-ins the identity platform counted and the lockouts they led to. The
// identity platform owns the policy (threshold, durations, which failures
// count); the store keeps the state per user and updates it atomically
// across replicas, so failures are counted wherever they happen.
type Lockout struct {
	TenantID string
	UserID   string
	// Failures counts the failed sign-ins since the last success or lockout.
	Failures int
	// Lockouts counts the lockouts since the last successful sign-in.
	Lockouts int
	// LockedUntil is the end of the current lockout (zero when none).
	LockedUntil time.Time
	// BadPasswords are opaque keyed hashes of the latest wrong passwords,
	// oldest first.
	BadPasswords []string
	UpdatedAt    time.Time
	// ExpiresAt is when the state may be forgotten: DeleteExpired removes
	// it (without counting it) and the identity platform ignores it.
	ExpiresAt time.Time
}

// Lockouts keeps smart-lockout state, one Lockout per user.
type Lockouts interface {
	// GetLockout returns the user's state, or ErrNotFound.
	GetLockout(ctx context.Context, tenantID, userID string) (Lockout, error)
	// UpsertLockout creates the user's state or lets f change it, and
	// returns what it stored. f gets the existing state, or a zero one with
	// the key fields set; it cannot change the key fields.
	UpsertLockout(ctx context.Context, tenantID, userID string, f func(Lockout) (Lockout, error)) (Lockout, error)
	// DeleteLockout forgets the user's state (ErrNotFound when there is none).
	DeleteLockout(ctx context.Context, tenantID, userID string) error
}
