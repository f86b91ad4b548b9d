package report

import (
	"encoding/json"

	"graphgate/internal/authz"
	"graphgate/internal/store"
)

// The decision log's detail column holds a decision's authz.Detail without
// what the row's own columns already say (allow, reason, check, status,
// method, path, scheme, route, and held and wouldAllow unless empty) and
// without the summary,
// which is reason, check and explanation joined: the log writer stores
// LogDetail, and readers (explain --request-id, the console's decision
// page) read RecordedDetail, which puts them back. It halves the row of a
// typical decision (bench/README.md, "The decision log's cost"). Rows
// written before keep the full detail, which RecordedDetail reads alike.

// omitted hides a field of the embedded authz.Detail from JSON: a field at
// a shallower depth wins over the embedded one, and nil is omitted.
type omitted = *struct{}

// logDetail is authz.Detail as the log stores it.
type logDetail struct {
	*authz.Detail
	Allow   omitted `json:"allow,omitempty"`
	Reason  omitted `json:"reason,omitempty"`
	Check   omitted `json:"check,omitempty"`
	Status  omitted `json:"status,omitempty"`
	Summary omitted `json:"summary,omitempty"`
	Method  omitted `json:"method,omitempty"`
	Path    omitted `json:"path,omitempty"`
	Scheme  omitted `json:"scheme,omitempty"`
	Route   omitted `json:"route,omitempty"`
	// Held and Candidates are kept only when empty, where the column
	// cannot tell null from [].
	Held       *[]string `json:"held,omitempty"`
	Candidates *[]string `json:"wouldAllow,omitempty"`
}

// LogDetail is d as the decision log's detail column keeps it: d without
// the fields the row's columns hold (see RecordedDetail).
func LogDetail(d authz.Detail) (json.RawMessage, error) {
	l := logDetail{Detail: &d}
	if len(d.Held) == 0 {
		l.Held = &d.Held
	}
	if len(d.Candidates) == 0 {
		l.Candidates = &d.Candidates
	}
	return json.Marshal(l)
}

// RecordedDetail is the full authz.Detail of a decision log row: its
// detail column, completed from the row's columns.
func RecordedDetail(r store.Decision) (authz.Detail, error) {
	var d authz.Detail
	if len(r.Detail) > 0 {
		if err := json.Unmarshal(r.Detail, &d); err != nil {
			return authz.Detail{}, err
		}
	}
	d.Allow, d.Reason, d.Check, d.Status = r.Allowed, r.Reason, r.Check, r.Status
	d.Summary = authz.Summary(r.Reason, r.Check, d.Explanation)
	d.Method, d.Path, d.Scheme, d.Route = r.Method, r.Path, r.Scheme, r.Route
	if len(r.Held) > 0 {
		d.Held = r.Held
	}
	if len(r.Candidates) > 0 {
		d.Candidates = r.Candidates
	}
	return d, nil
}
