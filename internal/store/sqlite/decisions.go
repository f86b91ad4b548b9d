package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"slices"
	"strings"
	"time"

	"graphgate/internal/store"
)

// The decision log (store.DecisionLog).

var decisionColumns = []string{"at", "request_id", "client_request_id", "tenant_id", "app_id", "app_name", "user_id", "user_upn",
	"scheme", "method", "route", "path", "allowed", "status", "reason", "check_name", "held", "granted", "candidates", "detail"}

var insertDecision = insertSQL("decisions", decisionColumns)

const selectDecision = `SELECT seq, at, request_id, client_request_id, tenant_id, app_id, app_name, user_id, user_upn,
	scheme, method, route, path, allowed, status, reason, check_name, held, granted, candidates, detail FROM decisions `

func scanDecision(sc scanner) (store.Decision, error) {
	var d store.Decision
	err := sc.Scan(&d.Seq, ts(&d.Time), &d.RequestID, &d.ClientRequestID, &d.TenantID, &d.AppID, &d.AppName, &d.UserID, &d.UserUPN,
		&d.Scheme, &d.Method, &d.Route, &d.Path, &d.Allowed, &d.Status, &d.Reason, &d.Check, strs(&d.Held), &d.Granted,
		strs(&d.Candidates), (*[]byte)(&d.Detail))
	return d, err
}

// detailArg is what the detail column gets: a JSON object ("{}" when
// empty), checked by the guard as JSON.
func detailArg(b json.RawMessage) json.RawMessage {
	if len(b) == 0 {
		return json.RawMessage("{}")
	}
	return b
}

func (s *Store) AppendDecisions(ctx context.Context, ds []store.Decision) error {
	if len(ds) == 0 {
		return nil
	}
	return s.logWrite(ctx, func(tx *sql.Tx) error {
		stmt, err := tx.PrepareContext(ctx, insertDecision)
		if err != nil {
			return err
		}
		defer stmt.Close()
		for _, d := range ds {
			if _, err := stmt.ExecContext(ctx, millis(d.Time), d.RequestID, d.ClientRequestID, d.TenantID, d.AppID, d.AppName,
				d.UserID, d.UserUPN, d.Scheme, d.Method, d.Route, d.Path, d.Allowed, d.Status, d.Reason, d.Check,
				list(d.Held), d.Granted, list(d.Candidates), detailArg(d.Detail)); err != nil {
				return err
			}
		}
		return nil
	})
}

func (s *Store) ListDecisions(ctx context.Context, q store.DecisionQuery) ([]store.Decision, error) {
	cond, args := q.Where(func(t time.Time) any { return millis(t) }, "allowed = 0")
	query := selectDecision
	if cond != "" {
		query += "WHERE " + cond
	}
	if q.Newest {
		query += " ORDER BY seq DESC LIMIT ?"
	} else {
		query += " ORDER BY seq LIMIT ?"
	}
	args = append(args, limitArg(q.Limit))
	var out []store.Decision
	err := s.read(ctx, func(tx *sql.Tx) (err error) {
		out, err = queryAll(ctx, tx, scanDecision, query, args...)
		return err
	})
	if q.Newest {
		slices.Reverse(out)
	}
	return out, err
}

func (s *Store) PruneDecisions(ctx context.Context, before time.Time, keep, limit int) (int, error) {
	if limit <= 0 || (before.IsZero() && keep <= 0) {
		return 0, nil
	}
	var n int
	err := s.logWrite(ctx, func(tx *sql.Tx) error {
		var conds []string
		var args []any
		if !before.IsZero() {
			conds = append(conds, "at < ?")
			args = append(args, millis(before))
		}
		if keep > 0 {
			// The seq of the newest row beyond the first keep: it and
			// every older row go.
			var cut int64
			err := tx.QueryRowContext(ctx, `SELECT seq FROM decisions ORDER BY seq DESC LIMIT 1 OFFSET ?`, keep).Scan(&cut)
			switch {
			case err == sql.ErrNoRows:
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
		res, err := tx.ExecContext(ctx, `DELETE FROM decisions WHERE seq IN (SELECT seq FROM decisions WHERE `+
			strings.Join(conds, " OR ")+` ORDER BY seq LIMIT ?)`, args...)
		if err != nil {
			return err
		}
		c, err := res.RowsAffected()
		n = int(c)
		return err
	})
	return n, err
}
