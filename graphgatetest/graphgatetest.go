package graphgatetest

import (
	"context"
	"crypto/rand"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"time"

	"github.com/google/uuid"

	"graphgate/internal/demo"
	"graphgate/internal/directory"
	"graphgate/internal/password"
	"graphgate/internal/server"
	"graphgate/internal/store"
)

// TB is the part of testing.TB the package uses: *testing.T, *testing.B
// and *testing.F satisfy it.
type TB interface {
	Helper()
	Fatalf(format string, args ...any)
	Cleanup(func())
	TempDir() string
}

// fail reports a helper's error: through t in a test, else as a panic
// (t is nil outside tests, such as in a TestMain or an example).
func fail(t TB, format string, args ...any) {
	if t == nil {
		panic(fmt.Sprintf(format, args...))
	}
	t.Helper()
	t.Fatalf(format, args...)
}

// Option adjusts the server Start or New runs.
type Option func(*options)

type options struct {
	proxy  bool
	logger *slog.Logger
}

// WithProxy also runs the interception proxy (see Server.ProxyURL), so
// that clients keeping Microsoft's default URLs reach the server.
func WithProxy() Option { return func(o *options) { o.proxy = true } }

// WithLogger sends the server's log to l (default: discarded).
func WithLogger(l *slog.Logger) Option { return func(o *options) { o.logger = l } }

// User is a user of the tenant, with the password to sign in with.
type User struct {
	ID                string
	UserPrincipalName string
	Password          string
}

// App is an app registration: its client id, and its secret when it is a
// confidential client.
type App struct {
	ClientID string
	Secret   string
}

// Server is a running graphgate with its demo tenant. Its fields are set
// by Start (or New) and must not be changed.
type Server struct {
	// BaseURL is https://localhost:PORT, where the identity platform and
	// Graph both answer.
	BaseURL string
	// AuthorityURL is the demo tenant's authority: BaseURL/TenantID (what
	// MSAL's WithAuthority / azidentity's authority host take, the latter
	// without the tenant).
	AuthorityURL string
	// GraphURL is BaseURL/v1.0, the Graph SDK's base URL.
	GraphURL string
	// ProxyURL is http://127.0.0.1:PORT of the interception proxy when the
	// server was started WithProxy (else ""): a client whose transport uses
	// it as its proxy and trusts CertPool reaches this server at Microsoft's
	// own https://login.microsoftonline.com and https://graph.microsoft.com.
	ProxyURL string
	// CertPool holds the server's CA; CAFile is the same CA as a PEM file,
	// for child processes (SSL_CERT_FILE), removed when the server stops.
	CertPool *x509.CertPool
	CAFile   string

	// TenantID and TenantDomain name the demo tenant.
	TenantID, TenantDomain string
	// ClientID and ClientSecret are a confidential client (the demo
	// daemon) holding admin-consented application permissions:
	// User.Read.All, Mail.Read, Mail.Send, Calendars.ReadWrite,
	// Group.Read.All, Presence.Read.All.
	ClientID, ClientSecret string
	// PublicClientID is a public client (the demo Home Assistant app) that
	// users consent to when they first sign in (or by GrantConsent); it
	// allows the redirect URI http://localhost.
	PublicClientID string
	// Users are the demo users who can sign in, by key: admin (a Global
	// Administrator), adele, megan, lynne, and guest (a guest user).
	Users map[string]User

	srv    *server.Server
	cancel context.CancelFunc
	done   chan error
	dir    string
	ownDir bool
}

// Start runs a graphgate for the test: a temporary SQLite store with the
// demo tenant, HTTPS on a random loopback port (and the proxy on another
// with WithProxy). It is stopped, and its files removed, when the test
// ends. Start fails the test if the server cannot start.
func Start(t TB, opts ...Option) *Server {
	t.Helper()
	s, err := start(t.TempDir(), false, opts...)
	if err != nil {
		t.Fatalf("graphgatetest: %v", err)
	}
	t.Cleanup(s.Close)
	return s
}

