package sqlstore

import (
	"strconv"
	"strings"
	"time"
)

// Flavor is what one SQL engine does differently from the others, for
// statements and transactions, and (Queries) for item and directory
// queries.
type Flavor struct {
	// Name prefixes errors ("sqlite", "postgres").
	Name string
	// Numbered: placeholders are $1, $2, … (PostgreSQL) instead of '?'.
	Numbered bool
	// ForUpdate follows the SELECT of a read-modify-write to lock its row
	// until the transaction ends (" FOR UPDATE"); "" where write
	// transactions already exclude each other (SQLite's BEGIN IMMEDIATE).
	ForUpdate string
	// LockKey, when not "", is a statement taking a transaction-scoped lock
	// on its one argument (a string key), for writers that must be ordered
	// although they touch no common row (RevokeFamily against a refresh
	// token of that family being stored).
	LockKey string
	// Millis: times are stored as integer milliseconds since the epoch
	// (SQLite); otherwise as time.Time (PostgreSQL timestamptz, which keeps
	// microseconds).
	Millis bool
	// LimitAll is the LIMIT argument for "no limit" (SQLite -1); nil where
	// NULL means no limit (PostgreSQL).
	LimitAll any
	// IsUnique reports a unique-key violation.
	IsUnique func(error) bool
	// Constraint names the constraint a unique violation violated, where
	// the engine says (nil: it does not).
	Constraint func(error) string
	// Retryable reports a failure after which running the transaction
	// again may succeed (busy, serialization failure, deadlock).
	Retryable func(error) bool
	// MaxAttempts, FirstBackoff and MaxBackoff bound the retries.
	MaxAttempts  int
	FirstBackoff time.Duration
	MaxBackoff   time.Duration
	// Queries is what item and directory queries do differently (see
	// items.go); nil for a flavor that serves neither.
	Queries *Queries
	// LogTx, when not "", runs first in each transaction of the decision
	// and sign-in logs (DB.LogWrite): PostgreSQL's SET LOCAL
	// synchronous_commit = off. SQLite's logs get their promise from their
	// pool's connection (synchronous=NORMAL) instead.
	LogTx string
}

// Rebind rewrites the '?' placeholders of query into the flavor's. '?'
// inside a string literal ('…') or a quoted identifier ("…") is kept; the
// statements of this package use no other '?'.
func (f *Flavor) Rebind(query string) string {
	if !f.Numbered || strings.IndexByte(query, '?') < 0 {
		return query
	}
	var b strings.Builder
	b.Grow(len(query) + 16)
	n := 0
	var quote byte
	for i := 0; i < len(query); i++ {
		c := query[i]
		switch {
		case quote != 0:
			if c == quote {
				quote = 0
			}
		case c == '\'' || c == '"':
			quote = c
		case c == '?':
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
			continue
		}
		b.WriteByte(c)
	}
	return b.String()
}

// Time encodes t for a time column: NULL for the zero time.
func (f *Flavor) Time(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	if f.Millis {
		return t.UnixMilli()
	}
	return t
}

// Round returns t as a read would return it: in UTC, at the precision
// the flavor keeps.
func (f *Flavor) Round(t time.Time) time.Time {
	if t.IsZero() {
		return time.Time{}
	}
	if f.Millis {
		return time.UnixMilli(t.UnixMilli()).UTC()
	}
	return t.Truncate(time.Microsecond).UTC()
}

// Limit turns a list method's limit (0 for all) into a LIMIT argument.
func (f *Flavor) Limit(limit int) any {
	if limit <= 0 {
		return f.LimitAll
	}
	return limit
}
