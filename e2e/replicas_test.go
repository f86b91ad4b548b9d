package e2e

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"graphgate/internal/demo"
	"graphgate/internal/password"
	"graphgate/internal/server"
	"graphgate/internal/store"
	"graphgate/internal/store/postgres"
	"graphgate/internal/store/sqlite"
)

// TestReplicas runs two real 'graphgate serve' processes on one fresh
// PostgreSQL database, started at the same moment (so they race to migrate,
// create the first signing key and seed the demo tenant), sharing one data
// folder for the TLS CA, and checks that they behave as one tenant.
func TestReplicas(t *testing.T) {
	bin := buildGraphgate(t)
	dsn := freshDatabase(t)
	data := t.TempDir()
	caFile := server.CAFile(data)

	start := time.Now()
	a := startServe(t, bin, "replica A", "--data", data, "--store", dsn)
	b := startServe(t, bin, "replica B", "--data", data, "--store", dsn)
	a.ready(caFile)
	b.ready(caFile)
	t.Logf("both replicas healthy %v after start", time.Since(start).Round(time.Millisecond))
	if len(logLines(a.logs.String(), "graphgate: opening postgres://")) != 1 {
		t.Errorf("replica A does not say which store it opened:\n%s", a.logs.String())
	}
	created := len(logLines(a.logs.String(), "created the demo tenant")) + len(logLines(b.logs.String(), "created the demo tenant"))
	if created != 1 {
		t.Errorf("%d replicas say they created the demo tenant, want 1", created)
	}
	tn := demoTenant(t, bin, "--data", data, "--store", dsn)
	envA := &env{t: t, base: a.base, client: a.client, demo: tn}
	envB := &env{t: t, base: b.base, client: b.client, demo: tn}
	replicas := []*env{envA, envB}
	webapp, ha := envA.app("webapp"), envA.app("homeassistant")
	adele, megan := envA.user("adele"), envA.user("megan")

	t.Run("OneTenant", func(t *testing.T) {
		// The database holds one demo tenant, exactly as one seeding makes
		// it, one signing key, and the replicas publish the same keys.
		st, err := postgres.Open(t.Context(), dsn)
		if err != nil {
			t.Fatal(err)
		}
		defer st.Close()
		got := tenantShape(t, st)
		ref, err := sqlite.Open(t.Context(), t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		defer ref.Close()
		if _, _, err := demo.Seed(t.Context(), ref, demo.Options{SecretHash: func(s string) []byte { return []byte(s) }, Passwords: password.Fast}); err != nil {
			t.Fatal(err)
		}
		if want := tenantShape(t, ref); got != want {
			t.Errorf("after two replicas seeded at once:\n %s\nafter one seeding:\n %s", got, want)
		}
		keys, err := st.SigningKeys(t.Context())
		if err != nil || len(keys) != 1 {
			t.Errorf("signing keys after two replicas started at once: %d, %v", len(keys), err)
		}
		kids := func(e *env) string {
			r := getJSON(t, e, e.base+"/"+demo.TenantID+"/discovery/v2.0/keys")
			var ids []string
			keys, _ := r.body["keys"].([]any)
			for _, k := range keys {
				m, _ := k.(map[string]any)
				id, _ := m["kid"].(string)
				ids = append(ids, id)
			}
			return strings.Join(ids, " ")
		}
		if ka, kb := kids(envA), kids(envB); ka != kb || ka == "" {
			t.Errorf("the replicas publish different keys: %q and %q", ka, kb)
		}
	})

	t.Run("TokensAcrossReplicas", func(t *testing.T) {
		// A token one replica issued works at the other, in both
		// directions, for an app and for a user.
		app := a.token(clientCredentialsForm(tn)).str("access_token")
		if r := b.graph(http.MethodGet, "/users?$top=3", app, nil); r.status != http.StatusOK {
			t.Errorf("A's app token at B: %v", r)
		}
		user := b.token(passwordForm(tn, "adele", "User.Read")).str("access_token")
		if r := a.graph(http.MethodGet, "/me", user, nil); r.status != http.StatusOK || r.str("id") != adele.ID {
			t.Errorf("B's user token at A: %v", r)
		}
	})

	t.Run("AuthCodeSingleUse", func(t *testing.T) {
		// A code issued by A, redeemed at B, is refused at A (and its
		// redemption's refresh token revoked).
		q := codeFlow(t, browserFor(t, envA), demo.TenantID, authParams(webapp.ClientID, "http://localhost", "openid profile offline_access User.Read"), adele)
		redeem := redeemParams(webapp.ClientID, webapp.Secret, q.Get("code"), "http://localhost", "")
		first := postToken(t, envB, demo.TenantID, redeem)
		wantOK(t, first)
		wantError(t, postToken(t, envA, demo.TenantID, redeem), 400, "invalid_grant", 54005)
		wantError(t, postToken(t, envB, demo.TenantID, with(refreshParams(webapp.ClientID, first.str("refresh_token"), "User.Read"),
			"client_secret", webapp.Secret)), 400, "invalid_grant", 50173)

		// Redemptions racing at both replicas: exactly one wins.
		q = codeFlow(t, browserFor(t, envA), demo.TenantID, authParams(webapp.ClientID, "http://localhost", "openid User.Read"), megan)
		redeem = redeemParams(webapp.ClientID, webapp.Secret, q.Get("code"), "http://localhost", "")
		if wins := race(t, replicas, 8, func(e *env) jsonResp { return postToken(t, e, demo.TenantID, redeem) }); wins != 1 {
			t.Errorf("%d of 8 racing redemptions of one code succeeded, want 1", wins)
		}
	})

	t.Run("RefreshTokenSingleUse", func(t *testing.T) {
		scope := "User.Read offline_access"
		refresh := func(e *env, rt string) jsonResp {
			return postToken(t, e, demo.TenantID, with(refreshParams(webapp.ClientID, rt, scope), "client_secret", webapp.Secret))
		}
		rt1 := a.token(passwordForm(tn, "adele", scope)).str("refresh_token")
		if rt1 == "" {
			t.Fatal("no refresh token")
		}
		r := refresh(envB, rt1)
		wantOK(t, r)
		rt2 := r.str("refresh_token")
		// The used token is refused at A, and the reuse revokes the family.
		wantError(t, refresh(envA, rt1), 400, "invalid_grant", 50173)
		wantError(t, refresh(envB, rt2), 400, "invalid_grant", 50173)

		// Rotations racing at both replicas: exactly one wins.
		rt := b.token(passwordForm(tn, "megan", scope)).str("refresh_token")
		if wins := race(t, replicas, 8, func(e *env) jsonResp { return refresh(e, rt) }); wins != 1 {
			t.Errorf("%d of 8 racing refreshes of one token succeeded, want 1", wins)
		}
	})

	t.Run("ConsentSeenAtOnce", func(t *testing.T) {
		// Megan has not consented to the Home Assistant app: B refuses a
		// non-interactive sign-in; she consents at A; B accepts at once.
		pw := kv("grant_type", "password", "client_id", ha.ClientID, "username", megan.UserPrincipalName, "password", megan.Password,
			"scope", "Tasks.ReadWrite offline_access")
		wantError(t, postToken(t, envB, demo.TenantID, pw), 400, "invalid_grant", 65001)
		_, challenge := pkcePair()
		codeFlow(t, browserFor(t, envA), "organizations", authParams(ha.ClientID, "http://localhost", "openid Tasks.ReadWrite",
			"code_challenge", challenge, "code_challenge_method", "S256"), megan)
		wantOK(t, postToken(t, envB, demo.TenantID, pw))
	})

	t.Run("SignInAcrossReplicas", func(t *testing.T) {
		// The authorize request goes to A, the sign-in form to B (as a
		// load balancer without affinity would send them), the code back
		// to A.
		bA := browserFor(t, envA)
		verifier, challenge := pkcePair()
		v := authParams(ha.ClientID, "http://localhost", "openid Tasks.ReadWrite",
			"code_challenge", challenge, "code_challenge_method", "S256")
		p := bA.get(envA.authorizeURL("organizations", v))
		bA.e = envB
		p = bA.signIn(p, megan.UserPrincipalName, megan.Password, true)
		_, q := redirected(t, p)
		if q.Get("code") == "" {
			t.Fatalf("no code: %v", q)
		}
		wantOK(t, postToken(t, envA, demo.TenantID, kv("grant_type", "authorization_code", "client_id", ha.ClientID,
			"code", q.Get("code"), "redirect_uri", "http://localhost", "code_verifier", verifier)))
	})

	t.Run("MailAcrossReplicas", func(t *testing.T) {
		// Mail sent through A is read through B, in the recipient's inbox
		// and the sender's Sent Items.
		app := a.token(clientCredentialsForm(tn)).str("access_token")
		subject := fmt.Sprintf("Replicated %d", time.Now().UnixNano())
		send := map[string]any{"message": map[string]any{"subject": subject, "body": map[string]any{"contentType": "text", "content": "hello"},
			"toRecipients": []any{map[string]any{"emailAddress": map[string]any{"address": adele.UserPrincipalName}}}}}
		if r := a.graph(http.MethodPost, "/users/"+megan.UserPrincipalName+"/sendMail", app, send); r.status != http.StatusAccepted {
			t.Fatalf("sendMail at A: %v", r)
		}
		filter := "?$filter=" + url.QueryEscape("subject eq '"+subject+"'")
		for _, path := range []string{
			"/users/" + adele.UserPrincipalName + "/mailFolders/inbox/messages" + filter,
			"/users/" + megan.UserPrincipalName + "/mailFolders/sentitems/messages" + filter,
		} {
			r := b.graph(http.MethodGet, path, app, nil)
			if vals, _ := r.body["value"].([]any); r.status != http.StatusOK || len(vals) != 1 {
				t.Errorf("GET %s at B: %v", path, r)
			}
		}
	})
}

// race sends n requests at once, alternating between the replicas, and
// returns how many got a token; the others must be invalid_grant.
func race(t *testing.T, replicas []*env, n int, f func(e *env) jsonResp) int {
	t.Helper()
	results := make([]jsonResp, n)
	var wg sync.WaitGroup
	startGun := make(chan struct{})
	for i := range n {
		wg.Go(func() {
			<-startGun
			results[i] = f(replicas[i%len(replicas)])
		})
	}
	close(startGun)
	wg.Wait()
	wins := 0
	for _, r := range results {
		switch {
		case r.status == http.StatusOK && r.str("access_token") != "":
			wins++
		case r.status == http.StatusBadRequest && r.str("error") == "invalid_grant":
		default:
			t.Errorf("a racing request: %s", r)
		}
	}
	return wins
}

// tenantShape summarises the demo tenant a store holds: how many objects of
// each kind (items by kind), settings by name.
func tenantShape(t *testing.T, st store.Store) string {
	t.Helper()
	d, err := st.ExportTenant(t.Context(), demo.TenantID)
	if err != nil {
		t.Fatal(err)
	}
	parts := []string{fmt.Sprintf("users %d groups %d units %d memberships %d apps %d sps %d grants %d assignments %d",
		len(d.Users), len(d.Groups), len(d.AdministrativeUnits), len(d.Memberships), len(d.Apps), len(d.ServicePrincipals),
		len(d.DelegatedGrants), len(d.AppRoleAssignments))}
	secrets := 0
	for _, a := range d.Apps {
		secrets += len(a.Secrets)
	}
	parts = append(parts, fmt.Sprintf("secrets %d", secrets))
	kinds := map[string]int{}
	for _, it := range d.Items {
		kinds[it.Kind]++
	}
	var ks []string
	for k, n := range kinds {
		ks = append(ks, fmt.Sprintf("%s %d", k, n))
	}
	slices.Sort(ks)
	var names []string
	for _, s := range d.Settings {
		if strings.HasPrefix(s.Name, "demo.") { // the identity platform's are not the demo's
			names = append(names, s.Name)
		}
	}
	return strings.Join(append(append(parts, ks...), "settings "+strings.Join(names, ",")), "; ")
}
