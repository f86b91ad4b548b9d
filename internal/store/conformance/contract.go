package conformance

import (
	"context"
	"errors"
	"testing"
	"time"

	"graphgate/internal/store"
)

// Clauses of the contract that cut across areas.
var contractTests = []test{
	{"NotFound", testNotFound},
	{"EmptyLists", testEmptyLists},
	{"UpdateErrorChangesNothing", testUpdateErrors},
	{"TimesUTCMilliseconds", testTimes},
	{"NULRefused", testNULRefused},
}

// testNotFound: every lookup, update and delete of a missing object returns
// ErrNotFound, and update closures are not called for one. The store holds
// one object of each kind, so "missing" means a near miss, not an empty table.
func testNotFound(t *testing.T, s store.Store) {
	ctx := t.Context()
	tn := newTenant("Contoso", "contoso.com")
	u := newUser(tn.ID, "adelev@contoso.com")
	g := newGroup(tn.ID, "Retail")
	au := newAU(tn.ID, "Seattle")
	m := store.Membership{TenantID: tn.ID, ContainerID: g.ID, ContainerKind: store.ContainerGroup, MemberID: u.ID, Role: store.RoleMember}
	app := newApp(tn.ID, "Web")
	must(t, s.CreateTenant(ctx, tn))
	must(t, s.CreateUser(ctx, u))
	must(t, s.CreateGroup(ctx, g))
	must(t, s.CreateAdministrativeUnit(ctx, au))
	must(t, s.AddMember(ctx, m))
	must(t, s.CreateApp(ctx, app))
	_, err := s.EnsureServicePrincipal(ctx, tn.ID, app.AppID, app.DisplayName)
	must(t, err)
	must(t, s.AddAppRoleAssignment(ctx, store.AppRoleAssignment{ID: newID(), TenantID: tn.ID, ClientID: app.AppID, Permission: "Mail.Read", CreatedAt: at(0)}))
	must(t, s.CreateAuthCode(ctx, newAuthCode("code", tn.ID, app.AppID, u.ID)))
	must(t, s.CreateRefreshToken(ctx, newRefreshToken("token", newID(), tn.ID, app.AppID, u.ID)))
	must(t, s.CreateDeviceCode(ctx, newDeviceCode("device", "BCDFGHJK", app.AppID)))

	missing := newID()
	noCall := func(what string) func() {
		return func() { t.Errorf("%s called its closure for a missing object", what) }
	}
	owner := m
	owner.Role = store.RoleOwner
	for _, tc := range []struct {
		name string
		call func(ctx context.Context) error
	}{
		{"GetTenant", func(ctx context.Context) error { _, err := s.GetTenant(ctx, missing); return err }},
		{"TenantByDomain", func(ctx context.Context) error { _, err := s.TenantByDomain(ctx, "fabrikam.com"); return err }},
		{"UpdateTenant", func(ctx context.Context) error {
			return s.UpdateTenant(ctx, missing, func(x store.Tenant) (store.Tenant, error) { noCall("UpdateTenant")(); return x, nil })
		}},
		{"GetUser", func(ctx context.Context) error { _, err := s.GetUser(ctx, tn.ID, missing); return err }},
		{"UserByUPN", func(ctx context.Context) error { _, err := s.UserByUPN(ctx, "alexw@contoso.com"); return err }},
		{"UpdateUser", func(ctx context.Context) error {
			return s.UpdateUser(ctx, tn.ID, missing, func(x store.User) (store.User, error) { noCall("UpdateUser")(); return x, nil })
		}},
		{"DeleteUser", func(ctx context.Context) error { return s.DeleteUser(ctx, tn.ID, missing) }},
		{"GetGroup", func(ctx context.Context) error { _, err := s.GetGroup(ctx, tn.ID, missing); return err }},
		{"UpdateGroup", func(ctx context.Context) error {
			return s.UpdateGroup(ctx, tn.ID, missing, func(x store.Group) (store.Group, error) { noCall("UpdateGroup")(); return x, nil })
		}},
		{"DeleteGroup", func(ctx context.Context) error { return s.DeleteGroup(ctx, tn.ID, missing) }},
		{"GetAdministrativeUnit", func(ctx context.Context) error { _, err := s.GetAdministrativeUnit(ctx, tn.ID, missing); return err }},
		{"RemoveMember", func(ctx context.Context) error { return s.RemoveMember(ctx, owner) }},
		{"GetApp", func(ctx context.Context) error { _, err := s.GetApp(ctx, missing); return err }},
		{"UpdateApp", func(ctx context.Context) error {
			return s.UpdateApp(ctx, missing, func(x store.App) (store.App, error) { noCall("UpdateApp")(); return x, nil })
		}},
		{"DeleteApp", func(ctx context.Context) error { return s.DeleteApp(ctx, missing) }},
		{"GetServicePrincipal", func(ctx context.Context) error { _, err := s.GetServicePrincipal(ctx, tn.ID, missing); return err }},
		{"GetServicePrincipal/OtherTenant", func(ctx context.Context) error { _, err := s.GetServicePrincipal(ctx, missing, app.AppID); return err }},
		{"DeleteDelegatedGrant", func(ctx context.Context) error { return s.DeleteDelegatedGrant(ctx, tn.ID, missing) }},
		{"RemoveAppRoleAssignment", func(ctx context.Context) error {
			return s.RemoveAppRoleAssignment(ctx, tn.ID, app.AppID, "Files.Read.All")
		}},
		{"UpdateAuthCode", func(ctx context.Context) error {
			return s.UpdateAuthCode(ctx, hash("other"), func(x store.AuthCode) (store.AuthCode, error) { noCall("UpdateAuthCode")(); return x, nil })
		}},
		{"GetRefreshToken", func(ctx context.Context) error { _, err := s.GetRefreshToken(ctx, hash("other")); return err }},
		{"UpdateRefreshToken", func(ctx context.Context) error {
			next := newRefreshToken("next", newID(), tn.ID, app.AppID, u.ID)
			err := s.UpdateRefreshToken(ctx, hash("other"), func(x store.RefreshToken) (store.RefreshToken, *store.RefreshToken, error) {
				noCall("UpdateRefreshToken")()
				return x, &next, nil
			})
			if err == nil {
				return nil
			}
			if _, getErr := s.GetRefreshToken(ctx, next.Hash); !errors.Is(getErr, store.ErrNotFound) {
				t.Errorf("UpdateRefreshToken of a missing token stored its successor (%v)", getErr)
			}
			return err
		}},
		{"GetDeviceCode", func(ctx context.Context) error { _, err := s.GetDeviceCode(ctx, hash("other")); return err }},
		{"DeviceCodeByUserCode", func(ctx context.Context) error { _, err := s.DeviceCodeByUserCode(ctx, "LMNPQRST"); return err }},
		{"UpdateDeviceCode", func(ctx context.Context) error {
			return s.UpdateDeviceCode(ctx, hash("other"), func(x store.DeviceCode) (store.DeviceCode, error) { noCall("UpdateDeviceCode")(); return x, nil })
		}},
	} {
		wantErr(t, tc.call(ctx), store.ErrNotFound, tc.name)
	}
}

