package routes

import (
	"slices"
	"sync"
	"testing"

	"graphgate/internal/catalog"
	"graphgate/internal/graphpath"
)

// BenchmarkLoad is the cost of the route table in a process that needs it
// (every `graphgate permissions for`, explain and serve): figures in
// bench/README.md.
func BenchmarkLoad(b *testing.B) {
	cat := catalog.Default()
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if _, err := Load(cat); err != nil {
			b.Fatal(err)
		}
	}
}

// The generated paths are in the matcher's normal form: load trusts them
// instead of normalizing 7,000 paths at every start.
func TestGeneratedPathsAreNormal(t *testing.T) {
	var np graphpath.Path
	for _, gr := range generatedRoutes {
		if err := graphpath.Normalize(&np, gr.path, graphpath.Template); err != nil {
			t.Errorf("%s: %v", gr.path, err)
			continue
		}
		if np.String() != gr.path {
			t.Errorf("route %s is not in normal form (%s): regenerate", gr.path, np.String())
		}
		if q := np.Query; q != "" {
			t.Errorf("route %s carries a query %q in its path", gr.path, q)
		}
	}
}

// Loading links static records: it must not go back to decoding. Before the
// table was generated as Go source, a load made about 395,000 allocations
// (JSON decoding); then 12,000 (the whole trie, and supplement.yaml decoded
// at every start); now it groups the routes by first segment and plans the
// supplement, which comes as Go data, and builds no route (TestLazyGroups).
func TestLoadAllocations(t *testing.T) {
	cat := catalog.Default()
	allocs := testing.AllocsPerRun(3, func() {
		if _, err := Load(cat); err != nil {
			t.Fatal(err)
		}
	})
	if allocs > 3000 {
		t.Errorf("Load made %.0f allocations; want under 3,000 (it decodes nothing and builds no route)", allocs)
	}
	t.Logf("Load: %.0f allocations", allocs)
}

// BenchmarkLoadAll is the table as the server builds it: every route's
// rules, as authz.New asks for them.
func BenchmarkLoadAll(b *testing.B) {
	cat := catalog.Default()
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		t, err := Load(cat)
		if err != nil {
			b.Fatal(err)
		}
		if len(t.Rules()) < 11000 {
			b.Fatal("rules missing")
		}
	}
}

// A route's rules are built when the table first hands it out, from any
// number of goroutines; the rule indexes do not depend on the order.
func TestLazyLinking(t *testing.T) {
	cat := catalog.Default()
	ref, err := Load(cat)
	if err != nil {
		t.Fatal(err)
	}
	want := map[int]string{}
	for i, r := range ref.Rules() {
		if r == nil || r.Index != i {
			t.Fatalf("Rules()[%d] = %v: indexes are not dense", i, r)
		}
		want[i] = r.Method.String() + " " + r.Route.Path + "?" + r.Route.Query
	}
	tab, err := Load(cat)
	if err != nil {
		t.Fatal(err)
	}
	paths := []string{"/me/messages", "/users/x/messages", "/me/calendarView", "/groups/g/drive/items/i/children", "/me/drive/root:/a.txt:/content", "/agentRegistry/agentInstances?$filter=agentCardManifest/id eq 'a'"}
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			for k := range paths {
				p := paths[(k+g)%len(paths)]
				m, err := tab.Match("GET", p)
				if err != nil {
					t.Errorf("GET %s: %v", p, err)
					continue
				}
				if len(m.Rule.Accepted[catalog.DelegatedWork]) == 0 || m.Route.Segments() == nil {
					t.Errorf("GET %s: a rule without permissions or segments", p)
				}
			}
		}(g)
	}
	wg.Wait()
	for i, r := range tab.Rules() {
		if got := r.Method.String() + " " + r.Route.Path + "?" + r.Route.Query; got != want[i] {
			t.Errorf("rule %d is %s, want %s: the index depends on the order of linking", i, got, want[i])
		}
	}
}

// The generated runs of routes sharing a first segment are what grouping
// the generated routes gives: Load trusts them instead of reading every
// route at every start.
func TestGeneratedGroups(t *testing.T) {
	runs, rules := groupsOf(generatedRoutes[:])
	if !slices.Equal(runs, generatedGroups[:]) || rules != generatedRules {
		t.Errorf("generatedGroups (%d runs, %d rules) differ from the routes' grouping (%d runs, %d rules): regenerate",
			len(generatedGroups), generatedRules, len(runs), rules)
	}
	seen := map[string]bool{}
	for _, r := range generatedGroups {
		if seen[r.seg] {
			t.Logf("first segment %q has more than one run", r.seg)
		}
		seen[r.seg] = true
	}
}
