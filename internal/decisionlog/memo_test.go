package decisionlog

import (
	"fmt"
	"reflect"
	"testing"
	"time"

	"graphgate/internal/authz"
	"graphgate/internal/catalog"
	"graphgate/internal/graph"
)

func memoPrincipal(t testing.TB, kind authz.TokenKind, perms ...string) *authz.Principal {
	p := &authz.Principal{Kind: kind}
	for _, n := range perms {
		perm, ok := catalog.Default().Lookup(n)
		if !ok {
			t.Fatalf("no permission %s", n)
		}
		p.Granted.Add(perm)
	}
	return p
}

// TestMemoRendersAsRow: the writer's memo gives every event exactly the
// row Row renders, over a stream of varied decisions that repeat, on
// more distinct decisions of one path than the memo keeps, and with a
// principal built afresh for each event (as each request's is).
func TestMemoRendersAsRow(t *testing.T) {
	e := authz.Default()
	type call struct {
		kind         authz.TokenKind
		perms        []string
		method, path string
		target       authz.Target
		props        []string
	}
	calls := []call{
		{perms: []string{"User.Read"}, method: "GET", path: "/me"},
		{perms: []string{"User.Read", "Mail.Read"}, method: "GET", path: "/me"},
		{perms: []string{"User.ReadWrite"}, method: "GET", path: "/me"},
		{perms: []string{"User.ReadWrite.All"}, method: "GET", path: "/me"},
		{perms: []string{"User.Read.All"}, method: "GET", path: "/me"},
		{perms: []string{"Directory.Read.All"}, method: "GET", path: "/me"},
		{perms: []string{"User.ReadBasic.All"}, method: "GET", path: "/me"},
		{perms: []string{"Mail.Read"}, method: "GET", path: "/me"},
		{perms: []string{"User.Read", "Calendars.Read"}, method: "GET", path: "/me"},
		{perms: []string{"User.Read", "Files.Read"}, method: "GET", path: "/me"},
		{kind: authz.App, perms: []string{"User.Read.All"}, method: "GET", path: "/me"},
		{perms: []string{"User.Read"}, method: "GET", path: "/me?$select=id"},
		{perms: []string{"User.ReadWrite"}, method: "PATCH", path: "/me", props: []string{"aboutMe"}},
		{perms: []string{"Mail.Read"}, method: "GET", path: "/users/u1/messages", target: authz.Target{Relation: authz.RelOtherUser}},
		{perms: []string{"Mail.Read.Shared"}, method: "GET", path: "/users/u1/messages", target: authz.Target{Relation: authz.RelOtherUser, Access: authz.AccessRead}},
		{perms: []string{"User.Read"}, method: "GET", path: "/nothing/here"},
		{perms: []string{"User.Read"}, method: "GET", path: "/me/nothing\x00here"},
	}
	m := newMemo()
	now := time.Date(2026, 12, 5, 12, 0, 0, 0, time.UTC)
	for round := range 3 {
		for i, c := range calls {
			d := e.Decide(memoPrincipal(t, c.kind, c.perms...), c.method, c.path, c.target)
			if c.props != nil {
				d = e.DecideProperties(d, c.props...)
			}
			ev := graph.DecisionEvent{Time: now.Add(time.Duration(round*100+i) * time.Millisecond), RequestID: fmt.Sprintf("r%d-%d", round, i),
				TenantID: "t", AppID: "a", UserID: "u", UserUPN: "adele@contoso.example", Path: c.path, Decision: d}
			got, want := m.row(entry{ev: ev}), Row(ev)
			if !reflect.DeepEqual(got, want) {
				t.Errorf("round %d, %s %s: memo's row\n%+v\nRow's\n%+v", round, c.method, c.path, got, want)
			}
		}
	}
	if p := m.byPath["/me"]; p == nil || p.n != memoPerPath {
		t.Fatalf("the memo keeps %v decisions of /me, want %d", p, memoPerPath)
	}
}

// BenchmarkMemoRow is the writer's rendering of a repeated GET /me
// decision, through the memo and without it.
func BenchmarkMemoRow(b *testing.B) {
	e := authz.Default()
	ev := func() graph.DecisionEvent {
		p := memoPrincipal(b, authz.Delegated, "User.Read", "Mail.ReadWrite", "Mail.Send", "Calendars.ReadWrite", "offline_access")
		return graph.DecisionEvent{Time: time.Now(), RequestID: "r", TenantID: "t", AppID: "a", UserID: "u", Path: "/me",
			Decision: e.Decide(p, "GET", "/me", authz.Target{})}
	}
	evs := []graph.DecisionEvent{ev(), ev()}
	b.Run("Row", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; b.Loop(); i++ {
			_ = Row(evs[i&1])
		}
	})
	b.Run("memo", func(b *testing.B) {
		m := newMemo()
		b.ReportAllocs()
		for i := 0; b.Loop(); i++ {
			_ = m.row(entry{ev: evs[i&1]})
		}
	})
}
