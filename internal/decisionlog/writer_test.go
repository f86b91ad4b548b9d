package decisionlog_test

import (
	"context"
	"fmt"
	"runtime"
	"sync"
	"testing"
	"time"

	"graphgate/internal/authz"
	"graphgate/internal/catalog"
	"graphgate/internal/decisionlog"
	"graphgate/internal/graph"
	"graphgate/internal/report"
	"graphgate/internal/store"
	"graphgate/internal/store/sqlite"
)

// fakeClock is a Clock whose tickers fire when the test says.
type fakeClock struct {
	mu      sync.Mutex
	now     time.Time
	tickers map[time.Duration]*fakeTicker
}

type fakeTicker struct{ c chan time.Time }

func (t *fakeTicker) C() <-chan time.Time { return t.c }
func (t *fakeTicker) Stop()               {}

func newClock() *fakeClock {
	// The tickers exist before the writer asks for them, so a tick sent
	// before it started waits for it.
	return &fakeClock{now: time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC), tickers: map[time.Duration]*fakeTicker{
		flushEvery: {c: make(chan time.Time)}, pruneEvery: {c: make(chan time.Time)}}}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) NewTicker(d time.Duration) decisionlog.Ticker {
	c.mu.Lock()
	defer c.mu.Unlock()
	if t := c.tickers[d]; t != nil {
		return t
	}
	return &fakeTicker{c: make(chan time.Time)} // never fires
}

