package web_test

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"graphgate/internal/demo"
	"graphgate/internal/roles"
	"graphgate/internal/server/servertest"
	"graphgate/internal/store"
)

// TestConsoleApplicationAdministrator: an Application or Cloud
// Application Administrator manages app registrations in the console and
// grants admin consent to delegated permissions, but is refused (403,
// nothing granted) when the app requests application permissions of
// Microsoft Graph, which need a Global or Privileged Role Administrator.
func TestConsoleApplicationAdministrator(t *testing.T) {
	for _, role := range []roles.Role{roles.ApplicationAdministrator, roles.CloudApplicationAdministrator} {
		t.Run(role.String(), func(t *testing.T) {
			env := servertest.Start(t)
			st := env.Server.Store()
			megan, ha, daemon := env.User("megan"), env.App("homeassistant"), env.App("daemon")
			if _, err := env.Server.Directory().SetRoles(t.Context(), demo.TenantID, megan.ID, []roles.Role{role}, nil); err != nil {
				t.Fatal(err)
			}
			b := newBrowser(t, env)
			b.signIn("megan", "/console/")
			if p := b.get("/console/users"); p.status != http.StatusForbidden {
				t.Errorf("users: %d, want 403", p.status)
			}
			// Delegated permissions: granted for the organisation.
			path := "/console/apps/" + ha.ClientID + "/permissions"
			p := b.get(path)
			if p.status != http.StatusOK {
				t.Fatalf("the app's API permissions: %d", p.status)
			}
			if p := b.post(path, url.Values{"csrf": {field(t, csrfRe, p.body)}, "action": {"grant"}}); p.status != http.StatusOK {
				t.Fatalf("grant delegated: %d %s", p.status, p.body)
			}
			gs, err := st.DelegatedGrants(t.Context(), demo.TenantID, ha.ClientID, "")
			if err != nil || len(gs) != 1 || !slices.Contains(gs[0].Scopes, "Mail.Send") || gs[0].ConsentType != store.ConsentAllPrincipals {
				t.Errorf("tenant-wide grant %+v %v", gs, err)
			}
			// Application permissions: the registration may change, the
			// consent is refused and nothing is granted.
			path = "/console/apps/" + daemon.ClientID + "/permissions"
			p = b.get(path)
			tok := field(t, csrfRe, p.body)
			if p := b.post(path, url.Values{"csrf": {tok}, "action": {"add"}, "permission": {"Sites.Read.All"}, "type": {"application"}}); p.status != http.StatusOK {
				t.Fatalf("add an application permission: %d", p.status)
			}
			p = b.post(path, url.Values{"csrf": {tok}, "action": {"grant"}})
			if p.status != http.StatusForbidden || !strings.Contains(p.body, "Privileged Role Administrator") || !strings.Contains(p.body, "Nothing was granted") {
				t.Errorf("grant application permissions: %d, want 403 naming the roles that may", p.status)
			}
			as, _ := st.AppRoleAssignments(t.Context(), demo.TenantID, daemon.ClientID)
			if slices.ContainsFunc(as, func(a store.AppRoleAssignment) bool { return a.Permission == "Sites.Read.All" }) {
				t.Errorf("a refused consent assigned Sites.Read.All: %+v", as)
			}
		})
	}
}
