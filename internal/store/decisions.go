package store

import (
	"context"
	"encoding/json"
	"strings"
	"time"
)

// Decision is one authorization decision of the Graph pipeline, as the
// decision log keeps it: who called what, and what the engine answered.
// The store keeps it as given; the Graph server's hook and the log writer
// (package decisionlog) decide what goes in.
type Decision struct {
	// Seq orders the log: the store assigns it, increasing, on append
	// (a later append has a higher Seq, also across replicas sharing one
	// database). Readers page and follow by it.
	Seq  int64
	Time time.Time
	// RequestID and ClientRequestID are the request-id and
	// client-request-id headers Graph answered with.
	RequestID       string
	ClientRequestID string
	TenantID        string
	// AppID and AppName are the client application's id and display name.
	AppID   string
	AppName string
	// UserID and UserUPN are the signed-in user's; both "" for app-only.
	UserID  string
	UserUPN string
	// Scheme is the permission scheme of the token (DelegatedWork,
	// DelegatedPersonal, Application).
	Scheme string
	Method string
	// Route is the route template that matched ("" when none did), Path
	// the concrete path requested.
	Route   string
	Path    string
	Allowed bool
	// Status is the HTTP status the decision answers with.
	Status int
	// Reason and Check are authz's stable names: why, and which named
	// check decided.
	Reason string
	Check  string
	// Held are the permissions the token held.
	Held []string
	// Granted is the held permission that allowed the call ("" if denied).
	Granted string
	// Candidates are the permissions that would allow the call, least
	// privileged first.
	Candidates []string
	// Detail is the full explanation (authz.Detail) as a JSON object.
	Detail json.RawMessage
	// Repeats are the further requests the row stands for, oldest first:
	// the log writer aggregates allowed decisions that repeat within one
	// of its batches (same tenant, app, user, call, outcome, permissions
	// and explanation — everything but the time and the request ids) into
	// the first one's row, as Entra ID's non-interactive sign-in log
	// aggregates sign-ins with the same characteristics. Time, RequestID
	// and ClientRequestID are the first request's. Denials and injected
	// faults are never aggregated. Empty for a row of one request.
	Repeats []Repeat
}

// Repeat is one request of an aggregated row beyond its first: a
// decision log row's (Decision.Repeats) or a sign-in log row's
// (SignIn.Repeats).
type Repeat struct {
	Time time.Time `json:"at"`
	// ID is a grouped sign-in's own id (the signIn's id); "" in the
	// decision log, whose requests have no id but their request ids.
	ID              string `json:"id,omitempty"`
	RequestID       string `json:"requestId"`
	ClientRequestID string `json:"clientRequestId,omitempty"`
}

// Count is how many requests the row stands for (1 + its repeats).
func (d Decision) Count() int { return 1 + len(d.Repeats) }

// Last is the time of the row's last request (Time for a row of one).
func (d Decision) Last() time.Time {
	if len(d.Repeats) == 0 {
		return d.Time
	}
	return d.Repeats[len(d.Repeats)-1].Time
}

// Requests are the row's requests, one Decision each, oldest first: the
// row itself for a row of one; for an aggregated row, the row with each
// request's time and ids (and no repeats). What counts or lists requests
// (the least-privilege report) reads the log through it.
func (d *Decision) Requests() []Decision {
	if len(d.Repeats) == 0 {
		return []Decision{*d}
	}
	out := make([]Decision, 0, d.Count())
	one := *d
	one.Repeats = nil
	out = append(out, one)
	for _, r := range d.Repeats {
		one.Time, one.RequestID, one.ClientRequestID = r.Time, r.RequestID, r.ClientRequestID
		out = append(out, one)
	}
	return out
}

// ForRequest is the row as the request with request-id or
// client-request-id id sees it: for an aggregated row, the time and ids
// of that request (the repeats kept, so readers can say the row is
// shared); false when none of the row's requests has the id.
func (d *Decision) ForRequest(id string) (Decision, bool) {
	if d.RequestID == id || d.ClientRequestID == id {
		return *d, true
	}
	for _, r := range d.Repeats {
		if r.RequestID == id || r.ClientRequestID == id {
			one := *d
			one.Time, one.RequestID, one.ClientRequestID = r.Time, r.RequestID, r.ClientRequestID
			return one, true
		}
	}
	return Decision{}, false
}

// RepeatsText is how the stores keep a row's repeats: "" for none, else
// the JSON array encoding/json writes for them with times in UTC
// (RepeatsLike matches a request id in it). It is written here, not by
// json.Marshal: an aggregated row carries up to a batch of repeats, and
// reflection and time formatting per repeat were a tenth of the log
// writer's CPU under load (bench/README.md). Request ids are almost always
// plain ASCII, copied as they are; any other string, and a time
// encoding/json refuses, goes through encoding/json itself, so the text is
// byte for byte what json.Marshal would write (TestRepeatsTextIsJSON).
func RepeatsText(rs []Repeat) (string, error) {
	if len(rs) == 0 {
		return "", nil
	}
	b := make([]byte, 0, len(rs)*(len(`{"at":"","id":"","requestId":""},`)+len(time.RFC3339Nano)+2*36)+2)
	b = append(b, '[')
	for i, r := range rs {
		if i > 0 {
			b = append(b, ',')
		}
		var err error
		b = append(b, `{"at":`...)
		if b, err = appendJSONTime(b, r.Time.UTC()); err != nil {
			return "", err
		}
		if r.ID != "" {
			b = append(b, `,"id":`...)
			b = appendJSONString(b, r.ID)
		}
		b = append(b, `,"requestId":`...)
		b = appendJSONString(b, r.RequestID)
		if r.ClientRequestID != "" {
			b = append(b, `,"clientRequestId":`...)
			b = appendJSONString(b, r.ClientRequestID)
		}
		b = append(b, '}')
	}
	b = append(b, ']')
	return string(b), nil
}