// New is Start for code that is not a test (a TestMain, a development
// tool): the caller must Close the server, which removes its files.
func New(opts ...Option) (*Server, error) {
	dir, err := os.MkdirTemp("", "graphgatetest-")
	if err != nil {
		return nil, fmt.Errorf("graphgatetest: %w", err)
	}
	s, err := start(dir, true, opts...)
	if err != nil {
		_ = os.RemoveAll(dir)
		return nil, fmt.Errorf("graphgatetest: %w", err)
	}
	return s, nil
}

func start(dir string, ownDir bool, opts ...Option) (*Server, error) {
	o := options{logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
	for _, opt := range opts {
		opt(&o)
	}
	cfg := server.Config{DataDir: dir, Addr: "127.0.0.1:0", Passwords: password.Fast, Logger: o.logger}
	if o.proxy {
		cfg.ProxyAddr = "127.0.0.1:0"
	}
	srv, err := server.New(context.Background(), cfg)
	if err != nil {
		return nil, err
	}
	b, err := srv.TLS()
	if err != nil {
		srv.Close()
		return nil, err
	}
	pool, err := server.CertPool(b.CAFile)
	if err != nil {
		srv.Close()
		return nil, err
	}
	ctx, cancel := context.WithCancel(context.Background())
	urls := make(chan string, 1)
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx, func(u string) { urls <- u }) }()
	var base string
	select {
	case base = <-urls:
	case err := <-done:
		cancel()
		srv.Close()
		return nil, err
	}
	d := srv.Demo
	s := &Server{BaseURL: base, AuthorityURL: base + "/" + d.TenantID, GraphURL: base + "/v1.0", ProxyURL: srv.ProxyURL(),
		CertPool: pool, CAFile: b.CAFile, TenantID: d.TenantID, TenantDomain: d.Domain,
		PublicClientID: demo.HomeAssistantAppID, Users: map[string]User{},
		srv: srv, cancel: cancel, done: done, dir: dir, ownDir: ownDir}
	if a, ok := d.AppByKey("daemon"); ok {
		s.ClientID, s.ClientSecret = a.ClientID, a.Secret
	}
	for _, u := range d.Users {
		if u.Password != "" && u.TenantID == d.TenantID {
			s.Users[u.Key] = User{ID: u.ID, UserPrincipalName: u.UserPrincipalName, Password: u.Password}
		}
	}
	return s, nil
}

// Close stops the server and releases its store; New's files are
// removed. Start's server is closed at the end of the test by itself.
// Close may be called more than once.
func (s *Server) Close() {
	if s.cancel == nil {
		return
	}
	s.cancel()
	<-s.done
	s.srv.Close()
	s.cancel = nil
	if s.ownDir {
		_ = os.RemoveAll(s.dir)
	}
}

// Client returns an HTTP client that trusts the server's CA. With
// WithProxy it sends requests for Microsoft's hosts through the proxy, so
// it reaches the server both at BaseURL and at
// https://graph.microsoft.com; every other request goes direct.
func (s *Server) Client() *http.Client {
	return &http.Client{Transport: s.Transport(), Timeout: 30 * time.Second}
}

// Transport is Client's transport, for clients that take a RoundTripper.
func (s *Server) Transport() *http.Transport {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.TLSClientConfig.RootCAs = s.CertPool
	tr.Proxy = nil
	if s.ProxyURL != "" {
		pu, _ := url.Parse(s.ProxyURL)
		tr.Proxy = func(r *http.Request) (*url.URL, error) {
			if server.Intercepted(r.URL.Hostname()) {
				return pu, nil
			}
			return nil, nil
		}
	}
	return tr
}

// The helpers below fail the test t on an error; outside a test t may be
// nil, and an error panics.

