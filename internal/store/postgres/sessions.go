package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"graphgate/internal/store"
)

// Authorization codes.

var authCodeColumns = []string{
	"hash", "tenant_id", "client_id", "user_id", "redirect_uri", "scopes", "requested", "nonce",
	"code_challenge", "code_challenge_method", "auth_time", "expires_at", "redeemed_at", "family_id",
}

var (
	insertAuthCode = insertSQL("auth_codes", authCodeColumns)
	updateAuthCode = updateSQL("auth_codes", authCodeColumns, "hash")
)

func authCodeArgs(c store.AuthCode) []any {
	return []any{
		blob(c.Hash), c.TenantID, c.ClientID, c.UserID, c.RedirectURI, list(c.Scopes), list(c.Requested), c.Nonce,
		c.CodeChallenge, c.CodeChallengeMethod, tstz(c.AuthTime), tstz(c.ExpiresAt), tstz(c.RedeemedAt), c.FamilyID,
	}
}

const authCodeFields = `hash, tenant_id, client_id, user_id, redirect_uri, scopes, requested, nonce,
	code_challenge, code_challenge_method, auth_time, expires_at, redeemed_at, family_id`

func scanAuthCode(sc scanner) (store.AuthCode, error) {
	var c store.AuthCode
	err := sc.Scan(&c.Hash, &c.TenantID, &c.ClientID, &c.UserID, &c.RedirectURI, strs(&c.Scopes), strs(&c.Requested), &c.Nonce,
		&c.CodeChallenge, &c.CodeChallengeMethod, ts(&c.AuthTime), ts(&c.ExpiresAt), ts(&c.RedeemedAt), &c.FamilyID)
	return c, err
}

func (s *Store) CreateAuthCode(ctx context.Context, c store.AuthCode) error {
	_, err := s.pool.Exec(ctx, insertAuthCode, authCodeArgs(c)...)
	return conflict(err, "authorization code")
}

// UpdateAuthCode runs f with the row locked FOR UPDATE: of concurrent
// updates (in any process) each waits for the one before and sees its
// result, so a closure that redeems an unredeemed code succeeds once.
func (s *Store) UpdateAuthCode(ctx context.Context, hash []byte, f func(store.AuthCode) (store.AuthCode, error)) error {
	return s.write(ctx, func(tx pgx.Tx) error {
		old, err := scanAuthCode(tx.QueryRow(ctx, `SELECT `+authCodeFields+` FROM auth_codes WHERE hash = $1 FOR UPDATE`, blob(hash)))
		if err != nil {
			return notFound(err, "authorization code")
		}
		c, err := f(old)
		if err != nil {
			return err
		}
		c.Hash, c.TenantID, c.ClientID, c.UserID = old.Hash, old.TenantID, old.ClientID, old.UserID
		_, err = tx.Exec(ctx, updateAuthCode, append(authCodeArgs(c), blob(hash))...)
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

func createRefreshToken(ctx context.Context, q querier, t store.RefreshToken) error {
	if t.RevokedAt.IsZero() {
		// A family revoked before this token arrived (see RevokeFamily);
		// the family's lock orders this read against the revocation.
		if _, err := q.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtextextended($1, 7))`, t.FamilyID); err != nil {
			return err
		}
		err := q.QueryRow(ctx, `SELECT revoked_at FROM revoked_families WHERE family_id = $1`, t.FamilyID).Scan(ts(&t.RevokedAt))
		if err != nil && !errors.Is(err, pgx.ErrNoRows) {
			return err
		}
	}
	_, err := q.Exec(ctx, insertRefreshToken,
		blob(t.Hash), t.FamilyID, t.TenantID, t.ClientID, t.UserID, list(t.Scopes),
		tstz(t.AuthTime), tstz(t.CreatedAt), tstz(t.ExpiresAt), tstz(t.UsedAt), tstz(t.RevokedAt))
	return conflict(err, "refresh token")
}

func (s *Store) CreateRefreshToken(ctx context.Context, t store.RefreshToken) error {
	// A transaction: the family lock createRefreshToken takes lasts until
	// the token is committed.
	return s.write(ctx, func(tx pgx.Tx) error { return createRefreshToken(ctx, tx, t) })
}

func (s *Store) GetRefreshToken(ctx context.Context, hash []byte) (store.RefreshToken, error) {
	t, err := scanRefreshToken(s.pool.QueryRow(ctx, selectRefreshToken+`WHERE hash = $1`, blob(hash)))
	return t, notFound(err, "refresh token")
}

// UpdateRefreshToken locks the token (FOR UPDATE), so concurrent updates
// of one token queue and each sees the one before. It then writes what f
// returns and inserts the successor in the same transaction: if the
// successor cannot be stored, the token stays as it was.
func (s *Store) UpdateRefreshToken(ctx context.Context, hash []byte, f func(store.RefreshToken) (store.RefreshToken, *store.RefreshToken, error)) error {
	return s.write(ctx, func(tx pgx.Tx) error {
		old, err := scanRefreshToken(tx.QueryRow(ctx, selectRefreshToken+`WHERE hash = $1 FOR UPDATE`, blob(hash)))
		if err != nil {
			return notFound(err, "refresh token")
		}
		t, next, err := f(old)
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE refresh_tokens SET scopes = $2, auth_time = $3, created_at = $4, expires_at = $5,
			used_at = $6, revoked_at = $7 WHERE hash = $1`,
			blob(hash), list(t.Scopes), tstz(t.AuthTime), tstz(t.CreatedAt), tstz(t.ExpiresAt), tstz(t.UsedAt), tstz(t.RevokedAt)); err != nil {
			return err
		}
		if next == nil {
			return nil
		}
		return createRefreshToken(ctx, tx, *next)
	})
}

