package model

import (
	"fmt"
	"strings"
	"time"

	"github.com/teambition/rrule-go"
)

// Graph's patternedRecurrence, expanded with rrule-go (RFC 5545): the
// pattern becomes an RRULE whose DTSTART is the range's start date at the
// event's start time, in the event's time zone (so a 9:00 meeting stays at
// 9:00 across daylight-saving changes).

// RecurrencePattern is Graph's recurrencePattern.
type RecurrencePattern struct {
	Type           string   `json:"type"`
	Interval       int      `json:"interval"`
	Month          int      `json:"month"`
	DayOfMonth     int      `json:"dayOfMonth"`
	DaysOfWeek     []string `json:"daysOfWeek"`
	FirstDayOfWeek string   `json:"firstDayOfWeek"`
	Index          string   `json:"index"`
}

// RecurrenceRange is Graph's recurrenceRange.
type RecurrenceRange struct {
	Type                string `json:"type"`
	StartDate           string `json:"startDate"`
	EndDate             string `json:"endDate"`
	RecurrenceTimeZone  string `json:"recurrenceTimeZone"`
	NumberOfOccurrences int    `json:"numberOfOccurrences"`
}

// PatternedRecurrence is Graph's patternedRecurrence.
type PatternedRecurrence struct {
	Pattern RecurrencePattern `json:"pattern"`
	Range   RecurrenceRange   `json:"range"`
}

var weekdays = map[string]rrule.Weekday{"monday": rrule.MO, "tuesday": rrule.TU, "wednesday": rrule.WE, "thursday": rrule.TH,
	"friday": rrule.FR, "saturday": rrule.SA, "sunday": rrule.SU}

var indexes = map[string]int{"first": 1, "second": 2, "third": 3, "fourth": 4, "last": -1}

// MaxNumberedOccurrences is the largest numberOfOccurrences of a
// numbered range: Exchange's NumberedRecurrence takes "an integer in the
// range of 1 to 999" (EWS reference, NumberOfOccurrences).
const MaxNumberedOccurrences = 999

// Options builds the RRULE options of a recurrence for an event starting
// at start (in its own zone). The hour, minute and second are explicit
// (rrule-go would take them from DTSTART), so that moving DTSTART forward
// (StartsFrom) never changes the time of day.
func (r PatternedRecurrence) Options(start time.Time) (rrule.ROption, error) {
	p, rg := r.Pattern, r.Range
	o := rrule.ROption{Interval: p.Interval, Byhour: []int{start.Hour()}, Byminute: []int{start.Minute()}, Bysecond: []int{start.Second()}}
	if o.Interval <= 0 {
		o.Interval = 1
	}
	day := func(names []string) ([]rrule.Weekday, error) {
		var out []rrule.Weekday
		for _, n := range names {
			w, ok := weekdays[strings.ToLower(n)]
			if !ok {
				return nil, fmt.Errorf("invalid day of week '%s'", n)
			}
			out = append(out, w)
		}
		return out, nil
	}
	var err error
	switch strings.ToLower(p.Type) {
	case "daily":
		o.Freq = rrule.DAILY
	case "weekly":
		o.Freq = rrule.WEEKLY
		if o.Byweekday, err = day(p.DaysOfWeek); err != nil {
			return o, err
		}
		if len(o.Byweekday) == 0 {
			return o, fmt.Errorf("a weekly pattern needs daysOfWeek")
		}
		if p.FirstDayOfWeek != "" {
			if w, ok := weekdays[strings.ToLower(p.FirstDayOfWeek)]; ok {
				o.Wkst = w
			}
		}
	case "absolutemonthly":
		o.Freq = rrule.MONTHLY
		o.Bymonthday = []int{p.DayOfMonth}
	case "relativemonthly", "relativeyearly":
		o.Freq = rrule.MONTHLY
		if strings.EqualFold(p.Type, "relativeYearly") {
			o.Freq, o.Bymonth = rrule.YEARLY, []int{p.Month}
		}
		ds, err := day(p.DaysOfWeek)
		if err != nil {
			return o, err
		}
		n := indexes[strings.ToLower(p.Index)]
		if n == 0 {
			n = 1
		}
		for _, d := range ds {
			o.Byweekday = append(o.Byweekday, d.Nth(n))
		}
	case "absoluteyearly":
		o.Freq = rrule.YEARLY
		o.Bymonth, o.Bymonthday = []int{p.Month}, []int{p.DayOfMonth}
	default:
		return o, fmt.Errorf("invalid recurrence pattern type '%s'", p.Type)
	}
	sd, err := time.ParseInLocation("2006-01-02", rg.StartDate, start.Location())
	if err != nil {
		return o, fmt.Errorf("invalid recurrence start date '%s'", rg.StartDate)
	}
	o.Dtstart = time.Date(sd.Year(), sd.Month(), sd.Day(), start.Hour(), start.Minute(), start.Second(), 0, start.Location())
	switch strings.ToLower(rg.Type) {
	case "enddate":
		ed, err := time.ParseInLocation("2006-01-02", rg.EndDate, start.Location())
		if err != nil {
			return o, fmt.Errorf("invalid recurrence end date '%s'", rg.EndDate)
		}
		o.Until = ed.Add(24*time.Hour - time.Second)
	case "numbered":
		if rg.NumberOfOccurrences <= 0 {
			return o, fmt.Errorf("a numbered range needs numberOfOccurrences")
		}
		o.Count = rg.NumberOfOccurrences
	case "noend", "":
	default:
		return o, fmt.Errorf("invalid recurrence range type '%s'", rg.Type)
	}
	return o, nil
}

