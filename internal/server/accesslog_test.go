package server_test

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"

	"graphgate/internal/demo"
	"graphgate/internal/server"
	"graphgate/internal/server/servertest"
)

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestDenialIsLoggedWithItsDecision: a Graph request the engine denies is
// logged at info with the decision that explains it.
func TestDenialIsLoggedWithItsDecision(t *testing.T) {
	var logs syncBuffer
	e := servertest.Start(t, func(c *server.Config) { c.Logger = slog.New(slog.NewJSONHandler(&logs, nil)) })
	daemon := e.App("daemon")
	res, err := e.Client.PostForm(e.Authority(demo.TenantID)+"/oauth2/v2.0/token", url.Values{"grant_type": {"client_credentials"},
		"client_id": {daemon.ClientID}, "client_secret": {daemon.Secret}, "scope": {"https://graph.microsoft.com/.default"}})
	if err != nil {
		t.Fatal(err)
	}
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	if err := json.NewDecoder(res.Body).Decode(&tok); err != nil || tok.AccessToken == "" {
		t.Fatalf("token: %d %v", res.StatusCode, err)
	}
	res.Body.Close()
	// The daemon holds no Tasks permission.
	req, _ := http.NewRequest("GET", e.Base+"/v1.0/users/"+e.User("adele").ID+"/todo/lists", nil)
	req.Header.Set("Authorization", "Bearer "+tok.AccessToken)
	res, err = e.Client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 403 {
		t.Fatalf("status %d, want 403", res.StatusCode)
	}
	var found bool
	for _, line := range strings.Split(strings.TrimSpace(logs.String()), "\n") {
		var rec map[string]any
		if json.Unmarshal([]byte(line), &rec) != nil || rec["msg"] != "request" || !strings.HasSuffix(rec["path"].(string), "/todo/lists") {
			continue
		}
		found = true
		if d, _ := rec["decision"].(string); rec["level"] != "INFO" || rec["status"] != 403.0 || !strings.Contains(d, "Denied") || !strings.Contains(d, "Tasks.") {
			t.Errorf("denial logged as %v", rec)
		}
	}
	if !found {
		t.Fatalf("the denial was not logged:\n%s", logs.String())
	}
}

// TestResponsesAreNosniff: Graph answers, a file downloaded through its
// pre-authenticated download URL, the identity platform's pages and JSON,
// and the health check all tell browsers not to guess another content type
// than the one sent.
func TestResponsesAreNosniff(t *testing.T) {
	e := servertest.Start(t)
	web, adele := e.App("webapp"), e.User("adele")
	e.Consent(web.ClientID, adele.ID, "User.Read", "Files.Read")
	res, err := e.Client.PostForm(e.Authority(demo.TenantID)+"/oauth2/v2.0/token", url.Values{"grant_type": {"password"},
		"client_id": {web.ClientID}, "client_secret": {web.Secret}, "username": {adele.UserPrincipalName}, "password": {adele.Password},
		"scope": {"Files.Read"}})
	if err != nil {
		t.Fatal(err)
	}
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	if err := json.NewDecoder(res.Body).Decode(&tok); err != nil || tok.AccessToken == "" {
		t.Fatalf("token: %d %v", res.StatusCode, err)
	}
	res.Body.Close()
	get := func(u string, auth bool) *http.Response {
		t.Helper()
		req, _ := http.NewRequest("GET", u, nil)
		if auth {
			req.Header.Set("Authorization", "Bearer "+tok.AccessToken)
		}
		res, err := e.Client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	res = get(e.Base+"/v1.0/me/drive/root/children", true)
	var kids struct {
		Value []map[string]any `json:"value"`
	}
	err = json.NewDecoder(res.Body).Decode(&kids)
	res.Body.Close()
	var download string
	for _, it := range kids.Value {
		if u, ok := it["@microsoft.graph.downloadUrl"].(string); ok {
			download = u
		}
	}
	if err != nil || download == "" {
		t.Fatalf("no file with a download URL in Adele's drive: %d %v %v", res.StatusCode, err, kids.Value)
	}
	for _, tc := range []struct {
		name, url string
		auth      bool
		status    int
	}{
		{"graph", e.Base + "/v1.0/me", true, 200},
		{"graph error", e.Base + "/v1.0/me", false, 401},
		{"download URL", download, false, 200},
		{"sign-in page", e.Authority(demo.TenantID) + "/oauth2/v2.0/authorize?client_id=" + web.ClientID +
			"&response_type=code&redirect_uri=" + url.QueryEscape(web.RedirectURIs[0]) + "&scope=User.Read", false, 200},
		{"discovery", e.Authority(demo.TenantID) + "/v2.0/.well-known/openid-configuration", false, 200},
		{"health", e.Base + "/healthz", false, 200},
	} {
		res := get(tc.url, tc.auth)
		res.Body.Close()
		if res.StatusCode != tc.status || res.Header.Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("%s: %d with X-Content-Type-Options %q, want %d with nosniff", tc.name, res.StatusCode,
				res.Header.Get("X-Content-Type-Options"), tc.status)
		}
	}
}
