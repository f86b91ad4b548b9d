package graph

import (
	"strings"
	"time"
	_ "time/tzdata" // time zones without relying on the host's database
)

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
