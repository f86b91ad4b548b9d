package demo

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"graphgate/internal/password"
	"graphgate/internal/roles"
	"graphgate/internal/store"
)

// Fixed identifiers, so documentation and tests can name them.
const (
	TenantID     = "6e2f1a4c-8b3d-4f5e-9a7b-2c1d0e9f8a7b"
	TenantDomain = "contoso.onmicrosoft.com"

	HomeAssistantAppID = "8b1e4a3c-5d6f-4e2a-9c7b-1a0d3e5f7b9c"
	WebAppID           = "2f7c9e1a-4b6d-4c8e-a0b2-3d5f7a9c1e3b"
	DaemonAppID        = "c4a6e8b0-2d4f-4a6c-8e0a-5b7d9f1a3c5e"
	APIAppID           = "e1d3f5a7-9b0c-4d2e-8f6a-7c9e1b3d5f7a"

	// NativeClientRedirect is Microsoft's page for apps where the user pastes
	// the returned address (the Home Assistant integration's default).
	NativeClientRedirect = "https://login.microsoftonline.com/common/oauth2/nativeclient"
)

// Settings of the demo tenant: settingCredentials keeps the generated
// passwords and secrets once seeding is complete; settingPlan is the
// description seeders agree on before (see Seed).
const (
	settingCredentials = "demo.credentials"
	settingPlan        = "demo.plan"
)

// User is one demo user as `graphgate demo --json` prints it.
type User struct {
	Key               string   `json:"key"`
	ID                string   `json:"id"`
	UserPrincipalName string   `json:"userPrincipalName"`
	DisplayName       string   `json:"displayName"`
	Password          string   `json:"password,omitempty"`
	Kind              string   `json:"kind"`
	Roles             []string `json:"roles,omitempty"`
	TenantID          string   `json:"tenantId"`
	Note              string   `json:"note,omitempty"`
}

// App is one demo app.
type App struct {
	Key            string   `json:"key"`
	ClientID       string   `json:"clientId"`
	DisplayName    string   `json:"displayName"`
	Secret         string   `json:"secret,omitempty"`
	PublicClient   bool     `json:"publicClient"`
	SignInAudience string   `json:"signInAudience"`
	RedirectURIs   []string `json:"redirectUris,omitempty"`
	Delegated      []string `json:"requiredScopes,omitempty"`
	Application    []string `json:"requiredRoles,omitempty"`
	AdminConsented []string `json:"adminConsented,omitempty"`
	Note           string   `json:"note,omitempty"`
}

// Group is one demo group.
type Group struct {
	Key         string   `json:"key"`
	ID          string   `json:"id"`
	DisplayName string   `json:"displayName"`
	Visibility  string   `json:"visibility"`
	Members     []string `json:"members"`
	Owners      []string `json:"owners"`
}

// Tenant is the demo tenant as `graphgate demo --json` prints it.
type Tenant struct {
	TenantID         string  `json:"tenantId"`
	Domain           string  `json:"domain"`
	PersonalTenantID string  `json:"personalTenantId"`
	Users            []User  `json:"users"`
	Groups           []Group `json:"groups"`
	Apps             []App   `json:"apps"`
}

// UserByKey finds a demo user by key (admin, adele, megan, …).
func (t *Tenant) UserByKey(k string) (User, bool) {
	for _, u := range t.Users {
		if u.Key == k {
			return u, true
		}
	}
	return User{}, false
}

// AppByKey finds a demo app by key (homeassistant, webapp, daemon, api).
func (t *Tenant) AppByKey(k string) (App, bool) {
	for _, a := range t.Apps {
		if a.Key == k {
			return a, true
		}
	}
	return App{}, false
}

// Options tune seeding.
type Options struct {
	// SecretHash hashes client secrets as the identity platform stores them.
	SecretHash func(secret string) []byte
	// Passwords are the argon2id parameters (password.Default for servers,
	// password.Fast for tests).
	Passwords password.Params
	Now       time.Time
	// Seed, when set, derives every password, client secret, app object id
	// and workload item id from it instead of crypto/rand, so that two
	// seedings with one seed give identical tenants (graphgate --seed, for
	// reproducible CI fixtures). The identity platform's keys follow the
	// same seed when the server is given it (identity.Config.Seed); signing
	// keys do not (see README).
	Seed string
}

