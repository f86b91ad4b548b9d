package identity

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"graphgate/internal/catalog"
	"graphgate/internal/store"
)

const apiGUID = "e1d3f5a7-9b0c-4d2e-8f6a-7c9e1b3d5f7a"

func TestParseScopes(t *testing.T) {
	cat := catalog.Default()
	for _, c := range []struct {
		name, in string
		aadsts   int    // 0: no error
		code     string // OAuth error
		graph    []string
		openid   []string
		def      bool
		api      string
		apiSc    []string
		raw      int // len(raw)
	}{
		{name: "empty", in: "", raw: 0},
		{name: "short name", in: "User.Read", graph: []string{"User.Read"}, raw: 1},
		{name: "case-insensitive name", in: "user.read", graph: []string{"User.Read"}, raw: 1},
		{name: "qualified name", in: "https://graph.microsoft.com/Mail.Read", graph: []string{"Mail.Read"}, raw: 1},
		{name: "graph app id form", in: GraphAppID + "/Mail.Read", graph: []string{"Mail.Read"}, raw: 1},
		{name: "OpenID scopes", in: "openid profile email offline_access", openid: []string{"openid", "profile", "email", "offline_access"}, raw: 4},
		{name: "OpenID scopes any case", in: "OpenID Offline_Access", openid: []string{"openid", "offline_access"}, raw: 2},
		{name: "MSAL's extras", in: "User.Read openid offline_access profile", graph: []string{"User.Read"}, openid: []string{"openid", "offline_access", "profile"}, raw: 4},
		{name: "duplicates", in: "User.Read user.read https://graph.microsoft.com/User.Read", graph: []string{"User.Read"}, raw: 2},
		{name: ".default", in: "https://graph.microsoft.com/.default", def: true, raw: 1},
		{name: ".default, app id form", in: GraphAppID + "/.default", def: true, raw: 1},
		{name: ".default, double slash", in: "https://graph.microsoft.com//.default", def: true, raw: 1},
		{name: ".default, any case", in: "https://graph.microsoft.com/.Default", def: true, raw: 1},
		{name: ".default with OpenID scopes", in: "https://graph.microsoft.com/.default openid offline_access", def: true, openid: []string{"openid", "offline_access"}, raw: 3},
		{name: "bare .default", in: ".default", aadsts: 70011, code: "invalid_scope"},
		{name: ".default mixed", in: "https://graph.microsoft.com/.default User.Read", aadsts: 70011, code: "invalid_scope"},
		{name: "mixed, other order", in: "User.Read https://graph.microsoft.com/.default", aadsts: 70011, code: "invalid_scope"},
		{name: "unknown", in: "Foo.Bar", aadsts: 70011, code: "invalid_scope"},
		{name: "unknown qualified", in: "https://graph.microsoft.com/Foo.Bar", aadsts: 70011, code: "invalid_scope"},
		{name: "application permission", in: "Application.ReadWrite.OwnedBy", aadsts: 70011, code: "invalid_scope"},
		{name: "foreign resource", in: "https://outlook.office.com/Mail.Read", aadsts: 500011, code: "invalid_resource"},
		{name: "foreign .default", in: "https://management.azure.com/.default", aadsts: 500011, code: "invalid_resource"},
		{name: "api scope", in: "api://" + apiGUID + "/access_as_user", api: apiGUID, apiSc: []string{"access_as_user"}, raw: 1},
		{name: "api scope, GUID form", in: apiGUID + "/access_as_user openid", api: apiGUID, apiSc: []string{"access_as_user"}, openid: []string{"openid"}, raw: 2},
		{name: "api .default", in: "api://" + strings.ToUpper(apiGUID) + "/.default", api: apiGUID, apiSc: []string{".default"}, raw: 1},
		{name: "api then graph", in: "api://" + apiGUID + "/access_as_user User.Read", aadsts: 70011, code: "invalid_scope"},
		{name: "graph then api", in: "User.Read api://" + apiGUID + "/access_as_user", aadsts: 70011, code: "invalid_scope"},
		{name: "two apis", in: "api://" + apiGUID + "/a api://11111111-2222-4333-8444-555555555555/b", aadsts: 70011, code: "invalid_scope"},
		{name: "api:// that is not a GUID", in: "api://contoso.example/read", aadsts: 500011, code: "invalid_resource"},
	} {
		t.Run(c.name, func(t *testing.T) {
			req, e := parseScopes(cat, c.in, "contoso")
			if c.aadsts != 0 {
				if e == nil || e.AADSTS != c.aadsts || e.Code != c.code {
					t.Fatalf("want %s AADSTS%d, got %v", c.code, c.aadsts, e)
				}
				return
			}
			if e != nil {
				t.Fatalf("unexpected error %v", e)
			}
			var graph []string
			for _, p := range req.graph {
				graph = append(graph, p.Name)
			}
			if strings.Join(graph, " ") != strings.Join(c.graph, " ") {
				t.Errorf("graph %v, want %v", graph, c.graph)
			}
			if len(req.openid) != len(c.openid) {
				t.Errorf("openid %v, want %v", req.openid, c.openid)
			}
			for _, o := range c.openid {
				if !req.openid[o] {
					t.Errorf("openid lacks %s", o)
				}
			}
			if req.def != c.def || req.api != c.api || strings.Join(req.apiScopes, " ") != strings.Join(c.apiSc, " ") || len(req.raw) != c.raw {
				t.Errorf("got def=%v api=%q apiScopes=%v raw=%v", req.def, req.api, req.apiScopes, req.raw)
			}
			if req.offline() != req.openid["offline_access"] || req.hasGraph() != (c.def || len(c.graph) > 0) {
				t.Errorf("offline/hasGraph")
			}
		})
	}
}

