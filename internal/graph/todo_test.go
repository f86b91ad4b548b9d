package graph_test

import (
	"slices"
	"strings"
	"testing"
	"time"
)

func titles(items []map[string]any) []string {
	var out []string
	for _, it := range items {
		out = append(out, str(it, "title"))
	}
	slices.Sort(out)
	return out
}

func TestTodo(t *testing.T) {
	e := newEnv(t)
	read := e.delegated("adele", "Tasks.Read")
	rw := e.delegated("adele", "Tasks.ReadWrite")

	body := e.must(200, "GET", "/me/todo/lists", read, nil)
	if str(body, "@odata.context") != e.base+"/$metadata#users('"+e.id("adele")+"')/todo/lists" {
		t.Errorf("@odata.context %q", body["@odata.context"])
	}
	lists := list(t, body)
	if len(lists) != 1 {
		t.Fatalf("lists = %v", lists)
	}
	def := lists[0]
	if def["displayName"] != "Tasks" || def["wellknownListName"] != "defaultList" || def["isOwner"] != true || def["isShared"] != false || str(def, "@odata.etag") == "" {
		t.Errorf("default list = %v", def)
	}
	listID := str(def, "id")
	tasksPath := "/me/todo/lists/" + listID + "/tasks"

	t.Run("Tasks", func(t *testing.T) {
		body := e.must(200, "GET", tasksPath, read, nil)
		if !strings.HasSuffix(str(body, "@odata.context"), "/todo/lists('"+listID+"')/tasks") {
			t.Errorf("@odata.context %q", body["@odata.context"])
		}
		ts := list(t, body)
		if got := titles(ts); !slices.Equal(got, []string{"Book travel to Fabrikam", "Review launch plan", "Submit expenses"}) {
			t.Errorf("tasks = %v", got)
		}
		review := find(ts, "title", "Review launch plan")
		if review["status"] != "notStarted" || review["importance"] != "normal" || str(review, "dueDateTime/timeZone") != "UTC" ||
			str(review, "body/contentType") != "text" {
			t.Errorf("Review launch plan = %v", review)
		}
		if _, err := time.Parse("2006-01-02T15:04:05.0000000", str(review, "dueDateTime/dateTime")); err != nil {
			t.Errorf("dueDateTime.dateTime: %v", err)
		}
		if _, ok := get(review, "dueDateTime").(map[string]any)["utc"]; ok {
			t.Error("the stored UTC instant leaks")
		}
		if _, ok := review["completedDateTime"]; ok {
			t.Errorf("an open task has completedDateTime: %v", review["completedDateTime"])
		}
		if done := find(ts, "title", "Submit expenses"); done["status"] != "completed" || str(done, "completedDateTime/dateTime") == "" {
			t.Errorf("completed task = %v", done)
		}
		open := list(t, e.must(200, "GET", tasksPath+"?$filter="+q("status ne 'completed'"), read, nil))
		if got := titles(open); !slices.Equal(got, []string{"Book travel to Fabrikam", "Review launch plan"}) {
			t.Errorf("status ne 'completed' = %v", got)
		}
		if all := e.all(tasksPath+"?$top=1", read); len(all) != 3 {
			t.Errorf("paging tasks with $top=1: %d", len(all))
		}
	})

	t.Run("CRUD", func(t *testing.T) {
		task := e.must(201, "POST", tasksPath, rw, map[string]any{"title": "Call Fabrikam", "importance": "high",
			"dueDateTime": map[string]any{"dateTime": "2030-01-01T09:00:00", "timeZone": "Pacific Standard Time"}})
		id := str(task, "id")
		if task["title"] != "Call Fabrikam" || task["status"] != "notStarted" || task["importance"] != "high" ||
			str(task, "dueDateTime/dateTime") != "2030-01-01T09:00:00.0000000" || str(task, "dueDateTime/timeZone") != "Pacific Standard Time" {
			t.Errorf("created task = %v", task)
		}
		wantError(t, e.do("POST", tasksPath, rw, map[string]any{"status": "notStarted"}), 400, "invalidRequest", "…")
		wantError(t, e.do("POST", tasksPath, read, map[string]any{"title": "x"}), 403, "ErrorAccessDenied", "Access is denied. Check credentials and try again.")

		before := time.Now().UTC().Add(-time.Minute)
		done := e.must(200, "PATCH", tasksPath+"/"+id, rw, map[string]any{"status": "completed"})
		if done["status"] != "completed" || str(done, "completedDateTime/timeZone") != "UTC" {
			t.Fatalf("completed task = %v", done)
		}
		at, err := time.Parse("2006-01-02T15:04:05.0000000", str(done, "completedDateTime/dateTime"))
		if err != nil || at.Before(before) || at.After(time.Now().UTC().Add(time.Minute)) {
			t.Errorf("completedDateTime %q (%v)", str(done, "completedDateTime/dateTime"), err)
		}
		open := list(t, e.must(200, "GET", tasksPath+"?$filter="+q("status ne 'completed'"), read, nil))
		if find(open, "title", "Call Fabrikam") != nil {
			t.Error("a completed task is listed as open")
		}
		reopened := e.must(200, "PATCH", tasksPath+"/"+id, rw, map[string]any{"status": "inProgress"})
		if _, ok := reopened["completedDateTime"]; ok || reopened["status"] != "inProgress" {
			t.Errorf("reopened task = %v", reopened)
		}
		wantError(t, e.do("PATCH", tasksPath+"/"+id, rw, map[string]any{"status": "finished"}), 400, "BadRequest", "…")
		wantError(t, e.do("PATCH", tasksPath+"/"+id, rw, map[string]any{"title": "x"}, header("If-Match", str(task, "@odata.etag"))), 412, "ErrorIrresolvableConflict", "…")
		if got := e.must(200, "GET", tasksPath+"/"+id, read, nil); got["title"] != "Call Fabrikam" || !strings.HasSuffix(str(got, "@odata.context"), "/tasks/$entity") {
			t.Errorf("GET task = %v", got)
		}
		e.must(204, "DELETE", tasksPath+"/"+id, rw, nil)
		wantError(t, e.do("GET", tasksPath+"/"+id, read, nil), 404, "ErrorItemNotFound", "…")
	})

	t.Run("Lists", func(t *testing.T) {
		l := e.must(201, "POST", "/me/todo/lists", rw, map[string]any{"displayName": "Groceries"})
		if l["displayName"] != "Groceries" || l["wellknownListName"] != "none" {
			t.Errorf("new list = %v", l)
		}
		e.must(201, "POST", "/me/todo/lists/"+str(l, "id")+"/tasks", rw, map[string]any{"title": "Milk"})
		if n := len(list(t, e.must(200, "GET", "/me/todo/lists", read, nil))); n != 2 {
			t.Errorf("%d lists", n)
		}
		if got := e.must(200, "PATCH", "/me/todo/lists/"+str(l, "id"), rw, map[string]any{"displayName": "Shopping"}); got["displayName"] != "Shopping" {
			t.Errorf("renamed list = %v", got)
		}
		wantError(t, e.do("DELETE", "/me/todo/lists/"+listID, rw, nil), 400, "invalidRequest", "…")
		e.must(204, "DELETE", "/me/todo/lists/"+str(l, "id"), rw, nil)
		wantError(t, e.do("GET", "/me/todo/lists/"+str(l, "id")+"/tasks", read, nil), 404, "ErrorItemNotFound", "…")
	})

	t.Run("DefaultListOnFirstUse", func(t *testing.T) {
		ls := list(t, e.must(200, "GET", "/me/todo/lists", e.personal("Tasks.Read"), nil))
		if len(ls) != 1 || ls[0]["wellknownListName"] != "defaultList" {
			t.Errorf("Sam's lists = %v", ls)
		}
	})

	t.Run("OtherUsers", func(t *testing.T) {
		megan := e.id("megan")
		wantError(t, e.do("GET", "/users/"+megan+"/todo/lists", read, nil), 403, "ErrorAccessDenied", "…")
		// Megan shared no tasks with Adele.
		r := e.do("GET", "/users/"+megan+"/todo/lists", e.delegated("adele", "Tasks.Read.Shared"), nil)
		if r.Status != 403 {
			t.Errorf("Tasks.Read.Shared on unshared tasks: %d %s", r.Status, r.Raw)
		}
		ls := list(t, e.must(200, "GET", "/users/"+megan+"/todo/lists", e.app("Tasks.Read.All"), nil))
		if len(ls) != 1 {
			t.Fatalf("Megan's lists = %v", ls)
		}
		ts := list(t, e.must(200, "GET", "/users/"+megan+"/todo/lists/"+str(ls[0], "id")+"/tasks", e.app("Tasks.Read.All"), nil))
		if got := titles(ts); !slices.Equal(got, []string{"Draft press release"}) {
			t.Errorf("Megan's tasks = %v", got)
		}
		// Adele's list id under Megan's mailbox names nothing.
		wantError(t, e.do("GET", "/users/"+megan+"/todo/lists/"+listID+"/tasks", e.app("Tasks.Read.All"), nil), 404, "ErrorItemNotFound", "…")
	})
}
