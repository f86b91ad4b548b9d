package identity

import (
	"encoding/hex"
	"errors"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"graphgate/internal/catalog"
	"graphgate/internal/store"
)

// handleAuthorize starts an interactive sign-in (RFC 6749 §4.1, OpenID
// Connect). Errors about the client or its redirect URI are shown on a page
// (never sent to an unregistered address); the rest go back to the
// redirect URI as error and error_description.
func (s *Server) handleAuthorize(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		s.errorPage(w, r, errInvalidRequest("The request could not be parsed."))
		return
	}
	q := r.Form
	ctx := r.Context()
	ts, e := s.resolveTenant(ctx, r.PathValue("tenant"))
	if e != nil {
		s.errorPage(w, r, e)
		return
	}
	app, e := s.lookupApp(ctx, q.Get("client_id"), ts)
	if e != nil {
		s.errorPage(w, r, e)
		return
	}
	redirect, e := matchRedirect(app, q.Get("redirect_uri"))
	if e != nil {
		s.errorPage(w, r, e)
		return
	}
	f := flow{Kind: "authorize", Tenant: ts.raw, ClientID: app.AppID, RedirectURI: redirect, ResponseMode: q.Get("response_mode"),
		State: q.Get("state"), Nonce: q.Get("nonce"), Scope: q.Get("scope"), CodeChallenge: q.Get("code_challenge"),
		CodeChallengeMethod: q.Get("code_challenge_method"), Prompt: q.Get("prompt"), LoginHint: q.Get("login_hint")}
	if f.ResponseMode == "" {
		f.ResponseMode = "query"
	}
	if f.ResponseMode != "query" && f.ResponseMode != "form_post" && f.ResponseMode != "fragment" {
		s.redirectError(w, r, f, errInvalidRequest("response_mode must be query, fragment or form_post."))
		return
	}
	if rt := q.Get("response_type"); rt != "code" {
		if rt == "" {
			s.redirectError(w, r, f, errMissingParameter("response_type"))
		} else {
			s.redirectError(w, r, f, errResponseTypeNotEnabled(rt))
		}
		return
	}
	if strings.TrimSpace(f.Scope) == "" {
		s.redirectError(w, r, f, errScopeRequired())
		return
	}
	if _, e := parseScopes(s.cat, f.Scope, ts.raw); e != nil {
		s.redirectError(w, r, f, e)
		return
	}
	if f.CodeChallenge != "" {
		if f.CodeChallengeMethod == "" {
			f.CodeChallengeMethod = "plain"
		}
		if f.CodeChallengeMethod != "S256" && (f.CodeChallengeMethod != "plain" || app.PublicClient) {
			s.redirectError(w, r, f, errPKCEMethod(f.CodeChallengeMethod))
			return
		}
	} else if app.PublicClient {
		s.redirectError(w, r, f, errPKCERequired())
		return
	}
	if e := s.checkApp(app, ts); e != nil {
		s.redirectError(w, r, f, e)
		return
	}
	s.startSignIn(w, r, f, app)
}

