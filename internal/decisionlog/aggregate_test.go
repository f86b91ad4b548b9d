package decisionlog_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"graphgate/internal/decisionlog"
	"graphgate/internal/report"
	"graphgate/internal/store"
)

// row is a rendered decision for Aggregate: allowed GET /me by adele
// unless changed.
func row(id string, sec int, change func(*store.Decision)) store.Decision {
	d := store.Decision{Time: time.Date(2026, 3, 1, 9, 0, sec, 0, time.UTC), RequestID: "req-" + id, ClientRequestID: "client-" + id,
		TenantID: "tenant", AppID: "app", AppName: "Contoso Web App", UserID: "user", UserUPN: "adele@contoso.example",
		Scheme: "DelegatedWork", Method: "GET", Route: "/me", Path: "/me", Allowed: true, Status: 200, Reason: "allowed",
		Check: "permission", Held: []string{"User.Read"}, Granted: "User.Read", Candidates: []string{"User.Read"}, Detail: []byte(`{"a":1}`)}
	if change != nil {
		change(&d)
	}
	return d
}

func TestAggregate(t *testing.T) {
	denied := func(d *store.Decision) {
		d.Allowed, d.Status, d.Reason, d.Granted = false, 403, "missing_permission", ""
	}
	fault := func(d *store.Decision) { d.Reason, d.Check = report.FaultReason, "fault:slow" }
	// Each case: the batch, and the rows wanted as "first request's id
	// [+ repeats' ids]".
	for _, tc := range []struct {
		name  string
		batch []store.Decision
		want  []string
	}{
		{"one request", []store.Decision{row("1", 0, nil)}, []string{"req-1"}},
		{"allowed repeats fold into the first's row, in order",
			[]store.Decision{row("1", 0, nil), row("2", 1, nil), row("3", 2, nil)}, []string{"req-1 req-2 req-3"}},
		{"interleaved: each row where its first request was",
			[]store.Decision{row("1", 0, nil), row("2", 1, func(d *store.Decision) { d.Path = "/me?$select=id" }), row("3", 2, nil)},
			[]string{"req-1 req-3", "req-2"}},
		{"denials are never aggregated", []store.Decision{row("1", 0, denied), row("2", 1, denied)}, []string{"req-1", "req-2"}},
		{"injected faults are never aggregated", []store.Decision{row("1", 0, fault), row("2", 1, fault)}, []string{"req-1", "req-2"}},
		{"another user", []store.Decision{row("1", 0, nil), row("2", 1, func(d *store.Decision) { d.UserID = "other" })}, []string{"req-1", "req-2"}},
		{"another app", []store.Decision{row("1", 0, nil), row("2", 1, func(d *store.Decision) { d.AppID = "other" })}, []string{"req-1", "req-2"}},
		{"another tenant", []store.Decision{row("1", 0, nil), row("2", 1, func(d *store.Decision) { d.TenantID = "other" })}, []string{"req-1", "req-2"}},
		{"other scopes held", []store.Decision{row("1", 0, nil), row("2", 1, func(d *store.Decision) { d.Held = []string{"User.Read", "Mail.Read"} })},
			[]string{"req-1", "req-2"}},
		{"lists are not joined ambiguously", []store.Decision{
			row("1", 0, func(d *store.Decision) { d.Held, d.Candidates = []string{"A", "B"}, nil }),
			row("2", 1, func(d *store.Decision) { d.Held, d.Candidates = []string{"A"}, []string{"B"} })}, []string{"req-1", "req-2"}},
		{"another status", []store.Decision{row("1", 0, nil), row("2", 1, func(d *store.Decision) { d.Status = 201 })}, []string{"req-1", "req-2"}},
		{"another explanation", []store.Decision{row("1", 0, nil), row("2", 1, func(d *store.Decision) { d.Detail = []byte(`{"a":2}`) })},
			[]string{"req-1", "req-2"}},
		{"a denial between repeats", []store.Decision{row("1", 0, nil), row("2", 1, denied), row("3", 2, nil)}, []string{"req-1 req-3", "req-2"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := slices.Clone(tc.batch)
			out := decisionlog.Aggregate(in, nil)
			var got []string
			total := 0
			for _, d := range out {
				s := d.RequestID
				for _, r := range d.Repeats {
					s += " " + r.RequestID
				}
				got = append(got, s)
				total += d.Count()
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("rows %q, want %q", got, tc.want)
			}
			if total != len(tc.batch) {
				t.Errorf("the rows stand for %d requests, want %d", total, len(tc.batch))
			}
			// Each request keeps its own time and ids, and the row what
			// the request's own row would have held.
			for _, d := range out {
				for _, one := range d.Requests() {
					i := slices.IndexFunc(tc.batch, func(b store.Decision) bool { return b.RequestID == one.RequestID })
					if fmt.Sprint(one) != fmt.Sprint(tc.batch[i]) {
						t.Errorf("request %s reads as\n%v, want\n%v", one.RequestID, one, tc.batch[i])
					}
				}
			}
			if !slices.EqualFunc(in, tc.batch, func(a, b store.Decision) bool { return fmt.Sprint(a) == fmt.Sprint(b) }) {
				t.Error("Aggregate changed its input")
			}
		})
	}
}

