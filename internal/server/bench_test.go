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
