package directory_test

import (
	"errors"
	"slices"
	"testing"

	"graphgate/internal/directory"
	"graphgate/internal/password"
	"graphgate/internal/roles"
	"graphgate/internal/store"
)

const goodPassword = "xWwvJ]6NMw+bWH-d" // the password of Graph's POST /users example

func TestCreateUser(t *testing.T) {
	eachStore(t, func(t *testing.T, x *fixture) {
		member := func(upn string) store.User {
			return store.User{TenantID: contosoID, UserPrincipalName: upn, DisplayName: "Nestor Wilke", Mail: upn, AccountEnabled: true}
		}
		for _, tc := range []struct {
			name string
			in   directory.NewUser
			err  error
			// want is checked against the stored user: UPN, mail, kind,
			// enabled, roles; hash says whether it has a password hash.
			want store.User
			hash bool
		}{
			{name: "member", in: directory.NewUser{User: member("nestor@contoso.onmicrosoft.com"), Password: goodPassword},
				want: store.User{UserPrincipalName: "nestor@contoso.onmicrosoft.com", Mail: "nestor@contoso.onmicrosoft.com", Kind: store.UserMember, AccountEnabled: true}, hash: true},
			{name: "member in the second verified domain, any case", in: directory.NewUser{User: member("alex@Contoso.COM"), Password: goodPassword},
				want: store.User{UserPrincipalName: "alex@Contoso.COM", Mail: "alex@Contoso.COM", Kind: store.UserMember, AccountEnabled: true}, hash: true},
			{name: "roles by name", in: directory.NewUser{User: func() store.User {
				u := member("it@contoso.onmicrosoft.com")
				u.Roles = []string{"global-admin", roles.UserAdministrator.TemplateID()}
				return u
			}(), Password: goodPassword},
				want: store.User{UserPrincipalName: "it@contoso.onmicrosoft.com", Mail: "it@contoso.onmicrosoft.com", Kind: store.UserMember, AccountEnabled: true,
					Roles: []string{roles.GlobalAdministrator.TemplateID(), roles.UserAdministrator.TemplateID()}}, hash: true},
			{name: "guest from their own address", in: directory.NewUser{User: store.User{TenantID: contosoID, UserPrincipalName: "pradeep@fabrikam.com",
				DisplayName: "Pradeep Gupta", Kind: store.UserGuest, AccountEnabled: true}, Password: goodPassword},
				want: store.User{UserPrincipalName: "pradeep_fabrikam.com#EXT#@contoso.onmicrosoft.com", Mail: "pradeep@fabrikam.com", Kind: store.UserGuest, AccountEnabled: true}, hash: true},
			{name: "guest named with #EXT#", in: directory.NewUser{User: store.User{TenantID: contosoID, UserPrincipalName: "kim_fabrikam.com#EXT#@contoso.onmicrosoft.com",
				DisplayName: "Kim Akers", Kind: store.UserGuest, AccountEnabled: true}, Password: goodPassword},
				want: store.User{UserPrincipalName: "kim_fabrikam.com#EXT#@contoso.onmicrosoft.com", Mail: "kim@fabrikam.com", Kind: store.UserGuest, AccountEnabled: true}, hash: true},
			{name: "shared mailbox: no password, no sign-in", in: directory.NewUser{User: store.User{TenantID: contosoID, UserPrincipalName: "help@contoso.onmicrosoft.com",
				DisplayName: "Help Desk", Kind: store.UserSharedMailbox, AccountEnabled: true}},
				want: store.User{UserPrincipalName: "help@contoso.onmicrosoft.com", Kind: store.UserSharedMailbox}},
			{name: "personal account, any address", in: directory.NewUser{User: store.User{TenantID: store.PersonalTenantID, UserPrincipalName: "sam@gmail.com",
				DisplayName: "Sam", AccountEnabled: true}, Password: goodPassword},
				want: store.User{UserPrincipalName: "sam@gmail.com", Kind: store.UserPersonal, AccountEnabled: true}, hash: true},

			{name: "domain not verified", in: directory.NewUser{User: member("x@fabrikam.com"), Password: goodPassword}, err: directory.ErrDomainNotVerified},
			{name: "no @", in: directory.NewUser{User: member("contoso.onmicrosoft.com"), Password: goodPassword}, err: directory.ErrDomainNotVerified},
			{name: "domain checked before the password", in: directory.NewUser{User: member("x@fabrikam.com"), Password: "short"}, err: directory.ErrDomainNotVerified},
			{name: "password too short", in: directory.NewUser{User: member("y@contoso.onmicrosoft.com"), Password: "Ab1!"}, err: invalid("password")},
			{name: "password of two kinds", in: directory.NewUser{User: member("y@contoso.onmicrosoft.com"), Password: "weakweak1"}, err: invalid("password")},
			{name: "no password", in: directory.NewUser{User: member("y@contoso.onmicrosoft.com")}, err: invalid("password")},
			{name: "shared mailbox with a password", in: directory.NewUser{User: store.User{TenantID: contosoID, UserPrincipalName: "h2@contoso.onmicrosoft.com",
				Kind: store.UserSharedMailbox}, Password: goodPassword}, err: invalid("password")},
			{name: "guest in the tenant's own domain", in: directory.NewUser{User: store.User{TenantID: contosoID, UserPrincipalName: "kim@contoso.com",
				Kind: store.UserGuest}, Password: goodPassword}, err: invalid("userPrincipalName")},
			{name: "guest of the personal-accounts tenant", in: directory.NewUser{User: store.User{TenantID: store.PersonalTenantID, UserPrincipalName: "kim@fabrikam.com",
				Kind: store.UserGuest}, Password: goodPassword}, err: nil,
				want: store.User{UserPrincipalName: "kim@fabrikam.com", Kind: store.UserPersonal}, hash: true},
			{name: "personal account in an organisation", in: directory.NewUser{User: store.User{TenantID: contosoID, UserPrincipalName: "p@contoso.com",
				Kind: store.UserPersonal}, Password: goodPassword}, err: invalid("kind")},
			{name: "roles for a shared mailbox", in: directory.NewUser{User: store.User{TenantID: contosoID, UserPrincipalName: "h3@contoso.onmicrosoft.com",
				Kind: store.UserSharedMailbox, Roles: []string{"global-admin"}}}, err: invalid("roles")},
			{name: "unknown role", in: directory.NewUser{User: func() store.User {
				u := member("r@contoso.onmicrosoft.com")
				u.Roles = []string{"global-admni"}
				return u
			}(), Password: goodPassword}, err: invalid("roles", "global-admni")},
			{name: "taken name, any case", in: directory.NewUser{User: member("ADELE@contoso.onmicrosoft.com"), Password: goodPassword}, err: directory.ErrExists},
			{name: "unknown tenant", in: directory.NewUser{User: store.User{TenantID: "3b0f1a2c-0000-4000-8000-000000000000", UserPrincipalName: "a@b.com"},
				Password: goodPassword}, err: directory.ErrNotFound},
		} {
			t.Run(tc.name, func(t *testing.T) {
				got, err := x.dir.CreateUser(t.Context(), tc.in)
				wantErr(t, "CreateUser", err, tc.err)
				if tc.err != nil {
					if u, err := x.st.UserByUPN(t.Context(), tc.in.UserPrincipalName); err == nil && u.ID != adeleID {
						t.Errorf("a refused user was stored: %+v", u)
					}
					return
				}
				u := x.user(t, got.TenantID, got.ID)
				if u.UserPrincipalName != tc.want.UserPrincipalName || u.Mail != tc.want.Mail || u.Kind != tc.want.Kind ||
					u.AccountEnabled != tc.want.AccountEnabled || !slices.Equal(u.Roles, tc.want.Roles) {
					t.Errorf("stored %+v,\nwant UPN %s, mail %q, kind %s, enabled %v, roles %v", u, tc.want.UserPrincipalName, tc.want.Mail,
						tc.want.Kind, tc.want.AccountEnabled, tc.want.Roles)
				}
				if !u.CreatedAt.Equal(t0) || u.Version != 1 || got.ID == "" {
					t.Errorf("created %v, version %d, id %q", u.CreatedAt, u.Version, got.ID)
				}
				if (u.PasswordHash != "") != tc.hash {
					t.Fatalf("password hash %q, want one: %v", u.PasswordHash, tc.hash)
				}
				if tc.hash {
					if ok, err := password.Verify(tc.in.Password, u.PasswordHash); err != nil || !ok {
						t.Errorf("the stored hash does not verify the password: %v %v", ok, err)
					}
				}
			})
		}
	})
}

