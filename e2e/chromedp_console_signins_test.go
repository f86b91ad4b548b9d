package e2e

import (
	"net/url"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"graphgate/internal/demo"
)

// TestChromedpConsoleSignIns: a failed sign-in (a wrong password) and a
// successful one are found in the console's sign-in log with the right
// status, filtered by user and status through the page's form; the
// failure shows AADSTS50126 and what it means, and its user link opens the
// user's page, whose "Sign-ins" link comes back. The daemon's three
// client-credentials sign-ins are one row ×3, and the id filter finds the
// second by its id and by its correlation id (the client-request-id it
// sent), as itself.
func TestChromedpConsoleSignIns(t *testing.T) {
	b := newTab(t) // first: skips without a browser
	e := start(t)
	ha, adele := e.app("homeassistant"), e.user("adele")
	e.consent(ha.ClientID, adele.ID, "User.Read")
	pw := func(password string) url.Values {
		return kv("grant_type", "password", "client_id", ha.ClientID, "username", adele.UserPrincipalName, "password", password, "scope", "User.Read")
	}
	if bad := postToken(t, e, demo.TenantID, pw("not-"+adele.Password)); bad.status != 400 {
		t.Fatalf("a wrong password: %d", bad.status)
	}
	wantOK(t, postToken(t, e, demo.TenantID, pw(adele.Password)))
	daemon := e.app("daemon")
	var daemonIDs, daemonCorr []string
	for range 3 {
		r := postToken(t, e, demo.TenantID, kv("grant_type", "client_credentials", "client_id", daemon.ClientID, "client_secret", daemon.Secret,
			"scope", graphDotDefault))
		wantOK(t, r)
		daemonIDs, daemonCorr = append(daemonIDs, r.header.Get("x-ms-request-id")), append(daemonCorr, r.corr)
	}
	if err := e.srv.FlushSignInLog(t.Context()); err != nil {
		t.Fatal(err)
	}

	b.consoleSignIn(e, "/console/signins", "admin")
	b.waitFor("signins")
	rows := func() string {
		return b.eval("rows", `Array.from(document.querySelectorAll("#signins tr[data-signin-id]")).map(r => r.dataset.errorCode).join(" ")`)
	}
	b.do("filter: Adele's failures",
		chromedp.SendKeys(chromedp.ID("f-user"), adele.UserPrincipalName),
		chromedp.SetValue(chromedp.ID("f-status"), "failure"))
	clickAndLoad(b, "filter", chromedp.ID("filter-signins"))
	if got := rows(); got != "50126" {
		t.Fatalf("Adele's failures: %q, want the wrong password (50126)", got)
	}
	row := b.eval("the failure", `document.querySelector("#signins tr[data-signin-id]").innerText`)
	for _, want := range []string{"Failure", "AADSTS50126", "The user name or the password is wrong.", adele.UserPrincipalName, "Home Assistant", "non-interactive, password"} {
		if !strings.Contains(row, want) {
			t.Errorf("the failure row %q lacks %q", row, want)
		}
	}
	b.checkA11y("sign-in log")
	b.pageShot("console-signins")

	b.do("filter: successes", chromedp.SetValue(chromedp.ID("f-status"), "success"))
	clickAndLoad(b, "filter", chromedp.ID("filter-signins"))
	if got := rows(); got != "0" {
		t.Fatalf("Adele's successes: %q, want the right password (0)", got)
	}
	if s := b.eval("status", `document.querySelector("#signins tr[data-signin-id] td:nth-child(2)").innerText`); strings.TrimSpace(s) != "Success" {
		t.Errorf("the success row's status: %q", s)
	}

	// The row's user link, and the user page's way back.
	clickAndLoad(b, "open the user", chromedp.CSS(`#signins a[href="/console/users/`+adele.ID+`"]`))
	b.waitFor("user-signins")
	clickAndLoad(b, "the user's sign-ins", chromedp.ID("user-signins"))
	b.waitFor("signins")
	if got := rows(); got != "0 50126" {
		t.Errorf("Adele's sign-ins from her page: %q, want the success then the failure", got)
	}

	// The daemon's sign-ins: one row ×3; each found by its own ids.
	b.navigate(e.base + "/console/signins")
	b.waitFor("signins")
	b.do("filter: the daemon", chromedp.SendKeys(chromedp.ID("f-app"), daemon.DisplayName))
	clickAndLoad(b, "filter", chromedp.ID("filter-signins"))
	grouped := func() string {
		return b.eval("grouped rows", `Array.from(document.querySelectorAll("#signins tr[data-signin-id]")).map(r => r.dataset.signinId + "×" + r.dataset.count).join(" ")`)
	}
	if got, want := grouped(), daemonIDs[0]+"×3"; got != want {
		t.Fatalf("the daemon's sign-ins: %q, want one row ×3, %q", got, want)
	}
	if row := b.eval("the grouped row", `document.querySelector("#signins tr[data-signin-id]").innerText`); !strings.Contains(row, "×3") ||
		!strings.Contains(row, "the app itself (service principal)") || !strings.Contains(row, "client_credentials") {
		t.Errorf("the grouped row %q", row)
	}
	for _, id := range []string{daemonIDs[1], daemonCorr[1]} {
		b.do("filter: one sign-in by id", chromedp.SetValue(chromedp.ID("f-id"), id))
		clickAndLoad(b, "filter", chromedp.ID("filter-signins"))
		if got, want := grouped(), daemonIDs[1]+"×3"; got != want {
			t.Errorf("the sign-in %s: %q, want the second one, %q", id, got, want)
		}
	}
	b.checkA11y("sign-in log, grouped")
}
