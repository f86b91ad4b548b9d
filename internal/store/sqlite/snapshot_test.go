package sqlite

import (
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"graphgate/internal/store"
)

// A snapshot saved by a store of another schema version is refused, and
// the store is left as it was.
func TestRestoreRefusesAnotherSchemaVersion(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(t.Context(), dir)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ten := store.Tenant{ID: "11111111-2222-4333-8444-555555555555", DisplayName: "Before", Kind: store.TenantWork, Domains: []string{"before.example"}}
	if err := s.CreateTenant(t.Context(), ten); err != nil {
		t.Fatal(err)
	}
	if _, err := s.SaveSnapshot(t.Context(), "old", false); err != nil {
		t.Fatal(err)
	}
	// The snapshot as a newer graphgate would have written it.
	db, err := sql.Open("sqlite", filepath.Join(dir, SnapshotDir, "old.db"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`INSERT INTO schema_migrations (version, name, applied_at) VALUES (999, 'future', 0)`); err != nil {
		t.Fatal(err)
	}
	db.Close()
	other := store.Tenant{ID: "66666666-2222-4333-8444-555555555555", DisplayName: "After", Kind: store.TenantWork, Domains: []string{"after.example"}}
	if err := s.CreateTenant(t.Context(), other); err != nil {
		t.Fatal(err)
	}
	err = s.RestoreSnapshot(t.Context(), "old")
	if !errors.Is(err, store.ErrSnapshotVersion) {
		t.Fatalf("RestoreSnapshot of a version-999 snapshot = %v, want ErrSnapshotVersion", err)
	}
	if _, err := s.GetTenant(t.Context(), other.ID); err != nil {
		t.Errorf("the refused restore changed the store: %v", err)
	}
	// The snapshot file is owner-only, like the database.
	if fi, err := os.Stat(filepath.Join(dir, SnapshotDir, "old.db")); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("snapshot file: %v, %v", fi, err)
	}
}

// TestSnapshotsLeaveTheLogs: the logs are in logs.db, which snapshots,
// restores and Wipe do not touch — as before the move, when restore and
// Wipe kept the log tables (store.SnapshotKeepTables): every row appended
// before and after a save is there after a restore and after a wipe.
func TestSnapshotsLeaveTheLogs(t *testing.T) {
	ctx := t.Context()
	s := open(t, t.TempDir())
	n := 0
	appendBoth := func() {
		t.Helper()
		n++
		id := fmt.Sprint("r", n)
		if err := s.AppendDecisions(ctx, []store.Decision{{Time: time.Now(), RequestID: id, TenantID: "t"}}); err != nil {
			t.Fatal(err)
		}
		if err := s.AppendSignIns(ctx, []store.SignIn{{ID: id, Time: time.Now(), TenantID: "t"}}); err != nil {
			t.Fatal(err)
		}
	}
	appendBoth()
	if _, err := s.SaveSnapshot(ctx, "s", false); err != nil {
		t.Fatal(err)
	}
	appendBoth()
	for _, tc := range []struct {
		name string
		run  func() error
	}{
		{"restore", func() error { return s.RestoreSnapshot(ctx, "s") }},
		{"wipe", func() error { return s.Wipe(ctx, nil) }},
	} {
		if err := tc.run(); err != nil {
			t.Fatal(err)
		}
		ds, err := s.ListDecisions(ctx, store.DecisionQuery{})
		if err != nil {
			t.Fatal(err)
		}
		ss, err := s.ListSignIns(ctx, store.SignInQuery{TenantID: "t"})
		if err != nil {
			t.Fatal(err)
		}
		if len(ds) != n || len(ss) != n {
			t.Errorf("after %s: %d decisions and %d sign-ins, want %d of each", tc.name, len(ds), len(ss), n)
		}
		appendBoth()
	}
}
