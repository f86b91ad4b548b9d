package explorer

import (
	"bytes"
	"encoding/json"
	"html"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"graphgate/internal/authz"
	"graphgate/internal/catalog"
	"graphgate/internal/routes"
)

func newHandler(t testing.TB, o Options) http.Handler {
	t.Helper()
	return Handler(catalog.Default(), routes.Default(), authz.Default(), o)
}

// get serves one GET request with an optional Accept header.
func get(t testing.TB, h http.Handler, target, accept string) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest(http.MethodGet, target, nil)
	if accept != "" {
		req.Header.Set("Accept", accept)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

// decode reads a JSON answer, failing on anything else.
func decode[T any](t *testing.T, rec *httptest.ResponseRecorder) T {
	t.Helper()
	var v T
	if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Fatalf("Content-Type %q, want JSON; body:\n%s", ct, rec.Body)
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &v); err != nil {
		t.Fatalf("decoding %s: %v", rec.Body, err)
	}
	return v
}

const browserAccept = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"

func TestSearch(t *testing.T) {
	h := newHandler(t, Options{})
	mailRead, _ := catalog.Default().Lookup("Mail.Read")
	for _, tc := range []struct {
		name, q string
		want    string
		top     bool // want must be the first hit (else within the first 50)
	}{
		{"exact name", "Mail.Read", "Mail.Read", true},
		{"name in lower case", "mail.read", "Mail.Read", true},
		{"id", mailRead.Schemes[catalog.DelegatedWork].ID, "Mail.Read", true},
		{"description words", "email in your mailbox", "Mail.Read", false},
		{"description word", "mailbox", "Mail.Read", false},
		{"display name", "read your mail", "Mail.Read", false},
		{"name part", "Calendars", "Calendars.Read", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := decode[SearchResult](t, get(t, h, "/explorer/?format=json&q="+url.QueryEscape(tc.q), ""))
			if len(res.Hits) == 0 {
				t.Fatalf("no hits for %q", tc.q)
			}
			i := slices.IndexFunc(res.Hits, func(h Hit) bool { return h.Name == tc.want })
			if i < 0 || tc.top && i != 0 {
				t.Errorf("%q: %s at %d (first: %s), want it %s", tc.q, tc.want, i, res.Hits[0].Name, map[bool]string{true: "first", false: "among the hits"}[tc.top])
			}
			for j := 1; j < len(res.Hits); j++ {
				if res.Hits[j].Score > res.Hits[j-1].Score {
					t.Fatalf("hits not ranked: %s (%d) after %s (%d)", res.Hits[j].Name, res.Hits[j].Score, res.Hits[j-1].Name, res.Hits[j-1].Score)
				}
			}
			// The page links the permission.
			page := get(t, h, "/explorer/?q="+url.QueryEscape(tc.q), browserAccept)
			if page.Code != http.StatusOK || !strings.Contains(page.Body.String(), `href="/explorer/permissions/`+tc.want+`"`) {
				t.Errorf("search page (%d) does not link %s", page.Code, tc.want)
			}
		})
	}
	t.Run("no match", func(t *testing.T) {
		res := decode[SearchResult](t, get(t, h, "/explorer/?q=zzqqxx+mail", "application/json"))
		if res.Total != 0 || len(res.Hits) != 0 {
			t.Errorf("hits for a word nothing has: %+v", res)
		}
		if body := get(t, h, "/explorer/?q=zzqqxx", "").Body.String(); !strings.Contains(body, `id="no-results"`) {
			t.Error("the page does not say nothing matched")
		}
	})
	t.Run("limit", func(t *testing.T) {
		res := decode[SearchResult](t, get(t, h, "/explorer/?format=json&q=read&limit=3", ""))
		if len(res.Hits) != 3 || res.Total <= 3 {
			t.Errorf("limit=3: %d hits of %d", len(res.Hits), res.Total)
		}
		if rec := get(t, h, "/explorer/?format=json&q=read&limit=x", ""); rec.Code != http.StatusBadRequest {
			t.Errorf("limit=x: %d, want 400", rec.Code)
		}
	})
}

