package clock_test

import (
	"errors"
	"sync"
	"testing"
	"time"

	"graphgate/internal/clock"
)

// fakeReal is a real clock the test moves by hand.
type fakeReal struct {
	mu sync.Mutex
	t  time.Time
}

func (f *fakeReal) now() time.Time { f.mu.Lock(); defer f.mu.Unlock(); return f.t }
func (f *fakeReal) tick(d time.Duration) {
	f.mu.Lock()
	f.t = f.t.Add(d)
	f.mu.Unlock()
}

var t0 = time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)

func TestControlled(t *testing.T) {
	tests := []struct {
		name string
		// do acts on the clock while real time moves on by 1m between steps.
		do         func(c *clock.Controlled)
		wantNow    time.Time // after the steps and one more real minute
		wantFrozen bool
	}{
		{"follows real time", func(c *clock.Controlled) {}, t0.Add(time.Minute), false},
		{"freeze stops it", func(c *clock.Controlled) { c.Freeze() }, t0, true},
		{"advance while running keeps running", func(c *clock.Controlled) { _, _ = c.Advance(time.Hour) }, t0.Add(time.Hour + time.Minute), false},
		{"advance while frozen moves the frozen time", func(c *clock.Controlled) { c.Freeze(); _, _ = c.Advance(90 * 24 * time.Hour) }, t0.Add(90 * 24 * time.Hour), true},
		{"set back while running runs on from there", func(c *clock.Controlled) { c.Set(t0.Add(-48 * time.Hour)) }, t0.Add(-48*time.Hour + time.Minute), false},
		{"set while frozen stays frozen", func(c *clock.Controlled) { c.Freeze(); c.Set(t0.Add(time.Hour)) }, t0.Add(time.Hour), true},
		{"reset follows real time again", func(c *clock.Controlled) { c.Freeze(); _, _ = c.Advance(time.Hour); c.Reset() }, t0.Add(time.Minute), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := &fakeReal{t: t0}
			c := clock.New(r.now)
			tt.do(c)
			r.tick(time.Minute)
			if got := c.Now(); !got.Equal(tt.wantNow) {
				t.Errorf("Now = %v, want %v", got, tt.wantNow)
			}
			st := c.State()
			if st.Frozen != tt.wantFrozen {
				t.Errorf("Frozen = %v, want %v", st.Frozen, tt.wantFrozen)
			}
			if want := tt.wantNow.Sub(r.now()); st.Offset != want {
				t.Errorf("Offset = %v, want %v", st.Offset, want)
			}
		})
	}
}

func TestAdvanceRefusesNegative(t *testing.T) {
	r := &fakeReal{t: t0}
	c := clock.New(r.now)
	if _, err := c.Advance(-time.Second); !errors.Is(err, clock.ErrNegative) {
		t.Fatalf("Advance(-1s) err = %v, want ErrNegative", err)
	}
	if !c.Now().Equal(t0) {
		t.Fatalf("a refused advance moved the clock to %v", c.Now())
	}
}

func TestConcurrentUse(t *testing.T) {
	c := clock.New(nil)
	var wg sync.WaitGroup
	for i := 0; i < 4; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := 0; j < 200; j++ {
				_, _ = c.Advance(time.Second)
				_ = c.Now()
			}
		}()
	}
	wg.Wait()
	if off := c.State().Offset; off < 800*time.Second {
		t.Fatalf("offset after 800 one-second advances = %v", off)
	}
}

// TestNowDuringChanges: Now reads without the lock, so a reader racing
// Freeze, Set and Reset sees one setting whole — never a frozen clock's
// zero time or a half-applied change (run under -race).
func TestNowDuringChanges(t *testing.T) {
	base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	c := clock.New(func() time.Time { return base })
	set := base.Add(time.Hour)
	var wg sync.WaitGroup
	stop := make(chan struct{})
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				if now := c.Now(); !now.Equal(base) && !now.Equal(set) {
					t.Errorf("Now = %v, want %v or %v", now, base, set)
					return
				}
			}
		}()
	}
	for range 500 {
		c.Set(set)
		c.Freeze()
		c.Reset()
		c.Freeze()
		c.Set(set)
		c.Reset()
	}
	close(stop)
	wg.Wait()
}

// TestNowConcurrentWithWriters: Now, which takes no lock, reads what
// each writer published, while other goroutines write (run with -race).
func TestNowConcurrentWithWriters(t *testing.T) {
	base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	c := clock.New(func() time.Time { return base })
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := range 1000 {
			c.Set(base.Add(time.Duration(i) * time.Hour))
			c.Freeze()
			if _, err := c.Advance(time.Minute); err != nil {
				t.Error(err)
			}
			c.Reset()
		}
	}()
	for range 1000 {
		if n := c.Now(); n.Before(base) {
			t.Fatalf("Now %v before the real time %v: the clock only moves forward in this test", n, base)
		}
	}
	<-done
	c.Set(base.Add(time.Hour))
	if got := c.Now(); !got.Equal(base.Add(time.Hour)) {
		t.Fatalf("after Set, Now = %v", got)
	}
	c.Freeze()
	if _, err := c.Advance(time.Minute); err != nil {
		t.Fatal(err)
	}
	if got, want := c.Now(), base.Add(time.Hour+time.Minute); !got.Equal(want) || !c.State().Frozen {
		t.Fatalf("frozen and advanced: Now = %v, want %v", got, want)
	}
	c.Reset()
	if got := c.Now(); !got.Equal(base) {
		t.Fatalf("after Reset, Now = %v, want the real time", got)
	}
}
