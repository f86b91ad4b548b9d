package directory_test

import (
	"errors"
	"reflect"
	"slices"
	"testing"

	"graphgate/internal/directory"
	"graphgate/internal/store"
)

func TestGrantDelegated(t *testing.T) {
	eachStore(t, func(t *testing.T, x *fixture) {
		adele, all := "Principal "+adeleID, "AllPrincipals "
		for _, tc := range []struct {
			name           string
			c              directory.DelegatedConsent
			err            error
			added, already []string
			// grants are the tenant's grants afterwards (unchanged on error).
			grants map[string][]string
		}{
			{name: "a user consents", c: directory.DelegatedConsent{UserID: adeleID, Scopes: []string{"User.Read", "Mail.Read"}},
				added: []string{"User.Read", "Mail.Read"}, grants: map[string][]string{adele: {"Mail.Read", "User.Read"}}},
			{name: "incrementally, any case", c: directory.DelegatedConsent{UserID: adeleID, Scopes: []string{"mail.read", "Calendars.Read"}},
				added: []string{"Calendars.Read"}, already: []string{"Mail.Read"}, grants: map[string][]string{adele: {"Calendars.Read", "Mail.Read", "User.Read"}}},
			{name: "an administrator for everyone", c: directory.DelegatedConsent{Scopes: []string{"User.Read"}},
				added:  []string{"User.Read"},
				grants: map[string][]string{adele: {"Calendars.Read", "Mail.Read", "User.Read"}, all: {"User.Read"}}},
			{name: "replace", c: directory.DelegatedConsent{UserID: adeleID, Scopes: []string{"Files.Read", "User.Read"}, Replace: true},
				added: []string{"Files.Read"}, already: []string{"User.Read"},
				grants: map[string][]string{adele: {"Files.Read", "User.Read"}, all: {"User.Read"}}},
			{name: "unknown scope", c: directory.DelegatedConsent{UserID: adeleID, Scopes: []string{"User.Read", "Mail.Raed"}},
				err:    invalid("scopes", "Mail.Raed"),
				grants: map[string][]string{adele: {"Files.Read", "User.Read"}, all: {"User.Read"}}},
			{name: "an application permission", c: directory.DelegatedConsent{Scopes: []string{"Application.ReadWrite.OwnedBy"}},
				err:    invalid("scopes", "Application.ReadWrite.OwnedBy"),
				grants: map[string][]string{adele: {"Files.Read", "User.Read"}, all: {"User.Read"}}},
			{name: "OpenID scopes are not consented", c: directory.DelegatedConsent{UserID: adeleID, Scopes: []string{"offline_access"}},
				err:    invalid("scopes", "offline_access"),
				grants: map[string][]string{adele: {"Files.Read", "User.Read"}, all: {"User.Read"}}},
			{name: "no scope", c: directory.DelegatedConsent{UserID: adeleID, Replace: true}, err: invalid("scopes"),
				grants: map[string][]string{adele: {"Files.Read", "User.Read"}, all: {"User.Read"}}},
			{name: "a shared mailbox, before no scope", c: directory.DelegatedConsent{UserID: sharedID}, err: invalid("user"),
				grants: map[string][]string{adele: {"Files.Read", "User.Read"}, all: {"User.Read"}}},
			{name: "a shared mailbox", c: directory.DelegatedConsent{UserID: sharedID, Scopes: []string{"User.Read"}}, err: invalid("user"),
				grants: map[string][]string{adele: {"Files.Read", "User.Read"}, all: {"User.Read"}}},
			{name: "no such user", c: directory.DelegatedConsent{UserID: "3b0f1a2c-0000-4000-8000-000000000000", Scopes: []string{"User.Read"}},
				err: directory.ErrNotFound, grants: map[string][]string{adele: {"Files.Read", "User.Read"}, all: {"User.Read"}}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				tc.c.TenantID, tc.c.App = contosoID, x.app
				res, err := x.dir.GrantDelegated(t.Context(), tc.c)
				wantErr(t, "GrantDelegated", err, tc.err)
				if err == nil && (!slices.Equal(res.Added, tc.added) || !slices.Equal(res.AlreadyGranted, tc.already)) {
					t.Errorf("added %v, already %v; want %v, %v", res.Added, res.AlreadyGranted, tc.added, tc.already)
				}
				if got := x.grants(t, contosoID); !reflect.DeepEqual(got, tc.grants) {
					t.Errorf("grants %v, want %v", got, tc.grants)
				}
			})
		}
		t.Run("personal accounts", func(t *testing.T) {
			ctx := t.Context()
			c := directory.DelegatedConsent{TenantID: store.PersonalTenantID, App: x.app, UserID: samID, Scopes: []string{"User.Read", "User.Read.All", "Mail.Read", "Directory.Read.All"}}
			_, err := x.dir.GrantDelegated(ctx, c)
			wantErr(t, "work-only scopes for Sam", err, invalid("scopes", "User.Read.All", "Directory.Read.All"))
			c.Scopes = []string{"User.Read", "Mail.Read"}
			_, err = x.dir.GrantDelegated(ctx, c)
			must(t, err)
			_, err = x.dir.GrantDelegated(ctx, directory.DelegatedConsent{TenantID: store.PersonalTenantID, App: x.app, Scopes: []string{"User.Read"}})
			wantErr(t, "tenant-wide consent among personal accounts", err, invalid("consentType"))
			if got := x.grants(t, store.PersonalTenantID); !reflect.DeepEqual(got, map[string][]string{"Principal " + samID: {"Mail.Read", "User.Read"}}) {
				t.Errorf("personal grants %v", got)
			}
		})
		t.Run("service principal", func(t *testing.T) {
			ctx := t.Context()
			if _, err := x.st.GetServicePrincipal(ctx, contosoID, x.app.AppID); !errors.Is(err, store.ErrNotFound) {
				t.Fatalf("a user's consent created a service principal: %v", err)
			}
			_, err := x.dir.GrantDelegated(ctx, directory.DelegatedConsent{TenantID: contosoID, App: x.app, UserID: meganID, Scopes: []string{"User.Read"}, ServicePrincipal: true})
			must(t, err)
			sp, err := x.st.GetServicePrincipal(ctx, contosoID, x.app.AppID)
			must(t, err)
			if sp.DisplayName != x.app.DisplayName {
				t.Errorf("service principal %+v", sp)
			}
		})
	})
}

