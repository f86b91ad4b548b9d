package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"
)

// Column encodings shared by every table (see doc.go).

// millis encodes a time as integer milliseconds since the Unix epoch, or
// NULL for the zero time.
func millis(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UnixMilli()
}

// timeCol scans what millis stored back into a UTC time.
type timeCol struct{ p *time.Time }

func (c timeCol) Scan(v any) error {
	switch v := v.(type) {
	case nil:
		*c.p = time.Time{}
	case int64:
		*c.p = time.UnixMilli(v).UTC()
	default:
		return fmt.Errorf("sqlite: time column holds %T", v)
	}
	return nil
}

func ts(p *time.Time) timeCol { return timeCol{p} }

// list encodes a list of strings as a JSON array ('[]' when empty), a
// json.RawMessage, which the guard checks and binds as TEXT (guard.go).
func list(l []string) json.RawMessage {
	if len(l) == 0 {
		return json.RawMessage("[]")
	}
	b, err := json.Marshal(l)
	if err != nil {
		panic(err) // []string always marshals
	}
	return b
}

// listCol scans what list stored; an empty array becomes nil.
type listCol struct{ p *[]string }

func (c listCol) Scan(v any) error {
	var b []byte
	switch v := v.(type) {
	case string:
		b = []byte(v)
	case []byte:
		b = v
	default:
		return fmt.Errorf("sqlite: list column holds %T", v)
	}
	var l []string
	if err := json.Unmarshal(b, &l); err != nil {
		return fmt.Errorf("sqlite: list column: %w", err)
	}
	if len(l) == 0 {
		l = nil
	}
	*c.p = l
	return nil
}

func strs(p *[]string) listCol { return listCol{p} }

// blob keeps nil out of NOT NULL BLOB columns (the driver binds a nil slice
// as NULL).
func blob(b []byte) []byte {
	if b == nil {
		return []byte{}
	}
	return b
}

// scanner is *sql.Row or *sql.Rows.
type scanner = interface{ Scan(...any) error }

// queryAll runs a query in tx and scans every row with scan.
func queryAll[T any](ctx context.Context, tx *sql.Tx, scan func(scanner) (T, error), query string, args ...any) ([]T, error) {
	rows, err := tx.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// limitArg turns a list method's limit (0 for all) into SQLite's LIMIT
// argument (-1 for all).
func limitArg(limit int) int {
	if limit <= 0 {
		return -1
	}
	return limit
}
