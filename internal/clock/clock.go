package clock

import (
	"errors"
	"sync"
	"sync/atomic"
	"time"
)

// Clock is what a component that reads time needs.
type Clock interface {
	Now() time.Time
}

// State is a Controlled clock's reading, as the admin API reports it.
type State struct {
	// Now is the clock's time.
	Now time.Time `json:"now"`
	// Real is the machine's time at the same moment.
	Real time.Time `json:"real"`
	// Frozen says whether the clock stands still.
	Frozen bool `json:"frozen"`
	// Offset is Now minus Real, rounded to the millisecond (0 after Reset).
	Offset time.Duration `json:"offsetNanoseconds"`
}

// ErrNegative is Advance's answer to a negative duration: moving time back
// is Set's job, so a sign error in a test is not silently a jump back.
var ErrNegative = errors.New("clock: advance by a negative duration (use Set to move the clock back)")

// Controlled is a clock that follows the real one (plus an offset) or
// stands still at a fixed time. The zero value is not usable; call New.
// All methods are safe for concurrent use.
type Controlled struct {
	real func() time.Time

	// mu orders the changes; Now reads the published setting without it
	// (every token and request reads the clock: a mutex here was the
	// token endpoint's contention at 128 concurrent requests).
	mu  sync.Mutex
	cur atomic.Pointer[setting]
}

// setting is what a change leaves; it is never modified once published.
type setting struct {
	offset time.Duration // added to real time while running
	frozen bool
	at     time.Time // the time while frozen
}

// New returns a clock that follows real (time.Now when nil) until it is
// frozen, advanced or set.
func New(real func() time.Time) *Controlled {
	if real == nil {
		real = time.Now
	}
	c := &Controlled{real: real}
	c.cur.Store(&setting{})
	return c
}

// Now is the clock's time. It is the func() time.Time every component
// takes.
func (c *Controlled) Now() time.Time {
	return c.cur.Load().now(c.real)
}

func (s *setting) now(real func() time.Time) time.Time {
	if s.frozen {
		return s.at
	}
	return real().Add(s.offset)
}

// State reads the clock.
func (c *Controlled) State() State {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.stateLocked()
}

func (c *Controlled) stateLocked() State {
	s := c.cur.Load()
	real := c.real()
	now := s.now(func() time.Time { return real })
	return State{Now: now, Real: real, Frozen: s.frozen, Offset: now.Sub(real).Round(time.Millisecond)}
}

// Freeze stops the clock at its current time; freezing a frozen clock
// changes nothing.
func (c *Controlled) Freeze() State {
	c.mu.Lock()
	defer c.mu.Unlock()
	if s := c.cur.Load(); !s.frozen {
		c.cur.Store(&setting{frozen: true, at: s.now(c.real)})
	}
	return c.stateLocked()
}

// Advance moves the clock forward by d, frozen or not.
func (c *Controlled) Advance(d time.Duration) (State, error) {
	if d < 0 {
		return c.State(), ErrNegative
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	s := *c.cur.Load()
	if s.frozen {
		s.at = s.at.Add(d)
	} else {
		s.offset += d
	}
	c.cur.Store(&s)
	return c.stateLocked(), nil
}

// Set puts the clock at t (forward or back). A frozen clock stays frozen
// at t; a running one runs on from t.
func (c *Controlled) Set(t time.Time) State {
	c.mu.Lock()
	defer c.mu.Unlock()
	s := *c.cur.Load()
	if s.frozen {
		s.at = t
	} else {
		s.offset = t.Sub(c.real())
	}
	c.cur.Store(&s)
	return c.stateLocked()
}

// Reset makes the clock follow the real one again.
func (c *Controlled) Reset() State {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.cur.Store(&setting{})
	return c.stateLocked()
}
