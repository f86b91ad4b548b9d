package graph

import (
	"encoding/json"
	"sync"
	"sync/atomic"

	"graphgate/internal/authz"
	"graphgate/internal/odata"
	"graphgate/internal/store"
)

// What the exchange workload (internal/graph/exchange) uses of the
// pipeline beyond workload.go: the mailboxes known to exist, which the
// directory's user deletion also forgets (ForgetMailbox), the count of
// what calendar views cost, and two helpers other workloads still in this
// package share.

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

// asErrorOrNil is AsError of a non-nil error, and nil otherwise.
func asErrorOrNil(err error) error {
	if err == nil {
		return nil
	}
	return AsError(err)
}

// AsErrorOrNil is AsError of a non-nil error, and nil otherwise: the
// result of a store call that may have failed.
func AsErrorOrNil(err error) error { return asErrorOrNil(err) }

// usersBase is the context URL of a user's navigation, to which a
// collection's path is appended.
func usersBase(c *Call, owner string) string {
	return c.BaseURL() + "/$metadata#users('" + owner + "')"
}

// UsersBase is the context URL of a user's navigation
// ($metadata#users('id')), to which a collection's path is appended.
func UsersBase(c *Call, owner string) string { return usersBase(c, owner) }

// TodoReader is To Do's wording of a body it cannot read: invalidRequest
// and Microsoft.OData.Core's message.
var TodoReader = todoReader

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

// GetOwned reads an item of kind by id that owner owns, answering the
// workload's not-found otherwise.
func (s *Server) GetOwned(c *Call, kind, id, owner string) (store.Item, error) {
	return s.getOwned(c, kind, id, owner)
}

// WriteItem writes one stored item, projected by $select over defaults
// and allowed, with its context URL and ETag.
func (c *Call) WriteItem(status int, it store.Item, contextURL string, defaults []string, allowed map[string]bool) error {
	return c.writeItem(status, it, contextURL, defaults, allowed)
}

// WriteItemExpanded is WriteItem with $expand applied by expand.
func (c *Call) WriteItemExpanded(status int, it store.Item, contextURL string, defaults []string, allowed map[string]bool,
	expand func(store.Item, json.RawMessage) (json.RawMessage, error)) error {
	return c.writeItemExpanded(status, it, contextURL, defaults, allowed, expand)
}

// WritePageNext is WritePage with the page's nextLink token given ("" for
// the last page).
func (c *Call) WritePageNext(contextURL string, q *Query, values []json.RawMessage, total int, next string) error {
	return c.writePageNext(contextURL, q, values, total, next)
}

// ParseQueryPositional is ParseQuery for a list paged by a position of its
// own (a calendar view's cursor) rather than by offset or keyset.
func (c *Call) ParseQueryPositional(flavor odata.Flavor, pageSize, maxTop int) (*Query, error) {
	return c.parseQueryPositional(flavor, pageSize, maxTop)
}

// NextLink is the next page's link of q.
func (c *Call) NextLink(q *Query) string { return c.nextLink(q) }

// NextLinkToken is the next page's link carrying $skiptoken token.
func (c *Call) NextLinkToken(token string) string { return c.nextLinkToken(token) }

// PositionTokenPrefix starts a positional $skiptoken (ParseQueryPositional).
const PositionTokenPrefix = positionTokenPrefix

// Collection is a paged item query built from the request's OData options
// over a mapping, as WriteCollection runs it (items.go's collection).
type Collection struct {
	Q        *Query
	Base     store.ItemQuery
	Mapping  odata.Mapping
	DefOrder []store.Order // the order when the request has no $orderby
	Context  string
	Defaults []string // properties returned without $select (nil: all)
	Allowed  map[string]bool
	// Post filters items the SQL cannot (occurrences, visibility); nil for none.
	Post func(store.Item) bool
	// Render overrides RenderItem.
	Render func(store.Item) (json.RawMessage, error)
	// Known lists the selectable properties (nil: no $select check).
	Known map[string]bool
	// Expand inlines navigation properties ($expand) into a rendered item.
	Expand func(store.Item, json.RawMessage) (json.RawMessage, error)
}

// WriteCollection runs col and writes the page.
func (s *Server) WriteCollection(c *Call, col Collection) error {
	return s.writeCollection(c, collection{q: col.Q, base: col.Base, mapping: col.Mapping, defOrder: col.DefOrder,
		context: col.Context, defaults: col.Defaults, allowed: col.Allowed, post: col.Post, render: col.Render,
		known: col.Known, expand: col.Expand})
}

// NewItemID is a new item id with prefix.
func NewItemID(prefix string) string { return newItemID(prefix) }

// VersionOfETag is the item version an If-Match ETag names.
func VersionOfETag(h string) (int64, error) { return versionOfETag(h) }

// ETag is an item's weak ETag, from its version.
func ETag(it store.Item) string { return etag(it) }

// ChangeKey is an item's changeKey, from its version.
func ChangeKey(it store.Item) string { return changeKey(it) }

// RenderItem renders a stored item's document as Graph returns it.
func RenderItem(it store.Item) (json.RawMessage, error) { return renderItem(it) }

// MergeDoc merges v's JSON into the stored document orig.
func MergeDoc(orig json.RawMessage, v any) json.RawMessage { return mergeDoc(orig, v) }

// Project keeps the selected properties of a rendered document (defaults
// without $select), those allowed when allowed is not nil.
func Project(doc []byte, selected, defaults []string, allowed map[string]bool) (json.RawMessage, error) {
	return project(doc, selected, defaults, allowed)
}

// CheckSelect answers the workload's 400 for a $select of a property not
// in known.
func CheckSelect(selected []string, known map[string]bool, entityType string, f odata.Flavor) error {
	return checkSelect(selected, known, entityType, f)
}

// Selectable is the lower-cased properties of a document type.
func Selectable(doc any) map[string]bool { return selectable(doc) }

// SelectableAs is the selectable properties of Graph's entity type, with
// the document's, looked up on first use.
func SelectableAs(entity string, doc any) func() map[string]bool { return selectableAs(entity, doc) }

// JSONMapping maps an entity's properties to its stored document's JSON.
func JSONMapping(entity string, props odata.JSONProps) odata.Mapping {
	return jsonMapping(entity, props)
}

// ByDoc orders by a document property.
func ByDoc(path string, t store.Type, desc bool) []store.Order { return byDoc(path, t, desc) }

// ByCreation orders by creation time.
var ByCreation = byCreation

// DocEq matches a document property equal to v.
func DocEq(path string, v string) store.Cond { return docEq(path, v) }

// DocEqFold matches a document property equal to v, ignoring case.
func DocEqFold(path string, v string) store.Cond { return docEqFold(path, v) }

// Position is a positional $skiptoken's text (ParseQueryPositional), or
// "" on the first page.
func (q *Query) Position() string { return q.position }

// NewQuery is a query of parsed options opts, on its first page, for a
// query a workload builds itself rather than from the request.
func NewQuery(opts *odata.Query) *Query { return &Query{q: opts} }
