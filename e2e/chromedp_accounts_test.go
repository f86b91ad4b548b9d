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

// TestChromedpConsoleConvertUser: an administrator turns the demo guest
// into a member on the user's page, confirming first, and the page says
// what changed; the user principal name stays.
func TestChromedpConsoleConvertUser(t *testing.T) {
	b := newTab(t) // first: skips without a browser
	e := start(t)
	guest := e.user("guest")
	b.consoleSignIn(e, "/console/users/"+guest.ID, "admin")
	b.waitFor("convert")
	if got := b.text("user-type"); got != "Guest" {
		t.Errorf("user type %q, want Guest", got)
	}
	if got := b.text("convert"); got != "Convert to member" {
		t.Errorf("the conversion button says %q", got)
	}
	// The form needs the confirmation: without it the browser does not send it.
	b.do("click without confirming", chromedp.Click(chromedp.ID("convert")))
	if v := b.eval("validity", `String(document.getElementById("confirm-convert").validity.valueMissing)`); v != "true" {
		t.Errorf("the confirmation box is not required (valueMissing %s)", v)
	}
	b.do("confirm", chromedp.Click(chromedp.ID("confirm-convert")))
	b.checkA11y("user page with the conversion")
	clickAndLoad(b, "convert to member", chromedp.ID("convert"))
	b.waitFor("notice")
	if n := b.text("notice"); !strings.Contains(n, "Converted "+guest.UserPrincipalName+" to a member") || !strings.Contains(n, "user principal name is unchanged") {
		t.Errorf("notice %q", n)
	}
	if got := b.text("user-type"); got != "Member" {
		t.Errorf("user type after the conversion %q, want Member", got)
	}
	if got := b.text("upn"); got != guest.UserPrincipalName {
		t.Errorf("user principal name after the conversion %q", got)
	}
	if got := b.text("convert"); got != "Convert to guest" {
		t.Errorf("after the conversion the button says %q", got)
	}
	b.pageShot("console-user-convert")
}