// TestAggregatedLog runs repeated and denied decisions through the writer
// into a real store: fewer rows, every request found by its request-id and
// client-request-id (what explain --request-id and the console read), the
// least-privilege report and the metrics count each one.
func TestAggregatedLog(t *testing.T) {
	clock := newClock()
	st := openStore(t)
	reg := prometheus.NewRegistry()
	w := decisionlog.New(st, decisionlog.Config{QueueSize: 100, BatchSize: 100, FlushInterval: flushEvery, PruneInterval: pruneEvery},
		decisionlog.Options{Clock: clock, Registerer: reg})
	w.Start(t.Context())
	defer w.Close(context.Background())
	// Five allowed reads of the same page and three denied listings,
	// interleaved, a second apart.
	repeat := event(1, clock)
	var sent []string
	for i := range 8 {
		e := event(0, clock)
		if i%3 != 2 {
			e = repeat
		}
		e.Time = clock.Now()
		e.RequestID, e.ClientRequestID = fmt.Sprintf("req-%d", i), fmt.Sprintf("client-%d", i)
		w.RecordDecision(e)
		sent = append(sent, e.RequestID)
		clock.advance(time.Second)
	}
	if err := w.Flush(t.Context()); err != nil {
		t.Fatal(err)
	}
	rows, err := st.ListDecisions(t.Context(), store.DecisionQuery{})
	if err != nil {
		t.Fatal(err)
	}
	// req-0 with req-1, 3, 4, 6, 7; the denials req-2 and req-5 alone.
	if len(rows) != 3 || rows[0].Count() != 6 || !rows[0].Allowed || rows[1].Count() != 1 || rows[2].Count() != 1 {
		t.Fatalf("%d rows, want 3: the six allowed requests in one, each denial in its own", len(rows))
	}
	if !rows[0].Time.Equal(newClock().Now()) || !rows[0].Last().Equal(newClock().Now().Add(7*time.Second)) {
		t.Errorf("aggregated row from %v to %v, want the first and the last request's times", rows[0].Time, rows[0].Last())
	}
	if s := w.Stats(); s.Written != 8 {
		t.Errorf("stats %+v, want 8 decisions written", s)
	}
	if got := counterValue(t, reg, "graphgate_decision_log_written_total"); got != 8 {
		t.Errorf("graphgate_decision_log_written_total = %v, want 8 (decisions, not rows)", got)
	}
	for i, id := range sent {
		for _, key := range []string{id, fmt.Sprintf("client-%d", i)} {
			got, err := st.ListDecisions(t.Context(), store.DecisionQuery{RequestID: key, Limit: 2, Newest: true})
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != 1 || got[0].RequestID != id || got[0].ClientRequestID != fmt.Sprintf("client-%d", i) ||
				!got[0].Time.Equal(newClock().Now().Add(time.Duration(i)*time.Second)) || got[0].Allowed != (i%3 != 2) {
				t.Errorf("request %s found by %s: %+v", id, key, got)
			}
		}
	}
	// The least-privilege report reads one call per request.
	var calls []string
	sink := sinkFunc(func(c report.Call) { calls = append(calls, c.RequestID) })
	if err := report.ReadDecisionLog(t.Context(), st, store.DecisionQuery{}, sink); err != nil {
		t.Fatal(err)
	}
	slices.Sort(calls)
	if !slices.Equal(calls, sent) {
		t.Errorf("report calls %v, want every request %v", calls, sent)
	}
}

