package exchange

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"

	"graphgate/internal/graph"
	"graphgate/internal/model"

	"graphgate/internal/odata"
	"graphgate/internal/store"
)

// To Do: task lists (a default "Tasks" list per user) and their tasks.

var taskStatuses = map[string]string{"notstarted": "notStarted", "inprogress": "inProgress", "completed": "completed",
	"waitingonothers": "waitingOnOthers", "deferred": "deferred"}

var importances = map[string]string{"low": "low", "normal": "normal", "high": "high"}

// The entities of To Do's endpoints: a user's lists, and a list's tasks.
var (
	entTodoLists = graph.Entity{Context: "users('{owner}')/todo/lists"}
	entTodoList  = graph.Entity{Context: "users('{owner}')/todo/lists/$entity"}
	entTodoTasks = graph.Entity{Context: "users('{owner}')/todo/lists('{1}')/tasks"}
	entTodoTask  = graph.Entity{Context: "users('{owner}')/todo/lists('{1}')/tasks/$entity"}
)

var _ = declare(graph.WorkloadExchange, slices.Concat(
	graph.Twins(graph.Endpoint{Method: "GET", Template: "/todo/lists", Handler: handle(server.listTodoLists), Entity: entTodoLists}),
	graph.Twins(graph.Endpoint{Method: "POST", Template: "/todo/lists", Handler: handle(server.createTodoList), Entity: entTodoList}),
	graph.Twins(graph.Endpoint{Method: "GET", Template: "/todo/lists/{id}", Handler: handle(server.getTodoList), Entity: entTodoList}),
	graph.Twins(graph.Endpoint{Method: "PATCH", Template: "/todo/lists/{id}", Handler: handle(server.updateTodoList), Entity: entTodoList}),
	graph.Twins(graph.Endpoint{Method: "DELETE", Template: "/todo/lists/{id}", Handler: handle(server.deleteTodoList)}),
	graph.Twins(graph.Endpoint{Method: "GET", Template: "/todo/lists/{id}/tasks", Handler: handle(server.listTodoTasks), Entity: entTodoTasks}),
	graph.Twins(graph.Endpoint{Method: "POST", Template: "/todo/lists/{id}/tasks", Handler: handle(server.createTodoTask), Entity: entTodoTask}),
	graph.Twins(graph.Endpoint{Method: "GET", Template: "/todo/lists/{id}/tasks/{id}", Handler: handle(server.getTodoTask), Entity: entTodoTask}),
	graph.Twins(graph.Endpoint{Method: "PATCH", Template: "/todo/lists/{id}/tasks/{id}", Handler: handle(server.updateTodoTask), Entity: entTodoTask}),
	graph.Twins(graph.Endpoint{Method: "DELETE", Template: "/todo/lists/{id}/tasks/{id}", Handler: handle(server.deleteTodoTask)}),
)...)

// todoOwner returns the owner of the request's lists, creating the default
// list on first use.
func (s server) todoOwner(c *graph.Call) (string, error) {
	return s.ownerWithDefault(c, model.KindTodoList, func(owner string) (string, any, string) {
		id := model.TodoListID(owner)
		return id, model.TodoList{ID: id, DisplayName: "Tasks", IsOwner: true, WellknownListName: "defaultList"}, ""
	})
}

func (s server) listTodoLists(c *graph.Call) error {
	owner, err := s.todoOwner(c)
	if err != nil {
		return err
	}
	q, err := c.ParseQuery(odata.Generic, 100, 1000)
	if err != nil {
		return err
	}
	return s.WriteCollection(c, graph.Collection{Q: q, Base: store.ItemQuery{TenantID: c.TenantID, Kind: model.KindTodoList, OwnerID: owner},
		Mapping:  graph.JSONMapping("microsoft.graph.todoTaskList", odata.JSONProps{"displayName": odata.TypeString, "wellknownListName": odata.TypeString, "id": odata.TypeString}),
		DefOrder: graph.ByCreation, Context: c.ContextURL()})
}

func (s server) getTodoList(c *graph.Call) error {
	owner, err := s.todoOwner(c)
	if err != nil {
		return err
	}
	it, err := s.GetOwned(c, model.KindTodoList, c.Param(1), owner)
	if err != nil {
		return err
	}
	return c.WriteItem(http.StatusOK, it, c.ContextURL(), nil, nil)
}

type todoListInput struct {
	DisplayName *string `json:"displayName"`
}

func (s server) createTodoList(c *graph.Call) error {
	owner, err := s.todoOwner(c)
	if err != nil {
		return err
	}
	var in todoListInput
	if err := c.ReadBody(&in, todoListBody); err != nil {
		return err
	}
	if in.DisplayName == nil || strings.TrimSpace(*in.DisplayName) == "" {
		return graph.ErrInvalidRequest("Invalid request: displayName is required.")
	}
	now := s.Now()
	id := graph.NewItemID("AAMkAGTl")
	it := store.Item{TenantID: c.TenantID, Kind: model.KindTodoList, ID: id, OwnerID: owner, CreatedAt: now, ModifiedAt: now, Version: 1,
		Doc: model.EncodeDoc(model.TodoList{ID: id, DisplayName: *in.DisplayName, IsOwner: true, WellknownListName: "none"})}
	if err := s.Store().CreateItems(c.Context(), it); err != nil {
		return graph.AsError(err)
	}
	return c.WriteItem(http.StatusCreated, it, c.ContextURL(), nil, nil)
}

