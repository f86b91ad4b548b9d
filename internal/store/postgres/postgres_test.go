package postgres

import (
	"testing"

	"graphgate/internal/pgtest"
	"graphgate/internal/store"
	"graphgate/internal/store/conformance"
)

func TestConformance(t *testing.T) {
	t.Parallel()
	conformance.RunTests(t, func(t *testing.T) store.Store { return newTestStore(t) })
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
	return openTest(t, pgtest.FreshSchema(t))
}

func BenchmarkStore(b *testing.B) {
	conformance.RunBenchmarks(b, func(b *testing.B) store.Store { return newTestStore(b) })
}
