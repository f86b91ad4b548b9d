package graph

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

type recurrencePattern struct {
	Type           string   `json:"type"`
	Interval       int      `json:"interval"`
	Month          int      `json:"month"`
	DayOfMonth     int      `json:"dayOfMonth"`
	DaysOfWeek     []string `json:"daysOfWeek"`
	FirstDayOfWeek string   `json:"firstDayOfWeek"`
	Index          string   `json:"index"`
}

type recurrenceRange struct {
	Type                string `json:"type"`
	StartDate           string `json:"startDate"`
	EndDate             string `json:"endDate"`
	RecurrenceTimeZone  string `json:"recurrenceTimeZone"`
	NumberOfOccurrences int    `json:"numberOfOccurrences"`
}

type patternedRecurrence struct {
	Pattern recurrencePattern `json:"pattern"`
	Range   recurrenceRange   `json:"range"`
}

var weekdays = map[string]rrule.Weekday{"monday": rrule.MO, "tuesday": rrule.TU, "wednesday": rrule.WE, "thursday": rrule.TH,
	"friday": rrule.FR, "saturday": rrule.SA, "sunday": rrule.SU}

var indexes = map[string]int{"first": 1, "second": 2, "third": 3, "fourth": 4, "last": -1}

// maxOccurrences bounds one series' expansion in one view.
const maxOccurrences = 2000

// rule builds the RRULE of a recurrence for an event starting at start (in
// its own zone).
func (r patternedRecurrence) rule(start time.Time) (*rrule.RRule, error) {
	p, rg := r.Pattern, r.Range
	o := rrule.ROption{Interval: p.Interval}
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
			return nil, err
		}
		if len(o.Byweekday) == 0 {
			return nil, fmt.Errorf("a weekly pattern needs daysOfWeek")
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
			return nil, err
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
		return nil, fmt.Errorf("invalid recurrence pattern type '%s'", p.Type)
	}
	sd, err := time.ParseInLocation("2006-01-02", rg.StartDate, start.Location())
	if err != nil {
		return nil, fmt.Errorf("invalid recurrence start date '%s'", rg.StartDate)
	}
	o.Dtstart = time.Date(sd.Year(), sd.Month(), sd.Day(), start.Hour(), start.Minute(), start.Second(), 0, start.Location())
	switch strings.ToLower(rg.Type) {
	case "enddate":
		ed, err := time.ParseInLocation("2006-01-02", rg.EndDate, start.Location())
		if err != nil {
			return nil, fmt.Errorf("invalid recurrence end date '%s'", rg.EndDate)
		}
		o.Until = ed.Add(24*time.Hour - time.Second)
	case "numbered":
		if rg.NumberOfOccurrences <= 0 {
			return nil, fmt.Errorf("a numbered range needs numberOfOccurrences")
		}
		o.Count = rg.NumberOfOccurrences
	case "noend", "":
	default:
		return nil, fmt.Errorf("invalid recurrence range type '%s'", rg.Type)
	}
	return rrule.NewRRule(o)
}

// lastEnd is when the series' last occurrence ends (zero for no end).
func (r patternedRecurrence) lastEnd(start time.Time, duration time.Duration) (time.Time, error) {
	rr, err := r.rule(start)
	if err != nil {
		return time.Time{}, err
	}
	if strings.EqualFold(r.Range.Type, "noEnd") || r.Range.Type == "" {
		return time.Time{}, nil
	}
	all := rr.All()
	if len(all) == 0 {
		return start.Add(duration), nil
	}
	return all[len(all)-1].Add(duration), nil
}

// occurrences lists the starts of the occurrences overlapping [from, to).
func (r patternedRecurrence) occurrences(start time.Time, duration time.Duration, from, to time.Time) ([]time.Time, error) {
	rr, err := r.rule(start)
	if err != nil {
		return nil, err
	}
	starts := rr.Between(from.Add(-duration), to, true)
	var out []time.Time
	for _, s := range starts {
		if s.Add(duration).After(from) && s.Before(to) {
			out = append(out, s)
		}
		if len(out) >= maxOccurrences {
			break
		}
	}
	return out, nil
}
