package cli

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"graphgate/internal/catalog"
	"graphgate/internal/directory"
	"graphgate/internal/store"
)

// What revoking does to tokens, as the token service behaves: access tokens
// are self-contained JWTs; refresh tokens are re-checked against consent at
// every use.
const (
	admRevokeScopesNote = "Refresh tokens lose the revoked scopes at their next use (a refresh that asks for them again needs new consent); access tokens already issued stay valid until they expire."
	admRevokeRolesNote  = "New app-only tokens are issued without the removed roles; access tokens already issued keep them until they expire."
)

type admGrantOut struct {
	ID             string    `json:"id"`
	TenantID       string    `json:"tenantId"`
	ClientID       string    `json:"clientId"`
	AppDisplayName string    `json:"appDisplayName,omitempty"`
	ConsentType    string    `json:"consentType"`
	PrincipalID    string    `json:"principalId,omitempty"`
	PrincipalUPN   string    `json:"principalUserPrincipalName,omitempty"`
	Scopes         []string  `json:"scopes"`
	CreatedAt      time.Time `json:"createdAt"`
	UpdatedAt      time.Time `json:"updatedAt"`
}

type admAssignmentOut struct {
	ID             string    `json:"id"`
	TenantID       string    `json:"tenantId"`
	ClientID       string    `json:"clientId"`
	AppDisplayName string    `json:"appDisplayName,omitempty"`
	Permission     string    `json:"permission"`
	CreatedAt      time.Time `json:"createdAt"`
}

type admConsentListOut struct {
	Grants             []admGrantOut      `json:"grants"`
	AppRoleAssignments []admAssignmentOut `json:"appRoleAssignments"`
}

func admConsentCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "consent",
		Short: "List, grant and revoke consent: delegated grants and app role assignments",
		Long: `Manage consent, what an app may do in a tenant:
  delegated grants (oAuth2PermissionGrants): delegated permissions for one user
      (consent type Principal) or for every user (AllPrincipals, an
      administrator's consent)
  app role assignments: application permissions, tenant-wide, for app-only
      (client credentials) tokens

An administrator may grant anything here; the checks are the token
service's: every scope must be a delegated permission, a personal Microsoft
account can hold only permissions valid for personal accounts, and the app's
audience must admit the tenant. Changes take effect at the next token request
or refresh: refresh tokens are re-checked against consent at every use.
` + admExitCodes,
		Example: `  graphgate consent list
  graphgate consent grant --app "Contoso Web App" --all-users --scopes "User.Read Mail.Read"
  graphgate consent grant --app "Contoso Web App" --user adele@contoso.onmicrosoft.com --scopes Calendars.Read
  graphgate consent grant-roles --app "Contoso Daemon" --roles "User.Read.All Mail.Read"
  graphgate consent revoke --app "Contoso Web App" --all-users --scopes Mail.Read
  graphgate consent revoke --app "Contoso Web App" --user adele@contoso.onmicrosoft.com
  graphgate consent revoke --app "Contoso Daemon" --roles Mail.Read`,
	}
	cmd.AddCommand(admConsentListCmd(), admConsentGrantCmd(), admConsentGrantRolesCmd(), admConsentRevokeCmd())
	return cmd
}

// admAppNames caches display names of apps by client id.
type admAppNames map[string]string

func (m admAppNames) name(ctx context.Context, st store.Store, clientID string) string {
	if n, ok := m[clientID]; ok {
		return n
	}
	n := ""
	if a, err := st.GetApp(ctx, clientID); err == nil {
		n = a.DisplayName
	}
	m[clientID] = n
	return n
}

