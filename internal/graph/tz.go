package graph

import (
	"strings"
	"time"
	_ "time/tzdata" // time zones without relying on the host's database
)

// windowsZones maps the Windows time zone names Graph accepts (and
// Outlook's mailbox settings use) to IANA names. It covers the zones of
// CLDR's windowsZones that clients commonly send; IANA names are accepted
// as they are.
var windowsZones = map[string]string{
	"utc": "UTC", "coordinated universal time": "UTC", "gmt standard time": "Europe/London", "greenwich standard time": "Atlantic/Reykjavik",
	"w. europe standard time": "Europe/Berlin", "central europe standard time": "Europe/Budapest", "romance standard time": "Europe/Paris",
	"central european standard time": "Europe/Warsaw", "e. europe standard time": "Europe/Chisinau", "fle standard time": "Europe/Kiev",
	"gtb standard time": "Europe/Bucharest", "russian standard time": "Europe/Moscow", "turkey standard time": "Europe/Istanbul",
	"israel standard time": "Asia/Jerusalem", "south africa standard time": "Africa/Johannesburg", "egypt standard time": "Africa/Cairo",
	"arabian standard time": "Asia/Dubai", "arab standard time": "Asia/Riyadh", "iran standard time": "Asia/Tehran",
	"india standard time": "Asia/Kolkata", "sri lanka standard time": "Asia/Colombo", "nepal standard time": "Asia/Katmandu",
	"bangladesh standard time": "Asia/Dhaka", "se asia standard time": "Asia/Bangkok", "china standard time": "Asia/Shanghai",
	"singapore standard time": "Asia/Singapore", "taipei standard time": "Asia/Taipei", "tokyo standard time": "Asia/Tokyo",
	"korea standard time": "Asia/Seoul", "aus eastern standard time": "Australia/Sydney", "e. australia standard time": "Australia/Brisbane",
	"aus central standard time": "Australia/Darwin", "cen. australia standard time": "Australia/Adelaide", "w. australia standard time": "Australia/Perth",
	"new zealand standard time": "Pacific/Auckland", "hawaiian standard time": "Pacific/Honolulu", "alaskan standard time": "America/Anchorage",
	"pacific standard time": "America/Los_Angeles", "mountain standard time": "America/Denver", "us mountain standard time": "America/Phoenix",
	"central standard time": "America/Chicago", "eastern standard time": "America/New_York", "atlantic standard time": "America/Halifax",
	"newfoundland standard time": "America/St_Johns", "canada central standard time": "America/Regina", "mexico standard time": "America/Mexico_City",
	"central standard time (mexico)": "America/Mexico_City", "sa pacific standard time": "America/Bogota", "pacific sa standard time": "America/Santiago",
	"e. south america standard time": "America/Sao_Paulo", "argentina standard time": "America/Buenos_Aires", "venezuela standard time": "America/Caracas",
}

// loadZone reads a time zone by Windows or IANA name.
func loadZone(name string) (*time.Location, bool) {
	n := strings.TrimSpace(name)
	if n == "" {
		return nil, false
	}
	if iana, ok := windowsZones[strings.ToLower(n)]; ok {
		n = iana
	}
	loc, err := time.LoadLocation(n)
	if err != nil {
		return nil, false
	}
	return loc, true
}

// preferredZone reads Prefer: outlook.timezone="…" (UTC when absent).
func (c *Call) preferredZone() (string, *time.Location) {
	if zone, loc, ok := c.requestedZone(); ok {
		return zone, loc
	}
	return "UTC", time.UTC
}

// requestedZone reads Prefer: outlook.timezone="…", reporting whether a
// known zone was asked for: mailbox settings keep their dates in the zone
// they were set in unless one was.
func (c *Call) requestedZone() (string, *time.Location, bool) {
	for _, p := range c.r.Header.Values("Prefer") {
		for _, part := range strings.Split(p, ",") {
			part = strings.TrimSpace(part)
			if v, ok := strings.CutPrefix(strings.ToLower(part), "outlook.timezone="); ok {
				raw := strings.Trim(strings.TrimSpace(part[len(part)-len(v):]), `"`)
				if loc, ok := loadZone(raw); ok {
					c.w.Header().Set("Preference-Applied", `outlook.timezone="`+raw+`"`)
					return raw, loc, true
				}
			}
		}
	}
	return "", nil, false
}

// inZone shows a stored dateTimeTimeZone (kept in its own zone, with or
// without its UTC instant) in another zone.
func inZone(d dateTimeTimeZone, zone string, loc *time.Location) dateTimeTimeZone {
	if d.UTC != "" {
		return outputDTZ(d, zone, loc)
	}
	t, err := parseDTZ(d)
	if err != nil {
		return d
	}
	return dateTimeTimeZone{DateTime: t.In(loc).Format(localLayout), TimeZone: zone}
}

// dateTimeTimeZone is Graph's {dateTime, timeZone} with the UTC instant
// kept alongside (stored only: it is what queries compare).
type dateTimeTimeZone struct {
	DateTime string `json:"dateTime"`
	TimeZone string `json:"timeZone"`
	UTC      string `json:"utc,omitempty"`
}

// localLayout is how Graph writes a dateTimeTimeZone's dateTime.
const localLayout = "2006-01-02T15:04:05.0000000"

// parseDTZ reads a dateTimeTimeZone from a request.
func parseDTZ(d dateTimeTimeZone) (time.Time, error) {
	loc, ok := loadZone(d.TimeZone)
	if !ok {
		if d.TimeZone == "" {
			loc = time.UTC
		} else {
			return time.Time{}, ErrBadRequest("The time zone '%s' is not valid.", d.TimeZone)
		}
	}
	for _, layout := range []string{localLayout, "2006-01-02T15:04:05", "2006-01-02T15:04", "2006-01-02", time.RFC3339Nano} {
		if t, err := time.ParseInLocation(layout, d.DateTime, loc); err == nil {
			return t, nil
		}
	}
	return time.Time{}, ErrBadRequest("Cannot convert the literal '%s' to the expected type 'Edm.DateTimeOffset'.", d.DateTime)
}

// storedDTZ is a dateTimeTimeZone as stored: in its own zone, plus UTC.
func storedDTZ(t time.Time, zone string) dateTimeTimeZone {
	loc, ok := loadZone(zone)
	if !ok {
		loc, zone = time.UTC, "UTC"
	}
	return dateTimeTimeZone{DateTime: t.In(loc).Format(localLayout), TimeZone: zone, UTC: storedTime(t)}
}

// outputDTZ renders a stored dateTimeTimeZone in the preferred zone.
func outputDTZ(d dateTimeTimeZone, zone string, loc *time.Location) dateTimeTimeZone {
	t, err := parseStoredTime(d.UTC)
	if err != nil {
		return dateTimeTimeZone{DateTime: d.DateTime, TimeZone: d.TimeZone}
	}
	return dateTimeTimeZone{DateTime: t.In(loc).Format(localLayout), TimeZone: zone}
}

type timeLocation = time.Location

var utcLocation = time.UTC
