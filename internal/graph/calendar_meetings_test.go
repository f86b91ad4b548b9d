package graph_test

import (
	"strings"
	"testing"
	"time"
)

// trackedResponse is the response an organizer's event shows for an attendee.
func trackedResponse(ev map[string]any, addr string) string {
	atts, _ := ev["attendees"].([]any)
	for _, a := range atts {
		a, _ := a.(map[string]any)
		if strings.EqualFold(str(a, "emailAddress/address"), addr) {
			return str(a, "status/response")
		}
	}
	return ""
}

// TestMeetingUpdates: the organizer's changes, deletions and
// cancellations reach the attendees' copies.
func TestMeetingUpdates(t *testing.T) {
	e := newEnv(t)
	rw := func(u string) string { return e.delegated(u, "Calendars.ReadWrite") }
	attendeeOf := func(users ...string) []any {
		var out []any
		for _, u := range users {
			out = append(out, map[string]any{"emailAddress": map[string]any{"address": e.upn(u)}, "type": "required"})
		}
		return out
	}
	// copyOf is a user's copy of a meeting (nil for none).
	copyOf := func(user, uid string) map[string]any {
		t.Helper()
		evs := list(t, e.must(200, "GET", "/me/events?$filter="+q("iCalUId eq '"+uid+"'"), rw(user), nil))
		if len(evs) > 1 {
			t.Fatalf("%s has %d copies", user, len(evs))
		}
		if len(evs) == 0 {
			return nil
		}
		return evs[0]
	}
	meeting := e.must(201, "POST", "/me/events", rw("adele"), map[string]any{"subject": "Plan", "start": utcDTZ("2031-03-03T10:00:00"),
		"end": utcDTZ("2031-03-03T11:00:00"), "location": map[string]any{"displayName": "Room 1"}, "attendees": attendeeOf("megan", "lynne")})
	id, uid := str(meeting, "id"), str(meeting, "iCalUId")
	e.must(202, "POST", "/me/events/"+str(copyOf("megan", uid), "id")+"/accept", rw("megan"), map[string]any{"sendResponse": true})

	type want struct {
		user, subject, start, location, response string
		cancelled, absent                        bool
		// tracked is the response the organizer's copy shows for the user
		// ("" not checked).
		tracked string
	}
	steps := []struct {
		name   string
		method string
		body   any
		status int
		copies []want
	}{
		{"the organizer renames and relocates: responses stay", "PATCH", map[string]any{"subject": "Plan v2", "location": map[string]any{"displayName": "Room 2"},
			"body": map[string]any{"contentType": "text", "content": "Agenda"}}, 200,
			[]want{{user: "megan", subject: "Plan v2", start: "2031-03-03T10:00", location: "Room 2", response: "accepted", tracked: "accepted"},
				{user: "lynne", subject: "Plan v2", start: "2031-03-03T10:00", location: "Room 2", response: "notResponded", tracked: "none"}}},
		{"the organizer moves the meeting: responses are cleared", "PATCH", map[string]any{"start": utcDTZ("2031-03-04T14:00:00"),
			"end": utcDTZ("2031-03-04T15:00:00")}, 200,
			[]want{{user: "megan", subject: "Plan v2", start: "2031-03-04T14:00", location: "Room 2", response: "notResponded", tracked: "none"},
				{user: "lynne", subject: "Plan v2", start: "2031-03-04T14:00", location: "Room 2", response: "notResponded", tracked: "none"}}},
		{"a refused change reaches nobody", "PATCH", map[string]any{"subject": "Plan v3", "end": utcDTZ("2031-03-01T00:00:00")}, 400,
			[]want{{user: "megan", subject: "Plan v2", start: "2031-03-04T14:00", location: "Room 2", response: "notResponded"},
				{user: "lynne", subject: "Plan v2", start: "2031-03-04T14:00", location: "Room 2", response: "notResponded"}}},
		{"the organizer's own reminder is not sent", "PATCH", map[string]any{"reminderMinutesBeforeStart": 5}, 200,
			[]want{{user: "megan", subject: "Plan v2", start: "2031-03-04T14:00", location: "Room 2", response: "notResponded"}}},
		{"lynne is removed and admin added", "PATCH", map[string]any{"attendees": attendeeOf("megan", "admin")}, 200,
			[]want{{user: "megan", subject: "Plan v2", start: "2031-03-04T14:00", location: "Room 2", response: "notResponded"},
				{user: "lynne", subject: "Canceled: Plan v2", start: "2031-03-04T14:00", location: "Room 2", response: "notResponded", cancelled: true},
				{user: "admin", subject: "Plan v2", start: "2031-03-04T14:00", location: "Room 2", response: "notResponded"}}},
		{"lynne is invited again", "PATCH", map[string]any{"attendees": attendeeOf("megan", "admin", "lynne")}, 200,
			[]want{{user: "lynne", subject: "Plan v2", start: "2031-03-04T14:00", location: "Room 2", response: "notResponded"}}},
		{"the organizer deletes the meeting", "DELETE", nil, 204,
			[]want{{user: "megan", subject: "Canceled: Plan v2", start: "2031-03-04T14:00", location: "Room 2", response: "notResponded", cancelled: true},
				{user: "lynne", subject: "Canceled: Plan v2", start: "2031-03-04T14:00", location: "Room 2", response: "notResponded", cancelled: true},
				{user: "admin", subject: "Canceled: Plan v2", start: "2031-03-04T14:00", location: "Room 2", response: "notResponded", cancelled: true},
				{user: "adele", absent: true}}},
	}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			r := e.do(st.method, "/me/events/"+id, rw("adele"), st.body)
			if r.Status != st.status {
				t.Fatalf("%s: %d %s", st.method, r.Status, r.Raw)
			}
			for _, w := range st.copies {
				cp := copyOf(w.user, uid)
				if w.absent {
					if cp != nil {
						t.Errorf("%s still has the meeting: %v", w.user, cp)
					}
					continue
				}
				if cp == nil {
					t.Fatalf("%s has no copy", w.user)
				}
				if cp["isOrganizer"] != false || cp["subject"] != w.subject || startOf(t, cp).Format("2006-01-02T15:04") != w.start ||
					str(cp, "location/displayName") != w.location || str(cp, "responseStatus/response") != w.response || cp["isCancelled"] != w.cancelled {
					t.Errorf("%s's copy: subject %v, start %v, location %v, response %v, isCancelled %v; want %+v", w.user, cp["subject"], cp["start"],
						str(cp, "location/displayName"), str(cp, "responseStatus/response"), cp["isCancelled"], w)
				}
				if w.subject == "Plan v2" && str(cp, "body/content") != "Agenda" {
					t.Errorf("%s's copy body %v", w.user, cp["body"])
				}
				if w.tracked != "" {
					if got := trackedResponse(copyOf("adele", uid), e.upn(w.user)); got != w.tracked {
						t.Errorf("the organizer sees %s's response %q, want %q", w.user, got, w.tracked)
					}
				}
			}
		})
	}

	t.Run("Cancel", func(t *testing.T) {
		m := e.must(201, "POST", "/me/events", rw("adele"), map[string]any{"subject": "Review", "start": utcDTZ("2031-03-05T10:00:00"),
			"end": utcDTZ("2031-03-05T11:00:00"), "attendees": attendeeOf("megan")})
		cp := copyOf("megan", str(m, "iCalUId"))
		// Only the organizer can cancel.
		wantError(t, e.do("POST", "/me/events/"+str(cp, "id")+"/cancel", rw("megan"), map[string]any{"comment": "no"}), 400, "ErrorInvalidRequest",
			"Your request can't be completed. You need to be an organizer to cancel a meeting.")
		wantError(t, e.do("POST", "/me/events/"+str(m, "id")+"/cancel", e.delegated("adele", "Calendars.Read"), map[string]any{}), 403, "ErrorAccessDenied", "…")
		e.must(202, "POST", "/me/events/"+str(m, "id")+"/cancel", rw("adele"), map[string]any{"Comment": "Moved to next week"})
		wantError(t, e.do("GET", "/me/events/"+str(m, "id"), rw("adele"), nil), 404, "ErrorItemNotFound", "…")
		cp = copyOf("megan", str(m, "iCalUId"))
		if cp["isCancelled"] != true || cp["subject"] != "Canceled: Review" || str(cp, "body/content") != "Moved to next week" {
			t.Errorf("Megan's cancelled copy = %v", cp)
		}
	})

	t.Run("SeriesOccurrences", func(t *testing.T) {
		s := e.must(201, "POST", "/me/events", rw("adele"), map[string]any{"subject": "Weekly", "start": utcDTZ("2031-04-07T09:00:00"),
			"end": utcDTZ("2031-04-07T09:30:00"), "attendees": attendeeOf("megan"),
			"recurrence": map[string]any{"pattern": map[string]any{"type": "weekly", "daysOfWeek": []string{"monday"}},
				"range": map[string]any{"type": "numbered", "startDate": "2031-04-07", "numberOfOccurrences": 3}}})
		april := window(time.Date(2031, 4, 1, 0, 0, 0, 0, time.UTC), time.Date(2031, 5, 1, 0, 0, 0, 0, time.UTC))
		view := func(user string) []map[string]any {
			t.Helper()
			return list(t, e.must(200, "GET", "/me/calendarView?"+april+"&$filter="+q("iCalUId eq '"+str(s, "iCalUId")+"'"), rw(user), nil))
		}
		occ := view("adele")
		if len(occ) != 3 || len(view("megan")) != 3 {
			t.Fatalf("%d occurrences for Adele, %d for Megan", len(occ), len(view("megan")))
		}
		e.must(200, "PATCH", "/me/events/"+str(occ[1], "id"), rw("adele"), map[string]any{"subject": "Weekly (offsite)",
			"start": utcDTZ("2031-04-14T13:00:00"), "end": utcDTZ("2031-04-14T14:00:00")})
		e.must(204, "DELETE", "/me/events/"+str(occ[2], "id"), rw("adele"), nil)
		if n := len(view("adele")); n != 2 {
			t.Errorf("Adele has %d occurrences after deleting one", n)
		}
		got := view("megan")
		if len(got) != 3 {
			t.Fatalf("Megan's occurrences = %v", subjects(got))
		}
		for i, w := range []struct {
			subject, start, typ string
			cancelled           bool
		}{{"Weekly", "04-07T09:00", "occurrence", false}, {"Weekly (offsite)", "04-14T13:00", "exception", false},
			{"Canceled: Weekly", "04-21T09:00", "exception", true}} {
			if got[i]["subject"] != w.subject || startOf(t, got[i]).UTC().Format("01-02T15:04") != w.start || got[i]["type"] != w.typ || got[i]["isCancelled"] != w.cancelled {
				t.Errorf("Megan's occurrence %d = %v %v %v %v, want %+v", i, got[i]["subject"], got[i]["start"], got[i]["type"], got[i]["isCancelled"], w)
			}
		}
	})
}

