package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"graphgate/internal/store"
)

// Sessions: authorization codes, refresh tokens, device codes. Each update
// reads its row locked (FOR UPDATE on PostgreSQL; SQLite's write
// transaction holds the database's write lock), runs the closure and
// writes what it returns: of concurrent updates, in any process, each
// waits for the one before and sees its result. The rules — single use,
// reuse detection — are the identity platform's, in the closures.

// Authorization codes.

var authCodeColumns = []string{
	"hash", "tenant_id", "client_id", "user_id", "redirect_uri", "scopes", "requested", "nonce",
	"code_challenge", "code_challenge_method", "auth_time", "expires_at", "redeemed_at", "family_id",
}

var (
	insertAuthCode = insertSQL("auth_codes", authCodeColumns)
	updateAuthCode = updateSQL("auth_codes", authCodeColumns, "hash")
)

func (s *Store) authCodeArgs(c store.AuthCode) []any {
	return []any{
		blob(c.Hash), c.TenantID, c.ClientID, c.UserID, c.RedirectURI, list(c.Scopes), list(c.Requested), c.Nonce,
		c.CodeChallenge, c.CodeChallengeMethod, s.f.Time(c.AuthTime), s.f.Time(c.ExpiresAt), s.f.Time(c.RedeemedAt), c.FamilyID,
	}
}

const selectAuthCode = `SELECT hash, tenant_id, client_id, user_id, redirect_uri, scopes, requested, nonce,
	code_challenge, code_challenge_method, auth_time, expires_at, redeemed_at, family_id FROM auth_codes `

func scanAuthCode(sc scanner) (store.AuthCode, error) {
	var c store.AuthCode
	err := sc.Scan(&c.Hash, &c.TenantID, &c.ClientID, &c.UserID, &c.RedirectURI, strs(&c.Scopes), strs(&c.Requested), &c.Nonce,
		&c.CodeChallenge, &c.CodeChallengeMethod, ts(&c.AuthTime), ts(&c.ExpiresAt), ts(&c.RedeemedAt), &c.FamilyID)
	return c, err
}

func (s *Store) CreateAuthCode(ctx context.Context, c store.AuthCode) error {
	_, err := s.db.ExecOne(ctx, insertAuthCode, s.authCodeArgs(c)...)
	return s.db.conflict(err, "authorization code")
}

// UpdateAuthCode runs f with the code locked: a closure that redeems an
// unredeemed code succeeds once.
func (s *Store) UpdateAuthCode(ctx context.Context, hash []byte, f func(store.AuthCode) (store.AuthCode, error)) error {
	return s.db.Write(ctx, func(tx *Tx) error {
		old, err := scanAuthCode(tx.QueryRow(ctx, selectAuthCode+`WHERE hash = ?`+s.f.ForUpdate, blob(hash)))
		if err != nil {
			return notFound(err, "authorization code")
		}
		c, err := f(old)
		if err != nil {
			return err
		}
		c.Hash, c.TenantID, c.ClientID, c.UserID = old.Hash, old.TenantID, old.ClientID, old.UserID
		_, err = tx.Exec(ctx, updateAuthCode, append(s.authCodeArgs(c), blob(hash))...)
		return err
	})
}

// Refresh tokens.

var insertRefreshToken = insertSQL("refresh_tokens", []string{
	"hash", "family_id", "tenant_id", "client_id", "user_id", "scopes",
	"auth_time", "created_at", "expires_at", "used_at", "revoked_at",
})

const selectRefreshToken = `SELECT hash, family_id, tenant_id, client_id, user_id, scopes,
	auth_time, created_at, expires_at, used_at, revoked_at FROM refresh_tokens `

func scanRefreshToken(sc scanner) (store.RefreshToken, error) {
	var t store.RefreshToken
	err := sc.Scan(&t.Hash, &t.FamilyID, &t.TenantID, &t.ClientID, &t.UserID, strs(&t.Scopes),
		ts(&t.AuthTime), ts(&t.CreatedAt), ts(&t.ExpiresAt), ts(&t.UsedAt), ts(&t.RevokedAt))
	return t, err
}

// lockFamily orders this transaction against others on the family (see
// RevokeFamily), where the flavor needs a lock for it.
func (s *Store) lockFamily(ctx context.Context, tx *Tx, familyID string) error {
	if s.f.LockKey == "" {
		return nil
	}
	_, err := tx.Exec(ctx, s.f.LockKey, familyID)
	return err
}

