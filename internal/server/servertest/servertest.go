package servertest

import (
	"context"
	"crypto/tls"
	"io"
	stdlog "log"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"graphgate/internal/demo"
	"graphgate/internal/directory"
	"graphgate/internal/password"
	"graphgate/internal/server"
	"graphgate/internal/store"
)

// Env is a running graphgate and what a test needs to talk to it.
type Env struct {
	T      testing.TB
	Server *server.Server
	// Base is https://localhost:<port>, the authority host and Graph host.
	Base string
	// Client trusts the server's CA.
	Client *http.Client
	TLS    *tls.Config
	Demo   *demo.Tenant
	CAFile string
}

// Start runs a server on a fresh data folder until the test ends. Options
// adjust its configuration before it starts.
func Start(t testing.TB, opts ...func(*server.Config)) *Env {
	t.Helper()
	cfg := server.Config{DataDir: t.TempDir(), Passwords: password.Fast, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
	for _, o := range opts {
		o(&cfg)
	}
	srv, err := server.New(context.Background(), cfg)
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
	// Clients that hang up mid-handshake are the tests' business, not log noise.
	hs.Config.ErrorLog = stdlog.New(io.Discard, "", 0)
	hs.StartTLS()
	t.Cleanup(hs.Close)
	tlsCfg, err := server.TLSClientConfig(b.CAFile)
	if err != nil {
		t.Fatal(err)
	}
	port := hs.URL[strings.LastIndexByte(hs.URL, ':')+1:]
	tr := &http.Transport{TLSClientConfig: tlsCfg, ForceAttemptHTTP2: true}
	return &Env{T: t, Server: srv, Base: "https://localhost:" + port, Demo: srv.Demo, CAFile: b.CAFile, TLS: tlsCfg,
		Client: &http.Client{Transport: tr, Timeout: 30 * time.Second}}
}

// User returns a demo user by key (adele, megan, admin, …).
func (e *Env) User(key string) demo.User {
	e.T.Helper()
	u, ok := e.Demo.UserByKey(key)
	if !ok {
		e.T.Fatalf("servertest: no demo user %q", key)
	}
	return u
}

// App returns a demo app by key (homeassistant, webapp, daemon, api).
func (e *Env) App(key string) demo.App {
	e.T.Helper()
	a, ok := e.Demo.AppByKey(key)
	if !ok {
		e.T.Fatalf("servertest: no demo app %q", key)
	}
	return a
}

// Consent records that userID consented to scopes for clientID, as the
// consent page would after the user clicked Accept. It replaces the
// user's earlier consent for that app.
func (e *Env) Consent(clientID, userID string, scopes ...string) {
	e.T.Helper()
	tenant := demo.TenantID
	for _, u := range e.Demo.Users {
		if u.ID == userID {
			tenant = u.TenantID
		}
	}
	_, err := e.Server.Directory().GrantDelegated(context.Background(), directory.DelegatedConsent{TenantID: tenant,
		App: store.App{AppID: clientID}, UserID: userID, Scopes: scopes, Replace: true})
	if err != nil {
		e.T.Fatal(err)
	}
}

// Authority is the authority URL for a tenant (id, domain, common, …).
func (e *Env) Authority(tenant string) string { return e.Base + "/" + tenant }
