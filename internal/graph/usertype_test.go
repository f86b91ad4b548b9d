package graph_test

import (
	"graphgate/internal/store"
	"strings"
	"testing"

	"graphgate/internal/demo"
	"graphgate/internal/roles"
	"graphgate/internal/tokens"
)

// PATCH /users/{id} {"userType": …}: who may change a user's type, what
// Graph answers for a value other than Member and Guest, and what existing
// tokens keep.
func TestPatchUserType(t *testing.T) {
	e := newEnv(t)
	// Megan as a User Administrator: the engine reads roles from wids.
	userAdmin := func(scopes ...string) string {
		u := e.storedUser("megan")
		return e.mint(tokens.AccessClaims{IDType: tokens.IDTypeUser, TenantID: u.TenantID, ObjectID: u.ID, AppID: demo.HomeAssistantAppID,
			AppIDACR: tokens.AppIDACRPublic, Scope: strings.Join(scopes, " "), WIDs: []string{roles.UserAdministrator.TemplateID()}})
	}
	denied := func(r resp) {
		t.Helper()
		wantError(t, r, 403, "Authorization_RequestDenied", "Insufficient privileges to complete the operation.")
	}
	invalid := func(r resp) {
		t.Helper()
		wantError(t, r, 400, "Request_BadRequest", "Invalid value specified for property 'userType' of resource 'User'.")
	}
	readAll := e.app("User.Read.All")
	state := func(key string) (userType, upn, job string) {
		t.Helper()
		u := e.must(200, "GET", "/users/"+e.id(key)+"?$select=userType,userPrincipalName,jobTitle", readAll, nil)
		return str(u, "userType"), str(u, "userPrincipalName"), str(u, "jobTitle")
	}
	guestUPN := e.upn("guest")

	for _, tc := range []struct {
		name   string
		token  string
		target string // a demo user's key; "me" patches /me as the token's user
		body   map[string]any
		check  func(r resp)
		want   string // the target's userType afterwards
	}{
		{name: "Global Administrator, User.ReadWrite.All: guest to member", token: e.delegated("admin", "User.ReadWrite.All"), target: "guest",
			body: map[string]any{"userType": "Member"}, want: "Member"},
		{name: "User Administrator, User.ReadWrite.All: member back to guest", token: userAdmin("User.ReadWrite.All"), target: "guest",
			body: map[string]any{"userType": "Guest"}, want: "Guest"},
		{name: "an app with User.ReadWrite.All needs no role", token: e.app("User.ReadWrite.All"), target: "guest",
			body: map[string]any{"userType": "member"}, want: "Member"},
		{name: "User Administrator with Directory.ReadWrite.All", token: userAdmin("Directory.ReadWrite.All"), target: "guest",
			body: map[string]any{"userType": "Guest"}, want: "Guest"},

		{name: "own profile with User.ReadWrite: not one's type", token: e.delegated("adele", "User.ReadWrite"), target: "me",
			body: map[string]any{"userType": "Guest", "jobTitle": "Changed"}, check: denied, want: "Member"},
		{name: "own profile with User.ReadWrite.All but no role", token: e.delegated("adele", "User.ReadWrite.All"), target: "me",
			body: map[string]any{"userType": "Guest"}, check: denied, want: "Member"},
		{name: "another user without a role", token: e.delegated("adele", "User.ReadWrite.All"), target: "megan",
			body: map[string]any{"userType": "Guest"}, check: denied, want: "Member"},
		{name: "an app that only reads", token: e.app("User.Read.All"), target: "megan",
			body: map[string]any{"userType": "Guest"}, check: denied, want: "Member"},

		{name: "not a type", token: e.delegated("admin", "User.ReadWrite.All"), target: "megan",
			body: map[string]any{"userType": "Administrator"}, check: invalid, want: "Member"},
		{name: "not a type, with a profile change: nothing changes", token: e.delegated("admin", "User.ReadWrite.All"), target: "megan",
			body: map[string]any{"userType": "", "jobTitle": "Changed"}, check: invalid, want: "Member"},
		{name: "a shared mailbox has no type to change", token: e.delegated("admin", "User.ReadWrite.All"), target: "support",
			body: map[string]any{"userType": "Guest"}, check: invalid, want: "Member"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			key, path := tc.target, "/me"
			if tc.target == "me" {
				key = "adele"
			} else {
				path = "/users/" + e.id(tc.target)
			}
			_, upn, job := state(key)
			r := e.do("PATCH", path, tc.token, tc.body)
			if tc.check == nil {
				if r.Status != 204 {
					t.Fatalf("PATCH %s %v: %d %s", path, tc.body, r.Status, r.Raw)
				}
			} else {
				tc.check(r)
			}
			gotType, gotUPN, gotJob := state(key)
			if gotType != tc.want || gotUPN != upn {
				t.Errorf("afterwards userType %s, userPrincipalName %s; want %s, %s (the name never changes)", gotType, gotUPN, tc.want, upn)
			}
			if tc.check != nil && gotJob != job {
				t.Errorf("a refused PATCH changed jobTitle to %q", gotJob)
			}
		})
	}
	if _, upn, _ := state("guest"); upn != guestUPN {
		t.Errorf("the guest's name became %s", upn)
	}

	t.Run("TheDecisionLogSaysWhatTheCallerWasAnswered", func(t *testing.T) {
		// The route allows PATCH /me with User.ReadWrite.All (one's own
		// profile); the property check refuses the type without a role. The log's row
		// for the request is the refusal the caller got, not the route's
		// allowance.
		r := e.do("PATCH", "/me", e.delegated("adele", "User.ReadWrite.All"), map[string]any{"userType": "Guest"})
		denied(r)
		id := r.Header.Get("request-id")
		if err := e.srv.FlushDecisionLog(t.Context()); err != nil {
			t.Fatal(err)
		}
		rows, err := e.srv.Store().ListDecisions(t.Context(), store.DecisionQuery{RequestID: id})
		if err != nil {
			t.Fatal(err)
		}
		if len(rows) != 1 {
			t.Fatalf("%d decision log rows for %s, want 1", len(rows), id)
		}
		if d := rows[0]; d.Allowed || d.Status != 403 || d.Check != "property" {
			t.Errorf("the log says allowed %t, status %d, check %q (reason %s); want the property check's refusal, 403", d.Allowed, d.Status, d.Check, d.Reason)
		}
	})

	t.Run("ExistingTokensKeepTheirType", func(t *testing.T) {
		// Kim is a guest: her token says so (acct 1) and guests cannot list users.
		admin := e.delegated("admin", "User.ReadWrite.All")
		kimOld := e.delegated("guest", "User.ReadBasic.All")
		if r := e.do("GET", "/users", kimOld, nil); r.Status != 403 {
			t.Fatalf("a guest listed users: %d", r.Status)
		}
		e.must(204, "PATCH", "/users/"+e.id("guest"), admin, map[string]any{"userType": "Member"})
		if r := e.do("GET", "/users", kimOld, nil); r.Status != 403 {
			t.Errorf("the token issued to Kim as a guest lists users after the change: %d (Entra: a token keeps its claims until it expires)", r.Status)
		}
		if r := e.do("GET", "/users", e.delegated("guest", "User.ReadBasic.All"), nil); r.Status != 200 {
			t.Errorf("a token issued after Kim became a member: %d %s", r.Status, r.Raw)
		}
		// And the other way: Adele's member token lists users until it expires.
		adeleOld := e.delegated("adele", "User.ReadBasic.All")
		e.must(200, "GET", "/users", adeleOld, nil)
		e.must(204, "PATCH", "/users/"+e.id("adele"), admin, map[string]any{"userType": "Guest"})
		e.must(200, "GET", "/users", adeleOld, nil)
		if r := e.do("GET", "/users", e.delegated("adele", "User.ReadBasic.All"), nil); r.Status != 403 {
			t.Errorf("a token issued after Adele became a guest lists users: %d", r.Status)
		}
	})
}