func (s server) updateTodoList(c *graph.Call) error {
	owner, err := s.todoOwner(c)
	if err != nil {
		return err
	}
	var in todoListInput
	if err := c.ReadBody(&in, todoListBody); err != nil {
		return err
	}
	if _, err := s.GetOwned(c, model.KindTodoList, c.Param(1), owner); err != nil {
		return err
	}
	it, err := s.Store().UpdateItem(c.Context(), c.TenantID, model.KindTodoList, c.Param(1), 0, func(it store.Item) (store.Item, error) {
		l, err := model.DecodeDoc[model.TodoList](it)
		if err != nil {
			return it, err
		}
		if in.DisplayName != nil {
			l.DisplayName = *in.DisplayName
		}
		it.Doc = model.EncodeDoc(l)
		return it, nil
	})
	if err != nil {
		return graph.AsError(err)
	}
	return c.WriteItem(http.StatusOK, it, c.ContextURL(), nil, nil)
}

func (s server) deleteTodoList(c *graph.Call) error {
	owner, err := s.todoOwner(c)
	if err != nil {
		return err
	}
	it, err := s.GetOwned(c, model.KindTodoList, c.Param(1), owner)
	if err != nil {
		return err
	}
	if it.ID == model.TodoListID(owner) {
		return graph.ErrInvalidRequest("The default list cannot be deleted.")
	}
	tasks, _, err := s.Store().QueryItems(c.Context(), store.ItemQuery{TenantID: c.TenantID, Kind: model.KindTodoTask, OwnerID: owner, ParentID: it.ID})
	if err != nil {
		return graph.AsError(err)
	}
	ids := make([]string, len(tasks))
	for i, t := range tasks {
		ids[i] = t.ID
	}
	err = s.Store().Batch(c.Context(), func(tx store.Items) error {
		if _, err := tx.DeleteItems(c.Context(), c.TenantID, model.KindTodoTask, ids...); err != nil {
			return err
		}
		_, err := tx.DeleteItems(c.Context(), c.TenantID, model.KindTodoList, it.ID)
		return err
	})
	if err != nil {
		return graph.AsError(err)
	}
	return c.NoContent()
}

var taskProps = odata.JSONProps{"title": odata.TypeString, "status": odata.TypeString, "importance": odata.TypeString,
	"isReminderOn": odata.TypeBool, "createdDateTime": odata.TypeDateTime, "lastModifiedDateTime": odata.TypeDateTime,
	"body/content": odata.TypeString, "id": odata.TypeString, "dueDateTime/dateTime": odata.TypeString}

func (s server) listTodoTasks(c *graph.Call) error {
	owner, err := s.todoOwner(c)
	if err != nil {
		return err
	}
	if _, err := s.GetOwned(c, model.KindTodoList, c.Param(1), owner); err != nil {
		return err
	}
	q, err := c.ParseQuery(odata.Generic, 100, 1000)
	if err != nil {
		return err
	}
	return s.WriteCollection(c, graph.Collection{Q: q, Base: store.ItemQuery{TenantID: c.TenantID, Kind: model.KindTodoTask, OwnerID: owner, ParentID: c.Param(1)},
		Mapping: graph.JSONMapping("microsoft.graph.todoTask", taskProps), DefOrder: graph.ByCreation, Context: c.ContextURL()})
}

func (s server) getTodoTask(c *graph.Call) error {
	owner, err := s.todoOwner(c)
	if err != nil {
		return err
	}
	it, err := s.GetOwned(c, model.KindTodoTask, c.Param(2), owner)
	if err != nil || it.ParentID != c.Param(1) {
		return graph.ErrItemNotFound()
	}
	return c.WriteItem(http.StatusOK, it, c.ContextURL(), nil, nil)
}

// todoTaskInput is the body of POST and PATCH on tasks.
type todoTaskInput struct {
	Title             *string                 `json:"title"`
	Status            *string                 `json:"status"`
	Importance        *string                 `json:"importance"`
	IsReminderOn      *bool                   `json:"isReminderOn"`
	Categories        *[]string               `json:"categories"`
	Body              *model.ItemBody         `json:"body"`
	DueDateTime       *model.DateTimeTimeZone `json:"dueDateTime"`
	ReminderDateTime  *model.DateTimeTimeZone `json:"reminderDateTime"`
	StartDateTime     *model.DateTimeTimeZone `json:"startDateTime"`
	CompletedDateTime *model.DateTimeTimeZone `json:"completedDateTime"`
}

