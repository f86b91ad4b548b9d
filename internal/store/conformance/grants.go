package conformance

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"graphgate/internal/store"
)

// setScopes is an upsert closure that sets the scopes and the update time.
func setScopes(scopes ...string) func(store.DelegatedGrant) (store.DelegatedGrant, error) {
	return func(g store.DelegatedGrant) (store.DelegatedGrant, error) {
		g.Scopes = scopes
		if g.CreatedAt.IsZero() {
			g.CreatedAt = at(time.Hour)
		}
		g.UpdatedAt = at(2 * time.Hour)
		return g, nil
	}
}

func grantKey(tenant, client string, ct store.ConsentType, principal string) store.DelegatedGrant {
	return store.DelegatedGrant{TenantID: tenant, ClientID: client, ConsentType: ct, PrincipalID: principal}
}

// getGrant returns the grant with the key, failing the test if it is not
// exactly one.
func getGrant(t *testing.T, s store.Store, k store.DelegatedGrant) store.DelegatedGrant {
	t.Helper()
	all, err := s.ListDelegatedGrants(t.Context(), k.TenantID)
	must(t, err)
	var found []store.DelegatedGrant
	for _, g := range all {
		if g.ClientID == k.ClientID && g.ConsentType == k.ConsentType && g.PrincipalID == k.PrincipalID {
			found = append(found, g)
		}
	}
	if len(found) != 1 {
		t.Fatalf("grants with key %+v: %+v, want one", k, found)
	}
	return found[0]
}

