package identity

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"graphgate/internal/password"
	"graphgate/internal/store"
)

// TestSeveralAccounts: a browser holds every account signed in to it (at
// most maxAccounts), and /authorize shows the picker, skips it or asks for
// the password as Microsoft's sign-in does.
func TestSeveralAccounts(t *testing.T) {
	h := newHarness(t, Config{})
	b := h.browser()
	authorize := func(pairs ...string) resp {
		t.Helper()
		q := form("client_id", haID, "response_type", "code", "redirect_uri", redirect, "scope", "User.Read", "state", "st",
			"code_challenge", pkceChallenge, "code_challenge_method", "S256")
		for i := 0; i+1 < len(pairs); i += 2 {
			q.Set(pairs[i], pairs[i+1])
		}
		return h.get(b, "/organizations/oauth2/v2.0/authorize?"+q.Encode())
	}
	// userOf redeems the code a response redirects with and returns the
	// access token's oid ("" and the error when it redirects with one).
	userOf := func(r resp) string {
		t.Helper()
		loc, err := url.Parse(r.header.Get("Location"))
		if r.status != http.StatusFound || err != nil {
			t.Fatalf("no redirect to the app: %s", r)
		}
		if e := loc.Query().Get("error"); e != "" {
			return "error " + e + " " + loc.Query().Get("error_description")
		}
		tok := h.token("organizations", redeem(loc.Query().Get("code")))
		parts := strings.Split(tok.str("access_token"), ".")
		if len(parts) != 3 {
			t.Fatalf("no access token: %s", tok)
		}
		raw, _ := base64.RawURLEncoding.DecodeString(parts[1])
		var c struct{ OID string }
		if err := json.Unmarshal(raw, &c); err != nil {
			t.Fatal(err)
		}
		return c.OID
	}
	pick := func(page resp, u store.User) resp {
		t.Helper()
		v := hidden(page.body)
		v.Set("account", u.ID)
		return h.post(b, "/login", v)
	}
	picker := func(r resp, want ...store.User) {
		t.Helper()
		if r.status != http.StatusOK || !strings.Contains(r.body, "<h1>Pick an account</h1>") || !strings.Contains(r.body, `id="other-account"`) {
			t.Fatalf("no account picker: %s", r)
		}
		for i, u := range want {
			if !strings.Contains(r.body, fmt.Sprintf(`value="%s" id="account-%d"`, u.ID, i)) {
				t.Errorf("the picker does not list %s as account %d: %s", u.UserPrincipalName, i, pageText(r.body))
			}
		}
		if strings.Contains(r.body, fmt.Sprintf(`id="account-%d"`, len(want))) {
			t.Errorf("the picker lists more than %d accounts: %s", len(want), pageText(r.body))
		}
	}
	passwordPage := func(r resp, upn string) {
		t.Helper()
		if r.status != http.StatusOK || !strings.Contains(r.body, `id="password"`) || !strings.Contains(r.body, upn) {
			t.Fatalf("no password page for %s: %s", upn, r)
		}
	}

	// Adele signs in; then the admin, with prompt=login (else Adele's
	// session would be used).
	if got := userOf(h.login(b, authorize(), h.adele.UserPrincipalName, userPassword)); got != h.adele.ID {
		t.Fatalf("Adele's sign-in gave %s", got)
	}
	r := h.login(b, authorize("prompt", "login"), h.admin.UserPrincipalName, userPassword)
	if got := userOf(r); got != h.admin.ID {
		t.Fatalf("the second sign-in gave %s", got)
	}
	for _, c := range r.header.Values("Set-Cookie") {
		if strings.HasPrefix(c, sessionCookie+"=") && (!strings.Contains(c, "HttpOnly") || !strings.Contains(c, "Secure") || !strings.Contains(c, "SameSite=Lax")) {
			t.Errorf("session cookie %q: want HttpOnly, Secure, SameSite=Lax", c)
		}
	}

	for _, tc := range []struct {
		name  string
		pairs []string
		check func(r resp)
	}{
		{"no hint, no prompt: the picker, last used first", nil, func(r resp) { picker(r, h.admin, h.adele) }},
		{"prompt=select_account: the picker", []string{"prompt", "select_account"}, func(r resp) { picker(r, h.admin, h.adele) }},
		{"a login_hint of a signed-in account skips it", []string{"login_hint", "ADELE@contoso.test"}, func(r resp) {
			if got := userOf(r); got != h.adele.ID {
				t.Errorf("login_hint Adele gave %s", got)
			}
		}},
		{"a login_hint of another account asks its password", []string{"login_hint", "other@contoso.test"}, func(r resp) { passwordPage(r, "other@contoso.test") }},
		{"prompt=login asks for the password", []string{"prompt", "login", "login_hint", h.adele.UserPrincipalName}, func(r resp) {
			passwordPage(r, h.adele.UserPrincipalName)
		}},
		{"prompt=none with several accounts: interaction_required", []string{"prompt", "none"}, func(r resp) {
			if got := userOf(r); !strings.HasPrefix(got, "error interaction_required AADSTS16000") {
				t.Errorf("prompt=none gave %s", got)
			}
		}},
		{"prompt=none with a login_hint: silent", []string{"prompt", "none", "login_hint", h.admin.UserPrincipalName}, func(r resp) {
			if got := userOf(r); got != h.admin.ID {
				t.Errorf("prompt=none for the admin gave %s", got)
			}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) { tc.check(authorize(tc.pairs...)) })
	}

	t.Run("PickAnAccount", func(t *testing.T) {
		page := authorize()
		picker(page, h.admin, h.adele)
		if n := strings.Count(pageText(page.body), "Signed in"); n != 2 {
			t.Errorf("the picker marks %d accounts as signed in, want 2: %s", n, pageText(page.body))
		}
		if got := userOf(pick(page, h.adele)); got != h.adele.ID {
			t.Fatalf("picking Adele gave %s", got)
		}
		// Adele, picked, is now the account used last.
		picker(authorize("prompt", "select_account"), h.adele, h.admin)
		// "Use another account" is the sign-in's first step.
		v := hidden(page.body)
		v.Set("action", "back")
		if r := h.post(b, "/login", v); !strings.Contains(r.body, `id="username"`) {
			t.Errorf("Use another account: %s", r)
		}
	})

	t.Run("AnEndedSessionAsksForThePassword", func(t *testing.T) {
		ctx := t.Context()
		// Adele's password is reset, the admin is disabled.
		hash, err := password.Hash("Another-Horse-43", password.Fast)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range []struct {
			u  store.User
			fn func(u store.User) store.User
		}{
			{h.adele, func(u store.User) store.User { u.PasswordHash = hash; return u }},
			{h.admin, func(u store.User) store.User { u.AccountEnabled = false; return u }},
		} {
			if err := h.st.UpdateUser(ctx, c.u.TenantID, c.u.ID, func(u store.User) (store.User, error) { return c.fn(u), nil }); err != nil {
				t.Fatal(err)
			}
		}
		page := authorize()
		picker(page, h.adele, h.admin)
		if n := strings.Count(pageText(page.body), "Signed out: enter the password again"); n != 2 {
			t.Errorf("the picker marks %d accounts as signed out, want 2: %s", n, pageText(page.body))
		}
		passwordPage(pick(page, h.adele), h.adele.UserPrincipalName)
		passwordPage(pick(page, h.admin), h.admin.UserPrincipalName)
		if r := authorize("login_hint", h.adele.UserPrincipalName); !strings.Contains(r.body, `id="password"`) {
			t.Errorf("a login_hint of an account whose password was reset continued without it: %s", r)
		}
		// Adele signs in with the new password: her entry is renewed.
		if got := userOf(h.login(b, authorize("prompt", "login"), h.adele.UserPrincipalName, "Another-Horse-43")); got != h.adele.ID {
			t.Fatalf("Adele's new sign-in gave %s", got)
		}
		if got := userOf(pick(authorize(), h.adele)); got != h.adele.ID {
			t.Errorf("picking Adele after she signed in again gave %s", got)
		}
		if err := h.st.UpdateUser(ctx, h.admin.TenantID, h.admin.ID, func(u store.User) (store.User, error) { u.AccountEnabled = true; return u, nil }); err != nil {
			t.Fatal(err)
		}
	})

	t.Run("AtMostFiveAccounts", func(t *testing.T) {
		hash, err := password.Hash(userPassword, password.Fast)
		if err != nil {
			t.Fatal(err)
		}
		var extra []store.User
		for i := range 4 {
			u := store.User{ID: fmt.Sprintf("dddddddd-0000-4000-8000-%012d", i), TenantID: h.contoso.ID, UserPrincipalName: fmt.Sprintf("u%d@contoso.test", i),
				Kind: store.UserMember, AccountEnabled: true, PasswordHash: hash, Version: 1}
			if err := h.st.CreateUser(t.Context(), u); err != nil {
				t.Fatal(err)
			}
			if got := userOf(h.login(b, authorize("prompt", "login"), u.UserPrincipalName, userPassword)); got != u.ID {
				t.Fatalf("%s's sign-in gave %s", u.UserPrincipalName, got)
			}
			extra = append([]store.User{u}, extra...)
		}
		// Six accounts signed in: the oldest (the admin) was dropped.
		picker(authorize(), append(extra, h.adele)...)
	})

	t.Run("Logout", func(t *testing.T) {
		// logout_hint signs out one account; without it, all.
		if r := h.get(b, "/common/oauth2/v2.0/logout?logout_hint="+url.QueryEscape("u3@contoso.test")); r.status != http.StatusOK {
			t.Fatalf("logout: %s", r)
		}
		page := authorize()
		if strings.Contains(page.body, "u3@contoso.test") || !strings.Contains(page.body, "u2@contoso.test") {
			t.Errorf("after logout_hint=u3: %s", pageText(page.body))
		}
		if r := h.get(b, "/common/oauth2/v2.0/logout"); r.status != http.StatusOK {
			t.Fatalf("logout: %s", r)
		}
		if r := authorize(); !strings.Contains(r.body, `id="username"`) {
			t.Errorf("after logout: %s", pageText(r.body))
		}
		if r := authorize("prompt", "select_account"); !strings.Contains(r.body, `id="username"`) {
			t.Errorf("prompt=select_account after logout: %s", pageText(r.body))
		}
		if got := userOf(authorize("prompt", "none")); !strings.HasPrefix(got, "error login_required") {
			t.Errorf("prompt=none after logout gave %s", got)
		}
	})
}

