package web

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"net/http"
	"net/url"
	"strings"

	"graphgate/internal/authz"
	"graphgate/internal/directory"
	"graphgate/internal/roles"
	"graphgate/internal/store"
)

// The admin console's sign-in: the identity platform's own sign-in page
// (GET /signin?return_to=/console/…) and its session cookie. The console
// keeps no session: each request reads the signed-in user again, so a
// user whose role was removed loses the console at the next click.
//
// CSRF: every form carries a synchronizer value that must equal the
// console's anti-CSRF cookie (the double-submit pattern; the cookie is
// random, HttpOnly, SameSite=Strict and Secure over HTTPS), and net/http's
// CrossOriginProtection refuses any POST a browser marks as coming from
// another origin (Sec-Fetch-Site, or Origin against Host). Both must pass.

const (
	csrfCookie = "graphgate_console_csrf"
	// maxFormBytes bounds a form (a PEM certificate upload is the largest).
	maxFormBytes = 64 << 10
)

// anyTask marks pages every console administrator may see (the overview,
// the activity list: they only read).
const anyTask authz.ConsoleTask = 255

// creq is one console request by a signed-in administrator.
type creq struct {
	w      http.ResponseWriter
	r      *http.Request
	admin  store.User
	roles  roles.Set
	tenant store.Tenant
	csrf   string
}

func (c *creq) may(t authz.ConsoleTask) bool {
	return authz.ConsoleAllows(t, c.admin.Kind == store.UserMember, c.roles)
}

// roleSet reads a user's directory roles (template ids).
func roleSet(ids []string) roles.Set {
	var rs roles.Set
	for _, id := range ids {
		if r, err := roles.Parse(id); err == nil {
			rs = rs.Add(r)
		}
	}
	return rs
}

// console wraps a console page: the caller must be signed in (else the
// sign-in page), an administrator of their organisation for task (else
// 403), and a POST must pass the CSRF checks (else 403, nothing changed).
func (s *Server) console(task authz.ConsoleTask, h func(c *creq)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		who, ok := s.d.Sessions.SignedIn(r)
		if !ok {
			s.toSignIn(w, r)
			return
		}
		ctx := r.Context()
		u, err := s.d.Store.GetUser(ctx, who.TenantID, who.UserID)
		if errors.Is(err, store.ErrNotFound) {
			s.d.Sessions.SignOut(w, r)
			s.toSignIn(w, r)
			return
		}
		if err != nil {
			s.storeFailed(w, r, err)
			return
		}
		t, err := s.d.Store.GetTenant(ctx, u.TenantID)
		if err != nil {
			s.storeFailed(w, r, err)
			return
		}
		c := &creq{w: w, r: r, admin: u, roles: roleSet(u.Roles), tenant: t}
		c.csrf = s.csrfToken(w, r)
		member := u.Kind == store.UserMember && u.AccountEnabled && t.Kind == store.TenantWork
		if !authz.ConsoleAdmin(member, c.roles) {
			s.forbidden(c, "Only an administrator of an organisation can use the admin console. "+u.UserPrincipalName+" holds no administrator role there.",
				"graphgate user roles "+u.UserPrincipalName+" --add global-admin")
			return
		}
		if task != anyTask && !authz.ConsoleAllows(task, member, c.roles) {
			s.forbidden(c, "This part of the console needs one of these roles: "+authz.ConsoleRolesFor(task).String()+".",
				"graphgate user roles "+u.UserPrincipalName+" --add "+shortRole(authz.ConsoleRolesFor(task)))
			return
		}
		if r.Method == http.MethodPost {
			if !s.parseForm(c) {
				return
			}
			if !s.checkCSRF(r) {
				s.render(w, http.StatusForbidden, "message", page{Title: "Form refused", Area: "console", Admin: &c.admin, TenantName: t.DisplayName, CSRF: c.csrf,
					Error: "This form was not sent by a page of this console in this browser (another site, an expired page, or cookies blocked); nothing was changed. Reload the page and try again."})
				return
			}
		}
		h(c)
	}
}