func TestCheckPassword(t *testing.T) {
	for _, tc := range []struct {
		pw string
		ok bool
	}{
		{goodPassword, true},
		{"Passw0rd", true},    // upper, lower, digit: 8
		{"abc-defg1", true},   // lower, symbol, digit
		{"ABCDEFG!", false},   // upper and symbols only
		{"weakweak", false},   // one kind
		{"Ab1-", false},       // too short
		{"Zoë-Ünïcodé", true}, // letters outside ASCII count as symbols
		{string(make([]byte, 257)), false},
	} {
		err := directory.CheckPassword(tc.pw)
		var ve *directory.ValidationError
		if tc.ok != (err == nil) || (err != nil && (!errors.As(err, &ve) || ve.Field != "password")) {
			t.Errorf("CheckPassword(%q) = %v, want ok %v", tc.pw, err, tc.ok)
		}
	}
}

func TestCheckUPN(t *testing.T) {
	for _, tc := range []struct {
		in, clean, domain string
	}{
		{"alex@Contoso.onmicrosoft.COM", "alex@contoso.onmicrosoft.com", "contoso.onmicrosoft.com"},
		{" o'neil.b_c!#^~-x@fabrikam.com ", "o'neil.b_c!#^~-x@fabrikam.com", "fabrikam.com"},
		{"no-at-sign", "", ""},
		{"@contoso.com", "", ""},
		{".alex@contoso.com", "", ""},
		{"al..ex@contoso.com", "", ""},
		{"al ex@contoso.com", "", ""},
		{"alex@contoso", "", ""},
		{"alex@-contoso.com", "", ""},
	} {
		clean, domain, err := directory.CheckUPN(tc.in)
		if clean != tc.clean || domain != tc.domain || (err == nil) != (tc.clean != "") {
			t.Errorf("CheckUPN(%q) = %q, %q, %v; want %q, %q", tc.in, clean, domain, err, tc.clean, tc.domain)
		}
	}
}

