package sqlite

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"graphgate/internal/store"
	"graphgate/internal/store/sqlstore"
)

// TestFolderCountReadsOneRow: the $count of a folder's messages, and of
// its unread or read ones, as the Graph server compiles them, is one
// primary-key search of the folder's counter row (migration 0017), not a
// count of the folder's index entries; its answer is the rows' count.
func TestFolderCountReadsOneRow(t *testing.T) {
	s := open(t, t.TempDir())
	tenant, owner := "t1", "u1"
	base := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	var items []store.Item
	for _, f := range []string{"inbox", "archive"} {
		for i := range 300 {
			id := fmt.Sprintf("%s-m%04d", f, i)
			items = append(items, store.Item{TenantID: tenant, Kind: "message", ID: id, OwnerID: owner, ParentID: f,
				Doc: fmt.Appendf(nil, `{"id":%q,"receivedDateTime":%q,"isRead":%t}`, id, base.Add(time.Duration(i)*time.Minute).Format(store.TimeLayout), i%3 == 0)})
		}
	}
	if err := s.CreateItems(t.Context(), items...); err != nil {
		t.Fatal(err)
	}
	folder := store.ItemQuery{TenantID: tenant, Kind: "message", OwnerID: owner, ParentID: "inbox", Count: true}
	for _, tc := range []struct {
		filter string
		total  int
	}{{"", 300}, {"isRead eq false", 200}, {"isRead eq true", 100}, {"isRead ne true", 200}} {
		t.Run(tc.filter, func(t *testing.T) {
			q := compiledQuery(t, folder, tc.filter, "")
			sql, args, ok := sqlstore.FolderCountStatement(q)
			if !ok {
				t.Fatalf("the count of %q is not a folder's counter", tc.filter)
			}
			plan := queryPlan(t, s, sql, args...)
			if !strings.Contains(plan, "SEARCH message_counts USING PRIMARY KEY (tenant_id=? AND owner_id=? AND parent_id=?)") || strings.Contains(plan, "items") {
				t.Errorf("the count is not one primary-key search of message_counts:\n%s", plan)
			}
			_, total, err := s.QueryItems(t.Context(), q)
			if err != nil || total != tc.total {
				t.Errorf("QueryItems total = %d, %v; want %d", total, err, tc.total)
			}
		})
	}
}
