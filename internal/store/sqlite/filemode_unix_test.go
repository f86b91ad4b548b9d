//go:build unix

package sqlite

import (
	"bytes"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"graphgate/internal/store"
)

// TestDatabaseFilesAreOwnerOnly: in a folder that exists with mode 0755 (a
// mkdir with the usual umask, a Docker volume, systemd's StateDirectory),
// the database, its WAL and its shared-memory index are created 0600 —
// they hold the signing keys and the demo's passwords — and the folder's
// mode is reported with the command that fixes it.
func TestDatabaseFilesAreOwnerOnly(t *testing.T) {
	old := syscall.Umask(0o022) // the usual umask, under which SQLite creates 0644
	t.Cleanup(func() { syscall.Umask(old) })
	dir := filepath.Join(t.TempDir(), "data")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	var logs bytes.Buffer
	s, err := OpenWith(t.Context(), dir, Options{Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	// A write to each file, so that the WALs and the indexes exist while the
	// store is open.
	if err := s.CreateTenant(t.Context(), store.Tenant{ID: "t", Kind: store.TenantWork}); err != nil {
		t.Fatal(err)
	}
	if err := s.AppendDecisions(t.Context(), []store.Decision{{Time: time.Now(), RequestID: "r", TenantID: "t"}}); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{FileName, FileName + "-wal", FileName + "-shm", LogsFileName, LogsFileName + "-wal", LogsFileName + "-shm"} {
		if mode := permOf(t, filepath.Join(dir, name)); mode != 0o600 {
			t.Errorf("%s has mode %04o, want 0600", name, mode)
		}
	}
	if mode := permOf(t, dir); mode != 0o755 {
		t.Errorf("the folder's mode was changed to %04o; graphgate must not change a folder it did not create", mode)
	}
	if !strings.Contains(logs.String(), "chmod 700 "+dir) {
		t.Errorf("no warning about the folder readable by others naming the fix:\n%s", logs.String())
	}
}

// TestDatabaseFilesAreTightened: files an older graphgate (or a copy)
// left readable by others are made owner-only at the next open, and the
// log says so; a private folder draws no warning.
func TestDatabaseFilesAreTightened(t *testing.T) {
	dir := t.TempDir()
	if err := os.Chmod(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	s, err := Open(t.Context(), dir)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.CreateTenant(t.Context(), store.Tenant{ID: "t", Kind: store.TenantWork}); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	db, lg := filepath.Join(dir, FileName), filepath.Join(dir, LogsFileName)
	files := []string{db, db + "-wal", db + "-shm", lg, lg + "-wal", lg + "-shm"}
	for _, p := range files {
		// The closed store checkpointed and removed its WAL and index; empty
		// ones are what SQLite finds after a crash of a fresh database.
		if p != db && p != lg {
			if err := os.WriteFile(p, nil, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		if err := os.Chmod(p, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	var logs bytes.Buffer
	s, err = OpenWith(t.Context(), dir, Options{Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := s.GetTenant(t.Context(), "t"); err != nil {
		t.Fatalf("the data did not survive: %v", err)
	}
	for _, p := range files {
		if mode := permOf(t, p); mode != 0o600 {
			t.Errorf("%s has mode %04o after reopening, want 0600", filepath.Base(p), mode)
		}
		if !strings.Contains(logs.String(), p) || !strings.Contains(logs.String(), "was=0644") {
			t.Errorf("the log does not say that %s was tightened:\n%s", p, logs.String())
		}
	}
	if strings.Contains(logs.String(), "chmod 700") {
		t.Errorf("a 0700 folder drew a warning:\n%s", logs.String())
	}
}

func permOf(t *testing.T, p string) fs.FileMode {
	t.Helper()
	fi, err := os.Stat(p)
	if err != nil {
		t.Fatal(err)
	}
	return fi.Mode().Perm()
}