// startSignIn continues with a signed-in account, shows the account
// picker, or asks the user to sign in, as Microsoft's sign-in does:
//
//   - prompt=login asks for the password, whoever is signed in;
//   - prompt=select_account shows the picker of the signed-in accounts
//     (the sign-in page when there are none);
//   - a login_hint naming a signed-in account whose session is still
//     valid continues with it, without the picker; one naming no such
//     account asks for that account's password;
//   - otherwise one signed-in account continues silently (single
//     sign-on), and several show the picker;
//   - prompt=none never shows a page: login_required when no account
//     would continue, interaction_required (AADSTS16000) when several
//     could and the app named none.
//
// A signed-in account continues only while its session is valid: the
// user exists, is enabled and has the password they signed in with
// (sessionUser).
func (s *Server) startSignIn(w http.ResponseWriter, r *http.Request, f flow, app store.App) {
	prompts := strings.Fields(f.Prompt)
	login, pick, none := contains(prompts, "login"), contains(prompts, "select_account"), contains(prompts, "none")
	ss, signedIn := s.readSession(r)
	if signedIn && !login && !pick {
		if f.LoginHint != "" {
			for _, a := range ss.Accounts {
				if !strings.EqualFold(a.Name, f.LoginHint) {
					continue
				}
				u, ok, e := s.sessionUser(r, a)
				if e != nil {
					s.finishError(w, r, f, e)
					return
				}
				if ok {
					s.continueWith(w, r, f, ss, a, u)
					return
				}
			}
		} else if len(ss.Accounts) == 1 {
			u, ok, e := s.sessionUser(r, ss.current())
			if e != nil {
				s.finishError(w, r, f, e)
				return
			}
			if ok {
				s.continueWith(w, r, f, ss, ss.current(), u)
				return
			}
		} else {
			if none {
				s.finishError(w, r, f, errSelectAccount())
				return
			}
			s.showPicker(w, r, f, app.DisplayName, ss)
			return
		}
	}
	if none {
		s.finishError(w, r, f, errLoginRequired())
		return
	}
	if pick && !login && signedIn {
		s.showPicker(w, r, f, app.DisplayName, ss)
		return
	}
	s.signInPage(w, r, f, app.DisplayName, f.LoginHint, "")
}

// sessionUser reads the user of a signed-in account and reports whether
// the account's session is still valid: the user exists, may sign in and
// has the password they signed in with (a reset ends every session, as
// in Entra). A failing store is an error.
func (s *Server) sessionUser(r *http.Request, a account) (store.User, bool, *Error) {
	u, err := s.store.GetUser(r.Context(), a.TenantID, a.UserID)
	if errors.Is(err, store.ErrNotFound) {
		return u, false, nil
	}
	if err != nil {
		return u, false, errStore("reading the signed-in user", err)
	}
	if !u.AccountEnabled || u.Kind == store.UserSharedMailbox || a.Cred != "" && a.Cred != s.credTag(u.ID, u.PasswordHash) {
		return u, false, nil
	}
	return u, true, nil
}

// continueWith continues a flow with a signed-in account, which becomes
// the browser's current one.
func (s *Server) continueWith(w http.ResponseWriter, r *http.Request, f flow, ss session, a account, u store.User) {
	if ss.current().UserID != a.UserID || ss.current().TenantID != a.TenantID {
		ss.use(a)
		s.writeSession(w, r, ss)
	}
	if f.Kind == "console" {
		finishConsoleSignIn(w, r, f)
		return
	}
	s.continueFlow(w, r, f, u, time.Unix(a.AuthTime, 0))
}

// signInPage shows the sign-in's first step (the account) or, when the
// account is known (a login_hint, or the first step done), the second
// (the password), as Microsoft's sign-in does.
func (s *Server) signInPage(w http.ResponseWriter, r *http.Request, f flow, appName, account, msg string) {
	d := pageData{Title: "Sign in", AppName: appName, Flow: s.encodeFlow(w, r, f), LoginHint: f.LoginHint, Account: account, Error: msg}
	if account != "" {
		d.Title = "Enter password"
	}
	s.render(w, http.StatusOK, "signin", d)
}

// pickerAccount is one account of the picker.
type pickerAccount struct {
	// Key names the account in the form (its user id).
	Key, Name string
	// Ended: the account's session is no longer valid; picking it asks
	// for the password.
	Ended bool
}

// showPicker shows the account picker: every account signed in to the
// browser, the one used last first, and "Use another account". An account
// whose session ended says so (one read of each user, at most
// maxAccounts; a failing store leaves the check to the pick).
func (s *Server) showPicker(w http.ResponseWriter, r *http.Request, f flow, appName string, ss session) {
	d := pageData{Title: "Pick an account", AppName: appName, Flow: s.encodeFlow(w, r, f)}
	for _, a := range ss.Accounts {
		_, ok, e := s.sessionUser(r, a)
		d.Accounts = append(d.Accounts, pickerAccount{Key: a.UserID, Name: a.Name, Ended: !ok && e == nil})
	}
	s.render(w, http.StatusOK, "picker", d)
}

