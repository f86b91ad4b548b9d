package sqlite

import (
	"testing"

	"graphgate/internal/store"
	"graphgate/internal/store/conformance"
)

func TestConformance(t *testing.T) {
	conformance.RunTests(t, func(t *testing.T) store.Store {
		s, err := Open(t.Context(), t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	})
}

func BenchmarkStore(b *testing.B) {
	conformance.RunBenchmarks(b, func(b *testing.B) store.Store {
		s, err := Open(b.Context(), b.TempDir())
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { s.Close() })
		return s
	})
}