// shortRole is the first role of a set in the admin commands' short form.
func shortRole(rs roles.Set) string {
	for _, r := range rs.Roles() {
		return strings.ReplaceAll(strings.ToLower(r.String()), " ", "-")
	}
	return "global-admin"
}

func (s *Server) parseForm(c *creq) bool {
	c.r.Body = http.MaxBytesReader(c.w, c.r.Body, maxFormBytes)
	var err error
	if strings.HasPrefix(c.r.Header.Get("Content-Type"), "multipart/form-data") {
		err = c.r.ParseMultipartForm(maxFormBytes)
	} else {
		err = c.r.ParseForm()
	}
	if err != nil {
		s.render(c.w, http.StatusBadRequest, "message", page{Title: "Form refused", Area: "console", Admin: &c.admin, TenantName: c.tenant.DisplayName, CSRF: c.csrf,
			Error: "The form could not be read (at most 64 KB); nothing was changed."})
		return false
	}
	return true
}

func (s *Server) toSignIn(w http.ResponseWriter, r *http.Request) {
	back := r.URL.Path
	if r.Method != http.MethodGet {
		back = "/console/"
	}
	http.Redirect(w, r, "/signin?return_to="+url.QueryEscape(back), http.StatusSeeOther)
}

func (s *Server) forbidden(c *creq, why, fix string) {
	s.render(c.w, http.StatusForbidden, "message", page{Title: "You need an administrator role", Area: "console", Admin: &c.admin,
		TenantName: c.tenant.DisplayName, CSRF: c.csrf, Error: why,
		Data: messageData{Fix: "An administrator gives you the role with:", Command: fix, SignInAgain: true}})
}

type messageData struct {
	Fix, Command string
	SignInAgain  bool
}

// csrfToken is the browser's anti-CSRF value, set as a cookie if it has
// none.
func (s *Server) csrfToken(w http.ResponseWriter, r *http.Request) string {
	if c, err := r.Cookie(csrfCookie); err == nil {
		if b, err := base64.RawURLEncoding.DecodeString(c.Value); err == nil && len(b) == 32 {
			return c.Value
		}
	}
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	v := base64.RawURLEncoding.EncodeToString(b)
	http.SetCookie(w, &http.Cookie{Name: csrfCookie, Value: v, Path: "/console", HttpOnly: true, Secure: r.TLS != nil,
		SameSite: http.SameSiteStrictMode})
	return v
}

var crossOrigin = http.NewCrossOriginProtection()

func (s *Server) checkCSRF(r *http.Request) bool {
	if crossOrigin.Check(r) != nil {
		return false
	}
	c, err := r.Cookie(csrfCookie)
	if err != nil || c.Value == "" {
		return false
	}
	return subtle.ConstantTimeCompare([]byte(c.Value), []byte(r.PostFormValue("csrf"))) == 1
}

// show renders a console page for c.
func (s *Server) show(c *creq, status int, name, title, section string, data any, notice, errMsg string) {
	s.render(c.w, status, name, page{Title: title, Area: "console", Section: section, Admin: &c.admin, TenantName: c.tenant.DisplayName,
		CSRF: c.csrf, Notice: notice, Error: errMsg, Data: data})
}

// failure turns a directory error into a status and a sentence. A store
// failure is 503 (the log has its cause); the directory refusing a value
// is 400, a name taken 409, something gone 404.
func (s *Server) failure(c *creq, err error) (int, string) {
	var ve *directory.ValidationError
	switch {
	case errors.As(err, &ve):
		return http.StatusBadRequest, ve.Reason + "; nothing was changed."
	case errors.Is(err, directory.ErrDomainNotVerified):
		return http.StatusBadRequest, "The user name must end in one of " + c.tenant.DisplayName + "'s verified domains (" + strings.Join(c.tenant.Domains, ", ") + "); nothing was changed."
	case errors.Is(err, directory.ErrExists):
		return http.StatusConflict, "That name is taken already; nothing was changed."
	case errors.Is(err, directory.ErrNotFound):
		return http.StatusNotFound, err.Error() + "; nothing was changed."
	}
	s.log.Error("admin console: the store failed", "path", c.r.URL.Path, "err", err)
	return http.StatusServiceUnavailable, "graphgate's store failed (the server log says why); try again."
}

