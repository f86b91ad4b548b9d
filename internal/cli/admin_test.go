package cli

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"math/big"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"graphgate/internal/identity"
	"graphgate/internal/password"
	"graphgate/internal/roles"
	"graphgate/internal/store"
	"graphgate/internal/store/sqlite"
)

// Real argon2id parameters cost seconds under the race detector.
func init() { admPasswordParams = password.Fast }

// admStep is one command of a scenario. "--data DIR" is appended to args;
// "$name" arguments are replaced by values saved by earlier steps.
type admStep struct {
	args []string
	code int
	out  []string // substrings of stdout
	err  []string // substrings of stderr
	// save copies top-level fields of the JSON output into the scenario's
	// variables: variable name → JSON field.
	save map[string]string
	// json, when set, decodes stdout into a fresh value of its type and
	// checks it.
	json func(t *testing.T, out []byte, vars map[string]string)
}

type admScenario struct {
	name  string
	steps []admStep
	check func(t *testing.T, ctx context.Context, st store.Store, vars map[string]string)
}

const (
	tDomain = "fabrikam.onmicrosoft.com"
	tAdmin  = "admin@" + tDomain
	tAdele  = "adele@" + tDomain
	tPass   = "Fabr1kam-pass"
)

// admSetup creates a tenant, two users and a confidential app (saved as
// $app) and a public multi-tenant-and-personal app ($pub).
var admSetup = []admStep{
	{args: []string{"tenant", "create", "--name", "Fabrikam", "--domain", tDomain, "--json"}, save: map[string]string{"tenant": "id"}},
	{args: []string{"user", "create", "--upn", tAdmin, "--name", "Admin", "--role", "global-admin", "--password", tPass, "--json"}, save: map[string]string{"admin": "id"}},
	{args: []string{"user", "create", "--upn", tAdele, "--name", "Adele Vance", "--json"}, save: map[string]string{"adele": "id"}},
	{args: []string{"app", "create", "--name", "Web", "--redirect", "https://localhost:5001/signin-oidc", "--scopes", "User.Read Mail.Read", "--json"},
		save: map[string]string{"app": "appId"}},
	{args: []string{"app", "create", "--name", "CLI", "--public", "--audience", "multiorg-personal", "--redirect", "http://localhost", "--json"},
		save: map[string]string{"pub": "appId"}},
}

func withSetup(steps ...admStep) []admStep {
	return append(append([]admStep(nil), admSetup...), steps...)
}

