package tokens

import (
	"errors"
	"time"
)

// RotationPolicy is the signing-key timeline. For each key:
//
//	created ──Overlap──▶ active ──Period──▶ successor active ──MaxTokenLifetime+Grace──▶ retired
//	└─────────────────────── published in JWKS ────────────────────────────────────────┘
//
// A successor is created Overlap before the current key's Period ends, so
// relying parties that cache JWKS have it before any token uses it; the old
// key stays published until every token it signed has expired. The zero
// value means the defaults below.
type RotationPolicy struct {
	// Period is how long each key is the signing key. Default 30 days.
	Period time.Duration
	// Overlap is how long a new key is published before it signs. Default
	// 24 hours. It must be shorter than Period and longer than the
	// Keyring's RefreshInterval, so every replica loads a key before it
	// activates.
	Overlap time.Duration
	// MaxTokenLifetime bounds the lifetime of every token the Minter signs
	// (access and ID tokens alike); minting a longer-lived token is
	// refused. Default 24 hours.
	MaxTokenLifetime time.Duration
	// Grace is added to MaxTokenLifetime before a key retires, covering
	// verifiers' clock skew and replicas that switch keys a refresh late.
	// Default 10 minutes.
	Grace time.Duration
}

// Default rotation values; see RotationPolicy.
const (
	DefaultPeriod           = 30 * 24 * time.Hour
	DefaultOverlap          = 24 * time.Hour
	DefaultMaxTokenLifetime = 24 * time.Hour
	DefaultGrace            = 10 * time.Minute
)

func (p RotationPolicy) withDefaults() RotationPolicy {
	if p.Period == 0 {
		p.Period = DefaultPeriod
	}
	if p.Overlap == 0 {
		p.Overlap = DefaultOverlap
	}
	if p.MaxTokenLifetime == 0 {
		p.MaxTokenLifetime = DefaultMaxTokenLifetime
	}
	if p.Grace == 0 {
		p.Grace = DefaultGrace
	}
	return p
}

func (p RotationPolicy) validate() error {
	if p.Period <= 0 || p.Overlap <= 0 || p.MaxTokenLifetime <= 0 || p.Grace < 0 {
		return errors.New("tokens: rotation durations must be positive")
	}
	if p.Overlap >= p.Period {
		return errors.New("tokens: rotation Overlap must be shorter than Period")
	}
	return nil
}

// plannedRetire is the RetireAt written for a key activating at activateAt.
func (p RotationPolicy) plannedRetire(activateAt time.Time) time.Time {
	return activateAt.Add(p.Period + p.MaxTokenLifetime + p.Grace)
}

// successor says whether a new key is due at now given the stored keys
// (sorted by generation) and, if so, returns its timing. The first key
// activates at once, since there is nothing to overlap with. Later keys are
// due Overlap before the newest key's Period ends; if that moment was missed
// (the service was down), the new key still waits a full Overlap and the
// current key keeps signing meanwhile.
func (p RotationPolicy) successor(keys []StoredKey, now time.Time) (gen int64, activateAt time.Time, due bool) {
	if len(keys) == 0 {
		return 1, now, true
	}
	newest := keys[len(keys)-1]
	if newest.ActivateAt.After(now) || now.Before(newest.ActivateAt.Add(p.Period-p.Overlap)) {
		return 0, time.Time{}, false
	}
	activateAt = newest.ActivateAt.Add(p.Period)
	if earliest := now.Add(p.Overlap); activateAt.Before(earliest) {
		activateAt = earliest
	}
	return newest.Generation + 1, activateAt, true
}

// retireAt is when keys[i] (sorted by generation) leaves JWKS: its planned
// retirement, or later if its successor activated late. The newest key has
// no retirement (zero time).
func (p RotationPolicy) retireAt(keys []StoredKey, i int) time.Time {
	if i == len(keys)-1 {
		return time.Time{}
	}
	r := keys[i].RetireAt
	if late := keys[i+1].ActivateAt.Add(p.MaxTokenLifetime + p.Grace); late.After(r) {
		r = late
	}
	return r
}

// retired reports whether a key with effective retirement r is gone at now.
func retired(r, now time.Time) bool {
	return !r.IsZero() && !now.Before(r)
}
