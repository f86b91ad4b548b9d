package demo

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"slices"
	"sync"
	"testing"

	"graphgate/internal/password"
	"graphgate/internal/store"
	"graphgate/internal/store/sqlite"
)

func secretHash(s string) []byte {
	h := sha256.Sum256([]byte("key:" + s))
	return h[:]
}

var testOptions = Options{SecretHash: secretHash, Passwords: password.Fast}

func openStore(t *testing.T, dir string) *sqlite.Store {
	t.Helper()
	st, err := sqlite.Open(t.Context(), dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// shape counts what a seeded store holds, to compare seedings.
func shape(t *testing.T, st store.Store) map[string]int {
	t.Helper()
	d, err := st.ExportTenant(t.Context(), TenantID)
	if err != nil {
		t.Fatal(err)
	}
	m := map[string]int{"users": len(d.Users), "groups": len(d.Groups), "units": len(d.AdministrativeUnits),
		"memberships": len(d.Memberships), "apps": len(d.Apps), "sps": len(d.ServicePrincipals),
		"grants": len(d.DelegatedGrants), "assignments": len(d.AppRoleAssignments)}
	for _, it := range d.Items {
		m["item "+it.Kind]++
	}
	for _, a := range d.Apps {
		m["secrets"] += len(a.Secrets)
	}
	return m
}

// checkCredentials checks that every password and secret t describes works
// against the store.
func checkCredentials(t *testing.T, st store.Store, tn *Tenant) {
	t.Helper()
	ctx := t.Context()
	for _, u := range tn.Users {
		su, err := st.GetUser(ctx, u.TenantID, u.ID)
		if err != nil {
			t.Fatal(err)
		}
		if u.Password == "" {
			continue
		}
		if ok, err := password.Verify(u.Password, su.PasswordHash); !ok || err != nil {
			t.Errorf("the password of %s does not verify: %v", u.Key, err)
		}
	}
	for _, a := range tn.Apps {
		if a.Secret == "" {
			continue
		}
		sa, err := st.GetApp(ctx, a.ClientID)
		if err != nil {
			t.Fatal(err)
		}
		found := false
		for _, s := range sa.Secrets {
			found = found || bytes.Equal(s.Hash, secretHash(a.Secret))
		}
		if !found {
			t.Errorf("the secret of %s is not one of the app's", a.Key)
		}
	}
}

func TestSeedOnce(t *testing.T) {
	st := openStore(t, t.TempDir())
	ctx := t.Context()
	tn, created, err := Seed(ctx, st, testOptions)
	if err != nil || !created {
		t.Fatalf("first Seed: created %v, %v", created, err)
	}
	checkCredentials(t, st, tn)
	again, created, err := Seed(ctx, st, testOptions)
	if err != nil || created {
		t.Fatalf("second Seed: created %v, %v", created, err)
	}
	a, _ := json.Marshal(tn)
	b, _ := json.Marshal(again)
	if !bytes.Equal(a, b) {
		t.Error("a second Seed describes another tenant")
	}
	loaded, err := Load(ctx, st)
	if err != nil {
		t.Fatal(err)
	}
	if c, _ := json.Marshal(loaded); !bytes.Equal(a, c) {
		t.Error("Load describes another tenant")
	}
}

// TestSeedConcurrent: replicas starting together on one empty store (here
// three Stores on one SQLite file, several seeders each) end with one
// tenant, one description whose credentials all work, and nothing twice.
func TestSeedConcurrent(t *testing.T) {
	ref := openStore(t, t.TempDir())
	if _, _, err := Seed(t.Context(), ref, testOptions); err != nil {
		t.Fatal(err)
	}
	want := shape(t, ref)

	dir := t.TempDir()
	stores := []store.Store{openStore(t, dir), openStore(t, dir), openStore(t, dir)}
	const n = 6
	tenants := make([]*Tenant, n)
	created := make([]bool, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Go(func() {
			<-start
			tenants[i], created[i], errs[i] = Seed(context.Background(), stores[i%len(stores)], testOptions)
		})
	}
	close(start)
	wg.Wait()
	winners := 0
	for i := range n {
		if errs[i] != nil {
			t.Fatalf("seeder %d: %v", i, errs[i])
		}
		if created[i] {
			winners++
		}
		a, _ := json.Marshal(tenants[0])
		b, _ := json.Marshal(tenants[i])
		if !bytes.Equal(a, b) {
			t.Errorf("seeders 0 and %d describe different tenants", i)
		}
	}
	if winners != 1 {
		t.Errorf("%d seeders report they created the tenant, want 1", winners)
	}
	checkCredentials(t, stores[0], tenants[0])
	got := shape(t, stores[1])
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s: %d after concurrent seeding, %d after one", k, got[k], v)
		}
	}
	if len(got) != len(want) {
		t.Errorf("concurrent seeding: %v, one seeding: %v", got, want)
	}
}