func admConsentListCmd() *cobra.Command {
	var o admOpts
	var tenant, app string
	cmd := &cobra.Command{
		Use:   "list [--tenant T] [--app APPID]",
		Short: "List delegated grants (scopes, consent type, user) and app role assignments",
		Long: `List a tenant's consent: delegated grants with their scopes, consent type
(AllPrincipals: every user; Principal: one user) and user, and app role
assignments (application permissions).

Without --tenant: with --app, every tenant where the app has consent (the
personal-accounts tenant included); without --app, the only organisation
tenant (with several, --tenant is required).`,
		Example: `  graphgate consent list
  graphgate consent list --app 2f7c9e1a-4b6d-4c8e-a0b2-3d5f7a9c1e3b --json
  graphgate consent list --tenant consumers`,
		Args: cobra.NoArgs,
	}
	cmd.RunE = admRun(&o, false, func(ctx context.Context, cmd *cobra.Command, st store.Store, _ []string) error {
		var filter string
		if app != "" {
			a, _, err := admAppOrDeleted(ctx, st, app)
			if err != nil {
				return err
			}
			filter = a.AppID
		}
		var ts []store.Tenant
		if tenant != "" || filter == "" {
			t, err := admTenant(ctx, st, tenant)
			if err != nil {
				return err
			}
			ts = []store.Tenant{t}
		} else {
			var err error
			if ts, err = st.ListTenants(ctx); err != nil {
				return err
			}
		}
		names := admAppNames{}
		res := admConsentListOut{Grants: []admGrantOut{}, AppRoleAssignments: []admAssignmentOut{}}
		for _, t := range ts {
			gs, err := st.ListDelegatedGrants(ctx, t.ID)
			if err != nil {
				return err
			}
			clients := map[string]bool{}
			for _, g := range gs {
				if filter != "" && g.ClientID != filter {
					continue
				}
				clients[g.ClientID] = true
				r := admGrantOut{ID: g.ID, TenantID: g.TenantID, ClientID: g.ClientID, AppDisplayName: names.name(ctx, st, g.ClientID),
					ConsentType: string(g.ConsentType), PrincipalID: g.PrincipalID, Scopes: append([]string{}, g.Scopes...),
					CreatedAt: g.CreatedAt, UpdatedAt: g.UpdatedAt}
				if g.PrincipalID != "" {
					if u, err := st.GetUser(ctx, t.ID, g.PrincipalID); err == nil {
						r.PrincipalUPN = u.UserPrincipalName
					}
				}
				res.Grants = append(res.Grants, r)
			}
			// App role assignments are kept per client: ask for every
			// client the tenant knows (registrations, service principals,
			// grants).
			if filter != "" {
				clients = map[string]bool{filter: true}
			} else {
				sps, err := st.ListServicePrincipals(ctx, t.ID)
				if err != nil {
					return err
				}
				for _, sp := range sps {
					clients[sp.AppID] = true
				}
				as, err := st.ListApps(ctx, t.ID)
				if err != nil {
					return err
				}
				for _, a := range as {
					clients[a.AppID] = true
				}
			}
			ids := make([]string, 0, len(clients))
			for c := range clients {
				ids = append(ids, c)
			}
			sort.Strings(ids)
			for _, c := range ids {
				as, err := st.AppRoleAssignments(ctx, t.ID, c)
				if err != nil {
					return err
				}
				for _, a := range as {
					res.AppRoleAssignments = append(res.AppRoleAssignments, admAssignmentOut{ID: a.ID, TenantID: a.TenantID, ClientID: a.ClientID,
						AppDisplayName: names.name(ctx, st, a.ClientID), Permission: a.Permission, CreatedAt: a.CreatedAt})
				}
			}
		}
		out := cmd.OutOrStdout()
		if o.json {
			return writeJSON(out, res)
		}
		label := "every tenant"
		if len(ts) == 1 {
			label = admTenantLabel(ts[0])
		}
		fmt.Fprintf(out, "DELEGATED GRANTS in %s (%d)\n", label, len(res.Grants))
		if len(res.Grants) > 0 {
			tw := table(out)
			fmt.Fprintln(tw, "  APP\tCLIENT ID\tCONSENT TYPE\tUSER\tSCOPES")
			for _, g := range res.Grants {
				user := "(all users)"
				if g.ConsentType == string(store.ConsentPrincipal) {
					user = or(g.PrincipalUPN, g.PrincipalID)
				}
				fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\t%s\n", or(g.AppDisplayName, "(deleted app)"), g.ClientID, g.ConsentType, user, strings.Join(g.Scopes, " "))
			}
			if err := tw.Flush(); err != nil {
				return err
			}
		}
		fmt.Fprintf(out, "\nAPP ROLE ASSIGNMENTS in %s (%d)\n", label, len(res.AppRoleAssignments))
		if len(res.AppRoleAssignments) > 0 {
			tw := table(out)
			fmt.Fprintln(tw, "  APP\tCLIENT ID\tPERMISSION\tGRANTED")
			for _, a := range res.AppRoleAssignments {
				fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\n", or(a.AppDisplayName, "(deleted app)"), a.ClientID, a.Permission, admTime(a.CreatedAt))
			}
			return tw.Flush()
		}
		return nil
	})
	cmd.Flags().StringVar(&tenant, "tenant", "", "tenant id or domain")
	cmd.Flags().StringVar(&app, "app", "", "only this app (client id or display name)")
	admFlags(cmd, &o)
	return cmd
}