func TestPermissionPage(t *testing.T) {
	h := newHandler(t, Options{})
	t.Run("Mail.Read allows GET /me/messages", func(t *testing.T) {
		v := decode[PermissionView](t, get(t, h, "/explorer/permissions/Mail.Read?scheme=work", "application/json"))
		if v.Name != "Mail.Read" || !v.Personal || len(v.Schemes) != 3 {
			t.Fatalf("view %+v", v)
		}
		if s := v.Schemes[catalog.Application]; !s.AdminConsent || s.ID == "" || s.PrivilegeLevel == 0 {
			t.Errorf("application scheme %+v: want admin consent, an id and a level", s)
		}
		if s := v.Schemes[catalog.DelegatedWork]; s.AdminConsent || s.UserDisplayName != "Read your mail" {
			t.Errorf("delegated scheme %+v", s)
		}
		if v.Calls.Scheme != "DelegatedWork" {
			t.Errorf("calls of %s, want DelegatedWork", v.Calls.Scheme)
		}
		i := slices.IndexFunc(v.Calls.Items, func(c CallItem) bool { return c.Method == "GET" && c.Path == "/me/messages" })
		if i < 0 {
			t.Fatalf("GET /me/messages not among Mail.Read's calls: %+v", v.Calls.Items)
		}
		// Microsoft marks Mail.ReadBasic, not Mail.Read, least privileged there.
		if v.Calls.Items[i].Least {
			t.Error("Mail.Read marked least privileged for GET /me/messages")
		}
		if !slices.ContainsFunc(v.Calls.Items, func(c CallItem) bool { return c.Least }) {
			t.Error("no call where Mail.Read is least privileged")
		}
		page := get(t, h, "/explorer/permissions/Mail.Read", "").Body.String()
		for _, want := range []string{"<h1 id=\"perm-name\">Mail.Read</h1>", "<code>/me/messages</code>", "570282fd-fa5c-430d-a7fd-fc8dc98a9dca", "least privileged", "admin consent"} {
			if !strings.Contains(page, want) {
				t.Errorf("the page lacks %q", want)
			}
		}
	})
	t.Run("least only and filter", func(t *testing.T) {
		v := decode[PermissionView](t, get(t, h, "/explorer/permissions/Mail.Read?format=json&least=1&calls=mailfolders", ""))
		if v.Calls.Total == 0 {
			t.Fatal("no least-privileged mail folder call for Mail.Read")
		}
		for _, c := range v.Calls.Items {
			if !c.Least || !strings.Contains(strings.ToLower(c.Path), "mailfolders") {
				t.Errorf("filtered call %+v", c)
			}
		}
	})
	t.Run("pages", func(t *testing.T) {
		first := decode[PermissionView](t, get(t, h, "/explorer/permissions/Directory.ReadWrite.All?format=json&scheme=app", ""))
		if first.Calls.Total <= pageSize || len(first.Calls.Items) != pageSize || first.Calls.Next == "" || first.Calls.Prev != "" {
			t.Fatalf("first page: total %d, %d items, next %q, prev %q", first.Calls.Total, len(first.Calls.Items), first.Calls.Next, first.Calls.Prev)
		}
		next, _, _ := strings.Cut(first.Calls.Next, "#")
		second := decode[PermissionView](t, get(t, h, next+"&format=json", ""))
		if second.Calls.Page != 2 || len(second.Calls.Items) == 0 || second.Calls.Prev == "" {
			t.Fatalf("second page: %+v", second.Calls.Page)
		}
		if second.Calls.Items[0].Path < first.Calls.Items[pageSize-1].Path {
			t.Errorf("pages out of path order: %s after %s", second.Calls.Items[0].Path, first.Calls.Items[pageSize-1].Path)
		}
	})
	t.Run("other spelling redirects", func(t *testing.T) {
		rec := get(t, h, "/explorer/permissions/mail.read?scheme=app", "")
		if rec.Code != http.StatusMovedPermanently || rec.Header().Get("Location") != "/explorer/permissions/Mail.Read?scheme=app" {
			t.Errorf("%d to %q", rec.Code, rec.Header().Get("Location"))
		}
	})
	t.Run("unknown permission", func(t *testing.T) {
		rec := get(t, h, "/explorer/permissions/Mail.Reed", browserAccept)
		body := rec.Body.String()
		if rec.Code != http.StatusNotFound || !strings.Contains(body, "No permission named Mail.Reed") ||
			!strings.Contains(body, `href="/explorer/permissions/Mail.Read"`) || !strings.Contains(body, `value="Mail.Reed"`) {
			t.Errorf("%d, page:\n%s", rec.Code, body)
		}
		e := decode[apiError](t, get(t, h, "/explorer/permissions/Mail.Reed?format=json", ""))
		if e.Error.Code != "permissionNotFound" || !slices.Contains(e.Error.Suggestions, "Mail.Read") {
			t.Errorf("JSON error %+v", e)
		}
	})
	t.Run("bad scheme", func(t *testing.T) {
		if rec := get(t, h, "/explorer/permissions/Mail.Read?scheme=nope", ""); rec.Code != http.StatusBadRequest {
			t.Errorf("%d, want 400", rec.Code)
		}
	})
}

