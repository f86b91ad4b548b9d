package conformance

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"graphgate/internal/store"
)

// Overlap queries (store.Overlap): the items of a calendar overlapping a
// window, in start order, continued page by page, checked against a
// brute-force selection over the same items.

var overlapTests = []test{
	{"Windows", testOverlapWindows},
	{"Paging", testOverlapPaging},
	{"Unsupported", testOverlapUnsupported},
}

// interval is an item with a start.utc and end.utc.
type interval struct {
	item       store.Item
	start, end time.Time
}

// newInterval is an event-like item of kind lasting d from start.
func newInterval(tenant, kind, owner, parent, subject string, start time.Time, d time.Duration) interval {
	doc, err := json.Marshal(map[string]any{"subject": subject,
		"start": map[string]any{"utc": start.UTC().Format(store.TimeLayout)},
		"end":   map[string]any{"utc": start.Add(d).UTC().Format(store.TimeLayout)}})
	if err != nil {
		panic(err)
	}
	return interval{item: newItem(tenant, kind, owner, parent, string(doc)), start: start, end: start.Add(d)}
}

// overlapDurations cover every duration class, their edges (a class of
// n digits ends at 10^n - 1 approximate minutes; seconds are dropped and
// months count 31 days), and a span longer than the last bounded class.
var overlapDurations = []time.Duration{0, time.Second, 9 * time.Minute, 9*time.Minute + 30*time.Second, 9*time.Minute + 59*time.Second, 10 * time.Minute,
	30 * time.Minute, 99 * time.Minute, 100 * time.Minute, 24 * time.Hour, 25 * time.Hour, 6 * 24 * time.Hour, 7 * 24 * time.Hour,
	40 * 24 * time.Hour, 69 * 24 * time.Hour, 70 * 24 * time.Hour, 400 * 24 * time.Hour, 700 * 24 * time.Hour,
	19 * 365 * 24 * time.Hour, 30 * 365 * 24 * time.Hour}

// overlapCalendar stores a calendar of intervals of every duration class,
// starting over four years (some at the same instant), plus items the
// queries must leave out: another calendar, another owner, another kind,
// another tenant. It returns the calendar's intervals.
func overlapCalendar(t *testing.T, s store.Store, tenant, owner, cal string) []interval {
	rng := rand.New(rand.NewPCG(7, 11))
	base := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	var mine []interval
	var items []store.Item
	for i := range 160 {
		d := overlapDurations[i%len(overlapDurations)]
		start := base.Add(time.Duration(rng.Int64N(int64(4*365*24*time.Hour))) / time.Second * time.Second)
		if i%10 == 0 && i > 0 {
			start = mine[i-1].start // ties on the start, broken by id
		}
		iv := newInterval(tenant, "event", owner, cal, fmt.Sprint("event ", i), start, d)
		mine = append(mine, iv)
		items = append(items, iv.item)
	}
	// At every window's start, of every duration: one that ends a second
	// into the window (the longest reach back a class must cover) and one
	// that ends as the window starts (not overlapping).
	for _, from := range overlapStarts {
		for _, d := range overlapDurations {
			if d < time.Second {
				continue
			}
			for j, end := range []time.Time{from.Add(time.Second), from} {
				iv := newInterval(tenant, "event", owner, cal, fmt.Sprint("edge ", j), end.Add(-d), d)
				mine = append(mine, iv)
				items = append(items, iv.item)
			}
		}
	}
	for _, other := range []interval{
		newInterval(tenant, "event", owner, newID(), "another calendar", base.Add(400*24*time.Hour), time.Hour),
		newInterval(tenant, "event", newID(), cal, "another owner", base.Add(400*24*time.Hour), time.Hour),
		newInterval(tenant, "eventException", owner, cal, "another kind", base.Add(400*24*time.Hour), time.Hour),
		newInterval(newID(), "event", owner, cal, "another tenant", base.Add(400*24*time.Hour), time.Hour),
	} {
		items = append(items, other.item)
	}
	must(t, s.CreateItems(t.Context(), items...))
	return mine
}

// overlapping is the brute-force answer: the intervals overlapping [from,
// to), by start then id, after (afterStart, afterID) when afterID is set.
func overlapping(all []interval, from, to, afterStart time.Time, afterID string) []store.Item {
	var in []interval
	for _, iv := range all {
		if !iv.start.Before(to) || !iv.end.After(from) {
			continue
		}
		if afterID != "" && (iv.start.Before(afterStart) || iv.start.Equal(afterStart) && iv.item.ID <= afterID) {
			continue
		}
		in = append(in, iv)
	}
	slices.SortFunc(in, func(a, b interval) int {
		return cmp.Or(a.start.Compare(b.start), cmp.Compare(a.item.ID, b.item.ID))
	})
	out := make([]store.Item, len(in))
	for i, iv := range in {
		out[i] = iv.item
	}
	return out
}

// overlapStarts are the windows' starts (one between two minutes: an
// interval ending in its minute may start up to a class's whole reach
// before it).
var overlapStarts = []time.Time{time.Date(2023, 12, 31, 0, 0, 0, 0, time.UTC), time.Date(2024, 4, 10, 7, 0, 0, 0, time.UTC),
	time.Date(2025, 5, 15, 0, 0, 0, 0, time.UTC), time.Date(2026, 12, 31, 0, 13, 30, 0, time.UTC), time.Date(2029, 12, 30, 0, 0, 0, 0, time.UTC)}

