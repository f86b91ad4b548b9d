package graph_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
)

// BenchmarkGetMe compares an authorized GET /me through the whole chain —
// HTTP, token verification (cached), throttle check, route match, target
// resolution, engine decision, store read and rendering — with a bare
// handler that returns the same bytes over the same kind of connection (the
// request carries the same bearer token to both).
// Run both in one go and compare the ratio; absolute figures vary by
// machine (bench/README.md records them).
func BenchmarkGetMe(b *testing.B) {
	e := newEnv(b)
	tok := e.delegated("adele", "User.Read")
	r := e.do("GET", "/me", tok, nil)
	if r.Status != 200 {
		b.Fatalf("GET /me: %d %s", r.Status, r.Raw)
	}
	body, ctype := r.Raw, r.Header.Get("Content-Type")
	bare := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", ctype)
		_, _ = w.Write(body)
	}))
	b.Cleanup(bare.Close)
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 4}}
	run := func(b *testing.B, url string, auth bool) {
		req, _ := http.NewRequest("GET", url, nil)
		if auth {
			req.Header.Set("Authorization", "Bearer "+tok)
		}
		b.ReportAllocs()
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			res, err := client.Do(req)
			if err != nil {
				b.Fatal(err)
			}
			_, _ = io.Copy(io.Discard, res.Body)
			res.Body.Close()
			if res.StatusCode != 200 {
				b.Fatalf("status %d", res.StatusCode)
			}
		}
	}
	b.Run("bare", func(b *testing.B) { run(b, bare.URL+"/v1.0/me", true) })
	b.Run("graphgate", func(b *testing.B) { run(b, e.base+"/me", true) })
	// Over TLS, as clients reach Graph: both servers use httptest's
	// certificate and the same client.
	bareTLS := httptest.NewTLSServer(bare.Config.Handler)
	b.Cleanup(bareTLS.Close)
	ggTLS := httptest.NewTLSServer(e.srv.Handler())
	b.Cleanup(ggTLS.Close)
	tlsClient := bareTLS.Client()
	tlsClient.Transport.(*http.Transport).MaxIdleConnsPerHost = 4
	plain := client
	client = tlsClient
	b.Run("bare-tls", func(b *testing.B) { run(b, bareTLS.URL+"/v1.0/me", true) })
	b.Run("graphgate-tls", func(b *testing.B) { run(b, ggTLS.URL+"/v1.0/me", true) })
	client = plain
	// In process, without the network: what the chain itself costs.
	h := e.srv.Handler()
	b.Run("graphgate-in-process", func(b *testing.B) {
		req := httptest.NewRequest("GET", "/v1.0/me", nil)
		req.Header.Set("Authorization", "Bearer "+tok)
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			w := httptest.NewRecorder()
			h.ServeHTTP(w, req)
			if w.Code != 200 {
				b.Fatalf("status %d", w.Code)
			}
		}
	})
}
