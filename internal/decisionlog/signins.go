package decisionlog

import (
	"strconv"

	"graphgate/internal/store"
)

// SignInWriter records the identity platform's sign-ins in the store's
// sign-in log (store.SignInLog), off the token path, with the decision
// log's machinery (pipe.go): a bounded queue that drops and counts when
// full (graphgate_signin_log_dropped_total), one goroutine writing
// batches, retention by age and count. It is a second pipe rather than a
// second kind of row in the decision log's, so that each log has its own
// bounds, counters and table — a burst of Graph calls never drops a
// sign-in, nor the reverse. Service principal sign-ins that repeat within
// a batch are stored as one row (GroupSignIns). Build it with NewSignIns, Start it, and Close
// it after the HTTP server.
type SignInWriter struct {
	*pipe[store.SignIn, store.SignIn]
}

// NewSignIns builds a sign-in writer over st.
func NewSignIns(st store.SignInLog, cfg Config, o Options) *SignInWriter {
	return &SignInWriter{newPipe(pipeSpec[store.SignIn, store.SignIn]{
		name: "sign-in log", metric: "graphgate_signin_log_", what: "Sign-ins", rows: "Sign-in log rows",
		row: signInRow, merge: GroupSignIns, append: st.AppendSignIns, prune: st.PruneSignIns,
	}, cfg, o)}
}

// RecordSignIn queues x, or drops and counts it when the queue is full or
// the writer is closed. It never blocks; the identity platform calls it
// with a row it has filled (its id included).
func (w *SignInWriter) RecordSignIn(x store.SignIn) { w.enqueue(x) }

// signInRow readies a row for the store: UTC time, and NUL characters
// (which no store keeps: a typed user name may hold one) replaced, so one
// odd sign-in cannot lose a batch.
func signInRow(x store.SignIn) store.SignIn {
	x.Time = x.Time.UTC()
	for _, p := range []*string{&x.ID, &x.TenantID, &x.RequestID, &x.UserID, &x.UserUPN, &x.UserName, &x.AppID, &x.AppName,
		&x.ResourceID, &x.ResourceName, &x.ClientApp, &x.GrantType, &x.IPAddress, &x.FailureReason} {
		*p = noNUL(*p)
	}
	return x
}

// GroupSignIns appends to out the rows of one batch with the service
// principal sign-ins that repeat folded into the first one's row: a
// service principal sign-in whose every field but its time, id and
// request id (tenant, app, resource, client app, grant type, IP address,
// outcome and failure reason) equals an earlier one's of the batch becomes
// one of its Repeats. Entra ID groups service principal sign-ins the same
// way — by service principal, status, IP address and resource — because a
// daemon signs in again and again; failures are grouped as Entra groups
// them (by their status), each failure still found by its id. Sign-ins of
// users, interactive or not, keep a row each. Rows keep the batch's order
// of their first sign-in; a batch holds at most Config.BatchSize
// sign-ins, so a row stands for at most that many.
func GroupSignIns(batch, out []store.SignIn) []store.SignIn { return signInGrouping.merge(batch, out) }

var signInGrouping = grouping[store.SignIn]{
	alone: func(x *store.SignIn) bool { return !x.ServicePrincipal || len(x.Repeats) > 0 },
	same:  sameSignIn,
	key:   signInKey,
	fold: func(o, x *store.SignIn) {
		o.Repeats = append(o.Repeats, store.Repeat{Time: x.Time, ID: x.ID, RequestID: x.RequestID})
	},
}

// sameSignIn reports whether a and b agree on every field signInKey joins.
func sameSignIn(a, b *store.SignIn) bool {
	return a.TenantID == b.TenantID && a.UserID == b.UserID && a.UserUPN == b.UserUPN && a.UserName == b.UserName &&
		a.AppID == b.AppID && a.AppName == b.AppName && a.ResourceID == b.ResourceID && a.ResourceName == b.ResourceName &&
		a.ClientApp == b.ClientApp && a.GrantType == b.GrantType && a.IPAddress == b.IPAddress &&
		a.Interactive == b.Interactive && a.ServicePrincipal == b.ServicePrincipal && a.ErrorCode == b.ErrorCode &&
		a.FailureReason == b.FailureReason
}

// signInKey appends what two grouped sign-ins share: every field but Seq,
// Time, ID, RequestID and Repeats, separated by NUL, which no row's text
// holds (signInRow replaces it).
func signInKey(b []byte, x *store.SignIn) []byte {
	for _, s := range [...]string{x.TenantID, x.UserID, x.UserUPN, x.UserName, x.AppID, x.AppName, x.ResourceID, x.ResourceName,
		x.ClientApp, x.GrantType, x.IPAddress, x.FailureReason} {
		b = append(b, s...)
		b = append(b, 0)
	}
	b = strconv.AppendBool(b, x.Interactive)
	b = append(b, 0)
	b = strconv.AppendBool(b, x.ServicePrincipal)
	b = append(b, 0)
	return strconv.AppendInt(b, int64(x.ErrorCode), 10)
}
