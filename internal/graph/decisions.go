package graph

import (
	"time"

	"graphgate/internal/authz"
)

// DecisionEvent is one authorization decision as the pipeline made it:
// the request it was for and the engine's Decision. The Graph server hands
// every one to Deps.Decisions; what becomes of it (the decision log) is
// not the server's business.
type DecisionEvent struct {
	Time time.Time
	// RequestID and ClientRequestID are the request-id and
	// client-request-id headers the server answered with (a batched
	// request has its own request-id).
	RequestID, ClientRequestID string
	TenantID                   string
	// AppID and AppName are the token's client application.
	AppID, AppName string
	// UserID and UserUPN are the signed-in user's ("" for app-only).
	UserID, UserUPN string
	// Path is the path as requested, after the version segment, with its
	// query string.
	Path     string
	Decision authz.Decision
}

// DecisionRecorder receives every authorization decision of the Graph
// pipeline. RecordDecision is called on the request path, concurrently:
// it must return at once (no I/O, no waiting; drop rather than block).
type DecisionRecorder interface {
	RecordDecision(e DecisionEvent)
}

// recordDecision hands the call's decision, made at time at, to the
// recorder, if any.
func (s *Server) recordDecision(c *Call, path string, at time.Time) {
	if s.decisions == nil {
		return
	}
	e := DecisionEvent{Time: at, RequestID: c.RequestID, ClientRequestID: c.ClientRequestID, TenantID: c.TenantID,
		Path: path, Decision: c.Decision}
	if c.r.URL.RawQuery != "" {
		e.Path = path + "?" + c.r.URL.RawQuery
	}
	if c.Claims != nil {
		e.AppID, e.AppName = c.Claims.AppID, c.Claims.AppDisplayName
	}
	if c.Caller != nil {
		e.UserID, e.UserUPN = c.Caller.ID, c.Caller.UserPrincipalName
	}
	s.decisions.RecordDecision(e)
}
