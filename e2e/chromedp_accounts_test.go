package e2e

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestChromedpSeveralAccounts: two people sign in in the same browser;
// the next sign-in offers both accounts, and picking one gives that
// account's code without a password, as Microsoft's account picker does.
func TestChromedpSeveralAccounts(t *testing.T) {
	b := newTab(t) // first: skips without a browser
	e := start(t)
	ha, adele, megan := e.app("homeassistant"), e.user("adele"), e.user("megan")
	rcv := newReceiver(t)
	verifier, challenge := pkcePair()
	params := func(extra ...string) string {
		return e.authorizeURL("organizations", authParams(ha.ClientID, rcv.uri, "User.Read",
			append([]string{"code_challenge", challenge, "code_challenge_method", "S256"}, extra...)...))
	}
	// codeUser redeems the code the browser brought back and returns the
	// access token's user.
	codeUser := func(step string) string {
		t.Helper()
		q := rcv.wait(b)
		if q.Get("code") == "" {
			t.Fatalf("%s: no code: %v", step, q)
		}
		r := postToken(t, e, "organizations", redeemParams(ha.ClientID, "", q.Get("code"), rcv.uri, verifier))
		wantOK(t, r)
		upn, _ := claims(t, r.str("access_token"))["upn"].(string)
		return upn
	}
	signInAndConsent := func(who string, upn, password string, extra ...string) {
		t.Helper()
		b.navigate(params(extra...))
		b.signIn(upn, password)
		b.consentItems()
		b.do(who+" accepts", chromedp.Click(chromedp.ID("accept")))
		if got := codeUser(who + "'s sign-in"); !strings.EqualFold(got, upn) {
			t.Fatalf("%s's sign-in gave a token of %q", who, got)
		}
	}

	signInAndConsent("Adele", adele.UserPrincipalName, adele.Password)
	// Megan in the same browser: prompt=login, or Adele's session would do.
	signInAndConsent("Megan", megan.UserPrincipalName, megan.Password, "prompt", "login")

	// A third sign-in: the picker lists both, the one used last first.
	b.navigate(params())
	b.waitFor("account-1")
	if h1 := b.eval("heading", `document.querySelector("h1").innerText`); h1 != "Pick an account" {
		t.Errorf("heading %q, want the account picker", h1)
	}
	first, second := b.text("account-0"), b.text("account-1")
	if !strings.Contains(first, megan.UserPrincipalName) || !strings.Contains(second, adele.UserPrincipalName) {
		t.Errorf("the picker offers %q and %q, want Megan then Adele", first, second)
	}
	if got := b.text("other-account"); got != "Use another account" {
		t.Errorf("the picker's last choice is %q", got)
	}
	b.checkA11y("account picker with two accounts")
	b.pageShot("signin-pick-accounts")
	b.do("pick Adele", chromedp.Click(chromedp.ID("account-1")))
	if got := codeUser("picking Adele"); !strings.EqualFold(got, adele.UserPrincipalName) {
		t.Errorf("picking Adele gave a token of %q", got)
	}

	// Sign out: every account goes, and the next sign-in asks who.
	b.navigate(e.base + "/common/oauth2/v2.0/logout")
	b.navigate(params())
	b.waitFor("username")
	rcv.none(t)
}