// RevokeFamily also remembers the family (store.FamilyMemory), so that a
// token of it stored later is stored revoked. Both take the family's
// advisory lock: a token is committed either before the revocation's
// UPDATE runs (and is revoked by it) or after it committed (and sees the
// family) — under READ COMMITTED, without the lock, each could miss the
// other's uncommitted row.
func (s *Store) RevokeFamily(ctx context.Context, familyID string, now time.Time) (int, error) {
	var n int
	err := s.write(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtextextended($1, 7))`, familyID); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO revoked_families (family_id, revoked_at, expires_at) VALUES ($1, $2, $3)
			ON CONFLICT (family_id) DO NOTHING`, familyID, now, now.Add(store.FamilyMemory)); err != nil {
			return err
		}
		tag, err := tx.Exec(ctx, `UPDATE refresh_tokens SET revoked_at = $1 WHERE revoked_at IS NULL AND family_id = $2`, now, familyID)
		n = int(tag.RowsAffected())
		return err
	})
	return n, err
}

func (s *Store) RevokeUserTokens(ctx context.Context, tenantID, userID, clientID string, now time.Time) (int, error) {
	if clientID == "" {
		return s.revoke(ctx, now, `tenant_id = $2 AND user_id = $3`, tenantID, userID)
	}
	return s.revoke(ctx, now, `tenant_id = $2 AND user_id = $3 AND client_id = $4`, tenantID, userID, clientID)
}

// revoke sets revoked_at on the matching tokens not revoked yet and returns
// how many it changed. A concurrent revoker waits for the row locks and
// re-checks revoked_at IS NULL, so each token is counted once.
func (s *Store) revoke(ctx context.Context, now time.Time, where string, args ...any) (int, error) {
	tag, err := s.pool.Exec(ctx, `UPDATE refresh_tokens SET revoked_at = $1 WHERE revoked_at IS NULL AND `+where,
		append([]any{now}, args...)...)
	if err != nil {
		return 0, err
	}
	return int(tag.RowsAffected()), nil
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

func deviceCodeArgs(d store.DeviceCode) []any {
	return []any{
		blob(d.Hash), d.UserCode, d.TenantSeg, d.TenantID, d.ClientID, list(d.Scopes), list(d.Requested),
		string(d.Status), d.UserID, tstz(d.ExpiresAt), tstz(d.LastPollAt), d.Interval,
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
	_, err := s.pool.Exec(ctx, insertDeviceCode, deviceCodeArgs(d)...)
	return conflict(err, "device code (user code %s)", d.UserCode)
}

func (s *Store) GetDeviceCode(ctx context.Context, hash []byte) (store.DeviceCode, error) {
	d, err := scanDeviceCode(s.pool.QueryRow(ctx, selectDeviceCode+`WHERE hash = $1`, blob(hash)))
	return d, notFound(err, "device code")
}

// DeviceCodeByUserCode matches the user code exactly, as the SQLite backend
// does (the identity platform normalizes what people type).
func (s *Store) DeviceCodeByUserCode(ctx context.Context, userCode string) (store.DeviceCode, error) {
	d, err := scanDeviceCode(s.pool.QueryRow(ctx, selectDeviceCode+`WHERE user_code = $1`, userCode))
	return d, notFound(err, "device code")
}

// UpdateDeviceCode runs f with the row locked FOR UPDATE: of concurrent
// updates (a poll redeeming an approved code, say) each sees the previous
// one's result, so a closure that moves Approved to Redeemed succeeds once.
func (s *Store) UpdateDeviceCode(ctx context.Context, hash []byte, f func(store.DeviceCode) (store.DeviceCode, error)) error {
	return s.write(ctx, func(tx pgx.Tx) error {
		old, err := scanDeviceCode(tx.QueryRow(ctx, selectDeviceCode+`WHERE hash = $1 FOR UPDATE`, blob(hash)))
		if err != nil {
			return notFound(err, "device code")
		}
		d, err := f(old)
		if err != nil {
			return err
		}
		d.Hash = old.Hash
		_, err = tx.Exec(ctx, updateDeviceCode, append(deviceCodeArgs(d), blob(hash))...)
		return conflict(err, "device code (user code %s)", d.UserCode)
	})
}

// DeleteExpired deletes the authorization codes, refresh tokens and device
// codes whose ExpiresAt is before now (those without one never expire), in
// one transaction.
func (s *Store) DeleteExpired(ctx context.Context, now time.Time) (int, error) {
	var total int64
	err := s.write(ctx, func(tx pgx.Tx) error {
		total = 0
		for _, table := range []string{"auth_codes", "refresh_tokens", "device_codes"} {
			tag, err := tx.Exec(ctx, `DELETE FROM `+table+` WHERE expires_at < $1`, now)
			if err != nil {
				return fmt.Errorf("%s: %w", table, err)
			}
			total += tag.RowsAffected()
		}
		// Remembered revocations and lockout state are not credentials:
		// not counted.
		if _, err := tx.Exec(ctx, `DELETE FROM revoked_families WHERE expires_at < $1`, now); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `DELETE FROM lockouts WHERE expires_at < $1`, now)
		return err
	})
	return int(total), err
}
