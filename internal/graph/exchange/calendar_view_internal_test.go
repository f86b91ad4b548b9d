package exchange

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
	"testing"
	"time"

	"graphgate/internal/graph"
	"graphgate/internal/model"

	"graphgate/internal/odata"
	"graphgate/internal/store"
)

// recurrenceCases are patterns of every type, with intervals, first days
// of the week and ranges of every kind, in zones with daylight saving time.
type recurrenceCase struct {
	name  string
	zone  string
	start string // local date-time of the first occurrence
	r     model.PatternedRecurrence
}

// first is the case's first occurrence, in its zone.
func (tc recurrenceCase) first(t *testing.T) time.Time {
	t.Helper()
	loc, _ := model.LoadZone(tc.zone)
	start, err := time.ParseInLocation("2006-01-02T15:04:05", tc.start, loc)
	if err != nil {
		t.Fatal(err)
	}
	return start
}

func recurrenceCases() []recurrenceCase {
	pat := func(typ string, interval int, days ...string) model.RecurrencePattern {
		return model.RecurrencePattern{Type: typ, Interval: interval, DaysOfWeek: days}
	}
	noEnd := func(start string) model.RecurrenceRange {
		return model.RecurrenceRange{Type: "noEnd", StartDate: start[:10]}
	}
	type c = recurrenceCase
	monthly := pat("absoluteMonthly", 1)
	monthly.DayOfMonth = 31
	bimonthly := pat("absoluteMonthly", 2)
	bimonthly.DayOfMonth = 15
	second := pat("relativeMonthly", 1, "tuesday")
	second.Index = "second"
	lastFri := pat("relativeMonthly", 3, "friday")
	lastFri.Index = "last"
	leap := pat("absoluteYearly", 1)
	leap.Month, leap.DayOfMonth = 2, 29
	march := pat("absoluteYearly", 2)
	march.Month, march.DayOfMonth = 3, 10
	labor := pat("relativeYearly", 1, "monday")
	labor.Month, labor.Index = 9, "first"
	sundayWeeks := pat("weekly", 2, "tuesday", "thursday", "saturday")
	sundayWeeks.FirstDayOfWeek = "sunday"
	every3 := pat("weekly", 3, "monday", "sunday")
	every3.FirstDayOfWeek = "wednesday"
	return []c{
		{"daily", "UTC", "2024-01-01T09:00:00", model.PatternedRecurrence{Pattern: pat("daily", 1), Range: noEnd("2024-01-01")}},
		{"every third day across DST", "Pacific Standard Time", "2024-01-02T09:30:00", model.PatternedRecurrence{Pattern: pat("daily", 3), Range: noEnd("2024-01-02")}},
		{"daily at 02:30, a time DST skips once a year", "Pacific Standard Time", "2024-01-01T02:30:00", model.PatternedRecurrence{Pattern: pat("daily", 1), Range: noEnd("2024-01-01")}},
		{"weekdays", "W. Europe Standard Time", "2024-01-01T08:00:00", model.PatternedRecurrence{Pattern: pat("weekly", 1, "monday", "tuesday", "wednesday", "thursday", "friday"), Range: noEnd("2024-01-01")}},
		{"every other week from Sunday", "Pacific Standard Time", "2024-01-02T18:00:00", model.PatternedRecurrence{Pattern: sundayWeeks, Range: noEnd("2024-01-02")}},
		{"every third week from Wednesday", "UTC", "2024-01-01T07:00:00", model.PatternedRecurrence{Pattern: every3, Range: noEnd("2024-01-01")}},
		{"monthly on the 31st", "UTC", "2024-01-31T12:00:00", model.PatternedRecurrence{Pattern: monthly, Range: noEnd("2024-01-31")}},
		{"every other month on the 15th", "W. Europe Standard Time", "2024-02-15T23:30:00", model.PatternedRecurrence{Pattern: bimonthly, Range: noEnd("2024-02-15")}},
		{"second Tuesday", "Pacific Standard Time", "2024-01-09T10:00:00", model.PatternedRecurrence{Pattern: second, Range: noEnd("2024-01-09")}},
		{"last Friday every third month", "UTC", "2024-01-26T16:00:00", model.PatternedRecurrence{Pattern: lastFri, Range: noEnd("2024-01-26")}},
		{"29 February", "UTC", "2024-02-29T00:00:00", model.PatternedRecurrence{Pattern: leap, Range: noEnd("2024-02-29")}},
		{"10 March every other year", "Pacific Standard Time", "2024-03-10T01:00:00", model.PatternedRecurrence{Pattern: march, Range: noEnd("2024-03-10")}},
		{"first Monday of September", "W. Europe Standard Time", "2024-09-02T09:00:00", model.PatternedRecurrence{Pattern: labor, Range: noEnd("2024-09-02")}},
		{"numbered daily", "Pacific Standard Time", "2024-03-01T09:00:00", model.PatternedRecurrence{Pattern: pat("daily", 2), Range: model.RecurrenceRange{Type: "numbered", StartDate: "2024-03-01", NumberOfOccurrences: 400}}},
		{"numbered weekly, 999", "UTC", "2024-01-01T09:00:00", model.PatternedRecurrence{Pattern: pat("weekly", 1, "monday", "friday"), Range: model.RecurrenceRange{Type: "numbered", StartDate: "2024-01-01", NumberOfOccurrences: 999}}},
		{"end date", "W. Europe Standard Time", "2024-01-03T17:00:00", model.PatternedRecurrence{Pattern: pat("weekly", 1, "wednesday"), Range: model.RecurrenceRange{Type: "endDate", StartDate: "2024-01-03", EndDate: "2031-06-30"}}},
	}
}

