//go:build unix

package server

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"graphgate/internal/password"
	"graphgate/internal/store/sqlite"
	"graphgate/internal/tlsca"
)

// TestDataFolderSecretsAreOwnerOnly: a server started in a data folder that
// exists with mode 0755 keeps every file holding a secret owner-only (the
// database and its WAL and index, the TLS private keys), warns about the
// folder with the command that fixes it, and on the next start tightens
// secret files that were loosened meanwhile, saying so in the log.
func TestDataFolderSecretsAreOwnerOnly(t *testing.T) {
	old := syscall.Umask(0o022)
	t.Cleanup(func() { syscall.Umask(old) })
	dir := filepath.Join(t.TempDir(), "graphgate-data")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	start := func() (*Server, string) {
		t.Helper()
		var logs lockedBuffer
		srv, err := New(context.Background(), Config{DataDir: dir, Passwords: password.Fast,
			Logger: slog.New(slog.NewTextHandler(&logs, nil))})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := srv.TLS(); err != nil {
			t.Fatal(err)
		}
		return srv, logs.String()
	}
	srv, logs := start()
	db := filepath.Join(dir, sqlite.FileName)
	secrets := append([]string{db, db + "-wal", db + "-shm"}, tlsca.PrivateFiles(dir)[1:]...)
	for _, p := range secrets {
		if m := perm(t, p); m != 0o600 {
			t.Errorf("%s: mode %04o, want 0600", p, m)
		}
	}
	if !strings.Contains(logs, "chmod 700 "+dir) {
		t.Errorf("no warning naming the fix for the 0755 data folder:\n%s", logs)
	}
	srv.Close()

	tlsDir := tlsca.PrivateFiles(dir)[0]
	for _, p := range append([]string{tlsDir}, secrets[0], secrets[3], secrets[4]) {
		if err := os.Chmod(p, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	srv, logs = start()
	defer srv.Close()
	for _, p := range append([]string{db}, tlsca.PrivateFiles(dir)...) {
		want := os.FileMode(0o600)
		if p == tlsDir {
			want = 0o700
		}
		if m := perm(t, p); m != want {
			t.Errorf("%s: mode %04o after the restart, want %04o", p, m, want)
		}
		if !strings.Contains(logs, "path="+p+" was=0755") {
			t.Errorf("the log does not say %s was tightened:\n%s", p, logs)
		}
	}
}

func perm(t *testing.T, p string) os.FileMode {
	t.Helper()
	fi, err := os.Stat(p)
	if err != nil {
		t.Fatal(err)
	}
	return fi.Mode().Perm()
}