// admConsentTarget resolves the tenant and user a delegated consent command
// is about: the user's tenant for --user, else --tenant or the app's home.
func admConsentTarget(ctx context.Context, st store.Store, a store.App, userRef string, allUsers bool, tenantRef string) (store.Tenant, *store.User, error) {
	if userRef != "" && allUsers {
		return store.Tenant{}, nil, usageErr("--user and --all-users exclude each other")
	}
	if userRef != "" {
		u, err := admUser(ctx, st, userRef, "")
		if err != nil {
			return store.Tenant{}, nil, err
		}
		t, err := st.GetTenant(ctx, u.TenantID)
		if err != nil {
			return t, nil, err
		}
		if tenantRef != "" {
			want, err := admTenant(ctx, st, tenantRef)
			if err != nil {
				return t, nil, err
			}
			if want.ID != t.ID {
				return t, nil, usageErr("%s is in tenant %s, not %s", u.UserPrincipalName, admTenantLabel(t), admTenantLabel(want))
			}
		}
		return t, &u, nil
	}
	if tenantRef == "" && a.TenantID != "" {
		t, err := st.GetTenant(ctx, a.TenantID)
		return t, nil, err
	}
	t, err := admTenant(ctx, st, tenantRef)
	return t, nil, err
}

func admConsentGrantCmd() *cobra.Command {
	var o admOpts
	var app, user, tenant string
	var allUsers bool
	var scopes []string
	cmd := &cobra.Command{
		Use:   "grant --app APPID (--user UPN | --all-users) --scopes \"…\"",
		Short: "Grant delegated permissions to an app, for one user or for every user",
		Long: `Grant delegated permissions to an app: for one user (--user, consent type
Principal, in the user's tenant) or for every user of a tenant (--all-users,
AllPrincipals, an administrator's consent; in --tenant or the app's home
tenant). The scopes are merged into the existing grant.

Every scope must exist as a delegated permission (unknown names exit 3 with
suggestions); a personal Microsoft account can hold only permissions valid
for personal accounts; the app's audience must admit the tenant. OpenID
scopes (openid, profile, email, offline_access) need no consent and are left
out. Creates the app's service principal in the tenant if needed.`,
		Example: `  graphgate consent grant --app "Contoso Web App" --all-users --scopes "User.Read Mail.Read"
  graphgate consent grant --app 8b1e4a3c-5d6f-4e2a-9c7b-1a0d3e5f7b9c --user adele@contoso.onmicrosoft.com --scopes "Calendars.ReadWrite,Tasks.ReadWrite"
  graphgate consent grant --app "Home Assistant O365" --user sam.personal@outlook.com --scopes "User.Read Mail.Read"`,
		Args: cobra.NoArgs,
	}
	cmd.RunE = admRun(&o, false, func(ctx context.Context, cmd *cobra.Command, st store.Store, _ []string) error {
		if app == "" {
			return usageErr("--app is required")
		}
		if user == "" && !allUsers {
			return usageErr("name who consents: --user UPN or --all-users")
		}
		if len(splitList(scopes)) == 0 {
			return usageErr("--scopes is required (e.g. --scopes \"User.Read Mail.Read\")")
		}
		a, err := admApp(ctx, st, app)
		if err != nil {
			return err
		}
		perms, skipped, err := admPerms(scopes, admDelegated)
		if err != nil {
			return err
		}
		t, u, err := admConsentTarget(ctx, st, a, user, allUsers, tenant)
		if err != nil {
			return err
		}
		if err := admAudienceAllows(a, t); err != nil {
			return err
		}
		c := directory.DelegatedConsent{TenantID: t.ID, App: a, Scopes: admPermNames(perms), ServicePrincipal: true}
		if u != nil {
			c.UserID = u.ID
		}
		res, err := admDirectory(st).GrantDelegated(ctx, c)
		if err != nil {
			return admGrantErr(err, u, skipped)
		}
		if u != nil && !u.AccountEnabled {
			admNote(cmd, "%s is disabled: the grant applies once the account is enabled", u.UserPrincipalName)
		}
		added, had, after := res.Added, res.AlreadyGranted, res.Grant.Scopes
		key := res.Grant
		if len(skipped) > 0 {
			admNote(cmd, "%s: OpenID Connect scopes need no consent; left out", strings.Join(skipped, ", "))
		}
		out := cmd.OutOrStdout()
		if o.json {
			r := struct {
				TenantID     string   `json:"tenantId"`
				ClientID     string   `json:"clientId"`
				ConsentType  string   `json:"consentType"`
				PrincipalID  string   `json:"principalId,omitempty"`
				PrincipalUPN string   `json:"principalUserPrincipalName,omitempty"`
				Added        []string `json:"added"`
				AlreadyHad   []string `json:"alreadyGranted"`
				Scopes       []string `json:"scopes"`
			}{t.ID, a.AppID, string(key.ConsentType), key.PrincipalID, "", admNonNil(added), admNonNil(had), after}
			if u != nil {
				r.PrincipalUPN = u.UserPrincipalName
			}
			return writeJSON(out, r)
		}
		who := "every user of " + admTenantLabel(t)
		if u != nil {
			who = u.UserPrincipalName
		}
		if len(added) > 0 {
			fmt.Fprintf(out, "Granted %s to %s for %s.\n", strings.Join(added, " "), a.DisplayName, who)
		}
		if len(had) > 0 {
			fmt.Fprintf(out, "Granted already: %s.\n", strings.Join(had, " "))
		}
		fmt.Fprintf(out, "The %s grant now holds: %s\n", key.ConsentType, strings.Join(after, " "))
		return nil
	})
	f := cmd.Flags()
	f.StringVar(&app, "app", "", "the app: client id or display name (required)")
	f.StringVar(&user, "user", "", "the user who consents (UPN or object id)")
	f.BoolVar(&allUsers, "all-users", false, "consent for every user of the tenant (AllPrincipals)")
	f.StringArrayVar(&scopes, "scopes", nil, `delegated permissions, e.g. "User.Read Mail.Read" (required)`)
	f.StringVar(&tenant, "tenant", "", "tenant for --all-users (default: the app's home tenant)")
	admFlags(cmd, &o)
	return cmd
}

