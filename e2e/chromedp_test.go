package e2e

// Real-browser tests: Chromium, driven over the DevTools protocol by
// chromedp, signs in, consents and comes back to the app exactly as a person
// would: it runs the pages' HTML, CSS and scripts, types with the keyboard,
// clicks buttons and follows redirects. The plain HTTP "browser" of
// browser_test.go checks the protocol; these check that the pages work in a
// browser.
//
// One Chromium serves every test (started on first use, closed by
// TestMain); each test gets its own window in its own browser context (no
// shared cookies). Without Chromium the tests skip, except under CI (CI set),
// where they fail.

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"graphgate/internal/demo"
	"graphgate/internal/store"
)

// chrome is the browser the tests share.
var chrome struct {
	once   sync.Once
	path   string          // the executable; "" when none was found
	ctx    context.Context // the browser's first tab
	cancel context.CancelFunc
	err    error
}

func TestMain(m *testing.M) {
	code := m.Run()
	if chrome.cancel != nil {
		chrome.cancel() // closes the browser and removes its profile folder
	}
	os.Exit(code)
}

// chromiumPath finds a Chromium or Chrome executable.
func chromiumPath() string {
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

func startChrome() {
	chrome.path = chromiumPath()
	if chrome.path == "" {
		return
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chrome.path),
		chromedp.NoSandbox,  // the tests may run as root
		chromedp.DisableGPU, // no GPU in containers and CI
		// graphgate's certificate is signed by its own per-test CA.
		chromedp.Flag("ignore-certificate-errors", true),
		chromedp.WindowSize(1024, 768),
	)
	allocCtx, allocCancel := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(allocCtx)
	chrome.ctx = ctx
	chrome.cancel = func() { cancel(); allocCancel() }
	if err := chromedp.Do(ctx); err != nil { // starts the browser
		chrome.err = err
	}
}

// tab is one test's browser window.
type tab struct {
	t     *testing.T
	base  context.Context // the tab, without a deadline
	ctx   context.Context // the tab, with the test's deadline
	shots []shot          // screenshots of the pages met after a failure
}

type shot struct {
	name string
	png  []byte
}

// newTab opens a window for t in a fresh browser context. It skips the test
// when there is no browser (fails it under CI).
func newTab(t *testing.T) *tab {
	t.Helper()
	chrome.once.Do(startChrome)
	if chrome.path == "" {
		if ci := os.Getenv("CI"); ci != "" && ci != "0" && !strings.EqualFold(ci, "false") {
			t.Fatal("CI is set but no Chromium was found (looked for chromium, chromium-browser, google-chrome, google-chrome-stable): install Debian's chromium package")
		}
		t.Skip("no Chromium found (chromium, chromium-browser or google-chrome on PATH): skipping the real-browser tests; install Debian's chromium package to run them")
	}
	if chrome.err != nil {
		t.Fatalf("starting %s: %v", chrome.path, chrome.err)
	}
	ctx, cancel := chromedp.NewContext(chrome.ctx, chromedp.WithNewBrowserContext())
	t.Cleanup(cancel)
	if err := chromedp.Do(ctx); err != nil { // opens the window
		t.Fatalf("opening a browser window: %v", err)
	}
	tctx, tcancel := context.WithTimeout(ctx, 60*time.Second)
	t.Cleanup(tcancel)
	b := &tab{t: t, base: ctx, ctx: tctx}
	t.Cleanup(b.saveOnFailure) // runs first: the window is still open
	return b
}

// do runs browser actions; a failure ends the test.
func (b *tab) do(step string, actions ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	if err := chromedp.Do(b.ctx, actions...); err != nil {
		b.t.Fatalf("%s: %v (page: %s)", step, err, b.location())
	}
}

// get runs an action that returns a value; a failure ends the test.
func get[T any](b *tab, step string, a chromedp.Action[T]) T {
	b.t.Helper()
	v, err := chromedp.Run(b.ctx, a)
	if err != nil {
		b.t.Fatalf("%s: %v (page: %s)", step, err, b.location())
	}
	return v
}

func (b *tab) location() string {
	ctx, cancel := context.WithTimeout(b.base, 2*time.Second)
	defer cancel()
	loc, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil {
		return "unknown: " + err.Error()
	}
	return loc
}

