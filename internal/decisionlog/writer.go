package decisionlog

import (
	"bytes"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"graphgate/internal/graph"
	"graphgate/internal/report"
	"graphgate/internal/store"
)

// Defaults of Config's zero fields.
const (
	DefaultQueueSize     = 8192
	DefaultBatchSize     = 1024
	DefaultFlushInterval = time.Second
	DefaultMaxAge        = 7 * 24 * time.Hour
	DefaultMaxRows       = 100_000
	DefaultPruneInterval = time.Minute
	DefaultPruneBatch    = 1000
)

// Config bounds the writer's memory and the log's size.
type Config struct {
	// QueueSize is how many events wait in memory at most; beyond, events
	// are dropped and counted.
	QueueSize int
	// BatchSize is how many rows one append writes at most (and, with
	// aggregation, how many repeated decisions one row can stand for). Each
	// append is a transaction and a commit: under load, batches of 1,024
	// cost SQLite about half the CPU per decision of batches of 256
	// (bench/README.md, "GET /me: the request's own work").
	BatchSize int
	// FlushInterval is how long an event waits at most before it is
	// written, when the batch does not fill first.
	FlushInterval time.Duration
	// MaxAge and MaxRows bound the log: older rows, and rows beyond the
	// newest MaxRows, are deleted at each PruneInterval. A negative value
	// turns that bound off.
	MaxAge  time.Duration
	MaxRows int
	// PruneInterval is how often retention runs; PruneBatch how many rows
	// one delete removes at most.
	PruneInterval time.Duration
	PruneBatch    int
}

func (c Config) withDefaults() Config {
	def := func(v *int, d int) {
		if *v == 0 {
			*v = d
		}
	}
	def(&c.QueueSize, DefaultQueueSize)
	def(&c.BatchSize, DefaultBatchSize)
	def(&c.MaxRows, DefaultMaxRows)
	def(&c.PruneBatch, DefaultPruneBatch)
	if c.FlushInterval <= 0 {
		c.FlushInterval = DefaultFlushInterval
	}
	if c.PruneInterval <= 0 {
		c.PruneInterval = DefaultPruneInterval
	}
	if c.MaxAge == 0 {
		c.MaxAge = DefaultMaxAge
	}
	return c
}

// Clock is the writer's time: now, and tickers for the flush and
// retention intervals. Tests inject one they advance themselves.
type Clock interface {
	Now() time.Time
	NewTicker(d time.Duration) Ticker
}

// Ticker is a time.Ticker.
type Ticker interface {
	C() <-chan time.Time
	Stop()
}

type realClock struct{}

func (realClock) Now() time.Time                   { return time.Now() }
func (realClock) NewTicker(d time.Duration) Ticker { return realTicker{time.NewTicker(d)} }

type realTicker struct{ t *time.Ticker }

func (t realTicker) C() <-chan time.Time { return t.t.C }
func (t realTicker) Stop()               { t.t.Stop() }

// Options are the Writer's collaborators; zero values are defaults.
type Options struct {
	Clock  Clock
	Logger *slog.Logger
	// Registerer gets the writer's metrics (none registered when nil).
	Registerer prometheus.Registerer
}

// Writer records decisions in the store's decision log. Build it with
// New, Start it, and Close it after the HTTP server. Its Start, Flush,
// Close, Prune and Stats are the shared pipe's (pipe.go).
type Writer struct {
	*pipe[entry, store.Decision]
}

// New builds a writer over st.
func New(st store.DecisionLog, cfg Config, o Options) *Writer {
	m := newMemo()
	return &Writer{newPipe(pipeSpec[entry, store.Decision]{
		name: "decision log", metric: "graphgate_decision_log_", what: "Authorization decisions", rows: "Decision log rows",
		row: m.row, merge: Aggregate, append: st.AppendDecisions, prune: st.PruneDecisions,
	}, cfg, o)}
}

// RecordDecision queues e, or drops and counts it when the queue is full
// or the writer is closed. It never blocks.
func (w *Writer) RecordDecision(e graph.DecisionEvent) { w.enqueue(entry{ev: e}) }

// entry is a queued event: an authorization decision of the Graph
// pipeline, or a row made elsewhere (an injected fault).
type entry struct {
	ev  graph.DecisionEvent
	raw *store.Decision
}

// RecordRow queues a row that is not an authorization decision (the
// server logs injected faults with it), or drops and counts it as
// RecordDecision does. It never blocks.
func (w *Writer) RecordRow(d store.Decision) { w.enqueue(entry{raw: &d}) }

// Row turns an event into the log's row: the explanation is rendered
// here, off the request path, and stored without what the row's columns
// hold (report.LogDetail; readers complete it with report.RecordedDetail).
// NUL characters (which no store keeps) are replaced, so one odd path
// cannot lose a batch.
func Row(e graph.DecisionEvent) store.Decision { return row(e, render(&e)) }

