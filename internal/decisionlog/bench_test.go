package decisionlog_test

import (
	"fmt"
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

// BenchmarkAppendDecisions is the decision writer's work per decision on
// each store: rendering the row (Row) and appending a batch of
// DefaultBatchSize rows in one transaction, as the writer does; ns/row is
// the cost of one row, B/row the row's rendered detail, held and
// candidates. PostgreSQL runs when the test server is reachable.
func BenchmarkAppendDecisions(b *testing.B) {
	now := time.Now()
	const batch = decisionlog.DefaultBatchSize
	b.Run("Row", func(b *testing.B) {
		ev := meEvent(1, now)
		b.ReportAllocs()
		var size int
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
	})
	run := func(b *testing.B, s store.DecisionLog) {
		evs := make([]graph.DecisionEvent, batch)
		for j := range evs {
			evs[j] = meEvent(j, now)
		}
		rows := make([]store.Decision, batch)
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			for j := range rows {
				// A request id of its own per row, as the log gets.
				evs[j].RequestID = fmt.Sprintf("%08x-0000-4000-8000-%012x", i, i)
				rows[j] = decisionlog.Row(evs[j])
				i++
			}
			if err := s.AppendDecisions(b.Context(), rows); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*batch), "ns/row")
	}
	b.Run("sqlite", func(b *testing.B) { run(b, openStore(b)) })
	b.Run("postgres", func(b *testing.B) {
		s, err := postgres.Open(b.Context(), pgtest.FreshSchema(b))
		if err != nil {
			b.Skip(err)
		}
		b.Cleanup(func() { s.Close() })
		run(b, s)
	})
}
