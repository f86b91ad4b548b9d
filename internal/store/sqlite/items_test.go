package sqlite

import (
	"database/sql"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"graphgate/internal/store"
	"graphgate/internal/store/sqlstore"
)

// queryPlan returns the EXPLAIN QUERY PLAN rows of query, one "detail" a
// line, run on the read pool as QueryItems runs it.
func queryPlan(t *testing.T, s *Store, query string, args ...any) string {
	t.Helper()
	var lines []string
	err := s.read(t.Context(), func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(t.Context(), "EXPLAIN QUERY PLAN "+query, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		cols, err := rows.Columns()
		if err != nil {
			return err
		}
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				return err
			}
			lines = append(lines, fmt.Sprint(vals[len(vals)-1])) // detail
		}
		return rows.Err()
	})
	if err != nil {
		t.Fatal(err)
	}
	return strings.Join(lines, "\n")
}

// seedMail stores n messages in each folder of one mailbox, the folders,
// and a calendar of events. No ANALYZE: the planner must choose the index
// without statistics, as on a fresh database.
func seedMail(t *testing.T, s *Store, tenant, owner string, folders []string, n int) {
	t.Helper()
	var items []store.Item
	base := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, f := range folders {
		for i := range n {
			id := fmt.Sprintf("%s-m%04d", f, i)
			received := base.Add(time.Duration(i) * time.Minute).Format(store.TimeLayout)
			items = append(items, store.Item{TenantID: tenant, Kind: "message", ID: id, OwnerID: owner, ParentID: f,
				Doc: fmt.Appendf(nil, `{"id":%q,"subject":"message %d","receivedDateTime":%q,"isRead":false}`, id, i, received)})
		}
		items = append(items, store.Item{TenantID: tenant, Kind: "mailFolder", ID: f, OwnerID: owner, Doc: []byte(`{"displayName":"x"}`)})
	}
	for i := range 20 {
		start := base.Add(time.Duration(i) * time.Hour).Format(store.TimeLayout)
		end := base.Add(time.Duration(i)*time.Hour + 30*time.Minute).Format(store.TimeLayout)
		items = append(items, store.Item{TenantID: tenant, Kind: "event", ID: fmt.Sprint("e", i), OwnerID: owner, ParentID: "cal",
			Doc: fmt.Appendf(nil, `{"start":{"utc":%q},"end":{"utc":%q}}`, start, end)})
	}
	if err := s.CreateItems(t.Context(), items...); err != nil {
		t.Fatal(err)
	}
}

// TestMailQueryUsesIndex: a folder's messages newest first, as the Graph
// server asks for them, are read from an index in order, without a full
// scan and without sorting.
func TestMailQueryUsesIndex(t *testing.T) {
	s := open(t, t.TempDir())
	tenant, owner := "t1", "u1"
	seedMail(t, s, tenant, owner, []string{"inbox", "archive"}, 200)

	received := store.Doc("receivedDateTime", store.TypeTime)
	newest := []store.Order{{Field: received, Desc: true}}
	at := func(s string) store.Value {
		t, err := time.Parse(store.TimeLayout, s)
		if err != nil {
			panic(err)
		}
		return store.Time(t)
	}
	start, end := store.Doc("start/utc", store.TypeTime), store.Doc("end/utc", store.TypeTime)
	for _, tc := range []struct {
		name      string
		q         store.ItemQuery
		wantIndex string
	}{
		{"folder newest first", store.ItemQuery{TenantID: tenant, Kind: "message", ParentID: "inbox",
			Order: newest, Limit: 10}, "items_messages_by_folder"},
		{"folder and mailbox, as odata writes it", store.ItemQuery{TenantID: tenant, Kind: "message", OwnerID: owner, ParentID: "inbox",
			Order: newest, Limit: 10, Offset: 20}, "items_messages_by_folder"},
		{"folder with a filter", store.ItemQuery{TenantID: tenant, Kind: "message", ParentID: "inbox",
			Filter: store.And{store.Compare{Field: received, Op: store.Ge, Value: at("2025-01-01T01:00:00.0000000Z")},
				store.Match{Field: store.Doc("subject", store.TypeString), Kind: store.Contains, Text: "message 1"}},
			Order: newest, Limit: 10}, "items_messages_by_folder"},
		{"mailbox newest first", store.ItemQuery{TenantID: tenant, Kind: "message", OwnerID: owner,
			Order: newest, Limit: 10}, "items_messages_by_mailbox"},
		{"calendar view", store.ItemQuery{TenantID: tenant, Kind: "event", ParentID: "cal",
			Filter: store.And{store.Compare{Field: start, Op: store.Lt, Value: at("2025-01-01T05:00:00.0000000Z")},
				store.Compare{Field: end, Op: store.Gt, Value: at("2025-01-01T02:00:00.0000000Z")}},
			Order: []store.Order{{Field: start}}}, "items_events_by_start"},
		{"a mailbox's folders", store.ItemQuery{TenantID: tenant, Kind: "mailFolder", OwnerID: owner}, "items_by_owner"},
		{"a folder's subfolders", store.ItemQuery{TenantID: tenant, Kind: "mailFolder", OwnerID: owner, ParentID: "inbox"}, "items_by_parent"},
		{"a chat's messages", store.ItemQuery{TenantID: tenant, Kind: "chatMessage", ParentID: "chat"}, "items_by_parent"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st, err := s.ItemStatements(tc.q, sqlstore.TextScope{})
			if err != nil {
				t.Fatal(err)
			}
			plan := queryPlan(t, s, st.Page, st.PageArgs...)
			t.Logf("EXPLAIN QUERY PLAN %s\n%s", st.Page, plan)
			if !strings.Contains(plan, "USING INDEX "+tc.wantIndex) {
				t.Errorf("plan does not use %s:\n%s", tc.wantIndex, plan)
			}
			if strings.Contains(plan, "SCAN items") {
				t.Errorf("plan scans the table or a whole index:\n%s", plan)
			}
			if strings.Contains(plan, "TEMP B-TREE") && len(tc.q.Order) > 0 && tc.q.Order[0].Desc {
				t.Errorf("plan sorts instead of reading the index in order:\n%s", plan)
			}
			// And QueryItems runs the statement.
			got, _, err := s.QueryItems(t.Context(), tc.q)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) == 0 && (tc.q.Kind == "message" || tc.q.Kind == "event") {
				t.Fatal("no items")
			}
		})
	}

	// The page really is the newest messages of the folder.
	got, n, err := s.QueryItems(t.Context(), store.ItemQuery{TenantID: tenant, Kind: "message", ParentID: "inbox",
		Order: newest, Limit: 3, Count: true})
	if err != nil {
		t.Fatal(err)
	}
	ids := make([]string, len(got))
	for i, it := range got {
		ids[i] = it.ID
	}
	if want := []string{"inbox-m0199", "inbox-m0198", "inbox-m0197"}; !slices.Equal(ids, want) || n != 200 {
		t.Errorf("newest page = %v (count %d), want %v (count 200)", ids, n, want)
	}
}

