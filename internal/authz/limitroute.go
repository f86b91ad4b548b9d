package authz

import "graphgate/internal/routes"

// limitEntities names, per limit, the collections whose objects the limit
// trims: the last segment of a route path (before its trailing {id} and
// delta segments) that names what the route returns. A route that returns
// something else — a user's mail folders under Mail.ReadBasic, calendars
// under Calendars.ReadBasic, a membership check's ids — is answered in
// full whatever the limit (Mail.ReadBasic reads "email … except body,
// previewBody, attachments and any extended properties": a folder has
// none of those).
var limitEntities = [...][]string{
	LimitBasicProfile: {"me", "users", "manager", "directreports"},
	LimitBasicEvent:   {"events", "calendarview", "instances"},
	LimitBasicMessage: {"messages"},
	// A group's basic properties; memberships and members list groups too.
	LimitBasicGroup: {"groups", "memberof", "transitivememberof", "members", "transitivemembers"},
	// Chat.ReadBasic limits which endpoints accept it, not the properties
	// of what they return (Limit.Properties).
	LimitBasicChat: nil,
}

// Restricts reports whether an allowed call limited by l gets a trimmed
// answer from route r: whether r returns the objects whose properties l
// restricts (Limit.Properties). It reads the route's segments and does not
// allocate.
func (l Limit) Restricts(r *routes.Route) bool {
	if int(l) >= len(limitEntities) || len(limitEntities[l]) == 0 || r == nil {
		return false
	}
	segs := r.Segments()
	i := len(segs) - 1
	for i >= 0 && (segs[i] == "{id}" || segs[i] == "delta") {
		i--
	}
	if i < 0 {
		return false
	}
	for _, e := range limitEntities[l] {
		if segs[i] == e {
			return true
		}
	}
	return false
}