// overlapWindows are windows from an instant to a five-year view,
// starting before, inside and after the stored intervals.
func overlapWindows() [][2]time.Time {
	var out [][2]time.Time
	for _, from := range overlapStarts {
		for _, length := range []time.Duration{time.Second, time.Hour, 24 * time.Hour, 31 * 24 * time.Hour, 1825 * 24 * time.Hour} {
			out = append(out, [2]time.Time{from, from.Add(length)})
		}
	}
	return out
}

// testOverlapWindows: every window returns exactly the stored intervals
// overlapping it, in start order, limited or not, and with the caller's
// Filter applied.
func testOverlapWindows(t *testing.T, s store.Store) {
	tenant, owner, cal := newID(), newID(), newID()
	all := overlapCalendar(t, s, tenant, owner, cal)
	for _, w := range overlapWindows() {
		want := overlapping(all, w[0], w[1], time.Time{}, "")
		name := fmt.Sprintf("[%s, %s)", w[0].Format(time.RFC3339), w[1].Format(time.RFC3339))
		q := store.ItemQuery{TenantID: tenant, Kind: "event", OwnerID: owner, ParentID: cal, Overlap: &store.Overlap{From: w[0], To: w[1]}}
		got, n := query(t, s, q)
		checkItems(t, name, got, want)
		if n != -1 {
			t.Errorf("%s: count %d without Count", name, n)
		}
		q.Limit = 5
		got, _ = query(t, s, q)
		checkItems(t, name+" limit 5", got, want[:min(5, len(want))])
		// The caller's filter: the even-numbered subjects.
		q.Limit = 0
		subjects := []string{"event 0", "event 2", "event 40", "event 81"}
		in := store.In{Field: str("subject")}
		for _, sub := range subjects {
			in.Values = append(in.Values, store.String(sub))
		}
		q.Filter = in
		got, _ = query(t, s, q)
		var filtered []store.Item
		for _, it := range want {
			if slices.Contains(subjects, docField[string](it, "subject")) {
				filtered = append(filtered, it)
			}
		}
		checkItems(t, name+" with Filter", got, filtered)
	}
	// Without an owner, the parent scopes (an exception's series).
	w := overlapWindows()[8]
	got, _ := query(t, s, store.ItemQuery{TenantID: tenant, Kind: "event", ParentID: cal, Overlap: &store.Overlap{From: w[0], To: w[1]}})
	checkItems(t, "scoped by the parent only", got, overlapping(all, w[0], w[1], time.Time{}, ""))
}

// testOverlapPaging: pages continued with AfterStart and AfterID walk
// every overlapping interval once, in order, whatever the page size, and
// a continuation from any item returns what follows it.
func testOverlapPaging(t *testing.T, s store.Store) {
	tenant, owner, cal := newID(), newID(), newID()
	all := overlapCalendar(t, s, tenant, owner, cal)
	for _, w := range overlapWindows() {
		want := overlapping(all, w[0], w[1], time.Time{}, "")
		for _, size := range []int{5, 40} {
			var walked []store.Item
			o := store.Overlap{From: w[0], To: w[1]}
			for pages := 0; ; pages++ {
				if pages > len(all) {
					t.Fatal("paging does not end")
				}
				page, _ := query(t, s, store.ItemQuery{TenantID: tenant, Kind: "event", OwnerID: owner, ParentID: cal, Limit: size, Overlap: &o})
				if len(page) > size {
					t.Fatalf("%d items in a page of %d", len(page), size)
				}
				walked = append(walked, page...)
				if len(page) < size {
					break
				}
				last := page[len(page)-1]
				o.AfterID = last.ID
				o.AfterStart, _ = time.Parse(store.TimeLayout, docField[map[string]any](last, "start")["utc"].(string))
			}
			checkItems(t, fmt.Sprintf("[%s, %s) in pages of %d", w[0].Format(time.RFC3339), w[1].Format(time.RFC3339), size), walked, want)
		}
		// From any interval, even one outside the window (a continuation
		// is a position, not an item that must still be there).
		for _, iv := range all[:10] {
			got, _ := query(t, s, store.ItemQuery{TenantID: tenant, Kind: "event", OwnerID: owner, ParentID: cal,
				Overlap: &store.Overlap{From: w[0], To: w[1], AfterStart: iv.start, AfterID: iv.item.ID}})
			checkItems(t, "after "+iv.item.ID, got, overlapping(all, w[0], w[1], iv.start, iv.item.ID))
		}
	}
}

// testOverlapUnsupported: Overlap with an ordering, an offset, a count or
// several parents is refused (ErrOverlapQuery), not answered otherwise.
func testOverlapUnsupported(t *testing.T, s store.Store) {
	o := &store.Overlap{From: at(0), To: at(time.Hour)}
	for _, q := range []store.ItemQuery{
		{TenantID: "t", Kind: "event", Overlap: o, Order: []store.Order{asc(store.Column("id", store.TypeString))}},
		{TenantID: "t", Kind: "event", Overlap: o, Offset: 1},
		{TenantID: "t", Kind: "event", Overlap: o, Count: true},
		{TenantID: "t", Kind: "event", Overlap: o, ParentIDs: []string{"a", "b"}},
	} {
		if _, _, err := s.QueryItems(t.Context(), q); !errors.Is(err, store.ErrOverlapQuery) {
			t.Errorf("QueryItems(%+v) = %v, want ErrOverlapQuery", q, err)
		}
	}
}
