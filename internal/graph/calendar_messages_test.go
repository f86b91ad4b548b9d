package graph_test

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"graphgate/internal/demo"
	"graphgate/internal/graph"
)

// TestMeetingMessages: requests, updates and cancellations reach the
// attendees' Inboxes and responses the organizer's, as eventMessages.
func TestMeetingMessages(t *testing.T) {
	e := newEnv(t)
	rw := func(u string) string { return e.delegated(u, "Calendars.ReadWrite") }
	mail := func(u string) string { return e.delegated(u, "Mail.Read") }
	users := []string{"adele", "megan", "lynne", "admin"}
	inbox := func(u string) map[string]map[string]any {
		out := map[string]map[string]any{}
		for _, m := range list(t, e.must(200, "GET", "/me/mailFolders/inbox/messages?$top=100", mail(u), nil)) {
			out[str(m, "id")] = m
		}
		return out
	}
	attendee := func(u, typ string) map[string]any {
		return map[string]any{"emailAddress": map[string]any{"address": e.upn(u)}, "type": typ}
	}
	var meeting map[string]any
	copyID := func(u string) string {
		evs := list(t, e.must(200, "GET", "/me/events?$filter="+q("iCalUId eq '"+str(meeting, "iCalUId")+"'"), rw(u), nil))
		if len(evs) != 1 {
			t.Fatalf("%s has %d copies", u, len(evs))
		}
		return str(evs[0], "id")
	}
	type msg struct {
		user, kind, odataType, subject, from, detail string // detail: meetingRequestType or responseType
	}
	steps := []struct {
		name string
		act  func()
		want []msg
	}{
		{"the organizer invites Megan and, optionally, Lynne", func() {
			meeting = e.must(201, "POST", "/me/events", rw("adele"), map[string]any{"subject": "Review", "start": utcDTZ("2031-07-07T10:00:00"),
				"end": utcDTZ("2031-07-07T11:00:00"), "location": map[string]any{"displayName": "Room 4"}, "body": map[string]any{"contentType": "text", "content": "Slides"},
				"attendees": []any{attendee("megan", "required"), attendee("lynne", "optional")}})
		}, []msg{{"megan", "meetingRequest", "#microsoft.graph.eventMessageRequest", "Review", "adele", "newMeetingRequest"},
			{"lynne", "meetingRequest", "#microsoft.graph.eventMessageRequest", "Review", "adele", "newMeetingRequest"}}},
		{"Megan accepts", func() {
			e.must(202, "POST", "/me/events/"+copyID("megan")+"/accept", rw("megan"), map[string]any{"comment": "Will be there"})
		}, []msg{{"adele", "meetingAccepted", "#microsoft.graph.eventMessageResponse", "Accepted: Review", "megan", "accepted"}}},
		{"Lynne tentatively accepts", func() {
			e.must(202, "POST", "/me/events/"+copyID("lynne")+"/tentativelyAccept", rw("lynne"), map[string]any{"sendResponse": true})
		}, []msg{{"adele", "meetingTenativelyAccepted", "#microsoft.graph.eventMessageResponse", "Tentative: Review", "lynne", "tentativelyAccepted"}}},
		{"Lynne declines without sending a response", func() {
			e.must(202, "POST", "/me/events/"+copyID("lynne")+"/decline", rw("lynne"), map[string]any{"sendResponse": false})
		}, nil},
		{"the organizer renames the meeting", func() {
			e.must(200, "PATCH", "/me/events/"+str(meeting, "id"), rw("adele"), map[string]any{"subject": "Review 2"})
		}, []msg{{"megan", "meetingRequest", "#microsoft.graph.eventMessageRequest", "Review 2", "adele", "informationalUpdate"},
			{"lynne", "meetingRequest", "#microsoft.graph.eventMessageRequest", "Review 2", "adele", "informationalUpdate"}}},
		{"the organizer moves the meeting", func() {
			e.must(200, "PATCH", "/me/events/"+str(meeting, "id"), rw("adele"), map[string]any{"start": utcDTZ("2031-07-08T10:00:00"), "end": utcDTZ("2031-07-08T11:00:00")})
		}, []msg{{"megan", "meetingRequest", "#microsoft.graph.eventMessageRequest", "Review 2", "adele", "fullUpdate"},
			{"lynne", "meetingRequest", "#microsoft.graph.eventMessageRequest", "Review 2", "adele", "fullUpdate"}}},
		{"a change of attendees goes to the added attendee only", func() {
			e.must(200, "PATCH", "/me/events/"+str(meeting, "id"), rw("adele"), map[string]any{"attendees": []any{attendee("megan", "required"),
				attendee("lynne", "optional"), attendee("admin", "required")}})
		}, []msg{{"admin", "meetingRequest", "#microsoft.graph.eventMessageRequest", "Review 2", "adele", "newMeetingRequest"}}},
		{"the organizer's reminder is not sent", func() {
			e.must(200, "PATCH", "/me/events/"+str(meeting, "id"), rw("adele"), map[string]any{"reminderMinutesBeforeStart": 30})
		}, nil},
		{"a refused change sends nothing", func() {
			e.must(400, "PATCH", "/me/events/"+str(meeting, "id"), rw("adele"), map[string]any{"subject": "x", "end": utcDTZ("2031-01-01T00:00:00")})
		}, nil},
		{"the organizer cancels", func() {
			e.must(202, "POST", "/me/events/"+str(meeting, "id")+"/cancel", rw("adele"), map[string]any{"comment": "Postponed"})
		}, []msg{{"megan", "meetingCancelled", "#microsoft.graph.eventMessage", "Canceled: Review 2", "adele", ""},
			{"lynne", "meetingCancelled", "#microsoft.graph.eventMessage", "Canceled: Review 2", "adele", ""},
			{"admin", "meetingCancelled", "#microsoft.graph.eventMessage", "Canceled: Review 2", "adele", ""}}},
	}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			before := map[string]map[string]map[string]any{}
			for _, u := range users {
				before[u] = inbox(u)
			}
			st.act()
			got := 0
			for _, u := range users {
				for id, m := range inbox(u) {
					if before[u][id] != nil {
						continue
					}
					got++
					var w *msg
					for i := range st.want {
						if st.want[i].user == u {
							w = &st.want[i]
						}
					}
					if w == nil {
						t.Errorf("%s got an unexpected message %v", u, m["subject"])
						continue
					}
					detail := str(m, "meetingRequestType")
					if w.kind != "meetingRequest" {
						detail = str(m, "responseType")
					}
					if str(m, "meetingMessageType") != w.kind || str(m, "@odata.type") != w.odataType || str(m, "subject") != w.subject ||
						str(m, "from/emailAddress/address") != e.upn(w.from) || detail != w.detail || m["isRead"] != false || str(m, "parentFolderId") == "" {
						t.Errorf("%s's message = %v %v %v from %v (%v); want %+v", u, m["@odata.type"], m["meetingMessageType"], m["subject"],
							str(m, "from/emailAddress/address"), detail, *w)
					}
					// The message names the recipient's own event (its event navigation).
					wantEvent := str(meeting, "id")
					if u != "adele" {
						wantEvent = copyID(u)
					}
					if ev := storedEventID(t, e, id); ev != wantEvent {
						t.Errorf("%s's message is about event %q, want %q", u, ev, wantEvent)
					}
				}
			}
			if got != len(st.want) {
				t.Errorf("%d new messages, want %d", got, len(st.want))
			}
		})
	}

	t.Run("Shape", func(t *testing.T) {
		msgs := list(t, e.must(200, "GET", "/me/mailFolders/inbox/messages?$filter="+q("subject eq 'Review' and from/emailAddress/address eq '"+e.upn("adele")+"'"), mail("lynne"), nil))
		if len(msgs) != 1 {
			t.Fatalf("$filter found %d invitations in Lynne's Inbox", len(msgs))
		}
		m := msgs[0]
		if str(m, "startDateTime/dateTime") != "2031-07-07T10:00:00.0000000" || str(m, "startDateTime/timeZone") != "UTC" ||
			str(m, "endDateTime/dateTime") != "2031-07-07T11:00:00.0000000" || str(m, "location/displayName") != "Room 4" ||
			m["type"] != "singleInstance" || m["isAllDay"] != false || m["isOutOfDate"] != false || m["isDelegated"] != false ||
			str(m, "body/content") != "Slides" || m["responseRequested"] != true {
			t.Errorf("meeting request = %v", m)
		}
		if to, cc := m["toRecipients"].([]any), m["ccRecipients"].([]any); len(to) != 1 || len(cc) != 1 ||
			str(to[0].(map[string]any), "emailAddress/address") != e.upn("megan") || str(cc[0].(map[string]any), "emailAddress/address") != e.upn("lynne") {
			t.Errorf("request recipients to %v cc %v", m["toRecipients"], m["ccRecipients"])
		}
		one := e.must(200, "GET", "/me/messages/"+str(m, "id"), mail("lynne"), nil)
		if one["meetingMessageType"] != "meetingRequest" || one["_eventId"] != nil {
			t.Errorf("GET of the request = %v", one)
		}
		acc := list(t, e.must(200, "GET", "/me/messages?$filter="+q("startswith(subject,'Accepted: ')"), mail("adele"), nil))
		if len(acc) != 1 || str(acc[0], "body/content") != "Will be there" || str(acc[0], "startDateTime/dateTime") != "2031-07-07T10:00:00.0000000" {
			t.Fatalf("Adele's acceptances = %v", acc)
		}
		if to, _ := acc[0]["toRecipients"].([]any); len(to) != 1 || str(to[0].(map[string]any), "emailAddress/address") != e.upn("adele") {
			t.Errorf("the acceptance is addressed to %v", acc[0]["toRecipients"])
		}
		cancel := list(t, e.must(200, "GET", "/me/mailFolders/inbox/messages?$filter="+q("startswith(subject,'Canceled: ')"), mail("megan"), nil))
		if len(cancel) != 1 || str(cancel[0], "body/content") != "Postponed" {
			t.Errorf("Megan's cancellations = %v", cancel)
		}
	})

	// The event navigation, expanded through the derived type and
	// authorized as a read of the event.
	t.Run("ExpandEvent", func(t *testing.T) {
		both := e.delegated("lynne", "Mail.Read", "Calendars.Read")
		msgs := list(t, e.must(200, "GET", "/me/mailFolders/inbox/messages?$filter="+q("subject eq 'Review' and from/emailAddress/address eq '"+e.upn("adele")+"'"), both, nil))
		if len(msgs) != 1 {
			t.Fatalf("%d invitations", len(msgs))
		}
		id := str(msgs[0], "id")
		evs := list(t, e.must(200, "GET", "/me/events?$filter="+q("iCalUId eq '"+str(meeting, "iCalUId")+"'"), both, nil))
		if len(evs) != 1 {
			t.Fatalf("Lynne has %d copies", len(evs))
		}
		m := e.must(200, "GET", "/me/messages/"+id+"?$expand="+q("microsoft.graph.eventMessage/event"), both, nil)
		if ev, _ := m["event"].(map[string]any); ev == nil || str(ev, "id") != str(evs[0], "id") || str(ev, "subject") == "" {
			t.Errorf("expanded event = %v", m["event"])
		}
		m = e.must(200, "GET", "/me/messages/"+id+"?$expand="+q("microsoft.graph.eventMessage/event($select=subject)"), both, nil)
		if ev, _ := m["event"].(map[string]any); ev == nil || ev["subject"] == nil || ev["start"] != nil {
			t.Errorf("expanded event with $select = %v", m["event"])
		}
		// Listing expands too; an ordinary message has no event.
		for _, lm := range list(t, e.must(200, "GET", "/me/messages?$top=50&$expand="+q("microsoft.graph.eventMessage/event"), both, nil)) {
			if _, has := lm["event"]; has != (lm["meetingMessageType"] != nil) {
				t.Errorf("message %q: event %v, meetingMessageType %v", lm["subject"], lm["event"], lm["meetingMessageType"])
			}
		}
		// Mail.Read alone does not read the calendar.
		wantError(t, e.do("GET", "/me/messages/"+id+"?$expand="+q("microsoft.graph.eventMessage/event"), mail("lynne"), nil), 403, "ErrorAccessDenied", "")
		// A message has no event property of its own.
		wantError(t, e.do("GET", "/me/messages/"+id+"?$expand=event", both, nil), 400, "", "")
	})

	// A meeting message is a message: marking it read, moving and copying it
	// keep its meeting properties.
	t.Run("MessageOperationsKeepMeetingProperties", func(t *testing.T) {
		mrw := e.delegated("lynne", "Mail.ReadWrite")
		msgs := list(t, e.must(200, "GET", "/me/mailFolders/inbox/messages?$filter="+q("subject eq 'Review' and from/emailAddress/address eq '"+e.upn("adele")+"'"), mrw, nil))
		if len(msgs) != 1 {
			t.Fatalf("%d invitations", len(msgs))
		}
		id := str(msgs[0], "id")
		check := func(step string, m map[string]any) {
			t.Helper()
			if m["meetingMessageType"] != "meetingRequest" || m["@odata.type"] != "#microsoft.graph.eventMessageRequest" ||
				str(m, "startDateTime/dateTime") != "2031-07-07T10:00:00.0000000" || m["meetingRequestType"] != "newMeetingRequest" {
				t.Errorf("%s: %v", step, m)
			}
		}
		check("after PATCH isRead", e.must(200, "PATCH", "/me/messages/"+id, mrw, map[string]any{"isRead": true}))
		check("read back", e.must(200, "GET", "/me/messages/"+id, mrw, nil))
		cp := e.must(201, "POST", "/me/messages/"+id+"/copy", mrw, map[string]any{"destinationId": "archive"})
		check("the copy", e.must(200, "GET", "/me/messages/"+str(cp, "id"), mrw, nil))
		mv := e.must(201, "POST", "/me/messages/"+id+"/move", mrw, map[string]any{"destinationId": "archive"})
		check("moved", e.must(200, "GET", "/me/messages/"+str(mv, "id"), mrw, nil))
	})
}

