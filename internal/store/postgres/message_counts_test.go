package postgres

import (
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"graphgate/internal/store"
	"graphgate/internal/store/sqlstore"
)

// TestFolderCountReadsOneRow: the $count of a folder's messages, and of
// its unread or read ones, as the Graph server compiles them, is one
// primary-key read of the folder's counter row (migration 0017: one row
// fetched, whatever the folder holds), not a count of the folder's index
// entries; its answer is the rows' count. The messages are inserted in one
// statement, so the statement trigger counts them in one aggregate.
func TestFolderCountReadsOneRow(t *testing.T) {
	t.Parallel()
	s := newTestStore(t)
	ctx := t.Context()
	if _, err := s.pool.Exec(ctx, `INSERT INTO items (tenant_id, kind, id, owner_id, parent_id, doc, version)
		SELECT 't1', 'message', f.folder || '-' || i, 'u1', f.folder,
			jsonb_build_object('receivedDateTime', to_char(timestamp '2025-01-01' + i * interval '1 minute', 'YYYY-MM-DD"T"HH24:MI:SS".0000000Z"'),
				'isRead', i % 3 = 0), 1
		FROM (VALUES ('inbox'), ('archive')) AS f(folder), generate_series(0, 2999) AS i`); err != nil {
		t.Fatal(err)
	}
	folder := store.ItemQuery{TenantID: "t1", Kind: "message", OwnerID: "u1", ParentID: "inbox", Count: true}
	for _, tc := range []struct {
		filter string
		total  int
	}{{"", 3000}, {"isRead eq false", 2000}, {"isRead eq true", 1000}, {"isRead ne true", 2000}} {
		t.Run(tc.filter, func(t *testing.T) {
			q := compiledQuery(t, folder, tc.filter, "")
			sql, args, ok := sqlstore.FolderCountStatement(q)
			if !ok {
				t.Fatalf("the count of %q is not a folder's counter", tc.filter)
			}
			rows, err := s.pool.Query(ctx, `EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) `+flavor.Rebind(sql), args...)
			if err != nil {
				t.Fatal(err)
			}
			lines, err := pgx.CollectRows(rows, pgx.RowTo[string])
			if err != nil {
				t.Fatal(err)
			}
			plan := strings.Join(lines, "\n")
			if !strings.HasPrefix(plan, "Index Scan using message_counts_pkey on message_counts (actual rows=1 loops=1)") || strings.Contains(plan, "items") {
				t.Errorf("the count is not one primary-key read of message_counts:\n%s", plan)
			}
			_, total, err := s.QueryItems(ctx, q)
			if err != nil || total != tc.total {
				t.Errorf("QueryItems total = %d, %v; want %d", total, err, tc.total)
			}
		})
	}
}