func TestAdminCommands(t *testing.T) {
	scenarios := []admScenario{
		{name: "tenant, user, group, membership", steps: []admStep{
			{args: []string{"user", "list"}, code: 3, err: []string{"no graphgate data in"}},
			{args: []string{"tenant", "create", "--name", "Fabrikam", "--domain", "Fabrikam.onmicrosoft.com", "--json"}, save: map[string]string{"tenant": "id"},
				json: func(t *testing.T, out []byte, _ map[string]string) {
					var r admTenantOut
					mustJSON(t, out, &r)
					if r.DisplayName != "Fabrikam" || r.Kind != "work" || !reflect.DeepEqual(r.Domains, []string{tDomain}) || !admIsGUID(r.ID) {
						t.Errorf("tenant create = %+v", r)
					}
				}},
			{args: []string{"tenant", "create", "--name", "Other", "--domain", tDomain}, code: 2, err: []string{"taken by tenant Fabrikam"}},
			{args: []string{"tenant", "create", "--name", "Other", "--domain", "not a domain"}, code: 2, err: []string{"not a domain name"}},
			{args: []string{"tenant", "create", "--name", "Other", "--domain", "other.example", "--id", "nope"}, code: 2, err: []string{"--id takes a GUID"}},
			{args: []string{"user", "create", "--upn", tAdmin, "--name", "Admin", "--role", "global-admn"}, code: 3, err: []string{`unknown directory role "global-admn"; did you mean global-admin`}},
			{args: []string{"user", "create", "--upn", "admin@nowhere.example", "--name", "Admin"}, code: 3, err: []string{"no tenant has the domain nowhere.example"}},
			{args: []string{"user", "create", "--upn", "not-an-upn", "--name", "Admin"}, code: 2, err: []string{"not a user principal name"}},
			{args: []string{"user", "create", "--upn", tAdmin, "--name", "Admin", "--password", "short"}, code: 2, err: []string{"8 to 256 characters"}},
			{args: []string{"user", "create", "--upn", tAdmin, "--name", "Admin", "--role", "global-admin,user-admin", "--password", tPass,
				"--given", "MOD", "--surname", "Administrator", "--job", "IT", "--department", "IT", "--json"},
				save: map[string]string{"admin": "id"},
				json: func(t *testing.T, out []byte, _ map[string]string) {
					var r admUserOut
					mustJSON(t, out, &r)
					if r.Kind != "member" || !r.AccountEnabled || !r.HasPassword || r.PasswordGenerated || r.Password != tPass ||
						!reflect.DeepEqual(r.Roles, []string{"Global Administrator", "User Administrator"}) || r.GivenName != "MOD" || r.Department != "IT" {
						t.Errorf("user create = %+v", r)
					}
				}},
			{args: []string{"user", "create", "--upn", strings.ToUpper(tAdmin), "--name", "Again"}, code: 2, err: []string{"exists already"}},
			{args: []string{"user", "create", "--upn", tAdele, "--name", "Adele Vance", "--json"}, save: map[string]string{"adele": "id", "adelePassword": "password"},
				json: func(t *testing.T, out []byte, _ map[string]string) {
					var r admUserOut
					mustJSON(t, out, &r)
					if !r.PasswordGenerated || len(r.Password) < 16 || admCheckPassword(r.Password) != nil {
						t.Errorf("generated password = %q (generated %v)", r.Password, r.PasswordGenerated)
					}
				}},
			{args: []string{"user", "create", "--guest", "--upn", "kim@contoso.com", "--name", "Kim Akers", "--json"},
				out: []string{`"userPrincipalName": "kim_contoso.com#EXT#@` + tDomain + `"`, `"kind": "guest"`, `"mail": "kim@contoso.com"`}},
			{args: []string{"user", "create", "--shared-mailbox", "--upn", "help@" + tDomain, "--name", "Help Desk", "--json"},
				out: []string{`"kind": "sharedMailbox"`, `"accountEnabled": false`, `"hasPassword": false`}},
			{args: []string{"user", "list", "--json"}, json: func(t *testing.T, out []byte, _ map[string]string) {
				var rows []admUserOut
				mustJSON(t, out, &rows)
				if len(rows) != 4 || rows[0].UserPrincipalName != tAdele || rows[1].UserPrincipalName != tAdmin {
					t.Errorf("user list = %+v", rows)
				}
			}},
			{args: []string{"group", "create", "--name", "Sales", "--unified", "--description", "Sales team", "--json"}, save: map[string]string{"group": "id"},
				out: []string{`"mail": "sales@` + tDomain + `"`, `"visibility": "Public"`, `"groupTypes": [`}},
			{args: []string{"group", "create", "--name", "sales"}, code: 2, err: []string{`has a group named "Sales" already`}},
			{args: []string{"group", "create", "--name", "Secret", "--hidden-membership"}, code: 2, err: []string{"add --unified"}},
			{args: []string{"group", "create", "--name", "All Staff", "--json"}, out: []string{`"securityEnabled": true`, `"visibility": "Private"`}},
			{args: []string{"group", "add-member", "Sales", tAdele, "--json"}, out: []string{`"changed": true`, `"role": "member"`}},
			{args: []string{"group", "add-member", "sales", tAdele}, out: []string{"is a member of \"Sales\" already"}},
			{args: []string{"group", "add-member", "$group", "$admin", "--owner"}, out: []string{"as an owner"}},
			{args: []string{"group", "add-member", "Nope", tAdele}, code: 3, err: []string{`no group named "Nope"`}},
			{args: []string{"group", "add-member", "Sales", "nobody@" + tDomain}, code: 3, err: []string{`no user "nobody@`}},
			{args: []string{"group", "remove-member", "Sales", tAdmin}, code: 3, err: []string{"is not a member"}},
			{args: []string{"group", "members", "Sales", "--json"}, json: func(t *testing.T, out []byte, vars map[string]string) {
				var r struct {
					Group   admGroupOut    `json:"group"`
					Members []admMemberOut `json:"members"`
					Owners  []admMemberOut `json:"owners"`
				}
				mustJSON(t, out, &r)
				if r.Group.Members != 1 || len(r.Members) != 1 || r.Members[0].UserPrincipalName != tAdele ||
					len(r.Owners) != 1 || r.Owners[0].ID != vars["admin"] {
					t.Errorf("group members = %+v", r)
				}
			}},
			{args: []string{"user", "roles", tAdmin, "--remove", "user-admin", "--add", "global-reader"}, out: []string{"Global Administrator, Global Reader"}},
			{args: []string{"user", "roles", tAdmin, "--remove", "security-reader"}, code: 3, err: []string{"does not have the role Security Reader"}},
			{args: []string{"user", "disable", tAdele, "--json"}, out: []string{`"accountEnabled": false`, `"changed": true`}},
		}, check: func(t *testing.T, ctx context.Context, st store.Store, vars map[string]string) {
			admin, err := st.UserByUPN(ctx, tAdmin)
			if err != nil {
				t.Fatal(err)
			}
			if admin.TenantID != vars["tenant"] || admin.ID != vars["admin"] || admin.JobTitle != "IT" || admin.Mail != tAdmin {
				t.Errorf("admin = %+v", admin)
			}
			if want := []string{roles.GlobalAdministrator.TemplateID(), roles.GlobalReader.TemplateID()}; !reflect.DeepEqual(admin.Roles, want) {
				t.Errorf("admin roles = %v, want %v", admin.Roles, want)
			}
			if ok, err := password.Verify(tPass, admin.PasswordHash); !ok || err != nil {
				t.Errorf("admin password does not verify: %v", err)
			}
			adele, _ := st.UserByUPN(ctx, tAdele)
			if ok, _ := password.Verify(vars["adelePassword"], adele.PasswordHash); !ok || adele.AccountEnabled {
				t.Errorf("adele: generated password verifies %v, enabled %v", ok, adele.AccountEnabled)
			}
			g, err := st.GetGroup(ctx, vars["tenant"], vars["group"])
			if err != nil || g.DisplayName != "Sales" || !g.MailEnabled || g.SecurityEnabled || g.MailNickname != "sales" {
				t.Errorf("group = %+v, %v", g, err)
			}
			ms, _ := st.Members(ctx, vars["tenant"], g.ID, store.RoleMember)
			os, _ := st.Members(ctx, vars["tenant"], g.ID, store.RoleOwner)
			if len(ms) != 1 || ms[0].MemberID != vars["adele"] || len(os) != 1 || os[0].MemberID != vars["admin"] {
				t.Errorf("members %+v, owners %+v", ms, os)
			}
		}},

		{name: "apps: public, confidential, secrets, redirects", steps: []admStep{
			{args: []string{"tenant", "create", "--name", "Fabrikam", "--domain", tDomain}},
			{args: []string{"app", "create", "--name", "CLI", "--public", "--audience", "multiorg-personal", "--redirect", "http://localhost",
				"--redirect", "myapp://auth", "--scopes", "openid User.Read,Mail.Read", "--json"}, save: map[string]string{"pub": "appId"},
				err: []string{"openid: OpenID Connect scopes need no consent"},
				json: func(t *testing.T, out []byte, _ map[string]string) {
					var r admAppOut
					mustJSON(t, out, &r)
					if !r.PublicClient || r.ClientSecret != nil || len(r.Secrets) != 0 || r.SignInAudience != string(store.AudienceMultipleOrgsAndPersonal) ||
						!reflect.DeepEqual(r.RequiredScopes, []string{"User.Read", "Mail.Read"}) || len(r.RedirectURIs) != 2 || r.RedirectURIs[1].Kind != "publicClient" {
						t.Errorf("public app = %+v", r)
					}
				}},
			{args: []string{"app", "create", "--name", "Web", "--redirect", "https://localhost:5001/signin-oidc", "--redirect", "http://localhost:3000:spa",
				"--scopes", "User.Read", "--roles", "User.Read.All", "--json"}, save: map[string]string{"app": "appId"},
				json: func(t *testing.T, out []byte, vars map[string]string) {
					var r admAppOut
					mustJSON(t, out, &r)
					if r.PublicClient || r.ClientSecret == nil || len(r.ClientSecret.Value) != 40 || r.ClientSecret.Hint != r.ClientSecret.Value[:3] ||
						len(r.Secrets) != 1 || r.Secrets[0].Hint != r.ClientSecret.Hint || r.SignInAudience != string(store.AudienceMyOrg) ||
						!reflect.DeepEqual(r.RedirectURIs, []admRedirectOut{{"https://localhost:5001/signin-oidc", "web"}, {"http://localhost:3000", "spa"}}) {
						t.Errorf("confidential app = %+v", r)
					}
					if r.ClientSecret != nil {
						vars["secret"] = r.ClientSecret.Value
						if strings.Trim(r.ClientSecret.Value, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_") != "" {
							t.Errorf("secret %q is not URL-safe", r.ClientSecret.Value)
						}
					}
				}},
			{args: []string{"app", "create", "--name", "Bad", "--redirect", "http://example.com/cb"}, code: 2, err: []string{"http is allowed only for localhost"}},
			{args: []string{"app", "create", "--name", "Bad", "--redirect", "myapp://cb"}, code: 2, err: []string{"custom schemes are for --kind publicClient"}},
			{args: []string{"app", "create", "--name", "Bad", "--audience", "galaxy"}, code: 2, err: []string{"--audience takes"}},
			{args: []string{"app", "create", "--name", "Bad", "--roles", "User.Read"}, code: 3, err: []string{"did you mean User.Read.All"}},
			{args: []string{"app", "create", "--name", "Bad", "--public", "--roles", "User.Read.All"}, code: 2, err: []string{"public client"}},
			{args: []string{"app", "create", "--name", "Bad", "--audience", "personal", "--public", "--scopes", "Presence.Read"}, code: 2, err: []string{"not valid for personal"}},
			{args: []string{"app", "add-secret", "Web", "--expires", "90d", "--json"}, json: func(t *testing.T, out []byte, vars map[string]string) {
				var r struct {
					ClientSecret admNewSecretOut `json:"clientSecret"`
				}
				mustJSON(t, out, &r)
				if d := time.Until(r.ClientSecret.ExpiresAt); d < 89*24*time.Hour || d > 91*24*time.Hour {
					t.Errorf("secret expires in %v, want 90 days", d)
				}
				vars["secret2"] = r.ClientSecret.Value
			}},
			{args: []string{"app", "add-secret", "Web", "--expires", "soon"}, code: 2, err: []string{"--expires takes"}},
			{args: []string{"app", "add-redirect", "$app", "https://app.example.com/cb"}, out: []string{"Added the web redirect URI"}},
			{args: []string{"app", "add-redirect", "$app", "https://app.example.com/cb"}, out: []string{"already"}},
			{args: []string{"app", "add-redirect", "$app", "http://localhost:3000", "--kind", "web"}, code: 2, err: []string{"registered already as a spa"}},
			{args: []string{"app", "add-cert", "Web", "--cert", "$certfile", "--json"}, out: []string{`"added": true`, `"subject": "CN=graphgate-test"`}},
			{args: []string{"app", "add-cert", "Web", "--cert", "$certfile"}, out: []string{"has this certificate already"}},
			{args: []string{"app", "add-cert", "Web", "--cert", "/does/not/exist.pem"}, code: 3},
			{args: []string{"app", "show", "Web", "--json"}, json: func(t *testing.T, out []byte, vars map[string]string) {
				var r admAppOut
				mustJSON(t, out, &r)
				if len(r.Secrets) != 2 || len(r.Certificates) != 1 || len(r.RedirectURIs) != 3 || len(r.ServicePrincipals) != 1 {
					t.Errorf("app show = %+v", r)
				}
				if bytes.Contains(out, []byte(vars["secret"])) {
					t.Error("app show prints a secret value")
				}
			}},
			{args: []string{"app", "show", "00000000-0000-4000-8000-000000000000"}, code: 3, err: []string{"no app with client id"}},
			{args: []string{"app", "list", "--json"}, out: []string{`"displayName": "CLI"`, `"displayName": "Web"`}},
			{args: []string{"app", "delete", "CLI"}, out: []string{"Deleted app CLI"}},
			{args: []string{"app", "show", "CLI"}, code: 3},
		}, check: func(t *testing.T, ctx context.Context, st store.Store, vars map[string]string) {
			a, err := st.GetApp(ctx, vars["app"])
			if err != nil {
				t.Fatal(err)
			}
			hash, err := identity.SecretHasher(ctx, st)
			if err != nil {
				t.Fatal(err)
			}
			if len(a.Secrets) != 2 || !bytes.Equal(a.Secrets[0].Hash, hash(vars["secret"])) || !bytes.Equal(a.Secrets[1].Hash, hash(vars["secret2"])) {
				t.Errorf("stored secrets do not verify: %+v", a.Secrets)
			}
			for _, s := range a.Secrets {
				if bytes.Contains(s.Hash, []byte(vars["secret"])) || s.ID == "" || s.CreatedAt.IsZero() || s.ExpiresAt.IsZero() {
					t.Errorf("secret %+v", s)
				}
			}
			if len(a.Certificates) != 1 || a.Certificates[0].ExpiresAt.IsZero() {
				t.Errorf("certificates %+v", a.Certificates)
			}
			if !reflect.DeepEqual(a.RequiredRoles, []string{"User.Read.All"}) {
				t.Errorf("required roles %v", a.RequiredRoles)
			}
			if _, err := st.GetServicePrincipal(ctx, a.TenantID, a.AppID); err != nil {
				t.Errorf("no service principal: %v", err)
			}
			if _, err := st.GetApp(ctx, vars["pub"]); err == nil {
				t.Error("deleted app is still there")
			}
		}},

		{name: "consent grant merges, revoke removes scopes then the grant", steps: withSetup(
			admStep{args: []string{"consent", "grant", "--app", "$app", "--user", tAdele, "--scopes", "User.Read", "--json"}, out: []string{`"consentType": "Principal"`}},
			admStep{args: []string{"consent", "grant", "--app", "Web", "--user", tAdele, "--scopes", "mail.read user.read Calendars.Read", "--json"},
				json: func(t *testing.T, out []byte, _ map[string]string) {
					var r struct {
						Added      []string `json:"added"`
						AlreadyHad []string `json:"alreadyGranted"`
						Scopes     []string `json:"scopes"`
					}
					mustJSON(t, out, &r)
					if !reflect.DeepEqual(r.Scopes, []string{"Calendars.Read", "Mail.Read", "User.Read"}) || !reflect.DeepEqual(r.AlreadyHad, []string{"User.Read"}) ||
						!reflect.DeepEqual(r.Added, []string{"Mail.Read", "Calendars.Read"}) {
						t.Errorf("grant = %+v", r)
					}
				}},
			admStep{args: []string{"consent", "grant", "--app", "Web", "--all-users", "--scopes", "User.Read"}, out: []string{"every user of Fabrikam"}},
			admStep{args: []string{"consent", "grant", "--app", "Web", "--scopes", "User.Read"}, code: 2, err: []string{"--user UPN or --all-users"}},
			admStep{args: []string{"consent", "grant", "--app", "Web", "--user", tAdele, "--all-users", "--scopes", "User.Read"}, code: 2, err: []string{"exclude each other"}},
			admStep{args: []string{"consent", "revoke", "--app", "Web", "--user", tAdele, "--scopes", "Mail.Read User.Read", "--json"},
				json: func(t *testing.T, out []byte, _ map[string]string) {
					var r struct {
						Grants []struct {
							Removed   []string `json:"removedScopes"`
							Remaining []string `json:"remainingScopes"`
							Deleted   bool     `json:"deleted"`
						} `json:"grants"`
						Still []string `json:"stillGrantedToAllUsers"`
						Notes []string `json:"notes"`
					}
					mustJSON(t, out, &r)
					if len(r.Grants) != 1 || !reflect.DeepEqual(r.Grants[0].Removed, []string{"Mail.Read", "User.Read"}) ||
						!reflect.DeepEqual(r.Grants[0].Remaining, []string{"Calendars.Read"}) || r.Grants[0].Deleted ||
						!reflect.DeepEqual(r.Still, []string{"User.Read"}) || len(r.Notes) != 1 || !strings.Contains(r.Notes[0], "Refresh tokens lose the revoked scopes at their next use") {
						t.Errorf("revoke = %s", out)
					}
				}},
			admStep{args: []string{"consent", "revoke", "--app", "Web", "--user", tAdele, "--scopes", "Mail.Read"}, code: 3, err: []string{"hold no Mail.Read"}},
			admStep{args: []string{"consent", "revoke", "--app", "Web", "--user", tAdele, "--scopes", "Mail.Raed"}, code: 3, err: []string{"did you mean Mail.Read"}},
			admStep{args: []string{"consent", "revoke", "--app", "Web", "--all-users"}, out: []string{"Removed the grant of Web for every user", "Refresh tokens lose the revoked scopes at their next use"}},
			admStep{args: []string{"consent", "revoke", "--app", "Web", "--all-users"}, code: 3, err: []string{"no tenant-wide (AllPrincipals) grant"}},
			admStep{args: []string{"consent", "list", "--json"}, json: func(t *testing.T, out []byte, vars map[string]string) {
				var r admConsentListOut
				mustJSON(t, out, &r)
				if len(r.Grants) != 1 || r.Grants[0].PrincipalUPN != tAdele || r.Grants[0].PrincipalID != vars["adele"] ||
					!reflect.DeepEqual(r.Grants[0].Scopes, []string{"Calendars.Read"}) || r.Grants[0].AppDisplayName != "Web" {
					t.Errorf("consent list = %s", out)
				}
			}},
		), check: func(t *testing.T, ctx context.Context, st store.Store, vars map[string]string) {
			gs, err := st.DelegatedGrants(ctx, vars["tenant"], vars["app"], vars["adele"])
			if err != nil || len(gs) != 1 || gs[0].ConsentType != store.ConsentPrincipal || !reflect.DeepEqual(gs[0].Scopes, []string{"Calendars.Read"}) {
				t.Errorf("grants = %+v, %v", gs, err)
			}
			if _, err := st.GetServicePrincipal(ctx, vars["tenant"], vars["app"]); err != nil {
				t.Errorf("no service principal: %v", err)
			}
		}},

		{name: "unknown scope, unknown user, application permission as a scope", steps: withSetup(
			admStep{args: []string{"consent", "grant", "--app", "Web", "--all-users", "--scopes", "User.Read Mail.Raed"}, code: 3, err: []string{`unknown permission "Mail.Raed"; did you mean Mail.Read`}},
			admStep{args: []string{"consent", "grant", "--app", "Web", "--user", "nobody@" + tDomain, "--scopes", "User.Read"}, code: 3, err: []string{`no user "nobody@` + tDomain + `"`}},
			admStep{args: []string{"consent", "grant", "--app", "NoSuchApp", "--all-users", "--scopes", "User.Read"}, code: 3, err: []string{`no app "NoSuchApp"`}},
			admStep{args: []string{"consent", "grant", "--app", "Web", "--all-users", "--scopes", "Application.ReadWrite.OwnedBy"}, code: 3, err: []string{"is an application permission, not a delegated one"}},
			admStep{args: []string{"consent", "list", "--json"}, out: []string{`"grants": []`}},
		), check: func(t *testing.T, ctx context.Context, st store.Store, vars map[string]string) {
			if gs, _ := st.ListDelegatedGrants(ctx, vars["tenant"]); len(gs) != 0 {
				t.Errorf("a refused grant was stored: %+v", gs)
			}
		}},

		{name: "personal account refused a work-only scope", steps: withSetup(
			admStep{args: []string{"user", "create", "--upn", "sam@outlook.com", "--name", "Sam"}, code: 3, err: []string{"add --personal"}},
			admStep{args: []string{"user", "create", "--personal", "--upn", "sam@outlook.com", "--name", "Sam", "--role", "global-admin"}, code: 2, err: []string{"not for a shared mailbox or a personal account"}},
			admStep{args: []string{"user", "create", "--personal", "--upn", "sam@outlook.com", "--name", "Sam", "--json"}, save: map[string]string{"sam": "id"},
				out: []string{`"kind": "personal"`, `"tenantId": "` + store.PersonalTenantID + `"`}},
			admStep{args: []string{"consent", "grant", "--app", "$pub", "--user", "sam@outlook.com", "--scopes", "User.Read Presence.Read"}, code: 2,
				err: []string{"Presence.Read: not valid for personal Microsoft accounts"}},
			admStep{args: []string{"consent", "grant", "--app", "Web", "--user", "sam@outlook.com", "--scopes", "User.Read"}, code: 2, err: []string{"single-tenant"}},
			admStep{args: []string{"consent", "grant", "--app", "CLI", "--user", "sam@outlook.com", "--scopes", "User.Read Mail.Read offline_access"},
				out: []string{"Granted User.Read Mail.Read to CLI for sam@outlook.com"}, err: []string{"offline_access"}},
			admStep{args: []string{"user", "list"}, out: []string{tAdmin}},
			admStep{args: []string{"user", "list", "--tenant", "consumers", "--json"}, out: []string{`"userPrincipalName": "sam@outlook.com"`}},
			admStep{args: []string{"consent", "list", "--app", "CLI", "--json"}, out: []string{`"principalUserPrincipalName": "sam@outlook.com"`}},
		), check: func(t *testing.T, ctx context.Context, st store.Store, vars map[string]string) {
			gs, err := st.DelegatedGrants(ctx, store.PersonalTenantID, vars["pub"], vars["sam"])
			if err != nil || len(gs) != 1 || !reflect.DeepEqual(gs[0].Scopes, []string{"Mail.Read", "User.Read"}) {
				t.Errorf("personal grants = %+v, %v", gs, err)
			}
		}},

		{name: "grant-roles, consent list, revoke roles", steps: withSetup(
			admStep{args: []string{"consent", "grant-roles", "--app", "Web", "--roles", "User.Read"}, code: 3, err: []string{"did you mean User.Read.All"}},
			admStep{args: []string{"consent", "grant-roles", "--app", "Web", "--roles", "User.Read.All,Mail.Read", "--json"}, out: []string{`"Mail.Read"`, `"User.Read.All"`}},
			admStep{args: []string{"consent", "grant-roles", "--app", "Web", "--roles", "mail.read"}, out: []string{"Granted already: Mail.Read"}},
			admStep{args: []string{"consent", "list", "--json"}, json: func(t *testing.T, out []byte, vars map[string]string) {
				var r admConsentListOut
				mustJSON(t, out, &r)
				var perms []string
				for _, a := range r.AppRoleAssignments {
					if a.ClientID != vars["app"] || a.TenantID != vars["tenant"] || a.AppDisplayName != "Web" {
						t.Errorf("assignment %+v", a)
					}
					perms = append(perms, a.Permission)
				}
				if !reflect.DeepEqual(perms, []string{"Mail.Read", "User.Read.All"}) || len(r.Grants) != 0 {
					t.Errorf("consent list = %s", out)
				}
			}},
			admStep{args: []string{"consent", "list"}, out: []string{"APP ROLE ASSIGNMENTS", "User.Read.All"}},
			admStep{args: []string{"consent", "revoke", "--app", "Web", "--roles", "Mail.Send"}, code: 3, err: []string{"no application permission Mail.Send"}},
			admStep{args: []string{"consent", "revoke", "--app", "Web", "--roles", "Mail.Read"}, out: []string{"Removed the application permission(s) Mail.Read", "access tokens already issued keep them"}},
		), check: func(t *testing.T, ctx context.Context, st store.Store, vars map[string]string) {
			as, err := st.AppRoleAssignments(ctx, vars["tenant"], vars["app"])
			if err != nil || len(as) != 1 || as[0].Permission != "User.Read.All" {
				t.Errorf("assignments = %+v, %v", as, err)
			}
		}},

		{name: "the directory's refusals in the commands' words", steps: withSetup(
			admStep{args: []string{"user", "create", "--shared-mailbox", "--upn", "help@" + tDomain, "--name", "Help Desk"}, out: []string{"sign-in:   none (shared mailbox)"}},
			admStep{args: []string{"consent", "grant", "--app", "Web", "--user", "help@" + tDomain, "--scopes", "User.Read"}, code: 2,
				err: []string{"help@" + tDomain + " is a shared mailbox: no one signs in to it, so it cannot consent (grant the delegate's own consent instead)"}},
			admStep{args: []string{"consent", "grant", "--app", "Web", "--user", tAdele, "--scopes", "openid profile"}, code: 2,
				err: []string{"no Graph permission to grant (openid, profile need no consent)"}},
			admStep{args: []string{"user", "create", "--personal", "--upn", "sam@outlook.com", "--name", "Sam"}},
			admStep{args: []string{"consent", "grant", "--app", "CLI", "--all-users", "--tenant", "consumers", "--scopes", "User.Read"}, code: 2,
				err: []string{"personal Microsoft accounts have no administrator: grant per user with --user"}},
			admStep{args: []string{"consent", "revoke", "--app", "Web"}, code: 3, err: []string{"Web has no delegated grant in Fabrikam (" + tDomain + ")"}},
			admStep{args: []string{"consent", "revoke", "--app", "Web", "--user", tAdele}, code: 3, err: []string{tAdele + " has no consent grant of its own for Web"}},
			admStep{args: []string{"user", "create", "--guest", "--upn", "kim@" + tDomain, "--name", "Kim"}, code: 2,
				err: []string{"kim@" + tDomain + " is in the tenant's own domain " + tDomain + ": give the guest's external address (e.g. kim@fabrikam.com)"}},
			admStep{args: []string{"user", "create", "--guest", "--upn", "kim@contoso.com", "--name", "Kim", "--json"},
				out: []string{`"userPrincipalName": "kim_contoso.com#EXT#@` + tDomain + `"`, `"mail": "kim@contoso.com"`, `"kind": "guest"`}},
			admStep{args: []string{"user", "create", "--guest", "--upn", "kim@contoso.com", "--name", "Kim"}, code: 2,
				err: []string{"a user kim_contoso.com#EXT#@" + tDomain + " exists already"}},
			admStep{args: []string{"user", "roles", tAdele, "--add", "global-reader", "--remove", "Global Reader"}, code: 2, err: []string{"Global Reader is both added and removed"}},
			admStep{args: []string{"user", "roles", "help@" + tDomain, "--add", "global-reader"}, code: 2,
				err: []string{"help@" + tDomain + " is a sharedMailbox: directory roles are for people who sign in to the organisation"}},
			admStep{args: []string{"user", "set-password", "help@" + tDomain, "--password", tPass}, code: 2, err: []string{"is a shared mailbox: no one signs in to it"}},
			admStep{args: []string{"user", "set-type", "help@" + tDomain, "--user-type", "member"}, code: 2,
				err: []string{"help@" + tDomain + " is a sharedMailbox account: only members and guests of an organisation change type"}},
			admStep{args: []string{"group", "create", "--name", "Sales", "--unified", "--json"}, out: []string{`"mail": "sales@` + tDomain + `"`, `"visibility": "Public"`}},
		), check: func(t *testing.T, ctx context.Context, st store.Store, vars map[string]string) {
			if gs, _ := st.ListDelegatedGrants(ctx, vars["tenant"]); len(gs) != 0 {
				t.Errorf("a refused grant was stored: %+v", gs)
			}
			if gs, _ := st.ListDelegatedGrants(ctx, store.PersonalTenantID); len(gs) != 0 {
				t.Errorf("a refused personal grant was stored: %+v", gs)
			}
		}},

		{name: "tenant selection and user lifecycle", steps: withSetup(
			admStep{args: []string{"tenant", "create", "--name", "Northwind", "--domain", "northwind.onmicrosoft.com", "--domain", "northwind.example"}},
			admStep{args: []string{"user", "list"}, code: 2, err: []string{"name one with --tenant (fabrikam.onmicrosoft.com, northwind.onmicrosoft.com)"}},
			admStep{args: []string{"user", "list", "--tenant", "northwind.example", "--json"}, out: []string{"[]"}},
			admStep{args: []string{"group", "list", "--tenant", "$tenant"}, out: []string{"Groups of Fabrikam"}},
			admStep{args: []string{"user", "list", "--tenant", "nowhere.example"}, code: 3, err: []string{`no tenant "nowhere.example"`}},
			admStep{args: []string{"user", "create", "--upn", "bob@northwind.example", "--name", "Bob", "--tenant", tDomain}, code: 2, err: []string{"is in the domain of tenant Northwind"}},
			admStep{args: []string{"tenant", "list", "--json"}, out: []string{`"defaultDomain": "northwind.onmicrosoft.com"`, `"users": 2`}},
			admStep{args: []string{"user", "set-password", tAdele, "--password", "weakweak"}, code: 2, err: []string{"three of"}},
			admStep{args: []string{"user", "set-password", tAdele, "--json"}, save: map[string]string{"newPassword": "password"}, out: []string{`"passwordGenerated": true`}},
			admStep{args: []string{"user", "set-type", tAdele, "--user-type", "guest", "--json"},
				out: []string{`"userType": "Guest"`, `"changed": true`, `"userPrincipalName": "` + tAdele + `"`}},
			admStep{args: []string{"user", "set-type", tAdele, "--user-type", "Guest"}, out: []string{"is a guest already"}},
			admStep{args: []string{"user", "set-type", tAdele, "--user-type", "member"}, out: []string{"is now a member (userType Member)", "keep the old type"}},
			admStep{args: []string{"user", "set-type", tAdele, "--user-type", "admin"}, code: 2, err: []string{`--user-type is member or guest, not "admin"`}},
			admStep{args: []string{"user", "set-type", "nobody@" + tDomain, "--user-type", "guest"}, code: 3},
			admStep{args: []string{"user", "disable", tAdele}, out: []string{"is now disabled"}},
			admStep{args: []string{"user", "enable", "$adele"}, out: []string{"is now enabled"}},
			admStep{args: []string{"user", "enable", tAdele}, out: []string{"is enabled already"}},
			admStep{args: []string{"consent", "grant", "--app", "Web", "--user", tAdele, "--scopes", "User.Read"}},
			admStep{args: []string{"user", "delete", tAdele, "--json"}, out: []string{`"deleted": true`, `"grantsDeleted": 1`}},
			admStep{args: []string{"user", "delete", tAdele}, code: 3},
			admStep{args: []string{"user", "roles", "not a user"}, code: 2},
		), check: func(t *testing.T, ctx context.Context, st store.Store, vars map[string]string) {
			if _, err := st.UserByUPN(ctx, tAdele); err == nil {
				t.Error("deleted user is still there")
			}
			if gs, _ := st.ListDelegatedGrants(ctx, vars["tenant"]); len(gs) != 0 {
				t.Errorf("the deleted user's grant is kept: %+v", gs)
			}
			nw, err := st.TenantByDomain(ctx, "northwind.example")
			if err != nil || nw.DisplayName != "Northwind" || len(nw.Domains) != 2 || nw.Domains[0] != "northwind.onmicrosoft.com" {
				t.Errorf("northwind = %+v, %v", nw, err)
			}
		}},
	}
	for _, sc := range scenarios {
		t.Run(sc.name, func(t *testing.T) {
			dir := t.TempDir()
			// A private data folder: one that others can read draws a warning
			// on standard error (tested in newcomer_test.go).
			if err := os.Chmod(dir, 0o700); err != nil {
				t.Fatal(err)
			}
			vars := map[string]string{"certfile": admTestCert(t, dir)}
			for i, s := range sc.steps {
				args := make([]string, 0, len(s.args)+2)
				for _, a := range s.args {
					if strings.HasPrefix(a, "$") {
						v, ok := vars[a[1:]]
						if !ok {
							t.Fatalf("step %d: no variable %s", i, a)
						}
						a = v
					}
					args = append(args, a)
				}
				args = append(args, "--data", dir)
				code, out, errs := runCLI(args...)
				if code != s.code {
					t.Fatalf("step %d %v: exit %d, want %d\nstdout: %s\nstderr: %s", i, s.args, code, s.code, out, errs)
				}
				for _, w := range s.out {
					if !strings.Contains(out, w) {
						t.Errorf("step %d %v: stdout lacks %q:\n%s", i, s.args, w, out)
					}
				}
				for _, w := range s.err {
					if !strings.Contains(errs, w) {
						t.Errorf("step %d %v: stderr lacks %q:\n%s", i, s.args, w, errs)
					}
				}
				if s.code != 0 && strings.Count(strings.TrimSpace(errs), "\n") != 0 {
					t.Errorf("step %d %v: the error is not one line:\n%s", i, s.args, errs)
				}
				if len(s.save) > 0 {
					var m map[string]any
					mustJSON(t, []byte(out), &m)
					for name, field := range s.save {
						v, ok := m[field].(string)
						if !ok {
							t.Fatalf("step %d %v: no string field %q in %s", i, s.args, field, out)
						}
						vars[name] = v
					}
				}
				if s.json != nil {
					s.json(t, []byte(out), vars)
				}
			}
			if sc.check != nil {
				ctx := context.Background()
				st, err := sqlite.Open(ctx, dir)
				if err != nil {
					t.Fatal(err)
				}
				defer st.Close()
				sc.check(t, ctx, st, vars)
			}
		})
	}
}