// TestStartsFromMatchesFullExpansion: a series expanded from any moment
// (its DTSTART moved forward, a numbered range turned into an end) yields
// exactly what expanding it from its first occurrence yields from that
// moment on — and finds its first occurrence after a few steps, however
// old the series.
func TestStartsFromMatchesFullExpansion(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, tc := range recurrenceCases() {
		t.Run(tc.name, func(t *testing.T) {
			start := tc.first(t)
			rr, err := recurrenceRule(tc.r, start)
			if err != nil {
				t.Fatal(err)
			}
			var last time.Time
			if tc.r.Range.Type == "numbered" {
				all := rr.All()
				last = all[len(all)-1]
			}
			end, err := tc.r.LastEnd(start, time.Hour)
			if err != nil {
				t.Fatal(err)
			}
			if tc.r.Range.Type != "noEnd" {
				if full := rr.All(); !end.Equal(full[len(full)-1].Add(time.Hour)) {
					t.Errorf("lastEnd %s, want %s", end, full[len(full)-1].Add(time.Hour))
				}
			} else if !end.IsZero() {
				t.Errorf("lastEnd of a series without end: %s", end)
			}
			froms := []time.Time{start.Add(-24 * time.Hour), start, start.Add(time.Second)}
			for range 40 {
				froms = append(froms, start.Add(time.Duration(rng.Int64N(int64(12*365*24*time.Hour)))))
			}
			for _, occ := range rr.Between(start.AddDate(5, 0, 0), start.AddDate(5, 2, 0), true) {
				froms = append(froms, occ, occ.Add(time.Nanosecond), occ.Add(-time.Nanosecond))
			}
			for _, from := range froms {
				horizon := from.AddDate(1, 0, 0)
				var want []time.Time
				for _, o := range rr.Between(from.Add(-time.Second), horizon, true) {
					if !o.Before(from) && o.Before(horizon) && len(want) < 30 {
						want = append(want, o)
					}
				}
				var steps int64
				next, err := tc.r.StartsFrom(start, last, from, &steps)
				if err != nil {
					t.Fatal(err)
				}
				var got []time.Time
				firstSteps := int64(-1)
				for o, ok := next(); ok && o.Before(horizon) && len(got) < 30; o, ok = next() {
					if firstSteps < 0 {
						firstSteps = steps
					}
					got = append(got, o)
				}
				if !slices.EqualFunc(got, want, time.Time.Equal) {
					t.Fatalf("from %s:\n got %v\nwant %v", from, got, want)
				}
				if firstSteps > 12 {
					t.Errorf("from %s: %d steps to the first occurrence", from, firstSteps)
				}
			}
		})
	}
}

