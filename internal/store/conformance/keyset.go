package conformance

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"graphgate/internal/store"
)

var keysetTests = []test{
	{"PageAfterEqualsPageAtOffset", testKeysetEqualsOffset},
	{"Directory", testKeysetDirectory},
	{"OmitLeavesOutOnlyTheAskedDocuments", testKeysetOmit},
}

// keysetMessages are n messages of one folder whose order keys tie often
// (seven received times, five subjects differing in case, three isRead
// values) and are sometimes missing or null.
func keysetMessages(n int) []store.Item {
	subjects := []string{`"Budget"`, `"budget"`, `"Alpha"`, `null`, `"zeta"`}
	items := make([]store.Item, n)
	for i := range items {
		var parts []string
		if i%11 != 0 {
			parts = append(parts, fmt.Sprintf(`"receivedDateTime":%q`, t0.Add(time.Duration(i%7)*time.Hour).Format(store.TimeLayout)))
		}
		if i%13 != 0 {
			parts = append(parts, `"subject":`+subjects[i%len(subjects)])
		}
		switch i % 3 {
		case 0:
			parts = append(parts, `"isRead":true`)
		case 1:
			parts = append(parts, `"isRead":false`)
		}
		items[i] = store.Item{TenantID: "t", Kind: "message", ID: fmt.Sprintf("m%03d", (i*37)%n), OwnerID: "u", ParentID: "inbox",
			Doc: []byte("{" + strings.Join(parts, ",") + "}"), Version: 1, CreatedAt: t0, ModifiedAt: t0}
	}
	return items
}

// testKeysetEqualsOffset: every page of a listing read after the previous
// page's last row (store.CursorOf) is the page read at its offset, for
// orderings with ties, nulls, folded strings, both directions and both
// null placements, with and without a filter; the count ignores the
// cursor.
func testKeysetEqualsOffset(t *testing.T, s store.Store) {
	ctx := t.Context()
	const n, size = 61, 7
	must(t, s.CreateItems(ctx, keysetMessages(n)...))
	received := store.Doc("receivedDateTime", store.TypeTime)
	subject := store.Doc("subject", store.TypeString)
	isRead := store.Doc("isRead", store.TypeBool)
	unread := store.Compare{Field: isRead, Op: store.Eq, Value: store.Bool(false)}
	for _, tc := range []struct {
		name   string
		filter store.Cond
		order  []store.Order
	}{
		{"newest first (the server's default)", nil, []store.Order{{Field: received, Desc: true}}},
		{"oldest first, OData nulls", nil, []store.Order{{Field: received, Nulls: store.NullsLow}}},
		{"newest first, OData nulls, unread", unread, []store.Order{{Field: received, Desc: true, Nulls: store.NullsLow}}},
		{"subject ignoring case", nil, []store.Order{{Field: subject, Fold: true, Nulls: store.NullsLow}}},
		{"subject descending then isRead", nil, []store.Order{{Field: subject, Fold: true, Desc: true, Nulls: store.NullsLow}, {Field: isRead, Nulls: store.NullsLow}}},
		{"isRead descending, backend nulls, then received", nil, []store.Order{{Field: isRead, Desc: true}, {Field: received}}},
		{"by id alone", nil, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			base := store.ItemQuery{TenantID: "t", Kind: "message", OwnerID: "u", ParentID: "inbox", Filter: tc.filter, Order: tc.order}
			all, total, err := s.QueryItems(ctx, withCount(base))
			must(t, err)
			if len(all) != total || total == 0 {
				t.Fatalf("%d items of %d", len(all), total)
			}
			var after *store.Cursor
			for page := 0; page*size < total; page++ {
				q := base
				q.Limit, q.Offset = size, page*size
				want, _, err := s.QueryItems(ctx, q)
				must(t, err)
				q.Offset, q.After, q.Count = 0, after, true
				got, count, err := s.QueryItems(ctx, q)
				must(t, err)
				if ids(got) != ids(want) || ids(want) != ids(all[page*size:min(total, (page+1)*size)]) {
					t.Fatalf("page %d after %+v:\n keyset %s\n offset %s", page, after, ids(got), ids(want))
				}
				if count != total {
					t.Errorf("page %d: count %d with a cursor, want %d", page, count, total)
				}
				c, ok := store.CursorOf(got[len(got)-1], tc.order)
				if !ok {
					t.Fatalf("no cursor after %s", got[len(got)-1].Doc)
				}
				after = &c
			}
		})
	}
	// A cursor that does not fit the ordering is refused.
	q := store.ItemQuery{TenantID: "t", Kind: "message", Order: []store.Order{{Field: received}},
		After: &store.Cursor{Keys: []*store.Value{ptr(store.Bool(true))}, ID: "m001"}}
	if _, _, err := s.QueryItems(ctx, q); err == nil {
		t.Error("a boolean key for a date-time ordering was accepted")
	}
}