// admGrantErr words the directory's refusal of a delegated grant for the
// command line: who cannot consent, and what to do instead.
func admGrantErr(err error, u *store.User, skipped []string) error {
	var ve *directory.ValidationError
	if !errors.As(err, &ve) {
		return err
	}
	switch {
	case ve.Field == "user" && u != nil:
		return usageErr("%s is a shared mailbox: no one signs in to it, so it cannot consent (grant the delegate's own consent instead)", u.UserPrincipalName)
	case ve.Field == "scopes" && u != nil && len(ve.Values) > 0:
		return usageErr("%s: not valid for personal Microsoft accounts (%s is one); the token service refuses them", strings.Join(ve.Values, ", "), u.UserPrincipalName)
	case ve.Field == "scopes" && len(ve.Values) == 0:
		return usageErr("no Graph permission to grant (%s need no consent)", strings.Join(skipped, ", "))
	case ve.Field == "consentType":
		return usageErr("personal Microsoft accounts have no administrator: grant per user with --user")
	}
	return err
}

// admAppOrDeleted finds an app like admApp, but also accepts the client id
// of a deleted app (whose consent is kept): it returns an App with only
// AppID and DisplayName set, and deleted true.
func admAppOrDeleted(ctx context.Context, st store.Store, ref string) (store.App, bool, error) {
	a, err := admApp(ctx, st, ref)
	var ee *exitError
	if err == nil || !admIsGUID(strings.TrimSpace(ref)) || !errors.As(err, &ee) || ee.code != ExitNotFound {
		return a, false, err
	}
	id := strings.ToLower(strings.TrimSpace(ref))
	ts, lerr := st.ListTenants(ctx)
	if lerr != nil {
		return a, false, lerr
	}
	for _, t := range ts {
		gs, lerr := st.ListDelegatedGrants(ctx, t.ID)
		if lerr != nil {
			return a, false, lerr
		}
		as, lerr := st.AppRoleAssignments(ctx, t.ID, id)
		if lerr != nil {
			return a, false, lerr
		}
		found := len(as) > 0
		for _, g := range gs {
			found = found || g.ClientID == id
		}
		if found {
			return store.App{AppID: id, DisplayName: "deleted app " + id}, true, nil
		}
	}
	return a, false, err
}

func admNonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func admConsentGrantRolesCmd() *cobra.Command {
	var o admOpts
	var app, tenant string
	var appRoles []string
	cmd := &cobra.Command{
		Use:   "grant-roles --app APPID --roles \"…\"",
		Short: "Grant application permissions to an app, tenant-wide (app role assignments)",
		Long: `Grant application permissions (app roles of Microsoft Graph) to an app in a
tenant (--tenant, or the app's home tenant), as an administrator's consent
does: app-only tokens (client credentials) carry them from the next token
request. Creates the app's service principal in the tenant if needed.
Granting a role the app has is a success that says so.`,
		Example: `  graphgate consent grant-roles --app "Contoso Daemon" --roles "User.Read.All Mail.Read"
  graphgate consent grant-roles --app c4a6e8b0-2d4f-4a6c-8e0a-5b7d9f1a3c5e --roles Calendars.ReadWrite --tenant contoso.onmicrosoft.com`,
		Args: cobra.NoArgs,
	}
	cmd.RunE = admRun(&o, false, func(ctx context.Context, cmd *cobra.Command, st store.Store, _ []string) error {
		if app == "" {
			return usageErr("--app is required")
		}
		if len(splitList(appRoles)) == 0 {
			return usageErr("--roles is required (e.g. --roles \"User.Read.All Mail.Read\")")
		}
		a, err := admApp(ctx, st, app)
		if err != nil {
			return err
		}
		perms, _, err := admPerms(appRoles, admApplication)
		if err != nil {
			return err
		}
		t, _, err := admConsentTarget(ctx, st, a, "", false, tenant)
		if err != nil {
			return err
		}
		if t.Kind == store.TenantPersonal {
			return usageErr("application permissions are granted in an organisation, not in the personal-accounts tenant")
		}
		if err := admAudienceAllows(a, t); err != nil {
			return err
		}
		res, err := admDirectory(st).GrantAppRoles(ctx, directory.AppRoleGrant{TenantID: t.ID, App: a, Roles: admPermNames(perms)})
		if err != nil {
			return err
		}
		added, had, now := res.Added, res.AlreadyGranted, res.Roles
		if a.PublicClient && len(a.Secrets) == 0 && len(a.Certificates) == 0 {
			admNote(cmd, "%s is a public client without a secret or certificate: client credentials need one ('graphgate app add-secret')", a.DisplayName)
		}
		out := cmd.OutOrStdout()
		if o.json {
			return writeJSON(out, struct {
				TenantID   string   `json:"tenantId"`
				ClientID   string   `json:"clientId"`
				Added      []string `json:"added"`
				AlreadyHad []string `json:"alreadyGranted"`
				Roles      []string `json:"roles"`
			}{t.ID, a.AppID, admNonNil(added), admNonNil(had), admNonNil(now)})
		}
		if len(added) > 0 {
			fmt.Fprintf(out, "Granted %s to %s in %s.\n", strings.Join(added, " "), a.DisplayName, admTenantLabel(t))
		}
		if len(had) > 0 {
			fmt.Fprintf(out, "Granted already: %s.\n", strings.Join(had, " "))
		}
		fmt.Fprintf(out, "Application permissions of %s now: %s\n", a.DisplayName, strings.Join(now, " "))
		return nil
	})
	f := cmd.Flags()
	f.StringVar(&app, "app", "", "the app: client id or display name (required)")
	f.StringArrayVar(&appRoles, "roles", nil, `application permissions, e.g. "User.Read.All Mail.Read" (required)`)
	f.StringVar(&tenant, "tenant", "", "tenant id or domain (default: the app's home tenant)")
	admFlags(cmd, &o)
	return cmd
}

