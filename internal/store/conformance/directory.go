package conformance

import (
	"fmt"
	"slices"
	"testing"

	"graphgate/internal/store"
)

var tenantTests = []test{
	{"CreateGet", func(t *testing.T, s store.Store) {
		ctx := t.Context()
		work := newTenant("Contoso", "contoso.onmicrosoft.com", "Contoso.com", "sales.contoso.com")
		personal := store.Tenant{ID: store.PersonalTenantID, DisplayName: "Personal accounts", Kind: store.TenantPersonal, CreatedAt: at(0)}
		for _, want := range []store.Tenant{work, personal} {
			must(t, s.CreateTenant(ctx, want))
			got, err := s.GetTenant(ctx, want.ID)
			must(t, err)
			check(t, "GetTenant", got, want)
		}
	}},
	{"CreateDuplicate", func(t *testing.T, s store.Store) {
		ctx := t.Context()
		a := newTenant("Contoso", "contoso.onmicrosoft.com")
		must(t, s.CreateTenant(ctx, a))
		b := newTenant("Fabrikam", "fabrikam.onmicrosoft.com")
		b.ID = a.ID
		wantErr(t, s.CreateTenant(ctx, b), store.ErrConflict, "CreateTenant with an existing id")
		_, err := s.TenantByDomain(ctx, "fabrikam.onmicrosoft.com")
		wantErr(t, err, store.ErrNotFound, "domain of the tenant that was not created")
	}},
	{"DomainOfAnotherTenant", func(t *testing.T, s store.Store) {
		// A domain belongs to one tenant; the failed create changes nothing.
		ctx := t.Context()
		a := newTenant("Contoso", "contoso.onmicrosoft.com", "contoso.com")
		must(t, s.CreateTenant(ctx, a))
		b := newTenant("Fabrikam", "fabrikam.onmicrosoft.com", "CONTOSO.COM")
		wantErr(t, s.CreateTenant(ctx, b), store.ErrConflict, "CreateTenant with another tenant's domain")
		_, err := s.GetTenant(ctx, b.ID)
		wantErr(t, err, store.ErrNotFound, "GetTenant after the failed create")
		_, err = s.TenantByDomain(ctx, "fabrikam.onmicrosoft.com")
		wantErr(t, err, store.ErrNotFound, "TenantByDomain after the failed create")
	}},
	{"TenantByDomain", func(t *testing.T, s store.Store) {
		ctx := t.Context()
		a := newTenant("Contoso", "contoso.onmicrosoft.com", "Contoso.com")
		b := newTenant("Fabrikam", "fabrikam.onmicrosoft.com")
		must(t, s.CreateTenant(ctx, a))
		must(t, s.CreateTenant(ctx, b))
		for _, tc := range []struct {
			domain string
			want   *store.Tenant
		}{
			{"contoso.onmicrosoft.com", &a},
			{"Contoso.OnMicrosoft.COM", &a},
			{"contoso.com", &a},
			{"CONTOSO.COM", &a},
			{"fabrikam.onmicrosoft.com", &b},
			{"FABRIKAM.onmicrosoft.com", &b},
			{"fabrikam.com", nil},
			{"onmicrosoft.com", nil},
			{"", nil},
		} {
			got, err := s.TenantByDomain(ctx, tc.domain)
			if tc.want == nil {
				wantErr(t, err, store.ErrNotFound, "TenantByDomain("+tc.domain+")")
				continue
			}
			must(t, err)
			check(t, "TenantByDomain("+tc.domain+")", got, *tc.want)
		}
	}},
	{"List", func(t *testing.T, s store.Store) {
		ctx := t.Context()
		var want []store.Tenant
		for i := range 3 {
			tn := newTenant(fmt.Sprint("Tenant ", i), fmt.Sprintf("t%d.onmicrosoft.com", i), fmt.Sprintf("t%d.example", i))
			must(t, s.CreateTenant(ctx, tn))
			want = append(want, tn)
		}
		got, err := s.ListTenants(ctx)
		must(t, err)
		byID := func(tn store.Tenant) string { return tn.ID }
		check(t, "ListTenants", sorted(got, byID), sorted(want, byID))
	}},
	{"Update", func(t *testing.T, s store.Store) {
		ctx := t.Context()
		tn := newTenant("Contoso", "contoso.onmicrosoft.com", "contoso.com")
		must(t, s.CreateTenant(ctx, tn))
		want := tn
		want.DisplayName = "Contoso Ltd"
		want.Domains = []string{"contoso.onmicrosoft.com", "contoso.org", "Contoso.NET"}
		must(t, s.UpdateTenant(ctx, tn.ID, func(cur store.Tenant) (store.Tenant, error) {
			check(t, "the closure's tenant", cur, tn)
			cur.DisplayName = want.DisplayName
			cur.Domains = want.Domains
			return cur, nil
		}))
		got, err := s.GetTenant(ctx, tn.ID)
		must(t, err)
		check(t, "GetTenant after update", got, want)
		_, err = s.TenantByDomain(ctx, "contoso.com")
		wantErr(t, err, store.ErrNotFound, "TenantByDomain of a removed domain")
		got, err = s.TenantByDomain(ctx, "contoso.net")
		must(t, err)
		check(t, "TenantByDomain of an added domain", got, want)
	}},
	{"UpdateDomainOfAnotherTenant", func(t *testing.T, s store.Store) {
		ctx := t.Context()
		a := newTenant("Contoso", "contoso.onmicrosoft.com", "contoso.com")
		b := newTenant("Fabrikam", "fabrikam.onmicrosoft.com")
		must(t, s.CreateTenant(ctx, a))
		must(t, s.CreateTenant(ctx, b))
		err := s.UpdateTenant(ctx, b.ID, func(cur store.Tenant) (store.Tenant, error) {
			cur.DisplayName = "Fabrikam Inc"
			cur.Domains = []string{"fabrikam.onmicrosoft.com", "Contoso.com"}
			return cur, nil
		})
		wantErr(t, err, store.ErrConflict, "UpdateTenant taking another tenant's domain")
		got, err := s.GetTenant(ctx, b.ID)
		must(t, err)
		check(t, "GetTenant after the failed update", got, b)
		got, err = s.TenantByDomain(ctx, "contoso.com")
		must(t, err)
		check(t, "owner of the contested domain", got, a)
	}},
}

