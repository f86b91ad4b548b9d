package sqlite

import (
	"database/sql"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"graphgate/internal/store"
)

// openWriter opens only the write pool of dir's database, without migrating.
func openWriter(t *testing.T, dir string) *Store {
	t.Helper()
	path := filepath.Join(dir, FileName)
	w, err := sql.Open("sqlite", dsn(path, true, syncFull))
	if err != nil {
		t.Fatal(err)
	}
	w.SetMaxOpenConns(1)
	t.Cleanup(func() { w.Close() })
	return &Store{path: path, w: w}
}

func TestMigrationFiles(t *testing.T) {
	if len(migrations()) < 2 {
		t.Fatalf("%d migrations", len(migrations()))
	}
	for _, bad := range []fstest.MapFS{
		{"m/0001_a.sql": {}, "m/0003_c.sql": {}},                       // gap
		{"m/0001_a.sql": {}, "m/0001_b.sql": {}},                       // duplicate
		{"m/0001_a.sql": {}, "m/two.sql": {}},                          // no number
		{"m/0000_zero.sql": {}},                                        // not from 1
		{"m/0002_b.sql": {Data: []byte("CREATE TABLE b (x INTEGER)")}}, // not from 1
	} {
		if _, err := store.LoadMigrations(bad, "m"); err == nil {
			t.Errorf("loadMigrations accepted %v", bad)
		}
	}
}

// TestMigrateUpgradesOldDatabase builds a database as the first migration
// left it, with data, and checks that Open upgrades it and keeps the data.
func TestMigrateUpgradesOldDatabase(t *testing.T) {
	dir := t.TempDir()
	ctx := t.Context()
	old := openWriter(t, dir)
	if err := migrate(ctx, old, migrations()[:1]); err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{
		`INSERT INTO tenants (id, display_name, kind, created_at) VALUES ('t1', 'Contoso', 'work', 1700000000123)`,
		`INSERT INTO tenant_domains (domain_key, domain, tenant_id, position) VALUES ('contoso.com', 'Contoso.com', 't1', 0)`,
		`INSERT INTO users (tenant_id, id, upn, upn_key, display_name, given_name, surname, mail, job_title, department,
			office_location, mobile_phone, business_phones, preferred_language, usage_location, kind, account_enabled,
			password_hash, roles, manager_id, created_at, version)
		 VALUES ('t1', 'u1', 'AdeleV@contoso.com', 'adelev@contoso.com', 'Adele', '', '', '', '', '', '', '', '["1"]',
			'', '', 'member', 1, '$argon2id$x', '[]', '', 1700000000456, 3)`,
	} {
		if _, err := old.w.ExecContext(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := old.w.ExecContext(ctx, `SELECT 1 FROM apps`); err == nil {
		t.Fatal("the version-1 database already has the apps table")
	}
	old.w.Close()

	s := open(t, dir)
	if got, want := appliedVersions(t, s), fmt.Sprint(versions(len(migrations()))); got != want {
		t.Errorf("applied versions %s, want %s", got, want)
	}
	u, err := s.UserByUPN(ctx, "adelev@CONTOSO.com")
	if err != nil {
		t.Fatal(err)
	}
	want := store.User{TenantID: "t1", ID: "u1", UserPrincipalName: "AdeleV@contoso.com", DisplayName: "Adele",
		BusinessPhones: []string{"1"}, Kind: store.UserMember, AccountEnabled: true, PasswordHash: "$argon2id$x",
		CreatedAt: time.UnixMilli(1700000000456).UTC(), Version: 3}
	if u.ID != want.ID || u.UserPrincipalName != want.UserPrincipalName || !u.CreatedAt.Equal(want.CreatedAt) ||
		u.Version != 3 || len(u.BusinessPhones) != 1 || u.PasswordHash != want.PasswordHash {
		t.Errorf("user after upgrade = %+v, want %+v", u, want)
	}
	tn, err := s.TenantByDomain(ctx, "contoso.com")
	if err != nil || tn.ID != "t1" || tn.Domains[0] != "Contoso.com" {
		t.Errorf("tenant after upgrade = %+v, %v", tn, err)
	}
	// The tables of later migrations work.
	if err := s.CreateApp(ctx, store.App{AppID: "a1", TenantID: "t1"}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.AddSigningKey(ctx, store.SigningKey{Generation: 1, KID: "k1"}); err != nil {
		t.Fatal(err)
	}
}

func TestMigrateIsIdempotent(t *testing.T) {
	dir := t.TempDir()
	ctx := t.Context()
	s := open(t, dir)
	var first int64
	if err := s.r.QueryRowContext(ctx, `SELECT max(applied_at) FROM schema_migrations`).Scan(&first); err != nil {
		t.Fatal(err)
	}
	for range 3 {
		if err := migrate(ctx, s, migrations()); err != nil {
			t.Fatal(err)
		}
	}
	s.Close()
	s = open(t, dir)
	var n int
	var last int64
	if err := s.r.QueryRowContext(ctx, `SELECT count(*), max(applied_at) FROM schema_migrations`).Scan(&n, &last); err != nil {
		t.Fatal(err)
	}
	if n != len(migrations()) || last != first {
		t.Errorf("after migrating again: %d rows, last applied at %d; want %d rows, %d", n, last, len(migrations()), first)
	}
}

// TestFailedMigrationChangesNothing: migrations apply in one transaction,
// so one failing leaves the schema as it was, and a fixed one applies later.
func TestFailedMigrationChangesNothing(t *testing.T) {
	dir := t.TempDir()
	ctx := t.Context()
	s := openWriter(t, dir)
	if err := migrate(ctx, s, migrations()[:2]); err != nil {
		t.Fatal(err)
	}
	broken := append(migrations()[:2:2],
		migration{Version: 3, Name: "0003_ok", SQL: `CREATE TABLE extra (x INTEGER) STRICT`},
		migration{Version: 4, Name: "0004_broken", SQL: `CREATE TABLE extra2 (x INTEGER); INSERT INTO nowhere VALUES (1);`},
	)
	err := migrate(ctx, s, broken)
	if err == nil || !strings.Contains(err.Error(), "0004_broken") {
		t.Fatalf("migrating with a broken migration: %v", err)
	}
	var n int
	if err := s.w.QueryRowContext(ctx, `SELECT count(*) FROM sqlite_schema WHERE name IN ('extra', 'extra2')`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	var v int
	if err := s.w.QueryRowContext(ctx, `SELECT max(version) FROM schema_migrations`).Scan(&v); err != nil {
		t.Fatal(err)
	}
	if n != 0 || v != 2 {
		t.Errorf("after a failed migration: %d new tables, version %d; want 0, 2", n, v)
	}
	if err := migrate(ctx, s, migrations()); err != nil {
		t.Fatal(err)
	}
}

func TestNewerDatabaseIsRefused(t *testing.T) {
	dir := t.TempDir()
	ctx := t.Context()
	s := open(t, dir)
	if _, err := s.w.ExecContext(ctx, `INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, 'future', 0)`, len(migrations())+1); err != nil {
		t.Fatal(err)
	}
	s.Close()
	_, err := Open(ctx, dir)
	if err == nil || !strings.Contains(err.Error(), "newer") {
		t.Fatalf("Open of a newer database: %v", err)
	}
}
