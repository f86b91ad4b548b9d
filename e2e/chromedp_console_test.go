package e2e

// Real-browser tests of the web pages: the landing page, the admin console
// and the sign-in pages around it. Each captures every page it checks;
// with GRAPHGATE_SCREENSHOTS=1 they are written to docs/screenshots/
// (committed, so a reviewer sees the pages without running anything; the
// README shows two).

import (
	"bytes"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// pageShot captures the whole page, screenshotWidth pixels wide, and checks
// it is a PNG of that width; with GRAPHGATE_SCREENSHOTS=1 it writes it to
// docs/screenshots/NAME.png (as the explorer's tests do: a plain test run
// leaves the working tree as it was).
func (b *tab) pageShot(name string) {
	b.t.Helper()
	b.do("size the window for the screenshot", chromedp.EmulateViewport(screenshotWidth, 760))
	h := get(b, "page height", chromedp.Evaluate[int](`document.documentElement.scrollHeight`))
	b.do("fit the window to the page", chromedp.EmulateViewport(screenshotWidth, int64(min(max(h, 300), 4000))))
	shot := get(b, "screenshot "+name, chromedp.CaptureScreenshot())
	img, err := png.DecodeConfig(bytes.NewReader(shot))
	if err != nil || img.Width != screenshotWidth {
		b.t.Fatalf("screenshot %s: %v, %d px wide, want a %d px PNG", name, err, img.Width, screenshotWidth)
	}
	if os.Getenv("GRAPHGATE_SCREENSHOTS") == "" {
		return
	}
	dir := filepath.Join("..", "docs", "screenshots")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		b.t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, name+".png"), shot, 0o644); err != nil {
		b.t.Fatal(err)
	}
}

// consoleSignIn opens a console page and signs in through graphgate's
// two-step sign-in page, which sends the browser back to it.
func (b *tab) consoleSignIn(e *env, path, key string) {
	b.t.Helper()
	u := e.user(key)
	b.navigate(e.base + path)
	b.signIn(u.UserPrincipalName, u.Password)
	b.waitFor("main")
	if loc := b.location(); loc != e.base+path {
		b.t.Fatalf("after signing in the browser is at %s, want %s", loc, e.base+path)
	}
}

// clickAndLoad clicks a submit button and waits for the page the form
// brings (a new document: the old one is marked first).
func clickAndLoad[S chromedp.Selectable](b *tab, step string, sel S) {
	b.t.Helper()
	b.submit(step, chromedp.Click(sel))
}

// statusOf reads the status column of a permission on the API permissions
// page.
func (b *tab) statusOf(perm string) string {
	b.t.Helper()
	return strings.TrimSpace(b.eval("status of "+perm,
		`(document.querySelector('#configured tr[data-permission="`+perm+`"] td.status') || {innerText: "(no row)"}).innerText`))
}

// TestChromedpConsoleAdminConsent: an administrator adds a delegated
// permission to an app registration in the console and grants admin
// consent for the tenant; a user then signs in to the app without a
// consent prompt.
func TestChromedpConsoleAdminConsent(t *testing.T) {
	b := newTab(t) // first: skips without a browser
	e := start(t)
	ha, megan := e.app("homeassistant"), e.user("megan")

	b.consoleSignIn(e, "/console/", "admin")
	b.checkA11y("console overview")
	b.pageShot("console-overview")

	b.navigate(e.base + "/console/apps")
	b.waitFor("apps")
	b.pageShot("console-app-registrations")
	b.do("open the app", chromedp.Click(chromedp.CSS(`a[href="/console/apps/`+ha.ClientID+`"]`)))
	b.waitFor("client-id")
	if id := b.text("client-id"); id != ha.ClientID {
		t.Errorf("app page shows client id %q", id)
	}
	b.pageShot("console-app")
	b.do("open API permissions", chromedp.Click(chromedp.ID("api-permissions")))
	b.waitFor("configured")
	if s := b.statusOf("Notes.Read"); s != "(no row)" {
		t.Fatalf("Notes.Read requested before it was added: %s", s)
	}
	// Add a permission → Microsoft Graph → Delegated → search → Add.
	b.do("search the catalog",
		chromedp.Click(chromedp.ID("type-delegated")),
		chromedp.SendKeys(chromedp.ID("perm-search"), "notes.read"),
		chromedp.Click(chromedp.ID("search-permissions")))
	b.waitFor("results")
	b.pageShot("console-add-permission")
	clickAndLoad(b, "add Notes.Read", chromedp.CSS(`button[id="add-Notes.Read"]`))
	if s := b.statusOf("Notes.Read"); !strings.Contains(s, "Not granted for Contoso") {
		t.Errorf("Notes.Read after adding it: %q", s)
	}
	clickAndLoad(b, "grant admin consent", chromedp.ID("grant-consent"))
	if n := b.text("notice"); !strings.Contains(n, "Granted admin consent for Contoso") {
		t.Errorf("notice %q", n)
	}
	for _, p := range []string{"Notes.Read", "User.Read", "Tasks.ReadWrite"} {
		if s := b.statusOf(p); !strings.Contains(s, "Granted for Contoso") {
			t.Errorf("%s after admin consent: %q", p, s)
		}
	}
	b.checkA11y("API permissions page")
	b.pageShot("console-api-permissions")

	// The enterprise application now shows the tenant-wide grant.
	b.navigate(e.base + "/console/enterprise/" + ha.ClientID)
	b.waitFor("tenant-scopes")
	if s := b.text("tenant-scopes"); !strings.Contains(s, "Notes.Read") {
		t.Errorf("enterprise app tenant-wide scopes %q", s)
	}
	b.pageShot("console-enterprise-app")

	// Megan, in her own browser, signs in to the app: no consent page.
	mb := newTab(t)
	rcv := newReceiver(t)
	_, challenge := pkcePair()
	v := authParams(ha.ClientID, rcv.uri, "User.Read Notes.Read", "code_challenge", challenge, "code_challenge_method", "S256")
	mb.navigate(e.authorizeURL("organizations", v))
	mb.signIn(megan.UserPrincipalName, megan.Password)
	if q := rcv.wait(mb); q.Get("code") == "" {
		t.Errorf("megan's sign-in after admin consent: %v", q)
	}
}

