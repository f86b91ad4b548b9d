package server

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"graphgate/internal/admin"
	"graphgate/internal/authz"
	"graphgate/internal/catalog"
	"graphgate/internal/clock"
	"graphgate/internal/decisionlog"
	"graphgate/internal/demo"
	"graphgate/internal/directory"
	"graphgate/internal/faults"
	"graphgate/internal/graph"
	"graphgate/internal/graph/workloads"
	"graphgate/internal/identity"
	"graphgate/internal/parity"
	"graphgate/internal/password"
	"graphgate/internal/routes"
	"graphgate/internal/secretfile"
	"graphgate/internal/snapshot"
	"graphgate/internal/store"
	"graphgate/internal/store/open"
	"graphgate/internal/tlsca"
	"graphgate/internal/tokens"
	"graphgate/internal/web"
	"graphgate/internal/web/explorer"
)

// DefaultAddr is the HTTPS listen address when Config.Addr is empty.
const DefaultAddr = "127.0.0.1:8443"

// Config is how to run graphgate. The zero value plus DataDir is a working
// development server.
type Config struct {
	// Addr is the HTTPS listen address (default 127.0.0.1:8443).
	Addr string
	// HTTPAddr, if set, also serves plain HTTP there (for a TLS-terminating
	// reverse proxy; combine with TrustForwarded).
	HTTPAddr string
	// DataDir holds the database, the CA and the server certificate.
	DataDir string
	// TLSNames are extra DNS names or IPs for the server certificate.
	TLSNames []string
	// TLSCert and TLSKey use the user's own certificate instead of the CA.
	TLSCert, TLSKey string
	// TrustForwarded makes URLs follow X-Forwarded-Proto/Host.
	TrustForwarded bool
	// NoDemo skips seeding the demo tenant into an empty data folder.
	NoDemo bool
	// Passwords are the argon2id parameters for user passwords.
	Passwords password.Params
	Identity  identity.Config
	// Rotation is the signing-key rotation policy (zero: 30-day keys).
	Rotation tokens.RotationPolicy
	Logger   *slog.Logger
	// StoreURL names the store to open (package store/open: "" or sqlite:
	// for the SQLite database in DataDir, sqlite:DIR, postgres://…).
	StoreURL string
	// Store, when set, is used instead of opening StoreURL. Its reads are
	// not cached (identity.CachedLookups wraps only a store the server
	// opens): its owner may write to it directly.
	Store store.Store
	// Throttle, when set, limits Graph requests per app and user (429).
	Throttle *graph.ThrottleConfig
	// Limits bound connections, idle time, header size and the slowest
	// data rate (zero fields: the defaults; see Limits).
	Limits Limits
	// ProxyAddr, if set, also runs the interception proxy there: an HTTP
	// forward proxy that serves CONNECT tunnels to InterceptedHosts itself,
	// with certificates from graphgate's CA (so it needs the CA, not
	// TLSCert), and refuses every other host. The same Limits apply.
	ProxyAddr string
	// ProxyPassthrough makes the proxy tunnel (CONNECT) and forward (plain
	// HTTP) requests for every other host to the real host instead of
	// refusing them.
	ProxyPassthrough bool
	// Version is graphgate's version line, shown on the landing page.
	Version string
	// Clock is the server's one clock (nil: a new one on real time). Every
	// component that stamps or checks time reads it: tokens, codes,
	// sessions, lockout, secrets, consent, calendar "now", delta tokens and
	// the store's timestamps. The admin API freezes, advances and sets it.
	// TLS certificates, timeouts and latency stay on the real clock.
	Clock *clock.Controlled
	// FaultsFile, when set, loads fault rules from a YAML file at start
	// (package faults; the admin API changes them at runtime).
	FaultsFile string
	// FaultSeed seeds the random source of rules with a probability.
	FaultSeed uint64
	// AdminNoAuth serves the admin API without authentication; New
	// refuses it unless every listener is on a loopback address.
	AdminNoAuth bool
	// DecisionLog configures the decision log: every Graph authorization
	// decision recorded in the store, off the request path (zero: on, with
	// package decisionlog's defaults).
	DecisionLog DecisionLogConfig
	// SignInLog configures the sign-in log: every sign-in the identity
	// platform handles, successes and failures, recorded in the store off
	// the token path (zero: on, with package decisionlog's defaults).
	SignInLog DecisionLogConfig
}