// Check refuses what Exchange refuses of a new or changed recurrence,
// beyond what rule checks: a numbered range of more than 999 occurrences.
func (r PatternedRecurrence) Check() error {
	if strings.EqualFold(r.Range.Type, "numbered") && r.Range.NumberOfOccurrences > MaxNumberedOccurrences {
		return fmt.Errorf("numberOfOccurrences must be between 1 and %d", MaxNumberedOccurrences)
	}
	return nil
}

// period is about how long one period of the pattern's frequency lasts,
// interval included: the distance StartsFrom may have to look back from a
// moment to find the occurrence before it.
func period(o rrule.ROption) time.Duration {
	day := 24 * time.Hour
	unit := map[rrule.Frequency]time.Duration{rrule.DAILY: day, rrule.WEEKLY: 7 * day, rrule.MONTHLY: 31 * day, rrule.YEARLY: 366 * day}[o.Freq]
	return time.Duration(max(o.Interval, 1)) * unit
}

// LastEnd is when the series' last occurrence ends (zero for no end). A
// numbered range is at most 999 occurrences; an end date is reached by
// starting the expansion shortly before it (StartsFrom), looking further
// back only while no occurrence is found, so that a range ending in year
// 9999 costs what one ending next week does.
func (r PatternedRecurrence) LastEnd(start time.Time, duration time.Duration) (time.Time, error) {
	o, err := r.Options(start)
	if err != nil {
		return time.Time{}, err
	}
	rr, err := rrule.NewRRule(o)
	switch {
	case err != nil:
		return time.Time{}, err
	case o.Count > 0:
		all := rr.All()
		if len(all) == 0 {
			return start.Add(duration), nil
		}
		return all[len(all)-1].Add(duration), nil
	case o.Until.IsZero():
		return time.Time{}, nil
	}
	for back := 2 * period(o); ; back *= 4 {
		from := o.Until.Add(-back)
		if back >= o.Until.Sub(o.Dtstart) {
			from = o.Dtstart
		}
		next, err := r.StartsFrom(start, time.Time{}, from, nil)
		if err != nil {
			return time.Time{}, err
		}
		var last time.Time
		for t, ok := next(); ok; t, ok = next() {
			last = t
		}
		switch {
		case !last.IsZero():
			return last.Add(duration), nil
		case !from.After(o.Dtstart):
			return start.Add(duration), nil
		}
	}
}

