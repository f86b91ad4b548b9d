package report

import (
	"slices"
	"sort"
)

// coverInstance is a set-cover instance: permissions 0..n-1, each with a
// privilege class (classOf), a reach (the rules it allows) and a name, and
// requirements, each a list of options of which one must be chosen whole
// (an option is one permission, or a permission and what it also needs).
// family[i][k] marks option k of requirement i as of the requirement's
// resource family (the route table's least privileged permissions'
// resources).
type coverInstance struct {
	class  []int
	scope  []int
	reach  []bitset
	name   []string
	reqs   [][][]int
	family [][]bool
	nbits  int
}

// cost orders sets of permissions: the counts per privilege class compared
// from the highest class down (one permission fewer in the highest class
// where the sets differ wins); then how many requirements the set allows
// only with permissions outside their resource family (User.Read.All, not
// an Intune permission, for GET /users); then whose data the set reaches
// (the sum of permname.ConstraintRank: User.Read, the signed-in user's own
// profile, before User.ReadBasic.All, everyone's basic profile, which
// Microsoft rates at the same level); then the reach of its union; then
// the sorted names.
type cost struct {
	levels    [numClasses]int
	offFamily int
	scope     int
	reach     int
	names     []string
}

// compareClasses compares the class counts: <0 when a is cheaper. Adding
// a permission to a set only raises them, which is what the search prunes
// with.
func compareClasses(a, b *cost) int {
	for l := numClasses - 1; l >= 0; l-- {
		if a.levels[l] != b.levels[l] {
			return a.levels[l] - b.levels[l]
		}
	}
	return 0
}

// compareCost compares whole costs: <0 when a is cheaper.
func compareCost(a, b *cost) int {
	if c := compareClasses(a, b); c != 0 {
		return c
	}
	if a.offFamily != b.offFamily {
		return a.offFamily - b.offFamily
	}
	if a.scope != b.scope {
		return a.scope - b.scope
	}
	if a.reach != b.reach {
		return a.reach - b.reach
	}
	return slices.Compare(a.names, b.names)
}

// costOf computes the cost of a set of permissions.
func (in *coverInstance) costOf(set []int) cost {
	var c cost
	u := newBitset(in.nbits)
	chosen := make([]bool, len(in.name))
	for _, p := range set {
		c.levels[in.class[p]]++
		if in.scope != nil {
			c.scope += in.scope[p]
		}
		u.or(in.reach[p])
		c.names = append(c.names, in.name[p])
		chosen[p] = true
	}
	c.reach = u.count()
	sort.Strings(c.names)
	for i, opts := range in.reqs {
		if !in.familySatisfied(i, opts, chosen) {
			c.offFamily++
		}
	}
	return c
}

// familySatisfied reports whether chosen satisfies requirement i with an
// option of its family (true too when the requirement has no family).
func (in *coverInstance) familySatisfied(i int, opts [][]int, chosen []bool) bool {
	if in.family == nil {
		return true
	}
	any := false
	for k, o := range opts {
		if !in.family[i][k] {
			continue
		}
		any = true
		if satisfied([][]int{o}, chosen) {
			return true
		}
	}
	return !any
}

// covers reports whether chosen satisfies every requirement.
func (in *coverInstance) covers(chosen []bool) bool {
	for _, opts := range in.reqs {
		if !satisfied(opts, chosen) {
			return false
		}
	}
	return true
}

func satisfied(opts [][]int, chosen []bool) bool {
	for _, o := range opts {
		all := true
		for _, p := range o {
			if !chosen[p] {
				all = false
				break
			}
		}
		if all {
			return true
		}
	}
	return false
}

// coverResult is a solution: the chosen permissions, whether the search
// proved it minimal, and how many nodes it visited.
type coverResult struct {
	perms []int
	exact bool
	nodes int
}

// defaultBudget bounds the nodes of the exact search. Per-app instances
// have tens of requirements; the search needs far fewer nodes than this.
const defaultBudget = 200000