// snap marks the end of a page's checks: once the test has failed, it keeps
// a screenshot of each such page, written out with the final one by
// saveOnFailure. A passing test takes none.
func (b *tab) snap(name string) {
	if !b.t.Failed() {
		return
	}
	png, err := chromedp.Run(b.ctx, chromedp.CaptureScreenshot())
	if err != nil {
		b.t.Logf("screenshot %s: %v", name, err)
		return
	}
	b.shots = append(b.shots, shot{name, png})
}

// saveOnFailure writes the screenshots of a failed test, and one of the page
// it ended on with its address and HTML, to a new temporary folder (not
// t.TempDir, which is removed with the test) and logs where.
func (b *tab) saveOnFailure() {
	if !b.t.Failed() {
		return
	}
	dir, err := os.MkdirTemp("", "graphgate-chromedp-")
	if err != nil {
		b.t.Logf("no folder for the screenshots: %v", err)
		return
	}
	ctx, cancel := context.WithTimeout(b.base, 5*time.Second)
	defer cancel()
	if png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot()); err == nil {
		b.shots = append(b.shots, shot{"final", png})
	}
	loc, _ := chromedp.Run(ctx, chromedp.Location())
	htmlText, _ := chromedp.Run(ctx, chromedp.OuterHTML(chromedp.CSS("html")))
	_ = os.WriteFile(filepath.Join(dir, "final.html"), []byte("<!-- "+loc+" -->\n"+htmlText), 0o644)
	for i, s := range b.shots {
		p := filepath.Join(dir, fmt.Sprintf("%02d-%s.png", i+1, s.name))
		if err := os.WriteFile(p, s.png, 0o644); err != nil {
			b.t.Logf("writing %s: %v", p, err)
		}
	}
	b.t.Logf("the test failed on %s; screenshots and the final page's HTML are in %s", loc, dir)
}

func (b *tab) navigate(u string) { b.t.Helper(); b.do("open "+u, chromedp.Navigate(u)) }

// waitFor waits until the element with this id is visible.
func (b *tab) waitFor(id string) {
	b.t.Helper()
	b.do("wait for #"+id, chromedp.WaitVisible(chromedp.ID(id)))
}

// submit runs actions that load a new page (a click on a form's button or a
// link) and waits until the new page has replaced the old one. Without it a
// wait for an element both pages have can find it on the old page, before
// the browser has even sent the form.
func (b *tab) submit(step string, actions ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	get(b, step+": mark the page", chromedp.Evaluate[bool](`document.body.setAttribute("data-old", "1"), true`))
	b.do(step, append(actions, chromedp.WaitVisible(chromedp.CSS("body:not([data-old]) main")))...)
}

func (b *tab) text(id string) string {
	b.t.Helper()
	return strings.TrimSpace(get(b, "read #"+id, chromedp.Text(chromedp.ID(id))))
}

func (b *tab) eval(step, js string) string {
	b.t.Helper()
	return get(b, step, chromedp.Evaluate[string](js))
}

// signIn fills the sign-in page the way a person does: types the user name
// and the password and clicks "Sign in".
func (b *tab) signIn(upn, password string) {
	b.t.Helper()
	b.waitFor("username")
	if h1 := b.eval("heading", `document.querySelector("h1").innerText`); h1 != "Sign in" {
		b.t.Errorf("sign-in page heading %q", h1)
	}
	b.snap("signin")
	b.do("type the user name", chromedp.SendKeys(chromedp.ID("username"), upn), chromedp.Click(chromedp.ID("next")))
	b.waitFor("password")
	if acct := b.text("account"); !strings.EqualFold(acct, upn) {
		b.t.Errorf("the password step names %q, want %q", acct, upn)
	}
	b.snap("password")
	b.do("type the password", chromedp.SendKeys(chromedp.ID("password"), password), chromedp.Click(chromedp.ID("signin")))
}

// consentItem is one permission listed on a consent page.
type consentItem struct {
	Display     string `json:"display"`
	Name        string `json:"name"`
	Description string `json:"description"`
}

func (b *tab) consentItems() []consentItem {
	b.t.Helper()
	b.waitFor("permissions")
	return get(b, "read the permissions", chromedp.Evaluate[[]consentItem](`[...document.querySelectorAll("#permissions li")].map(li => ({
		display: (li.querySelector("strong") || {innerText: ""}).innerText.trim(),
		name: (li.querySelector("code") || {innerText: ""}).innerText.trim(),
		description: (li.querySelector(".muted") || {innerText: ""}).innerText.trim()}))`))
}

