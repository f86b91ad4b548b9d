package identity

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"graphgate/internal/catalog"
	"graphgate/internal/directory"
	"graphgate/internal/store"
	"graphgate/internal/tokens"
)

// Config holds lifetimes and behaviour knobs. The zero value is usable:
// Microsoft's defaults are filled in by New.
type Config struct {
	// Seed, when set, derives the store-wide keys this server creates in a
	// store that has none yet (the client secret key, the session key, the
	// pairwise subject key, the lockout key) from it instead of crypto/rand,
	// so that secret hashes and users' pairwise subject ids are the same in
	// every data folder seeded with it (graphgate --seed). Keys a store
	// holds already are kept.
	Seed string
	// AccessTokenLifetime defaults to one hour (Microsoft issues 60–90 min).
	AccessTokenLifetime time.Duration
	IDTokenLifetime     time.Duration
	// RefreshTokenLifetime defaults to 90 days (sliding, per rotation).
	RefreshTokenLifetime time.Duration
	CodeLifetime         time.Duration
	DeviceCodeLifetime   time.Duration
	// DeviceCodeInterval is the polling interval devicecode advertises.
	DeviceCodeInterval time.Duration
	// SessionLifetime bounds the browser sign-in session (SSO cookie).
	SessionLifetime time.Duration
	// LockoutThreshold is how many failed password sign-ins (distinct
	// wrong passwords) lock an account, as Entra's smart lockout does: 0
	// means Entra's default, 10; a negative value turns lockout off.
	LockoutThreshold int
	// LockoutDuration is how long the first lockout lasts (default 60 s,
	// Entra's); each further one lasts twice as long, up to 64 times this.
	LockoutDuration time.Duration
	// TrustForwarded makes URLs (issuer, endpoints) follow X-Forwarded-Proto
	// and X-Forwarded-Host, for a reverse proxy in front of plain HTTP.
	TrustForwarded bool
}

func (c Config) withDefaults() Config {
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	def(&c.AccessTokenLifetime, time.Hour)
	def(&c.IDTokenLifetime, time.Hour)
	def(&c.RefreshTokenLifetime, 90*24*time.Hour)
	def(&c.CodeLifetime, 10*time.Minute)
	def(&c.DeviceCodeLifetime, 15*time.Minute)
	def(&c.DeviceCodeInterval, 5*time.Second)
	def(&c.SessionLifetime, 12*time.Hour)
	def(&c.LockoutDuration, time.Minute)
	if c.LockoutThreshold == 0 {
		c.LockoutThreshold = 10
	}
	return c
}

// Store is what the identity platform needs from storage.
type Store interface {
	store.Directory
	store.Apps
	store.Grants
	store.Sessions
	store.Settings
	store.Lockouts
}

// Server serves the identity endpoints. Build it with New.
type Server struct {
	store      Store
	dir        *directory.Service
	cat        *catalog.Catalog
	keys       *tokens.Keyring
	minter     *tokens.Minter
	verifier   *tokens.Verifier
	assertions *tokens.AssertionVerifier
	cfg        Config
	log        *slog.Logger
	now        func() time.Time

	secretKey  []byte // keys client-secret hashes
	sessionKey []byte // signs browser sessions and flow state
	pairwise   []byte // derives pairwise subjects
	lockoutKey []byte // keys the bad-password tags of smart lockout

	// signins takes every sign-in handled (signins.go); nil: none kept.
	signins SignInRecorder

	// crossOrigin refuses sign-in and consent forms posted from another
	// origin (login CSRF, session.go).
	crossOrigin *http.CrossOriginProtection
}

// Deps are the Server's collaborators.
type Deps struct {
	Store    Store
	Catalog  *catalog.Catalog
	Keyring  *tokens.Keyring
	Verifier *tokens.Verifier
	Logger   *slog.Logger
	// Now defaults to time.Now.
	Now func() time.Time
	// Directory records consent and creates service principals; nil builds
	// one over Store.
	Directory *directory.Service
	// SignIns, when set, takes every sign-in handled, successes and
	// failures (the sign-in log); it must not block.
	SignIns SignInRecorder
}

