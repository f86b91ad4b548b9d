package identity

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"time"
)

// Browser state is signed, not stored: the sign-in session cookie and the
// flow state carried through the sign-in and consent pages are HMAC-signed
// JSON under a key every replica shares, so any replica can continue a flow
// another started.
//
// Login CSRF: a flow is bound to the browser it was shown to. The first
// page that carries a flow sets a random anti-CSRF cookie (HttpOnly,
// SameSite=Lax), and the signed flow holds a hash of it; the sign-in and
// consent forms are accepted only from a browser that sends the matching
// cookie, and never from another origin (net/http's CrossOriginProtection:
// Sec-Fetch-Site, or Origin against Host for older browsers). So a page
// elsewhere cannot post a sign-in form with the attacker's account and
// flow into a victim's browser (RFC 6749 §10.12, OWASP's signed
// double-submit cookie): the victim's browser does not hold the attacker's
// cookie, and SameSite keeps it from sending one cross-site anyway.

const (
	sessionCookie = "graphgate_session"
	xsrfCookie    = "graphgate_xsrf"
)

// maxAccounts bounds the accounts one browser session holds. Entra's
// account list keeps a handful of signed-in accounts; graphgate keeps the
// five used last and drops the oldest when a sixth signs in, which also
// bounds the cookie (about 200 bytes an account).
const maxAccounts = 5

// account is one signed-in account of the browser.
type account struct {
	UserID   string `json:"uid"`
	TenantID string `json:"tid"`
	AuthTime int64  `json:"at"`
	Expires  int64  `json:"exp"`
	// Name is the user principal name at sign-in, for the account picker
	// (the user may have been deleted since).
	Name string `json:"n,omitempty"`
	// Cred is a keyed tag of the user's password hash at sign-in: a
	// password set since (a reset) no longer matches, and the account
	// must sign in again (credTag).
	Cred string `json:"c,omitempty"`
}

// session is the browser's signed-in accounts (single sign-on), the one
// used last first.
type session struct {
	Accounts []account `json:"a"`
}

// storedSession is the cookie's JSON: the accounts, or the single account
// that earlier versions wrote at the top level (read as a session of that
// account, so a rolling upgrade keeps people signed in).
type storedSession struct {
	Accounts []account `json:"a"`
	account
}

// current is the account used last.
func (ss *session) current() account { return ss.Accounts[0] }

// find returns the signed-in account of a user.
func (ss *session) find(tenantID, userID string) (account, bool) {
	for _, a := range ss.Accounts {
		if a.UserID == userID && (tenantID == "" || a.TenantID == tenantID) {
			return a, true
		}
	}
	return account{}, false
}

// use puts a first (it signed in or was picked), replacing the user's
// earlier entry and dropping the oldest beyond maxAccounts.
func (ss *session) use(a account) {
	out := make([]account, 0, maxAccounts)
	out = append(out, a)
	for _, b := range ss.Accounts {
		if len(out) == maxAccounts {
			break
		}
		if b.UserID != a.UserID || b.TenantID != a.TenantID {
			out = append(out, b)
		}
	}
	ss.Accounts = out
}

// remove drops the accounts named by user principal name (logout_hint)
// and reports whether it dropped any.
func (ss *session) remove(name string) bool {
	out := ss.Accounts[:0]
	for _, a := range ss.Accounts {
		if !strings.EqualFold(a.Name, name) {
			out = append(out, a)
		}
	}
	dropped := len(out) < len(ss.Accounts)
	ss.Accounts = out
	return dropped
}

// credTag is what an account keeps of the user's password hash: a keyed
// hash, so the cookie reveals nothing of it, that changes when the
// password does.
func (s *Server) credTag(userID, passwordHash string) string {
	return base64.RawURLEncoding.EncodeToString(hmacSHA256(s.sessionKey, []byte("graphgate-cred\x00"+userID+"\x00"+passwordHash))[:12])
}

// flow is an interactive request in progress.
type flow struct {
	Kind                string `json:"k"` // authorize, device, adminconsent
	Tenant              string `json:"t"` // the tenant segment
	ClientID            string `json:"c"`
	RedirectURI         string `json:"r,omitempty"`
	ResponseMode        string `json:"m,omitempty"`
	State               string `json:"s,omitempty"`
	Nonce               string `json:"n,omitempty"`
	Scope               string `json:"sc,omitempty"`
	CodeChallenge       string `json:"cc,omitempty"`
	CodeChallengeMethod string `json:"ccm,omitempty"`
	Prompt              string `json:"p,omitempty"`
	LoginHint           string `json:"lh,omitempty"`
	DeviceHash          string `json:"d,omitempty"`
	AdminV2             bool   `json:"v2,omitempty"`
	// UserID is set once the user signed in (for the consent step).
	UserID  string `json:"u,omitempty"`
	Expires int64  `json:"e"`
	// Browser is the hash of the browser's anti-CSRF cookie.
	Browser string `json:"b"`
}

