package sqlstore

import (
	"context"
	"strings"
)

// rowsPerInsert bounds the rows of one multi-row INSERT: a list longer
// than this takes several statements. It keeps the distinct statements
// insertRows writes (one per row count up to the bound, per table) few,
// so they stay in SQLite's statement cache beside the hot ones.
const rowsPerInsert = 8

// insertRows inserts rows (each one argument per column) into table with
// multi-row INSERT … VALUES (…), (…) statements, the same SQL on both
// engines: one statement per rowsPerInsert rows rather than one per row.
func insertRows(ctx context.Context, tx *Tx, table string, cols []string, rows [][]any) error {
	for len(rows) > 0 {
		n := min(len(rows), rowsPerInsert)
		args := make([]any, 0, n*len(cols))
		for _, r := range rows[:n] {
			args = append(args, r...)
		}
		if _, err := tx.Exec(ctx, insertRowsSQL(table, cols, n), args...); err != nil {
			return err
		}
		rows = rows[n:]
	}
	return nil
}

// insertRowsSQL is insertSQL for n rows.
func insertRowsSQL(table string, cols []string, n int) string {
	row := "(" + strings.TrimSuffix(strings.Repeat("?, ", len(cols)), ", ") + ")"
	return "INSERT INTO " + table + " (" + strings.Join(cols, ", ") + ") VALUES " +
		strings.TrimSuffix(strings.Repeat(row+", ", n), ", ")
}