func TestUpdateUser(t *testing.T) {
	eachStore(t, func(t *testing.T, x *fixture) {
		job, off := "Director", false
		phones := []string{"+1 425 555 0100"}
		got, err := x.dir.UpdateUser(t.Context(), contosoID, adeleID, directory.UserChanges{JobTitle: &job, AccountEnabled: &off, BusinessPhones: &phones})
		must(t, err)
		u := x.user(t, contosoID, adeleID)
		if u.JobTitle != "Director" || u.AccountEnabled || !slices.Equal(u.BusinessPhones, phones) || u.DisplayName != "Adele Vance" || u.Version != 2 {
			t.Errorf("after UpdateUser: %+v", u)
		}
		if got.JobTitle != u.JobTitle || got.Version != u.Version {
			t.Errorf("UpdateUser returned %+v, stored %+v", got, u)
		}
		_, err = x.dir.UpdateUser(t.Context(), contosoID, "3b0f1a2c-0000-4000-8000-000000000000", directory.UserChanges{JobTitle: &job})
		wantErr(t, "UpdateUser of no one", err, directory.ErrNotFound)
	})
}

func TestSetPassword(t *testing.T) {
	eachStore(t, func(t *testing.T, x *fixture) {
		ctx := t.Context()
		x.refreshToken(t, contosoID, adeleID, "adele-1")
		x.refreshToken(t, contosoID, adeleID, "adele-2")
		x.refreshToken(t, contosoID, meganID, "megan-1")
		before := x.user(t, contosoID, adeleID).PasswordHash

		_, err := x.dir.SetPassword(ctx, contosoID, adeleID, "weakweak")
		wantErr(t, "a weak password", err, invalid("password"))
		if x.user(t, contosoID, adeleID).PasswordHash != before {
			t.Fatal("a refused password changed the hash")
		}
		_, err = x.dir.SetPassword(ctx, contosoID, sharedID, goodPassword)
		wantErr(t, "a shared mailbox", err, invalid("password"))
		_, err = x.dir.SetPassword(ctx, contosoID, "3b0f1a2c-0000-4000-8000-000000000000", goodPassword)
		wantErr(t, "no such user", err, directory.ErrNotFound)

		n, err := x.dir.SetPassword(ctx, contosoID, adeleID, "N3w-passw0rd")
		must(t, err)
		if n != 2 {
			t.Errorf("revoked %d refresh tokens, want Adele's 2", n)
		}
		if ok, _ := password.Verify("N3w-passw0rd", x.user(t, contosoID, adeleID).PasswordHash); !ok {
			t.Error("the new password does not verify")
		}
		// Megan's token is untouched: revoking it now counts it.
		if n, err := x.st.RevokeUserTokens(ctx, contosoID, meganID, "", t0); err != nil || n != 1 {
			t.Errorf("Megan's tokens: %d, %v; want 1 still live", n, err)
		}
	})
}