// TestOccurrenceMessages: a change or cancellation of one occurrence is
// sent about that occurrence.
func TestOccurrenceMessages(t *testing.T) {
	e := newEnv(t)
	rw := func(u string) string { return e.delegated(u, "Calendars.ReadWrite") }
	s := e.must(201, "POST", "/me/events", rw("adele"), map[string]any{"subject": "Weekly", "start": utcDTZ("2031-08-04T09:00:00"),
		"end": utcDTZ("2031-08-04T09:30:00"), "attendees": []any{map[string]any{"emailAddress": map[string]any{"address": e.upn("megan")}}},
		"recurrence": map[string]any{"pattern": map[string]any{"type": "weekly", "daysOfWeek": []string{"monday"}},
			"range": map[string]any{"type": "numbered", "startDate": "2031-08-04", "numberOfOccurrences": 3}}})
	aug := window(time.Date(2031, 8, 1, 0, 0, 0, 0, time.UTC), time.Date(2031, 9, 1, 0, 0, 0, 0, time.UTC))
	view := func(u string) []map[string]any {
		return list(t, e.must(200, "GET", "/me/calendarView?"+aug+"&$filter="+q("iCalUId eq '"+str(s, "iCalUId")+"'"), rw(u), nil))
	}
	adele, megan := view("adele"), view("megan")
	if len(adele) != 3 || len(megan) != 3 {
		t.Fatalf("%d and %d occurrences", len(adele), len(megan))
	}
	steps := []struct {
		name, method string
		occ          int
		body         any
		kind, typ    string
		subject      string
	}{
		{"one occurrence moved", "PATCH", 1, map[string]any{"start": utcDTZ("2031-08-11T13:00:00"), "end": utcDTZ("2031-08-11T13:30:00")},
			"meetingRequest", "exception", "Weekly"},
		{"one occurrence deleted", "DELETE", 2, nil, "meetingCancelled", "exception", "Canceled: Weekly"},
	}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			e.must(map[string]int{"PATCH": 200, "DELETE": 204}[st.method], st.method, "/me/events/"+str(adele[st.occ], "id"), rw("adele"), st.body)
			var got []map[string]any
			for _, m := range list(t, e.must(200, "GET", "/me/mailFolders/inbox/messages?$filter="+q("subject eq '"+st.subject+"'"), e.delegated("megan", "Mail.Read"), nil)) {
				if m["type"] == st.typ && m["meetingMessageType"] == st.kind {
					got = append(got, m)
				}
			}
			if len(got) != 1 {
				t.Fatalf("Megan has %d %s messages about an occurrence", len(got), st.kind)
			}
			if ev := storedEventID(t, e, str(got[0], "id")); ev != str(megan[st.occ], "id") {
				t.Errorf("the message is about %q, want Megan's occurrence %q", ev, megan[st.occ]["id"])
			}
		})
	}
}