func TestAdminPasswordFromStdin(t *testing.T) {
	dir := t.TempDir()
	if code, _, errs := runCLI("tenant", "create", "--name", "Fabrikam", "--domain", tDomain, "--data", dir); code != 0 {
		t.Fatal(errs)
	}
	var out, errb bytes.Buffer
	code := Main([]string{"user", "create", "--upn", tAdele, "--name", "Adele", "--password", "-", "--data", dir},
		strings.NewReader("From-st4ndard-input\n"), &out, &errb)
	if code != 0 || !strings.Contains(out.String(), "password:  as given") {
		t.Fatalf("exit %d\n%s\n%s", code, out.String(), errb.String())
	}
	ctx := context.Background()
	st, err := sqlite.Open(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	u, err := st.UserByUPN(ctx, tAdele)
	if err != nil {
		t.Fatal(err)
	}
	if ok, err := password.Verify("From-st4ndard-input", u.PasswordHash); !ok || err != nil {
		t.Errorf("the password from standard input does not verify (%v)", err)
	}
}

func TestAdminHelp(t *testing.T) {
	for _, args := range [][]string{
		{"tenant", "create", "--help"}, {"user", "create", "--help"}, {"user", "set-password", "--help"}, {"user", "set-type", "--help"}, {"group", "members", "--help"},
		{"app", "add-cert", "--help"}, {"consent", "list", "--help"}, {"group", "add-member", "--help"},
		{"app", "create", "--help"}, {"consent", "revoke", "--help"}, {"consent", "grant", "--help"},
	} {
		code, out, _ := runCLI(args...)
		if code != 0 || !strings.Contains(out, "Examples:") || !strings.Contains(out, "--data") || !strings.Contains(out, "--json") {
			t.Errorf("%v: exit %d\n%s", args, code, out)
		}
	}
	for _, c := range []string{"tenant", "user", "group", "app", "consent"} {
		if code, out, _ := runCLI(c, "--help"); code != 0 || !strings.Contains(out, "Exit codes") || !strings.Contains(out, "Examples:") {
			t.Errorf("%s --help: exit %d\n%s", c, code, out)
		}
	}
	_, out, _ := runCLI("consent", "revoke", "--help")
	if !strings.Contains(out, "Refresh tokens lose the revoked scopes at their next use") {
		t.Errorf("revoke --help does not say what happens to refresh tokens:\n%s", out)
	}
}

// TestAdminExpiry: --expires takes calendar counts (d, w, mo, y), Go
// durations in hours and dates; a bare count of m, months or minutes, is
// refused with the two ways to say it.
func TestAdminExpiry(t *testing.T) {
	now := time.Date(2026, 1, 31, 12, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		in   string
		want time.Time
		err  string // a substring of the error; "" for success
	}{
		{in: "90d", want: now.AddDate(0, 0, 90)},
		{in: "180d", want: now.AddDate(0, 0, 180)},
		{in: "2w", want: now.AddDate(0, 0, 14)},
		{in: "6mo", want: now.AddDate(0, 6, 0)},
		{in: "6MO", want: now.AddDate(0, 6, 0)},
		{in: "1y", want: now.AddDate(1, 0, 0)},
		{in: "48h", want: now.Add(48 * time.Hour)},
		{in: "1h30m", want: now.Add(90 * time.Minute)},
		{in: "2027-12-31", want: time.Date(2027, 12, 31, 0, 0, 0, 0, time.UTC)},
		{in: "6m", err: "write 6mo for 6 months, or a duration in hours such as 360h"},
		{in: "90m", err: "ambiguous"},
		{in: "", err: "--expires takes"},
		{in: "0d", err: "--expires takes"},
		{in: "-1y", err: "--expires takes"},
		{in: "2020-01-01", err: "in the past"},
		{in: "forever", err: "--expires takes e.g. 180d, 12w, 6mo, 1y, 720h"},
		{in: "200y", err: "more than 100 years"},
		{in: "1000000h", err: "more than 100 years"},
	} {
		got, err := admParseExpiry(tc.in, now)
		switch {
		case tc.err == "" && (err != nil || !got.Equal(tc.want)):
			t.Errorf("%q: %v, %v; want %v", tc.in, got, err, tc.want)
		case tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)):
			t.Errorf("%q: error %v, want one with %q", tc.in, err, tc.err)
		}
	}
}

func mustJSON(t *testing.T, b []byte, v any) {
	t.Helper()
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("output is not JSON (%v):\n%s", err, b)
	}
}

// admTestCert writes a self-signed certificate (with its key, as tools
// often bundle them) and returns the file's path.
func admTestCert(t *testing.T, dir string) string {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "graphgate-test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kb, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	_ = pem.Encode(&b, &pem.Block{Type: "PRIVATE KEY", Bytes: kb})
	_ = pem.Encode(&b, &pem.Block{Type: "CERTIFICATE", Bytes: der})
	p := filepath.Join(dir, "cert.pem")
	if err := os.WriteFile(p, b.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}
