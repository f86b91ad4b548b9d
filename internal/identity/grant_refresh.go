package identity

import (
	"context"
	"errors"
	"net/url"
	"strings"

	"graphgate/internal/store"
)

// refreshRequest exchanges a refresh token. It never yields a permission
// that is no longer consented: the token's permissions are recomputed from
// the grants at every use, so revoking consent takes effect at the next
// refresh. The refresh token rotates on use; presenting a used one revokes
// its whole family (token theft detection).
type refreshRequest struct {
	token, scope string
}

func parseRefreshRequest(f url.Values, _ tenantSeg) (grant, *Error) {
	g := refreshRequest{token: f.Get("refresh_token"), scope: f.Get("scope")}
	if g.token == "" {
		return nil, errMissingParameter("refresh_token")
	}
	return g, nil
}

func (g refreshRequest) exchange(ctx context.Context, s *Server, tc *tokenCall) (tokenResponse, *Error) {
	cl := tc.cl
	now := s.now()
	old, err := s.store.GetRefreshToken(ctx, hashToken(g.token))
	switch {
	case errors.Is(err, store.ErrNotFound):
		return tokenResponse{}, errGrantInvalid("The provided value for the 'refresh_token' parameter is not valid.")
	case err != nil:
		return tokenResponse{}, errStore("reading the refresh token", err)
	}
	if old.ClientID != cl.app.AppID {
		return tokenResponse{}, errGrantInvalid("The refresh token was issued to another client.")
	}
	if !old.RevokedAt.IsZero() {
		return tokenResponse{}, errGrantRevoked()
	}
	if !old.UsedAt.IsZero() {
		return tokenResponse{}, s.revokeFamily(ctx, old)
	}
	if now.After(old.ExpiresAt) {
		return tokenResponse{}, errRefreshExpired(old.CreatedAt, now.Sub(old.CreatedAt))
	}
	u, err := s.store.GetUser(ctx, old.TenantID, old.UserID)
	if e := userGone(err); e != nil {
		return tokenResponse{}, e
	}
	tc.at.user(u)
	// The segment and the app's audience apply as at sign-in: a work
	// account's token is no good on /consumers, nor a single-tenant app's on
	// /common (checkUser also refuses a disabled account).
	if e := s.checkApp(cl.app, tc.ts); e != nil {
		return tokenResponse{}, e
	}
	t, e := s.checkUser(ctx, cl.app, tc.ts, u)
	if e != nil {
		return tokenResponse{}, e
	}
	scope := g.scope
	if strings.TrimSpace(scope) == "" {
		scope = joinFields(old.Scopes)
	}
	req, e := parseScopes(s.cat, scope, tc.ts.raw)
	if e != nil {
		return tokenResponse{}, e
	}
	// The same consent rule as every non-interactive flow (/.default yields
	// what is consented).
	perms, e := s.consentedFor(ctx, cl.app, t, u, req)
	if e != nil {
		return tokenResponse{}, e
	}
	value := newOpaque("0.A")
	next := store.RefreshToken{Hash: hashToken(value), FamilyID: old.FamilyID, TenantID: old.TenantID, ClientID: old.ClientID,
		UserID: old.UserID, Scopes: req.raw, AuthTime: old.AuthTime, CreatedAt: now, ExpiresAt: now.Add(s.cfg.RefreshTokenLifetime)}
	err = s.store.UpdateRefreshToken(ctx, old.Hash, func(t store.RefreshToken) (store.RefreshToken, *store.RefreshToken, error) {
		return rotateRefreshToken(t, next, now)
	})
	switch {
	case errors.Is(err, errTokenReused):
		// Another request rotated (or revoked) it since it was read.
		return tokenResponse{}, s.revokeFamily(ctx, old)
	case err != nil:
		return tokenResponse{}, errStore("rotating the refresh token", err)
	}
	// A refresh answers with the successor whether or not the request
	// repeats offline_access, as Microsoft does.
	req.openid["offline_access"] = true
	return s.issueUser(ctx, tc, userIssue{tenant: t, user: u, cl: cl, req: req, perms: perms, authTime: old.AuthTime,
		familyID: old.FamilyID, requested: req.raw, rotated: value})
}

// revokeFamily answers the reuse of a rotated refresh token: its whole
// family is revoked (AADSTS50173). If the store cannot revoke it, the
// answer is 503, so that a retry revokes it once the store is back.
func (s *Server) revokeFamily(ctx context.Context, old store.RefreshToken) *Error {
	n, err := s.store.RevokeFamily(ctx, old.FamilyID, s.now())
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
