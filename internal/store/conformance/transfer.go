package conformance

import (
	"bytes"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"graphgate/internal/store"
)

// Settings beyond SettingOrCreate, and whole tenants (store.Transfer).

var settingListTests = []test{
	{"GetPutList", func(t *testing.T, s store.Store) {
		ctx := t.Context()
		_, err := s.Setting(ctx, "missing")
		wantErr(t, err, store.ErrNotFound, "Setting of a missing name")
		must(t, s.PutSetting(ctx, "b", []byte("one")))
		must(t, s.PutSetting(ctx, "b", []byte("two")))
		got, err := s.Setting(ctx, "b")
		must(t, err)
		if string(got) != "two" {
			t.Errorf("Setting after two puts = %q, want %q", got, "two")
		}
		v, err := s.SettingOrCreate(ctx, "b", []byte("three"))
		must(t, err)
		if string(v) != "two" {
			t.Errorf("SettingOrCreate after PutSetting = %q, want %q", v, "two")
		}
		bin := []byte{0, 0xff, 0}
		must(t, s.PutSetting(ctx, "a", bin))
		must(t, s.PutSetting(ctx, "c", nil))
		all, err := s.ListSettings(ctx)
		must(t, err)
		check(t, "ListSettings", all, []store.Setting{{Name: "a", Value: bin}, {Name: "b", Value: []byte("two")}, {Name: "c", Value: []byte{}}})
	}},
}

// tenantFixture fills a store with one tenant holding one of everything
// (and a second tenant that must never appear in the first one's export),
// and returns the first tenant's data as ExportTenant must return it.
func tenantFixture(t *testing.T, s store.Store, suffix string) store.TenantData {
	t.Helper()
	ctx := t.Context()
	var d store.TenantData
	d.Tenant = newTenant("Contoso "+suffix, "contoso-"+suffix+".com", "contoso-"+suffix+".onmicrosoft.com")
	tid := d.Tenant.ID
	must(t, s.CreateTenant(ctx, d.Tenant))
	other := newTenant("Fabrikam "+suffix, "fabrikam-"+suffix+".com")
	must(t, s.CreateTenant(ctx, other))

	u1, u2 := newUser(tid, "adele@contoso-"+suffix+".com"), newUser(tid, "megan@contoso-"+suffix+".com")
	u2.Version = 7
	d.Users = sorted([]store.User{u1, u2}, func(u store.User) string { return u.ID })
	for _, u := range d.Users {
		must(t, s.CreateUser(ctx, u))
	}
	must(t, s.CreateUser(ctx, newUser(other.ID, "kim@fabrikam-"+suffix+".com")))
	g := newGroup(tid, "Marketing")
	d.Groups = []store.Group{g}
	must(t, s.CreateGroup(ctx, g))
	au := newAU(tid, "Seattle")
	d.AdministrativeUnits = []store.AdministrativeUnit{au}
	must(t, s.CreateAdministrativeUnit(ctx, au))
	ms := []store.Membership{
		{TenantID: tid, ContainerID: g.ID, ContainerKind: store.ContainerGroup, MemberID: u1.ID, Role: store.RoleMember},
		{TenantID: tid, ContainerID: g.ID, ContainerKind: store.ContainerGroup, MemberID: u2.ID, Role: store.RoleMember},
		{TenantID: tid, ContainerID: g.ID, ContainerKind: store.ContainerGroup, MemberID: u2.ID, Role: store.RoleOwner},
		{TenantID: tid, ContainerID: au.ID, ContainerKind: store.ContainerAU, MemberID: u1.ID, Role: store.RoleMember},
	}
	for _, m := range ms {
		must(t, s.AddMember(ctx, m))
	}
	d.Memberships = sorted(ms, func(m store.Membership) string { return m.ContainerID + " " + string(m.Role) + " " + m.MemberID })

	a1, a2 := newApp(tid, "Web"), newApp(tid, "Daemon")
	a2.Secrets, a2.Certificates, a2.RedirectURIs = nil, nil, nil
	d.Apps = sorted([]store.App{a1, a2}, func(a store.App) string { return a.AppID })
	for _, a := range d.Apps {
		must(t, s.CreateApp(ctx, a))
	}
	must(t, s.CreateApp(ctx, newApp(other.ID, "Elsewhere")))
	for _, a := range d.Apps {
		sp, err := s.EnsureServicePrincipal(ctx, tid, a.AppID, a.DisplayName)
		must(t, err)
		d.ServicePrincipals = append(d.ServicePrincipals, sp)
	}
	d.ServicePrincipals = sorted(d.ServicePrincipals, func(p store.ServicePrincipal) string { return p.AppID })
	for _, k := range []store.DelegatedGrant{
		{TenantID: tid, ClientID: a1.AppID, ConsentType: store.ConsentAllPrincipals},
		{TenantID: tid, ClientID: a1.AppID, ConsentType: store.ConsentPrincipal, PrincipalID: u1.ID},
	} {
		must(t, s.UpsertDelegatedGrant(ctx, k, func(g store.DelegatedGrant) (store.DelegatedGrant, error) {
			g.ID, g.Scopes, g.CreatedAt, g.UpdatedAt = newID(), []string{"User.Read", "Mail.Read"}, at(time.Minute), at(2*time.Minute)
			return g, nil
		}))
	}
	grants, err := s.ListDelegatedGrants(ctx, tid)
	must(t, err)
	d.DelegatedGrants = sorted(grants, func(g store.DelegatedGrant) string {
		return g.ClientID + " " + string(g.ConsentType) + " " + g.PrincipalID
	})
	for _, p := range []string{"User.Read.All", "Mail.Send"} {
		a := store.AppRoleAssignment{ID: newID(), TenantID: tid, ClientID: a2.AppID, Permission: p, CreatedAt: at(time.Hour)}
		must(t, s.AddAppRoleAssignment(ctx, a))
		d.AppRoleAssignments = append(d.AppRoleAssignments, a)
	}
	d.AppRoleAssignments = sorted(d.AppRoleAssignments, func(a store.AppRoleAssignment) string { return a.ClientID + " " + a.Permission })

	folder := newItem(tid, "mailFolder", u1.ID, "", `{"displayName":"Inbox"}`)
	msg := newMessage(tid, u1.ID, folder.ID, "Hello", 1, at(time.Hour), false)
	task := newItem(tid, "todoTask", u2.ID, "list", `{"title":"Ship it","n":1.5,"tags":["a"],"nested":{"x":null}}`)
	must(t, s.CreateItems(ctx, folder, msg, task, newItem(other.ID, "message", "x", "y", `{}`)))
	updated, err := s.UpdateItem(ctx, tid, "todoTask", task.ID, 0, func(it store.Item) (store.Item, error) {
		it.Doc = json.RawMessage(`{"title":"Shipped","n":1.5,"tags":["a"],"nested":{"x":null}}`)
		return it, nil
	})
	must(t, err)
	d.Items = sorted([]store.Item{folder, msg, updated}, func(it store.Item) string { return it.Kind + " " + it.ID })

	must(t, s.PutSetting(ctx, "identity.key", []byte{1, 2, 3}))
	must(t, s.PutSetting(ctx, "demo", []byte("{}")))
	d.Settings = []store.Setting{{Name: "demo", Value: []byte("{}")}, {Name: "identity.key", Value: []byte{1, 2, 3}}}
	k := newSigningKey(1)
	_, err = s.AddSigningKey(ctx, k)
	must(t, err)
	d.SigningKeys = []store.SigningKey{k}
	return d
}

