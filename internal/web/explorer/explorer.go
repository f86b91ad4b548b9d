package explorer

import (
	"embed"
	"encoding/json"
	"html/template"
	"io/fs"
	"log/slog"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"graphgate/internal/authz"
	"graphgate/internal/catalog"
	"graphgate/internal/report"
	"graphgate/internal/routes"
)

// Prefix is where the explorer is mounted; every link it renders starts
// with it.
const Prefix = "/explorer"

// Options tune the explorer. The zero value is the default.
type Options struct {
	// MaxUpload bounds a report's request body (default 20 MiB); beyond it
	// the report page answers 413.
	MaxUpload int64
	// ReportTimeout bounds the work of one report (default 30 s).
	ReportTimeout time.Duration
	// ReportWait bounds how long a report waits for one of the MaxReports
	// slots (default 10 s).
	ReportWait time.Duration
	// MaxReports bounds the reports made at once (default 2): each may
	// hold an upload of MaxUpload bytes and keeps a core busy.
	MaxReports int
	// Logger receives what goes wrong (default slog.Default()).
	Logger *slog.Logger
}

// Defaults of Options.
const (
	DefaultMaxUpload     = 20 << 20
	DefaultReportTimeout = 30 * time.Second
	DefaultMaxReports    = 2
	DefaultReportWait    = 10 * time.Second
)

// Bounds of one request's work.
const (
	// maxQuery bounds a search query, in bytes.
	maxQuery = 200
	// maxTerms bounds the words of a search query.
	maxTerms = 8
	// defaultResults and maxResults bound a search's answer.
	defaultResults = 50
	maxResults     = 200
	// pageSize is the calls per page of a permission's inverse view.
	pageSize = 100
	// maxField bounds a text field of the explain form.
	maxField = 8 << 10
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// explorer is the handler's state: immutable after Handler returns but for
// the lazily built indexes, each built once behind a sync.Once.
type explorer struct {
	cat  *catalog.Catalog
	tab  *routes.Table
	eng  *authz.Engine
	o    Options
	log  *slog.Logger
	page map[string]*template.Template

	searchOnce sync.Once
	search     *searchIndex

	inverseOnce sync.Once
	inverse     *inverseIndex

	analyzerOnce sync.Once
	analyzer     *report.Analyzer

	// reports holds a token per report being made (Options.MaxReports).
	reports chan struct{}
}

// Handler returns the permission explorer, to be mounted at /explorer (and
// /explorer/): the catalog search, a page per permission with the calls it
// allows, a page per API path with the permissions it accepts, the explain
// form (the engine's Decision, as `graphgate explain` gives it) and the
// least-privilege report of an uploaded HAR file or call list. The
// catalog, the route table and the engine must belong together (the
// engine's table over the catalog).
//
// It builds its search and inverse indexes on first use, not here, so a
// server that never serves the explorer pays nothing for it. It is safe
// for concurrent use.
func Handler(cat *catalog.Catalog, tab *routes.Table, eng *authz.Engine, o Options) http.Handler {
	return newExplorer(cat, tab, eng, o).handler()
}

func newExplorer(cat *catalog.Catalog, tab *routes.Table, eng *authz.Engine, o Options) *explorer {
	if o.MaxUpload <= 0 {
		o.MaxUpload = DefaultMaxUpload
	}
	if o.ReportTimeout <= 0 {
		o.ReportTimeout = DefaultReportTimeout
	}
	if o.ReportWait <= 0 {
		o.ReportWait = DefaultReportWait
	}
	if o.MaxReports <= 0 {
		o.MaxReports = DefaultMaxReports
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	return &explorer{cat: cat, tab: tab, eng: eng, o: o, log: o.Logger, page: parsePages(), reports: make(chan struct{}, o.MaxReports)}
}

// handler routes the explorer's pages.
func (e *explorer) handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET "+Prefix+"/{$}", e.handleSearch)
	mux.HandleFunc("GET "+Prefix+"/permissions/{name}", e.handlePermission)
	mux.HandleFunc("GET "+Prefix+"/paths", e.handlePath)
	mux.HandleFunc("GET "+Prefix+"/explain", e.handleExplain)
	mux.HandleFunc("GET "+Prefix+"/report", e.handleReportForm)
	mux.HandleFunc("POST "+Prefix+"/report", e.handleReport)
	static, _ := fs.Sub(staticFS, "static")
	mux.Handle("GET "+Prefix+"/static/", http.StripPrefix(Prefix+"/static/", cacheStatic(http.FileServerFS(static))))
	mux.HandleFunc(Prefix+"/", e.handleNotFound)
	return securityHeaders(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == Prefix {
			// /explorer and /explorer/ are the same page; keep the query.
			u := *r.URL
			u.Path = Prefix + "/"
			http.Redirect(w, r, u.String(), http.StatusMovedPermanently)
			return
		}
		mux.ServeHTTP(w, r)
	}))
}

