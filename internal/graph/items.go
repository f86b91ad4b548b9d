package graph

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"graphgate/internal/odata"
	"graphgate/internal/store"
)

// Workload objects are store items holding their Graph JSON. These helpers
// are the one place that turns items into responses: ids, etags, the
// stored time layout versus Graph's, projection and paging.

// newItemID returns an id shaped like Exchange's (base64url, prefixed).
func newItemID(prefix string) string {
	b := make([]byte, 33)
	_, _ = rand.Read(b)
	return prefix + base64.RawURLEncoding.EncodeToString(b)
}

// changeKey is an item's change key (and etag): its version.
func changeKey(it store.Item) string { return "CQAAAB" + strconv.FormatInt(it.Version, 36) }

// etag renders the @odata.etag of an item.
func etag(it store.Item) string { return `W/"` + changeKey(it) + `"` }

// versionOfETag reads an If-Match header back into an item version (0 when
// absent or "*").
func versionOfETag(h string) (int64, error) {
	h = strings.TrimSpace(h)
	if h == "" || h == "*" {
		return 0, nil
	}
	h = strings.TrimPrefix(h, "W/")
	h = strings.Trim(h, `"`)
	v, err := strconv.ParseInt(strings.TrimPrefix(h, "CQAAAB"), 36, 64)
	if err != nil || !strings.HasPrefix(h, "CQAAAB") {
		return 0, ErrPreconditionFailed()
	}
	return v, nil
}

// renderItem turns a stored document into its response form: stored
// date-times become Graph's, internal fields (starting with "_") are
// dropped, and the etag and change key are set.
func renderItem(it store.Item) (json.RawMessage, error) {
	var m map[string]any
	if err := json.Unmarshal(it.Doc, &m); err != nil {
		return nil, err
	}
	for k, v := range m {
		if strings.HasPrefix(k, "_") {
			delete(m, k)
			continue
		}
		switch x := v.(type) {
		case string:
			if strings.HasSuffix(k, "DateTime") {
				if t, err := parseStoredTime(x); err == nil {
					m[k] = graphTime(t)
				}
			}
		case map[string]any:
			// A dateTimeTimeZone keeps its UTC instant only in storage.
			if _, ok := x["timeZone"]; ok {
				delete(x, "utc")
			}
		}
	}
	m["@odata.etag"] = etag(it)
	if _, ok := m["changeKey"]; ok {
		m["changeKey"] = changeKey(it)
	}
	return json.Marshal(m)
}

// DecodeDoc reads an item's document into a typed value.
func DecodeDoc[T any](it store.Item) (T, error) {
	var v T
	err := json.Unmarshal(it.Doc, &v)
	return v, err
}

// EncodeDoc marshals a document.
func EncodeDoc(v any) json.RawMessage {
	b, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("graph: encoding a document: %v", err))
	}
	return b
}

// mergeDoc encodes v as the new version of the stored document orig,
// keeping the properties orig has that v's type does not know: a message
// handler decodes into messageDoc, and an eventMessage's meeting properties
// must survive its PATCH, move or copy.
func mergeDoc(orig json.RawMessage, v any) json.RawMessage {
	nb := EncodeDoc(v)
	var old map[string]json.RawMessage
	if json.Unmarshal(orig, &old) != nil {
		return nb
	}
	var nw map[string]json.RawMessage
	if json.Unmarshal(nb, &nw) != nil {
		return nb
	}
	kept := false
	for k, val := range old {
		if _, ok := nw[k]; !ok {
			nw[k] = val
			kept = true
		}
	}
	if !kept {
		return nb
	}
	return EncodeDoc(nw)
}

// getOwned fetches an item of kind that belongs to owner, answering the
// workload's 404 otherwise.
func (s *Server) getOwned(c *Call, kind, id, owner string) (store.Item, error) {
	it, err := s.store.GetItem(c.ctx, c.TenantID, kind, id)
	if errors.Is(err, store.ErrNotFound) || err == nil && owner != "" && it.OwnerID != owner {
		return store.Item{}, ErrItemNotFound()
	}
	if err != nil {
		return store.Item{}, AsError(err)
	}
	return it, nil
}