// checkTenantData compares exported data with the expected data: items as
// checkItems does (documents as equivalent JSON), the rest as check does.
func checkTenantData(t *testing.T, what string, got, want store.TenantData) {
	t.Helper()
	checkItems(t, what+": Items", got.Items, want.Items)
	got.Items, want.Items = nil, nil
	check(t, what, got, want)
}

// rekey gives a tenant's data new keys (tenant, domains, user principal
// names, app ids), so that it can be imported next to the original.
func rekey(d store.TenantData, suffix string) store.TenantData {
	d.Tenant.ID = newID()
	var domains []string
	for _, dom := range d.Tenant.Domains {
		domains = append(domains, suffix+"."+dom)
	}
	d.Tenant.Domains = domains
	tid := d.Tenant.ID
	d.Users = append([]store.User(nil), d.Users...)
	for i := range d.Users {
		d.Users[i].TenantID = tid
		d.Users[i].UserPrincipalName = suffix + "." + d.Users[i].UserPrincipalName
	}
	d.Groups = append([]store.Group(nil), d.Groups...)
	for i := range d.Groups {
		d.Groups[i].TenantID = tid
	}
	d.AdministrativeUnits = append([]store.AdministrativeUnit(nil), d.AdministrativeUnits...)
	for i := range d.AdministrativeUnits {
		d.AdministrativeUnits[i].TenantID = tid
	}
	d.Memberships = append([]store.Membership(nil), d.Memberships...)
	for i := range d.Memberships {
		d.Memberships[i].TenantID = tid
	}
	appIDs := map[string]string{}
	d.Apps = append([]store.App(nil), d.Apps...)
	for i := range d.Apps {
		id := newID()
		appIDs[d.Apps[i].AppID] = id
		d.Apps[i].AppID, d.Apps[i].TenantID = id, tid
	}
	d.Apps = sorted(d.Apps, func(a store.App) string { return a.AppID })
	d.ServicePrincipals = append([]store.ServicePrincipal(nil), d.ServicePrincipals...)
	for i := range d.ServicePrincipals {
		p := &d.ServicePrincipals[i]
		p.ID, p.TenantID, p.AppID = newID(), tid, appIDs[p.AppID]
	}
	d.ServicePrincipals = sorted(d.ServicePrincipals, func(p store.ServicePrincipal) string { return p.AppID })
	d.DelegatedGrants = append([]store.DelegatedGrant(nil), d.DelegatedGrants...)
	for i := range d.DelegatedGrants {
		g := &d.DelegatedGrants[i]
		g.ID, g.TenantID, g.ClientID = newID(), tid, appIDs[g.ClientID]
	}
	d.DelegatedGrants = sorted(d.DelegatedGrants, func(g store.DelegatedGrant) string {
		return g.ClientID + " " + string(g.ConsentType) + " " + g.PrincipalID
	})
	d.AppRoleAssignments = append([]store.AppRoleAssignment(nil), d.AppRoleAssignments...)
	for i := range d.AppRoleAssignments {
		a := &d.AppRoleAssignments[i]
		a.ID, a.TenantID, a.ClientID = newID(), tid, appIDs[a.ClientID]
	}
	d.AppRoleAssignments = sorted(d.AppRoleAssignments, func(a store.AppRoleAssignment) string { return a.ClientID + " " + a.Permission })
	d.Items = append([]store.Item(nil), d.Items...)
	for i := range d.Items {
		d.Items[i].TenantID = tid
	}
	return d
}

