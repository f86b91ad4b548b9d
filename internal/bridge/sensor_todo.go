package bridge

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"time"

	"graphgate/internal/bridge/graphclient"
	"graphgate/internal/bridge/mqttha"
	"graphgate/internal/planner"
)

// To Do sensors (one per list: the number of incomplete tasks, with
// all_tasks and overdue_tasks) and the auto reply sensor.

type graphTodoList struct {
	ID          string `json:"id"`
	DisplayName string `json:"displayName"`
}

type graphTask struct {
	ID               string    `json:"id"`
	Title            string    `json:"title"`
	Status           string    `json:"status"`
	Importance       string    `json:"importance"`
	Body             itemBody  `json:"body"`
	DueDateTime      graphTime `json:"dueDateTime"`
	ReminderDateTime graphTime `json:"reminderDateTime"`
	IsReminderOn     bool      `json:"isReminderOn"`
}

func (a *account) todoLists(ctx context.Context) ([]graphTodoList, error) {
	return graphclient.List[graphTodoList](ctx, a.gc, "/me/todo/lists", nil, 0)
}

// findTodoList finds a list by id or display name.
func (a *account) findTodoList(ctx context.Context, ref string) (string, error) {
	if ref == "" {
		return "", fmt.Errorf("list (a To Do list's name or id) is required")
	}
	lists, err := a.todoLists(ctx)
	if err != nil {
		return "", err
	}
	for _, l := range lists {
		if l.ID == ref || strings.EqualFold(l.DisplayName, ref) {
			return l.ID, nil
		}
	}
	return "", &serviceError{Code: "listNotFound", Message: fmt.Sprintf("no To Do list %q", ref)}
}

func (a *account) todoSensor(c TodoConfig, every time.Duration) *sensor {
	return newSensor(planner.FeatureTodo, "todo", every, func(ctx context.Context) ([]entity, error) {
		lists, err := a.todoLists(ctx)
		if err != nil {
			return nil, err
		}
		now := time.Now().UTC()
		var out []entity
		for _, l := range lists {
			if len(c.Lists) > 0 && !containsFold(c.Lists, l.DisplayName) && !containsFold(c.Lists, l.ID) {
				continue
			}
			tasks, err := graphclient.List[graphTask](ctx, a.gc, "/me/todo/lists/"+url.PathEscape(l.ID)+"/tasks",
				graphclient.Query{}.Add("$top", "100").Add("$filter", "status ne 'completed'"), 0)
			if err != nil {
				return nil, err
			}
			all, overdue := []map[string]any{}, []map[string]any{}
			for _, t := range tasks {
				m := map[string]any{"subject": t.Title, "task_id": t.ID, "status": t.Status, "importance": t.Importance}
				if t.Body.Content != "" {
					m["description"] = t.Body.Content
				}
				if d, ok := t.DueDateTime.time(); ok {
					m["due"] = d.Format("2006-01-02")
					if d.Before(now.Truncate(24 * time.Hour)) {
						overdue = append(overdue, m)
					}
				}
				if r, ok := t.ReminderDateTime.time(); ok && t.IsReminderOn {
					m["reminder"] = r.Format(time.RFC3339)
				}
				all = append(all, m)
			}
			out = append(out, entity{component: "sensor", object: "todo_" + mqttha.Slug(l.DisplayName), name: l.DisplayName,
				icon: "mdi:clipboard-list", state: fmt.Sprint(len(tasks)), unit: "tasks",
				attrs: map[string]any{"list_id": l.ID, "list_name": l.DisplayName, "all_tasks": all, "overdue_tasks": overdue}})
		}
		return out, nil
	})
}

func containsFold(list []string, s string) bool {
	for _, x := range list {
		if strings.EqualFold(x, s) {
			return true
		}
	}
	return false
}

type autoReplySetting struct {
	Status                 string    `json:"status"`
	ExternalAudience       string    `json:"externalAudience"`
	InternalReplyMessage   string    `json:"internalReplyMessage"`
	ExternalReplyMessage   string    `json:"externalReplyMessage"`
	ScheduledStartDateTime graphTime `json:"scheduledStartDateTime"`
	ScheduledEndDateTime   graphTime `json:"scheduledEndDateTime"`
}

// autoReplySensor shows automaticRepliesSetting (GET /me/mailboxSettings).
func (a *account) autoReplySensor(s AutoReplySensor, every time.Duration) *sensor {
	obj := "auto_reply_" + mqttha.Slug(firstNonEmpty(s.Name, "auto_reply"))
	return newSensor(planner.FeatureAutoReply, obj, every, func(ctx context.Context) ([]entity, error) {
		var ms struct {
			AutomaticRepliesSetting autoReplySetting `json:"automaticRepliesSetting"`
		}
		if err := a.gc.Get(ctx, "/me/mailboxSettings", nil, &ms); err != nil {
			return nil, err
		}
		ar := ms.AutomaticRepliesSetting
		return []entity{{component: "sensor", object: obj, name: firstNonEmpty(s.Name, "Auto reply"), icon: "mdi:reply-all",
			state: firstNonEmpty(ar.Status, "disabled"), attrs: map[string]any{
				"external_reply": ar.ExternalReplyMessage, "internal_reply": ar.InternalReplyMessage,
				"external_audience": ar.ExternalAudience, "start": ar.ScheduledStartDateTime.String(), "end": ar.ScheduledEndDateTime.String()}}}, nil
	})
}