func TestPathPage(t *testing.T) {
	h := newHandler(t, Options{})
	t.Run("GET /me lists User.Read first", func(t *testing.T) {
		v := decode[PathView](t, get(t, h, "/explorer/paths?path=/me&method=GET", "application/json"))
		if len(v.Methods) != 1 || v.Methods[0].Method != "GET" {
			t.Fatalf("methods %+v", v.Methods)
		}
		for _, s := range v.Methods[0].Schemes {
			if s.Scheme == "Application" {
				if len(s.Entries) != 0 {
					t.Errorf("application permissions for GET /me: %+v", s.Entries)
				}
				continue
			}
			if len(s.Entries) == 0 || s.Entries[0].Permission != "User.Read" || !s.Entries[0].Least {
				t.Errorf("%s: first %+v, want User.Read, least privileged", s.Scheme, s.Entries)
			}
		}
		page := get(t, h, "/explorer/paths?path=/me&method=GET", "").Body.String()
		i, j := strings.Index(page, ">User.Read<"), strings.Index(page, ">User.ReadBasic.All<")
		if i < 0 || j < 0 || i > j {
			t.Errorf("the page does not list User.Read (%d) before User.ReadBasic.All (%d)", i, j)
		}
	})
	t.Run("every method", func(t *testing.T) {
		v := decode[PathView](t, get(t, h, "/explorer/paths?format=json&path="+url.QueryEscape("https://graph.microsoft.com/v1.0/me/messages"), ""))
		if v.Template != "/me/messages" || len(v.Methods) < 2 {
			t.Errorf("template %q, methods %d", v.Template, len(v.Methods))
		}
	})
	t.Run("me fallback note", func(t *testing.T) {
		// A /me path Microsoft's data lacks is decided by its /users/{id}
		// twin, and the page says so.
		v := decode[PathView](t, get(t, h, "/explorer/paths?format=json&method=GET&path=/me/appRoleAssignments", ""))
		if !v.MeFallback || !strings.HasPrefix(strings.ToLower(v.Template), "/users/{id}/approleassignments") ||
			!slices.ContainsFunc(v.Notes, func(n string) bool { return strings.Contains(n, "/users/{id} twin") }) {
			t.Errorf("fallback %v, template %q, notes %q", v.MeFallback, v.Template, v.Notes)
		}
	})
	for _, tc := range []struct {
		name, query string
		status      int
	}{
		{"unknown path", "path=/nothing/here&method=GET", http.StatusNotFound},
		{"unknown method", "path=/me&method=BREW", http.StatusBadRequest},
		{"method the path lacks", "path=/me/sendMail&method=GET", http.StatusNotFound},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec := get(t, h, "/explorer/paths?"+tc.query, "")
			if rec.Code != tc.status || !strings.Contains(rec.Body.String(), "graphgate permissions routes") {
				t.Errorf("%d (want %d), page:\n%s", rec.Code, tc.status, rec.Body)
			}
			if e := decode[apiError](t, get(t, h, "/explorer/paths?format=json&"+tc.query, "")); e.Error.Code == "" || e.Error.Message == "" {
				t.Errorf("JSON error %+v", e)
			}
		})
	}
}

