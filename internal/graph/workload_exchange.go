package graph

import (
	"sync"
	"sync/atomic"

	"graphgate/internal/authz"
	"graphgate/internal/odata"
)

// What the exchange workload (internal/graph/exchange) uses of the
// pipeline beyond workload.go and the helpers every workload shares where
// the pipeline defines them (items.go: Collection, WriteCollection,
// WriteItem, GetOwned, NewItemID, ETag, RenderItem, MergeDoc; query.go:
// ParseQueryPositional, WritePageNext, NextLink, Project, CheckSelect,
// Selectable; docquery.go: JSONMapping, ByDoc, ByCreation, DocEq; errors.go:
// AsErrorOrNil; schema.go: SelectableAs, TodoReader): the mailboxes known
// to exist, which the directory's user deletion also forgets
// (ForgetMailbox); the count of what calendar views cost; a body read by
// Graph's schema for a handler that merges it itself (NormalizeBody); the
// path's last parameter and the target's access; and a positional page's
// position and a query a handler builds itself (Query.Position, NewQuery).

// knownMailboxes remembers the mailboxes (tenant and user) whose
// well-known folders this process has seen or created, so that a mail
// request does not read the inbox folder from the store only to learn it
// exists: under load that read took a connection from the store's pool for
// every request (bench/README.md, "Throughput"). Well-known folders are
// never deleted (Graph refuses it, ErrorDeleteDistinguishedFolder), and
// their ids are derived from the user's id, so a remembered mailbox stays
// true for as long as the user does; a request for a deleted user fails
// before it gets here, and DELETE /users/{id} forgets the user's mailbox
// (the admin command's deletion, in another process, is not seen: should
// the same id come back — only an import can do that — its mail requests
// answer that the folder was not found instead of recreating it). The set
// is lock-free to read and bounded: at maxKnownMailboxes it starts over.
type knownMailboxes struct {
	m sync.Map // tenant + "/" + user → struct{}
	n atomic.Int64
}

const maxKnownMailboxes = 16384

func (k *knownMailboxes) has(key string) bool {
	_, ok := k.m.Load(key)
	return ok
}

func (k *knownMailboxes) add(key string) {
	if _, loaded := k.m.LoadOrStore(key, struct{}{}); !loaded && k.n.Add(1) > maxKnownMailboxes {
		k.m.Clear()
		k.n.Store(0)
	}
}

func (k *knownMailboxes) forget(key string) { k.m.Delete(key) }

// KnownMailbox reports whether the user's mailbox (its well-known folders)
// is known to exist in this process (knownMailboxes).
func (s *Server) KnownMailbox(tenantID, userID string) bool {
	return s.mailboxes.has(tenantID + "/" + userID)
}

// RememberMailbox records that the user's mailbox exists, once its
// well-known folders have been seen or created.
func (s *Server) RememberMailbox(tenantID, userID string) {
	s.mailboxes.add(tenantID + "/" + userID)
}

// calendarWork counts what views cost, for tests and benchmarks: series
// occurrences generated, store rows read, instances examined.
type calendarWork struct {
	steps, rows, examined atomic.Int64
}

// AddCalendarWork adds one calendar view's cost to the server's counts:
// series occurrences generated, store rows read, instances examined.
func (s *Server) AddCalendarWork(steps, rows, examined int64) {
	s.calWork.steps.Add(steps)
	s.calWork.rows.Add(rows)
	s.calWork.examined.Add(examined)
}

// CalendarWork reports what calendar views have cost so far: series
// occurrences generated, store rows read, instances examined (for tests
// and benchmarks).
func (s *Server) CalendarWork() (steps, rows, examined int64) {
	return s.calWork.steps.Load(), s.calWork.rows.Load(), s.calWork.examined.Load()
}

// NormalizeBody reads a request body by Graph's schema as body type bt, in
// bt's wording, for a handler that merges it into a stored document
// itself (a contact's PATCH).
func NormalizeBody(body []byte, bt BodyType) ([]byte, error) {
	return graphModel().NormalizeBody(body, bt.typ(), bt.opts)
}

// LastParam is the path's last parameter (an event's id, even under a
// calendar or a group).
func (c *Call) LastParam() string { return c.params[len(c.params)-1] }

// TargetAccess is what the caller may do with the target the engine
// resolved (a shared calendar's write access).
func (c *Call) TargetAccess() authz.Access { return c.target.Access }

// Position is a positional $skiptoken's text (ParseQueryPositional), or
// "" on the first page.
func (q *Query) Position() string { return q.position }

// NewQuery is a query of parsed options opts, on its first page, for a
// query a workload builds itself rather than from the request.
func NewQuery(opts *odata.Query) *Query { return &Query{q: opts} }
