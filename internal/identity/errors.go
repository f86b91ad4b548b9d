package identity

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"graphgate/internal/store"
)

// Error is a protocol error of the Microsoft identity platform: an OAuth 2.0
// error code, an AADSTS number with Microsoft's wording, an optional
// suberror, and the HTTP status. Errors are values, built by the
// constructors below (one per AADSTS code), in the manner of fosite's
// RFC6749Error.
type Error struct {
	// Code is the OAuth 2.0 error: invalid_request, invalid_grant,
	// invalid_client, invalid_scope, unauthorized_client, …
	Code string
	// AADSTS is Microsoft's error number (0 when none applies).
	AADSTS int
	// Description is the message after "AADSTSnnnnn: ".
	Description string
	// SubError refines Code for MSAL (consent_required, bad_token, …).
	SubError string
	// Status is the HTTP status of the token endpoint's response.
	Status int
	// cause is kept for logs, never sent.
	cause error
	// interval is slow_down's new polling interval, in seconds.
	interval int
	// args name what the error is about, for its help (errorhelp.go).
	args helpArgs
}

func (e *Error) Error() string {
	if e.AADSTS != 0 {
		return fmt.Sprintf("%s: AADSTS%d: %s", e.Code, e.AADSTS, e.Description)
	}
	return e.Code + ": " + e.Description
}

// Unwrap returns the underlying cause.
func (e *Error) Unwrap() error { return e.cause }

// WithCause records an underlying error for the log.
func (e *Error) WithCause(err error) *Error { c := *e; c.cause = err; return &c }

// with records what the error is about (app, uri, tenant, upn, api) for
// the fix the error pages show.
func (e *Error) with(kv ...string) *Error {
	e.args = helpArgs{}
	for i := 0; i+1 < len(kv); i += 2 {
		e.args[kv[i]] = kv[i+1]
	}
	return e
}

// Message is the error_description's first line, "AADSTSnnnnn: text".
func (e *Error) Message() string {
	if e.AADSTS == 0 {
		return e.Description
	}
	return fmt.Sprintf("AADSTS%d: %s", e.AADSTS, e.Description)
}

// wireError is the JSON Microsoft's token endpoint answers with.
type wireError struct {
	Error         string `json:"error"`
	Description   string `json:"error_description"`
	Codes         []int  `json:"error_codes,omitempty"`
	Timestamp     string `json:"timestamp"`
	TraceID       string `json:"trace_id"`
	CorrelationID string `json:"correlation_id"`
	ErrorURI      string `json:"error_uri,omitempty"`
	SubError      string `json:"suberror,omitempty"`
	Interval      int    `json:"interval,omitempty"`
}

