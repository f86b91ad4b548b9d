package report

import (
	"context"
	"testing"

	"graphgate/internal/store"
)

type fakeLog struct{ rows []store.Decision }

func (f fakeLog) ListDecisions(_ context.Context, q store.DecisionQuery) ([]store.Decision, error) {
	var out []store.Decision
	for _, d := range f.rows {
		if d.Seq > q.After {
			out = append(out, d)
		}
	}
	return out, nil
}

func (fakeLog) DelegatedGrants(context.Context, string, string, string) ([]store.DelegatedGrant, error) {
	return nil, nil
}

func (fakeLog) AppRoleAssignments(context.Context, string, string) ([]store.AppRoleAssignment, error) {
	return nil, nil
}

type callSink []Call

func (s *callSink) Add(c Call)                    { *s = append(*s, c) }
func (s *callSink) Unplaced(_, _, _, _, _ string) {}

// TestReadDecisionLogSkipsFaults: the rows injected faults write are no
// permission decisions; a call slowed by one counts once, as decided.
func TestReadDecisionLogSkipsFaults(t *testing.T) {
	src := fakeLog{rows: []store.Decision{
		{Seq: 1, RequestID: "a", Method: "GET", Path: "/users", Scheme: "Application", Status: 200, Reason: "allowed", Held: []string{"User.Read.All"}},
		{Seq: 2, RequestID: "a", Method: "GET", Path: "/users", Status: 0, Reason: FaultReason, Check: "fault:slow"},
		{Seq: 3, RequestID: "b", Method: "GET", Path: "/users", Status: 429, Reason: FaultReason, Check: "fault:throttle"},
	}}
	var got callSink
	if err := ReadDecisionLog(t.Context(), src, store.DecisionQuery{}, &got); err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].RequestID != "a" || got[0].Scheme != Application || got[0].Status != 200 {
		t.Errorf("calls %+v, want request a only, as decided", got)
	}
}
