package web_test

import (
	"html"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"

	"graphgate/internal/demo"
	"graphgate/internal/roles"
	"graphgate/internal/server/servertest"
	"graphgate/internal/store"
)

// browser is an HTTP client with cookies, as a browser signed in to the
// console would be; it does not follow redirects, so tests see them.
type browser struct {
	t   *testing.T
	env *servertest.Env
	c   *http.Client
}

func newBrowser(t *testing.T, env *servertest.Env) *browser {
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Transport: env.Client.Transport, Jar: jar, Timeout: env.Client.Timeout,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	return &browser{t: t, env: env, c: c}
}

type page struct {
	status int
	body   string
	header http.Header
}

func (b *browser) get(path string) page {
	b.t.Helper()
	resp, err := b.c.Get(b.env.Base + path)
	if err != nil {
		b.t.Fatal(err)
	}
	return read(b.t, resp)
}

// post sends a form as the page's own form would (same origin).
func (b *browser) post(path string, v url.Values) page {
	b.t.Helper()
	req, _ := http.NewRequest(http.MethodPost, b.env.Base+path, strings.NewReader(v.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", b.env.Base)
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	resp, err := b.c.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	return read(b.t, resp)
}

func read(t *testing.T, resp *http.Response) page {
	t.Helper()
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return page{status: resp.StatusCode, body: string(body), header: resp.Header}
}

var csrfRe = regexp.MustCompile(`name="csrf" value="([^"]+)"`)
var flowRe = regexp.MustCompile(`name="flow" value="([^"]+)"`)

func field(t *testing.T, re *regexp.Regexp, body string) string {
	t.Helper()
	m := re.FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no %s in the page:\n%s", re, body)
	}
	return html.UnescapeString(m[1])
}

// signIn signs the browser in through graphgate's own sign-in page and
// returns where it was sent.
func (b *browser) signIn(key, returnTo string) string {
	b.t.Helper()
	u := b.env.User(key)
	p := b.get("/signin?return_to=" + url.QueryEscape(returnTo))
	if p.status != http.StatusOK {
		b.t.Fatalf("sign-in page: %d %s", p.status, p.body)
	}
	resp := b.post("/login", url.Values{"flow": {field(b.t, flowRe, p.body)}, "username": {u.UserPrincipalName}, "password": {u.Password}})
	if resp.status != http.StatusSeeOther {
		b.t.Fatalf("sign-in: %d %s", resp.status, resp.body)
	}
	return resp.header.Get("Location")
}

func TestLandingPage(t *testing.T) {
	env := servertest.Start(t)
	b := newBrowser(t, env)
	p := b.get("/")
	if p.status != http.StatusOK {
		t.Fatalf("GET /: %d", p.status)
	}
	for _, want := range []string{
		demo.TenantID, demo.TenantDomain, demo.DaemonAppID,
		env.Base + "/" + demo.TenantDomain, // the authority, with this server's real address
		`SetBaseUrl(&#34;` + env.Base + `/v1.0&#34;)`,
		"knownAuthorities: [&#34;" + strings.TrimPrefix(env.Base, "https://") + "&#34;]",
		"instance_discovery=False", "graphgate trust", `href="/console/"`, `href="/explorer/"`,
	} {
		if !strings.Contains(p.body, want) {
			t.Errorf("the landing page lacks %q", want)
		}
	}
	if strings.Contains(p.body, env.App("daemon").Secret) {
		t.Error("the public landing page shows a client secret")
	}
	csp := p.header.Get("Content-Security-Policy")
	for _, want := range []string{"script-src 'self'", "frame-ancestors 'none'"} {
		if !strings.Contains(csp, want) {
			t.Errorf("CSP %q lacks %q", csp, want)
		}
	}
	if strings.Contains(csp, "unsafe-inline") || p.header.Get("X-Content-Type-Options") != "nosniff" {
		t.Errorf("headers: %v", p.header)
	}
	if strings.Contains(p.body, "<script>") || strings.Contains(p.body, " onclick=") {
		t.Error("the landing page has inline script")
	}
	for path, want := range map[string]int{
		"/static/style.css": http.StatusOK, "/static/copy.js": http.StatusOK, "/static/nothing.css": http.StatusNotFound,
		"/nothing": http.StatusNotFound, "/" + demo.TenantDomain + "/v2.0/.well-known/openid-configuration": http.StatusOK,
	} {
		if got := b.get(path).status; got != want {
			t.Errorf("GET %s: %d, want %d", path, got, want)
		}
	}
}

func TestConsoleSignIn(t *testing.T) {
	env := servertest.Start(t)
	t.Run("anonymous goes to the sign-in page", func(t *testing.T) {
		b := newBrowser(t, env)
		p := b.get("/console/users")
		if p.status != http.StatusSeeOther || p.header.Get("Location") != "/signin?return_to=%2Fconsole%2Fusers" {
			t.Fatalf("%d %q", p.status, p.header.Get("Location"))
		}
		if got := b.signIn("admin", "/console/users"); got != "/console/users" {
			t.Fatalf("signed in, sent to %q", got)
		}
		if p := b.get("/console/users"); p.status != http.StatusOK || !strings.Contains(p.body, "adele@") {
			t.Fatalf("users page after sign-in: %d", p.status)
		}
	})
	t.Run("no open redirect", func(t *testing.T) {
		b := newBrowser(t, env)
		for _, to := range []string{"https://evil.example/", "//evil.example/console", "/other"} {
			if p := b.get("/signin?return_to=" + url.QueryEscape(to)); p.status != http.StatusBadRequest {
				t.Errorf("return_to %q: %d", to, p.status)
			}
		}
	})
	t.Run("a member without a role is refused", func(t *testing.T) {
		b := newBrowser(t, env)
		b.signIn("adele", "/console/")
		p := b.get("/console/")
		if p.status != http.StatusForbidden || !strings.Contains(p.body, "graphgate user roles adele@") {
			t.Fatalf("%d %s", p.status, p.body)
		}
		if p := b.get("/console/apps"); p.status != http.StatusForbidden {
			t.Errorf("apps: %d", p.status)
		}
	})
	t.Run("cookies", func(t *testing.T) {
		b := newBrowser(t, env)
		b.signIn("admin", "/console/")
		resp, err := b.c.Get(env.Base + "/console/")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		var found bool
		for _, c := range resp.Cookies() {
			if c.Name == "graphgate_console_csrf" {
				found = true
				if !c.HttpOnly || !c.Secure || c.SameSite != http.SameSiteStrictMode {
					t.Errorf("CSRF cookie %+v", c)
				}
			}
		}
		if !found {
			t.Error("no CSRF cookie")
		}
	})
}

func TestConsoleCSRF(t *testing.T) {
	env := servertest.Start(t)
	b := newBrowser(t, env)
	b.signIn("admin", "/console/")
	good := field(t, csrfRe, b.get("/console/users").body)
	form := func(csrf string) url.Values {
		return url.Values{"csrf": {csrf}, "kind": {"member"}, "displayName": {"Eve"}, "alias": {"eve"}, "domain": {demo.TenantDomain}}
	}
	cases := []struct {
		name string
		send func() page
	}{
		{"no token", func() page { return b.post("/console/users", form("")) }},
		{"wrong token", func() page { return b.post("/console/users", form(good[:len(good)-2]+"AA")) }},
		{"another site", func() page {
			req, _ := http.NewRequest(http.MethodPost, env.Base+"/console/users", strings.NewReader(form(good).Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.Header.Set("Sec-Fetch-Site", "cross-site")
			resp, err := b.c.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			return read(t, resp)
		}},
	}
	for _, c := range cases {
		if p := c.send(); p.status != http.StatusForbidden {
			t.Errorf("%s: %d", c.name, p.status)
		}
		if _, err := env.Server.Store().UserByUPN(t.Context(), "eve@"+demo.TenantDomain); err == nil {
			t.Fatalf("%s: the user was created", c.name)
		}
	}
	if p := b.post("/console/users", form(good)); p.status != http.StatusOK {
		t.Fatalf("with the token: %d %s", p.status, p.body)
	}
	if _, err := env.Server.Store().UserByUPN(t.Context(), "eve@"+demo.TenantDomain); err != nil {
		t.Fatal("the user was not created with a good token")
	}
}

func TestConsoleUsers(t *testing.T) {
	env := servertest.Start(t)
	b := newBrowser(t, env)
	b.signIn("admin", "/console/")
	st := env.Server.Store()
	tok := field(t, csrfRe, b.get("/console/users").body)
	cases := []struct {
		name   string
		form   url.Values
		status int
		upn    string // created, "" for none
	}{
		{"member", url.Values{"kind": {"member"}, "displayName": {"Nestor Wilke"}, "alias": {"nestor"}, "domain": {demo.TenantDomain}}, 200, "nestor@" + demo.TenantDomain},
		{"guest", url.Values{"kind": {"guest"}, "displayName": {"Pat"}, "guestEmail": {"pat@fabrikam.com"}}, 200, "pat_fabrikam.com#EXT#@" + demo.TenantDomain},
		{"taken", url.Values{"kind": {"member"}, "displayName": {"Adele"}, "alias": {"adele"}, "domain": {demo.TenantDomain}}, 409, ""},
		{"unverified domain", url.Values{"kind": {"member"}, "displayName": {"X"}, "alias": {"x"}, "domain": {"fabrikam.com"}}, 400, ""},
		{"no name", url.Values{"kind": {"member"}, "alias": {"y"}, "domain": {demo.TenantDomain}}, 400, ""},
	}
	for _, c := range cases {
		c.form.Set("csrf", tok)
		p := b.post("/console/users", c.form)
		if p.status != c.status {
			t.Errorf("%s: %d, want %d: %s", c.name, p.status, c.status, p.body)
			continue
		}
		if c.upn == "" {
			continue
		}
		u, err := st.UserByUPN(t.Context(), c.upn)
		if err != nil {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		pw := field(t, regexp.MustCompile(`id="new-password">([^<]+)<`), p.body)
		if !strings.HasPrefix(u.PasswordHash, "$argon2id$") || strings.Contains(u.PasswordHash, pw) {
			t.Errorf("%s: password stored as %q", c.name, u.PasswordHash)
		}
	}
	// Roles: give Nestor User Administrator; he may then use the users
	// page but not app registrations.
	nestor, err := st.UserByUPN(t.Context(), "nestor@"+demo.TenantDomain)
	if err != nil {
		t.Fatal(err)
	}
	p := b.post("/console/users/"+nestor.ID, url.Values{"csrf": {tok}, "action": {"roles"}, "role": {roles.UserAdministrator.TemplateID()}})
	if p.status != http.StatusOK {
		t.Fatalf("roles: %d %s", p.status, p.body)
	}
	if nestor, _ = st.GetUser(t.Context(), nestor.TenantID, nestor.ID); !slices.Equal(nestor.Roles, []string{roles.UserAdministrator.TemplateID()}) {
		t.Fatalf("roles %v", nestor.Roles)
	}
	pw := field(t, regexp.MustCompile(`id="new-password">([^<]+)<`), b.post("/console/users/"+nestor.ID, url.Values{"csrf": {tok}, "action": {"password"}}).body)
	nb := newBrowser(t, env)
	f := field(t, flowRe, nb.get("/signin?return_to=%2Fconsole%2Fusers").body)
	if r := nb.post("/login", url.Values{"flow": {f}, "username": {nestor.UserPrincipalName}, "password": {html.UnescapeString(pw)}}); r.status != http.StatusSeeOther {
		t.Fatalf("Nestor's sign-in with the reset password: %d", r.status)
	}
	if p := nb.get("/console/users"); p.status != http.StatusOK {
		t.Errorf("a user administrator on the users page: %d", p.status)
	}
	if p := nb.get("/console/apps"); p.status != http.StatusForbidden {
		t.Errorf("a user administrator on app registrations: %d", p.status)
	}
	if p := nb.post("/console/users/"+nestor.ID, url.Values{"csrf": {field(t, csrfRe, nb.get("/console/users").body)}, "action": {"roles"},
		"role": {roles.GlobalAdministrator.TemplateID()}}); p.status != http.StatusForbidden {
		t.Errorf("a user administrator made himself Global Administrator: %d", p.status)
	}
}

// TestConsoleAPIPermissions is the portal's scenario: add a delegated and
// an application permission to an app registration, see them "not
// granted", grant admin consent for the tenant, see them granted.
func TestConsoleAPIPermissions(t *testing.T) {
	env := servertest.Start(t)
	b := newBrowser(t, env)
	b.signIn("admin", "/console/")
	st := env.Server.Store()
	app := env.App("webapp")
	path := "/console/apps/" + app.ClientID + "/permissions"
	p := b.get(path + "?type=delegated&q=mail.send")
	if p.status != http.StatusOK || !strings.Contains(p.body, `id="add-Mail.Send"`) {
		t.Fatalf("search: %d", p.status)
	}
	if p := b.get(path + "?type=application&q=offline_access"); strings.Contains(p.body, `id="add-offline_access"`) {
		t.Error("a delegated-only permission offered as an application permission")
	}
	tok := field(t, csrfRe, p.body)
	for _, add := range []url.Values{
		{"permission": {"Mail.Send"}, "type": {"delegated"}},
		{"permission": {"Sites.Read.All"}, "type": {"application"}},
	} {
		add.Set("csrf", tok)
		add.Set("action", "add")
		if p := b.post(path, add); p.status != http.StatusOK {
			t.Fatalf("add %v: %d %s", add, p.status, p.body)
		}
	}
	if p := b.post(path, url.Values{"csrf": {tok}, "action": {"add"}, "permission": {"Mail.Fly"}, "type": {"delegated"}}); p.status != http.StatusBadRequest {
		t.Errorf("an unknown permission: %d", p.status)
	}
	status := func(body, perm string) string {
		re := regexp.MustCompile(`(?s)data-permission="` + regexp.QuoteMeta(perm) + `"[^>]*>.*?<td class="status">(.*?)</td>`)
		m := re.FindStringSubmatch(body)
		if m == nil {
			t.Fatalf("no row for %s", perm)
		}
		return m[1]
	}
	p = b.get(path)
	if s := status(p.body, "Mail.Send"); !strings.Contains(s, "Not granted for Contoso") || strings.Contains(s, "admin consent") {
		t.Errorf("Mail.Send before consent: %s", s)
	}
	if s := status(p.body, "Sites.Read.All"); !strings.Contains(s, "needs admin consent") {
		t.Errorf("Sites.Read.All before consent: %s", s)
	}
	if p := b.post(path, url.Values{"csrf": {tok}, "action": {"grant"}}); p.status != http.StatusOK {
		t.Fatalf("grant: %d %s", p.status, p.body)
	}
	p = b.get(path)
	for _, perm := range []string{"Mail.Send", "Sites.Read.All"} {
		if s := status(p.body, perm); !strings.Contains(s, "Granted for Contoso") {
			t.Errorf("%s after consent: %s", perm, s)
		}
	}
	gs, err := st.DelegatedGrants(t.Context(), demo.TenantID, app.ClientID, "")
	if err != nil || len(gs) != 1 || !slices.Contains(gs[0].Scopes, "Mail.Send") || gs[0].ConsentType != store.ConsentAllPrincipals {
		t.Errorf("tenant-wide grant %+v %v", gs, err)
	}
	as, _ := st.AppRoleAssignments(t.Context(), demo.TenantID, app.ClientID)
	if !slices.ContainsFunc(as, func(a store.AppRoleAssignment) bool { return a.Permission == "Sites.Read.All" }) {
		t.Errorf("assignments %+v", as)
	}
	// Removing a requested permission leaves the consent given.
	if p := b.post(path, url.Values{"csrf": {tok}, "action": {"remove"}, "permission": {"Mail.Send"}, "type": {"delegated"}}); p.status != http.StatusOK {
		t.Fatalf("remove: %d", p.status)
	}
	a, _ := st.GetApp(t.Context(), app.ClientID)
	if slices.Contains(a.RequiredScopes, "Mail.Send") {
		t.Error("Mail.Send still requested")
	}
	// Revoke on the enterprise application's page.
	ep := "/console/enterprise/" + app.ClientID
	if p := b.get(ep); p.status != http.StatusOK || !strings.Contains(p.body, "Mail.Send") {
		t.Fatalf("enterprise app: %d", p.status)
	}
	if p := b.post(ep, url.Values{"csrf": {tok}, "action": {"revoke-tenant"}}); p.status != http.StatusOK {
		t.Fatalf("revoke: %d %s", p.status, p.body)
	}
	if gs, _ := st.DelegatedGrants(t.Context(), demo.TenantID, app.ClientID, ""); len(gs) != 0 {
		t.Errorf("grant after revoke: %+v", gs)
	}
	if p := b.get("/console/apps/00000000-0000-0000-0000-000000000000/permissions"); p.status != http.StatusNotFound {
		t.Errorf("an unknown app: %d", p.status)
	}
}

func TestConsoleAppCredentials(t *testing.T) {
	env := servertest.Start(t)
	b := newBrowser(t, env)
	b.signIn("admin", "/console/")
	app := env.App("webapp")
	path := "/console/apps/" + app.ClientID
	tok := field(t, csrfRe, b.get(path).body)
	p := b.post(path, url.Values{"csrf": {tok}, "action": {"add-secret"}, "description": {"ci"}, "expires": {"6"}})
	if p.status != http.StatusOK {
		t.Fatalf("add secret: %d %s", p.status, p.body)
	}
	secret := field(t, regexp.MustCompile(`id="secret-value">([^<]+)<`), p.body)
	if again := b.get(path); strings.Contains(again.body, secret) {
		t.Error("the secret's value is shown twice")
	}
	// The new secret works at the token endpoint.
	resp, err := env.Client.PostForm(env.Authority(demo.TenantDomain)+"/oauth2/v2.0/token", url.Values{"grant_type": {"client_credentials"},
		"client_id": {app.ClientID}, "client_secret": {secret}, "scope": {"https://graph.microsoft.com/.default"}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("token with the console's secret: %d", resp.StatusCode)
	}
	for _, c := range []struct {
		form   url.Values
		status int
	}{
		{url.Values{"action": {"add-redirect"}, "platform": {"web"}, "uri": {"https://app.contoso.com/signin-oidc"}}, 200},
		{url.Values{"action": {"add-redirect"}, "platform": {"web"}, "uri": {"http://app.contoso.com/cb"}}, 400},
		{url.Values{"action": {"add-cert"}, "pem": {"not a certificate"}}, 400},
		{url.Values{"action": {"nothing"}}, 400},
	} {
		c.form.Set("csrf", tok)
		if p := b.post(path, c.form); p.status != c.status {
			t.Errorf("%v: %d, want %d", c.form, p.status, c.status)
		}
	}
	a, _ := env.Server.Store().GetApp(t.Context(), app.ClientID)
	if !slices.ContainsFunc(a.RedirectURIs, func(r store.RedirectURI) bool { return r.URI == "https://app.contoso.com/signin-oidc" }) ||
		slices.ContainsFunc(a.RedirectURIs, func(r store.RedirectURI) bool { return r.URI == "http://app.contoso.com/cb" }) {
		t.Errorf("redirect URIs %+v", a.RedirectURIs)
	}
}

func TestConsolePagesRender(t *testing.T) {
	env := servertest.Start(t)
	b := newBrowser(t, env)
	b.signIn("admin", "/console/")
	for _, path := range []string{"/console/", "/console/users?q=adele", "/console/groups", "/console/roles", "/console/apps",
		"/console/apps/" + env.App("daemon").ClientID, "/console/enterprise", "/console/enterprise/" + env.App("daemon").ClientID, "/console/activity",
		"/console/users/" + env.User("megan").ID, "/console/log", "/console/apps/" + env.App("daemon").ClientID + "/report"} {
		p := b.get(path)
		if p.status != http.StatusOK || !strings.Contains(p.body, "<h1>") {
			t.Errorf("GET %s: %d", path, p.status)
		}
	}
}

// TestConsoleSignInSteps: the sign-in page the console sends people to
// takes the account, then the password; "Use another account" goes back;
// an unknown account is said on the first step; a wrong password keeps the
// account on the second.
func TestConsoleSignInSteps(t *testing.T) {
	env := servertest.Start(t)
	b := newBrowser(t, env)
	admin := env.User("admin")
	p := b.get("/signin?return_to=%2Fconsole%2Fgroups")
	if !strings.Contains(p.body, `id="username"`) || strings.Contains(p.body, `id="password"`) {
		t.Fatalf("first step: %s", p.body)
	}
	steps := []struct {
		name      string
		form      url.Values
		want      []string
		wantNot   []string
		redirect  string
		fromFirst bool
	}{
		{"unknown account", url.Values{"username": {"nobody@" + demo.TenantDomain}}, []string{`id="username"`, "We couldn&#39;t find an account"}, []string{`id="password"`}, "", true},
		{"known account", url.Values{"username": {admin.UserPrincipalName}}, []string{`id="password"`, `id="account">` + admin.UserPrincipalName}, []string{`id="username"`}, "", true},
		{"another account", url.Values{"username": {admin.UserPrincipalName}, "action": {"back"}}, []string{`id="username"`}, []string{`id="password"`}, "", false},
		{"wrong password", url.Values{"username": {admin.UserPrincipalName}, "password": {"wrong"}}, []string{`id="password"`, "Your account or password is incorrect", `id="account">` + admin.UserPrincipalName}, nil, "", false},
		{"right password", url.Values{"username": {admin.UserPrincipalName}, "password": {admin.Password}}, nil, nil, "/console/groups", false},
	}
	first := p
	for _, s := range steps {
		from := p
		if s.fromFirst {
			from = first
		}
		s.form.Set("flow", field(t, flowRe, from.body))
		next := b.post("/login", s.form)
		if s.redirect != "" {
			if next.status != http.StatusSeeOther || next.header.Get("Location") != s.redirect {
				t.Fatalf("%s: %d %q", s.name, next.status, next.header.Get("Location"))
			}
			continue
		}
		for _, w := range s.want {
			if !strings.Contains(next.body, w) {
				t.Errorf("%s: the page lacks %q", s.name, w)
			}
		}
		for _, w := range s.wantNot {
			if strings.Contains(next.body, w) {
				t.Errorf("%s: the page has %q", s.name, w)
			}
		}
		p = next
	}
}
