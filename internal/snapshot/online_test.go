package snapshot_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"testing"

	"graphgate/internal/demo"
	"graphgate/internal/directory"
	"graphgate/internal/pgtest"
	"graphgate/internal/server"
	"graphgate/internal/server/servertest"
	"graphgate/internal/snapshot"
	"graphgate/internal/store"
)

// TestRestoreWhileServing: a snapshot restored into a running server (no
// restart) is what its next requests see — a user created after the
// snapshot is gone (404), a changed user is back as saved (the SQLite
// user cache follows the restore) — and a token issued before the restore
// still works (signing keys are kept). On both stores.
func TestRestoreWhileServing(t *testing.T) {
	for _, backend := range []string{"sqlite", "postgres"} {
		t.Run(backend, func(t *testing.T) {
			var opts []func(*server.Config)
			if backend == "postgres" {
				dsn := pgtest.FreshSchema(t)
				opts = append(opts, func(c *server.Config) { c.StoreURL = dsn })
			}
			env := servertest.Start(t, opts...)
			ctx := context.Background()
			svc := snapshot.New(env.Server.Store())
			t.Cleanup(func() { _ = env.Server.Store().DeleteSnapshot(context.Background(), "online") })

			token := daemonToken(t, env)
			adele := env.User("adele")
			if got := userName(t, env, token, adele.ID); got != adele.DisplayName {
				t.Fatalf("adele's name before = %q", got)
			}
			if _, err := svc.Save(ctx, "online", false); err != nil {
				t.Fatal(err)
			}

			renamed := "Adele (renamed)"
			if _, err := env.Server.Directory().UpdateUser(ctx, demo.TenantID, adele.ID, directory.UserChanges{DisplayName: &renamed}); err != nil {
				t.Fatal(err)
			}
			nu, err := env.Server.Directory().CreateUser(ctx, directory.NewUser{User: store.User{TenantID: demo.TenantID,
				UserPrincipalName: "later@" + demo.TenantDomain, DisplayName: "Later", Kind: store.UserMember, AccountEnabled: true}, Password: "Passw0rd!later"})
			if err != nil {
				t.Fatal(err)
			}
			if got := userName(t, env, token, adele.ID); got != renamed {
				t.Fatalf("adele's name after the change = %q", got)
			}
			if got := userName(t, env, token, nu.ID); got != "Later" {
				t.Fatalf("the new user = %q", got)
			}

			if _, err := svc.Restore(ctx, "online"); err != nil {
				t.Fatal(err)
			}
			if got := userName(t, env, token, adele.ID); got != adele.DisplayName {
				t.Errorf("adele's name after the restore = %q, want %q", got, adele.DisplayName)
			}
			if got := userName(t, env, token, nu.ID); got != "(404)" {
				t.Errorf("the user created after the snapshot, after the restore: %q, want 404", got)
			}
			// A new token works too: the daemon's secret and consent are back.
			if got := userName(t, env, daemonToken(t, env), adele.ID); got != adele.DisplayName {
				t.Errorf("with a token issued after the restore: %q", got)
			}
		})
	}
}

func daemonToken(t *testing.T, env *servertest.Env) string {
	t.Helper()
	d := env.App("daemon")
	res, err := env.Client.PostForm(env.Authority(demo.TenantDomain)+"/oauth2/v2.0/token", url.Values{"grant_type": {"client_credentials"},
		"client_id": {d.ClientID}, "client_secret": {d.Secret}, "scope": {"https://graph.microsoft.com/.default"}})
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	if err := json.NewDecoder(res.Body).Decode(&tok); err != nil || tok.AccessToken == "" {
		t.Fatalf("client credentials: %d %v", res.StatusCode, err)
	}
	return tok.AccessToken
}

// userName is GET /v1.0/users/{id}'s displayName, or "(status)".
func userName(t *testing.T, env *servertest.Env, token, id string) string {
	t.Helper()
	req, _ := http.NewRequest("GET", env.Base+"/v1.0/users/"+id+"?$select=displayName", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	res, err := env.Client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if res.StatusCode != 200 {
		return "(" + strconv.Itoa(res.StatusCode) + ")"
	}
	var u struct {
		DisplayName string `json:"displayName"`
	}
	if err := json.NewDecoder(res.Body).Decode(&u); err != nil {
		t.Fatal(err)
	}
	return u.DisplayName
}
