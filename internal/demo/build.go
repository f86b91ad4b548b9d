package demo

import (
	"context"
	"fmt"

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

func build(ctx context.Context, st store.Store, o Options) (*Tenant, error) {
	now := o.Now
	out := &Tenant{TenantID: TenantID, Domain: TenantDomain, PersonalTenantID: store.PersonalTenantID}
	if err := st.CreateTenant(ctx, store.Tenant{ID: TenantID, DisplayName: "Contoso", Kind: store.TenantWork, Domains: []string{TenantDomain}, CreatedAt: now}); err != nil {
		return nil, fmt.Errorf("demo tenant: %w", err)
	}
	if _, err := st.GetTenant(ctx, store.PersonalTenantID); err != nil {
		if err := st.CreateTenant(ctx, store.Tenant{ID: store.PersonalTenantID, DisplayName: "Microsoft Accounts", Kind: store.TenantPersonal,
			Domains: []string{"outlook.com", "hotmail.com", "live.com"}, CreatedAt: now}); err != nil {
			return nil, fmt.Errorf("personal-accounts tenant: %w", err)
		}
	}
	for _, us := range users {
		tenant := us.tenant
		if tenant == "" {
			tenant = TenantID
		}
		u := store.User{ID: us.id, TenantID: tenant, UserPrincipalName: us.upn, DisplayName: us.name, GivenName: us.given, Surname: us.surname,
			Mail: us.upn, JobTitle: us.job, Department: us.dept, Kind: us.kind, AccountEnabled: us.kind != store.UserSharedMailbox,
			Roles: roleIDs(us.roles...), UsageLocation: "US", PreferredLanguage: "en-US", CreatedAt: now}
		if us.kind == store.UserGuest {
			u.Mail = "kim@fabrikam.com"
		}
		du := User{Key: us.key, ID: us.id, UserPrincipalName: us.upn, DisplayName: us.name, Kind: string(us.kind), Roles: roleNames(us.roles...), TenantID: tenant, Note: us.note}
		if us.kind != store.UserSharedMailbox {
			du.Password = demoPassword()
			h, err := password.Hash(du.Password, o.Passwords)
			if err != nil {
				return nil, err
			}
			u.PasswordHash = h
		}
		if us.key == "adele" || us.key == "megan" {
			u.ManagerID = users[0].id
		}
		if err := st.CreateUser(ctx, u); err != nil {
			return nil, fmt.Errorf("demo user %s: %w", us.upn, err)
		}
		out.Users = append(out.Users, du)
	}
	if err := seedGroups(ctx, st, out, now); err != nil {
		return nil, err
	}
	if err := seedApps(ctx, st, o, out); err != nil {
		return nil, err
	}
	if err := seedWorkloads(ctx, st, now); err != nil {
		return nil, fmt.Errorf("demo workload data: %w", err)
	}
	return out, nil
}

func userID(key string) string {
	for _, u := range users {
		if u.key == key {
			return u.id
		}
	}
	panic("demo: no user " + key)
}

func seedGroups(ctx context.Context, st store.Store, out *Tenant, now timeT) error {
	groups := []struct {
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
	for _, gs := range groups {
		g := gs.g
		g.TenantID, g.CreatedAt = TenantID, now
		if err := st.CreateGroup(ctx, g); err != nil {
			return fmt.Errorf("demo group %s: %w", g.DisplayName, err)
		}
		dg := Group{Key: gs.key, ID: g.ID, DisplayName: g.DisplayName, Visibility: string(g.Visibility)}
		for _, role := range []struct {
			keys []string
			role store.MemberRole
			dst  *[]string
		}{{gs.members, store.RoleMember, &dg.Members}, {gs.owners, store.RoleOwner, &dg.Owners}} {
			for _, k := range role.keys {
				m := store.Membership{TenantID: TenantID, ContainerID: g.ID, ContainerKind: store.ContainerGroup, MemberID: userID(k), Role: role.role}
				if err := st.AddMember(ctx, m); err != nil {
					return fmt.Errorf("demo membership %s in %s: %w", k, g.DisplayName, err)
				}
				*role.dst = append(*role.dst, k)
			}
		}
		out.Groups = append(out.Groups, dg)
	}
	au := store.AdministrativeUnit{ID: "0a1b2c3d-4444-4a5b-8c6d-000000000001", TenantID: TenantID, DisplayName: "Seattle", Description: "Seattle office"}
	if err := st.CreateAdministrativeUnit(ctx, au); err != nil {
		return err
	}
	return st.AddMember(ctx, store.Membership{TenantID: TenantID, ContainerID: au.ID, ContainerKind: store.ContainerAU, MemberID: userID("lynne"), Role: store.RoleMember})
}

func seedApps(ctx context.Context, st store.Store, o Options, out *Tenant) error {
	now := o.Now
	webSecret := randomSecret(30)
	daemonSecret := randomSecret(30)
	apiSecret := randomSecret(30)
	secret := func(v string) store.ClientSecret {
		return store.ClientSecret{ID: newID(), DisplayName: "demo", Hint: v[:3], Hash: o.SecretHash(v), ExpiresAt: now.AddDate(2, 0, 0), CreatedAt: now}
	}
	apps := []struct {
		a      store.App
		da     App
		roles  []string
		scopes []string // admin-consented delegated
	}{
		{store.App{AppID: HomeAssistantAppID, DisplayName: "Home Assistant O365", SignInAudience: store.AudienceMultipleOrgsAndPersonal, PublicClient: true,
			RedirectURIs:   []store.RedirectURI{{URI: NativeClientRedirect, Kind: store.RedirectPublicClient}, {URI: "http://localhost", Kind: store.RedirectPublicClient}},
			RequiredScopes: []string{"User.Read", "Calendars.ReadWrite", "Mail.Read", "Mail.Send", "MailboxSettings.ReadWrite", "Tasks.ReadWrite", "Presence.Read", "Chat.Read"}},
			App{Key: "homeassistant", Note: "public client like the Home Assistant O365 integration: auth code + PKCE with the nativeclient page, device code; users consent at first sign-in"}, nil, nil},
		{store.App{AppID: WebAppID, DisplayName: "Contoso Web App", SignInAudience: store.AudienceMyOrg,
			RedirectURIs:   []store.RedirectURI{{URI: "https://localhost:5001/signin-oidc", Kind: store.RedirectWeb}, {URI: "http://localhost", Kind: store.RedirectWeb}},
			Secrets:        []store.ClientSecret{secret(webSecret)},
			RequiredScopes: []string{"User.Read", "Mail.Read", "Calendars.Read"}},
			App{Key: "webapp", Secret: webSecret, Note: "confidential web app with a secret; User.Read and Mail.Read admin-consented for the organization"}, nil, []string{"User.Read", "Mail.Read"}},
		{store.App{AppID: DaemonAppID, DisplayName: "Contoso Daemon", SignInAudience: store.AudienceMyOrg,
			Secrets:       []store.ClientSecret{secret(daemonSecret)},
			RequiredRoles: []string{"User.Read.All", "Mail.Read", "Mail.Send", "Calendars.ReadWrite", "Group.Read.All", "Presence.Read.All"}},
			App{Key: "daemon", Secret: daemonSecret, Note: "daemon (client credentials) with admin-consented application permissions"},
			[]string{"User.Read.All", "Mail.Read", "Mail.Send", "Calendars.ReadWrite", "Group.Read.All", "Presence.Read.All"}, nil},
		{store.App{AppID: APIAppID, DisplayName: "Contoso API", SignInAudience: store.AudienceMyOrg,
			RedirectURIs:   []store.RedirectURI{{URI: "http://localhost", Kind: store.RedirectWeb}},
			Secrets:        []store.ClientSecret{secret(apiSecret)},
			RequiredScopes: []string{"User.Read", "Mail.Read"}},
			App{Key: "api", Secret: apiSecret, Note: "a web API that calls Graph on behalf of its callers (on-behalf-of); User.Read and Mail.Read admin-consented"}, nil, []string{"User.Read", "Mail.Read"}},
	}
	for _, x := range apps {
		a := x.a
		a.TenantID, a.ObjectID, a.CreatedAt = TenantID, newID(), now
		if err := st.CreateApp(ctx, a); err != nil {
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
					g.ID, g.Scopes, g.CreatedAt, g.UpdatedAt = newID(), x.scopes, now, now
					return g, nil
				})
			if err != nil {
				return err
			}
		}
		da := x.da
		da.ClientID, da.DisplayName, da.PublicClient, da.SignInAudience = a.AppID, a.DisplayName, a.PublicClient, string(a.SignInAudience)
		for _, ru := range a.RedirectURIs {
			da.RedirectURIs = append(da.RedirectURIs, ru.URI)
		}
		da.Delegated, da.Application = a.RequiredScopes, a.RequiredRoles
		da.AdminConsented = append(append([]string(nil), x.roles...), x.scopes...)
		out.Apps = append(out.Apps, da)
	}
	return nil
}