var userTests = []test{
	{"CreateGet", func(t *testing.T, s store.Store) {
		ctx := t.Context()
		u := newUser(newID(), "AdeleV@contoso.onmicrosoft.com")
		must(t, s.CreateUser(ctx, u))
		got, err := s.GetUser(ctx, u.TenantID, u.ID)
		must(t, err)
		check(t, "GetUser", got, u)

		// Zero values round-trip too: no lists, disabled, no password.
		bare := store.User{ID: newID(), TenantID: u.TenantID, UserPrincipalName: "shared@contoso.com", Kind: store.UserSharedMailbox, Version: 1}
		must(t, s.CreateUser(ctx, bare))
		got, err = s.GetUser(ctx, bare.TenantID, bare.ID)
		must(t, err)
		check(t, "GetUser of a bare user", got, bare)
	}},
	{"CreateDuplicateID", func(t *testing.T, s store.Store) {
		ctx := t.Context()
		u := newUser(newID(), "adelev@contoso.com")
		must(t, s.CreateUser(ctx, u))
		v := newUser(u.TenantID, "alexw@contoso.com")
		v.ID = u.ID
		wantErr(t, s.CreateUser(ctx, v), store.ErrConflict, "CreateUser with an existing id")
		_, err := s.UserByUPN(ctx, v.UserPrincipalName)
		wantErr(t, err, store.ErrNotFound, "UserByUPN of the user that was not created")
	}},
	{"CreateDuplicateUPN", func(t *testing.T, s store.Store) {
		// UPNs are unique across the store, case-insensitively.
		ctx := t.Context()
		u := newUser(newID(), "AdeleV@contoso.com")
		must(t, s.CreateUser(ctx, u))
		v := newUser(newID(), "adelev@CONTOSO.com")
		wantErr(t, s.CreateUser(ctx, v), store.ErrConflict, "CreateUser with an existing UPN in another tenant")
		_, err := s.GetUser(ctx, v.TenantID, v.ID)
		wantErr(t, err, store.ErrNotFound, "GetUser of the user that was not created")
	}},
	{"UserByUPN", func(t *testing.T, s store.Store) {
		ctx := t.Context()
		a := newUser(newID(), "AdeleV@Contoso.com")
		b := newUser(newID(), "meganb@fabrikam.com")
		must(t, s.CreateUser(ctx, a))
		must(t, s.CreateUser(ctx, b))
		for _, tc := range []struct {
			upn  string
			want *store.User
		}{
			{"AdeleV@Contoso.com", &a},
			{"adelev@contoso.com", &a},
			{"ADELEV@CONTOSO.COM", &a},
			{"meganb@fabrikam.com", &b},
			{"MeganB@Fabrikam.com", &b},
			{"adelev@fabrikam.com", nil},
			{"adelev", nil},
			{"", nil},
		} {
			got, err := s.UserByUPN(ctx, tc.upn)
			if tc.want == nil {
				wantErr(t, err, store.ErrNotFound, "UserByUPN("+tc.upn+")")
				continue
			}
			must(t, err)
			check(t, "UserByUPN("+tc.upn+")", got, *tc.want)
		}
	}},
	{"GetInAnotherTenant", func(t *testing.T, s store.Store) {
		ctx := t.Context()
		u := newUser(newID(), "adelev@contoso.com")
		must(t, s.CreateUser(ctx, u))
		_, err := s.GetUser(ctx, newID(), u.ID)
		wantErr(t, err, store.ErrNotFound, "GetUser in another tenant")
		err = s.UpdateUser(ctx, newID(), u.ID, func(u store.User) (store.User, error) { return u, nil })
		wantErr(t, err, store.ErrNotFound, "UpdateUser in another tenant")
		wantErr(t, s.DeleteUser(ctx, newID(), u.ID), store.ErrNotFound, "DeleteUser in another tenant")
	}},
	{"ListPaging", func(t *testing.T, s store.Store) {
		ctx := t.Context()
		tenant := newID()
		var users []store.User
		for i := range 7 {
			u := newUser(tenant, fmt.Sprintf("user%d@contoso.com", i))
			must(t, s.CreateUser(ctx, u))
			users = append(users, u)
		}
		must(t, s.CreateUser(ctx, newUser(newID(), "other@fabrikam.com")))
		users = sorted(users, func(u store.User) string { return u.ID })
		testPaging(t, users, func(u store.User) string { return u.ID }, func(after string, limit int) ([]store.User, error) {
			return s.ListUsers(ctx, tenant, after, limit)
		})
	}},
	{"Update", func(t *testing.T, s store.Store) {
		ctx := t.Context()
		u := newUser(newID(), "adelev@contoso.com")
		must(t, s.CreateUser(ctx, u))
		want := u
		want.UserPrincipalName = "Adele.Vance@contoso.com"
		want.JobTitle = "Store Manager"
		want.BusinessPhones = []string{"+1 425 555 0199"}
		want.Roles = nil
		want.AccountEnabled = false
		want.Version = u.Version + 1
		must(t, s.UpdateUser(ctx, u.TenantID, u.ID, func(cur store.User) (store.User, error) {
			check(t, "the closure's user", cur, u)
			cur.UserPrincipalName = want.UserPrincipalName
			cur.JobTitle = want.JobTitle
			cur.BusinessPhones = want.BusinessPhones
			cur.Roles = nil
			cur.AccountEnabled = false
			cur.Version = 42 // the store, not the closure, sets the version
			return cur, nil
		}))
		got, err := s.GetUser(ctx, u.TenantID, u.ID)
		must(t, err)
		check(t, "GetUser after update", got, want)

		must(t, s.UpdateUser(ctx, u.TenantID, u.ID, func(cur store.User) (store.User, error) { return cur, nil }))
		got, err = s.GetUser(ctx, u.TenantID, u.ID)
		must(t, err)
		if got.Version != u.Version+2 {
			t.Errorf("Version after two updates = %d, want %d", got.Version, u.Version+2)
		}

		_, err = s.UserByUPN(ctx, "adelev@contoso.com")
		wantErr(t, err, store.ErrNotFound, "UserByUPN of the old UPN")
		got, err = s.UserByUPN(ctx, "adele.vance@CONTOSO.com")
		must(t, err)
		if got.ID != u.ID {
			t.Errorf("UserByUPN of the new UPN = %s, want %s", got.ID, u.ID)
		}
	}},
	{"UpdateToTakenUPN", func(t *testing.T, s store.Store) {
		ctx := t.Context()
		a := newUser(newID(), "adelev@contoso.com")
		b := newUser(a.TenantID, "alexw@contoso.com")
		must(t, s.CreateUser(ctx, a))
		must(t, s.CreateUser(ctx, b))
		err := s.UpdateUser(ctx, b.TenantID, b.ID, func(cur store.User) (store.User, error) {
			cur.UserPrincipalName = "AdeleV@contoso.com"
			cur.JobTitle = "changed"
			return cur, nil
		})
		wantErr(t, err, store.ErrConflict, "UpdateUser to another user's UPN")
		got, err := s.GetUser(ctx, b.TenantID, b.ID)
		must(t, err)
		check(t, "GetUser after the failed update", got, b)
	}},
	{"UpdateConcurrent", func(t *testing.T, s store.Store) {
		// Read-modify-write through the closure loses no update.
		ctx := t.Context()
		u := newUser(newID(), "adelev@contoso.com")
		u.BusinessPhones = nil
		must(t, s.CreateUser(ctx, u))
		const n = 10
		errs := concurrently(n, func(i int) error {
			return s.UpdateUser(ctx, u.TenantID, u.ID, func(cur store.User) (store.User, error) {
				cur.BusinessPhones = append(cur.BusinessPhones, fmt.Sprint("phone ", i))
				return cur, nil
			})
		})
		for _, err := range errs {
			must(t, err)
		}
		got, err := s.GetUser(ctx, u.TenantID, u.ID)
		must(t, err)
		if len(got.BusinessPhones) != n || got.Version != u.Version+n {
			t.Errorf("after %d concurrent updates: %d phones, version %d; want %d phones, version %d",
				n, len(got.BusinessPhones), got.Version, n, u.Version+n)
		}
	}},
	{"Delete", func(t *testing.T, s store.Store) {
		ctx := t.Context()
		tenant := newID()
		u := newUser(tenant, "adelev@contoso.com")
		other := newUser(tenant, "alexw@contoso.com")
		must(t, s.CreateUser(ctx, u))
		must(t, s.CreateUser(ctx, other))
		g := newGroup(tenant, "Retail")
		au := newAU(tenant, "Seattle")
		must(t, s.CreateGroup(ctx, g))
		must(t, s.CreateAdministrativeUnit(ctx, au))
		for _, m := range []store.Membership{
			{TenantID: tenant, ContainerID: g.ID, ContainerKind: store.ContainerGroup, MemberID: u.ID, Role: store.RoleMember},
			{TenantID: tenant, ContainerID: g.ID, ContainerKind: store.ContainerGroup, MemberID: u.ID, Role: store.RoleOwner},
			{TenantID: tenant, ContainerID: au.ID, ContainerKind: store.ContainerAU, MemberID: u.ID, Role: store.RoleMember},
			{TenantID: tenant, ContainerID: g.ID, ContainerKind: store.ContainerGroup, MemberID: other.ID, Role: store.RoleMember},
		} {
			must(t, s.AddMember(ctx, m))
		}

		must(t, s.DeleteUser(ctx, tenant, u.ID))
		_, err := s.GetUser(ctx, tenant, u.ID)
		wantErr(t, err, store.ErrNotFound, "GetUser after DeleteUser")
		_, err = s.UserByUPN(ctx, u.UserPrincipalName)
		wantErr(t, err, store.ErrNotFound, "UserByUPN after DeleteUser")
		wantErr(t, s.DeleteUser(ctx, tenant, u.ID), store.ErrNotFound, "DeleteUser twice")
		for _, role := range []store.MemberRole{store.RoleMember, store.RoleOwner} {
			ms, err := s.MemberOf(ctx, tenant, u.ID, role)
			must(t, err)
			if len(ms) != 0 {
				t.Errorf("MemberOf(%s) of a deleted user = %+v, want none", role, ms)
			}
		}
		ms, err := s.Members(ctx, tenant, g.ID, store.RoleMember)
		must(t, err)
		check(t, "Members of the group after DeleteUser", ms, []store.Membership{
			{TenantID: tenant, ContainerID: g.ID, ContainerKind: store.ContainerGroup, MemberID: other.ID, Role: store.RoleMember},
		})
		// The UPN is free again.
		must(t, s.CreateUser(ctx, newUser(tenant, "AdeleV@contoso.com")))
	}},
}