// CreateUser adds a member to the demo tenant with a password that meets
// Entra's policy, and returns it. upn is a user principal name in the
// tenant's domain (name@TenantDomain).
func (s *Server) CreateUser(t TB, upn, displayName string) User {
	pw := "Gg-" + randomString(12) + "9a"
	u, err := s.srv.Directory().CreateUser(context.Background(), directory.NewUser{
		User: store.User{TenantID: s.TenantID, UserPrincipalName: upn, DisplayName: displayName, AccountEnabled: true}, Password: pw})
	if err != nil {
		fail(t, "graphgatetest: CreateUser %s: %v", upn, err)
	}
	return User{ID: u.ID, UserPrincipalName: u.UserPrincipalName, Password: pw}
}

// AppSpec is an app to register.
type AppSpec struct {
	DisplayName string
	// Public makes a public client (no secret); otherwise the app gets a
	// client secret.
	Public bool
	// RedirectURIs are the app's redirect URIs (public client URIs for a
	// public client, web URIs otherwise).
	RedirectURIs []string
	// Scopes and Roles are the delegated and application Graph permissions
	// the registration requests (catalog names such as User.Read); Roles
	// are also granted (an administrator's consent), Scopes are consented
	// with GrantConsent.
	Scopes, Roles []string
}

// CreateApp registers an app in the demo tenant, with its service
// principal, and returns its client id and secret.
func (s *Server) CreateApp(t TB, spec AppSpec) App {
	ctx := context.Background()
	kind := store.RedirectWeb
	if spec.Public {
		kind = store.RedirectPublicClient
	}
	a := store.App{AppID: uuid.NewString(), ObjectID: uuid.NewString(), TenantID: s.TenantID, DisplayName: spec.DisplayName,
		SignInAudience: store.AudienceMyOrg, PublicClient: spec.Public, RequiredScopes: spec.Scopes, RequiredRoles: spec.Roles,
		CreatedAt: time.Now().UTC()}
	for _, u := range spec.RedirectURIs {
		a.RedirectURIs = append(a.RedirectURIs, store.RedirectURI{URI: u, Kind: kind})
	}
	var out App
	if !spec.Public {
		out.Secret = randomString(40)
		a.Secrets = []store.ClientSecret{{ID: uuid.NewString(), DisplayName: "graphgatetest", Hint: out.Secret[:3],
			Hash: s.srv.Identity().SecretHash(out.Secret), ExpiresAt: a.CreatedAt.AddDate(2, 0, 0), CreatedAt: a.CreatedAt}}
	}
	if err := s.srv.Store().CreateApp(ctx, a); err != nil {
		fail(t, "graphgatetest: CreateApp %s: %v", spec.DisplayName, err)
	}
	err := s.srv.Directory().GrantAdminConsent(ctx, directory.AdminConsent{TenantID: s.TenantID, App: a, Application: spec.Roles})
	if err != nil {
		fail(t, "graphgatetest: CreateApp %s: %v", spec.DisplayName, err)
	}
	out.ClientID = a.AppID
	return out
}

// GrantConsent records delegated consent to scopes (Graph permission names
// such as User.Read or Mail.Read) for the app clientID: the user's own
// consent when userID is set, as if they had accepted the consent page,
// else an administrator's for every user. Consent adds to what was
// granted.
func (s *Server) GrantConsent(t TB, clientID, userID string, scopes ...string) {
	ctx := context.Background()
	a, err := s.srv.Store().GetApp(ctx, clientID)
	if err != nil {
		fail(t, "graphgatetest: GrantConsent: app %s: %v", clientID, err)
	}
	_, err = s.srv.Directory().GrantDelegated(ctx, directory.DelegatedConsent{TenantID: s.TenantID, App: a, UserID: userID,
		Scopes: scopes, ServicePrincipal: true})
	if err != nil {
		fail(t, "graphgatetest: GrantConsent: %v", err)
	}
}

func randomString(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(errors.New("graphgatetest: crypto/rand failed"))
	}
	return base64.RawURLEncoding.EncodeToString(b)[:n]
}
