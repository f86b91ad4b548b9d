package sqlite

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"graphgate/internal/odata"
	"graphgate/internal/store"
	"graphgate/internal/store/sqlstore"
)

// TestTasksInCreationOrderUseIndex: a To Do list's page in Graph's default
// order (creation, then id), filtered as clients filter it, reads migration
// 0016's index in order — no sort of the whole list — and answers the
// right tasks, on a fresh database (no ANALYZE).
func TestTasksInCreationOrderUseIndex(t *testing.T) {
	s := open(t, t.TempDir())
	tenant, owner := "t1", "u1"
	base := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	var items []store.Item
	for _, list := range []string{"tasks", "groceries"} {
		for i := range 400 {
			status := "completed"
			if i%5 == 0 {
				status = "notStarted"
			}
			id := fmt.Sprintf("%s-t%04d", list, 399-i) // ids against the creation order
			at := base.Add(time.Duration(i) * time.Minute)
			items = append(items, store.Item{TenantID: tenant, Kind: "todoTask", ID: id, OwnerID: owner, ParentID: list,
				CreatedAt: at, ModifiedAt: at, Version: 1,
				Doc: fmt.Appendf(nil, `{"id":%q,"title":"Task %d","status":%q}`, id, i, status)})
		}
	}
	if err := s.CreateItems(t.Context(), items...); err != nil {
		t.Fatal(err)
	}
	m := odata.JSONMapping("microsoft.graph.todoTask", odata.JSONProps{"status": odata.TypeString, "title": odata.TypeString})
	e, err := odata.ParseFilter("status ne 'completed'", odata.Generic)
	if err != nil {
		t.Fatal(err)
	}
	q := store.ItemQuery{TenantID: tenant, Kind: "todoTask", OwnerID: owner, ParentID: "tasks", Limit: 50,
		Order: []store.Order{{Field: store.Column("created_at", store.TypeTime)}}}
	if q.Filter, err = odata.Filter(e, m, odata.Generic); err != nil {
		t.Fatal(err)
	}
	st, err := s.ItemStatements(q, sqlstore.TextScope{})
	if err != nil {
		t.Fatal(err)
	}
	plan := queryPlan(t, s, st.Page, st.PageArgs...)
	t.Logf("EXPLAIN QUERY PLAN %s\n%s", st.Page, plan)
	if !strings.Contains(plan, "INDEX items_tasks_by_creation ") {
		t.Errorf("plan does not use items_tasks_by_creation:\n%s", plan)
	}
	if strings.Contains(plan, "TEMP B-TREE FOR ORDER BY") || strings.Contains(plan, "SCAN items") {
		t.Errorf("plan sorts or scans instead of reading the index in order:\n%s", plan)
	}
	got, _, err := s.QueryItems(t.Context(), q)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 50 {
		t.Fatalf("%d tasks, want 50", len(got))
	}
	for i, it := range got {
		// The open tasks are every fifth created: the i-th is the (5i)-th.
		if want := fmt.Sprintf("tasks-t%04d", 399-5*i); it.ID != want {
			t.Fatalf("task %d is %s, want %s", i, it.ID, want)
		}
	}
}
