package sqlstore

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// Column encodings shared by every table. Times are encoded by the flavor
// (Flavor.Time); lists of strings are JSON arrays (TEXT on SQLite, jsonb on
// PostgreSQL); binary values are never NULL.

// timeCol scans a time column, whichever encoding the flavor stored —
// integer milliseconds or a timestamp — into a UTC time; NULL becomes the
// zero time.
type timeCol struct{ p *time.Time }

func (c timeCol) Scan(v any) error {
	switch v := v.(type) {
	case nil:
		*c.p = time.Time{}
	case int64:
		*c.p = time.UnixMilli(v).UTC()
	case time.Time:
		*c.p = v.UTC()
	default:
		return fmt.Errorf("sqlstore: time column holds %T", v)
	}
	return nil
}

func ts(p *time.Time) timeCol { return timeCol{p} }

// TimeTarget is implemented by the shared layer's time-column scan targets.
// An engine whose driver decodes timestamps itself may store a column's
// time in UTC, or the zero time for NULL, into TimeTarget() directly
// instead of calling Scan (PostgreSQL's does: pgx passes a sql.Scanner a
// boxed time.Time, two allocations a column).
type TimeTarget interface{ TimeTarget() *time.Time }

// TimeTarget is where the column's time goes.
func (c timeCol) TimeTarget() *time.Time { return c.p }

// list encodes a list of strings as a JSON array ('[]' when empty): a
// json.RawMessage, which SQLite's guard binds as TEXT and pgx as jsonb.
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
		return fmt.Errorf("sqlstore: list column holds %T", v)
	}
	var l []string
	if err := json.Unmarshal(b, &l); err != nil {
		return fmt.Errorf("sqlstore: list column: %w", err)
	}
	if len(l) == 0 {
		l = nil
	}
	*c.p = l
	return nil
}

func strs(p *[]string) listCol { return listCol{p} }

// blob keeps nil out of NOT NULL binary columns (drivers bind a nil slice
// as NULL).
func blob(b []byte) []byte {
	if b == nil {
		return []byte{}
	}
	return b
}

// Key is the lower-cased form of a case-insensitive key (UPN, domain),
// lower-cased by Go (Unicode-aware, the same on every engine) rather than
// by the database's lower(), which depends on its locale.
func Key(s string) string { return strings.ToLower(s) }

// scanner is a *sql.Row, *sql.Rows or Row (an alias, so that a pgx row
// is one too).
type scanner = interface{ Scan(...any) error }

// queryAll runs a query in q and scans every row with scan.
func queryAll[T any](ctx context.Context, q Querier, scan func(scanner) (T, error), query string, args ...any) ([]T, error) {
	rows, err := q.Query(ctx, query, args...)
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

// insertSQL and updateSQL build statements from a column list, so that a
// statement's placeholders always match the argument list built for the
// same columns. updateSQL's WHERE clause matches the key columns, whose
// arguments follow the columns'.
func insertSQL(table string, cols []string) string {
	return fmt.Sprintf("INSERT INTO %s (%s) VALUES (%s)", table,
		strings.Join(cols, ", "), strings.TrimSuffix(strings.Repeat("?, ", len(cols)), ", "))
}

func updateSQL(table string, cols []string, keys ...string) string {
	set := make([]string, len(cols))
	for i, c := range cols {
		set[i] = c + " = ?"
	}
	where := make([]string, len(keys))
	for i, k := range keys {
		where[i] = k + " = ?"
	}
	return fmt.Sprintf("UPDATE %s SET %s WHERE %s", table, strings.Join(set, ", "), strings.Join(where, " AND "))
}
