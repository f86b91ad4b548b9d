package identity

import (
	"errors"
	"strings"

	"graphgate/internal/store"
)

// grantRefreshToken exchanges a refresh token. It never yields a permission
// that is no longer consented: the token's permissions are recomputed from
// the grants at every use, so revoking consent takes effect at the next
// refresh. The refresh token rotates on use; presenting a used one revokes
// its whole family (token theft detection).
func (s *Server) grantRefreshToken(tr *tokenRequest) *Error {
	ctx := tr.r.Context()
	f := tr.r.PostForm
	raw := f.Get("refresh_token")
	if raw == "" {
		return errMissingParameter("refresh_token")
	}
	cl, e := s.authenticateClient(tr.r, tr.ts)
	if e != nil {
		return e
	}
	now := s.now()
	old, err := s.store.GetRefreshToken(ctx, hashToken(raw))
	switch {
	case errors.Is(err, store.ErrNotFound):
		return errGrantInvalid("The provided value for the 'refresh_token' parameter is not valid.")
	case err != nil:
		return errStore("reading the refresh token", err)
	}
	if old.ClientID != cl.app.AppID {
		return errGrantInvalid("The refresh token was issued to another client.")
	}
	if !old.RevokedAt.IsZero() {
		return errGrantRevoked()
	}
	if !old.UsedAt.IsZero() {
		return s.revokeFamily(tr, old)
	}
	if now.After(old.ExpiresAt) {
		return errGrantExpired()
	}
	u, err := s.store.GetUser(ctx, old.TenantID, old.UserID)
	if e := userGone(err); e != nil {
		return e
	}
	// The segment and the app's audience apply as at sign-in: a work
	// account's token is no good on /consumers, nor a single-tenant app's on
	// /common (checkUser also refuses a disabled account).
	if e := s.checkApp(cl.app, tr.ts); e != nil {
		return e
	}
	t, e := s.checkUser(ctx, cl.app, tr.ts, u)
	if e != nil {
		return e
	}
	scope := f.Get("scope")
	if strings.TrimSpace(scope) == "" {
		scope = joinFields(old.Scopes)
	}
	req, e := parseScopes(s.cat, scope, tr.ts.raw)
	if e != nil {
		return e
	}
	// The same consent rule as every non-interactive flow (/.default yields
	// what is consented).
	perms, e := s.consentedFor(ctx, cl.app, t, u, req)
	if e != nil {
		return e
	}
	value := newOpaque("0.A")
	next := store.RefreshToken{Hash: hashToken(value), FamilyID: old.FamilyID, TenantID: old.TenantID, ClientID: old.ClientID,
		UserID: old.UserID, Scopes: req.raw, AuthTime: old.AuthTime, CreatedAt: now, ExpiresAt: now.Add(s.cfg.RefreshTokenLifetime)}
	if _, err := s.store.RotateRefreshToken(ctx, old.Hash, next, now); err != nil {
		if errors.Is(err, store.ErrAlreadyUsed) {
			return s.revokeFamily(tr, old)
		}
		return errStore("rotating the refresh token", err)
	}
	// A refresh answers with the successor whether or not the request
	// repeats offline_access, as Microsoft does.
	req.openid["offline_access"] = true
	tr.rotated = value
	return s.issueUser(tr, userIssue{tenant: t, user: u, cl: cl, req: req, perms: perms, authTime: old.AuthTime,
		familyID: old.FamilyID, requested: req.raw})
}

// revokeFamily answers the reuse of a rotated refresh token: its whole
// family is revoked (AADSTS50173). If the store cannot revoke it, the
// answer is 503, so that a retry revokes it once the store is back.
func (s *Server) revokeFamily(tr *tokenRequest, old store.RefreshToken) *Error {
	n, err := s.store.RevokeFamily(tr.r.Context(), old.FamilyID, s.now())
	if err != nil {
		return errStore("revoking a reused refresh token's family", err)
	}
	s.log.Warn("refresh token reused: revoked its family", "client", old.ClientID, "user", old.UserID, "tokens", n)
	return errGrantRevoked()
}

// userGone answers a failed read of a grant's user: a user deleted since
// the grant is AADSTS50173, a store failure 503; nil when err is nil.
func userGone(err error) *Error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, store.ErrNotFound):
		return errGrantRevoked().WithCause(err)
	}
	return errStore("reading the grant's user", err)
}

func joinFields(s []string) string { return strings.Join(s, " ") }