func TestGrantAppRoles(t *testing.T) {
	eachStore(t, func(t *testing.T, x *fixture) {
		for _, tc := range []struct {
			name           string
			tenant         string
			roles          []string
			err            error
			added, already []string
			want           []string // the app's roles in Contoso afterwards
		}{
			{name: "grant", tenant: contosoID, roles: []string{"User.Read.All", "Mail.Read"}, added: []string{"User.Read.All", "Mail.Read"},
				want: []string{"Mail.Read", "User.Read.All"}},
			{name: "grant again, any case", tenant: contosoID, roles: []string{"mail.read", "Mail.Send"}, added: []string{"Mail.Send"}, already: []string{"Mail.Read"},
				want: []string{"Mail.Read", "Mail.Send", "User.Read.All"}},
			{name: "a delegated-only permission", tenant: contosoID, roles: []string{"User.Read"}, err: invalid("roles", "User.Read"),
				want: []string{"Mail.Read", "Mail.Send", "User.Read.All"}},
			{name: "in the personal-accounts tenant", tenant: store.PersonalTenantID, roles: []string{"Mail.Read"}, err: invalid("tenant"),
				want: []string{"Mail.Read", "Mail.Send", "User.Read.All"}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				res, err := x.dir.GrantAppRoles(t.Context(), directory.AppRoleGrant{TenantID: tc.tenant, App: x.app, Roles: tc.roles})
				wantErr(t, "GrantAppRoles", err, tc.err)
				if err == nil && (!slices.Equal(res.Added, tc.added) || !slices.Equal(res.AlreadyGranted, tc.already) || !slices.Equal(res.Roles, tc.want)) {
					t.Errorf("result %+v; want added %v, already %v, roles %v", res, tc.added, tc.already, tc.want)
				}
				if got := x.roles(t, contosoID); !slices.Equal(got, tc.want) {
					t.Errorf("roles %v, want %v", got, tc.want)
				}
			})
		}
		if _, err := x.st.GetServicePrincipal(t.Context(), contosoID, x.app.AppID); err != nil {
			t.Errorf("granting roles created no service principal: %v", err)
		}
	})
}

