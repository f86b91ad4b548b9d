package report

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
)

// randomInstance makes a set-cover instance over n permissions with random
// levels and reaches, and reqs requirements of one to four options, each
// option one permission or, now and then, two (a permission and what it
// also needs).
func randomInstance(r *rand.Rand, n, reqs int) *coverInstance {
	in := &coverInstance{nbits: 64}
	for p := 0; p < n; p++ {
		in.class = append(in.class, r.IntN(numClasses))
		b := newBitset(in.nbits)
		for k := 0; k < 1+r.IntN(12); k++ {
			b.set(int32(r.IntN(in.nbits)))
		}
		in.reach = append(in.reach, b)
		in.name = append(in.name, fmt.Sprintf("P%02d", p))
	}
	for i := 0; i < reqs; i++ {
		var opts [][]int
		var fam []bool
		for k := 0; k < 1+r.IntN(4); k++ {
			fam = append(fam, r.IntN(3) == 0)
			o := []int{r.IntN(n)}
			if r.IntN(5) == 0 {
				if q := r.IntN(n); q != o[0] {
					o = append(o, q)
				}
			}
			slices.Sort(o)
			opts = append(opts, o)
		}
		in.reqs = append(in.reqs, opts)
		in.family = append(in.family, fam)
	}
	return in
}

// bruteForce tries every subset of the permissions.
func bruteForce(in *coverInstance) ([]int, cost) {
	n := len(in.name)
	var best []int
	var bestCost cost
	found := false
	chosen := make([]bool, n)
	for mask := 0; mask < 1<<n; mask++ {
		var set []int
		for p := 0; p < n; p++ {
			chosen[p] = mask&(1<<p) != 0
			if chosen[p] {
				set = append(set, p)
			}
		}
		if !in.covers(chosen) {
			continue
		}
		c := in.costOf(set)
		if !found || compareCost(&c, &bestCost) < 0 {
			best, bestCost, found = set, c, true
		}
	}
	return best, bestCost
}

// TestCoverIsExact: on small instances the search finds a cover exactly as
// cheap as the cheapest of all subsets (and, the names breaking ties, the
// same one), and says it is exact.
func TestCoverIsExact(t *testing.T) {
	r := rand.New(rand.NewPCG(13, 2026))
	for i := 0; i < 400; i++ {
		n := 3 + r.IntN(10)
		in := randomInstance(r, n, 1+r.IntN(9))
		want, wantCost := bruteForce(in)
		got := in.solve(defaultBudget)
		if !got.exact {
			t.Fatalf("instance %d: search not exact after %d nodes", i, got.nodes)
		}
		gotCost := in.costOf(got.perms)
		if compareCost(&gotCost, &wantCost) != 0 || !slices.Equal(got.perms, want) {
			t.Fatalf("instance %d: search chose %v (%+v), brute force %v (%+v)\n%v", i, got.perms, gotCost, want, wantCost, in.reqs)
		}
		chosen := make([]bool, n)
		for _, p := range got.perms {
			chosen[p] = true
		}
		if !in.covers(chosen) {
			t.Fatalf("instance %d: %v does not cover", i, got.perms)
		}
	}
}

// TestCoverBudget: a search cut short returns a cover (greedy's or
// better) and says it is not proven minimal.
func TestCoverBudget(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 7))
	in := randomInstance(r, 40, 60)
	got := in.solve(5)
	if got.exact {
		t.Fatal("a 5-node search claims to be exact")
	}
	chosen := make([]bool, len(in.name))
	for _, p := range got.perms {
		chosen[p] = true
	}
	if !in.covers(chosen) {
		t.Fatalf("%v does not cover", got.perms)
	}
	g := in.greedy()
	gc, sc := in.costOf(g), in.costOf(got.perms)
	if compareCost(&sc, &gc) > 0 {
		t.Fatalf("the cut-short search returned %v, worse than greedy's %v", got.perms, g)
	}
}

// The cost prefers a lower highest class, then fewer permissions in a
// class, then fewer requirements met outside their family, then a smaller
// reach, then names.
func TestCostOrder(t *testing.T) {
	reach := func(bits ...int32) bitset {
		b := newBitset(64)
		for _, x := range bits {
			b.set(x)
		}
		return b
	}
	in := &coverInstance{nbits: 64,
		class: []int{6, 4, 4, 4, 4},
		reach: []bitset{reach(1), reach(1, 2, 3), reach(4), reach(5), reach(1, 2, 3)},
		name:  []string{"High", "Broad", "NarrowA", "NarrowB", "Broad2"},
	}
	for _, c := range []struct {
		a, b []int
		want int // sign
	}{
		{[]int{1, 2}, []int{0}, -1},   // two at level 2 beat one at level 3
		{[]int{1}, []int{2, 3}, -1},   // one at level 2 beats two at level 2
		{[]int{2}, []int{1}, -1},      // same level and count: smaller reach
		{[]int{1}, []int{4}, -1},      // same level, count and reach: names
		{[]int{1, 2}, []int{1, 2}, 0}, // equal
	} {
		ca, cb := in.costOf(c.a), in.costOf(c.b)
		got := compareCost(&ca, &cb)
		if got < 0 && c.want >= 0 || got > 0 && c.want <= 0 || got == 0 && c.want != 0 {
			t.Errorf("compare %v with %v = %d, want sign %d", c.a, c.b, got, c.want)
		}
	}
	// One requirement, met by NarrowA (outside its family) or Broad (of
	// it): the family wins over the smaller reach.
	in.reqs, in.family = [][][]int{{{2}, {1}}}, [][]bool{{false, true}}
	ca, cb := in.costOf([]int{1}), in.costOf([]int{2})
	if compareCost(&ca, &cb) >= 0 {
		t.Errorf("the family's Broad (%+v) is not cheaper than NarrowA (%+v)", ca, cb)
	}
}
