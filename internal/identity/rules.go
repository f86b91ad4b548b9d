package identity

import (
	"errors"
	"time"

	"graphgate/internal/store"
)

// The rules of the single-use and stateful credentials, as functions of the
// stored value. The token and authorize endpoints run them inside the
// store's update closures (UpdateAuthCode, UpdateRefreshToken,
// UpdateDeviceCode), which make the read-modify-write atomic across
// replicas; the store knows none of them. A rule that refuses returns one
// of the errors below, which aborts the update and leaves the credential as
// it was.

var (
	// errCodeReplayed: the authorization code was redeemed before.
	errCodeReplayed = errors.New("identity: authorization code already redeemed")
	// errTokenReused: the refresh token was rotated or revoked before.
	errTokenReused = errors.New("identity: refresh token already used or revoked")
	// errNotPending: the device code is no longer waiting for its user.
	errNotPending = errors.New("identity: device code not pending")
)

// redeemCode is an authorization code's single use (RFC 6749 §4.1.2): a
// code not redeemed yet is redeemed now, starting the refresh-token family
// family; one redeemed before is a replay (errCodeReplayed), whose caller
// revokes the family the first redemption started. Expiry, the client and
// the redirect URI are checked after, on the code as it was.
func redeemCode(c store.AuthCode, now time.Time, family string) (store.AuthCode, error) {
	if !c.RedeemedAt.IsZero() {
		return c, errCodeReplayed
	}
	c.RedeemedAt, c.FamilyID = now, family
	return c, nil
}

// rotateRefreshToken is a refresh token's rotation: a token neither used
// nor revoked is marked used now and succeeded by next, which joins its
// family; a used or revoked one is reuse (errTokenReused), whose caller
// revokes the whole family (token theft detection).
func rotateRefreshToken(old, next store.RefreshToken, now time.Time) (store.RefreshToken, *store.RefreshToken, error) {
	if !old.UsedAt.IsZero() || !old.RevokedAt.IsZero() {
		return old, nil, errTokenReused
	}
	old.UsedAt = now
	next.FamilyID = old.FamilyID
	return old, &next, nil
}

// pollDevice is a poll of the device code d by the client clientID
// (RFC 8628 §3.4-3.5). It returns the code as it is to be stored, whether
// to store it, and the answer: nil when the user approved (the code is now
// redeemed and the poll gets the tokens), else the error to send.
func pollDevice(d store.DeviceCode, clientID string, now time.Time) (next store.DeviceCode, write bool, answer *Error) {
	if d.ClientID != clientID {
		return d, false, errGrantInvalid("The device code was issued to another client.")
	}
	if now.After(d.ExpiresAt) && d.Status != store.DeviceApproved {
		return d, false, errDeviceCodeExpired()
	}
	switch d.Status {
	case store.DevicePending:
		// A poll sooner than the interval after the previous one is
		// answered slow_down, and the interval grows by 5 s for this device
		// code. Only a pending code is polled too fast: once the user
		// approved, the next poll gets the tokens however soon it comes, so
		// that a client that ignores slow_down (MSAL Go polls at 50 ms,
		// 150 ms, … up to 5 s whatever it is told) still finishes.
		interval := time.Duration(d.Interval) * time.Second
		if !d.LastPollAt.IsZero() && now.Sub(d.LastPollAt) < interval {
			d.Interval += 5
			answer = errSlowDown(d.Interval)
		} else {
			answer = errAuthorizationPending()
		}
		d.LastPollAt = now
		return d, true, answer
	case store.DeviceDenied:
		return d, false, errDeviceDeclined()
	case store.DeviceRedeemed:
		return d, false, errCodeRedeemed()
	case store.DeviceApproved:
		d.Status = store.DeviceRedeemed
		return d, true, nil
	}
	return d, false, errGrantInvalid("The device code is in an unknown state.")
}

// approveDeviceCode records the user's approval of a pending device code:
// who signed in, in which tenant, the permissions consented and when. A
// code no longer pending, or expired, is refused (errNotPending).
func approveDeviceCode(d store.DeviceCode, now time.Time, userID, tenantID string, scopes []string, authTime time.Time) (store.DeviceCode, error) {
	if d.Status != store.DevicePending || now.After(d.ExpiresAt) {
		return d, errNotPending
	}
	d.Status, d.UserID, d.TenantID, d.Scopes, d.LastPollAt = store.DeviceApproved, userID, tenantID, scopes, authTime
	return d, nil
}

// declineDeviceCode records the user's refusal of a pending device code; a
// code no longer pending is left as it is (errNotPending).
func declineDeviceCode(d store.DeviceCode) (store.DeviceCode, error) {
	if d.Status != store.DevicePending {
		return d, errNotPending
	}
	d.Status = store.DeviceDenied
	return d, nil
}
