// Package decisionlog records the Graph server's authorization decisions
// in the store's decision log (store.DecisionLog), and the identity
// platform's sign-ins in the sign-in log (store.SignInLog), off the
// request path, and keeps both logs bounded.
//
// The two writers share one mechanism (pipe.go): Writer (decisions) and
// SignInWriter (sign-ins, signins.go) are each a pipe of their own event
// and row, with their own queue, counters (graphgate_decision_log_*,
// graphgate_signin_log_*), bounds and goroutine, so that a burst of one
// kind never drops the other. What follows is said of the decision log
// and holds for both.
//
// A Writer is the Graph server's DecisionRecorder. RecordDecision puts the
// event on a bounded in-memory queue and returns: when the queue is full
// the event is dropped and counted (the graphgate_decision_log_dropped_total
// counter), never waited for. One goroutine (Start) drains the queue, woken
// when the queue holds enough events to fill a batch, at the flush tick, or
// by Flush and Close — not once per event, which cost every request a
// scheduler round trip under load. It turns
// events into store rows — the explanation (authz.Decision.Detail) is
// rendered here, not on the request, and stored without what the row's
// columns already hold (report.LogDetail; readers complete it with
// report.RecordedDetail). A decision is rendered once: one that renders
// alike (authz.Decision.RendersAlike, an exact comparison) to one the
// writer rendered for the same path reuses that rendering from a bounded
// memo (memo.go), so a repeated call costs no rendering. It appends the
// rows in batches, when a
// batch is full or at each flush tick. Before a batch of decisions is
// appended, allowed decisions that repeat in it (identical but for their
// time and request ids) become one row carrying each request's time and
// ids (Aggregate, store.Decision.Repeats), as Entra ID aggregates
// non-interactive sign-ins; denials and injected faults are never
// aggregated, and the counters count decisions, not rows. The sign-in
// writer groups a batch's service principal sign-ins that agree on all
// but their time and ids (GroupSignIns, store.SignIn.Repeats), as Entra ID
// groups service principal sign-ins; users' sign-ins keep a row each. At each retention tick it deletes
// rows older than MaxAge and beyond the newest MaxRows, a bounded number per
// statement (PruneBatch), so that no delete holds the database for long.
// When Start's context ends it stops taking events, writes what the queue
// holds and returns; Close waits for that.
//
// # Durability
//
// The two logs are diagnostic records, not tenant data (a product
// decision): a row the writer appended survives a crash of graphgate
// (SIGKILL included), and the last moments of rows may be lost on a crash
// of the operating system or a power loss. The stores keep that promise
// cheaply: SQLite appends on a connection of its own with
// synchronous=NORMAL, PostgreSQL with synchronous_commit off for the
// append's transaction (see the store packages' doc.go); tenant data keeps
// the full guarantee. Rows still queued in memory are lost when the process
// is killed, as they always were: Close flushes them on an orderly
// shutdown.
//
// # Concurrency and lifecycle
//
// RecordDecision is safe for concurrent use and never blocks. Start
// starts the goroutine once; Close (after the HTTP server has shut down)
// ends it and waits for the final flush; Flush writes what is queued now. Time comes from an injectable Clock, so tests drive the
// flush and retention ticks themselves.
//
// # What it must not do
//
// It must not block or slow a request (no I/O, no allocation beyond the
// queue slot on the request path), must not decide anything about
// permissions (authz decides; this package only records), and must not
// import the server or the CLI. It reads nothing from the log: readers
// (graphgate log, explain --request-id, the least-privilege report) use
// the store.
package decisionlog
