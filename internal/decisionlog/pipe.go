package decisionlog

import (
	"context"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// pipe is what the decision log's Writer and the sign-in log's
// SignInWriter share: a bounded queue of events E that drops and counts
// when full, one goroutine that turns them into rows R and appends them in
// batches, and retention by age and count. The two differ only in their
// event, their row and their store methods (pipeSpec).
//
// The goroutine is not woken for every event: it waits for the flush and
// retention ticks, Flush and Close, and a kick that enqueue sends once the
// queue holds enough events to fill the batch (want). Under load one wake-up
// takes a batch's worth of events, where a receive per event woke the
// goroutine — a scheduler round trip on the cores the requests need — for
// every request (bench/README.md, "GET /me: the request's own work"). Rows
// are appended when they were before: a full batch at once, the rest at the
// next flush tick.
type pipe[E, R any] struct {
	spec  pipeSpec[E, R]
	cfg   Config
	clock Clock
	log   *slog.Logger
	queue chan E
	// kick (one slot) wakes the goroutine when the queue holds want events
	// or more; want is what the batch has room for, at most half the queue
	// (so that a queue smaller than a batch is drained before it fills,
	// as it was when every event was received at once). The goroutine sets
	// want before it looks at the queue again, so an event enqueued
	// meanwhile is either seen there or compared with the new want.
	kick chan struct{}
	want atomic.Int64

	closed  atomic.Bool
	started atomic.Bool
	stop    chan struct{}
	flushes chan chan struct{}
	done    chan struct{}
	once    sync.Once

	dropped, written, failed, pruned counter
}

// pipeSpec names a log and says how its events become stored rows.
type pipeSpec[E, R any] struct {
	// name is the log's name in log messages; metric the prefix of its
	// metrics; what and rows the words of their help ("Authorization
	// decisions", "Decision log rows").
	name, metric, what, rows string
	// row renders an event, on the pipe's goroutine.
	row func(E) R
	// merge, when set, turns a batch of rows (one per event) into the rows
	// to append, appending them to out (the decision log aggregates
	// repeated allowed decisions); the counters still count events.
	merge func(batch, out []R) []R
	// append and prune are the store's methods for the log.
	append func(ctx context.Context, rs []R) error
	prune  func(ctx context.Context, before time.Time, keep, limit int) (int, error)
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

func newPipe[E, R any](spec pipeSpec[E, R], cfg Config, o Options) *pipe[E, R] {
	cfg = cfg.withDefaults()
	w := &pipe[E, R]{spec: spec, cfg: cfg, clock: o.Clock, log: o.Logger, queue: make(chan E, cfg.QueueSize),
		kick: make(chan struct{}, 1), stop: make(chan struct{}), flushes: make(chan chan struct{}), done: make(chan struct{})}
	w.want.Store(int64(w.room(0)))
	if w.clock == nil {
		w.clock = realClock{}
	}
	if w.log == nil {
		w.log = slog.Default()
	}
	newCounter := func(name, help string) counter {
		return counter{prometheus.NewCounter(prometheus.CounterOpts{Name: spec.metric + name, Help: help}), new(atomic.Int64)}
	}
	w.dropped = newCounter("dropped_total", spec.what+" not logged because the writer's queue was full.")
	w.written = newCounter("written_total", spec.what+" written to the "+spec.name+".")
	w.failed = newCounter("failed_total", spec.what+" lost because the store refused their batch.")
	w.pruned = newCounter("pruned_total", spec.rows+" deleted by retention (age and count).")
	if o.Registerer != nil {
		o.Registerer.MustRegister(w.dropped.Counter, w.written.Counter, w.failed.Counter, w.pruned.Counter)
	}
	return w
}

// enqueue queues e, or drops and counts it when the queue is full or the
// pipe is closed. It never blocks.
func (w *pipe[E, R]) enqueue(e E) {
	if w.closed.Load() {
		w.dropped.add(1)
		return
	}
	select {
	case w.queue <- e:
	default:
		w.dropped.add(1)
		return
	}
	if int64(len(w.queue)) >= w.want.Load() {
		select {
		case w.kick <- struct{}{}:
		default: // a kick is pending already
		}
	}
}

// room is how many queued events wake the goroutine when its batch holds
// n rows: what fills the batch, at most half the queue, at least one.
func (w *pipe[E, R]) room(n int) int {
	return max(min(w.cfg.BatchSize-n, w.cfg.QueueSize/2), 1)
}

// Stats are the writer's counters, for tests and reports.
type Stats struct {
	Dropped, Written, Failed, Pruned int
}

// Stats reads the counters.
func (w *pipe[E, R]) Stats() Stats {
	return Stats{Dropped: int(w.dropped.n.Load()), Written: int(w.written.n.Load()), Failed: int(w.failed.n.Load()), Pruned: int(w.pruned.n.Load())}
}

// Start starts the goroutine that drains the queue until ctx ends or
// Close is called, then writes what is left. Later calls do nothing.
func (w *pipe[E, R]) Start(ctx context.Context) {
	if w.started.CompareAndSwap(false, true) {
		go w.run(ctx)
	}
}

func (w *pipe[E, R]) run(ctx context.Context) {
	defer close(w.done)
	flush := w.clock.NewTicker(w.cfg.FlushInterval)
	defer flush.Stop()
	prune := w.clock.NewTicker(w.cfg.PruneInterval)
	defer prune.Stop()
	batch := make([]R, 0, w.cfg.BatchSize)
	var merged []R
	write := func(ctx context.Context) {
		if len(batch) == 0 {
			return
		}
		rows := batch
		if w.spec.merge != nil {
			merged = w.spec.merge(batch, merged[:0])
			rows = merged
		}
		if err := w.spec.append(ctx, rows); err != nil {
			w.failed.add(len(batch))
			w.log.Warn(w.spec.name+": batch not written", "events", len(batch), "rows", len(rows), "err", err)
		} else {
			w.written.add(len(batch))
		}
		clear(batch)
		batch = batch[:0]
		clear(merged)
	}
	// fill moves the events queued now into the batch, appending each
	// batch that fills; what is left waits in the batch.
	fill := func(ctx context.Context) {
		for n := len(w.queue); n > 0; n-- {
			batch = append(batch, w.spec.row(<-w.queue))
			if len(batch) == cap(batch) {
				write(ctx)
			}
		}
	}
	// take writes every event queued now, in batches.
	take := func(ctx context.Context) {
		fill(ctx)
		write(ctx)
		w.want.Store(int64(w.room(0)))
	}
	for {
		select {
		case <-w.kick:
			// Events enqueued while the batch is filled are taken in the
			// next round, or kick again.
			for {
				fill(ctx)
				want := w.room(len(batch))
				w.want.Store(int64(want))
				if len(w.queue) < want {
					break
				}
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
func (w *pipe[E, R]) drain(final context.Context, batch *[]R, write func(context.Context)) {
	w.closed.Store(true)
	for {
		select {
		case e := <-w.queue:
			*batch = append(*batch, w.spec.row(e))
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
func (w *pipe[E, R]) Flush(ctx context.Context) error {
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
func (w *pipe[E, R]) Close(ctx context.Context) error {
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
func (w *pipe[E, R]) Prune(ctx context.Context) int {
	var before time.Time
	if w.cfg.MaxAge > 0 {
		before = w.clock.Now().Add(-w.cfg.MaxAge)
	}
	keep := max(w.cfg.MaxRows, 0)
	total := 0
	for ctx.Err() == nil {
		n, err := w.spec.prune(ctx, before, keep, w.cfg.PruneBatch)
		if err != nil {
			w.log.Warn(w.spec.name+": retention", "err", err)
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