// storedEventID reads the event a stored meeting message is about.
func storedEventID(t *testing.T, e *env, messageID string) string {
	t.Helper()
	it, err := e.srv.Store().GetItem(context.Background(), demo.TenantID, graph.KindMessage, messageID)
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		EventID string `json:"_eventId"`
	}
	if err := json.Unmarshal(it.Doc, &doc); err != nil {
		t.Fatal(err)
	}
	return doc.EventID
}

// folderNews returns what arrives in a user's folder during act.
func folderNews(t *testing.T, e *env, user, folder string, act func()) []map[string]any {
	t.Helper()
	tok := e.delegated(user, "Mail.Read")
	path := "/me/mailFolders/" + folder + "/messages?$top=200"
	before := map[string]bool{}
	for _, m := range list(t, e.must(200, "GET", path, tok, nil)) {
		before[str(m, "id")] = true
	}
	act()
	var out []map[string]any
	for _, m := range list(t, e.must(200, "GET", path, tok, nil)) {
		if !before[str(m, "id")] {
			out = append(out, m)
		}
	}
	return out
}

// addresses are a message's recipients of one kind, by address.
func addresses(m map[string]any, prop string) []string {
	var out []string
	for _, r := range m[prop].([]any) {
		out = append(out, str(r.(map[string]any), "emailAddress/address"))
	}
	slices.Sort(out)
	return out
}