func TestSetRoles(t *testing.T) {
	ga, gr, ua := roles.GlobalAdministrator, roles.GlobalReader, roles.UserAdministrator
	eachStore(t, func(t *testing.T, x *fixture) {
		ctx := t.Context()
		// Adele starts with User Administrator.
		_, err := x.dir.SetRoles(ctx, contosoID, adeleID, []roles.Role{ua}, nil)
		must(t, err)
		for _, tc := range []struct {
			name        string
			user        string
			add, remove []roles.Role
			err         error
			want        []roles.Role // the roles afterwards (unchanged on error)
			already     []string
		}{
			{name: "add", user: adeleID, add: []roles.Role{ga}, want: []roles.Role{ua, ga}},
			{name: "add one held", user: adeleID, add: []roles.Role{ga, gr}, want: []roles.Role{ua, ga, gr}, already: []string{"Global Administrator"}},
			{name: "remove and add", user: adeleID, add: []roles.Role{ua}, remove: []roles.Role{ga}, want: []roles.Role{ua, gr}, already: []string{"User Administrator"}},
			{name: "remove one not held", user: adeleID, remove: []roles.Role{gr, ga}, err: &directory.RoleNotHeldError{}, want: []roles.Role{ua, gr}},
			{name: "both added and removed", user: adeleID, add: []roles.Role{gr}, remove: []roles.Role{gr}, err: invalid("roles"), want: []roles.Role{ua, gr}},
			{name: "a shared mailbox", user: sharedID, add: []roles.Role{ga}, err: invalid("roles")},
			{name: "no one", user: "3b0f1a2c-0000-4000-8000-000000000000", add: []roles.Role{ga}, err: directory.ErrNotFound},
		} {
			t.Run(tc.name, func(t *testing.T) {
				got, err := x.dir.SetRoles(ctx, contosoID, tc.user, tc.add, tc.remove)
				var rn *directory.RoleNotHeldError
				if _, ok := tc.err.(*directory.RoleNotHeldError); ok {
					if !errors.As(err, &rn) || !errors.Is(err, directory.ErrNotFound) || rn.Role != "Global Administrator" {
						t.Fatalf("SetRoles = %v, want Global Administrator not held (a not-found error)", err)
					}
					if !slices.Equal(rn.Held, []string{"User Administrator", "Global Reader"}) {
						t.Errorf("held %v", rn.Held)
					}
				} else {
					wantErr(t, "SetRoles", err, tc.err)
				}
				if tc.want == nil {
					return
				}
				var ids []string
				for _, r := range tc.want {
					ids = append(ids, r.TemplateID())
				}
				if u := x.user(t, contosoID, tc.user); !slices.Equal(u.Roles, ids) {
					t.Errorf("roles %v, want %v", directory.RoleNames(u.Roles), directory.RoleNames(ids))
				}
				if err == nil && (!slices.Equal(got.AlreadyHad, tc.already) || !slices.Equal(got.User.Roles, ids)) {
					t.Errorf("result %+v, want already %v", got, tc.already)
				}
			})
		}
	})
}