// collection runs a paged item query built from the request's OData options
// over a mapping, and writes the page.
type collection struct {
	q        *Query
	base     store.ItemQuery
	mapping  odata.Mapping
	defOrder []store.Order // the order when the request has no $orderby
	context  string
	defaults []string // properties returned without $select (nil: all)
	allowed  map[string]bool
	// post filters items the SQL cannot (occurrences, visibility); nil for none.
	post func(store.Item) bool
	// render overrides renderItem.
	render func(store.Item) (json.RawMessage, error)
	// known lists the selectable properties (nil: no $select check).
	known map[string]bool
	// expand inlines navigation properties ($expand) into a rendered item.
	expand func(store.Item, json.RawMessage) (json.RawMessage, error)
}

func (s *Server) writeCollection(c *Call, col collection) error {
	if col.known != nil {
		if err := checkSelect(col.q.q.Select, col.known, col.mapping.EntityType, col.q.flavor); err != nil {
			return err
		}
	}
	iq := col.base
	if col.q.q.Filter != nil {
		f, err := odata.Filter(col.q.q.Filter, col.mapping, col.q.flavor)
		if err != nil {
			return err
		}
		iq.Filter = store.AndAll(iq.Filter, f)
	}
	if len(col.q.q.OrderBy) > 0 {
		o, err := odata.Order(col.q.q.OrderBy, col.mapping, col.q.flavor)
		if err != nil {
			return err
		}
		iq.Order = o
	} else if len(iq.Order) == 0 {
		iq.Order = col.defOrder
	}
	iq.Limit, iq.Offset, iq.Count = col.q.top+1, col.q.skip, col.q.q.Count
	if col.q.after != nil {
		// A keyset $skiptoken: continue after its row, reading none of
		// the rows before it (keyset.go).
		if !cursorFits(col.q, iq.Order) {
			return ErrBadRequest("The $skiptoken is not valid.")
		}
		iq.After, iq.Offset = col.q.after, 0
	}
	items, total, err := s.store.QueryItems(c.ctx, iq)
	if err != nil {
		return AsError(err)
	}
	more := len(items) > col.q.top
	if more {
		items = items[:col.q.top]
		if len(items) > 0 {
			col.q.next = keysetToken(col.q, iq.Order, items[len(items)-1])
		}
	}
	vals := make([]json.RawMessage, 0, len(items))
	// Items renderProject rendered are written as they are (appendPage).
	rendered := col.render == nil
	for _, it := range items {
		if col.post != nil && !col.post(it) {
			continue
		}
		var b json.RawMessage
		var err error
		if col.render == nil {
			b, err = renderProject(it, col.q.q.Select, col.defaults, col.allowed, true)
		} else if b, err = col.render(it); err == nil {
			b, err = project(b, col.q.q.Select, col.defaults, col.allowed)
		}
		if err != nil {
			return AsError(err)
		}
		if col.expand != nil {
			e, err := col.expand(it, b)
			if err != nil {
				return err
			}
			// Without $expand, expand hands back renderProject's bytes.
			if len(e) != len(b) || len(b) > 0 && &e[0] != &b[0] {
				rendered = false
			}
			b = e
		}
		vals = append(vals, b)
	}
	next := ""
	if more {
		next = c.nextLink(col.q)
	}
	return c.writePageValues(col.context, col.q, vals, total, next, rendered)
}

// writeItem answers one item with $select applied.
func (c *Call) writeItem(status int, it store.Item, contextURL string, defaults []string, allowed map[string]bool) error {
	return c.writeItemExpanded(status, it, contextURL, defaults, allowed, nil)
}

// writeItemExpanded is writeItem with $expand applied by expand.
func (c *Call) writeItemExpanded(status int, it store.Item, contextURL string, defaults []string, allowed map[string]bool,
	expand func(store.Item, json.RawMessage) (json.RawMessage, error)) error {
	var sel []string
	if q, err := c.ParseQuery(odata.Exchange, 1, 0); err == nil {
		sel = q.q.Select
	} else {
		return err
	}
	b, err := renderProject(it, sel, defaults, allowed, true)
	if err != nil {
		return AsError(err)
	}
	if expand != nil {
		if b, err = expand(it, b); err != nil {
			return err
		}
	}
	return c.JSON(status, WithContext(b, contextURL))
}

func base64StdDecode(s string) ([]byte, error) { return base64.StdEncoding.DecodeString(s) }

func b64(b []byte) string { return base64.StdEncoding.EncodeToString(b) }
