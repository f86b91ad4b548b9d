package bridge

import (
	"strings"
	"time"

	"graphgate/internal/bridge/mqttha"
	"graphgate/internal/planner"
)

// buildSensors makes the account's sensors from its configuration; each
// polls only while the planner says its feature is on or read-only.
func (a *account) buildSensors() []*sensor {
	c := a.cfg
	every := func(d time.Duration) time.Duration {
		if d == 0 {
			return c.PollInterval
		}
		return d
	}
	var out []*sensor
	if c.CalendarEnabled() {
		if len(c.Calendars) == 0 {
			out = append(out, a.allCalendarsSensor(c.PollInterval))
		}
		for i := range c.Calendars {
			cc := c.Calendars[i]
			out = append(out, a.calendarSensor(cc, every(cc.Interval)))
		}
	}
	for i := range c.Groups {
		g := c.Groups[i]
		out = append(out, a.groupSensor(g, every(g.Interval)))
	}
	for i := range c.EmailSensors {
		s := c.EmailSensors[i]
		out = append(out, a.mailSensor(planner.FeatureEmail, "email_"+mqttha.Slug(s.Name), QuerySensor{EmailSensor: s}, every(s.Interval)))
	}
	for i := range c.QuerySensors {
		s := c.QuerySensors[i]
		out = append(out, a.mailSensor(planner.FeatureQuery, "query_"+mqttha.Slug(s.Name), s, every(s.Interval)))
	}
	for i := range c.StatusSensors {
		s := c.StatusSensors[i]
		out = append(out, a.statusSensor(s, every(s.Interval)))
	}
	for i := range c.ChatSensors {
		s := c.ChatSensors[i]
		out = append(out, a.chatSensor(s, every(s.Interval)))
	}
	if c.TodoEnabled() {
		out = append(out, a.todoSensor(*c.Todo, every(c.Todo.Interval)))
	}
	for i := range c.AutoReplySensors {
		s := c.AutoReplySensors[i]
		out = append(out, a.autoReplySensor(s, every(s.Interval)))
	}
	return out
}

// odataString quotes s as an OData string literal.
func odataString(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

// graphTime is Graph's dateTimeTimeZone; with Prefer: outlook.timezone="UTC"
// the dateTime is UTC.
type graphTime struct {
	DateTime string `json:"dateTime"`
	TimeZone string `json:"timeZone"`
}

func (g graphTime) time() (time.Time, bool) {
	if g.DateTime == "" {
		return time.Time{}, false
	}
	loc := time.UTC
	if g.TimeZone != "" && !strings.EqualFold(g.TimeZone, "UTC") {
		if l, err := time.LoadLocation(g.TimeZone); err == nil {
			loc = l
		}
	}
	for _, layout := range []string{"2006-01-02T15:04:05.9999999", time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02"} {
		if t, err := time.ParseInLocation(layout, g.DateTime, loc); err == nil {
			return t.UTC(), true
		}
	}
	return time.Time{}, false
}

func (g graphTime) String() string {
	if t, ok := g.time(); ok {
		return t.Format(time.RFC3339)
	}
	return ""
}

type emailAddress struct {
	EmailAddress struct {
		Name    string `json:"name"`
		Address string `json:"address"`
	} `json:"emailAddress"`
}

func addresses(list []emailAddress) []string {
	out := []string{}
	for _, r := range list {
		out = append(out, r.EmailAddress.Address)
	}
	return out
}

type itemBody struct {
	ContentType string `json:"contentType"`
	Content     string `json:"content"`
}
