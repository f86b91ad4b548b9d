package graph_test

import (
	"context"
	"encoding/json"
	"fmt"
	"graphgate/internal/graph/exchange"
	"maps"
	"math/rand/v2"
	"net/http/httptest"
	"net/url"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"graphgate/internal/authz"
	"graphgate/internal/demo"
	"graphgate/internal/graph"
	"graphgate/internal/pgtest"
	"graphgate/internal/store"
)

// Calendar views do bounded work (issue 10, item 2): calendarView and
// /instances expand lazily, stop at the page, continue from the nextLink's
// position and never read a calendar's history.

// work is what calendar views have cost so far on the server.
type work struct{ steps, rows, examined int64 }

func (e *env) calendarWork() work {
	s, r, x := e.srv.Graph().CalendarWork()
	return work{s, r, x}
}

func (w work) minus(o work) work {
	return work{w.steps - o.steps, w.rows - o.rows, w.examined - o.examined}
}

// dailySeries creates n never-ending daily series in the caller's
// calendar, the i-th at 09:00 + i minutes UTC from startDate on.
func (e *env) dailySeries(tok string, n int, startDate string) []string {
	e.t.Helper()
	ids := make([]string, n)
	for i := range n {
		at := fmt.Sprintf("%sT09:%02d:00", startDate, i%60)
		ev := e.must(201, "POST", "/me/events", tok, map[string]any{"subject": fmt.Sprint("Daily ", i), "start": utcDTZ(at),
			"end": utcDTZ(strings.Replace(at, "T09:", "T10:", 1)), "recurrence": map[string]any{"pattern": map[string]any{"type": "daily", "interval": 1},
				"range": map[string]any{"type": "noEnd", "startDate": startDate}}})
		ids[i] = str(ev, "id")
	}
	return ids
}

// weeklySeries creates n weekly series of 26 occurrences in the caller's
// calendar, as bench/scale's generated tenant holds them: the i-th from
// the week of first on, on weekday i, in working hours, with a body.
func (e *env) weeklySeries(tok string, n int, first time.Time) {
	e.t.Helper()
	for i := range n {
		at := first.AddDate(0, 0, i%7).Add(time.Duration(8+i%9)*time.Hour + time.Duration(i%4)*15*time.Minute)
		day := strings.ToLower(at.Weekday().String())
		e.must(201, "POST", "/me/events", tok, map[string]any{"subject": fmt.Sprint("Weekly ", i), "start": utcDTZ(at.Format("2006-01-02T15:04:05")),
			"end": utcDTZ(at.Add(time.Hour).Format("2006-01-02T15:04:05")), "body": map[string]any{"contentType": "text", "content": "Notes for the weekly meeting"},
			"location": map[string]any{"displayName": fmt.Sprint("Room ", i%40)},
			"recurrence": map[string]any{"pattern": map[string]any{"type": "weekly", "interval": 1, "daysOfWeek": []string{day}},
				"range": map[string]any{"type": "numbered", "startDate": at.Format("2006-01-02"), "numberOfOccurrences": 26}}})
	}
}

// storeEvents stores single events in Adele's calendar cal directly (as
// many as a test or benchmark needs, faster than POSTs): "<prefix> <i>"
// starts at start(i) and lasts d(i). Each is a copy of an event created
// through the API, so that it is stored as graphgate stores events.
func (e *env) storeEvents(cal, prefix string, n int, start func(int) time.Time, d func(int) time.Duration) {
	e.t.Helper()
	rw := e.delegated("adele", "Calendars.ReadWrite")
	tmpl := e.must(201, "POST", "/me/calendars/"+cal+"/events", rw, map[string]any{"subject": "Template", "start": utcDTZ("2020-01-01T09:00:00"),
		"end": utcDTZ("2020-01-01T10:00:00"), "body": map[string]any{"contentType": "html", "content": "<p>Agenda</p>"},
		"location": map[string]any{"displayName": "Room 1"}, "categories": []string{"Blue category"}})
	st := e.srv.Store().(store.Items)
	stored, err := st.GetItem(context.Background(), demo.TenantID, graph.KindEvent, str(tmpl, "id"))
	if err != nil {
		e.t.Fatal(err)
	}
	e.must(204, "DELETE", "/me/events/"+str(tmpl, "id"), rw, nil)
	dtz := func(t time.Time) map[string]any {
		return map[string]any{"dateTime": t.UTC().Format("2006-01-02T15:04:05.0000000"), "timeZone": "UTC", "utc": t.UTC().Format(store.TimeLayout)}
	}
	items := make([]store.Item, 0, n)
	for i := range n {
		var doc map[string]any
		if err := json.Unmarshal(stored.Doc, &doc); err != nil {
			e.t.Fatal(err)
		}
		id := fmt.Sprintf("AAMk%s%06d", prefix, i)
		doc["id"], doc["subject"], doc["start"], doc["end"] = id, fmt.Sprint(prefix, " ", i), dtz(start(i)), dtz(start(i).Add(d(i)))
		b, err := json.Marshal(doc)
		if err != nil {
			e.t.Fatal(err)
		}
		it := stored
		it.ID, it.Doc = id, b
		items = append(items, it)
	}
	if err := st.CreateItems(context.Background(), items...); err != nil {
		e.t.Fatal(err)
	}
}

