package identity

import (
	"errors"
	"strings"

	"graphgate/internal/store"
)

// grantPassword is the resource-owner password flow MSAL's
// AcquireTokenByUsernamePassword uses. It is non-interactive, so missing
// consent is AADSTS65001. Unlike Microsoft, graphgate also accepts it for
// personal accounts, so tests can sign them in without a browser.
func (s *Server) grantPassword(tr *tokenRequest) *Error {
	f := tr.r.PostForm
	for _, p := range []string{"username", "password"} {
		if f.Get(p) == "" {
			return errMissingParameter(p)
		}
	}
	cl, e := s.authenticateClient(tr.r, tr.ts)
	if e != nil {
		return e
	}
	if e := s.checkApp(cl.app, tr.ts); e != nil {
		return e
	}
	u, e := s.authenticateUser(tr.r, tr.ts, f.Get("username"), f.Get("password"))
	if e != nil {
		return e
	}
	return s.issueForUser(tr, cl, u, f.Get("scope"), "", s.now())
}

// authenticateUser checks a user name and password, under smart lockout
// (lockout.go). Every path that checks a password comes here.
func (s *Server) authenticateUser(r httpRequest, ts tenantSeg, upn, pw string) (store.User, *Error) {
	u, err := s.store.UserByUPN(r.Context(), strings.TrimSpace(upn))
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
	if e := s.checkPassword(r.Context(), u, pw); e != nil {
		return store.User{}, e
	}
	return u, nil
}
