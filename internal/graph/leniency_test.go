package graph_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"graphgate/internal/demo"
)

// o365Event is the body the Python O365 library (behind the Home Assistant
// integration) sends to create an event: Event.to_api_data, with the
// booleans it runs through its camel-casing helper sent as strings
// ("isOnlineMeeting": "false"), enum values as it spells them, and the
// properties graphgate stores nothing for (transactionId,
// onlineMeetingProvider, singleValueExtendedProperties).
func o365Event(subject string, start time.Time) map[string]any {
	dtz := func(t time.Time) map[string]any {
		return map[string]any{"dateTime": t.UTC().Format("2006-01-02T15:04:05"), "timeZone": "UTC"}
	}
	return map[string]any{
		"transactionId": nil,
		"subject":       subject,
		"body":          map[string]any{"contentType": "HTML", "content": "<p>From Home Assistant</p>"},
		"start":         dtz(start), "end": dtz(start.Add(time.Hour)),
		"attendees":                  []any{},
		"location":                   map[string]any{"displayName": ""},
		"categories":                 []any{},
		"isAllDay":                   false,
		"importance":                 "normal",
		"isReminderOn":               true,
		"reminderMinutesBeforeStart": 15,
		"responseRequested":          true,
		"sensitivity":                "normal",
		"showAs":                     "busy",
		"isOnlineMeeting":            "false",
		"onlineMeetingProvider":      "teamsForBusiness",
		"singleValueExtendedProperties": []any{map[string]any{
			"id": "Boolean {00020329-0000-0000-C000-000000000046} Name DoNotForward", "value": "false"}},
	}
}

// TestObservedRefusals replays the three requests real clients send on
// every refresh that graphgate refused (issue 11): each is accepted with
// the result Graph gives.
func TestObservedRefusals(t *testing.T) {
	e := newEnv(t)
	cal := e.delegated("adele", "Calendars.ReadWrite")
	mail := e.delegated("adele", "Mail.Read")
	tasks := e.delegated("adele", "Tasks.ReadWrite")
	start := time.Date(2031, 5, 6, 9, 0, 0, 0, time.UTC)

	t.Run("BooleanAsString", func(t *testing.T) {
		// "isOnlineMeeting":"false" used to answer 400 "Unable to read JSON
		// request payload"; Microsoft.OData.Core reads it as false.
		calID := str(list(t, e.must(200, "GET", "/me/calendars", cal, nil))[0], "id")
		ev := e.must(201, "POST", "/me/calendars/"+calID+"/events", cal, o365Event("Water the plants", start))
		if ev["isOnlineMeeting"] != false || ev["subject"] != "Water the plants" || str(ev, "body/contentType") != "html" || ev["importance"] != "normal" {
			t.Errorf("created event = %v", ev)
		}
		up := e.must(200, "PATCH", "/me/events/"+str(ev, "id"), cal, map[string]any{"isOnlineMeeting": "True", "isReminderOn": "false", "reminderMinutesBeforeStart": "30", "showAs": "Tentative"})
		if up["isOnlineMeeting"] != true || up["isReminderOn"] != false || up["reminderMinutesBeforeStart"] != float64(30) || up["showAs"] != "tentative" {
			t.Errorf("patched event = %v", up)
		}
		// A string that is no Boolean is still refused, in Exchange's words,
		// and changes nothing.
		r := e.do("PATCH", "/me/events/"+str(ev, "id"), cal, map[string]any{"subject": "Changed", "isOnlineMeeting": "maybe"})
		wantError(t, r, 400, "RequestBodyRead", "Cannot convert the literal 'maybe' to the expected type 'Edm.Boolean'.")
		if got := e.must(200, "GET", "/me/events/"+str(ev, "id"), cal, nil); got["subject"] != "Water the plants" || got["isOnlineMeeting"] != true {
			t.Errorf("after a refused PATCH: %v", got)
		}
	})

	t.Run("EmptySelect", func(t *testing.T) {
		// $select= used to answer 400 "Term '' is not valid…"; an empty
		// select list selects everything.
		for path, prop := range map[string]string{
			"/me/messages?$select=&$top=5":            "subject",
			"/me/mailFolders/inbox/messages?$select=": "subject",
			"/me/events?$select=":                     "subject",
			"/me/todo/lists?$select=":                 "displayName",
		} {
			tok := mail
			switch {
			case strings.HasPrefix(path, "/me/events"):
				tok = cal
			case strings.HasPrefix(path, "/me/todo"):
				tok = tasks
			}
			vs := list(t, e.must(200, "GET", path, tok, nil))
			if len(vs) == 0 || vs[0][prop] == nil || vs[0]["id"] == nil {
				t.Errorf("%s = %v", path, vs)
			}
		}
		listID := str(list(t, e.must(200, "GET", "/me/todo/lists", tasks, nil))[0], "id")
		ts := list(t, e.must(200, "GET", "/me/todo/lists/"+listID+"/tasks?$select=&$top=100", tasks, nil))
		if len(ts) != 3 || ts[0]["title"] == nil || ts[0]["status"] == nil {
			t.Errorf("tasks with an empty $select = %v", ts)
		}
	})

	t.Run("NavigationPropertyInSelect", func(t *testing.T) {
		// $select=…,attachments used to answer 400 "Could not find a
		// property named 'attachments'"; OData v4 allows a navigation
		// property in $select, and Graph returns it only when expanded.
		ms := list(t, e.must(200, "GET", "/me/messages?$select=subject,hasAttachments,attachments&$filter="+q("hasAttachments eq true"), mail, nil))
		if len(ms) != 1 || ms[0]["subject"] != "Launch plan — please review" || ms[0]["hasAttachments"] != true {
			t.Fatalf("messages = %v", ms)
		}
		if _, ok := ms[0]["attachments"]; ok || ms[0]["body"] != nil {
			t.Errorf("attachments returned without $expand: %v", ms[0])
		}
		id := str(ms[0], "id")
		one := e.must(200, "GET", "/me/messages/"+id+"?$select=subject,attachments", mail, nil)
		if one["subject"] == nil || one["attachments"] != nil {
			t.Errorf("GET message $select=subject,attachments = %v", one)
		}
		ex := e.must(200, "GET", "/me/messages/"+id+"?$select=subject,attachments&$expand=attachments", mail, nil)
		if as, _ := ex["attachments"].([]any); len(as) != 1 {
			t.Errorf("with $expand=attachments: %v", ex)
		}
		// An event's and a task's navigation properties alike.
		e.must(200, "GET", "/me/events?$select=subject,attachments,instances", cal, nil)
	})
}

