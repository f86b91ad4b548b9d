package server

import (
	"context"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"graphgate/internal/password"
)

// BenchmarkBareRS256Sign is the floor of any token grant: one RSA-2048
// PKCS#1 v1.5 signature over a SHA-256 digest, as every access token needs.
func BenchmarkBareRS256Sign(b *testing.B) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		b.Fatal(err)
	}
	msg := []byte(strings.Repeat("eyJhbGciOiJSUzI1NiJ9.", 40))
	b.ReportAllocs()
	for b.Loop() {
		h := sha256.Sum256(msg)
		if _, err := rsa.SignPKCS1v15(rand.Reader, key, crypto.SHA256, h[:]); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkClientCredentialsGrant is the whole token endpoint for the
// client-credentials grant, through the server's handler chain (logging,
// metrics, routing, client authentication with the keyed secret hash,
// service principal and app role lookups in SQLite, minting, JSON), without
// the network.
func BenchmarkClientCredentialsGrant(b *testing.B) {
	ctx := context.Background()
	srv, err := New(ctx, Config{DataDir: b.TempDir(), Passwords: password.Fast, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		b.Fatal(err)
	}
	defer srv.Close()
	daemon, _ := srv.Demo.AppByKey("daemon")
	form := url.Values{"grant_type": {"client_credentials"}, "client_id": {daemon.ClientID}, "client_secret": {daemon.Secret},
		"scope": {"https://graph.microsoft.com/.default"}}.Encode()
	h := srv.Handler()
	b.ReportAllocs()
	for b.Loop() {
		req := httptest.NewRequest(http.MethodPost, "https://localhost:8443/"+srv.Demo.TenantID+"/oauth2/v2.0/token", strings.NewReader(form))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			b.Fatalf("status %d: %s", rec.Code, rec.Body.String())
		}
	}
}

// BenchmarkClientCredentialsSignInLog measures what the sign-in log costs
// the token endpoint: two servers in one process, each on its own SQLite
// store, one with the sign-in log on (every answer queued and written in
// batches by the writer goroutine) and one with it off, take the same
// client-credentials request in alternating order, so that the machine's
// noise slows both alike. throughput-ratio is off ÷ on of the summed
// latencies (1.0: the log costs nothing).
func BenchmarkClientCredentialsSignInLog(b *testing.B) {
	ctx := context.Background()
	type side struct {
		h       http.Handler
		tenant  string
		form    string
		elapsed time.Duration
	}
	mk := func(off bool) *side {
		cfg := Config{DataDir: b.TempDir(), Passwords: password.Fast, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
		cfg.SignInLog.Off = off
		srv, err := New(ctx, cfg)
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(srv.Close)
		daemon, _ := srv.Demo.AppByKey("daemon")
		return &side{h: srv.Handler(), tenant: srv.Demo.TenantID, form: url.Values{"grant_type": {"client_credentials"},
			"client_id": {daemon.ClientID}, "client_secret": {daemon.Secret}, "scope": {"https://graph.microsoft.com/.default"}}.Encode()}
	}
	on, off := mk(false), mk(true)
	call := func(s *side) {
		req := httptest.NewRequest(http.MethodPost, "https://localhost:8443/"+s.tenant+"/oauth2/v2.0/token", strings.NewReader(s.form))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		rec := httptest.NewRecorder()
		start := time.Now()
		s.h.ServeHTTP(rec, req)
		s.elapsed += time.Since(start)
		if rec.Code != http.StatusOK {
			b.Fatalf("status %d: %s", rec.Code, rec.Body.String())
		}
	}
	for i := 0; b.Loop(); i++ {
		if i%2 == 0 {
			call(on)
			call(off)
		} else {
			call(off)
			call(on)
		}
	}
	b.ReportMetric(float64(off.elapsed)/float64(on.elapsed), "throughput-ratio")
}