// pickSession continues a flow with the account picked: the browser's
// session, read again. An account whose session is no longer valid (the
// user was deleted or disabled, or their password was reset) or no longer
// in the browser asks for the password.
func (s *Server) pickSession(w http.ResponseWriter, r *http.Request, f flow, appName, key string) {
	ss, _ := s.readSession(r)
	var a account
	found := false
	for _, x := range ss.Accounts {
		if x.UserID == key {
			a, found = x, true
			break
		}
	}
	if !found {
		f.LoginHint = ""
		s.signInPage(w, r, f, appName, "", "That account is no longer signed in; sign in again.")
		return
	}
	u, ok, e := s.sessionUser(r, a)
	if e != nil {
		s.errorPage(w, r, e)
		return
	}
	if !ok {
		f.LoginHint = a.Name
		s.signInPage(w, r, f, appName, a.Name, "Your sign-in session for this account has ended; enter your password.")
		return
	}
	s.continueWith(w, r, f, ss, a, u)
}

// handleLoginPost checks the credentials of the sign-in page.
func (s *Server) handleLoginPost(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
	if err := r.ParseForm(); err != nil {
		s.errorPage(w, r, errInvalidRequest("The form could not be read."))
		return
	}
	f, e := s.decodeFlow(r)
	if e != nil {
		s.errorPage(w, r, e)
		return
	}
	ctx := r.Context()
	ts, e := s.resolveTenant(ctx, f.Tenant)
	if e != nil {
		s.errorPage(w, r, e)
		return
	}
	var app store.App
	if f.Kind == "console" {
		app.DisplayName = ConsoleName
	} else if app, e = s.lookupApp(ctx, f.ClientID, ts); e != nil {
		s.errorPage(w, r, e)
		return
	}
	upn := strings.TrimSpace(r.PostForm.Get("username"))
	switch r.PostForm.Get("action") {
	case "back": // "Use another account"
		f.LoginHint = ""
		s.signInPage(w, r, f, app.DisplayName, "", "")
		return
	}
	if key := r.PostForm.Get("account"); key != "" { // an account of the picker
		s.pickSession(w, r, f, app.DisplayName, key)
		return
	}
	if _, ok := r.PostForm["password"]; !ok {
		// The first step: the account. An unknown one is said at once, as
		// Microsoft's page does (AADSTS50034's wording).
		f.LoginHint = upn
		_, err := s.store.UserByUPN(ctx, upn)
		switch {
		case upn == "":
			s.signInPage(w, r, f, app.DisplayName, "", "Enter a valid email address or user principal name.")
		case errors.Is(err, store.ErrNotFound):
			s.signInPage(w, r, f, app.DisplayName, "", "We couldn't find an account with that username. Try another, or ask an administrator to create it (graphgate user create).")
		case err != nil:
			s.errorPage(w, r, errStore("finding the user", err))
		default:
			s.signInPage(w, r, f, app.DisplayName, upn, "")
		}
		return
	}
	u, e := s.authenticateUser(r.Context(), ts, upn, r.PostForm.Get("password"))
	logged := e
	if e == nil && (!u.AccountEnabled || u.Kind == store.UserSharedMailbox) {
		logged = errUserDisabled()
	}
	s.recordInteractive(r, ts, app, upn, u, logged)
	if e != nil && e.ServerSide() {
		s.errorPage(w, r, e)
		return
	}
	if e != nil {
		f.LoginHint = upn
		msg, account := "Your account or password is incorrect.", upn
		switch e.AADSTS {
		case 50034:
			msg, account = "We couldn't find an account with that username.", ""
		case 50053:
			msg = "Your account is temporarily locked to prevent unauthorized use. Try again later, and if you still have trouble, contact your admin."
		}
		s.signInPage(w, r, f, app.DisplayName, account, msg)
		return
	}
	if !u.AccountEnabled || u.Kind == store.UserSharedMailbox {
		s.finishError(w, r, f, errUserDisabled())
		return
	}
	now := s.now()
	ss, _ := s.readSession(r)
	ss.use(account{UserID: u.ID, TenantID: u.TenantID, AuthTime: now.Unix(), Expires: now.Add(s.cfg.SessionLifetime).Unix(),
		Name: u.UserPrincipalName, Cred: s.credTag(u.ID, u.PasswordHash)})
	s.writeSession(w, r, ss)
	if f.Kind == "console" {
		finishConsoleSignIn(w, r, f)
		return
	}
	s.continueFlow(w, r, f, u, now)
}

