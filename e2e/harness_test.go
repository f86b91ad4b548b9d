// Package e2e drives a real graphgate server with the real Microsoft client
// libraries (MSAL Go, azidentity, msgraph-sdk-go, go-oidc) and plays the
// browser where a flow needs one. Each test starts its own server on a
// fresh data folder.
package e2e

import (
	"context"
	"crypto/tls"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"graphgate/internal/demo"
	"graphgate/internal/identity"
	"graphgate/internal/password"
	"graphgate/internal/server"
)

// env is a running graphgate and what tests need to talk to it.
type env struct {
	t      *testing.T
	srv    *server.Server
	hs     *httptest.Server
	base   string // https://localhost:port
	client *http.Client
	demo   *demo.Tenant
	caFile string
}

type envOption func(*server.Config)

func withIdentity(c identity.Config) envOption { return func(cfg *server.Config) { cfg.Identity = c } }

func start(t *testing.T, opts ...envOption) *env {
	t.Helper()
	ctx := context.Background()
	cfg := server.Config{DataDir: t.TempDir(), Passwords: password.Fast, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
	for _, o := range opts {
		o(&cfg)
	}
	srv, err := server.New(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Close)
	b, err := srv.TLS()
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewUnstartedServer(srv.Handler())
	hs.TLS = b.TLSConfig()
	hs.StartTLS()
	t.Cleanup(hs.Close)
	tlsCfg, err := server.TLSClientConfig(b.CAFile)
	if err != nil {
		t.Fatal(err)
	}
	port := hs.URL[strings.LastIndexByte(hs.URL, ':')+1:]
	tr := &http.Transport{TLSClientConfig: tlsCfg, ForceAttemptHTTP2: true}
	return &env{t: t, srv: srv, hs: hs, base: "https://localhost:" + port, demo: srv.Demo, caFile: b.CAFile,
		client: &http.Client{Transport: tr, Timeout: 30 * time.Second}}
}

func (e *env) authority(tenant string) string { return e.base + "/" + tenant }

func (e *env) user(key string) demo.User {
	u, ok := e.demo.UserByKey(key)
	if !ok {
		e.t.Fatalf("no demo user %s", key)
	}
	return u
}

func (e *env) app(key string) demo.App {
	a, ok := e.demo.AppByKey(key)
	if !ok {
		e.t.Fatalf("no demo app %s", key)
	}
	return a
}

// tlsConfig trusts graphgate's CA.
func (e *env) tlsConfig() *tls.Config {
	c, err := server.TLSClientConfig(e.caFile)
	if err != nil {
		e.t.Fatal(err)
	}
	return c
}
