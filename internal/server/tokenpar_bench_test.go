package server

import (
	"context"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"graphgate/internal/password"
)

// BenchmarkTokensAt128 is bench/throughput's token phase without the
// network: 128 goroutines (64 per P on 2 cores) take client-credentials
// tokens through the handler chain, with the log at serve's default level
// (info, JSON) written to a file as serve's standard error would be;
// "sign" is the same 128 goroutines doing only the RSA-2048 signature.
// grant's ns/op ÷ sign's is what a token costs over its signature; a lock
// taken per token that convoys at 128 shows here and not at -cpu 1.
func BenchmarkTokensAt128(b *testing.B) {
	b.Run("sign", func(b *testing.B) {
		key, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			b.Fatal(err)
		}
		msg := []byte(strings.Repeat("eyJhbGciOiJSUzI1NiJ9.", 40))
		b.SetParallelism(64)
		b.ResetTimer()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				h := sha256.Sum256(msg)
				if _, err := rsa.SignPKCS1v15(rand.Reader, key, crypto.SHA256, h[:]); err != nil {
					b.Error(err)
					return
				}
			}
		})
	})
	b.Run("grant", func(b *testing.B) {
		dir := b.TempDir()
		logf, err := os.Create(filepath.Join(dir, "stderr"))
		if err != nil {
			b.Fatal(err)
		}
		defer logf.Close()
		srv, err := New(context.Background(), Config{DataDir: filepath.Join(dir, "data"), Passwords: password.Fast,
			Logger: slog.New(slog.NewJSONHandler(logf, nil))})
		if err != nil {
			b.Fatal(err)
		}
		defer srv.Close()
		daemon, _ := srv.Demo.AppByKey("daemon")
		form := url.Values{"grant_type": {"client_credentials"}, "client_id": {daemon.ClientID}, "client_secret": {daemon.Secret},
			"scope": {"https://graph.microsoft.com/.default"}}.Encode()
		target := "https://localhost:8443/" + srv.Demo.TenantID + "/oauth2/v2.0/token"
		h := srv.Handler()
		b.SetParallelism(64)
		b.ResetTimer()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				req := httptest.NewRequest(http.MethodPost, target, strings.NewReader(form))
				req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, req)
				if rec.Code != http.StatusOK {
					b.Errorf("status %d: %s", rec.Code, rec.Body.String())
					return
				}
			}
		})
	})
}
