package conformance

import (
	"testing"
	"time"

	"graphgate/internal/store"
)

var appTests = []test{
	{"CreateGet", func(t *testing.T, s store.Store) {
		ctx := t.Context()
		a := newApp(newID(), "Contoso Web")
		must(t, s.CreateApp(ctx, a))
		got, err := s.GetApp(ctx, a.AppID)
		must(t, err)
		check(t, "GetApp", got, a)

		// A public client without credentials or lists.
		p := store.App{AppID: newID(), ObjectID: newID(), TenantID: a.TenantID, DisplayName: "CLI",
			SignInAudience: store.AudienceMultipleOrgsAndPersonal, PublicClient: true, CreatedAt: at(0), Version: 1}
		must(t, s.CreateApp(ctx, p))
		got, err = s.GetApp(ctx, p.AppID)
		must(t, err)
		check(t, "GetApp of a bare public client", got, p)
	}},
	{"CreateDuplicate", func(t *testing.T, s store.Store) {
		ctx := t.Context()
		a := newApp(newID(), "Contoso Web")
		must(t, s.CreateApp(ctx, a))
		b := newApp(newID(), "Other")
		b.AppID = a.AppID
		wantErr(t, s.CreateApp(ctx, b), store.ErrConflict, "CreateApp with an existing client id")
		got, err := s.GetApp(ctx, a.AppID)
		must(t, err)
		check(t, "GetApp after the failed create", got, a)
	}},
	{"List", func(t *testing.T, s store.Store) {
		ctx := t.Context()
		tenant := newID()
		a, b := newApp(tenant, "A"), newApp(tenant, "B")
		b.Secrets = nil
		for _, x := range []store.App{a, b, newApp(newID(), "Elsewhere")} {
			must(t, s.CreateApp(ctx, x))
		}
		got, err := s.ListApps(ctx, tenant)
		must(t, err)
		byID := func(a store.App) string { return a.AppID }
		check(t, "ListApps", sorted(got, byID), sorted([]store.App{a, b}, byID))
	}},
	{"Update", func(t *testing.T, s store.Store) {
		ctx := t.Context()
		a := newApp(newID(), "Contoso Web")
		must(t, s.CreateApp(ctx, a))
		added := store.ClientSecret{ID: newID(), DisplayName: "rotated", Hint: "q8~", Hash: hash("secret three"), ExpiresAt: at(48 * time.Hour), CreatedAt: at(time.Hour)}
		want := a
		want.DisplayName = "Contoso Web (prod)"
		want.RedirectURIs = []store.RedirectURI{a.RedirectURIs[2], a.RedirectURIs[0], {URI: "https://app.contoso.com/callback", Kind: store.RedirectWeb}}
		want.Secrets = []store.ClientSecret{a.Secrets[1], added}
		want.Certificates = nil
		want.RequiredScopes = []string{"User.Read"}
		want.RequiredRoles = []string{"Mail.Read", "Calendars.Read"}
		want.SignInAudience = store.AudienceMyOrg
		want.PublicClient = true
		want.Version = a.Version + 1
		must(t, s.UpdateApp(ctx, a.AppID, func(cur store.App) (store.App, error) {
			check(t, "the closure's app", cur, a)
			v := want
			v.Version = 42
			return v, nil
		}))
		got, err := s.GetApp(ctx, a.AppID)
		must(t, err)
		check(t, "GetApp after update", got, want)
	}},
	{"Delete", func(t *testing.T, s store.Store) {
		ctx := t.Context()
		a := newApp(newID(), "Contoso Web")
		must(t, s.CreateApp(ctx, a))
		must(t, s.DeleteApp(ctx, a.AppID))
		_, err := s.GetApp(ctx, a.AppID)
		wantErr(t, err, store.ErrNotFound, "GetApp after DeleteApp")
		wantErr(t, s.DeleteApp(ctx, a.AppID), store.ErrNotFound, "DeleteApp twice")
		list, err := s.ListApps(ctx, a.TenantID)
		must(t, err)
		check(t, "ListApps after DeleteApp", list, nil)

		// The client id can be registered again, with nothing left over.
		b := store.App{AppID: a.AppID, ObjectID: newID(), TenantID: a.TenantID, DisplayName: "Again", CreatedAt: at(0), Version: 1}
		must(t, s.CreateApp(ctx, b))
		got, err := s.GetApp(ctx, a.AppID)
		must(t, err)
		check(t, "GetApp of the re-registered app", got, b)
	}},
}

var spTests = []test{
	{"Ensure", func(t *testing.T, s store.Store) {
		ctx := t.Context()
		tenant, appID := newID(), newID()
		sp, err := s.EnsureServicePrincipal(ctx, tenant, appID, "Contoso Web")
		must(t, err)
		if sp.ID == "" || sp.TenantID != tenant || sp.AppID != appID || sp.DisplayName != "Contoso Web" || sp.CreatedAt.IsZero() {
			t.Fatalf("EnsureServicePrincipal = %+v", sp)
		}
		check(t, "EnsureServicePrincipal", sp, sp) // times in UTC

		again, err := s.EnsureServicePrincipal(ctx, tenant, appID, "Renamed")
		must(t, err)
		check(t, "EnsureServicePrincipal again", again, sp)
		got, err := s.GetServicePrincipal(ctx, tenant, appID)
		must(t, err)
		check(t, "GetServicePrincipal", got, sp)

		elsewhere, err := s.EnsureServicePrincipal(ctx, newID(), appID, "Contoso Web")
		must(t, err)
		if elsewhere.ID == sp.ID {
			t.Errorf("service principals of one app in two tenants share id %s", sp.ID)
		}
		other, err := s.EnsureServicePrincipal(ctx, tenant, newID(), "Other")
		must(t, err)

		list, err := s.ListServicePrincipals(ctx, tenant)
		must(t, err)
		byID := func(p store.ServicePrincipal) string { return p.ID }
		check(t, "ListServicePrincipals", sorted(list, byID), sorted([]store.ServicePrincipal{sp, other}, byID))
	}},
	{"EnsureConcurrent", func(t *testing.T, s store.Store) {
		ctx := t.Context()
		tenant, appID := newID(), newID()
		const n = 10
		sps := make([]store.ServicePrincipal, n)
		errs := concurrently(n, func(i int) (err error) {
			sps[i], err = s.EnsureServicePrincipal(ctx, tenant, appID, "Contoso Web")
			return err
		})
		for i := range n {
			must(t, errs[i])
			if sps[i].ID != sps[0].ID {
				t.Errorf("concurrent EnsureServicePrincipal returned ids %s and %s", sps[0].ID, sps[i].ID)
			}
		}
		list, err := s.ListServicePrincipals(ctx, tenant)
		must(t, err)
		if len(list) != 1 {
			t.Errorf("ListServicePrincipals after concurrent ensures = %+v, want one", list)
		}
	}},
}