// flowParties reads, again at each step of an interactive flow (the
// directory may have changed since it began), the tenant, the app and the
// signed-in user's standing in both. A failure is answered here: on an
// error page when the app cannot be trusted with a redirect, else to the
// app; ok is false then.
func (s *Server) flowParties(w http.ResponseWriter, r *http.Request, f flow, u store.User) (ts tenantSeg, app store.App, t store.Tenant, ok bool) {
	ctx := r.Context()
	ts, e := s.resolveTenant(ctx, f.Tenant)
	if e != nil {
		s.errorPage(w, r, e)
		return ts, app, t, false
	}
	if app, e = s.lookupApp(ctx, f.ClientID, ts); e != nil {
		s.errorPage(w, r, e)
		return ts, app, t, false
	}
	if t, e = s.checkUser(ctx, app, ts, u); e != nil {
		s.finishError(w, r, f, e)
		return ts, app, t, false
	}
	return ts, app, t, true
}

// continueFlow runs the consent step of any interactive flow for a
// signed-in user, and finishes the flow when consent is in place.
func (s *Server) continueFlow(w http.ResponseWriter, r *http.Request, f flow, u store.User, authTime time.Time) {
	ctx := r.Context()
	ts, app, t, ok := s.flowParties(w, r, f, u)
	if !ok {
		return
	}
	if f.Kind == "adminconsent" {
		s.adminConsentStep(w, r, f, app, t, u)
		return
	}
	req, e := parseScopes(s.cat, f.Scope, ts.raw)
	if e != nil {
		s.finishError(w, r, f, e)
		return
	}
	if req.isAPI() {
		if e := s.checkAPI(ctx, req, t); e != nil {
			s.finishError(w, r, f, e)
			return
		}
		s.finish(w, r, f, app, t, u, req, nil, authTime)
		return
	}
	n, e := s.need(ctx, app, t.ID, u, req)
	if e != nil {
		s.finishError(w, r, f, e)
		return
	}
	prompts := strings.Fields(f.Prompt)
	if n.satisfied() && !contains(prompts, "consent") {
		s.finish(w, r, f, app, t, u, req, tokenPerms(n.consented, u), authTime)
		return
	}
	if contains(prompts, "none") {
		e := errConsentRequired(app.AppID, app.DisplayName)
		e.Code = "consent_required"
		s.finishError(w, r, f, e)
		return
	}
	if len(n.adminOnly) > 0 {
		var ps []pagePerm
		for _, p := range n.adminOnly {
			ps = append(ps, describe(p, catalog.DelegatedWork))
		}
		link := ""
		if f.Kind == "authorize" {
			link = s.errorRedirectURL(r, f, errAdminConsentRequired())
		}
		s.render(w, http.StatusOK, "message", pageData{Title: "Need admin approval", AppName: app.DisplayName,
			Error: errAdminConsentRequired().Message(),
			Message: app.DisplayName + " needs permission to access resources in your organization that only an admin can grant. " +
				"Ask an admin to grant permission to this app before you can use it.",
			Perms: ps, Link: link, LinkText: "Return to the application without granting consent",
			Request:        s.issuerBase(r) + "/" + t.ID + "/adminconsent?client_id=" + url.QueryEscape(app.AppID) + "&redirect_uri=" + url.QueryEscape(f.RedirectURI),
			RequestCommand: "graphgate consent grant --app " + app.AppID + " --all-users --scopes \"" + strings.Join(names(n.adminOnly), " ") + "\""})
		return
	}
	f.UserID = u.ID
	show := n.missing
	if len(show) == 0 {
		show = n.want
	}
	scheme := schemeFor(u)
	var ps []pagePerm
	for _, p := range show {
		ps = append(ps, describe(p, scheme))
	}
	if req.offline() {
		if p, ok := s.cat.Lookup("offline_access"); ok {
			ps = append(ps, describe(p, catalog.DelegatedWork))
		}
	}
	publisher := ""
	if home, err := s.store.GetTenant(ctx, app.TenantID); err == nil {
		publisher = home.DisplayName
	}
	s.render(w, http.StatusOK, "consent", pageData{Title: "Permissions requested", AppName: app.DisplayName, Flow: s.encodeFlow(w, r, f),
		User: u.UserPrincipalName, Perms: ps, CanConsentForOrg: isConsentAdmin(u), Publisher: publisher, TenantName: t.DisplayName})
}