var grantTests = []test{
	{"UpsertCreates", func(t *testing.T, s store.Store) {
		ctx := t.Context()
		k := grantKey(newID(), newID(), store.ConsentPrincipal, newID())
		called := 0
		must(t, s.UpsertDelegatedGrant(ctx, k, func(g store.DelegatedGrant) (store.DelegatedGrant, error) {
			called++
			check(t, "the closure's new grant", g, k)
			return setScopes("User.Read", "Mail.Read")(g)
		}))
		if called == 0 {
			t.Fatal("the closure was not called")
		}
		got := getGrant(t, s, k)
		if got.ID == "" {
			t.Error("the new grant has no id")
		}
		want := k
		want.ID = got.ID
		want.Scopes = []string{"User.Read", "Mail.Read"}
		want.CreatedAt, want.UpdatedAt = at(time.Hour), at(2*time.Hour)
		check(t, "the new grant", got, want)
	}},
	{"UpsertMerges", func(t *testing.T, s store.Store) {
		ctx := t.Context()
		k := grantKey(newID(), newID(), store.ConsentAllPrincipals, "")
		must(t, s.UpsertDelegatedGrant(ctx, k, setScopes("User.Read")))
		first := getGrant(t, s, k)
		must(t, s.UpsertDelegatedGrant(ctx, k, func(g store.DelegatedGrant) (store.DelegatedGrant, error) {
			check(t, "the closure's existing grant", g, first)
			g.Scopes = append(g.Scopes, "Mail.Read", "Calendars.Read")
			g.UpdatedAt = at(3 * time.Hour)
			return g, nil
		}))
		want := first
		want.Scopes = []string{"User.Read", "Mail.Read", "Calendars.Read"}
		want.UpdatedAt = at(3 * time.Hour)
		check(t, "the merged grant", getGrant(t, s, k), want)
	}},
	{"UpsertConcurrent", func(t *testing.T, s store.Store) {
		// Concurrent merges lose no scope and create one grant.
		ctx := t.Context()
		k := grantKey(newID(), newID(), store.ConsentPrincipal, newID())
		const n = 10
		errs := concurrently(n, func(i int) error {
			return s.UpsertDelegatedGrant(ctx, k, func(g store.DelegatedGrant) (store.DelegatedGrant, error) {
				g.Scopes = append(g.Scopes, fmt.Sprint("Scope", i))
				return g, nil
			})
		})
		for _, err := range errs {
			must(t, err)
		}
		got := getGrant(t, s, k)
		scopes := slices.Clone(got.Scopes)
		slices.Sort(scopes)
		var want []string
		for i := range n {
			want = append(want, fmt.Sprint("Scope", i))
		}
		slices.Sort(want)
		if !slices.Equal(scopes, want) {
			t.Errorf("scopes after %d concurrent merges = %v, want %v", n, scopes, want)
		}
	}},
	{"DelegatedGrants", func(t *testing.T, s store.Store) {
		ctx := t.Context()
		tenant, client, other, u1, u2, u3 := newID(), newID(), newID(), newID(), newID(), newID()
		keys := []store.DelegatedGrant{
			grantKey(tenant, client, store.ConsentAllPrincipals, ""),
			grantKey(tenant, client, store.ConsentPrincipal, u1),
			grantKey(tenant, client, store.ConsentPrincipal, u2),
			grantKey(tenant, other, store.ConsentAllPrincipals, ""),
			grantKey(tenant, other, store.ConsentPrincipal, u3),
			grantKey(newID(), client, store.ConsentAllPrincipals, ""),
		}
		grants := map[string]store.DelegatedGrant{} // by "client/principal"
		for i, k := range keys {
			must(t, s.UpsertDelegatedGrant(ctx, k, setScopes(fmt.Sprint("Scope", i))))
			if k.TenantID == tenant {
				grants[k.ClientID+"/"+k.PrincipalID] = getGrant(t, s, k)
			}
		}
		g := func(client, principal string) store.DelegatedGrant { return grants[client+"/"+principal] }
		byPrincipal := func(g store.DelegatedGrant) string { return string(g.ConsentType) + g.PrincipalID }
		for _, tc := range []struct {
			client, user string
			want         []store.DelegatedGrant
		}{
			{client, u1, []store.DelegatedGrant{g(client, ""), g(client, u1)}},
			{client, u2, []store.DelegatedGrant{g(client, ""), g(client, u2)}},
			{client, u3, []store.DelegatedGrant{g(client, "")}},
			{client, "", []store.DelegatedGrant{g(client, "")}},
			{other, u3, []store.DelegatedGrant{g(other, ""), g(other, u3)}},
			{other, u1, []store.DelegatedGrant{g(other, "")}},
			{newID(), u1, nil},
		} {
			got, err := s.DelegatedGrants(ctx, tenant, tc.client, tc.user)
			must(t, err)
			check(t, fmt.Sprintf("DelegatedGrants(%s, %q)", tc.client, tc.user), sorted(got, byPrincipal), sorted(tc.want, byPrincipal))
		}

		// A user's own grant without a tenant-wide one.
		solo := grantKey(tenant, newID(), store.ConsentPrincipal, u1)
		must(t, s.UpsertDelegatedGrant(ctx, solo, setScopes("User.Read")))
		got, err := s.DelegatedGrants(ctx, tenant, solo.ClientID, u1)
		must(t, err)
		check(t, "DelegatedGrants with only the user's grant", got, []store.DelegatedGrant{getGrant(t, s, solo)})
		got, err = s.DelegatedGrants(ctx, tenant, solo.ClientID, "")
		must(t, err)
		check(t, "DelegatedGrants for no user with only a user's grant", got, nil)
	}},
	{"ListAndDelete", func(t *testing.T, s store.Store) {
		ctx := t.Context()
		tenant, client := newID(), newID()
		all := grantKey(tenant, client, store.ConsentAllPrincipals, "")
		mine := grantKey(tenant, client, store.ConsentPrincipal, newID())
		elsewhere := grantKey(newID(), client, store.ConsentAllPrincipals, "")
		for _, k := range []store.DelegatedGrant{all, mine, elsewhere} {
			must(t, s.UpsertDelegatedGrant(ctx, k, setScopes("User.Read")))
		}
		a, m := getGrant(t, s, all), getGrant(t, s, mine)
		list, err := s.ListDelegatedGrants(ctx, tenant)
		must(t, err)
		byID := func(g store.DelegatedGrant) string { return g.ID }
		check(t, "ListDelegatedGrants", sorted(list, byID), sorted([]store.DelegatedGrant{a, m}, byID))

		wantErr(t, s.DeleteDelegatedGrant(ctx, newID(), a.ID), store.ErrNotFound, "DeleteDelegatedGrant in another tenant")
		must(t, s.DeleteDelegatedGrant(ctx, tenant, a.ID))
		wantErr(t, s.DeleteDelegatedGrant(ctx, tenant, a.ID), store.ErrNotFound, "DeleteDelegatedGrant twice")
		got, err := s.DelegatedGrants(ctx, tenant, client, m.PrincipalID)
		must(t, err)
		check(t, "DelegatedGrants after deleting the tenant-wide grant", got, []store.DelegatedGrant{m})

		// Upserting the key again creates a new grant.
		must(t, s.UpsertDelegatedGrant(ctx, all, func(g store.DelegatedGrant) (store.DelegatedGrant, error) {
			if g.ID != "" || len(g.Scopes) != 0 {
				t.Errorf("the closure got %+v after the grant was deleted, want a zero grant", g)
			}
			return setScopes("Mail.Read")(g)
		}))
	}},
}

