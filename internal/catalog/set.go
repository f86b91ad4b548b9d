package catalog

import (
	"math/bits"
	"strings"
)

const setWords = MaxPermissions / 64

// Set is a set of permissions, one bit per catalog Index. It is a value
// (256 bytes) so that a token's scopes can be held without allocation and
// intersected in a few instructions on every request.
type Set struct{ w [setWords]uint64 }

// Add puts p in the set.
func (s *Set) Add(p *Permission) { s.w[p.Index>>6] |= 1 << (uint(p.Index) & 63) }

// AddIndex puts the permission with index i in the set.
func (s *Set) AddIndex(i int) { s.w[i>>6] |= 1 << (uint(i) & 63) }

// Remove takes p out of the set.
func (s *Set) Remove(p *Permission) { s.w[p.Index>>6] &^= 1 << (uint(p.Index) & 63) }

// Has reports whether p is in the set.
func (s *Set) Has(p *Permission) bool { return s.HasIndex(p.Index) }

// HasIndex reports whether the permission with index i is in the set.
func (s *Set) HasIndex(i int) bool { return s.w[i>>6]&(1<<(uint(i)&63)) != 0 }

// Intersects reports whether s and o share a permission.
func (s *Set) Intersects(o *Set) bool {
	for i := range s.w {
		if s.w[i]&o.w[i] != 0 {
			return true
		}
	}
	return false
}

// Union adds every permission of o to s.
func (s *Set) Union(o *Set) {
	for i := range s.w {
		s.w[i] |= o.w[i]
	}
}

// Intersect keeps only the permissions also in o.
func (s *Set) Intersect(o *Set) {
	for i := range s.w {
		s.w[i] &= o.w[i]
	}
}

// Minus removes every permission of o from s.
func (s *Set) Minus(o *Set) {
	for i := range s.w {
		s.w[i] &^= o.w[i]
	}
}

// Next returns the smallest index ≥ i in the set, or -1. It lets hot paths
// walk a set without a callback.
func (s *Set) Next(i int) int {
	if i < 0 {
		i = 0
	}
	for wi := i >> 6; wi < len(s.w); wi++ {
		w := s.w[wi]
		if wi == i>>6 {
			w &^= (1 << (uint(i) & 63)) - 1
		}
		if w != 0 {
			return wi*64 + bits.TrailingZeros64(w)
		}
	}
	return -1
}

// Len counts the permissions in the set.
func (s *Set) Len() int {
	n := 0
	for _, w := range s.w {
		n += bits.OnesCount64(w)
	}
	return n
}

// Empty reports whether the set has no permission.
func (s *Set) Empty() bool {
	for _, w := range s.w {
		if w != 0 {
			return false
		}
	}
	return true
}

// Each calls f for each permission of the set, in catalog order.
func (s *Set) Each(c *Catalog, f func(*Permission)) {
	for i, w := range s.w {
		for w != 0 {
			b := bits.TrailingZeros64(w)
			f(c.perms[i*64+b])
			w &^= 1 << uint(b)
		}
	}
}

// Names lists the set's permission names in catalog order.
func (s *Set) Names(c *Catalog) []string {
	var out []string
	s.Each(c, func(p *Permission) { out = append(out, p.Name) })
	return out
}

// String renders the names space-separated, as in a token's scp claim.
func (s *Set) String(c *Catalog) string { return strings.Join(s.Names(c), " ") }

// ParseScopes reads a space-separated scope string (a token's scp claim or
// a CLI flag). Known names go into the set; unknown ones are returned so the
// caller can decide (a token service rejects them, a token validator ignores
// them). Resource-qualified names (https://graph.microsoft.com/Mail.Read) are
// accepted.
func (c *Catalog) ParseScopes(s string) (set Set, unknown []string) {
	// A hand-rolled split: this runs on every Graph request.
	for rest := s; rest != ""; {
		i := strings.IndexAny(rest, " ,\t\n")
		f := rest
		if i >= 0 {
			f, rest = rest[:i], rest[i+1:]
		} else {
			rest = ""
		}
		if f == "" {
			continue
		}
		name := f
		if i := strings.LastIndexByte(f, '/'); i >= 0 && strings.Contains(f, "://") {
			name = f[i+1:]
		}
		if p, ok := c.Lookup(name); ok {
			set.Add(p)
		} else {
			unknown = append(unknown, f)
		}
	}
	return set, unknown
}
