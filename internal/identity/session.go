package identity

import (
	"crypto/hmac"
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

const sessionCookie = "graphgate_session"

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

func (s *Server) encodeFlow(f flow) string {
	if f.Expires == 0 {
		f.Expires = s.now().Add(30 * time.Minute).Unix()
	}
	return s.sign(f)
}

func (s *Server) decodeFlow(token string) (flow, *Error) {
	var f flow
	if err := s.unsign(token, &f); err != nil {
		return f, errInvalidRequest("The sign-in request is invalid or was tampered with; start again from the app.")
	}
	if s.now().Unix() > f.Expires {
		return f, errInvalidRequest("The sign-in request expired; start again from the app.")
	}
	return f, nil
}
