package postgres

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"testing/fstest"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"graphgate/internal/pgtest"
	"graphgate/internal/store"
)

// openPool opens a bare pool on dsn, without migrating.
func openPool(t *testing.T, dsn string) *pgxpool.Pool {
	t.Helper()
	pool, err := pgxpool.New(t.Context(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	return pool
}

// appliedVersions lists schema_migrations, e.g. "[1 2 3 4 5]".
func appliedVersions(t *testing.T, pool *pgxpool.Pool) string {
	t.Helper()
	rows, err := pool.Query(t.Context(), `SELECT version FROM schema_migrations ORDER BY version`)
	if err != nil {
		t.Fatal(err)
	}
	var vs []string
	for rows.Next() {
		var v int
		if err := rows.Scan(&v); err != nil {
			t.Fatal(err)
		}
		vs = append(vs, fmt.Sprint(v))
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return "[" + strings.Join(vs, " ") + "]"
}

func allVersions() string {
	vs := make([]string, len(migrations()))
	for i := range vs {
		vs[i] = fmt.Sprint(i + 1)
	}
	return "[" + strings.Join(vs, " ") + "]"
}

func TestMigrationFiles(t *testing.T) {
	t.Parallel()
	if len(migrations()) < 5 {
		t.Fatalf("%d migrations", len(migrations()))
	}
	for _, bad := range []fstest.MapFS{
		{"m/0001_a.sql": {}, "m/0003_c.sql": {}}, // gap
		{"m/0001_a.sql": {}, "m/0001_b.sql": {}}, // duplicate
		{"m/0001_a.sql": {}, "m/two.sql": {}},    // no number
		{"m/0000_zero.sql": {}},                  // not from 1
		{"m/0002_b.sql": {}},                     // not from 1
	} {
		if _, err := store.LoadMigrations(bad, "m"); err == nil {
			t.Errorf("loadMigrations accepted %v", bad)
		}
	}
}

// TestConcurrentOpenMigratesOnce: Stores (separate pools, as replicas
// have) opening a fresh schema at once all succeed, and each migration is
// applied once: the advisory lock makes the later ones find it done.
func TestConcurrentOpenMigratesOnce(t *testing.T) {
	t.Parallel()
	dsn := pgtest.FreshSchema(t)
	const n = 4
	errs := make([]error, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Go(func() {
			<-start
			s, err := Open(context.Background(), dsn)
			if err == nil {
				s.Close()
			}
			errs[i] = err
		})
	}
	close(start)
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("Open %d: %v", i, err)
		}
	}
	if got := appliedVersions(t, openPool(t, dsn)); got != allVersions() {
		t.Errorf("applied versions %s, want %s", got, allVersions())
	}
}

// TestConcurrentMigrateCountsOnce runs migrate itself from two pools at
// once: between them they apply every migration exactly once.
func TestConcurrentMigrateCountsOnce(t *testing.T) {
	t.Parallel()
	dsn := pgtest.FreshSchema(t)
	pools := []*pgxpool.Pool{openPool(t, dsn), openPool(t, dsn)}
	applied := make([]int, len(pools))
	errs := make([]error, len(pools))
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i, p := range pools {
		wg.Go(func() {
			<-start
			applied[i], errs[i] = migrate(context.Background(), p, migrations())
		})
	}
	close(start)
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("migrate %d: %v", i, err)
		}
	}
	if applied[0]+applied[1] != len(migrations()) || (applied[0] != 0 && applied[1] != 0) {
		t.Errorf("the two migrations applied %v, want %d by one of them and 0 by the other", applied, len(migrations()))
	}
}

// TestReopenIsIdempotent: opening a migrated schema again applies nothing
// and keeps the data.
func TestReopenIsIdempotent(t *testing.T) {
	t.Parallel()
	dsn := pgtest.FreshSchema(t)
	ctx := t.Context()
	s, err := Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	tn := store.Tenant{ID: "t1", DisplayName: "Contoso", Kind: store.TenantWork, Domains: []string{"contoso.com"}, CreatedAt: time.UnixMilli(1700000000123).UTC()}
	if err := s.CreateTenant(ctx, tn); err != nil {
		t.Fatal(err)
	}
	if _, err := s.SettingOrCreate(ctx, "k", []byte("v")); err != nil {
		t.Fatal(err)
	}
	s.Close()

	s = openTest(t, dsn)
	if n, err := migrate(ctx, s.pool, migrations()); err != nil || n != 0 {
		t.Errorf("migrating a migrated schema: applied %d, %v; want 0, nil", n, err)
	}
	if got := appliedVersions(t, s.pool.Pool); got != allVersions() {
		t.Errorf("applied versions %s, want %s", got, allVersions())
	}
	got, err := s.TenantByDomain(ctx, "CONTOSO.com")
	if err != nil || got.DisplayName != tn.DisplayName || !got.CreatedAt.Equal(tn.CreatedAt) {
		t.Errorf("tenant after reopen: %+v, %v", got, err)
	}
	if v, err := s.SettingOrCreate(ctx, "k", []byte("other")); err != nil || string(v) != "v" {
		t.Errorf("setting after reopen: %q, %v", v, err)
	}
}

