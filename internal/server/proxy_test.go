package server

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"graphgate/internal/demo"
	"graphgate/internal/password"
)

// proxied is a graphgate with its interception proxy, and a client that
// goes through the proxy and trusts only graphgate's CA — what an app gets
// from HTTPS_PROXY and SSL_CERT_FILE.
type proxied struct {
	srv      *Server
	proxyURL string
	client   *http.Client
}

func serveProxy(t *testing.T, passthrough bool) *proxied {
	t.Helper()
	srv, err := New(context.Background(), Config{DataDir: t.TempDir(), Addr: "127.0.0.1:0", ProxyAddr: "127.0.0.1:0",
		ProxyPassthrough: passthrough, Passwords: password.Fast, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Close)
	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan struct{})
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx, func(string) { close(ready) }) }()
	t.Cleanup(func() {
		cancel()
		<-done
	})
	select {
	case <-ready:
	case err := <-done:
		t.Fatalf("Serve: %v", err)
	}
	b, _ := srv.TLS()
	tc, err := TLSClientConfig(b.CAFile)
	if err != nil {
		t.Fatal(err)
	}
	pu, _ := url.Parse(srv.ProxyURL())
	tr := &http.Transport{Proxy: http.ProxyURL(pu), TLSClientConfig: tc, ForceAttemptHTTP2: true}
	t.Cleanup(tr.CloseIdleConnections)
	return &proxied{srv: srv, proxyURL: srv.ProxyURL(), client: &http.Client{Transport: tr, Timeout: 10 * time.Second}}
}

// TestProxyServesMicrosoftHosts: through the proxy, Microsoft's own URLs
// reach graphgate, and the metadata names Microsoft's hosts, so a client
// with the default authority stays on them.
func TestProxyServesMicrosoftHosts(t *testing.T) {
	p := serveProxy(t, false)
	for _, tc := range []struct {
		name, url string
		status    int
		check     func(t *testing.T, body map[string]any)
	}{
		{"tenant metadata at the default authority", "https://login.microsoftonline.com/" + demo.TenantID + "/v2.0/.well-known/openid-configuration", 200,
			func(t *testing.T, body map[string]any) {
				want := map[string]string{
					"issuer":         "https://login.microsoftonline.com/" + demo.TenantID + "/v2.0",
					"token_endpoint": "https://login.microsoftonline.com/" + demo.TenantID + "/oauth2/v2.0/token",
					"jwks_uri":       "https://login.microsoftonline.com/" + demo.TenantID + "/discovery/v2.0/keys",
				}
				for k, v := range want {
					if body[k] != v {
						t.Errorf("%s = %v, want %s", k, body[k], v)
					}
				}
			}},
		{"tenant metadata by domain", "https://login.microsoftonline.com/" + demo.TenantDomain + "/v2.0/.well-known/openid-configuration", 200,
			func(t *testing.T, body map[string]any) {
				if body["issuer"] != "https://login.microsoftonline.com/"+demo.TenantID+"/v2.0" {
					t.Errorf("issuer = %v", body["issuer"])
				}
			}},
		{"instance discovery on login.windows.net", "https://login.windows.net/common/discovery/instance?api-version=1.1&authorization_endpoint=" +
			url.QueryEscape("https://login.microsoftonline.com/"+demo.TenantID+"/oauth2/v2.0/authorize"), 200,
			func(t *testing.T, body map[string]any) {
				if !strings.HasPrefix(body["tenant_discovery_endpoint"].(string), "https://login.windows.net/"+demo.TenantID+"/") {
					t.Errorf("tenant_discovery_endpoint = %v", body["tenant_discovery_endpoint"])
				}
			}},
		{"metadata on login.microsoft.com", "https://login.microsoft.com/common/v2.0/.well-known/openid-configuration", 200, nil},
		{"metadata on sts.windows.net", "https://sts.windows.net/" + demo.TenantID + "/v2.0/.well-known/openid-configuration", 200, nil},
		{"Graph without a token", "https://graph.microsoft.com/v1.0/me", 401,
			func(t *testing.T, body map[string]any) {
				e, _ := body["error"].(map[string]any)
				if e["code"] != "InvalidAuthenticationToken" {
					t.Errorf("error = %v", body)
				}
			}},
		{"host name in capitals", "https://GRAPH.microsoft.com/v1.0/me", 401, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp, err := p.client.Get(tc.url)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			if resp.StatusCode != tc.status {
				b, _ := io.ReadAll(resp.Body)
				t.Fatalf("status %d, want %d: %s", resp.StatusCode, tc.status, b)
			}
			if resp.TLS == nil || len(resp.TLS.PeerCertificates) == 0 {
				t.Fatal("no TLS")
			}
			if tc.check != nil {
				var body map[string]any
				if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
					t.Fatal(err)
				}
				tc.check(t, body)
			}
		})
	}
}

// TestProxyHTTP2: a client that offers h2 gets it through the tunnel.
func TestProxyHTTP2(t *testing.T) {
	p := serveProxy(t, false)
	resp, err := p.client.Get("https://graph.microsoft.com/v1.0/me")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.ProtoMajor != 2 {
		t.Errorf("protocol %s, want HTTP/2", resp.Proto)
	}
}

