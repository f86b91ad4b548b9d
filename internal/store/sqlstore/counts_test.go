package sqlstore

import (
	"testing"

	"graphgate/internal/store"
)

// TestCountedFolder: which counts are a folder's counter row, and which
// columns they read. Anything but exactly a mailbox folder's messages,
// optionally isRead eq/ne a boolean, counts rows.
func TestCountedFolder(t *testing.T) {
	isRead := store.Doc("isRead", store.TypeBool)
	cmp := func(op store.Op, b bool) store.Compare {
		return store.Compare{Field: isRead, Op: op, Value: store.Bool(b)}
	}
	folder := store.ItemQuery{TenantID: "t", Kind: "message", OwnerID: "o", ParentID: "f", Count: true}
	with := func(f func(*store.ItemQuery)) store.ItemQuery { q := folder; f(&q); return q }
	defaulted := isRead
	defaulted.IfNull = &store.Value{Type: store.TypeBool}
	tests := []struct {
		name string
		q    store.ItemQuery
		want string // the count's expression; "" for rows counted
	}{
		{"all", folder, "total"},
		{"unread", with(func(q *store.ItemQuery) { q.Filter = cmp(store.Eq, false) }), "unread"},
		{"read", with(func(q *store.ItemQuery) { q.Filter = cmp(store.Eq, true) }), "read"},
		{"ne true", with(func(q *store.ItemQuery) { q.Filter = cmp(store.Ne, true) }), "total - read"},
		{"ne false", with(func(q *store.ItemQuery) { q.Filter = cmp(store.Ne, false) }), "total - unread"},
		{"keyset and order do not matter", with(func(q *store.ItemQuery) {
			q.Filter, q.Order, q.After, q.Limit = cmp(store.Eq, false), []store.Order{{Field: store.Doc("receivedDateTime", store.TypeTime), Desc: true}}, &store.Cursor{}, 10
		}), "unread"},
		{"another kind", with(func(q *store.ItemQuery) { q.Kind = "event" }), ""},
		{"mailbox", with(func(q *store.ItemQuery) { q.ParentID = "" }), ""},
		{"folder without owner", with(func(q *store.ItemQuery) { q.OwnerID = "" }), ""},
		{"folders", with(func(q *store.ItemQuery) { q.ParentIDs = []string{"f", "g"} }), ""},
		{"text", with(func(q *store.ItemQuery) { q.Text = []string{"budget"} }), ""},
		{"gt", with(func(q *store.ItemQuery) { q.Filter = cmp(store.Gt, false) }), ""},
		{"another property", with(func(q *store.ItemQuery) {
			q.Filter = store.Compare{Field: store.Doc("isDraft", store.TypeBool), Op: store.Eq, Value: store.Bool(false)}
		}), ""},
		{"nested path", with(func(q *store.ItemQuery) {
			q.Filter = store.Compare{Field: store.Doc("flag/isRead", store.TypeBool), Op: store.Eq, Value: store.Bool(false)}
		}), ""},
		{"null as false", with(func(q *store.ItemQuery) {
			q.Filter = store.Compare{Field: defaulted, Op: store.Eq, Value: store.Bool(false)}
		}), ""},
		{"a string compared", with(func(q *store.ItemQuery) {
			q.Filter = store.Compare{Field: isRead, Op: store.Eq, Value: store.String("false")}
		}), ""},
		{"and", with(func(q *store.ItemQuery) { q.Filter = store.And{cmp(store.Eq, false)} }), ""},
		{"not", with(func(q *store.ItemQuery) { q.Filter = store.Not{Cond: cmp(store.Eq, true)} }), ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			fc, ok := countedFolder(tc.q)
			got := ""
			if ok {
				got = fc.add
				if fc.less != "" {
					got += " - " + fc.less
				}
			}
			if got != tc.want {
				t.Errorf("countedFolder = %q, %v; want %q", got, ok, tc.want)
			}
			st, args, ok := FolderCountStatement(tc.q)
			if ok != (tc.want != "") {
				t.Fatalf("FolderCountStatement ok = %v, want %v", ok, tc.want != "")
			}
			if ok && (st != `SELECT `+tc.want+`, odd FROM message_counts WHERE tenant_id = ? AND owner_id = ? AND parent_id = ?` || len(args) != 3) {
				t.Errorf("FolderCountStatement = %q, %v", st, args)
			}
		})
	}
}