// parsePages parses each page with the shared layout. The templates are
// embedded and tested: a parse error is a programming error.
func parsePages() map[string]*template.Template {
	funcs := template.FuncMap{
		"permURL":  permURL,
		"pathURL":  pathURL,
		"scheme":   schemeLabel,
		"short":    schemeShort,
		"add":      func(a, b int) int { return a + b },
		"yesno":    yesNo,
		"joinList": func(l []string) string { return strings.Join(l, ", ") },
	}
	names := []string{"search", "permission", "path", "explain", "report", "notfound"}
	out := make(map[string]*template.Template, len(names))
	for _, n := range names {
		out[n] = template.Must(template.New("layout.html").Funcs(funcs).ParseFS(templateFS, "templates/layout.html", "templates/"+n+".html"))
	}
	return out
}

// csp allows nothing but the explorer's own stylesheet and forms: the
// pages have no script at all.
const csp = "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

func securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", csp)
		h.Set("Referrer-Policy", "same-origin")
		h.Set("X-Frame-Options", "DENY")
		next.ServeHTTP(w, r)
	})
}

func cacheStatic(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "public, max-age=3600")
		next.ServeHTTP(w, r)
	})
}

// wantsJSON reports whether the client asked for JSON: ?format=json, or an
// Accept header that prefers application/json to HTML (a browser's Accept
// lists text/html first; curl -H 'Accept: application/json' does not).
func wantsJSON(r *http.Request) bool {
	switch strings.ToLower(r.URL.Query().Get("format")) {
	case "json":
		return true
	case "html":
		return false
	}
	for _, part := range strings.Split(r.Header.Get("Accept"), ",") {
		mt, _, err := mime.ParseMediaType(strings.TrimSpace(part))
		if err != nil {
			continue
		}
		switch mt {
		case "application/json":
			return true
		case "text/html", "application/xhtml+xml":
			return false
		}
	}
	return false
}

// pageData is what every page's layout reads.
type pageData struct {
	Title string
	// Nav is the current section: search, explain, report.
	Nav string
	// Query refills the header's search box.
	Query string
	Body  any
}

// render writes a page as HTML or its body as JSON.
func (e *explorer) render(w http.ResponseWriter, r *http.Request, status int, page string, d pageData) {
	if wantsJSON(r) {
		writeJSON(w, status, d.Body)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	if err := e.page[page].Execute(w, d); err != nil {
		// The header is gone; the log says what broke.
		e.log.Error("explorer: rendering a page", "page", page, "err", err)
	}
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	_ = enc.Encode(v)
}

// apiError is the JSON error body, in Microsoft Graph's shape
// ({"error":{"code","message"}}) so that one client parses graphgate's
// answers alike; Suggestions and Hint add what the page would show.
type apiError struct {
	Error errorBody `json:"error"`
}

type errorBody struct {
	Code        string   `json:"code"`
	Message     string   `json:"message"`
	Suggestions []string `json:"suggestions,omitempty"`
}

// notFoundView is the body of the helpful 404 page.
type notFoundView struct {
	Heading     string
	Message     string
	Suggestions []string
	// Search is the query the page's search box offers.
	Search string
}

// fail answers an error page (or the JSON error) with status.
func (e *explorer) fail(w http.ResponseWriter, r *http.Request, status int, code, message string, v notFoundView) {
	if wantsJSON(r) {
		writeJSON(w, status, apiError{errorBody{Code: code, Message: message, Suggestions: v.Suggestions}})
		return
	}
	if v.Message == "" {
		v.Message = message
	}
	e.render(w, r, status, "notfound", pageData{Title: v.Heading, Query: v.Search, Body: v})
}

func (e *explorer) handleNotFound(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		// Only the report page takes a POST (its own pattern); every other
		// page is read with GET.
		w.Header().Set("Allow", "GET, HEAD")
		e.fail(w, r, http.StatusMethodNotAllowed, "methodNotAllowed", "The explorer's pages are read with GET; only the report form is sent with POST.",
			notFoundView{Heading: "Method not allowed"})
		return
	}
	e.fail(w, r, http.StatusNotFound, "notFound", "The explorer has no page at "+r.URL.Path+".",
		notFoundView{Heading: "Page not found"})
}

// permURL is a permission's page.
func permURL(name string) string { return Prefix + "/permissions/" + url.PathEscape(name) }

// pathURL is an API path's page, for one method ("" for all).
func pathURL(method, path string) string {
	v := url.Values{"path": {path}}
	if method != "" {
		v.Set("method", method)
	}
	return Prefix + "/paths?" + v.Encode()
}

// schemeLabel names a scheme for people.
func schemeLabel(s string) string {
	switch s {
	case catalog.DelegatedWork.String():
		return "Delegated (work or school account)"
	case catalog.DelegatedPersonal.String():
		return "Delegated (personal Microsoft account)"
	case catalog.Application.String():
		return "Application"
	}
	return s
}

// schemeShort names a scheme in a badge.
func schemeShort(s string) string {
	switch s {
	case catalog.DelegatedWork.String():
		return "delegated: work"
	case catalog.DelegatedPersonal.String():
		return "delegated: personal"
	case catalog.Application.String():
		return "application"
	}
	return s
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}