// testPaging checks a list ordered by id, after a given id, at most limit.
// all is every item of the list, in id order.
func testPaging[T any](t *testing.T, all []T, id func(T) string, list func(after string, limit int) ([]T, error)) {
	t.Helper()
	ids := make([]string, len(all))
	for i, v := range all {
		ids[i] = id(v)
	}
	for _, tc := range []struct {
		after      string
		limit      int
		start, end int // the expected page is all[start:end]
	}{
		{"", 0, 0, 7},
		{"", 3, 0, 3},
		{"", 7, 0, 7},
		{"", 100, 0, 7},
		{ids[2], 3, 3, 6},
		{ids[3], 0, 4, 7},
		{ids[5], 3, 6, 7},
		{ids[6], 0, 7, 7},
		{ids[6], 5, 7, 7},
		{ids[1] + "~", 2, 2, 4}, // after an id that is not in the list
	} {
		got, err := list(tc.after, tc.limit)
		must(t, err)
		check(t, fmt.Sprintf("page after %q limit %d", tc.after, tc.limit), got, slices.Clip(all[tc.start:tc.end]))
	}

	// Walking the pages visits every item once.
	var walked []string
	for after := ""; ; {
		page, err := list(after, 2)
		must(t, err)
		if len(page) == 0 {
			break
		}
		for _, v := range page {
			walked = append(walked, id(v))
		}
		after = id(page[len(page)-1])
	}
	if !slices.Equal(walked, ids) {
		t.Errorf("walking pages of 2 visited %v, want %v", walked, ids)
	}
}

