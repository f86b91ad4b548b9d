package identity

import (
	"errors"

	"graphgate/internal/store"
	"graphgate/internal/tokens"
)

// grantOnBehalfOf is the on-behalf-of flow: a confidential API exchanges
// the token a user's client obtained for it (aud api://{its id}) for a Graph
// token for the same user, with the API's own consent.
func (s *Server) grantOnBehalfOf(tr *tokenRequest) *Error {
	ctx := tr.r.Context()
	f := tr.r.PostForm
	if f.Get("requested_token_use") != "on_behalf_of" {
		return errInvalidRequest("requested_token_use must be on_behalf_of.")
	}
	assertion := f.Get("assertion")
	if assertion == "" {
		return errMissingParameter("assertion")
	}
	cl, e := s.authenticateClient(tr.r, tr.ts)
	if e != nil {
		return e
	}
	if !cl.confidential() {
		return errPublicClientOnlyGrant("on-behalf-of")
	}
	if e := s.checkApp(cl.app, tr.ts); e != nil {
		return e
	}
	if s.verifier == nil {
		return errInvalidAssertion("no verifier configured")
	}
	c, err := s.verifier.Verify(ctx, assertion, tokens.Expectations{Audiences: []string{"api://" + cl.app.AppID, cl.app.AppID}})
	if err != nil {
		return errInvalidAssertion(err.Error()).WithCause(err)
	}
	if c.IDType != tokens.IDTypeUser {
		return errInvalidAssertion("the assertion is not a user's token")
	}
	u, err := s.store.GetUser(ctx, c.TenantID, c.ObjectID)
	if errors.Is(err, store.ErrNotFound) {
		return errInvalidAssertion("the assertion's user no longer exists")
	}
	if err != nil {
		return errStore("reading the assertion's user", err)
	}
	return s.issueForUser(tr, cl, u, f.Get("scope"), "", s.now())
}