// rendering is what Row renders of an event's decision and path: the
// explanation, and the names of the permissions held and candidate.
type rendering struct {
	detail           []byte
	held, candidates []string
}

func render(e *graph.DecisionEvent) rendering {
	d := &e.Decision
	detail, err := report.LogDetail(d.Detail(e.Path))
	if err != nil {
		detail = nil
	}
	if strings.Contains(string(detail), `\u0000`) {
		detail = []byte(strings.ReplaceAll(string(detail), `\u0000`, `\ufffd`))
	}
	return rendering{detail: detail, held: d.HeldNames(), candidates: d.CandidateNames()}
}

// row is e's log row with its decision rendered as re.
func row(e graph.DecisionEvent, re rendering) store.Decision {
	d := &e.Decision
	r := store.Decision{Time: e.Time.UTC(), RequestID: e.RequestID, ClientRequestID: e.ClientRequestID, TenantID: e.TenantID,
		AppID: e.AppID, AppName: e.AppName, UserID: e.UserID, UserUPN: e.UserUPN, Scheme: d.Scheme.String(),
		Method: d.Method.String(), Path: e.Path, Allowed: d.Allow, Status: d.Status, Reason: d.Reason.String(),
		Check: d.Check.String(), Held: re.held, Candidates: re.candidates, Detail: re.detail}
	if d.Match.Route != nil {
		r.Route = d.Match.Route.Template
	}
	if d.Allow && d.Granted != nil {
		r.Granted = d.Granted.Name
	}
	for _, p := range []*string{&r.RequestID, &r.ClientRequestID, &r.TenantID, &r.AppID, &r.AppName, &r.UserID, &r.UserUPN, &r.Path, &r.Route} {
		*p = noNUL(*p)
	}
	return r
}

func noNUL(s string) string {
	if strings.IndexByte(s, 0) < 0 {
		return s
	}
	return strings.ReplaceAll(s, "\x00", "\ufffd")
}

// Aggregate appends to out the rows of one batch with the allowed
// decisions that repeat folded into the first one's row: a row whose every
// field but the time and the request ids (tenant, app, user, scheme,
// method, route, path, outcome, status, reason, check, permissions held,
// granted and candidate, the rendered explanation) equals an earlier
// row's of the batch becomes one of its Repeats, as Entra ID's
// non-interactive sign-in log aggregates sign-ins with the same
// characteristics into one row with a count. Denials and rows that are no
// decision (injected faults, RecordRow) are never aggregated: each keeps
// its row. Rows keep the batch's order of their first request; a batch
// holds at most Config.BatchSize events, so a row stands for at most that
// many requests.
func Aggregate(batch, out []store.Decision) []store.Decision {
	return decisionGrouping.merge(batch, out)
}

var decisionGrouping = grouping[store.Decision]{
	alone: func(d *store.Decision) bool {
		return !d.Allowed || d.Reason == report.FaultReason || len(d.Repeats) > 0
	},
	same: sameRow,
	key:  aggregateKey,
	fold: func(o, d *store.Decision) {
		o.Repeats = append(o.Repeats, store.Repeat{Time: d.Time, RequestID: d.RequestID, ClientRequestID: d.ClientRequestID})
	},
}

// sameRow reports whether a and b agree on every field aggregateKey joins.
// The writer's rows of one call share their strings and rendering (memo),
// so the comparisons mostly find the same pointers.
func sameRow(a, b *store.Decision) bool {
	return a.TenantID == b.TenantID && a.AppID == b.AppID && a.AppName == b.AppName && a.UserID == b.UserID &&
		a.UserUPN == b.UserUPN && a.Scheme == b.Scheme && a.Method == b.Method && a.Route == b.Route && a.Path == b.Path &&
		a.Reason == b.Reason && a.Check == b.Check && a.Granted == b.Granted && a.Allowed == b.Allowed &&
		a.Status == b.Status && slices.Equal(a.Held, b.Held) && slices.Equal(a.Candidates, b.Candidates) &&
		bytes.Equal(a.Detail, b.Detail)
}

// aggregateKey appends what two aggregated rows share: every field but
// Seq, Time, RequestID, ClientRequestID and Repeats. Fields are separated
// by NUL, which no row's text holds (Row replaces it), lists by \x01.
func aggregateKey(b []byte, d *store.Decision) []byte {
	for _, s := range [...]string{d.TenantID, d.AppID, d.AppName, d.UserID, d.UserUPN, d.Scheme, d.Method, d.Route, d.Path,
		d.Reason, d.Check, d.Granted} {
		b = append(b, s...)
		b = append(b, 0)
	}
	b = strconv.AppendBool(b, d.Allowed)
	b = append(b, 0)
	b = strconv.AppendInt(b, int64(d.Status), 10)
	b = append(b, 0)
	for _, l := range [...][]string{d.Held, d.Candidates} {
		for _, s := range l {
			b = append(b, s...)
			b = append(b, 1)
		}
		b = append(b, 0)
	}
	return append(b, d.Detail...)
}