// TestSelectStar: $select=* returns every property, not {} (issue 10).
func TestSelectStar(t *testing.T) {
	e := newEnv(t)
	mail := e.delegated("adele", "Mail.Read")
	users := e.delegated("adele", "User.Read.All")
	tasks := e.delegated("adele", "Tasks.Read")
	ms := list(t, e.must(200, "GET", "/me/messages?$select=*&$top=1", mail, nil))
	if len(ms) != 1 || ms[0]["subject"] == nil || ms[0]["body"] == nil || ms[0]["receivedDateTime"] == nil || ms[0]["id"] == nil {
		t.Errorf("messages $select=* = %v", ms)
	}
	one := e.must(200, "GET", "/me/messages/"+str(ms[0], "id")+"?$select=*", mail, nil)
	if one["subject"] == nil || one["toRecipients"] == nil {
		t.Errorf("message $select=* = %v", one)
	}
	me := e.must(200, "GET", "/me?$select=*", users, nil)
	// Beyond the default set: the directory returns those only when asked.
	if me["displayName"] != "Adele Vance" || me["accountEnabled"] != true || me["userType"] == nil || me["id"] == nil {
		t.Errorf("/me $select=* = %v", me)
	}
	lists := list(t, e.must(200, "GET", "/me/todo/lists?$select=*", tasks, nil))
	if len(lists) == 0 || lists[0]["displayName"] != "Tasks" {
		t.Errorf("todo lists $select=* = %v", lists)
	}
}