func TestGrantAdminConsent(t *testing.T) {
	eachStore(t, func(t *testing.T, x *fixture) {
		ctx := t.Context()
		a := directory.AdminConsent{TenantID: contosoID, App: x.app, Delegated: []string{"User.Read", "Mail.Read"}, Application: []string{"User.Read.All"}}
		for range 2 { // consenting again changes nothing
			must(t, x.dir.GrantAdminConsent(ctx, a))
			if got := x.grants(t, contosoID); !reflect.DeepEqual(got, map[string][]string{"AllPrincipals ": {"Mail.Read", "User.Read"}}) {
				t.Errorf("grants %v", got)
			}
			if got := x.roles(t, contosoID); !slices.Equal(got, []string{"User.Read.All"}) {
				t.Errorf("roles %v", got)
			}
			if sps, err := x.st.ListServicePrincipals(ctx, contosoID); err != nil || len(sps) != 1 {
				t.Errorf("service principals %v, %v", sps, err)
			}
		}
		// A failing step leaves what came before, and repeating completes it.
		bad := a
		bad.Application = []string{"Not.A.Permission"}
		wantErr(t, "an unknown application permission", x.dir.GrantAdminConsent(ctx, bad), invalid("roles"))
	})
}

func TestRevokeConsent(t *testing.T) {
	adele, megan, all := "Principal "+adeleID, "Principal "+meganID, "AllPrincipals "
	type change struct {
		key                string
		removed, remaining []string
		deleted            bool
	}
	cases := []struct {
		name string
		r    directory.Revocation
		err  error
		// notGranted is the NotGrantedError's kind when err is one.
		notGranted directory.NotGrantedKind
		changes    []change
		roles      []string // RolesRemoved
		still      []string
		grants     map[string][]string
		appRoles   []string
	}{
		{name: "scopes of a user's grant (the admin command test's scenario)", r: directory.Revocation{UserID: adeleID, Scopes: []string{"Mail.Read", "User.Read"}},
			changes: []change{{adele, []string{"Mail.Read", "User.Read"}, []string{"Calendars.Read"}, false}}, still: []string{"User.Read"},
			grants: map[string][]string{adele: {"Calendars.Read"}, megan: {"User.Read"}, all: {"Files.Read", "User.Read"}}, appRoles: []string{"Mail.Read", "User.Read.All"}},
		{name: "a user's whole grant", r: directory.Revocation{UserID: adeleID},
			changes: []change{{adele, []string{"Calendars.Read", "Mail.Read", "User.Read"}, []string{}, true}}, still: []string{"User.Read"},
			grants: map[string][]string{megan: {"User.Read"}, all: {"Files.Read", "User.Read"}}, appRoles: []string{"Mail.Read", "User.Read.All"}},
		{name: "the last scope deletes the grant", r: directory.Revocation{AllUsers: true, Scopes: []string{"files.read", "User.Read"}},
			changes: []change{{all, []string{"Files.Read", "User.Read"}, []string{}, true}},
			grants:  map[string][]string{adele: {"Calendars.Read", "Mail.Read", "User.Read"}, megan: {"User.Read"}}, appRoles: []string{"Mail.Read", "User.Read.All"}},
		{name: "every delegated grant of the app", r: directory.Revocation{},
			changes: []change{{adele, []string{"Calendars.Read", "Mail.Read", "User.Read"}, []string{}, true}, {megan, []string{"User.Read"}, []string{}, true},
				{all, []string{"Files.Read", "User.Read"}, []string{}, true}},
			grants: map[string][]string{}, appRoles: []string{"Mail.Read", "User.Read.All"}},
		{name: "a scope from every grant holding it", r: directory.Revocation{Scopes: []string{"User.Read"}},
			changes: []change{{adele, []string{"User.Read"}, []string{"Calendars.Read", "Mail.Read"}, false}, {megan, []string{"User.Read"}, []string{}, true},
				{all, []string{"User.Read"}, []string{"Files.Read"}, false}},
			grants: map[string][]string{adele: {"Calendars.Read", "Mail.Read"}, all: {"Files.Read"}}, appRoles: []string{"Mail.Read", "User.Read.All"}},
		{name: "roles alone leave delegated grants", r: directory.Revocation{Roles: []string{"Mail.Read"}}, roles: []string{"Mail.Read"},
			grants:   map[string][]string{adele: {"Calendars.Read", "Mail.Read", "User.Read"}, megan: {"User.Read"}, all: {"Files.Read", "User.Read"}},
			appRoles: []string{"User.Read.All"}},
		{name: "roles and the tenant-wide grant", r: directory.Revocation{AllUsers: true, Roles: []string{"Mail.Read", "User.Read.All"}},
			changes: []change{{all, []string{"Files.Read", "User.Read"}, []string{}, true}}, roles: []string{"Mail.Read", "User.Read.All"},
			grants: map[string][]string{adele: {"Calendars.Read", "Mail.Read", "User.Read"}, megan: {"User.Read"}}, appRoles: []string{}},

		{name: "a scope the user's grant does not hold", r: directory.Revocation{UserID: meganID, Scopes: []string{"Mail.Read"}},
			err: &directory.NotGrantedError{}, notGranted: directory.NoScope},
		{name: "a user without a grant", r: directory.Revocation{UserID: sharedID}, err: &directory.NotGrantedError{}, notGranted: directory.NoUserGrant},
		{name: "a role not held: nothing changes, the scope neither", r: directory.Revocation{AllUsers: true, Scopes: []string{"User.Read"}, Roles: []string{"Mail.Send"}},
			err: &directory.NotGrantedError{}, notGranted: directory.NoRole},
		{name: "a user and roles", r: directory.Revocation{UserID: adeleID, Roles: []string{"Mail.Read"}}, err: invalid("roles")},
		{name: "a user and every user", r: directory.Revocation{UserID: adeleID, AllUsers: true}, err: invalid("user")},
	}
	eachStore(t, func(t *testing.T, x *fixture) {
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				ctx := t.Context()
				// Every case starts from the same consent.
				_, _, err := x.dir.PurgeAppConsent(ctx, x.app.AppID)
				must(t, err)
				for _, c := range []directory.DelegatedConsent{
					{UserID: adeleID, Scopes: []string{"User.Read", "Mail.Read", "Calendars.Read"}},
					{UserID: meganID, Scopes: []string{"User.Read"}},
					{Scopes: []string{"User.Read", "Files.Read"}},
				} {
					c.TenantID, c.App = contosoID, x.app
					_, err := x.dir.GrantDelegated(ctx, c)
					must(t, err)
				}
				_, err = x.dir.GrantAppRoles(ctx, directory.AppRoleGrant{TenantID: contosoID, App: x.app, Roles: []string{"User.Read.All", "Mail.Read"}})
				must(t, err)
				before, beforeRoles := x.grants(t, contosoID), x.roles(t, contosoID)

				tc.r.TenantID, tc.r.ClientID = contosoID, x.app.AppID
				res, err := x.dir.RevokeConsent(ctx, tc.r)
				if _, ok := tc.err.(*directory.NotGrantedError); ok {
					var ng *directory.NotGrantedError
					if !errors.As(err, &ng) || ng.Kind != tc.notGranted || !errors.Is(err, directory.ErrNotFound) {
						t.Fatalf("RevokeConsent = %v, want a not-granted error of kind %d", err, tc.notGranted)
					}
				} else {
					wantErr(t, "RevokeConsent", err, tc.err)
				}
				if err != nil {
					if got := x.grants(t, contosoID); !reflect.DeepEqual(got, before) || !slices.Equal(x.roles(t, contosoID), beforeRoles) {
						t.Errorf("a refused revocation changed consent: %v, %v", got, x.roles(t, contosoID))
					}
					return
				}
				var got []change
				for _, c := range res.Grants {
					got = append(got, change{string(c.Grant.ConsentType) + " " + c.Grant.PrincipalID, c.Removed, c.Remaining, c.Deleted})
				}
				slices.SortFunc(got, func(a, b change) int { return rank(a.key) - rank(b.key) })
				if !reflect.DeepEqual(got, tc.changes) {
					t.Errorf("changes %+v,\nwant    %+v", got, tc.changes)
				}
				if !slices.Equal(res.RolesRemoved, tc.roles) || !slices.Equal(res.StillGrantedToAllUsers, tc.still) {
					t.Errorf("roles removed %v (want %v), still granted %v (want %v)", res.RolesRemoved, tc.roles, res.StillGrantedToAllUsers, tc.still)
				}
				if got := x.grants(t, contosoID); !reflect.DeepEqual(got, tc.grants) {
					t.Errorf("grants %v, want %v", got, tc.grants)
				}
				if got := x.roles(t, contosoID); !slices.Equal(got, tc.appRoles) {
					t.Errorf("app roles %v, want %v", got, tc.appRoles)
				}
			})
		}
	})
}

