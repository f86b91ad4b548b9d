package e2e

// The permission explorer in Chromium: the search, a permission's page, a
// path's page, the explain form and the least-privilege report, used as a
// person uses them (typing, Enter, Tab), with the accessibility basics
// checked on every page (checkA11y: language, title, one h1, a main
// landmark, labels, buttons) plus a visible focus and text contrast.
//
// Each test captures the page it ends on at 1000 px wide. With
// GRAPHGATE_SCREENSHOTS=1 they are written to docs/screenshots/explorer-*.png
// (the README shows them); otherwise they are only checked to be PNGs of
// that width, so a test run leaves the working tree as it was.

import (
	"bytes"
	"image/png"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// screenshotWidth is the width of the README's screenshots.
const screenshotWidth = 1000

// screenshot captures the viewport at screenshotWidth and, when asked to,
// writes it to docs/screenshots/explorer-NAME.png.
func (b *tab) screenshot(name string) {
	b.t.Helper()
	b.do("size the window for the screenshot", chromedp.EmulateViewport(screenshotWidth, 760))
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
	if err := os.WriteFile(filepath.Join(dir, "explorer-"+name+".png"), shot, 0o644); err != nil {
		b.t.Fatal(err)
	}
}

// focusVisible reports whether the focused element draws a focus
// indicator (an outline or a box shadow).
func (b *tab) focusVisible() bool {
	b.t.Helper()
	return b.eval("focus style", `(() => { const s = getComputedStyle(document.activeElement);
		return String((s.outlineStyle !== "none" && parseFloat(s.outlineWidth) > 0) || s.boxShadow !== "none"); })()`) == "true"
}

// lowContrast lists text whose contrast with its background is below WCAG
// AA's 4.5:1, for the page's visible text elements.
const lowContrastScript = `(() => {
	const rgb = c => (c.match(/[\d.]+/g) || []).map(Number);
	const lum = ([r, g, b]) => { const f = v => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
		return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b); };
	const bg = el => { for (; el; el = el.parentElement) { const c = rgb(getComputedStyle(el).backgroundColor);
		if (c.length === 3 || c[3] > 0) return c.slice(0, 3); } return [255, 255, 255]; };
	const out = [];
	for (const el of document.querySelectorAll("p, a, li, td, th, dt, dd, h1, h2, h3, label, legend, button, span, code, caption")) {
		const r = el.getBoundingClientRect();
		if (r.width === 0 || r.height === 0 || !el.innerText || !el.innerText.trim()) continue;
		if (el.closest(".gg-skip")) continue; // off screen until focused
		const a = lum(rgb(getComputedStyle(el).color)), c = lum(bg(el));
		const ratio = (Math.max(a, c) + 0.05) / (Math.min(a, c) + 0.05);
		if (ratio < 4.5) out.push(el.tagName + " " + el.innerText.trim().slice(0, 30) + " " + ratio.toFixed(2));
	}
	return out.slice(0, 10).join("; ");
})()`

func (b *tab) checkExplorerPage(page string) {
	b.t.Helper()
	b.checkA11y(page)
	if low := b.eval("contrast", lowContrastScript); low != "" {
		b.t.Errorf("%s: text below 4.5:1 contrast: %s", page, low)
	}
}

// TestChromedpExplorerSearch: a person searches for Mail.Read, opens it,
// finds GET /me/messages among its calls, and follows it to the path's
// page, where the permissions are listed least privileged first.
func TestChromedpExplorerSearch(t *testing.T) {
	b := newTab(t) // first: skips without a browser
	e := start(t)
	b.navigate(e.base + "/explorer/")
	b.waitFor("q")
	b.checkExplorerPage("explorer's search page")
	b.do("search", chromedp.SendKeys(chromedp.ID("q"), "Mail.Read"+kb.Enter))
	b.waitFor("results")
	if first := b.text("hit-0"); first != "Mail.Read" {
		t.Errorf("first result %q, want Mail.Read", first)
	}
	if loc := b.location(); !strings.Contains(loc, "/explorer/?q=Mail.Read") {
		t.Errorf("the search's address %s is not a link to it", loc)
	}
	b.checkExplorerPage("search results")
	b.screenshot("search")

	b.do("open Mail.Read", chromedp.Click(chromedp.ID("hit-0")))
	b.waitFor("perm-name")
	if h1 := b.text("perm-name"); h1 != "Mail.Read" {
		t.Errorf("permission page heading %q", h1)
	}
	schemes := b.text("schemes")
	for _, want := range []string{"570282fd-fa5c-430d-a7fd-fc8dc98a9dca", "Read your mail", "admin consent", "2 of 5"} {
		if !strings.Contains(schemes, want) {
			t.Errorf("the schemes table lacks %q:\n%s", want, schemes)
		}
	}
	calls := b.text("calls-table")
	if !strings.Contains(calls, "/me/messages") || !strings.Contains(calls, "least privileged") {
		t.Errorf("the calls table lacks GET /me/messages or a least-privileged mark:\n%.500s", calls)
	}
	b.checkExplorerPage("permission page")
	b.screenshot("permission")

	b.do("open GET /me/messages", chromedp.Click(`//table[@id="calls-table"]//a[code="/me/messages"]`))
	b.waitFor("template")
	first := b.eval("first permission", `document.querySelector("ol.gg-accepted[data-scheme=DelegatedWork][data-method=GET] li a").innerText`)
	if first != "Mail.ReadBasic" {
		t.Errorf("GET /me/messages lists %s first, want Mail.ReadBasic", first)
	}
	b.checkExplorerPage("path page")
	b.screenshot("path")
}

// TestChromedpExplorerExplain: the explain form denies GET /me/messages to
// a token with User.Read and names Mail.ReadBasic; the answer is a link.
func TestChromedpExplorerExplain(t *testing.T) {
	b := newTab(t) // first: skips without a browser
	e := start(t)
	b.navigate(e.base + "/explorer/explain")
	b.waitFor("scopes")
	b.checkExplorerPage("explain form")
	b.submit("fill the form",
		chromedp.SendKeys(chromedp.ID("scopes"), "User.Read"),
		chromedp.SendKeys(chromedp.ID("path"), "/me/messages"),
		chromedp.Click(chromedp.ID("decide")))
	b.waitFor("result")
	if v := b.text("verdict"); !strings.HasPrefix(v, "Denied") {
		t.Errorf("verdict %q, want Denied", v)
	}
	if least := b.text("least"); least != "Mail.ReadBasic" {
		t.Errorf("least privileged %q, want Mail.ReadBasic", least)
	}
	if would := b.text("would-allow"); !strings.Contains(would, "Mail.ReadBasic, Mail.Read") {
		t.Errorf("would allow %q", would)
	}
	if r := b.text("reason"); !strings.Contains(r, "missing_permission") || !strings.Contains(r, "403") {
		t.Errorf("reason %q", r)
	}
	u, err := url.Parse(b.location())
	if err != nil || u.Query().Get("scopes") != "User.Read" || u.Query().Get("path") != "/me/messages" {
		t.Errorf("the answer's address %s does not carry the question", b.location())
	}
	// The form keeps what was asked.
	if got := b.eval("scopes field", `document.getElementById("scopes").value`); got != "User.Read" {
		t.Errorf("scopes field %q after the answer", got)
	}
	b.checkExplorerPage("explain answer")
	b.screenshot("explain")
}

// TestChromedpExplorerKeyboard: the explorer with the keyboard alone: the
// skip link first, a visible focus, search with Enter, Tab to a result,
// Enter to open it.
func TestChromedpExplorerKeyboard(t *testing.T) {
	b := newTab(t) // first: skips without a browser
	e := start(t)
	b.navigate(e.base + "/explorer/")
	b.waitFor("q")
	b.do("press Tab", chromedp.KeyEvent(kb.Tab))
	if f := b.eval("focused", `document.activeElement.innerText`); f != "Skip to content" {
		t.Errorf("the first Tab focuses %q, want the skip link", f)
	}
	if !b.focusVisible() {
		t.Error("the skip link shows no focus")
	}
	if vis := b.eval("skip link on screen", `String(document.activeElement.getBoundingClientRect().left >= 0)`); vis != "true" {
		t.Error("the focused skip link is off screen")
	}
	b.do("follow the skip link", chromedp.KeyEvent(kb.Enter))
	if f := b.eval("focused", `document.activeElement.id`); f != "main" {
		t.Errorf("the skip link moved the focus to #%s, want #main", f)
	}
	// From the main content, the next Tab is the search field.
	b.tabTo("q", 3)
	if !b.focusVisible() {
		t.Error("the search field shows no focus")
	}
	b.do("type a query", chromedp.KeyEvent("calendar"+kb.Enter))
	b.waitFor("results")
	path := b.tabTo("hit-0", 20)
	b.t.Logf("Tab order to the first result: %v", path)
	if !b.focusVisible() {
		t.Error("the first result shows no focus")
	}
	name := b.text("hit-0")
	b.do("open the result", chromedp.KeyEvent(kb.Enter))
	b.waitFor("perm-name")
	if h1 := b.text("perm-name"); h1 != name {
		t.Errorf("Enter on %q opened %q", name, h1)
	}
	// The explain form, field by field, answered with Enter.
	b.navigate(e.base + "/explorer/explain")
	b.waitFor("kind")
	b.tabTo("scopes", 20)
	b.do("type the scopes", chromedp.KeyEvent("Mail.Read"))
	b.tabTo("path", 10)
	b.do("type the path and press Enter", chromedp.KeyEvent("/me/messages"+kb.Enter))
	b.waitFor("result")
	if v := b.text("verdict"); !strings.HasPrefix(v, "Allowed") {
		t.Errorf("verdict %q, want Allowed", v)
	}
}

// TestChromedpExplorerReport: the report page turns its sample call list
// into a least-privilege report: the grant's Mail.ReadWrite narrows to
// Mail.Read, and the refused sendMail needs Mail.Send.
func TestChromedpExplorerReport(t *testing.T) {
	b := newTab(t) // first: skips without a browser
	e := start(t)
	b.navigate(e.base + "/explorer/report")
	b.waitFor("calls")
	b.checkExplorerPage("report form")
	b.submit("make the report", chromedp.Click(chromedp.ID("make-report")))
	b.waitFor("report")
	text := b.text("report")
	for _, want := range []string{"Minimal set", "Mail.Send", "Narrow", "Mail.ReadWrite", "Denied"} {
		if !strings.Contains(text, want) {
			t.Errorf("the report lacks %q:\n%.1500s", want, text)
		}
	}
	b.checkExplorerPage("report")
	b.screenshot("report")

	// A HAR file, chosen in the file picker of the form under the report.
	har := filepath.Join(t.TempDir(), "app.har")
	if err := os.WriteFile(har, []byte(explorerHAR), 0o644); err != nil {
		t.Fatal(err)
	}
	b.eval("empty the call list", `document.getElementById("calls").value = ""`)
	b.submit("upload a HAR file",
		chromedp.SetUploadFiles(chromedp.ID("file"), []string{har}),
		chromedp.Click(chromedp.ID("make-report")))
	b.waitFor("report")
	text = b.text("report")
	if !strings.Contains(text, "1 call read") || !strings.Contains(text, "Calendars.Read") {
		t.Errorf("the HAR file's report:\n%.1500s", text)
	}
}

// explorerHAR is a one-entry HAR file as DevTools saves it.
const explorerHAR = `{"log":{"version":"1.2","creator":{"name":"WebInspector","version":"537.36"},"entries":[
{"startedDateTime":"2026-01-02T10:00:00Z","time":1,"request":{"method":"GET","url":"https://graph.microsoft.com/v1.0/me/events","httpVersion":"HTTP/1.1","headers":[],"queryString":[],"cookies":[],"headersSize":-1,"bodySize":0},
"response":{"status":200,"statusText":"OK","httpVersion":"HTTP/1.1","headers":[],"cookies":[],"content":{"size":0,"mimeType":"application/json"},"redirectURL":"","headersSize":-1,"bodySize":0},"cache":{},"timings":{"send":0,"wait":1,"receive":0}}]}}`