var appRoleTests = []test{
	{"AddIdempotent", func(t *testing.T, s store.Store) {
		ctx := t.Context()
		tenant, client := newID(), newID()
		mail := store.AppRoleAssignment{ID: newID(), TenantID: tenant, ClientID: client, Permission: "Mail.Read", CreatedAt: at(time.Hour)}
		users := store.AppRoleAssignment{ID: newID(), TenantID: tenant, ClientID: client, Permission: "User.Read.All", CreatedAt: at(2 * time.Hour)}
		must(t, s.AddAppRoleAssignment(ctx, mail))
		again := mail
		again.ID, again.CreatedAt = newID(), at(5*time.Hour)
		must(t, s.AddAppRoleAssignment(ctx, again))
		must(t, s.AddAppRoleAssignment(ctx, users))
		must(t, s.AddAppRoleAssignment(ctx, store.AppRoleAssignment{ID: newID(), TenantID: tenant, ClientID: newID(), Permission: "Mail.Read", CreatedAt: at(0)}))
		must(t, s.AddAppRoleAssignment(ctx, store.AppRoleAssignment{ID: newID(), TenantID: newID(), ClientID: client, Permission: "Mail.Read", CreatedAt: at(0)}))

		got, err := s.AppRoleAssignments(ctx, tenant, client)
		must(t, err)
		byPerm := func(a store.AppRoleAssignment) string { return a.Permission }
		check(t, "AppRoleAssignments", sorted(got, byPerm), []store.AppRoleAssignment{mail, users})
	}},
	{"AddConcurrent", func(t *testing.T, s store.Store) {
		ctx := t.Context()
		tenant, client := newID(), newID()
		errs := concurrently(10, func(int) error {
			return s.AddAppRoleAssignment(ctx, store.AppRoleAssignment{ID: newID(), TenantID: tenant, ClientID: client, Permission: "Mail.Read", CreatedAt: at(0)})
		})
		for _, err := range errs {
			must(t, err)
		}
		got, err := s.AppRoleAssignments(ctx, tenant, client)
		must(t, err)
		if len(got) != 1 {
			t.Errorf("AppRoleAssignments after concurrent adds = %+v, want one", got)
		}
	}},
	{"Remove", func(t *testing.T, s store.Store) {
		ctx := t.Context()
		tenant, client := newID(), newID()
		mail := store.AppRoleAssignment{ID: newID(), TenantID: tenant, ClientID: client, Permission: "Mail.Read", CreatedAt: at(0)}
		files := store.AppRoleAssignment{ID: newID(), TenantID: tenant, ClientID: client, Permission: "Files.Read.All", CreatedAt: at(0)}
		must(t, s.AddAppRoleAssignment(ctx, mail))
		must(t, s.AddAppRoleAssignment(ctx, files))
		wantErr(t, s.RemoveAppRoleAssignment(ctx, newID(), client, "Mail.Read"), store.ErrNotFound, "RemoveAppRoleAssignment in another tenant")
		must(t, s.RemoveAppRoleAssignment(ctx, tenant, client, "Mail.Read"))
		wantErr(t, s.RemoveAppRoleAssignment(ctx, tenant, client, "Mail.Read"), store.ErrNotFound, "RemoveAppRoleAssignment twice")
		got, err := s.AppRoleAssignments(ctx, tenant, client)
		must(t, err)
		check(t, "AppRoleAssignments after RemoveAppRoleAssignment", got, []store.AppRoleAssignment{files})
		must(t, s.AddAppRoleAssignment(ctx, mail)) // and it can be added again
	}},
}
