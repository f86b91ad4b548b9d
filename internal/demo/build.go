package demo

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"

	"graphgate/internal/password"
	"graphgate/internal/roles"
	"graphgate/internal/store"
)

type userSpec struct {
	key, id, upn, name, given, surname, job, dept string
	kind                                          store.UserKind
	roles                                         []roles.Role
	tenant                                        string
	note                                          string
}

var users = []userSpec{
	{key: "admin", id: "0a1b2c3d-1111-4a5b-8c6d-000000000001", upn: "admin@" + TenantDomain, name: "MOD Administrator", given: "MOD", surname: "Administrator",
		job: "IT Administrator", dept: "IT", kind: store.UserMember, roles: []roles.Role{roles.GlobalAdministrator}, note: "Global Administrator: consents for the organization"},
	{key: "adele", id: "0a1b2c3d-1111-4a5b-8c6d-000000000002", upn: "adele@" + TenantDomain, name: "Adele Vance", given: "Adele", surname: "Vance",
		job: "Retail Manager", dept: "Retail", kind: store.UserMember, note: "member; Megan shared her calendar and gave her mailbox access"},
	{key: "megan", id: "0a1b2c3d-1111-4a5b-8c6d-000000000003", upn: "megan@" + TenantDomain, name: "Megan Bowen", given: "Megan", surname: "Bowen",
		job: "Marketing Manager", dept: "Marketing", kind: store.UserMember, note: "member; shares her calendar (read) and mailbox (full access) with Adele"},
	{key: "lynne", id: "0a1b2c3d-1111-4a5b-8c6d-000000000004", upn: "lynne@" + TenantDomain, name: "Lynne Robbins", given: "Lynne", surname: "Robbins",
		job: "Security Analyst", dept: "Security", kind: store.UserMember, roles: []roles.Role{roles.SecurityReader}, note: "Security Reader: may read identity risk data"},
	{key: "guest", id: "0a1b2c3d-1111-4a5b-8c6d-000000000005", upn: "kim_fabrikam.com#EXT#@" + TenantDomain, name: "Kim Akers (Fabrikam)", given: "Kim", surname: "Akers",
		kind: store.UserGuest, note: "guest: cannot list users or groups"},
	{key: "support", id: "0a1b2c3d-1111-4a5b-8c6d-000000000006", upn: "support@" + TenantDomain, name: "Contoso Support", kind: store.UserSharedMailbox,
		note: "shared mailbox (no sign-in); Adele is its delegate"},
	{key: "sam", id: "0a1b2c3d-2222-4a5b-8c6d-000000000007", upn: "sam.personal@outlook.com", name: "Sam Personal", given: "Sam", surname: "Personal",
		kind: store.UserPersonal, tenant: store.PersonalTenantID, note: "personal Microsoft account"},
}

// groupSpecs are the demo groups, with members and owners by user key.
var groupSpecs = []struct {
	g       store.Group
	key     string
	members []string
	owners  []string
}{
	{store.Group{ID: "0a1b2c3d-3333-4a5b-8c6d-000000000001", DisplayName: "Marketing", Description: "Marketing team (Microsoft 365 group)",
		MailNickname: "marketing", Mail: "marketing@" + TenantDomain, GroupTypes: []string{"Unified"}, MailEnabled: true, Visibility: store.VisibilityPublic},
		"marketing", []string{"megan", "adele"}, []string{"megan"}},
	{store.Group{ID: "0a1b2c3d-3333-4a5b-8c6d-000000000002", DisplayName: "Project Falcon", Description: "Confidential project (hidden membership)",
		MailNickname: "falcon", Mail: "falcon@" + TenantDomain, GroupTypes: []string{"Unified"}, MailEnabled: true, Visibility: store.VisibilityHiddenMembership},
		"falcon", []string{"adele", "lynne"}, []string{"adele"}},
	{store.Group{ID: "0a1b2c3d-3333-4a5b-8c6d-000000000003", DisplayName: "All Employees", Description: "Security group of every member",
		MailNickname: "allemployees", SecurityEnabled: true, Visibility: store.VisibilityPrivate},
		"employees", []string{"admin", "adele", "megan", "lynne"}, []string{"admin"}},
}