// handleConsentPost records the user's decision on the consent page.
func (s *Server) handleConsentPost(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
	if err := r.ParseForm(); err != nil {
		s.errorPage(w, r, errInvalidRequest("The form could not be read."))
		return
	}
	f, e := s.decodeFlow(r)
	if e != nil {
		s.errorPage(w, r, e)
		return
	}
	if f.UserID == "" {
		s.errorPage(w, r, errInvalidRequest("The consent request is invalid; start again from the app."))
		return
	}
	ss, _ := s.readSession(r)
	a, ok := ss.find("", f.UserID)
	if !ok {
		s.errorPage(w, r, errInvalidRequest("Your sign-in session ended; start again from the app."))
		return
	}
	ctx := r.Context()
	u, err := s.store.GetUser(ctx, a.TenantID, a.UserID)
	if errors.Is(err, store.ErrNotFound) {
		s.errorPage(w, r, errInvalidRequest("Your account is no longer available."))
		return
	}
	if err != nil {
		s.errorPage(w, r, errStore("reading the signed-in user", err))
		return
	}
	if r.PostForm.Get("decision") != "accept" {
		if f.Kind == "device" {
			// The device polls: it must learn of the refusal
			// (authorization_declined), not wait until the code expires.
			if e := s.declineDevice(r, f); e != nil {
				s.errorPage(w, r, e)
				return
			}
		}
		s.finishError(w, r, f, errUserDeclined())
		return
	}
	ts, app, t, ok := s.flowParties(w, r, f, u)
	if !ok {
		return
	}
	if f.Kind == "adminconsent" {
		s.adminConsentAccept(w, r, f, app, t, u)
		return
	}
	req, e := parseScopes(s.cat, f.Scope, ts.raw)
	if e != nil {
		s.finishError(w, r, f, e)
		return
	}
	n, e := s.need(ctx, app, t.ID, u, req)
	if e != nil {
		s.finishError(w, r, f, e)
		return
	}
	if len(n.adminOnly) > 0 {
		s.finishError(w, r, f, errAdminConsentRequired())
		return
	}
	forOrg := r.PostForm.Get("org") == "1" && isConsentAdmin(u)
	if forOrg {
		err = s.adminConsentAll(ctx, t.ID, app, n.want, nil)
	} else if len(n.missing) > 0 {
		err = s.grantConsent(ctx, t.ID, app.AppID, u, n.missing, false)
	}
	if err != nil {
		s.finishError(w, r, f, errConsent("recording consent", err))
		return
	}
	consented, err := s.consented(ctx, t.ID, app.AppID, u.ID)
	if err != nil {
		s.finishError(w, r, f, errStore("reading consent", err))
		return
	}
	s.finish(w, r, f, app, t, u, req, tokenPerms(consented, u), time.Unix(a.AuthTime, 0))
}

