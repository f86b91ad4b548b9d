package report

import (
	"math/bits"
	"sort"
	"strings"
	"sync"

	"graphgate/internal/authz"
	"graphgate/internal/catalog"
	"graphgate/internal/permname"
	"graphgate/internal/routes"
)

// Analyzer builds reports over one engine (its route table and catalog).
// It is immutable once built, but for what it computes on first use, and
// safe for concurrent use.
type Analyzer struct {
	eng *authz.Engine
	tab *routes.Table
	cat *catalog.Catalog
	// includedBy[i] are the permissions that include permission i besides
	// itself (Mail.ReadWrite and Mail.Read.Shared for Mail.Read), and
	// includes[i] those permission i includes: the grammar the engine
	// applies when it expands a token's permissions.
	includedBy, includes [][]*catalog.Permission

	reachOnce sync.Once
	// accepts[s][i] lists the rules that accept permission i in scheme s.
	accepts [catalog.NumSchemes][][]int32
	nRules  int

	mu     sync.Mutex
	reachN [catalog.NumSchemes]map[int]int
}

// New returns an analyzer over e (authz.Default() when nil).
func New(e *authz.Engine) *Analyzer {
	if e == nil {
		e = authz.Default()
	}
	a := &Analyzer{eng: e, tab: e.Table(), cat: e.Catalog()}
	n := a.cat.Len()
	a.includedBy = make([][]*catalog.Permission, n)
	a.includes = make([][]*catalog.Permission, n)
	byResource := map[string][]*catalog.Permission{}
	for _, p := range a.cat.All() {
		r := strings.ToLower(p.Parts.Resource)
		byResource[r] = append(byResource[r], p)
	}
	for _, ps := range byResource {
		for _, held := range ps {
			for _, want := range ps {
				if want != held && want.Kind == held.Kind && permname.Implies(held.Parts, want.Parts) {
					a.includedBy[want.Index] = append(a.includedBy[want.Index], held)
					a.includes[held.Index] = append(a.includes[held.Index], want)
				}
			}
		}
	}
	return a
}

// Engine returns the engine the analyzer decides with.
func (a *Analyzer) Engine() *authz.Engine { return a.eng }

// buildReach indexes, once, which rules accept each permission per scheme.
func (a *Analyzer) buildReach() {
	a.reachOnce.Do(func() {
		rules := a.tab.Rules()
		a.nRules = len(rules)
		for s := range a.accepts {
			a.accepts[s] = make([][]int32, a.cat.Len())
		}
		for _, r := range rules {
			if r == nil {
				continue
			}
			for s := range r.Accepted {
				for _, e := range r.Accepted[s] {
					l := a.accepts[s][e.Perm.Index]
					if n := len(l); n == 0 || l[n-1] != int32(r.Index) {
						a.accepts[s][e.Perm.Index] = append(l, int32(r.Index))
					}
				}
			}
		}
	})
}

// bitset is a set of rule indexes.
type bitset []uint64

func newBitset(n int) bitset { return make(bitset, (n+63)/64) }

func (b bitset) set(i int32) { b[i>>6] |= 1 << (uint(i) & 63) }
func (b bitset) or(o bitset) {
	for i := range b {
		b[i] |= o[i]
	}
}
func (b bitset) copyFrom(o bitset) { copy(b, o) }
func (b bitset) count() int {
	n := 0
	for _, w := range b {
		n += bits.OnesCount64(w)
	}
	return n
}

// reach returns the rules of scheme s that p allows: those that accept p
// or a permission p includes.
func (a *Analyzer) reach(s catalog.Scheme, p *catalog.Permission) bitset {
	a.buildReach()
	b := newBitset(a.nRules)
	for _, r := range a.accepts[s][p.Index] {
		b.set(r)
	}
	for _, q := range a.includes[p.Index] {
		for _, r := range a.accepts[s][q.Index] {
			b.set(r)
		}
	}
	return b
}

// level is a permission's privilege level in scheme s, 1 (least) to 5;
// a permission Microsoft gives no level ranks above every level it does,
// so that it is never preferred to one it rates.
func level(p *catalog.Permission, s catalog.Scheme) int {
	if l := p.PrivilegeLevel(s); l > 0 {
		return l
	}
	return maxLevel
}

// maxLevel is one above Microsoft's highest privilege level (5).
const maxLevel = 6

// numClasses is the number of privilege classes (classOf).
const numClasses = 2 * (maxLevel + 1)

// classOf ranks a permission for the minimal set: a permission that only
// reads (ReadBasic, Read: permname's lattice) before any that writes or
// does anything else (ReadWrite, Send, Manage…), then Microsoft's
// privilege level in s. Reading first because Microsoft's levels alone
// rate Group-NestingSupport.ReadWrite.All (one property of groups, read
// and written) below GroupMember.Read.All for listing groups, and rate
// most permissions 3, where they cannot tell User.Read.All from
// User.ReadWrite.CrossCloud.
func classOf(p *catalog.Permission, s catalog.Scheme) int {
	c := level(p, s)
	if !readOnly(p) {
		c += maxLevel + 1
	}
	return c
}

// readOnly reports whether a permission's operation only reads.
func readOnly(p *catalog.Permission) bool {
	return permname.OperationImplies(permname.OpRead, p.Parts.Operation)
}

// reachCount is the number of rules of scheme s that p allows, cached.
func (a *Analyzer) reachCount(s catalog.Scheme, p *catalog.Permission) int {
	a.mu.Lock()
	if n, ok := a.reachN[s][p.Index]; ok {
		a.mu.Unlock()
		return n
	}
	a.mu.Unlock()
	n := a.reach(s, p).count()
	a.mu.Lock()
	if a.reachN[s] == nil {
		a.reachN[s] = map[int]int{}
	}
	a.reachN[s][p.Index] = n
	a.mu.Unlock()
	return n
}

// permLess orders permissions by what they cost alone in scheme s:
// privilege class, then whose data it reaches (permname.ConstraintRank),
// then reach, then name (the order AllowedBy lists them in; the minimal
// set also weighs the route table's resource family).
func (a *Analyzer) permLess(s catalog.Scheme, p, q *catalog.Permission) bool {
	if cp, cq := classOf(p, s), classOf(q, s); cp != cq {
		return cp < cq
	}
	if cp, cq := permname.ConstraintRank(p.Parts.Constraint), permname.ConstraintRank(q.Parts.Constraint); cp != cq {
		return cp < cq
	}
	if rp, rq := a.reachCount(s, p), a.reachCount(s, q); rp != rq {
		return rp < rq
	}
	return p.Name < q.Name
}

// sortPerms sorts ps cheapest first (permLess).
func (a *Analyzer) sortPerms(s catalog.Scheme, ps []*catalog.Permission) {
	sort.SliceStable(ps, func(i, j int) bool { return a.permLess(s, ps[i], ps[j]) })
}
