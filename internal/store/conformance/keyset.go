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