// rank orders grant keys as the test tables list them: Adele's, Megan's,
// the tenant-wide one.
func rank(key string) int {
	switch key {
	case "Principal " + adeleID:
		return 0
	case "Principal " + meganID:
		return 1
	}
	return 2
}

func TestPurgeAppConsent(t *testing.T) {
	eachStore(t, func(t *testing.T, x *fixture) {
		ctx := t.Context()
		must(t, x.dir.GrantAdminConsent(ctx, directory.AdminConsent{TenantID: contosoID, App: x.app, Delegated: []string{"User.Read"}, Application: []string{"Mail.Read", "User.Read.All"}}))
		for _, c := range []directory.DelegatedConsent{{TenantID: contosoID, UserID: adeleID}, {TenantID: store.PersonalTenantID, UserID: samID}} {
			c.App, c.Scopes = x.app, []string{"Mail.Read"}
			_, err := x.dir.GrantDelegated(ctx, c)
			must(t, err)
		}
		other := store.App{AppID: "c4a6e8b0-2d4f-4a6c-8e0a-5b7d9f1a3c5e", DisplayName: "Daemon", TenantID: contosoID}
		_, err := x.dir.GrantDelegated(ctx, directory.DelegatedConsent{TenantID: contosoID, App: other, UserID: adeleID, Scopes: []string{"User.Read"}})
		must(t, err)

		grants, assignments, err := x.dir.PurgeAppConsent(ctx, x.app.AppID)
		must(t, err)
		if grants != 3 || assignments != 2 {
			t.Errorf("purged %d grants and %d assignments, want 3 and 2", grants, assignments)
		}
		if got := x.grants(t, contosoID); !reflect.DeepEqual(got, map[string][]string{"Principal " + adeleID: {"User.Read"}}) {
			t.Errorf("grants left in Contoso %v: only the other app's", got)
		}
		if got := x.grants(t, store.PersonalTenantID); len(got) != 0 {
			t.Errorf("grants left among personal accounts %v", got)
		}
	})
}
