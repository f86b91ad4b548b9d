package postgres

import (
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// timeTarget is a sqlstore.TimeTarget, as the shared layer's ts(&t) is.
type timeTarget struct{ p *time.Time }

func (c timeTarget) TimeTarget() *time.Time { return c.p }

// Scan is never called: the connection's timestamptz plan fills the
// target directly.
func (c timeTarget) Scan(any) error { panic("Scan called") }

// TestTimeTargetScan checks the scan plan registerTypes installs: a
// timestamptz, NULL and infinity into a TimeTarget, in pgx's binary
// (extended protocol) and text (simple protocol) result formats, and a
// plain *time.Time still scanned by pgx's own plan.
func TestTimeTargetScan(t *testing.T) {
	t.Parallel()
	s := newTestStore(t)
	ctx := t.Context()
	want := time.Date(2026, 12, 5, 14, 3, 7, 123456000, time.UTC)
	for _, mode := range []pgx.QueryExecMode{pgx.QueryExecModeCacheStatement, pgx.QueryExecModeSimpleProtocol} {
		for _, tc := range []struct {
			name    string
			query   string
			want    time.Time
			wantErr bool
		}{
			{"value", `SELECT '2026-12-05 15:03:07.123456+01'::timestamptz`, want, false},
			{"NULL", `SELECT NULL::timestamptz`, time.Time{}, false},
			{"infinity", `SELECT 'infinity'::timestamptz`, time.Time{}, true},
		} {
			got := time.Unix(1, 0)
			err := s.pool.QueryRow(ctx, tc.query, mode).Scan(timeTarget{&got})
			if tc.wantErr {
				if err == nil {
					t.Errorf("%v %s: no error", mode, tc.name)
				}
				continue
			}
			if err != nil || !got.Equal(tc.want) || got.Location() != time.UTC {
				t.Errorf("%v %s: got %v (%v), %v; want %v in UTC", mode, tc.name, got, got.Location(), err, tc.want)
			}
		}
		var plain time.Time
		if err := s.pool.QueryRow(ctx, `SELECT '2026-12-05 15:03:07.123456+01'::timestamptz`, mode).Scan(&plain); err != nil || !plain.Equal(want) {
			t.Errorf("%v *time.Time: got %v, %v; want %v", mode, plain, err, want)
		}
	}
}
