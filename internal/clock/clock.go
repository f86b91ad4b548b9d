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

	mu     sync.Mutex
	offset time.Duration // added to real time while running
	frozen bool
	at     time.Time // the time while frozen

	// now is a copy of offset, frozen and at that Now reads without the
	// lock: every request reads the clock (token checks), and a lock
	// every goroutine takes was the server's most contended one. The
	// writers, holding mu, publish a fresh copy (publishLocked).
	now atomic.Pointer[setting]
}

// setting is what Now reads: offset, frozen and at.
type setting struct {
	offset time.Duration
	frozen bool
	at     time.Time
}

// New returns a clock that follows real (time.Now when nil) until it is
// frozen, advanced or set.
func New(real func() time.Time) *Controlled {
	if real == nil {
		real = time.Now
	}
	c := &Controlled{real: real}
	c.now.Store(&setting{})
	return c
}

// publishLocked makes the writers' change what Now reads.
func (c *Controlled) publishLocked() {
	c.now.Store(&setting{offset: c.offset, frozen: c.frozen, at: c.at})
}

// Now is the clock's time. It is the func() time.Time every component
// takes.
func (c *Controlled) Now() time.Time {
	s := c.now.Load()
	if s.frozen {
		return s.at
	}
	return c.real().Add(s.offset)
}

func (c *Controlled) nowLocked(real time.Time) time.Time {
	if c.frozen {
		return c.at
	}
	return real.Add(c.offset)
}

// State reads the clock.
func (c *Controlled) State() State {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.stateLocked()
}

func (c *Controlled) stateLocked() State {
	real := c.real()
	now := c.nowLocked(real)
	return State{Now: now, Real: real, Frozen: c.frozen, Offset: now.Sub(real).Round(time.Millisecond)}
}

// Freeze stops the clock at its current time; freezing a frozen clock
// changes nothing.
func (c *Controlled) Freeze() State {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.frozen {
		c.at, c.frozen = c.nowLocked(c.real()), true
	}
	c.publishLocked()
	return c.stateLocked()
}

// Advance moves the clock forward by d, frozen or not.
func (c *Controlled) Advance(d time.Duration) (State, error) {
	if d < 0 {
		return c.State(), ErrNegative
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.frozen {
		c.at = c.at.Add(d)
	} else {
		c.offset += d
	}
	c.publishLocked()
	return c.stateLocked(), nil
}

// Set puts the clock at t (forward or back). A frozen clock stays frozen
// at t; a running one runs on from t.
func (c *Controlled) Set(t time.Time) State {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.frozen {
		c.at = t
	} else {
		c.offset = t.Sub(c.real())
	}
	c.publishLocked()
	return c.stateLocked()
}

// Reset makes the clock follow the real one again.
func (c *Controlled) Reset() State {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.offset, c.frozen, c.at = 0, false, time.Time{}
	c.publishLocked()
	return c.stateLocked()
}