// appendJSONTime appends t as encoding/json writes a time.Time: quoted
// RFC 3339 with nanoseconds, trailing zeros cut. Years outside 0–9999,
// which encoding/json refuses, get its error.
func appendJSONTime(b []byte, t time.Time) ([]byte, error) {
	if y := t.Year(); y < 0 || y > 9999 {
		j, err := json.Marshal(t)
		return append(b, j...), err
	}
	b = append(b, '"')
	b = t.AppendFormat(b, time.RFC3339Nano)
	return append(b, '"'), nil
}

// appendJSONString appends s quoted as encoding/json writes it. A string
// of printable ASCII that encoding/json leaves as it is (no quote,
// backslash or HTML character) is copied; any other goes through
// encoding/json.
func appendJSONString(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c > 0x7e || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			j, _ := json.Marshal(s) // a string always encodes
			return append(b, j...)
		}
	}
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"')
}

// ParseRepeats reads what RepeatsText wrote.
func ParseRepeats(s string) ([]Repeat, error) {
	if s == "" {
		return nil, nil
	}
	var rs []Repeat
	err := json.Unmarshal([]byte(s), &rs)
	return rs, err
}

// RepeatsLike is a LIKE pattern (escape character \) that matches the
// repeats text of every row holding a request with id as its id,
// request-id or client-request-id (and, rarely, others: readers check
// with ForRequest or SignIn.ForID).
func RepeatsLike(id string) string {
	b, _ := json.Marshal(id) // a string always encodes
	r := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
	return "%" + r.Replace(string(b)) + "%"
}

// DecisionQuery selects log rows. Empty fields select everything.
type DecisionQuery struct {
	TenantID string
	// AppID matches the app's client id, or its display name
	// (case-insensitive).
	App string
	// User matches the user's id, or UPN (case-insensitive).
	User string
	// DeniedOnly selects denied decisions only.
	DeniedOnly bool
	// Since selects decisions at or after a time.
	Since time.Time
	// Route selects one route template (exact).
	Route string
	// RequestID selects a request by its request-id or client-request-id.
	RequestID string
	// After selects rows with a Seq above it (following the log).
	After int64
	// Before selects rows with a Seq below it (paging back, newest first,
	// with Newest and Limit).
	Before int64
	// Limit caps the rows (0: no cap). With Newest, the newest Limit rows
	// are returned (still oldest first); else the oldest after After.
	Limit  int
	Newest bool
}

// DecisionLog keeps the decision log. Rows are returned oldest first (by
// Seq). Appends are meant for one writer per process, in batches.
type DecisionLog interface {
	// AppendDecisions stores the rows in one transaction, assigning Seq
	// (the values given are ignored).
	AppendDecisions(ctx context.Context, ds []Decision) error
	// ListDecisions returns the rows q selects, oldest first.
	ListDecisions(ctx context.Context, q DecisionQuery) ([]Decision, error)
	// PruneDecisions deletes at most limit rows (limit > 0) that are
	// either older than before (zero: no age limit) or not among the
	// newest keep rows (0: no count limit), oldest first, and returns how
	// many it deleted. Callers repeat it while it returns limit, so that no
	// one statement holds the database for long.
	PruneDecisions(ctx context.Context, before time.Time, keep, limit int) (int, error)
}

// Where is the SQL condition of q's filters, with ? placeholders in the
// order of args, shared by the backends: ts encodes a time as the backend
// stores it, denied is the backend's test for a denied row. "" when q
// filters nothing.
func (q DecisionQuery) Where(ts func(time.Time) any, denied string) (string, []any) {
	var where []string
	var args []any
	add := func(cond string, a ...any) {
		where = append(where, cond)
		args = append(args, a...)
	}
	if q.TenantID != "" {
		add("tenant_id = ?", q.TenantID)
	}
	if q.App != "" {
		add("(app_id = ? OR lower(app_name) = ?)", q.App, strings.ToLower(q.App))
	}
	if q.User != "" {
		add("(user_id = ? OR lower(user_upn) = ?)", q.User, strings.ToLower(q.User))
	}
	if q.DeniedOnly {
		add(denied)
	}
	if !q.Since.IsZero() {
		add("at >= ?", ts(q.Since))
	}
	if q.Route != "" {
		add("route = ?", q.Route)
	}
	if q.RequestID != "" {
		// An aggregated row holds its further requests' ids in repeats
		// (Decision.Repeats); the stores keep only the rows ForRequest
		// accepts.
		add(`(request_id = ? OR client_request_id = ? OR (request_count > 1 AND repeats LIKE ? ESCAPE '\'))`,
			q.RequestID, q.RequestID, RepeatsLike(q.RequestID))
	}
	if q.After > 0 {
		add("seq > ?", q.After)
	}
	if q.Before > 0 {
		add("seq < ?", q.Before)
	}
	return strings.Join(where, " AND "), args
}