// TestRefuseNewerDatabase: a schema migrated by a newer program (a version
// this one does not know) is not used.
func TestRefuseNewerDatabase(t *testing.T) {
	t.Parallel()
	dsn := pgtest.FreshSchema(t)
	s := openTest(t, dsn)
	if _, err := s.pool.Exec(t.Context(), `INSERT INTO schema_migrations (version, name) VALUES ($1, 'from_the_future')`, len(migrations())+1); err != nil {
		t.Fatal(err)
	}
	_, err := Open(t.Context(), dsn)
	if err == nil || !strings.Contains(err.Error(), "newer than this program") {
		t.Fatalf("Open of a newer schema: %v, want a refusal", err)
	}
}

// TestMigrateUpgradesOldDatabase builds a schema as the first migration
// left it, with data, and checks that Open upgrades it and keeps the data.
func TestMigrateUpgradesOldDatabase(t *testing.T) {
	t.Parallel()
	dsn := pgtest.FreshSchema(t)
	ctx := t.Context()
	pool := openPool(t, dsn)
	if n, err := migrate(ctx, pool, migrations()[:1]); err != nil || n != 1 {
		t.Fatalf("migrate to version 1: %d, %v", n, err)
	}
	for _, q := range []string{
		`INSERT INTO tenants (id, display_name, kind, created_at) VALUES ('t1', 'Contoso', 'work', '2023-11-14 22:13:20.123+00')`,
		`INSERT INTO tenant_domains (domain_key, domain, tenant_id, position) VALUES ('contoso.com', 'Contoso.com', 't1', 0)`,
		`INSERT INTO users (tenant_id, id, upn, upn_key, display_name, given_name, surname, mail, job_title, department,
			office_location, mobile_phone, business_phones, preferred_language, usage_location, kind, account_enabled,
			password_hash, roles, manager_id, created_at, version)
		 VALUES ('t1', 'u1', 'AdeleV@contoso.com', 'adelev@contoso.com', 'Adele', '', '', '', '', '', '', '', '["1"]',
			'', '', 'member', true, '$argon2id$x', '[]', '', '2023-11-14 22:13:20.456+00', 3)`,
	} {
		if _, err := pool.Exec(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := pool.Exec(ctx, `SELECT 1 FROM apps`); err == nil {
		t.Fatal("the version-1 schema already has the apps table")
	}

	s := openTest(t, dsn)
	if got := appliedVersions(t, s.pool.Pool); got != allVersions() {
		t.Errorf("applied versions %s, want %s", got, allVersions())
	}
	u, err := s.UserByUPN(ctx, "adelev@CONTOSO.com")
	if err != nil {
		t.Fatal(err)
	}
	if u.ID != "u1" || u.Version != 3 || !u.AccountEnabled || len(u.BusinessPhones) != 1 ||
		!u.CreatedAt.Equal(time.UnixMilli(1700000000456)) || u.CreatedAt.Location() != time.UTC {
		t.Errorf("user after the upgrade: %+v", u)
	}
	if _, err := s.GetApp(ctx, "none"); err == nil {
		t.Error("GetApp of a missing app after the upgrade succeeded")
	}
}

// TestFailedMigrationChangesNothing: a migration that fails part-way rolls
// back every migration of the same run.
func TestFailedMigrationChangesNothing(t *testing.T) {
	t.Parallel()
	dsn := pgtest.FreshSchema(t)
	ctx := t.Context()
	pool := openPool(t, dsn)
	if _, err := migrate(ctx, pool, migrations()[:2]); err != nil {
		t.Fatal(err)
	}
	broken := append(append([]migration(nil), migrations()...), migration{
		Version: len(migrations()) + 1, Name: "broken",
		SQL: `CREATE TABLE half_done (x integer); SELECT no_such_column FROM half_done;`,
	})
	if _, err := migrate(ctx, pool, broken); err == nil || !strings.Contains(err.Error(), "broken") {
		t.Fatalf("migrate with a broken migration: %v, want its error", err)
	}
	if got := appliedVersions(t, pool); got != "[1 2]" {
		t.Errorf("applied versions after the failure %s, want [1 2]", got)
	}
	for _, table := range []string{"half_done", "auth_codes", "items"} {
		var exists bool
		if err := pool.QueryRow(ctx, `SELECT to_regclass($1) IS NOT NULL`, table).Scan(&exists); err != nil {
			t.Fatal(err)
		}
		if exists {
			t.Errorf("table %s exists after the failed run", table)
		}
	}
}

// TestOpenWithoutSchema: a search_path naming no existing schema is an
// error at Open, not tables created somewhere unexpected.
func TestOpenWithoutSchema(t *testing.T) {
	t.Parallel()
	pgtest.Admin(t).Close(context.Background()) // skip or fail without a server
	_, err := Open(t.Context(), pgtest.WithParam(pgtest.DSN(), "search_path", "graphgate_test_no_such_schema"))
	if err == nil || !strings.Contains(err.Error(), "no schema") {
		t.Fatalf("Open with a missing schema: %v", err)
	}
}