var errBadSignature = errors.New("identity: bad signature")

func (s *Server) sign(v any) string {
	b, _ := json.Marshal(v)
	p := base64.RawURLEncoding.EncodeToString(b)
	return p + "." + base64.RawURLEncoding.EncodeToString(hmacSHA256(s.sessionKey, []byte(p)))
}

func (s *Server) unsign(token string, v any) error {
	p, sig, ok := strings.Cut(token, ".")
	if !ok {
		return errBadSignature
	}
	want := hmacSHA256(s.sessionKey, []byte(p))
	got, err := base64.RawURLEncoding.DecodeString(sig)
	if err != nil || !hmac.Equal(got, want) {
		return errBadSignature
	}
	b, err := base64.RawURLEncoding.DecodeString(p)
	if err != nil {
		return errBadSignature
	}
	return json.Unmarshal(b, v)
}

// readSession reads the browser's signed-in accounts, leaving out expired
// ones; ok is false when none is left.
func (s *Server) readSession(r *http.Request) (session, bool) {
	c, err := r.Cookie(sessionCookie)
	if err != nil {
		return session{}, false
	}
	var st storedSession
	if s.unsign(c.Value, &st) != nil {
		return session{}, false
	}
	if len(st.Accounts) == 0 && st.UserID != "" {
		st.Accounts = []account{st.account}
	}
	var ss session
	now := s.now().Unix()
	live := make([]account, 0, min(len(st.Accounts), maxAccounts))
	for _, a := range st.Accounts {
		if now <= a.Expires && len(live) < maxAccounts {
			live = append(live, a)
		}
	}
	ss.Accounts = live
	return ss, len(live) > 0
}

// writeSession sets the session cookie, which lives as long as its
// longest-lived account (each account's own expiry is checked on read).
func (s *Server) writeSession(w http.ResponseWriter, r *http.Request, ss session) {
	if len(ss.Accounts) == 0 {
		clearSession(w, r)
		return
	}
	var exp int64
	for _, a := range ss.Accounts {
		exp = max(exp, a.Expires)
	}
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: s.sign(session{Accounts: ss.Accounts}), Path: "/", HttpOnly: true,
		Secure: r.TLS != nil, SameSite: http.SameSiteLaxMode, Expires: time.Unix(exp, 0)})
}

func clearSession(w http.ResponseWriter, r *http.Request) {
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: "", Path: "/", HttpOnly: true, Secure: r.TLS != nil,
		SameSite: http.SameSiteLaxMode, MaxAge: -1})
}

// encodeFlow signs f for a form of the page being written to w, bound to
// the browser (setting its anti-CSRF cookie if it has none).
func (s *Server) encodeFlow(w http.ResponseWriter, r *http.Request, f flow) string {
	if f.Expires == 0 {
		f.Expires = s.now().Add(30 * time.Minute).Unix()
	}
	v, ok := xsrfValue(r)
	if !ok {
		v = base64.RawURLEncoding.EncodeToString(randomBytes(32))
		http.SetCookie(w, &http.Cookie{Name: xsrfCookie, Value: v, Path: "/", HttpOnly: true, Secure: r.TLS != nil,
			SameSite: http.SameSiteLaxMode})
	}
	f.Browser = browserTag(v)
	return s.sign(f)
}

// decodeFlow reads the flow a form posted, refusing one that was not shown
// to this browser or that comes from another site.
func (s *Server) decodeFlow(r *http.Request) (flow, *Error) {
	var f flow
	if err := s.unsign(r.PostForm.Get("flow"), &f); err != nil {
		return f, errInvalidRequest("The sign-in request is invalid or was tampered with; start again from the app.")
	}
	if s.now().Unix() > f.Expires {
		return f, errInvalidRequest("The sign-in request expired; start again from the app.")
	}
	v, ok := xsrfValue(r)
	if s.crossOrigin.Check(r) != nil || !ok || subtle.ConstantTimeCompare([]byte(browserTag(v)), []byte(f.Browser)) != 1 {
		return f, errInvalidRequest("The sign-in form was not sent by the page this browser was shown (another site, another browser, or cookies blocked); start again from the app.")
	}
	return f, nil
}

// xsrfValue is the browser's anti-CSRF cookie, if it has a well-formed one.
func xsrfValue(r *http.Request) (string, bool) {
	c, err := r.Cookie(xsrfCookie)
	if err != nil {
		return "", false
	}
	b, err := base64.RawURLEncoding.DecodeString(c.Value)
	return c.Value, err == nil && len(b) == 32
}

// browserTag is what a flow holds of the anti-CSRF cookie: a hash, so the
// page source does not reveal the cookie.
func browserTag(cookie string) string {
	sum := sha256.Sum256([]byte("graphgate-xsrf\x00" + cookie))
	return base64.RawURLEncoding.EncodeToString(sum[:16])
}