// Setting names of the shared secrets (first replica to start creates them).
const (
	settingSecretKey  = "identity.client-secret-key"
	settingSessionKey = "identity.session-key"
	settingPairwise   = "identity.pairwise-key"
	// settingLockoutKey is in lockout.go.
)

// New builds a Server, creating its shared secrets in the store on first use.
func New(ctx context.Context, d Deps, cfg Config) (*Server, error) {
	s := &Server{store: d.Store, cat: d.Catalog, keys: d.Keyring, verifier: d.Verifier, cfg: cfg.withDefaults(), log: d.Logger, now: d.Now,
		signins: d.SignIns, crossOrigin: http.NewCrossOriginProtection()}
	if s.log == nil {
		s.log = slog.Default()
	}
	if s.now == nil {
		s.now = time.Now
	}
	s.dir = d.Directory
	if s.dir == nil {
		s.dir = directory.New(d.Store, directory.Options{Catalog: d.Catalog, Now: s.now})
	}
	for _, k := range []struct {
		name string
		dst  *[]byte
	}{{settingSecretKey, &s.secretKey}, {settingSessionKey, &s.sessionKey}, {settingPairwise, &s.pairwise}, {settingLockoutKey, &s.lockoutKey}} {
		v, err := d.Store.SettingOrCreate(ctx, k.name, initialKey(cfg.Seed, k.name))
		if err != nil {
			return nil, err
		}
		*k.dst = v
	}
	m, err := tokens.NewMinter(d.Keyring, s.pairwise)
	if err != nil {
		return nil, err
	}
	s.minter = m
	s.assertions = tokens.NewAssertionVerifier(tokens.AssertionOptions{})
	return s, nil
}

// SecretHash is the keyed hash under which a client secret is stored. Admin
// commands use it when they add a secret.
func (s *Server) SecretHash(secret string) []byte { return hmacSHA256(s.secretKey, []byte(secret)) }

// Handler returns the identity endpoints, rooted at "/".
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{tenant}/v2.0/.well-known/openid-configuration", s.handleDiscovery)
	mux.HandleFunc("GET /{tenant}/.well-known/openid-configuration", s.handleDiscovery)
	mux.HandleFunc("GET /common/discovery/instance", s.handleInstanceDiscovery)
	mux.HandleFunc("GET /{tenant}/discovery/v2.0/keys", s.handleJWKS)
	mux.HandleFunc("GET /{tenant}/discovery/keys", s.handleJWKS)
	mux.HandleFunc("GET /common/UserRealm/{upn}", s.handleUserRealm)
	mux.HandleFunc("GET /common/userrealm/{upn}", s.handleUserRealm)
	mux.HandleFunc("GET /{tenant}/oauth2/v2.0/authorize", s.handleAuthorize)
	mux.HandleFunc("POST /{tenant}/oauth2/v2.0/authorize", s.handleAuthorize)
	mux.HandleFunc("POST /{tenant}/oauth2/v2.0/token", s.handleToken)
	mux.HandleFunc("POST /{tenant}/oauth2/v2.0/devicecode", s.handleDeviceCode)
	mux.HandleFunc("GET /devicelogin", s.handleDeviceLogin)
	mux.HandleFunc("POST /devicelogin", s.handleDeviceLogin)
	mux.HandleFunc("GET /{tenant}/adminconsent", s.handleAdminConsent)
	mux.HandleFunc("GET /{tenant}/v2.0/adminconsent", s.handleAdminConsent)
	mux.HandleFunc("POST /{tenant}/adminconsent", s.handleAdminConsent)
	mux.HandleFunc("POST /{tenant}/v2.0/adminconsent", s.handleAdminConsent)
	mux.HandleFunc("GET /{tenant}/oauth2/v2.0/logout", s.handleLogout)
	mux.HandleFunc("POST /{tenant}/oauth2/v2.0/logout", s.handleLogout)
	mux.HandleFunc("POST /login", s.handleLoginPost)
	mux.HandleFunc("GET /signin", s.handleConsoleSignIn)
	mux.HandleFunc("POST /consent", s.handleConsentPost)
	mux.HandleFunc("GET /common/oauth2/nativeclient", s.handleNativeClient)
	mux.HandleFunc("GET /error", s.handleErrorPage)
	mux.HandleFunc("GET /oidc/userinfo", s.handleUserInfo)
	mux.HandleFunc("POST /oidc/userinfo", s.handleUserInfo) // OIDC Core §5.3.1: GET or POST
	return mux
}