func TestExplain(t *testing.T) {
	h := newHandler(t, Options{})
	for _, tc := range []struct {
		name   string
		query  url.Values
		status int
		allow  bool
		reason string
		// granted is the permission that allowed the call; least the
		// least privileged one that would.
		granted, least string
	}{
		{"User.Read cannot read mail", url.Values{"scopes": {"User.Read"}, "method": {"GET"}, "path": {"/me/messages"}},
			http.StatusOK, false, "missing_permission", "", "Mail.ReadBasic"},
		{"Mail.Read reads mail", url.Values{"scopes": {"User.Read Mail.Read"}, "method": {"GET"}, "path": {"/me/messages"}},
			http.StatusOK, true, "allowed", "Mail.Read", "Mail.ReadBasic"},
		{"Mail.ReadWrite includes Mail.Read", url.Values{"scopes": {"mail.readwrite"}, "method": {"get"}, "path": {"https://graph.microsoft.com/v1.0/me/messages?$top=5"}},
			http.StatusOK, true, "allowed", "", ""},
		{"app-only /me", url.Values{"kind": {"application"}, "scopes": {"User.Read.All"}, "method": {"GET"}, "path": {"/me"}},
			http.StatusOK, false, "me_requires_delegated", "", ""},
		{"personal account", url.Values{"account": {"personal"}, "scopes": {"User.Read.All"}, "method": {"GET"}, "path": {"/users"}},
			http.StatusOK, false, "scheme_not_supported", "", ""},
		{"another user's mail needs sharing", url.Values{"scopes": {"Mail.Read.Shared"}, "method": {"GET"}, "path": {"/users/megan@contoso.com/messages"}},
			http.StatusOK, false, "not_shared", "", ""},
		{"shared with the user", url.Values{"scopes": {"Mail.Read.Shared"}, "shared": {"read"}, "method": {"GET"}, "path": {"/users/megan@contoso.com/messages"}},
			http.StatusOK, true, "allowed", "Mail.Read.Shared", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v := decode[ExplainView](t, get(t, h, "/explorer/explain?format=json&"+tc.query.Encode(), ""))
			if v.Result == nil {
				t.Fatalf("no result: %+v", v)
			}
			r := v.Result
			if r.Allow != tc.allow || r.Reason != tc.reason {
				t.Errorf("allow %v reason %s (%s), want %v %s", r.Allow, r.Reason, r.Explanation, tc.allow, tc.reason)
			}
			if tc.granted != "" && r.Granted != tc.granted {
				t.Errorf("granted by %q, want %q", r.Granted, tc.granted)
			}
			if tc.least != "" && (len(r.Least) == 0 || r.Least[0] != tc.least || !slices.Contains(r.Candidates, tc.least)) {
				t.Errorf("least %v, would allow %v; want %s", r.Least, r.Candidates, tc.least)
			}
			// The HTML answer says the same.
			page := get(t, h, "/explorer/explain?"+tc.query.Encode(), browserAccept)
			body := page.Body.String()
			verdict := map[bool]string{true: "Allowed:", false: "Denied:"}[tc.allow]
			if page.Code != tc.status || !strings.Contains(body, `<h2 id="verdict">`+verdict) || !strings.Contains(body, tc.reason) {
				t.Errorf("page %d lacks %q/%q", page.Code, verdict, tc.reason)
			}
			if tc.least != "" && !strings.Contains(body, `href="/explorer/permissions/`+tc.least+`"`) {
				t.Errorf("the page does not link %s", tc.least)
			}
			if !tc.allow && tc.least != "" {
				// The denial offers the question again with the least
				// privileged permission added, and that answer allows it.
				i := strings.Index(body, `<p id="retry">`)
				if i < 0 {
					t.Fatal("no retry link")
				}
				href := body[i:]
				href = href[strings.Index(href, `href="`)+6:]
				href = html.UnescapeString(href[:strings.IndexByte(href, '"')])
				again := decode[ExplainView](t, get(t, h, href+"&format=json", ""))
				if again.Result == nil || !again.Result.Allow || again.Result.Granted != tc.least {
					t.Errorf("retry %s: %+v", href, again.Result)
				}
			}
		})
	}
	for _, tc := range []struct {
		name  string
		query url.Values
		want  string
	}{
		{"unknown permission", url.Values{"scopes": {"Mail.Reed"}, "path": {"/me/messages"}}, "Did you mean"},
		{"unknown role", url.Values{"roles": {"emperor"}, "path": {"/me"}}, "unknown directory role"},
		{"no route", url.Values{"scopes": {"User.Read"}, "path": {"/nothing/here"}}, "graphgate permissions routes"},
		{"app with personal account", url.Values{"kind": {"application"}, "account": {"personal"}, "path": {"/users"}}, "no signed-in account"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec := get(t, h, "/explorer/explain?"+tc.query.Encode(), "")
			if rec.Code != http.StatusBadRequest || !strings.Contains(rec.Body.String(), tc.want) || !strings.Contains(rec.Body.String(), `id="problems"`) {
				t.Errorf("%d, want 400 saying %q; page:\n%s", rec.Code, tc.want, rec.Body)
			}
			if e := decode[apiError](t, get(t, h, "/explorer/explain?format=json&"+tc.query.Encode(), "")); e.Error.Code != "invalidRequest" || !strings.Contains(e.Error.Message, tc.want) {
				t.Errorf("JSON error %+v", e)
			}
		})
	}
	t.Run("empty form", func(t *testing.T) {
		rec := get(t, h, "/explorer/explain", "")
		if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), `<label for="scopes">`) || strings.Contains(rec.Body.String(), `id="result"`) {
			t.Errorf("%d, page:\n%s", rec.Code, rec.Body)
		}
	})
}

