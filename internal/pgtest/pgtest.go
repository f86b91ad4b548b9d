package pgtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// DefaultDSN is the local test server (trust auth, database test).
const DefaultDSN = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"

// DSN is $GRAPHGATE_TEST_POSTGRES, or DefaultDSN.
func DSN() string {
	if dsn := os.Getenv("GRAPHGATE_TEST_POSTGRES"); dsn != "" {
		return dsn
	}
	return DefaultDSN
}

// TB is the part of testing.TB that Unreachable uses, so that a test can
// check what it does under CI and elsewhere.
type TB interface {
	Helper()
	Fatalf(format string, args ...any)
	Skipf(format string, args ...any)
}

// Unreachable reports a server the tests cannot reach: a failure under CI
// (CI set), a skip elsewhere.
func Unreachable(t TB, dsn string, err error) {
	t.Helper()
	if os.Getenv("CI") != "" {
		t.Fatalf("PostgreSQL at %s is required under CI: %v", Redact(dsn), err)
		return
	}
	t.Skipf("PostgreSQL not reachable at %s (set GRAPHGATE_TEST_POSTGRES to a server's URL): %v", Redact(dsn), err)
}

// Redact drops a password from a URL DSN before it is logged.
func Redact(dsn string) string {
	if u, err := url.Parse(dsn); err == nil && u.User != nil {
		if _, ok := u.User.Password(); ok {
			return u.Redacted()
		}
	}
	return dsn
}

// Connect opens one connection to dsn, or reports it unreachable.
func Connect(t testing.TB, dsn string) *pgx.Conn {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		Unreachable(t, dsn, err)
	}
	return conn
}

// Admin connects to the test database outside any test schema.
func Admin(t testing.TB) *pgx.Conn { t.Helper(); return Connect(t, DSN()) }

// FreshSchema creates a schema with a random name, drops it (with all it
// holds) when the test ends, and returns a DSN whose connections use it as
// their search_path: every test gets its own empty database, and tests run
// in parallel on one server without seeing each other. Stores opened on it
// must be closed in a cleanup registered after this call (cleanups run
// last-registered first).
func FreshSchema(t testing.TB) string {
	t.Helper()
	conn := Admin(t)
	defer conn.Close(context.Background())
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	schema := "graphgate_test_" + hex.EncodeToString(b)
	if _, err := conn.Exec(t.Context(), `CREATE SCHEMA `+schema); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		conn := Admin(t)
		defer conn.Close(context.Background())
		if _, err := conn.Exec(context.Background(), `DROP SCHEMA `+schema+` CASCADE`); err != nil {
			t.Errorf("dropping the test schema: %v", err)
		}
	})
	return WithParam(DSN(), "search_path", schema)
}

// FreshDatabase creates a database with a random name (prefix
// graphgate_test_, then name), drops it when the test ends and returns its
// DSN. Tests of query plans use it rather than FreshSchema: VACUUM marks a
// table's pages all-visible (which index-only scans need) only up to the
// oldest snapshot of any session in the same database, and the other
// tests' sessions in the shared test database would hold it back. Stores
// opened on it must be closed in a cleanup registered after this call.
func FreshDatabase(t testing.TB, name string) string {
	t.Helper()
	conn := Admin(t)
	defer conn.Close(context.Background())
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	db := "graphgate_test_" + name + "_" + hex.EncodeToString(b)
	if _, err := conn.Exec(t.Context(), `CREATE DATABASE `+db); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		conn := Admin(t)
		defer conn.Close(context.Background())
		if _, err := conn.Exec(context.Background(), `DROP DATABASE `+db+` WITH (FORCE)`); err != nil {
			t.Errorf("dropping the test database: %v", err)
		}
	})
	return withDatabase(DSN(), db)
}

// withDatabase is dsn with its database replaced.
func withDatabase(dsn, db string) string {
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		u, err := url.Parse(dsn)
		if err != nil {
			panic(err)
		}
		u.Path = "/" + db
		return u.String()
	}
	return dsn + " dbname=" + db
}

// WithParam adds a run-time parameter to a DSN (pgx sends it at connection
// start-up, so it holds for every connection of a pool), as a URL query
// parameter or a keyword/value pair.
func WithParam(dsn, name, value string) string {
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		u, err := url.Parse(dsn)
		if err != nil {
			panic(err)
		}
		q := u.Query()
		q.Set(name, value)
		u.RawQuery = q.Encode()
		return u.String()
	}
	return dsn + " " + name + "=" + value
}
