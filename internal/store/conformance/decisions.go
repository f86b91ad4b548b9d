package conformance

import (
	"encoding/json"
	"fmt"
	"reflect"
	"testing"
	"time"

	"graphgate/internal/store"
)

// newDecision is a logged decision with every field set, i minutes after t0.
func newDecision(tenant string, i int) store.Decision {
	return store.Decision{Time: at(time.Duration(i) * time.Minute), RequestID: newID(), ClientRequestID: newID(), TenantID: tenant,
		AppID: "app-" + tenant, AppName: "Contoso Web App", UserID: "user-1", UserUPN: "Adele@contoso.example", Scheme: "DelegatedWork",
		Method: "GET", Route: "/users/{id}/messages", Path: fmt.Sprintf("/users/u%d/messages", i), Allowed: i%2 == 0, Status: 200,
		Reason: "allowed", Check: "permission", Held: []string{"Mail.Read", "User.Read"}, Granted: "Mail.Read",
		Candidates: []string{"Mail.ReadBasic", "Mail.Read"}, Detail: json.RawMessage(fmt.Sprintf(`{"rule": "r%d", "facts": {"account": "work"}}`, i))}
}

// appendDecisions appends n decisions, one call each, and returns them.
func appendDecisions(t *testing.T, s store.Store, tenant string, n int) []store.Decision {
	t.Helper()
	var out []store.Decision
	for i := range n {
		d := newDecision(tenant, i)
		must(t, s.AppendDecisions(t.Context(), []store.Decision{d}))
		out = append(out, d)
	}
	return out
}

// checkDecisions compares rows read with those written: Seq increasing,
// Detail as equivalent JSON, every other field as written.
func checkDecisions(t *testing.T, what string, got, want []store.Decision) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d rows, want %d", what, len(got), len(want))
	}
	for i := range got {
		if i > 0 && got[i].Seq <= got[i-1].Seq {
			t.Errorf("%s: row %d has Seq %d after %d", what, i, got[i].Seq, got[i-1].Seq)
		}
		var a, b any
		if err := json.Unmarshal(got[i].Detail, &a); err != nil {
			t.Fatalf("%s: row %d Detail %q: %v", what, i, got[i].Detail, err)
		}
		must(t, json.Unmarshal(want[i].Detail, &b))
		if !reflect.DeepEqual(a, b) {
			t.Errorf("%s: row %d Detail = %s, want %s", what, i, got[i].Detail, want[i].Detail)
		}
		g, w := got[i], want[i]
		g.Seq, w.Seq, g.Detail, w.Detail = 0, 0, nil, nil
		check(t, fmt.Sprintf("%s: row %d", what, i), g, w)
	}
}

