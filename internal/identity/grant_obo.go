package identity

import (
	"context"
	"errors"
	"net/url"

	"graphgate/internal/store"
	"graphgate/internal/tokens"
)

// onBehalfOfRequest is the on-behalf-of flow: a confidential API exchanges
// the token a user's client obtained for it (aud api://{its id}) for a Graph
// token for the same user, with the API's own consent.
type onBehalfOfRequest struct {
	assertion, scope string
}

func parseOnBehalfOfRequest(f url.Values, _ tenantSeg) (grant, *Error) {
	if f.Get("requested_token_use") != "on_behalf_of" {
		return nil, errInvalidRequest("requested_token_use must be on_behalf_of.")
	}
	g := onBehalfOfRequest{assertion: f.Get("assertion"), scope: f.Get("scope")}
	if g.assertion == "" {
		return nil, errMissingParameter("assertion")
	}
	return g, nil
}

func (g onBehalfOfRequest) exchange(ctx context.Context, s *Server, tc *tokenCall) (tokenResponse, *Error) {
	cl := tc.cl
	if e := s.checkApp(cl.app, tc.ts); e != nil {
		return tokenResponse{}, e
	}
	if s.verifier == nil {
		return tokenResponse{}, errInvalidAssertion("no verifier configured")
	}
	c, err := s.verifier.Verify(ctx, g.assertion, tokens.Expectations{Audiences: []string{"api://" + cl.app.AppID, cl.app.AppID}})
	if err != nil {
		return tokenResponse{}, errInvalidAssertion(err.Error()).WithCause(err)
	}
	if c.IDType != tokens.IDTypeUser {
		return tokenResponse{}, errInvalidAssertion("the assertion is not a user's token")
	}
	u, err := s.store.GetUser(ctx, c.TenantID, c.ObjectID)
	if errors.Is(err, store.ErrNotFound) {
		return tokenResponse{}, errInvalidAssertion("the assertion's user no longer exists")
	}
	if err != nil {
		return tokenResponse{}, errStore("reading the assertion's user", err)
	}
	tc.at.user(u)
	return s.issueForUser(ctx, tc, u, g.scope, "", s.now())
}