// reportClient is a browser for the report page: it keeps the cookie the
// form sets and sends the form's token back.
type reportClient struct {
	t      *testing.T
	h      http.Handler
	cookie *http.Cookie
	token  string
}

func openReport(t *testing.T, h http.Handler) *reportClient {
	t.Helper()
	rec := get(t, h, "/explorer/report", "")
	c := &reportClient{t: t, h: h}
	for _, ck := range rec.Result().Cookies() {
		if ck.Name == csrfCookie {
			c.cookie = ck
		}
	}
	if c.cookie == nil || !c.cookie.HttpOnly || c.cookie.SameSite != http.SameSiteStrictMode || c.cookie.Path != "/explorer" {
		t.Fatalf("the form set no HttpOnly, SameSite=Strict cookie on /explorer: %+v", c.cookie)
	}
	body := rec.Body.String()
	const marker = `name="csrf" value="`
	i := strings.Index(body, marker)
	if i < 0 {
		t.Fatal("the form has no CSRF field")
	}
	c.token = body[i+len(marker):]
	c.token = c.token[:strings.IndexByte(c.token, '"')]
	if c.token != c.cookie.Value {
		t.Fatal("the form's token is not the cookie's")
	}
	return c
}

// post sends the report form as a browser does (multipart), with a file
// when fileName is set.
func (c *reportClient) post(fields map[string]string, fileName, file, query, accept string, withCookie bool) *httptest.ResponseRecorder {
	c.t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for k, v := range fields {
		_ = mw.WriteField(k, v)
	}
	if fileName != "" {
		fw, _ := mw.CreateFormFile("file", fileName)
		_, _ = io.WriteString(fw, file)
	}
	_ = mw.Close()
	req := httptest.NewRequest(http.MethodPost, "/explorer/report"+query, &buf)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	if accept != "" {
		req.Header.Set("Accept", accept)
	}
	if withCookie {
		req.AddCookie(c.cookie)
	}
	rec := httptest.NewRecorder()
	c.h.ServeHTTP(rec, req)
	return rec
}