// receiver is an app's loopback redirect URI (RFC 8252 §7.3): it records
// what the browser delivers and shows a page.
type receiver struct {
	uri string // http://localhost:port, which matches the registered http://localhost
	got chan *url.URL
}

func newReceiver(t *testing.T) *receiver {
	r := &receiver{got: make(chan *url.URL, 8)}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if req.URL.Path == "/favicon.ico" {
			http.NotFound(w, req)
			return
		}
		select {
		case r.got <- req.URL:
		default:
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = io.WriteString(w, `<!doctype html><html lang="en"><head><title>The app</title></head><body><h1 id="app">Back in the app</h1></body></html>`)
	}))
	t.Cleanup(srv.Close)
	r.uri = "http://localhost:" + srv.URL[strings.LastIndexByte(srv.URL, ':')+1:]
	return r
}

// wait returns the parameters the browser brought to the redirect URI, and
// checks that the browser shows the app's page at that address.
func (r *receiver) wait(b *tab) url.Values {
	b.t.Helper()
	var got *url.URL
	select {
	case got = <-r.got:
	case <-time.After(20 * time.Second):
		b.t.Fatalf("the browser never came back to %s (page: %s)", r.uri, b.location())
	}
	b.waitFor("app")
	loc := b.location()
	if !strings.HasPrefix(loc, r.uri+"/?") && !strings.HasPrefix(loc, r.uri+"?") {
		b.t.Errorf("the browser is at %s, want the redirect URI %s", loc, r.uri)
	} else if u, err := url.Parse(loc); err != nil || u.RawQuery != got.RawQuery {
		b.t.Errorf("the browser's address %s differs from the request %s", loc, got)
	}
	b.snap("redirect")
	return got.Query()
}

// none checks that nothing reached the redirect URI.
func (r *receiver) none(t *testing.T) {
	t.Helper()
	select {
	case u := <-r.got:
		t.Errorf("the redirect URI was called: %s", u)
	default:
	}
}

// TestChromedpAuthCodePKCE: the Home Assistant integration's sign-in, in a
// browser, from the authorize URL to the token.
func TestChromedpAuthCodePKCE(t *testing.T) {
	b := newTab(t) // first: skips without a browser
	e := start(t)
	ha, adele := e.app("homeassistant"), e.user("adele")
	rcv := newReceiver(t)
	verifier, challenge := pkcePair()
	v := authParams(ha.ClientID, rcv.uri, "openid offline_access User.Read Mail.Read",
		"code_challenge", challenge, "code_challenge_method", "S256", "nonce", "nonce-chromedp")
	b.navigate(e.authorizeURL("organizations", v))
	if title := get(b, "title", chromedp.Title()); !strings.HasPrefix(title, "Sign in") {
		t.Errorf("sign-in page title %q", title)
	}
	if body := b.eval("page text", `document.body.innerText`); !strings.Contains(body, "to continue to Home Assistant O365") {
		t.Errorf("the sign-in page does not name the app:\n%s", body)
	}
	b.signIn(adele.UserPrincipalName, adele.Password)

	// The consent page lists each requested permission by its user consent
	// display name (Microsoft's wording), with its name and description.
	items := b.consentItems()
	want := map[string]string{
		"User.Read":      "Sign you in and read your profile",
		"Mail.Read":      "Read your mail",
		"offline_access": "Maintain access to data you have given it access to",
	}
	byName := map[string]consentItem{}
	for _, it := range items {
		byName[it.Name] = it
		if it.Display == "" || it.Display == it.Name || it.Description == "" {
			t.Errorf("permission without a display name or description: %+v", it)
		}
	}
	for name, display := range want {
		if got, ok := byName[name]; !ok || !strings.EqualFold(got.Display, display) {
			t.Errorf("consent page: %s shown as %+v, want %q (all: %+v)", name, got, display, items)
		}
	}
	if body := b.eval("page text", `document.body.innerText`); !strings.Contains(body, "Home Assistant O365 wants to") || !strings.Contains(body, "Signed in as "+adele.UserPrincipalName) {
		t.Errorf("consent page text:\n%s", body)
	}
	b.snap("consent")
	b.do("accept", chromedp.Click(chromedp.ID("accept")))

	q := rcv.wait(b)
	if q.Get("code") == "" || q.Get("state") != v.Get("state") || q.Get("error") != "" {
		t.Fatalf("redirect parameters %v, want a code and state %q", q, v.Get("state"))
	}
	// The app redeems the code with its PKCE verifier.
	r := postToken(t, e, "organizations", redeemParams(ha.ClientID, "", q.Get("code"), rcv.uri, verifier))
	wantOK(t, r)
	cl := claims(t, r.str("access_token"))
	if cl["upn"] != adele.UserPrincipalName || !hasAll(cl["scp"], "User.Read", "Mail.Read") || cl["appid"] != ha.ClientID {
		t.Errorf("access token claims: %v", cl)
	}
	if r.str("refresh_token") == "" {
		t.Error("offline_access gave no refresh token")
	}
	if idt := r.str("id_token"); idt == "" {
		t.Error("openid gave no id token")
	} else if c := claims(t, idt); c["nonce"] != "nonce-chromedp" || c["aud"] != ha.ClientID {
		t.Errorf("id token claims: %v", c)
	}
}

