package model

import (
	"strings"
	"time"
	_ "time/tzdata" // time zones without relying on the host's database

	"graphgate/internal/store"
)

// StoredTime formats t as documents store date-times (fixed width, UTC).
func StoredTime(t time.Time) string { return t.UTC().Format(store.TimeLayout) }

// GraphTime formats t as Graph returns most date-times.
func GraphTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05Z") }

// ParseStoredTime reads a stored date-time.
func ParseStoredTime(s string) (time.Time, error) { return time.Parse(store.TimeLayout, s) }

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

// LoadZone reads a time zone by Windows or IANA name.
func LoadZone(name string) (*time.Location, bool) {
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

// DateTimeTimeZone is Graph's {dateTime, timeZone} with the UTC instant
// kept alongside (stored only: it is what queries compare).
type DateTimeTimeZone struct {
	DateTime string `json:"dateTime"`
	TimeZone string `json:"timeZone"`
	UTC      string `json:"utc,omitempty"`
}

// LocalLayout is how Graph writes a dateTimeTimeZone's dateTime.
const LocalLayout = "2006-01-02T15:04:05.0000000"

// StoredDTZ is a dateTimeTimeZone as stored: in its own zone, plus UTC.
func StoredDTZ(t time.Time, zone string) DateTimeTimeZone {
	loc, ok := LoadZone(zone)
	if !ok {
		loc, zone = time.UTC, "UTC"
	}
	return DateTimeTimeZone{DateTime: t.In(loc).Format(LocalLayout), TimeZone: zone, UTC: StoredTime(t)}
}
