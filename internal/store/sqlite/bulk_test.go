package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"graphgate/internal/odata"
	"graphgate/internal/store"
	"graphgate/internal/store/sqlstore"
)

// bulkItemsFixture: messages (more than two INSERT chunks, the text of
// some holding a rare word) and a To Do list's tasks.
func bulkItemsFixture() (messages, tasks []store.Item) {
	base := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range 2*bulkChunk + 100 {
		body := "the usual budget"
		if i%1000 == 7 {
			body += " and a quokka"
		}
		id := fmt.Sprintf("m%05d", i)
		at := base.Add(time.Duration(i) * time.Minute)
		messages = append(messages, store.Item{TenantID: "t1", Kind: "message", ID: id, OwnerID: "u1", ParentID: "inbox",
			CreatedAt: at, ModifiedAt: at, Version: 1,
			Doc: fmt.Appendf(nil, `{"id":%q,"subject":"Subject %d","isRead":%v,"receivedDateTime":%q,"body":{"content":%q}}`,
				id, i, i%2 == 0, at.Format(store.TimeLayout), body)})
	}
	for i := range 300 {
		status := "completed"
		if i%5 == 0 {
			status = "notStarted"
		}
		id := fmt.Sprintf("t%04d", 299-i)
		at := base.Add(time.Duration(i) * time.Minute)
		tasks = append(tasks, store.Item{TenantID: "t1", Kind: "todoTask", ID: id, OwnerID: "u1", ParentID: "tasks",
			CreatedAt: at, ModifiedAt: at, Version: 1, Doc: fmt.Appendf(nil, `{"id":%q,"title":"Task %d","status":%q}`, id, i, status)})
	}
	return messages, tasks
}

