package identity

import (
	"context"
	"errors"
	"regexp"
	"strings"
	"sync"

	"graphgate/internal/store"
)

// segKind is the kind of tenant segment of an identity URL.
type segKind uint8

const (
	segTenant        segKind = iota // a GUID or a verified domain
	segCommon                       // work, school and personal accounts
	segOrganizations                // work and school accounts only
	segConsumers                    // personal accounts only
)

// tenantSeg is a resolved tenant segment.
type tenantSeg struct {
	raw  string
	kind segKind
	// tenant is set for segTenant, and for segConsumers (the personal-accounts tenant).
	tenant store.Tenant
}

var guidRe = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)
})

// resolveTenant reads the first path segment: a tenant GUID, a verified
// domain, common, organizations or consumers.
func (s *Server) resolveTenant(ctx context.Context, seg string) (tenantSeg, *Error) {
	ts := tenantSeg{raw: seg}
	switch strings.ToLower(seg) {
	case "common":
		ts.kind = segCommon
		return ts, nil
	case "organizations":
		ts.kind = segOrganizations
		return ts, nil
	case "consumers":
		ts.kind = segConsumers
		seg = store.PersonalTenantID
	}
	var t store.Tenant
	var err error
	if guidRe().MatchString(seg) {
		t, err = s.store.GetTenant(ctx, strings.ToLower(seg))
	} else if strings.Contains(seg, ".") {
		t, err = s.store.TenantByDomain(ctx, seg)
	} else {
		return ts, errTenantNotFound(seg)
	}
	if errors.Is(err, store.ErrNotFound) {
		return ts, errTenantNotFound(seg)
	}
	if err != nil {
		return ts, errStore("reading the tenant", err)
	}
	ts.tenant = t
	return ts, nil
}

// idTenant is the tenant id issuers and discovery name for the segment.
func (ts tenantSeg) idTenant() string {
	switch ts.kind {
	case segTenant, segConsumers:
		return ts.tenant.ID
	}
	return "{tenantid}"
}

// checkApp applies the app's sign-in audience to the segment, before a user
// is known (AADSTS50194, 9002331, 700016).
func (s *Server) checkApp(app store.App, ts tenantSeg) *Error {
	switch app.SignInAudience {
	case store.AudienceMyOrg:
		if ts.kind != segTenant {
			return errNotMultiTenant(app.AppID, app.DisplayName)
		}
		if ts.tenant.ID != app.TenantID {
			return errAppNotFound(app.AppID, ts.tenant.DisplayName)
		}
	case store.AudienceMultipleOrgs:
		if ts.kind == segConsumers {
			return errPersonalNotAllowed(app.AppID, app.DisplayName)
		}
	case store.AudiencePersonalOnly:
		if ts.kind == segOrganizations || ts.kind == segTenant && ts.tenant.Kind != store.TenantPersonal {
			return errConsumersOnly(app.AppID, app.DisplayName)
		}
	}
	return nil
}

// checkUser applies the segment and the app's audience to the signed-in
// user, and returns the tenant the tokens are for.
func (s *Server) checkUser(ctx context.Context, app store.App, ts tenantSeg, u store.User) (store.Tenant, *Error) {
	if !u.AccountEnabled || u.Kind == store.UserSharedMailbox {
		return store.Tenant{}, errUserDisabled()
	}
	personal := u.Kind == store.UserPersonal
	switch {
	case ts.kind == segTenant && u.TenantID != ts.tenant.ID:
		return store.Tenant{}, errUserNotInTenant(u.UserPrincipalName, ts.tenant.DisplayName, app.AppID, app.DisplayName)
	case ts.kind == segOrganizations && personal:
		return store.Tenant{}, errUserNotInTenant(u.UserPrincipalName, "organizations", app.AppID, app.DisplayName)
	case ts.kind == segConsumers && !personal:
		return store.Tenant{}, errUserNotInTenant(u.UserPrincipalName, "consumers", app.AppID, app.DisplayName)
	}
	switch app.SignInAudience {
	case store.AudienceMyOrg:
		if u.TenantID != app.TenantID {
			return store.Tenant{}, errUserNotInTenant(u.UserPrincipalName, ts.tenant.DisplayName, app.AppID, app.DisplayName)
		}
	case store.AudienceMultipleOrgs:
		if personal {
			return store.Tenant{}, errPersonalNotAllowed(app.AppID, app.DisplayName)
		}
	case store.AudiencePersonalOnly:
		if !personal {
			return store.Tenant{}, errConsumersOnly(app.AppID, app.DisplayName)
		}
	}
	t := ts.tenant
	if ts.kind != segTenant || t.ID == "" {
		var err error
		t, err = s.store.GetTenant(ctx, u.TenantID)
		if errors.Is(err, store.ErrNotFound) {
			return store.Tenant{}, errServer("reading the user's tenant", err)
		}
		if err != nil {
			return store.Tenant{}, errStore("reading the user's tenant", err)
		}
	}
	return t, nil
}

// lookupApp finds the client, answering Microsoft's AADSTS700016 when it is
// unknown.
func (s *Server) lookupApp(ctx context.Context, clientID string, ts tenantSeg) (store.App, *Error) {
	if clientID == "" {
		return store.App{}, errMissingParameter("client_id")
	}
	app, err := s.store.GetApp(ctx, strings.ToLower(clientID))
	if errors.Is(err, store.ErrNotFound) {
		name := ts.tenant.DisplayName
		if name == "" {
			name = ts.raw
		}
		return store.App{}, errAppNotFound(clientID, name)
	}
	if err != nil {
		return store.App{}, errStore("reading the app", err)
	}
	return app, nil
}
