package identity

import (
	"errors"
	"strings"

	"graphgate/internal/catalog"
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
		return errInvalidRequest("the refresh token could not be read").WithCause(err)
	}
	if old.ClientID != cl.app.AppID {
		return errGrantInvalid("The refresh token was issued to another client.")
	}
	if !old.RevokedAt.IsZero() {
		return errGrantRevoked()
	}
	if !old.UsedAt.IsZero() {
		s.revokeFamily(tr, old)
		return errGrantRevoked()
	}
	if now.After(old.ExpiresAt) {
		return errGrantExpired()
	}
	u, err := s.store.GetUser(ctx, old.TenantID, old.UserID)
	if err != nil {
		return errGrantRevoked().WithCause(err)
	}
	if !u.AccountEnabled {
		return errUserDisabled()
	}
	if tr.ts.kind == segTenant && tr.ts.tenant.ID != old.TenantID {
		return errUserNotInTenant(u.UserPrincipalName, tr.ts.tenant.DisplayName, cl.app.AppID, cl.app.DisplayName)
	}
	t, err := s.store.GetTenant(ctx, old.TenantID)
	if err != nil {
		return errGrantRevoked().WithCause(err)
	}
	scope := f.Get("scope")
	if strings.TrimSpace(scope) == "" {
		scope = joinFields(old.Scopes)
	}
	req, e := parseScopes(s.cat, scope, tr.ts.raw)
	if e != nil {
		return e
	}
	var perms []*catalog.Permission
	if req.isAPI() {
		if e := s.checkAPI(ctx, req); e != nil {
			return e
		}
	} else {
		n, e := s.need(ctx, cl.app, t.ID, u, req)
		if e != nil {
			return e
		}
		if !n.satisfied() || req.def && len(n.consented) == 0 && len(n.want) > 0 {
			return errConsentRequired(cl.app.AppID, cl.app.DisplayName)
		}
		perms = tokenPerms(n.consented, u)
	}
	value := newOpaque("0.A")
	next := store.RefreshToken{Hash: hashToken(value), FamilyID: old.FamilyID, TenantID: old.TenantID, ClientID: old.ClientID,
		UserID: old.UserID, Scopes: req.raw, AuthTime: old.AuthTime, CreatedAt: now, ExpiresAt: now.Add(s.cfg.RefreshTokenLifetime)}
	if _, err := s.store.RotateRefreshToken(ctx, old.Hash, next, now); err != nil {
		if errors.Is(err, store.ErrAlreadyUsed) {
			s.revokeFamily(tr, old)
			return errGrantRevoked()
		}
		return errInvalidRequest("the refresh token could not be rotated").WithCause(err)
	}
	// A refresh answers with the successor whether or not the request
	// repeats offline_access, as Microsoft does.
	req.openid["offline_access"] = true
	tr.rotated = value
	return s.issueUser(tr, userIssue{tenant: t, user: u, cl: cl, req: req, perms: perms, authTime: old.AuthTime,
		familyID: old.FamilyID, requested: req.raw})
}

func (s *Server) revokeFamily(tr *tokenRequest, old store.RefreshToken) {
	n, err := s.store.RevokeFamily(tr.r.Context(), old.FamilyID, s.now())
	if err == nil {
		s.log.Warn("refresh token reused: revoked its family", "client", old.ClientID, "user", old.UserID, "tokens", n)
	}
}

func joinFields(s []string) string { return strings.Join(s, " ") }
