package directory_test

import (
	"slices"
	"testing"
	"time"

	"graphgate/internal/directory"
	"graphgate/internal/store"
)

func TestCreateGroup(t *testing.T) {
	eachStore(t, func(t *testing.T, x *fixture) {
		for _, tc := range []struct {
			name string
			in   directory.NewGroup
			err  error
			// want: the stored group's mail and visibility, then its
			// owners and members.
			mail            string
			visibility      store.GroupVisibility
			owners, members []string
		}{
			{name: "Microsoft 365 group as Graph's example creates it",
				in: directory.NewGroup{Group: store.Group{TenantID: contosoID, DisplayName: "Retail", MailNickname: "retail", MailEnabled: true,
					GroupTypes: []string{"Unified"}}, Creator: adeleID},
				mail: "retail@contoso.onmicrosoft.com", visibility: store.VisibilityPublic, owners: []string{adeleID}},
			{name: "named owners and members, the creator not made owner",
				in: directory.NewGroup{Group: store.Group{TenantID: contosoID, DisplayName: "Sales", MailNickname: "sales", SecurityEnabled: true,
					Visibility: store.VisibilityPrivate}, Owners: []string{meganID}, Members: []string{adeleID, meganID, adeleID}, Creator: adeleID},
				visibility: store.VisibilityPrivate, owners: []string{meganID}, members: []string{adeleID, meganID}},
			{name: "an app creates it: no owner",
				in:         directory.NewGroup{Group: store.Group{TenantID: contosoID, DisplayName: "Ops", MailNickname: "ops", SecurityEnabled: true}},
				visibility: store.VisibilityPublic},
			{name: "a mail address given is kept",
				in: directory.NewGroup{Group: store.Group{TenantID: contosoID, DisplayName: "News", MailNickname: "news", MailEnabled: true,
					Mail: "news@contoso.com", Visibility: store.VisibilityHiddenMembership}},
				mail: "news@contoso.com", visibility: store.VisibilityHiddenMembership},
			{name: "unknown visibility", in: directory.NewGroup{Group: store.Group{TenantID: contosoID, DisplayName: "X", Visibility: "Secret"}},
				err: invalid("visibility")},
			{name: "personal-accounts tenant", in: directory.NewGroup{Group: store.Group{TenantID: store.PersonalTenantID, DisplayName: "X"}},
				err: invalid("tenant")},
			{name: "no such tenant", in: directory.NewGroup{Group: store.Group{TenantID: "3b0f1a2c-0000-4000-8000-000000000000", DisplayName: "X"}},
				err: directory.ErrNotFound},
		} {
			t.Run(tc.name, func(t *testing.T) {
				ctx := t.Context()
				g, err := x.dir.CreateGroup(ctx, tc.in)
				wantErr(t, "CreateGroup", err, tc.err)
				if tc.err != nil {
					return
				}
				got, err := x.st.GetGroup(ctx, contosoID, g.ID)
				must(t, err)
				if got.Mail != tc.mail || got.Visibility != tc.visibility || got.Version != 1 || !got.CreatedAt.Equal(t0) || got.DisplayName != tc.in.DisplayName {
					t.Errorf("stored %+v, want mail %q, visibility %s", got, tc.mail, tc.visibility)
				}
				for _, part := range []struct {
					role store.MemberRole
					want []string
				}{{store.RoleOwner, tc.owners}, {store.RoleMember, tc.members}} {
					ms, err := x.st.Members(ctx, contosoID, g.ID, part.role)
					must(t, err)
					var ids []string
					for _, m := range ms {
						ids = append(ids, m.MemberID)
					}
					slices.Sort(ids)
					if !slices.Equal(ids, part.want) {
						t.Errorf("%ss %v, want %v", part.role, ids, part.want)
					}
				}
			})
		}
		t.Run("existing id: nothing stored", func(t *testing.T) {
			ctx := t.Context()
			g, err := x.dir.CreateGroup(ctx, directory.NewGroup{Group: store.Group{TenantID: contosoID, DisplayName: "Once"}})
			must(t, err)
			_, err = x.dir.CreateGroup(ctx, directory.NewGroup{Group: store.Group{ID: g.ID, TenantID: contosoID, DisplayName: "Twice"}, Members: []string{adeleID}})
			wantErr(t, "CreateGroup with a taken id", err, directory.ErrExists)
			if ms, _ := x.st.Members(ctx, contosoID, g.ID, store.RoleMember); len(ms) != 0 {
				t.Errorf("members %v after a refused creation", ms)
			}
		})
	})
}

func TestUpdateDeleteGroup(t *testing.T) {
	eachStore(t, func(t *testing.T, x *fixture) {
		ctx := t.Context()
		g, err := x.dir.CreateGroup(ctx, directory.NewGroup{Group: store.Group{TenantID: contosoID, DisplayName: "Retail", MailNickname: "retail",
			Description: "Retail team"}, Members: []string{adeleID}})
		must(t, err)
		desc := "Retail stores"
		must(t, x.dir.UpdateGroup(ctx, contosoID, g.ID, directory.GroupChanges{Description: &desc}))
		got, err := x.st.GetGroup(ctx, contosoID, g.ID)
		must(t, err)
		if got.Description != desc || got.DisplayName != "Retail" || got.MailNickname != "retail" {
			t.Errorf("after UpdateGroup: %+v", got)
		}
		must(t, x.dir.DeleteGroup(ctx, contosoID, g.ID))
		wantErr(t, "UpdateGroup of a deleted group", x.dir.UpdateGroup(ctx, contosoID, g.ID, directory.GroupChanges{Description: &desc}), directory.ErrNotFound)
		wantErr(t, "DeleteGroup twice", x.dir.DeleteGroup(ctx, contosoID, g.ID), directory.ErrNotFound)
		if ms, _ := x.st.MemberOf(ctx, contosoID, adeleID, store.RoleMember); len(ms) != 0 {
			t.Errorf("Adele is still a member of %v", ms)
		}
	})
}