func admConsentRevokeCmd() *cobra.Command {
	var o admOpts
	var app, user, tenant string
	var allUsers bool
	var scopes, appRoles []string
	cmd := &cobra.Command{
		Use:   "revoke --app APPID [--user UPN | --all-users] [--scopes \"…\"] [--roles \"…\"]",
		Short: "Revoke delegated grants (or some of their scopes) and app role assignments",
		Long: `Revoke consent an app holds in a tenant.

Delegated grants: --user for one user's grant, --all-users for the
tenant-wide (AllPrincipals) grant, neither for every delegated grant of the
app in the tenant. Without --scopes the grants are removed; with --scopes only
those scopes are (a grant left empty is removed). --roles removes app role
assignments (application permissions); given alone it leaves delegated
grants alone.

The tenant is the user's for --user, else --tenant or the app's home tenant.
Revoking something the app does not hold is a not-found error and changes
nothing.

` + admRevokeScopesNote + `
` + admRevokeRolesNote,
		Example: `  graphgate consent revoke --app "Contoso Web App" --all-users --scopes Mail.Read
  graphgate consent revoke --app "Contoso Daemon" --roles "Mail.Send Mail.Read"
  graphgate consent revoke --app "Contoso Web App"          # every delegated grant of the app`,
		Args: cobra.NoArgs,
	}
	cmd.RunE = admRun(&o, false, func(ctx context.Context, cmd *cobra.Command, st store.Store, _ []string) error {
		if app == "" {
			return usageErr("--app is required")
		}
		a, _, err := admAppOrDeleted(ctx, st, app)
		if err != nil {
			return err
		}
		t, u, err := admConsentTarget(ctx, st, a, user, allUsers, tenant)
		if err != nil {
			return err
		}
		var scopePerms, rolePerms []*catalog.Permission
		if len(splitList(scopes)) > 0 {
			if scopePerms, _, err = admPerms(scopes, admDelegated); err != nil {
				return err
			}
		}
		if len(splitList(appRoles)) > 0 {
			if u != nil {
				return usageErr("--roles are tenant-wide application permissions: leave out --user")
			}
			if rolePerms, _, err = admPerms(appRoles, admApplication); err != nil {
				return err
			}
		}
		r := directory.Revocation{TenantID: t.ID, ClientID: a.AppID, AllUsers: allUsers, Scopes: admPermNames(scopePerms), Roles: admPermNames(rolePerms)}
		if u != nil {
			r.UserID = u.ID
		}
		res, err := admDirectory(st).RevokeConsent(ctx, r)
		if err != nil {
			return admRevokeErr(err, a, t, u)
		}

		type grantChange struct {
			ID           string   `json:"id"`
			ConsentType  string   `json:"consentType"`
			PrincipalID  string   `json:"principalId,omitempty"`
			PrincipalUPN string   `json:"principalUserPrincipalName,omitempty"`
			Removed      []string `json:"removedScopes"`
			Remaining    []string `json:"remainingScopes"`
			Deleted      bool     `json:"deleted"`
		}
		var changes []grantChange
		for _, c := range res.Grants {
			g := c.Grant
			gc := grantChange{ID: g.ID, ConsentType: string(g.ConsentType), PrincipalID: g.PrincipalID, Removed: c.Removed,
				Remaining: c.Remaining, Deleted: c.Deleted}
			if g.PrincipalID != "" {
				if pu, err := st.GetUser(ctx, t.ID, g.PrincipalID); err == nil {
					gc.PrincipalUPN = pu.UserPrincipalName
				}
			}
			changes = append(changes, gc)
		}
		rolesRemoved, stillAll := res.RolesRemoved, res.StillGrantedToAllUsers

		var notes []string
		if len(changes) > 0 {
			notes = append(notes, admRevokeScopesNote)
		}
		if len(rolesRemoved) > 0 {
			notes = append(notes, admRevokeRolesNote)
		}
		out := cmd.OutOrStdout()
		if o.json {
			if changes == nil {
				changes = []grantChange{}
			}
			return writeJSON(out, struct {
				TenantID                  string        `json:"tenantId"`
				ClientID                  string        `json:"clientId"`
				Grants                    []grantChange `json:"grants"`
				AppRoleAssignmentsRemoved []string      `json:"appRoleAssignmentsRemoved"`
				StillGrantedToAllUsers    []string      `json:"stillGrantedToAllUsers,omitempty"`
				Notes                     []string      `json:"notes"`
			}{t.ID, a.AppID, changes, admNonNil(rolesRemoved), stillAll, admNonNil(notes)})
		}
		for _, c := range changes {
			who := "every user (AllPrincipals)"
			if c.ConsentType == string(store.ConsentPrincipal) {
				who = or(c.PrincipalUPN, c.PrincipalID)
			}
			if c.Deleted {
				fmt.Fprintf(out, "Removed the grant of %s for %s (%s).\n", a.DisplayName, who, strings.Join(c.Removed, " "))
			} else {
				fmt.Fprintf(out, "Revoked %s from the grant of %s for %s; it keeps %s.\n", strings.Join(c.Removed, " "), a.DisplayName, who, strings.Join(c.Remaining, " "))
			}
		}
		if len(rolesRemoved) > 0 {
			fmt.Fprintf(out, "Removed the application permission(s) %s of %s in %s.\n", strings.Join(rolesRemoved, " "), a.DisplayName, admTenantLabel(t))
		}
		if len(stillAll) > 0 {
			fmt.Fprintf(out, "Still granted to every user by the tenant-wide grant: %s.\n", strings.Join(admMerge(nil, stillAll), " "))
		}
		for _, n := range notes {
			fmt.Fprintln(out, n)
		}
		return nil
	})
	f := cmd.Flags()
	f.StringVar(&app, "app", "", "the app: client id or display name (required)")
	f.StringVar(&user, "user", "", "only this user's own grant (UPN or object id)")
	f.BoolVar(&allUsers, "all-users", false, "only the tenant-wide (AllPrincipals) grant")
	f.StringArrayVar(&scopes, "scopes", nil, "revoke only these delegated permissions")
	f.StringArrayVar(&appRoles, "roles", nil, "application permissions to revoke (app role assignments)")
	f.StringVar(&tenant, "tenant", "", "tenant id or domain (default: the user's tenant, else the app's home tenant)")
	admFlags(cmd, &o)
	return cmd
}

// admRevokeErr words a revocation of consent the app does not hold.
func admRevokeErr(err error, a store.App, t store.Tenant, u *store.User) error {
	var ng *directory.NotGrantedError
	if !errors.As(err, &ng) {
		return err
	}
	switch ng.Kind {
	case directory.NoUserGrant:
		return admNotFound("%s has no consent grant of its own for %s", u.UserPrincipalName, a.DisplayName)
	case directory.NoTenantGrant:
		return admNotFound("%s has no tenant-wide (AllPrincipals) grant in %s", a.DisplayName, admTenantLabel(t))
	case directory.NoGrant:
		return admNotFound("%s has no delegated grant in %s", a.DisplayName, admTenantLabel(t))
	case directory.NoScope:
		return admNotFound("the grant(s) of %s hold no %s (they hold: %s)", a.DisplayName, ng.Name, strings.Join(ng.Held, " "))
	}
	return admNotFound("%s has no application permission %s in %s (it has: %s)", a.DisplayName, ng.Name, admTenantLabel(t), or(strings.Join(ng.Held, " "), "none"))
}
