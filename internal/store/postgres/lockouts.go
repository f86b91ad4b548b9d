package postgres

import (
	"context"

	"github.com/jackc/pgx/v5"

	"graphgate/internal/store"
)

// Smart-lockout state (store.Lockouts).

const lockoutFields = `tenant_id, user_id, failures, lockouts, locked_until, bad_passwords, updated_at, expires_at`

func scanLockout(sc scanner) (store.Lockout, error) {
	var l store.Lockout
	err := sc.Scan(&l.TenantID, &l.UserID, &l.Failures, &l.Lockouts, ts(&l.LockedUntil), strs(&l.BadPasswords),
		ts(&l.UpdatedAt), ts(&l.ExpiresAt))
	return l, err
}

func (s *Store) GetLockout(ctx context.Context, tenantID, userID string) (store.Lockout, error) {
	l, err := scanLockout(s.pool.QueryRow(ctx, `SELECT `+lockoutFields+` FROM lockouts WHERE tenant_id = $1 AND user_id = $2`,
		tenantID, userID))
	return l, notFound(err, "lockout of user %s in tenant %s", userID, tenantID)
}

// UpsertLockout first makes sure the row exists (INSERT … ON CONFLICT DO
// NOTHING waits for a concurrent inserter of the same key), then locks it
// FOR UPDATE: concurrent upserts, from any replica, queue on the row lock
// and each sees the one before. A row inserted here is zero, which is what
// f would get for a missing one; if f fails, the transaction and that
// insert roll back.
func (s *Store) UpsertLockout(ctx context.Context, tenantID, userID string, f func(store.Lockout) (store.Lockout, error)) (store.Lockout, error) {
	var l store.Lockout
	err := s.write(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `INSERT INTO lockouts (tenant_id, user_id, failures, lockouts) VALUES ($1, $2, 0, 0)
			ON CONFLICT (tenant_id, user_id) DO NOTHING`, tenantID, userID); err != nil {
			return err
		}
		old, err := scanLockout(tx.QueryRow(ctx, `SELECT `+lockoutFields+` FROM lockouts WHERE tenant_id = $1 AND user_id = $2 FOR UPDATE`,
			tenantID, userID))
		if err != nil {
			return err
		}
		n, err := f(old)
		if err != nil {
			return err
		}
		l, err = scanLockout(tx.QueryRow(ctx, `UPDATE lockouts SET failures = $3, lockouts = $4, locked_until = $5, bad_passwords = $6,
			updated_at = $7, expires_at = $8 WHERE tenant_id = $1 AND user_id = $2 RETURNING `+lockoutFields,
			tenantID, userID, n.Failures, n.Lockouts, tstz(n.LockedUntil), list(n.BadPasswords), tstz(n.UpdatedAt), tstz(n.ExpiresAt)))
		return err
	})
	if err != nil {
		return store.Lockout{}, err
	}
	return l, nil
}

func (s *Store) DeleteLockout(ctx context.Context, tenantID, userID string) error {
	tag, err := s.pool.Exec(ctx, `DELETE FROM lockouts WHERE tenant_id = $1 AND user_id = $2`, tenantID, userID)
	return mustAffect(tag, err, "lockout of user %s in tenant %s", userID, tenantID)
}
