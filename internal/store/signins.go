package store

import (
	"context"
	"strings"
	"time"
)

// SignIn is one sign-in the identity platform handled, successful or not:
// Microsoft Graph's signIn resource (auditLogs/signIns) as far as
// graphgate knows its fields. The identity platform's recorder (package
// decisionlog's SignInWriter) decides what goes in; the store keeps it as
// given.
type SignIn struct {
	// Seq orders the log: the store assigns it, increasing, on append.
	// Readers page by it, newest first.
	Seq int64
	// ID is the signIn's id (a GUID, made by the recorder).
	ID       string
	Time     time.Time
	TenantID string
	// RequestID is the request id graphgate answered with (the signIn's
	// correlationId).
	RequestID string
	// UserID, UserUPN and UserName are the user's id, userPrincipalName
	// and displayName: "" for a service principal sign-in, and UserID ""
	// when the account named was not found (UserUPN is then what was
	// typed).
	UserID   string
	UserUPN  string
	UserName string
	// AppID and AppName are the client application's id and display name.
	AppID   string
	AppName string
	// ResourceID and ResourceName are the resource the token is for
	// (Microsoft Graph, or a registered API); "" when the sign-in failed
	// before it was known.
	ResourceID   string
	ResourceName string
	// ClientApp is the signIn's clientAppUsed: "Browser" for the sign-in
	// pages, "Mobile Apps and Desktop clients" for the token endpoint.
	ClientApp string
	// GrantType is how the sign-in was made: the token endpoint's
	// grant_type (authorization_code, refresh_token, device_code,
	// password, client_credentials, on_behalf_of), or "interactive" for
	// the sign-in pages.
	GrantType string
	// IPAddress is the client's address.
	IPAddress string
	// Interactive is the signIn's isInteractive: the user typed a
	// password on a sign-in page.
	Interactive bool
	// ServicePrincipal marks an app-only sign-in (client credentials).
	ServicePrincipal bool
	// ErrorCode is the AADSTS number (0: success); FailureReason the
	// error's message.
	ErrorCode     int
	FailureReason string
	// Repeats are the further sign-ins the row stands for, oldest first,
	// each with its own time, id and request id: the sign-in writer groups
	// service principal sign-ins of one batch that agree on every other
	// field (the app, the resource, the address, the outcome) into the
	// first one's row, as Entra ID groups service principal sign-ins by
	// service principal, status, IP address and resource. Time, ID and
	// RequestID are the first sign-in's. Empty for a row of one sign-in.
	Repeats []Repeat
}

// Succeeded reports whether the sign-in succeeded (status.errorCode 0).
func (s SignIn) Succeeded() bool { return s.ErrorCode == 0 }

// Count is how many sign-ins the row stands for (1 + its repeats).
func (s SignIn) Count() int { return 1 + len(s.Repeats) }

// Last is the time of the row's last sign-in (Time for a row of one).
func (s SignIn) Last() time.Time {
	if len(s.Repeats) == 0 {
		return s.Time
	}
	return s.Repeats[len(s.Repeats)-1].Time
}

// ForID is the row as the sign-in with id or correlation id (request id)
// id sees it: for a grouped row, that sign-in's time and ids (the repeats
// kept, so readers can say the row is shared); false when none of the
// row's sign-ins has the id.
func (s *SignIn) ForID(id string) (SignIn, bool) {
	if s.ID == id || s.RequestID == id {
		return *s, true
	}
	for _, r := range s.Repeats {
		if r.ID == id || r.RequestID == id {
			one := *s
			one.Time, one.ID, one.RequestID = r.Time, r.ID, r.RequestID
			return one, true
		}
	}
	return SignIn{}, false
}

// SignInStatus selects sign-ins by outcome.
type SignInStatus uint8

const (
	// AnyStatus selects every sign-in.
	AnyStatus SignInStatus = iota
	// Succeeded selects sign-ins with errorCode 0.
	Succeeded
	// Failed selects sign-ins with an errorCode.
	Failed
)

// SignInQuery selects sign-in log rows, always of one tenant, newest
// first. Empty fields select everything.
type SignInQuery struct {
	TenantID string
	// ID selects one sign-in by its id or its correlation id (the request
	// id graphgate answered with), also inside a grouped row: the row is
	// returned as that sign-in sees it (SignIn.ForID).
	ID string
	// User matches the user's id, or UPN (case-insensitive).
	User string
	// App matches the app's client id, or its display name
	// (case-insensitive).
	App    string
	Status SignInStatus
	// ErrorCode selects one AADSTS number (0: any; use Status Succeeded
	// for successes).
	ErrorCode int
	// Since and Until select rows whose first sign-in is at or after Since
	// and before Until (a grouped row's repeats follow its first within
	// one batch of the writer, about a second).
	Since, Until time.Time
	// Before selects rows with a Seq below it: the next page after a page
	// whose oldest row had that Seq.
	Before int64
	// Limit caps the rows (a grouped row is one); callers always set one
	// (0: no cap).
	Limit int
}

// SignInLog keeps the sign-in log. Appends are meant for one writer per
// process, in batches.
type SignInLog interface {
	// AppendSignIns stores the rows in one transaction, assigning Seq.
	AppendSignIns(ctx context.Context, ss []SignIn) error
	// ListSignIns returns the rows q selects, newest first (Seq
	// descending), at most q.Limit.
	ListSignIns(ctx context.Context, q SignInQuery) ([]SignIn, error)
	// PruneSignIns deletes at most limit rows (limit > 0) that are older
	// than before (zero: no age limit) or not among the newest keep rows
	// (0: no count limit; a grouped row is one), oldest first, and returns
	// how many it deleted, as PruneDecisions does.
	PruneSignIns(ctx context.Context, before time.Time, keep, limit int) (int, error)
}

// Where is the SQL condition of q's filters, with ? placeholders in the
// order of args, shared by the backends: ts encodes a time as the backend
// stores it. "" when q filters nothing.
func (q SignInQuery) Where(ts func(time.Time) any) (string, []any) {
	var where []string
	var args []any
	add := func(cond string, a ...any) {
		where = append(where, cond)
		args = append(args, a...)
	}
	if q.TenantID != "" {
		add("tenant_id = ?", q.TenantID)
	}
	if q.ID != "" {
		// A grouped row holds its further sign-ins' ids in repeats
		// (SignIn.Repeats); the stores keep only the rows ForID accepts.
		add(`(id = ? OR request_id = ? OR (request_count > 1 AND repeats LIKE ? ESCAPE '\'))`, q.ID, q.ID, RepeatsLike(q.ID))
	}
	if q.User != "" {
		add("(user_id = ? OR lower(user_upn) = ?)", q.User, strings.ToLower(q.User))
	}
	if q.App != "" {
		add("(app_id = ? OR lower(app_name) = ?)", q.App, strings.ToLower(q.App))
	}
	switch q.Status {
	case Succeeded:
		add("error_code = 0")
	case Failed:
		add("error_code <> 0")
	}
	if q.ErrorCode != 0 {
		add("error_code = ?", q.ErrorCode)
	}
	if !q.Since.IsZero() {
		add("at >= ?", ts(q.Since))
	}
	if !q.Until.IsZero() {
		add("at < ?", ts(q.Until))
	}
	if q.Before > 0 {
		add("seq < ?", q.Before)
	}
	return strings.Join(where, " AND "), args
}
