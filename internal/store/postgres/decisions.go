package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

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
	var detail []byte
	err := sc.Scan(&d.Seq, ts(&d.Time), &d.RequestID, &d.ClientRequestID, &d.TenantID, &d.AppID, &d.AppName, &d.UserID, &d.UserUPN,
		&d.Scheme, &d.Method, &d.Route, &d.Path, &d.Allowed, &d.Status, &d.Reason, &d.Check, strs(&d.Held), &d.Granted,
		strs(&d.Candidates), &detail)
	d.Detail = json.RawMessage(detail)
	return d, err
}

func (s *Store) AppendDecisions(ctx context.Context, ds []store.Decision) error {
	if len(ds) == 0 {
		return nil
	}
	return s.logWrite(ctx, func(tx pgx.Tx) error {
		for _, d := range ds {
			if _, err := tx.Exec(ctx, insertDecision, tstz(d.Time), d.RequestID, d.ClientRequestID, d.TenantID, d.AppID, d.AppName,
				d.UserID, d.UserUPN, d.Scheme, d.Method, d.Route, d.Path, d.Allowed, d.Status, d.Reason, d.Check,
				list(d.Held), d.Granted, list(d.Candidates), doc(d.Detail)); err != nil {
				return err
			}
		}
		return nil
	})
}

func (s *Store) ListDecisions(ctx context.Context, q store.DecisionQuery) ([]store.Decision, error) {
	cond, args := q.Where(func(t time.Time) any { return tstz(t) }, "NOT allowed")
	query := selectDecision
	if cond != "" {
		query += "WHERE " + numbered(cond)
	}
	if q.Newest {
		query += " ORDER BY seq DESC"
	} else {
		query += " ORDER BY seq"
	}
	if q.Limit > 0 {
		args = append(args, q.Limit)
		query += fmt.Sprintf(" LIMIT $%d", len(args))
	}
	var out []store.Decision
	err := s.read(ctx, func(tx pgx.Tx) (err error) {
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
	err := s.logWrite(ctx, func(tx pgx.Tx) error {
		var conds []string
		var args []any
		if !before.IsZero() {
			args = append(args, tstz(before))
			conds = append(conds, fmt.Sprintf("at < $%d", len(args)))
		}
		if keep > 0 {
			// The seq of the newest row beyond the first keep: it and
			// every older row go.
			var cut int64
			err := tx.QueryRow(ctx, `SELECT seq FROM decisions ORDER BY seq DESC LIMIT 1 OFFSET $1`, keep).Scan(&cut)
			switch {
			case errors.Is(err, pgx.ErrNoRows):
			case err != nil:
				return err
			default:
				args = append(args, cut)
				conds = append(conds, fmt.Sprintf("seq <= $%d", len(args)))
			}
		}
		if len(conds) == 0 {
			return nil
		}
		args = append(args, limit)
		tag, err := tx.Exec(ctx, fmt.Sprintf(`DELETE FROM decisions WHERE seq IN (SELECT seq FROM decisions WHERE %s ORDER BY seq LIMIT $%d)`,
			strings.Join(conds, " OR "), len(args)), args...)
		n = int(tag.RowsAffected())
		return err
	})
	return n, err
}

// numbered writes the shared conditions' ? placeholders (which hold no ?
// in text) as PostgreSQL's $1, $2, … in order.
func numbered(cond string) string {
	var b strings.Builder
	n := 0
	for _, part := range strings.Split(cond, "?") {
		if n > 0 {
			fmt.Fprintf(&b, "$%d", n)
		}
		b.WriteString(part)
		n++
	}
	return b.String()
}
