package postgres

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"graphgate/internal/store"
)

// The sign-in log (store.SignInLog).

var signInColumns = []string{"id", "at", "tenant_id", "request_id", "user_id", "user_upn", "user_name", "app_id", "app_name",
	"resource_id", "resource_name", "client_app", "grant_type", "ip_address", "interactive", "service_principal", "error_code", "failure_reason"}

var insertSignIn = insertSQL("signins", signInColumns)

var selectSignIn = "SELECT seq, " + strings.Join(signInColumns, ", ") + " FROM signins "

func scanSignIn(sc scanner) (store.SignIn, error) {
	var x store.SignIn
	err := sc.Scan(&x.Seq, &x.ID, ts(&x.Time), &x.TenantID, &x.RequestID, &x.UserID, &x.UserUPN, &x.UserName, &x.AppID, &x.AppName,
		&x.ResourceID, &x.ResourceName, &x.ClientApp, &x.GrantType, &x.IPAddress, &x.Interactive, &x.ServicePrincipal, &x.ErrorCode, &x.FailureReason)
	return x, err
}

func (s *Store) AppendSignIns(ctx context.Context, ss []store.SignIn) error {
	if len(ss) == 0 {
		return nil
	}
	return s.logWrite(ctx, func(tx pgx.Tx) error {
		for _, x := range ss {
			if _, err := tx.Exec(ctx, insertSignIn, x.ID, tstz(x.Time), x.TenantID, x.RequestID, x.UserID, x.UserUPN, x.UserName, x.AppID, x.AppName,
				x.ResourceID, x.ResourceName, x.ClientApp, x.GrantType, x.IPAddress, x.Interactive, x.ServicePrincipal, x.ErrorCode, x.FailureReason); err != nil {
				return err
			}
		}
		return nil
	})
}

func (s *Store) ListSignIns(ctx context.Context, q store.SignInQuery) ([]store.SignIn, error) {
	cond, args := q.Where(func(t time.Time) any { return tstz(t) })
	query := selectSignIn
	if cond != "" {
		query += "WHERE " + numbered(cond)
	}
	query += " ORDER BY seq DESC"
	if q.Limit > 0 {
		args = append(args, q.Limit)
		query += fmt.Sprintf(" LIMIT $%d", len(args))
	}
	var out []store.SignIn
	err := s.read(ctx, func(tx pgx.Tx) (err error) {
		out, err = queryAll(ctx, tx, scanSignIn, query, args...)
		return err
	})
	return out, err
}

func (s *Store) PruneSignIns(ctx context.Context, before time.Time, keep, limit int) (int, error) {
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
			err := tx.QueryRow(ctx, `SELECT seq FROM signins ORDER BY seq DESC LIMIT 1 OFFSET $1`, keep).Scan(&cut)
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
		tag, err := tx.Exec(ctx, fmt.Sprintf(`DELETE FROM signins WHERE seq IN (SELECT seq FROM signins WHERE %s ORDER BY seq LIMIT $%d)`,
			strings.Join(conds, " OR "), len(args)), args...)
		n = int(tag.RowsAffected())
		return err
	})
	return n, err
}
