package directory_test

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"graphgate/internal/directory"
	"graphgate/internal/password"
	"graphgate/internal/pgtest"
	"graphgate/internal/store"
	"graphgate/internal/store/postgres"
	"graphgate/internal/store/sqlite"
)

// t0 is the tests' clock: every change happens at it.
var t0 = time.Date(2025, 3, 14, 9, 26, 53, 589_000_000, time.UTC)

// Fixtures every test starts with (see newFixture).
const (
	contosoID = "6e2f1a4c-8b3d-4f5e-9a7b-2c1d0e9f8a7b"
	adeleID   = "0a1b2c3d-1111-4a5b-8c6d-000000000002"
	meganID   = "0a1b2c3d-1111-4a5b-8c6d-000000000003"
	sharedID  = "0a1b2c3d-1111-4a5b-8c6d-000000000006"
	samID     = "0a1b2c3d-2222-4a5b-8c6d-000000000007"
	webAppID  = "2f7c9e1a-4b6d-4c8e-a0b2-3d5f7a9c1e3b"
)

// fixture is a service over a store holding Contoso (contoso.onmicrosoft.com
// and contoso.com), the personal-accounts tenant, Adele and Megan
// (members), a shared mailbox, Sam (a personal account) and one app.
type fixture struct {
	st  store.Store
	dir *directory.Service
	app store.App
}

// eachStore runs f with the fixture on a fresh SQLite store and on a
// fresh PostgreSQL store.
func eachStore(t *testing.T, f func(t *testing.T, x *fixture)) {
	t.Helper()
	eachEmptyStore(t, func(t *testing.T, st store.Store) { f(t, newFixture(t, st)) })
}

// eachEmptyStore runs f on a fresh SQLite store and a fresh PostgreSQL
// store (skipped without a server, failing under CI: package pgtest).
func eachEmptyStore(t *testing.T, f func(t *testing.T, st store.Store)) {
	t.Helper()
	t.Run("sqlite", func(t *testing.T) {
		st, err := sqlite.Open(t.Context(), t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		f(t, st)
	})
	t.Run("postgres", func(t *testing.T) {
		st, err := postgres.Open(t.Context(), pgtest.FreshSchema(t))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		f(t, st)
	})
}

// newIDs makes the ids of the fixture's service: 00000000-0000-4000-8000-000000000001, …
func newIDs() func() string {
	n := 0
	return func() string {
		n++
		return fmt.Sprintf("00000000-0000-4000-8000-%012d", n)
	}
}

func newFixture(t *testing.T, st store.Store) *fixture {
	t.Helper()
	ctx := t.Context()
	x := &fixture{st: st, dir: directory.New(st, directory.Options{Passwords: password.Fast, Now: func() time.Time { return t0 }, NewID: newIDs()})}
	must(t, st.CreateTenant(ctx, store.Tenant{ID: contosoID, DisplayName: "Contoso", Kind: store.TenantWork,
		Domains: []string{"contoso.onmicrosoft.com", "contoso.com"}, CreatedAt: t0}))
	must(t, st.CreateTenant(ctx, store.Tenant{ID: store.PersonalTenantID, DisplayName: "Microsoft Accounts", Kind: store.TenantPersonal,
		Domains: directory.PersonalDomains(), CreatedAt: t0}))
	for _, u := range []store.User{
		{ID: adeleID, TenantID: contosoID, UserPrincipalName: "adele@contoso.onmicrosoft.com", DisplayName: "Adele Vance", Kind: store.UserMember, AccountEnabled: true},
		{ID: meganID, TenantID: contosoID, UserPrincipalName: "megan@contoso.onmicrosoft.com", DisplayName: "Megan Bowen", Kind: store.UserMember, AccountEnabled: true},
		{ID: sharedID, TenantID: contosoID, UserPrincipalName: "support@contoso.onmicrosoft.com", DisplayName: "Contoso Support", Kind: store.UserSharedMailbox},
		{ID: samID, TenantID: store.PersonalTenantID, UserPrincipalName: "sam.personal@outlook.com", DisplayName: "Sam Personal", Kind: store.UserPersonal, AccountEnabled: true},
	} {
		u.CreatedAt, u.Version = t0, 1
		must(t, st.CreateUser(ctx, u))
	}
	x.app = store.App{AppID: webAppID, ObjectID: "9d0e1f2a-3b4c-4d5e-8f6a-7b8c9d0e1f2a", TenantID: contosoID, DisplayName: "Contoso Web App",
		SignInAudience: store.AudienceMultipleOrgsAndPersonal, CreatedAt: t0, Version: 1}
	must(t, st.CreateApp(ctx, x.app))
	return x
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// wantErr checks err against want: nil, a sentinel (errors.Is), or a
// *directory.ValidationError whose Field must match.
func wantErr(t *testing.T, what string, err, want error) {
	t.Helper()
	var wantVE *directory.ValidationError
	switch {
	case want == nil:
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	case errors.As(want, &wantVE):
		var ve *directory.ValidationError
		if !errors.As(err, &ve) || ve.Field != wantVE.Field {
			t.Fatalf("%s: got %v (%T), want a validation error of %s", what, err, err, wantVE.Field)
		}
		if wantVE.Values != nil && !slices.Equal(ve.Values, wantVE.Values) {
			t.Errorf("%s: values %v, want %v", what, ve.Values, wantVE.Values)
		}
	default:
		if !errors.Is(err, want) {
			t.Fatalf("%s: got %v, want %v", what, err, want)
		}
	}
}

func invalid(field string, values ...string) error {
	return &directory.ValidationError{Field: field, Values: values}
}

func (x *fixture) user(t *testing.T, tenantID, id string) store.User {
	t.Helper()
	u, err := x.st.GetUser(t.Context(), tenantID, id)
	must(t, err)
	return u
}

// grants lists the app's delegated grants in Contoso as "type principal:
// scopes".
func (x *fixture) grants(t *testing.T, tenantID string) map[string][]string {
	t.Helper()
	gs, err := x.st.ListDelegatedGrants(t.Context(), tenantID)
	must(t, err)
	out := map[string][]string{}
	for _, g := range gs {
		out[string(g.ConsentType)+" "+g.PrincipalID] = g.Scopes
	}
	return out
}

func (x *fixture) roles(t *testing.T, tenantID string) []string {
	t.Helper()
	as, err := x.st.AppRoleAssignments(t.Context(), tenantID, x.app.AppID)
	must(t, err)
	out := []string{}
	for _, a := range as {
		out = append(out, a.Permission)
	}
	slices.Sort(out)
	return out
}

// refreshToken stores a live refresh token of the user.
func (x *fixture) refreshToken(t *testing.T, tenantID, userID, value string) {
	t.Helper()
	h := sha256.Sum256([]byte(value))
	must(t, x.st.CreateRefreshToken(context.Background(), store.RefreshToken{Hash: h[:], FamilyID: value, TenantID: tenantID, ClientID: x.app.AppID,
		UserID: userID, Scopes: []string{"User.Read"}, AuthTime: t0, CreatedAt: t0, ExpiresAt: t0.Add(24 * time.Hour)}))
}