// TestChromedpConsentDeclined: Cancel on the consent page sends the user
// back to the app with access_denied (AADSTS65004).
func TestChromedpConsentDeclined(t *testing.T) {
	b := newTab(t) // first: skips without a browser
	e := start(t)
	ha, megan := e.app("homeassistant"), e.user("megan")
	rcv := newReceiver(t)
	_, challenge := pkcePair()
	v := authParams(ha.ClientID, rcv.uri, "User.Read Calendars.ReadWrite", "code_challenge", challenge, "code_challenge_method", "S256")
	b.navigate(e.authorizeURL(demo.TenantDomain, v))
	b.signIn(megan.UserPrincipalName, megan.Password)
	if items := b.consentItems(); len(items) == 0 {
		t.Fatal("empty consent page")
	}
	if label := b.text("decline"); label != "Cancel" {
		t.Errorf("decline button says %q", label)
	}
	b.snap("consent")
	b.do("decline", chromedp.Click(chromedp.ID("decline")))
	q := rcv.wait(b)
	wantRedirectError(t, q, "access_denied", 65004, v.Get("state"))
	if d := q.Get("error_description"); !strings.Contains(d, "declined to consent") {
		t.Errorf("error_description %q", d)
	}
}

// TestChromedpWrongPassword: a wrong password keeps the user on the sign-in
// page with a visible, announced error; the right one then goes on.
func TestChromedpWrongPassword(t *testing.T) {
	b := newTab(t) // first: skips without a browser
	e := start(t)
	ha, adele := e.app("homeassistant"), e.user("adele")
	rcv := newReceiver(t)
	_, challenge := pkcePair()
	b.navigate(e.authorizeURL("common", authParams(ha.ClientID, rcv.uri, "User.Read", "code_challenge", challenge, "code_challenge_method", "S256")))
	b.waitFor("username")
	// Submit with the Enter key, as many people do.
	b.do("type the user name", chromedp.SendKeys(chromedp.ID("username"), adele.UserPrincipalName+kb.Enter))
	b.waitFor("password")
	b.do("type a wrong password", chromedp.SendKeys(chromedp.ID("password"), "not-"+adele.Password+kb.Enter))
	b.waitFor("error")
	if msg := b.text("error"); msg != "Your account or password is incorrect." {
		t.Errorf("error message %q", msg)
	}
	type state struct {
		Path       string `json:"path"`
		H1         string `json:"h1"`
		Username   string `json:"username"`
		Password   string `json:"password"`
		Role       string `json:"role"`
		Focused    string `json:"focused"`
		ErrorColor string `json:"errorColor"`
	}
	// The browser applies autofocus at its next rendering update, a moment
	// after the page is ready: wait for it (up to 5 s) before reading.
	_, _ = chromedp.Run(b.ctx, chromedp.Poll[bool](`document.activeElement && document.activeElement.id === "password"`,
		chromedp.WithPollingTimeout(5*time.Second)))
	s := get(b, "read the page", chromedp.Evaluate[state](`({
		path: location.pathname,
		h1: document.querySelector("h1").innerText,
		username: document.querySelector("input[name=username]").value,
		password: document.getElementById("password").value,
		role: document.getElementById("error").getAttribute("role") || "",
		focused: document.activeElement ? document.activeElement.id : "",
		errorColor: getComputedStyle(document.getElementById("error")).color})`))
	if s.H1 != "Enter password" || s.Username != adele.UserPrincipalName || s.Password != "" {
		t.Errorf("after a wrong password the page shows %+v; want the password step with the user name kept and the password cleared", s)
	}
	if s.Role != "alert" {
		t.Errorf("the error has role %q: screen readers would not announce it", s.Role)
	}
	if s.Focused != "password" {
		t.Errorf("focus is on #%s, want the password field", s.Focused)
	}
	if s.ErrorColor == "rgb(0, 0, 0)" || s.ErrorColor == "" {
		t.Errorf("the error is not styled as one (color %q)", s.ErrorColor)
	}
	rcv.none(t)
	b.snap("wrong-password")

	// The right password, typed where the focus is, goes on to consent.
	b.do("type the right password", chromedp.KeyEvent(adele.Password+kb.Enter))
	if items := b.consentItems(); len(items) == 0 || items[0].Name != "User.Read" {
		t.Errorf("after the right password: %+v", items)
	}
	rcv.none(t)
}

