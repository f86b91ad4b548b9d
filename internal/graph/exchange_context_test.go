package graph_test

import (
	"strings"
	"testing"
)

// Every Exchange endpoint that answers with a body says what it is in
// @odata.context, in Graph's form: the mailbox owner's object id (also on
// a /users/{upn} path), the item a navigation hangs off, and the folder a
// well-known name stands for. The contexts come from the descriptors
// (Entity.Context); this walks each one served.
func TestExchangeContexts(t *testing.T) {
	e := newEnv(t)
	adele := e.id("adele")
	tok := e.delegated("adele", "Mail.ReadWrite", "Calendars.ReadWrite", "Tasks.ReadWrite", "Contacts.ReadWrite",
		"MailboxSettings.ReadWrite", "People.Read")
	grp := e.delegated("adele", "Group.ReadWrite.All", "Calendars.Read")
	id := func(m map[string]any) string {
		t.Helper()
		if s := str(m, "id"); s != "" {
			return s
		}
		t.Fatalf("no id in %v", m)
		return ""
	}
	ev := func(subject string) map[string]any {
		return map[string]any{"subject": subject, "start": utcDTZ("2031-03-02T09:00:00"), "end": utcDTZ("2031-03-02T10:00:00")}
	}
	win := "startDateTime=2031-03-01T00:00:00Z&endDateTime=2031-03-08T00:00:00Z"

	// What the walk reads and changes, made once through /me.
	folder := id(e.must(201, "POST", "/me/mailFolders", tok, map[string]any{"displayName": "Context walk"}))
	msg := id(e.must(201, "POST", "/me/messages", tok, map[string]any{"subject": "Context walk"}))
	toMove := id(e.must(201, "POST", "/me/messages", tok, map[string]any{"subject": "Context walk, moved"}))
	att := id(e.must(201, "POST", "/me/messages/"+msg+"/attachments", tok, map[string]any{"@odata.type": "#microsoft.graph.fileAttachment",
		"name": "walk.txt", "contentBytes": "aGk="}))
	cal := id(e.must(201, "POST", "/me/calendars", tok, map[string]any{"name": "Context walk"}))
	event := id(e.must(201, "POST", "/me/events", tok, ev("Context walk")))
	calEvent := id(e.must(201, "POST", "/me/calendars/"+cal+"/events", tok, ev("Context walk, own calendar")))
	groupEvent := id(e.must(201, "POST", "/groups/"+marketingID+"/events", grp, ev("Context walk, group")))
	todoList := id(e.must(201, "POST", "/me/todo/lists", tok, map[string]any{"displayName": "Context walk"}))
	task := id(e.must(201, "POST", "/me/todo/lists/"+todoList+"/tasks", tok, map[string]any{"title": "Context walk"}))
	cf := id(e.must(201, "POST", "/me/contactFolders", tok, map[string]any{"displayName": "Context walk"}))
	contact := id(e.must(201, "POST", "/me/contacts", tok, map[string]any{"givenName": "Context", "surname": "Walk"}))
	cfContact := id(e.must(201, "POST", "/me/contactFolders/"+cf+"/contacts", tok, map[string]any{"givenName": "Folder", "surname": "Walk"}))
	defaultContacts := str(e.must(200, "GET", "/me/contacts/"+contact, tok, nil), "parentFolderId")

	type step struct {
		method, path string
		body         any
		status       int
		want         string // after $metadata#
	}
	// steps are one mailbox's, on base (/me or /users/{upn}); n tells
	// the names of what they create apart.
	steps := func(base, n string) []step {
		u := "users('" + adele + "')"
		return []step{
			// Mail folders and messages.
			{"GET", base + "/mailFolders", nil, 200, u + "/mailFolders"},
			{"POST", base + "/mailFolders", map[string]any{"displayName": "Walk " + n}, 201, u + "/mailFolders/$entity"},
			{"GET", base + "/mailFolders/" + folder, nil, 200, u + "/mailFolders/$entity"},
			{"GET", base + "/mailFolders/inbox", nil, 200, u + "/mailFolders/$entity"},
			{"PATCH", base + "/mailFolders/" + folder, map[string]any{"isHidden": false}, 200, u + "/mailFolders/$entity"},
			{"GET", base + "/mailFolders/" + folder + "/childFolders", nil, 200, u + "/mailFolders"},
			{"POST", base + "/mailFolders/" + folder + "/childFolders", map[string]any{"displayName": "Child " + n}, 201, u + "/mailFolders/$entity"},
			{"GET", base + "/mailFolders/inbox/messages", nil, 200, u + "/messages"},
			{"POST", base + "/mailFolders/" + folder + "/messages", map[string]any{"subject": "In a folder"}, 201, u + "/messages/$entity"},
			{"GET", base + "/messages", nil, 200, u + "/messages"},
			{"POST", base + "/messages", map[string]any{"subject": "Draft"}, 201, u + "/messages/$entity"},
			{"GET", base + "/messages/" + msg, nil, 200, u + "/messages/$entity"},
			{"PATCH", base + "/messages/" + msg, map[string]any{"isRead": true}, 200, u + "/messages/$entity"},
			{"POST", base + "/messages/" + msg + "/copy", map[string]any{"destinationId": "drafts"}, 201, u + "/messages/$entity"},
			{"GET", base + "/messages/" + msg + "/attachments", nil, 200, u + "/messages('" + msg + "')/attachments"},
			{"POST", base + "/messages/" + msg + "/attachments", map[string]any{"@odata.type": "#microsoft.graph.fileAttachment",
				"name": "more.txt", "contentBytes": "aGk="}, 201, u + "/messages('" + msg + "')/attachments/$entity"},
			{"GET", base + "/messages/" + msg + "/attachments/" + att, nil, 200, u + "/messages('" + msg + "')/attachments/$entity"},
			// Calendars and events.
			{"GET", base + "/calendars", nil, 200, u + "/calendars"},
			{"POST", base + "/calendars", map[string]any{"name": "Walk " + n}, 201, u + "/calendars/$entity"},
			{"GET", base + "/calendars/" + cal, nil, 200, u + "/calendars/$entity"},
			{"GET", base + "/calendar", nil, 200, u + "/calendars/$entity"},
			{"GET", base + "/events", nil, 200, u + "/events"},
			{"POST", base + "/events", ev("Walk " + n), 201, u + "/events/$entity"},
			{"GET", base + "/calendar/events", nil, 200, u + "/events"},
			{"POST", base + "/calendar/events", ev("Walk default " + n), 201, u + "/events/$entity"},
			{"GET", base + "/calendars/" + cal + "/events", nil, 200, u + "/events"},
			{"POST", base + "/calendars/" + cal + "/events", ev("Walk own " + n), 201, u + "/events/$entity"},
			{"GET", base + "/events/" + event, nil, 200, u + "/events/$entity"},
			{"PATCH", base + "/events/" + event, map[string]any{"location": map[string]any{"displayName": n}}, 200, u + "/events/$entity"},
			{"GET", base + "/calendar/events/" + event, nil, 200, u + "/events/$entity"},
			{"GET", base + "/calendars/" + cal + "/events/" + calEvent, nil, 200, u + "/events/$entity"},
			{"GET", base + "/events/" + event + "/instances?" + win, nil, 200, u + "/events('" + event + "')/instances"},
			{"GET", base + "/calendar/events/" + event + "/instances?" + win, nil, 200, u + "/events('" + event + "')/instances"},
			{"GET", base + "/calendars/" + cal + "/events/" + calEvent + "/instances?" + win, nil, 200, u + "/events('" + calEvent + "')/instances"},
			{"GET", base + "/calendarView?" + win, nil, 200, u + "/calendarView"},
			{"GET", base + "/calendar/calendarView?" + win, nil, 200, u + "/calendarView"},
			{"GET", base + "/calendars/" + cal + "/calendarView?" + win, nil, 200, u + "/calendarView"},
			// To Do.
			{"GET", base + "/todo/lists", nil, 200, u + "/todo/lists"},
			{"POST", base + "/todo/lists", map[string]any{"displayName": "Walk " + n}, 201, u + "/todo/lists/$entity"},
			{"GET", base + "/todo/lists/" + todoList, nil, 200, u + "/todo/lists/$entity"},
			{"PATCH", base + "/todo/lists/" + todoList, map[string]any{"displayName": "Walked " + n}, 200, u + "/todo/lists/$entity"},
			{"GET", base + "/todo/lists/" + todoList + "/tasks", nil, 200, u + "/todo/lists('" + todoList + "')/tasks"},
			{"POST", base + "/todo/lists/" + todoList + "/tasks", map[string]any{"title": "Walk " + n}, 201, u + "/todo/lists('" + todoList + "')/tasks/$entity"},
			{"GET", base + "/todo/lists/" + todoList + "/tasks/" + task, nil, 200, u + "/todo/lists('" + todoList + "')/tasks/$entity"},
			{"PATCH", base + "/todo/lists/" + todoList + "/tasks/" + task, map[string]any{"title": "Walked " + n}, 200, u + "/todo/lists('" + todoList + "')/tasks/$entity"},
			// Mailbox settings.
			{"GET", base + "/mailboxSettings", nil, 200, u + "/mailboxSettings"},
			{"PATCH", base + "/mailboxSettings", map[string]any{"timeZone": "UTC"}, 200, u + "/mailboxSettings"},
			{"GET", base + "/mailboxSettings/timeZone", nil, 200, u + "/mailboxSettings/timeZone"},
			{"GET", base + "/mailboxSettings/automaticRepliesSetting", nil, 200, u + "/mailboxSettings/automaticRepliesSetting"},
			// Contacts and contact folders.
			{"GET", base + "/contacts", nil, 200, u + "/contacts"},
			{"POST", base + "/contacts", map[string]any{"givenName": "Walk " + n}, 201, u + "/contacts/$entity"},
			{"GET", base + "/contacts/" + contact, nil, 200, u + "/contacts/$entity"},
			{"PATCH", base + "/contacts/" + contact, map[string]any{"jobTitle": n}, 200, u + "/contacts/$entity"},
			{"GET", base + "/contactFolders", nil, 200, u + "/contactFolders"},
			{"POST", base + "/contactFolders", map[string]any{"displayName": "Walk " + n}, 201, u + "/contactFolders/$entity"},
			{"GET", base + "/contactFolders/" + cf, nil, 200, u + "/contactFolders/$entity"},
			{"PATCH", base + "/contactFolders/" + cf, map[string]any{"displayName": "Walked " + n}, 200, u + "/contactFolders/$entity"},
			{"GET", base + "/contactFolders/" + cf + "/childFolders", nil, 200, u + "/contactFolders('" + cf + "')/childFolders"},
			{"POST", base + "/contactFolders/" + cf + "/childFolders", map[string]any{"displayName": "Child " + n}, 201, u + "/contactFolders/$entity"},
			{"GET", base + "/contactFolders/" + cf + "/contacts", nil, 200, u + "/contactFolders('" + cf + "')/contacts"},
			// The default folder by its well-known name: the context names its id.
			{"GET", base + "/contactFolders/contacts/contacts", nil, 200, u + "/contactFolders('" + defaultContacts + "')/contacts"},
			{"GET", base + "/contactFolders/contacts/childFolders", nil, 200, u + "/contactFolders('" + defaultContacts + "')/childFolders"},
			{"POST", base + "/contactFolders/" + cf + "/contacts", map[string]any{"givenName": "Filed " + n}, 201, u + "/contacts/$entity"},
			{"GET", base + "/contactFolders/" + cf + "/contacts/" + cfContact, nil, 200, u + "/contacts/$entity"},
			{"PATCH", base + "/contactFolders/" + cf + "/contacts/" + cfContact, map[string]any{"jobTitle": n}, 200, u + "/contacts/$entity"},
			// People.
			{"GET", base + "/people", nil, 200, u + "/people"},
		}
	}
	walk := append(steps("/me", "me"), steps("/users/"+e.upn("adele"), "upn")...)
	walk = append(walk, step{"POST", "/me/messages/" + toMove + "/move", map[string]any{"destinationId": "archive"}, 201, "users('" + adele + "')/messages/$entity"})
	for _, st := range walk {
		t.Run(st.method+" "+st.path, func(t *testing.T) {
			r := e.do(st.method, st.path, tok, st.body)
			if r.Status != st.status {
				t.Fatalf("status %d, want %d\n%s", r.Status, st.status, r.Raw)
			}
			if got, want := str(r.JSON, "@odata.context"), e.base+"/$metadata#"+st.want; got != want {
				t.Errorf("@odata.context %q, want %q", got, want)
			}
		})
	}

	// A group's calendar is named as its owner's, by the group's id.
	g := "users('" + marketingID + "')"
	gb := "/groups/" + marketingID
	for _, st := range []step{
		{"GET", gb + "/events", nil, 200, g + "/events"},
		{"POST", gb + "/events", ev("Walk group"), 201, g + "/events/$entity"},
		{"GET", gb + "/calendar/events", nil, 200, g + "/events"},
		{"POST", gb + "/calendar/events", ev("Walk group default"), 201, g + "/events/$entity"},
		{"GET", gb + "/events/" + groupEvent, nil, 200, g + "/events/$entity"},
		{"GET", gb + "/calendar/events/" + groupEvent, nil, 200, g + "/events/$entity"},
		{"PATCH", gb + "/events/" + groupEvent, map[string]any{"location": map[string]any{"displayName": "x"}}, 200, g + "/events/$entity"},
		{"GET", gb + "/events/" + groupEvent + "/instances?" + win, nil, 200, g + "/events('" + groupEvent + "')/instances"},
		{"GET", gb + "/calendar/events/" + groupEvent + "/instances?" + win, nil, 200, g + "/events('" + groupEvent + "')/instances"},
		{"GET", gb + "/calendarView?" + win, nil, 200, g + "/calendarView"},
		{"GET", gb + "/calendar/calendarView?" + win, nil, 200, g + "/calendarView"},
	} {
		t.Run(st.method+" "+strings.Replace(st.path, marketingID, "{group}", 1), func(t *testing.T) {
			r := e.do(st.method, st.path, grp, st.body)
			if r.Status != st.status {
				t.Fatalf("status %d, want %d\n%s", r.Status, st.status, r.Raw)
			}
			if got, want := str(r.JSON, "@odata.context"), e.base+"/$metadata#"+st.want; got != want {
				t.Errorf("@odata.context %q, want %q", got, want)
			}
		})
	}
}
