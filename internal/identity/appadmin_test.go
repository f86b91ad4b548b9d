package identity

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"graphgate/internal/store"
)

// TestAdminConsentByApplicationAdministrators: an Application or Cloud
// Application Administrator grants tenant-wide consent to delegated
// permissions, and is refused (AADSTS90094, nothing granted) for
// application permissions of Microsoft Graph, which need a Global or
// Privileged Role Administrator ("Grant tenant-wide admin consent to an
// application").
func TestAdminConsentByApplicationAdministrators(t *testing.T) {
	const (
		appAdmin      = "9b895d92-2cd3-44c7-9d02-a6ac2d5ea5c3"
		cloudAppAdmin = "158c047a-c907-4556-b7ef-446551a6b5f7"
		globalAdmin   = "62e90394-69f5-4237-9190-012177145e10"
		delegatedApp  = "00000000-0000-4000-8000-0000000000c1"
		appRolesApp   = "00000000-0000-4000-8000-0000000000c2"
	)
	for _, c := range []struct {
		name      string
		role      string
		app       string
		wantGrant bool
	}{
		{"application admin, delegated permissions", appAdmin, delegatedApp, true},
		{"cloud application admin, delegated permissions", cloudAppAdmin, delegatedApp, true},
		{"application admin, Graph application permissions", appAdmin, appRolesApp, false},
		{"cloud application admin, Graph application permissions", cloudAppAdmin, appRolesApp, false},
		{"global admin, Graph application permissions", globalAdmin, appRolesApp, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			h := newHarness(t, Config{})
			ctx := t.Context()
			ru := []store.RedirectURI{{URI: redirect, Kind: store.RedirectPublicClient}}
			for _, a := range []store.App{
				{AppID: delegatedApp, DisplayName: "Delegated App", RequiredScopes: []string{"Mail.Read", "User.Read.All"}},
				{AppID: appRolesApp, DisplayName: "Daemon App", RequiredScopes: []string{"User.Read"}, RequiredRoles: []string{"Mail.Read"}},
			} {
				a.TenantID, a.ObjectID, a.SignInAudience, a.PublicClient, a.RedirectURIs, a.CreatedAt, a.Version =
					h.contoso.ID, a.AppID, store.AudienceMyOrg, true, ru, h.clock.Now(), 1
				if err := h.st.CreateApp(ctx, a); err != nil {
					t.Fatal(err)
				}
			}
			if err := h.st.UpdateUser(ctx, h.contoso.ID, h.adele.ID, func(u store.User) (store.User, error) {
				u.Roles = []string{c.role}
				return u, nil
			}); err != nil {
				t.Fatal(err)
			}
			b := h.browser()
			p := h.get(b, "/"+h.contoso.ID+"/adminconsent?"+form("client_id", c.app, "redirect_uri", redirect, "state", "st").Encode())
			r := h.login(b, p, h.adele.UserPrincipalName, userPassword)
			if c.wantGrant {
				if !strings.Contains(r.body, `id="accept"`) {
					t.Fatalf("no admin consent page: %s", r)
				}
				v := hidden(r.body)
				v.Set("decision", "accept")
				r = h.post(b, "/consent", v)
			}
			loc, err := url.Parse(r.header.Get("Location"))
			if r.status != http.StatusFound || err != nil {
				t.Fatalf("want a redirect to the app, got %s", r)
			}
			q := loc.Query()
			grants, err := h.st.DelegatedGrants(ctx, h.contoso.ID, c.app, "")
			if err != nil {
				t.Fatal(err)
			}
			roles, err := h.st.AppRoleAssignments(ctx, h.contoso.ID, c.app)
			if err != nil {
				t.Fatal(err)
			}
			if c.wantGrant {
				if q.Get("admin_consent") != "True" || len(grants) == 0 {
					t.Errorf("want consent granted: redirect %s, grants %+v", loc, grants)
				}
				if c.app == appRolesApp && len(roles) != 1 {
					t.Errorf("app role assignments %+v, want Mail.Read", roles)
				}
				return
			}
			if q.Get("error") != "access_denied" || !strings.HasPrefix(q.Get("error_description"), "AADSTS90094") ||
				!strings.Contains(q.Get("error_description"), "Privileged Role Administrator") {
				t.Errorf("want access_denied AADSTS90094 naming the roles that may, got %s", loc)
			}
			if len(grants) != 0 || len(roles) != 0 {
				t.Errorf("a refused consent granted %+v, %+v", grants, roles)
			}
		})
	}
}
