package identity

import (
	"context"
	"errors"
	"strings"
	"time"

	"graphgate/internal/catalog"
	"graphgate/internal/store"
)

// issueForUser is the non-interactive end of a user flow (password,
// on-behalf-of): check the user against the tenant segment and the app's
// audience, check consent — missing consent is AADSTS65001, as there is no
// one to ask — and issue.
func (s *Server) issueForUser(ctx context.Context, tc *tokenCall, u store.User, scope, nonce string, authTime time.Time) (tokenResponse, *Error) {
	t, e := s.checkUser(ctx, tc.cl.app, tc.ts, u)
	if e != nil {
		return tokenResponse{}, e
	}
	if strings.TrimSpace(scope) == "" {
		return tokenResponse{}, errScopeRequired()
	}
	req, e := parseScopes(s.cat, scope, tc.ts.raw)
	if e != nil {
		return tokenResponse{}, e
	}
	perms, e := s.consentedFor(ctx, tc.cl.app, t, u, req)
	if e != nil {
		return tokenResponse{}, e
	}
	return s.issueUser(ctx, tc, userIssue{tenant: t, user: u, cl: tc.cl, req: req, perms: perms, nonce: nonce, authTime: authTime, requested: req.raw})
}

// consentedFor returns the Graph permissions a non-interactive flow may put
// in a token: everything consented, when everything it asks for is.
func (s *Server) consentedFor(ctx context.Context, app store.App, t store.Tenant, u store.User, req *scopeRequest) ([]*catalog.Permission, *Error) {
	if req.isAPI() {
		return nil, s.checkAPI(ctx, req, t)
	}
	n, e := s.need(ctx, app, t.ID, u, req)
	if e != nil {
		return nil, e
	}
	if req.def {
		// /.default yields what is consented; with nothing consented there is
		// nothing to issue.
		if len(n.consented) == 0 && len(n.want) > 0 {
			return nil, errConsentRequired(app.AppID, app.DisplayName)
		}
		return tokenPerms(n.consented, u), nil
	}
	if !n.satisfied() {
		return nil, errConsentRequired(app.AppID, app.DisplayName)
	}
	return tokenPerms(n.consented, u), nil
}

// tokenPerms is what a token carries: every consented permission the
// account may hold (a personal account only those valid for it).
func tokenPerms(consented []*catalog.Permission, u store.User) []*catalog.Permission {
	if u.Kind != store.UserPersonal {
		return consented
	}
	var out []*catalog.Permission
	for _, p := range consented {
		if p.ValidForPersonal() {
			out = append(out, p)
		}
	}
	return out
}

// checkAPI applies Entra's rule to a token for a registered API (req.api)
// in tenant t: the API's app must have a service principal there. It has
// one in its home tenant; in another organisation only if it is
// multi-tenant and an administrator there consented to it (which creates
// the service principal: the adminconsent endpoint, or 'graphgate consent
// grant --tenant'). The personal-accounts tenant has no administrator: it
// takes an API whose audience includes personal accounts. Anything else is
// AADSTS500011 ("resource principal … not found in the tenant"), as Entra
// answers a Fabrikam user asking for a single-tenant Contoso API.
func (s *Server) checkAPI(ctx context.Context, req *scopeRequest, t store.Tenant) *Error {
	missing := errUnknownResource("api://"+req.api, t.DisplayName)
	api, err := s.store.GetApp(ctx, req.api)
	if errors.Is(err, store.ErrNotFound) {
		return missing
	}
	if err != nil {
		return errStore("reading the API's app", err)
	}
	if api.TenantID == t.ID {
		return nil
	}
	switch {
	case t.Kind == store.TenantPersonal:
		if api.SignInAudience != store.AudienceMultipleOrgsAndPersonal && api.SignInAudience != store.AudiencePersonalOnly {
			return missing
		}
		return nil
	case api.SignInAudience != store.AudienceMultipleOrgs && api.SignInAudience != store.AudienceMultipleOrgsAndPersonal:
		return missing
	}
	_, err = s.store.GetServicePrincipal(ctx, t.ID, api.AppID)
	if errors.Is(err, store.ErrNotFound) {
		return missing
	}
	if err != nil {
		return errStore("reading the API's service principal", err)
	}
	return nil
}