func TestDeleteUser(t *testing.T) {
	eachStore(t, func(t *testing.T, x *fixture) {
		ctx := t.Context()
		g, err := x.dir.CreateGroup(ctx, directory.NewGroup{Group: store.Group{TenantID: contosoID, DisplayName: "Retail", MailNickname: "retail"},
			Owners: []string{meganID}, Members: []string{adeleID, meganID}})
		must(t, err)
		for _, uid := range []string{adeleID, meganID} {
			_, err := x.dir.GrantDelegated(ctx, directory.DelegatedConsent{TenantID: contosoID, App: x.app, UserID: uid, Scopes: []string{"User.Read"}})
			must(t, err)
			x.refreshToken(t, contosoID, uid, "rt-"+uid)
		}
		_, err = x.dir.GrantDelegated(ctx, directory.DelegatedConsent{TenantID: contosoID, App: x.app, Scopes: []string{"Mail.Read"}})
		must(t, err)

		// As Graph's DELETE /users/{id}: the user and memberships only.
		d, err := x.dir.DeleteUser(ctx, contosoID, meganID, directory.DeleteUserOptions{})
		must(t, err)
		if d != (directory.UserDeletion{}) {
			t.Errorf("a plain deletion reports %+v", d)
		}
		if ms, _ := x.st.Members(ctx, contosoID, g.ID, store.RoleOwner); len(ms) != 0 {
			t.Errorf("owners after deleting Megan: %v", ms)
		}
		if _, ok := x.grants(t, contosoID)["Principal "+meganID]; !ok {
			t.Error("a plain deletion removed the user's grant")
		}

		// As graphgate user delete: tokens and own grants too.
		d, err = x.dir.DeleteUser(ctx, contosoID, adeleID, directory.DeleteUserOptions{RevokeTokens: true, RemoveConsent: true})
		must(t, err)
		if d != (directory.UserDeletion{TokensRevoked: 1, GrantsDeleted: 1}) {
			t.Errorf("deletion %+v, want 1 token and 1 grant", d)
		}
		gs := x.grants(t, contosoID)
		if _, ok := gs["Principal "+adeleID]; ok || len(gs["AllPrincipals "]) != 1 {
			t.Errorf("grants after deleting Adele: %v", gs)
		}
		if _, err := x.st.GetUser(ctx, contosoID, adeleID); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("Adele after deletion: %v", err)
		}
		_, err = x.dir.DeleteUser(ctx, contosoID, adeleID, directory.DeleteUserOptions{})
		wantErr(t, "deleting twice", err, directory.ErrNotFound)
	})
}

// TestProvisionUser: password-less members for bulk provisioning keep
// CreateUser's rules that do not concern the password.
func TestProvisionUser(t *testing.T) {
	eachStore(t, func(t *testing.T, x *fixture) {
		u := store.User{TenantID: contosoID, ID: "00000000-0000-4000-8000-00000000a001", UserPrincipalName: "user000001@contoso.onmicrosoft.com",
			DisplayName: "User One", AccountEnabled: true}
		must(t, x.dir.ProvisionUser(t.Context(), u))
		got := x.user(t, contosoID, u.ID)
		if got.Kind != store.UserMember || got.PasswordHash != "" || got.UserPrincipalName != u.UserPrincipalName || got.CreatedAt.IsZero() {
			t.Errorf("stored %+v", got)
		}
		for _, tc := range []struct {
			name string
			u    store.User
			want error
		}{
			{"taken", u, directory.ErrExists},
			{"unverified domain", store.User{TenantID: contosoID, UserPrincipalName: "x@fabrikam.com"}, directory.ErrDomainNotVerified},
			{"a guest", store.User{TenantID: contosoID, UserPrincipalName: "g@contoso.onmicrosoft.com", Kind: store.UserGuest}, invalid("kind")},
			{"roles", store.User{TenantID: contosoID, UserPrincipalName: "r@contoso.onmicrosoft.com", Roles: []string{"global-admin"}}, invalid("roles")},
			{"personal tenant", store.User{TenantID: store.PersonalTenantID, UserPrincipalName: "p@gmail.com"}, invalid("tenantId")},
		} {
			err := x.dir.ProvisionUser(t.Context(), tc.u)
			var ve *directory.ValidationError
			if want, ok := tc.want.(*directory.ValidationError); ok {
				if !errors.As(err, &ve) || ve.Field != want.Field {
					t.Errorf("%s: %v, want a validation error of %s", tc.name, err, want.Field)
				}
			} else if !errors.Is(err, tc.want) {
				t.Errorf("%s: %v, want %v", tc.name, err, tc.want)
			}
		}
	})
}
