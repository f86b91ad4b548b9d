package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"time"
)

// What the decision log (decisions.go) and the sign-in log (signins.go)
// share: their own write transactions (DB.LogWrite), multi-row INSERTs in
// chunks, and pruning by age and count.

// logChunk is how many log rows one INSERT writes at most: 64 rows of the
// decision log's 20 columns are 1,280 parameters, far below SQLite's limit
// (32,766) and PostgreSQL's (65,535). One statement per 64 rows binds,
// runs and (SQLite) updates AUTOINCREMENT's sqlite_sequence once per chunk
// instead of once per row.
const logChunk = 64

// appendRows inserts rows into table in chunks of logChunk in one log
// transaction; args appends a row's arguments in cols' order. full is the
// INSERT of a whole chunk (built once by the caller).
func appendRows[T any](ctx context.Context, db *DB, table string, cols []string, full string, rows []T, args func([]any, T) []any) error {
	if len(rows) == 0 {
		return nil
	}
	return db.LogWrite(ctx, func(tx *Tx) error {
		for from := 0; from < len(rows); from += logChunk {
			to := min(from+logChunk, len(rows))
			a := make([]any, 0, (to-from)*len(cols))
			for _, r := range rows[from:to] {
				a = args(a, r)
			}
			query := full
			if to-from < logChunk {
				query = insertRowsSQL(table, cols, to-from)
			}
			if _, err := tx.Exec(ctx, query, a...); err != nil {
				return err
			}
		}
		return nil
	})
}

// pruneRows deletes at most limit rows of table older than before (zero:
// no age limit) or not among the newest keep (0: no count limit), oldest
// first, in one log transaction, and returns how many it deleted.
func (s *Store) pruneRows(ctx context.Context, table string, before time.Time, keep, limit int) (int, error) {
	if limit <= 0 || (before.IsZero() && keep <= 0) {
		return 0, nil
	}
	var n int
	err := s.db.LogWrite(ctx, func(tx *Tx) error {
		var conds []string
		var args []any
		if !before.IsZero() {
			conds = append(conds, "at < ?")
			args = append(args, s.f.Time(before))
		}
		if keep > 0 {
			// The seq of the newest row beyond the first keep: it and
			// every older row go.
			var cut int64
			err := tx.QueryRow(ctx, `SELECT seq FROM `+table+` ORDER BY seq DESC LIMIT 1 OFFSET ?`, keep).Scan(&cut)
			switch {
			case errors.Is(err, sql.ErrNoRows):
			case err != nil:
				return err
			default:
				conds = append(conds, "seq <= ?")
				args = append(args, cut)
			}
		}
		if len(conds) == 0 {
			return nil
		}
		args = append(args, limit)
		var err error
		n, err = affected(tx.Exec(ctx, `DELETE FROM `+table+` WHERE seq IN (SELECT seq FROM `+table+` WHERE `+
			strings.Join(conds, " OR ")+` ORDER BY seq LIMIT ?)`, args...))
		return err
	})
	return n, err
}
