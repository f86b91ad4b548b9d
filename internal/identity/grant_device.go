package identity

import (
	"context"
	"errors"
	"fmt"
	"net/url"

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
	// got is the code as this poll found it; pe the poll's answer when it
	// gets no tokens.
	var got store.DeviceCode
	var pe *Error
	err := s.store.UpdateDeviceCode(ctx, hashToken(g.code), func(d store.DeviceCode) (store.DeviceCode, error) {
		got = d
		next, write, answer := pollDevice(d, cl.app.AppID, now)
		pe = answer
		if !write {
			return d, errAbort
		}
		return next, nil
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
	tc.at.user(u)
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