// TestAcctClaim: an access token says whether its user was a guest when
// it was issued (Entra's optional claim acct: 1 for a guest, none for a
// member), so a user whose type changes keeps the old type in the tokens
// they hold and gets the new one in the next.
func TestAcctClaim(t *testing.T) {
	h := newHarness(t, Config{})
	acct := func() (any, bool) {
		t.Helper()
		r := h.token(h.contoso.ID, passwordGrant(haID, h.adele.UserPrincipalName, userPassword, "User.Read"))
		parts := strings.Split(r.str("access_token"), ".")
		if len(parts) != 3 {
			t.Fatalf("no access token: %s", r)
		}
		raw, _ := base64.RawURLEncoding.DecodeString(parts[1])
		var c map[string]any
		if err := json.Unmarshal(raw, &c); err != nil {
			t.Fatal(err)
		}
		v, ok := c["acct"]
		return v, ok
	}
	if v, ok := acct(); ok {
		t.Errorf("a member's token has acct %v", v)
	}
	if err := h.st.UpdateUser(t.Context(), h.contoso.ID, h.adele.ID, func(u store.User) (store.User, error) {
		u.Kind = store.UserGuest
		return u, nil
	}); err != nil {
		t.Fatal(err)
	}
	if v, ok := acct(); !ok || v != float64(1) {
		t.Errorf("a guest's token has acct %v (present %v), want 1", v, ok)
	}
}