// DecisionLogConfig turns the decision log (or the sign-in log) off or
// bounds it.
type DecisionLogConfig struct {
	Off bool
	decisionlog.Config
	// Clock, when set, is the log writer's clock (tests).
	Clock decisionlog.Clock
}

// Graph returns the Graph server (nil while the store cannot serve it).
func (s *Server) Graph() *graph.Server { return s.graph }

// Server is a running (or ready) graphgate.
type Server struct {
	cfg      Config
	log      *slog.Logger
	store    store.Store
	ownStore bool
	keyring  *tokens.Keyring
	identity *identity.Server
	graph    *graph.Server
	web      *web.Server
	// decisions writes the decision log (nil when it is off).
	decisions *decisionlog.Writer
	// signins writes the sign-in log (nil when it is off).
	signins  *decisionlog.SignInWriter
	dir      *directory.Service
	handler  http.Handler
	registry *prometheus.Registry
	clock    *clock.Controlled
	verifier *tokens.Verifier
	faults   *faults.Set
	admin    *admin.API
	limits   Limits
	rate     *dataRate // nil: no minimum data rate
	// conns cap the HTTPS and the plain HTTP listener, proxyConns the
	// proxy's listener and proxyInner the intercepted connections it
	// serves (nil: no cap).
	conns, plainConns, proxyConns, proxyInner *connTracker
	// proxyURL is http://host:port of the running proxy ("" when none).
	proxyURL string
	tls      *tlsca.Bundle
	Demo     *demo.Tenant
	// DemoCreated reports whether this start created the demo tenant.
	DemoCreated bool
}