// TestChromedpDeviceCode: the device code flow with the code typed on
// /devicelogin, and the app polling for its token.
func TestChromedpDeviceCode(t *testing.T) {
	b := newTab(t) // first: skips without a browser
	e := start(t)
	ha, megan := e.app("homeassistant"), e.user("megan")
	dc := deviceCode(t, e, "organizations", ha.ClientID, "User.Read Tasks.ReadWrite offline_access")
	code, userCode := dc.str("device_code"), dc.str("user_code")
	wantError(t, pollDevice(t, e, "organizations", ha.ClientID, code), 400, "authorization_pending", 70016)

	b.navigate(dc.str("verification_uri"))
	b.waitFor("otc")
	if h1 := b.eval("heading", `document.querySelector("h1").innerText`); h1 != "Enter code" {
		t.Errorf("device login heading %q", h1)
	}
	b.snap("devicelogin")
	b.do("enter the code", chromedp.SendKeys(chromedp.ID("otc"), userCode), chromedp.Click(chromedp.ID("next")))
	b.signIn(megan.UserPrincipalName, megan.Password)
	items := b.consentItems()
	var names []string
	for _, it := range items {
		names = append(names, it.Name)
	}
	if !hasAll(strings.Join(names, " "), "User.Read", "Tasks.ReadWrite") {
		t.Errorf("device consent lists %v", names)
	}
	b.snap("consent")
	b.do("accept", chromedp.Click(chromedp.ID("accept")))
	b.waitFor("message")
	if msg := b.text("message"); !strings.Contains(msg, "You have signed in to the Home Assistant O365 application on your device") {
		t.Errorf("device login ended with %q", msg)
	}

	// The device's next poll gets the token.
	var r jsonResp
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(200 * time.Millisecond) {
		r = pollDevice(t, e, "organizations", ha.ClientID, code)
		if p := r.str("error"); (p != "authorization_pending" && p != "slow_down") || time.Now().After(deadline) {
			break
		}
	}
	wantOK(t, r)
	if cl := claims(t, r.str("access_token")); cl["upn"] != megan.UserPrincipalName || !hasAll(cl["scp"], "User.Read", "Tasks.ReadWrite") {
		t.Errorf("device code token: %v", cl)
	}
	if r.str("refresh_token") == "" {
		t.Error("offline_access gave no refresh token")
	}
}