type sinkFunc func(report.Call)

func (f sinkFunc) Add(c report.Call)                                  { f(c) }
func (f sinkFunc) Unplaced(method, url, reason, detail, where string) {}

// counterValue is the value of the counter registered under name.
func counterValue(t *testing.T, reg *prometheus.Registry, name string) float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() == name {
			return mf.GetMetric()[0].GetCounter().GetValue()
		}
	}
	t.Fatalf("no metric %s", name)
	return 0
}

// TestAggregateMatchesReference: on random batches of a few distinct calls
// interleaved (repeats in a row, alternating, denials and faults between),
// Aggregate makes the rows a plain grouping by every field but the time
// and the ids makes — whatever shortcut it takes for a repeat of the
// previous decision.
func TestAggregateMatchesReference(t *testing.T) {
	variants := []func(*store.Decision){
		nil,
		func(d *store.Decision) { d.Path = "/me?$select=id" },
		func(d *store.Decision) { d.UserID = "other" },
		func(d *store.Decision) { d.Held = []string{"User.Read", "Mail.Read"} },
		func(d *store.Decision) { d.Detail = []byte(`{"a":2}`) },
		func(d *store.Decision) {
			d.Allowed, d.Status, d.Reason, d.Granted = false, 403, "missing_permission", ""
		},
		func(d *store.Decision) { d.Reason, d.Check = report.FaultReason, "fault:slow" },
	}
	reference := func(batch []store.Decision) []string {
		var rows []string
		at := map[string]int{}
		for _, d := range batch {
			if !d.Allowed || d.Reason == report.FaultReason {
				rows = append(rows, d.RequestID)
				continue
			}
			k := fmt.Sprintf("%q", []any{d.TenantID, d.AppID, d.AppName, d.UserID, d.UserUPN, d.Scheme, d.Method, d.Route, d.Path,
				d.Reason, d.Check, d.Granted, d.Allowed, d.Status, d.Held, d.Candidates, string(d.Detail)})
			if i, ok := at[k]; ok {
				rows[i] += " " + d.RequestID
				continue
			}
			at[k] = len(rows)
			rows = append(rows, d.RequestID)
		}
		return rows
	}
	seed := uint64(1)
	next := func(n int) int { // a small LCG: the batches are the same every run
		seed = seed*6364136223846793005 + 1442695040888963407
		return int(seed>>33) % n
	}
	for round := range 500 {
		batch := make([]store.Decision, 1+next(40))
		v := 0
		for i := range batch {
			if next(3) == 0 { // a run of one call, else another call
				v = next(len(variants))
			}
			batch[i] = row(fmt.Sprint(i), i%60, variants[v])
		}
		var got []string
		for _, r := range decisionlog.Aggregate(batch, nil) {
			ids := []string{r.RequestID}
			for _, rep := range r.Repeats {
				ids = append(ids, rep.RequestID)
			}
			got = append(got, strings.Join(ids, " "))
		}
		if want := reference(batch); !slices.Equal(got, want) {
			t.Fatalf("round %d:\n got %q\nwant %q", round, got, want)
		}
	}
}