// TestChromedpSignInPages: an auth-code sign-in through the two-step pages
// with consent, the account picker, and a user who is not an
// administrator meeting "Need admin approval" and the console's refusal.
func TestChromedpSignInPages(t *testing.T) {
	b := newTab(t) // first: skips without a browser
	e := start(t)
	ha, adele := e.app("homeassistant"), e.user("adele")
	rcv := newReceiver(t)
	_, challenge := pkcePair()

	v := authParams(ha.ClientID, rcv.uri, "User.Read Notes.Read", "code_challenge", challenge, "code_challenge_method", "S256")
	b.navigate(e.authorizeURL("organizations", v))
	b.waitFor("username")
	b.checkA11y("sign-in page")
	b.pageShot("signin-account")
	b.do("type the account", chromedp.SendKeys(chromedp.ID("username"), adele.UserPrincipalName), chromedp.Click(chromedp.ID("next")))
	b.waitFor("password")
	if a := b.text("account"); a != adele.UserPrincipalName {
		t.Errorf("the password step names %q", a)
	}
	b.checkA11y("password page")
	b.pageShot("signin-password")
	b.do("type the password", chromedp.SendKeys(chromedp.ID("password"), adele.Password), chromedp.Click(chromedp.ID("signin")))
	b.waitFor("accept")
	if p := b.text("publisher"); !strings.Contains(p, "published by Contoso") || !strings.Contains(p, "unverified") {
		t.Errorf("publisher line %q", p)
	}
	if org := b.eval("org checkbox", `String(!!document.getElementById("org"))`); org != "false" {
		t.Error("a user who is not an administrator is offered consent for the organization")
	}
	b.checkA11y("consent page")
	b.pageShot("consent")
	b.do("accept", chromedp.Click(chromedp.ID("accept")))
	if q := rcv.wait(b); q.Get("code") == "" {
		t.Fatalf("after consent: %v", q)
	}

	// prompt=select_account with a session: the account picker.
	v.Set("prompt", "select_account")
	b.navigate(e.authorizeURL("organizations", v))
	b.waitFor("account-0")
	if a := b.text("account-0"); !strings.Contains(a, adele.UserPrincipalName) {
		t.Errorf("picker offers %q", a)
	}
	b.checkA11y("account picker")
	b.pageShot("signin-pick-account")
	b.do("pick the signed-in account", chromedp.Click(chromedp.ID("account-0")))
	if q := rcv.wait(b); q.Get("code") == "" {
		t.Errorf("after picking the account: %v", q)
	}

	// An admin-only permission: Need admin approval, with the request link.
	v = authParams(ha.ClientID, rcv.uri, "User.Read.All", "code_challenge", challenge, "code_challenge_method", "S256")
	b.navigate(e.authorizeURL("organizations", v))
	b.waitFor("request-approval")
	if h1 := b.eval("heading", `document.querySelector("h1").innerText`); h1 != "Need admin approval" {
		t.Errorf("heading %q", h1)
	}
	if body := b.eval("page", `document.body.innerText`); !strings.Contains(body, "graphgate consent grant --app "+ha.ClientID) {
		t.Errorf("Need admin approval names no graphgate command:\n%s", body)
	}
	b.pageShot("need-admin-approval")
	rcv.none(t)

	// The console refuses her, saying how to fix it.
	b.navigate(e.base + "/console/")
	b.waitFor("fix-command")
	if fix := b.text("fix-command"); fix != "graphgate user roles "+adele.UserPrincipalName+" --add global-admin" {
		t.Errorf("fix %q", fix)
	}
	b.pageShot("console-forbidden")
}