// TestCalendarViewManySeries: 40 never-ending daily series (anyone who can
// invite the user can make them), one calendarView?$top=1 over five years:
// the first occurrence, found by generating a few occurrences per series —
// not five years of each — and continued page by page from there; the
// same for one series' /instances. Memory stays flat: the request
// allocates what a page needs, not what the window holds.
func TestCalendarViewManySeries(t *testing.T) {
	e := newEnv(t)
	rw := e.delegated("adele", "Calendars.ReadWrite")
	read := e.delegated("adele", "Calendars.Read")
	ids := e.dailySeries(rw, 40, "2029-01-01")
	from := time.Date(2031, 1, 1, 0, 0, 0, 0, time.UTC)
	five := window(from, from.Add(1825*24*time.Hour))

	before := e.calendarWork()
	body := e.must(200, "GET", "/me/calendarView?"+five+"&$top=1&$select=subject,start", read, nil)
	w := e.calendarWork().minus(before)
	page := list(t, body)
	if len(page) != 1 || page[0]["subject"] != "Daily 0" || str(page[0], "start/dateTime") != "2031-01-01T09:00:00.0000000" {
		t.Fatalf("first page = %v", page)
	}
	// Each series is started at the window (a step or two) and the merge
	// takes one instance and looks at the next.
	if w.steps > 3*40 || w.examined > 2 || w.rows > 40+2 {
		t.Errorf("the first page cost %+v: more than 3 occurrences a series, 2 instances examined, the 40 masters and 2 rows", w)
	}
	// The next pages continue from the last instance's position.
	next := str(body, "@odata.nextLink")
	for i := 1; i <= 3; i++ {
		if next == "" {
			t.Fatalf("page %d has no nextLink", i)
		}
		before = e.calendarWork()
		body = e.must(200, "GET", next, read, nil)
		w = e.calendarWork().minus(before)
		page = list(t, body)
		if len(page) != 1 || page[0]["subject"] != fmt.Sprint("Daily ", i) || str(page[0], "start/dateTime") != fmt.Sprintf("2031-01-01T09:%02d:00.0000000", i) {
			t.Fatalf("page %d = %v", i+1, page)
		}
		if w.steps > 3*40 || w.examined > 2 {
			t.Errorf("page %d cost %+v", i+1, w)
		}
		next = str(body, "@odata.nextLink")
	}
	// A later page of the same view: the day's occurrences in order.
	later := from.Add(1000 * 24 * time.Hour)
	day := list(t, e.must(200, "GET", "/me/calendarView?"+window(later, from.Add(1825*24*time.Hour))+"&$top=40", read, nil))
	if len(day) != 40 || day[39]["subject"] != "Daily 39" || str(day[0], "start/dateTime") != later.Format("2006-01-02")+"T09:00:00.0000000" {
		t.Errorf("a page 1000 days in = %v … %v", subjects(day[:1]), subjects(day[39:]))
	}

	before = e.calendarWork()
	inst := e.must(200, "GET", "/me/events/"+ids[7]+"/instances?"+five+"&$top=2", read, nil)
	w = e.calendarWork().minus(before)
	if got := list(t, inst); len(got) != 2 || str(got[0], "start/dateTime") != "2031-01-01T09:07:00.0000000" || str(got[1], "start/dateTime") != "2031-01-02T09:07:00.0000000" {
		t.Errorf("instances = %v", got)
	}
	if w.steps > 5 || w.examined > 3 {
		t.Errorf("/instances cost %+v", w)
	}

	allocs := testing.AllocsPerRun(3, func() { e.must(200, "GET", "/me/calendarView?"+five+"&$top=10", read, nil) })
	if allocs > 40_000 {
		t.Errorf("a page of ten allocates %.0f times", allocs)
	}
}

// TestCalendarViewHistoryNotRead: single events are read from the store
// with the window pushed down, in start order, a page's worth at a time:
// 3000 events in the years before the window cost nothing, an event that
// began before the window and lasts into it comes first, and paging
// through the window reads each event about once.
func TestCalendarViewHistoryNotRead(t *testing.T) {
	e := newEnv(t)
	read := e.delegated("adele", "Calendars.Read")
	cal := str(e.must(200, "GET", "/me/calendar", read, nil), "id")
	from := time.Date(2031, 3, 1, 0, 0, 0, 0, time.UTC)
	e.storeEvents(cal, "History", 3000, func(i int) time.Time { return from.Add(-time.Duration(i+1) * 5 * time.Hour) },
		func(i int) time.Duration { return time.Duration(1+i%4) * time.Hour })
	e.storeEvents(cal, "Conference", 1, func(int) time.Time { return from.Add(-24 * time.Hour) },
		func(int) time.Duration { return 72 * time.Hour })
	e.storeEvents(cal, "Window", 120, func(i int) time.Time { return from.Add(time.Duration(i) * 12 * time.Hour) },
		func(int) time.Duration { return time.Hour })
	twoMonths := window(from, from.Add(61*24*time.Hour))

	before := e.calendarWork()
	page := list(t, e.must(200, "GET", "/me/calendarView?"+twoMonths+"&$top=20", read, nil))
	w := e.calendarWork().minus(before)
	if len(page) != 20 || page[0]["subject"] != "Conference 0" || page[1]["subject"] != "Window 0" || page[19]["subject"] != "Window 18" {
		t.Fatalf("first page = %v", subjects(page))
	}
	if w.rows > 2*21 {
		t.Errorf("the first page read %d rows, more than a page and a look past it", w.rows)
	}
	before = e.calendarWork()
	all := e.all("/me/calendarView?"+twoMonths+"&$top=20", read)
	w = e.calendarWork().minus(before)
	if len(all) != 121 || all[120]["subject"] != "Window 119" {
		t.Errorf("paging the window: %d events, last %v", len(all), all[len(all)-1]["subject"])
	}
	for i := 1; i < len(all); i++ {
		if startOf(t, all[i]).Before(startOf(t, all[i-1])) {
			t.Errorf("out of start order: %v after %v", all[i]["subject"], all[i-1]["subject"])
		}
	}
	if w.rows > 2*121 {
		t.Errorf("paging 121 events read %d rows", w.rows)
	}
}