// appSpec is a demo app: its registration, its description, and what an
// administrator consented to.
type appSpec struct {
	a      store.App
	da     App
	secret bool
	roles  []string
	scopes []string // admin-consented delegated
}

var appSpecs = []appSpec{
	{store.App{AppID: HomeAssistantAppID, DisplayName: "Home Assistant O365", SignInAudience: store.AudienceMultipleOrgsAndPersonal, PublicClient: true,
		RedirectURIs:   []store.RedirectURI{{URI: NativeClientRedirect, Kind: store.RedirectPublicClient}, {URI: "http://localhost", Kind: store.RedirectPublicClient}},
		RequiredScopes: []string{"User.Read", "Calendars.ReadWrite", "Mail.Read", "Mail.Send", "MailboxSettings.ReadWrite", "Tasks.ReadWrite", "Presence.Read", "Chat.Read"}},
		App{Key: "homeassistant", Note: "public client like the Home Assistant O365 integration: auth code + PKCE with the nativeclient page, device code; users consent at first sign-in"}, false, nil, nil},
	{store.App{AppID: WebAppID, DisplayName: "Contoso Web App", SignInAudience: store.AudienceMyOrg,
		RedirectURIs:   []store.RedirectURI{{URI: "https://localhost:5001/signin-oidc", Kind: store.RedirectWeb}, {URI: "http://localhost", Kind: store.RedirectWeb}},
		RequiredScopes: []string{"User.Read", "Mail.Read", "Calendars.Read"}},
		App{Key: "webapp", Note: "confidential web app with a secret; User.Read and Mail.Read admin-consented for the organization"}, true, nil, []string{"User.Read", "Mail.Read"}},
	{store.App{AppID: DaemonAppID, DisplayName: "Contoso Daemon", SignInAudience: store.AudienceMyOrg,
		RequiredRoles: []string{"User.Read.All", "Mail.Read", "Mail.Send", "Calendars.ReadWrite", "Group.Read.All", "Presence.Read.All"}},
		App{Key: "daemon", Note: "daemon (client credentials) with admin-consented application permissions"},
		true, []string{"User.Read.All", "Mail.Read", "Mail.Send", "Calendars.ReadWrite", "Group.Read.All", "Presence.Read.All"}, nil},
	{store.App{AppID: APIAppID, DisplayName: "Contoso API", SignInAudience: store.AudienceMyOrg,
		RedirectURIs:   []store.RedirectURI{{URI: "http://localhost", Kind: store.RedirectWeb}},
		RequiredScopes: []string{"User.Read", "Mail.Read"}},
		App{Key: "api", Note: "a web API that calls Graph on behalf of its callers (on-behalf-of); User.Read and Mail.Read admin-consented"}, true, nil, []string{"User.Read", "Mail.Read"}},
}

func tenantOf(us userSpec) string {
	if us.tenant == "" {
		return TenantID
	}
	return us.tenant
}

