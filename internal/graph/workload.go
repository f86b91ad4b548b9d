package graph

import (
	"net/http"
	"time"

	"graphgate/internal/directory"
	"graphgate/internal/odata"
	"graphgate/internal/store"
)

// What a workload package's handlers use of the pipeline, beyond Call's
// request and response methods (call.go), the error constructors
// (errors.go), the collection helpers (ParseQuery, WritePage, Query) and
// the JSON helpers (helpers.go). It is deliberately small: a helper only
// one workload uses lives in that workload's package.

// Store is the store the server was built over.
func (s *Server) Store() Store { return s.store }

// Directory is the directory service, through which every change to
// users, groups and memberships goes.
func (s *Server) Directory() *directory.Service { return s.dir }

// Now is the server's clock.
func (s *Server) Now() time.Time { return s.now() }

// ForgetMailbox drops a user's mailbox from the mailboxes known to exist
// (knownMailboxes), when the user is deleted.
func (s *Server) ForgetMailbox(tenantID, userID string) { s.mailboxes.forget(tenantID + "/" + userID) }

// Header is the response's header map, for headers a handler sets itself
// (ETag, Location) before writing the response.
func (c *Call) Header() http.Header { return c.w.Header() }

// LastSegment is the request path's last segment as sent ($value,
// $count, …).
func (c *Call) LastSegment() string { return lastSegment(&c.path) }

// CheckProperties asks the engine whether the call's decision also covers
// changing props (some properties need more than the route's permission:
// a user's type needs an administrator of users, authz owns which). When
// it does not, the refusal becomes the call's decision, in its
// x-graphgate-decision header and the decision log, and the workload's
// denial is returned.
func (c *Call) CheckProperties(props ...string) error {
	d := c.s.engine.DecideProperties(c.Decision, props...)
	if d.Allow {
		return nil
	}
	c.Decision = d
	c.w.Header()["X-Graphgate-Decision"] = c.s.decisionHeader(&d)
	return c.s.denial(c)
}

// Top is the page size: $top, or the workload's default.
func (q *Query) Top() int { return q.top }

// Skip is the offset of this page, from $skip or an offset $skiptoken.
func (q *Query) Skip() int { return q.skip }

// Options are the request's parsed OData query options.
func (q *Query) Options() *odata.Query { return q.q }

// After is a keyset $skiptoken's cursor (the last row of the previous
// page), or nil; a handler paging by keyset (keyset.go) continues from it
// when CursorFits its ordering, and answers an invalid $skiptoken
// otherwise.
func (q *Query) After() *store.Cursor { return q.after }

// CursorFits reports whether the keyset cursor was made for orders: the
// same ordering, a key of each field's type.
func (q *Query) CursorFits(orders []store.Order) bool { return cursorFits(q, orders) }

// SetNextKeyset makes the next page's $skiptoken a keyset token after
// cursor last in orders, for WritePage's nextLink.
func (q *Query) SetNextKeyset(orders []store.Order, last store.Cursor) {
	q.next = encodeKeyset(q, orders, last)
}

// Paged is a copy of q reading top rows from offset skip, its options
// otherwise the same: for a query a handler runs on q's behalf (the groups
// of a memberOf list, read whole).
func (q *Query) Paged(top, skip int) *Query {
	p := *q
	p.top, p.skip = top, skip
	return &p
}
