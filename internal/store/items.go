package store

import (
	"context"
	"encoding/json"
	"errors"
	"time"
	"unicode/utf8"
)

// Graph workload data — messages, mail folders, events, calendars,
// contacts, To Do lists and tasks, chats and their messages, presence,
// mailbox settings, drive items, notebooks, sharing grants — is kept as
// items: one row per object, its Graph representation as a JSON document,
// and the few columns every query needs (tenant, kind, owner, parent,
// version). Filtering, ordering and keyset paging are pushed down: the
// caller states them in the typed query IR (query.go; the odata package
// builds it from $filter and $orderby), the backend renders it as SQL over
// the document (store/sqlq), indexed per kind where a workload sorts or
// filters. This keeps one storage shape for a dozen
// workloads while never loading a whole collection to answer a query.

// Item is one workload object.
type Item struct {
	TenantID string
	// Kind is the Graph entity type, e.g. "message", "mailFolder", "event".
	Kind string
	ID   string
	// OwnerID is the user or group whose data it is ("" for shared objects
	// such as chats).
	OwnerID string
	// ParentID is the folder, calendar, list, chat or section holding it.
	ParentID string
	// Doc is the object's Graph JSON representation. Date-times inside are
	// UTC in the fixed-width layout of TimeLayout, so that text order is
	// time order in every backend.
	Doc json.RawMessage
	// Version increases with every update (the object's etag); CreateItems
	// stores 1.
	Version    int64
	CreatedAt  time.Time
	ModifiedAt time.Time
}

// TimeLayout is how date-times are stored inside item documents.
const TimeLayout = "2006-01-02T15:04:05.0000000Z"

// ItemQuery selects items. Empty strings match anything, except TenantID and
// Kind, which are required.
type ItemQuery struct {
	TenantID string
	Kind     string
	OwnerID  string
	ParentID string
	// ParentIDs, when set, matches any of these parents (a folder and its
	// subfolders).
	ParentIDs []string
	// Filter selects the items (the query IR, query.go); nil for all.
	Filter Cond
	// Order sorts them; the backend breaks ties by id, ascending. Empty:
	// by id.
	Order []Order
	// After continues a keyset-paged listing after a row of the previous
	// page (Cursor), in Order; Count still counts every match.
	After  *Cursor
	Limit  int // 0: no limit
	Offset int
	// Count asks for the number of matching items, ignoring Limit and Offset.
	Count bool
	// Text narrows the candidates to items whose indexed text holds every
	// one of these strings, case-insensitively, as a substring. It is a
	// hint for Filter, which must still state the exact condition: a
	// backend may read the candidates from its text index (kinds in
	// TextIndexed; strings of at least TextMinLength characters), or
	// ignore Text and let Filter decide alone, so the result is Filter's
	// either way. Which it does is the backend's choice (a string in most
	// items is found sooner by reading in order).
	Text []string
	// Overlap, when set, selects the items whose time interval overlaps a
	// window, in start order (see Overlap). Order, After, Offset, Count
	// and ParentIDs must then be zero.
	Overlap *Overlap
	// Omit, when set, is asked about each item of the page in order (i
	// counts from 0), given every field but Doc; when it answers true the
	// item is returned without its document (Doc nil), which the backend
	// then need not read. A caller that already holds what it needs of
	// an item's version (a render cache keyed by id and version) reads
	// only the documents it lacks. A backend may ignore Omit and return
	// every document.
	Omit func(i int, it Item) bool
}

// TextIndexed are the kinds whose text the backends index for
// ItemQuery.Text, each with the document properties indexed: a message's
// subject, body and sender (what the Graph server's $search reads).
var TextIndexed = map[string][]string{"message": {"subject", "body/content", "from/emailAddress/address", "from/emailAddress/name"}}

// TextMinLength is the shortest string a text index looks up: both
// backends index trigrams (three characters).
const TextMinLength = 3

// TextTerms are the strings of q.Text a text index can look up: those of
// at least TextMinLength characters, for a kind in TextIndexed; none
// otherwise.
func TextTerms(q ItemQuery) []string {
	if TextIndexed[q.Kind] == nil {
		return nil
	}
	var out []string
	for _, t := range q.Text {
		if utf8.RuneCountInString(t) >= TextMinLength {
			out = append(out, t)
		}
	}
	return out
}

// Overlap selects, for documents holding an interval as start.utc and
// end.utc (events, event exceptions), the items that overlap the window
// [From, To) — start.utc < To and end.utc > From — ordered by start.utc,
// then id, as a calendar view lists them. With AfterID set, only the items
// after (AfterStart, AfterID) in that order are returned, so that a listing
// continues where its last page ended without reading the items before.
//
// The backends answer it from per-kind indexes (kinds "event" and
// "eventException", with ParentID set) without reading items that end
// before the window: items are indexed by the decimal length of their
// duration in minutes (see SpanClass), and each class is read from the
// earliest start an item of that class can have and still overlap From.
// Work is bounded by Limit plus the items of similar length that end
// shortly before the window, however much history the calendar holds.
type Overlap struct {
	From, To   time.Time
	AfterStart time.Time
	AfterID    string
}

