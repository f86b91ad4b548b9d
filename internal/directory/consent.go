package directory

import (
	"context"
	"errors"
	"sort"
	"strings"

	"graphgate/internal/catalog"
	"graphgate/internal/store"
)

// EnsureServicePrincipal returns the app's service principal in the
// tenant, creating it if there is none (concurrent callers get the same
// one): what an administrator's consent does in another tenant, and what
// registering an app does in its home tenant.
func (s *Service) EnsureServicePrincipal(ctx context.Context, tenantID string, app store.App) (store.ServicePrincipal, error) {
	sp, err := s.st.EnsureServicePrincipal(ctx, tenantID, app.AppID, app.DisplayName)
	return sp, classify(err)
}

// DelegatedConsent is consent to delegated permissions: one user's
// (consent type Principal) or, without UserID, every user's
// (AllPrincipals, an administrator's).
type DelegatedConsent struct {
	TenantID string
	App      store.App
	// UserID is the user who consents for themselves; "" is the tenant-wide
	// grant.
	UserID string
	// Scopes are delegated Graph permissions, by catalog name.
	Scopes []string
	// Replace makes the grant hold exactly Scopes, as PATCH
	// /oauth2PermissionGrants/{id} does; otherwise they are added to it
	// (consent is incremental).
	Replace bool
	// ServicePrincipal creates the app's service principal in the tenant
	// first, as an administrator's consent does.
	ServicePrincipal bool
}

// DelegatedResult is a grant after GrantDelegated.
type DelegatedResult struct {
	Grant store.DelegatedGrant
	// Added are the scopes the grant did not hold before; AlreadyGranted
	// those it held. Both in the order asked.
	Added, AlreadyGranted []string
}

// GrantDelegated records delegated consent. Every scope must be a
// delegated Graph permission (catalog names, any case), and there must be
// one; a personal account can hold only permissions valid for personal
// accounts, a shared mailbox consents to nothing, and the personal-accounts
// tenant has no tenant-wide grant (it has no administrator).
func (s *Service) GrantDelegated(ctx context.Context, c DelegatedConsent) (DelegatedResult, error) {
	var res DelegatedResult
	perms, err := s.delegated(c.Scopes)
	if err != nil {
		return res, err
	}
	key := store.DelegatedGrant{TenantID: c.TenantID, ClientID: c.App.AppID, ConsentType: store.ConsentAllPrincipals}
	if c.UserID != "" {
		u, err := s.st.GetUser(ctx, c.TenantID, c.UserID)
		if err != nil {
			return res, classify(err)
		}
		if err := consentingUser(u, perms); err != nil {
			return res, err
		}
		key.ConsentType, key.PrincipalID = store.ConsentPrincipal, u.ID
	} else {
		t, err := s.tenant(ctx, c.TenantID)
		if err != nil {
			return res, err
		}
		if t.Kind == store.TenantPersonal {
			return res, invalid("consentType", "personal Microsoft accounts have no administrator: consent is per user")
		}
	}
	if len(perms) == 0 {
		return res, invalid("scopes", "no permission to grant")
	}
	if c.ServicePrincipal {
		if _, err := s.EnsureServicePrincipal(ctx, c.TenantID, c.App); err != nil {
			return res, err
		}
	}
	names := make([]string, len(perms))
	for i, p := range perms {
		names[i] = p.Name
	}
	now := s.now()
	err = s.st.UpsertDelegatedGrant(ctx, key, func(g store.DelegatedGrant) (store.DelegatedGrant, error) {
		if g.ID == "" {
			g.ID, g.CreatedAt = s.newID(), now
		}
		res.Added, res.AlreadyGranted = nil, nil
		for _, n := range names {
			if hasFold(g.Scopes, n) {
				res.AlreadyGranted = append(res.AlreadyGranted, n)
			} else {
				res.Added = append(res.Added, n)
			}
		}
		if c.Replace {
			g.Scopes = mergeScopes(nil, names)
		} else {
			g.Scopes = mergeScopes(g.Scopes, names)
		}
		g.UpdatedAt = now
		res.Grant = g
		return g, nil
	})
	return res, classify(err)
}

// consentingUser checks that u may hold perms.
func consentingUser(u store.User, perms []*catalog.Permission) error {
	switch u.Kind {
	case store.UserSharedMailbox:
		return invalid("user", "%s is a shared mailbox: no one signs in to it, so it cannot consent", u.UserPrincipalName)
	case store.UserPersonal:
		var bad []string
		for _, p := range perms {
			if !p.ValidForPersonal() {
				bad = append(bad, p.Name)
			}
		}
		if len(bad) > 0 {
			return &ValidationError{Field: "scopes", Values: bad,
				Reason: strings.Join(bad, ", ") + ": not valid for personal Microsoft accounts (" + u.UserPrincipalName + " is one)"}
		}
	}
	return nil
}

