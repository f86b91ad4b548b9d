package decisionlog

import "graphgate/internal/store"

// SignInWriter records the identity platform's sign-ins in the store's
// sign-in log (store.SignInLog), off the token path, with the decision
// log's machinery (pipe.go): a bounded queue that drops and counts when
// full (graphgate_signin_log_dropped_total), one goroutine writing
// batches, retention by age and count. It is a second pipe rather than a
// second kind of row in the decision log's, so that each log has its own
// bounds, counters and table — a burst of Graph calls never drops a
// sign-in, nor the reverse. Build it with NewSignIns, Start it, and Close
// it after the HTTP server.
type SignInWriter struct {
	*pipe[store.SignIn, store.SignIn]
}

// NewSignIns builds a sign-in writer over st.
func NewSignIns(st store.SignInLog, cfg Config, o Options) *SignInWriter {
	return &SignInWriter{newPipe(pipeSpec[store.SignIn, store.SignIn]{
		name: "sign-in log", metric: "graphgate_signin_log_", what: "Sign-ins", rows: "Sign-in log rows",
		row: signInRow, append: st.AppendSignIns, prune: st.PruneSignIns,
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
