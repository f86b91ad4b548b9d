package conformance

import (
	"fmt"
	"testing"
	"time"

	"graphgate/internal/store"
)

// runItemBenchmarks measures the item and directory queries a Graph
// request makes (store/sqlstore's items.go and dirquery.go): a mail
// folder's first page with $filter, $orderby and $count, the same page
// continued by keyset, one item by id, and a directory startswith. The
// folder holds 2,000 messages of one mailbox.
func runItemBenchmarks(b *testing.B, newStore func(b *testing.B) store.Store) {
	setup := func(b *testing.B) store.Store {
		s := newStore(b)
		var items []store.Item
		for i := range 2000 {
			items = append(items, newMessage("t", "u", "inbox", fmt.Sprint("message ", i), i, at(time.Duration(i)*time.Minute), i%3 == 0))
		}
		if err := s.CreateItems(b.Context(), items...); err != nil {
			b.Fatal(err)
		}
		for i := range 200 {
			u := newUser("t", fmt.Sprintf("user%03d@contoso.com", i))
			u.DisplayName = fmt.Sprintf("%c user %d", 'a'+i%26, i)
			if err := s.CreateUser(b.Context(), u); err != nil {
				b.Fatal(err)
			}
		}
		if a, ok := s.(store.Analyzer); ok {
			if err := a.Analyze(b.Context()); err != nil {
				b.Fatal(err)
			}
		}
		return s
	}
	newest := []store.Order{desc(dt("receivedDateTime"))}
	page := store.ItemQuery{TenantID: "t", Kind: "message", OwnerID: "u", ParentID: "inbox",
		Filter: eq(boolean("isRead"), store.Bool(false)), Order: newest, Limit: 50, Count: true}
	b.Run("QueryItems", func(b *testing.B) {
		s := setup(b)
		first, _, err := s.QueryItems(b.Context(), page)
		if err != nil || len(first) != 50 {
			b.Fatalf("%d items: %v", len(first), err)
		}
		c, ok := store.CursorOf(first[len(first)-1], newest)
		if !ok {
			b.Fatal("no cursor")
		}
		next := page
		next.After, next.Count = &c, false
		unread := page
		unread.Limit = 1
		get := first[0]
		for _, bc := range []struct {
			name string
			run  func() error
		}{
			{"page-count", func() error { _, _, err := s.QueryItems(b.Context(), page); return err }},
			{"page2-keyset", func() error { _, _, err := s.QueryItems(b.Context(), next); return err }},
			// GET …/messages/$count?$filter=isRead eq false: the count and
			// a page of one (graph's $count asks for top+1 = 1).
			{"count-unread", func() error { _, _, err := s.QueryItems(b.Context(), unread); return err }},
			{"GetItem", func() error { _, err := s.GetItem(b.Context(), get.TenantID, get.Kind, get.ID); return err }},
			{"QueryUsers-startswith", func() error {
				_, _, err := s.QueryUsers(b.Context(), store.DirectoryQuery{TenantID: "t",
					Filter: store.Match{Field: col("display_name"), Kind: store.Prefix, Text: "b"}, Limit: 10, Count: true})
				return err
			}},
		} {
			b.Run(bc.name, func(b *testing.B) {
				for b.Loop() {
					if err := bc.run(); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	})
}
