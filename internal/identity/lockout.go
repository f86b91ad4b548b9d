package identity

import (
	"context"
	"encoding/base64"
	"errors"
	"slices"
	"time"

	"graphgate/internal/password"
	"graphgate/internal/store"
)

// Smart lockout, after Entra ID's ("Protect user accounts from attacks with
// Microsoft Entra smart lockout"), on every path that checks a password
// (the password grant and the sign-in form, for every flow that shows it):
//
//   - After Config.LockoutThreshold failed sign-ins (Entra's default 10)
//     the account is locked for Config.LockoutDuration (Entra's default
//     60 s). Every sign-in during a lockout is refused with AADSTS50053,
//     the right password too, and without hashing the password: a locked
//     account costs no password work.
//   - After a lockout, each further failed sign-in locks the account again,
//     longer each time. Entra does not publish how fast the lockout grows;
//     graphgate doubles it per lockout, up to 64 times the first (about an
//     hour with the defaults).
//   - A wrong password that is one of the last three wrong ones is not
//     counted: Entra tracks the last three bad-password hashes so that a
//     user retyping the same wrong password does not lock themselves out.
//     Repeating one password tells an attacker nothing new, so it is no
//     guess worth counting.
//   - A successful sign-in forgets the failures. Entra does not publish when
//     its counter resets otherwise; graphgate forgets an account's failures
//     lockoutMemory after the last failure or the end of the last lockout,
//     the role "reset account lockout counter after" plays in Active
//     Directory.
//
// The state is in the store (store.Lockouts), so every replica counts the
// same failures and sees the same lockout. (Entra's data centers count
// separately, which its documentation says lets a user make threshold ×
// data centers attempts; one count is stricter and predictable in tests.)
// Bad passwords are kept as HMAC-SHA-256 tags under a key the replicas
// share, bound to the user and cut to 128 bits: enough to tell passwords
// apart, and no plain hash of something close to the real password.

const (
	// lockoutRecent is how many recent wrong passwords are not counted again.
	lockoutRecent = 3
	// lockoutMaxDoublings caps a lockout at 2^6 = 64 times the first.
	lockoutMaxDoublings = 6
	// lockoutMemory is how long failures are remembered.
	lockoutMemory = time.Hour
	// settingLockoutKey names the key of the bad-password tags.
	settingLockoutKey = "identity.lockout-key"
)

func errAccountLocked() *Error {
	return newErr("invalid_grant", 50053, 400, "The account is locked, you've tried to sign in too many times with an incorrect user ID or password.")
}

// lockoutOn reports whether smart lockout is on (Config.LockoutThreshold).
func (s *Server) lockoutOn() bool { return s.cfg.LockoutThreshold > 0 }

// checkPassword checks u's password under smart lockout: AADSTS50053 while
// the account is locked, AADSTS50126 for a wrong password (counted), nil
// for the right one (which forgets the failures).
func (s *Server) checkPassword(ctx context.Context, u store.User, pw string) *Error {
	if !s.lockoutOn() {
		if ok, err := password.Verify(pw, u.PasswordHash); err != nil || !ok {
			return errBadCredentials()
		}
		return nil
	}
	now := s.now()
	if _, locked, e := s.lockoutState(ctx, u, now); e != nil || locked {
		if e != nil {
			return e
		}
		return errAccountLocked()
	}
	if ok, err := password.Verify(pw, u.PasswordHash); err != nil || !ok {
		return s.countFailure(ctx, u, pw, now)
	}
	// The right password. Failures of concurrent sign-ins may have locked
	// the account while this one was hashing: read again, so that a burst
	// of guesses cannot outrun the lockout.
	found, locked, e := s.lockoutState(ctx, u, now)
	switch {
	case e != nil:
		return e
	case locked:
		return errAccountLocked()
	case found:
		if err := s.store.DeleteLockout(ctx, u.TenantID, u.ID); err != nil && !errors.Is(err, store.ErrNotFound) {
			return errStore("resetting the lockout state", err)
		}
	}
	return nil
}

// lockoutState reads u's lockout state: whether there is any (not yet
// forgotten) and whether the account is locked at now.
func (s *Server) lockoutState(ctx context.Context, u store.User, now time.Time) (found, locked bool, e *Error) {
	l, err := s.store.GetLockout(ctx, u.TenantID, u.ID)
	if errors.Is(err, store.ErrNotFound) {
		return false, false, nil
	}
	if err != nil {
		return false, false, errStore("reading the lockout state", err)
	}
	if forgotten(l, now) {
		return false, false, nil
	}
	return true, now.Before(l.LockedUntil), nil
}

// forgotten reports whether l is past its memory (lockoutMemory): it then
// counts as no state at all.
func forgotten(l store.Lockout, now time.Time) bool {
	return !l.ExpiresAt.IsZero() && !now.Before(l.ExpiresAt)
}

// countFailure records a wrong password and answers the sign-in.
func (s *Server) countFailure(ctx context.Context, u store.User, pw string, now time.Time) *Error {
	tag := s.badPasswordTag(u, pw)
	var locked, lockedNow bool
	l, err := s.store.UpsertLockout(ctx, u.TenantID, u.ID, func(l store.Lockout) (store.Lockout, error) {
		locked, lockedNow = false, false
		if forgotten(l, now) {
			l = store.Lockout{TenantID: l.TenantID, UserID: l.UserID}
		}
		if now.Before(l.LockedUntil) {
			// A concurrent sign-in locked the account meanwhile.
			locked = true
			return l, errAbort
		}
		if slices.Contains(l.BadPasswords, tag) {
			return l, errAbort
		}
		l.BadPasswords = append(l.BadPasswords, tag)
		if n := len(l.BadPasswords); n > lockoutRecent {
			l.BadPasswords = l.BadPasswords[n-lockoutRecent:]
		}
		l.Failures++
		if l.Lockouts > 0 || l.Failures >= s.cfg.LockoutThreshold {
			l.Lockouts++
			l.Failures = 0
			l.LockedUntil = now.Add(s.cfg.LockoutDuration << min(l.Lockouts-1, lockoutMaxDoublings))
			lockedNow = true
		}
		l.UpdatedAt = now
		l.ExpiresAt = now.Add(lockoutMemory)
		if l.LockedUntil.After(now) {
			l.ExpiresAt = l.LockedUntil.Add(lockoutMemory)
		}
		return l, nil
	})
	switch {
	case err != nil && !errors.Is(err, errAbort):
		return errStore("counting a failed sign-in", err)
	case locked:
		return errAccountLocked()
	}
	if lockedNow {
		s.log.Warn("account locked after failed sign-ins (smart lockout, see serve --lockout-threshold)", "user", u.UserPrincipalName,
			"until", l.LockedUntil.UTC().Format(time.RFC3339), "lockouts", l.Lockouts)
	}
	// The sign-in that reaches the threshold failed on its own password;
	// the lockout applies from the next one.
	return errBadCredentials()
}

// badPasswordTag identifies a wrong password of u among u's recent ones.
func (s *Server) badPasswordTag(u store.User, pw string) string {
	mac := hmacSHA256(s.lockoutKey, []byte(u.TenantID+"\x00"+u.ID+"\x00"+pw))
	return base64.RawURLEncoding.EncodeToString(mac[:16])
}