// issuerBase is scheme://host of the request: every URL graphgate hands out
// is built from it, so localhost and 127.0.0.1 clients each get their own.
func (s *Server) issuerBase(r *http.Request) string {
	scheme := "https"
	if r.TLS == nil {
		scheme = "http"
	}
	host := r.Host
	if s.cfg.TrustForwarded {
		if p := r.Header.Get("X-Forwarded-Proto"); p != "" {
			scheme = strings.TrimSpace(strings.Split(p, ",")[0])
		}
		if h := r.Header.Get("X-Forwarded-Host"); h != "" {
			host = strings.TrimSpace(strings.Split(h, ",")[0])
		}
	}
	return scheme + "://" + host
}

func (s *Server) fail(w http.ResponseWriter, r *http.Request, e *Error) {
	s.failTrace(w, r, e, traceID())
}

// failTrace is fail with the request's trace id chosen by the caller.
func (s *Server) failTrace(w http.ResponseWriter, r *http.Request, e *Error, trace string) {
	level := slog.LevelInfo
	if e.ServerSide() {
		level = slog.LevelError
	}
	s.log.LogAttrs(r.Context(), level, "identity error",
		slog.String("path", r.URL.Path), slog.Int("aadsts", e.AADSTS), slog.String("error", e.Code),
		slog.String("trace_id", trace), slog.Any("cause", e.cause))
	e.write(w, r, s.now(), trace, s.issuerBase(r))
}

// WriteError writes an error as the identity platform's endpoints do
// (error, error_description with "AADSTSnnnnn: " when aadsts is not 0,
// error_codes, trace and correlation ids), for requests answered outside
// the grants: the fault injector's. A Retry-After already set is kept.
func (s *Server) WriteError(w http.ResponseWriter, r *http.Request, status int, code string, aadsts int, description string) {
	e := &Error{Code: code, AADSTS: aadsts, Description: description, Status: status}
	e.write(w, r, s.now(), traceID(), s.issuerBase(r))
}

func traceID() string {
	b := randomBytes(16)
	h := hex.EncodeToString(b)
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}

// initialKey is a new 32-byte store-wide key: random, or derived from seed
// and the key's name (HMAC-SHA256) when a seed is given.
func initialKey(seed, name string) []byte {
	if seed == "" {
		return randomBytes(32)
	}
	return hmacSHA256(hmacSHA256([]byte("graphgate identity seed"), []byte(seed)), []byte(name))
}

func randomBytes(n int) []byte {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic("identity: crypto/rand failed: " + err.Error())
	}
	return b
}

// newGUID returns a random (version 4) GUID.
func newGUID() string {
	b := randomBytes(16)
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b)
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}

// SecretHasher returns the keyed hash the identity platform stores client
// secrets under, for tools that add secrets without a running server (the
// admin commands). It creates the key if the store has none yet.
func SecretHasher(ctx context.Context, st store.Settings) (func(string) []byte, error) {
	key, err := st.SettingOrCreate(ctx, settingSecretKey, randomBytes(32))
	if err != nil {
		return nil, err
	}
	return func(secret string) []byte { return hmacSHA256(key, []byte(secret)) }, nil
}
