package auth

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"

	msalerrors "github.com/AzureAD/microsoft-authentication-library-for-go/apps/errors"
)

// Kind says what an authentication failure means for the daemon.
type Kind int

// Kinds of failure.
const (
	// Transient: network trouble or a server error; retry later.
	Transient Kind = iota
	// NotSignedIn: the token file holds no account.
	NotSignedIn
	// Reauth: the refresh token expired or was revoked; the user must sign
	// in again.
	Reauth
	// Consent: the requested scopes are not (or no longer) consented.
	Consent
	// Client: the app registration or its secret is wrong.
	Client
	// SignInFailed: the user declined, or the sign-in was refused.
	SignInFailed
	// Config: the configuration cannot work (e.g. device code with a
	// confidential client).
	Config
)

func (k Kind) String() string {
	return [...]string{"transient", "not-signed-in", "reauth", "consent", "client", "sign-in-failed", "config"}[k]
}

// Error is a classified authentication failure.
type Error struct {
	Kind Kind
	// OAuthError is the OAuth error (invalid_grant, …) and Code the AADSTS
	// number, when the identity platform answered.
	OAuthError string
	Code       int
	Message    string
	err        error
}

func (e *Error) Error() string {
	var b strings.Builder
	if e.Code != 0 {
		fmt.Fprintf(&b, "AADSTS%d ", e.Code)
	}
	if e.OAuthError != "" {
		fmt.Fprintf(&b, "(%s) ", e.OAuthError)
	}
	b.WriteString(e.Message)
	return strings.TrimSpace(b.String())
}

func (e *Error) Unwrap() error { return e.err }

// Remedy says what the user should do about e; login is the command that
// signs the account in again.
func (e *Error) Remedy(login string) string {
	switch e.Kind {
	case NotSignedIn:
		return "Sign in: " + login
	case Reauth:
		switch e.Code {
		case 70008, 700082:
			return "The refresh token expired from inactivity: sign in again: " + login
		case 50173, 50133:
			return "The refresh token was revoked (password changed or sessions revoked): sign in again: " + login
		}
		return "Sign in again: " + login
	case Consent:
		return "The configuration needs scopes that are not consented: sign in again and accept them: " + login
	case Client:
		if e.Code == 7000215 {
			return "The client secret is wrong or expired. Use the secret's Value, not its Secret ID, in client_secret (or create a new secret)."
		}
		return "Check client_id, client_secret and the app registration (public client flows must be allowed for the device code flow)."
	case SignInFailed:
		return "Sign in again and accept the permissions: " + login
	case Config:
		return "Change the configuration."
	}
	return "The bridge retries with back-off."
}

var errNoAccount = &Error{Kind: NotSignedIn, Message: "the token file holds no signed-in account"}

var aadstsRe = regexp.MustCompile(`AADSTS(\d+)`)

func aadsts(s string) int {
	m := aadstsRe.FindStringSubmatch(s)
	if m == nil {
		return 0
	}
	n, _ := strconv.Atoi(m[1])
	return n
}

// classify turns an MSAL or transport error into an *Error.
func classify(err error) error {
	if err == nil {
		return nil
	}
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	out := &Error{Kind: Transient, Message: err.Error(), err: err}
	var body struct {
		Error       string `json:"error"`
		Description string `json:"error_description"`
		Codes       []int  `json:"error_codes"`
	}
	var ce msalerrors.CallErr
	if errors.As(err, &ce) && ce.Resp != nil && ce.Resp.Body != nil {
		b, _ := io.ReadAll(ce.Resp.Body)
		_ = json.Unmarshal(b, &body)
		if body.Error == "" && ce.Resp.StatusCode >= 500 {
			out.Message = fmt.Sprintf("the identity platform answered %d", ce.Resp.StatusCode)
			return out
		}
	}
	text := err.Error()
	if body.Error == "" {
		// MSAL's message carries the response body.
		if i := strings.IndexByte(text, '{'); i >= 0 {
			_ = json.Unmarshal([]byte(text[i:]), &body)
		}
	}
	if body.Error == "" {
		return out // a transport error: transient
	}
	out.OAuthError = body.Error
	out.Message = body.Description
	if len(body.Codes) > 0 {
		out.Code = body.Codes[0]
	} else {
		out.Code = aadsts(body.Description)
	}
	if i := strings.Index(out.Message, ": "); i >= 0 && strings.HasPrefix(out.Message, "AADSTS") {
		out.Message = out.Message[i+2:]
	}
	// The description ends with per-request lines (Trace ID, Correlation
	// ID, Timestamp); the first line is the message.
	if i := strings.IndexAny(out.Message, "\r\n"); i >= 0 {
		out.Message = strings.TrimSpace(out.Message[:i])
	}
	switch body.Error {
	case "invalid_grant":
		switch out.Code {
		case 65001, 90094, 65004:
			out.Kind = Consent
		default:
			out.Kind = Reauth
		}
	case "consent_required", "interaction_required":
		out.Kind = Consent
		if out.Code == 50076 || out.Code == 50079 || out.Code == 50158 {
			out.Kind = Reauth
		}
	case "invalid_scope":
		out.Kind = Consent
	case "invalid_client", "unauthorized_client":
		out.Kind = Client
	case "access_denied", "authorization_declined", "expired_token", "bad_verification_code":
		out.Kind = SignInFailed
	case "temporarily_unavailable", "server_error":
		out.Kind = Transient
	default:
		out.Kind = SignInFailed
	}
	return out
}
