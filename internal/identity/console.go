package identity

import (
	"net/http"
	"strings"
	"time"
)

// The admin console (package web) signs people in through these pages and
// reads who is signed in from the same session cookie single sign-on uses:
// one sign-in serves apps and the console, and the console keeps no
// session of its own. Its sign-in is a flow of kind "console" that ends
// with a redirect to a local path of the console instead of an
// authorization code: the console is graphgate itself, not an app with a
// client id (Microsoft's portals are first-party apps whose consent is
// implicit; graphgate has no registration to show for them).

// SignedInUser is the browser's signed-in user.
type SignedInUser struct {
	TenantID, UserID string
	AuthTime         time.Time
}

// SignedIn returns the user whose session cookie the request carries (of
// several signed-in accounts, the one used last), if it is valid and
// unexpired. The user may have been deleted or disabled since:
// callers read the user again.
func (s *Server) SignedIn(r *http.Request) (SignedInUser, bool) {
	ss, ok := s.readSession(r)
	if !ok {
		return SignedInUser{}, false
	}
	a := ss.current()
	return SignedInUser{TenantID: a.TenantID, UserID: a.UserID, AuthTime: time.Unix(a.AuthTime, 0)}, true
}

// SignOut ends the browser's session: every signed-in account.
func (s *Server) SignOut(w http.ResponseWriter, r *http.Request) { clearSession(w, r) }

// consoleReturn is the local path a console sign-in returns to: a path of
// the console only, so the sign-in page cannot be made into an open
// redirect.
func consoleReturn(p string) (string, bool) {
	if p == "" {
		return "/console/", true
	}
	if !strings.HasPrefix(p, "/console") || strings.HasPrefix(p, "//") || strings.ContainsAny(p, "\\\r\n") {
		return "", false
	}
	return p, true
}

// handleConsoleSignIn shows the sign-in page for the admin console:
// GET /signin?return_to=/console/... (prompt=login or select_account
// forces the page even with a session).
func (s *Server) handleConsoleSignIn(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	to, ok := consoleReturn(q.Get("return_to"))
	if !ok {
		s.errorPage(w, r, errInvalidRequest("return_to must be a page of the admin console (/console/…)."))
		return
	}
	f := flow{Kind: "console", Tenant: "organizations", RedirectURI: to, Prompt: q.Get("prompt"), LoginHint: q.Get("login_hint")}
	prompts := strings.Fields(f.Prompt)
	if _, ok := s.readSession(r); ok && !contains(prompts, "login") && !contains(prompts, "select_account") {
		http.Redirect(w, r, to, http.StatusSeeOther)
		return
	}
	s.render(w, http.StatusOK, "signin", pageData{Title: "Sign in", AppName: ConsoleName, Flow: s.encodeFlow(w, r, f), LoginHint: f.LoginHint})
}

// ConsoleName is how the sign-in page names the admin console.
const ConsoleName = "graphgate admin console"

// finishConsoleSignIn ends a console flow once the user is signed in.
func finishConsoleSignIn(w http.ResponseWriter, r *http.Request, f flow) {
	to, ok := consoleReturn(f.RedirectURI)
	if !ok {
		to = "/console/"
	}
	http.Redirect(w, r, to, http.StatusSeeOther)
}
