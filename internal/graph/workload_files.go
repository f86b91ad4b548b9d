package graph

import (
	"context"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"graphgate/internal/password"

	"graphgate/internal/store"
)

// What the files workload (internal/graph/files: OneDrive and OneNote)
// uses of the pipeline beyond workload.go's API, and what the pipeline
// asks of it: the drive a /drives/{id} path names (its owner's facts
// decide the call), the pre-authenticated transfer URLs served before
// authentication, and the denials in OneDrive's and OneNote's words.

// FilesHooks are the files workload's parts the pipeline calls. Package
// files hands them to New with its descriptors (Package.Files); the Server
// keeps its own copy, read-only afterwards. A server built without the
// files workload has none and serves no /drives/{id} path and no transfer
// URL.
type FilesHooks struct {
	// Drive resolves the drive /drives/{id} names in a tenant: its owner
	// (a user, or a group as a user-shaped value), whether the owner is a
	// group, and the resolved drive, kept on the Call for the handler
	// (Call.TargetDrive). A drive that does not exist is an error the
	// workload words.
	Drive func(s *Server, ctx context.Context, tenant, id string) (owner store.User, group bool, drive any, err error)
	// Transfer serves a pre-authenticated transfer URL (downloads, upload
	// sessions, sharing links) and reports whether the request was one;
	// serve calls it before authenticating.
	Transfer func(s *Server, w http.ResponseWriter, r *http.Request) bool
	// ItemAddressed reports whether the call names an item of a drive (by
	// id or by path), not the drive or its root: OneDrive hides those
	// items with a 404 where it answers 403 for the drive.
	ItemAddressed func(c *Call) bool
}

// TargetDrive is the drive the pipeline resolved for a /drives/{id} path
// (FilesHooks.Drive's value), or nil.
func (c *Call) TargetDrive() any { return c.targetDrive }

// Found answers 302 Found to location (a download URL).
func (c *Call) Found(location string) error {
	c.w.Header().Set("Location", location)
	c.w.WriteHeader(http.StatusFound)
	c.wrote = true
	return nil
}

// Drive and OneNote denials and the drive's 404, in their services' words.

// ErrDriveItemNotFound is OneDrive's 404 for an item (or drive) that does
// not exist or that the caller may not know of.
func ErrDriveItemNotFound() *Error {
	return NewErrorf(http.StatusNotFound, "itemNotFound", "The resource could not be found.")
}

// ErrDriveAccessDenied is OneDrive's 403.
func ErrDriveAccessDenied() *Error {
	return NewErrorf(http.StatusForbidden, "accessDenied", "Access denied")
}

// ErrOnenoteScopes is OneNote's 403 for a token without its permissions.
func ErrOnenoteScopes() *Error {
	return NewErrorf(http.StatusForbidden, "40004", "The OAuth token doesn't have the required scopes to perform the requested action.")
}

// ErrOnenoteNoAccess is OneNote's 403 for notebooks the caller cannot read.
func ErrOnenoteNoAccess() *Error {
	return NewErrorf(http.StatusForbidden, "40003", "The user doesn't have permission to access the requested resource.")
}

// ErrOnenoteNoWrite is OneNote's 403 for a write the caller may not make.
func ErrOnenoteNoWrite() *Error {
	return NewErrorf(http.StatusForbidden, "40002", "The user doesn't have permission to write to the requested location.")
}

// Passwords are the parameters hashing the passwords of sharing links
// (Config.Passwords).
func (s *Server) Passwords() password.Params { return s.cfg.Passwords }

// URLKeys caches each tenant's key signing its download URLs (tenant →
// []byte), for the server's lifetime; safe for concurrent use.
func (s *Server) URLKeys() *sync.Map { return &s.urlKeys }

// Logger is the server's logger.
func (s *Server) Logger() *slog.Logger { return s.log }

// TransferCall is a Call for a request served outside the pipeline (a
// pre-authenticated transfer URL: no token, no route, no decision), so that
// its handler can use Call's writers and BaseURL. w may be nil for a Call
// used only to read the request. entity is what it answers, as a
// descriptor's (its Context for ContextURL, stored-data placeholders
// included); no route binds it, so New does not check it.
func (s *Server) TransferCall(ctx context.Context, w http.ResponseWriter, r *http.Request, tenant, requestID string, entity Entity) *Call {
	return &Call{s: s, w: w, r: r, ctx: ctx, TenantID: tenant, RequestID: requestID, endpoint: &Endpoint{Entity: entity}}
}

// DriveDeltaNow is the clock a drive's delta checks tombstone retention
// against: the server's clock, moved by the tests' skew.
func (s *Server) DriveDeltaNow() time.Time {
	return s.now().Add(time.Duration(s.driveDeltaSkew.Load()))
}
