package identity

import (
	"context"
	"errors"
	"net/url"
	"strings"

	"graphgate/internal/store"
)

// passwordRequest is the resource-owner password flow MSAL's
// AcquireTokenByUsernamePassword uses. It is non-interactive, so missing
// consent is AADSTS65001. Unlike Microsoft, graphgate also accepts it for
// personal accounts, so tests can sign them in without a browser.
type passwordRequest struct {
	username, password, scope string
}

func parsePasswordRequest(f url.Values, _ tenantSeg) (grant, *Error) {
	for _, p := range []string{"username", "password"} {
		if f.Get(p) == "" {
			return nil, errMissingParameter(p)
		}
	}
	return passwordRequest{username: f.Get("username"), password: f.Get("password"), scope: f.Get("scope")}, nil
}

func (g passwordRequest) exchange(ctx context.Context, s *Server, tc *tokenCall) (tokenResponse, *Error) {
	if e := s.checkApp(tc.cl.app, tc.ts); e != nil {
		return tokenResponse{}, e
	}
	u, e := s.authenticateUser(ctx, tc.ts, g.username, g.password)
	tc.at.user(u)
	if e != nil {
		return tokenResponse{}, e
	}
	return s.issueForUser(ctx, tc, u, g.scope, "", s.now())
}

// authenticateUser checks a user name and password, under smart lockout
// (lockout.go). Every path that checks a password comes here.
func (s *Server) authenticateUser(ctx context.Context, ts tenantSeg, upn, pw string) (store.User, *Error) {
	u, err := s.store.UserByUPN(ctx, strings.TrimSpace(upn))
	if errors.Is(err, store.ErrNotFound) {
		name := ts.tenant.DisplayName
		if name == "" {
			name = ts.raw
		}
		return store.User{}, errUserNotFound(upn, name)
	}
	if err != nil {
		return store.User{}, errStore("finding the user", err)
	}
	if u.PasswordHash == "" {
		return store.User{}, errBadCredentials()
	}
	if e := s.checkPassword(ctx, u, pw); e != nil {
		// The account found goes with the failure: the sign-in log names it.
		return u, e
	}
	return u, nil
}
