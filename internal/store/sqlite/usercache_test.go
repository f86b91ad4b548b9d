package sqlite

import (
	"bufio"
	"context"
	"os"
	"testing"
	"time"

	"graphgate/internal/store"
)

// The user cache (Store.users) answers GetUser without a query only while
// the WAL index says nothing was committed since the cached read. These
// tests change the user every way a change can arrive — this Store, another
// Store on the file, another process — and check that the next GetUser sees
// it, and that unchanged reads do come from the cache.

const renameTo = "GRAPHGATE_SQLITE_TEST_RENAME" // "rename": the new display name

// renameChild renames the user u1 of tenant t1 (another process's write).
func renameChild(ctx context.Context, s *Store, _ *bufio.Writer) error {
	return s.UpdateUser(ctx, "t1", "u1", func(u store.User) (store.User, error) {
		u.DisplayName = os.Getenv(renameTo)
		return u, nil
	})
}

func TestUserCache(t *testing.T) {
	dir := t.TempDir()
	ctx := t.Context()
	s := open(t, dir)
	if s.watch == nil {
		t.Fatal("the WAL index is not watched: every GetUser queries the database")
	}
	if err := s.CreateTenant(ctx, store.Tenant{ID: "t1", Kind: store.TenantWork}); err != nil {
		t.Fatal(err)
	}
	u := store.User{ID: "u1", TenantID: "t1", UserPrincipalName: "u1@contoso.com", DisplayName: "v0",
		BusinessPhones: []string{"+1 555"}, Roles: []string{"r1"}, AccountEnabled: true, Version: 1}
	if err := s.CreateUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	get := func(want string) store.User {
		t.Helper()
		got, err := s.GetUser(ctx, "t1", "u1")
		if err != nil {
			t.Fatal(err)
		}
		if got.DisplayName != want {
			t.Fatalf("displayName %q, want %q", got.DisplayName, want)
		}
		return got
	}
	hits := func() uint64 { return s.userHits.Load() }

	get("v0")
	h := hits()
	got := get("v0")
	if hits() != h+1 {
		t.Fatalf("an unchanged user was read again from the database (hits %d → %d)", h, hits())
	}
	// What a caller gets is its own copy.
	got.BusinessPhones[0], got.Roles[0] = "changed", "changed"
	if again := get("v0"); again.BusinessPhones[0] != "+1 555" || again.Roles[0] != "r1" {
		t.Fatalf("a caller's change reached the cache: %v %v", again.BusinessPhones, again.Roles)
	}

	// A write through this Store.
	rename := func(s *Store, name string) {
		t.Helper()
		if err := s.UpdateUser(ctx, "t1", "u1", func(u store.User) (store.User, error) {
			u.DisplayName = name
			return u, nil
		}); err != nil {
			t.Fatal(err)
		}
	}
	rename(s, "v1")
	get("v1")
	get("v1")

	// Any commit invalidates, even of another object: the stamp is the
	// database's, not the user's.
	h = hits()
	if err := s.CreateTenant(ctx, store.Tenant{ID: "t2", Kind: store.TenantWork}); err != nil {
		t.Fatal(err)
	}
	get("v1")
	if hits() != h {
		t.Fatal("a cached user was served after another commit")
	}

	// A write through another Store on the same file (its own pools).
	other := open(t, dir)
	rename(other, "v2")
	get("v2")

	// A write by another process.
	cmd, _ := startChild(t, "rename", childDB+"="+dir, renameTo+"=v3")
	if err := cmd.Wait(); err != nil {
		t.Fatalf("child: %v", err)
	}
	get("v3")

	// A deleted user is gone at once.
	if err := other.DeleteUser(ctx, "t1", "u1"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.GetUser(ctx, "t1", "u1"); err == nil {
		t.Fatal("a deleted user was still served")
	}
}

// TestUserCacheAcrossReopen: closing every connection and opening again
// (SQLite may then truncate and rebuild the -shm file) leaves a working,
// correct cache.
func TestUserCacheAcrossReopen(t *testing.T) {
	dir := t.TempDir()
	ctx := t.Context()
	s, err := Open(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.CreateTenant(ctx, store.Tenant{ID: "t1", Kind: store.TenantWork}); err != nil {
		t.Fatal(err)
	}
	if err := s.CreateUser(ctx, store.User{ID: "u1", TenantID: "t1", UserPrincipalName: "u1@contoso.com", DisplayName: "a", Version: 1}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.GetUser(ctx, "t1", "u1"); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s = open(t, dir)
	other := open(t, dir)
	for i, name := range []string{"b", "c", "d"} {
		if err := other.UpdateUser(ctx, "t1", "u1", func(u store.User) (store.User, error) {
			u.DisplayName = name
			return u, nil
		}); err != nil {
			t.Fatal(err)
		}
		for range 2 {
			u, err := s.GetUser(ctx, "t1", "u1")
			if err != nil || u.DisplayName != name {
				t.Fatalf("round %d: %q %v, want %q", i, u.DisplayName, err, name)
			}
		}
	}
}

// TestUserCacheAcrossLogWrites: the logs live in a file of their own, so
// their commits — the server appends decisions continuously under load —
// leave the tenant file's WAL stamp alone and the cached user is served;
// a tenant write between the same two reads still invalidates it.
func TestUserCacheAcrossLogWrites(t *testing.T) {
	ctx := t.Context()
	s := open(t, t.TempDir())
	if err := s.CreateTenant(ctx, store.Tenant{ID: "t1", Kind: store.TenantWork}); err != nil {
		t.Fatal(err)
	}
	if err := s.CreateUser(ctx, store.User{ID: "u1", TenantID: "t1", UserPrincipalName: "u1@contoso.com", DisplayName: "a", Version: 1}); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name    string
		between func() error
		hit     bool
	}{
		{"decision appended", func() error {
			return s.AppendDecisions(ctx, []store.Decision{{Time: time.Now(), RequestID: "r", TenantID: "t1", Method: "GET", Path: "/me"}})
		}, true},
		{"sign-in appended", func() error {
			return s.AppendSignIns(ctx, []store.SignIn{{ID: "s1", Time: time.Now(), TenantID: "t1"}})
		}, true},
		{"decisions pruned", func() error {
			_, err := s.PruneDecisions(ctx, time.Now().Add(time.Hour), 0, 100)
			return err
		}, true},
		{"tenant write", func() error { return s.CreateTenant(ctx, store.Tenant{ID: "t2", Kind: store.TenantWork}) }, false},
	} {
		if _, err := s.GetUser(ctx, "t1", "u1"); err != nil {
			t.Fatal(err)
		}
		if err := tc.between(); err != nil {
			t.Fatal(err)
		}
		h := s.userHits.Load()
		if _, err := s.GetUser(ctx, "t1", "u1"); err != nil {
			t.Fatal(err)
		}
		if hit := s.userHits.Load() == h+1; hit != tc.hit {
			t.Errorf("%s between two reads: served from the cache %v, want %v", tc.name, hit, tc.hit)
		}
	}
}
