package identity

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"graphgate/internal/catalog"
	"graphgate/internal/tokens"
)

// TestSmartLockout follows Entra's smart lockout: AADSTS50053 after the
// threshold of distinct wrong passwords (Entra's defaults: 10, one minute),
// the right password refused while locked, longer lockouts after each
// further failure, a repeated wrong password not counted, a success
// resetting the count. The server's clock is moved; nothing sleeps.
func TestSmartLockout(t *testing.T) {
	// A step tries a password (w: a wrong one, numbered; r: the right one)
	// after moving the clock, and expects an answer.
	type step struct {
		wait time.Duration
		pw   string // "r" or a wrong password
		n    int    // times
		want int    // 0: a token; else the AADSTS code
	}
	wrongs := func(from, n int, want int) []step {
		var s []step
		for i := from; i < from+n; i++ {
			s = append(s, step{pw: fmt.Sprint("wrong-", i), n: 1, want: want})
		}
		return s
	}
	cat := func(parts ...[]step) []step {
		var out []step
		for _, p := range parts {
			out = append(out, p...)
		}
		return out
	}
	for _, c := range []struct {
		name  string
		cfg   Config
		steps []step
	}{
		{"ten wrong passwords lock the account for a minute", Config{}, cat(
			wrongs(0, 10, 50126),
			[]step{{pw: "r", n: 1, want: 50053}, {wait: 59 * time.Second, pw: "r", n: 1, want: 50053}, {pw: "wrong-x", n: 1, want: 50053},
				{wait: time.Second, pw: "r", n: 1}})},
		{"nine are not enough", Config{}, cat(wrongs(0, 9, 50126), []step{{pw: "r", n: 1}})},
		{"the same wrong password counts once", Config{}, []step{{pw: "Summer2024", n: 40, want: 50126}, {pw: "r", n: 1}}},
		{"the last three wrong passwords count once", Config{}, cat(
			[]step{{pw: "a", n: 1, want: 50126}, {pw: "b", n: 1, want: 50126}, {pw: "c", n: 1, want: 50126}},
			[]step{{pw: "a", n: 5, want: 50126}, {pw: "b", n: 5, want: 50126}, {pw: "c", n: 5, want: 50126}, {pw: "r", n: 1}})},
		{"a fourth wrong password pushes the first out", Config{LockoutThreshold: 5}, cat(
			[]step{{pw: "a", n: 1, want: 50126}, {pw: "b", n: 1, want: 50126}, {pw: "c", n: 1, want: 50126}, {pw: "d", n: 1, want: 50126}},
			[]step{{pw: "a", n: 1, want: 50126}, {pw: "r", n: 1, want: 50053}})},
		{"a success resets the count", Config{}, cat(wrongs(0, 9, 50126), []step{{pw: "r", n: 1}}, wrongs(9, 9, 50126), []step{{pw: "r", n: 1}})},
		{"each further failure locks longer", Config{}, cat(
			wrongs(0, 10, 50126),
			[]step{{wait: time.Minute, pw: "wrong-10", n: 1, want: 50126}}, // locks for 2 minutes
			[]step{{wait: 2*time.Minute - time.Second, pw: "r", n: 1, want: 50053}},
			[]step{{wait: time.Second, pw: "wrong-11", n: 1, want: 50126}}, // 4 minutes
			[]step{{wait: 4*time.Minute - time.Second, pw: "r", n: 1, want: 50053}, {wait: time.Second, pw: "r", n: 1}},
			// The success forgot it all: ten again before a lock.
			wrongs(20, 9, 50126), []step{{pw: "r", n: 1}})},
		{"lockouts stop growing at 64 times the first", Config{LockoutThreshold: 1, LockoutDuration: time.Second}, cat(
			[]step{{pw: "w0", n: 1, want: 50126}},
			func() []step {
				var s []step
				for i, d := range []int{1, 2, 4, 8, 16, 32, 64} {
					s = append(s, step{wait: time.Duration(d) * time.Second, pw: fmt.Sprint("w", i+1), n: 1, want: 50126})
				}
				return s
			}(),
			[]step{{wait: 63 * time.Second, pw: "r", n: 1, want: 50053}, {wait: time.Second, pw: "r", n: 1}})},
		{"a configured threshold and duration", Config{LockoutThreshold: 3, LockoutDuration: 5 * time.Minute}, cat(
			wrongs(0, 3, 50126), []step{{wait: 5*time.Minute - time.Second, pw: "r", n: 1, want: 50053}, {wait: time.Second, pw: "r", n: 1}})},
		{"failures are forgotten after an hour", Config{}, cat(
			wrongs(0, 9, 50126), []step{{wait: time.Hour, pw: "wrong-9", n: 1, want: 50126}}, wrongs(10, 8, 50126), []step{{pw: "r", n: 1}})},
		{"lockout off", Config{LockoutThreshold: -1}, cat(wrongs(0, 30, 50126), []step{{pw: "r", n: 1}})},
	} {
		t.Run(c.name, func(t *testing.T) {
			h := newHarness(t, c.cfg)
			for i, s := range c.steps {
				h.clock.Advance(s.wait)
				pw := s.pw
				if pw == "r" {
					pw = userPassword
				}
				for range s.n {
					r := h.token(h.contoso.ID, passwordGrant(haID, h.adele.UserPrincipalName, pw, "User.Read"))
					if s.want == 0 {
						if r.status != http.StatusOK {
							t.Fatalf("step %d (%s): want a token, got %s", i, s.pw, r)
						}
						continue
					}
					codes, _ := r.json["error_codes"].([]any)
					if r.status != http.StatusBadRequest || r.str("error") != "invalid_grant" || len(codes) != 1 || codes[0] != float64(s.want) {
						t.Fatalf("step %d (%s): want invalid_grant AADSTS%d, got %s", i, s.pw, s.want, r)
					}
				}
			}
			// Another user is never affected.
			wantToken(t, h.token(h.fabrikam.ID, passwordGrant(fabAppID, h.ford.UserPrincipalName, userPassword, "User.Read")))
		})
	}
}

