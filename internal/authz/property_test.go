package authz

import (
	"strings"
	"testing"

	"graphgate/internal/roles"
)

func TestDecideProperties(t *testing.T) {
	e := Default()
	admin := roles.Of(roles.UserAdministrator)
	for _, tc := range []struct {
		name   string
		kind   TokenKind
		scopes string
		roles  roles.Set
		guest  bool
		path   string
		props  []string
		// want: "" allowed, else the reason; the route must allow the call
		// first (routeDenied: it does not, and DecideProperties keeps it).
		want        Reason
		allowed     bool
		routeDenied bool
		explain     string
	}{
		{name: "a User Administrator with User.ReadWrite.All", scopes: "User.ReadWrite.All", roles: admin, path: "/users/x",
			props: []string{"userType"}, allowed: true},
		{name: "a Global Administrator with Directory.ReadWrite.All, any case", scopes: "Directory.ReadWrite.All",
			roles: roles.Of(roles.GlobalAdministrator), path: "/users/x", props: []string{"USERTYPE"}, allowed: true},
		{name: "an app with User.ReadWrite.All needs no role", kind: App, scopes: "User.ReadWrite.All", path: "/users/x",
			props: []string{"userType"}, allowed: true},
		{name: "other properties are the route's business", scopes: "User.ReadWrite", path: "/me",
			props: []string{"jobTitle", "displayName"}, allowed: true},
		{name: "no role: PATCH of another user is already denied", scopes: "User.ReadWrite.All", path: "/users/x",
			props: []string{"userType"}, want: UserLacksRole, routeDenied: true},
		{name: "own profile with User.ReadWrite: not its type", scopes: "User.ReadWrite", path: "/me",
			props: []string{"userType"}, want: MissingPermission, explain: "userType"},
		{name: "own profile with User.ReadWrite.All and no role", scopes: "User.ReadWrite.All", path: "/me",
			props: []string{"displayName", "userType"}, want: UserLacksRole, explain: "User Administrator"},
		{name: "a guest with User.ReadWrite.All and no role on themselves", scopes: "User.ReadWrite.All", guest: true, path: "/me",
			props: []string{"userType"}, want: UserLacksRole},
		{name: "an app with User.Read.All only reads", kind: App, scopes: "User.Read.All", path: "/users/x",
			props: []string{"userType"}, want: MissingPermission, routeDenied: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			granted, err := e.Catalog().ParseScopes(tc.scopes)
			if err != nil {
				t.Fatal(err)
			}
			p := &Principal{Kind: tc.kind, Granted: granted, Roles: tc.roles, Guest: tc.guest}
			tgt := Target{Relation: RelOtherUser}
			if tc.path == "/me" {
				tgt = Target{Relation: RelSelf}
			}
			d := e.Decide(p, "PATCH", tc.path, tgt)
			if d.Allow == tc.routeDenied {
				t.Fatalf("the route's decision: %s", d.Explain())
			}
			got := e.DecideProperties(d, tc.props...)
			if got.Allow != tc.allowed {
				t.Fatalf("allowed %v, want %v: %s", got.Allow, tc.allowed, got.Explain())
			}
			if tc.allowed {
				if got.Check != d.Check || got.Reason != Allowed {
					t.Errorf("an allowed call changed: %+v", got)
				}
				return
			}
			if got.Reason != tc.want || got.Status != 403 {
				t.Errorf("reason %s, status %d; want %s, 403: %s", got.Reason, got.Status, tc.want, got.Explain())
			}
			if !tc.routeDenied && (got.Check != CheckProperty || got.Rule != "usertype-needs-user-admin") {
				t.Errorf("check %s, rule %q: want property, usertype-needs-user-admin", got.Check, got.Rule)
			}
			if msg := checkFits(&got); msg != "" {
				t.Error(msg)
			}
			if !strings.Contains(got.Explain(), tc.explain) {
				t.Errorf("explanation %q does not name %q", got.Explain(), tc.explain)
			}
		})
	}
}
