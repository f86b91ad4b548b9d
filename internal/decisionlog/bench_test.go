//go:build unix

package decisionlog_test

import (
	"context"
	"crypto/sha256"
	"fmt"
	"runtime"
	"syscall"
	"testing"
	"time"

	"graphgate/internal/authz"
	"graphgate/internal/catalog"
	"graphgate/internal/decisionlog"
	"graphgate/internal/graph"
	"graphgate/internal/pgtest"
	"graphgate/internal/store"
	"graphgate/internal/store/postgres"
)

// meEvent is the throughput harness's decision: a delegated token holding
// User.Read and a few mail scopes reading GET /me, allowed.
func meEvent(i int, now time.Time) graph.DecisionEvent {
	p := &authz.Principal{Kind: authz.Delegated}
	cat := catalog.Default()
	for _, n := range []string{"User.Read", "Mail.ReadWrite", "Mail.Send", "Calendars.ReadWrite", "offline_access"} {
		if perm, ok := cat.Lookup(n); ok {
			p.Granted.Add(perm)
		}
	}
	return graph.DecisionEvent{Time: now, RequestID: fmt.Sprintf("%08x-0000-4000-8000-%012x", i, i), ClientRequestID: fmt.Sprintf("client-%d", i),
		TenantID: "4d3c2b1a-0000-4000-8000-000000000001", AppID: "5e6f7a8b-0000-4000-8000-000000000002", AppName: "Contoso Web App",
		UserID: "6f7a8b9c-0000-4000-8000-000000000003", UserUPN: "adele@contoso.example", Path: "/me",
		Decision: authz.Default().Decide(p, "GET", "/me", authz.Target{})}
}

// cpuTime is the CPU time the process used so far (user and system): on
// a machine other work loads, the CPU a row costs varies less than the
// wall time it takes, and it leaves out the time spent waiting for the
// disk.
func cpuTime(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkAppendDecisions is the decision writer's work per decision:
// rendering the row (Row), and on each store appending a batch of
// DefaultBatchSize rendered rows in one transaction, as the writer does
// (a writer's row costs Row plus one store's row); ns/row is
// the wall time of one row, cpu-ns/row the CPU time the process spent per
// row (see cpuTime), B/row the row's rendered detail, held and
// candidates. The -aggregated runs append what the writer does since
// Aggregate: the batch's repeated allowed decisions as one row (costs
// still per decision). PostgreSQL runs when the test server is reachable.
func BenchmarkAppendDecisions(b *testing.B) {
	now := time.Now()
	const batch = decisionlog.DefaultBatchSize
	b.Run("Row", func(b *testing.B) {
		ev := meEvent(1, now)
		b.ReportAllocs()
		var size int
		cpu0 := cpuTime(b)
		for b.Loop() {
			r := decisionlog.Row(ev)
			size = len(r.Detail)
			for _, s := range r.Held {
				size += len(s) + 3
			}
			for _, s := range r.Candidates {
				size += len(s) + 3
			}
		}
		b.ReportMetric(float64(size), "B/row")
		b.ReportMetric(float64((cpuTime(b)-cpu0).Nanoseconds())/float64(b.N), "cpu-ns/row")
	})
	run := func(b *testing.B, s store.DecisionLog, aggregate bool) {
		rows := make([]store.Decision, batch)
		for j := range rows {
			rows[j] = decisionlog.Row(meEvent(j, now))
		}
		b.ReportAllocs()
		i := 0
		var merged []store.Decision
		cpu0 := cpuTime(b)
		for b.Loop() {
			for j := range rows {
				// A request id of its own per row, as the log gets.
				rows[j].RequestID = fmt.Sprintf("%08x-0000-4000-8000-%012x", i, i)
				i++
			}
			write := rows
			if aggregate {
				// What the writer appends: the batch's repeated GET /me
				// decisions as one row.
				merged = decisionlog.Aggregate(rows, merged[:0])
				write = merged
			}
			if err := s.AppendDecisions(b.Context(), write); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*batch), "ns/row")
		b.ReportMetric(float64((cpuTime(b)-cpu0).Nanoseconds())/float64(b.N*batch), "cpu-ns/row")
	}
	b.Run("sqlite", func(b *testing.B) { run(b, openStore(b), false) })
	b.Run("sqlite-aggregated", func(b *testing.B) { run(b, openStore(b), true) })
	b.Run("postgres", func(b *testing.B) {
		s, err := postgres.Open(b.Context(), pgtest.FreshSchema(b))
		if err != nil {
			b.Skip(err)
		}
		b.Cleanup(func() { s.Close() })
		run(b, s, false)
	})
	b.Run("postgres-aggregated", func(b *testing.B) {
		s, err := postgres.Open(b.Context(), pgtest.FreshSchema(b))
		if err != nil {
			b.Skip(err)
		}
		b.Cleanup(func() { s.Close() })
		run(b, s, true)
	})
}