// rawProxy sends one request line to the proxy as written and returns the
// status and body of its answer.
func rawProxy(t *testing.T, proxyURL, request string) (int, string) {
	t.Helper()
	c, err := net.Dial("tcp", strings.TrimPrefix(proxyURL, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := io.WriteString(c, request); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// TestProxyRefuses: every host graphgate does not serve is refused with a
// message naming the host and the flag, and so are plain HTTP requests for
// Microsoft's hosts and requests that are not proxy requests at all.
func TestProxyRefuses(t *testing.T) {
	p := serveProxy(t, false)
	for _, tc := range []struct {
		name, request string
		status        int
		says          []string
	}{
		{"another host", "CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n", 403,
			[]string{"example.com", "--proxy-passthrough", "NO_PROXY=example.com"}},
		{"a Microsoft host graphgate does not serve", "CONNECT outlook.office.com:443 HTTP/1.1\r\nHost: outlook.office.com:443\r\n\r\n", 403,
			[]string{"outlook.office.com", "--proxy-passthrough"}},
		{"a look-alike host", "CONNECT graph.microsoft.com.evil.example:443 HTTP/1.1\r\nHost: graph.microsoft.com.evil.example:443\r\n\r\n", 403,
			[]string{"graph.microsoft.com.evil.example"}},
		{"Graph on another port", "CONNECT graph.microsoft.com:8443 HTTP/1.1\r\nHost: graph.microsoft.com:8443\r\n\r\n", 403,
			[]string{"port 443 only"}},
		{"CONNECT without a port", "CONNECT graph.microsoft.com HTTP/1.1\r\nHost: graph.microsoft.com\r\n\r\n", 400,
			[]string{"host:port"}},
		{"plain HTTP to Graph", "GET http://graph.microsoft.com/v1.0/me HTTP/1.1\r\nHost: graph.microsoft.com\r\n\r\n", 403,
			[]string{"HTTPS only", "https://graph.microsoft.com/v1.0/me"}},
		{"plain HTTP to the identity platform", "POST http://login.microsoftonline.com/common/oauth2/v2.0/token HTTP/1.1\r\nHost: login.microsoftonline.com\r\nContent-Length: 0\r\n\r\n", 403,
			[]string{"HTTPS only"}},
		{"plain HTTP to another host", "GET http://example.com/ HTTP/1.1\r\nHost: example.com\r\n\r\n", 403,
			[]string{"example.com", "--proxy-passthrough"}},
		{"not a proxy request", "GET / HTTP/1.1\r\nHost: localhost\r\n\r\n", 400,
			[]string{"interception proxy", "HTTPS_PROXY=http://127.0.0.1:"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			status, body := rawProxy(t, p.proxyURL, tc.request)
			if status != tc.status {
				t.Errorf("status %d, want %d: %s", status, tc.status, body)
			}
			for _, s := range tc.says {
				if !strings.Contains(body, s) {
					t.Errorf("body %q does not say %q", body, s)
				}
			}
		})
	}
	if m := metricsText(t, p.srv); !strings.Contains(m, `graphgate_proxy_requests_total{outcome="refused"} 9`) {
		t.Errorf("metrics do not count the 9 refusals:\n%s", grepLines(m, "graphgate_proxy"))
	}
}

func grepLines(s, sub string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, sub) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

// TestProxyPassthrough: with --proxy-passthrough other hosts are tunnelled
// (CONNECT) and forwarded (plain HTTP) to the real host, while Microsoft's
// stay graphgate's.
func TestProxyPassthrough(t *testing.T) {
	p := serveProxy(t, true)
	upstream := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, "upstream "+r.URL.Path)
	}))
	defer upstream.Close()
	plainUp := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, "plain upstream "+r.URL.Path)
	}))
	defer plainUp.Close()

	tr := p.client.Transport.(*http.Transport).Clone()
	tr.TLSClientConfig.RootCAs.AddCert(upstream.Certificate())
	c := &http.Client{Transport: tr, Timeout: 10 * time.Second}
	defer tr.CloseIdleConnections()
	for _, tc := range []struct{ url, want string }{
		{upstream.URL + "/tunnelled", "upstream /tunnelled"},
		{plainUp.URL + "/forwarded", "plain upstream /forwarded"},
	} {
		resp, err := c.Get(tc.url)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if string(b) != tc.want {
			t.Errorf("%s: %q, want %q", tc.url, b, tc.want)
		}
	}
	resp, err := c.Get("https://graph.microsoft.com/v1.0/me")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 401 || !strings.Contains(string(b), "InvalidAuthenticationToken") {
		t.Errorf("Graph through a passthrough proxy: %d %s, want graphgate's 401", resp.StatusCode, b)
	}
	// Nothing listens on a closed port: 502 naming it.
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	addr := ln.Addr().String()
	ln.Close()
	status, body := rawProxy(t, p.proxyURL, "CONNECT "+addr+" HTTP/1.1\r\nHost: "+addr+"\r\n\r\n")
	if status != 502 || !strings.Contains(body, addr) {
		t.Errorf("CONNECT to a closed port: %d %q", status, body)
	}
}

// TestProxyNeedsTheCA: with the user's own certificate there is no CA to
// issue Microsoft's host names, and Serve says so instead of starting.
func TestProxyNeedsTheCA(t *testing.T) {
	dir := t.TempDir()
	srv, err := New(context.Background(), Config{DataDir: dir, Addr: "127.0.0.1:0", ProxyAddr: "127.0.0.1:0", Passwords: password.Fast,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	b, err := srv.TLS()
	if err != nil {
		t.Fatal(err)
	}
	srv2, err := New(context.Background(), Config{Store: srv.Store(), Addr: "127.0.0.1:0", ProxyAddr: "127.0.0.1:0", TLSCert: b.CertFile, TLSKey: b.KeyFile,
		Passwords: password.Fast, NoDemo: true, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	err = srv2.Serve(context.Background(), func(string) { t.Error("Serve started") })
	if err == nil || !strings.Contains(err.Error(), "--tls-cert") {
		t.Fatalf("err = %v, want one naming --tls-cert", err)
	}
}