const harSample = `{"log":{"version":"1.2","creator":{"name":"test","version":"1"},"entries":[
{"startedDateTime":"2026-01-02T10:00:00Z","time":1,"request":{"method":"GET","url":"https://graph.microsoft.com/v1.0/me/events","httpVersion":"HTTP/1.1","headers":[],"queryString":[],"cookies":[],"headersSize":-1,"bodySize":0},
"response":{"status":200,"statusText":"OK","httpVersion":"HTTP/1.1","headers":[],"cookies":[],"content":{"size":0,"mimeType":"application/json"},"redirectURL":"","headersSize":-1,"bodySize":0},"cache":{},"timings":{"send":0,"wait":1,"receive":0}}]}}`

func TestReport(t *testing.T) {
	h := newHandler(t, Options{MaxUpload: 64 << 10})
	calls := "# granted=Mail.ReadWrite,User.Read\nGET https://graph.microsoft.com/v1.0/me\nGET https://graph.microsoft.com/v1.0/me/messages\nGET /v1.0/nothing/here\n"
	t.Run("call list", func(t *testing.T) {
		c := openReport(t, h)
		rec := c.post(map[string]string{"csrf": c.token, "calls": calls}, "", "", "", "", true)
		body := rec.Body.String()
		if rec.Code != http.StatusOK {
			t.Fatalf("%d:\n%s", rec.Code, body)
		}
		for _, want := range []string{`id="report"`, `href="/explorer/permissions/Mail.Read"`, "Mail.ReadWrite", "/nothing/here", "Minimal set", "Narrow"} {
			if !strings.Contains(body, want) {
				t.Errorf("the report page lacks %q", want)
			}
		}
		// The JSON variant is report.Report, as the CLI's --json.
		v := decode[ReportView](t, c.post(map[string]string{"csrf": c.token, "calls": calls}, "", "", "?format=json", "", true))
		if v.Report == nil || v.Kind != "calls" || v.Report.Calls != 3 || v.Report.Unplaced != 1 || len(v.Report.Groups) != 1 {
			t.Fatalf("report %+v", v.Report)
		}
		g := v.Report.Groups[0]
		var minimal []string
		for _, p := range g.Minimal.Permissions {
			minimal = append(minimal, p.Permission)
		}
		if !slices.Equal(minimal, []string{"Mail.Read", "User.Read"}) || len(g.Narrow) != 1 || g.Narrow[0].From != "Mail.ReadWrite" {
			t.Errorf("minimal %v, narrow %+v; want Mail.Read and User.Read, Mail.ReadWrite narrowed", minimal, g.Narrow)
		}
	})
	t.Run("HAR upload", func(t *testing.T) {
		c := openReport(t, h)
		v := decode[ReportView](t, c.post(map[string]string{"csrf": c.token, "scheme": "delegated"}, "app.har", harSample, "", "application/json", true))
		if v.Kind != "har" || v.Name != "app.har" || v.Report == nil || v.Report.Placed != 1 {
			t.Fatalf("view %+v", v)
		}
		if g := v.Report.Groups[0]; len(g.Minimal.Permissions) != 1 || g.Minimal.Permissions[0].Permission != "Calendars.Read" {
			t.Errorf("minimal %+v, want Calendars.Read (no $select: the default properties, which ReadBasic trims)", g.Minimal.Permissions)
		}
	})
	t.Run("not a HAR file", func(t *testing.T) {
		c := openReport(t, h)
		rec := c.post(map[string]string{"csrf": c.token, "kind": "har", "calls": "GET /v1.0/me"}, "", "", "", "", true)
		if rec.Code != http.StatusBadRequest || !strings.Contains(rec.Body.String(), "not a HAR file") {
			t.Errorf("%d:\n%s", rec.Code, rec.Body)
		}
	})
	t.Run("empty", func(t *testing.T) {
		c := openReport(t, h)
		if rec := c.post(map[string]string{"csrf": c.token, "calls": "  "}, "", "", "", "", true); rec.Code != http.StatusBadRequest {
			t.Errorf("%d, want 400", rec.Code)
		}
	})
	for _, tc := range []struct {
		name       string
		token      string
		withCookie bool
	}{
		{"no token", "", true},
		{"wrong token", strings.Repeat("A", 43), true},
		{"no cookie", "", false},
	} {
		t.Run("CSRF "+tc.name, func(t *testing.T) {
			c := openReport(t, h)
			tok := tc.token
			if !tc.withCookie {
				tok = c.token
			}
			rec := c.post(map[string]string{"csrf": tok, "calls": calls}, "", "", "", "", tc.withCookie)
			if rec.Code != http.StatusForbidden || !strings.Contains(rec.Body.String(), "open the report page again") {
				t.Errorf("%d, want 403; page:\n%s", rec.Code, rec.Body)
			}
		})
	}
	t.Run("busy", func(t *testing.T) {
		// Every report slot taken: the form waits ReportWait, then 503.
		ex := newExplorer(catalog.Default(), routes.Default(), authz.Default(), Options{MaxReports: 1, ReportWait: 20 * time.Millisecond})
		ex.reports <- struct{}{}
		c := openReport(t, ex.handler())
		rec := c.post(map[string]string{"csrf": c.token, "calls": calls}, "", "", "", "", true)
		if rec.Code != http.StatusServiceUnavailable || rec.Header().Get("Retry-After") == "" {
			t.Errorf("%d (Retry-After %q), want 503 with Retry-After", rec.Code, rec.Header().Get("Retry-After"))
		}
		<-ex.reports // the slot is free again: the report is made
		if rec := c.post(map[string]string{"csrf": c.token, "calls": calls}, "", "", "", "", true); rec.Code != http.StatusOK {
			t.Errorf("after the slot is freed: %d\n%s", rec.Code, rec.Body)
		}
	})
	t.Run("out of time", func(t *testing.T) {
		// A report that cannot finish within ReportTimeout answers 503 and
		// says how to make it on the command line.
		h := newHandler(t, Options{ReportTimeout: time.Nanosecond})
		c := openReport(t, h)
		rec := c.post(map[string]string{"csrf": c.token, "calls": calls}, "", "", "", "", true)
		if rec.Code != http.StatusServiceUnavailable || !strings.Contains(rec.Body.String(), "graphgate report least-privilege") {
			t.Errorf("%d, want 503; page:\n%s", rec.Code, rec.Body)
		}
	})
	t.Run("too large", func(t *testing.T) {
		c := openReport(t, h)
		big := strings.Repeat("GET https://graph.microsoft.com/v1.0/me\n", 2000) // 80 KB > 64 KB
		rec := c.post(map[string]string{"csrf": c.token}, "calls.txt", big, "", "", true)
		if rec.Code != http.StatusRequestEntityTooLarge || !strings.Contains(rec.Body.String(), "graphgate report least-privilege") {
			t.Errorf("%d, want 413; page:\n%s", rec.Code, rec.Body)
		}
	})
}