// testKeysetDirectory: users continue after a cursor on a column.
func testKeysetDirectory(t *testing.T, s store.Store) {
	d := newDirectory(t, s)
	order := []store.Order{{Field: store.Column("display_name", store.TypeString), Fold: true, Nulls: store.NullsLow}}
	all, _, err := s.QueryUsers(t.Context(), store.DirectoryQuery{TenantID: d.tenant, Order: order})
	must(t, err)
	for i := range all[:len(all)-1] {
		v := store.String(all[i].DisplayName)
		got, _, err := s.QueryUsers(t.Context(), store.DirectoryQuery{TenantID: d.tenant, Order: order,
			After: &store.Cursor{Keys: []*store.Value{&v}, ID: all[i].ID}})
		must(t, err)
		var gotIDs, wantIDs []string
		for _, u := range got {
			gotIDs = append(gotIDs, u.ID)
		}
		for _, u := range all[i+1:] {
			wantIDs = append(wantIDs, u.ID)
		}
		if strings.Join(gotIDs, ",") != strings.Join(wantIDs, ",") {
			t.Fatalf("after %s: %v, want %v", all[i].DisplayName, gotIDs, wantIDs)
		}
	}
}

func withCount(q store.ItemQuery) store.ItemQuery { q.Count = true; return q }

func ids(items []store.Item) string {
	out := make([]string, len(items))
	for i, it := range items {
		out[i] = it.ID
	}
	return strings.Join(out, ",")
}

func ptr[T any](v T) *T { return &v }

// testKeysetOmit: a listing with ItemQuery.Omit is the listing without it,
// item for item and field for field, but for the documents Omit asked to
// leave out (nil, or — a backend may ignore Omit — the document); Omit is
// asked once an item, in order. Offset pages, keyset pages (with the
// nulls' tail) and counts alike.
func testKeysetOmit(t *testing.T, s store.Store) {
	ctx := t.Context()
	must(t, s.CreateItems(ctx, keysetMessages(40)...))
	received := store.Doc("receivedDateTime", store.TypeTime)
	order := []store.Order{{Field: received, Desc: true, Nulls: store.NullsLow}}
	first, _, err := s.QueryItems(ctx, store.ItemQuery{TenantID: "t", Kind: "message", OwnerID: "u", Order: order, Limit: 9})
	must(t, err)
	c, ok := store.CursorOf(first[len(first)-1], order)
	if !ok {
		t.Fatal("no cursor")
	}
	for _, omit := range []struct {
		name string
		f    func(i int) bool
	}{
		{"none", func(int) bool { return false }},
		{"all", func(int) bool { return true }},
		{"even", func(i int) bool { return i%2 == 0 }},
		{"all but the last of 9", func(i int) bool { return i != 8 }},
	} {
		for _, q := range []struct {
			name string
			q    store.ItemQuery
		}{
			{"first page", store.ItemQuery{Limit: 10}},
			{"offset page with count", store.ItemQuery{Limit: 10, Offset: 9, Count: true}},
			{"after a cursor, to the nulls' tail", store.ItemQuery{Limit: 40, After: &c, Count: true}},
			{"whole listing", store.ItemQuery{}},
		} {
			t.Run(omit.name+", "+q.name, func(t *testing.T) {
				base := q.q
				base.TenantID, base.Kind, base.OwnerID, base.Order = "t", "message", "u", order
				want, wantTotal, err := s.QueryItems(ctx, base)
				must(t, err)
				var asked []int
				keyed := base
				keyed.Omit = func(i int, it store.Item) bool {
					asked = append(asked, i)
					if i >= len(want) || it.ID != want[i].ID || it.Version != want[i].Version {
						t.Errorf("Omit asked about item %d %s, want %d %s", i, it.ID, i, want[min(i, len(want)-1)].ID)
					}
					return omit.f(i)
				}
				got, total, err := s.QueryItems(ctx, keyed)
				must(t, err)
				if total != wantTotal || ids(got) != ids(want) {
					t.Fatalf("%s (count %d), want %s (count %d)", ids(got), total, ids(want), wantTotal)
				}
				for i := range want {
					if len(asked) > 0 && (len(asked) != len(want) || asked[i] != i) {
						t.Fatalf("Omit asked about %v, want each of %d items once in order", asked, len(want))
					}
					g, w := got[i], want[i]
					if len(asked) > 0 && omit.f(i) {
						if g.Doc != nil {
							t.Errorf("item %d: document %s read although omitted", i, g.Doc)
						}
					} else if string(g.Doc) != string(w.Doc) {
						t.Errorf("item %d: document %s, want %s", i, g.Doc, w.Doc)
					}
					g.Doc, w.Doc = nil, nil
					check(t, fmt.Sprintf("item %d", i), g, w)
				}
			})
		}
	}
}
