package graph

import (
	"errors"
	"net/http"
	"slices"
	"strings"

	"graphgate/internal/odata"
	"graphgate/internal/store"
)

// To Do: task lists (a default "Tasks" list per user) and their tasks.

var taskStatuses = map[string]string{"notstarted": "notStarted", "inprogress": "inProgress", "completed": "completed",
	"waitingonothers": "waitingOnOthers", "deferred": "deferred"}

var importances = map[string]string{"low": "low", "normal": "normal", "high": "high"}

var _ = declare(WorkloadExchange, slices.Concat(
	Twins(Endpoint{Method: "GET", Template: "/todo/lists", Handler: (*Server).listTodoLists}),
	Twins(Endpoint{Method: "POST", Template: "/todo/lists", Handler: (*Server).createTodoList}),
	Twins(Endpoint{Method: "GET", Template: "/todo/lists/{id}", Handler: (*Server).getTodoList}),
	Twins(Endpoint{Method: "PATCH", Template: "/todo/lists/{id}", Handler: (*Server).updateTodoList}),
	Twins(Endpoint{Method: "DELETE", Template: "/todo/lists/{id}", Handler: (*Server).deleteTodoList}),
	Twins(Endpoint{Method: "GET", Template: "/todo/lists/{id}/tasks", Handler: (*Server).listTodoTasks}),
	Twins(Endpoint{Method: "POST", Template: "/todo/lists/{id}/tasks", Handler: (*Server).createTodoTask}),
	Twins(Endpoint{Method: "GET", Template: "/todo/lists/{id}/tasks/{id}", Handler: (*Server).getTodoTask}),
	Twins(Endpoint{Method: "PATCH", Template: "/todo/lists/{id}/tasks/{id}", Handler: (*Server).updateTodoTask}),
	Twins(Endpoint{Method: "DELETE", Template: "/todo/lists/{id}/tasks/{id}", Handler: (*Server).deleteTodoTask}),
)...)

// todoOwner returns the owner of the request's lists, creating the default
// list on first use.
func (s *Server) todoOwner(c *Call) (string, error) {
	return s.ownerWithDefault(c, KindTodoList, func(owner string) (string, any, string) {
		id := defaultListID(owner)
		return id, todoListDoc{ID: id, DisplayName: "Tasks", IsOwner: true, WellknownListName: "defaultList"}, ""
	})
}

func (s *Server) listTodoLists(c *Call) error {
	owner, err := s.todoOwner(c)
	if err != nil {
		return err
	}
	q, err := c.ParseQuery(odata.Generic, 100, 1000)
	if err != nil {
		return err
	}
	return s.writeCollection(c, collection{q: q, base: store.ItemQuery{TenantID: c.TenantID, Kind: KindTodoList, OwnerID: owner},
		mapping:  jsonMapping("microsoft.graph.todoTaskList", odata.JSONProps{"displayName": odata.TypeString, "wellknownListName": odata.TypeString, "id": odata.TypeString}),
		defOrder: byCreation, context: c.BaseURL() + "/$metadata#users('" + owner + "')/todo/lists"})
}

func (s *Server) getTodoList(c *Call) error {
	owner, err := s.todoOwner(c)
	if err != nil {
		return err
	}
	it, err := s.getOwned(c, KindTodoList, c.Param(1), owner)
	if err != nil {
		return err
	}
	return c.writeItem(http.StatusOK, it, c.BaseURL()+"/$metadata#users('"+owner+"')/todo/lists/$entity", nil, nil)
}

type todoListInput struct {
	DisplayName *string `json:"displayName"`
}

func (s *Server) createTodoList(c *Call) error {
	owner, err := s.todoOwner(c)
	if err != nil {
		return err
	}
	var in todoListInput
	if err := c.ReadBody(&in, todoListBody); err != nil {
		return err
	}
	if in.DisplayName == nil || strings.TrimSpace(*in.DisplayName) == "" {
		return ErrInvalidRequest("Invalid request: displayName is required.")
	}
	now := s.now()
	id := newItemID("AAMkAGTl")
	it := store.Item{TenantID: c.TenantID, Kind: KindTodoList, ID: id, OwnerID: owner, CreatedAt: now, ModifiedAt: now, Version: 1,
		Doc: EncodeDoc(todoListDoc{ID: id, DisplayName: *in.DisplayName, IsOwner: true, WellknownListName: "none"})}
	if err := s.store.CreateItems(c.ctx, it); err != nil {
		return AsError(err)
	}
	return c.writeItem(http.StatusCreated, it, c.BaseURL()+"/$metadata#users('"+owner+"')/todo/lists/$entity", nil, nil)
}

