package main

import (
	"cmp"
	"fmt"
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

// groupOf is the part of a template a collapsed list counts by: the
// resource under /me, /users/{id}, /groups/{id}, … (its next segment), else
// the first two segments.
func groupOf(template string) string {
	segs := strings.Split(strings.ToLower(strings.TrimPrefix(template, "/")), "/")
	switch {
	case len(segs) == 1:
		return "/" + segs[0]
	case segs[0] == "me":
		return "/me/" + segs[1]
	case strings.HasPrefix(segs[1], "{") && len(segs) >= 3:
		return "/" + segs[0] + "/" + segs[1] + "/" + segs[2]
	}
	return "/" + segs[0] + "/" + segs[1]
}

// maxListed is how many rule-only paths a workload section lists before it
// collapses the rest into counts by their first segments, keeping the file
// to a few thousand lines.
const maxListed = 40

// Render writes the Markdown document.
func Render(rows []Row) []byte {
	type total struct {
		name           string
		served, ruleOn int
	}
	byWL := map[string][]Row{}
	var names []string
	for _, r := range rows {
		if _, ok := byWL[r.Workload]; !ok {
			names = append(names, r.Workload)
		}
		byWL[r.Workload] = append(byWL[r.Workload], r)
	}
	var totals []total
	var all total
	for _, n := range names {
		t := total{name: n}
		for _, r := range byWL[n] {
			if r.Status == Served {
				t.served++
			} else {
				t.ruleOn++
			}
		}
		all.served += t.served
		all.ruleOn += t.ruleOn
		totals = append(totals, t)
	}
	// Workloads with served endpoints first (most served first), then the
	// rest by size.
	slices.SortStableFunc(totals, func(a, b total) int {
		return cmp.Or(cmp.Compare(b.served, a.served), cmp.Compare(b.served+b.ruleOn, a.served+a.ruleOn), cmp.Compare(a.name, b.name))
	})

	var b strings.Builder
	b.WriteString(`<!-- Code generated by internal/paritygen; DO NOT EDIT. Regenerate: go generate ./internal/paritygen -->

# Parity map: what graphgate serves of Microsoft Graph

Every method+path of graphgate's route table — Microsoft's permission data
(` + "`permissions.json`" + `) plus graphgate's [supplement](../internal/routes/supplement.yaml) —
with what graphgate does with it, read from the route table and the handlers
the Graph server registers (so it is exactly what ` + "`graphgate serve`" + ` does):

- **served**: answered with stored data, authorized by the engine.
- **rule only (501)**: the permission rule is known — ` + "`graphgate permissions for`" + `
  and ` + "`graphgate explain`" + ` answer for it, and a call is authorized (a denied call gets
  Graph's 403) — but an allowed call answers 501 ` + "`NotImplemented`" + `.
- **absent**: a method+path outside the route table. graphgate answers Graph's 400/404 for an
  unknown segment or 405 for a method the path lacks; such endpoints are not in Microsoft's
  permission data, so they cannot be listed here. ` + "`POST /$batch`" + ` is served outside the
  table: each batched request is authorized and served as above.

Known differences from Microsoft, on purpose, are listed in the README:
[identity platform](../README.md#running-the-server) ("Known differences from Microsoft") and
[the Graph API](../README.md#the-graph-api) (limits where Microsoft documents none, input leniency).

`)
	fmt.Fprintf(&b, "## Totals\n\n%d of %d method+path pairs served (%s).\n\n", all.served, all.served+all.ruleOn, pct(all.served, all.served+all.ruleOn))
	b.WriteString("| workload | served | rule only (501) | total | served % |\n|---|---:|---:|---:|---:|\n")
	for _, t := range totals {
		fmt.Fprintf(&b, "| %s | %d | %d | %d | %s |\n", t.name, t.served, t.ruleOn, t.served+t.ruleOn, pct(t.served, t.served+t.ruleOn))
	}
	b.WriteString("\n## By workload\n\nEach workload with a served endpoint lists every served method+path, then the rule-only ones")
	fmt.Fprintf(&b, " (beyond %d, grouped by resource with counts). Workloads with nothing served appear in the totals only; `graphgate permissions routes` lists every route.\n", maxListed)
	for _, t := range totals {
		if t.served == 0 {
			continue
		}
		fmt.Fprintf(&b, "\n### %s\n\n%d served, %d rule only.\n\n", t.name, t.served, t.ruleOn)
		b.WriteString("| method | path | status |\n|---|---|---|\n")
		var rest []Row
		for _, r := range byWL[t.name] {
			if r.Status == Served {
				fmt.Fprintf(&b, "| %s | `%s` | served%s |\n", r.Method, r.Template, sourceNote(r))
			} else {
				rest = append(rest, r)
			}
		}
		if len(rest) <= maxListed {
			for _, r := range rest {
				fmt.Fprintf(&b, "| %s | `%s` | rule only (501)%s |\n", r.Method, r.Template, sourceNote(r))
			}
			continue
		}
		counts := map[string]int{}
		var prefixes []string
		for _, r := range rest {
			p := groupOf(r.Template)
			if counts[p] == 0 {
				prefixes = append(prefixes, p)
			}
			counts[p]++
		}
		slices.Sort(prefixes)
		fmt.Fprintf(&b, "\nRule only (501), %d method+path pairs, by resource:\n\n", len(rest))
		for _, p := range prefixes {
			fmt.Fprintf(&b, "- `%s…`: %d\n", p, counts[p])
		}
	}
	return []byte(b.String())
}

func sourceNote(r Row) string {
	switch r.Source {
	case routes.SourceDocs:
		return " (added by graphgate from the documentation)"
	case routes.SourceRetired:
		return " (retired by Microsoft; kept for the reference's examples)"
	}
	return ""
}

func pct(n, total int) string {
	if total == 0 {
		return "–"
	}
	return fmt.Sprintf("%.1f%%", 100*float64(n)/float64(total))
}