// testEmptyLists: lists of nothing are empty, not errors.
func testEmptyLists(t *testing.T, s store.Store) {
	ctx := t.Context()
	id := newID()
	count := func(n int, err error) (int, error) { return n, err }
	for _, tc := range []struct {
		name string
		list func() (int, error)
	}{
		{"ListTenants", func() (int, error) { l, err := s.ListTenants(ctx); return count(len(l), err) }},
		{"ListUsers", func() (int, error) { l, err := s.ListUsers(ctx, id, "", 0); return count(len(l), err) }},
		{"ListGroups", func() (int, error) { l, err := s.ListGroups(ctx, id, "", 10); return count(len(l), err) }},
		{"ListAdministrativeUnits", func() (int, error) { l, err := s.ListAdministrativeUnits(ctx, id); return count(len(l), err) }},
		{"Members", func() (int, error) { l, err := s.Members(ctx, id, id, store.RoleMember); return count(len(l), err) }},
		{"MemberOf", func() (int, error) { l, err := s.MemberOf(ctx, id, id, store.RoleOwner); return count(len(l), err) }},
		{"ListApps", func() (int, error) { l, err := s.ListApps(ctx, id); return count(len(l), err) }},
		{"ListServicePrincipals", func() (int, error) { l, err := s.ListServicePrincipals(ctx, id); return count(len(l), err) }},
		{"DelegatedGrants", func() (int, error) { l, err := s.DelegatedGrants(ctx, id, id, id); return count(len(l), err) }},
		{"ListDelegatedGrants", func() (int, error) { l, err := s.ListDelegatedGrants(ctx, id); return count(len(l), err) }},
		{"AppRoleAssignments", func() (int, error) { l, err := s.AppRoleAssignments(ctx, id, id); return count(len(l), err) }},
		{"SigningKeys", func() (int, error) { l, err := s.SigningKeys(ctx); return count(len(l), err) }},
		{"RevokeFamily", func() (int, error) { return s.RevokeFamily(ctx, id, at(0)) }},
		{"RevokeUserTokens", func() (int, error) { return s.RevokeUserTokens(ctx, id, id, "", at(0)) }},
		{"DeleteExpired", func() (int, error) { return s.DeleteExpired(ctx, at(0)) }},
	} {
		n, err := tc.list()
		if err != nil || n != 0 {
			t.Errorf("%s on an empty store = %d, %v; want 0, nil", tc.name, n, err)
		}
	}
}

