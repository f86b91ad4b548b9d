package faults

import (
	"bytes"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"strconv"
	"sync"
	"sync/atomic"

	"gopkg.in/yaml.v3"
)

// ErrNotFound is Remove's answer for an unknown rule id.
var ErrNotFound = errors.New("faults: no such rule")

// ErrDuplicate is Add's answer for a rule id already in the set.
var ErrDuplicate = errors.New("faults: a rule with this id exists")

// ErrFull is Add's answer when the set holds MaxRules rules.
var ErrFull = fmt.Errorf("faults: at most %d rules", MaxRules)

// Set is the rules in force, in the order they were added (the first rule
// that matches and fires wins). It is safe for concurrent use.
type Set struct {
	// n is len(rules), read without the lock on every request.
	n     atomic.Int32
	mu    sync.Mutex
	rules []*rule
	next  int
	rand  func() float64
}

// rule is a Rule with its counters.
type rule struct {
	Rule
	remaining int // of Count; unused when Count == 0
	injected  int64
}

// Options configure a Set.
type Options struct {
	// Rand draws in [0,1) for rules with a probability (default: a PCG
	// source seeded with Seed, so a run is repeatable). Called with the
	// Set's lock held.
	Rand func() float64
	// Seed seeds the default source.
	Seed uint64
}

// NewSet returns an empty set: no faults.
func NewSet(o Options) *Set {
	r := o.Rand
	if r == nil {
		r = rand.New(rand.NewPCG(o.Seed, o.Seed^0x9e3779b97f4a7c15)).Float64
	}
	return &Set{rand: r}
}

// Add validates r and adds it, giving it an id when it has none. It
// returns the rule as stored.
func (s *Set) Add(r Rule) (Rule, error) {
	if err := r.Validate(); err != nil {
		return Rule{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.rules) >= MaxRules {
		return Rule{}, ErrFull
	}
	if r.ID == "" {
		for {
			s.next++
			r.ID = "f" + strconv.Itoa(s.next)
			if s.indexLocked(r.ID) < 0 {
				break
			}
		}
	} else if s.indexLocked(r.ID) >= 0 {
		return Rule{}, fmt.Errorf("%w: %s", ErrDuplicate, r.ID)
	}
	r.Remaining, r.Injected = nil, 0
	s.rules = append(s.rules, &rule{Rule: r, remaining: r.Count})
	s.n.Store(int32(len(s.rules)))
	return s.rules[len(s.rules)-1].view(), nil
}

// Replace swaps every rule for rules (all validated first: on an error
// the set is unchanged).
func (s *Set) Replace(rules []Rule) error {
	tmp := NewSet(Options{Rand: func() float64 { return 0 }})
	for i, r := range rules {
		if _, err := tmp.Add(r); err != nil {
			return fmt.Errorf("rule %d: %w", i+1, err)
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.rules, s.next = tmp.rules, tmp.next
	s.n.Store(int32(len(s.rules)))
	return nil
}

// Remove deletes the rule with id.
func (s *Set) Remove(id string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	i := s.indexLocked(id)
	if i < 0 {
		return fmt.Errorf("%w: %s", ErrNotFound, id)
	}
	s.rules = append(s.rules[:i], s.rules[i+1:]...)
	s.n.Store(int32(len(s.rules)))
	return nil
}

// Clear removes every rule: injection is off.
func (s *Set) Clear() {
	s.mu.Lock()
	s.rules = nil
	s.n.Store(0)
	s.mu.Unlock()
}

// List returns the rules with their counters.
func (s *Set) List() []Rule {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Rule, len(s.rules))
	for i, r := range s.rules {
		out[i] = r.view()
	}
	return out
}

// Empty reports whether no rule is in force (injection is off).
func (s *Set) Empty() bool { return s.n.Load() == 0 }

func (s *Set) indexLocked(id string) int {
	for i, r := range s.rules {
		if r.ID == id {
			return i
		}
	}
	return -1
}

func (r *rule) view() Rule {
	v := r.Rule
	v.Injected = r.injected
	if r.Count > 0 {
		n := r.remaining
		v.Remaining = &n
	}
	return v
}

// pick returns the first rule that matches q and fires, counting it. When
// a rule that needs the caller (app, user) is reached and described is
// false, it stops without counting anything and reports needCaller: the
// caller is described outside the lock (it may verify a token or read a
// form) and pick is called again.
func (s *Set) pick(q *Request, described bool) (fired Rule, ok, needCaller bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, r := range s.rules {
		if r.Count > 0 && r.remaining == 0 {
			continue
		}
		if !r.matchesCheap(q) {
			continue
		}
		if r.needsCaller() {
			if !described {
				return Rule{}, false, true
			}
			if !r.matchesCaller(q) {
				continue
			}
		}
		if r.Probability > 0 && r.Probability < 1 && s.rand() >= r.Probability {
			continue
		}
		if r.Count > 0 {
			r.remaining--
		}
		r.injected++
		return r.view(), true, false
	}
	return Rule{}, false, false
}

// File is the format of `serve --faults`: a list of rules.
//
//	faults:
//	  - id: mail-throttled
//	    route: /me/messages
//	    status: 429
//	    retryAfter: 2
//	    count: 2
type File struct {
	Faults []Rule `yaml:"faults"`
}

// LoadFile reads a faults file into the set, replacing its rules.
func (s *Set) LoadFile(path string) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	var f File
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	if err := dec.Decode(&f); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	if err := s.Replace(f.Faults); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return nil
}
