package sqlstore

import (
	"context"
)

// ReadRows runs one multi-row read on the read pool outside an explicit
// transaction (one statement reads one consistent snapshot), retried like
// Read; scan reads the rows, and they are closed after it.
func (db *DB) ReadRows(ctx context.Context, scan func(Rows) error, query string, args ...any) error {
	return db.retry(ctx, func() error {
		rows, err := pool{db, db.r}.Query(ctx, query, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		if err := scan(rows); err != nil {
			return err
		}
		return rows.Err()
	})
}
