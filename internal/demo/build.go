package demo

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"time"

	"graphgate/internal/directory"
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
func describe(e entropy) *Tenant {
	out := &Tenant{TenantID: TenantID, Domain: TenantDomain, PersonalTenantID: store.PersonalTenantID}
	for _, us := range users {
		du := User{Key: us.key, ID: us.id, UserPrincipalName: us.upn, DisplayName: us.name, Kind: string(us.kind), Roles: roleNames(us.roles...), TenantID: tenantOf(us), Note: us.note}
		if us.kind != store.UserSharedMailbox {
			du.Password = e.password("password/" + us.key)
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
			da.Secret = e.secret("secret/"+da.Key, 30)
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
// with t's passwords and secrets. Directory objects and consent go through
// the directory service; apps are written here.
func build(ctx context.Context, st store.Store, o Options, t *Tenant) error {
	now := o.Now
	dir := directory.New(st, directory.Options{Passwords: o.Passwords, Now: func() time.Time { return now }})
	if _, err := dir.CreateTenant(ctx, store.Tenant{ID: TenantID, DisplayName: "Contoso", Kind: store.TenantWork, Domains: []string{TenantDomain}}); absent(err) != nil {
		return fmt.Errorf("demo tenant: %w", err)
	}
	if _, err := dir.CreateTenant(ctx, store.Tenant{ID: store.PersonalTenantID, DisplayName: "Microsoft Accounts", Kind: store.TenantPersonal,
		Domains: directory.PersonalDomains()}); absent(err) != nil {
		return fmt.Errorf("personal-accounts tenant: %w", err)
	}
	for _, us := range users {
		if err := seedUser(ctx, st, dir, us, t); err != nil {
			return fmt.Errorf("demo user %s: %w", us.upn, err)
		}
	}
	if err := seedGroups(ctx, dir); err != nil {
		return err
	}
	if err := seedApps(ctx, st, dir, o, t); err != nil {
		return err
	}
	if err := absent(seedWorkloads(ctx, st, now, newEntropy(o.Seed))); err != nil {
		return fmt.Errorf("demo workload data: %w", err)
	}
	return nil
}

// seedUser creates a demo user with the plan's password. A user another
// seeder (or an earlier attempt) created gets the plan's password unless
// it has it already.
func seedUser(ctx context.Context, st store.Store, dir *directory.Service, us userSpec, t *Tenant) error {
	tenant := tenantOf(us)
	u := store.User{ID: us.id, TenantID: tenant, UserPrincipalName: us.upn, DisplayName: us.name, GivenName: us.given, Surname: us.surname,
		Mail: us.upn, JobTitle: us.job, Department: us.dept, Kind: us.kind, AccountEnabled: us.kind != store.UserSharedMailbox,
		Roles: roleIDs(us.roles...), UsageLocation: "US", PreferredLanguage: "en-US"}
	if us.kind == store.UserGuest {
		u.Mail = "kim@fabrikam.com"
	}
	if us.key == "adele" || us.key == "megan" {
		u.ManagerID = users[0].id
	}
	pw := ""
	if du, ok := t.UserByKey(us.key); ok {
		pw = du.Password
	}
	_, err := dir.CreateUser(ctx, directory.NewUser{User: u, Password: pw})
	if !errors.Is(err, directory.ErrExists) || pw == "" {
		return absent(err)
	}
	cur, err := st.GetUser(ctx, tenant, u.ID)
	if errors.Is(err, store.ErrNotFound) {
		return nil // the principal name belongs to another object: leave it
	}
	if err != nil {
		return err
	}
	if ok, _ := password.Verify(pw, cur.PasswordHash); ok {
		return nil
	}
	_, err = dir.SetPassword(ctx, tenant, u.ID, pw)
	return err
}

func userID(key string) string {
	for _, u := range users {
		if u.key == key {
			return u.id
		}
	}
	panic("demo: no user " + key)
}

func seedGroups(ctx context.Context, dir *directory.Service) error {
	for _, gs := range groupSpecs {
		g := gs.g
		g.TenantID = TenantID
		ng := directory.NewGroup{Group: g}
		for _, k := range gs.owners {
			ng.Owners = append(ng.Owners, userID(k))
		}
		for _, k := range gs.members {
			ng.Members = append(ng.Members, userID(k))
		}
		_, err := dir.CreateGroup(ctx, ng)
		if errors.Is(err, directory.ErrExists) {
			// An earlier seeding's group (one from before groups were
			// created with their members at once may lack some): add what
			// it lacks.
			err = nil
			for _, m := range append(memberships(ng.Owners, store.RoleOwner), memberships(ng.Members, store.RoleMember)...) {
				m.ContainerID = g.ID
				if err = absent(dir.AddMember(ctx, m)); err != nil {
					break
				}
			}
		}
		if err != nil {
			return fmt.Errorf("demo group %s: %w", g.DisplayName, err)
		}
	}
	au := store.AdministrativeUnit{ID: "0a1b2c3d-4444-4a5b-8c6d-000000000001", TenantID: TenantID, DisplayName: "Seattle", Description: "Seattle office"}
	if _, err := dir.CreateAdministrativeUnit(ctx, au); absent(err) != nil {
		return err
	}
	return absent(dir.AddMember(ctx, store.Membership{TenantID: TenantID, ContainerID: au.ID, ContainerKind: store.ContainerAU, MemberID: userID("lynne"), Role: store.RoleMember}))
}

// memberships are the demo tenant's memberships of ids in one role.
func memberships(ids []string, role store.MemberRole) []store.Membership {
	var out []store.Membership
	for _, id := range ids {
		out = append(out, store.Membership{TenantID: TenantID, ContainerKind: store.ContainerGroup, MemberID: id, Role: role})
	}
	return out
}

func seedApps(ctx context.Context, st store.Store, dir *directory.Service, o Options, t *Tenant) error {
	now := o.Now
	for _, x := range appSpecs {
		a := x.a
		e := newEntropy(o.Seed)
		a.TenantID, a.ObjectID, a.CreatedAt = TenantID, e.id("app/"+x.da.Key), now
		var cred store.ClientSecret
		if da, ok := t.AppByKey(x.da.Key); ok && da.Secret != "" {
			cred = store.ClientSecret{ID: e.id("secret-id/" + x.da.Key), DisplayName: "demo", Hint: da.Secret[:3], Hash: o.SecretHash(da.Secret), ExpiresAt: now.AddDate(2, 0, 0), CreatedAt: now}
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
		// An administrator's consent: the service principal, the delegated
		// permissions for everyone, the application permissions.
		if err := dir.GrantAdminConsent(ctx, directory.AdminConsent{TenantID: TenantID, App: a, Delegated: x.scopes, Application: x.roles}); err != nil {
			return fmt.Errorf("demo consent for %s: %w", a.DisplayName, err)
		}
	}
	return nil
}
