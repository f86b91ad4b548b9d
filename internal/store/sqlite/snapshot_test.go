package sqlite

import (
	"database/sql"
	"errors"
	"os"
	"path/filepath"
	"testing"

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