// SpanClasses is the number of duration classes of Overlap's indexes:
// class c (1 to SpanClasses-1) holds the intervals whose duration in
// approximate minutes has c characters (at most 10^c - 1 minutes), the
// last class every longer one. Approximate minutes count every month as 31
// days and drop the seconds, so that both backends compute them from the
// stored text with integer arithmetic alone; a true duration is shorter
// than its approximate minutes plus one.
const SpanClasses = 8

// SpanEarliestStart is the earliest start an item of duration class c can
// have and still end after from (its duration is under 10^c minutes), and
// false for the last class, which is unbounded.
func SpanEarliestStart(c int, from time.Time) (time.Time, bool) {
	if c >= SpanClasses {
		return time.Time{}, false
	}
	longest := time.Minute
	for range c {
		longest *= 10
	}
	return from.Add(-longest), true
}

// ErrOverlapQuery reports an ItemQuery that combines Overlap with an
// option it does not support.
var ErrOverlapQuery = errors.New("store: an Overlap query takes no Order, After, Offset, Count or ParentIDs")

// CheckOverlap returns ErrOverlapQuery when q combines Overlap with an
// option it does not support.
func CheckOverlap(q ItemQuery) error {
	if q.Overlap != nil && (len(q.Order) > 0 || q.After != nil || q.Offset != 0 || q.Count || q.ParentIDs != nil) {
		return ErrOverlapQuery
	}
	return nil
}

// Analyzer is implemented by backends whose query planner reads
// statistics that a bulk load leaves stale: PostgreSQL, whose autovacuum
// refreshes them only later (or never, when it is off), so that a query
// planned right after a load may read a whole mailbox instead of an
// index. A bulk loader (demo.Generate, an import) calls Analyze when it
// is done. SQLite's backend does not implement it: its statistics are
// fixed estimates (migration 0010).
type Analyzer interface {
	Analyze(ctx context.Context) error
}

// Items keeps workload data.
type Items interface {
	// CreateItems stores items atomically: all of them, or none (sendMail
	// delivers the recipients' copies and the sender's in one call).
	CreateItems(ctx context.Context, items ...Item) error
	GetItem(ctx context.Context, tenantID, kind, id string) (Item, error)
	// UpdateItem changes an item through f in a transaction. ifVersion > 0
	// is an optimistic-concurrency precondition (an If-Match etag): a
	// different stored version returns ErrPrecondition and changes nothing.
	// The backend increments Version and sets ModifiedAt.
	UpdateItem(ctx context.Context, tenantID, kind, id string, ifVersion int64, f func(Item) (Item, error)) (Item, error)
	// DeleteItems removes items by id (of one kind), atomically; missing ids
	// are ignored and the count of removed items returned.
	DeleteItems(ctx context.Context, tenantID, kind string, ids ...string) (int, error)
	// QueryItems returns the matching items in order, and the total count
	// when q.Count is set (else -1).
	QueryItems(ctx context.Context, q ItemQuery) ([]Item, int, error)
	// Batch runs f with a transaction-bound Items: every change f makes
	// commits together or not at all.
	Batch(ctx context.Context, f func(tx Items) error) error
}

// DirectoryQuery selects users or groups, like ItemQuery: Filter and
// Order name the columns of DirectoryColumns (and UserType for users;
// groups have a document holding groupTypes, see GroupDocument).
type DirectoryQuery struct {
	TenantID string
	// IDs, when set, restricts the result to these objects (the members of
	// a group, a user's direct reports).
	IDs    []string
	Filter Cond
	Order  []Order
	After  *Cursor
	Limit  int
	Offset int
	Count  bool
}

// UserType is the column of a user's userType ("Member" or "Guest"),
// which the backends derive from the user's kind.
const UserType = "user_type"

// GroupDocument is the document path of a group's groupTypes (a JSON
// array): the backends present the group_types column as a document
// {"groupTypes": [...]} so that groupTypes/any(…) is a condition like
// any other.
const GroupDocument = "groupTypes"

// DirectoryColumns are the column names every backend gives the users and
// groups it queries, so that the Graph server can map OData properties to
// them. Strings are stored as given; booleans as 0/1 (SQLite) or boolean
// (PostgreSQL); JSON lists (business_phones, roles, group_types) as JSON
// array text.
var DirectoryColumns = struct {
	Users, Groups []string
}{
	Users: []string{"id", "upn", "display_name", "given_name", "surname", "mail", "job_title", "department", "office_location",
		"mobile_phone", "business_phones", "preferred_language", "usage_location", "kind", "account_enabled", "roles", "manager_id"},
	Groups: []string{"id", "display_name", "description", "mail_nickname", "mail", "group_types", "mail_enabled", "security_enabled",
		"visibility"},
}

// DirectoryQueries are the pushed-down directory queries.
type DirectoryQueries interface {
	// QueryUsers returns a tenant's matching users in order (id as the final
	// tie-breaker) and, with Count, the total (else -1).
	QueryUsers(ctx context.Context, q DirectoryQuery) ([]User, int, error)
	QueryGroups(ctx context.Context, q DirectoryQuery) ([]Group, int, error)
}