// finish ends a flow whose user signed in and consented: a code for
// authorize, an approval for a device code.
func (s *Server) finish(w http.ResponseWriter, r *http.Request, f flow, app store.App, t store.Tenant, u store.User, req *scopeRequest, perms []*catalog.Permission, authTime time.Time) {
	ctx := r.Context()
	names := make([]string, 0, len(perms))
	for _, p := range perms {
		names = append(names, p.Name)
	}
	now := s.now()
	switch f.Kind {
	case "device":
		hash, _ := hex.DecodeString(f.DeviceHash)
		err := s.store.UpdateDeviceCode(ctx, hash, func(d store.DeviceCode) (store.DeviceCode, error) {
			return approveDeviceCode(d, now, u.ID, t.ID, names, authTime)
		})
		if err != nil && !errors.Is(err, errNotPending) && !errors.Is(err, store.ErrNotFound) {
			s.errorPage(w, r, errStore("approving the device code", err))
			return
		}
		if err != nil {
			s.render(w, http.StatusOK, "message", pageData{Title: "Sign in", Error: "The code expired or was already used. Start again on your device."})
			return
		}
		s.render(w, http.StatusOK, "message", pageData{Title: app.DisplayName,
			Message: "You have signed in to the " + app.DisplayName + " application on your device. You may now close this window."})
	default:
		code := newOpaque("1.A")
		ac := store.AuthCode{Hash: hashToken(code), TenantID: t.ID, ClientID: app.AppID, UserID: u.ID, RedirectURI: f.RedirectURI,
			Scopes: names, Requested: req.raw, Nonce: f.Nonce, CodeChallenge: f.CodeChallenge, CodeChallengeMethod: f.CodeChallengeMethod,
			AuthTime: authTime, ExpiresAt: now.Add(s.cfg.CodeLifetime)}
		if err := s.store.CreateAuthCode(ctx, ac); err != nil {
			s.finishError(w, r, f, errStore("storing the authorization code", err))
			return
		}
		s.respond(w, r, f, url.Values{"code": {code}, "state": optional(f.State), "session_state": {newGUID()}})
	}
}

// declineDevice marks a pending device code denied. A code no longer
// pending (or gone) is left as it is.
func (s *Server) declineDevice(r *http.Request, f flow) *Error {
	hash, err := hex.DecodeString(f.DeviceHash)
	if err != nil {
		return nil
	}
	err = s.store.UpdateDeviceCode(r.Context(), hash, declineDeviceCode)
	if err != nil && !errors.Is(err, errNotPending) && !errors.Is(err, store.ErrNotFound) {
		return errStore("declining the device code", err)
	}
	return nil
}

// finishError ends a flow with an error: on the (validated) redirect URI
// for authorize and admin consent, on a page otherwise.
func (s *Server) finishError(w http.ResponseWriter, r *http.Request, f flow, e *Error) {
	if (f.Kind == "authorize" || f.Kind == "adminconsent") && f.RedirectURI != "" {
		s.redirectError(w, r, f, e)
		return
	}
	s.errorPage(w, r, e)
}

// redirectError sends an error to the (validated) redirect URI. A
// server-side failure goes there too, as server_error or
// temporarily_unavailable: RFC 6749 §4.1.2.1 defines those codes because a
// 5xx status cannot be redirected to the app.
func (s *Server) redirectError(w http.ResponseWriter, r *http.Request, f flow, e *Error) {
	level := slog.LevelInfo
	if e.ServerSide() {
		level = slog.LevelError
	}
	s.log.Log(r.Context(), level, "authorize error", "aadsts", e.AADSTS, "error", e.Code, "client", f.ClientID, "cause", e.cause)
	s.respond(w, r, f, errorValues(f, e, s.now(), s.issuerBase(r)))
}

// errorValues are the parameters of an error sent to a redirect URI;
// error_uri is absolute, on base (the request's scheme and host, as in
// discovery).
func errorValues(f flow, e *Error, now time.Time, base string) url.Values {
	trace := traceID()
	v := url.Values{"error": {e.Code},
		"error_description": {e.Message() + "\r\nTrace ID: " + trace + "\r\nCorrelation ID: " + trace + "\r\nTimestamp: " + now.UTC().Format("2006-01-02 15:04:05Z")},
		"error_uri":         {base + "/error?code=" + strconv.Itoa(e.AADSTS)}, "state": optional(f.State)}
	if e.SubError != "" {
		v.Set("suberror", e.SubError)
	}
	return v
}

func (s *Server) errorRedirectURL(r *http.Request, f flow, e *Error) string {
	return appendQuery(f.RedirectURI, errorValues(f, e, s.now(), s.issuerBase(r)))
}