// describe is the demo tenant's description with new random passwords and
// secrets: a seeding plan (see Seed).
func describe() *Tenant {
	out := &Tenant{TenantID: TenantID, Domain: TenantDomain, PersonalTenantID: store.PersonalTenantID}
	for _, us := range users {
		du := User{Key: us.key, ID: us.id, UserPrincipalName: us.upn, DisplayName: us.name, Kind: string(us.kind), Roles: roleNames(us.roles...), TenantID: tenantOf(us), Note: us.note}
		if us.kind != store.UserSharedMailbox {
			du.Password = demoPassword()
		}
		out.Users = append(out.Users, du)
	}
	for _, gs := range groupSpecs {
		out.Groups = append(out.Groups, Group{Key: gs.key, ID: gs.g.ID, DisplayName: gs.g.DisplayName, Visibility: string(gs.g.Visibility),
			Members: append([]string(nil), gs.members...), Owners: append([]string(nil), gs.owners...)})
	}
	for _, x := range appSpecs {
		a, da := x.a, x.da
		da.ClientID, da.DisplayName, da.PublicClient, da.SignInAudience = a.AppID, a.DisplayName, a.PublicClient, string(a.SignInAudience)
		for _, ru := range a.RedirectURIs {
			da.RedirectURIs = append(da.RedirectURIs, ru.URI)
		}
		da.Delegated, da.Application = a.RequiredScopes, a.RequiredRoles
		da.AdminConsented = append(append([]string(nil), x.roles...), x.scopes...)
		if x.secret {
			da.Secret = randomSecret(30)
		}
		out.Apps = append(out.Apps, da)
	}
	return out
}

// absent turns "it exists already" into success: seeding creates what is
// missing and keeps what another seeder (or an earlier attempt) created.
func absent(err error) error {
	if errors.Is(err, store.ErrConflict) {
		return nil
	}
	return err
}

// build creates, if absent, every object of the demo tenant t describes,
// with t's passwords and secrets.
func build(ctx context.Context, st store.Store, o Options, t *Tenant) error {
	now := o.Now
	if err := absent(st.CreateTenant(ctx, store.Tenant{ID: TenantID, DisplayName: "Contoso", Kind: store.TenantWork, Domains: []string{TenantDomain}, CreatedAt: now})); err != nil {
		return fmt.Errorf("demo tenant: %w", err)
	}
	if err := absent(st.CreateTenant(ctx, store.Tenant{ID: store.PersonalTenantID, DisplayName: "Microsoft Accounts", Kind: store.TenantPersonal,
		Domains: []string{"outlook.com", "hotmail.com", "live.com"}, CreatedAt: now})); err != nil {
		return fmt.Errorf("personal-accounts tenant: %w", err)
	}
	for _, us := range users {
		tenant := tenantOf(us)
		u := store.User{ID: us.id, TenantID: tenant, UserPrincipalName: us.upn, DisplayName: us.name, GivenName: us.given, Surname: us.surname,
			Mail: us.upn, JobTitle: us.job, Department: us.dept, Kind: us.kind, AccountEnabled: us.kind != store.UserSharedMailbox,
			Roles: roleIDs(us.roles...), UsageLocation: "US", PreferredLanguage: "en-US", CreatedAt: now}
		if us.kind == store.UserGuest {
			u.Mail = "kim@fabrikam.com"
		}
		if du, ok := t.UserByKey(us.key); ok && du.Password != "" {
			h, err := password.Hash(du.Password, o.Passwords)
			if err != nil {
				return err
			}
			u.PasswordHash = h
		}
		if us.key == "adele" || us.key == "megan" {
			u.ManagerID = users[0].id
		}
		err := st.CreateUser(ctx, u)
		if errors.Is(err, store.ErrConflict) && u.PasswordHash != "" {
			// Another seeder's row: make the plan's password work with it.
			err = st.UpdateUser(ctx, tenant, u.ID, func(cur store.User) (store.User, error) {
				cur.PasswordHash = u.PasswordHash
				return cur, nil
			})
			if errors.Is(err, store.ErrNotFound) {
				err = nil // the principal name belongs to another object: leave it
			}
		}
		if err := absent(err); err != nil {
			return fmt.Errorf("demo user %s: %w", us.upn, err)
		}
	}
	if err := seedGroups(ctx, st, now); err != nil {
		return err
	}
	if err := seedApps(ctx, st, o, t); err != nil {
		return err
	}
	if err := absent(seedWorkloads(ctx, st, now)); err != nil {
		return fmt.Errorf("demo workload data: %w", err)
	}
	return nil
}