// TestCheckRecurrence: Exchange's 999 occurrences of a numbered range.
func TestCheckRecurrence(t *testing.T) {
	for n, ok := range map[int]bool{1: true, 999: true, 1000: false, 1 << 30: false} {
		r := model.PatternedRecurrence{Pattern: model.RecurrencePattern{Type: "daily"}, Range: model.RecurrenceRange{Type: "numbered", StartDate: "2030-01-01", NumberOfOccurrences: n}}
		if err := r.Check(); (err == nil) != ok {
			t.Errorf("numberOfOccurrences %d: %v", n, err)
		}
	}
}

// masterItem is a stored series master starting at start (UTC) with r.
func masterItem(t testing.TB, id, subject string, start time.Time, d time.Duration, zone string, r model.PatternedRecurrence) store.Item {
	t.Helper()
	e := model.Event{ID: id, Subject: subject, Type: "seriesMaster", Start: model.StoredDTZ(start, zone), End: model.StoredDTZ(start.Add(d), zone),
		Recurrence: &r, Categories: []string{"Blue"}, Attendees: []model.Attendee{}, Locations: []model.Location{}, Importance: "normal"}
	loc, _ := model.LoadZone(zone)
	last, err := r.LastEnd(start.In(loc), d)
	if err != nil {
		t.Fatal(err)
	}
	if !last.IsZero() {
		e.SeriesEnd = model.StoredTime(last)
	}
	return store.Item{TenantID: "t", Kind: model.KindEvent, ID: id, OwnerID: "o", ParentID: "cal", Doc: model.EncodeDoc(e), Version: 3}
}

// cancelAfter is a source that cancels the request after n instances.
type cancelAfter struct {
	n      int
	cancel context.CancelFunc
}

func (c *cancelAfter) next(context.Context) (viewInstance, bool, error) {
	if c.n--; c.n == 0 {
		c.cancel()
	}
	return viewInstance{key: viewKey{start: time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC), id: fmt.Sprint(c.n)}}, true, nil
}

// TestViewMergeStopsWhenCancelled: a view stops expanding as soon as its
// request's context is done — a calendarView of 40 never-ending series
// and an /instances of one — instead of running on for the client that
// went away.
func TestViewMergeStopsWhenCancelled(t *testing.T) {
	from := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	to := from.AddDate(5, 0, 0)
	daily := model.PatternedRecurrence{Pattern: model.RecurrencePattern{Type: "daily", Interval: 1}, Range: model.RecurrenceRange{Type: "noEnd", StartDate: "2029-01-01"}}
	for _, n := range []int{40, 1} {
		t.Run(fmt.Sprint(n, " series"), func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			var steps int64
			var sources []viewSource
			for i := range n {
				m := masterItem(t, fmt.Sprint("m", i), "Daily", time.Date(2029, 1, 1, 9, i, 0, 0, time.UTC), time.Hour, "UTC", daily)
				src, err := newViewSeries(m, from, to, viewCursor{}, &steps)
				if err != nil {
					t.Fatal(err)
				}
				sources = append(sources, src)
			}
			sources = append(sources, &cancelAfter{n: 100, cancel: cancel})
			m, err := newViewMerge(ctx, sources)
			if err != nil {
				t.Fatal(err)
			}
			pops := 0
			for {
				_, ok, err := m.pop(ctx)
				if err != nil {
					if !errors.Is(err, context.Canceled) {
						t.Fatalf("pop: %v", err)
					}
					break
				}
				if !ok {
					t.Fatal("the view ended: it has 5 years of daily occurrences")
				}
				pops++
			}
			// 100 instances of the cancelling source, plus the series'
			// occurrences before it in start order (none: it is at 2000).
			if pops > 100 {
				t.Errorf("%d instances after the cancellation's 100th", pops)
			}
			if steps > int64(2*n) {
				t.Errorf("%d occurrences generated for %d series", steps, n)
			}
			// A cancelled request does not even start a series' expansion.
			if _, err := newViewMerge(ctx, sources[:1]); !errors.Is(err, context.Canceled) {
				t.Errorf("starting a merge after the cancellation: %v", err)
			}
		})
	}
}