// TestMeetingSentItems: the organizer's Sent Items holds one copy of each
// request, update and cancellation it sends, addressed to all its
// recipients, and an attendee's the response it sends.
func TestMeetingSentItems(t *testing.T) {
	e := newEnv(t)
	rw := func(u string) string { return e.delegated(u, "Calendars.ReadWrite") }
	attendee := func(addr, typ string) map[string]any {
		return map[string]any{"emailAddress": map[string]any{"address": addr}, "type": typ}
	}
	const ext = "partner@fabrikam.example"
	var meeting map[string]any
	copyID := func(u string) string {
		evs := list(t, e.must(200, "GET", "/me/events?$filter="+q("iCalUId eq '"+str(meeting, "iCalUId")+"'"), rw(u), nil))
		if len(evs) != 1 {
			t.Fatalf("%s has %d copies", u, len(evs))
		}
		return str(evs[0], "id")
	}
	sorted := func(v ...string) []string { slices.Sort(v); return v }
	folders := map[string]string{}
	for _, u := range []string{"adele", "megan", "lynne"} {
		e.must(200, "GET", "/me/mailFolders/inbox", e.delegated(u, "Mail.Read"), nil) // the mailbox exists
		folders[u] = str(e.must(200, "GET", "/me/mailFolders/sentitems", e.delegated(u, "Mail.Read"), nil), "id")
	}
	type sent struct {
		kind, detail, subject string
		to, cc                []string
	}
	steps := []struct {
		name, user string // user: whose Sent Items
		act        func()
		want       []sent
	}{
		{"a new meeting", "adele", func() {
			meeting = e.must(201, "POST", "/me/events", rw("adele"), map[string]any{"subject": "Plan", "start": utcDTZ("2031-09-01T10:00:00"),
				"end": utcDTZ("2031-09-01T11:00:00"), "attendees": []any{attendee(e.upn("megan"), "required"), attendee(ext, "required"), attendee(e.upn("lynne"), "optional")}})
		}, []sent{{"meetingRequest", "newMeetingRequest", "Plan", sorted(e.upn("megan"), ext), []string{e.upn("lynne")}}}},
		{"an acceptance", "megan", func() {
			e.must(202, "POST", "/me/events/"+copyID("megan")+"/accept", rw("megan"), map[string]any{"comment": "OK"})
		}, []sent{{"meetingAccepted", "accepted", "Accepted: Plan", []string{e.upn("adele")}, nil}}},
		{"a decline not sent", "lynne", func() {
			e.must(202, "POST", "/me/events/"+copyID("lynne")+"/decline", rw("lynne"), map[string]any{"sendResponse": false})
		}, nil},
		{"a response is not the organizer's to file", "adele", func() {
			e.must(202, "POST", "/me/events/"+copyID("lynne")+"/tentativelyAccept", rw("lynne"), map[string]any{"sendResponse": true})
		}, nil},
		{"a move", "adele", func() {
			e.must(200, "PATCH", "/me/events/"+str(meeting, "id"), rw("adele"), map[string]any{"start": utcDTZ("2031-09-02T10:00:00"), "end": utcDTZ("2031-09-02T11:00:00")})
		}, []sent{{"meetingRequest", "fullUpdate", "Plan", sorted(e.upn("megan"), ext), []string{e.upn("lynne")}}}},
		{"an attendee removed", "adele", func() {
			e.must(200, "PATCH", "/me/events/"+str(meeting, "id"), rw("adele"), map[string]any{"attendees": []any{attendee(e.upn("megan"), "required"), attendee(ext, "required")}})
		}, []sent{{"meetingCancelled", "", "Canceled: Plan", []string{}, []string{e.upn("lynne")}}}},
		{"an attendee added", "adele", func() {
			e.must(200, "PATCH", "/me/events/"+str(meeting, "id"), rw("adele"), map[string]any{"attendees": []any{attendee(e.upn("megan"), "required"),
				attendee(ext, "required"), attendee(e.upn("admin"), "required")}})
		}, []sent{{"meetingRequest", "newMeetingRequest", "Plan", []string{e.upn("admin")}, nil}}},
		{"a refused change", "adele", func() {
			e.must(400, "PATCH", "/me/events/"+str(meeting, "id"), rw("adele"), map[string]any{"subject": "x", "end": utcDTZ("2031-01-01T00:00:00")})
		}, nil},
		{"the organizer's own reminder", "adele", func() {
			e.must(200, "PATCH", "/me/events/"+str(meeting, "id"), rw("adele"), map[string]any{"reminderMinutesBeforeStart": 5})
		}, nil},
		{"a cancellation", "adele", func() {
			e.must(202, "POST", "/me/events/"+str(meeting, "id")+"/cancel", rw("adele"), map[string]any{"comment": "Off"})
		}, []sent{{"meetingCancelled", "", "Canceled: Plan", sorted(e.upn("megan"), ext, e.upn("admin")), nil}}},
	}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			got := folderNews(t, e, st.user, "sentitems", st.act)
			if len(got) != len(st.want) {
				t.Fatalf("%s's Sent Items got %d messages, want %d: %v", st.user, len(got), len(st.want), got)
			}
			for i, w := range st.want {
				m := got[i]
				detail := str(m, "meetingRequestType")
				if w.kind != "meetingRequest" {
					detail = str(m, "responseType")
				}
				if str(m, "meetingMessageType") != w.kind || detail != w.detail || str(m, "subject") != w.subject || m["isRead"] != true ||
					str(m, "sentDateTime") == "" || m["isDraft"] != false || str(m, "parentFolderId") != folders[st.user] {
					t.Errorf("sent copy = %v %v %v read %v sent %v in %v; want %+v", m["meetingMessageType"], detail, m["subject"], m["isRead"],
						m["sentDateTime"], m["parentFolderId"], w)
				}
				if to, cc := addresses(m, "toRecipients"), addresses(m, "ccRecipients"); !slices.Equal(to, w.to) || !slices.Equal(cc, w.cc) {
					t.Errorf("sent copy to %v cc %v, want to %v cc %v", to, cc, w.to, w.cc)
				}
				if str(m, "from/emailAddress/address") != e.upn(st.user) {
					t.Errorf("sent copy from %v", m["from"])
				}
			}
		})
	}
	// The attendee's copy of its response is about its own event.
	t.Run("ResponseEvent", func(t *testing.T) {
		msgs := list(t, e.must(200, "GET", "/me/mailFolders/sentitems/messages", e.delegated("megan", "Mail.Read"), nil))
		if len(msgs) != 1 || storedEventID(t, e, str(msgs[0], "id")) != copyID("megan") {
			t.Errorf("Megan's sent response = %v", msgs)
		}
	})

	// One occurrence changed or deleted: the organizer files what the
	// attendees got, about its own occurrence.
	t.Run("Occurrences", func(t *testing.T) {
		series := e.must(201, "POST", "/me/events", rw("adele"), map[string]any{"subject": "Daily", "start": utcDTZ("2031-10-06T09:00:00"),
			"end": utcDTZ("2031-10-06T09:15:00"), "attendees": []any{attendee(e.upn("megan"), "required")},
			"recurrence": map[string]any{"pattern": map[string]any{"type": "daily", "interval": 1},
				"range": map[string]any{"type": "numbered", "startDate": "2031-10-06", "numberOfOccurrences": 3}}})
		occs := list(t, e.must(200, "GET", "/me/events/"+str(series, "id")+"/instances?"+
			window(time.Date(2031, 10, 1, 0, 0, 0, 0, time.UTC), time.Date(2031, 11, 1, 0, 0, 0, 0, time.UTC)), rw("adele"), nil))
		if len(occs) != 3 {
			t.Fatalf("%d occurrences", len(occs))
		}
		for _, st := range []struct {
			name, method, kind, detail string
			occ                        int
			body                       any
		}{
			{"moved", "PATCH", "meetingRequest", "fullUpdate", 1, map[string]any{"start": utcDTZ("2031-10-07T13:00:00"), "end": utcDTZ("2031-10-07T13:15:00")}},
			{"deleted", "DELETE", "meetingCancelled", "", 2, nil},
		} {
			got := folderNews(t, e, "adele", "sentitems", func() {
				e.must(map[string]int{"PATCH": 200, "DELETE": 204}[st.method], st.method, "/me/events/"+str(occs[st.occ], "id"), rw("adele"), st.body)
			})
			if len(got) != 1 || got[0]["meetingMessageType"] != st.kind || str(got[0], "meetingRequestType") != st.detail || got[0]["type"] != "exception" ||
				got[0]["isRead"] != true || !slices.Equal(addresses(got[0], "toRecipients"), []string{e.upn("megan")}) {
				t.Fatalf("%s: Adele's Sent Items got %v", st.name, got)
			}
			if ev := storedEventID(t, e, str(got[0], "id")); ev != str(occs[st.occ], "id") {
				t.Errorf("%s: the sent copy is about %q, want %q", st.name, ev, occs[st.occ]["id"])
			}
		}
	})
}

