package e2e

import (
	"net/url"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"graphgate/internal/demo"
)

// TestChromedpConsoleDecisionLog: a Graph call the app's grant does not
// allow is found in the console's decision log (denied only), explained,
// and the permission that would allow it is one click from the app's API
// permissions page, preselected behind a confirm button; confirming adds
// it.
func TestChromedpConsoleDecisionLog(t *testing.T) {
	b := newTab(t) // first: skips without a browser
	e := start(t)
	ha, adele := e.app("homeassistant"), e.user("adele")
	e.consent(ha.ClientID, adele.ID, "Mail.ReadWrite")
	tok := postToken(t, e, demo.TenantID, kv("grant_type", "password", "client_id", ha.ClientID, "username", adele.UserPrincipalName,
		"password", adele.Password, "scope", "https://graph.microsoft.com/.default"))
	wantOK(t, tok)
	if r := e.graphCall(t, "GET", "/me/messages", tok.str("access_token"), nil); r.status != 200 {
		t.Fatalf("GET /me/messages: %d", r.status)
	}
	denied := e.graphCall(t, "GET", "/users", tok.str("access_token"), nil, "client-request-id", "browser-denied-1")
	if denied.status != 403 {
		t.Fatalf("GET /users with Mail.ReadWrite: %d, want 403", denied.status)
	}
	id := denied.header.Get("request-id")
	if err := e.srv.FlushDecisionLog(t.Context()); err != nil {
		t.Fatal(err)
	}

	b.consoleSignIn(e, "/console/log", "admin")
	b.waitFor("decisions")
	if n := b.eval("count rows", `String(document.querySelectorAll("#decisions tr[data-request-id]").length)`); n != "2" {
		t.Fatalf("the log shows %s rows, want the 2 calls", n)
	}
	b.do("filter: denied only", chromedp.Click(chromedp.ID("f-denied")))
	clickAndLoad(b, "filter", chromedp.ID("filter-log"))
	if loc := b.location(); !strings.Contains(loc, "denied=1") {
		t.Errorf("the filtered view is not a link: %s", loc)
	}
	if rows := b.eval("rows", `Array.from(document.querySelectorAll("#decisions tr[data-request-id]")).map(r => r.dataset.requestId).join(" ")`); rows != id {
		t.Fatalf("denied only shows %q, want %s", rows, id)
	}
	b.checkA11y("decision log")
	b.pageShot("console-log")

	clickAndLoad(b, "explain the denied call", chromedp.CSS(`a[href="/console/log/`+id+`"]`))
	b.waitFor("would-allow")
	if x := b.text("reasoning"); !strings.Contains(x, "missing_permission (HTTP 403)") || !strings.Contains(x, "Mail.ReadWrite") {
		t.Errorf("the reasoning: %q", x)
	}
	if w := b.text("would-allow"); !strings.Contains(w, "User.ReadBasic.All") {
		t.Errorf("would allow: %q", w)
	}
	b.checkA11y("decision")
	b.pageShot("console-log-decision")

	clickAndLoad(b, "add the least privileged permission", chromedp.CSS(`a[id="add-User.ReadBasic.All"]`))
	b.waitFor("confirm-add")
	if loc, _ := url.Parse(b.location()); loc.Path != "/console/apps/"+ha.ClientID+"/permissions" || loc.Query().Get("add") != "User.ReadBasic.All" {
		t.Errorf("the add link went to %s", loc)
	}
	if h := b.text("h-preselected"); h != "Add User.ReadBasic.All (delegated)?" {
		t.Errorf("preselected: %q", h)
	}
	if s := b.statusOf("User.ReadBasic.All"); s != "(no row)" {
		t.Fatalf("following the link added the permission already: %s", s)
	}
	b.pageShot("console-log-add-permission")
	clickAndLoad(b, "confirm", chromedp.ID("confirm-add"))
	if s := b.statusOf("User.ReadBasic.All"); !strings.Contains(s, "Not granted for Contoso") {
		t.Errorf("User.ReadBasic.All after confirming: %q", s)
	}

	// The app's least-privilege report: Mail.ReadWrite narrows to Mail.Read.
	b.navigate(e.base + "/console/apps/" + ha.ClientID)
	b.waitFor("least-privilege")
	clickAndLoad(b, "open the report", chromedp.ID("least-privilege"))
	b.waitFor("report-calls")
	if n := b.eval("narrow", `(document.querySelector("ul.narrow") || {innerText: ""}).innerText`); !strings.Contains(n, "Mail.ReadWrite → Mail.Read") {
		t.Errorf("the report's narrowing: %q", n)
	}
	b.checkA11y("least-privilege report")
	b.pageShot("console-log-report")
}