var groupTests = []test{
	{"CreateGet", func(t *testing.T, s store.Store) {
		ctx := t.Context()
		g := newGroup(newID(), "Retail")
		must(t, s.CreateGroup(ctx, g))
		got, err := s.GetGroup(ctx, g.TenantID, g.ID)
		must(t, err)
		check(t, "GetGroup", got, g)

		sec := store.Group{ID: newID(), TenantID: g.TenantID, DisplayName: "Admins", SecurityEnabled: true, Visibility: store.VisibilityHiddenMembership, CreatedAt: at(0), Version: 1}
		must(t, s.CreateGroup(ctx, sec))
		got, err = s.GetGroup(ctx, sec.TenantID, sec.ID)
		must(t, err)
		check(t, "GetGroup of a security group", got, sec)

		_, err = s.GetGroup(ctx, newID(), g.ID)
		wantErr(t, err, store.ErrNotFound, "GetGroup in another tenant")
	}},
	{"CreateDuplicate", func(t *testing.T, s store.Store) {
		ctx := t.Context()
		g := newGroup(newID(), "Retail")
		must(t, s.CreateGroup(ctx, g))
		h := newGroup(g.TenantID, "Sales")
		h.ID = g.ID
		wantErr(t, s.CreateGroup(ctx, h), store.ErrConflict, "CreateGroup with an existing id")
	}},
	{"CreateWithMembers", func(t *testing.T, s store.Store) {
		ctx := t.Context()
		g := newGroup(newID(), "Retail")
		owner, member := newID(), newID()
		// Only MemberID and Role count: the backend puts the memberships
		// in the group's tenant and container.
		must(t, s.CreateGroup(ctx, g,
			store.Membership{MemberID: owner, Role: store.RoleOwner},
			store.Membership{TenantID: newID(), ContainerID: newID(), ContainerKind: store.ContainerAU, MemberID: member, Role: store.RoleMember},
			store.Membership{MemberID: owner, Role: store.RoleMember}))
		got, err := s.GetGroup(ctx, g.TenantID, g.ID)
		must(t, err)
		check(t, "GetGroup", got, g)
		in := func(id string, role store.MemberRole) store.Membership {
			return store.Membership{TenantID: g.TenantID, ContainerID: g.ID, ContainerKind: store.ContainerGroup, MemberID: id, Role: role}
		}
		byMember := func(x store.Membership) string { return x.MemberID }
		ms, err := s.Members(ctx, g.TenantID, g.ID, store.RoleMember)
		must(t, err)
		check(t, "members", sorted(ms, byMember), sorted([]store.Membership{in(owner, store.RoleMember), in(member, store.RoleMember)}, byMember))
		os, err := s.Members(ctx, g.TenantID, g.ID, store.RoleOwner)
		must(t, err)
		check(t, "owners", os, []store.Membership{in(owner, store.RoleOwner)})
	}},
	{"CreateWithMembersAtomic", func(t *testing.T, s store.Store) {
		ctx := t.Context()
		g := newGroup(newID(), "Retail")
		m := store.Membership{MemberID: newID(), Role: store.RoleMember}
		wantErr(t, s.CreateGroup(ctx, g, m, store.Membership{MemberID: newID(), Role: store.RoleOwner}, m), store.ErrConflict,
			"CreateGroup with a membership twice")
		_, err := s.GetGroup(ctx, g.TenantID, g.ID)
		wantErr(t, err, store.ErrNotFound, "GetGroup after a failed CreateGroup")
		for _, role := range []store.MemberRole{store.RoleMember, store.RoleOwner} {
			ms, err := s.Members(ctx, g.TenantID, g.ID, role)
			must(t, err)
			check(t, "memberships after a failed CreateGroup ("+string(role)+")", ms, nil)
		}
		// An existing id stores no memberships either.
		must(t, s.CreateGroup(ctx, g))
		h := newGroup(g.TenantID, "Sales")
		h.ID = g.ID
		wantErr(t, s.CreateGroup(ctx, h, m), store.ErrConflict, "CreateGroup with an existing id and members")
		ms, err := s.Members(ctx, g.TenantID, g.ID, store.RoleMember)
		must(t, err)
		check(t, "members after a conflicting CreateGroup", ms, nil)
	}},
	{"ListPaging", func(t *testing.T, s store.Store) {
		ctx := t.Context()
		tenant := newID()
		var groups []store.Group
		for i := range 7 {
			g := newGroup(tenant, fmt.Sprint("Group", i))
			must(t, s.CreateGroup(ctx, g))
			groups = append(groups, g)
		}
		must(t, s.CreateGroup(ctx, newGroup(newID(), "Elsewhere")))
		groups = sorted(groups, func(g store.Group) string { return g.ID })
		testPaging(t, groups, func(g store.Group) string { return g.ID }, func(after string, limit int) ([]store.Group, error) {
			return s.ListGroups(ctx, tenant, after, limit)
		})
	}},
	{"Update", func(t *testing.T, s store.Store) {
		ctx := t.Context()
		g := newGroup(newID(), "Retail")
		must(t, s.CreateGroup(ctx, g))
		want := g
		want.DisplayName = "Retail (EMEA)"
		want.GroupTypes = nil
		want.Visibility = store.VisibilityPublic
		want.SecurityEnabled = true
		want.Version = g.Version + 1
		must(t, s.UpdateGroup(ctx, g.TenantID, g.ID, func(cur store.Group) (store.Group, error) {
			check(t, "the closure's group", cur, g)
			cur.DisplayName = want.DisplayName
			cur.GroupTypes = nil
			cur.Visibility = want.Visibility
			cur.SecurityEnabled = true
			cur.Version = 42
			return cur, nil
		}))
		got, err := s.GetGroup(ctx, g.TenantID, g.ID)
		must(t, err)
		check(t, "GetGroup after update", got, want)
	}},
	{"Delete", func(t *testing.T, s store.Store) {
		ctx := t.Context()
		g := newGroup(newID(), "Retail")
		keep := newGroup(g.TenantID, "Sales")
		must(t, s.CreateGroup(ctx, g))
		must(t, s.CreateGroup(ctx, keep))
		must(t, s.DeleteGroup(ctx, g.TenantID, g.ID))
		_, err := s.GetGroup(ctx, g.TenantID, g.ID)
		wantErr(t, err, store.ErrNotFound, "GetGroup after DeleteGroup")
		wantErr(t, s.DeleteGroup(ctx, g.TenantID, g.ID), store.ErrNotFound, "DeleteGroup twice")
		wantErr(t, s.DeleteGroup(ctx, newID(), keep.ID), store.ErrNotFound, "DeleteGroup in another tenant")
		got, err := s.GetGroup(ctx, keep.TenantID, keep.ID)
		must(t, err)
		check(t, "the other group", got, keep)
	}},
}

