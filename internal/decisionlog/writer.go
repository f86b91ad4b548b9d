package decisionlog

import (
	"context"
	"encoding/json"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"graphgate/internal/graph"
	"graphgate/internal/store"
)

// Defaults of Config's zero fields.
const (
	DefaultQueueSize     = 8192
	DefaultBatchSize     = 256
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
	// BatchSize is how many rows one append writes at most.
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
// New, Start it, and Close it after the HTTP server.
type Writer struct {
	st    store.DecisionLog
	cfg   Config
	clock Clock
	log   *slog.Logger
	queue chan entry

	closed  atomic.Bool
	started atomic.Bool
	stop    chan struct{}
	flushes chan chan struct{}
	done    chan struct{}
	once    sync.Once

	dropped, written, failed, pruned counter
}

// counter is a Prometheus counter whose value the writer also reads.
type counter struct {
	prometheus.Counter
	n *atomic.Int64
}

func (c counter) add(n int) {
	c.n.Add(int64(n))
	c.Counter.Add(float64(n))
}

// New builds a writer over st.
func New(st store.DecisionLog, cfg Config, o Options) *Writer {
	cfg = cfg.withDefaults()
	w := &Writer{st: st, cfg: cfg, clock: o.Clock, log: o.Logger, queue: make(chan entry, cfg.QueueSize),
		stop: make(chan struct{}), flushes: make(chan chan struct{}), done: make(chan struct{})}
	if w.clock == nil {
		w.clock = realClock{}
	}
	if w.log == nil {
		w.log = slog.Default()
	}
	newCounter := func(name, help string) counter {
		return counter{prometheus.NewCounter(prometheus.CounterOpts{Name: "graphgate_decision_log_" + name, Help: help}), new(atomic.Int64)}
	}
	w.dropped = newCounter("dropped_total", "Authorization decisions not logged because the writer's queue was full.")
	w.written = newCounter("written_total", "Authorization decisions written to the decision log.")
	w.failed = newCounter("failed_total", "Authorization decisions lost because the store refused their batch.")
	w.pruned = newCounter("pruned_total", "Decision log rows deleted by retention (age and count).")
	if o.Registerer != nil {
		o.Registerer.MustRegister(w.dropped.Counter, w.written.Counter, w.failed.Counter, w.pruned.Counter)
	}
	return w
}

// RecordDecision queues e, or drops and counts it when the queue is full
// or the writer is closed. It never blocks.
func (w *Writer) RecordDecision(e graph.DecisionEvent) {
	if w.closed.Load() {
		w.dropped.add(1)
		return
	}
	select {
	case w.queue <- entry{ev: e}:
	default:
		w.dropped.add(1)
	}
}

// entry is a queued event: an authorization decision of the Graph
// pipeline, or a row made elsewhere (an injected fault).
type entry struct {
	ev  graph.DecisionEvent
	raw *store.Decision
}

// row is the entry's log row, rendered on the writer's goroutine.
func (e entry) row() store.Decision {
	if e.raw != nil {
		return *e.raw
	}
	return Row(e.ev)
}

// RecordRow queues a row that is not an authorization decision (the
// server logs injected faults with it), or drops and counts it as
// RecordDecision does. It never blocks.
func (w *Writer) RecordRow(d store.Decision) {
	if w.closed.Load() {
		w.dropped.add(1)
		return
	}
	select {
	case w.queue <- entry{raw: &d}:
	default:
		w.dropped.add(1)
	}
}

// Stats are the writer's counters, for tests and reports.
type Stats struct {
	Dropped, Written, Failed, Pruned int
}

// Stats reads the counters.
func (w *Writer) Stats() Stats {
	return Stats{Dropped: int(w.dropped.n.Load()), Written: int(w.written.n.Load()), Failed: int(w.failed.n.Load()), Pruned: int(w.pruned.n.Load())}
}

// Start starts the goroutine that drains the queue until ctx ends or
// Close is called, then writes what is left. Later calls do nothing.
func (w *Writer) Start(ctx context.Context) {
	if w.started.CompareAndSwap(false, true) {
		go w.run(ctx)
	}
}

func (w *Writer) run(ctx context.Context) {
	defer close(w.done)
	flush := w.clock.NewTicker(w.cfg.FlushInterval)
	defer flush.Stop()
	prune := w.clock.NewTicker(w.cfg.PruneInterval)
	defer prune.Stop()
	batch := make([]store.Decision, 0, w.cfg.BatchSize)
	write := func(ctx context.Context) {
		if len(batch) == 0 {
			return
		}
		if err := w.st.AppendDecisions(ctx, batch); err != nil {
			w.failed.add(len(batch))
			w.log.Warn("decision log: batch not written", "rows", len(batch), "err", err)
		} else {
			w.written.add(len(batch))
		}
		batch = batch[:0]
	}
	// take writes every event queued now, in batches.
	take := func(ctx context.Context) {
		for n := len(w.queue); n > 0; n-- {
			batch = append(batch, (<-w.queue).row())
			if len(batch) == cap(batch) {
				write(ctx)
			}
		}
		write(ctx)
	}
	for {
		select {
		case e := <-w.queue:
			batch = append(batch, e.row())
			if len(batch) == cap(batch) {
				write(ctx)
			}
		case <-flush.C():
			take(ctx)
		case reply := <-w.flushes:
			take(ctx)
			close(reply)
		case <-prune.C():
			take(ctx)
			w.Prune(ctx)
		case <-ctx.Done():
			w.drain(context.WithoutCancel(ctx), &batch, write)
			return
		case <-w.stop:
			w.drain(context.WithoutCancel(ctx), &batch, write)
			return
		}
	}
}

// drain ends the goroutine: it takes no more events and writes what is queued. The
// final writes outlive the context that ended.
func (w *Writer) drain(final context.Context, batch *[]store.Decision, write func(context.Context)) {
	w.closed.Store(true)
	for {
		select {
		case e := <-w.queue:
			*batch = append(*batch, e.row())
			if len(*batch) == cap(*batch) {
				write(final)
			}
			continue
		default:
		}
		break
	}
	write(final)
}

// Flush writes every event recorded before it was called and returns
// when they are in the store (or not: see the failed counter), or when ctx
// ends, or at once when Run is not running.
func (w *Writer) Flush(ctx context.Context) error {
	if !w.started.Load() {
		return nil
	}
	reply := make(chan struct{})
	select {
	case w.flushes <- reply:
	case <-w.done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
	select {
	case <-reply:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Close ends the goroutine and waits for its final flush, at most until ctx ends.
// Events recorded after Close are dropped and counted.
func (w *Writer) Close(ctx context.Context) error {
	w.once.Do(func() {
		w.closed.Store(true)
		close(w.stop)
	})
	if !w.started.Load() {
		return nil
	}
	select {
	case <-w.done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Prune applies retention once: deletes, PruneBatch rows at a time, the
// rows older than MaxAge and beyond the newest MaxRows. It returns how
// many rows it deleted.
func (w *Writer) Prune(ctx context.Context) int {
	var before time.Time
	if w.cfg.MaxAge > 0 {
		before = w.clock.Now().Add(-w.cfg.MaxAge)
	}
	keep := max(w.cfg.MaxRows, 0)
	total := 0
	for ctx.Err() == nil {
		n, err := w.st.PruneDecisions(ctx, before, keep, w.cfg.PruneBatch)
		if err != nil {
			w.log.Warn("decision log: retention", "err", err)
			break
		}
		total += n
		w.pruned.add(n)
		if n < w.cfg.PruneBatch {
			break
		}
	}
	return total
}

// Row turns an event into the log's row: the explanation is rendered
// here, off the request path. NUL characters (which no store keeps) are
// replaced, so one odd path cannot lose a batch.
func Row(e graph.DecisionEvent) store.Decision {
	d := &e.Decision
	detail, err := json.Marshal(d.Detail(e.Path))
	if err != nil {
		detail = nil
	}
	r := store.Decision{Time: e.Time.UTC(), RequestID: e.RequestID, ClientRequestID: e.ClientRequestID, TenantID: e.TenantID,
		AppID: e.AppID, AppName: e.AppName, UserID: e.UserID, UserUPN: e.UserUPN, Scheme: d.Scheme.String(),
		Method: d.Method.String(), Path: e.Path, Allowed: d.Allow, Status: d.Status, Reason: d.Reason.String(),
		Check: d.Check.String(), Held: d.HeldNames(), Candidates: d.CandidateNames(), Detail: detail}
	if d.Match.Route != nil {
		r.Route = d.Match.Route.Template
	}
	if d.Allow && d.Granted != nil {
		r.Granted = d.Granted.Name
	}
	for _, p := range []*string{&r.RequestID, &r.ClientRequestID, &r.TenantID, &r.AppID, &r.AppName, &r.UserID, &r.UserUPN, &r.Path, &r.Route} {
		*p = noNUL(*p)
	}
	if strings.Contains(string(r.Detail), `\u0000`) {
		r.Detail = []byte(strings.ReplaceAll(string(r.Detail), `\u0000`, `\ufffd`))
	}
	return r
}

func noNUL(s string) string {
	if strings.IndexByte(s, 0) < 0 {
		return s
	}
	return strings.ReplaceAll(s, "\x00", "\ufffd")
}
