package graph_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"graphgate/internal/demo"
	"graphgate/internal/graph"
	"graphgate/internal/store"
)

// utcDTZ is a request's dateTimeTimeZone in UTC.
func utcDTZ(v string) map[string]any { return map[string]any{"dateTime": v, "timeZone": "UTC"} }

// instanceStarts maps the instances of a view to their UTC start.
func instanceStarts(t testing.TB, evs []map[string]any) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, ev := range evs {
		out[str(ev, "id")] = startOf(t, ev).UTC().Format("01-02T15:04")
	}
	return out
}

// exceptionsStored counts the stored exceptions of a series master.
func (e *env) exceptionsStored(master string) int {
	e.t.Helper()
	items, _, err := e.srv.Store().(store.Items).QueryItems(context.Background(), store.ItemQuery{TenantID: demo.TenantID, Kind: graph.KindEventException})
	if err != nil {
		e.t.Fatal(err)
	}
	n := 0
	for _, it := range items {
		if strings.HasPrefix(it.ID, master+"_occ_") {
			n++
		}
	}
	return n
}

// TestCalendarOccurrenceChanges: PATCH of one occurrence stores an
// exception that calendarView, GET and instances show in its place.
func TestCalendarOccurrenceChanges(t *testing.T) {
	e := newEnv(t)
	read := e.delegated("adele", "Calendars.Read")
	rw := e.delegated("adele", "Calendars.ReadWrite")
	// Daily at 09:00 UTC, five times from Monday 2031-01-06.
	master := e.must(201, "POST", "/me/events", rw, map[string]any{"subject": "Standup", "start": utcDTZ("2031-01-06T09:00:00"),
		"end": utcDTZ("2031-01-06T09:15:00"), "recurrence": map[string]any{"pattern": map[string]any{"type": "daily", "interval": 1},
			"range": map[string]any{"type": "numbered", "startDate": "2031-01-06", "numberOfOccurrences": 5}}})
	mid := str(master, "id")
	jan := window(time.Date(2031, 1, 6, 0, 0, 0, 0, time.UTC), time.Date(2031, 1, 13, 0, 0, 0, 0, time.UTC))
	feb := window(time.Date(2031, 2, 1, 0, 0, 0, 0, time.UTC), time.Date(2031, 2, 2, 0, 0, 0, 0, time.UTC))
	view := func(w string) []map[string]any {
		t.Helper()
		return list(t, e.must(200, "GET", "/me/calendarView?"+w+"&$filter="+q("seriesMasterId eq '"+mid+"'"), read, nil))
	}
	occ := view(jan)
	if len(occ) != 5 {
		t.Fatalf("%d occurrences, want 5", len(occ))
	}
	if str(occ[1], "originalStart") != "2031-01-07T09:00:00Z" || occ[1]["type"] != "occurrence" {
		t.Errorf("occurrence = %v", occ[1])
	}
	ids := make([]string, 5)
	for i, ev := range occ {
		ids[i] = str(ev, "id")
	}
	cal := str(e.must(200, "GET", "/me/calendar", read, nil), "id")

	steps := []struct {
		name string
		// method, path (relative to /me) and body of the change.
		method, path string
		body         any
		opts         []opt
		status       int
		// subjects and starts expected of each of ids in the January view
		// ("" for absent), and in the February one.
		subjects [5]string
		starts   [5]string
		february []string
	}{
		{name: "change the subject of one occurrence", method: "PATCH", path: "/events/" + ids[1], body: map[string]any{"subject": "Standup (demo day)"}, status: 200,
			subjects: [5]string{"Standup", "Standup (demo day)", "Standup", "Standup", "Standup"},
			starts:   [5]string{"01-06T09:00", "01-07T09:00", "01-08T09:00", "01-09T09:00", "01-10T09:00"}},
		{name: "move an occurrence later that day, through its calendar's path", method: "PATCH", path: "/calendars/" + cal + "/events/" + ids[2],
			body: map[string]any{"start": utcDTZ("2031-01-08T15:00:00"), "end": utcDTZ("2031-01-08T15:30:00")}, status: 200,
			subjects: [5]string{"Standup", "Standup (demo day)", "Standup", "Standup", "Standup"},
			starts:   [5]string{"01-06T09:00", "01-07T09:00", "01-08T15:00", "01-09T09:00", "01-10T09:00"}},
		{name: "move an occurrence out of the series' window", method: "PATCH", path: "/events/" + ids[3],
			body: map[string]any{"start": utcDTZ("2031-02-01T10:00:00"), "end": utcDTZ("2031-02-01T10:15:00")}, status: 200,
			subjects: [5]string{"Standup", "Standup (demo day)", "Standup", "", "Standup"},
			starts:   [5]string{"01-06T09:00", "01-07T09:00", "01-08T15:00", "", "01-10T09:00"}, february: []string{ids[3]}},
		{name: "change an exception again", method: "PATCH", path: "/events/" + ids[1], body: map[string]any{"location": map[string]any{"displayName": "Hall"}}, status: 200,
			subjects: [5]string{"Standup", "Standup (demo day)", "Standup", "", "Standup"},
			starts:   [5]string{"01-06T09:00", "01-07T09:00", "01-08T15:00", "", "01-10T09:00"}, february: []string{ids[3]}},
		{name: "an end before the start changes nothing", method: "PATCH", path: "/events/" + ids[4],
			body: map[string]any{"subject": "x", "end": utcDTZ("2031-01-09T09:00:00")}, status: 400,
			subjects: [5]string{"Standup", "Standup (demo day)", "Standup", "", "Standup"},
			starts:   [5]string{"01-06T09:00", "01-07T09:00", "01-08T15:00", "", "01-10T09:00"}, february: []string{ids[3]}},
		{name: "an occurrence has no recurrence of its own", method: "PATCH", path: "/events/" + ids[4],
			body: map[string]any{"subject": "x", "recurrence": map[string]any{"pattern": map[string]any{"type": "daily"}}}, status: 400,
			subjects: [5]string{"Standup", "Standup (demo day)", "Standup", "", "Standup"},
			starts:   [5]string{"01-06T09:00", "01-07T09:00", "01-08T15:00", "", "01-10T09:00"}, february: []string{ids[3]}},
		{name: "a stale etag on the series changes nothing", method: "PATCH", path: "/events/" + ids[0], body: map[string]any{"subject": "x"},
			opts: []opt{header("If-Match", str(master, "@odata.etag"))}, status: 412,
			subjects: [5]string{"Standup", "Standup (demo day)", "Standup", "", "Standup"},
			starts:   [5]string{"01-06T09:00", "01-07T09:00", "01-08T15:00", "", "01-10T09:00"}, february: []string{ids[3]}},
		{name: "an occurrence not in the series", method: "PATCH", path: "/events/" + mid + "_occ_20310106T100000Z", body: map[string]any{"subject": "x"}, status: 404,
			subjects: [5]string{"Standup", "Standup (demo day)", "Standup", "", "Standup"},
			starts:   [5]string{"01-06T09:00", "01-07T09:00", "01-08T15:00", "", "01-10T09:00"}, february: []string{ids[3]}},
		{name: "delete a changed occurrence", method: "DELETE", path: "/events/" + ids[3], status: 204,
			subjects: [5]string{"Standup", "Standup (demo day)", "Standup", "", "Standup"},
			starts:   [5]string{"01-06T09:00", "01-07T09:00", "01-08T15:00", "", "01-10T09:00"}},
	}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			r := e.do(st.method, "/me"+st.path, rw, st.body, st.opts...)
			if r.Status != st.status {
				t.Fatalf("%s %s: %d %s", st.method, st.path, r.Status, r.Raw)
			}
			if st.status == 200 {
				_, when, _ := strings.Cut(st.path, "_occ_")
				orig, _ := time.Parse("20060102T150405Z", when)
				if r.JSON["type"] != "exception" || str(r.JSON, "seriesMasterId") != mid || !strings.HasSuffix(st.path, str(r.JSON, "id")) ||
					str(r.JSON, "originalStart") != orig.Format(time.RFC3339) || r.JSON["recurrence"] != nil {
					t.Errorf("changed occurrence = %v", r.JSON)
				}
			}
			got := map[string]map[string]any{}
			for _, ev := range view(jan) {
				got[str(ev, "id")] = ev
			}
			for i, id := range ids {
				ev := got[id]
				if st.subjects[i] == "" {
					if ev != nil {
						t.Errorf("instance %d still in January at %v", i, ev["start"])
					}
					continue
				}
				if ev == nil || str(ev, "subject") != st.subjects[i] || instanceStarts(t, []map[string]any{ev})[id] != st.starts[i] {
					t.Errorf("instance %d = %v %v, want %q at %s", i, ev["subject"], ev["start"], st.subjects[i], st.starts[i])
				}
				// GET of the occurrence id shows the same instance.
				one := e.must(200, "GET", "/me/events/"+id, read, nil)
				if one["subject"] != ev["subject"] || one["type"] != ev["type"] || !startOf(t, one).Equal(startOf(t, ev)) {
					t.Errorf("GET instance %d = %v, calendarView has %v", i, one, ev)
				}
			}
			want := 0
			for _, sub := range st.subjects {
				if sub != "" {
					want++
				}
			}
			if len(got) != want {
				t.Errorf("%d instances in January, want %d", len(got), want)
			}
			var febIDs []string
			for _, ev := range view(feb) {
				febIDs = append(febIDs, str(ev, "id"))
			}
			if strings.Join(febIDs, ",") != strings.Join(st.february, ",") {
				t.Errorf("February instances %v, want %v", febIDs, st.february)
			}
			// /events lists the series master, never its instances.
			evs := list(t, e.must(200, "GET", "/me/events?$filter="+q("startswith(subject,'Standup')"), read, nil))
			if len(evs) != 1 || evs[0]["id"] != mid || evs[0]["type"] != "seriesMaster" {
				t.Errorf("/me/events = %v", subjects(evs))
			}
		})
	}

	t.Run("Instances", func(t *testing.T) {
		body := e.must(200, "GET", "/me/events/"+mid+"/instances?"+jan, read, nil, header("Prefer", `outlook.timezone="`+pacific+`"`))
		if str(body, "@odata.context") != e.base+"/$metadata#users('"+e.id("adele")+"')/events('"+mid+"')/instances" {
			t.Errorf("@odata.context %q", body["@odata.context"])
		}
		evs := list(t, body)
		types := map[string]int{}
		for _, ev := range evs {
			types[str(ev, "type")]++
			if str(ev, "start/timeZone") != pacific {
				t.Errorf("instance start %v with Prefer Pacific", ev["start"])
			}
		}
		if len(evs) != 4 || types["exception"] != 2 || types["occurrence"] != 2 {
			t.Errorf("instances = %v", types)
		}
		if ex := find(evs, "id", ids[1]); str(ex, "location/displayName") != "Hall" || str(ex, "subject") != "Standup (demo day)" {
			t.Errorf("the exception among instances = %v", ex)
		}
		wantError(t, e.do("GET", "/me/events/"+mid+"/instances", read, nil), 400, "ErrorInvalidParameter", "…")
		// A single event is its own instance.
		one := e.must(201, "POST", "/me/events", rw, map[string]any{"subject": "One-off", "start": utcDTZ("2031-01-07T12:00:00"), "end": utcDTZ("2031-01-07T13:00:00")})
		if evs := list(t, e.must(200, "GET", "/me/events/"+str(one, "id")+"/instances?"+jan, read, nil)); len(evs) != 1 || evs[0]["id"] != one["id"] {
			t.Errorf("instances of a single event = %v", evs)
		}
	})

	t.Run("DeleteSeries", func(t *testing.T) {
		if n := e.exceptionsStored(mid); n != 2 {
			t.Errorf("%d exceptions stored before deleting the series, want 2", n)
		}
		e.must(204, "DELETE", "/me/events/"+mid, rw, nil)
		if evs := view(jan); len(evs) != 0 {
			t.Errorf("instances after deleting the series: %v", evs)
		}
		for _, id := range []string{mid, ids[1], ids[2]} {
			wantError(t, e.do("GET", "/me/events/"+id, read, nil), 404, "ErrorItemNotFound", "…")
		}
		if n := e.exceptionsStored(mid); n != 0 {
			t.Errorf("%d exceptions left after deleting the series", n)
		}
	})
}