// New builds a server: store, keys, demo tenant and handlers. It does not
// listen; use Serve, or Handler with a test server.
func New(ctx context.Context, cfg Config) (*Server, error) {
	if cfg.Addr == "" {
		cfg.Addr = DefaultAddr
	}
	if cfg.Passwords.Memory == 0 {
		cfg.Passwords = password.Default
	}
	if cfg.Clock == nil {
		cfg.Clock = clock.New(nil)
	}
	s := &Server{cfg: cfg, log: cfg.Logger, registry: prometheus.NewRegistry(), limits: cfg.Limits.withDefaults(), clock: cfg.Clock}
	now := cfg.Clock.Now
	if s.log == nil {
		s.log = slog.Default()
	}
	s.rate = s.limits.dataRate()
	if cfg.Store != nil {
		s.store = cfg.Store
	} else {
		if cfg.DataDir == "" && cfg.StoreURL == "" {
			return nil, errors.New("server: a data folder or a store is required")
		}
		spec, err := open.Parse(cfg.StoreURL, cfg.DataDir)
		if err != nil {
			return nil, err
		}
		spec.Logger = s.log
		st, err := spec.Open(ctx)
		if err != nil {
			return nil, err
		}
		s.store, s.ownStore = st, true
	}
	if c, ok := s.store.(interface{ SetClock(func() time.Time) }); ok {
		c.SetClock(now)
	}
	if s.ownStore {
		// The token endpoint's reads of tenants, apps, service principals
		// and role assignments are cached for identity.LookupCacheTTL; every
		// write of this process goes through the cache and empties it. A
		// store given in Config is left as is: its owner may write to it
		// directly.
		s.store = identity.CacheLookups(s.store, identity.LookupCacheOptions{Now: now})
	}
	kr, err := tokens.NewKeyring(keyStore{s.store}, tokens.KeyringOptions{Rotation: cfg.Rotation, Now: now, OnError: func(err error) {
		s.log.Error("signing keys", "err", err)
	}})
	if err != nil {
		s.Close()
		return nil, fmt.Errorf("signing keys: %w", err)
	}
	// Load (or create) the signing key now: no generation race at first use.
	if _, err := kr.ActiveKeyID(ctx); err != nil {
		s.Close()
		return nil, fmt.Errorf("signing keys: %w", err)
	}
	s.keyring = kr
	verifier, err := tokens.NewVerifier(kr, tokens.VerifierOptions{})
	if err != nil {
		s.Close()
		return nil, err
	}
	s.verifier = verifier
	dir := directory.New(s.store, directory.Options{Passwords: cfg.Passwords, Catalog: catalog.Default(), Now: now})
	s.dir = dir
	var signIns identity.SignInRecorder
	if !cfg.SignInLog.Off {
		s.signins = decisionlog.NewSignIns(s.store, cfg.SignInLog.Config, decisionlog.Options{Clock: cfg.SignInLog.Clock, Logger: s.log,
			Registerer: s.registry})
		signIns = s.signins
		s.signins.Start(context.WithoutCancel(ctx))
	}
	id, err := identity.New(ctx, identity.Deps{Store: s.store, Catalog: catalog.Default(), Keyring: kr, Verifier: verifier, Logger: s.log,
		Directory: dir, Now: now, SignIns: signIns}, cfg.Identity)
	if err != nil {
		s.Close()
		return nil, fmt.Errorf("identity platform: %w", err)
	}
	s.identity = id
	var recorder graph.DecisionRecorder
	if !cfg.DecisionLog.Off {
		s.decisions = decisionlog.New(s.store, cfg.DecisionLog.Config, decisionlog.Options{Clock: cfg.DecisionLog.Clock, Logger: s.log,
			Registerer: s.registry})
		recorder = s.decisions
		s.decisions.Start(context.WithoutCancel(ctx))
	}
	if gs, ok := s.store.(graph.Store); ok {
		g, err := graph.New(graph.Deps{Store: gs, Engine: authz.Default(), Verifier: verifier, Logger: s.log, Directory: dir, Now: now,
			Decisions: recorder},
			graph.Config{TrustForwarded: cfg.TrustForwarded, Passwords: cfg.Passwords, Throttle: cfg.Throttle}, workloads.All()...)
		if err != nil {
			s.Close()
			return nil, fmt.Errorf("graph server: %w", err)
		}
		s.graph = g
	}
	if !cfg.NoDemo {
		t, created, err := demo.Seed(ctx, s.store, demo.Options{SecretHash: id.SecretHash, Passwords: cfg.Passwords, Seed: cfg.Identity.Seed, Now: now().UTC()})
		if err != nil {
			s.Close()
			return nil, fmt.Errorf("seeding the demo tenant: %w", err)
		}
		s.Demo, s.DemoCreated = t, created
	}
	var parityRows func() []parity.Row
	if g := s.graph; g != nil {
		parityRows = func() []parity.Row { return parity.Classify(routes.Default(), g.Served()) }
	}
	w, err := web.New(web.Deps{Store: s.store, Dir: dir, Sessions: id, SecretHash: id.SecretHash, Catalog: catalog.Default(), Logger: s.log, Now: now},
		web.Info{Version: cfg.Version, Store: storeKind(cfg), Listeners: s.listeners(), Demo: s.Demo != nil, Parity: parityRows})
	if err != nil {
		s.Close()
		return nil, fmt.Errorf("web pages: %w", err)
	}
	s.web = w
	if err := s.setUpAdmin(); err != nil {
		s.Close()
		return nil, err
	}
	s.registry.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	s.registerConnTrackers()
	s.handler = s.routes()
	return s, nil
}

// Clock returns the server's one clock.
func (s *Server) Clock() *clock.Controlled { return s.clock }

// Faults returns the fault rules in force (empty: no injection).
func (s *Server) Faults() *faults.Set { return s.faults }

