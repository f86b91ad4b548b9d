package snapshot_test

import (
	"bytes"
	"context"
	"testing"

	"graphgate/internal/demo"
	"graphgate/internal/identity"
	"graphgate/internal/password"
	"graphgate/internal/pgtest"
	"graphgate/internal/snapshot"
	"graphgate/internal/store"
	"graphgate/internal/store/postgres"
	"graphgate/internal/store/sqlite"
	"graphgate/internal/transfer"
)

// demoStore seeds the demo tenant into st.
func demoStore(tb testing.TB, st store.Store) {
	tb.Helper()
	ctx := context.Background()
	hash, err := identity.SecretHasher(ctx, st)
	if err != nil {
		tb.Fatal(err)
	}
	if _, _, err := demo.Seed(ctx, st, demo.Options{SecretHash: hash, Passwords: password.Fast}); err != nil {
		tb.Fatal(err)
	}
}

func backends(b *testing.B) map[string]func(b *testing.B) store.Store {
	return map[string]func(b *testing.B) store.Store{
		"sqlite": func(b *testing.B) store.Store {
			st, err := sqlite.Open(b.Context(), b.TempDir())
			if err != nil {
				b.Fatal(err)
			}
			b.Cleanup(func() { st.Close() })
			return st
		},
		"postgres": func(b *testing.B) store.Store {
			dsn := pgtest.FreshSchema(b)
			st, err := postgres.Open(b.Context(), dsn)
			if err != nil {
				b.Fatal(err)
			}
			b.Cleanup(func() { st.Close() })
			return st
		},
	}
}

// BenchmarkSnapshot measures a snapshot's save and restore of the demo
// tenant on each backend, beside the other way to the same end: a
// graphgate export and import of the tenant (JSON Lines, in memory).
func BenchmarkSnapshot(b *testing.B) {
	for _, name := range []string{"sqlite", "postgres"} {
		open := backends(b)[name]
		b.Run(name, func(b *testing.B) {
			st := open(b)
			demoStore(b, st)
			svc := snapshot.New(st)
			ctx := context.Background()
			b.Cleanup(func() { _ = st.DeleteSnapshot(context.Background(), "bench") })
			b.Run("save", func(b *testing.B) {
				for b.Loop() {
					if _, err := svc.Save(ctx, "bench", true); err != nil {
						b.Fatal(err)
					}
				}
			})
			b.Run("restore", func(b *testing.B) {
				for b.Loop() {
					if _, err := svc.Restore(ctx, "bench"); err != nil {
						b.Fatal(err)
					}
				}
			})
			b.Run("export+import", func(b *testing.B) {
				for b.Loop() {
					var buf bytes.Buffer
					if _, err := transfer.Export(ctx, st, demo.TenantID, &buf, transfer.ExportOptions{}); err != nil {
						b.Fatal(err)
					}
					if _, err := transfer.Import(ctx, st, &buf, transfer.ImportOptions{Replace: true, Settings: transfer.SettingsKeep}); err != nil {
						b.Fatal(err)
					}
				}
			})
		})
	}
}