// TestSessionCookie: the cookie's accounts — the one used last first, one
// entry per user, at most maxAccounts, expired ones left out on read, and
// the single-account cookie of earlier versions read as one account.
func TestSessionCookie(t *testing.T) {
	h := newHarness(t, Config{})
	now := h.clock.Now().Unix()
	acct := func(id string, exp int64) account {
		return account{UserID: id, TenantID: h.contoso.ID, Expires: exp, Name: id + "@contoso.test"}
	}
	ids := func(ss session) string {
		var out []string
		for _, a := range ss.Accounts {
			out = append(out, a.UserID)
		}
		return strings.Join(out, ",")
	}
	read := func(value string) (session, bool) {
		r, _ := http.NewRequest(http.MethodGet, "/", nil)
		r.AddCookie(&http.Cookie{Name: sessionCookie, Value: value})
		return h.srv.readSession(r)
	}
	for _, tc := range []struct {
		name  string
		steps func(ss *session)
		want  string
	}{
		{"newest first", func(ss *session) { ss.use(acct("a", now+60)); ss.use(acct("b", now+60)) }, "b,a"},
		{"a user once", func(ss *session) { ss.use(acct("a", now+60)); ss.use(acct("b", now+60)); ss.use(acct("a", now+90)) }, "a,b"},
		{"at most five, oldest dropped", func(ss *session) {
			for _, id := range []string{"a", "b", "c", "d", "e", "f"} {
				ss.use(acct(id, now+60))
			}
		}, "f,e,d,c,b"},
		{"logout_hint removes one, any case", func(ss *session) {
			ss.use(acct("a", now+60))
			ss.use(acct("b", now+60))
			if !ss.remove("A@CONTOSO.TEST") || ss.remove("nobody@contoso.test") {
				t.Error("remove reported wrongly")
			}
		}, "b"},
		{"expired accounts are left out", func(ss *session) { ss.use(acct("a", now-1)); ss.use(acct("b", now+60)) }, "b"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var ss session
			tc.steps(&ss)
			got, ok := read(h.srv.sign(ss))
			if !ok || ids(got) != tc.want {
				t.Errorf("read back %q (ok %v), want %q", ids(got), ok, tc.want)
			}
		})
	}
	legacy := h.srv.sign(map[string]any{"uid": "old", "tid": h.contoso.ID, "at": now, "exp": now + 60})
	if got, ok := read(legacy); !ok || ids(got) != "old" {
		t.Errorf("an earlier version's cookie reads as %q (ok %v)", ids(got), ok)
	}
	if _, ok := read(h.srv.sign(session{Accounts: []account{acct("a", now-1)}})); ok {
		t.Error("a session of expired accounts is signed in")
	}
	if _, ok := read(legacy[:len(legacy)-2] + "xx"); ok {
		t.Error("a cookie with a bad signature is signed in")
	}
}
