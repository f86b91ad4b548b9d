package directory_test

import (
	"testing"

	"graphgate/internal/directory"
	"graphgate/internal/roles"
	"graphgate/internal/store"
)

func TestSetUserType(t *testing.T) {
	eachStore(t, func(t *testing.T, x *fixture) {
		ctx := t.Context()
		// A guest with a role and a refresh token: the conversion keeps
		// both, and the guest's #EXT# name.
		g, err := x.dir.CreateUser(ctx, directory.NewUser{User: store.User{TenantID: contosoID, UserPrincipalName: "kim@fabrikam.com",
			DisplayName: "Kim Akers", Kind: store.UserGuest, AccountEnabled: true, Roles: []string{roles.GlobalReader.TemplateID()}}, Password: goodPassword})
		must(t, err)
		x.refreshToken(t, contosoID, g.ID, "kim-rt")
		for _, tc := range []struct {
			name    string
			tenant  string
			id      string
			kind    store.UserKind
			err     error
			want    store.UserKind // the stored kind afterwards
			changed bool
			upn     string // the stored name afterwards
		}{
			{name: "guest to member keeps the #EXT# name", tenant: contosoID, id: g.ID, kind: store.UserMember,
				want: store.UserMember, changed: true, upn: "kim_fabrikam.com#EXT#@contoso.onmicrosoft.com"},
			{name: "member again: nothing to change", tenant: contosoID, id: g.ID, kind: store.UserMember,
				want: store.UserMember, upn: "kim_fabrikam.com#EXT#@contoso.onmicrosoft.com"},
			{name: "back to guest", tenant: contosoID, id: g.ID, kind: store.UserGuest,
				want: store.UserGuest, changed: true, upn: "kim_fabrikam.com#EXT#@contoso.onmicrosoft.com"},
			{name: "member to guest keeps the tenant's name", tenant: contosoID, id: adeleID, kind: store.UserGuest,
				want: store.UserGuest, changed: true, upn: "adele@contoso.onmicrosoft.com"},
			{name: "not a type", tenant: contosoID, id: meganID, kind: "admin", err: invalid("userType"),
				want: store.UserMember, upn: "megan@contoso.onmicrosoft.com"},
			{name: "personal is not a type one converts to", tenant: contosoID, id: meganID, kind: store.UserPersonal, err: invalid("userType"),
				want: store.UserMember, upn: "megan@contoso.onmicrosoft.com"},
			{name: "a shared mailbox", tenant: contosoID, id: sharedID, kind: store.UserGuest, err: invalid("userType"),
				want: store.UserSharedMailbox, upn: "support@contoso.onmicrosoft.com"},
			{name: "a personal account", tenant: store.PersonalTenantID, id: samID, kind: store.UserMember, err: invalid("userType"),
				want: store.UserPersonal, upn: "sam.personal@outlook.com"},
			{name: "no such user", tenant: contosoID, id: "0a1b2c3d-1111-4a5b-8c6d-0000000000ff", kind: store.UserGuest, err: directory.ErrNotFound},
			{name: "another tenant's user", tenant: store.PersonalTenantID, id: adeleID, kind: store.UserMember, err: directory.ErrNotFound},
		} {
			t.Run(tc.name, func(t *testing.T) {
				var before store.User
				if tc.upn != "" {
					before = x.user(t, tc.tenant, tc.id)
				}
				got, err := x.dir.SetUserType(ctx, tc.tenant, tc.id, tc.kind)
				wantErr(t, "SetUserType", err, tc.err)
				if tc.upn == "" {
					return
				}
				u := x.user(t, tc.tenant, tc.id)
				if u.Kind != tc.want || u.UserPrincipalName != tc.upn {
					t.Errorf("stored kind %s, name %s; want %s, %s", u.Kind, u.UserPrincipalName, tc.want, tc.upn)
				}
				if u.PasswordHash != before.PasswordHash || u.Mail != before.Mail || len(u.Roles) != len(before.Roles) {
					t.Errorf("the change touched more than the kind: %+v, before %+v", u, before)
				}
				wantVersion := before.Version
				if tc.changed {
					wantVersion++
				}
				if u.Version != wantVersion {
					t.Errorf("version %d, want %d", u.Version, wantVersion)
				}
				if tc.err != nil {
					return
				}
				if got.Changed != tc.changed || got.User.Kind != tc.want || got.User.Version != u.Version {
					t.Errorf("returned %+v (changed %v), want kind %s, version %d, changed %v", got.User, got.Changed, tc.want, u.Version, tc.changed)
				}
			})
		}
		// Entra revokes nothing when the type changes: the refresh token
		// still redeems (new tokens will carry the new type).
		n, err := x.st.RevokeUserTokens(ctx, contosoID, g.ID, "", t0)
		must(t, err)
		if n != 1 {
			t.Errorf("the conversion revoked the guest's refresh token (%d live afterwards, want 1)", n)
		}
	})
}

// UpdateUser with a type changes the type and the profile in one update,
// or neither.
func TestUpdateUserWithType(t *testing.T) {
	eachStore(t, func(t *testing.T, x *fixture) {
		ctx := t.Context()
		title := "Director"
		guest, bad := store.UserGuest, store.UserKind("Admin")
		for _, tc := range []struct {
			name      string
			id        string
			kind      *store.UserKind
			err       error
			wantKind  store.UserKind
			wantTitle string
		}{
			{name: "not a type: the title is not set either", id: adeleID, kind: &bad, err: invalid("userType"), wantKind: store.UserMember},
			{name: "a shared mailbox: nothing set", id: sharedID, kind: &guest, err: invalid("userType"), wantKind: store.UserSharedMailbox},
			{name: "both", id: adeleID, kind: &guest, wantKind: store.UserGuest, wantTitle: title},
		} {
			t.Run(tc.name, func(t *testing.T) {
				got, err := x.dir.UpdateUser(ctx, contosoID, tc.id, directory.UserChanges{JobTitle: &title, UserType: tc.kind})
				wantErr(t, "UpdateUser", err, tc.err)
				u := x.user(t, contosoID, tc.id)
				if u.Kind != tc.wantKind || u.JobTitle != tc.wantTitle {
					t.Errorf("stored kind %s, title %q; want %s, %q", u.Kind, u.JobTitle, tc.wantKind, tc.wantTitle)
				}
				if tc.err == nil && (got.Kind != tc.wantKind || got.Version != u.Version) {
					t.Errorf("returned %+v", got)
				}
			})
		}
	})
}