var decisionTests = []test{
	{"AppendLargeBatchInOrder", func(t *testing.T, s store.Store) {
		// More rows than one statement of a backend writes (the backends
		// insert in chunks), in one call: every row, Seq in the order
		// given.
		tenant := newID()
		var want []store.Decision
		for i := range 150 {
			want = append(want, newDecision(tenant, i))
		}
		must(t, s.AppendDecisions(t.Context(), want))
		got, err := s.ListDecisions(t.Context(), store.DecisionQuery{TenantID: tenant})
		must(t, err)
		checkDecisions(t, "ListDecisions", got, want)
	}},
	{"AppendAndListRoundTrip", func(t *testing.T, s store.Store) {
		ctx := t.Context()
		tenant := newID()
		d := newDecision(tenant, 0)
		empty := newDecision(tenant, 1)
		empty.UserID, empty.UserUPN, empty.Held, empty.Candidates, empty.Granted, empty.Detail = "", "", nil, nil, "", nil
		must(t, s.AppendDecisions(ctx, []store.Decision{d, empty}))
		must(t, s.AppendDecisions(ctx, nil))
		got, err := s.ListDecisions(ctx, store.DecisionQuery{TenantID: tenant})
		must(t, err)
		empty.Detail = json.RawMessage(`{}`)
		checkDecisions(t, "ListDecisions", got, []store.Decision{d, empty})
	}},
	{"Filters", func(t *testing.T, s store.Store) {
		ctx := t.Context()
		tenant := newID()
		all := appendDecisions(t, s, tenant, 6)
		other := newDecision(newID(), 0)
		must(t, s.AppendDecisions(ctx, []store.Decision{other}))
		var denied []store.Decision
		for _, d := range all {
			if !d.Allowed {
				denied = append(denied, d)
			}
		}
		route := all[3]
		route.Route = "/me"
		must(t, s.AppendDecisions(ctx, []store.Decision{route}))
		byRoute := []store.Decision{route}
		all = append(all, route)
		for _, tc := range []struct {
			name string
			q    store.DecisionQuery
			want []store.Decision
		}{
			{"tenant", store.DecisionQuery{TenantID: tenant}, all},
			{"app id", store.DecisionQuery{App: "app-" + tenant}, all},
			{"app name, any case", store.DecisionQuery{TenantID: tenant, App: "contoso WEB app"}, all},
			{"another app", store.DecisionQuery{TenantID: tenant, App: "Contoso Daemon"}, nil},
			{"user id", store.DecisionQuery{TenantID: tenant, User: "user-1"}, all},
			{"user UPN, any case", store.DecisionQuery{TenantID: tenant, User: "adele@CONTOSO.example"}, all},
			{"denied", store.DecisionQuery{TenantID: tenant, DeniedOnly: true}, append(denied, route)}, // route is a copy of the denied all[3]
			{"since", store.DecisionQuery{TenantID: tenant, Since: at(4 * time.Minute)}, all[4:6]},
			{"route", store.DecisionQuery{TenantID: tenant, Route: "/me"}, byRoute},
			{"request id", store.DecisionQuery{RequestID: all[2].RequestID}, all[2:3]},
			{"client request id", store.DecisionQuery{RequestID: all[4].ClientRequestID}, all[4:5]},
			{"oldest two", store.DecisionQuery{TenantID: tenant, Limit: 2}, all[:2]},
			{"newest two", store.DecisionQuery{TenantID: tenant, Limit: 2, Newest: true}, all[5:]},
		} {
			got, err := s.ListDecisions(ctx, tc.q)
			must(t, err)
			checkDecisions(t, tc.name, got, tc.want)
		}
		// Following: after the Seq of the third row.
		got, err := s.ListDecisions(ctx, store.DecisionQuery{TenantID: tenant})
		must(t, err)
		after, err := s.ListDecisions(ctx, store.DecisionQuery{TenantID: tenant, After: got[2].Seq})
		must(t, err)
		checkDecisions(t, "after", after, all[3:])
		// Paging back, newest first: the two newest below the Seq of the fifth row.
		before, err := s.ListDecisions(ctx, store.DecisionQuery{TenantID: tenant, Before: got[4].Seq, Limit: 2, Newest: true})
		must(t, err)
		checkDecisions(t, "before", before, all[2:4])
	}},
	{"AggregatedRows", func(t *testing.T, s store.Store) {
		// A row standing for several requests (the writer's aggregation of
		// repeated allowed decisions) keeps them all, and each request is
		// found by its request-id and client-request-id, as itself.
		ctx := t.Context()
		tenant := newID()
		d := newDecision(tenant, 0)
		d.Repeats = []store.Repeat{
			{Time: at(time.Second), RequestID: newID(), ClientRequestID: newID()},
			{Time: at(2 * time.Second), RequestID: newID()},
			{Time: at(3 * time.Second), RequestID: newID(), ClientRequestID: `50%_off\"quoted"`},
		}
		single := newDecision(tenant, 2)
		must(t, s.AppendDecisions(ctx, []store.Decision{d, single}))
		got, err := s.ListDecisions(ctx, store.DecisionQuery{TenantID: tenant})
		must(t, err)
		checkDecisions(t, "ListDecisions", got, []store.Decision{d, single})
		if got[0].Count() != 4 || !got[0].Last().Equal(at(3*time.Second)) || got[1].Count() != 1 {
			t.Errorf("counts %d and %d, last %v: want 4 (last at +3s) and 1", got[0].Count(), got[1].Count(), got[0].Last())
		}
		for i, r := range d.Repeats {
			want := d
			want.Time, want.RequestID, want.ClientRequestID = r.Time, r.RequestID, r.ClientRequestID
			for _, id := range []string{r.RequestID, r.ClientRequestID} {
				if id == "" {
					continue
				}
				got, err := s.ListDecisions(ctx, store.DecisionQuery{RequestID: id, Limit: 2, Newest: true})
				must(t, err)
				checkDecisions(t, fmt.Sprintf("repeat %d by %q", i, id), got, []store.Decision{want})
			}
		}
		got, err = s.ListDecisions(ctx, store.DecisionQuery{RequestID: d.RequestID})
		must(t, err)
		checkDecisions(t, "the first request", got, []store.Decision{d})
		// LIKE's wildcards in an id are literal; part of an id is no id.
		for _, id := range []string{`50x_off\"quoted"`, `50%aoff\"quoted"`, `50%_off`, d.Repeats[0].RequestID[:8]} {
			got, err := s.ListDecisions(ctx, store.DecisionQuery{RequestID: id})
			must(t, err)
			checkDecisions(t, "not an id: "+id, got, nil)
		}
	}},
	{"PruneByCount", func(t *testing.T, s store.Store) {
		ctx := t.Context()
		tenant := newID()
		all := appendDecisions(t, s, tenant, 10)
		// Bounded: at most limit rows per call, oldest first.
		n, err := s.PruneDecisions(ctx, time.Time{}, 4, 3)
		must(t, err)
		if n != 3 {
			t.Fatalf("PruneDecisions(keep 4, limit 3) = %d, want 3", n)
		}
		got, err := s.ListDecisions(ctx, store.DecisionQuery{TenantID: tenant})
		must(t, err)
		checkDecisions(t, "after one bounded prune", got, all[3:])
		n, err = s.PruneDecisions(ctx, time.Time{}, 4, 100)
		must(t, err)
		if n != 3 {
			t.Fatalf("second PruneDecisions = %d, want 3", n)
		}
		got, err = s.ListDecisions(ctx, store.DecisionQuery{TenantID: tenant})
		must(t, err)
		checkDecisions(t, "after pruning to 4", got, all[6:])
		n, err = s.PruneDecisions(ctx, time.Time{}, 4, 100)
		must(t, err)
		if n != 0 {
			t.Errorf("PruneDecisions of a log within bounds = %d, want 0", n)
		}
		// A later append still gets a higher Seq than every kept row.
		last := got[len(got)-1].Seq
		must(t, s.AppendDecisions(ctx, []store.Decision{newDecision(tenant, 11)}))
		got, err = s.ListDecisions(ctx, store.DecisionQuery{TenantID: tenant, After: last})
		must(t, err)
		if len(got) != 1 {
			t.Fatalf("rows after Seq %d: %d, want 1", last, len(got))
		}
	}},
	{"PruneByAge", func(t *testing.T, s store.Store) {
		ctx := t.Context()
		tenant := newID()
		all := appendDecisions(t, s, tenant, 6)
		n, err := s.PruneDecisions(ctx, at(4*time.Minute), 0, 100)
		must(t, err)
		if n != 4 {
			t.Fatalf("PruneDecisions(before minute 4) = %d, want 4", n)
		}
		got, err := s.ListDecisions(ctx, store.DecisionQuery{TenantID: tenant})
		must(t, err)
		checkDecisions(t, "after pruning by age", got, all[4:])
		// Either bound prunes: age keeps 2, count keeps 1.
		n, err = s.PruneDecisions(ctx, at(time.Minute), 1, 100)
		must(t, err)
		if n != 1 {
			t.Fatalf("PruneDecisions(keep 1) = %d, want 1", n)
		}
		// No bound, or no limit: nothing happens.
		for _, args := range []struct {
			before      time.Time
			keep, limit int
		}{{time.Time{}, 0, 100}, {at(time.Hour), 0, 0}} {
			n, err = s.PruneDecisions(ctx, args.before, args.keep, args.limit)
			must(t, err)
			if n != 0 {
				t.Errorf("PruneDecisions%v = %d, want 0", args, n)
			}
		}
		got, err = s.ListDecisions(ctx, store.DecisionQuery{TenantID: tenant})
		must(t, err)
		checkDecisions(t, "after pruning by count", got, all[5:])
	}},
	{"NULRefused", func(t *testing.T, s store.Store) {
		ctx := t.Context()
		tenant := newID()
		good, bad := newDecision(tenant, 0), newDecision(tenant, 1)
		bad.Path = "/me\x00"
		wantErr(t, s.AppendDecisions(ctx, []store.Decision{good, bad}), store.ErrInvalidText, "AppendDecisions with a NUL")
		got, err := s.ListDecisions(ctx, store.DecisionQuery{TenantID: tenant})
		must(t, err)
		checkDecisions(t, "after a refused batch", got, nil)
	}},
}
