package e2e

import (
	"testing"

	"github.com/chromedp/chromedp"
)

// TestChromedpSignInFieldTakesGuestNames: the user name field is
// type=email, and Chromium accepts every user principal name graphgate
// has — a guest's kim_fabrikam.com#EXT#@… included — so the field keeps the
// email keyboard and autofill without refusing anyone who can sign in.
func TestChromedpSignInFieldTakesGuestNames(t *testing.T) {
	b := newTab(t) // first: skips without a browser
	e := start(t)
	ha, guest := e.app("homeassistant"), e.user("guest")
	rcv := newReceiver(t)
	_, challenge := pkcePair()
	b.navigate(e.authorizeURL("organizations", authParams(ha.ClientID, rcv.uri, "User.Read", "code_challenge", challenge, "code_challenge_method", "S256")))
	b.waitFor("username")
	if typ := b.eval("the field's type", `document.getElementById("username").type`); typ != "email" {
		t.Errorf("username field type %q", typ)
	}
	b.do("type the guest's name", chromedp.SendKeys(chromedp.ID("username"), guest.UserPrincipalName))
	if v := b.eval("validity", `String(document.getElementById("username").checkValidity())`); v != "true" {
		t.Fatalf("Chromium refuses the guest's user principal name %q", guest.UserPrincipalName)
	}
	b.do("go on to the password", chromedp.Click(chromedp.ID("next")))
	b.waitFor("password")
	b.do("type the password and sign in",
		chromedp.SendKeys(chromedp.ID("password"), guest.Password),
		chromedp.Click(chromedp.ID("signin")))
	// Signed in: the consent page lists what the app asks for.
	if items := b.consentItems(); len(items) == 0 {
		t.Errorf("the guest did not reach the consent page (page: %s)", b.location())
	}
	rcv.none(t)
}
