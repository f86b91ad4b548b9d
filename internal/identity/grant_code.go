package identity

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"net/url"

	"graphgate/internal/store"
)

// codeRequest redeems a code from the authorize endpoint. A code is
// single-use: redeeming it twice revokes the refresh tokens its first
// redemption issued (RFC 6749 §4.1.2) and answers AADSTS54005.
type codeRequest struct {
	code, redirectURI, verifier string
}

func parseCodeRequest(f url.Values, _ tenantSeg) (grant, *Error) {
	g := codeRequest{code: f.Get("code"), redirectURI: f.Get("redirect_uri"), verifier: f.Get("code_verifier")}
	if g.code == "" {
		return nil, errMissingParameter("code")
	}
	return g, nil
}

func (g codeRequest) exchange(ctx context.Context, s *Server, tc *tokenCall) (tokenResponse, *Error) {
	cl := tc.cl
	now := s.now()
	family := newGUID()
	// ac is the code as it was before this redemption.
	var ac store.AuthCode
	err := s.store.UpdateAuthCode(ctx, hashToken(g.code), func(c store.AuthCode) (store.AuthCode, error) {
		ac = c
		return redeemCode(c, now, family)
	})
	switch {
	case errors.Is(err, store.ErrNotFound):
		return tokenResponse{}, errGrantInvalid("The provided value for the 'code' parameter is not valid.")
	case errors.Is(err, errCodeReplayed):
		if ac.FamilyID != "" {
			n, rerr := s.store.RevokeFamily(ctx, ac.FamilyID, now)
			if rerr != nil {
				// The replay must revoke what the code issued: a retry
				// does it once the store is back.
				return tokenResponse{}, errStore("revoking the tokens of a replayed code", rerr)
			}
			if n > 0 {
				s.log.Warn("authorization code replayed: revoked what it issued", "client", ac.ClientID, "tokens", n)
			}
		}
		return tokenResponse{}, errCodeRedeemed()
	case err != nil:
		return tokenResponse{}, errStore("redeeming the authorization code", err)
	}
	if now.After(ac.ExpiresAt) {
		return tokenResponse{}, errGrantExpired()
	}
	if ac.ClientID != cl.app.AppID {
		return tokenResponse{}, errGrantInvalid("The code was issued to another client.")
	}
	if g.redirectURI != ac.RedirectURI {
		return tokenResponse{}, errRedirectDiffers()
	}
	if ac.CodeChallenge != "" {
		if g.verifier == "" {
			return tokenResponse{}, errMissingParameter("code_verifier")
		}
		if !pkceMatches(ac.CodeChallenge, ac.CodeChallengeMethod, g.verifier) {
			return tokenResponse{}, errPKCEMismatch()
		}
	} else if cl.app.PublicClient && !cl.confidential() {
		return tokenResponse{}, errPKCERequired()
	}
	u, err := s.store.GetUser(ctx, ac.TenantID, ac.UserID)
	if e := userGone(err); e != nil {
		return tokenResponse{}, e
	}
	tc.at.user(u)
	// The token endpoint's segment must admit the user and the app, as the
	// authorize endpoint's did (a code from /organizations is no good on
	// /consumers).
	if e := s.checkApp(cl.app, tc.ts); e != nil {
		return tokenResponse{}, e
	}
	t, e := s.checkUser(ctx, cl.app, tc.ts, u)
	if e != nil {
		return tokenResponse{}, e
	}
	req, e := parseScopes(s.cat, joinFields(ac.Requested), tc.ts.raw)
	if e != nil {
		return tokenResponse{}, e
	}
	perms := s.permsOf(ac.Scopes, schemeFor(u))
	return s.issueUser(ctx, tc, userIssue{tenant: t, user: u, cl: cl, req: req, perms: perms, nonce: ac.Nonce,
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