// TestBodyRules checks the body rules through the HTTP pipeline, per
// workload family: conversions, case, undeclared properties, @odata.type
// and annotations. Every refused body leaves the data as it was.
func TestBodyRules(t *testing.T) {
	e := newEnv(t)
	cal := e.delegated("adele", "Calendars.ReadWrite")
	tasks := e.delegated("adele", "Tasks.ReadWrite")
	admin := e.delegated("admin", "User.ReadWrite.All")
	start := time.Date(2031, 6, 2, 9, 0, 0, 0, time.UTC)
	ev := e.must(201, "POST", "/me/events", cal, o365Event("Rules", start))
	evPath := "/me/events/" + str(ev, "id")
	listID := str(list(t, e.must(200, "GET", "/me/todo/lists", tasks, nil))[0], "id")
	task := e.must(201, "POST", "/me/todo/lists/"+listID+"/tasks", tasks, map[string]any{"title": "Rules"})
	taskPath := "/me/todo/lists/" + listID + "/tasks/" + str(task, "id")
	megan := "/users/" + e.id("megan")

	refused := []struct {
		rule          string
		path, token   string
		body          map[string]any
		code, message string
	}{
		{"a number is no Edm.String (ODataPayloadValueConverter)", evPath, cal, map[string]any{"subject": 5},
			"RequestBodyRead", "Cannot convert the literal '5' to the expected type 'Edm.String'."},
		{"Exchange refuses an undeclared property (msgraph-sdk-java#391)", evPath, cal, map[string]any{"subject": "x", "graphResponseHeaders": map[string]any{}},
			"RequestBodyRead", "The property 'graphResponseHeaders' does not exist on type 'Microsoft.OutlookServices.Event'. Make sure to only use property names that are defined by the type or mark the type as open type."},
		{"@odata.type names the expected type or a derived one", evPath, cal, map[string]any{"@odata.type": "#microsoft.graph.message", "subject": "x"},
			"RequestBodyRead", "A resource with type 'Microsoft.OutlookServices.Message' was found, but it is not assignable to the expected type 'Microsoft.OutlookServices.Event'. The type specified in the resource must be equal to either the expected type or a derived type."},
		{"To Do: Nullable=false (todoTask.status)", taskPath, tasks, map[string]any{"title": "x", "status": nil},
			"invalidRequest", "A null value was found for the property named 'status', which has the expected type 'microsoft.graph.taskStatus[Nullable=False]'. The expected type 'microsoft.graph.taskStatus[Nullable=False]' does not allow null values."},
		{"To Do: an undeclared property on a type that is not open", taskPath, tasks, map[string]any{"title": "x", "colour": "red"},
			"invalidRequest", "The property 'colour' does not exist on type 'microsoft.graph.todoTask'. Make sure to only use property names that are defined by the type or mark the type as open type."},
		{"directory: an undeclared property (PnP-Sites-Core#1807)", megan, admin, map[string]any{"jobTitle": "x", "responseHeaders": map[string]any{}},
			"Request_BadRequest", "Invalid property 'responseHeaders'."},
		{"directory: a value that does not convert", megan, admin, map[string]any{"jobTitle": "x", "accountEnabled": "perhaps"},
			"Request_BadRequest", "Invalid value specified for property 'accountEnabled' of resource 'User'."},
		{"a property given twice", evPath, cal, map[string]any{"subject": "a", "Subject": "b"},
			"RequestBodyRead", "Multiple properties with the name 'subject' were detected in a resource or a complex value. In OData, duplicate property names are not allowed."},
	}
	for _, tc := range refused {
		r := e.do("PATCH", tc.path, tc.token, tc.body)
		if r.Status != 400 || str(r.JSON, "error/code") != tc.code || str(r.JSON, "error/message") != tc.message {
			// map order makes the duplicate's spelling either one
			if !(strings.HasPrefix(tc.rule, "a property given twice") && r.Status == 400 && strings.HasPrefix(str(r.JSON, "error/message"), "Multiple properties")) {
				t.Errorf("%s:\n got %d %s\nwant 400 %s %s", tc.rule, r.Status, r.Raw, tc.code, tc.message)
			}
		}
	}
	if got := e.must(200, "GET", evPath, cal, nil); got["subject"] != "Rules" {
		t.Errorf("a refused PATCH changed the event: %v", got["subject"])
	}
	if got := e.must(200, "GET", taskPath, tasks, nil); got["title"] != "Rules" || got["status"] != "notStarted" {
		t.Errorf("a refused PATCH changed the task: %v", got)
	}
	if got := e.must(200, "GET", megan+"?$select=jobTitle,accountEnabled", admin, nil); got["jobTitle"] == "x" || got["accountEnabled"] != true {
		t.Errorf("a refused PATCH changed the user: %v", got)
	}

	accepted := []struct {
		rule        string
		path, token string
		body        map[string]any
		check       func(map[string]any) bool
	}{
		{"names and enum members ignore case (learn.microsoft.com/graph/traverse-the-graph)", evPath, cal,
			map[string]any{"Subject": "Case", "Importance": "HIGH", "Sensitivity": "Private", "Body": map[string]any{"ContentType": "Text", "Content": "x"}},
			func(m map[string]any) bool {
				return m["subject"] == "Case" && m["importance"] == "high" && m["sensitivity"] == "private" && str(m, "body/contentType") == "text"
			}},
		{"instance annotations are ignored (OData JSON v4.01, 20)", evPath, cal,
			map[string]any{"@odata.etag": "W/\"x\"", "@odata.type": "#microsoft.graph.event", "subject@odata.type": "#String", "subject": "Annotated"},
			func(m map[string]any) bool { return m["subject"] == "Annotated" }},
		{"read-only properties round-trip (a client PATCHes back what it read)", evPath, cal,
			map[string]any{"id": "ignored", "createdDateTime": "2020-01-01T00:00:00Z", "changeKey": "x", "subject": "Round trip"},
			func(m map[string]any) bool { return m["subject"] == "Round trip" && m["id"] != "ignored" }},
		{"To Do: strings convert; members ignore case", taskPath, tasks,
			map[string]any{"isReminderOn": "true", "importance": "High", "status": "InProgress"},
			func(m map[string]any) bool {
				return m["isReminderOn"] == true && m["importance"] == "high" && m["status"] == "inProgress"
			}},
	}
	for _, tc := range accepted {
		m := e.must(200, "PATCH", tc.path, tc.token, tc.body)
		if !tc.check(m) {
			t.Errorf("%s: %v", tc.rule, m)
		}
	}
	// The directory reads "False" as false.
	e.must(204, "PATCH", megan, admin, map[string]any{"accountEnabled": "False"})
	if got := e.must(200, "GET", megan+"?$select=accountEnabled", admin, nil); got["accountEnabled"] != false {
		t.Errorf("accountEnabled after \"False\": %v", got)
	}
	// Actions: sendMail's saveToSentItems as a string, as Graph's own
	// documentation sends it.
	send := e.delegated("adele", "Mail.Send", "Mail.Read")
	before := len(list(t, e.must(200, "GET", "/me/mailFolders/sentitems/messages", send, nil)))
	e.must(202, "POST", "/me/sendMail", send, map[string]any{"message": map[string]any{"subject": "Not kept",
		"toRecipients": []any{map[string]any{"emailAddress": map[string]any{"address": e.upn("megan")}}}}, "saveToSentItems": "false"})
	if after := len(list(t, e.must(200, "GET", "/me/mailFolders/sentitems/messages", send, nil))); after != before {
		t.Errorf("saveToSentItems \"false\" kept a copy: %d -> %d", before, after)
	}
	wantError(t, e.do("POST", "/me/sendMail", send, map[string]any{"message": map[string]any{"subject": "x"}, "copyToSentItems": true}), 400,
		"RequestBodyRead", "The parameter 'copyToSentItems' in the request payload is not a valid parameter for the operation 'sendMail'.")
}