// TestSeedRepairs: a seeding that died half-way (the plan stored, some
// objects created) is completed with the plan's credentials, and an empty
// credentials setting (left by an earlier graphgate's `graphgate demo`) is
// replaced.
func TestSeedRepairs(t *testing.T) {
	ctx := t.Context()
	st := openStore(t, t.TempDir())
	plan := describe(entropy{})
	b, _ := json.Marshal(plan)
	if _, err := st.SettingOrCreate(ctx, settingPlan, b); err != nil {
		t.Fatal(err)
	}
	if err := st.PutSetting(ctx, settingCredentials, nil); err != nil {
		t.Fatal(err)
	}
	// Half-way: the tenant and a user with another password exist.
	if err := st.CreateTenant(ctx, store.Tenant{ID: TenantID, Kind: store.TenantWork, Domains: []string{TenantDomain}}); err != nil {
		t.Fatal(err)
	}
	h, _ := password.Hash("not the plan's", password.Fast)
	if err := st.CreateUser(ctx, store.User{ID: users[1].id, TenantID: TenantID, UserPrincipalName: users[1].upn, PasswordHash: h, Version: 1}); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(ctx, st); err != ErrNotSeeded {
		t.Fatalf("Load of a half-seeded store: %v, want ErrNotSeeded", err)
	}
	tn, created, err := Seed(ctx, st, testOptions)
	if err != nil {
		t.Fatal(err)
	}
	if created {
		t.Error("Seed reports it created a tenant whose plan existed")
	}
	if got, _ := json.Marshal(tn); !bytes.Equal(got, b) {
		t.Error("Seed did not follow the stored plan")
	}
	checkCredentials(t, st, tn)
	if _, err := Load(ctx, st); err != nil {
		t.Fatalf("Load after repair: %v", err)
	}
}

// TestSeedCompletesGroups: a group an earlier seeding created without its
// members (groups were created before their members then) gets them, and
// a user created with another password gets the plan's without losing
// what it has.
func TestSeedCompletesGroups(t *testing.T) {
	ctx := t.Context()
	st := openStore(t, t.TempDir())
	if err := st.CreateTenant(ctx, store.Tenant{ID: TenantID, Kind: store.TenantWork, Domains: []string{TenantDomain}}); err != nil {
		t.Fatal(err)
	}
	marketing := groupSpecs[0]
	g := marketing.g
	g.TenantID = TenantID
	if err := st.CreateGroup(ctx, g, store.Membership{MemberID: userID(marketing.owners[0]), Role: store.RoleOwner}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := Seed(ctx, st, testOptions); err != nil {
		t.Fatal(err)
	}
	for _, part := range []struct {
		role store.MemberRole
		keys []string
	}{{store.RoleMember, marketing.members}, {store.RoleOwner, marketing.owners}} {
		ms, err := st.Members(ctx, TenantID, g.ID, part.role)
		if err != nil {
			t.Fatal(err)
		}
		var got, want []string
		for _, m := range ms {
			got = append(got, m.MemberID)
		}
		for _, k := range part.keys {
			want = append(want, userID(k))
		}
		slices.Sort(got)
		slices.Sort(want)
		if !slices.Equal(got, want) {
			t.Errorf("%ss of Marketing after seeding: %v, want %v", part.role, got, want)
		}
	}
}
