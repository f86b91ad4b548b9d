package identity

import (
	"errors"
	"strings"

	"graphgate/internal/store"
)

// grantClientCredentials is the app-only flow: a confidential client, a
// specific tenant, and {resource}/.default; the token carries the
// application permissions an administrator granted (roles).
func (s *Server) grantClientCredentials(tr *tokenRequest) *Error {
	ctx := tr.r.Context()
	if tr.ts.kind == segCommon || tr.ts.kind == segOrganizations {
		return errNoTenantInfo()
	}
	cl, e := s.authenticateClient(tr.r, tr.ts)
	if e != nil {
		return e
	}
	if !cl.confidential() {
		return errPublicClientOnlyGrant("client_credentials")
	}
	scope := tr.r.PostForm.Get("scope")
	if strings.TrimSpace(scope) == "" {
		return errScopeRequired()
	}
	// Every scope but the OpenID ones MSAL appends must be {resource}/.default
	// (AADSTS1002012), whatever the name before it: this is checked before
	// names are looked up, so that an application permission named directly
	// gets the same answer as any other.
	for _, f := range strings.Fields(scope) {
		if !openIDScopes[strings.ToLower(f)] && !hasDefaultSuffix(f) {
			return errAppOnlyNeedsDefault(scope)
		}
	}
	req, e := parseScopes(s.cat, scope, tr.ts.raw)
	if e != nil {
		return e
	}
	if !req.def && !req.isAPI() {
		return errAppOnlyNeedsDefault(scope)
	}
	if e := s.checkApp(cl.app, tr.ts); e != nil {
		return e
	}
	t := tr.ts.tenant
	if t.Kind == store.TenantPersonal {
		return errAppNotFound(cl.app.AppID, t.DisplayName)
	}
	if req.isAPI() {
		// A token for a registered API ({api}/.default): graphgate does not
		// track API app roles, so it carries none.
		if e := s.checkAPI(ctx, req, t); e != nil {
			return e
		}
	}
	// A multi-tenant app is usable in another tenant only once an
	// administrator there consented (which creates its service principal).
	sp, err := s.store.GetServicePrincipal(ctx, t.ID, cl.app.AppID)
	switch {
	case errors.Is(err, store.ErrNotFound) && t.ID == cl.app.TenantID:
		sp, err = s.dir.EnsureServicePrincipal(ctx, t.ID, cl.app)
	case errors.Is(err, store.ErrNotFound):
		return errAppNotFound(cl.app.AppID, t.DisplayName)
	}
	if err != nil {
		return errStore("reading the service principal", err)
	}
	if req.isAPI() {
		return s.issueApp(tr, t, cl, sp, "api://"+req.api, nil)
	}
	roles, err := s.appRoles(ctx, t.ID, cl.app.AppID)
	if err != nil {
		return errStore("reading app role assignments", err)
	}
	return s.issueApp(tr, t, cl, sp, GraphResource, roles)
}