func userID(key string) string {
	for _, u := range users {
		if u.key == key {
			return u.id
		}
	}
	panic("demo: no user " + key)
}

func seedGroups(ctx context.Context, st store.Store, now timeT) error {
	for _, gs := range groupSpecs {
		g := gs.g
		g.TenantID, g.CreatedAt = TenantID, now
		if err := absent(st.CreateGroup(ctx, g)); err != nil {
			return fmt.Errorf("demo group %s: %w", g.DisplayName, err)
		}
		for _, role := range []struct {
			keys []string
			role store.MemberRole
		}{{gs.members, store.RoleMember}, {gs.owners, store.RoleOwner}} {
			for _, k := range role.keys {
				m := store.Membership{TenantID: TenantID, ContainerID: g.ID, ContainerKind: store.ContainerGroup, MemberID: userID(k), Role: role.role}
				if err := absent(st.AddMember(ctx, m)); err != nil {
					return fmt.Errorf("demo membership %s in %s: %w", k, g.DisplayName, err)
				}
			}
		}
	}
	au := store.AdministrativeUnit{ID: "0a1b2c3d-4444-4a5b-8c6d-000000000001", TenantID: TenantID, DisplayName: "Seattle", Description: "Seattle office"}
	if err := absent(st.CreateAdministrativeUnit(ctx, au)); err != nil {
		return err
	}
	return absent(st.AddMember(ctx, store.Membership{TenantID: TenantID, ContainerID: au.ID, ContainerKind: store.ContainerAU, MemberID: userID("lynne"), Role: store.RoleMember}))
}

func seedApps(ctx context.Context, st store.Store, o Options, t *Tenant) error {
	now := o.Now
	for _, x := range appSpecs {
		a := x.a
		a.TenantID, a.ObjectID, a.CreatedAt = TenantID, newID(), now
		var cred store.ClientSecret
		if da, ok := t.AppByKey(x.da.Key); ok && da.Secret != "" {
			cred = store.ClientSecret{ID: newID(), DisplayName: "demo", Hint: da.Secret[:3], Hash: o.SecretHash(da.Secret), ExpiresAt: now.AddDate(2, 0, 0), CreatedAt: now}
			a.Secrets = []store.ClientSecret{cred}
		}
		err := st.CreateApp(ctx, a)
		if errors.Is(err, store.ErrConflict) && cred.Hash != nil {
			// Another seeder's row: make sure the plan's secret is one of it.
			err = st.UpdateApp(ctx, a.AppID, func(cur store.App) (store.App, error) {
				for _, s := range cur.Secrets {
					if bytes.Equal(s.Hash, cred.Hash) {
						return cur, nil
					}
				}
				cur.Secrets = append(cur.Secrets, cred)
				return cur, nil
			})
		}
		if err := absent(err); err != nil {
			return fmt.Errorf("demo app %s: %w", a.DisplayName, err)
		}
		if _, err := st.EnsureServicePrincipal(ctx, TenantID, a.AppID, a.DisplayName); err != nil {
			return err
		}
		for _, r := range x.roles {
			if err := st.AddAppRoleAssignment(ctx, store.AppRoleAssignment{ID: newID(), TenantID: TenantID, ClientID: a.AppID, Permission: r, CreatedAt: now}); err != nil {
				return err
			}
		}
		if len(x.scopes) > 0 {
			err := st.UpsertDelegatedGrant(ctx, store.DelegatedGrant{TenantID: TenantID, ClientID: a.AppID, ConsentType: store.ConsentAllPrincipals},
				func(g store.DelegatedGrant) (store.DelegatedGrant, error) {
					if g.ID == "" {
						g.ID, g.CreatedAt = newID(), now
					}
					for _, sc := range x.scopes {
						if !slices.Contains(g.Scopes, sc) {
							g.Scopes = append(g.Scopes, sc)
						}
					}
					g.UpdatedAt = now
					return g, nil
				})
			if err != nil {
				return err
			}
		}
	}
	return nil
}