// delegated resolves scope names to delegated Graph permissions.
func (s *Service) delegated(names []string) ([]*catalog.Permission, error) {
	return s.perms(names, "scopes", "a delegated Graph permission", func(p *catalog.Permission) bool { return p.Delegated() })
}

// application resolves names to application Graph permissions.
func (s *Service) application(names []string) ([]*catalog.Permission, error) {
	return s.perms(names, "roles", "an application Graph permission", func(p *catalog.Permission) bool { return p.In(catalog.Application) })
}

func (s *Service) perms(names []string, field, what string, ok func(*catalog.Permission) bool) ([]*catalog.Permission, error) {
	var out []*catalog.Permission
	var bad []string
	seen := map[*catalog.Permission]bool{}
	for _, n := range names {
		p, found := s.cat.Lookup(n)
		if !found || p.Kind != catalog.Graph || !ok(p) {
			bad = append(bad, n)
			continue
		}
		if !seen[p] {
			seen[p] = true
			out = append(out, p)
		}
	}
	if len(bad) > 0 {
		return nil, &ValidationError{Field: field, Values: bad, Reason: strings.Join(bad, ", ") + ": not " + what}
	}
	return out, nil
}

// mergeScopes adds names to have, ignoring case, sorted.
func mergeScopes(have, add []string) []string {
	seen := map[string]bool{}
	out := []string{}
	for _, n := range append(append([]string(nil), have...), add...) {
		if k := strings.ToLower(n); !seen[k] {
			seen[k] = true
			out = append(out, n)
		}
	}
	sort.Strings(out)
	return out
}

// AppRoleGrant is an administrator's grant of application permissions
// (app role assignments) to an app in an organisation.
type AppRoleGrant struct {
	TenantID string
	App      store.App
	// Roles are application Graph permissions, by catalog name.
	Roles []string
}

// AppRolesResult is an app's application permissions after GrantAppRoles.
type AppRolesResult struct {
	// Added are the roles newly assigned, AlreadyGranted those the app
	// had, both in the order asked; Roles is every role the app holds in
	// the tenant now, sorted.
	Added, AlreadyGranted, Roles []string
}

// GrantAppRoles assigns application permissions to an app in an
// organisation, creating its service principal there if needed; granting a
// role the app holds is reported in AlreadyGranted.
func (s *Service) GrantAppRoles(ctx context.Context, g AppRoleGrant) (AppRolesResult, error) {
	var res AppRolesResult
	perms, err := s.application(g.Roles)
	if err != nil {
		return res, err
	}
	t, err := s.tenant(ctx, g.TenantID)
	if err != nil {
		return res, err
	}
	if t.Kind == store.TenantPersonal {
		return res, invalid("tenant", "application permissions are granted in an organisation, not in the personal-accounts tenant")
	}
	have, err := s.st.AppRoleAssignments(ctx, g.TenantID, g.App.AppID)
	if err != nil {
		return res, err
	}
	if _, err := s.EnsureServicePrincipal(ctx, g.TenantID, g.App); err != nil {
		return res, err
	}
	for _, p := range perms {
		if assigned(have, p.Name) {
			res.AlreadyGranted = append(res.AlreadyGranted, p.Name)
			continue
		}
		a := store.AppRoleAssignment{ID: s.newID(), TenantID: g.TenantID, ClientID: g.App.AppID, Permission: p.Name, CreatedAt: s.now()}
		if err := s.st.AddAppRoleAssignment(ctx, a); err != nil {
			return res, classify(err)
		}
		res.Added = append(res.Added, p.Name)
	}
	all, err := s.st.AppRoleAssignments(ctx, g.TenantID, g.App.AppID)
	if err != nil {
		return res, err
	}
	res.Roles = []string{}
	for _, a := range all {
		res.Roles = append(res.Roles, a.Permission)
	}
	sort.Strings(res.Roles)
	return res, nil
}

func assigned(have []store.AppRoleAssignment, name string) bool {
	for _, h := range have {
		if strings.EqualFold(h.Permission, name) {
			return true
		}
	}
	return false
}

// AdminConsent is an administrator's consent for a whole organisation.
type AdminConsent struct {
	TenantID string
	App      store.App
	// Delegated are granted to every user (AllPrincipals), Application as
	// app role assignments; both by catalog name.
	Delegated, Application []string
}