func TestMembers(t *testing.T) {
	eachStore(t, func(t *testing.T, x *fixture) {
		ctx := t.Context()
		g, err := x.dir.CreateGroup(ctx, directory.NewGroup{Group: store.Group{TenantID: contosoID, DisplayName: "Retail"}})
		must(t, err)
		ref := func(member string, role store.MemberRole) store.Membership {
			return store.Membership{TenantID: contosoID, ContainerID: g.ID, MemberID: member, Role: role}
		}
		for _, tc := range []struct {
			name   string
			add    bool
			m      store.Membership
			err    error
			member bool // whether Adele is a member afterwards
			owner  bool // whether Megan is an owner afterwards
		}{
			{name: "add a member ($ref)", add: true, m: ref(adeleID, ""), member: true},
			{name: "add the member again", add: true, m: ref(adeleID, store.RoleMember), err: directory.ErrExists, member: true},
			{name: "add an owner", add: true, m: ref(meganID, store.RoleOwner), member: true, owner: true},
			{name: "remove the member", m: ref(adeleID, store.RoleMember), owner: true},
			{name: "remove the member again", m: ref(adeleID, store.RoleMember), err: directory.ErrNotFound, owner: true},
			{name: "Megan is not a member: removing her as one", m: ref(meganID, store.RoleMember), err: directory.ErrNotFound, owner: true},
			{name: "an unknown role", add: true, m: ref(adeleID, "guest"), err: invalid("role"), owner: true},
			{name: "no member", add: true, m: ref("", store.RoleMember), err: invalid("membership"), owner: true},
			{name: "an owner of an administrative unit", add: true, m: store.Membership{TenantID: contosoID, ContainerID: g.ID,
				ContainerKind: store.ContainerAU, MemberID: adeleID, Role: store.RoleOwner}, err: invalid("role"), owner: true},
		} {
			t.Run(tc.name, func(t *testing.T) {
				var err error
				if tc.add {
					err = x.dir.AddMember(ctx, tc.m)
				} else {
					err = x.dir.RemoveMember(ctx, tc.m)
				}
				wantErr(t, "membership change", err, tc.err)
				has := func(member string, role store.MemberRole) bool {
					ms, err := x.st.Members(ctx, contosoID, g.ID, role)
					must(t, err)
					return slices.ContainsFunc(ms, func(m store.Membership) bool { return m.MemberID == member })
				}
				if has(adeleID, store.RoleMember) != tc.member || has(meganID, store.RoleOwner) != tc.owner {
					t.Errorf("Adele a member: %v (want %v); Megan an owner: %v (want %v)", has(adeleID, store.RoleMember), tc.member,
						has(meganID, store.RoleOwner), tc.owner)
				}
			})
		}
	})
}

func TestTenants(t *testing.T) {
	eachStore(t, func(t *testing.T, x *fixture) {
		ctx := t.Context()
		tn, err := x.dir.CreateTenant(ctx, store.Tenant{DisplayName: "Fabrikam", Domains: []string{"Fabrikam.onmicrosoft.com"}})
		must(t, err)
		got, err := x.st.GetTenant(ctx, tn.ID)
		must(t, err)
		if got.Kind != store.TenantWork || !slices.Equal(got.Domains, []string{"fabrikam.onmicrosoft.com"}) || !got.CreatedAt.Equal(t0) || tn.ID == "" {
			t.Errorf("created %+v", got)
		}
		_, err = x.dir.CreateTenant(ctx, store.Tenant{ID: contosoID, DisplayName: "Contoso again", Domains: []string{"contoso2.com"}})
		wantErr(t, "a taken id", err, directory.ErrExists)
		_, err = x.dir.CreateTenant(ctx, store.Tenant{DisplayName: "No domain"})
		wantErr(t, "no domain", err, invalid("domains"))

		p, err := x.dir.EnsurePersonalTenant(ctx)
		must(t, err)
		if p.ID != store.PersonalTenantID || p.Kind != store.TenantPersonal {
			t.Errorf("personal tenant %+v", p)
		}
	})
}

func TestEnsurePersonalTenantCreates(t *testing.T) {
	eachEmptyStore(t, func(t *testing.T, st store.Store) {
		dir := directory.New(st, directory.Options{Now: func() time.Time { return t0 }})
		a, err := dir.EnsurePersonalTenant(t.Context())
		must(t, err)
		got, err := st.GetTenant(t.Context(), store.PersonalTenantID)
		must(t, err)
		if got.Kind != store.TenantPersonal || got.DisplayName != "Microsoft Accounts" || !slices.Equal(got.Domains, directory.PersonalDomains()) || !got.CreatedAt.Equal(t0) {
			t.Errorf("created %+v", got)
		}
		b, err := dir.EnsurePersonalTenant(t.Context())
		must(t, err)
		if a.ID != b.ID || !b.CreatedAt.Equal(t0) {
			t.Errorf("EnsurePersonalTenant twice: %+v, %+v", a, b)
		}
	})
}