// viewCalendar builds, through the API, a calendar with what a view must
// get right: series of every pattern in zones with daylight saving time
// (never-ending, numbered, with an end date, all-day), occurrences
// changed, moved (earlier, later, out of their series' range) and
// deleted, single events that are all-day, multi-day, zero-length or in
// other zones. Subjects containing "x" are what the filtered views keep.
func (e *env) viewCalendar(tok string) {
	e.t.Helper()
	pst := func(v string) map[string]any { return map[string]any{"dateTime": v, "timeZone": pacific} }
	cet := func(v string) map[string]any {
		return map[string]any{"dateTime": v, "timeZone": "W. Europe Standard Time"}
	}
	series := func(subject string, start, end map[string]any, pattern, rng map[string]any, allDay bool) string {
		ev := e.must(201, "POST", "/me/events", tok, map[string]any{"subject": subject, "start": start, "end": end, "isAllDay": allDay,
			"recurrence": map[string]any{"pattern": pattern, "range": rng}})
		return str(ev, "id")
	}
	single := func(subject string, start, end map[string]any, allDay bool) {
		e.must(201, "POST", "/me/events", tok, map[string]any{"subject": subject, "start": start, "end": end, "isAllDay": allDay})
	}
	standup := series("Standup x", pst("2030-02-25T09:00:00"), pst("2030-02-25T09:15:00"),
		map[string]any{"type": "weekly", "interval": 1, "daysOfWeek": []string{"monday", "tuesday", "wednesday", "thursday", "friday"}},
		map[string]any{"type": "noEnd", "startDate": "2030-02-25"}, false)
	series("Biweekly review", cet("2030-03-05T16:30:00"), cet("2030-03-05T18:00:00"),
		map[string]any{"type": "weekly", "interval": 2, "daysOfWeek": []string{"tuesday", "thursday"}, "firstDayOfWeek": "sunday"},
		map[string]any{"type": "numbered", "startDate": "2030-03-05", "numberOfOccurrences": 20}, false)
	series("Month end x", utcDTZ("2030-01-31T12:00:00"), utcDTZ("2030-01-31T13:00:00"),
		map[string]any{"type": "absoluteMonthly", "interval": 1, "dayOfMonth": 31},
		map[string]any{"type": "endDate", "startDate": "2030-01-31", "endDate": "2031-12-31"}, false)
	series("Last Friday", pst("2030-01-25T23:00:00"), pst("2030-01-26T01:00:00"),
		map[string]any{"type": "relativeMonthly", "interval": 1, "daysOfWeek": []string{"friday"}, "index": "last"},
		map[string]any{"type": "noEnd", "startDate": "2030-01-25"}, false)
	series("Gym day x", pst("2030-03-02T00:00:00"), pst("2030-03-03T00:00:00"),
		map[string]any{"type": "weekly", "interval": 1, "daysOfWeek": []string{"saturday"}},
		map[string]any{"type": "numbered", "startDate": "2030-03-02", "numberOfOccurrences": 12}, true)
	series("Anniversary", utcDTZ("2030-03-10T00:00:00"), utcDTZ("2030-03-11T00:00:00"),
		map[string]any{"type": "absoluteYearly", "interval": 1, "month": 3, "dayOfMonth": 10},
		map[string]any{"type": "noEnd", "startDate": "2030-03-10"}, true)
	single("Holiday x", utcDTZ("2030-03-11T00:00:00"), utcDTZ("2030-03-12T00:00:00"), true)
	single("Conference", cet("2030-03-09T09:00:00"), cet("2030-03-13T17:00:00"), false)
	single("Reminder x", utcDTZ("2030-03-12T07:00:00"), utcDTZ("2030-03-12T07:00:00"), false)
	single("Call", pst("2030-03-10T01:30:00"), pst("2030-03-10T03:30:00"), false)
	single("Same start x", pst("2030-03-04T09:00:00"), pst("2030-03-04T09:30:00"), false)
	// Changes to Standup occurrences, found in a view.
	occ := func(day string) string {
		for _, ev := range list(e.t, e.must(200, "GET", "/me/events/"+standup+"/instances?startDateTime="+day+"T00:00:00Z&endDateTime="+day+"T23:59:00Z", tok, nil)) {
			return str(ev, "id")
		}
		e.t.Fatalf("no Standup on %s", day)
		return ""
	}
	e.must(200, "PATCH", "/me/events/"+occ("2030-03-05"), tok, map[string]any{"subject": "Standup (demo) x"})
	e.must(200, "PATCH", "/me/events/"+occ("2030-03-06"), tok, map[string]any{"start": pst("2030-03-06T14:00:00"), "end": pst("2030-03-06T14:30:00")})
	e.must(200, "PATCH", "/me/events/"+occ("2030-03-07"), tok, map[string]any{"start": pst("2030-03-01T08:00:00"), "end": pst("2030-03-01T08:15:00")})
	e.must(200, "PATCH", "/me/events/"+occ("2030-03-13"), tok, map[string]any{"subject": "Standup moved out", "start": utcDTZ("2030-02-01T10:00:00"), "end": utcDTZ("2030-02-01T10:30:00")})
	e.must(204, "DELETE", "/me/events/"+occ("2030-03-08"), tok, nil)
	moved := occ("2030-03-11")
	e.must(200, "PATCH", "/me/events/"+moved, tok, map[string]any{"subject": "Standup (late) x"})
	e.must(204, "DELETE", "/me/events/"+moved, tok, nil)
}

// TestCalendarViewPagesMatchFullExpansion: whatever the window, the page
// size, the preferred time zone and the filter, following the nextLinks of
// a calendarView lists exactly what expanding every series from its first
// occurrence and reading every stored event would (exchange.BruteForceView),
// in start order, each instance once.
func TestCalendarViewPagesMatchFullExpansion(t *testing.T) {
	testViewPaging(t, newEnv(t))
}

// TestCalendarViewPostgres: the same views on PostgreSQL, whose store
// answers the overlap and series queries with its own SQL and indexes;
// and a first page there reads no more than on SQLite.
func TestCalendarViewPostgres(t *testing.T) {
	e := newEnvOn(t, pgtest.FreshSchema(t))
	testViewPaging(t, e)
	rw := e.delegated("adele", "Calendars.ReadWrite")
	e.dailySeries(rw, 40, "2029-01-01")
	from := time.Date(2031, 1, 1, 0, 0, 0, 0, time.UTC)
	before := e.calendarWork()
	page := list(t, e.must(200, "GET", "/me/calendarView?"+window(from, from.Add(1825*24*time.Hour))+"&$top=1", rw, nil))
	w := e.calendarWork().minus(before)
	if len(page) != 1 || page[0]["subject"] != "Daily 0" || w.steps > 3*40 {
		t.Errorf("first page %v cost %+v", subjects(page), w)
	}
}

