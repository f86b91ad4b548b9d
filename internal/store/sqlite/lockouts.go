package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"graphgate/internal/store"
)

// Smart-lockout state (store.Lockouts).

const selectLockout = `SELECT tenant_id, user_id, failures, lockouts, locked_until, bad_passwords, updated_at, expires_at
	FROM lockouts `

func scanLockout(sc scanner) (store.Lockout, error) {
	var l store.Lockout
	err := sc.Scan(&l.TenantID, &l.UserID, &l.Failures, &l.Lockouts, ts(&l.LockedUntil), strs(&l.BadPasswords),
		ts(&l.UpdatedAt), ts(&l.ExpiresAt))
	return l, err
}

func (s *Store) GetLockout(ctx context.Context, tenantID, userID string) (store.Lockout, error) {
	var l store.Lockout
	err := s.read(ctx, func(tx *sql.Tx) (err error) {
		l, err = scanLockout(tx.QueryRowContext(ctx, selectLockout+`WHERE tenant_id = ? AND user_id = ?`, tenantID, userID))
		return notFound(err, "lockout of user %s in tenant %s", userID, tenantID)
	})
	return l, err
}

// UpsertLockout reads, runs f and writes under the write lock, so
// concurrent upserts (in any process) each see the one before.
func (s *Store) UpsertLockout(ctx context.Context, tenantID, userID string, f func(store.Lockout) (store.Lockout, error)) (store.Lockout, error) {
	var l store.Lockout
	err := s.write(ctx, func(tx *sql.Tx) error {
		old, err := scanLockout(tx.QueryRowContext(ctx, selectLockout+`WHERE tenant_id = ? AND user_id = ?`, tenantID, userID))
		if errors.Is(err, sql.ErrNoRows) {
			old, err = store.Lockout{TenantID: tenantID, UserID: userID}, nil
		}
		if err != nil {
			return err
		}
		if l, err = f(old); err != nil {
			return err
		}
		l.TenantID, l.UserID = tenantID, userID
		_, err = tx.ExecContext(ctx, `INSERT INTO lockouts
			(tenant_id, user_id, failures, lockouts, locked_until, bad_passwords, updated_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (tenant_id, user_id) DO UPDATE SET failures = excluded.failures, lockouts = excluded.lockouts,
			locked_until = excluded.locked_until, bad_passwords = excluded.bad_passwords, updated_at = excluded.updated_at,
			expires_at = excluded.expires_at`,
			l.TenantID, l.UserID, l.Failures, l.Lockouts, millis(l.LockedUntil), list(l.BadPasswords), millis(l.UpdatedAt), millis(l.ExpiresAt))
		return err
	})
	if err != nil {
		return store.Lockout{}, err
	}
	return roundTrip(l), nil
}

func (s *Store) DeleteLockout(ctx context.Context, tenantID, userID string) error {
	return s.write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM lockouts WHERE tenant_id = ? AND user_id = ?`, tenantID, userID)
		return mustAffect(res, err, "lockout of user %s in tenant %s", userID, tenantID)
	})
}

// roundTrip returns l as a read would: times in UTC at millisecond
// precision, an empty list as nil.
func roundTrip(l store.Lockout) store.Lockout {
	for _, t := range []*time.Time{&l.LockedUntil, &l.UpdatedAt, &l.ExpiresAt} {
		if !t.IsZero() {
			*t = time.UnixMilli(t.UnixMilli()).UTC()
		}
	}
	if len(l.BadPasswords) == 0 {
		l.BadPasswords = nil
	}
	return l
}
