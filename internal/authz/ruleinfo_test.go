package authz

import (
	"sync"
	"testing"

	"graphgate/internal/catalog"
	"graphgate/internal/routes"
)

// TestRuleInfoOnFirstDecision: a rule's info is computed on its first
// decision, once, concurrent first decisions included (run with -race),
// and equals what New used to compute for every rule.
func TestRuleInfoOnFirstDecision(t *testing.T) {
	e, err := New(routes.Default())
	if err != nil {
		t.Fatal(err)
	}
	for i := range e.info {
		if e.info[i].Load() != nil {
			t.Fatalf("rule %d has its info before any decision", i)
		}
	}
	p := &Principal{Kind: Delegated}
	for _, n := range []string{"User.Read", "Mail.Read"} {
		perm, _ := catalog.Default().Lookup(n)
		p.Granted.Add(perm)
	}
	paths := []string{"/me", "/me/messages", "/users/{id}/messages", "/users", "/groups/{id}/members"}
	var wg sync.WaitGroup
	got := make([][]Decision, 8)
	for g := range got {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for _, path := range paths {
				got[g] = append(got[g], e.Decide(p, "GET", path, Target{}))
			}
		}()
	}
	wg.Wait()
	for g := range got {
		for i := range paths {
			if got[g][i].Allow != got[0][i].Allow || got[g][i].Reason != got[0][i].Reason {
				t.Errorf("GET %s decided %v/%v and %v/%v", paths[i], got[g][i].Allow, got[g][i].Reason, got[0][i].Allow, got[0][i].Reason)
			}
		}
	}
	for _, d := range got[0] {
		rule := d.Match.Rule
		if rule == nil {
			continue
		}
		kept := e.info[rule.Index].Load()
		if kept == nil || e.ruleInfo(rule) != kept {
			t.Errorf("%s: info not kept after its first decision", rule.Route.Path)
		}
		if want := e.precompute(rule); !equalInfo(*kept, want) {
			t.Errorf("%s: info %+v, want %+v", rule.Route.Path, *kept, want)
		}
	}
}

func equalInfo(a, b ruleInfo) bool {
	return a.subject == b.subject && a.enumeration == b.enumeration && a.memberOf == b.memberOf && a.hiddenMembers == b.hiddenMembers &&
		a.roleRules == b.roleRules && a.access == b.access && a.dirPath == b.dirPath && a.key == b.key && a.lookups == b.lookups &&
		len(a.other[0]) == len(b.other[0]) && len(a.other[1]) == len(b.other[1])
}
