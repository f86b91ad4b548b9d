package identity

import (
	"context"
	"errors"
	"sort"
	"strings"

	"graphgate/internal/authz"
	"graphgate/internal/catalog"
	"graphgate/internal/directory"
	"graphgate/internal/roles"
	"graphgate/internal/store"
)

// Consent follows the permissions reference: a user may consent for
// themselves to delegated permissions that need no administrator; an
// administrator may consent for everyone (AllPrincipals); application
// permissions are granted only by an administrator (app role assignments);
// consent is incremental; a personal account can hold only permissions
// valid for personal accounts.

// consented returns the delegated Graph permissions the tenant granted the
// client for the user (the AllPrincipals grant plus the user's own).
func (s *Server) consented(ctx context.Context, tenantID, clientID, userID string) ([]*catalog.Permission, error) {
	grants, err := s.store.DelegatedGrants(ctx, tenantID, clientID, userID)
	if err != nil {
		return nil, err
	}
	var set catalog.Set
	for _, g := range grants {
		for _, n := range g.Scopes {
			if p, ok := s.cat.Lookup(n); ok && p.Kind == catalog.Graph {
				set.Add(p)
			}
		}
	}
	var out []*catalog.Permission
	set.Each(s.cat, func(p *catalog.Permission) { out = append(out, p) })
	return out, nil
}

// consentNeed is what a user flow asks for against what is consented.
type consentNeed struct {
	want      []*catalog.Permission // the Graph permissions the flow wants
	consented []*catalog.Permission
	missing   []*catalog.Permission // want \ consented
	adminOnly []*catalog.Permission // missing ones a user cannot consent to
}

func (n consentNeed) satisfied() bool { return len(n.missing) == 0 }

// need computes the consent a user flow needs. /.default wants everything
// the app registration lists plus what is consented already.
func (s *Server) need(ctx context.Context, app store.App, tenantID string, u store.User, req *scopeRequest) (consentNeed, *Error) {
	have, err := s.consented(ctx, tenantID, app.AppID, u.ID)
	if err != nil {
		return consentNeed{}, errStore("reading consent", err)
	}
	n := consentNeed{consented: have}
	var want catalog.Set
	if req.def {
		for _, name := range app.RequiredScopes {
			if p, ok := s.cat.Lookup(name); ok && p.Kind == catalog.Graph && p.Delegated() {
				want.Add(p)
			}
		}
		for _, p := range have {
			want.Add(p)
		}
	}
	for _, p := range req.graph {
		want.Add(p)
	}
	personal := u.Kind == store.UserPersonal
	scheme := catalog.DelegatedWork
	if personal {
		scheme = catalog.DelegatedPersonal
	}
	var haveSet catalog.Set
	for _, p := range have {
		haveSet.Add(p)
	}
	var bad []string
	want.Each(s.cat, func(p *catalog.Permission) {
		if personal && !p.ValidForPersonal() {
			bad = append(bad, p.Name)
			return
		}
		n.want = append(n.want, p)
		if !haveSet.Has(p) {
			n.missing = append(n.missing, p)
			if p.RequiresAdminConsent(scheme) && !isConsentAdmin(u) {
				n.adminOnly = append(n.adminOnly, p)
			}
		}
	})
	if len(bad) > 0 && !req.def {
		// Microsoft refuses a personal account's request for a work-only
		// scope outright; /.default silently leaves such scopes out.
		return consentNeed{}, errInvalidScope(strings.Join(bad, " "), "is not valid for personal Microsoft accounts")
	}
	return n, nil
}

// consentPower is the tenant-wide admin consent the user may grant
// (authz.TenantConsent decides: the directory roles that may).
func consentPower(u store.User) authz.ConsentPower {
	var rs roles.Set
	for _, id := range u.Roles {
		if r, err := roles.Parse(id); err == nil {
			rs = rs.Add(r)
		}
	}
	return authz.TenantConsent(u.Kind == store.UserMember, rs)
}

// isConsentAdmin reports whether the user may consent for the organisation
// and to delegated permissions that need an administrator.
func isConsentAdmin(u store.User) bool { return consentPower(u).Delegated }

// grantConsent records consent to perms, through the directory service:
// for the user alone, or (an administrator's choice) for every user of the
// tenant. Consent is incremental.
func (s *Server) grantConsent(ctx context.Context, tenantID, clientID string, u store.User, perms []*catalog.Permission, forOrg bool) error {
	c := directory.DelegatedConsent{TenantID: tenantID, App: store.App{AppID: clientID}, UserID: u.ID, Scopes: names(perms)}
	if forOrg {
		c.UserID = ""
	}
	_, err := s.dir.GrantDelegated(ctx, c)
	return err
}

func names(perms []*catalog.Permission) []string {
	out := make([]string, len(perms))
	for i, p := range perms {
		out[i] = p.Name
	}
	return out
}

// appRoles returns the application permissions an administrator granted
// the client in the tenant.
func (s *Server) appRoles(ctx context.Context, tenantID, clientID string) ([]string, error) {
	as, err := s.store.AppRoleAssignments(ctx, tenantID, clientID)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, a := range as {
		if p, ok := s.cat.Lookup(a.Permission); ok && p.In(catalog.Application) {
			out = append(out, p.Name)
		}
	}
	sort.Strings(out)
	return out, nil
}

// adminConsentAll grants, for the whole tenant, the delegated and
// application permissions an app asks for: what an administrator's consent
// (the adminconsent endpoint, or "consent on behalf of your organization")
// does, the app's service principal in the tenant included.
func (s *Server) adminConsentAll(ctx context.Context, tenantID string, app store.App, delegated []*catalog.Permission, application []*catalog.Permission) error {
	return s.dir.GrantAdminConsent(ctx, directory.AdminConsent{TenantID: tenantID, App: app, Delegated: names(delegated), Application: names(application)})
}

// errConsent answers a failure to record consent: the store's is 503, as
// every store failure; the directory refusing what identity checked before
// is graphgate's own failure, 500.
func errConsent(what string, err error) *Error {
	var ve *directory.ValidationError
	if errors.As(err, &ve) {
		return errServer(what, err)
	}
	return errStore(what, err)
}

// permsOf resolves catalog names, dropping unknown ones.
func (s *Server) permsOf(names []string, scheme catalog.Scheme) []*catalog.Permission {
	var out []*catalog.Permission
	for _, n := range names {
		if p, ok := s.cat.Lookup(n); ok && p.In(scheme) {
			out = append(out, p)
		}
	}
	return out
}
