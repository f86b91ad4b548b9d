package parity

import (
	"cmp"
	"slices"
	"strings"

	"graphgate/internal/graph"
	"graphgate/internal/routes"
)

// Status is what graphgate does with one method+path.
type Status int

const (
	// Served: a handler answers with stored data.
	Served Status = iota + 1
	// RuleOnly: the route table states the permission rule (graphgate
	// permissions and explain answer for it, and the engine authorizes the
	// call), but no handler serves it: an allowed call answers 501
	// NotImplemented.
	RuleOnly
)

func (s Status) String() string {
	switch s {
	case Served:
		return "served"
	case RuleOnly:
		return "rule only (501)"
	}
	return "absent"
}

// Row is one method+path of the route table.
type Row struct {
	Workload string
	Method   string
	// Template is Microsoft's spelling of the path.
	Template string
	Status   Status
	// Source is microsoft, docs or retired (routes.Route.Source).
	Source string
}

// Classify lists every method+path of the table with its status, ordered by
// workload, path and method.
func Classify(tab *routes.Table, served []graph.Endpoint) []Row {
	isServed := map[string]bool{}
	for _, e := range served {
		isServed[e.Method+" "+e.Route.Path] = true
	}
	var rows []Row
	for _, r := range tab.Routes() {
		if r.Query != "" {
			continue // a $filter variant of a path listed on its own
		}
		for _, m := range r.Methods() {
			st := RuleOnly
			if isServed[m.String()+" "+r.Path] {
				st = Served
			}
			rows = append(rows, Row{Workload: WorkloadOf(r.Path, r.Template), Method: m.String(), Template: r.Template, Status: st, Source: r.Source})
		}
	}
	slices.SortFunc(rows, func(a, b Row) int {
		return cmp.Or(cmp.Compare(a.Workload, b.Workload), cmp.Compare(strings.ToLower(a.Template), strings.ToLower(b.Template)),
			cmp.Compare(a.Template, b.Template), cmp.Compare(methodOrder(a.Method), methodOrder(b.Method)))
	})
	return rows
}

func methodOrder(m string) int {
	return slices.Index([]string{"GET", "POST", "PUT", "PATCH", "DELETE"}, m)
}

// workloadWords names the workload of a path by the first of its segments
// found here (after /me, /users/{id} or /groups/{id}): mail under a group is
// mail, a group's calendar is calendar.
var workloadWords = map[string]string{
	"messages": "Mail", "mailfolders": "Mail", "sendmail": "Mail", "mailboxsettings": "Mail", "inferenceclassification": "Mail",
	"outlook": "Mail", "conversations": "Mail", "threads": "Mail",
	"events": "Calendar", "calendar": "Calendar", "calendars": "Calendar", "calendarview": "Calendar", "calendargroups": "Calendar",
	"findmeetingtimes": "Calendar", "getschedule": "Calendar",
	"contacts": "Contacts", "contactfolders": "Contacts",
	"people": "People",
	"drive":  "Files (OneDrive)", "drives": "Files (OneDrive)", "shares": "Files (OneDrive)",
	"onenote": "OneNote",
	"todo":    "To Do", "planner": "Planner",
	"presence": "Presence", "presences": "Presence", "communications": "Presence and calls",
	"chats": "Teams chats", "chat": "Teams chats",
	"teams": "Teams", "joinedteams": "Teams", "team": "Teams", "teamwork": "Teams",
	"sites": "SharePoint sites",
}

// WorkloadOf names the workload a route belongs to, from its normalized
// path (lower case, {id} parameters); a path of no known workload is named
// by the first segment of its template (Microsoft's spelling).
func WorkloadOf(path, template string) string {
	segs := strings.Split(strings.Trim(path, "/"), "/")
	for i, s := range segs {
		segs[i], _, _ = strings.Cut(s, "(") // key segments: /applications(appId={value})
	}
	for _, s := range segs {
		if w, ok := workloadWords[s]; ok {
			return w
		}
	}
	switch segs[0] {
	case "me", "users":
		return "Users"
	case "groups":
		return "Groups"
	case "directoryroles", "directoryroletemplates", "administrativeunits", "directory", "directoryobjects", "organization",
		"domains", "contacts", "contracts", "subscribedskus":
		return "Directory"
	case "applications", "serviceprincipals", "oauth2permissiongrants", "approleassignments":
		return "Applications and consent"
	}
	first, _, _ := strings.Cut(strings.SplitN(strings.TrimPrefix(template, "/"), "/", 2)[0], "(")
	return "/" + strings.ToLower(first)
}

// Total is one workload's count of method+path pairs: served with data,
// and with a permission rule only (an allowed call answers 501).
type Total struct {
	Workload         string
	Served, RuleOnly int
}

// All is Served+RuleOnly.
func (t Total) All() int { return t.Served + t.RuleOnly }

// Totals counts rows per workload: workloads with served endpoints first
// (most served first), then the rest by size, then by name.
func Totals(rows []Row) []Total {
	idx := map[string]int{}
	var out []Total
	for _, r := range rows {
		i, ok := idx[r.Workload]
		if !ok {
			i = len(out)
			idx[r.Workload] = i
			out = append(out, Total{Workload: r.Workload})
		}
		if r.Status == Served {
			out[i].Served++
		} else {
			out[i].RuleOnly++
		}
	}
	slices.SortStableFunc(out, func(a, b Total) int {
		return cmp.Or(cmp.Compare(b.Served, a.Served), cmp.Compare(b.All(), a.All()), cmp.Compare(a.Workload, b.Workload))
	})
	return out
}