// testViewPaging checks paged views of viewCalendar against
// exchange.BruteForceView.
func testViewPaging(t *testing.T, e *env) {
	rw := e.delegated("adele", "Calendars.ReadWrite")
	e.viewCalendar(rw)
	cal := str(e.must(200, "GET", "/me/calendar", rw, nil), "id")
	rng := rand.New(rand.NewPCG(3, 4))
	base := time.Date(2030, 1, 20, 0, 0, 0, 0, time.UTC)
	windows := [][2]time.Time{{base, base.Add(120 * 24 * time.Hour)}, {base.Add(40 * 24 * time.Hour), base.Add(40*24*time.Hour + time.Hour)},
		{time.Date(2030, 3, 10, 9, 0, 0, 0, time.UTC), time.Date(2030, 3, 10, 10, 0, 0, 0, time.UTC)}, {base.Add(-400 * 24 * time.Hour), base.Add(1425 * 24 * time.Hour)}}
	for range 4 {
		from := base.Add(time.Duration(rng.Int64N(int64(150 * 24 * time.Hour)))).Truncate(time.Minute)
		windows = append(windows, [2]time.Time{from, from.Add(time.Duration(1+rng.Int64N(60*24)) * time.Hour)})
	}
	for i, w := range windows {
		want, err := exchange.BruteForceView(context.Background(), e.srv.Store().(store.Items), demo.TenantID, e.id("adele"), cal, w[0], w[1])
		if err != nil {
			t.Fatal(err)
		}
		size := []int{9, 3, 7, 50}[i%4]
		for _, filtered := range []bool{false, true} {
			path := "/me/calendarView?" + window(w[0], w[1]) + fmt.Sprintf("&$top=%d&$select=subject,start", size)
			wantHere := want
			if filtered {
				path += "&$filter=" + q("contains(subject,'X')")
				wantHere = nil
				for _, x := range want {
					if strings.Contains(x.Subject, "x") {
						wantHere = append(wantHere, x)
					}
				}
			}
			var opts []opt
			if i%2 == 1 {
				opts = append(opts, header("Prefer", `outlook.timezone="`+pacific+`"`))
			}
			got := e.all(path, rw, opts...)
			name := fmt.Sprintf("%s, pages of %d, filtered %v", window(w[0], w[1]), size, filtered)
			if len(got) != len(wantHere) {
				t.Errorf("%s: %d instances, want %d\n got %v\nwant %v", name, len(got), len(wantHere), subjects(got), wantHere)
				continue
			}
			for j := range got {
				if str(got[j], "id") != wantHere[j].ID || !startOf(t, got[j]).Equal(wantHere[j].Start) || got[j]["subject"] != wantHere[j].Subject {
					t.Errorf("%s: [%d] = %v %v %v, want %+v", name, j, got[j]["id"], got[j]["subject"], got[j]["start"], wantHere[j])
					break
				}
			}
		}
	}
	// The examples the calendar was built with.
	march := list(t, e.must(200, "GET", "/me/calendarView?"+window(time.Date(2030, 3, 1, 0, 0, 0, 0, time.UTC), time.Date(2030, 3, 15, 0, 0, 0, 0, time.UTC))+
		"&$top=100&$filter="+q("startswith(subject,'Standup')"), rw, nil, header("Prefer", `outlook.timezone="`+pacific+`"`)))
	var days []string
	for _, ev := range march {
		days = append(days, str(ev, "start/dateTime")[5:16]+" "+str(ev, "subject"))
	}
	want := []string{"03-01T08:00 Standup x", "03-01T09:00 Standup x", "03-04T09:00 Standup x", "03-05T09:00 Standup (demo) x", "03-06T14:00 Standup x", "03-12T09:00 Standup x", "03-14T09:00 Standup x"}
	if !slices.Equal(days, want) {
		t.Errorf("Standup in early March (Pacific time)\n got %v\nwant %v", days, want)
	}
}

// TestStoredRowMatchesRender: a stored event or exception is filtered on
// exactly what the response shows of it — single events, series masters,
// exceptions, meetings and their attendees' copies, in UTC and in a
// preferred zone — though views build that row from one decoding.
func TestStoredRowMatchesRender(t *testing.T) {
	e := newEnv(t)
	e.viewCalendar(e.delegated("adele", "Calendars.ReadWrite"))
	// Documents written before eventDoc had some of its properties, or
	// with one it no longer has.
	st := e.srv.Store().(store.Items)
	cal := str(e.must(200, "GET", "/me/calendar", e.delegated("adele", "Calendars.Read"), nil), "id")
	old := func(id, doc string) store.Item {
		return store.Item{TenantID: demo.TenantID, Kind: graph.KindEvent, ID: id, OwnerID: e.id("adele"), ParentID: cal, Version: 1, Doc: []byte(doc)}
	}
	if err := st.CreateItems(context.Background(),
		old("AAMkOld", `{"id":"AAMkOld","subject":"Old","type":"singleInstance","start":{"dateTime":"2030-05-01T09:00:00.0000000","timeZone":"UTC",`+
			`"utc":"2030-05-01T09:00:00.0000000Z"},"end":{"dateTime":"2030-05-01T10:00:00.0000000","timeZone":"UTC","utc":"2030-05-01T10:00:00.0000000Z"}}`),
		old("AAMkGone", `{"id":"AAMkGone","subject":"Gone","type":"singleInstance","retiredProperty":{"timeZone":"UTC","utc":"x"},`+
			`"lastModifiedDateTime":"2030-01-01T00:00:00.0000000Z","start":{"dateTime":"2030-05-03T09:00:00.0000000","timeZone":"UTC","utc":"2030-05-03T09:00:00.0000000Z"}}`),
	); err != nil {
		t.Fatal(err)
	}
	for user, least := range map[string]int{"adele": 17, "megan": 3} {
		for _, zone := range []string{"UTC", pacific, "Tokyo Standard Time"} {
			n, err := exchange.CheckStoredRows(context.Background(), e.srv.Store().(store.Items), demo.TenantID, e.id(user), zone)
			if err != nil {
				t.Fatalf("%s in %s: %v", user, zone, err)
			}
			if n < least {
				t.Fatalf("%s in %s: only %d events compared", user, zone, n)
			}
		}
	}
}