func (s *Store) createRefreshToken(ctx context.Context, tx *Tx, t store.RefreshToken) error {
	if t.RevokedAt.IsZero() {
		// A family revoked before this token arrived (see RevokeFamily);
		// the family's lock orders this read against the revocation.
		if err := s.lockFamily(ctx, tx, t.FamilyID); err != nil {
			return err
		}
		err := tx.QueryRow(ctx, `SELECT revoked_at FROM revoked_families WHERE family_id = ?`, t.FamilyID).Scan(ts(&t.RevokedAt))
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return err
		}
	}
	_, err := tx.Exec(ctx, insertRefreshToken,
		blob(t.Hash), t.FamilyID, t.TenantID, t.ClientID, t.UserID, list(t.Scopes),
		s.f.Time(t.AuthTime), s.f.Time(t.CreatedAt), s.f.Time(t.ExpiresAt), s.f.Time(t.UsedAt), s.f.Time(t.RevokedAt))
	return s.db.conflict(err, "refresh token")
}

// CreateRefreshToken runs in a transaction: the family lock
// createRefreshToken takes lasts until the token is committed.
func (s *Store) CreateRefreshToken(ctx context.Context, t store.RefreshToken) error {
	return s.db.Write(ctx, func(tx *Tx) error { return s.createRefreshToken(ctx, tx, t) })
}

func (s *Store) GetRefreshToken(ctx context.Context, hash []byte) (store.RefreshToken, error) {
	var t store.RefreshToken
	err := s.db.ReadRow(ctx, func(r Row) (err error) {
		t, err = scanRefreshToken(r)
		return notFound(err, "refresh token")
	}, selectRefreshToken+`WHERE hash = ?`, blob(hash))
	return t, err
}

// UpdateRefreshToken runs f with the token locked, then writes what f
// returns and inserts the successor in the same transaction: if the
// successor cannot be stored, the token stays as it was.
func (s *Store) UpdateRefreshToken(ctx context.Context, hash []byte, f func(store.RefreshToken) (store.RefreshToken, *store.RefreshToken, error)) error {
	return s.db.Write(ctx, func(tx *Tx) error {
		old, err := scanRefreshToken(tx.QueryRow(ctx, selectRefreshToken+`WHERE hash = ?`+s.f.ForUpdate, blob(hash)))
		if err != nil {
			return notFound(err, "refresh token")
		}
		t, next, err := f(old)
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE refresh_tokens SET scopes = ?, auth_time = ?, created_at = ?, expires_at = ?,
			used_at = ?, revoked_at = ? WHERE hash = ?`,
			list(t.Scopes), s.f.Time(t.AuthTime), s.f.Time(t.CreatedAt), s.f.Time(t.ExpiresAt), s.f.Time(t.UsedAt),
			s.f.Time(t.RevokedAt), blob(hash)); err != nil {
			return err
		}
		if next == nil {
			return nil
		}
		return s.createRefreshToken(ctx, tx, *next)
	})
}

// RevokeFamily also remembers the family (store.FamilyMemory), so that a
// token of it stored later is stored revoked. A token is committed either
// before the revocation's UPDATE runs (and is revoked by it) or after it
// committed (and sees the family): on SQLite because writes are
// serialized, on PostgreSQL because both take the family's advisory lock
// (under READ COMMITTED, without it, each could miss the other's
// uncommitted row).
func (s *Store) RevokeFamily(ctx context.Context, familyID string, now time.Time) (int, error) {
	var n int
	err := s.db.Write(ctx, func(tx *Tx) error {
		if err := s.lockFamily(ctx, tx, familyID); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO revoked_families (family_id, revoked_at, expires_at) VALUES (?, ?, ?)
			ON CONFLICT (family_id) DO NOTHING`, familyID, s.f.Time(now), s.f.Time(now.Add(store.FamilyMemory))); err != nil {
			return err
		}
		var err error
		n, err = affected(tx.Exec(ctx, `UPDATE refresh_tokens SET revoked_at = ? WHERE revoked_at IS NULL AND family_id = ?`,
			s.f.Time(now), familyID))
		return err
	})
	return n, err
}

// RevokeUserTokens sets revoked_at on the user's tokens not revoked yet
// and returns how many it changed. A concurrent revoker waits for the row
// locks (or the write lock) and re-checks revoked_at IS NULL, so each
// token is counted once.
func (s *Store) RevokeUserTokens(ctx context.Context, tenantID, userID, clientID string, now time.Time) (int, error) {
	if clientID == "" {
		return affected(s.db.ExecOne(ctx, `UPDATE refresh_tokens SET revoked_at = ? WHERE revoked_at IS NULL
			AND tenant_id = ? AND user_id = ?`, s.f.Time(now), tenantID, userID))
	}
	return affected(s.db.ExecOne(ctx, `UPDATE refresh_tokens SET revoked_at = ? WHERE revoked_at IS NULL
		AND tenant_id = ? AND user_id = ? AND client_id = ?`, s.f.Time(now), tenantID, userID, clientID))
}

