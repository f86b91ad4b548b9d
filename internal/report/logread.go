package report

import (
	"context"
	"fmt"
	"strings"
	"time"

	"graphgate/internal/store"
)

// ParseSince reads a --since value: a duration back from now ("10m",
// "2h", "7d" for days) or an RFC 3339 time.
func ParseSince(s string, now time.Time) (time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, nil
	}
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t, nil
	}
	if days, ok := strings.CutSuffix(s, "d"); ok {
		var n int
		if _, err := fmt.Sscanf(days, "%d", &n); err == nil && n >= 0 && fmt.Sprint(n) == days {
			return now.Add(-time.Duration(n) * 24 * time.Hour), nil
		}
	}
	d, err := time.ParseDuration(s)
	if err != nil || d < 0 {
		return time.Time{}, fmt.Errorf("%q is neither a duration back from now (10m, 2h, 7d) nor an RFC 3339 time (2026-03-01T09:00:00Z)", s)
	}
	return now.Add(-d), nil
}

// LogReader is what reading the decision log needs.
type LogReader interface {
	ListDecisions(ctx context.Context, q store.DecisionQuery) ([]store.Decision, error)
}

// FollowLog reads the rows q selects that are newer than q.After at every
// tick, a page of at most q.Limit (0: 1000) at a time, and hands them to
// emit, oldest first, until ctx ends (then it returns nil) or emit or the
// store fails.
func FollowLog(ctx context.Context, src LogReader, q store.DecisionQuery, ticks <-chan time.Time, emit func([]store.Decision) error) error {
	q.Newest = false
	if q.Limit <= 0 {
		q.Limit = logPage
	}
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-ticks:
		}
		for {
			rows, err := src.ListDecisions(ctx, q)
			if ctx.Err() != nil {
				return nil
			}
			if err != nil {
				return err
			}
			if len(rows) == 0 {
				break
			}
			if err := emit(rows); err != nil {
				return err
			}
			q.After = rows[len(rows)-1].Seq
			if len(rows) < q.Limit {
				break
			}
		}
	}
}