// TestCalendarViewLimits: what Microsoft documents or answers about views
// and recurrences, with Graph's statuses, codes and messages, and the
// bounds graphgate chose where Microsoft is silent; a refused request
// changes nothing.
func TestCalendarViewLimits(t *testing.T) {
	e := newEnv(t)
	rw := e.delegated("adele", "Calendars.ReadWrite")
	ids := e.dailySeries(rw, 40, "2031-01-01")
	from := time.Date(2031, 1, 1, 0, 0, 0, 0, time.UTC)
	tooLong := "Your request can't be completed. The range between the start and end dates is greater than the allowed range. Maximum number of days: 1825"
	for _, path := range []string{"/me/calendarView?", "/me/calendar/calendarView?", "/me/events/" + ids[0] + "/instances?"} {
		wantError(t, e.do("GET", path+window(from, from.Add(1825*24*time.Hour+time.Second)), rw, nil), 400, "ErrorInvalidRequest", tooLong)
		e.must(200, "GET", path+window(from, from.Add(1825*24*time.Hour)), rw, nil)
		wantError(t, e.do("GET", path+window(from, from.Add(time.Hour))+"&$top=1001", rw, nil), 400, "BadRequest",
			"The query specified in the URI is not valid. The limit of '1000' for Top query has been exceeded. The value from the incoming request is '1001'.")
		wantError(t, e.do("GET", path+window(from, from.Add(time.Hour))+"&$skiptoken=bm90LWEtdG9rZW4", rw, nil), 400, "BadRequest", "The $skiptoken is not valid.")
	}
	// Ordered other than by start, a window is sorted in memory, up to
	// 1000 instances: 40 series × 25 days is 1000, × 26 is more.
	days25 := window(from, from.Add(25*24*time.Hour))
	sorted := e.all("/me/calendarView?"+days25+"&$orderby="+q("subject desc")+"&$top=300&$select=subject", rw)
	if len(sorted) != 1000 || sorted[0]["subject"] != "Daily 9" || sorted[999]["subject"] != "Daily 0" {
		t.Errorf("sorted by subject: %d, %v … %v", len(sorted), sorted[0]["subject"], sorted[len(sorted)-1]["subject"])
	}
	wantError(t, e.do("GET", "/me/calendarView?"+window(from, from.Add(26*24*time.Hour))+"&$orderby="+q("subject desc"), rw, nil), 400, "ErrorInvalidRequest",
		"Your request can't be completed. The window holds more than 1000 instances to sort or count; order by start/dateTime without $count, or narrow the window between startDateTime and endDateTime.")
	// Exchange's numbered ranges hold 1 to 999 occurrences.
	before := len(list(t, e.must(200, "GET", "/me/events?$top=100", rw, nil)))
	numbered := func(n int) map[string]any {
		return map[string]any{"subject": "Numbered", "start": utcDTZ("2031-02-01T08:00:00"), "end": utcDTZ("2031-02-01T08:30:00"),
			"recurrence": map[string]any{"pattern": map[string]any{"type": "daily", "interval": 1},
				"range": map[string]any{"type": "numbered", "startDate": "2031-02-01", "numberOfOccurrences": n}}}
	}
	wantError(t, e.do("POST", "/me/events", rw, numbered(1000)), 400, "BadRequest", "numberOfOccurrences must be between 1 and 999")
	wantError(t, e.do("PATCH", "/me/events/"+ids[1], rw, map[string]any{"recurrence": numbered(1000)["recurrence"]}), 400, "BadRequest", "numberOfOccurrences must be between 1 and 999")
	if n := len(list(t, e.must(200, "GET", "/me/events?$top=100", rw, nil))); n != before {
		t.Errorf("%d events after refused requests, want %d", n, before)
	}
	if m := e.must(200, "GET", "/me/events/"+ids[1], rw, nil); str(m, "recurrence/range/type") != "noEnd" {
		t.Errorf("a refused PATCH changed the series: %v", m["recurrence"])
	}
	last := e.must(201, "POST", "/me/events", rw, numbered(999))
	if got := e.all("/me/events/"+str(last, "id")+"/instances?"+window(from, from.Add(1825*24*time.Hour))+"&$top=1000&$select=start", rw); len(got) != 999 {
		t.Errorf("a series of 999 has %d instances", len(got))
	}
	// An end date in year 9999 is no more work than one next month.
	far := e.must(201, "POST", "/me/events", rw, map[string]any{"subject": "Far", "start": utcDTZ("2031-02-01T07:00:00"), "end": utcDTZ("2031-02-01T07:30:00"),
		"recurrence": map[string]any{"pattern": map[string]any{"type": "daily", "interval": 1},
			"range": map[string]any{"type": "endDate", "startDate": "2031-02-01", "endDate": "9999-12-30"}}})
	if got := list(t, e.must(200, "GET", "/me/events/"+str(far, "id")+"/instances?"+window(time.Date(9999, 12, 1, 0, 0, 0, 0, time.UTC), time.Date(9999, 12, 31, 23, 0, 0, 0, time.UTC))+"&$top=50", rw, nil)); len(got) != 30 {
		t.Errorf("the last month of a series ending in 9999 has %d instances", len(got))
	}

	counted := e.must(200, "GET", "/me/calendarView?"+window(from, from.Add(10*24*time.Hour))+"&$count=true&$top=3", rw, nil)
	if get(counted, "@odata.count") != 400.0 || len(list(t, counted)) != 3 {
		t.Errorf("$count of 10 days = %v (%d listed)", counted["@odata.count"], len(list(t, counted)))
	}
	// start/dateTime ascending is the view's own order, not a sort.
	byStart := e.must(200, "GET", "/me/calendarView?"+window(from, from.Add(1825*24*time.Hour))+"&$orderby="+q("start/dateTime")+"&$top=2", rw, nil)
	if got := list(t, byStart); len(got) != 2 || got[1]["subject"] != "Daily 1" {
		t.Errorf("$orderby=start/dateTime over five years = %v", subjects(got))
	}
}