// schemaOf is the database's schema (every object's SQL) and planner
// statistics, to compare before and after a bulk load.
func schemaOf(t *testing.T, s *Store) []string {
	t.Helper()
	var out []string
	err := s.read(t.Context(), func(tx *sql.Tx) error {
		for _, q := range []string{`SELECT type || ' ' || name || ' ' || coalesce(sql, '') FROM sqlite_schema ORDER BY name`,
			`SELECT 'stat ' || tbl || ' ' || coalesce(idx, '') || ' ' || stat FROM sqlite_stat1 ORDER BY tbl, idx`} {
			rows, err := tx.QueryContext(t.Context(), q)
			if err != nil {
				return err
			}
			for rows.Next() {
				var line string
				if err := rows.Scan(&line); err != nil {
					rows.Close()
					return err
				}
				out = append(out, line)
			}
			if err := errors.Join(rows.Err(), rows.Close()); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// itemsOf are every item of t1 as stored (keys, scope, document, times).
func itemsOf(t *testing.T, s *Store) []string {
	t.Helper()
	var out []string
	for _, kind := range []string{"message", "todoTask"} {
		items, _, err := s.QueryItems(t.Context(), store.ItemQuery{TenantID: "t1", Kind: kind})
		if err != nil {
			t.Fatal(err)
		}
		for _, it := range items {
			out = append(out, fmt.Sprintf("%s %s %s %s %s %d %s %s", it.Kind, it.ID, it.OwnerID, it.ParentID, it.Doc, it.Version,
				it.CreatedAt.Format(time.RFC3339Nano), it.ModifiedAt.Format(time.RFC3339Nano)))
		}
	}
	return out
}

// TestBulkLoad: a bulk load stores what CreateItems stores (the same rows;
// the text index finds the same messages), leaves the schema and the
// planner statistics as they were, so the same plans read the same
// indexes (EXPLAIN); a load that fails, is cancelled or stores a duplicate
// keeps nothing, and leaves the indexes in place.
func TestBulkLoad(t *testing.T) {
	messages, tasks := bulkItemsFixture()
	ref := open(t, t.TempDir())
	if err := ref.CreateItems(t.Context(), messages...); err != nil {
		t.Fatal(err)
	}
	if err := ref.CreateItems(t.Context(), tasks...); err != nil {
		t.Fatal(err)
	}
	errLoad := errors.New("the load failed")
	all := func(ctx context.Context, items store.Items) error {
		if err := items.CreateItems(ctx, messages...); err != nil {
			return err
		}
		if err := items.CreateItems(ctx, tasks[:100]...); err != nil {
			return err
		}
		return items.CreateItems(ctx, tasks[100:]...)
	}
	for _, tc := range []struct {
		name    string
		load    func(ctx context.Context, items store.Items) error
		cancel  bool
		wantErr error // nil: any error
		stored  bool
	}{
		{name: "stores every item", load: all, stored: true},
		{name: "load fails", load: func(ctx context.Context, items store.Items) error {
			if err := all(ctx, items); err != nil {
				return err
			}
			return errLoad
		}, wantErr: errLoad},
		{name: "duplicate id", load: func(ctx context.Context, items store.Items) error {
			if err := all(ctx, items); err != nil {
				return err
			}
			return items.CreateItems(ctx, tasks[5])
		}},
		{name: "load goes on after a duplicate", load: func(ctx context.Context, items store.Items) error {
			if err := all(ctx, items); err != nil {
				return err
			}
			if err := items.CreateItems(ctx, tasks[5]); err == nil {
				return errors.New("a duplicate was stored")
			}
			return items.CreateItems(ctx, store.Item{TenantID: "t1", Kind: "todoTask", ID: "late", Doc: []byte(`{}`)})
		}},
		{name: "cancelled", cancel: true, load: func(ctx context.Context, items store.Items) error {
			if err := items.CreateItems(ctx, messages[:bulkChunk]...); err != nil {
				return err
			}
			return items.CreateItems(ctx, messages[bulkChunk:]...)
		}, wantErr: context.Canceled},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := open(t, t.TempDir())
			before := schemaOf(t, s)
			ctx, cancel := context.WithCancel(t.Context())
			defer cancel()
			var kept store.Items
			err := s.BulkLoad(ctx, func(ctx context.Context, items store.Items) error {
				kept = items
				if tc.cancel {
					cancel()
				}
				return tc.load(ctx, items)
			})
			switch {
			case tc.stored && err != nil:
				t.Fatalf("BulkLoad: %v", err)
			case !tc.stored && err == nil:
				t.Fatal("BulkLoad succeeded, want an error")
			case tc.wantErr != nil && !errors.Is(err, tc.wantErr):
				t.Fatalf("BulkLoad: %v, want %v", err, tc.wantErr)
			}
			if err := kept.CreateItems(t.Context(), tasks[0]); !errors.Is(err, errBulkDone) {
				t.Errorf("CreateItems after BulkLoad: %v, want errBulkDone", err)
			}
			if after := schemaOf(t, s); !slices.Equal(after, before) {
				t.Errorf("schema and statistics after the load:\n%s\nwant as before:\n%s", strings.Join(after, "\n"), strings.Join(before, "\n"))
			}
			got := itemsOf(t, s)
			if !tc.stored {
				if len(got) != 0 {
					t.Errorf("%d items kept after a failed load, want none", len(got))
				}
				return
			}
			if want := itemsOf(t, ref); !slices.Equal(got, want) {
				t.Errorf("bulk-loaded items differ from CreateItems' (%d and %d items)", len(got), len(want))
			}
			checkBulkPlans(t, s, ref)
		})
	}
}

// checkBulkPlans: the text index finds the same messages as in ref, and
// the same queries read the same indexes (the text index's candidates,
// migration 0016's task order).
func checkBulkPlans(t *testing.T, s, ref *Store) {
	t.Helper()
	// The text keys, as the trigger numbers them (insertion order).
	var keys [2][]string
	for i, st := range []*Store{s, ref} {
		err := st.read(t.Context(), func(tx *sql.Tx) error {
			rows, err := tx.QueryContext(t.Context(), `SELECT n || ' ' || id FROM items_text_keys ORDER BY n`)
			if err != nil {
				return err
			}
			defer rows.Close()
			for rows.Next() {
				var k string
				if err := rows.Scan(&k); err != nil {
					return err
				}
				keys[i] = append(keys[i], k)
			}
			return rows.Err()
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	if !slices.Equal(keys[0], keys[1]) || len(keys[0]) == 0 {
		t.Errorf("text keys: %d after the bulk load, %d after CreateItems, or numbered otherwise", len(keys[0]), len(keys[1]))
	}
	for _, term := range []string{"quokka", "zyzzyva"} {
		q := store.ItemQuery{TenantID: "t1", Kind: "message", OwnerID: "u1", ParentID: "inbox",
			Filter: store.Match{Field: store.Doc("body/content", store.TypeString), Kind: store.Contains, Text: term},
			Text:   []string{term}, Order: []store.Order{{Field: store.Doc("receivedDateTime", store.TypeTime), Desc: true}},
			Limit: 10, Count: true}
		var n [2]int
		for i, st := range []*Store{s, ref} {
			var err error
			if _, n[i], err = st.QueryItems(t.Context(), q); err != nil {
				t.Fatal(err)
			}
		}
		if n[0] != n[1] || (term == "quokka") != (n[0] > 0) {
			t.Errorf("$search %s: %d messages after the bulk load, %d after CreateItems", term, n[0], n[1])
		}
	}
	m := odata.JSONMapping("microsoft.graph.todoTask", odata.JSONProps{"status": odata.TypeString})
	e, err := odata.ParseFilter("status ne 'completed'", odata.Generic)
	if err != nil {
		t.Fatal(err)
	}
	tq := store.ItemQuery{TenantID: "t1", Kind: "todoTask", OwnerID: "u1", ParentID: "tasks", Limit: 50,
		Order: []store.Order{{Field: store.Column("created_at", store.TypeTime)}}}
	if tq.Filter, err = odata.Filter(e, m, odata.Generic); err != nil {
		t.Fatal(err)
	}
	unread := store.ItemQuery{TenantID: "t1", Kind: "message", OwnerID: "u1", ParentID: "inbox", Limit: 10, Count: true,
		Filter: store.Compare{Field: store.Doc("isRead", store.TypeBool), Op: store.Eq, Value: store.Bool(false)},
		Order:  []store.Order{{Field: store.Doc("receivedDateTime", store.TypeTime), Desc: true}}}
	for _, c := range []struct {
		q     store.ItemQuery
		index string
	}{{tq, "items_tasks_by_creation"}, {unread, "items_messages_by_folder_read"}} {
		var plans [2]string
		for i, st := range []*Store{s, ref} {
			stmts, err := st.ItemStatements(c.q, sqlstore.TextScope{})
			if err != nil {
				t.Fatal(err)
			}
			plans[i] = queryPlan(t, st, stmts.Page, stmts.PageArgs...)
		}
		if plans[0] != plans[1] || !strings.Contains(plans[0], "INDEX "+c.index+" ") {
			t.Errorf("plan after the bulk load:\n%s\nafter CreateItems:\n%s\nwant both to read %s", plans[0], plans[1], c.index)
		}
	}
}

// TestBulkItemsOnlyCreate: the Items of a bulk load refuses what is not a
// creation (store.ErrBulkOnlyCreates).
func TestBulkItemsOnlyCreate(t *testing.T) {
	s := open(t, t.TempDir())
	err := s.BulkLoad(t.Context(), func(ctx context.Context, items store.Items) error {
		_, e1 := items.GetItem(ctx, "t1", "message", "m1")
		_, e2 := items.UpdateItem(ctx, "t1", "message", "m1", 0, func(it store.Item) (store.Item, error) { return it, nil })
		_, e3 := items.DeleteItems(ctx, "t1", "message", "m1")
		_, _, e4 := items.QueryItems(ctx, store.ItemQuery{TenantID: "t1", Kind: "message"})
		e5 := items.Batch(ctx, func(store.Items) error { return nil })
		for i, err := range []error{e1, e2, e3, e4, e5} {
			if !errors.Is(err, store.ErrBulkOnlyCreates) {
				t.Errorf("method %d: %v, want ErrBulkOnlyCreates", i+1, err)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestDeferSync: while f runs the store's writes commit at
// synchronous=NORMAL, visible at once; afterwards the write pool is back
// at FULL, whether f succeeded or failed, and what f committed stays.
func TestDeferSync(t *testing.T) {
	errF := errors.New("f failed")
	for _, tc := range []struct {
		name string
		fErr error
	}{{"f succeeds", nil}, {"f fails", errF}} {
		t.Run(tc.name, func(t *testing.T) {
			s := open(t, t.TempDir())
			synchronous := func() int {
				var v int
				if err := s.w.QueryRowContext(t.Context(), `PRAGMA synchronous`).Scan(&v); err != nil {
					t.Fatal(err)
				}
				return v
			}
			messages, _ := bulkItemsFixture()
			err := s.DeferSync(t.Context(), func(ctx context.Context) error {
				if got := synchronous(); got != 1 {
					t.Errorf("synchronous = %d in f, want 1 (NORMAL)", got)
				}
				for _, m := range messages[:3] {
					if err := s.CreateItems(ctx, m); err != nil {
						return err
					}
				}
				if _, err := s.GetItem(ctx, "t1", "message", messages[2].ID); err != nil {
					t.Errorf("a write in f is not visible in f: %v", err)
				}
				return tc.fErr
			})
			if !errors.Is(err, tc.fErr) || (tc.fErr == nil) != (err == nil) {
				t.Fatalf("DeferSync: %v, want %v", err, tc.fErr)
			}
			if got := synchronous(); got != 2 {
				t.Errorf("synchronous = %d after DeferSync, want 2 (FULL)", got)
			}
			if _, n, err := s.QueryItems(t.Context(), store.ItemQuery{TenantID: "t1", Kind: "message", Count: true}); err != nil || n != 3 {
				t.Errorf("%d messages after DeferSync (%v), want the 3 f committed", n, err)
			}
		})
	}
}

// TestBulkTextIsTheTriggers: the text a bulk load indexes for a message
// (textOf) is the text migration 0011's insert trigger indexes, so that a
// migration changing one without the other fails here (TestBulkLoad then
// compares what $search finds).
func TestBulkTextIsTheTriggers(t *testing.T) {
	s := open(t, t.TempDir())
	var trigger string
	err := s.read(t.Context(), func(tx *sql.Tx) error {
		return tx.QueryRowContext(t.Context(), `SELECT sql FROM sqlite_schema WHERE type = 'trigger' AND name = 'items_text_insert'`).Scan(&trigger)
	})
	if err != nil {
		t.Fatal(err)
	}
	squeeze := func(s string) string { return strings.Join(strings.Fields(s), " ") }
	if want := "INSERT INTO items_text (rowid, text) VALUES ( (SELECT n FROM items_text_keys WHERE tenant_id = new.tenant_id AND kind = new.kind AND id = new.id), " +
		textOf("new") + ");"; !strings.Contains(squeeze(trigger), squeeze(want)) {
		t.Errorf("the trigger indexes other text than a bulk load:\n%s\nwant it to hold:\n%s", trigger, want)
	}
}
