package sqlstore

import (
	"context"
	"strings"
	"time"

	"graphgate/internal/store"
)

// The sign-in log (store.SignInLog).

var signInColumns = []string{"id", "at", "tenant_id", "request_id", "user_id", "user_upn", "user_name", "app_id", "app_name",
	"resource_id", "resource_name", "client_app", "grant_type", "ip_address", "interactive", "service_principal", "error_code", "failure_reason"}

var insertSignInChunk = insertRowsSQL("signins", signInColumns, logChunk)

var selectSignIn = "SELECT seq, " + strings.Join(signInColumns, ", ") + " FROM signins "

func scanSignIn(sc scanner) (store.SignIn, error) {
	var x store.SignIn
	err := sc.Scan(&x.Seq, &x.ID, ts(&x.Time), &x.TenantID, &x.RequestID, &x.UserID, &x.UserUPN, &x.UserName, &x.AppID, &x.AppName,
		&x.ResourceID, &x.ResourceName, &x.ClientApp, &x.GrantType, &x.IPAddress, &x.Interactive, &x.ServicePrincipal, &x.ErrorCode, &x.FailureReason)
	return x, err
}

func (s *Store) AppendSignIns(ctx context.Context, ss []store.SignIn) error {
	return appendRows(ctx, s.db, "signins", signInColumns, insertSignInChunk, ss, func(a []any, x store.SignIn) []any {
		return append(a, x.ID, s.f.Time(x.Time), x.TenantID, x.RequestID, x.UserID, x.UserUPN, x.UserName, x.AppID, x.AppName,
			x.ResourceID, x.ResourceName, x.ClientApp, x.GrantType, x.IPAddress, x.Interactive, x.ServicePrincipal, x.ErrorCode, x.FailureReason)
	})
}

func (s *Store) ListSignIns(ctx context.Context, q store.SignInQuery) ([]store.SignIn, error) {
	cond, args := q.Where(s.f.Time)
	query := selectSignIn
	if cond != "" {
		query += "WHERE " + cond
	}
	query += " ORDER BY seq DESC LIMIT ?"
	args = append(args, s.f.Limit(q.Limit))
	var out []store.SignIn
	err := s.db.LogRead(ctx, func(q Querier) (err error) {
		out, err = queryAll(ctx, q, scanSignIn, query, args...)
		return err
	})
	return out, err
}

func (s *Store) PruneSignIns(ctx context.Context, before time.Time, keep, limit int) (int, error) {
	return s.pruneRows(ctx, "signins", before, keep, limit)
}
