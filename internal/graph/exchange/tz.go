package exchange

import (
	"graphgate/internal/graph"
	"graphgate/internal/model"
	"strings"
	"time"
	_ "time/tzdata" // time zones without relying on the host's database
)

// preferredZone reads Prefer: outlook.timezone="…" (UTC when absent).
func preferredZone(c *graph.Call) (string, *time.Location) {
	if zone, loc, ok := requestedZone(c); ok {
		return zone, loc
	}
	return "UTC", time.UTC
}

// requestedZone reads Prefer: outlook.timezone="…", reporting whether a
// known zone was asked for: mailbox settings keep their dates in the zone
// they were set in unless one was.
func requestedZone(c *graph.Call) (string, *time.Location, bool) {
	for _, p := range c.Request().Header.Values("Prefer") {
		for _, part := range strings.Split(p, ",") {
			part = strings.TrimSpace(part)
			if v, ok := strings.CutPrefix(strings.ToLower(part), "outlook.timezone="); ok {
				raw := strings.Trim(strings.TrimSpace(part[len(part)-len(v):]), `"`)
				if loc, ok := model.LoadZone(raw); ok {
					c.Header().Set("Preference-Applied", `outlook.timezone="`+raw+`"`)
					return raw, loc, true
				}
			}
		}
	}
	return "", nil, false
}

// inZone shows a stored dateTimeTimeZone (kept in its own zone, with or
// without its UTC instant) in another zone.
func inZone(d model.DateTimeTimeZone, zone string, loc *time.Location) model.DateTimeTimeZone {
	if d.UTC != "" {
		return outputDTZ(d, zone, loc)
	}
	t, err := parseDTZ(d)
	if err != nil {
		return d
	}
	return model.DateTimeTimeZone{DateTime: t.In(loc).Format(model.LocalLayout), TimeZone: zone}
}

// parseDTZ reads a dateTimeTimeZone from a request.
func parseDTZ(d model.DateTimeTimeZone) (time.Time, error) {
	loc, ok := model.LoadZone(d.TimeZone)
	if !ok {
		if d.TimeZone == "" {
			loc = time.UTC
		} else {
			return time.Time{}, graph.ErrBadRequest("The time zone '%s' is not valid.", d.TimeZone)
		}
	}
	for _, layout := range []string{model.LocalLayout, "2006-01-02T15:04:05", "2006-01-02T15:04", "2006-01-02", time.RFC3339Nano} {
		if t, err := time.ParseInLocation(layout, d.DateTime, loc); err == nil {
			return t, nil
		}
	}
	return time.Time{}, graph.ErrBadRequest("Cannot convert the literal '%s' to the expected type 'Edm.DateTimeOffset'.", d.DateTime)
}

// outputDTZ renders a stored dateTimeTimeZone in the preferred zone.
func outputDTZ(d model.DateTimeTimeZone, zone string, loc *time.Location) model.DateTimeTimeZone {
	t, err := model.ParseStoredTime(d.UTC)
	if err != nil {
		return model.DateTimeTimeZone{DateTime: d.DateTime, TimeZone: d.TimeZone}
	}
	return model.DateTimeTimeZone{DateTime: t.In(loc).Format(model.LocalLayout), TimeZone: zone}
}

type timeLocation = time.Location

var utcLocation = time.UTC