func (c *fakeClock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// tick fires the ticker of interval d and returns when the writer took
// the tick: it is then done with whatever the tick before asked.
func (c *fakeClock) tick(t *testing.T, d time.Duration) {
	t.Helper()
	c.tickers[d].c <- c.Now()
}

// recorder is a DecisionLog that hands every batch to the test.
type recorder struct {
	batches chan []store.Decision
	store.DecisionLog
}

func (r *recorder) AppendDecisions(_ context.Context, ds []store.Decision) error {
	r.batches <- append([]store.Decision(nil), ds...)
	return nil
}

func (r *recorder) PruneDecisions(context.Context, time.Time, int, int) (int, error) { return 0, nil }

// event is a decision of the real engine: an app holding Mail.ReadWrite
// listing /users (denied, even i) or reading /me/messages (allowed, odd
// i; a page of its own, $skip=i, so that no two are aggregated).
func event(i int, clock *fakeClock) graph.DecisionEvent {
	p := &authz.Principal{Kind: authz.Delegated}
	cat := catalog.Default()
	for _, n := range []string{"Mail.ReadWrite", "User.Read"} {
		perm, _ := cat.Lookup(n)
		p.Granted.Add(perm)
	}
	path := "/me/messages"
	if i%2 == 0 {
		path = "/users"
	}
	requested := path
	if i%2 == 1 {
		requested = fmt.Sprintf("%s?$skip=%d", path, i)
	}
	return graph.DecisionEvent{Time: clock.Now(), RequestID: fmt.Sprintf("req-%d", i), ClientRequestID: fmt.Sprintf("client-%d", i),
		TenantID: "tenant", AppID: "app", AppName: "Contoso Web App", UserID: "user", UserUPN: "adele@contoso.example", Path: requested,
		Decision: authz.Default().Decide(p, "GET", path, authz.Target{})}
}

const (
	flushEvery = 5 * time.Second
	pruneEvery = time.Minute
)

func TestQueueFullDropsAndCounts(t *testing.T) {
	clock := newClock()
	rec := &recorder{batches: make(chan []store.Decision, 100)}
	w := decisionlog.New(rec, decisionlog.Config{QueueSize: 4, BatchSize: 100, FlushInterval: flushEvery, PruneInterval: pruneEvery},
		decisionlog.Options{Clock: clock})
	// Nothing drains the queue yet: the fifth and later events are
	// dropped, and recording never waits.
	for i := range 7 {
		w.RecordDecision(event(i, clock))
	}
	if got := w.Stats(); got.Dropped != 3 || got.Written != 0 {
		t.Fatalf("after 7 events on a queue of 4: %+v, want 3 dropped, none written", got)
	}
	w.Start(t.Context())
	clock.tick(t, flushEvery)
	b := <-rec.batches
	if len(b) != 4 || b[0].RequestID != "req-0" || b[3].RequestID != "req-3" {
		t.Fatalf("flushed batch: %d rows (%v…), want the 4 queued, oldest first", len(b), b[0].RequestID)
	}
	if err := w.Close(t.Context()); err != nil {
		t.Fatal(err)
	}
	w.RecordDecision(event(8, clock))
	if got := w.Stats(); got.Dropped != 4 || got.Written != 4 {
		t.Errorf("after Close and one more event: %+v, want 4 dropped, 4 written", got)
	}
}

func TestBatchFlush(t *testing.T) {
	clock := newClock()
	rec := &recorder{batches: make(chan []store.Decision, 100)}
	w := decisionlog.New(rec, decisionlog.Config{QueueSize: 100, BatchSize: 3, FlushInterval: flushEvery, PruneInterval: pruneEvery},
		decisionlog.Options{Clock: clock})
	w.Start(t.Context())
	defer w.Close(context.Background())
	for i := range 7 {
		w.RecordDecision(event(i, clock))
	}
	// Full batches go without a tick; the rest waits for one.
	for _, want := range []int{3, 3} {
		if b := <-rec.batches; len(b) != want {
			t.Fatalf("batch of %d rows, want %d", len(b), want)
		}
	}
	select {
	case b := <-rec.batches:
		t.Fatalf("a batch of %d rows written before the flush tick", len(b))
	default:
	}
	clock.tick(t, flushEvery)
	b := <-rec.batches
	if len(b) != 1 || b[0].RequestID != "req-6" {
		t.Fatalf("flushed on the tick: %d rows, want req-6 alone", len(b))
	}
	// The row is the decision, complete.
	r := b[0]
	if r.Allowed || r.Reason != "missing_permission" || r.Check != "permission" || r.Route != "/users" || r.Scheme != "DelegatedWork" ||
		r.Status != 403 || r.UserUPN != "adele@contoso.example" || r.AppName != "Contoso Web App" {
		t.Errorf("row: %+v", r)
	}
	if len(r.Candidates) == 0 || r.Candidates[0] != "User.ReadBasic.All" {
		t.Errorf("candidates %v, want User.ReadBasic.All first", r.Candidates)
	}
	if fmt.Sprint(r.Held) != "[User.Read Mail.ReadWrite]" && fmt.Sprint(r.Held) != "[Mail.ReadWrite User.Read]" {
		t.Errorf("held %v, want Mail.ReadWrite and User.Read", r.Held)
	}
	d, err := report.RecordedDetail(r)
	if err != nil {
		t.Fatal(err)
	}
	if d.Reason != "missing_permission" || d.Account != "work or school account" || d.Target.Relation == "" || d.Explanation == "" ||
		len(d.Candidates) != len(r.Candidates) {
		t.Errorf("detail: %+v", d)
	}
}

// The goroutine takes events when the queue holds what fills its batch
// (at most half the queue): a batch that a wake-up left partial is written
// as soon as the events that fill it arrive, without a tick, however the
// events and the wake-ups interleave.
func TestBatchFillsAcrossWakeups(t *testing.T) {
	clock := newClock()
	rec := &recorder{batches: make(chan []store.Decision, 100)}
	// Half the queue (2) is less than a batch (3): a wake-up can leave a
	// batch of 2 waiting for its third row.
	w := decisionlog.New(rec, decisionlog.Config{QueueSize: 4, BatchSize: 3, FlushInterval: flushEvery, PruneInterval: pruneEvery},
		decisionlog.Options{Clock: clock})
	w.Start(t.Context())
	defer w.Close(context.Background())
	for round := range 50 {
		for i := range 3 {
			w.RecordDecision(event(round*3+i, clock))
			if round%2 == 0 {
				runtime.Gosched()
			}
		}
		b := <-rec.batches
		if len(b) != 3 || b[0].RequestID != fmt.Sprintf("req-%d", round*3) {
			t.Fatalf("round %d: a batch of %d rows from %s, want 3 from req-%d", round, len(b), b[0].RequestID, round*3)
		}
	}
	// The store has the last batch before the writer counts it: read the
	// counts once the writer's goroutine has ended.
	if err := w.Close(t.Context()); err != nil {
		t.Fatal(err)
	}
	if s := w.Stats(); s.Dropped != 0 || s.Written != 150 {
		t.Errorf("stats %+v, want 150 written, none dropped", s)
	}
}

func TestShutdownFlush(t *testing.T) {
	clock := newClock()
	rec := &recorder{batches: make(chan []store.Decision, 100)}
	w := decisionlog.New(rec, decisionlog.Config{QueueSize: 100, BatchSize: 100, FlushInterval: flushEvery, PruneInterval: pruneEvery},
		decisionlog.Options{Clock: clock})
	w.Start(t.Context())
	for i := range 5 {
		w.RecordDecision(event(i, clock))
	}
	if err := w.Close(t.Context()); err != nil {
		t.Fatal(err)
	}
	n := 0
	for len(rec.batches) > 0 {
		n += len(<-rec.batches)
	}
	if n != 5 || w.Stats().Written != 5 {
		t.Errorf("after Close: %d rows written (stats %+v), want 5", n, w.Stats())
	}
}

func openStore(t testing.TB) store.Store {
	t.Helper()
	s, err := sqlite.Open(t.Context(), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestRetention(t *testing.T) {
	clock := newClock()
	st := openStore(t)
	w := decisionlog.New(st, decisionlog.Config{QueueSize: 100, BatchSize: 10, FlushInterval: flushEvery, PruneInterval: pruneEvery,
		MaxAge: time.Hour, MaxRows: 20, PruneBatch: 7}, decisionlog.Options{Clock: clock})
	w.Start(t.Context())
	defer w.Close(context.Background())
	rows := func() []store.Decision {
		ds, err := st.ListDecisions(t.Context(), store.DecisionQuery{})
		if err != nil {
			t.Fatal(err)
		}
		return ds
	}
	// 30 decisions, one a minute: the count bound keeps the newest 20,
	// deleted 7 at a time.
	for i := range 30 {
		w.RecordDecision(event(i, clock))
		clock.advance(time.Minute)
	}
	clock.tick(t, pruneEvery) // writes the queue, then prunes
	clock.tick(t, flushEvery) // the prune has finished when this is taken
	got := rows()
	if len(got) != 20 || got[0].RequestID != "req-10" {
		t.Fatalf("after retention by count: %d rows from %s, want 20 from req-10", len(got), got[0].RequestID)
	}
	if s := w.Stats(); s.Pruned != 10 || s.Written != 30 {
		t.Errorf("stats %+v, want 30 written, 10 pruned", s)
	}
	// Age: 45 minutes later, rows older than an hour (req-10…req-14) go.
	clock.advance(45 * time.Minute)
	clock.tick(t, pruneEvery)
	clock.tick(t, flushEvery)
	got = rows()
	if len(got) != 15 || got[0].RequestID != "req-15" {
		t.Fatalf("after retention by age: %d rows from %s, want 15 from req-15", len(got), got[0].RequestID)
	}
}

// TestRetentionSoak writes many decisions through the writer while
// retention runs: the log never holds more than MaxRows and what one
// prune interval adds.
func TestRetentionSoak(t *testing.T) {
	clock := newClock()
	st := openStore(t)
	const maxRows, perRound, rounds = 500, 400, 25
	w := decisionlog.New(st, decisionlog.Config{QueueSize: perRound, BatchSize: 100, FlushInterval: flushEvery,
		PruneInterval: pruneEvery, MaxAge: -1, MaxRows: maxRows, PruneBatch: 150}, decisionlog.Options{Clock: clock})
	w.Start(t.Context())
	defer w.Close(context.Background())
	peak := 0
	for round := range rounds {
		for i := range perRound {
			w.RecordDecision(event(round*perRound+i, clock))
		}
		clock.tick(t, pruneEvery)
		clock.tick(t, flushEvery)
		ds, err := st.ListDecisions(t.Context(), store.DecisionQuery{})
		if err != nil {
			t.Fatal(err)
		}
		peak = max(peak, len(ds))
		if len(ds) > maxRows {
			t.Fatalf("round %d: %d rows, above the bound %d", round, len(ds), maxRows)
		}
	}
	s := w.Stats()
	if s.Written+s.Dropped != perRound*rounds || s.Pruned != s.Written-peak {
		t.Errorf("stats %+v over %d decisions, peak %d rows", s, perRound*rounds, peak)
	}
	t.Logf("%d decisions, %d written, %d dropped, %d pruned, at most %d rows kept", perRound*rounds, s.Written, s.Dropped, s.Pruned, peak)
}

func TestFlush(t *testing.T) {
	clock := newClock()
	rec := &recorder{batches: make(chan []store.Decision, 100)}
	w := decisionlog.New(rec, decisionlog.Config{QueueSize: 100, BatchSize: 100, FlushInterval: flushEvery, PruneInterval: pruneEvery},
		decisionlog.Options{Clock: clock})
	if err := w.Flush(t.Context()); err != nil {
		t.Fatalf("Flush before Start: %v", err)
	}
	w.Start(t.Context())
	defer w.Close(context.Background())
	for i := range 3 {
		w.RecordDecision(event(i, clock))
	}
	if err := w.Flush(t.Context()); err != nil {
		t.Fatal(err)
	}
	if len(rec.batches) != 1 {
		t.Fatalf("after Flush: %d batches written, want 1", len(rec.batches))
	}
	if b := <-rec.batches; len(b) != 3 {
		t.Errorf("Flush wrote %d rows, want 3", len(b))
	}
}