// StartsFrom returns the starts (in the event's zone) of the series'
// occurrences from the first that is not before from, in order. last, when
// not zero, is the start of the series' last occurrence (a master stores
// its series' end): a numbered range then becomes an end, so that it can
// be started late too. Without it a numbered range is expanded from its
// first occurrence (at most 999).
//
// The expansion does not start at the series' first occurrence: its
// DTSTART moves forward to the beginning of the pattern's period (day,
// week from firstDayOfWeek, month, year — intervals counted from the
// original start) that holds from, so that the work does not grow with the
// series' age. steps, when not nil, counts the occurrences generated.
func (r PatternedRecurrence) StartsFrom(start, last, from time.Time, steps *int64) (func() (time.Time, bool), error) {
	o, err := r.Options(start)
	if err != nil {
		return nil, err
	}
	if o.Count > 0 && !last.IsZero() {
		o.Count, o.Until = 0, last
	}
	if o.Count == 0 {
		o.Dtstart = fastForward(o, from)
	}
	rr, err := rrule.NewRRule(o)
	if err != nil {
		return nil, err
	}
	it := rr.Iterator()
	return func() (time.Time, bool) {
		for {
			t, ok := it()
			if steps != nil {
				*steps++
			}
			if !ok || !t.Before(from) {
				return t, ok
			}
		}
	}, nil
}

// fastForward is the latest DTSTART for o that keeps every occurrence from
// `from` on: the first day of the pattern's period holding from, at the
// original time of day (o's BYHOUR, BYMINUTE and BYSECOND keep it), or
// o's own DTSTART when from is in its first period.
func fastForward(o rrule.ROption, from time.Time) time.Time {
	d := o.Dtstart
	loc := d.Location()
	f := from.In(loc)
	if !f.After(d) {
		return d
	}
	iv := max(o.Interval, 1)
	// Calendar days between two dates, whatever the clocks' offsets.
	days := func(a, b time.Time) int {
		ad := time.Date(a.Year(), a.Month(), a.Day(), 0, 0, 0, 0, time.UTC)
		bd := time.Date(b.Year(), b.Month(), b.Day(), 0, 0, 0, 0, time.UTC)
		return int(bd.Sub(ad) / (24 * time.Hour))
	}
	at := func(y int, m time.Month, day int) time.Time {
		return time.Date(y, m, day, d.Hour(), d.Minute(), d.Second(), 0, loc)
	}
	var k int
	var next time.Time
	switch o.Freq {
	case rrule.DAILY:
		k = days(d, f) / iv
		next = at(d.Year(), d.Month(), d.Day()+k*iv)
	case rrule.WEEKLY:
		// Weeks begin on o.Wkst (rrule-go's default: Monday).
		wkst := time.Weekday((o.Wkst.Day() + 1) % 7)
		weekOf := func(t time.Time) time.Time { return t.AddDate(0, 0, -((int(t.Weekday()) - int(wkst) + 7) % 7)) }
		ws := weekOf(d)
		k = days(ws, weekOf(f)) / 7 / iv
		next = at(ws.Year(), ws.Month(), ws.Day()+7*k*iv)
	case rrule.MONTHLY:
		k = ((f.Year()*12 + int(f.Month())) - (d.Year()*12 + int(d.Month()))) / iv
		next = at(d.Year(), d.Month()+time.Month(k*iv), 1)
	case rrule.YEARLY:
		k = (f.Year() - d.Year()) / iv
		next = at(d.Year()+k*iv, 1, 1)
	default:
		return d
	}
	if k <= 0 || !next.After(d) {
		return d
	}
	return next
}