func TestResponseScopes(t *testing.T) {
	cat := catalog.Default()
	perm := func(n string) *catalog.Permission {
		p, ok := cat.Lookup(n)
		if !ok {
			t.Fatalf("no %s", n)
		}
		return p
	}
	for _, c := range []struct {
		name, in string
		granted  []string
		want     string
	}{
		{"client's spelling", "https://graph.microsoft.com/User.Read mail.read openid profile offline_access", []string{"User.Read", "Mail.Read"},
			"https://graph.microsoft.com/User.Read mail.read openid profile email"},
		{"consented beyond the request", "User.Read", []string{"User.Read", "Calendars.Read"}, "User.Read Calendars.Read"},
		{"openid implies profile and email", "User.Read openid", []string{"User.Read"}, "User.Read openid profile email"},
		{"never offline_access", "User.Read offline_access", []string{"User.Read"}, "User.Read"},
		{".default", "https://graph.microsoft.com/.default openid", []string{"Mail.Read"},
			"https://graph.microsoft.com/Mail.Read https://graph.microsoft.com/.default openid profile email"},
		{"api", "api://" + apiGUID + "/access_as_user openid offline_access", nil, "api://" + apiGUID + "/access_as_user openid profile email"},
	} {
		t.Run(c.name, func(t *testing.T) {
			req, e := parseScopes(cat, c.in, "contoso")
			if e != nil {
				t.Fatal(e)
			}
			var granted []*catalog.Permission
			for _, n := range c.granted {
				granted = append(granted, perm(n))
			}
			if got := responseScopes(req, granted); got != c.want {
				t.Errorf("got %q, want %q", got, c.want)
			}
		})
	}
}

func TestMatchRedirect(t *testing.T) {
	app := store.App{AppID: "app", RedirectURIs: []store.RedirectURI{
		{URI: "http://localhost"}, {URI: "http://127.0.0.1/callback"}, {URI: "http://[::1]:8080/cb/"},
		{URI: "https://localhost:5001/signin-oidc"}, {URI: "https://login.microsoftonline.com/common/oauth2/nativeclient"},
	}}
	one := store.App{AppID: "one", RedirectURIs: []store.RedirectURI{{URI: "https://app.example/cb"}}}
	for _, c := range []struct {
		name string
		app  store.App
		in   string
		want string // "" for an error
		code int
	}{
		{"exact", app, "http://localhost", "http://localhost", 0},
		{"loopback, any port", app, "http://localhost:49152", "http://localhost:49152", 0},
		{"loopback, port and slash", app, "http://localhost:1234/", "http://localhost:1234/", 0},
		{"loopback, other path", app, "http://localhost:1234/cb", "", 50011},
		{"127.0.0.1 with path, any port", app, "http://127.0.0.1:5555/callback", "http://127.0.0.1:5555/callback", 0},
		{"127.0.0.1, other path", app, "http://127.0.0.1:5555/other", "", 50011},
		{"localhost is not 127.0.0.1", app, "http://127.0.0.1:5555", "", 50011},
		{"ipv6 loopback, other port", app, "http://[::1]:9999/cb", "http://[::1]:9999/cb", 0},
		{"https loopback is exact", app, "https://localhost:5002/signin-oidc", "", 50011},
		{"https exact", app, "https://localhost:5001/signin-oidc", "https://localhost:5001/signin-oidc", 0},
		{"case matters", app, "https://localhost:5001/Signin-OIDC", "", 50011},
		{"foreign", app, "https://evil.example/", "", 50011},
		{"lookalike host", app, "http://localhost.evil.example:80", "", 50011},
		{"userinfo trick", app, "http://localhost@evil.example", "", 50011},
		{"loopback with a fragment", app, "http://localhost:49152#x", "", 50011},
		{"loopback with an empty fragment", app, "http://localhost:49152/#", "", 50011},
		{"loopback with a query", app, "http://localhost:49152/?next=x", "", 50011},
		{"loopback with an empty query", app, "http://localhost:49152?", "", 50011},
		{"loopback with userinfo", app, "http://attacker@localhost:49152", "", 50011},
		{"loopback with a password", app, "http://a:b@127.0.0.1:5555/callback", "", 50011},
		{"loopback path with a query", app, "http://127.0.0.1:5555/callback?x=1", "", 50011},
		{"loopback with a fragment after the path", app, "http://[::1]:9999/cb/#frag", "", 50011},
		{"omitted, several registered", app, "", "", 900971},
		{"omitted, one registered", one, "", "https://app.example/cb", 0},
		{"none registered", store.App{AppID: "x"}, "http://localhost", "", 500113},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, e := matchRedirect(c.app, c.in)
			if c.code != 0 {
				if e == nil || e.AADSTS != c.code {
					t.Fatalf("want AADSTS%d, got %q %v", c.code, got, e)
				}
				return
			}
			if e != nil || got != c.want {
				t.Fatalf("got %q %v, want %q", got, e, c.want)
			}
		})
	}
}