var auTests = []test{
	{"CreateGetList", func(t *testing.T, s store.Store) {
		ctx := t.Context()
		tenant := newID()
		a := newAU(tenant, "Seattle")
		b := newAU(tenant, "Paris")
		b.Visibility = ""
		for _, au := range []store.AdministrativeUnit{a, b, newAU(newID(), "Elsewhere")} {
			must(t, s.CreateAdministrativeUnit(ctx, au))
		}
		got, err := s.GetAdministrativeUnit(ctx, tenant, a.ID)
		must(t, err)
		check(t, "GetAdministrativeUnit", got, a)
		_, err = s.GetAdministrativeUnit(ctx, newID(), a.ID)
		wantErr(t, err, store.ErrNotFound, "GetAdministrativeUnit in another tenant")
		list, err := s.ListAdministrativeUnits(ctx, tenant)
		must(t, err)
		byID := func(au store.AdministrativeUnit) string { return au.ID }
		check(t, "ListAdministrativeUnits", sorted(list, byID), sorted([]store.AdministrativeUnit{a, b}, byID))
	}},
	{"CreateDuplicate", func(t *testing.T, s store.Store) {
		ctx := t.Context()
		a := newAU(newID(), "Seattle")
		must(t, s.CreateAdministrativeUnit(ctx, a))
		b := newAU(a.TenantID, "Paris")
		b.ID = a.ID
		wantErr(t, s.CreateAdministrativeUnit(ctx, b), store.ErrConflict, "CreateAdministrativeUnit with an existing id")
	}},
}

