package postgres

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
)

// Column encodings shared by every table (see doc.go).

// tstz encodes a time for a timestamptz column: NULL for the zero time.
// pgx sends microseconds, truncating anything finer.
func tstz(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t
}

// timeCol scans a timestamptz column into a UTC time; NULL becomes the zero
// time. (pgx would return times in time.Local.)
type timeCol struct{ p *time.Time }

func (c timeCol) ScanTimestamptz(v pgtype.Timestamptz) error {
	switch {
	case !v.Valid:
		*c.p = time.Time{}
	case v.InfinityModifier != pgtype.Finite:
		return fmt.Errorf("postgres: infinite timestamp")
	default:
		*c.p = v.Time.UTC()
	}
	return nil
}

func ts(p *time.Time) timeCol { return timeCol{p} }

// list encodes a list of strings for a jsonb column: a JSON array, '[]'
// when empty (a nil slice would marshal to JSON null).
func list(l []string) []string {
	if l == nil {
		return []string{}
	}
	return l
}

// listCol scans a jsonb array of strings; an empty array becomes nil, as in
// the SQLite backend. It is an sql.Scanner, which pgx hands the document's
// text (a json.Unmarshaler would not do: pgx zeroes the target first).
type listCol struct{ p *[]string }

func (c listCol) Scan(src any) error {
	var b []byte
	switch v := src.(type) {
	case []byte:
		b = v
	case string:
		b = []byte(v)
	default:
		return fmt.Errorf("postgres: list column holds %T", src)
	}
	var l []string
	if err := json.Unmarshal(b, &l); err != nil {
		return fmt.Errorf("postgres: list column: %w", err)
	}
	if len(l) == 0 {
		l = nil
	}
	*c.p = l
	return nil
}

func strs(p *[]string) listCol { return listCol{p} }

// blob keeps nil out of NOT NULL bytea columns (pgx sends a nil slice as
// NULL).
func blob(b []byte) []byte {
	if b == nil {
		return []byte{}
	}
	return b
}

// scanner is a pgx.Row or pgx.Rows.
type scanner = interface{ Scan(...any) error }

// queryAll runs a query and scans every row with scan.
func queryAll[T any](ctx context.Context, q querier, scan func(scanner) (T, error), sql string, args ...any) ([]T, error) {
	rows, err := q.Query(ctx, sql, args...)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (T, error) { return scan(row) })
}
