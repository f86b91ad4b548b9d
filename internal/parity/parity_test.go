package parity

import (
	"context"
	"slices"
	"testing"

	"graphgate/internal/authz"
	"graphgate/internal/graph"
	"graphgate/internal/graph/workloads"
	"graphgate/internal/routes"
	"graphgate/internal/store/sqlite"
)

func TestTotals(t *testing.T) {
	row := func(w string, st Status) Row { return Row{Workload: w, Method: "GET", Template: "/x", Status: st} }
	for _, tc := range []struct {
		name string
		rows []Row
		want []Total
	}{
		{"none", nil, nil},
		{"served first, most served first", []Row{row("B", RuleOnly), row("A", Served), row("C", Served), row("C", Served), row("A", RuleOnly)},
			[]Total{{"C", 2, 0}, {"A", 1, 1}, {"B", 0, 1}}},
		{"then by size, then by name", []Row{row("Z", RuleOnly), row("Y", RuleOnly), row("Y", RuleOnly), row("X", RuleOnly)},
			[]Total{{"Y", 0, 2}, {"X", 0, 1}, {"Z", 0, 1}}},
	} {
		if got := Totals(tc.rows); !slices.Equal(got, tc.want) {
			t.Errorf("%s: %+v, want %+v", tc.name, got, tc.want)
		}
	}
}

// served builds the Graph server as graphgate serve does, on an empty store,
// and returns what it registered.
func served(tb testing.TB) []graph.Endpoint {
	tb.Helper()
	st, err := sqlite.Open(context.Background(), tb.TempDir())
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { st.Close() })
	g, err := graph.New(graph.Deps{Store: st, Engine: authz.Default()}, graph.Config{}, workloads.All()...)
	if err != nil {
		tb.Fatal(err)
	}
	return g.Served()
}

// TestTotalsAddUp: over the real route table and server, every row is
// counted once, and the served ones include GET /me/messages under Mail.
func TestTotalsAddUp(t *testing.T) {
	rows := Classify(routes.Default(), served(t))
	n, mail := 0, Total{}
	for _, tt := range Totals(rows) {
		n += tt.All()
		if tt.Workload == "Mail" {
			mail = tt
		}
	}
	if n != len(rows) || mail.Served == 0 {
		t.Errorf("totals count %d of %d rows; Mail %+v", n, len(rows), mail)
	}
}

// BenchmarkLandingParity is what the landing page's parity summary costs,
// once at start-up: classifying the route table against the server's
// handlers, and the totals.
//
//	go test -run XXX -bench LandingParity ./internal/parity
func BenchmarkLandingParity(b *testing.B) {
	s, tab := served(b), routes.Default()
	b.ResetTimer()
	for b.Loop() {
		_ = Totals(Classify(tab, s))
	}
}