// TestChromedpAdminConsent: an administrator grants the web app's
// permissions for the whole organization at /{tenant}/adminconsent.
func TestChromedpAdminConsent(t *testing.T) {
	b := newTab(t) // first: skips without a browser
	e := start(t)
	w, admin := e.app("webapp"), e.user("admin")
	rcv := newReceiver(t)
	b.navigate(e.base + "/" + demo.TenantDomain + "/adminconsent?" + kv("client_id", w.ClientID, "redirect_uri", rcv.uri, "state", "admin-1").Encode())
	b.signIn(admin.UserPrincipalName, admin.Password)
	items := b.consentItems()
	var names []string
	for _, it := range items {
		names = append(names, it.Name)
	}
	if !hasAll(strings.Join(names, " "), "User.Read", "Mail.Read", "Calendars.Read") {
		t.Errorf("admin consent page lists %v", names)
	}
	if body := b.eval("page text", `document.body.innerText`); !strings.Contains(body, "Contoso Web App (for your organization)") {
		t.Errorf("the admin consent page does not say it is for the organization:\n%s", body)
	}
	b.snap("admin-consent")
	b.do("accept", chromedp.Click(chromedp.ID("accept")))
	q := rcv.wait(b)
	if q.Get("admin_consent") != "True" || q.Get("tenant") != demo.TenantID || q.Get("state") != "admin-1" || q.Get("error") != "" {
		t.Fatalf("admin consent redirect: %v", q)
	}
	gs, err := e.srv.Store().DelegatedGrants(context.Background(), demo.TenantID, w.ClientID, "")
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, g := range gs {
		found = found || g.ConsentType == store.ConsentAllPrincipals && hasAll(strings.Join(g.Scopes, " "), "User.Read", "Mail.Read", "Calendars.Read")
	}
	if !found {
		t.Errorf("no AllPrincipals grant after admin consent: %+v", gs)
	}
}

// a11y is what TestChromedpKeyboardAndAccessibility reads from each page.
type a11y struct {
	Lang      string       `json:"lang"`
	Title     string       `json:"title"`
	H1        []string     `json:"h1"`
	Main      bool         `json:"main"`
	Unlabeled []string     `json:"unlabeled"` // visible form controls without a label
	Buttons   []a11yButton `json:"buttons"`
	TabIndex  []string     `json:"tabindex"` // elements with a positive tabindex
	Focused   string       `json:"focused"`
}

type a11yButton struct {
	ID        string `json:"id"`
	Text      string `json:"text"`
	Visible   bool   `json:"visible"`
	Focusable bool   `json:"focusable"`
}

const a11yScript = `(() => {
	const visible = el => { const r = el.getBoundingClientRect(); return r.width > 0 && r.height > 0 && getComputedStyle(el).visibility !== "hidden"; };
	const controls = [...document.querySelectorAll("input, select, textarea")].filter(c => c.type !== "hidden");
	return {
		lang: document.documentElement.lang,
		title: document.title,
		h1: [...document.querySelectorAll("h1")].map(h => h.innerText.trim()),
		main: !!document.querySelector("main"),
		unlabeled: controls.filter(c => !c.labels || ![...c.labels].some(l => l.innerText.trim() !== "")).map(c => c.id || c.name),
		buttons: [...document.querySelectorAll("button")].map(b => ({id: b.id, text: b.innerText.trim(), visible: visible(b), focusable: !b.disabled && b.tabIndex >= 0})),
		tabindex: [...document.querySelectorAll("[tabindex]")].filter(el => el.tabIndex > 0).map(el => el.id || el.tagName),
		focused: document.activeElement ? document.activeElement.id : "",
	};
})()`

// checkA11y checks the basics on the current page and returns what it read.
func (b *tab) checkA11y(page string) a11y {
	b.t.Helper()
	a := get(b, "accessibility of the "+page, chromedp.Evaluate[a11y](a11yScript))
	if a.Lang == "" {
		b.t.Errorf("%s: <html> has no lang", page)
	}
	if strings.TrimSpace(a.Title) == "" {
		b.t.Errorf("%s: no <title>", page)
	}
	if len(a.H1) != 1 || a.H1[0] == "" {
		b.t.Errorf("%s: headings %q, want one <h1>", page, a.H1)
	}
	if !a.Main {
		b.t.Errorf("%s: no <main> landmark", page)
	}
	if len(a.Unlabeled) > 0 {
		b.t.Errorf("%s: controls without a <label>: %v", page, a.Unlabeled)
	}
	if len(a.TabIndex) > 0 {
		b.t.Errorf("%s: positive tabindex breaks the reading order: %v", page, a.TabIndex)
	}
	if len(a.Buttons) == 0 {
		b.t.Errorf("%s: no button", page)
	}
	for _, bt := range a.Buttons {
		if bt.Text == "" || !bt.Visible || !bt.Focusable {
			b.t.Errorf("%s: button %+v must have text and be visible and focusable", page, bt)
		}
	}
	return a
}

