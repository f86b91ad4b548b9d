package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"graphgate/internal/store"
)

// Authorization codes.

var authCodeColumns = []string{
	"hash", "tenant_id", "client_id", "user_id", "redirect_uri", "scopes", "requested", "nonce",
	"code_challenge", "code_challenge_method", "auth_time", "expires_at", "redeemed_at", "family_id",
}

var (
	insertAuthCode = insertSQL("auth_codes", authCodeColumns)
	updateAuthCode = updateSQL("auth_codes", authCodeColumns, "hash = ?")
)

func authCodeArgs(c store.AuthCode) []any {
	return []any{
		blob(c.Hash), c.TenantID, c.ClientID, c.UserID, c.RedirectURI, list(c.Scopes), list(c.Requested), c.Nonce,
		c.CodeChallenge, c.CodeChallengeMethod, millis(c.AuthTime), millis(c.ExpiresAt), millis(c.RedeemedAt), c.FamilyID,
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
	return s.write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, insertAuthCode, authCodeArgs(c)...)
		return conflict(err, "authorization code")
	})
}

// UpdateAuthCode reads the code, runs f and writes what it returns under
// the write lock, so of concurrent updates (in any process) each sees the
// one before.
func (s *Store) UpdateAuthCode(ctx context.Context, hash []byte, f func(store.AuthCode) (store.AuthCode, error)) error {
	return s.write(ctx, func(tx *sql.Tx) error {
		old, err := scanAuthCode(tx.QueryRowContext(ctx, selectAuthCode+`WHERE hash = ?`, blob(hash)))
		if err != nil {
			return notFound(err, "authorization code")
		}
		c, err := f(old)
		if err != nil {
			return err
		}
		c.Hash, c.TenantID, c.ClientID, c.UserID = old.Hash, old.TenantID, old.ClientID, old.UserID
		_, err = tx.ExecContext(ctx, updateAuthCode, append(authCodeArgs(c), blob(hash))...)
		return err
	})
}

// Refresh tokens.

var refreshTokenColumns = []string{
	"hash", "family_id", "tenant_id", "client_id", "user_id", "scopes",
	"auth_time", "created_at", "expires_at", "used_at", "revoked_at",
}

var insertRefreshToken = insertSQL("refresh_tokens", refreshTokenColumns)

const selectRefreshToken = `SELECT hash, family_id, tenant_id, client_id, user_id, scopes,
	auth_time, created_at, expires_at, used_at, revoked_at FROM refresh_tokens `

func scanRefreshToken(sc scanner) (store.RefreshToken, error) {
	var t store.RefreshToken
	err := sc.Scan(&t.Hash, &t.FamilyID, &t.TenantID, &t.ClientID, &t.UserID, strs(&t.Scopes),
		ts(&t.AuthTime), ts(&t.CreatedAt), ts(&t.ExpiresAt), ts(&t.UsedAt), ts(&t.RevokedAt))
	return t, err
}

func createRefreshToken(ctx context.Context, tx *sql.Tx, t store.RefreshToken) error {
	if t.RevokedAt.IsZero() {
		// A family revoked before this token arrived (see RevokeFamily).
		err := tx.QueryRowContext(ctx, `SELECT revoked_at FROM revoked_families WHERE family_id = ?`, t.FamilyID).Scan(ts(&t.RevokedAt))
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return err
		}
	}
	_, err := tx.ExecContext(ctx, insertRefreshToken,
		blob(t.Hash), t.FamilyID, t.TenantID, t.ClientID, t.UserID, list(t.Scopes),
		millis(t.AuthTime), millis(t.CreatedAt), millis(t.ExpiresAt), millis(t.UsedAt), millis(t.RevokedAt))
	return conflict(err, "refresh token")
}

func (s *Store) CreateRefreshToken(ctx context.Context, t store.RefreshToken) error {
	return s.write(ctx, func(tx *sql.Tx) error { return createRefreshToken(ctx, tx, t) })
}

func (s *Store) GetRefreshToken(ctx context.Context, hash []byte) (store.RefreshToken, error) {
	var t store.RefreshToken
	err := s.read(ctx, func(tx *sql.Tx) (err error) {
		t, err = scanRefreshToken(tx.QueryRowContext(ctx, selectRefreshToken+`WHERE hash = ?`, blob(hash)))
		return notFound(err, "refresh token")
	})
	return t, err
}

// UpdateRefreshToken reads the token, runs f, writes what it returns and
// inserts its successor in one write transaction, so of concurrent updates
// (in any process) each sees the one before; a successor that cannot be
// inserted rolls the update back.
func (s *Store) UpdateRefreshToken(ctx context.Context, hash []byte, f func(store.RefreshToken) (store.RefreshToken, *store.RefreshToken, error)) error {
	return s.write(ctx, func(tx *sql.Tx) error {
		old, err := scanRefreshToken(tx.QueryRowContext(ctx, selectRefreshToken+`WHERE hash = ?`, blob(hash)))
		if err != nil {
			return notFound(err, "refresh token")
		}
		t, next, err := f(old)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE refresh_tokens SET scopes = ?, auth_time = ?, created_at = ?, expires_at = ?,
			used_at = ?, revoked_at = ? WHERE hash = ?`,
			list(t.Scopes), millis(t.AuthTime), millis(t.CreatedAt), millis(t.ExpiresAt), millis(t.UsedAt), millis(t.RevokedAt), blob(hash)); err != nil {
			return err
		}
		if next == nil {
			return nil
		}
		return createRefreshToken(ctx, tx, *next)
	})
}

// RevokeFamily also remembers the family (store.FamilyMemory), so that a
// token of it stored later is stored revoked; writes are serialized, so
// a token is either stored before (and revoked here) or after (and sees
// the family).
func (s *Store) RevokeFamily(ctx context.Context, familyID string, now time.Time) (int, error) {
	return s.revoke(ctx, now, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO revoked_families (family_id, revoked_at, expires_at) VALUES (?, ?, ?)
			ON CONFLICT (family_id) DO NOTHING`, familyID, millis(now), millis(now.Add(store.FamilyMemory)))
		return err
	}, `family_id = ?`, familyID)
}