// TestCalendarViewFilterAndSkip: $filter and $skip examine at most 1000
// instances a page; a page that runs out of them ends early with a
// nextLink that continues after the last instance examined, so that
// following the nextLinks finds everything, and a filter that matches
// nothing in five years of 40 series costs each request 1000 instances,
// not 73,000.
func TestCalendarViewFilterAndSkip(t *testing.T) {
	e := newEnv(t)
	rw := e.delegated("adele", "Calendars.ReadWrite")
	ids := e.dailySeries(rw, 40, "2031-01-01")
	from := time.Date(2031, 1, 1, 0, 0, 0, 0, time.UTC)
	// One changed occurrence far into the window is all the filter keeps.
	late := ids[5] + "_occ_20340301T090500Z"
	e.must(200, "PATCH", "/me/events/"+late, rw, map[string]any{"subject": "Needle"})
	path := "/me/calendarView?" + window(from, from.Add(1825*24*time.Hour)) + "&$top=5&$filter=" + q("subject eq 'Needle'")
	before := e.calendarWork()
	body := e.must(200, "GET", path, rw, nil)
	w := e.calendarWork().minus(before)
	if len(list(t, body)) != 0 || str(body, "@odata.nextLink") == "" || w.examined != 1000 {
		t.Fatalf("first page: %d instances, nextLink %q, %d examined", len(list(t, body)), str(body, "@odata.nextLink"), w.examined)
	}
	var found []map[string]any
	pages := 1
	for next := str(body, "@odata.nextLink"); next != ""; pages++ {
		body = e.must(200, "GET", next, rw, nil)
		found = append(found, list(t, body)...)
		next = str(body, "@odata.nextLink")
	}
	if len(found) != 1 || found[0]["id"] != late || pages < 60 {
		t.Errorf("after %d pages: %v", pages, found)
	}
	// $skip counts matching instances, across pages too.
	skipped := list(t, e.must(200, "GET", "/me/calendarView?"+window(from, from.Add(30*24*time.Hour))+"&$skip=45&$top=2&$filter="+q("startswith(subject,'Daily 1')"), rw, nil))
	// Daily 1 and Daily 10 to 19: 11 a day; the 46th is day 5's second.
	if len(skipped) != 2 || skipped[0]["subject"] != "Daily 10" || !strings.HasPrefix(str(skipped[0], "start/dateTime"), "2031-01-05") {
		t.Errorf("$skip=45 of Daily 1*: %v", skipped)
	}
	all := e.all("/me/calendarView?"+window(from, from.Add(1825*24*time.Hour))+"&$skip=72990&$top=7", rw)
	if len(all) != 40*1825-72990-0 || all[len(all)-1]["subject"] != "Daily 39" {
		t.Errorf("$skip=72990 of %d: %d left", 40*1825, len(all))
	}
}

// TestCalendarViewHomeAssistant: the Home Assistant integration's calls —
// a calendar's view with its $top, $select and optional
// $filter=contains(subject,…), and a group calendar's view — list what
// they did before views became lazy.
func TestCalendarViewHomeAssistant(t *testing.T) {
	e := newEnv(t)
	rw := e.delegated("adele", "Calendars.ReadWrite")
	e.viewCalendar(rw)
	cal := str(e.must(200, "GET", "/me/calendars?$top=50&$select=name,id,canEdit,color,hexColor", rw, nil)["value"].([]any)[0].(map[string]any), "id")
	const sel = "subject,body,start,end,isAllDay,location,categories,sensitivity,showAs,attendees,seriesMasterId"
	w := window(time.Date(2030, 3, 4, 0, 0, 0, 0, time.UTC), time.Date(2030, 3, 6, 0, 0, 0, 0, time.UTC))
	evs := list(t, e.must(200, "GET", "/me/calendars/"+cal+"/calendarView?"+w+"&$top=50&$select="+sel, rw, nil))
	// (Same start x and Monday's Standup start together: their order is
	// their ids'.)
	got := subjects(evs)
	slices.Sort(got)
	if want := []string{"Biweekly review", "Same start x", "Standup (demo) x", "Standup x"}; !slices.Equal(got, want) {
		t.Errorf("two days of the calendar = %v, want %v", got, want)
	}
	for i := 1; i < len(evs); i++ {
		if startOf(t, evs[i]).Before(startOf(t, evs[i-1])) {
			t.Errorf("out of start order: %v", subjects(evs))
		}
	}
	for _, ev := range evs {
		for _, k := range []string{"subject", "body", "start", "end", "isAllDay", "location", "categories", "sensitivity", "showAs", "attendees", "seriesMasterId"} {
			if _, ok := ev[k]; !ok {
				t.Errorf("%v has no %s", ev["subject"], k)
			}
		}
		if _, ok := ev["organizer"]; ok {
			t.Errorf("%v has a property not selected", ev["subject"])
		}
	}
	if got := subjects(list(t, e.must(200, "GET", "/me/calendars/"+cal+"/calendarView?"+w+"&$top=50&$select="+sel+"&$filter="+q("contains(subject,'demo')"), rw, nil))); !slices.Equal(got, []string{"Standup (demo) x"}) {
		t.Errorf("contains(subject,'demo') = %v", got)
	}
	// A group calendar, read by a member.
	gr := e.delegated("adele", "Group.Read.All")
	all := list(t, e.must(200, "GET", "/groups/"+marketingID+"/calendar/calendarView?"+window(time.Now().Add(-60*24*time.Hour), time.Now().Add(60*24*time.Hour))+"&$top=50&$select="+sel, gr, nil))
	if len(all) != 1 || all[0]["subject"] != "Marketing all-hands" {
		t.Errorf("the Marketing calendar's view = %v", subjects(all))
	}
}

