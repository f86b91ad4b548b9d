package cli

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"graphgate/internal/demo"
	"graphgate/internal/identity"
	"graphgate/internal/password"
	"graphgate/internal/pgtest"
	"graphgate/internal/store/sqlite"
)

// seedDemo creates the demo tenant in a data folder, with fast password
// hashing.
func seedDemo(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	ctx := t.Context()
	st, err := sqlite.Open(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	hash, err := identity.SecretHasher(ctx, st)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := demo.Seed(ctx, st, demo.Options{SecretHash: hash, Passwords: password.Fast}); err != nil {
		t.Fatal(err)
	}
	return dir
}

func TestExportImport(t *testing.T) {
	src := seedDemo(t)
	file := filepath.Join(t.TempDir(), "contoso.jsonl")

	code, _, stderr := runCLI("export", "--data", src, "--out", file)
	if code != 0 || !strings.Contains(stderr, "exported Contoso (contoso.onmicrosoft.com) to "+file) || !strings.Contains(stderr, "6 users") {
		t.Fatalf("export: %d\n%s", code, stderr)
	}
	if fi, err := os.Stat(file); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("the export file: %v, %v", fi, err)
	}
	a, _ := os.ReadFile(file)
	code, stdout, _ := runCLI("export", "--data", src, "--tenant", demo.TenantDomain, "--out", "-")
	if code != 0 || stdout != string(a) {
		t.Fatalf("export to standard output: %d, %d bytes; the file has %d", code, len(stdout), len(a))
	}

	// Into a new data folder, and out again: the same file.
	dst := filepath.Join(t.TempDir(), "restored")
	code, _, stderr = runCLI("import", "--data", dst, "--in", file)
	if code != 0 || !strings.Contains(stderr, "imported tenant "+demo.TenantID) {
		t.Fatalf("import: %d\n%s", code, stderr)
	}
	if code, stdout, _ = runCLI("export", "--data", dst, "--out", "-"); code != 0 || stdout != string(a) {
		t.Fatalf("export of the imported tenant differs (%d)", code)
	}
	// The personal-accounts tenant travels in a file of its own.
	personal := filepath.Join(t.TempDir(), "consumers.jsonl")
	if code, _, stderr = runCLI("export", "--data", src, "--tenant", "consumers", "--out", personal); code != 0 || !strings.Contains(stderr, "1 user") {
		t.Fatalf("export --tenant consumers: %d\n%s", code, stderr)
	}
	if code, _, stderr = runCLI("import", "--data", dst, "--in", personal); code != 0 {
		t.Fatalf("import of the consumers tenant: %d\n%s", code, stderr)
	}
	p, _ := os.ReadFile(personal)
	if code, stdout, _ = runCLI("export", "--data", dst, "--tenant", "consumers", "--out", "-"); code != 0 || stdout != string(p) {
		t.Fatalf("export of the imported consumers tenant differs (%d)", code)
	}
	// The demo command reads the imported credentials.
	if code, stdout, _ = runCLI("demo", "--data", dst); code != 0 || !strings.Contains(stdout, "adele@contoso.onmicrosoft.com") {
		t.Fatalf("demo on the imported folder: %d\n%s", code, stdout)
	}

	// Again: refused without --replace, changing nothing; fine with it.
	code, _, stderr = runCLI("import", "--data", dst, "--in", file)
	if code != ExitUsage || !strings.Contains(stderr, "--replace") {
		t.Fatalf("a second import: %d\n%s", code, stderr)
	}
	if code, _, stderr = runCLI("import", "--data", dst, "--in", file, "--replace"); code != 0 {
		t.Fatalf("import --replace: %d\n%s", code, stderr)
	}

	// A bad file is a usage error; a missing tenant is not found.
	bad := filepath.Join(t.TempDir(), "bad.jsonl")
	os.WriteFile(bad, a[:len(a)/2], 0o600)
	if code, _, stderr = runCLI("import", "--data", t.TempDir(), "--in", bad); code != ExitUsage || !strings.Contains(stderr, "not a valid graphgate export") {
		t.Fatalf("a truncated file: %d\n%s", code, stderr)
	}
	if code, _, stderr = runCLI("export", "--data", src, "--tenant", "nowhere.example", "--out", "-"); code != ExitNotFound {
		t.Fatalf("export of a missing tenant: %d\n%s", code, stderr)
	}
	if code, _, _ = runCLI("export", "--data", filepath.Join(t.TempDir(), "none"), "--out", "-"); code != ExitNotFound {
		t.Fatalf("export from a folder without data: %d", code)
	}
	if code, _, stderr = runCLI("import", "--data", dst, "--in", file, "--settings", "sometimes"); code != ExitUsage {
		t.Fatalf("--settings sometimes: %d\n%s", code, stderr)
	}
}

// TestImportIntoPostgres: --store moves a tenant from SQLite to
// PostgreSQL, and --store reads it back identically.
func TestImportIntoPostgres(t *testing.T) {
	dsn := pgtest.FreshSchema(t)
	src := seedDemo(t)
	file := filepath.Join(t.TempDir(), "contoso.jsonl")
	if code, _, stderr := runCLI("export", "--data", src, "--out", file, "--signing-keys"); code != 0 {
		t.Fatalf("export: %d\n%s", code, stderr)
	}
	if code, _, stderr := runCLI("import", "--store", dsn, "--in", file); code != 0 || strings.Contains(stderr, "xxx") {
		t.Fatalf("import into PostgreSQL: %d\n%s", code, stderr)
	}
	a, _ := os.ReadFile(file)
	t.Setenv("GRAPHGATE_STORE", dsn)
	code, stdout, stderr := runCLI("export", "--out", "-", "--signing-keys")
	if code != 0 || !bytes.Equal([]byte(stdout), a) {
		t.Fatalf("export from PostgreSQL (GRAPHGATE_STORE): %d, %d bytes, want %d\n%s", code, len(stdout), len(a), stderr)
	}
	// Admin commands use the store too.
	if code, stdout, _ := runCLI("user", "list"); code != 0 || !strings.Contains(stdout, "megan@contoso.onmicrosoft.com") {
		t.Fatalf("user list on PostgreSQL: %d\n%s", code, stdout)
	}
}

func TestTransferHelp(t *testing.T) {
	for _, tc := range []struct {
		cmd  string
		want []string
	}{
		{"export", []string{"--signing-keys", "--out", "JSON Lines", "byte-identical", "one consistent snapshot", "Exit codes"}},
		{"import", []string{"--replace", "--settings", "one transaction", "overwrite", "--skip-signing-keys", "Exit codes"}},
		{"serve", []string{"--store", "GRAPHGATE_STORE", "replicas"}},
	} {
		code, stdout, _ := runCLI(tc.cmd, "--help")
		if code != 0 {
			t.Errorf("%s --help: exit %d", tc.cmd, code)
		}
		for _, w := range tc.want {
			if !strings.Contains(stdout, w) {
				t.Errorf("%s --help lacks %q", tc.cmd, w)
			}
		}
	}
	// A password in GRAPHGATE_STORE never shows in help.
	t.Setenv("GRAPHGATE_STORE", "postgres://u:hunter2@db/gg")
	if _, stdout, _ := runCLI("serve", "--help"); strings.Contains(stdout, "hunter2") {
		t.Error("serve --help shows the password of GRAPHGATE_STORE")
	}
}
