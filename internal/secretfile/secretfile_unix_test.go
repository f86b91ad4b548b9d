//go:build unix

package secretfile

import (
	"bytes"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

func TestCreate(t *testing.T) {
	old := syscall.Umask(0o022)
	t.Cleanup(func() { syscall.Umask(old) })
	dir := t.TempDir()
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, "db")
	if err := Create(p); err != nil {
		t.Fatal(err)
	}
	if m := mode(t, p); m != 0o600 {
		t.Errorf("created with mode %04o, want 0600", m)
	}
	// An existing file keeps its content (and its mode: Tighten's job).
	if err := os.WriteFile(p, []byte("data"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := Create(p); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(p); string(b) != "data" {
		t.Errorf("Create of an existing file changed it to %q", b)
	}
}

func TestTighten(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		name       string
		dir        bool
		mode, want os.FileMode
		logged     bool
	}{
		{"readable key", false, 0o644, 0o600, true},
		{"executable key", false, 0o755, 0o600, true},
		{"group-writable", false, 0o660, 0o600, true},
		{"private already", false, 0o600, 0o600, false},
		{"read-only private", false, 0o400, 0o400, false},
		{"open folder", true, 0o755, 0o700, true},
		{"private folder", true, 0o700, 0o700, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := filepath.Join(dir, strings.ReplaceAll(tc.name, " ", "-"))
			var err error
			if tc.dir {
				err = os.Mkdir(p, 0o700)
			} else {
				err = os.WriteFile(p, nil, 0o600)
			}
			if err == nil {
				err = os.Chmod(p, tc.mode)
			}
			if err != nil {
				t.Fatal(err)
			}
			var logs bytes.Buffer
			if err := Tighten(slog.New(slog.NewTextHandler(&logs, nil)), p, p+"-missing"); err != nil {
				t.Fatal(err)
			}
			if m := mode(t, p); m != tc.want {
				t.Errorf("mode %04o, want %04o", m, tc.want)
			}
			if got := strings.Contains(logs.String(), "path="+p+" "); got != tc.logged {
				t.Errorf("logged %v, want %v:\n%s", got, tc.logged, logs.String())
			}
		})
	}
}

func TestCheckFolder(t *testing.T) {
	for _, tc := range []struct {
		mode os.FileMode
		warn bool
	}{{0o755, true}, {0o750, true}, {0o711, true}, {0o700, false}} {
		dir := filepath.Join(t.TempDir(), "data")
		if err := os.Mkdir(dir, 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(dir, tc.mode); err != nil {
			t.Fatal(err)
		}
		var logs bytes.Buffer
		CheckFolder(slog.New(slog.NewTextHandler(&logs, nil)), dir)
		if got := strings.Contains(logs.String(), "chmod 700 "+dir); got != tc.warn {
			t.Errorf("folder %04o: warned %v, want %v:\n%s", tc.mode, got, tc.warn, logs.String())
		}
		if m := mode(t, dir); m != tc.mode {
			t.Errorf("CheckFolder changed the folder's mode to %04o", m)
		}
	}
}

func mode(t *testing.T, p string) os.FileMode {
	t.Helper()
	fi, err := os.Stat(p)
	if err != nil {
		t.Fatal(err)
	}
	return fi.Mode().Perm()
}
