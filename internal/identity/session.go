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

// session is the browser's signed-in user (single sign-on).
type session struct {
	UserID   string `json:"uid"`
	TenantID string `json:"tid"`
	AuthTime int64  `json:"at"`
	Expires  int64  `json:"exp"`
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

func (s *Server) readSession(r *http.Request) (session, bool) {
	c, err := r.Cookie(sessionCookie)
	if err != nil {
		return session{}, false
	}
	var ss session
	if s.unsign(c.Value, &ss) != nil || s.now().Unix() > ss.Expires {
		return session{}, false
	}
	return ss, true
}

func (s *Server) writeSession(w http.ResponseWriter, r *http.Request, ss session) {
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: s.sign(ss), Path: "/", HttpOnly: true,
		Secure: r.TLS != nil, SameSite: http.SameSiteLaxMode, Expires: time.Unix(ss.Expires, 0)})
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
