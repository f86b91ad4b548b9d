package graph

import (
	"encoding/json"
	"errors"
	"net/http"
	"strings"

	"graphgate/internal/odata"
	"graphgate/internal/store"
)

// What the teams workload (internal/graph/teams: chats and presence) uses
// of the pipeline beyond workload.go's API, and the chat fact the pipeline
// resolves itself: whether the caller is a member of the chat a /chats/{id}
// path names (target.go), which the engine's chat relation needs before
// any handler runs.

// chatMember reports whether a user is a member of a chat (false for a
// chat that does not exist, which the handler then answers 404 for).
func (s *Server) chatMember(c *Call, chatID, userID string) (bool, error) {
	it, err := s.store.GetItem(c.ctx, c.TenantID, KindChat, chatID)
	if errors.Is(err, store.ErrNotFound) {
		return false, NewErrorf(http.StatusNotFound, "NotFound", "Resource not found.")
	}
	if err != nil {
		return false, AsError(err)
	}
	var doc struct {
		Members []struct {
			UserID string `json:"userId"`
		} `json:"members"`
	}
	if err := json.Unmarshal(it.Doc, &doc); err != nil {
		return false, AsError(err)
	}
	for _, m := range doc.Members {
		if strings.EqualFold(m.UserID, userID) {
			return true, nil
		}
	}
	return false, nil
}

// WriteItem answers one stored item with the request's $select applied
// (defaults without $select, limited to allowed when not nil) and
// contextURL as its @odata.context.
func (c *Call) WriteItem(status int, it store.Item, contextURL string, defaults []string, allowed map[string]bool) error {
	return c.writeItem(status, it, contextURL, defaults, allowed)
}

// NewItemID is a fresh id shaped like Exchange's: prefix and 44 base64url
// characters.
func NewItemID(prefix string) string { return newItemID(prefix) }

// The declarations below are identical, name and signature, to those the
// files workload adds (workload_files.go): when both branches are merged,
// keep one copy.

// ItemCollection is a paged item query built from the request's OData
// options over a mapping (WriteCollection writes its page).
type ItemCollection struct {
	Query    *Query
	Base     store.ItemQuery
	Mapping  odata.Mapping
	DefOrder []store.Order // the order when the request has no $orderby
	Context  string
	Defaults []string // properties returned without $select (nil: all)
	Allowed  map[string]bool
	// Post filters items the store cannot; nil for none.
	Post func(store.Item) bool
	// Render overrides the stored document's rendering.
	Render func(store.Item) (json.RawMessage, error)
	// Known lists the selectable properties (nil: no $select check).
	Known map[string]bool
	// Expand inlines navigation properties ($expand) into a rendered item.
	Expand func(store.Item, json.RawMessage) (json.RawMessage, error)
}

// WriteCollection runs col's query (filter, order and page pushed down to
// the store, keyset paging) and writes the page.
func (s *Server) WriteCollection(c *Call, col ItemCollection) error {
	return s.writeCollection(c, collection{q: col.Query, base: col.Base, mapping: col.Mapping, defOrder: col.DefOrder,
		context: col.Context, defaults: col.Defaults, allowed: col.Allowed, post: col.Post, render: col.Render,
		known: col.Known, expand: col.Expand})
}

// JSONMapping is the OData mapping of an entity stored as a JSON document
// with properties props (jsonMapping: built once per process).
func JSONMapping(entity string, props odata.JSONProps) odata.Mapping {
	return jsonMapping(entity, props)
}

// ByDoc orders by document property path of type t.
func ByDoc(path string, t store.Type, desc bool) []store.Order { return byDoc(path, t, desc) }

// Project applies $select to a rendered document: selected properties
// (defaults without $select), limited to allowed when not nil.
func Project(doc []byte, selected, defaults []string, allowed map[string]bool) (json.RawMessage, error) {
	return project(doc, selected, defaults, allowed)
}

// RenderItem renders a stored item's document as Graph returns it (its
// internal fields stripped).
func RenderItem(it store.Item) (json.RawMessage, error) { return renderItem(it) }

// AsErrorOrNil is AsError(err), or nil for nil.
func AsErrorOrNil(err error) error { return asErrorOrNil(err) }

// Page is a collection response written whole (@odata.context, count,
// nextLink, value), for a list a handler builds itself.
type Page = page