// TestPages checks what every page shares: a strict CSP, no script, one
// h1, labelled fields, JSON on request.
func TestPages(t *testing.T) {
	h := newHandler(t, Options{})
	for _, target := range []string{"/explorer/", "/explorer/?q=mail", "/explorer/permissions/User.Read", "/explorer/paths",
		"/explorer/paths?path=/me/events", "/explorer/explain", "/explorer/explain?scopes=User.Read&path=/me", "/explorer/report", "/explorer/nothing"} {
		t.Run(target, func(t *testing.T) {
			rec := get(t, h, target, browserAccept)
			body := rec.Body.String()
			if csp := rec.Header().Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'none'") || strings.Contains(csp, "unsafe") {
				t.Errorf("CSP %q", csp)
			}
			if !strings.HasPrefix(rec.Header().Get("Content-Type"), "text/html") || strings.Contains(body, "<script") {
				t.Errorf("Content-Type %q, or a script in the page", rec.Header().Get("Content-Type"))
			}
			if n := strings.Count(body, "<h1"); n != 1 {
				t.Errorf("%d h1 headings", n)
			}
			// Every visible input, select and textarea has a label.
			for _, tag := range []string{"<input ", "<select ", "<textarea "} {
				for rest := body; ; {
					i := strings.Index(rest, tag)
					if i < 0 {
						break
					}
					el := rest[i : i+strings.IndexByte(rest[i:], '>')]
					rest = rest[i+len(tag):]
					if strings.Contains(el, `type="hidden"`) || strings.Contains(el, `type="checkbox"`) {
						continue
					}
					id := el[strings.Index(el, `id="`)+4:]
					id = id[:strings.IndexByte(id, '"')]
					if !regexp.MustCompile(`<label[^>]* for="` + regexp.QuoteMeta(id) + `"`).MatchString(body) {
						t.Errorf("no label for #%s", id)
					}
				}
			}
		})
	}
	post := httptest.NewRecorder()
	h.ServeHTTP(post, httptest.NewRequest(http.MethodPost, "/explorer/permissions/Mail.Read", nil))
	if post.Code != http.StatusMethodNotAllowed || post.Header().Get("Allow") != "GET, HEAD" {
		t.Errorf("POST to a page: %d, Allow %q", post.Code, post.Header().Get("Allow"))
	}
	if rec := get(t, h, "/explorer", ""); rec.Code != http.StatusMovedPermanently || rec.Header().Get("Location") != "/explorer/" {
		t.Errorf("/explorer: %d to %q", rec.Code, rec.Header().Get("Location"))
	}
	if rec := get(t, h, "/explorer/static/explorer.css", ""); rec.Code != http.StatusOK || !strings.HasPrefix(rec.Header().Get("Content-Type"), "text/css") {
		t.Errorf("stylesheet: %d %q", rec.Code, rec.Header().Get("Content-Type"))
	}
	// Accept negotiates: a browser gets HTML, a program that asks JSON.
	if rec := get(t, h, "/explorer/permissions/User.Read", "application/json"); !strings.HasPrefix(rec.Header().Get("Content-Type"), "application/json") {
		t.Errorf("Accept: application/json gave %q", rec.Header().Get("Content-Type"))
	}
	if rec := get(t, h, "/explorer/permissions/User.Read?format=html", "application/json"); !strings.HasPrefix(rec.Header().Get("Content-Type"), "text/html") {
		t.Errorf("format=html gave %q", rec.Header().Get("Content-Type"))
	}
}

