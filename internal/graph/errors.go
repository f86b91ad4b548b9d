package graph

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"graphgate/internal/odata"
	"graphgate/internal/store"
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

// NewErrorf is a Graph error with a formatted message.
func NewErrorf(status int, code, format string, a ...any) *Error {
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

// AsError converts any error into a Graph error (500 for the unexpected).
func AsError(err error) *Error {
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
	if errors.Is(err, store.ErrInvalidText) {
		// Worded for the workload and the input by Call.fail (errNUL).
		return NewErrorf(http.StatusBadRequest, "BadRequest", "%s", nulMessage).WithCause(err)
	}
	return (&Error{Status: http.StatusInternalServerError, Code: "InternalServerError", Message: "An internal server error occurred."}).WithCause(err)
}

// nulMessage says why a value holding a NUL character is refused; errNUL
// words it for the request.
const nulMessage = "The request holds a NUL character (U+0000), which no id or property value can hold."

// errNUL answers a request one of whose values holds a NUL character:
// the store refuses it (store.ErrInvalidText) wherever the value enters —
// a path id, a query option ($filter and $search literals), a body — so
// this is the one place it is worded. Microsoft's documentation says
// nothing of NUL; Exchange and the directory store none either, and they
// answer a value they cannot take with 400 in their own words, so
// graphgate answers 400 in the words of the workload, by input:
//   - a path id: the answer to an id that is not one — Exchange's
//     ErrorInvalidIdMalformed "Id is malformed.", the directory's
//     Request_BadRequest "Invalid object identifier '…'." (400, not the
//     404 of a well-formed id that names nothing);
//   - another part of the path (a drive path, a function's argument) or a
//     query option: the workload's code for a malformed request (never
//     "matches nothing", which would make ne and not answer wrongly);
//   - a body: the code of the workload's body reader (schema.go).
func (c *Call) errNUL(cause error) *Error {
	d := c.Decision
	if d.Match.Route == nil {
		d.Match = c.Match // refused before the decision (resolving the target)
	}
	w := c.s.workloadOf(&d)
	code := "BadRequest"
	switch w {
	case WorkloadDirectory:
		code = odata.CodeRequestBadRequest
	case WorkloadDrive:
		code = "invalidRequest"
	}
	hasNUL := func(p string) bool { return strings.IndexByte(p, 0) >= 0 }
	var e *Error
	switch idx := slices.IndexFunc(c.params, hasNUL); {
	case idx >= 0 && w == WorkloadExchange:
		e = NewErrorf(http.StatusBadRequest, "ErrorInvalidIdMalformed", "Id is malformed.")
	case idx >= 0 && w == WorkloadDirectory:
		e = NewErrorf(http.StatusBadRequest, code, "Invalid object identifier '%s'.", c.params[idx])
	case idx >= 0 || hasNUL(c.r.URL.Path):
		e = NewErrorf(http.StatusBadRequest, code, "The request path holds a NUL character (U+0000), which no id or name can hold.")
	case hasNUL(c.r.URL.RawQuery) || strings.Contains(strings.ToLower(c.r.URL.RawQuery), "%00"):
		e = NewErrorf(http.StatusBadRequest, code, "A query option holds a NUL character (U+0000), which no property value can hold.")
	default:
		switch {
		case d.Match.Route != nil && strings.Contains(d.Match.Route.Path, "/todo/"):
			code = TodoReader.Code
		case w == WorkloadExchange:
			code = "RequestBodyRead"
		}
		e = NewErrorf(http.StatusBadRequest, code, "The request body holds a NUL character (U+0000), which no property value can hold.")
	}
	return e.WithCause(cause)
}

// Authentication (401), with the WWW-Authenticate header Graph sends.
func errToken(msg string) *Error {
	e := NewErrorf(http.StatusUnauthorized, "InvalidAuthenticationToken", "%s", msg)
	e.Header = http.Header{"WWW-Authenticate": {`Bearer realm="", authorization_uri="https://login.microsoftonline.com/common/oauth2/authorize", client_id="00000003-0000-0000-c000-000000000000"`}}
	return e
}

// Workload denials, in each workload's own words.
func errDirectoryDenied() *Error {
	return NewErrorf(http.StatusForbidden, "Authorization_RequestDenied", "Insufficient privileges to complete the operation.")
}

func errExchangeDenied() *Error {
	return NewErrorf(http.StatusForbidden, "ErrorAccessDenied", "Access is denied. Check credentials and try again.")
}

func errTeamsDenied(required, have string) *Error {
	return NewErrorf(http.StatusForbidden, "Forbidden", "Missing scope permissions on the request. API requires one of '%s'. Scopes on the request '%s'", required, have)
}

func errMeAppOnly() *Error {
	return NewErrorf(http.StatusBadRequest, "BadRequest", "/me request is only valid with delegated authentication flow.")
}

// ErrBadRequest is Graph's 400 BadRequest.
func ErrBadRequest(format string, a ...any) *Error {
	return NewErrorf(http.StatusBadRequest, "BadRequest", format, a...)
}

// ErrInvalidRequest is the 400 with code invalidRequest, To Do's word for
// a request it cannot serve.
func ErrInvalidRequest(format string, a ...any) *Error {
	return NewErrorf(http.StatusBadRequest, "invalidRequest", format, a...)
}

func errSegmentNotFound(seg string) *Error {
	return NewErrorf(http.StatusBadRequest, "BadRequest", "Resource not found for the segment '%s'.", seg)
}

func errMethodNotAllowed() *Error {
	return NewErrorf(http.StatusMethodNotAllowed, "Request_BadRequest", "Specified HTTP method is not allowed for the request target.")
}

func errNotImplemented(method, template string) *Error {
	return NewErrorf(http.StatusNotImplemented, "NotImplemented", "graphgate knows the permission rule of %s %s but does not serve it (yet).", method, template)
}

// ErrInvalidValue is the directory's answer to a property value it
// refuses.
func ErrInvalidValue(property, resource string) *Error {
	return NewErrorf(http.StatusBadRequest, "Request_BadRequest", "Invalid value specified for property '%s' of resource '%s'.", property, resource)
}

// Not found, per workload.

// ErrDirectoryNotFound is the directory's 404 for an object id.
func ErrDirectoryNotFound(id string) *Error {
	return NewErrorf(http.StatusNotFound, "Request_ResourceNotFound", "Resource '%s' does not exist or one of its queried reference-property objects are not present.", id)
}

// ErrItemNotFound is Exchange's 404 for an item.
func ErrItemNotFound() *Error {
	return NewErrorf(http.StatusNotFound, "ErrorItemNotFound", "The specified object was not found in the store.")
}

// ErrMailboxNotFound is Exchange's 404 for a user without a mailbox.
func ErrMailboxNotFound(id string) *Error {
	return NewErrorf(http.StatusNotFound, "ErrorInvalidUser", "The requested user '%s' is invalid.", id)
}

// ErrPreconditionFailed is Exchange's 412 for a stale change key (If-Match).
func ErrPreconditionFailed() *Error {
	return NewErrorf(http.StatusPreconditionFailed, "ErrorIrresolvableConflict", "The change key passed in the request does not match the current change key for the item.")
}

func errThrottled(retryAfter int) *Error {
	e := NewErrorf(http.StatusTooManyRequests, "TooManyRequests", "Too many requests. Retry after %d seconds.", retryAfter)
	e.Header = http.Header{"Retry-After": {fmt.Sprint(retryAfter)}}
	return e
}

// AsErrorOrNil is AsError of a non-nil error, and nil otherwise: the
// result of a store call that may have failed.
func AsErrorOrNil(err error) error {
	if err == nil {
		return nil
	}
	return AsError(err)
}