func (s *Server) updateTodoList(c *Call) error {
	owner, err := s.todoOwner(c)
	if err != nil {
		return err
	}
	var in todoListInput
	if err := c.ReadBody(&in, todoListBody); err != nil {
		return err
	}
	if _, err := s.getOwned(c, KindTodoList, c.Param(1), owner); err != nil {
		return err
	}
	it, err := s.store.UpdateItem(c.ctx, c.TenantID, KindTodoList, c.Param(1), 0, func(it store.Item) (store.Item, error) {
		l, err := DecodeDoc[todoListDoc](it)
		if err != nil {
			return it, err
		}
		if in.DisplayName != nil {
			l.DisplayName = *in.DisplayName
		}
		it.Doc = EncodeDoc(l)
		return it, nil
	})
	if err != nil {
		return AsError(err)
	}
	return c.writeItem(http.StatusOK, it, c.BaseURL()+"/$metadata#users('"+owner+"')/todo/lists/$entity", nil, nil)
}

func (s *Server) deleteTodoList(c *Call) error {
	owner, err := s.todoOwner(c)
	if err != nil {
		return err
	}
	it, err := s.getOwned(c, KindTodoList, c.Param(1), owner)
	if err != nil {
		return err
	}
	if it.ID == defaultListID(owner) {
		return ErrInvalidRequest("The default list cannot be deleted.")
	}
	tasks, _, err := s.store.QueryItems(c.ctx, store.ItemQuery{TenantID: c.TenantID, Kind: KindTodoTask, OwnerID: owner, ParentID: it.ID})
	if err != nil {
		return AsError(err)
	}
	ids := make([]string, len(tasks))
	for i, t := range tasks {
		ids[i] = t.ID
	}
	err = s.store.Batch(c.ctx, func(tx store.Items) error {
		if _, err := tx.DeleteItems(c.ctx, c.TenantID, KindTodoTask, ids...); err != nil {
			return err
		}
		_, err := tx.DeleteItems(c.ctx, c.TenantID, KindTodoList, it.ID)
		return err
	})
	if err != nil {
		return AsError(err)
	}
	return c.NoContent()
}

var taskProps = odata.JSONProps{"title": odata.TypeString, "status": odata.TypeString, "importance": odata.TypeString,
	"isReminderOn": odata.TypeBool, "createdDateTime": odata.TypeDateTime, "lastModifiedDateTime": odata.TypeDateTime,
	"body/content": odata.TypeString, "id": odata.TypeString, "dueDateTime/dateTime": odata.TypeString}

func (s *Server) taskContext(c *Call, owner string) string {
	return c.BaseURL() + "/$metadata#users('" + owner + "')/todo/lists('" + c.Param(1) + "')/tasks"
}

func (s *Server) listTodoTasks(c *Call) error {
	owner, err := s.todoOwner(c)
	if err != nil {
		return err
	}
	if _, err := s.getOwned(c, KindTodoList, c.Param(1), owner); err != nil {
		return err
	}
	q, err := c.ParseQuery(odata.Generic, 100, 1000)
	if err != nil {
		return err
	}
	return s.writeCollection(c, collection{q: q, base: store.ItemQuery{TenantID: c.TenantID, Kind: KindTodoTask, OwnerID: owner, ParentID: c.Param(1)},
		mapping: jsonMapping("microsoft.graph.todoTask", taskProps), defOrder: byCreation, context: s.taskContext(c, owner)})
}

func (s *Server) getTodoTask(c *Call) error {
	owner, err := s.todoOwner(c)
	if err != nil {
		return err
	}
	it, err := s.getOwned(c, KindTodoTask, c.Param(2), owner)
	if err != nil || it.ParentID != c.Param(1) {
		return ErrItemNotFound()
	}
	return c.writeItem(http.StatusOK, it, s.taskContext(c, owner)+"/$entity", nil, nil)
}

// todoTaskInput is the body of POST and PATCH on tasks.
type todoTaskInput struct {
	Title             *string           `json:"title"`
	Status            *string           `json:"status"`
	Importance        *string           `json:"importance"`
	IsReminderOn      *bool             `json:"isReminderOn"`
	Categories        *[]string         `json:"categories"`
	Body              *itemBody         `json:"body"`
	DueDateTime       *dateTimeTimeZone `json:"dueDateTime"`
	ReminderDateTime  *dateTimeTimeZone `json:"reminderDateTime"`
	StartDateTime     *dateTimeTimeZone `json:"startDateTime"`
	CompletedDateTime *dateTimeTimeZone `json:"completedDateTime"`
}