// testUpdateErrors: an update whose closure returns an error returns that
// error and changes nothing, even though the closure changed its value.
func testUpdateErrors(t *testing.T, s store.Store) {
	ctx := t.Context()
	errVeto := errors.New("vetoed by the closure")
	for _, tc := range []struct {
		name string
		veto error
		// run creates an object, updates it with a closure that changes it
		// and returns veto, and checks the error and the object.
		run func(t *testing.T, veto error)
	}{
		{"UpdateTenant", errVeto, func(t *testing.T, veto error) {
			tn := newTenant("Contoso", "contoso.com")
			must(t, s.CreateTenant(ctx, tn))
			err := s.UpdateTenant(ctx, tn.ID, func(x store.Tenant) (store.Tenant, error) {
				x.DisplayName, x.Domains = "changed", []string{"changed.com"}
				return x, veto
			})
			wantErr(t, err, veto, "UpdateTenant")
			got, err := s.GetTenant(ctx, tn.ID)
			must(t, err)
			check(t, "the tenant", got, tn)
			_, err = s.TenantByDomain(ctx, "changed.com")
			wantErr(t, err, store.ErrNotFound, "TenantByDomain of the vetoed domain")
		}},
		{"UpdateUser", errVeto, func(t *testing.T, veto error) {
			u := newUser(newID(), "adelev@contoso.com")
			must(t, s.CreateUser(ctx, u))
			err := s.UpdateUser(ctx, u.TenantID, u.ID, func(x store.User) (store.User, error) {
				x.UserPrincipalName, x.DisplayName, x.Roles = "changed@contoso.com", "changed", nil
				return x, veto
			})
			wantErr(t, err, veto, "UpdateUser")
			got, err := s.GetUser(ctx, u.TenantID, u.ID)
			must(t, err)
			check(t, "the user", got, u)
			_, err = s.UserByUPN(ctx, "changed@contoso.com")
			wantErr(t, err, store.ErrNotFound, "UserByUPN of the vetoed UPN")
		}},
		{"UpdateUser/ErrPrecondition", store.ErrPrecondition, func(t *testing.T, veto error) {
			// How callers check an etag: the closure compares Version.
			u := newUser(newID(), "meganb@contoso.com")
			must(t, s.CreateUser(ctx, u))
			ifMatch := u.Version + 1
			err := s.UpdateUser(ctx, u.TenantID, u.ID, func(x store.User) (store.User, error) {
				x.JobTitle = "changed"
				if x.Version != ifMatch {
					return x, veto
				}
				return x, nil
			})
			wantErr(t, err, store.ErrPrecondition, "UpdateUser with a stale version")
			got, err := s.GetUser(ctx, u.TenantID, u.ID)
			must(t, err)
			check(t, "the user", got, u)
		}},
		{"UpdateGroup", errVeto, func(t *testing.T, veto error) {
			g := newGroup(newID(), "Retail")
			must(t, s.CreateGroup(ctx, g))
			err := s.UpdateGroup(ctx, g.TenantID, g.ID, func(x store.Group) (store.Group, error) {
				x.DisplayName, x.GroupTypes = "changed", nil
				return x, veto
			})
			wantErr(t, err, veto, "UpdateGroup")
			got, err := s.GetGroup(ctx, g.TenantID, g.ID)
			must(t, err)
			check(t, "the group", got, g)
		}},
		{"UpdateApp", errVeto, func(t *testing.T, veto error) {
			a := newApp(newID(), "Web")
			must(t, s.CreateApp(ctx, a))
			err := s.UpdateApp(ctx, a.AppID, func(x store.App) (store.App, error) {
				x.DisplayName, x.Secrets, x.RedirectURIs, x.Certificates = "changed", nil, nil, nil
				return x, veto
			})
			wantErr(t, err, veto, "UpdateApp")
			got, err := s.GetApp(ctx, a.AppID)
			must(t, err)
			check(t, "the app", got, a)
		}},
		{"UpsertDelegatedGrant/Existing", errVeto, func(t *testing.T, veto error) {
			k := grantKey(newID(), newID(), store.ConsentAllPrincipals, "")
			must(t, s.UpsertDelegatedGrant(ctx, k, setScopes("User.Read")))
			before := getGrant(t, s, k)
			err := s.UpsertDelegatedGrant(ctx, k, func(x store.DelegatedGrant) (store.DelegatedGrant, error) {
				x.Scopes = append(x.Scopes, "Mail.Read")
				return x, veto
			})
			wantErr(t, err, veto, "UpsertDelegatedGrant")
			check(t, "the grant", getGrant(t, s, k), before)
		}},
		{"UpsertDelegatedGrant/New", errVeto, func(t *testing.T, veto error) {
			k := grantKey(newID(), newID(), store.ConsentPrincipal, newID())
			err := s.UpsertDelegatedGrant(ctx, k, func(x store.DelegatedGrant) (store.DelegatedGrant, error) {
				x.Scopes = []string{"Mail.Read"}
				return x, veto
			})
			wantErr(t, err, veto, "UpsertDelegatedGrant")
			list, err := s.ListDelegatedGrants(ctx, k.TenantID)
			must(t, err)
			check(t, "the tenant's grants", list, nil)
		}},
		{"UpdateAuthCode", errVeto, func(t *testing.T, veto error) {
			c := newAuthCode("code", newID(), newID(), newID())
			must(t, s.CreateAuthCode(ctx, c))
			err := s.UpdateAuthCode(ctx, c.Hash, func(x store.AuthCode) (store.AuthCode, error) {
				x.RedeemedAt, x.FamilyID = at(time.Minute), newID()
				return x, veto
			})
			wantErr(t, err, veto, "UpdateAuthCode")
			got, err := getAuthCode(ctx, s, c.Hash)
			must(t, err)
			check(t, "the code", got, c)
		}},
		{"UpdateRefreshToken", errVeto, func(t *testing.T, veto error) {
			rt := newRefreshToken("rt", newID(), newID(), newID(), newID())
			must(t, s.CreateRefreshToken(ctx, rt))
			next := newRefreshToken("rt-next", rt.FamilyID, rt.TenantID, rt.ClientID, rt.UserID)
			err := s.UpdateRefreshToken(ctx, rt.Hash, func(x store.RefreshToken) (store.RefreshToken, *store.RefreshToken, error) {
				x.UsedAt = at(time.Minute)
				return x, &next, veto
			})
			wantErr(t, err, veto, "UpdateRefreshToken")
			got, err := s.GetRefreshToken(ctx, rt.Hash)
			must(t, err)
			check(t, "the token", got, rt)
			_, err = s.GetRefreshToken(ctx, next.Hash)
			wantErr(t, err, store.ErrNotFound, "the successor of a vetoed update")
		}},
		{"UpdateDeviceCode", errVeto, func(t *testing.T, veto error) {
			d := newDeviceCode("dc", "BCDFGHJK", newID())
			must(t, s.CreateDeviceCode(ctx, d))
			err := s.UpdateDeviceCode(ctx, d.Hash, func(x store.DeviceCode) (store.DeviceCode, error) {
				x.Status, x.UserID = store.DeviceApproved, newID()
				return x, veto
			})
			wantErr(t, err, veto, "UpdateDeviceCode")
			got, err := s.GetDeviceCode(ctx, d.Hash)
			must(t, err)
			check(t, "the device code", got, d)
		}},
	} {
		t.Run(tc.name, func(t *testing.T) { tc.run(t, tc.veto) })
	}
}

