package identity

import (
	"net"
	"net/http"
	"strings"
	"time"

	"graphgate/internal/store"
)

// The sign-in log's hooks. Every sign-in the identity platform handles —
// a password typed on the sign-in page (interactive), and every answer of
// the token endpoint (non-interactive: authorization code, refresh token,
// device code, password, on-behalf-of; client credentials as a service
// principal's sign-in) — becomes one store.SignIn, success or failure,
// handed to Deps.SignIns. The recorder queues it and returns (package
// decisionlog's SignInWriter): nothing here waits for the store.
//
// What graphgate chose where Microsoft's docs are silent or graphgate is
// coarser:
//   - An interactive sign-in is recorded when the password is checked on
//     the sign-in page: success once the credentials are accepted (the
//     consent that may follow is the token endpoint's or the consent
//     page's business), failure with the AADSTS code the check gave
//     (50126, 50053, 50034, 50057).
//   - Device-code polls answered authorization_pending or slow_down
//     (AADSTS70016) are not sign-ins: the user has not signed in yet.
//   - A request whose tenant is unknown (an unknown tenant, or /common
//     with an unknown account) is recorded nowhere: the log is per tenant.
//   - The row's id is the request's trace id (x-ms-request-id, and the
//     trace_id of an error body); its correlationId is the client's
//     client-request-id, else the trace id too.

// SignInRecorder takes the sign-ins the identity platform handles. It
// must not block: it is called on the request.
type SignInRecorder interface {
	RecordSignIn(store.SignIn)
}

// clientApp values of the signIn resource (clientAppUsed).
const (
	clientAppBrowser = "Browser"
	clientAppModern  = "Mobile Apps and Desktop clients"
)

// attempt is what one sign-in has learnt so far; nil when no recorder is
// set (every method then does nothing).
type attempt struct {
	x store.SignIn
	// tenantSeg is the request's tenant when it names one.
	tenantSeg string
}

// newAttempt starts the record of a sign-in on r with trace id trace.
func (s *Server) newAttempt(r *http.Request, trace string, interactive bool) *attempt {
	if s.signins == nil {
		return nil
	}
	a := &attempt{x: store.SignIn{ID: trace, Time: s.now(), RequestID: r.Header.Get("client-request-id"), IPAddress: remoteIP(r),
		Interactive: interactive, ClientApp: clientAppModern}}
	if a.x.RequestID == "" {
		a.x.RequestID = trace
	}
	if interactive {
		a.x.ClientApp, a.x.GrantType = clientAppBrowser, "interactive"
	}
	return a
}

func remoteIP(r *http.Request) string {
	if h, _, err := net.SplitHostPort(r.RemoteAddr); err == nil {
		return h
	}
	return r.RemoteAddr
}

func (a *attempt) tenant(ts tenantSeg) {
	if a != nil && ts.tenant.ID != "" {
		a.tenantSeg = ts.tenant.ID
	}
}

func (a *attempt) grant(name string) {
	if a != nil {
		a.x.GrantType = name
	}
}

func (a *attempt) app(app store.App) {
	if a != nil {
		a.x.AppID, a.x.AppName = app.AppID, app.DisplayName
	}
}

// user notes the account signing in (found in the directory).
func (a *attempt) user(u store.User) {
	if a != nil && u.ID != "" {
		a.x.UserID, a.x.UserUPN, a.x.UserName, a.x.TenantID = u.ID, u.UserPrincipalName, u.DisplayName, u.TenantID
	}
}

// typed notes the account name typed, before (or without) finding it.
func (a *attempt) typed(upn string) {
	if a != nil && a.x.UserID == "" {
		a.x.UserUPN = strings.TrimSpace(upn)
	}
}

// resource notes what the token is for: Microsoft Graph, or a registered
// API (api is its application id).
func (a *attempt) resource(api string) {
	if a == nil {
		return
	}
	if api == "" {
		a.x.ResourceID, a.x.ResourceName = GraphAppID, "Microsoft Graph"
		return
	}
	a.x.ResourceID, a.x.ResourceName = api, "api://"+api
}

func (a *attempt) servicePrincipal(tenantID string) {
	if a != nil {
		a.x.ServicePrincipal, a.x.TenantID = true, tenantID
	}
}

// record hands the sign-in to the recorder: a success when e is nil,
// else a failure with e's AADSTS code and message.
func (s *Server) record(a *attempt, e *Error) {
	if a == nil {
		return
	}
	if e != nil {
		if e.AADSTS == 70016 { // authorization_pending, slow_down: not a sign-in yet
			return
		}
		// Every *Error has an AADSTS number (newErr's callers give one),
		// so a failure never reads as errorCode 0.
		a.x.ErrorCode, a.x.FailureReason = e.AADSTS, e.Message()
	}
	if a.x.TenantID == "" {
		a.x.TenantID = a.tenantSeg
	}
	if a.x.TenantID == "" {
		return
	}
	a.x.Time = a.x.Time.UTC().Truncate(time.Millisecond)
	s.signins.RecordSignIn(a.x)
}

// recordInteractive records the password check of the sign-in page: e is
// its outcome (nil: the credentials were accepted).
func (s *Server) recordInteractive(r *http.Request, ts tenantSeg, app store.App, upn string, u store.User, e *Error) {
	a := s.newAttempt(r, traceID(), true)
	a.tenant(ts)
	a.app(app)
	a.typed(upn)
	a.user(u)
	s.record(a, e)
}

// ErrorSummary is what graphgate's error page (/error?code=N) says an
// AADSTS code means, for pages that show recorded failures (the console's
// sign-in log); "" when graphgate has no page for the code.
func ErrorSummary(code int) string {
	h, ok := help(code, nil)
	if !ok {
		return ""
	}
	return h.What
}