func TestPKCE(t *testing.T) {
	// challenge = BASE64URL(SHA256(verifier)), computed independently with
	// openssl dgst -sha256 -binary | base64 | tr '+/' '-_' | tr -d '='.
	const verifier = "dBjftJeZ4CVP-mJ92IHRoyRMS1JPMBxuC3E7QAB2qNM"
	const challenge = "df5YvCl_to-QH6H5lR_jeweFMaeydvWyrnCIzAwgSZw"
	for _, c := range []struct {
		challenge, method, verifier string
		ok                          bool
	}{
		{challenge, "S256", verifier, true},
		{challenge, "S256", verifier + "x", false},
		{challenge, "S256", "", false},
		{challenge, "S256", challenge, false},
		{challenge + "=", "S256", verifier, false}, // padded is not base64url-unpadded
		{verifier, "plain", verifier, true},
		{verifier, "plain", challenge, false},
		{verifier, "", verifier, true}, // RFC 7636: plain is the default
	} {
		if got := pkceMatches(c.challenge, c.method, c.verifier); got != c.ok {
			t.Errorf("pkceMatches(%q, %q, %q) = %v", c.challenge, c.method, c.verifier, got)
		}
	}
}

var (
	guidRE  = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)
	stampRE = regexp.MustCompile(`^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}Z$`)
)

func TestErrorWrite(t *testing.T) {
	now := time.Date(2025, 3, 4, 5, 6, 7, 0, time.FixedZone("x", 3600))
	for _, c := range []struct {
		name   string
		e      *Error
		corr   string
		status int
	}{
		{"consent required", errConsentRequired("app-id", "App"), "3f0c8d0e-1234-4cde-8f00-aaaaaaaaaaaa", 400},
		{"invalid client", errInvalidSecret("app-id"), "", 401},
		{"no AADSTS", &Error{Code: "invalid_request", Description: "plain"}, "c1", 400},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := httptest.NewRequest(http.MethodPost, "https://localhost:8443/common/oauth2/v2.0/token", nil)
			if c.corr != "" {
				r.Header.Set("client-request-id", c.corr)
			}
			w := httptest.NewRecorder()
			trace := traceID()
			c.e.WithCause(errors.New("hidden cause")).write(w, r, now, trace, "https://localhost:8443")
			if w.Code != c.status {
				t.Errorf("status %d, want %d", w.Code, c.status)
			}
			if ct := w.Header().Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
				t.Errorf("Content-Type %q", ct)
			}
			if (c.status == 401) != (w.Header().Get("WWW-Authenticate") != "") {
				t.Errorf("WWW-Authenticate %q", w.Header().Get("WWW-Authenticate"))
			}
			if strings.Contains(w.Body.String(), "hidden cause") {
				t.Error("the cause leaked into the response")
			}
			var m map[string]any
			if err := json.Unmarshal(w.Body.Bytes(), &m); err != nil {
				t.Fatal(err)
			}
			corr := c.corr
			if corr == "" {
				corr = trace
			}
			stamp := "2025-03-04 04:06:07Z"
			if m["error"] != c.e.Code || m["trace_id"] != trace || m["correlation_id"] != corr || m["timestamp"] != stamp || !guidRE.MatchString(trace) || !stampRE.MatchString(stamp) {
				t.Errorf("body %v", m)
			}
			if w.Header().Get("client-request-id") != corr || w.Header().Get("x-ms-request-id") != trace {
				t.Errorf("headers %v", w.Header())
			}
			wantDesc := c.e.Message() + "\r\nTrace ID: " + trace + "\r\nCorrelation ID: " + corr + "\r\nTimestamp: " + stamp
			if m["error_description"] != wantDesc {
				t.Errorf("error_description %q, want %q", m["error_description"], wantDesc)
			}
			if c.e.AADSTS != 0 {
				if !strings.HasPrefix(m["error_description"].(string), fmt.Sprintf("AADSTS%d: ", c.e.AADSTS)) {
					t.Errorf("error_description %q", m["error_description"])
				}
				codes, _ := m["error_codes"].([]any)
				if len(codes) != 1 || codes[0] != float64(c.e.AADSTS) {
					t.Errorf("error_codes %v", m["error_codes"])
				}
				if m["error_uri"] != fmt.Sprintf("https://localhost:8443/error?code=%d", c.e.AADSTS) {
					t.Errorf("error_uri %v", m["error_uri"])
				}
			} else if m["error_codes"] != nil || m["error_uri"] != nil {
				t.Errorf("error_codes/error_uri without an AADSTS code: %v", m)
			}
			if c.e.SubError != "" && m["suberror"] != c.e.SubError || c.e.SubError == "" && m["suberror"] != nil {
				t.Errorf("suberror %v", m["suberror"])
			}
		})
	}
}

