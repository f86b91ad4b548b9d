package identity

import (
	"errors"
	"net/http"
	"net/url"
	"strings"

	"graphgate/internal/catalog"
	"graphgate/internal/store"
)

// handleAdminConsent is the administrator's consent for the whole tenant:
// the v1 form (/{tenant}/adminconsent: everything the app registration
// asks for) and the v2 form (/{tenant}/v2.0/adminconsent with scope).
func (s *Server) handleAdminConsent(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		s.errorPage(w, r, errInvalidRequest("The request could not be parsed."))
		return
	}
	q := r.Form
	ctx := r.Context()
	ts, e := s.resolveTenant(ctx, r.PathValue("tenant"))
	if e != nil {
		s.errorPage(w, r, e)
		return
	}
	app, e := s.lookupApp(ctx, q.Get("client_id"), ts)
	if e != nil {
		s.errorPage(w, r, e)
		return
	}
	redirect, e := matchRedirect(app, q.Get("redirect_uri"))
	if e != nil {
		s.errorPage(w, r, e)
		return
	}
	v2 := strings.Contains(r.URL.Path, "/v2.0/")
	f := flow{Kind: "adminconsent", Tenant: ts.raw, ClientID: app.AppID, RedirectURI: redirect, State: q.Get("state"),
		Scope: q.Get("scope"), AdminV2: v2, ResponseMode: "query", Prompt: "login"}
	if v2 && strings.TrimSpace(f.Scope) == "" {
		s.redirectError(w, r, f, errScopeRequired())
		return
	}
	if ss, ok := s.readSession(r); ok {
		u, err := s.store.GetUser(ctx, ss.current().TenantID, ss.current().UserID)
		if err == nil {
			s.continueFlow(w, r, f, u, s.now())
			return
		}
		if !errors.Is(err, store.ErrNotFound) {
			s.redirectError(w, r, f, errStore("reading the signed-in user", err))
			return
		}
	}
	s.render(w, http.StatusOK, "signin", pageData{Title: "Sign in", AppName: app.DisplayName, Flow: s.encodeFlow(w, r, f)})
}

// adminPerms lists what an admin consent grants: the app registration's
// permissions (v1, or v2 with /.default), or the delegated scopes named.
func (s *Server) adminPerms(f flow, app store.App) (delegated, application []*catalog.Permission, e *Error) {
	if f.AdminV2 {
		req, e := parseScopes(s.cat, f.Scope, f.Tenant)
		if e != nil {
			return nil, nil, e
		}
		if !req.def {
			return req.graph, nil, nil
		}
	}
	return s.permsOf(app.RequiredScopes, catalog.DelegatedWork), s.permsOf(app.RequiredRoles, catalog.Application), nil
}

func (s *Server) adminConsentStep(w http.ResponseWriter, r *http.Request, f flow, app store.App, t store.Tenant, u store.User) {
	if !isConsentAdmin(u) || t.Kind == store.TenantPersonal {
		e := errAdminConsentRequired()
		e.Code, e.SubError = "access_denied", ""
		s.redirectError(w, r, f, e)
		return
	}
	del, appPerms, e := s.adminPerms(f, app)
	if e != nil {
		s.redirectError(w, r, f, e)
		return
	}
	if len(appPerms) > 0 && !consentPower(u).Application {
		s.redirectError(w, r, f, errAppRoleConsentRequired())
		return
	}
	var ps []pagePerm
	for _, p := range del {
		ps = append(ps, describe(p, catalog.DelegatedWork))
	}
	for _, p := range appPerms {
		d := describe(p, catalog.Application)
		d.Display += " (application, no signed-in user)"
		ps = append(ps, d)
	}
	f.UserID = u.ID
	s.render(w, http.StatusOK, "consent", pageData{Title: "Permissions requested", AppName: app.DisplayName + " (for your organization)",
		Flow: s.encodeFlow(w, r, f), User: u.UserPrincipalName, Perms: ps})
}

