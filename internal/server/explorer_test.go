package server_test

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"graphgate/internal/server/servertest"
)

// TestExplorerMounted: the permission explorer answers on the server's
// listener without a sign-in, and its requests count under their own
// endpoint class in the metrics.
func TestExplorerMounted(t *testing.T) {
	e := servertest.Start(t)
	for _, tc := range []struct {
		path, accept, want string
		status             int
	}{
		{"/explorer/?q=Mail.Read", "text/html", `href="/explorer/permissions/Mail.Read"`, http.StatusOK},
		{"/explorer/permissions/Mail.Read?format=json", "", `"name": "Mail.Read"`, http.StatusOK},
		{"/explorer/paths?path=/me&method=GET", "application/json", `"permission": "User.Read"`, http.StatusOK},
		{"/explorer/permissions/Nope.Nothing", "text/html", "No permission named Nope.Nothing", http.StatusNotFound},
	} {
		req, _ := http.NewRequest(http.MethodGet, e.Base+tc.path, nil)
		if tc.accept != "" {
			req.Header.Set("Accept", tc.accept)
		}
		resp, err := e.Client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != tc.status || !strings.Contains(string(body), tc.want) {
			t.Errorf("GET %s: %d (want %d), body lacks %q:\n%.400s", tc.path, resp.StatusCode, tc.status, tc.want, body)
		}
		if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'none'") {
			t.Errorf("GET %s: CSP %q", tc.path, csp)
		}
	}
	// /explorer (no slash) leads to the search page.
	resp, err := e.Client.Get(e.Base + "/explorer")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || resp.Request.URL.Path != "/explorer/" {
		t.Errorf("GET /explorer ended at %s with %d", resp.Request.URL, resp.StatusCode)
	}
	resp, err = e.Client.Get(e.Base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	metrics, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(metrics), `graphgate_http_requests_total{code="200",endpoint="explorer",method="GET"}`) {
		t.Error("no explorer series in /metrics")
	}
}