// GrantAdminConsent records an administrator's consent: the app's service
// principal in the tenant, the delegated permissions for every user and
// the application permissions, in that order. Each step is repeatable, so
// consenting again after a failure completes it.
func (s *Service) GrantAdminConsent(ctx context.Context, a AdminConsent) error {
	if _, err := s.EnsureServicePrincipal(ctx, a.TenantID, a.App); err != nil {
		return err
	}
	if len(a.Delegated) > 0 {
		if _, err := s.GrantDelegated(ctx, DelegatedConsent{TenantID: a.TenantID, App: a.App, Scopes: a.Delegated}); err != nil {
			return err
		}
	}
	if len(a.Application) > 0 {
		if _, err := s.GrantAppRoles(ctx, AppRoleGrant{TenantID: a.TenantID, App: a.App, Roles: a.Application}); err != nil {
			return err
		}
	}
	return nil
}

// Revocation names consent to take back from an app in a tenant.
type Revocation struct {
	TenantID string
	ClientID string
	// UserID limits the delegated revocation to that user's own grant,
	// AllUsers to the tenant-wide one; neither is every delegated grant of
	// the app in the tenant.
	UserID   string
	AllUsers bool
	// Scopes, when set, are the only scopes revoked; otherwise the grants
	// go. Given Roles and no user, scope or AllUsers, the delegated grants
	// are left alone.
	Scopes []string
	// Roles are application permissions whose assignments go.
	Roles []string
}

// delegated reports whether the revocation touches delegated grants.
func (r Revocation) delegated() bool {
	return len(r.Scopes) > 0 || r.UserID != "" || r.AllUsers || len(r.Roles) == 0
}

// GrantChange is what RevokeConsent did to one delegated grant.
type GrantChange struct {
	// Grant is the grant as it was.
	Grant store.DelegatedGrant
	// Removed are the scopes revoked, Remaining those it keeps.
	Removed, Remaining []string
	// Deleted is set when the grant went (no scope left).
	Deleted bool
}

// RevokeResult is what RevokeConsent changed.
type RevokeResult struct {
	Grants       []GrantChange
	RolesRemoved []string
	// StillGrantedToAllUsers are scopes revoked from a user's own grant
	// that the tenant-wide grant still gives them.
	StillGrantedToAllUsers []string
}

// RevokeConsent takes back consent: delegated grants (or some of their
// scopes; a grant left without scopes is deleted) and app role
// assignments. Everything named must be held, or nothing changes and the
// error is a *NotGrantedError.
func (s *Service) RevokeConsent(ctx context.Context, r Revocation) (RevokeResult, error) {
	var res RevokeResult
	switch {
	case r.UserID != "" && r.AllUsers:
		return res, invalid("user", "one user's grant or the tenant-wide grant, not both")
	case r.UserID != "" && len(r.Roles) > 0:
		return res, invalid("roles", "application permissions are tenant-wide: they are not revoked for one user")
	}
	var targets []store.DelegatedGrant
	if r.delegated() {
		gs, err := s.st.ListDelegatedGrants(ctx, r.TenantID)
		if err != nil {
			return res, err
		}
		if targets, err = r.selectGrants(gs); err != nil {
			return res, err
		}
	}
	if len(r.Roles) > 0 {
		have, err := s.st.AppRoleAssignments(ctx, r.TenantID, r.ClientID)
		if err != nil {
			return res, err
		}
		if err := rolesHeld(have, r.Roles); err != nil {
			return res, err
		}
	}
	for _, g := range targets {
		c, err := s.revokeScopes(ctx, g, r.Scopes)
		if err != nil {
			return res, err
		}
		if len(c.Removed) > 0 {
			res.Grants = append(res.Grants, c)
		}
	}
	for _, p := range r.Roles {
		if err := s.st.RemoveAppRoleAssignment(ctx, r.TenantID, r.ClientID, p); err != nil && !isNotFound(err) {
			return res, err
		}
		res.RolesRemoved = append(res.RolesRemoved, p)
	}
	if r.UserID != "" {
		all, err := s.st.DelegatedGrants(ctx, r.TenantID, r.ClientID, "")
		if err != nil {
			return res, err
		}
		res.StillGrantedToAllUsers = stillGranted(all, res.Grants)
	}
	return res, nil
}

