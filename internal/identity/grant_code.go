package identity

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"

	"graphgate/internal/store"
)

// grantAuthorizationCode redeems a code from the authorize endpoint. A code
// is single-use: redeeming it twice revokes the refresh tokens its first
// redemption issued (RFC 6749 §4.1.2) and answers AADSTS54005.
func (s *Server) grantAuthorizationCode(tr *tokenRequest) *Error {
	ctx := tr.r.Context()
	f := tr.r.PostForm
	code := f.Get("code")
	if code == "" {
		return errMissingParameter("code")
	}
	cl, e := s.authenticateClient(tr.r, tr.ts)
	if e != nil {
		return e
	}
	now := s.now()
	family := newGUID()
	ac, err := s.store.RedeemAuthCode(ctx, hashToken(code), now, family)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return errGrantInvalid("The provided value for the 'code' parameter is not valid.")
	case errors.Is(err, store.ErrAlreadyUsed):
		if ac.FamilyID != "" {
			n, rerr := s.store.RevokeFamily(ctx, ac.FamilyID, now)
			if rerr != nil {
				// The replay must revoke what the code issued: a retry
				// does it once the store is back.
				return errStore("revoking the tokens of a replayed code", rerr)
			}
			if n > 0 {
				s.log.Warn("authorization code replayed: revoked what it issued", "client", ac.ClientID, "tokens", n)
			}
		}
		return errCodeRedeemed()
	case err != nil:
		return errStore("redeeming the authorization code", err)
	}
	if now.After(ac.ExpiresAt) {
		return errGrantExpired()
	}
	if ac.ClientID != cl.app.AppID {
		return errGrantInvalid("The code was issued to another client.")
	}
	if f.Get("redirect_uri") != ac.RedirectURI {
		return errRedirectDiffers()
	}
	if ac.CodeChallenge != "" {
		v := f.Get("code_verifier")
		if v == "" {
			return errMissingParameter("code_verifier")
		}
		if !pkceMatches(ac.CodeChallenge, ac.CodeChallengeMethod, v) {
			return errPKCEMismatch()
		}
	} else if cl.app.PublicClient && !cl.confidential() {
		return errPKCERequired()
	}
	u, err := s.store.GetUser(ctx, ac.TenantID, ac.UserID)
	if e := userGone(err); e != nil {
		return e
	}
	// The token endpoint's segment must admit the user and the app, as the
	// authorize endpoint's did (a code from /organizations is no good on
	// /consumers).
	if e := s.checkApp(cl.app, tr.ts); e != nil {
		return e
	}
	t, e := s.checkUser(ctx, cl.app, tr.ts, u)
	if e != nil {
		return e
	}
	req, e := parseScopes(s.cat, joinFields(ac.Requested), tr.ts.raw)
	if e != nil {
		return e
	}
	perms := s.permsOf(ac.Scopes, schemeFor(u))
	return s.issueUser(tr, userIssue{tenant: t, user: u, cl: cl, req: req, perms: perms, nonce: ac.Nonce,
		authTime: ac.AuthTime, familyID: family, requested: ac.Requested})
}

// pkceMatches checks an RFC 7636 code verifier.
func pkceMatches(challenge, method, verifier string) bool {
	if method == "S256" {
		sum := sha256.Sum256([]byte(verifier))
		got := base64.RawURLEncoding.EncodeToString(sum[:])
		return subtle.ConstantTimeCompare([]byte(got), []byte(challenge)) == 1
	}
	return subtle.ConstantTimeCompare([]byte(verifier), []byte(challenge)) == 1
}