// testTimes: times come back in UTC and keep at least millisecond
// precision, whatever the location they were given in.
func testTimes(t *testing.T, s store.Store) {
	ctx := t.Context()
	zone := time.FixedZone("UTC+05:30", 5*3600+1800)
	given := time.Date(2025, 7, 1, 9, 30, 15, 123_456_789, zone)
	inWindow := func(what string, got time.Time) {
		t.Helper()
		lo := given.Truncate(time.Millisecond)
		if got.Location() != time.UTC {
			t.Errorf("%s: %v is not in UTC", what, got)
		}
		if got.Before(lo) || got.After(given) {
			t.Errorf("%s: %v, want %v to the millisecond", what, got, given.UTC())
		}
	}

	u := newUser(newID(), "adelev@contoso.com")
	u.CreatedAt = given
	must(t, s.CreateUser(ctx, u))
	gotUser, err := s.GetUser(ctx, u.TenantID, u.ID)
	must(t, err)
	inWindow("User.CreatedAt", gotUser.CreatedAt)

	a := newApp(newID(), "Web")
	a.Secrets[0].ExpiresAt = given
	a.Certificates[0].ExpiresAt = given
	must(t, s.CreateApp(ctx, a))
	gotApp, err := s.GetApp(ctx, a.AppID)
	must(t, err)
	inWindow("ClientSecret.ExpiresAt", gotApp.Secrets[0].ExpiresAt)
	inWindow("Certificate.ExpiresAt", gotApp.Certificates[0].ExpiresAt)

	c := newAuthCode("code", newID(), newID(), newID())
	c.AuthTime = given
	must(t, s.CreateAuthCode(ctx, c))
	var gotCode store.AuthCode
	must(t, s.UpdateAuthCode(ctx, c.Hash, redeemOnce(given, newID(), &gotCode)))
	inWindow("AuthCode.AuthTime", gotCode.AuthTime)
	err = s.UpdateAuthCode(ctx, c.Hash, redeemOnce(given.Add(time.Hour), newID(), &gotCode))
	wantErr(t, err, errUsed, "redeeming a code twice")
	inWindow("AuthCode.RedeemedAt (stored)", gotCode.RedeemedAt)

	rt := newRefreshToken("rt", newID(), newID(), newID(), newID())
	rt.CreatedAt, rt.ExpiresAt = given, given.Add(time.Hour)
	must(t, s.CreateRefreshToken(ctx, rt))
	_, err = rotate(ctx, s, rt.Hash, newRefreshToken("rt2", rt.FamilyID, rt.TenantID, rt.ClientID, rt.UserID), given)
	must(t, err)
	gotRT, err := s.GetRefreshToken(ctx, rt.Hash)
	must(t, err)
	inWindow("RefreshToken.CreatedAt", gotRT.CreatedAt)
	inWindow("RefreshToken.UsedAt", gotRT.UsedAt)

	k := newSigningKey(1)
	k.ActivateAt = given
	_, err = s.AddSigningKey(ctx, k)
	must(t, err)
	keys, err := s.SigningKeys(ctx)
	must(t, err)
	inWindow("SigningKey.ActivateAt", keys[0].ActivateAt)

	// Zero times stay zero.
	d := newDeviceCode("dc", "BCDFGHJK", newID())
	d.LastPollAt = time.Time{}
	must(t, s.CreateDeviceCode(ctx, d))
	gotDevice, err := s.GetDeviceCode(ctx, d.Hash)
	must(t, err)
	if !gotDevice.LastPollAt.IsZero() {
		t.Errorf("DeviceCode.LastPollAt: zero time came back as %v", gotDevice.LastPollAt)
	}
}
