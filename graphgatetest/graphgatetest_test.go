package graphgatetest_test

import (
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"graphgate/graphgatetest"
)

// tokenRequest posts a token request to the server's authority and returns
// the status and the decoded body.
func tokenRequest(t *testing.T, gg *graphgatetest.Server, form url.Values) (int, map[string]any) {
	t.Helper()
	resp, err := gg.Client().PostForm(gg.AuthorityURL+"/oauth2/v2.0/token", form)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, body
}

func graphGet(t *testing.T, gg *graphgatetest.Server, base, path, token string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, base+path, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := gg.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// TestStartLeavesNothingBehind: the server listens on loopback only, the
// demo tenant's credentials work, and once the test ends the port is
// closed and the temporary folder gone.
func TestStartLeavesNothingBehind(t *testing.T) {
	var gg *graphgatetest.Server
	var addr string
	t.Run("run", func(t *testing.T) {
		gg = graphgatetest.Start(t)
		u, _ := url.Parse(gg.BaseURL)
		addr = "127.0.0.1:" + u.Port()
		if u.Hostname() != "localhost" || gg.AuthorityURL != gg.BaseURL+"/"+gg.TenantID || gg.GraphURL != gg.BaseURL+"/v1.0" {
			t.Errorf("URLs %s %s %s", gg.BaseURL, gg.AuthorityURL, gg.GraphURL)
		}
		status, body := tokenRequest(t, gg, url.Values{"grant_type": {"client_credentials"}, "client_id": {gg.ClientID},
			"client_secret": {gg.ClientSecret}, "scope": {"https://graph.microsoft.com/.default"}})
		if status != 200 {
			t.Fatalf("client credentials: %d %v", status, body)
		}
		if s, b := graphGet(t, gg, gg.GraphURL, "/users/adele@"+gg.TenantDomain, body["access_token"].(string)); s != 200 || !strings.Contains(b, "Adele Vance") {
			t.Errorf("GET /users/adele: %d %s", s, b)
		}
		if len(gg.Users) != 5 || gg.Users["admin"].Password == "" || gg.PublicClientID == "" || gg.ProxyURL != "" {
			t.Errorf("demo credentials: users %v, public client %q, proxy %q", gg.Users, gg.PublicClientID, gg.ProxyURL)
		}
		if _, err := os.Stat(gg.CAFile); err != nil {
			t.Errorf("CA file: %v", err)
		}
	})
	if c, err := net.Dial("tcp", addr); err == nil {
		c.Close()
		t.Errorf("%s still accepts connections after the test", addr)
	}
	if _, err := os.Stat(filepath.Dir(filepath.Dir(gg.CAFile))); !os.IsNotExist(err) {
		t.Errorf("the data folder is still there: %v", err)
	}
}

// TestNewAndClose: New's server is the caller's; Close stops it and removes
// its folder, and may be called twice.
func TestNewAndClose(t *testing.T) {
	gg, err := graphgatetest.New(graphgatetest.WithProxy())
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Dir(filepath.Dir(gg.CAFile))
	resp, err := gg.Client().Get("https://graph.microsoft.com/v1.0/me")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 401 {
		t.Errorf("Graph through the proxy without a token: %d, want 401", resp.StatusCode)
	}
	gg.Close()
	gg.Close()
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Errorf("Close left %s: %v", dir, err)
	}
}

// TestHelpers: users, apps and consent made by the helpers work as the
// admin commands' would: the user signs in, the app's application
// permission is granted, delegated consent decides what the user's token
// may do.
func TestHelpers(t *testing.T) {
	gg := graphgatetest.Start(t)
	pat := gg.CreateUser(t, "pat@"+gg.TenantDomain, "Pat Example")
	public := gg.CreateApp(t, graphgatetest.AppSpec{DisplayName: "CLI", Public: true, RedirectURIs: []string{"http://localhost"}, Scopes: []string{"User.Read"}})
	if public.Secret != "" {
		t.Error("a public client got a secret")
	}
	password := url.Values{"grant_type": {"password"}, "client_id": {public.ClientID}, "username": {pat.UserPrincipalName},
		"password": {pat.Password}, "scope": {"User.Read"}}
	// Before consent: Microsoft's AADSTS65001.
	if status, body := tokenRequest(t, gg, password); status != 400 || !strings.Contains(body["error_description"].(string), "AADSTS65001") {
		t.Errorf("password grant before consent: %d %v", status, body)
	}
	gg.GrantConsent(t, public.ClientID, pat.ID, "User.Read")
	status, body := tokenRequest(t, gg, password)
	if status != 200 {
		t.Fatalf("password grant after consent: %d %v", status, body)
	}
	if s, b := graphGet(t, gg, gg.GraphURL, "/me", body["access_token"].(string)); s != 200 || !strings.Contains(b, "Pat Example") {
		t.Errorf("GET /me: %d %s", s, b)
	}
	if s, _ := graphGet(t, gg, gg.GraphURL, "/me/messages", body["access_token"].(string)); s != 403 {
		t.Errorf("GET /me/messages with User.Read only: %d, want 403", s)
	}

	daemon := gg.CreateApp(t, graphgatetest.AppSpec{DisplayName: "Reports", Roles: []string{"User.Read.All"}})
	status, body = tokenRequest(t, gg, url.Values{"grant_type": {"client_credentials"}, "client_id": {daemon.ClientID},
		"client_secret": {daemon.Secret}, "scope": {"https://graph.microsoft.com/.default"}})
	if status != 200 {
		t.Fatalf("client credentials for a created app: %d %v", status, body)
	}
	tok := body["access_token"].(string)
	if s, b := graphGet(t, gg, gg.GraphURL, "/users/"+pat.ID, tok); s != 200 || !strings.Contains(b, pat.UserPrincipalName) {
		t.Errorf("GET /users/{pat} with User.Read.All: %d %s", s, b)
	}
	if s, _ := graphGet(t, gg, gg.GraphURL, "/users/"+pat.ID+"/messages", tok); s != 403 {
		t.Errorf("GET /users/{pat}/messages without Mail.Read: %d, want 403", s)
	}
}

// BenchmarkStart is the cost of a test's server: Start, then Close.
func BenchmarkStart(b *testing.B) {
	for b.Loop() {
		gg, err := graphgatetest.New()
		if err != nil {
			b.Fatal(err)
		}
		gg.Close()
	}
}

// BenchmarkStartWithProxy is the same with the interception proxy.
func BenchmarkStartWithProxy(b *testing.B) {
	for b.Loop() {
		gg, err := graphgatetest.New(graphgatetest.WithProxy())
		if err != nil {
			b.Fatal(err)
		}
		gg.Close()
	}
}