func (in todoTaskInput) apply(t *model.TodoTask, now string) error {
	if in.Title != nil {
		t.Title = *in.Title
	}
	if in.Status != nil {
		st, ok := taskStatuses[strings.ToLower(*in.Status)]
		if !ok {
			return graph.ErrBadRequest("Invalid value '%s' for property 'status'.", *in.Status)
		}
		if st == "completed" && t.Status != "completed" && in.CompletedDateTime == nil {
			cdt, _ := model.ParseStoredTime(now)
			d := model.StoredDTZ(cdt, "UTC")
			t.CompletedDateTime = &d
		}
		if st != "completed" {
			t.CompletedDateTime = nil
		}
		t.Status = st
	}
	if in.Importance != nil {
		imp, ok := importances[strings.ToLower(*in.Importance)]
		if !ok {
			return graph.ErrBadRequest("Invalid value '%s' for property 'importance'.", *in.Importance)
		}
		t.Importance = imp
	}
	if in.IsReminderOn != nil {
		t.IsReminderOn = *in.IsReminderOn
	}
	if in.Categories != nil {
		t.Categories = *in.Categories
	}
	if in.Body != nil {
		t.Body, t.BodyLastModifiedDateTime = *in.Body, now
	}
	for _, x := range []struct {
		in  *model.DateTimeTimeZone
		dst **model.DateTimeTimeZone
	}{{in.DueDateTime, &t.DueDateTime}, {in.ReminderDateTime, &t.ReminderDateTime}, {in.StartDateTime, &t.StartDateTime}, {in.CompletedDateTime, &t.CompletedDateTime}} {
		if x.in != nil {
			tm, err := parseDTZ(*x.in)
			if err != nil {
				return err
			}
			d := model.StoredDTZ(tm, orUTC(x.in.TimeZone))
			*x.dst = &d
		}
	}
	t.LastModifiedDateTime = now
	return nil
}

func orUTC(z string) string {
	if z == "" {
		return "UTC"
	}
	return z
}

func (s server) createTodoTask(c *graph.Call) error {
	owner, err := s.todoOwner(c)
	if err != nil {
		return err
	}
	if _, err := s.GetOwned(c, model.KindTodoList, c.Param(1), owner); err != nil {
		return err
	}
	var in todoTaskInput
	if err := c.ReadBody(&in, todoTaskBody); err != nil {
		return err
	}
	if in.Title == nil {
		return graph.ErrInvalidRequest("Invalid request: title is required.")
	}
	now := model.StoredTime(s.Now())
	id := graph.NewItemID("AAMkAGTk")
	t := model.TodoTask{ID: id, Status: "notStarted", Importance: "normal", CreatedDateTime: now, BodyLastModifiedDateTime: now,
		Categories: []string{}, Body: model.ItemBody{ContentType: "text"}}
	if err := in.apply(&t, now); err != nil {
		return err
	}
	nowT := s.Now()
	it := store.Item{TenantID: c.TenantID, Kind: model.KindTodoTask, ID: id, OwnerID: owner, ParentID: c.Param(1), Doc: model.EncodeDoc(t), CreatedAt: nowT, ModifiedAt: nowT, Version: 1}
	if err := s.Store().CreateItems(c.Context(), it); err != nil {
		return graph.AsError(err)
	}
	return c.WriteItem(http.StatusCreated, it, c.ContextURL(), nil, nil)
}

func (s server) updateTodoTask(c *graph.Call) error {
	owner, err := s.todoOwner(c)
	if err != nil {
		return err
	}
	cur, err := s.GetOwned(c, model.KindTodoTask, c.Param(2), owner)
	if err != nil || cur.ParentID != c.Param(1) {
		return graph.ErrItemNotFound()
	}
	var in todoTaskInput
	if err := c.ReadBody(&in, todoTaskBody); err != nil {
		return err
	}
	ifVersion, err := graph.VersionOfETag(c.Request().Header.Get("If-Match"))
	if err != nil {
		return err
	}
	it, err := graph.UpdateDoc(c, s.Store(), model.KindTodoTask, cur.ID, ifVersion, func(_ store.Item, t *model.TodoTask) (json.RawMessage, error) {
		if err := in.apply(t, model.StoredTime(s.Now())); err != nil {
			return nil, err
		}
		return model.EncodeDoc(*t), nil
	})
	if err != nil {
		return err
	}
	return c.WriteItem(http.StatusOK, it, c.ContextURL(), nil, nil)
}

func (s server) deleteTodoTask(c *graph.Call) error {
	owner, err := s.todoOwner(c)
	if err != nil {
		return err
	}
	it, err := s.GetOwned(c, model.KindTodoTask, c.Param(2), owner)
	if err != nil || it.ParentID != c.Param(1) {
		return graph.ErrItemNotFound()
	}
	if _, err := s.Store().DeleteItems(c.Context(), c.TenantID, model.KindTodoTask, it.ID); err != nil {
		return graph.AsError(err)
	}
	return c.NoContent()
}