// tabTo presses Tab until the element with this id has the focus, and
// returns the ids met on the way.
func (b *tab) tabTo(id string, max int) []string {
	b.t.Helper()
	var path []string
	for range max {
		b.do("press Tab", chromedp.KeyEvent(kb.Tab))
		f := b.eval("focused element", `document.activeElement ? document.activeElement.id : ""`)
		path = append(path, f)
		if f == id {
			return path
		}
	}
	b.t.Fatalf("Tab never reached #%s (focus went %v)", id, path)
	return nil
}

// TestChromedpKeyboardAndAccessibility: the pages have a language, a title,
// one heading, a main landmark and a label for every field, and a person can
// sign in and consent with the keyboard alone.
func TestChromedpKeyboardAndAccessibility(t *testing.T) {
	b := newTab(t) // first: skips without a browser
	e := start(t)
	ha, admin := e.app("homeassistant"), e.user("admin")
	rcv := newReceiver(t)

	b.navigate(e.base + "/devicelogin")
	b.waitFor("otc")
	if a := b.checkA11y("device login page"); a.Focused != "otc" {
		t.Errorf("device login page: focus on #%s, want the code field", a.Focused)
	}
	b.snap("devicelogin")

	_, challenge := pkcePair()
	v := authParams(ha.ClientID, rcv.uri, "User.Read Mail.Read", "code_challenge", challenge, "code_challenge_method", "S256")
	b.navigate(e.authorizeURL("organizations", v))
	b.waitFor("username")
	a := b.checkA11y("sign-in page")
	if a.Focused != "username" {
		t.Errorf("sign-in page: focus on #%s, want the user name field", a.Focused)
	}
	if !strings.Contains(a.Title, "Sign in") {
		t.Errorf("sign-in page title %q", a.Title)
	}
	labelOf := func(id string) string {
		return b.eval("label of #"+id, `[...document.getElementById("`+id+`").labels].map(l => l.innerText.trim()).join(" ")`)
	}
	if l := labelOf("username"); l == "" {
		t.Errorf("sign-in: the user name field has no label")
	}
	b.snap("signin")
	// Keyboard only: type where the focus is, Tab to Next, Enter; on the
	// password step the focus is on the password.
	b.do("type the user name", chromedp.KeyEvent(admin.UserPrincipalName))
	if path := b.tabTo("next", 1); len(path) != 1 {
		t.Errorf("Tab from the user name went %v", path)
	}
	b.do("press Enter on Next", chromedp.KeyEvent(kb.Enter))
	b.waitFor("password")
	// Autofocus applies at the browser's next rendering update.
	_, _ = chromedp.Run(b.ctx, chromedp.Poll[bool](`document.activeElement && document.activeElement.id === "password"`,
		chromedp.WithPollingTimeout(5*time.Second)))
	if a := b.checkA11y("password page"); a.Focused != "password" {
		t.Errorf("password page: focus on #%s, want the password field", a.Focused)
	}
	if l := labelOf("password"); l != "Password" {
		t.Errorf("password label %q", l)
	}
	b.do("type the password", chromedp.KeyEvent(admin.Password))
	if path := b.tabTo("signin", 1); len(path) != 1 {
		t.Errorf("Tab from the password went %v", path)
	}
	b.do("press Enter on Sign in", chromedp.KeyEvent(kb.Enter))

	// The consent page of an administrator has the organization checkbox;
	// Tab reaches it, then Accept.
	b.waitFor("accept")
	b.checkA11y("consent page")
	if path := b.tabTo("accept", 6); len(path) < 2 || path[len(path)-2] != "org" {
		t.Errorf("Tab order on the consent page %v, want the organization checkbox before Accept", path)
	}
	b.snap("consent")
	b.do("press Enter on Accept", chromedp.KeyEvent(kb.Enter))
	q := rcv.wait(b)
	if q.Get("code") == "" || q.Get("state") != v.Get("state") {
		t.Errorf("keyboard sign-in redirect %v", q)
	}

	// The error and message pages (here: logout) have the same basics.
	b.navigate(e.base + "/common/oauth2/v2.0/logout")
	b.waitFor("message")
	m := get(b, "accessibility of the logout page", chromedp.Evaluate[a11y](a11yScript))
	if m.Lang == "" || strings.TrimSpace(m.Title) == "" || len(m.H1) != 1 || !m.Main {
		t.Errorf("logout page basics: %+v", m)
	}
}
