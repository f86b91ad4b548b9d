package graph

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"time"

	"graphgate/internal/odata"
)

// Error is a Microsoft Graph error: an HTTP status, a code and a message,
// rendered as {"error":{"code","message","innerError":{…}}}. Errors are
// values built by the constructors below, named for the workload whose
// wording they reproduce.
type Error struct {
	Status  int
	Code    string
	Message string
	// Header holds extra response headers (WWW-Authenticate, Retry-After).
	Header http.Header
	cause  error
}

func (e *Error) Error() string { return fmt.Sprintf("%d %s: %s", e.Status, e.Code, e.Message) }

// Unwrap returns the underlying cause (logged, never sent).
func (e *Error) Unwrap() error { return e.cause }

// WithCause records an underlying error for the log.
func (e *Error) WithCause(err error) *Error { c := *e; c.cause = err; return &c }

func newError(status int, code, format string, a ...any) *Error {
	return &Error{Status: status, Code: code, Message: fmt.Sprintf(format, a...)}
}

type innerError struct {
	Date            string `json:"date"`
	RequestID       string `json:"request-id"`
	ClientRequestID string `json:"client-request-id"`
}

type errorBody struct {
	Error struct {
		Code       string     `json:"code"`
		Message    string     `json:"message"`
		InnerError innerError `json:"innerError"`
	} `json:"error"`
}

// write renders the error. date must be RFC 3339 (msgraph-sdk-go parses it).
func (e *Error) write(w http.ResponseWriter, requestID, clientRequestID string, now time.Time) {
	for k, vs := range e.Header {
		for _, v := range vs {
			w.Header().Add(k, v)
		}
	}
	var b errorBody
	b.Error.Code, b.Error.Message = e.Code, e.Message
	b.Error.InnerError = innerError{Date: now.UTC().Format(time.RFC3339), RequestID: requestID, ClientRequestID: clientRequestID}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(e.Status)
	_ = json.NewEncoder(w).Encode(b)
}

// asError converts any error into a Graph error (500 for the unexpected).
func asError(err error) *Error {
	var ge *Error
	if errors.As(err, &ge) {
		return ge
	}
	var oe *odata.Error
	if errors.As(err, &oe) {
		status := oe.Status
		if status == 0 {
			status = http.StatusBadRequest
		}
		return &Error{Status: status, Code: oe.Code, Message: oe.Message}
	}
	return (&Error{Status: http.StatusInternalServerError, Code: "InternalServerError", Message: "An internal server error occurred."}).WithCause(err)
}

// Authentication (401), with the WWW-Authenticate header Graph sends.
func errToken(msg string) *Error {
	e := newError(http.StatusUnauthorized, "InvalidAuthenticationToken", "%s", msg)
	e.Header = http.Header{"WWW-Authenticate": {`Bearer realm="", authorization_uri="https://login.microsoftonline.com/common/oauth2/authorize", client_id="00000003-0000-0000-c000-000000000000"`}}
	return e
}

// Workload denials, in each workload's own words.
func errDirectoryDenied() *Error {
	return newError(http.StatusForbidden, "Authorization_RequestDenied", "Insufficient privileges to complete the operation.")
}

func errExchangeDenied() *Error {
	return newError(http.StatusForbidden, "ErrorAccessDenied", "Access is denied. Check credentials and try again.")
}

func errTeamsDenied(required, have string) *Error {
	return newError(http.StatusForbidden, "Forbidden", "Missing scope permissions on the request. API requires one of '%s'. Scopes on the request '%s'", required, have)
}

func errMeAppOnly() *Error {
	return newError(http.StatusBadRequest, "BadRequest", "/me request is only valid with delegated authentication flow.")
}

// Request errors.
func errBadRequest(format string, a ...any) *Error {
	return newError(http.StatusBadRequest, "BadRequest", format, a...)
}

func errInvalidRequest(format string, a ...any) *Error {
	return newError(http.StatusBadRequest, "invalidRequest", format, a...)
}

func errSegmentNotFound(seg string) *Error {
	return newError(http.StatusBadRequest, "BadRequest", "Resource not found for the segment '%s'.", seg)
}

func errMethodNotAllowed() *Error {
	return newError(http.StatusMethodNotAllowed, "Request_BadRequest", "Specified HTTP method is not allowed for the request target.")
}

func errNotImplemented(method, template string) *Error {
	return newError(http.StatusNotImplemented, "NotImplemented", "graphgate knows the permission rule of %s %s but does not serve it (yet).", method, template)
}

// Not found, per workload.
// errInvalidValue is the directory's answer to a property value it
// refuses.
func errInvalidValue(property, resource string) *Error {
	return newError(http.StatusBadRequest, "Request_BadRequest", "Invalid value specified for property '%s' of resource '%s'.", property, resource)
}

func errDirectoryNotFound(id string) *Error {
	return newError(http.StatusNotFound, "Request_ResourceNotFound", "Resource '%s' does not exist or one of its queried reference-property objects are not present.", id)
}

func errItemNotFound() *Error {
	return newError(http.StatusNotFound, "ErrorItemNotFound", "The specified object was not found in the store.")
}

func errMailboxNotFound(id string) *Error {
	return newError(http.StatusNotFound, "ErrorInvalidUser", "The requested user '%s' is invalid.", id)
}

func errPreconditionFailed() *Error {
	return newError(http.StatusPreconditionFailed, "ErrorIrresolvableConflict", "The change key passed in the request does not match the current change key for the item.")
}

func errThrottled(retryAfter int) *Error {
	e := newError(http.StatusTooManyRequests, "TooManyRequests", "Too many requests. Retry after %d seconds.", retryAfter)
	e.Header = http.Header{"Retry-After": {fmt.Sprint(retryAfter)}}
	return e
}
