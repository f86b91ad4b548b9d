package identity

import (
	"context"
	"errors"
	"net/url"
	"strings"

	"graphgate/internal/store"
)

// clientCredentialsRequest is the app-only flow: a confidential client, a
// specific tenant, and {resource}/.default; the token carries the
// application permissions an administrator granted (roles).
type clientCredentialsRequest struct {
	scope string
}

// parseClientCredentialsRequest refuses the multi-tenant segments before
// anything else: an app-only token is for one tenant (AADSTS90002's
// sibling, errNoTenantInfo).
func parseClientCredentialsRequest(f url.Values, ts tenantSeg) (grant, *Error) {
	if ts.kind == segCommon || ts.kind == segOrganizations {
		return nil, errNoTenantInfo()
	}
	return clientCredentialsRequest{scope: f.Get("scope")}, nil
}

func (g clientCredentialsRequest) exchange(ctx context.Context, s *Server, tc *tokenCall) (tokenResponse, *Error) {
	cl := tc.cl
	tc.at.servicePrincipal(tc.ts.tenant.ID)
	if strings.TrimSpace(g.scope) == "" {
		return tokenResponse{}, errScopeRequired()
	}
	// Every scope but the OpenID ones MSAL appends must be {resource}/.default
	// (AADSTS1002012), whatever the name before it: this is checked before
	// names are looked up, so that an application permission named directly
	// gets the same answer as any other.
	for _, f := range strings.Fields(g.scope) {
		if !openIDScopes[strings.ToLower(f)] && !hasDefaultSuffix(f) {
			return tokenResponse{}, errAppOnlyNeedsDefault(g.scope)
		}
	}
	req, e := parseScopes(s.cat, g.scope, tc.ts.raw)
	if e != nil {
		return tokenResponse{}, e
	}
	if !req.def && !req.isAPI() {
		return tokenResponse{}, errAppOnlyNeedsDefault(g.scope)
	}
	tc.at.resource(req.api)
	if e := s.checkApp(cl.app, tc.ts); e != nil {
		return tokenResponse{}, e
	}
	t := tc.ts.tenant
	if t.Kind == store.TenantPersonal {
		return tokenResponse{}, errAppNotFound(cl.app.AppID, t.DisplayName)
	}
	if req.isAPI() {
		// A token for a registered API ({api}/.default): graphgate does not
		// track API app roles, so it carries none.
		if e := s.checkAPI(ctx, req, t); e != nil {
			return tokenResponse{}, e
		}
	}
	// A multi-tenant app is usable in another tenant only once an
	// administrator there consented (which creates its service principal).
	sp, err := s.store.GetServicePrincipal(ctx, t.ID, cl.app.AppID)
	switch {
	case errors.Is(err, store.ErrNotFound) && t.ID == cl.app.TenantID:
		sp, err = s.dir.EnsureServicePrincipal(ctx, t.ID, cl.app)
	case errors.Is(err, store.ErrNotFound):
		return tokenResponse{}, errAppNotFound(cl.app.AppID, t.DisplayName)
	}
	if err != nil {
		return tokenResponse{}, errStore("reading the service principal", err)
	}
	if req.isAPI() {
		return s.issueApp(ctx, t, cl, sp, "api://"+req.api, nil)
	}
	roles, err := s.appRoles(ctx, t.ID, cl.app.AppID)
	if err != nil {
		return tokenResponse{}, errStore("reading app role assignments", err)
	}
	return s.issueApp(ctx, t, cl, sp, GraphResource, roles)
}