// setUpAdmin makes the fault rules (from Config.FaultsFile) and the admin
// API, which needs the Graph server to authenticate its callers.
func (s *Server) setUpAdmin() error {
	// The interception proxy serves the same handler (admin API included)
	// to whoever reaches its listener, so it counts as a listener here.
	if s.cfg.AdminNoAuth && !loopbackOnly(s.cfg.Addr, s.cfg.HTTPAddr, s.cfg.ProxyAddr) {
		return fmt.Errorf("the admin API without authentication (--admin-no-auth) is only for loopback listeners, and %s is not one: "+
			"listen on 127.0.0.1 (--addr 127.0.0.1:8443), or drop --admin-no-auth and call the admin API with a Global Administrator's token",
			strings.Join(strings.Fields(s.cfg.Addr+" "+s.cfg.HTTPAddr+" "+s.cfg.ProxyAddr), " "))
	}
	s.faults = faults.NewSet(faults.Options{Seed: s.cfg.FaultSeed})
	if s.cfg.FaultsFile != "" {
		if err := s.faults.LoadFile(s.cfg.FaultsFile); err != nil {
			return fmt.Errorf("fault rules: %w", err)
		}
		s.log.Info("fault injection on", "file", s.cfg.FaultsFile, "rules", len(s.faults.List()))
	}
	if s.graph != nil {
		s.admin = admin.New(s.adminDeps(s.log), admin.Options{Open: s.cfg.AdminNoAuth})
	}
	return nil
}

// adminDeps are the admin API's dependencies, logging to log.
func (s *Server) adminDeps(log *slog.Logger) admin.Deps {
	return admin.Deps{Auth: s.graph, Errors: s.graph, Clock: s.clock, Faults: s.faults, Logger: log,
		Snapshots: s.store,
		Reset: func(ctx context.Context, seed string) error {
			_, _, err := snapshot.New(s.store).Reset(ctx, demo.Options{SecretHash: s.identity.SecretHash, Passwords: s.cfg.Passwords, Seed: seed, Now: s.clock.Now().UTC()})
			return err
		}}
}

// Store returns the server's store.
func (s *Server) Store() store.Store { return s.store }

// Directory returns the directory service every change to users, groups
// and consent goes through.
func (s *Server) Directory() *directory.Service { return s.dir }

// Identity returns the identity platform.
func (s *Server) Identity() *identity.Server { return s.identity }

// Handler is graphgate's whole HTTP surface.
func (s *Server) Handler() http.Handler { return s.handler }

// Keyring returns the signing keys.
func (s *Server) Keyring() *tokens.Keyring { return s.keyring }

func (s *Server) routes() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("/", s.identity.Handler())
	// The landing page (exactly "/"), the parity map, the admin console
	// and the pages' static files; every other path stays the identity platform's.
	wh := s.web.Handler()
	mux.Handle("GET /{$}", wh)
	mux.Handle("/console/", wh)
	mux.Handle("/console", wh)
	mux.Handle("GET /static/", wh)
	mux.Handle("GET /parity", wh)
	if s.graph != nil {
		mux.Handle("/v1.0/", s.graph.Handler())
		mux.Handle("/beta/", s.graph.Handler())
	}
	// The permission explorer: public pages over Microsoft's public
	// permission data, the same catalog, route table and engine that
	// decide Graph calls.
	eng := authz.Default()
	ex := explorer.Handler(eng.Catalog(), eng.Table(), eng, explorer.Options{Logger: s.log})
	mux.Handle(explorer.Prefix, ex)
	mux.Handle(explorer.Prefix+"/", ex)
	mux.Handle("GET /metrics", promhttp.HandlerFor(s.registry, promhttp.HandlerOpts{}))
	if s.admin != nil {
		mux.Handle(admin.Prefix, s.admin)
	}
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
		defer cancel()
		if _, err := s.keyring.ActiveKeyID(ctx); err != nil {
			http.Error(w, "signing keys unavailable", http.StatusServiceUnavailable)
			return
		}
		if _, err := s.store.ListTenants(ctx); err != nil {
			http.Error(w, "store unavailable", http.StatusServiceUnavailable)
			return
		}
		_, _ = w.Write([]byte("ok\n"))
	})
	if s.graph == nil {
		return s.instrument(s.withFaults(mux))
	}
	// Graph requests skip the mux's pattern matching (which allocates the
	// wildcard's match on every request) when their path is already clean;
	// anything the mux would clean or redirect still goes through it.
	g := s.graph.Handler()
	return s.instrument(s.withFaults(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p := r.URL.Path
		if (strings.HasPrefix(p, "/v1.0/") || strings.HasPrefix(p, "/beta/")) && r.Method != http.MethodConnect &&
			!strings.Contains(p, "//") && !strings.Contains(p, "/.") {
			g.ServeHTTP(w, r)
			return
		}
		mux.ServeHTTP(w, r)
	})))
}

