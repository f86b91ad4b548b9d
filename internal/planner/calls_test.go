package planner

import (
	"strings"
	"testing"
)

// TestCalls: the integration's calls follow the plan — a refused feature
// makes none, a write service's calls come with its effective
// enable_update, and a shared mailbox's calls go to /users/{shared}.
func TestCalls(t *testing.T) {
	has := func(calls []Call, method, path string) bool {
		for _, c := range calls {
			if c.Method == method && c.Path == path {
				return true
			}
		}
		return false
	}
	for _, c := range []struct {
		name      string
		cfg       Config
		want, not []string // "METHOD PATH"
	}{
		{"default calendar", Config{},
			[]string{"GET /me", "GET /me/calendars", "GET /me/calendars/{calendar-id}/calendarView"},
			[]string{"POST /me/calendars/{calendar-id}/events", "POST /me/sendMail"}},
		{"calendar updates and send mail", Config{EnableUpdate: true},
			[]string{"POST /me/calendars/{calendar-id}/events", "PATCH /me/events/{event-id}", "DELETE /me/events/{event-id}",
				"POST /me/events/{event-id}/accept", "POST /me/events/{event-id}/tentativelyAccept", "POST /me/events/{event-id}/decline", "POST /me/sendMail"}, nil},
		{"basic calendar wins over updates", Config{BasicCalendar: true, EnableUpdate: true},
			[]string{"GET /me/calendars/{calendar-id}/calendarView"}, []string{"POST /me/calendars/{calendar-id}/events", "POST /me/sendMail"}},
		{"shared mailbox", Config{SharedMailbox: "support@contoso.com", EmailSensors: true, Todo: true, EnableUpdate: true},
			[]string{"GET /users/support@contoso.com/calendars", "GET /users/support@contoso.com/mailFolders/{folder-id}/messages", "POST /users/support@contoso.com/sendMail"},
			[]string{"GET /me/calendars", "GET /me/todo/lists"}},
		{"personal account refuses chat", Config{AccountType: Personal, ChatSensors: true, Todo: true},
			[]string{"GET /me/todo/lists"}, []string{"GET /me/chats", "POST /me/todo/lists/{list-id}/tasks"}},
		{"to do updates by override", Config{EnableCalendar: Bool(false), Todo: true, UpdateOverrides: map[Feature]bool{FeatureTodo: true}},
			[]string{"POST /me/todo/lists/{list-id}/tasks", "PATCH /me/todo/lists/{list-id}/tasks/{task-id}", "DELETE /me/todo/lists/{list-id}/tasks/{task-id}"},
			[]string{"GET /me/calendars"}},
		{"other user's status", Config{EnableCalendar: Bool(false), OtherStatusEmails: []string{"megan@contoso.com"}},
			[]string{"GET /users/megan@contoso.com", "GET /users/{user-id}/presence"}, []string{"GET /me/presence"}},
		{"auto reply is write-only", Config{EnableCalendar: Bool(false), AutoReply: true},
			[]string{"GET /me/mailboxSettings", "PATCH /me/mailboxSettings"}, nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			calls, err := New(nil).Calls(c.cfg)
			if err != nil {
				t.Fatal(err)
			}
			for _, w := range c.want {
				m, p, _ := strings.Cut(w, " ")
				if !has(calls, m, p) {
					t.Errorf("no %s in %+v", w, calls)
				}
			}
			for _, w := range c.not {
				m, p, _ := strings.Cut(w, " ")
				if has(calls, m, p) {
					t.Errorf("%s in %+v", w, calls)
				}
			}
			for _, call := range calls {
				if call.Write != (call.Method != "GET") {
					t.Errorf("%s %s: write %v", call.Method, call.Path, call.Write)
				}
			}
		})
	}
	if _, err := New(nil).Calls(Config{AccountType: "robot"}); err == nil {
		t.Error("an unknown account type plans calls")
	}
}