var membershipTests = []test{
	{"MembersAndMemberOf", func(t *testing.T, s store.Store) {
		ctx := t.Context()
		tenant := newID()
		u1, u2, g, g2, au := newID(), newID(), newID(), newID(), newID()
		m := func(container string, kind store.ContainerKind, member string, role store.MemberRole) store.Membership {
			return store.Membership{TenantID: tenant, ContainerID: container, ContainerKind: kind, MemberID: member, Role: role}
		}
		u1InG := m(g, store.ContainerGroup, u1, store.RoleMember)
		u2InG := m(g, store.ContainerGroup, u2, store.RoleMember)
		g2InG := m(g, store.ContainerGroup, g2, store.RoleMember)
		u1OwnsG := m(g, store.ContainerGroup, u1, store.RoleOwner)
		u1InAU := m(au, store.ContainerAU, u1, store.RoleMember)
		g2InAU := m(au, store.ContainerAU, g2, store.RoleMember)
		u2OwnsG2 := m(g2, store.ContainerGroup, u2, store.RoleOwner)
		for _, x := range []store.Membership{u1InG, u2InG, g2InG, u1OwnsG, u1InAU, g2InAU, u2OwnsG2} {
			must(t, s.AddMember(ctx, x))
		}
		// Another tenant's membership with the same ids is separate.
		must(t, s.AddMember(ctx, store.Membership{TenantID: newID(), ContainerID: g, ContainerKind: store.ContainerGroup, MemberID: newID(), Role: store.RoleMember}))

		byMember := func(x store.Membership) string { return x.MemberID }
		byContainer := func(x store.Membership) string { return x.ContainerID }
		for _, tc := range []struct {
			name string
			list func() ([]store.Membership, error)
			key  func(store.Membership) string
			want []store.Membership
		}{
			{"members of g", func() ([]store.Membership, error) { return s.Members(ctx, tenant, g, store.RoleMember) }, byMember, []store.Membership{u1InG, u2InG, g2InG}},
			{"owners of g", func() ([]store.Membership, error) { return s.Members(ctx, tenant, g, store.RoleOwner) }, byMember, []store.Membership{u1OwnsG}},
			{"members of au", func() ([]store.Membership, error) { return s.Members(ctx, tenant, au, store.RoleMember) }, byMember, []store.Membership{u1InAU, g2InAU}},
			{"owners of g2", func() ([]store.Membership, error) { return s.Members(ctx, tenant, g2, store.RoleOwner) }, byMember, []store.Membership{u2OwnsG2}},
			{"members of g2", func() ([]store.Membership, error) { return s.Members(ctx, tenant, g2, store.RoleMember) }, byMember, nil},
			{"u1 member of", func() ([]store.Membership, error) { return s.MemberOf(ctx, tenant, u1, store.RoleMember) }, byContainer, []store.Membership{u1InG, u1InAU}},
			{"u1 owner of", func() ([]store.Membership, error) { return s.MemberOf(ctx, tenant, u1, store.RoleOwner) }, byContainer, []store.Membership{u1OwnsG}},
			{"u2 owner of", func() ([]store.Membership, error) { return s.MemberOf(ctx, tenant, u2, store.RoleOwner) }, byContainer, []store.Membership{u2OwnsG2}},
			{"g2 member of", func() ([]store.Membership, error) { return s.MemberOf(ctx, tenant, g2, store.RoleMember) }, byContainer, []store.Membership{g2InG, g2InAU}},
			{"g member of", func() ([]store.Membership, error) { return s.MemberOf(ctx, tenant, g, store.RoleMember) }, byContainer, nil},
			{"members of g in another tenant", func() ([]store.Membership, error) { return s.Members(ctx, newID(), g, store.RoleMember) }, byMember, nil},
		} {
			got, err := tc.list()
			must(t, err)
			check(t, tc.name, sorted(got, tc.key), sorted(tc.want, tc.key))
		}
	}},
	{"AddTwice", func(t *testing.T, s store.Store) {
		ctx := t.Context()
		m := store.Membership{TenantID: newID(), ContainerID: newID(), ContainerKind: store.ContainerGroup, MemberID: newID(), Role: store.RoleMember}
		must(t, s.AddMember(ctx, m))
		wantErr(t, s.AddMember(ctx, m), store.ErrConflict, "AddMember twice")
		owner := m
		owner.Role = store.RoleOwner
		must(t, s.AddMember(ctx, owner)) // the same pair as owner is another membership
		wantErr(t, s.AddMember(ctx, owner), store.ErrConflict, "AddMember of an owner twice")
		got, err := s.Members(ctx, m.TenantID, m.ContainerID, store.RoleMember)
		must(t, err)
		check(t, "Members after adding twice", got, []store.Membership{m})
	}},
	{"Remove", func(t *testing.T, s store.Store) {
		ctx := t.Context()
		tenant, g := newID(), newID()
		a := store.Membership{TenantID: tenant, ContainerID: g, ContainerKind: store.ContainerGroup, MemberID: newID(), Role: store.RoleMember}
		b := a
		b.MemberID = newID()
		owner := a
		owner.Role = store.RoleOwner
		for _, m := range []store.Membership{a, b, owner} {
			must(t, s.AddMember(ctx, m))
		}
		must(t, s.RemoveMember(ctx, a))
		got, err := s.Members(ctx, tenant, g, store.RoleMember)
		must(t, err)
		check(t, "Members after RemoveMember", got, []store.Membership{b})
		got, err = s.Members(ctx, tenant, g, store.RoleOwner)
		must(t, err)
		check(t, "owners after removing the member", got, []store.Membership{owner})
		got, err = s.MemberOf(ctx, tenant, a.MemberID, store.RoleMember)
		must(t, err)
		check(t, "MemberOf after RemoveMember", got, nil)
		wantErr(t, s.RemoveMember(ctx, a), store.ErrNotFound, "RemoveMember twice")
		must(t, s.AddMember(ctx, a)) // and it can be added again
	}},
}