// BenchmarkCalendarView is a calendarView page, through the whole handler
// chain in process (no network): $top=1 over five years of 1, 40 and 400
// never-ending daily series (the attack: each POST costs its
// author one request) and over one day of 40; $top=20 over two months
// holding 13,500 single events, its first page, the page its nextLink
// names and a page filtered on a subject no event has; and a month of
// bench/scale's tenant. bench/README.md records the figures. With
// GRAPHGATE_BENCH_POSTGRES set, each case runs on PostgreSQL (pgtest's
// server, a fresh schema) instead of SQLite.
func BenchmarkCalendarView(b *testing.B) {
	from := time.Date(2031, 1, 1, 0, 0, 0, 0, time.UTC)
	five, day, twoMonths := window(from, from.Add(1825*24*time.Hour)), window(from, from.Add(24*time.Hour)), window(from, from.Add(61*24*time.Hour))
	month := window(from, from.AddDate(0, 1, 0))
	for _, bc := range []struct {
		name           string
		series, events int
		weekly         int // weekly series over the month (bench/scale's shape)
		query          string
		next           bool // the first page's nextLink
	}{
		{"series=1", 1, 0, 0, five + "&$top=1", false},
		{"series=40", 40, 0, 0, five + "&$top=1", false},
		{"series=400", 400, 0, 0, five + "&$top=1", false},
		{"series=40,window=1day", 40, 0, 0, day + "&$top=1", false},
		{"events=13500", 0, 13500, 0, twoMonths + "&$top=20", false},
		{"events=13500,next", 0, 13500, 0, twoMonths + "&$top=20", true},
		// A filter that matches nothing: the page examines its 1000.
		{"events=13500,filtered", 0, 13500, 0, twoMonths + "&$top=20&$filter=" + q("subject eq 'nothing'"), false},
		// bench/scale's calendarView: a month of Adele's generated
		// calendar (about 60 weekly series and 75 single events), $top=50.
		{"month,weekly=60,events=75", 0, 75, 60, month + "&$top=50", false},
		{"month,weekly=60,events=75,select", 0, 75, 60, month + "&$top=50&$select=subject,start,end,organizer", false},
		// The same at scale 1: about 600 of Adele's series are active
		// in the month.
		{"month,weekly=600,events=75", 0, 75, 600, month + "&$top=50", false},
	} {
		b.Run(bc.name, func(b *testing.B) {
			var e *env
			if os.Getenv("GRAPHGATE_BENCH_POSTGRES") != "" {
				e = newEnvOn(b, pgtest.FreshSchema(b))
			} else {
				e = newEnv(b)
			}
			rw := e.delegated("adele", "Calendars.ReadWrite")
			e.dailySeries(rw, bc.series, "2029-01-01")
			e.weeklySeries(rw, bc.weekly, from.AddDate(0, -2, 0))
			span := 61 * 24 * time.Hour
			if bc.weekly > 0 {
				span = 31 * 24 * time.Hour
			}
			if bc.events > 0 {
				cal := str(e.must(200, "GET", "/me/calendar", rw, nil), "id")
				e.storeEvents(cal, "Stored", bc.events,
					func(i int) time.Time {
						return from.Add(time.Duration(i) * span / time.Duration(bc.events))
					},
					func(int) time.Duration { return 30 * time.Minute })
			}
			target := "/v1.0/me/calendarView?" + bc.query
			if bc.next {
				next, err := url.Parse(str(e.must(200, "GET", "/me/calendarView?"+bc.query, rw, nil), "@odata.nextLink"))
				if err != nil || next.RawQuery == "" {
					b.Fatalf("no nextLink: %v", err)
				}
				target = next.RequestURI()
			}
			h := e.srv.Handler()
			req := httptest.NewRequest("GET", target, nil)
			req.Header.Set("Authorization", "Bearer "+rw)
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				w := httptest.NewRecorder()
				h.ServeHTTP(w, req)
				if w.Code != 200 {
					b.Fatalf("status %d: %s", w.Code, w.Body)
				}
			}
		})
	}
}

