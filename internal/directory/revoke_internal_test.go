package directory

import (
	"errors"
	"reflect"
	"slices"
	"testing"

	"graphgate/internal/store"
)

// The small steps of RevokeConsent and CreateUser, one by one.

func TestSplitScopes(t *testing.T) {
	for _, tc := range []struct {
		scopes, revoke, keep, removed []string
	}{
		{[]string{"Mail.Read", "User.Read"}, nil, nil, []string{"Mail.Read", "User.Read"}},
		{[]string{"Mail.Read", "User.Read"}, []string{"user.read"}, []string{"Mail.Read"}, []string{"User.Read"}},
		{[]string{"Mail.Read"}, []string{"Files.Read"}, []string{"Mail.Read"}, nil},
		{nil, []string{"Files.Read"}, nil, nil},
	} {
		keep, removed := splitScopes(tc.scopes, tc.revoke)
		if !slices.Equal(keep, tc.keep) || !slices.Equal(removed, tc.removed) {
			t.Errorf("splitScopes(%v, %v) = %v, %v; want %v, %v", tc.scopes, tc.revoke, keep, removed, tc.keep, tc.removed)
		}
	}
}

func TestSelectGrants(t *testing.T) {
	const app, other, adele, megan = "app", "other", "adele", "megan"
	ga := store.DelegatedGrant{ID: "1", ClientID: app, ConsentType: store.ConsentPrincipal, PrincipalID: adele, Scopes: []string{"Mail.Read", "User.Read"}}
	gm := store.DelegatedGrant{ID: "2", ClientID: app, ConsentType: store.ConsentPrincipal, PrincipalID: megan, Scopes: []string{"User.Read"}}
	gall := store.DelegatedGrant{ID: "3", ClientID: app, ConsentType: store.ConsentAllPrincipals, Scopes: []string{"Files.Read"}}
	gother := store.DelegatedGrant{ID: "4", ClientID: other, ConsentType: store.ConsentPrincipal, PrincipalID: adele, Scopes: []string{"Mail.Read"}}
	all := []store.DelegatedGrant{ga, gm, gall, gother}
	for _, tc := range []struct {
		name string
		r    Revocation
		want []store.DelegatedGrant
		err  *NotGrantedError
	}{
		{"one user's", Revocation{ClientID: app, UserID: adele}, []store.DelegatedGrant{ga}, nil},
		{"the tenant-wide one", Revocation{ClientID: app, AllUsers: true}, []store.DelegatedGrant{gall}, nil},
		{"every one of the app", Revocation{ClientID: app}, []store.DelegatedGrant{ga, gm, gall}, nil},
		{"a scope one of them holds", Revocation{ClientID: app, Scopes: []string{"files.read"}}, []store.DelegatedGrant{ga, gm, gall}, nil},
		{"a scope none holds", Revocation{ClientID: app, UserID: megan, Scopes: []string{"Mail.Read"}}, nil,
			&NotGrantedError{Kind: NoScope, Name: "Mail.Read", Held: []string{"User.Read"}}},
		{"no grant of the user", Revocation{ClientID: other, UserID: megan}, nil, &NotGrantedError{Kind: NoUserGrant}},
		{"no tenant-wide grant", Revocation{ClientID: other, AllUsers: true}, nil, &NotGrantedError{Kind: NoTenantGrant}},
		{"no grant at all", Revocation{ClientID: "none"}, nil, &NotGrantedError{Kind: NoGrant}},
	} {
		got, err := tc.r.selectGrants(all)
		var ng *NotGrantedError
		switch {
		case tc.err == nil && err != nil:
			t.Errorf("%s: %v", tc.name, err)
		case tc.err != nil && (!errors.As(err, &ng) || !reflect.DeepEqual(ng, tc.err)):
			t.Errorf("%s: error %#v, want %#v", tc.name, err, tc.err)
		case !reflect.DeepEqual(got, tc.want):
			t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestRevocationDelegated(t *testing.T) {
	for _, tc := range []struct {
		r    Revocation
		want bool
	}{
		{Revocation{}, true},
		{Revocation{Roles: []string{"Mail.Read"}}, false},
		{Revocation{Roles: []string{"Mail.Read"}, AllUsers: true}, true},
		{Revocation{Roles: []string{"Mail.Read"}, Scopes: []string{"User.Read"}}, true},
		{Revocation{UserID: "adele"}, true},
	} {
		if got := tc.r.delegated(); got != tc.want {
			t.Errorf("%+v.delegated() = %v", tc.r, got)
		}
	}
}

func TestRolesHeld(t *testing.T) {
	have := []store.AppRoleAssignment{{Permission: "User.Read.All"}, {Permission: "Mail.Read"}}
	if err := rolesHeld(have, []string{"mail.read", "User.Read.All"}); err != nil {
		t.Errorf("held roles: %v", err)
	}
	err := rolesHeld(have, []string{"Mail.Read", "Mail.Send"})
	var ng *NotGrantedError
	if !errors.As(err, &ng) || !reflect.DeepEqual(*ng, NotGrantedError{Kind: NoRole, Name: "Mail.Send", Held: []string{"User.Read.All", "Mail.Read"}}) {
		t.Errorf("rolesHeld = %#v", err)
	}
}

func TestStillGranted(t *testing.T) {
	all := []store.DelegatedGrant{{ConsentType: store.ConsentAllPrincipals, Scopes: []string{"User.Read", "Files.Read"}}}
	changes := []GrantChange{{Removed: []string{"Mail.Read", "user.read"}}}
	if got := stillGranted(all, changes); !slices.Equal(got, []string{"user.read"}) {
		t.Errorf("stillGranted = %v", got)
	}
	if got := stillGranted(nil, changes); got != nil {
		t.Errorf("without a tenant-wide grant: %v", got)
	}
}

func TestGuestNames(t *testing.T) {
	contoso := store.Tenant{Kind: store.TenantWork, Domains: []string{"contoso.onmicrosoft.com", "contoso.com"}}
	for _, tc := range []struct {
		upn, mail, wantUPN, wantMail string
		bad                          bool
	}{
		{"kim@fabrikam.com", "", "kim_fabrikam.com#EXT#@contoso.onmicrosoft.com", "kim@fabrikam.com", false},
		{"kim@fabrikam.com", "kim.akers@fabrikam.com", "kim_fabrikam.com#EXT#@contoso.onmicrosoft.com", "kim.akers@fabrikam.com", false},
		{"kim_fabrikam.com#EXT#@contoso.onmicrosoft.com", "", "kim_fabrikam.com#EXT#@contoso.onmicrosoft.com", "kim@fabrikam.com", false},
		{"kim#ext#@contoso.onmicrosoft.com", "", "kim#ext#@contoso.onmicrosoft.com", "kim#ext#@contoso.onmicrosoft.com", false},
		{"kim@Contoso.com", "", "", "", true},
		{"kim", "", "", "", true},
	} {
		upn, mail, err := guestNames(contoso, tc.upn, tc.mail)
		if tc.bad {
			var ve *ValidationError
			if !errors.As(err, &ve) || ve.Field != "userPrincipalName" {
				t.Errorf("guestNames(%q) = %v, want a validation error", tc.upn, err)
			}
			continue
		}
		if err != nil || upn != tc.wantUPN || mail != tc.wantMail {
			t.Errorf("guestNames(%q, %q) = %q, %q, %v; want %q, %q", tc.upn, tc.mail, upn, mail, err, tc.wantUPN, tc.wantMail)
		}
	}
}

func TestMergeScopes(t *testing.T) {
	if got := mergeScopes([]string{"User.Read", "Mail.Read"}, []string{"mail.read", "Calendars.Read"}); !slices.Equal(got, []string{"Calendars.Read", "Mail.Read", "User.Read"}) {
		t.Errorf("mergeScopes = %v", got)
	}
	if got := mergeScopes(nil, nil); got == nil || len(got) != 0 {
		t.Errorf("mergeScopes of nothing = %#v, want an empty list", got)
	}
}

func TestClassify(t *testing.T) {
	nf := classify(errors.Join(errors.New("user x"), store.ErrNotFound))
	if !errors.Is(nf, ErrNotFound) || !errors.Is(nf, store.ErrNotFound) || nf.Error() != "user x\nstore: not found" {
		t.Errorf("classified not-found: %v", nf)
	}
	ex := classify(store.ErrConflict)
	if !errors.Is(ex, ErrExists) || !errors.Is(ex, store.ErrConflict) || errors.Is(ex, ErrNotFound) {
		t.Errorf("classified conflict: %v", ex)
	}
	other := errors.New("disk full")
	if classify(other) != other || classify(nil) != nil {
		t.Error("classify changed an error it does not know")
	}
}
