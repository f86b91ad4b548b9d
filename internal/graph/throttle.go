package graph

import (
	"math"
	"sync"
	"time"

	lru "github.com/hashicorp/golang-lru/v2"
	"golang.org/x/time/rate"
)

// ThrottleConfig limits requests per app and user, as Graph's service
// limits do; over the limit a request gets 429 with Retry-After.
type ThrottleConfig struct {
	// Requests per Per are allowed, with bursts of Burst (default Requests).
	Requests int
	Per      time.Duration
	Burst    int
}

// throttle keeps one token bucket (golang.org/x/time/rate) per app+user in
// a bounded LRU, so idle keys cost nothing.
type throttle struct {
	cfg     ThrottleConfig
	now     func() time.Time
	mu      sync.Mutex
	buckets *lru.Cache[string, *rate.Limiter]
}

func newThrottle(cfg ThrottleConfig, now func() time.Time) *throttle {
	if cfg.Per <= 0 {
		cfg.Per = time.Second
	}
	if cfg.Requests <= 0 {
		cfg.Requests = 1
	}
	if cfg.Burst <= 0 {
		cfg.Burst = cfg.Requests
	}
	c, _ := lru.New[string, *rate.Limiter](10000)
	return &throttle{cfg: cfg, now: now, buckets: c}
}

// allow takes a token for key; when none is left it reports how many
// seconds to wait.
func (t *throttle) allow(key string) (int, bool) {
	t.mu.Lock()
	l, ok := t.buckets.Get(key)
	if !ok {
		l = rate.NewLimiter(rate.Limit(float64(t.cfg.Requests)/t.cfg.Per.Seconds()), t.cfg.Burst)
		t.buckets.Add(key, l)
	}
	t.mu.Unlock()
	now := t.now()
	r := l.ReserveN(now, 1)
	if d := r.DelayFrom(now); d > 0 {
		r.CancelAt(now)
		return int(math.Ceil(d.Seconds())), false
	}
	return 0, true
}