func (s *Store) RevokeUserTokens(ctx context.Context, tenantID, userID, clientID string, now time.Time) (int, error) {
	if clientID == "" {
		return s.revoke(ctx, now, nil, `tenant_id = ? AND user_id = ?`, tenantID, userID)
	}
	return s.revoke(ctx, now, nil, `tenant_id = ? AND user_id = ? AND client_id = ?`, tenantID, userID, clientID)
}

// revoke sets revoked_at on the matching tokens not revoked yet and returns
// how many it changed; first, in the same transaction, it runs before (if
// any).
func (s *Store) revoke(ctx context.Context, now time.Time, before func(*sql.Tx) error, where string, args ...any) (int, error) {
	var n int64
	err := s.write(ctx, func(tx *sql.Tx) error {
		if before != nil {
			if err := before(tx); err != nil {
				return err
			}
		}
		res, err := tx.ExecContext(ctx, `UPDATE refresh_tokens SET revoked_at = ? WHERE revoked_at IS NULL AND `+where,
			append([]any{millis(now)}, args...)...)
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	return int(n), err
}

// Device codes.

var deviceCodeColumns = []string{
	"hash", "user_code", "tenant_seg", "tenant_id", "client_id", "scopes", "requested",
	"status", "user_id", "expires_at", "last_poll_at", "interval_s",
}

var (
	insertDeviceCode = insertSQL("device_codes", deviceCodeColumns)
	updateDeviceCode = updateSQL("device_codes", deviceCodeColumns, "hash = ?")
)

func deviceCodeArgs(d store.DeviceCode) []any {
	return []any{
		blob(d.Hash), d.UserCode, d.TenantSeg, d.TenantID, d.ClientID, list(d.Scopes), list(d.Requested),
		string(d.Status), d.UserID, millis(d.ExpiresAt), millis(d.LastPollAt), d.Interval,
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
	return s.write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, insertDeviceCode, deviceCodeArgs(d)...)
		return conflict(err, "device code (user code %s)", d.UserCode)
	})
}

func (s *Store) GetDeviceCode(ctx context.Context, hash []byte) (store.DeviceCode, error) {
	return s.deviceCode(ctx, `hash = ?`, blob(hash))
}

func (s *Store) DeviceCodeByUserCode(ctx context.Context, userCode string) (store.DeviceCode, error) {
	return s.deviceCode(ctx, `user_code = ?`, userCode)
}

func (s *Store) deviceCode(ctx context.Context, where string, arg any) (store.DeviceCode, error) {
	var d store.DeviceCode
	err := s.read(ctx, func(tx *sql.Tx) (err error) {
		d, err = scanDeviceCode(tx.QueryRowContext(ctx, selectDeviceCode+`WHERE `+where, arg))
		return notFound(err, "device code")
	})
	return d, err
}

func (s *Store) UpdateDeviceCode(ctx context.Context, hash []byte, f func(store.DeviceCode) (store.DeviceCode, error)) error {
	return s.write(ctx, func(tx *sql.Tx) error {
		old, err := scanDeviceCode(tx.QueryRowContext(ctx, selectDeviceCode+`WHERE hash = ?`, blob(hash)))
		if err != nil {
			return notFound(err, "device code")
		}
		d, err := f(old)
		if err != nil {
			return err
		}
		d.Hash = old.Hash
		_, err = tx.ExecContext(ctx, updateDeviceCode, append(deviceCodeArgs(d), blob(hash))...)
		return conflict(err, "device code (user code %s)", d.UserCode)
	})
}

// DeleteExpired deletes the authorization codes, refresh tokens and device
// codes whose ExpiresAt is before now (those without one never expire).
func (s *Store) DeleteExpired(ctx context.Context, now time.Time) (int, error) {
	var total int64
	err := s.write(ctx, func(tx *sql.Tx) error {
		total = 0
		for _, table := range []string{"auth_codes", "refresh_tokens", "device_codes"} {
			res, err := tx.ExecContext(ctx, `DELETE FROM `+table+` WHERE expires_at < ?`, now.UnixMilli())
			if err != nil {
				return fmt.Errorf("%s: %w", table, err)
			}
			n, err := res.RowsAffected()
			if err != nil {
				return err
			}
			total += n
		}
		// Remembered revocations and lockout state are not credentials:
		// not counted.
		if _, err := tx.ExecContext(ctx, `DELETE FROM revoked_families WHERE expires_at < ?`, now.UnixMilli()); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `DELETE FROM lockouts WHERE expires_at < ?`, now.UnixMilli())
		return err
	})
	return int(total), err
}