// respond delivers parameters to the redirect URI in the response mode.
func (s *Server) respond(w http.ResponseWriter, r *http.Request, f flow, v url.Values) {
	for k, vs := range v {
		if len(vs) == 0 || vs[0] == "" {
			delete(v, k)
		}
	}
	switch f.ResponseMode {
	case "form_post":
		var fields []formField
		for k, vs := range v {
			fields = append(fields, formField{k, valueAttr(vs[0])})
		}
		s.render(w, http.StatusOK, "formpost", map[string]any{"Action": f.RedirectURI, "Fields": fields})
	case "fragment":
		http.Redirect(w, r, strings.SplitN(f.RedirectURI, "#", 2)[0]+"#"+v.Encode(), http.StatusFound)
	default:
		http.Redirect(w, r, appendQuery(f.RedirectURI, v), http.StatusFound)
	}
}

// appendQuery adds v to uri's query; with nothing to add, uri is as it was
// (no stray "?").
func appendQuery(uri string, v url.Values) string {
	q := v.Encode()
	if q == "" {
		return uri
	}
	sep := "?"
	if strings.Contains(uri, "?") {
		sep = "&"
	}
	return uri + sep + q
}

func optional(s string) []string {
	if s == "" {
		return nil
	}
	return []string{s}
}

// matchRedirect finds the registered redirect URI a request names: exactly,
// or for a loopback address with another port and nothing else changed, as
// the identity platform allows for native apps (RFC 8252 §7.3;
// loopbackMatch). An omitted redirect_uri uses the only registered one.
func matchRedirect(app store.App, uri string) (string, *Error) {
	if len(app.RedirectURIs) == 0 {
		return "", errNoReplyAddress(app.AppID)
	}
	if uri == "" {
		if len(app.RedirectURIs) == 1 {
			return app.RedirectURIs[0].URI, nil
		}
		return "", newErr("invalid_request", 900971, 400, "No reply address provided.").with("app", app.AppID)
	}
	for _, ru := range app.RedirectURIs {
		if ru.URI == uri || loopbackMatch(ru.URI, uri) {
			return uri, nil
		}
	}
	return "", errRedirectMismatch(uri, app.AppID)
}

// loopbackMatch reports whether got is the registered loopback redirect URI
// of a native app with another port, which is all it may differ in (RFC
// 8252 §7.3; RFC 9700 §2.1 asks for exact matching otherwise, as Entra
// does): the same http scheme, loopback host and path (a trailing slash
// aside, as MSAL sends "http://localhost:port" for "http://localhost"),
// the same query (none, unless one is registered), and no userinfo and no
// fragment (RFC 6749 §3.1.2: a redirection endpoint has no fragment — the
// code would land in it).
func loopbackMatch(registered, got string) bool {
	a, err1 := url.Parse(registered)
	b, err2 := url.Parse(got)
	if err1 != nil || err2 != nil || a.Scheme != "http" || b.Scheme != "http" {
		return false
	}
	h := a.Hostname()
	if h != "localhost" && h != "127.0.0.1" && h != "::1" {
		return false
	}
	if b.User != nil || b.Opaque != "" || strings.Contains(got, "#") ||
		b.RawQuery != a.RawQuery || b.ForceQuery != a.ForceQuery {
		return false
	}
	return a.Hostname() == b.Hostname() && strings.TrimSuffix(a.Path, "/") == strings.TrimSuffix(b.Path, "/")
}

// describe renders a permission for a consent page.
func describe(p *catalog.Permission, scheme catalog.Scheme) pagePerm {
	si := p.Schemes[scheme]
	if si == nil {
		si = p.Schemes[catalog.DelegatedWork]
	}
	if si == nil {
		return pagePerm{Name: p.Name, Display: p.Name}
	}
	d := si.UserDisplayName
	desc := si.UserDescription
	if d == "" {
		d, desc = si.AdminDisplayName, si.AdminDescription
	}
	return pagePerm{Name: p.Name, Display: d, Description: desc}
}

func schemeFor(u store.User) catalog.Scheme {
	if u.Kind == store.UserPersonal {
		return catalog.DelegatedPersonal
	}
	return catalog.DelegatedWork
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