var transferTests = []test{
	{"Export", func(t *testing.T, s store.Store) {
		ctx := t.Context()
		want := tenantFixture(t, s, "x")
		got, err := s.ExportTenant(ctx, want.Tenant.ID)
		must(t, err)
		checkTenantData(t, "ExportTenant", got, want)
		if got.Items[2].Version != 2 {
			t.Errorf("an updated item exported with version %d, want 2", got.Items[2].Version)
		}
		_, err = s.ExportTenant(ctx, newID())
		wantErr(t, err, store.ErrNotFound, "ExportTenant of a missing tenant")
	}},
	{"ImportNew", func(t *testing.T, s store.Store) {
		ctx := t.Context()
		d := tenantFixture(t, s, "x")
		// Into another store's tenant: new keys, an item with a high
		// version, a new setting and the same signing key (skipped).
		d2 := rekey(d, "copy")
		d2.Items[0].Version = 42
		d2.Settings = append(d2.Settings, store.Setting{Name: "zz", Value: []byte("new")})
		must(t, s.ImportTenant(ctx, d2, false))
		got, err := s.ExportTenant(ctx, d2.Tenant.ID)
		must(t, err)
		checkTenantData(t, "export of an imported tenant", got, d2)
		// The original is untouched.
		got, err = s.ExportTenant(ctx, d.Tenant.ID)
		must(t, err)
		d.Settings = d2.Settings
		checkTenantData(t, "export of the original tenant", got, d)
		// The imported objects work through the ordinary methods.
		u, err := s.UserByUPN(ctx, d2.Users[0].UserPrincipalName)
		must(t, err)
		check(t, "UserByUPN of an imported user", u, d2.Users[0])
		tn, err := s.TenantByDomain(ctx, d2.Tenant.Domains[1])
		must(t, err)
		check(t, "TenantByDomain of an imported tenant", tn, d2.Tenant)
		a, err := s.GetApp(ctx, d2.Apps[0].AppID)
		must(t, err)
		check(t, "GetApp of an imported app", a, d2.Apps[0])
	}},
	{"ImportExistingRefused", func(t *testing.T, s store.Store) {
		ctx := t.Context()
		d := tenantFixture(t, s, "x")
		before, err := s.ExportTenant(ctx, d.Tenant.ID)
		must(t, err)
		changed := d
		changed.Tenant.DisplayName = "Changed"
		changed.Users = nil
		wantErr(t, s.ImportTenant(ctx, changed, false), store.ErrConflict, "ImportTenant of an existing tenant without replace")
		after, err := s.ExportTenant(ctx, d.Tenant.ID)
		must(t, err)
		checkTenantData(t, "tenant after a refused import", after, before)
	}},
	{"ImportReplace", func(t *testing.T, s store.Store) {
		ctx := t.Context()
		d := tenantFixture(t, s, "x")
		tid := d.Tenant.ID
		must(t, s.CreateAuthCode(ctx, newAuthCode("code", tid, d.Apps[0].AppID, d.Users[0].ID)))
		must(t, s.CreateRefreshToken(ctx, newRefreshToken("rt", "family", tid, d.Apps[0].AppID, d.Users[0].ID)))
		must(t, s.CreateRefreshToken(ctx, newRefreshToken("other rt", "family 2", newID(), d.Apps[0].AppID, d.Users[0].ID)))
		if _, err := s.UpsertLockout(ctx, tid, d.Users[0].ID, func(store.Lockout) (store.Lockout, error) { return newLockout(tid, d.Users[0].ID), nil }); err != nil {
			t.Fatal(err)
		}
		// A smaller tenant replaces it: one user, no groups, one item.
		small := d
		small.Tenant.DisplayName = "Contoso (restored)"
		small.Tenant.Domains = []string{"restored.example"}
		small.Users = d.Users[:1]
		small.Groups, small.AdministrativeUnits, small.Memberships = nil, nil, nil
		small.Apps, small.ServicePrincipals, small.DelegatedGrants, small.AppRoleAssignments = d.Apps[:1], nil, nil, nil
		small.Items = d.Items[:1]
		must(t, s.ImportTenant(ctx, small, true))
		got, err := s.ExportTenant(ctx, tid)
		must(t, err)
		checkTenantData(t, "export after replacing", got, small)
		if _, err := s.TenantByDomain(ctx, d.Tenant.Domains[0]); err == nil {
			t.Error("a replaced tenant's old domain still finds it")
		}
		_, err = s.GetRefreshToken(ctx, hash("rt"))
		wantErr(t, err, store.ErrNotFound, "a refresh token of the replaced tenant")
		_, err = getAuthCode(ctx, s, hash("code"))
		wantErr(t, err, store.ErrNotFound, "a code of the replaced tenant")
		_, err = s.GetLockout(ctx, tid, d.Users[0].ID)
		wantErr(t, err, store.ErrNotFound, "lockout state of the replaced tenant")
		_, err = s.GetRefreshToken(ctx, hash("other rt"))
		must(t, err)
		// The other tenant keeps its user.
		_, err = s.UserByUPN(ctx, "kim@fabrikam-x.com")
		must(t, err)
	}},
	{"ImportAtomic", func(t *testing.T, s store.Store) {
		ctx := t.Context()
		d := tenantFixture(t, s, "x")
		before, err := s.ExportTenant(ctx, d.Tenant.ID)
		must(t, err)
		for _, tc := range []struct {
			name   string
			change func(*store.TenantData)
		}{
			{"a user principal name of another tenant", func(c *store.TenantData) {
				u := c.Users[0]
				u.ID, u.UserPrincipalName = newID(), "kim@fabrikam-x.com"
				c.Users = append(append([]store.User(nil), c.Users...), u)
			}},
			{"a duplicate item", func(c *store.TenantData) {
				c.Items = append(append([]store.Item(nil), c.Items...), c.Items[0])
			}},
			{"another key in a signing key's generation", func(c *store.TenantData) {
				c.SigningKeys = []store.SigningKey{newSigningKey(1)}
			}},
			{"a domain of another tenant", func(c *store.TenantData) {
				c.Tenant.Domains = []string{"fabrikam-x.com"}
			}},
		} {
			c := d
			c.Tenant.DisplayName = "Half-imported"
			c.Settings = []store.Setting{{Name: "identity.key", Value: []byte("changed")}}
			tc.change(&c)
			wantErr(t, s.ImportTenant(ctx, c, true), store.ErrConflict, "ImportTenant with "+tc.name)
			after, err := s.ExportTenant(ctx, d.Tenant.ID)
			must(t, err)
			checkTenantData(t, "tenant after an import with "+tc.name, after, before)
		}
		v, err := s.Setting(ctx, "identity.key")
		must(t, err)
		if !bytes.Equal(v, []byte{1, 2, 3}) {
			t.Errorf("a failed import changed a setting to %q", v)
		}
	}},
	{"ImportLarge", func(t *testing.T, s store.Store) {
		ctx := t.Context()
		tn := newTenant("Big", "big.example")
		d := store.TenantData{Tenant: tn}
		for i := range 2000 {
			it := newItem(tn.ID, "message", "owner", "folder", fmt.Sprintf(`{"n":%d}`, i))
			d.Items = append(d.Items, it)
		}
		d.Items = sorted(d.Items, func(it store.Item) string { return it.ID })
		must(t, s.ImportTenant(ctx, d, false))
		got, err := s.ExportTenant(ctx, tn.ID)
		must(t, err)
		if len(got.Items) != len(d.Items) {
			t.Fatalf("exported %d items, imported %d", len(got.Items), len(d.Items))
		}
		checkTenantData(t, "a large import", got, d)
	}},
}