func (s *Server) storeFailed(w http.ResponseWriter, r *http.Request, err error) {
	s.log.Error("web: the store failed", "path", r.URL.Path, "err", err)
	s.render(w, http.StatusServiceUnavailable, "message", page{Title: "The store is unavailable", Area: "home",
		Error: "graphgate could not read its store (the server log says why). Check `graphgate serve`'s output, then reload."})
}

func (s *Server) notFound(c *creq, what string) {
	s.show(c, http.StatusNotFound, "message", "Not found", "", nil, "", what+" does not exist in "+c.tenant.DisplayName+".")
}

// consoleRoutes mounts the console.
func (s *Server) consoleRoutes(mux *http.ServeMux) {
	mux.HandleFunc("GET /console/{$}", s.console(anyTask, s.handleOverview))
	mux.HandleFunc("POST /console/signout", s.handleSignOut)
	mux.HandleFunc("GET /console/users", s.console(authz.ConsoleUsers, s.handleUsers))
	mux.HandleFunc("POST /console/users", s.console(authz.ConsoleUsers, s.handleUsers))
	mux.HandleFunc("GET /console/users/{id}", s.console(authz.ConsoleUsers, s.handleUser))
	mux.HandleFunc("POST /console/users/{id}", s.console(authz.ConsoleUsers, s.handleUser))
	mux.HandleFunc("GET /console/groups", s.console(authz.ConsoleGroups, s.handleGroups))
	mux.HandleFunc("POST /console/groups", s.console(authz.ConsoleGroups, s.handleGroups))
	mux.HandleFunc("GET /console/groups/{id}", s.console(authz.ConsoleGroups, s.handleGroup))
	mux.HandleFunc("POST /console/groups/{id}", s.console(authz.ConsoleGroups, s.handleGroup))
	mux.HandleFunc("GET /console/roles", s.console(authz.ConsoleRoles, s.handleRoles))
	mux.HandleFunc("GET /console/apps", s.console(authz.ConsoleApps, s.handleApps))
	mux.HandleFunc("GET /console/apps/{id}", s.console(authz.ConsoleApps, s.handleApp))
	mux.HandleFunc("POST /console/apps/{id}", s.console(authz.ConsoleApps, s.handleApp))
	mux.HandleFunc("GET /console/apps/{id}/permissions", s.console(authz.ConsoleApps, s.handlePermissions))
	mux.HandleFunc("POST /console/apps/{id}/permissions", s.console(authz.ConsoleApps, s.handlePermissions))
	mux.HandleFunc("GET /console/apps/{id}/report", s.console(authz.ConsoleApps, s.handleReport))
	mux.HandleFunc("GET /console/log", s.console(authz.ConsoleApps, s.handleLog))
	mux.HandleFunc("GET /console/signins", s.console(anyTask, s.handleSignIns))
	mux.HandleFunc("GET /console/log/{id}", s.console(authz.ConsoleApps, s.handleDecision))
	mux.HandleFunc("GET /console/enterprise", s.console(authz.ConsoleApps, s.handleEnterprise))
	mux.HandleFunc("GET /console/enterprise/{id}", s.console(authz.ConsoleApps, s.handleEnterpriseApp))
	mux.HandleFunc("POST /console/enterprise/{id}", s.console(authz.ConsoleApps, s.handleEnterpriseApp))
	mux.HandleFunc("GET /console/activity", s.console(anyTask, s.handleActivity))
	mux.HandleFunc("GET /console", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/console/", http.StatusMovedPermanently)
	})
}

// handleSignOut ends the identity session (it is the console's too).
func (s *Server) handleSignOut(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
	if r.ParseForm() != nil || !s.checkCSRF(r) {
		http.Error(w, "sign-out refused: the form did not come from this console", http.StatusForbidden)
		return
	}
	s.d.Sessions.SignOut(w, r)
	http.Redirect(w, r, "/", http.StatusSeeOther)
}
