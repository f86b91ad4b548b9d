package graph_test

import (
	"slices"
	"strings"
	"testing"
	"time"
)

const pacific = "Pacific Standard Time"

// window is a calendarView query string for [from, to).
func window(from, to time.Time) string {
	return "startDateTime=" + from.UTC().Format("2006-01-02T15:04:05Z") + "&endDateTime=" + to.UTC().Format("2006-01-02T15:04:05Z")
}

// startOf reads an event's start as an instant.
func startOf(t testing.TB, ev map[string]any) time.Time {
	t.Helper()
	return dtz(t, ev, "start")
}

func dtz(t testing.TB, ev map[string]any, prop string) time.Time {
	t.Helper()
	zone := str(ev, prop+"/timeZone")
	name := map[string]string{"UTC": "UTC", pacific: "America/Los_Angeles", "W. Europe Standard Time": "Europe/Berlin"}[zone]
	loc, err := time.LoadLocation(name)
	if err != nil || name == "" {
		t.Fatalf("%s.timeZone %q", prop, zone)
	}
	v, err := time.ParseInLocation("2006-01-02T15:04:05.0000000", str(ev, prop+"/dateTime"), loc)
	if err != nil {
		t.Fatalf("%s.dateTime %q: %v", prop, str(ev, prop+"/dateTime"), err)
	}
	return v
}

func countSubject(items []map[string]any, subject string) int {
	n := 0
	for _, it := range items {
		if str(it, "subject") == subject {
			n++
		}
	}
	return n
}