// solve finds the cheapest cover: greedy for a first bound, then a
// branch-and-bound search over the requirement with the fewest options,
// cheapest option first, pruning any partial set that costs as much as the
// best cover found (adding a permission only raises the cost). When the
// search exceeds budget nodes, the best cover found is returned with exact
// false.
func (in *coverInstance) solve(budget int) coverResult {
	n := len(in.name)
	if len(in.reqs) == 0 {
		return coverResult{exact: true}
	}
	best := in.greedy()
	bestCost := in.costOf(best)
	s := &search{in: in, budget: budget, chosen: make([]bool, n), best: best, bestCost: bestCost}
	// Options sorted cheapest first, by what they cost alone.
	s.opts = make([][][]int, len(in.reqs))
	for i, opts := range in.reqs {
		o := slices.Clone(opts)
		costs := make([]cost, len(o))
		for k := range o {
			costs[k] = in.costOf(o[k])
		}
		idx := make([]int, len(o))
		for k := range idx {
			idx[k] = k
		}
		sort.SliceStable(idx, func(a, b int) bool { return compareCost(&costs[idx[a]], &costs[idx[b]]) < 0 })
		for k, j := range idx {
			o[k] = opts[j]
		}
		s.opts[i] = o
	}
	s.visit()
	slices.Sort(s.best)
	return coverResult{perms: s.best, exact: !s.aborted, nodes: s.nodes}
}

type search struct {
	in       *coverInstance
	opts     [][][]int
	budget   int
	nodes    int
	aborted  bool
	chosen   []bool
	set      []int
	levels   [numClasses]int
	best     []int
	bestCost cost
}

func (s *search) visit() {
	s.nodes++
	if s.nodes > s.budget {
		s.aborted = true
		return
	}
	// The requirement with the fewest options among the unsatisfied.
	pick := -1
	for i, opts := range s.opts {
		if satisfied(opts, s.chosen) {
			continue
		}
		if pick < 0 || len(opts) < len(s.opts[pick]) {
			pick = i
		}
	}
	if pick < 0 {
		cur := s.in.costOf(s.set)
		if compareCost(&cur, &s.bestCost) < 0 {
			s.best, s.bestCost = slices.Clone(s.set), cur
		}
		return
	}
	// Completing the set adds a permission, which raises its class counts:
	// a partial set whose counts already equal the best's cannot win.
	cur := cost{levels: s.levels}
	if compareClasses(&cur, &s.bestCost) >= 0 {
		return
	}
	for _, o := range s.opts[pick] {
		added := 0
		for _, p := range o {
			if !s.chosen[p] {
				s.push(p)
				added++
			}
		}
		s.visit()
		for ; added > 0; added-- {
			s.pop()
		}
		if s.aborted {
			return
		}
	}
}

func (s *search) push(p int) {
	s.chosen[p] = true
	s.set = append(s.set, p)
	s.levels[s.in.class[p]]++
}

func (s *search) pop() {
	p := s.set[len(s.set)-1]
	s.set = s.set[:len(s.set)-1]
	s.chosen[p] = false
	s.levels[s.in.class[p]]--
}

// greedy builds a cover by adding, each time, the option that satisfies
// the most unsatisfied requirements (ties: the cheaper option), then drops
// permissions the cover does not need, most expensive first. For the
// number of permissions it is within H(n) ≤ 1 + ln n of the fewest
// (Johnson 1974).
func (in *coverInstance) greedy() []int {
	n := len(in.name)
	chosen := make([]bool, n)
	var set []int
	for {
		bestGain, bestOpt := 0, []int(nil)
		var bestCost cost
		for _, opts := range in.reqs {
			if satisfied(opts, chosen) {
				continue
			}
			for _, o := range opts {
				var added []int
				for _, p := range o {
					if !chosen[p] {
						chosen[p] = true
						added = append(added, p)
					}
				}
				gain := 0
				for _, r := range in.reqs {
					if satisfied(r, chosen) {
						gain++
					}
				}
				for _, p := range added {
					chosen[p] = false
				}
				c := in.costOf(added)
				if gain > bestGain || gain == bestGain && bestOpt != nil && compareCost(&c, &bestCost) < 0 {
					bestGain, bestOpt, bestCost = gain, added, c
				}
			}
		}
		if bestOpt == nil {
			break
		}
		for _, p := range bestOpt {
			chosen[p] = true
			set = append(set, p)
		}
	}
	// Drop what the cover does not need, the most expensive first.
	sort.Slice(set, func(i, j int) bool {
		ci, cj := in.costOf([]int{set[i]}), in.costOf([]int{set[j]})
		return compareCost(&ci, &cj) > 0
	})
	out := set[:0:0]
	for i, p := range set {
		chosen[p] = false
		if !in.covers(chosen) {
			chosen[p] = true
			out = append(out, set[i])
		}
	}
	return out
}