// TestHomeAssistantIntegrationCalls runs each Graph call of the Home
// Assistant O365 integration (the reference's table), with the query
// options and bodies it sends, and asserts that each succeeds.
func TestHomeAssistantIntegrationCalls(t *testing.T) {
	e := newEnv(t)
	utc := header("Prefer", `outlook.timezone="UTC"`)
	tok := e.delegated("adele", "User.Read", "Calendars.ReadWrite", "Mail.Send", "Mail.Read", "MailboxSettings.ReadWrite",
		"Presence.ReadWrite", "Presence.Read.All", "User.ReadBasic.All", "Chat.ReadWrite", "Tasks.ReadWrite", "Group.Read.All")
	ok := func(want int, method, path string, body any) map[string]any {
		t.Helper()
		return e.must(want, method, path, tok, body, utc)
	}

	// start-up
	if me := ok(200, "GET", "/me", nil); me["userPrincipalName"] != e.upn("adele") {
		t.Errorf("/me = %v", me)
	}

	// calendar
	cals := list(t, ok(200, "GET", "/me/calendars?$top=50&$select=name,id,canEdit,color,hexColor", nil))
	if len(cals) == 0 || cals[0]["name"] != "Calendar" || cals[0]["canEdit"] != true {
		t.Fatalf("calendars = %v", cals)
	}
	calID := str(cals[0], "id")
	cv := find(list(t, ok(200, "GET", "/me/events?$filter="+q("subject eq 'Customer visit'"), nil)), "subject", "Customer visit")
	day := startOf(t, cv).Add(-(2*24 + 14) * time.Hour)
	win := window(day, day.Add(28*24*time.Hour))
	sel := "&$top=999&$select=subject,body,start,end,isAllDay,location,categories,sensitivity,showAs,attendees,seriesMasterId"
	view := list(t, ok(200, "GET", "/me/calendars/"+calID+"/calendarView?"+win+sel, nil))
	if countSubject(view, "Customer visit") != 1 || view[0]["body"] == nil || view[0]["importance"] != nil {
		t.Errorf("calendarView = %v", subjects(view))
	}
	if got := subjects(list(t, ok(200, "GET", "/me/calendars/"+calID+"/calendarView?"+win+sel+"&$filter="+q("contains(subject,'Customer')"), nil))); !slices.Equal(got, []string{"Customer visit"}) {
		t.Errorf("calendarView with contains = %v", got)
	}
	if got := subjects(list(t, ok(200, "GET", "/groups/"+marketingID+"/calendar/calendarView?"+win+sel, nil))); !slices.Equal(got, []string{"Marketing all-hands"}) {
		t.Errorf("group calendarView = %v", got)
	}

	// calendar write: create, update (the changed keys only), respond, delete
	ev := ok(201, "POST", "/me/calendars/"+calID+"/events", o365Event("Bin day", day.Add(3*24*time.Hour)))
	ok(200, "PATCH", "/me/events/"+str(ev, "id"), map[string]any{"subject": "Bin day (green)", "isAllDay": false, "isOnlineMeeting": "false"})
	meeting := e.must(201, "POST", "/me/events", e.delegated("megan", "Calendars.ReadWrite"), map[string]any{"subject": "Sync",
		"start": map[string]any{"dateTime": "2031-07-01T10:00:00", "timeZone": "UTC"}, "end": map[string]any{"dateTime": "2031-07-01T11:00:00", "timeZone": "UTC"},
		"attendees": []any{map[string]any{"type": "required", "emailAddress": map[string]any{"address": e.upn("adele")}}}})
	copies := list(t, ok(200, "GET", "/me/events?$filter="+q("iCalUId eq '"+str(meeting, "iCalUId")+"'"), nil))
	if len(copies) != 1 {
		t.Fatalf("the invitation's copy: %v", copies)
	}
	for _, action := range []string{"tentativelyAccept", "accept", "decline"} {
		ok(202, "POST", "/me/events/"+str(copies[0], "id")+"/"+action, map[string]any{"comment": "From Home Assistant", "sendResponse": true})
	}
	ok(204, "DELETE", "/me/events/"+str(ev, "id"), nil)

	// email and query sensors
	inbox := list(t, ok(200, "GET", "/me/mailFolders?$filter="+q("displayName eq 'Inbox'")+"&$top=1", nil))
	if len(inbox) != 1 {
		t.Fatalf("Inbox = %v", inbox)
	}
	ok(200, "GET", "/me/mailFolders/"+str(inbox[0], "id")+"/childFolders", nil)
	filter := "isRead eq false and hasAttachments eq true and importance eq 'high' and from/emailAddress/address eq '" + e.upn("megan") +
		"' and contains(subject,'Launch') and receivedDateTime ge " + day.Add(-30*24*time.Hour).Format("2006-01-02T15:04:05Z")
	ms := list(t, ok(200, "GET", "/me/mailFolders/"+str(inbox[0], "id")+"/messages?$top=10&$select=subject,from,receivedDateTime,body,hasAttachments,attachments,importance,isRead&$orderby="+q("receivedDateTime desc")+"&$filter="+q(filter), nil))
	if len(ms) != 1 || ms[0]["subject"] != "Launch plan — please review" {
		t.Fatalf("query sensor = %v", ms)
	}
	if as := list(t, ok(200, "GET", "/me/messages/"+str(ms[0], "id")+"/attachments", nil)); len(as) != 1 {
		t.Errorf("attachments = %v", as)
	}

	// send mail
	ok(202, "POST", "/me/sendMail", map[string]any{"message": map[string]any{"subject": "Alarm", "body": map[string]any{"contentType": "HTML", "content": "<b>Door open</b>"},
		"toRecipients": []any{map[string]any{"emailAddress": map[string]any{"address": e.upn("megan")}}}, "importance": "High"}, "saveToSentItems": true})

	// auto reply
	ok(200, "GET", "/me/mailboxSettings", nil)
	s := ok(200, "PATCH", "/me/mailboxSettings", map[string]any{"automaticRepliesSetting": map[string]any{"status": "scheduled", "externalAudience": "all",
		"internalReplyMessage": "Away", "externalReplyMessage": "Away",
		"scheduledStartDateTime": map[string]any{"dateTime": "2031-08-01T00:00:00", "timeZone": "UTC"},
		"scheduledEndDateTime":   map[string]any{"dateTime": "2031-08-15T00:00:00", "timeZone": "UTC"}}})
	if str(s, "automaticRepliesSetting/status") != "scheduled" {
		t.Errorf("mailboxSettings = %v", s)
	}
	ok(200, "PATCH", "/me/mailboxSettings", map[string]any{"automaticRepliesSetting": map[string]any{"status": "disabled"}})

	// status
	ok(200, "GET", "/me/presence", nil)
	megan := ok(200, "GET", "/users/"+e.upn("megan"), nil)
	ok(200, "GET", "/users/"+str(megan, "id")+"/presence", nil)
	ok(200, "POST", "/me/presence/setPresence", map[string]any{"sessionId": demo.HomeAssistantAppID, "availability": "Busy", "activity": "InACall", "expirationDuration": "PT1H"})
	ok(200, "POST", "/me/presence/setUserPreferredPresence", map[string]any{"availability": "DoNotDisturb", "activity": "DoNotDisturb", "expirationDuration": "PT8H"})

	// chat
	chats := list(t, ok(200, "GET", "/me/chats?$top=20", nil))
	if len(chats) == 0 {
		t.Fatal("no chats")
	}
	chatID := str(chats[0], "id")
	ok(200, "GET", "/chats/"+chatID+"/messages?$top=10", nil)
	ok(200, "GET", "/chats/"+chatID+"/members", nil)
	ok(201, "POST", "/chats/"+chatID+"/messages", map[string]any{"body": map[string]any{"contentType": "text", "content": "Hello from Home Assistant"}})

	// To Do: the O365 library sends null for the body and dates it does not set
	lists := list(t, ok(200, "GET", "/me/todo/lists", nil))
	listID := str(lists[0], "id")
	ok(200, "GET", "/me/todo/lists/"+listID, nil)
	open := list(t, ok(200, "GET", "/me/todo/lists/"+listID+"/tasks?$top=100&$filter="+q("status ne 'completed'"), nil))
	if len(open) != 2 {
		t.Errorf("open tasks = %v", titles(open))
	}
	task := ok(201, "POST", "/me/todo/lists/"+listID+"/tasks", map[string]any{"title": "Buy milk", "status": "notStarted", "body": nil,
		"dueDateTime": nil, "reminderDateTime": nil})
	due := day.Add(5 * 24 * time.Hour).Format("2006-01-02T15:04:05")
	done := ok(200, "PATCH", "/me/todo/lists/"+listID+"/tasks/"+str(task, "id"), map[string]any{"status": "completed",
		"dueDateTime": map[string]any{"dateTime": due, "timeZone": "UTC"}})
	if done["status"] != "completed" || str(done, "completedDateTime/dateTime") == "" {
		t.Errorf("completed task = %v", done)
	}
	ok(204, "DELETE", "/me/todo/lists/"+listID+"/tasks/"+str(task, "id"), nil)
}