// write sends the error as the token endpoint does; base is the request's
// scheme and host (Server.issuerBase), on which error_uri is built.
func (e *Error) write(w http.ResponseWriter, r *http.Request, now time.Time, traceID, base string) {
	corr := r.Header.Get("client-request-id")
	if corr == "" {
		corr = traceID
	}
	ts := now.UTC().Format("2006-01-02 15:04:05Z")
	body := wireError{
		Error:         e.Code,
		Description:   fmt.Sprintf("%s\r\nTrace ID: %s\r\nCorrelation ID: %s\r\nTimestamp: %s", e.Message(), traceID, corr, ts),
		Timestamp:     ts,
		TraceID:       traceID,
		CorrelationID: corr,
		SubError:      e.SubError,
		Interval:      e.interval,
	}
	if e.AADSTS != 0 {
		body.Codes = []int{e.AADSTS}
		body.ErrorURI = fmt.Sprintf("%s/error?code=%d", base, e.AADSTS)
	}
	status := e.Status
	if status == 0 {
		status = http.StatusBadRequest
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store, no-cache")
	w.Header().Set("Pragma", "no-cache")
	w.Header().Set("x-ms-request-id", traceID)
	if corr != "" {
		w.Header().Set("client-request-id", corr)
	}
	if e.Code == "invalid_client" {
		w.Header().Set("WWW-Authenticate", `Basic realm="graphgate"`)
	}
	if status == http.StatusServiceUnavailable && w.Header().Get("Retry-After") == "" {
		w.Header().Set("Retry-After", "1")
	}
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(body)
}

// ServerSide reports whether the error is graphgate's failure rather than
// the request's: a 5xx, which clients may retry (azidentity's pipeline and
// MSAL.NET retry 5xx and temporarily_unavailable), where a 400 tells them
// to give up.
func (e *Error) ServerSide() bool { return e.Status >= 500 }

func newErr(code string, aadsts int, status int, format string, a ...any) *Error {
	return &Error{Code: code, AADSTS: aadsts, Status: status, Description: fmt.Sprintf(format, a...)}
}

// The errors graphgate's identity platform returns, by AADSTS number.

// Server-side failures come in two classes, modelled on fosite's
// ErrTemporarilyUnavailable and ErrServerError and answered as Entra
// answers them (RFC 6749 §5.2 has no such codes; §4.1.2.1 defines both for
// the authorization endpoint, and Entra uses them at the token endpoint
// too):
//   - the store failed (unreachable, busy, timed out): 503
//     temporarily_unavailable, AADSTS90033, "A transient error has
//     occurred. Please try again." — retrying is what fixes it;
//   - graphgate itself failed (a token could not be signed, stored data
//     contradicts itself): 500 server_error, AADSTS50000, Entra's
//     TokenIssuanceError.
// The cause is kept for the log (with the trace id the client sees), never
// sent.

// errStore answers a failed store call; what names the operation. A
// parameter holding a NUL character, which the store refuses
// (store.ErrInvalidText), is the client's malformed request: Entra's 400
// invalid_request AADSTS9002313 (Entra says nothing of NUL; it answers a
// parameter it cannot read so), not a transient failure.
func errStore(what string, err error) *Error {
	if errors.Is(err, store.ErrInvalidText) {
		return errInvalidRequest("A parameter holds a NUL character (U+0000).").WithCause(fmt.Errorf("%s: %w", what, err))
	}
	return newErr("temporarily_unavailable", 90033, 503, "A transient error has occurred. Please try again.").
		WithCause(fmt.Errorf("%s: %w", what, err))
}

// errServer answers a failure of graphgate's own; what names the operation.
func errServer(what string, err error) *Error {
	return newErr("server_error", 50000, 500, "There was an error issuing a token or an issue with our sign-in service.").
		WithCause(fmt.Errorf("%s: %w", what, err))
}

func errInvalidRequest(detail string) *Error {
	return newErr("invalid_request", 9002313, 400, "Invalid request. Request is malformed or invalid. %s", detail)
}

func errMissingParameter(name string) *Error {
	return newErr("invalid_request", 900144, 400, "The request body must contain the following parameter: '%s'.", name)
}

func errTenantNotFound(tenant string) *Error {
	return newErr("invalid_request", 90002, 400, "Tenant '%s' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud. Check with your subscription administrator, this may happen if there are no active subscriptions for the tenant.", tenant)
}

func errNoTenantInfo() *Error {
	return newErr("invalid_request", 50059, 400, "No tenant-identifying information found in either the request or implied by any provided credentials.")
}

func errAppNotFound(appID, tenant string) *Error {
	return newErr("unauthorized_client", 700016, 400, "Application with identifier '%s' was not found in the directory '%s'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant.", appID, tenant).with("app", appID, "tenant", tenant)
}

func errBadCredentials() *Error {
	return newErr("invalid_grant", 50126, 400, "Error validating credentials due to invalid username or password.")
}

func errUserNotInTenant(upn, tenantName, appID, appName string) *Error {
	return newErr("invalid_grant", 50020, 400, "User account '%s' from identity provider 'graphgate' does not exist in tenant '%s' and cannot access the application '%s'(%s) in that tenant. The account needs to be added as an external user in the tenant first. Sign out and sign in again with a different Microsoft Entra user account.", upn, tenantName, appID, appName)
}

func errUserNotFound(upn, tenantName string) *Error {
	return newErr("invalid_grant", 50034, 400, "The user account %s does not exist in the %s directory. To sign into this application, the account must be added to the directory.", upn, tenantName)
}

func errUserDisabled() *Error {
	return newErr("invalid_grant", 50057, 400, "The user account is disabled.")
}

func errConsentRequired(appID, appName string) *Error {
	e := newErr("invalid_grant", 65001, 400, "The user or administrator has not consented to use the application with ID '%s' named '%s'. Send an interactive authorization request for this user and resource.", appID, appName)
	e.SubError = "consent_required"
	return e.with("app", appID)
}

func errAdminConsentRequired() *Error {
	e := newErr("invalid_grant", 90094, 400, "The grant requires admin permission.")
	e.SubError = "consent_required"
	return e
}

// errAppRoleConsentRequired refuses an administrator's consent to
// application permissions (Microsoft Graph app roles) by one whose role
// may grant only delegated ones (an Application or Cloud Application
// Administrator). Microsoft documents the rule, not the answer; graphgate
// answers as when no administrator consented (AADSTS90094, access_denied
// at the redirect URI), naming the roles that may, and grants nothing.
func errAppRoleConsentRequired() *Error {
	e := newErr("access_denied", 90094, 400, "The grant requires admin permission: application permissions of Microsoft Graph need a Global Administrator or Privileged Role Administrator; an Application or Cloud Application Administrator may grant delegated permissions only.")
	return e
}

func errUserDeclined() *Error {
	e := newErr("access_denied", 65004, 400, "User declined to consent to access the app.")
	e.SubError = "consent_required"
	return e
}

func errInvalidScope(scope, why string) *Error {
	return newErr("invalid_scope", 70011, 400, "The provided value for the input parameter 'scope' is not valid. The scope '%s' %s.", scope, why)
}

func errScopeRequired() *Error {
	return newErr("invalid_scope", 70011, 400, "The provided request must include a 'scope' input parameter.")
}

func errUnsupportedGrant(g string) *Error {
	return newErr("unsupported_grant_type", 70003, 400, "The app requested an unsupported grant type '%s'.", g)
}

func errInvalidSecret(appID string) *Error {
	return newErr("invalid_client", 7000215, 401, "Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '%s'.", appID).with("app", appID)
}

func errSecretExpired(appID string) *Error {
	return newErr("invalid_client", 7000222, 401, "The provided client secret keys for app '%s' are expired. Visit the Azure portal to create new keys for your app: https://aka.ms/NewClientSecret, or consider using certificate credentials for added security: https://aka.ms/certCreds.", appID).with("app", appID)
}

func errClientCredentialRequired() *Error {
	return newErr("invalid_client", 7000218, 401, "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.")
}

func errPublicClientWithSecret() *Error {
	return newErr("invalid_client", 700025, 401, "Client is public so neither 'client_assertion' nor 'client_secret' should be presented.")
}

func errAssertionInvalid(detail string) *Error {
	return newErr("invalid_client", 700027, 401, "Client assertion failed signature validation. %s", detail)
}

// certCredsDoc is the page Entra's client-assertion errors point to.
const certCredsDoc = "https://learn.microsoft.com/entra/identity-platform/certificate-credentials"

// errAssertionClient: the assertion's iss or sub is not the client_id.
func errAssertionClient() *Error {
	return newErr("invalid_client", 700021, 401, "Client assertion application identifier doesn't match 'client_id' parameter. Review the documentation at %s .", certCredsDoc)
}

// errAssertionAudience: the assertion's aud is not this token endpoint.
func errAssertionAudience() *Error {
	return newErr("invalid_client", 700023, 401, "Client assertion audience claim does not match Realm issuer. Review the documentation at %s .", certCredsDoc)
}

// errAssertionTime: the assertion is expired or not yet valid. Times are
// written as Entra writes them (.NET's round-trip format, seven fractional
// digits), a missing nbf as the Unix epoch.
func errAssertionTime(now, notBefore, expiry time.Time) *Error {
	const layout = "2006-01-02T15:04:05.0000000Z"
	if notBefore.IsZero() {
		notBefore = time.Unix(0, 0)
	}
	return newErr("invalid_client", 700024, 401, "Client assertion is not within its valid time range. Current time: %s, assertion valid from %s, expiry time of assertion %s. Review the documentation at %s .",
		now.UTC().Format(layout), notBefore.UTC().Format(layout), expiry.UTC().Format(layout), certCredsDoc)
}

func errRedirectMismatch(uri, appID string) *Error {
	return newErr("invalid_request", 50011, 400, "The redirect URI '%s' specified in the request does not match the redirect URIs configured for the application '%s'. Make sure the redirect URI sent in the request matches one added to your application in the Azure portal. Navigate to https://aka.ms/redirectUriMismatchError to learn more about how to fix this.", uri, appID).with("app", appID, "uri", uri)
}

func errNoReplyAddress(appID string) *Error {
	return newErr("invalid_request", 500113, 400, "No reply address is registered for the application.").with("app", appID)
}

func errResponseTypeNotEnabled(rt string) *Error {
	return newErr("unsupported_response_type", 700054, 400, "response_type '%s' is not enabled for the application.", rt)
}

func errCodeRedeemed() *Error {
	return newErr("invalid_grant", 54005, 400, "OAuth2 Authorization code was already redeemed, please retry with a new valid code or use an existing refresh token.")
}

// errRefreshExpired is Microsoft's answer to a refresh token past its
// lifetime (AADSTS700082, ExpiredOrRevokedGrantInactiveToken), with the
// issue time and the inactive time as a .NET TimeSpan (d.hh:mm:ss).
func errRefreshExpired(issued time.Time, inactive time.Duration) *Error {
	inactive = inactive.Truncate(time.Second)
	d := int64(inactive / (24 * time.Hour))
	rest := inactive - time.Duration(d)*24*time.Hour
	span := fmt.Sprintf("%d.%02d:%02d:%02d", d, int(rest.Hours()), int(rest.Minutes())%60, int(rest.Seconds())%60)
	return newErr("invalid_grant", 700082, 400, "The refresh token has expired due to inactivity. The token was issued on %s and was inactive for %s.",
		issued.UTC().Format("2006-01-02T15:04:05.0000000Z"), span)
}

func errGrantExpired() *Error {
	return newErr("invalid_grant", 70008, 400, "The provided authorization code or refresh token has expired due to inactivity. Send a new interactive authorization request for this user and resource.")
}

func errGrantRevoked() *Error {
	return newErr("invalid_grant", 50173, 400, "The provided grant has expired due to it being revoked, a fresh auth token is needed. The user might have changed or reset their password.")
}

func errGrantInvalid(detail string) *Error {
	return newErr("invalid_grant", 9002313, 400, "Invalid request. Request is malformed or invalid. %s", detail)
}

func errPKCERequired() *Error {
	return newErr("invalid_request", 9002325, 400, "Proof Key for Code Exchange is required for cross-origin authorization code redemption.")
}

func errPKCEMismatch() *Error {
	return newErr("invalid_grant", 501481, 400, "The Code_Verifier does not match the code_challenge supplied in the authorization request.")
}

func errPKCEMethod(m string) *Error {
	return newErr("invalid_request", 50148, 400, "The code_challenge_method '%s' is not supported; use S256.", m)
}

func errRedirectDiffers() *Error {
	return newErr("invalid_grant", 70000, 400, "The request was denied because one or more scopes requested are unauthorized or expired, or the redirect_uri does not match the one used to obtain the authorization code.")
}

func errAuthorizationPending() *Error {
	return newErr("authorization_pending", 70016, 400, "OAuth 2.0 device flow error. Authorization is pending. Continue polling.")
}

// errSlowDown answers a device-code poll sooner than the interval (RFC
// 8628 §3.5). Entra documents no slow_down of its own: the code is
// AuthorizationPending's (slow_down is "a variant of
// authorization_pending"), and the body carries the new interval, as
// GitHub's device flow does, for clients that read it.
func errSlowDown(interval int) *Error {
	e := newErr("slow_down", 70016, 400, "OAuth 2.0 device flow error. Authorization is pending; poll no more often than every %d seconds.", interval)
	e.interval = interval
	return e
}

func errDeviceCodeExpired() *Error {
	return newErr("expired_token", 70019, 400, "Verification code expired.")
}

func errDeviceDeclined() *Error {
	return newErr("authorization_declined", 70020, 400, "The user declined the device authorization request.")
}

func errNotMultiTenant(appID, name string) *Error {
	return newErr("invalid_request", 50194, 400, "Application '%s'(%s) is not configured as a multi-tenant application. Usage of the /common endpoint is not supported for such applications created after '10/15/2018'. Use a tenant-specific endpoint or configure the application to be multi-tenant.", appID, name).with("app", appID)
}

func errConsumersOnly(appID, name string) *Error {
	return newErr("invalid_request", 9002331, 400, "Application '%s'(%s) is configured for use by Microsoft Account users only. Please use the /consumers endpoint to serve this request.", appID, name)
}

func errPersonalNotAllowed(appID, name string) *Error {
	return newErr("unauthorized_client", 70002, 400, "The client application '%s'(%s) is not configured to be used by personal Microsoft accounts. Use a work or school account, or change the application's sign-in audience.", appID, name)
}

// errSelectAccount is Entra's AADSTS16000 (SelectUserAccount): several
// accounts are signed in and prompt=none forbids the picker that would let
// the user choose; the app sends a login_hint or asks interactively.
func errSelectAccount() *Error {
	return newErr("interaction_required", 16000, 400, "Either multiple user identities are available for the current request or selected account is not supported for the scenario.")
}

func errLoginRequired() *Error {
	return newErr("login_required", 50058, 400, "A silent sign-in request was sent but no user is signed in.")
}

func errInvalidAssertion(detail string) *Error {
	return newErr("invalid_grant", 50013, 400, "Assertion failed signature validation. [Reason - %s]", detail)
}

func errPublicClientOnlyGrant(grant string) *Error {
	return newErr("invalid_client", 7000218, 401, "The request body must contain the following parameter: 'client_assertion' or 'client_secret'. The %s grant requires a confidential client.", grant)
}

func errAppOnlyNeedsDefault(scope string) *Error {
	return newErr("invalid_scope", 1002012, 400, "The provided value for scope %s is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI).", scope)
}

func errUnknownResource(resource, tenant string) *Error {
	return newErr("invalid_resource", 500011, 400, "The resource principal named %s was not found in the tenant named %s. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You might have sent your authentication request to the wrong tenant.", resource, tenant).with("api", strings.TrimPrefix(resource, "api://"), "tenant", tenant)
}
