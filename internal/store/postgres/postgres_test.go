package postgres

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

	"graphgate/internal/store"
	"graphgate/internal/store/conformance"
)

// defaultTestDSN is the local test server (trust auth, database test).
const defaultTestDSN = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"

func TestConformance(t *testing.T) {
	t.Parallel()
	conformance.RunTests(t, func(t *testing.T) store.Store { return newTestStore(t) })
}

// testDSN is $GRAPHGATE_TEST_POSTGRES, or the local test server.
func testDSN() string {
	if dsn := os.Getenv("GRAPHGATE_TEST_POSTGRES"); dsn != "" {
		return dsn
	}
	return defaultTestDSN
}

// tb is the part of testing.TB that unreachable uses, so that a test can
// check what it does under CI and elsewhere.
type tb interface {
	Helper()
	Fatalf(format string, args ...any)
	Skipf(format string, args ...any)
}

// unreachable reports a database the tests cannot reach: under CI
// (CI set) the test fails, since CI must never pass by skipping the
// PostgreSQL backend; elsewhere it is skipped with a message saying how to
// point the tests at a server.
func unreachable(t tb, dsn string, err error) {
	t.Helper()
	if os.Getenv("CI") != "" {
		t.Fatalf("PostgreSQL at %s is required under CI: %v", redact(dsn), err)
		return
	}
	t.Skipf("PostgreSQL not reachable at %s (set GRAPHGATE_TEST_POSTGRES to a server's URL): %v", redact(dsn), err)
}

// redact drops a password from a URL DSN before it is logged.
func redact(dsn string) string {
	if u, err := url.Parse(dsn); err == nil && u.User != nil {
		if _, ok := u.User.Password(); ok {
			u.User = url.UserPassword(u.User.Username(), "xxxxx")
			return u.String()
		}
	}
	return dsn
}

// admin connects to the test database outside any test schema, or reports
// it unreachable.
func admin(t testing.TB) *pgx.Conn {
	t.Helper()
	dsn := testDSN()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		unreachable(t, dsn, err)
	}
	return conn
}

// freshSchema creates a schema with a random name, drops it (with all it
// holds) when the test ends, and returns a DSN whose connections use it as
// their search_path: every test gets its own empty database, and tests run
// in parallel on one server without seeing each other.
func freshSchema(t testing.TB) string {
	t.Helper()
	conn := admin(t)
	defer conn.Close(context.Background())
	b := make([]byte, 8)
	rand.Read(b)
	schema := "graphgate_test_" + hex.EncodeToString(b)
	if _, err := conn.Exec(t.Context(), `CREATE SCHEMA `+schema); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		conn := admin(t)
		defer conn.Close(context.Background())
		if _, err := conn.Exec(context.Background(), `DROP SCHEMA `+schema+` CASCADE`); err != nil {
			t.Errorf("dropping the test schema: %v", err)
		}
	})
	return withSearchPath(testDSN(), schema)
}

// withSearchPath adds search_path to a DSN; pgx sends it as a run-time
// parameter at connection start-up, so it holds for every connection of a
// pool.
func withSearchPath(dsn, schema string) string { return withParam(dsn, "search_path", schema) }

// withParam adds a parameter to a DSN, as a URL query parameter or a
// keyword/value pair.
func withParam(dsn, name, value string) string {
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

// openTest opens a Store on dsn, closed when the test ends (before its
// schema is dropped: cleanups run last-registered first).
func openTest(t testing.TB, dsn string) *Store {
	t.Helper()
	s, err := Open(t.Context(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// newTestStore opens a Store on a fresh schema.
func newTestStore(t testing.TB) *Store {
	t.Helper()
	return openTest(t, freshSchema(t))
}
