package identity

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"time"

	"graphgate/internal/store"
)

// deviceCodeRequest is the polling side of the device authorization grant
// (RFC 8628), in both spellings MSAL uses.
type deviceCodeRequest struct {
	code string
}

func parseDeviceCodeRequest(f url.Values, _ tenantSeg) (grant, *Error) {
	code := f.Get("device_code")
	if code == "" {
		code = f.Get("code")
	}
	if code == "" {
		return nil, errMissingParameter("device_code")
	}
	return deviceCodeRequest{code: code}, nil
}

func (g deviceCodeRequest) exchange(ctx context.Context, s *Server, tc *tokenCall) (tokenResponse, *Error) {
	cl := tc.cl
	now := s.now()
	var got store.DeviceCode
	var pe *Error
	err := s.store.UpdateDeviceCode(ctx, hashToken(g.code), func(d store.DeviceCode) (store.DeviceCode, error) {
		got, pe = d, nil
		if d.ClientID != cl.app.AppID {
			pe = errGrantInvalid("The device code was issued to another client.")
			return d, errAbort
		}
		if now.After(d.ExpiresAt) && d.Status != store.DeviceApproved {
			pe = errDeviceCodeExpired()
			return d, errAbort
		}
		switch d.Status {
		case store.DevicePending:
			// RFC 8628 §3.5: a poll sooner than the interval after the
			// previous one is answered slow_down, and the interval grows
			// by 5 s for this device code. Only a pending code is polled
			// too fast: once the user approved, the next poll gets the
			// tokens however soon it comes, so that a client that
			// ignores slow_down (MSAL Go polls at 50 ms, 150 ms, … up to
			// 5 s whatever it is told) still finishes.
			interval := time.Duration(d.Interval) * time.Second
			if !d.LastPollAt.IsZero() && now.Sub(d.LastPollAt) < interval {
				d.Interval += 5
				pe = errSlowDown(d.Interval)
			} else {
				pe = errAuthorizationPending()
			}
			d.LastPollAt = now
		case store.DeviceDenied:
			pe = errDeviceDeclined()
			return d, errAbort
		case store.DeviceRedeemed:
			pe = errCodeRedeemed()
			return d, errAbort
		case store.DeviceApproved:
			d.Status = store.DeviceRedeemed
		}
		return d, nil
	})
	switch {
	case errors.Is(err, store.ErrNotFound):
		return tokenResponse{}, errGrantInvalid("The provided value for the 'device_code' parameter is not valid.")
	case pe != nil:
		return tokenResponse{}, pe
	case err != nil:
		return tokenResponse{}, errStore("updating the device code", err)
	}
	u, err := s.store.GetUser(ctx, got.TenantID, got.UserID)
	if e := userGone(err); e != nil {
		return tokenResponse{}, e
	}
	t, e := s.checkUser(ctx, cl.app, tc.ts, u)
	if e != nil {
		return tokenResponse{}, e
	}
	req, e := parseScopes(s.cat, joinFields(got.Requested), tc.ts.raw)
	if e != nil {
		return tokenResponse{}, e
	}
	perms := s.permsOf(got.Scopes, schemeFor(u))
	return s.issueUser(ctx, tc, userIssue{tenant: t, user: u, cl: cl, req: req, perms: perms, authTime: got.LastPollAt, requested: got.Requested})
}

// errAbort ends an update closure without writing; the real outcome is in
// the closure's captured variables.
var errAbort = fmt.Errorf("identity: update aborted")