// TestSmartLockoutMessage: AADSTS50053 with Microsoft's wording.
func TestSmartLockoutMessage(t *testing.T) {
	h := newHarness(t, Config{LockoutThreshold: 1})
	h.token(h.contoso.ID, passwordGrant(haID, h.adele.UserPrincipalName, "nope", "User.Read"))
	r := h.token(h.contoso.ID, passwordGrant(haID, h.adele.UserPrincipalName, userPassword, "User.Read"))
	wantErr(t, r, 400, "invalid_grant", 50053)
	if !strings.HasPrefix(r.str("error_description"), "AADSTS50053: The account is locked, you've tried to sign in too many times with an incorrect user ID or password.\r\n") {
		t.Errorf("error_description %q", r.str("error_description"))
	}
}

// TestSmartLockoutSignInForm: the sign-in page counts failures in the same
// place as the password grant, and shows the lockout instead of signing in.
func TestSmartLockoutSignInForm(t *testing.T) {
	h := newHarness(t, Config{LockoutThreshold: 4})
	b := h.browser()
	p := h.signInPage(b, "organizations", haID, "User.Read")
	for i := range 2 {
		p = h.login(b, p, h.adele.UserPrincipalName, fmt.Sprint("form-wrong-", i))
		if !strings.Contains(p.body, "Your account or password is incorrect.") {
			t.Fatalf("wrong password %d on the form: %s", i, p)
		}
	}
	for i := range 2 {
		wantErr(t, h.token(h.contoso.ID, passwordGrant(haID, h.adele.UserPrincipalName, fmt.Sprint("grant-wrong-", i), "User.Read")), 400, "invalid_grant", 50126)
	}
	p = h.login(b, p, h.adele.UserPrincipalName, userPassword)
	if p.status != http.StatusOK || !strings.Contains(p.body, "Your account is temporarily locked") || p.header.Get("Location") != "" {
		t.Fatalf("the right password on a locked account: %s", p)
	}
	for _, c := range p.header.Values("Set-Cookie") {
		if strings.HasPrefix(c, sessionCookie+"=") {
			t.Errorf("a locked account got a session: %s", c)
		}
	}
	h.clock.Advance(time.Minute)
	if r := h.login(b, p, h.adele.UserPrincipalName, userPassword); r.status != http.StatusFound || !strings.Contains(r.header.Get("Location"), "code=") {
		t.Errorf("after the lockout: %s", r)
	}
}

// TestSmartLockoutAcrossReplicas: two servers on one store count the same
// failures and refuse the same locked account.
func TestSmartLockoutAcrossReplicas(t *testing.T) {
	h := newHarness(t, Config{})
	other := h.replica(Config{})
	for i := range 10 {
		base := h.base
		if i%2 == 1 {
			base = other
		}
		r := h.post(h.client, base+"/"+h.contoso.ID+"/oauth2/v2.0/token", passwordGrant(haID, h.adele.UserPrincipalName, fmt.Sprint("wrong-", i), "User.Read"))
		wantErr(t, r, 400, "invalid_grant", 50126)
	}
	for _, base := range []string{h.base, other} {
		r := h.post(h.client, base+"/"+h.contoso.ID+"/oauth2/v2.0/token", passwordGrant(haID, h.adele.UserPrincipalName, userPassword, "User.Read"))
		wantErr(t, r, 400, "invalid_grant", 50053)
	}
}

// replica starts a second identity server over the harness's store, keys
// and clock, and returns its base URL.
func (h *harness) replica(cfg Config) string {
	h.t.Helper()
	kr, err := tokens.NewKeyring(h.keys, tokens.KeyringOptions{Now: h.clock.Now})
	if err != nil {
		h.t.Fatal(err)
	}
	srv, err := New(context.Background(), Deps{Store: h.st, Catalog: catalog.Default(), Keyring: kr, Now: h.clock.Now,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}, cfg)
	if err != nil {
		h.t.Fatal(err)
	}
	ts := httptest.NewUnstartedServer(srv.Handler())
	ts.TLS = h.tlsServer.TLS
	ts.StartTLS()
	h.t.Cleanup(ts.Close)
	return ts.URL
}