// TestMeetingResponseReset: a change of the meeting's start, end or
// recurrence clears the attendees' responses (their copies await a new
// one, the organizer's tally shows none); other changes keep them.
func TestMeetingResponseReset(t *testing.T) {
	e := newEnv(t)
	rw := func(u string) string { return e.delegated(u, "Calendars.ReadWrite") }
	weekly := map[string]any{"pattern": map[string]any{"type": "weekly", "daysOfWeek": []string{"monday"}},
		"range": map[string]any{"type": "numbered", "startDate": "2031-05-05", "numberOfOccurrences": 3}}
	april := window(time.Date(2031, 5, 1, 0, 0, 0, 0, time.UTC), time.Date(2031, 6, 1, 0, 0, 0, 0, time.UTC))
	cases := []struct {
		name   string
		series bool
		// noResponse creates the meeting with responseRequested false.
		noResponse bool
		// occurrence patches the second occurrence instead of the meeting.
		occurrence bool
		patch      map[string]any
		// want is Megan's response on her copy of what was patched, and
		// tracked the organizer's tally of it.
		want, tracked string
		// seriesWant is Megan's response on her series when an occurrence
		// was patched.
		seriesWant string
	}{
		{name: "subject", patch: map[string]any{"subject": "Renamed"}, want: "accepted", tracked: "accepted"},
		{name: "location", patch: map[string]any{"location": map[string]any{"displayName": "Room 9"}}, want: "accepted", tracked: "accepted"},
		{name: "body", patch: map[string]any{"body": map[string]any{"contentType": "text", "content": "New agenda"}}, want: "accepted", tracked: "accepted"},
		{name: "the same times again", patch: map[string]any{"start": utcDTZ("2031-05-05T10:00:00"), "end": utcDTZ("2031-05-05T11:00:00")},
			want: "accepted", tracked: "accepted"},
		{name: "start and end", patch: map[string]any{"start": utcDTZ("2031-05-05T12:00:00"), "end": utcDTZ("2031-05-05T13:00:00")},
			want: "notResponded", tracked: "none"},
		{name: "end only", patch: map[string]any{"end": utcDTZ("2031-05-05T11:30:00")}, want: "notResponded", tracked: "none"},
		{name: "responses not requested", noResponse: true, patch: map[string]any{"start": utcDTZ("2031-05-05T12:00:00"), "end": utcDTZ("2031-05-05T13:00:00")},
			want: "accepted", tracked: "accepted"},
		{name: "series recurrence", series: true, patch: map[string]any{"recurrence": map[string]any{"pattern": weekly["pattern"],
			"range": map[string]any{"type": "numbered", "startDate": "2031-05-05", "numberOfOccurrences": 4}}}, want: "notResponded", tracked: "none"},
		{name: "series subject", series: true, patch: map[string]any{"subject": "Renamed"}, want: "accepted", tracked: "accepted"},
		{name: "one occurrence moved", series: true, occurrence: true, patch: map[string]any{"start": utcDTZ("2031-05-12T15:00:00"), "end": utcDTZ("2031-05-12T16:00:00")},
			want: "notResponded", tracked: "none", seriesWant: "accepted"},
		{name: "one occurrence renamed", series: true, occurrence: true, patch: map[string]any{"subject": "Renamed"},
			want: "accepted", tracked: "accepted", seriesWant: "accepted"},
	}
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			subject := "Reset " + tc.name
			body := map[string]any{"subject": subject, "start": utcDTZ("2031-05-05T10:00:00"), "end": utcDTZ("2031-05-05T11:00:00"),
				"attendees": []any{map[string]any{"emailAddress": map[string]any{"address": e.upn("megan")}, "type": "required"}}}
			if tc.series {
				body["recurrence"] = weekly
			}
			if tc.noResponse {
				body["responseRequested"] = false
			}
			m := e.must(201, "POST", "/me/events", rw("adele"), body)
			uid := str(m, "iCalUId")
			mine := list(t, e.must(200, "GET", "/me/events?$filter="+q("iCalUId eq '"+uid+"'"), rw("megan"), nil))
			if len(mine) != 1 {
				t.Fatalf("case %d: Megan has %d copies", i, len(mine))
			}
			e.must(202, "POST", "/me/events/"+str(mine[0], "id")+"/accept", rw("megan"), map[string]any{})
			target, megansTarget := str(m, "id"), str(mine[0], "id")
			if tc.occurrence {
				view := func(u string) string {
					occ := list(t, e.must(200, "GET", "/me/calendarView?"+april+"&$filter="+q("iCalUId eq '"+uid+"'"), rw(u), nil))
					if len(occ) != 3 {
						t.Fatalf("%s has %d occurrences", u, len(occ))
					}
					return str(occ[1], "id")
				}
				target, megansTarget = view("adele"), view("megan")
			}
			e.must(200, "PATCH", "/me/events/"+target, rw("adele"), tc.patch)
			if got := str(e.must(200, "GET", "/me/events/"+megansTarget, rw("megan"), nil), "responseStatus/response"); got != tc.want {
				t.Errorf("Megan's response %q, want %q", got, tc.want)
			}
			if got := trackedResponse(e.must(200, "GET", "/me/events/"+target, rw("adele"), nil), e.upn("megan")); got != tc.tracked {
				t.Errorf("the organizer's tally %q, want %q", got, tc.tracked)
			}
			if tc.seriesWant != "" {
				if got := str(e.must(200, "GET", "/me/events/"+str(mine[0], "id"), rw("megan"), nil), "responseStatus/response"); got != tc.seriesWant {
					t.Errorf("Megan's series response %q, want %q", got, tc.seriesWant)
				}
			}
		})
	}
}