// withFaults applies the fault rules to Graph and identity requests; the
// admin API, metrics and health checks are never faulted (a test must be
// able to clear the rules it added).
func (s *Server) withFaults(next http.Handler) http.Handler {
	in := faults.NewInjector(s.faults, faultRequest{s}, faultResponder{s}, s.log, s.registry)
	if s.decisions != nil {
		in.Observe(s.recordFault)
	}
	faulted := in.Wrap(next)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p := r.URL.Path
		if strings.HasPrefix(p, "/admin/") || p == "/metrics" || p == "/healthz" {
			next.ServeHTTP(w, r)
			return
		}
		faulted.ServeHTTP(w, r)
	})
}

// TLS prepares the certificate: graphgate's CA (created in the data folder
// on first start) or the user's own pair.
func (s *Server) TLS() (*tlsca.Bundle, error) {
	if s.tls != nil {
		return s.tls, nil
	}
	var b *tlsca.Bundle
	var err error
	if s.cfg.TLSCert != "" || s.cfg.TLSKey != "" {
		b, err = tlsca.LoadKeyPair(s.cfg.TLSCert, s.cfg.TLSKey)
	} else {
		names := append(append([]string{}, tlsca.DefaultNames...), s.cfg.TLSNames...)
		if h, _, e := net.SplitHostPort(s.cfg.Addr); e == nil && h != "" && h != "0.0.0.0" && h != "::" {
			names = append(names, h)
		}
		if err := secretfile.Tighten(s.log, tlsca.PrivateFiles(s.cfg.DataDir)...); err != nil {
			return nil, err
		}
		b, err = tlsca.Ensure(s.cfg.DataDir, names, time.Now())
	}
	if err != nil {
		return nil, err
	}
	s.tls = b
	return b, nil
}

// Serve listens until ctx ends, then shuts down gracefully. ready, if not
// nil, is called with the HTTPS URL once the listener is open.
func (s *Server) Serve(ctx context.Context, ready func(url string)) error {
	b, err := s.TLS()
	if err != nil {
		return fmt.Errorf("TLS: %w", err)
	}
	go func() {
		if err := s.keyring.Run(ctx); err != nil && !errors.Is(err, context.Canceled) {
			s.log.Error("key rotation stopped", "err", err)
		}
	}()
	ln, err := s.listen(s.cfg.Addr, false, s.conns)
	if err != nil {
		return err
	}
	hs := s.limits.httpServer(s.handler, s.conns)
	hs.TLSConfig, hs.ErrorLog = b.TLSConfig(), slog.NewLogLogger(s.log.Handler(), slog.LevelWarn)
	errc := make(chan error, 4)
	go func() { errc <- hs.ServeTLS(ln, "", "") }()
	var plain *http.Server
	if s.cfg.HTTPAddr != "" {
		pln, err := s.listen(s.cfg.HTTPAddr, true, s.plainConns)
		if err != nil {
			_ = hs.Close()
			return err
		}
		plain = s.limits.httpServer(s.handler, s.plainConns)
		plain.ErrorLog = hs.ErrorLog
		go func() { errc <- plain.Serve(pln) }()
	}
	var px *proxy
	var proxySrv *http.Server
	if s.cfg.ProxyAddr != "" {
		certs, err := b.HostCerts(nil)
		if err != nil {
			_ = hs.Close()
			return errors.New("the interception proxy issues certificates for Microsoft's hosts with graphgate's own CA, " +
				"so it cannot run with --tls-cert/--tls-key: leave those out (clients then trust the CA 'graphgate trust' prints)")
		}
		pln, err := s.listen(s.cfg.ProxyAddr, false, s.proxyConns)
		if err != nil {
			_ = hs.Close()
			var le *ListenError
			if errors.As(err, &le) {
				le.Proxy = true
			}
			return err
		}
		px = s.newProxy(pln.Addr().String(), certs, hs.ErrorLog)
		proxySrv = s.limits.httpServer(px, s.proxyConns)
		proxySrv.ErrorLog = hs.ErrorLog
		go func() { errc <- proxySrv.Serve(pln) }()
		go func() { errc <- px.serveInner() }()
		s.proxyURL = "http://" + pln.Addr().String()
	}
	s.serveAdminSocket(ctx)
	if ready != nil {
		ready("https://" + displayAddr(ln.Addr().String()))
	}
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	err = hs.Shutdown(sctx)
	if plain != nil {
		_ = plain.Shutdown(sctx)
	}
	if proxySrv != nil {
		_ = proxySrv.Shutdown(sctx)
		_ = px.shutdown(sctx)
	}
	return err
}