// discardLog is a decision log that keeps nothing: what the writer costs
// without the store's part.
type discardLog struct{ store.DecisionLog }

func (discardLog) AppendDecisions(context.Context, []store.Decision) error { return nil }
func (discardLog) PruneDecisions(context.Context, time.Time, int, int) (int, error) {
	return 0, nil
}

// BenchmarkRecordDecision is what recording a decision costs the process
// while many requests record at once (64 goroutines a core, as under the
// throughput harness's 128 connections): each goroutine does a request's
// worth of other work (a SHA-256 of 4 KB, a few µs, then yields as a
// request waiting for its connection does) and records the harness's GET
// /me decision; the writer renders, aggregates and appends
// to a store that keeps nothing. cpu-ns/event is the process's CPU time
// per event (see cpuTime) — the requests' work, the queue, waking the
// writer, its rendering — so compare it between builds, not with zero.
func BenchmarkRecordDecision(b *testing.B) {
	now := time.Now()
	evs := make([]graph.DecisionEvent, 64)
	for i := range evs {
		evs[i] = meEvent(i, now)
	}
	w := decisionlog.New(discardLog{}, decisionlog.Config{}, decisionlog.Options{})
	w.Start(b.Context())
	work := make([]byte, 4<<10)
	b.SetParallelism(64)
	b.ReportAllocs()
	cpu0 := cpuTime(b)
	b.RunParallel(func(pb *testing.PB) {
		i := 0
		for pb.Next() {
			sum := sha256.Sum256(work)
			runtime.KeepAlive(sum)
			w.RecordDecision(evs[i%len(evs)])
			i++
			// A request waits for its connection between requests: the
			// writer gets its turn as it does in a server.
			runtime.Gosched()
		}
	})
	if err := w.Close(context.Background()); err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64((cpuTime(b)-cpu0).Nanoseconds())/float64(b.N), "cpu-ns/event")
	b.ReportMetric(float64(w.Stats().Dropped)/float64(b.N), "dropped/event")
}

// BenchmarkAppendSignIns is the sign-in writer's store work per sign-in
// for the throughput harness's load, a daemon's client-credentials
// sign-ins: a batch of DefaultBatchSize appended in one transaction, a
// row each (-rows, as before GroupSignIns) or grouped into one row
// (-grouped, what the writer appends now), side by side; ns/signin and
// cpu-ns/signin per sign-in. PostgreSQL runs when the test server is
// reachable.
func BenchmarkAppendSignIns(b *testing.B) {
	now := time.Now()
	const batch = decisionlog.DefaultBatchSize
	run := func(b *testing.B, s store.SignInLog, group bool) {
		rows := make([]store.SignIn, batch)
		for j := range rows {
			rows[j] = daemonSignIn(0)
			rows[j].Time = now
		}
		b.ReportAllocs()
		i := 0
		var merged []store.SignIn
		cpu0 := cpuTime(b)
		for b.Loop() {
			for j := range rows {
				// Ids of its own per sign-in, as the log gets.
				rows[j].ID = fmt.Sprintf("%08x-0000-4000-8000-%012x", i, i)
				rows[j].RequestID = rows[j].ID
				i++
			}
			write := rows
			if group {
				merged = decisionlog.GroupSignIns(rows, merged[:0])
				write = merged
			}
			if err := s.AppendSignIns(b.Context(), write); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*batch), "ns/signin")
		b.ReportMetric(float64((cpuTime(b)-cpu0).Nanoseconds())/float64(b.N*batch), "cpu-ns/signin")
	}
	for _, group := range []bool{false, true} {
		name := map[bool]string{false: "-rows", true: "-grouped"}[group]
		b.Run("sqlite"+name, func(b *testing.B) { run(b, openStore(b), group) })
		b.Run("postgres"+name, func(b *testing.B) {
			s, err := postgres.Open(b.Context(), pgtest.FreshSchema(b))
			if err != nil {
				b.Skip(err)
			}
			b.Cleanup(func() { s.Close() })
			run(b, s, group)
		})
	}
}