func TestErrorValues(t *testing.T) {
	now := time.Date(2025, 3, 4, 5, 6, 7, 0, time.UTC)
	v := errorValues(flow{State: "xyz"}, errConsentRequired("a", "A"), now, "https://localhost:8443")
	if v.Get("error") != "invalid_grant" || v.Get("state") != "xyz" || v.Get("suberror") != "consent_required" {
		t.Errorf("values %v", v)
	}
	d := v.Get("error_description")
	if !regexp.MustCompile(`^AADSTS65001: .*\r\nTrace ID: [0-9a-f-]{36}\r\nCorrelation ID: [0-9a-f-]{36}\r\nTimestamp: 2025-03-04 05:06:07Z$`).MatchString(d) {
		t.Errorf("error_description %q", d)
	}
	if v.Get("error_uri") != "https://localhost:8443/error?code=65001" {
		t.Errorf("error_uri %q is not absolute on the request's host", v.Get("error_uri"))
	}
	if v := errorValues(flow{}, errLoginRequired(), now, "https://localhost:8443").Encode(); strings.Contains(v, "state=") || strings.Contains(v, "suberror=") {
		t.Errorf("empty state/suberror sent: %v", v)
	}
}

func TestValueAttrKeepsLineBreaks(t *testing.T) {
	got := string(valueAttr("a\r\nb <\"&'>"))
	if got != `value="a&#13;&#10;b &lt;&#34;&amp;&#39;&gt;"` {
		t.Errorf("valueAttr = %s", got)
	}
}

// TestAssertionErrorWording: the client-assertion errors in Entra's words,
// the time range with .NET's round-trip times and the Unix epoch for an
// assertion without nbf (as in AADSTS700024 answers MSAL users report).
func TestAssertionErrorWording(t *testing.T) {
	now := time.Date(2024, 10, 2, 22, 5, 3, 675516500, time.UTC)
	exp := time.Date(2024, 10, 2, 21, 30, 53, 0, time.UTC)
	for _, c := range []struct {
		e      *Error
		aadsts int
		desc   string
	}{
		{errAssertionClient(), 700021, "Client assertion application identifier doesn't match 'client_id' parameter. Review the documentation at https://learn.microsoft.com/entra/identity-platform/certificate-credentials ."},
		{errAssertionAudience(), 700023, "Client assertion audience claim does not match Realm issuer. Review the documentation at https://learn.microsoft.com/entra/identity-platform/certificate-credentials ."},
		{errAssertionTime(now, time.Time{}, exp), 700024, "Client assertion is not within its valid time range. Current time: 2024-10-02T22:05:03.6755165Z, assertion valid from 1970-01-01T00:00:00.0000000Z, expiry time of assertion 2024-10-02T21:30:53.0000000Z. Review the documentation at https://learn.microsoft.com/entra/identity-platform/certificate-credentials ."},
		{errAssertionTime(now, now.Add(time.Hour), now.Add(2*time.Hour)), 700024, "Client assertion is not within its valid time range. Current time: 2024-10-02T22:05:03.6755165Z, assertion valid from 2024-10-02T23:05:03.6755165Z, expiry time of assertion 2024-10-03T00:05:03.6755165Z. Review the documentation at https://learn.microsoft.com/entra/identity-platform/certificate-credentials ."},
	} {
		if c.e.AADSTS != c.aadsts || c.e.Code != "invalid_client" || c.e.Status != 401 || c.e.Description != c.desc {
			t.Errorf("AADSTS%d %s %d %q, want AADSTS%d invalid_client 401 %q", c.e.AADSTS, c.e.Code, c.e.Status, c.e.Description, c.aadsts, c.desc)
		}
	}
}