// TestDirectoryColumns: the users and groups tables have every column the
// contract names, so the caller's SQL runs on them unchanged.
func TestDirectoryColumns(t *testing.T) {
	s := open(t, t.TempDir())
	for table, want := range map[string][]string{"users": store.DirectoryColumns.Users, "groups": store.DirectoryColumns.Groups} {
		var have []string
		err := s.read(t.Context(), func(tx *sql.Tx) (err error) {
			have, err = queryAll(t.Context(), tx, func(sc scanner) (name string, err error) { return name, sc.Scan(&name) },
				`SELECT name FROM pragma_table_info(?)`, table)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range want {
			if !slices.Contains(have, c) {
				t.Errorf("table %s has no column %s (columns: %v)", table, c, have)
			}
		}
	}
}

// TestItemDocMustBeJSON: the table refuses malformed documents even from
// SQL that bypasses the Go check.
func TestItemDocMustBeJSON(t *testing.T) {
	s := open(t, t.TempDir())
	_, err := s.w.ExecContext(t.Context(), sqlstore.InsertItem, "t", "message", "m", "", "", `{"subject":`, 1, nil, nil)
	if err == nil {
		t.Fatal("the items table accepted malformed JSON")
	}
	err = s.CreateItems(t.Context(), store.Item{TenantID: "t", Kind: "message", ID: "m", Doc: []byte(`{"subject":`)})
	if err == nil {
		t.Fatal("CreateItems accepted malformed JSON")
	}
}

// TestBatchNested: a Batch inside a Batch is a savepoint; its failure
// undoes only its own changes.
func TestBatchNested(t *testing.T) {
	s := open(t, t.TempDir())
	ctx := t.Context()
	item := func(id string) store.Item {
		return store.Item{TenantID: "t", Kind: "task", ID: id, Doc: []byte(`{}`)}
	}
	errInner := fmt.Errorf("inner")
	err := s.Batch(ctx, func(tx store.Items) error {
		if err := tx.CreateItems(ctx, item("outer")); err != nil {
			return err
		}
		if err := tx.Batch(ctx, func(tx store.Items) error {
			if err := tx.CreateItems(ctx, item("inner")); err != nil {
				return err
			}
			return errInner
		}); err != errInner {
			return fmt.Errorf("inner batch: %v", err)
		}
		// A failed call inside the batch changes nothing either.
		if err := tx.CreateItems(ctx, item("other"), item("outer")); err == nil {
			return fmt.Errorf("duplicate created")
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	got, _, err := s.QueryItems(ctx, store.ItemQuery{TenantID: "t", Kind: "task"})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].ID != "outer" {
		t.Errorf("after the batch: %+v, want only the outer item", got)
	}
}

// TestOverlapUsesSpanIndex: an overlap query reads every duration class
// from the span index in start order — no table scan, no sort inside a
// class — for events and exceptions, first pages and continued ones; and
// the series masters' lookup the Graph server writes uses its index.
func TestOverlapUsesSpanIndex(t *testing.T) {
	s := open(t, t.TempDir())
	tenant, owner := "t1", "u1"
	seedMail(t, s, tenant, owner, []string{"inbox"}, 10)
	from := time.Date(2025, 1, 1, 2, 0, 0, 0, time.UTC)
	to := from.Add(3 * time.Hour)
	// As the Graph server's calendarView writes them.
	typ := store.Doc("type", store.TypeString)
	single := store.And{store.Not{Cond: store.IsNull{Field: typ}}, store.Compare{Field: typ, Op: store.Ne, Value: store.Literal("seriesMaster")}}
	for _, tc := range []struct {
		name      string
		q         store.ItemQuery
		wantIndex string
	}{
		{"events, first page", store.ItemQuery{TenantID: tenant, Kind: "event", OwnerID: owner, ParentID: "cal", Limit: 11,
			Overlap: &store.Overlap{From: from, To: to}}, "items_events_by_span"},
		{"events, continued", store.ItemQuery{TenantID: tenant, Kind: "event", OwnerID: owner, ParentID: "cal", Limit: 11,
			Overlap: &store.Overlap{From: from, To: to, AfterStart: from.Add(time.Hour), AfterID: "e3"}}, "items_events_by_span"},
		{"events with the caller's filter", store.ItemQuery{TenantID: tenant, Kind: "event", OwnerID: owner, ParentID: "cal", Limit: 11,
			Filter: single, Overlap: &store.Overlap{From: from, To: to}}, "items_events_by_span"},
		{"exceptions of a series", store.ItemQuery{TenantID: tenant, Kind: "eventException", OwnerID: owner, ParentID: "cal", Limit: 11,
			Filter:  store.Compare{Field: store.Doc("seriesMasterId", store.TypeString), Op: store.Eq, Value: store.String("m1")},
			Overlap: &store.Overlap{From: from, To: to}}, "items_exceptions_by_span"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			page, args, err := s.OverlapStatement(tc.q)
			if err != nil {
				t.Fatal(err)
			}
			plan := queryPlan(t, s, page, args...)
			t.Logf("EXPLAIN QUERY PLAN %s\n%s", page, plan)
			searches := strings.Count(plan, "SEARCH items")
			if n := strings.Count(plan, "USING INDEX "+tc.wantIndex); n != searches || n < store.SpanClasses {
				t.Errorf("%d of %d ranges (%d classes) read from %s:\n%s", n, searches, store.SpanClasses, tc.wantIndex, plan)
			}
			if strings.Contains(plan, "SCAN items") {
				t.Errorf("plan scans the table or a whole index:\n%s", plan)
			}
			// Every range seeks: an equal start and a later id, or a start
			// range (the unbounded last class of a first page may start at
			// its class's beginning).
			if n := strings.Count(plan, "span_class=? AND <expr>=? AND id>?") + strings.Count(plan, "<expr>>?"); n < searches-1 {
				t.Errorf("only %d of %d ranges seek to their first item:\n%s", n, searches, plan)
			}
			// Only the merge of the classes' pages is sorted.
			if n := strings.Count(plan, "TEMP B-TREE"); n > 1 {
				t.Errorf("plan sorts inside the classes:\n%s", plan)
			}
			if _, _, err := s.QueryItems(t.Context(), tc.q); err != nil {
				t.Fatal(err)
			}
		})
	}
	t.Run("series masters", func(t *testing.T) {
		// As the Graph server's calendarView writes it.
		noEnd := store.Literal("9999-12-31")
		seriesEnd := store.Field{Path: []string{"_seriesEnd"}, Type: store.TypeString, IfNull: &noEnd}
		q := store.ItemQuery{TenantID: tenant, Kind: "event", OwnerID: owner, ParentID: "cal",
			Filter: store.And{
				store.Compare{Field: typ, Op: store.Eq, Value: store.Literal("seriesMaster")},
				store.Compare{Field: store.Doc("start/utc", store.TypeTime), Op: store.Lt, Value: store.Time(time.Date(2025, 2, 1, 0, 0, 0, 0, time.UTC))},
				store.Compare{Field: seriesEnd, Op: store.Gt, Value: store.String("2025-01-01T00:00:00.0000000Z")},
			}}
		st, err := s.ItemStatements(q, sqlstore.TextScope{})
		if err != nil {
			t.Fatal(err)
		}
		plan := queryPlan(t, s, st.Page, st.PageArgs...)
		if !strings.Contains(plan, "USING INDEX items_series_span (") || strings.Contains(plan, "SCAN items") {
			t.Errorf("series masters' plan:\n%s", plan)
		}
	})
}