// ErrNotSeeded is returned by Load when the store holds no demo tenant.
var ErrNotSeeded = errors.New("demo: this data folder has no demo tenant")

// Load returns the demo tenant's description, with its passwords and secrets.
func Load(ctx context.Context, st store.Settings) (*Tenant, error) {
	b, err := st.Setting(ctx, settingCredentials)
	if errors.Is(err, store.ErrNotFound) || err == nil && len(b) == 0 {
		// (Empty: an earlier graphgate's `graphgate demo` on a fresh folder
		// could leave an empty value; seeding repairs it.)
		return nil, ErrNotSeeded
	}
	if err != nil {
		return nil, err
	}
	var t Tenant
	if err := json.Unmarshal(b, &t); err != nil {
		return nil, fmt.Errorf("demo: stored description: %w", err)
	}
	return &t, nil
}

// Seeded reports whether the store already has the demo tenant.
func Seeded(ctx context.Context, st store.Store) (bool, error) {
	_, err := st.GetTenant(ctx, TenantID)
	if errors.Is(err, store.ErrNotFound) {
		return false, nil
	}
	return err == nil, err
}

// Seed creates the demo tenant unless it exists, and returns its
// description; created reports whether this call's plan was the one used.
//
// Seeding is idempotent and safe when several replicas start on one empty
// store at once, or when an earlier seeding died half-way:
//
//  1. The description with fresh random passwords and secrets is offered
//     as the setting demo.plan; the first writer wins (SettingOrCreate), and
//     every seeder goes on with the winning plan.
//  2. Every object is created if absent (a conflict means another seeder,
//     or an earlier attempt, created it). A user or app that exists gets the
//     plan's password or secret, so that what `graphgate demo` prints works
//     whichever seeder's row won. The workload data goes in one atomic
//     batch, skipped if any of it exists.
//  3. Only then is the description stored as demo.credentials, which marks
//     the seeding complete: later starts only read it.
func Seed(ctx context.Context, st store.Store, o Options) (*Tenant, bool, error) {
	if t, err := Load(ctx, st); err == nil {
		return t, false, nil
	} else if !errors.Is(err, ErrNotSeeded) {
		return nil, false, err
	}
	if o.Now.IsZero() {
		o.Now = time.Now().UTC()
	}
	if o.Passwords.Memory == 0 {
		o.Passwords = password.Default
	}
	if o.SecretHash == nil {
		return nil, false, errors.New("demo: SecretHash is required")
	}
	mine, err := json.Marshal(describe(newEntropy(o.Seed)))
	if err != nil {
		return nil, false, err
	}
	plan, err := st.SettingOrCreate(ctx, settingPlan, mine)
	if err != nil {
		return nil, false, err
	}
	var t Tenant
	if err := json.Unmarshal(plan, &t); err != nil {
		return nil, false, fmt.Errorf("demo: stored plan: %w", err)
	}
	if err := build(ctx, st, o, &t); err != nil {
		return nil, false, err
	}
	if err := st.PutSetting(ctx, settingCredentials, plan); err != nil {
		return nil, false, err
	}
	return &t, bytes.Equal(plan, mine), nil
}

func roleIDs(rs ...roles.Role) []string {
	var out []string
	for _, r := range rs {
		out = append(out, r.TemplateID())
	}
	return out
}

func roleNames(rs ...roles.Role) []string {
	var out []string
	for _, r := range rs {
		out = append(out, r.String())
	}
	return out
}

// KeepOnReset says which settings graphgate reset keeps when it wipes the
// store before seeding again: every store-wide key (a running server holds
// them), and the demo's plan — its passwords and secrets, so that what
// `graphgate demo` printed before still works — unless reseed asks for a
// new plan (reset --seed). The mark of a completed seeding always goes, so
// that Seed builds the tenant again.
func KeepOnReset(name string, reseed bool) bool {
	switch name {
	case settingCredentials:
		return false
	case settingPlan:
		return !reseed
	}
	return true
}