// Device codes.

var deviceCodeColumns = []string{
	"hash", "user_code", "tenant_seg", "tenant_id", "client_id", "scopes", "requested",
	"status", "user_id", "expires_at", "last_poll_at", "interval_s",
}

var (
	insertDeviceCode = insertSQL("device_codes", deviceCodeColumns)
	updateDeviceCode = updateSQL("device_codes", deviceCodeColumns, "hash")
)

func (s *Store) deviceCodeArgs(d store.DeviceCode) []any {
	return []any{
		blob(d.Hash), d.UserCode, d.TenantSeg, d.TenantID, d.ClientID, list(d.Scopes), list(d.Requested),
		string(d.Status), d.UserID, s.f.Time(d.ExpiresAt), s.f.Time(d.LastPollAt), d.Interval,
	}
}

const selectDeviceCode = `SELECT hash, user_code, tenant_seg, tenant_id, client_id, scopes, requested,
	status, user_id, expires_at, last_poll_at, interval_s FROM device_codes `

func scanDeviceCode(sc scanner) (store.DeviceCode, error) {
	var d store.DeviceCode
	err := sc.Scan(&d.Hash, &d.UserCode, &d.TenantSeg, &d.TenantID, &d.ClientID, strs(&d.Scopes), strs(&d.Requested),
		(*string)(&d.Status), &d.UserID, ts(&d.ExpiresAt), ts(&d.LastPollAt), &d.Interval)
	return d, err
}

func (s *Store) CreateDeviceCode(ctx context.Context, d store.DeviceCode) error {
	_, err := s.db.ExecOne(ctx, insertDeviceCode, s.deviceCodeArgs(d)...)
	return s.db.conflict(err, "device code (user code %s)", d.UserCode)
}

func (s *Store) GetDeviceCode(ctx context.Context, hash []byte) (store.DeviceCode, error) {
	return s.readDeviceCode(ctx, selectDeviceCode+`WHERE hash = ?`, blob(hash))
}

// DeviceCodeByUserCode matches the user code exactly (the identity
// platform normalizes what people type).
func (s *Store) DeviceCodeByUserCode(ctx context.Context, userCode string) (store.DeviceCode, error) {
	return s.readDeviceCode(ctx, selectDeviceCode+`WHERE user_code = ?`, userCode)
}

func (s *Store) readDeviceCode(ctx context.Context, query string, arg any) (store.DeviceCode, error) {
	var d store.DeviceCode
	err := s.db.ReadRow(ctx, func(r Row) (err error) {
		d, err = scanDeviceCode(r)
		return notFound(err, "device code")
	}, query, arg)
	return d, err
}

// UpdateDeviceCode runs f with the code locked: a closure that moves
// Approved to Redeemed succeeds once.
func (s *Store) UpdateDeviceCode(ctx context.Context, hash []byte, f func(store.DeviceCode) (store.DeviceCode, error)) error {
	return s.db.Write(ctx, func(tx *Tx) error {
		old, err := scanDeviceCode(tx.QueryRow(ctx, selectDeviceCode+`WHERE hash = ?`+s.f.ForUpdate, blob(hash)))
		if err != nil {
			return notFound(err, "device code")
		}
		d, err := f(old)
		if err != nil {
			return err
		}
		d.Hash = old.Hash
		_, err = tx.Exec(ctx, updateDeviceCode, append(s.deviceCodeArgs(d), blob(hash))...)
		return s.db.conflict(err, "device code (user code %s)", d.UserCode)
	})
}

// DeleteExpired deletes the authorization codes, refresh tokens and device
// codes whose ExpiresAt is before now (those without one never expire), in
// one transaction.
func (s *Store) DeleteExpired(ctx context.Context, now time.Time) (int, error) {
	var total int
	err := s.db.Write(ctx, func(tx *Tx) error {
		total = 0
		for _, table := range []string{"auth_codes", "refresh_tokens", "device_codes"} {
			n, err := affected(tx.Exec(ctx, `DELETE FROM `+table+` WHERE expires_at < ?`, s.f.Time(now)))
			if err != nil {
				return fmt.Errorf("%s: %w", table, err)
			}
			total += n
		}
		// Remembered revocations and lockout state are not credentials:
		// not counted.
		if _, err := tx.Exec(ctx, `DELETE FROM revoked_families WHERE expires_at < ?`, s.f.Time(now)); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `DELETE FROM lockouts WHERE expires_at < ?`, s.f.Time(now))
		return err
	})
	return total, err
}
