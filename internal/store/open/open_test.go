package open

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"graphgate/internal/pgtest"
	"graphgate/internal/store/sqlite"
)

func TestParse(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		spec, data string
		want       Spec
		err        string
	}{
		{"", "data", Spec{Kind: SQLite, Dir: "data"}, ""},
		{"sqlite:", "data", Spec{Kind: SQLite, Dir: "data"}, ""},
		{"SQLite:", "data", Spec{Kind: SQLite, Dir: "data"}, ""},
		{"sqlite:/var/lib/gg", "data", Spec{Kind: SQLite, Dir: "/var/lib/gg"}, ""},
		{"sqlite:///var/lib/gg", "data", Spec{Kind: SQLite, Dir: "/var/lib/gg"}, ""},
		{"./other", "data", Spec{Kind: SQLite, Dir: "./other"}, ""},
		{"postgres://u:pw@db:5432/gg?sslmode=disable", "data", Spec{Kind: Postgres, DSN: "postgres://u:pw@db:5432/gg?sslmode=disable"}, ""},
		{"postgresql://db/gg", "", Spec{Kind: Postgres, DSN: "postgresql://db/gg"}, ""},
		{"", "", Spec{}, "--data"},
		{"mysql://db/gg", "data", Spec{}, "unsupported store"},
	} {
		got, err := Parse(tc.spec, tc.data)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("Parse(%q, %q): error %v, want one with %q", tc.spec, tc.data, err, tc.err)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("Parse(%q, %q) = %+v, %v; want %+v", tc.spec, tc.data, got, err, tc.want)
		}
	}
	if s := (Spec{Kind: Postgres, DSN: "postgres://u:secret@db/gg?password=secret2"}).String(); strings.Contains(s, "secret") {
		t.Errorf("String shows the password: %s", s)
	}
}

func TestOpenSQLite(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	st, err := Open(t.Context(), "", dir)
	if err != nil {
		t.Fatal(err)
	}
	st.Close()
	if _, err := os.Stat(filepath.Join(dir, sqlite.FileName)); err != nil {
		t.Fatalf("no database in the data folder: %v", err)
	}
	other := filepath.Join(t.TempDir(), "elsewhere")
	st, err = Open(t.Context(), "sqlite:"+other, dir)
	if err != nil {
		t.Fatal(err)
	}
	st.Close()
	if _, err := os.Stat(filepath.Join(other, sqlite.FileName)); err != nil {
		t.Fatalf("no database in the sqlite: folder: %v", err)
	}
}

// TestOpenUnreachable: a PostgreSQL URL nobody answers fails promptly,
// naming the address and not the password.
func TestOpenUnreachable(t *testing.T) {
	t.Parallel()
	start := time.Now()
	_, err := Open(t.Context(), "postgres://graphgate:secret@127.0.0.1:1/gg?sslmode=disable&connect_timeout=2", "data")
	if err == nil {
		t.Fatal("Open of an unreachable PostgreSQL succeeded")
	}
	msg := err.Error()
	if !strings.HasPrefix(msg, "cannot reach PostgreSQL at 127.0.0.1:1: ") || strings.Contains(msg, "secret") {
		t.Errorf("error %q", msg)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("took %v", d)
	}
	_, err = Open(t.Context(), "postgres://u:secret@[::1/x", "data")
	if err == nil || strings.Contains(err.Error(), "secret") {
		t.Errorf("invalid URL: %v", err)
	}
}

// TestOpenPostgres opens the test server on a fresh schema.
func TestOpenPostgres(t *testing.T) {
	t.Parallel()
	dsn := pgtest.FreshSchema(t)
	st, err := Open(t.Context(), dsn, "")
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if _, err := st.ListTenants(t.Context()); err != nil {
		t.Fatal(err)
	}
}
