package graph

import (
	"errors"
	"strings"

	"graphgate/internal/authz"
	"graphgate/internal/roles"
	"graphgate/internal/store"
	"graphgate/internal/tokens"
)

// authenticate validates the bearer token and builds the principal. Every
// failure is Graph's 401 InvalidAuthenticationToken with its message.
func (s *Server) authenticate(c *Call) error {
	h := c.r.Header.Get("Authorization")
	if h == "" {
		return errToken("Access token is empty.")
	}
	scheme, raw, ok := strings.Cut(h, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(raw) == "" {
		return errToken("Access token is empty.")
	}
	claims, err := s.verifier.Verify(c.ctx, strings.TrimSpace(raw), tokens.Expectations{})
	if err != nil {
		return tokenError(err)
	}
	c.Claims = claims
	c.TenantID = claims.TenantID
	p := &authz.Principal{Kind: authz.Delegated}
	if claims.IDType == tokens.IDTypeApp {
		p.Kind = authz.App
		p.Granted = s.scopes.parse(s.cat, strings.Join(claims.Roles, " "))
	} else {
		p.Granted = s.scopes.parse(s.cat, claims.Scope)
		if claims.IdP == tokens.IdPPersonal || claims.TenantID == store.PersonalTenantID {
			p.Account = authz.Personal
		}
		for _, w := range claims.WIDs {
			if r, err := roles.Parse(w); err == nil {
				p.Roles = p.Roles.Add(r)
			}
		}
		u, err := s.store.GetUser(c.ctx, claims.TenantID, claims.ObjectID)
		if errors.Is(err, store.ErrNotFound) {
			return errToken("The user or application the token was issued to no longer exists in the tenant.")
		}
		if err != nil {
			return AsError(err)
		}
		if !u.AccountEnabled {
			return errToken("The user account is disabled.")
		}
		// The token's acct claim, not the stored kind: a user turned from
		// member into guest (or back) keeps what their token was issued
		// with until it expires, as in Entra; new tokens carry the change.
		p.Guest = claims.Acct == tokens.AcctGuest
		c.caller = u
		c.Caller = &c.caller
	}
	c.Principal = p
	return nil
}

// tokenError words a verification failure as Graph does.
func tokenError(err error) *Error {
	switch {
	case errors.Is(err, tokens.ErrExpired):
		return errToken("Lifetime validation failed, the token is expired.")
	case errors.Is(err, tokens.ErrNotYetValid):
		return errToken("Lifetime validation failed, the token is not yet valid.")
	case errors.Is(err, tokens.ErrAudience):
		return errToken("Access token validation failure. Invalid audience.")
	case errors.Is(err, tokens.ErrIssuer):
		return errToken("Access token validation failure. Invalid issuer.")
	case errors.Is(err, tokens.ErrMalformed):
		return errToken("IDX14100: JWT is not well formed, there are no dots (.). The token needs to be in JWS or JWE Compact Serialization Format.")
	case errors.Is(err, tokens.ErrSignature), errors.Is(err, tokens.ErrAlgorithm), errors.Is(err, tokens.ErrUnknownKey):
		return errToken("Access token validation failure.").WithCause(err)
	}
	return AsError(err)
}