// TestSeriesExceptionsOfMeetings: a change of a series' recurrence or
// times drops its exceptions and deleted occurrences for the organizer
// and every attendee; other changes keep them, and an attendee added
// later gets the series with its exceptions.
func TestSeriesExceptionsOfMeetings(t *testing.T) {
	e := newEnv(t)
	rw := func(u string) string { return e.delegated(u, "Calendars.ReadWrite") }
	may := window(time.Date(2031, 6, 1, 0, 0, 0, 0, time.UTC), time.Date(2031, 7, 1, 0, 0, 0, 0, time.UTC))
	att := func(users ...string) []any {
		var out []any
		for _, u := range users {
			out = append(out, map[string]any{"emailAddress": map[string]any{"address": e.upn(u)}, "type": "required"})
		}
		return out
	}
	cases := []struct {
		name  string
		patch map[string]any
		// dropped: the exceptions and the deleted occurrence are gone.
		dropped bool
		// starts of the series' instances afterwards (UTC, month-day hour).
		starts []string
	}{
		{name: "subject keeps exceptions", patch: map[string]any{"subject": "Renamed"},
			starts: []string{"06-02T09:00", "06-09T14:00"}},
		{name: "attendees keep exceptions", patch: map[string]any{"attendees": att("megan", "lynne")},
			starts: []string{"06-02T09:00", "06-09T14:00"}},
		{name: "range change drops them", patch: map[string]any{"recurrence": map[string]any{"pattern": map[string]any{"type": "weekly", "daysOfWeek": []string{"monday"}},
			"range": map[string]any{"type": "numbered", "startDate": "2031-06-02", "numberOfOccurrences": 4}}}, dropped: true,
			starts: []string{"06-02T09:00", "06-09T09:00", "06-16T09:00", "06-23T09:00"}},
		{name: "pattern change drops them", patch: map[string]any{"recurrence": map[string]any{"pattern": map[string]any{"type": "weekly", "daysOfWeek": []string{"monday"}, "interval": 2},
			"range": map[string]any{"type": "numbered", "startDate": "2031-06-02", "numberOfOccurrences": 3}}}, dropped: true,
			starts: []string{"06-02T09:00", "06-16T09:00", "06-30T09:00"}},
		{name: "time change drops them", patch: map[string]any{"start": utcDTZ("2031-06-02T11:00:00"), "end": utcDTZ("2031-06-02T11:30:00")}, dropped: true,
			starts: []string{"06-02T11:00", "06-09T11:00", "06-16T11:00"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			// Weekly on Mondays, three times; the second moved, the third deleted.
			m := e.must(201, "POST", "/me/events", rw("adele"), map[string]any{"subject": "Sync " + tc.name, "start": utcDTZ("2031-06-02T09:00:00"),
				"end": utcDTZ("2031-06-02T09:30:00"), "attendees": att("megan"),
				"recurrence": map[string]any{"pattern": map[string]any{"type": "weekly", "daysOfWeek": []string{"monday"}},
					"range": map[string]any{"type": "numbered", "startDate": "2031-06-02", "numberOfOccurrences": 3}}})
			uid := str(m, "iCalUId")
			view := func(u string) []map[string]any {
				t.Helper()
				return list(t, e.must(200, "GET", "/me/calendarView?"+may+"&$filter="+q("iCalUId eq '"+uid+"'")+"&$orderby="+q("start/dateTime"), rw(u), nil))
			}
			occ := view("adele")
			e.must(200, "PATCH", "/me/events/"+str(occ[1], "id"), rw("adele"), map[string]any{"start": utcDTZ("2031-06-09T14:00:00"), "end": utcDTZ("2031-06-09T14:30:00")})
			e.must(204, "DELETE", "/me/events/"+str(occ[2], "id"), rw("adele"), nil)
			megans := list(t, e.must(200, "GET", "/me/events?$filter="+q("iCalUId eq '"+uid+"'"), rw("megan"), nil))
			if len(megans) != 1 || e.exceptionsStored(str(megans[0], "id")) != 2 || e.exceptionsStored(str(m, "id")) != 1 {
				t.Fatalf("before the change: Megan's copies %d, her exceptions %d, Adele's %d", len(megans), e.exceptionsStored(str(megans[0], "id")), e.exceptionsStored(str(m, "id")))
			}
			e.must(200, "PATCH", "/me/events/"+str(m, "id"), rw("adele"), tc.patch)
			wantAdele, wantMegan := 1, 2
			if tc.dropped {
				wantAdele, wantMegan = 0, 0
			}
			if n := e.exceptionsStored(str(m, "id")); n != wantAdele {
				t.Errorf("Adele's exceptions stored: %d, want %d", n, wantAdele)
			}
			if n := e.exceptionsStored(str(megans[0], "id")); n != wantMegan {
				t.Errorf("Megan's exceptions stored: %d, want %d", n, wantMegan)
			}
			users := []string{"adele", "megan"}
			if tc.patch["attendees"] != nil {
				users = append(users, "lynne") // added later: the series comes with its exceptions
			}
			for _, u := range users {
				var got []string
				for _, ev := range view(u) {
					if ev["isCancelled"] == true {
						continue // an attendee's cancelled occurrence stays in the calendar until removed
					}
					got = append(got, startOf(t, ev).UTC().Format("01-02T15:04"))
				}
				if strings.Join(got, ",") != strings.Join(tc.starts, ",") {
					t.Errorf("%s's instances %v, want %v", u, got, tc.starts)
				}
			}
		})
	}
}
