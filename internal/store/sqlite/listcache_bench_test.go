package sqlite

import (
	"testing"

	"graphgate/internal/store"
)

// BenchmarkKeyedListing is the messages page's listing (a folder's 26
// newest of 30, keys only, the render cache holding every item) read
// through the listing cache ("cached": every read a hit, nothing being
// written) and through the shared SQL ("store": a read transaction, the
// statement, 26 index entries and rows).
func BenchmarkKeyedListing(b *testing.B) {
	s, err := Open(b.Context(), b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	if err := s.CreateTenant(b.Context(), store.Tenant{ID: lcTenant, Kind: store.TenantWork}); err != nil {
		b.Fatal(err)
	}
	var items []store.Item
	for i := range 30 {
		items = append(items, lcMessage(i, "inbox"))
	}
	if err := s.CreateItems(b.Context(), items...); err != nil {
		b.Fatal(err)
	}
	q := lcQuery("inbox")
	q.Limit, q.Count, q.Omit = 26, false, omitAll
	for _, bc := range []struct {
		name string
		list func() ([]store.Item, int, error)
	}{
		{"cached", func() ([]store.Item, int, error) { return s.QueryItems(b.Context(), q) }},
		{"store", func() ([]store.Item, int, error) { return s.Store.QueryItems(b.Context(), q) }},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if got, _, err := bc.list(); err != nil || len(got) != 26 {
					b.Fatal(len(got), err)
				}
			}
		})
	}
}
