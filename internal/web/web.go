package web

import (
	"bytes"
	"context"
	"embed"
	"errors"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"graphgate/internal/catalog"
	"graphgate/internal/directory"
	"graphgate/internal/identity"
	"graphgate/internal/parity"
	"graphgate/internal/store"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// Reader is what the pages read from the store: the directory, apps and
// consent, and the decision log. Every store.Store satisfies it; the pages never write through it.
type Reader interface {
	ListTenants(ctx context.Context) ([]store.Tenant, error)
	GetTenant(ctx context.Context, id string) (store.Tenant, error)
	GetUser(ctx context.Context, tenantID, id string) (store.User, error)
	UserByUPN(ctx context.Context, upn string) (store.User, error)
	ListUsers(ctx context.Context, tenantID, after string, limit int) ([]store.User, error)
	GetGroup(ctx context.Context, tenantID, id string) (store.Group, error)
	ListGroups(ctx context.Context, tenantID, after string, limit int) ([]store.Group, error)
	Members(ctx context.Context, tenantID, containerID string, role store.MemberRole) ([]store.Membership, error)
	MemberOf(ctx context.Context, tenantID, memberID string, role store.MemberRole) ([]store.Membership, error)
	GetApp(ctx context.Context, appID string) (store.App, error)
	ListApps(ctx context.Context, tenantID string) ([]store.App, error)
	ListServicePrincipals(ctx context.Context, tenantID string) ([]store.ServicePrincipal, error)
	ListDelegatedGrants(ctx context.Context, tenantID string) ([]store.DelegatedGrant, error)
	AppRoleAssignments(ctx context.Context, tenantID, clientID string) ([]store.AppRoleAssignment, error)
	// DelegatedGrants and ListDecisions are what the decision log viewer
	// and the least-privilege report read (report.LogSource).
	DelegatedGrants(ctx context.Context, tenantID, clientID, userID string) ([]store.DelegatedGrant, error)
	ListDecisions(ctx context.Context, q store.DecisionQuery) ([]store.Decision, error)
	// ListSignIns is what the sign-in log page reads.
	ListSignIns(ctx context.Context, q store.SignInQuery) ([]store.SignIn, error)
}

// Sessions is the identity platform's browser session: who is signed in,
// and signing out. *identity.Server satisfies it.
type Sessions interface {
	SignedIn(r *http.Request) (identity.SignedInUser, bool)
	SignOut(w http.ResponseWriter, r *http.Request)
}

// Deps are what the pages need.
type Deps struct {
	Store    Reader
	Dir      *directory.Service
	Sessions Sessions
	// SecretHash is the keyed hash client secrets are stored under
	// (identity.Server.SecretHash).
	SecretHash func(string) []byte
	Catalog    *catalog.Catalog
	Logger     *slog.Logger
	// Now is the clock (default time.Now).
	Now func() time.Time
}

// Info is what the landing page says about the running server.
type Info struct {
	// Version is graphgate's version line.
	Version string
	// Store names the store: "SQLite (./graphgate-data)", "PostgreSQL".
	Store string
	// Listeners are the addresses the server listens on.
	Listeners []string
	// Demo reports whether the demo tenant exists (its ids are fixed).
	Demo bool
	// Parity classifies the route table against the running Graph server
	// (parity.Classify): the landing page's parity summary and /parity.
	// It is called once, at the first request that needs it (it is a pass
	// over the whole route table: BenchmarkLandingParity), not at start-up.
	// Nil, or no rows: neither is shown.
	Parity func() []parity.Row
}

// Server serves the landing page, the admin console and their static
// files. Build it with New; it is safe for concurrent use.
type Server struct {
	d      Deps
	info   Info
	pages  map[string]*template.Template
	log    *slog.Logger
	parity func() *paritySummary
}

// New returns the web pages over d.
func New(d Deps, info Info) (*Server, error) {
	if d.Store == nil || d.Dir == nil || d.Sessions == nil || d.SecretHash == nil {
		return nil, errors.New("web: Store, Dir, Sessions and SecretHash are required")
	}
	if d.Catalog == nil {
		d.Catalog = catalog.Default()
	}
	if d.Logger == nil {
		d.Logger = slog.Default()
	}
	if d.Now == nil {
		d.Now = time.Now
	}
	if info.Version == "" {
		info.Version = "(devel)"
	}
	s := &Server{d: d, info: info, log: d.Logger, pages: map[string]*template.Template{},
		parity: sync.OnceValue(func() *paritySummary {
			if info.Parity == nil {
				return nil
			}
			return newParitySummary(info.Parity())
		})}
	layout := template.Must(template.New("").Funcs(funcs).ParseFS(templateFS, "templates/layout.html"))
	names, err := fs.Glob(templateFS, "templates/*.html")
	if err != nil {
		return nil, err
	}
	for _, n := range names {
		name := strings.TrimSuffix(strings.TrimPrefix(n, "templates/"), ".html")
		if name == "layout" {
			continue
		}
		t, err := template.Must(layout.Clone()).ParseFS(templateFS, n)
		if err != nil {
			return nil, err
		}
		s.pages[name] = t
	}
	return s, nil
}

var funcs = template.FuncMap{
	"date": func(t time.Time) string {
		if t.IsZero() {
			return ""
		}
		return t.UTC().Format("2006-01-02 15:04 UTC")
	},
	"join": strings.Join,
}

// Handler serves "/" (the landing page, exactly), /parity, /static/ and
// /console/.
// Mount it for those paths only: every other path belongs to the identity
// platform and Graph.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	static, _ := fs.Sub(staticFS, "static")
	mux.Handle("GET /static/", http.StripPrefix("/static/", cacheStatic(http.FileServerFS(static))))
	mux.HandleFunc("GET /{$}", s.handleLanding)
	mux.HandleFunc("GET /parity", s.handleParity)
	s.consoleRoutes(mux)
	return secure(mux)
}

// secure sets the pages' security headers: no script but the pages' own
// files, no framing, no sniffing, no referrer beyond this origin.
func secure(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hd := w.Header()
		hd.Set("Content-Security-Policy", "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "+
			"form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
		hd.Set("X-Content-Type-Options", "nosniff")
		hd.Set("X-Frame-Options", "DENY")
		hd.Set("Referrer-Policy", "same-origin")
		h.ServeHTTP(w, r)
	})
}

func cacheStatic(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "public, max-age=300")
		h.ServeHTTP(w, r)
	})
}

// page is what the layout shows around every page.
type page struct {
	Title, Area, Section string
	Version              string
	Admin                *store.User
	TenantName           string
	CSRF                 string
	Notice, Error        string
	Data                 any
}

// render writes a page; it renders to a buffer first so a template error
// is a 500, not half a page.
func (s *Server) render(w http.ResponseWriter, status int, name string, p page) {
	p.Version = s.info.Version
	var b bytes.Buffer
	if err := s.pages[name].ExecuteTemplate(&b, "layout", p); err != nil {
		s.log.Error("rendering page", "page", name, "err", err)
		http.Error(w, "graphgate could not render this page; the server log says why", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = w.Write(b.Bytes())
}