// TestOccurrenceRowMatchesRender: what $filter and $orderby see of an
// occurrence (its master's rendered row with the occurrence's own
// properties) is exactly the occurrence as rendered, in any preferred zone.
func TestOccurrenceRowMatchesRender(t *testing.T) {
	for _, tc := range recurrenceCases() {
		start := tc.first(t)
		m := masterItem(t, "AAMkSeries", tc.name, start, 90*time.Minute, tc.zone, tc.r)
		for _, zone := range []string{"UTC", "Pacific Standard Time", "Tokyo Standard Time"} {
			zl, ok := model.LoadZone(zone)
			if !ok {
				t.Fatalf("zone %s", zone)
			}
			v := &view{q: graph.NewQuery(&odata.Query{}), zone: zone, loc: zl}
			src, err := newViewSeries(m, start.AddDate(1, 0, 0), start.AddDate(13, 0, 0), viewCursor{}, new(int64))
			if err != nil {
				t.Fatal(err)
			}
			for range 3 {
				inst, ok, err := src.next(context.Background())
				if err != nil || !ok {
					t.Fatalf("%s: no occurrence (%v)", tc.name, err)
				}
				s := server{&graph.Server{}}
				if err := s.viewRow(v, &inst); err != nil {
					t.Fatal(err)
				}
				occ, err := src.occurrence(inst.at)
				if err != nil {
					t.Fatal(err)
				}
				b, err := renderEvent(occ, zone, zl)
				if err != nil {
					t.Fatal(err)
				}
				var want odata.Row
				if err := json.Unmarshal(b, &want); err != nil {
					t.Fatal(err)
				}
				if !reflect.DeepEqual(inst.row, want) {
					t.Errorf("%s in %s:\n row %v\nwant %v", tc.name, zone, inst.row, want)
				}
			}
		}
	}
}

// TestWindowCacheKeepsOccurrences: a series' occurrences in a window, from
// a cursor or none, are the same whatever windowCache holds of the window
// — nothing, a part an earlier page generated (taken to various depths,
// with and without a cursor), or all of it — as newViewSeries lists them
// with the cache emptied.
func TestWindowCacheKeepsOccurrences(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	list := func(t *testing.T, m store.Item, from, to time.Time, cursor viewCursor, limit int) []viewKey {
		t.Helper()
		v, err := newViewSeries(m, from, to, cursor, new(int64))
		if err != nil {
			t.Fatal(err)
		}
		defer v.remember()
		var keys []viewKey
		for limit < 0 || len(keys) < limit {
			inst, ok, err := v.next(t.Context())
			if err != nil {
				t.Fatal(err)
			}
			if !ok {
				break
			}
			keys = append(keys, inst.key)
		}
		return keys
	}
	for _, tc := range recurrenceCases() {
		t.Run(tc.name, func(t *testing.T) {
			start := tc.first(t)
			m := masterItem(t, "m-"+tc.name, "s", start.UTC(), 90*time.Minute, tc.zone, tc.r)
			for range 20 {
				from := start.AddDate(0, 0, rng.IntN(400)-30).UTC()
				to := from.Add(time.Duration(1+rng.IntN(60*24)) * time.Hour)
				windowCache().Purge()
				cold := list(t, m, from, to, viewCursor{}, -1)
				for _, warm := range []struct {
					depth  int  // instances the warming page takes (-1: all)
					cursor bool // the warming page starts at a cursor
				}{{0, false}, {1, false}, {3, false}, {-1, false}, {2, true}, {-1, true}} {
					for _, at := range []int{-1, 0, 1, len(cold) / 2, len(cold) - 1} {
						windowCache().Purge()
						var wc viewCursor
						if warm.cursor && len(cold) > 1 {
							wc = viewCursor{key: cold[len(cold)/3], set: true}
						}
						list(t, m, from, to, wc, warm.depth)
						var cur viewCursor
						want := cold
						if at >= 0 && at < len(cold) {
							cur, want = viewCursor{key: cold[at], set: true}, cold[at+1:]
						}
						got := list(t, m, from, to, cur, -1)
						if len(got) == 0 && len(want) == 0 {
							continue
						}
						if !slices.Equal(got, want) {
							t.Fatalf("window %s–%s warmed %+v, from %d: got %d occurrences, want %d\n got %v\nwant %v", from, to, warm, at, len(got), len(want), got, want)
						}
						// What the page taught the cache lists the same again.
						if again := list(t, m, from, to, cur, -1); !slices.Equal(again, got) {
							t.Fatalf("window %s–%s warmed %+v, from %d: a second listing differs", from, to, warm, at)
						}
					}
				}
			}
		})
	}
}