func TestCalendar(t *testing.T) {
	e := newEnv(t)
	read := e.delegated("adele", "Calendars.Read")
	rw := e.delegated("adele", "Calendars.ReadWrite")
	// The demo seeds events relative to the day it was seeded: Customer
	// visit is at 14:00 UTC two days later.
	cv := find(list(t, e.must(200, "GET", "/me/events?$filter="+q("subject eq 'Customer visit'"), read, nil)), "subject", "Customer visit")
	if cv == nil {
		t.Fatal("no Customer visit")
	}
	day := startOf(t, cv).Add(-(2*24 + 14) * time.Hour)
	fourWeeks := window(day, day.Add(28*24*time.Hour))

	t.Run("Calendars", func(t *testing.T) {
		body := e.must(200, "GET", "/me/calendars", read, nil)
		if str(body, "@odata.context") != e.base+"/$metadata#users('"+e.id("adele")+"')/calendars" {
			t.Errorf("@odata.context %q", body["@odata.context"])
		}
		cs := list(t, body)
		if len(cs) != 1 || cs[0]["name"] != "Calendar" || cs[0]["isDefaultCalendar"] != true || cs[0]["canEdit"] != true ||
			str(cs[0], "owner/address") != e.upn("adele") || str(cs[0], "@odata.etag") == "" {
			t.Errorf("calendars = %v", cs)
		}
		def := e.must(200, "GET", "/me/calendar", read, nil)
		if def["id"] != cs[0]["id"] || !strings.HasSuffix(str(def, "@odata.context"), "/calendars/$entity") {
			t.Errorf("GET /me/calendar = %v", def)
		}
		nc := e.must(201, "POST", "/me/calendars", rw, map[string]any{"name": "Travel"})
		if nc["name"] != "Travel" || nc["isDefaultCalendar"] != false {
			t.Errorf("new calendar = %v", nc)
		}
		if n := len(list(t, e.must(200, "GET", "/me/calendars", read, nil))); n != 2 {
			t.Errorf("%d calendars after creating one", n)
		}
		// An event in the new calendar, listed there only.
		e.must(201, "POST", "/me/calendars/"+str(nc, "id")+"/events", rw, map[string]any{"subject": "Flight",
			"start": map[string]any{"dateTime": "2030-02-01T08:00:00", "timeZone": "UTC"}, "end": map[string]any{"dateTime": "2030-02-01T10:00:00", "timeZone": "UTC"}})
		if got := subjects(list(t, e.must(200, "GET", "/me/calendars/"+str(nc, "id")+"/events", read, nil))); !slices.Equal(got, []string{"Flight"}) {
			t.Errorf("events of the new calendar = %v", got)
		}
		feb := window(time.Date(2030, 2, 1, 0, 0, 0, 0, time.UTC), time.Date(2030, 2, 2, 0, 0, 0, 0, time.UTC))
		for _, path := range []string{"/me/calendar/events", "/me/events", "/me/calendarView?" + feb, "/me/calendar/calendarView?" + feb} {
			if countSubject(list(t, e.must(200, "GET", path, read, nil)), "Flight") != 0 {
				t.Errorf("%s (the default calendar) lists an event of another calendar", path)
			}
		}
		if got := subjects(list(t, e.must(200, "GET", "/me/calendars/"+str(nc, "id")+"/calendarView?"+feb, read, nil))); !slices.Equal(got, []string{"Flight"}) {
			t.Errorf("calendarView of the new calendar = %v", got)
		}
	})

	t.Run("EventsList", func(t *testing.T) {
		evs := list(t, e.must(200, "GET", "/me/events", read, nil))
		got := subjects(evs)
		slices.Sort(got)
		if !slices.Equal(got, []string{"Company holiday", "Customer visit", "Launch review", "Team sync"}) {
			t.Errorf("Adele's events = %v", got)
		}
		ts := find(evs, "subject", "Team sync")
		if ts["type"] != "seriesMaster" || str(ts, "recurrence/pattern/type") != "weekly" || get(ts, "recurrence/range/numberOfOccurrences") != 12.0 ||
			ts["isOrganizer"] != true || str(ts, "organizer/emailAddress/address") != e.upn("adele") || str(ts, "start/timeZone") != "UTC" {
			t.Errorf("Team sync = %v", ts)
		}
		if _, ok := ts["_seriesEnd"]; ok {
			t.Error("internal properties leak")
		}
		if _, ok := get(ts, "start").(map[string]any)["utc"]; ok {
			t.Error("the stored UTC instant leaks")
		}
		if h := find(evs, "subject", "Company holiday"); h["isAllDay"] != true || h["type"] != "singleInstance" {
			t.Errorf("Company holiday = %v", h)
		}
		for _, ev := range evs {
			if et := str(ev, "@odata.etag"); et == "" || et != `W/"`+str(ev, "changeKey")+`"` {
				t.Errorf("@odata.etag %q, changeKey %q", et, ev["changeKey"])
			}
		}
	})

	t.Run("CRUD", func(t *testing.T) {
		ev := e.must(201, "POST", "/me/events", rw, map[string]any{"subject": "Dentist", "body": map[string]any{"contentType": "text", "content": "Checkup"},
			"start": map[string]any{"dateTime": "2030-01-15T10:00:00", "timeZone": "W. Europe Standard Time"},
			"end":   map[string]any{"dateTime": "2030-01-15T11:00:00", "timeZone": "W. Europe Standard Time"}, "location": map[string]any{"displayName": "Clinic"}})
		id := str(ev, "id")
		if ev["subject"] != "Dentist" || str(ev, "start/dateTime") != "2030-01-15T09:00:00.0000000" || str(ev, "start/timeZone") != "UTC" ||
			ev["originalStartTimeZone"] != "W. Europe Standard Time" || ev["type"] != "singleInstance" || str(ev, "location/displayName") != "Clinic" ||
			ev["bodyPreview"] != "Checkup" || !strings.HasSuffix(str(ev, "@odata.context"), "/events/$entity") {
			t.Errorf("created event = %v", ev)
		}
		got := e.must(200, "GET", "/me/events/"+id, read, nil)
		if got["subject"] != "Dentist" {
			t.Errorf("GET event = %v", got)
		}
		old := str(got, "@odata.etag")
		up := e.must(200, "PATCH", "/me/events/"+id, rw, map[string]any{"subject": "Dentist (moved)", "showAs": "oof"}, header("If-Match", old))
		if up["subject"] != "Dentist (moved)" || up["showAs"] != "oof" || up["@odata.etag"] == old {
			t.Errorf("PATCH event = %v", up)
		}
		wantError(t, e.do("PATCH", "/me/events/"+id, rw, map[string]any{"subject": "x"}, header("If-Match", old)), 412, "ErrorIrresolvableConflict", "…")
		wantError(t, e.do("PATCH", "/me/events/"+id, rw, map[string]any{"end": map[string]any{"dateTime": "2030-01-14T10:00:00", "timeZone": "UTC"}}), 400, "ErrorInvalidRequest", "…")
		wantError(t, e.do("POST", "/me/events", rw, map[string]any{"subject": "No times"}), 400, "BadRequest", "…")
		wantError(t, e.do("PATCH", "/me/events/"+id, read, map[string]any{"subject": "x"}), 403, "ErrorAccessDenied", "Access is denied. Check credentials and try again.")
		e.must(204, "DELETE", "/me/events/"+id, rw, nil)
		wantError(t, e.do("GET", "/me/events/"+id, read, nil), 404, "ErrorItemNotFound", "The specified object was not found in the store.")
	})

	t.Run("CalendarViewNeedsWindow", func(t *testing.T) {
		msg := "This request requires a time window specified by the query string parameters StartDateTime and EndDateTime."
		wantError(t, e.do("GET", "/me/calendarView", read, nil), 400, "ErrorInvalidParameter", msg)
		wantError(t, e.do("GET", "/me/calendarView?startDateTime="+day.Format(time.RFC3339), read, nil), 400, "ErrorInvalidParameter", msg)
		wantError(t, e.do("GET", "/me/calendar/calendarView?startDateTime=yesterday&endDateTime=today", read, nil), 400, "ErrorInvalidParameter", msg)
		wantError(t, e.do("GET", "/me/calendarView?"+window(day, day.Add(-time.Hour)), read, nil), 400, "ErrorInvalidParameter", "…")
	})

	t.Run("CalendarViewExpandsSeries", func(t *testing.T) {
		body := e.must(200, "GET", "/me/calendarView?"+fourWeeks, read, nil)
		if str(body, "@odata.context") != e.base+"/$metadata#users('"+e.id("adele")+"')/calendarView" {
			t.Errorf("@odata.context %q", body["@odata.context"])
		}
		all := e.all("/me/calendarView?"+fourWeeks+"&$top=2", read)
		got := map[string]int{}
		for _, ev := range all {
			got[str(ev, "subject")]++
		}
		want := map[string]int{"Team sync": 4, "Customer visit": 1, "Company holiday": 1, "Launch review": 1}
		if len(got) != len(want) || got["Team sync"] != 4 || got["Customer visit"] != 1 || got["Company holiday"] != 1 || got["Launch review"] != 1 {
			t.Errorf("four weeks of Adele's calendar (paged by 2) = %v, want %v", got, want)
		}
		var prev time.Time
		var master string
		for _, ev := range all {
			st := startOf(t, ev)
			if st.Before(prev) {
				t.Errorf("calendarView out of order: %s before %s", st, prev)
			}
			prev = st
			if ev["subject"] == "Team sync" {
				if ev["type"] != "occurrence" || str(ev, "seriesMasterId") == "" || ev["recurrence"] != nil {
					t.Errorf("occurrence = %v", ev)
				}
				master = str(ev, "seriesMasterId")
				if d := dtz(t, ev, "end").Sub(st); d != 30*time.Minute {
					t.Errorf("occurrence lasts %s", d)
				}
			}
		}
		if master == "" {
			t.Fatal("no Team sync occurrence")
		}
		if m := e.must(200, "GET", "/me/events/"+master, read, nil); m["type"] != "seriesMaster" {
			t.Errorf("the series master = %v", m["type"])
		}
		// Beyond the twelfth week the series has ended.
		late := list(t, e.must(200, "GET", "/me/calendarView?"+window(day.Add(13*7*24*time.Hour), day.Add(20*7*24*time.Hour)), read, nil))
		if countSubject(late, "Team sync") != 0 {
			t.Errorf("Team sync after its last occurrence: %v", subjects(late))
		}
		twelve := list(t, e.must(200, "GET", "/me/calendarView?"+window(day, day.Add(20*7*24*time.Hour))+"&$top=50", read, nil))
		if n := countSubject(twelve, "Team sync"); n != 12 {
			t.Errorf("Team sync has %d occurrences, want 12", n)
		}
	})

	t.Run("FilterOnCalendarView", func(t *testing.T) {
		evs := list(t, e.must(200, "GET", "/me/calendarView?"+fourWeeks+"&$filter="+q("contains(subject,'Team')"), read, nil))
		if len(evs) != 4 || countSubject(evs, "Team sync") != 4 {
			t.Errorf("contains(subject,'Team') = %v", subjects(evs))
		}
		evs = list(t, e.must(200, "GET", "/me/calendarView?"+fourWeeks+"&$filter="+q("isAllDay eq true"), read, nil))
		if !slices.Equal(subjects(evs), []string{"Company holiday"}) {
			t.Errorf("isAllDay eq true = %v", subjects(evs))
		}
		evs = list(t, e.must(200, "GET", "/me/calendarView?"+fourWeeks+"&$orderby="+q("subject desc")+"&$select=subject,start", read, nil))
		if len(evs) != 7 || evs[0]["subject"] != "Team sync" || evs[len(evs)-1]["subject"] != "Company holiday" || evs[0]["body"] != nil {
			t.Errorf("$orderby=subject desc = %v", subjects(evs))
		}
		wantError(t, e.do("GET", "/me/calendarView?"+fourWeeks+"&$select=nosuchproperty", read, nil), 400, "RequestBroker--ParseUri", "…")
		wantError(t, e.do("GET", "/me/events/"+str(evs[0], "id")+"?$select=nosuchproperty", read, nil), 400, "RequestBroker--ParseUri", "…")
	})

	t.Run("OccurrencesGetAndDelete", func(t *testing.T) {
		evs := list(t, e.must(200, "GET", "/me/calendarView?"+fourWeeks+"&$filter="+q("subject eq 'Team sync'"), read, nil))
		if len(evs) != 4 {
			t.Fatalf("%d occurrences", len(evs))
		}
		occ := str(evs[1], "id")
		got := e.must(200, "GET", "/me/events/"+occ, read, nil)
		if got["id"] != occ || got["type"] != "occurrence" || !startOf(t, got).Equal(startOf(t, evs[1])) {
			t.Errorf("GET occurrence = %v", got)
		}
		e.must(204, "DELETE", "/me/events/"+occ, rw, nil)
		wantError(t, e.do("GET", "/me/events/"+occ, read, nil), 404, "ErrorItemNotFound", "…")
		after := list(t, e.must(200, "GET", "/me/calendarView?"+fourWeeks+"&$filter="+q("subject eq 'Team sync'"), read, nil))
		if len(after) != 3 {
			t.Errorf("%d occurrences after deleting one, want 3", len(after))
		}
		for _, ev := range after {
			if ev["id"] == occ {
				t.Error("the deleted occurrence is still listed")
			}
		}
		wantError(t, e.do("GET", "/me/events/"+strings.Split(occ, "_occ_")[0]+"_occ_20000101T000000Z", read, nil), 404, "ErrorItemNotFound", "…")
	})

	t.Run("PreferTimeZone", func(t *testing.T) {
		utc := list(t, e.must(200, "GET", "/me/calendarView?"+fourWeeks, read, nil))
		r := e.do("GET", "/me/calendarView?"+fourWeeks, read, nil, header("Prefer", `outlook.timezone="`+pacific+`"`))
		if r.Status != 200 {
			t.Fatalf("%d %s", r.Status, r.Raw)
		}
		if got := r.Header.Get("Preference-Applied"); got != `outlook.timezone="`+pacific+`"` {
			t.Errorf("Preference-Applied %q", got)
		}
		pst := list(t, r.JSON)
		if len(pst) != len(utc) || len(utc) == 0 {
			t.Fatalf("%d events in UTC, %d in Pacific time", len(utc), len(pst))
		}
		la, _ := time.LoadLocation("America/Los_Angeles")
		for i := range utc {
			if str(utc[i], "start/timeZone") != "UTC" || str(pst[i], "start/timeZone") != pacific || str(pst[i], "end/timeZone") != pacific {
				t.Fatalf("time zones %v / %v", utc[i]["start"], pst[i]["start"])
			}
			u, p := startOf(t, utc[i]), startOf(t, pst[i])
			if !u.Equal(p) {
				t.Errorf("%s: %s in UTC, %s in Pacific time", str(utc[i], "subject"), u, p)
			}
			if want := u.In(la).Format("2006-01-02T15:04:05.0000000"); str(pst[i], "start/dateTime") != want {
				t.Errorf("start.dateTime %q, want %q", str(pst[i], "start/dateTime"), want)
			}
		}
		one := e.must(200, "GET", "/me/events/"+str(utc[0], "id"), read, nil, header("Prefer", `outlook.timezone="`+pacific+`"`))
		if str(one, "start/timeZone") != pacific {
			t.Errorf("GET event with Prefer: %v", one["start"])
		}
		// An unknown zone is ignored.
		if ev := list(t, e.must(200, "GET", "/me/events", read, nil, header("Prefer", `outlook.timezone="Nowhere"`))); str(ev[0], "start/timeZone") != "UTC" {
			t.Errorf("unknown preferred zone: %v", ev[0]["start"])
		}
	})

	t.Run("NewSeriesAcrossDST", func(t *testing.T) {
		// Mondays and Wednesdays at 09:00 Pacific time, six times, across
		// the start of daylight saving time (2030-03-10).
		ev := e.must(201, "POST", "/me/events", rw, map[string]any{"subject": "Gym",
			"start": map[string]any{"dateTime": "2030-03-04T09:00:00", "timeZone": pacific}, "end": map[string]any{"dateTime": "2030-03-04T10:00:00", "timeZone": pacific},
			"recurrence": map[string]any{"pattern": map[string]any{"type": "weekly", "interval": 1, "daysOfWeek": []string{"monday", "wednesday"}},
				"range": map[string]any{"type": "numbered", "startDate": "2030-03-04", "numberOfOccurrences": 6}}})
		if ev["type"] != "seriesMaster" {
			t.Fatalf("created series = %v", ev)
		}
		from := time.Date(2030, 3, 1, 0, 0, 0, 0, time.UTC)
		evs := list(t, e.must(200, "GET", "/me/calendarView?"+window(from, from.AddDate(0, 1, 0))+"&$filter="+q("subject eq 'Gym'"), read, nil,
			header("Prefer", `outlook.timezone="`+pacific+`"`)))
		var got []string
		for _, ev := range evs {
			got = append(got, str(ev, "start/dateTime"))
		}
		want := []string{"2030-03-04T09:00:00.0000000", "2030-03-06T09:00:00.0000000", "2030-03-11T09:00:00.0000000", "2030-03-13T09:00:00.0000000",
			"2030-03-18T09:00:00.0000000", "2030-03-20T09:00:00.0000000"}
		if !slices.Equal(got, want) {
			t.Errorf("Gym occurrences (Pacific time)\n got %v\nwant %v", got, want)
		}
		utc := list(t, e.must(200, "GET", "/me/calendarView?"+window(from, from.AddDate(0, 1, 0))+"&$filter="+q("subject eq 'Gym'"), read, nil))
		if len(utc) == 6 && (str(utc[0], "start/dateTime") != "2030-03-04T17:00:00.0000000" || str(utc[2], "start/dateTime") != "2030-03-11T16:00:00.0000000") {
			t.Errorf("UTC starts %v, %v", utc[0]["start"], utc[2]["start"])
		}
		mid := list(t, e.must(200, "GET", "/me/calendarView?"+window(time.Date(2030, 3, 8, 0, 0, 0, 0, time.UTC), time.Date(2030, 3, 15, 0, 0, 0, 0, time.UTC))+
			"&$filter="+q("subject eq 'Gym'"), read, nil))
		if len(mid) != 2 {
			t.Errorf("Gym between March 8 and 15: %d occurrences, want 2", len(mid))
		}
		wantError(t, e.do("POST", "/me/events", rw, map[string]any{"subject": "Bad",
			"start": map[string]any{"dateTime": "2030-03-04T09:00:00", "timeZone": "UTC"}, "end": map[string]any{"dateTime": "2030-03-04T10:00:00", "timeZone": "UTC"},
			"recurrence": map[string]any{"pattern": map[string]any{"type": "weekly"}, "range": map[string]any{"type": "noEnd", "startDate": "2030-03-04"}}}), 400, "BadRequest", "…")
	})

	t.Run("RespondToInvitation", func(t *testing.T) {
		evs := list(t, e.must(200, "GET", "/me/events?$filter="+q("subject eq 'Launch review'"), read, nil))
		if len(evs) != 1 {
			t.Fatalf("Adele's invitations to Launch review: %v", evs)
		}
		inv := evs[0]
		if inv["isOrganizer"] != false || str(inv, "responseStatus/response") != "notResponded" || str(inv, "organizer/emailAddress/address") != e.upn("megan") {
			t.Errorf("invitation = %v", inv)
		}
		id := str(inv, "id")
		for _, x := range []struct{ action, response, showAs string }{
			{"tentativelyAccept", "tentativelyAccepted", "tentative"}, {"decline", "declined", "free"}, {"accept", "accepted", ""},
		} {
			r := e.do("POST", "/me/events/"+id+"/"+x.action, rw, map[string]any{"comment": "See you", "sendResponse": true})
			if r.Status != 202 {
				t.Fatalf("%s: %d %s", x.action, r.Status, r.Raw)
			}
			got := e.must(200, "GET", "/me/events/"+id, read, nil)
			if str(got, "responseStatus/response") != x.response || x.showAs != "" && got["showAs"] != x.showAs {
				t.Errorf("after %s: responseStatus %v, showAs %v", x.action, got["responseStatus"], got["showAs"])
			}
			if _, err := time.Parse(time.RFC3339, str(got, "responseStatus/time")); err != nil {
				t.Errorf("responseStatus.time %q", str(got, "responseStatus/time"))
			}
		}
		wantError(t, e.do("POST", "/me/events/"+id+"/accept", read, map[string]any{}), 403, "ErrorAccessDenied", "…")
		// The organizer cannot respond to her own meeting.
		mine := list(t, e.must(200, "GET", "/me/events?$filter="+q("subject eq 'Launch review'"), e.delegated("megan", "Calendars.Read"), nil))
		if len(mine) != 1 {
			t.Fatalf("Megan's Launch review: %v", mine)
		}
		wantError(t, e.do("POST", "/me/events/"+str(mine[0], "id")+"/accept", e.delegated("megan", "Calendars.ReadWrite"), map[string]any{}), 400, "ErrorInvalidRequest", "…")
		// The organizer's copy tracks Adele's last sent response.
		status := func() string {
			for _, a := range mine[0]["attendees"].([]any) {
				a := a.(map[string]any)
				if strings.EqualFold(str(a, "emailAddress/address"), e.upn("adele")) {
					return str(a, "status/response")
				}
			}
			return ""
		}
		if got := status(); got != "accepted" {
			t.Errorf("the organizer sees Adele's response %q, want accepted", got)
		}
		// A response not sent leaves the organizer's tracking as it was.
		e.must(202, "POST", "/me/events/"+id+"/decline", rw, map[string]any{"sendResponse": false})
		mine = list(t, e.must(200, "GET", "/me/events?$filter="+q("subject eq 'Launch review'"), e.delegated("megan", "Calendars.Read"), nil))
		if got := status(); got != "accepted" {
			t.Errorf("after a decline not sent, the organizer sees %q, want accepted", got)
		}
		// Megan was invited to Adele's weekly Team sync.
		if ts := list(t, e.must(200, "GET", "/me/events?$filter="+q("subject eq 'Team sync'"), e.delegated("megan", "Calendars.Read"), nil)); len(ts) != 1 || ts[0]["isOrganizer"] != false {
			t.Errorf("Megan's Team sync = %v", ts)
		}
	})

	t.Run("InvitationsFromNewEvents", func(t *testing.T) {
		e.must(201, "POST", "/me/events", rw, map[string]any{"subject": "Budget review",
			"start": map[string]any{"dateTime": "2030-05-02T15:00:00", "timeZone": "UTC"}, "end": map[string]any{"dateTime": "2030-05-02T16:00:00", "timeZone": "UTC"},
			"attendees": []any{map[string]any{"emailAddress": map[string]any{"address": e.upn("lynne"), "name": "Lynne Robbins"}, "type": "required"}}})
		got := list(t, e.must(200, "GET", "/me/events?$filter="+q("subject eq 'Budget review'"), e.delegated("lynne", "Calendars.Read"), nil))
		if len(got) != 1 || str(got[0], "responseStatus/response") != "notResponded" {
			t.Errorf("Lynne's invitation = %v", got)
		}
	})

	t.Run("ReadBasicHidesBody", func(t *testing.T) {
		basic := e.delegated("adele", "Calendars.ReadBasic")
		for _, path := range []string{"/me/events", "/me/calendarView?" + fourWeeks} {
			r := e.do("GET", path, basic, nil)
			if r.Status != 200 {
				t.Fatalf("%s: %d %s", path, r.Status, r.Raw)
			}
			for _, ev := range list(t, r.JSON) {
				if _, ok := ev["body"]; ok {
					t.Errorf("%s with Calendars.ReadBasic returned a body", path)
				}
				if _, ok := ev["bodyPreview"]; ok {
					t.Errorf("%s with Calendars.ReadBasic returned bodyPreview", path)
				}
				if ev["subject"] == nil || ev["start"] == nil {
					t.Errorf("%s with Calendars.ReadBasic: %v", path, ev)
				}
			}
		}
		ts := find(list(t, e.must(200, "GET", "/me/events?$select=subject,body", basic, nil)), "subject", "Team sync")
		if _, ok := ts["body"]; ok {
			t.Error("$select=body with Calendars.ReadBasic returned the body")
		}
		if ts := find(list(t, e.must(200, "GET", "/me/events", read, nil)), "subject", "Team sync"); str(ts, "body/content") != "Weekly team sync." {
			t.Errorf("Calendars.Read body = %v", ts["body"])
		}
	})

	t.Run("SharedCalendar", func(t *testing.T) {
		megan := e.id("megan")
		shared := e.delegated("adele", "Calendars.Read.Shared")
		evs := list(t, e.must(200, "GET", "/users/"+megan+"/calendarView?"+window(day, day.Add(7*24*time.Hour))+"&$top=50", shared, nil))
		if countSubject(evs, "Stand-up") != 7 || countSubject(evs, "Launch review") != 1 {
			t.Errorf("a week of Megan's calendar read by Adele = %v", subjects(evs))
		}
		cal := e.must(200, "GET", "/users/"+megan+"/calendar", shared, nil)
		if cal["canEdit"] != false || cal["canShare"] != false || str(cal, "owner/address") != e.upn("megan") {
			t.Errorf("Megan's calendar seen by Adele = %v", cal)
		}
		// Calendars.Read is for Adele's own calendar only.
		wantError(t, e.do("GET", "/users/"+megan+"/events", read, nil), 403, "ErrorAccessDenied", "Access is denied. Check credentials and try again.")
		// Lynne was not given access.
		wantError(t, e.do("GET", "/users/"+megan+"/events", e.delegated("lynne", "Calendars.Read.Shared"), nil), 403, "ErrorAccessDenied", "…")
		// Megan shared for reading only.
		newEv := map[string]any{"subject": "Shared", "start": map[string]any{"dateTime": "2030-01-01T10:00:00", "timeZone": "UTC"},
			"end": map[string]any{"dateTime": "2030-01-01T11:00:00", "timeZone": "UTC"}}
		wantError(t, e.do("POST", "/users/"+megan+"/events", e.delegated("adele", "Calendars.ReadWrite.Shared"), newEv), 403, "ErrorAccessDenied", "…")
		// The support mailbox's calendar is delegated to Adele with write access.
		e.must(201, "POST", "/users/"+e.id("support")+"/events", e.delegated("adele", "Calendars.ReadWrite.Shared"), newEv)
	})

	t.Run("GroupCalendar", func(t *testing.T) {
		gr := e.delegated("adele", "Group.Read.All")
		evs := list(t, e.must(200, "GET", "/groups/"+marketingID+"/events", gr, nil))
		if !slices.Equal(subjects(evs), []string{"Marketing all-hands"}) || str(evs[0], "organizer/emailAddress/address") != "marketing@contoso.onmicrosoft.com" {
			t.Errorf("Marketing events = %v", evs)
		}
		got := e.must(200, "GET", "/groups/"+marketingID+"/events/"+str(evs[0], "id"), gr, nil)
		if got["subject"] != "Marketing all-hands" {
			t.Errorf("GET group event = %v", got)
		}
		view := list(t, e.must(200, "GET", "/groups/"+marketingID+"/calendarView?"+fourWeeks, gr, nil))
		if !slices.Equal(subjects(view), []string{"Marketing all-hands"}) {
			t.Errorf("Marketing calendarView = %v", subjects(view))
		}
		// Members may add events; others may not.
		newEv := map[string]any{"subject": "Campaign kickoff", "start": map[string]any{"dateTime": "2030-01-01T10:00:00", "timeZone": "UTC"},
			"end": map[string]any{"dateTime": "2030-01-01T11:00:00", "timeZone": "UTC"}}
		e.must(201, "POST", "/groups/"+marketingID+"/events", e.delegated("adele", "Group.ReadWrite.All"), newEv)
		if n := len(list(t, e.must(200, "GET", "/groups/"+marketingID+"/calendar/events", gr, nil))); n != 2 {
			t.Errorf("%d group events after adding one", n)
		}
		r := e.do("POST", "/groups/"+marketingID+"/events", e.delegated("lynne", "Group.ReadWrite.All"), newEv)
		if r.Status != 403 {
			t.Errorf("a non-member adding a group event: %d %s", r.Status, r.Raw)
		}
	})
}