// TestChromedpWebAccessibility: the landing page and the console work from
// the keyboard (a skip link, visible focus, every action reachable with
// Tab), and their text meets WCAG AA contrast.
func TestChromedpWebAccessibility(t *testing.T) {
	b := newTab(t) // first: skips without a browser
	e := start(t)

	b.navigate(e.base + "/")
	b.waitFor("base-url")
	if got := b.text("base-url"); got != e.base {
		t.Errorf("the landing page names %q, want this server %q", got, e.base)
	}
	b.checkA11y("landing page")
	b.checkContrast("landing page")
	b.pageShot("landing")
	// The first Tab reaches the skip link, and it is visible with focus.
	b.do("press Tab", chromedp.KeyEvent(kb.Tab))
	if f := b.eval("focus", `document.activeElement.className + "|" + getComputedStyle(document.activeElement).left`); !strings.HasPrefix(f, "skip|0px") {
		t.Errorf("first Tab: %q, want the visible skip link", f)
	}
	b.checkFocusVisible("skip link")

	// Keyboard only: sign in to the console.
	admin := e.user("admin")
	b.navigate(e.base + "/console/users")
	b.waitFor("username")
	b.do("type the user name", chromedp.KeyEvent(admin.UserPrincipalName+kb.Enter))
	b.waitFor("password")
	b.do("type the password", chromedp.KeyEvent(admin.Password+kb.Enter))
	b.waitFor("users")
	b.checkA11y("users page")
	b.checkContrast("users page")
	b.pageShot("console-users")
	// Tab to the search field, type, Enter: the search runs.
	b.tabTo("q", 30)
	b.checkFocusVisible("search field")
	b.do("search", chromedp.KeyEvent("megan"+kb.Enter))
	b.do("wait for the search results", chromedp.WaitVisible(chromedp.CSS(`caption[data-query="megan"]`)))
	if rows := b.eval("rows", `String(document.querySelectorAll("#users tr").length)`); rows != "1" {
		t.Errorf("search for megan shows %s rows", rows)
	}
	// Tab to a role checkbox on a user's page and save with the keyboard.
	b.navigate(e.base + "/console/users/" + e.user("megan").ID)
	b.waitFor("save-roles")
	b.checkA11y("user page")
	b.tabTo("save-roles", 40)
	b.checkFocusVisible("Save roles")
	b.pageShot("console-user")
}

// checkFocusVisible checks that the focused element shows an outline.
func (b *tab) checkFocusVisible(what string) {
	b.t.Helper()
	style := b.eval("focus style", `(() => { const s = getComputedStyle(document.activeElement); return s.outlineStyle + " " + s.outlineWidth; })()`)
	if strings.HasPrefix(style, "none") || strings.HasSuffix(style, " 0px") {
		b.t.Errorf("%s: focus is not visible (outline %q)", what, style)
	}
}

// contrastScript lists text whose contrast with its background is below
// WCAG AA's 4.5:1 (3:1 for large text).
const contrastScript = `(() => {
	const rgb = s => (s.match(/[\d.]+/g) || [0, 0, 0, 0]).map(Number);
	const lum = c => { const [r, g, b] = c.slice(0, 3).map(v => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); }); return 0.2126 * r + 0.7152 * g + 0.0722 * b; };
	const bg = el => { for (; el; el = el.parentElement) { const c = rgb(getComputedStyle(el).backgroundColor); if (c.length < 4 || c[3] > 0) return c; } return [255, 255, 255]; };
	const bad = [];
	for (const el of document.querySelectorAll("body *")) {
		if (![...el.childNodes].some(n => n.nodeType === 3 && n.textContent.trim())) continue;
		const r = el.getBoundingClientRect(); if (r.width === 0 || r.height === 0) continue;
		const s = getComputedStyle(el);
		const a = lum(rgb(s.color)), b = lum(bg(el));
		const ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
		const large = parseFloat(s.fontSize) >= 24 || (parseFloat(s.fontSize) >= 18.66 && Number(s.fontWeight) >= 700);
		if (ratio < (large ? 3 : 4.5)) bad.push(el.tagName + " " + el.innerText.slice(0, 30) + " " + ratio.toFixed(2));
	}
	return bad;
})()`

func (b *tab) checkContrast(page string) {
	b.t.Helper()
	if bad := get(b, "contrast of the "+page, chromedp.Evaluate[[]string](contrastScript)); len(bad) > 0 {
		b.t.Errorf("%s: text below WCAG AA contrast: %q", page, bad)
	}
}