// TestConcurrentFirstUse: the indexes are built once, on first use, while
// requests of every kind arrive together (run with -race).
func TestConcurrentFirstUse(t *testing.T) {
	h := newHandler(t, Options{})
	targets := []string{"/explorer/?q=mail&format=json", "/explorer/permissions/Mail.Read?format=json",
		"/explorer/permissions/User.Read?format=json&scheme=personal", "/explorer/paths?path=/me&format=json",
		"/explorer/explain?scopes=User.Read&path=/me&format=json", "/explorer/?q=" + strings.Repeat("é", 300)}
	errs := make(chan string, len(targets)*4)
	done := make(chan struct{})
	for i := range len(targets) * 4 {
		go func() {
			defer func() { done <- struct{}{} }()
			target := targets[i%len(targets)]
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, target, nil))
			if rec.Code != http.StatusOK {
				errs <- target + ": " + rec.Result().Status
			}
		}()
	}
	for range len(targets) * 4 {
		<-done
	}
	close(errs)
	for e := range errs {
		t.Error(e)
	}
}

// TestReflectedInputEscaped: what a request carries comes back as text,
// never as markup (html/template's contextual escaping, checked).
func TestReflectedInputEscaped(t *testing.T) {
	h := newHandler(t, Options{})
	const evil = `"><script>alert(1)</script><img src=x onerror=alert(2)>`
	for _, target := range []string{
		"/explorer/?q=" + url.QueryEscape(evil),
		"/explorer/permissions/" + url.PathEscape(evil),
		"/explorer/paths?path=" + url.QueryEscape("/me/"+evil),
		"/explorer/explain?path=/me&scopes=" + url.QueryEscape(evil),
		"/explorer/explain?path=" + url.QueryEscape("/me/"+evil) + "&scopes=User.Read",
	} {
		body := get(t, h, target, browserAccept).Body.String()
		if strings.Contains(body, "<script") || strings.Contains(body, "<img") {
			t.Errorf("%s: the input came back as markup", target)
		}
	}
}