// TestCalendarViewRenderMatchesGet: every instance a calendarView page
// lists — occurrences, exceptions (changed, moved, cancelled by the
// organizer), single events, meetings with attendees — is what GET
// /me/events/{id} answers for it (the old path: renderEvent, then the
// projection), member for member, byte for byte, in the preferred time
// zone, with and without $select, under Calendars.ReadBasic's limit; and
// paging by $top across series and single events lists what one page
// does, each instance once.
func TestCalendarViewRenderMatchesGet(t *testing.T) {
	e := newEnv(t)
	rw := func(u string) string { return e.delegated(u, "Calendars.ReadWrite") }
	e.viewCalendar(rw("adele"))
	// A meeting series: Megan's copy gets the organizer's change and
	// deletion as exceptions, the deleted occurrence cancelled.
	s := e.must(201, "POST", "/me/events", rw("adele"), map[string]any{"subject": "Weekly <sync> & notes", "start": utcDTZ("2030-03-04T17:00:00"),
		"end": utcDTZ("2030-03-04T17:30:00"), "body": map[string]any{"contentType": "html", "content": "<p>Agenda \u2028 \"é\"</p>"},
		"attendees":  []any{map[string]any{"emailAddress": map[string]any{"address": e.upn("megan")}, "type": "required"}},
		"recurrence": map[string]any{"pattern": map[string]any{"type": "weekly", "daysOfWeek": []string{"monday"}}, "range": map[string]any{"type": "numbered", "startDate": "2030-03-04", "numberOfOccurrences": 4}}})
	march := window(time.Date(2030, 3, 1, 0, 0, 0, 0, time.UTC), time.Date(2030, 3, 15, 0, 0, 0, 0, time.UTC))
	occ := list(t, e.must(200, "GET", "/me/events/"+str(s, "id")+"/instances?"+march, rw("adele"), nil))
	if len(occ) != 2 {
		t.Fatalf("%d occurrences of the meeting in early March", len(occ))
	}
	e.must(200, "PATCH", "/me/events/"+str(occ[0], "id"), rw("adele"), map[string]any{"subject": "Weekly (moved)", "start": utcDTZ("2030-03-05T13:00:00"), "end": utcDTZ("2030-03-05T14:00:00")})
	e.must(204, "DELETE", "/me/events/"+str(occ[1], "id"), rw("adele"), nil)

	type page struct {
		Value []json.RawMessage `json:"value"`
		Next  string            `json:"@odata.nextLink"`
	}
	members := func(t *testing.T, b []byte) map[string]json.RawMessage {
		t.Helper()
		var m map[string]json.RawMessage
		if err := json.Unmarshal(b, &m); err != nil {
			t.Fatal(err)
		}
		delete(m, "@odata.context")
		return m
	}
	for _, tc := range []struct {
		name, user, scope, zone, sel string
		top                          int
	}{
		{"Adele, UTC, every member", "adele", "Calendars.ReadWrite", "", "", 100},
		{"Adele, Pacific, pages of 4", "adele", "Calendars.ReadWrite", pacific, "", 4},
		{"Adele, Tokyo, $select, pages of 3", "adele", "Calendars.Read", "Tokyo Standard Time", "subject,End,start,body,SUBJECT,originalStart,seriesMasterId,changeKey", 3},
		{"Adele, $select=*", "adele", "Calendars.Read", "W. Europe Standard Time", "*", 7},
		{"Adele, ReadBasic", "adele", "Calendars.ReadBasic", pacific, "", 5},
		{"Adele, ReadBasic, $select of a hidden member", "adele", "Calendars.ReadBasic", "", "subject,body,attendees", 50},
		{"Megan, cancelled occurrence, pages of 1", "megan", "Calendars.Read", pacific, "", 1},
		{"Megan, $select", "megan", "Calendars.Read", "", "isCancelled,subject,type,responseStatus", 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tok := e.delegated(tc.user, tc.scope)
			var opts []opt
			if tc.zone != "" {
				opts = append(opts, header("Prefer", `outlook.timezone="`+tc.zone+`"`))
			}
			sel := ""
			if tc.sel != "" {
				sel = "$select=" + tc.sel
			}
			var ids []string
			next := fmt.Sprintf("/me/calendarView?%s&$top=%d&%s", march, tc.top, sel)
			for pages := 0; next != ""; pages++ {
				if pages > 60 {
					t.Fatal("more than 60 pages")
				}
				r := e.do("GET", next, tok, nil, opts...)
				if r.Status != 200 {
					t.Fatalf("%d %s", r.Status, r.Raw)
				}
				var p page
				if err := json.Unmarshal(r.Raw, &p); err != nil {
					t.Fatal(err)
				}
				if len(p.Value) > tc.top {
					t.Fatalf("a page of %d for $top=%d", len(p.Value), tc.top)
				}
				for _, v := range p.Value {
					got := members(t, v)
					var id string
					if err := json.Unmarshal(got["id"], &id); err != nil {
						t.Fatalf("no id: %s", v)
					}
					ids = append(ids, id)
					g := e.do("GET", "/me/events/"+id+"?"+sel, tok, nil, opts...)
					if g.Status != 200 {
						t.Fatalf("GET %s: %d %s", id, g.Status, g.Raw)
					}
					want := members(t, g.Raw)
					if len(got) != len(want) {
						t.Errorf("%s: members\n got %s\nwant %s", id, v, g.Raw)
						continue
					}
					for k, w := range want {
						if string(got[k]) != string(w) {
							t.Errorf("%s: %s = %s, want %s", id, k, got[k], w)
						}
					}
				}
				next = p.Next
			}
			// Paging lists what one page does.
			var whole page
			if err := json.Unmarshal(e.do("GET", "/me/calendarView?"+march+"&$top=999&$select=id", tok, nil, opts...).Raw, &whole); err != nil {
				t.Fatal(err)
			}
			var wantIDs []string
			for _, v := range whole.Value {
				var x struct{ ID string }
				_ = json.Unmarshal(v, &x)
				wantIDs = append(wantIDs, x.ID)
			}
			if !slices.Equal(ids, wantIDs) || len(ids) < 10 {
				t.Errorf("paged ids\n got %v\nwant %v", ids, wantIDs)
			}
		})
	}
	// The store's events and exceptions, and their series' occurrences,
	// rendered by views as by the old path.
	all := [][]string{nil, {"*"}, {"subject", "start", "END"}, {"id"}, {"attendees", "originalStart", "isCancelled", "changeKey"}}
	for _, user := range []string{"adele", "megan"} {
		for _, zone := range []string{"UTC", pacific, "Tokyo Standard Time"} {
			for _, basic := range []bool{false, true} {
				var allowed map[string]bool
				if basic {
					allowed = authz.LimitBasicEvent.Properties()
				}
				n, err := exchange.CheckEventRender(context.Background(), e.srv.Store().(store.Items), demo.TenantID, e.id(user), zone,
					time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2031, 1, 1, 0, 0, 0, 0, time.UTC), all, allowed)
				if err != nil {
					t.Fatalf("%s in %s: %v", user, zone, err)
				}
				if n < 20 {
					t.Fatalf("%s in %s: only %d renders compared", user, zone, n)
				}
			}
		}
	}
}

// TestCalendarViewNeverStale: a view of a window read again lists its
// series masters' keys from the store's caches (SQLite's listing cache,
// the masters' documents by version); a series created, changed or
// deleted between two views of the same window is listed as it is now,
// on both stores.
func TestCalendarViewNeverStale(t *testing.T) {
	for _, tc := range []struct {
		name string
		env  func(t *testing.T) *env
	}{
		{"sqlite", func(t *testing.T) *env { return newEnv(t) }},
		{"postgres", func(t *testing.T) *env { return newEnvOn(t, pgtest.FreshSchema(t)) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := tc.env(t)
			rw := e.delegated("adele", "Calendars.ReadWrite")
			ids := e.dailySeries(rw, 3, "2030-01-01")
			from := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
			path := "/me/calendarView?" + window(from, from.AddDate(0, 0, 7)) + "&$top=100&$select=subject"
			count := func() map[string]int {
				out := map[string]int{}
				for _, s := range subjects(list(t, e.must(200, "GET", path, rw, nil))) {
					out[s]++
				}
				return out
			}
			want := map[string]int{"Daily 0": 7, "Daily 1": 7, "Daily 2": 7}
			for _, step := range []struct {
				name   string
				change func()
				want   func()
			}{
				{"unchanged", func() {}, func() {}},
				{"a series created", func() { e.dailySeries(rw, 1, "2030-01-03") }, func() { want["Daily 0"] += 5 }},
				{"a master's subject changed", func() {
					e.must(200, "PATCH", "/me/events/"+ids[1], rw, map[string]any{"subject": "Renamed"})
				}, func() { want["Renamed"], want["Daily 1"] = want["Daily 1"], 0 }},
				{"a series ended", func() {
					e.must(200, "PATCH", "/me/events/"+ids[2], rw, map[string]any{"recurrence": map[string]any{"pattern": map[string]any{"type": "daily", "interval": 1},
						"range": map[string]any{"type": "endDate", "startDate": "2030-01-01", "endDate": "2030-01-02"}}})
				}, func() { want["Daily 2"] = 2 }},
				{"a master deleted", func() { e.must(204, "DELETE", "/me/events/"+ids[0], rw, nil) }, func() { want["Daily 0"] -= 7 }},
			} {
				count() // the window's caches are warm
				step.change()
				step.want()
				got := count()
				maps.DeleteFunc(want, func(_ string, n int) bool { return n == 0 })
				if !maps.Equal(got, want) {
					t.Fatalf("%s: the view lists %v, want %v", step.name, got, want)
				}
			}
		})
	}
}
