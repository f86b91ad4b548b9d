package conformance

import (
	"fmt"
	"testing"

	"graphgate/internal/store"
)

// testQueryDirectoryPages: a page (Limit > 0) is read by key — its ids
// sorted first, then its rows (store/sqlstore's listing) — and answers as
// the unlimited query does: for every ordering, a prefix filter and an id
// list, walking pages of 1, 2 and 4 visits the unlimited result in its
// order, ties broken by id, and Count is its length on every page.
func testQueryDirectoryPages(t *testing.T, s store.Store) {
	ctx := t.Context()
	d := newDirectory(t, s)
	prefix := store.Match{Field: col("display_name"), Kind: store.Prefix, Text: "a"}
	orders := []struct {
		name  string
		order []store.Order
	}{
		{"id", nil},
		{"display name", []store.Order{foldAsc(col("display_name"))}},
		{"display name descending", []store.Order{foldDesc(col("display_name"))}},
		{"two keys", []store.Order{asc(store.Column("account_enabled", store.TypeBool)), desc(col("upn"))}},
	}
	for _, o := range orders {
		for _, q := range []struct {
			name   string
			filter store.Cond
			ids    []string
		}{
			{"all", nil, nil},
			{"startswith a", prefix, nil},
			{"ids", nil, []string{d.megan.ID, d.adele2.ID, d.alex.ID, newID()}},
			{"ids and startswith a", prefix, []string{d.megan.ID, d.adele2.ID, d.alex.ID}},
		} {
			base := store.DirectoryQuery{TenantID: d.tenant, Order: o.order, Filter: q.filter, IDs: q.ids}
			all, _, err := s.QueryUsers(ctx, base)
			must(t, err)
			if len(all) == 0 {
				t.Fatalf("users by %s, %s: none", o.name, q.name)
			}
			for _, size := range []int{1, 2, 4} {
				var walked []store.User
				for offset := 0; offset <= len(all); offset += size {
					p := base
					p.Limit, p.Offset, p.Count = size, offset, true
					page, n, err := s.QueryUsers(ctx, p)
					must(t, err)
					if n != len(all) {
						t.Errorf("users by %s, %s, page of %d at %d: count %d, want %d", o.name, q.name, size, offset, n, len(all))
					}
					walked = append(walked, page...)
				}
				check(t, fmt.Sprintf("users by %s, %s, pages of %d", o.name, q.name, size), walked, all)
			}
		}
	}
	// Groups: by name descending, and a group's members (an id list).
	for _, q := range []store.DirectoryQuery{
		{TenantID: d.tenant, Order: []store.Order{foldDesc(col("display_name"))}},
		{TenantID: d.tenant, IDs: []string{d.sales.ID, d.admins.ID}},
	} {
		all, _, err := s.QueryGroups(ctx, q)
		must(t, err)
		var walked []store.Group
		for offset := 0; offset <= len(all); offset++ {
			p := q
			p.Limit, p.Offset = 1, offset
			page, _, err := s.QueryGroups(ctx, p)
			must(t, err)
			walked = append(walked, page...)
		}
		check(t, fmt.Sprintf("groups %v %v, pages of 1", q.Order, q.IDs), walked, all)
	}
}
