package sqlstore

import (
	"context"

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
	var l store.Lockout
	err := s.db.ReadRow(ctx, func(r Row) (err error) {
		l, err = scanLockout(r)
		return notFound(err, "lockout of user %s in tenant %s", userID, tenantID)
	}, `SELECT `+lockoutFields+` FROM lockouts WHERE tenant_id = ? AND user_id = ?`, tenantID, userID)
	return l, err
}

// UpsertLockout first makes sure the row exists (INSERT … ON CONFLICT DO
// NOTHING, which on PostgreSQL waits for a concurrent inserter of the same
// key), then reads it locked (FOR UPDATE on PostgreSQL; SQLite's write
// transaction holds the database's write lock): concurrent upserts, from
// any process, queue and each sees the one before. A row inserted here is
// zero, which is what f would get for a missing one; if f fails, the
// transaction and that insert roll back.
func (s *Store) UpsertLockout(ctx context.Context, tenantID, userID string, f func(store.Lockout) (store.Lockout, error)) (store.Lockout, error) {
	var l store.Lockout
	err := s.db.Write(ctx, func(tx *Tx) error {
		if _, err := tx.Exec(ctx, `INSERT INTO lockouts (tenant_id, user_id, failures, lockouts) VALUES (?, ?, 0, 0)
			ON CONFLICT (tenant_id, user_id) DO NOTHING`, tenantID, userID); err != nil {
			return err
		}
		old, err := scanLockout(tx.QueryRow(ctx, `SELECT `+lockoutFields+` FROM lockouts WHERE tenant_id = ? AND user_id = ?`+s.f.ForUpdate,
			tenantID, userID))
		if err != nil {
			return err
		}
		n, err := f(old)
		if err != nil {
			return err
		}
		l, err = scanLockout(tx.QueryRow(ctx, `UPDATE lockouts SET failures = ?, lockouts = ?, locked_until = ?, bad_passwords = ?,
			updated_at = ?, expires_at = ? WHERE tenant_id = ? AND user_id = ? RETURNING `+lockoutFields,
			n.Failures, n.Lockouts, s.f.Time(n.LockedUntil), list(n.BadPasswords), s.f.Time(n.UpdatedAt), s.f.Time(n.ExpiresAt),
			tenantID, userID))
		return err
	})
	if err != nil {
		return store.Lockout{}, err
	}
	return l, nil
}

func (s *Store) DeleteLockout(ctx context.Context, tenantID, userID string) error {
	res, err := s.db.ExecOne(ctx, `DELETE FROM lockouts WHERE tenant_id = ? AND user_id = ?`, tenantID, userID)
	return mustAffect(res, err, "lockout of user %s in tenant %s", userID, tenantID)
}