func (s *Server) adminConsentAccept(w http.ResponseWriter, r *http.Request, f flow, app store.App, t store.Tenant, u store.User) {
	if !isConsentAdmin(u) {
		s.redirectError(w, r, f, errAdminConsentRequired())
		return
	}
	del, appPerms, e := s.adminPerms(f, app)
	if e != nil {
		s.redirectError(w, r, f, e)
		return
	}
	if len(appPerms) > 0 && !consentPower(u).Application {
		s.redirectError(w, r, f, errAppRoleConsentRequired())
		return
	}
	if err := s.adminConsentAll(r.Context(), t.ID, app, del, appPerms); err != nil {
		s.redirectError(w, r, f, errConsent("recording admin consent", err))
		return
	}
	v := url.Values{"admin_consent": {"True"}, "tenant": {t.ID}, "state": optional(f.State)}
	if f.AdminV2 {
		v.Set("scope", f.Scope)
	}
	s.respond(w, r, f, v)
}

// handleLogout ends the browser session — every account signed in to it,
// as the v2.0 end-session endpoint signs the browser out — and returns to
// the app when its address is one an app registered. A logout_hint naming
// a signed-in account (graphgate takes the user principal name; Entra's
// is the login_hint claim of the ID token) signs out that account only.
// Entra asks which account to sign out when several are signed in and no
// hint is given; graphgate has no such page and signs out all of them.
func (s *Server) handleLogout(w http.ResponseWriter, r *http.Request) {
	_ = r.ParseForm()
	if hint := strings.TrimSpace(r.Form.Get("logout_hint")); hint != "" {
		if ss, ok := s.readSession(r); ok && ss.remove(hint) {
			s.writeSession(w, r, ss)
		} else if !ok {
			clearSession(w, r)
		}
	} else {
		clearSession(w, r)
	}
	if target := r.Form.Get("post_logout_redirect_uri"); target != "" {
		if u, err := url.Parse(target); err == nil && (u.Scheme == "https" || u.Scheme == "http") {
			ok, e := s.registered(r, target)
			if e != nil {
				s.errorPage(w, r, e)
				return
			}
			if ok {
				http.Redirect(w, r, appendQuery(target, url.Values{"state": optional(r.Form.Get("state"))}), http.StatusFound)
				return
			}
		}
	}
	s.render(w, http.StatusOK, "message", pageData{Title: "You signed out of your account",
		Message: "It's a good idea to close all browser windows."})
}

// registered reports whether uri is a reply address an app registered: the
// app named by client_id when the request names one; otherwise any app of
// the tenant, or of any tenant for common, organizations and consumers
// (where most apps sign out).
func (s *Server) registered(r *http.Request, uri string) (bool, *Error) {
	ctx := r.Context()
	if id := r.Form.Get("client_id"); id != "" {
		app, err := s.store.GetApp(ctx, strings.ToLower(id))
		if errors.Is(err, store.ErrNotFound) {
			return false, nil
		}
		if err != nil {
			return false, errStore("reading the app", err)
		}
		_, e := matchRedirect(app, uri)
		return e == nil, nil
	}
	ts, e := s.resolveTenant(ctx, r.PathValue("tenant"))
	if e != nil {
		if e.ServerSide() {
			return false, e
		}
		return false, nil
	}
	var tenants []string
	if ts.kind == segTenant {
		tenants = []string{ts.tenant.ID}
	} else {
		all, err := s.store.ListTenants(ctx)
		if err != nil {
			return false, errStore("listing tenants", err)
		}
		for _, t := range all {
			tenants = append(tenants, t.ID)
		}
	}
	for _, tid := range tenants {
		apps, err := s.store.ListApps(ctx, tid)
		if err != nil {
			return false, errStore("listing apps", err)
		}
		for _, a := range apps {
			if _, e := matchRedirect(a, uri); e == nil {
				return true, nil
			}
		}
	}
	return false, nil
}