// selectGrants picks the app's grants the revocation is about and checks
// that they exist and hold every scope named.
func (r Revocation) selectGrants(gs []store.DelegatedGrant) ([]store.DelegatedGrant, error) {
	var targets []store.DelegatedGrant
	for _, g := range gs {
		switch {
		case g.ClientID != r.ClientID:
		case r.UserID != "" && !(g.ConsentType == store.ConsentPrincipal && g.PrincipalID == r.UserID):
		case r.AllUsers && g.ConsentType != store.ConsentAllPrincipals:
		default:
			targets = append(targets, g)
		}
	}
	if len(targets) == 0 {
		switch {
		case r.UserID != "":
			return nil, &NotGrantedError{Kind: NoUserGrant}
		case r.AllUsers:
			return nil, &NotGrantedError{Kind: NoTenantGrant}
		}
		return nil, &NotGrantedError{Kind: NoGrant}
	}
	for _, sc := range r.Scopes {
		held := false
		for _, g := range targets {
			held = held || hasFold(g.Scopes, sc)
		}
		if !held {
			var all []string
			for _, g := range targets {
				all = mergeScopes(all, g.Scopes)
			}
			return nil, &NotGrantedError{Kind: NoScope, Name: sc, Held: all}
		}
	}
	return targets, nil
}

// rolesHeld checks that the app holds every role named.
func rolesHeld(have []store.AppRoleAssignment, names []string) error {
	for _, n := range names {
		if !assigned(have, n) {
			held := []string{}
			for _, h := range have {
				held = append(held, h.Permission)
			}
			return &NotGrantedError{Kind: NoRole, Name: n, Held: held}
		}
	}
	return nil
}

// splitScopes divides a grant's scopes into those kept and those revoked:
// every scope when revoke is empty.
func splitScopes(scopes, revoke []string) (keep, removed []string) {
	for _, sc := range scopes {
		if len(revoke) == 0 || hasFold(revoke, sc) {
			removed = append(removed, sc)
		} else {
			keep = append(keep, sc)
		}
	}
	return keep, removed
}

// errGone stops an update of a grant revoked meanwhile: it must not be
// created again.
var errGone = errors.New("directory: grant gone")

// revokeScopes removes scopes (all of them when none are named) from one
// grant, deleting it when none is left.
func (s *Service) revokeScopes(ctx context.Context, g store.DelegatedGrant, scopes []string) (GrantChange, error) {
	c := GrantChange{Grant: g, Remaining: []string{}}
	keep, removed := splitScopes(g.Scopes, scopes)
	if len(removed) == 0 {
		return c, nil
	}
	c.Removed = removed
	if len(keep) == 0 {
		if err := s.st.DeleteDelegatedGrant(ctx, g.TenantID, g.ID); err != nil && !isNotFound(err) {
			return c, err
		}
		c.Deleted = true
		return c, nil
	}
	key := store.DelegatedGrant{TenantID: g.TenantID, ClientID: g.ClientID, ConsentType: g.ConsentType, PrincipalID: g.PrincipalID}
	err := s.st.UpsertDelegatedGrant(ctx, key, func(x store.DelegatedGrant) (store.DelegatedGrant, error) {
		if x.ID == "" {
			return x, errGone
		}
		k, _ := splitScopes(x.Scopes, removed)
		if k == nil {
			k = []string{}
		}
		x.Scopes, x.UpdatedAt = k, s.now()
		c.Remaining = k
		return x, nil
	})
	if err != nil && !errors.Is(err, errGone) {
		return c, err
	}
	return c, nil
}

// stillGranted lists the scopes removed from a user's grant that the
// tenant-wide grant among all still holds.
func stillGranted(all []store.DelegatedGrant, changes []GrantChange) []string {
	var out []string
	for _, g := range all {
		if g.ConsentType != store.ConsentAllPrincipals {
			continue
		}
		for _, c := range changes {
			for _, sc := range c.Removed {
				if hasFold(g.Scopes, sc) {
					out = append(out, sc)
				}
			}
		}
	}
	return out
}

// PurgeAppConsent deletes an app's delegated grants and app role
// assignments in every tenant (the admin command's app delete --purge),
// and says how many of each it deleted.
func (s *Service) PurgeAppConsent(ctx context.Context, clientID string) (grants, assignments int, err error) {
	ts, err := s.st.ListTenants(ctx)
	if err != nil {
		return 0, 0, err
	}
	for _, t := range ts {
		gs, err := s.st.ListDelegatedGrants(ctx, t.ID)
		if err != nil {
			return grants, assignments, err
		}
		for _, g := range gs {
			if g.ClientID != clientID {
				continue
			}
			if err := s.st.DeleteDelegatedGrant(ctx, t.ID, g.ID); err != nil && !isNotFound(err) {
				return grants, assignments, err
			}
			grants++
		}
		as, err := s.st.AppRoleAssignments(ctx, t.ID, clientID)
		if err != nil {
			return grants, assignments, err
		}
		for _, a := range as {
			if err := s.st.RemoveAppRoleAssignment(ctx, t.ID, clientID, a.Permission); err != nil && !isNotFound(err) {
				return grants, assignments, err
			}
			assignments++
		}
	}
	return grants, assignments, nil
}