// ListenError is a listener Serve could not open: Plain tells the plain
// HTTP one (Config.HTTPAddr), Proxy the interception proxy's
// (Config.ProxyAddr) from the HTTPS one (Config.Addr). Err is the system's
// (errors.Is(err, syscall.EADDRINUSE) when the port is taken).
type ListenError struct {
	Addr  string
	Plain bool
	Proxy bool
	Err   error
}

// ProxyURL is the interception proxy's address as clients' HTTPS_PROXY
// takes it (http://127.0.0.1:8080), once Serve has opened it (it is set
// before Serve's ready callback runs); "" when there is no proxy.
func (s *Server) ProxyURL() string { return s.proxyURL }

func (e *ListenError) Error() string { return "listening on " + e.Addr + ": " + e.Err.Error() }
func (e *ListenError) Unwrap() error { return e.Err }

// listen opens a TCP listener on addr (plain: the plain HTTP one), capped
// by tracker (if not nil).
func (s *Server) listen(addr string, plain bool, tracker *connTracker) (net.Listener, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, &ListenError{Addr: addr, Plain: plain, Err: err}
	}
	if tracker != nil {
		ln = tracker.listen(ln)
	}
	return ln, nil
}

// registerConnTrackers makes the listeners' connection caps and their
// metrics: open connections, and connections closed to make room.
func (s *Server) registerConnTrackers() {
	evicted := prometheus.NewCounterVec(prometheus.CounterOpts{Name: "graphgate_http_connections_evicted_total",
		Help: "Idle connections closed to make room for a new one at the connection cap (--max-conns), by listener."}, []string{"listener"})
	s.conns = s.limits.newConnTracker(evicted.WithLabelValues("https"))
	s.plainConns = s.limits.newConnTracker(evicted.WithLabelValues("http"))
	// The proxy's listener holds a slot for each client connection until it
	// closes, tunnels included (the listener's cap); the intercepted
	// connections, once TLS is terminated, are tracked by their own server,
	// which closes the longest idle of them at the cap, freeing a slot.
	s.proxyConns = s.limits.newConnTracker(evicted.WithLabelValues("proxy"))
	s.proxyInner = s.limits.newConnTracker(evicted.WithLabelValues("proxy-intercepted"))
	if s.conns == nil {
		return
	}
	s.registry.MustRegister(evicted)
	for name, t := range map[string]*connTracker{"https": s.conns, "http": s.plainConns, "proxy": s.proxyConns, "proxy-intercepted": s.proxyInner} {
		s.registry.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "graphgate_http_open_connections",
			Help: "Open client connections, by listener.", ConstLabels: prometheus.Labels{"listener": name}},
			func() float64 { return float64(t.Open()) }))
	}
}

// BaseURL is the address clients use for a server listening on addr:
// https://localhost:8443 for 127.0.0.1:8443 (see displayAddr).
func BaseURL(addr string) string { return "https://" + displayAddr(addr) }

// displayAddr turns 127.0.0.1:8443 into localhost:8443 (the name the CA
// certifies and clients use); other hosts stay as they are.
func displayAddr(a string) string {
	h, p, err := net.SplitHostPort(a)
	if err != nil {
		return a
	}
	if h == "127.0.0.1" || h == "::1" || h == "::" || h == "0.0.0.0" || h == "" {
		h = "localhost"
	}
	return net.JoinHostPort(h, p)
}