// TestMeetingUpdatePrevious: an update names the start, end and location
// it changed, as they were; a new request and other changes name none.
func TestMeetingUpdatePrevious(t *testing.T) {
	e := newEnv(t)
	rw := e.delegated("adele", "Calendars.ReadWrite")
	ev := e.must(201, "POST", "/me/events", rw, map[string]any{"subject": "Sync", "start": utcDTZ("2031-11-03T10:00:00"), "end": utcDTZ("2031-11-03T11:00:00"),
		"location":  map[string]any{"displayName": "Room 1"},
		"attendees": []any{map[string]any{"emailAddress": map[string]any{"address": e.upn("megan")}, "type": "required"}}})
	none := map[string]string{}
	steps := []struct {
		name string
		body map[string]any
		want map[string]string // previous* property path → value
	}{
		{"moved", map[string]any{"start": utcDTZ("2031-11-04T09:00:00"), "end": utcDTZ("2031-11-04T10:00:00")},
			map[string]string{"previousStartDateTime/dateTime": "2031-11-03T10:00:00.0000000", "previousStartDateTime/timeZone": "UTC",
				"previousEndDateTime/dateTime": "2031-11-03T11:00:00.0000000", "previousEndDateTime/timeZone": "UTC"}},
		{"longer", map[string]any{"end": utcDTZ("2031-11-04T10:30:00")}, map[string]string{"previousEndDateTime/dateTime": "2031-11-04T10:00:00.0000000"}},
		{"relocated", map[string]any{"location": map[string]any{"displayName": "Room 2"}}, map[string]string{"previousLocation/displayName": "Room 1"}},
		{"renamed", map[string]any{"subject": "Sync 2"}, none},
	}
	props := []string{"previousStartDateTime", "previousEndDateTime", "previousLocation"}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			var sent []map[string]any
			got := folderNews(t, e, "megan", "inbox", func() {
				sent = folderNews(t, e, "adele", "sentitems", func() { e.must(200, "PATCH", "/me/events/"+str(ev, "id"), rw, st.body) })
			})
			if len(got) != 1 || len(sent) != 1 {
				t.Fatalf("%d updates received, %d sent", len(got), len(sent))
			}
			for who, m := range map[string]map[string]any{"received": got[0], "sent": sent[0]} {
				for k, v := range st.want {
					if str(m, k) != v {
						t.Errorf("%s update: %s = %q, want %q", who, k, str(m, k), v)
					}
				}
				for _, p := range props {
					changed := false
					for k := range st.want {
						changed = changed || strings.HasPrefix(k, p+"/")
					}
					if _, has := m[p]; has != changed {
						t.Errorf("%s update has %s: %v", who, p, m[p])
					}
				}
			}
		})
	}
	t.Run("NewRequestHasNone", func(t *testing.T) {
		msgs := list(t, e.must(200, "GET", "/me/mailFolders/inbox/messages?$filter="+q("subject eq 'Sync'"), e.delegated("megan", "Mail.Read"), nil))
		n := 0
		for _, m := range msgs {
			if m["meetingRequestType"] != "newMeetingRequest" {
				continue
			}
			n++
			for _, p := range props {
				if _, has := m[p]; has {
					t.Errorf("new request has %s", p)
				}
			}
		}
		if n != 1 {
			t.Errorf("%d new requests", n)
		}
	})
	t.Run("Occurrence", func(t *testing.T) {
		s := e.must(201, "POST", "/me/events", rw, map[string]any{"subject": "Daily", "start": utcDTZ("2031-12-01T09:00:00"), "end": utcDTZ("2031-12-01T09:15:00"),
			"attendees": []any{map[string]any{"emailAddress": map[string]any{"address": e.upn("megan")}}},
			"recurrence": map[string]any{"pattern": map[string]any{"type": "daily", "interval": 1},
				"range": map[string]any{"type": "numbered", "startDate": "2031-12-01", "numberOfOccurrences": 2}}})
		occs := list(t, e.must(200, "GET", "/me/events/"+str(s, "id")+"/instances?"+
			window(time.Date(2031, 12, 1, 0, 0, 0, 0, time.UTC), time.Date(2032, 1, 1, 0, 0, 0, 0, time.UTC)), rw, nil))
		if len(occs) != 2 {
			t.Fatalf("%d occurrences", len(occs))
		}
		got := folderNews(t, e, "megan", "inbox", func() {
			e.must(200, "PATCH", "/me/events/"+str(occs[1], "id"), rw, map[string]any{"start": utcDTZ("2031-12-02T14:00:00"), "end": utcDTZ("2031-12-02T14:15:00")})
		})
		if len(got) != 1 || str(got[0], "previousStartDateTime/dateTime") != "2031-12-02T09:00:00.0000000" ||
			str(got[0], "previousEndDateTime/dateTime") != "2031-12-02T09:15:00.0000000" || got[0]["previousLocation"] != nil {
			t.Errorf("occurrence update = %v", got)
		}
	})
}