func (in todoTaskInput) apply(t *todoTaskDoc, now string) error {
	if in.Title != nil {
		t.Title = *in.Title
	}
	if in.Status != nil {
		st, ok := taskStatuses[strings.ToLower(*in.Status)]
		if !ok {
			return ErrBadRequest("Invalid value '%s' for property 'status'.", *in.Status)
		}
		if st == "completed" && t.Status != "completed" && in.CompletedDateTime == nil {
			cdt, _ := parseStoredTime(now)
			d := storedDTZ(cdt, "UTC")
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
			return ErrBadRequest("Invalid value '%s' for property 'importance'.", *in.Importance)
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
		in  *dateTimeTimeZone
		dst **dateTimeTimeZone
	}{{in.DueDateTime, &t.DueDateTime}, {in.ReminderDateTime, &t.ReminderDateTime}, {in.StartDateTime, &t.StartDateTime}, {in.CompletedDateTime, &t.CompletedDateTime}} {
		if x.in != nil {
			tm, err := parseDTZ(*x.in)
			if err != nil {
				return err
			}
			d := storedDTZ(tm, orUTC(x.in.TimeZone))
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

func (s *Server) createTodoTask(c *Call) error {
	owner, err := s.todoOwner(c)
	if err != nil {
		return err
	}
	if _, err := s.getOwned(c, KindTodoList, c.Param(1), owner); err != nil {
		return err
	}
	var in todoTaskInput
	if err := c.ReadBody(&in, todoTaskBody); err != nil {
		return err
	}
	if in.Title == nil {
		return ErrInvalidRequest("Invalid request: title is required.")
	}
	now := storedTime(s.now())
	id := newItemID("AAMkAGTk")
	t := todoTaskDoc{ID: id, Status: "notStarted", Importance: "normal", CreatedDateTime: now, BodyLastModifiedDateTime: now,
		Categories: []string{}, Body: itemBody{ContentType: "text"}}
	if err := in.apply(&t, now); err != nil {
		return err
	}
	nowT := s.now()
	it := store.Item{TenantID: c.TenantID, Kind: KindTodoTask, ID: id, OwnerID: owner, ParentID: c.Param(1), Doc: EncodeDoc(t), CreatedAt: nowT, ModifiedAt: nowT, Version: 1}
	if err := s.store.CreateItems(c.ctx, it); err != nil {
		return AsError(err)
	}
	return c.writeItem(http.StatusCreated, it, s.taskContext(c, owner)+"/$entity", nil, nil)
}

func (s *Server) updateTodoTask(c *Call) error {
	owner, err := s.todoOwner(c)
	if err != nil {
		return err
	}
	cur, err := s.getOwned(c, KindTodoTask, c.Param(2), owner)
	if err != nil || cur.ParentID != c.Param(1) {
		return ErrItemNotFound()
	}
	var in todoTaskInput
	if err := c.ReadBody(&in, todoTaskBody); err != nil {
		return err
	}
	ifVersion, err := versionOfETag(c.r.Header.Get("If-Match"))
	if err != nil {
		return err
	}
	var perr error
	it, err := s.store.UpdateItem(c.ctx, c.TenantID, KindTodoTask, cur.ID, ifVersion, func(it store.Item) (store.Item, error) {
		t, err := DecodeDoc[todoTaskDoc](it)
		if err != nil {
			return it, err
		}
		if perr = in.apply(&t, storedTime(s.now())); perr != nil {
			return it, perr
		}
		it.Doc = EncodeDoc(t)
		return it, nil
	})
	switch {
	case perr != nil:
		return perr
	case errors.Is(err, store.ErrPrecondition):
		return ErrPreconditionFailed()
	case err != nil:
		return AsError(err)
	}
	return c.writeItem(http.StatusOK, it, s.taskContext(c, owner)+"/$entity", nil, nil)
}

func (s *Server) deleteTodoTask(c *Call) error {
	owner, err := s.todoOwner(c)
	if err != nil {
		return err
	}
	it, err := s.getOwned(c, KindTodoTask, c.Param(2), owner)
	if err != nil || it.ParentID != c.Param(1) {
		return ErrItemNotFound()
	}
	if _, err := s.store.DeleteItems(c.ctx, c.TenantID, KindTodoTask, it.ID); err != nil {
		return AsError(err)
	}
	return c.NoContent()
}