// FlushDecisionLog writes every decision recorded so far to the store
// (a no-op when the log is off).
func (s *Server) FlushDecisionLog(ctx context.Context) error {
	if s.decisions == nil {
		return nil
	}
	return s.decisions.Flush(ctx)
}

// FlushSignInLog writes every sign-in recorded so far to the store (a
// no-op when the log is off).
func (s *Server) FlushSignInLog(ctx context.Context) error {
	if s.signins == nil {
		return nil
	}
	return s.signins.Flush(ctx)
}

// Close writes the decisions still queued (waiting at most 10 seconds)
// and releases the store (if the server opened it). Call it after Serve
// has returned: decisions recorded later are dropped.
func (s *Server) Close() {
	if s.decisions != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		if err := s.decisions.Close(ctx); err != nil {
			s.log.Warn("decision log: not every queued decision was written", "err", err)
		}
		cancel()
	}
	if s.signins != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		if err := s.signins.Close(ctx); err != nil {
			s.log.Warn("sign-in log: not every queued sign-in was written", "err", err)
		}
		cancel()
	}
	if s.ownStore && s.store != nil {
		_ = s.store.Close()
	}
}

// CertPool returns a pool holding the server's CA (for clients in tests).
func CertPool(caFile string) (*x509.CertPool, error) {
	b, err := os.ReadFile(caFile)
	if err != nil {
		return nil, err
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(b) {
		return nil, fmt.Errorf("%s holds no certificate", caFile)
	}
	return pool, nil
}

// TLSClientConfig trusts only the server's CA.
func TLSClientConfig(caFile string) (*tls.Config, error) {
	pool, err := CertPool(caFile)
	if err != nil {
		return nil, err
	}
	return &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}, nil
}

// keyStore adapts the store's keys to the tokens package.
type keyStore struct{ st store.Keys }

func (k keyStore) SigningKeys(ctx context.Context) ([]tokens.StoredKey, error) {
	keys, err := k.st.SigningKeys(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]tokens.StoredKey, len(keys))
	for i, sk := range keys {
		out[i] = tokens.StoredKey{Generation: sk.Generation, KID: sk.KID, CertDER: sk.CertDER, CreatedAt: sk.CreatedAt,
			ActivateAt: sk.ActivateAt, RetireAt: sk.RetireAt,
			PrivateKeyPEM: pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: sk.PrivateKey})}
	}
	return out, nil
}

func (k keyStore) AddSigningKey(ctx context.Context, sk tokens.StoredKey) (bool, error) {
	blk, _ := pem.Decode(sk.PrivateKeyPEM)
	if blk == nil {
		return false, errors.New("signing key is not PEM")
	}
	return k.st.AddSigningKey(ctx, store.SigningKey{Generation: sk.Generation, KID: sk.KID, PrivateKey: blk.Bytes, CertDER: sk.CertDER,
		CreatedAt: sk.CreatedAt, ActivateAt: sk.ActivateAt, RetireAt: sk.RetireAt})
}

// CAFile is where graphgate's CA certificate is (or will be) in a data folder.
func CAFile(dataDir string) string { return filepath.Join(dataDir, tlsca.SubDir, tlsca.CAFileName) }

// storeKind names the store for the landing page.
func storeKind(cfg Config) string {
	if cfg.Store != nil && cfg.StoreURL == "" && cfg.DataDir == "" {
		return "given by the embedding program"
	}
	if spec, err := open.Parse(cfg.StoreURL, cfg.DataDir); err == nil && spec.Kind == open.Postgres {
		return "PostgreSQL (shared by replicas)"
	}
	return "SQLite (embedded, in the data folder)"
}

// listeners are the addresses the server listens on, for the landing page.
func (s *Server) listeners() []string {
	out := []string{BaseURL(s.cfg.Addr)}
	if s.cfg.HTTPAddr != "" {
		out = append(out, "http://"+displayAddr(s.cfg.HTTPAddr))
	}
	return out
}
