package graph

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"strconv"
	"strings"

	"graphgate/internal/model"
	"graphgate/internal/odata"
	"graphgate/internal/store"
)

// Workload objects are store items holding their Graph JSON. These helpers
// are the one place that turns items into responses: ids, etags, the
// stored time layout versus Graph's, projection and paging.

// NewItemID returns an id shaped like Exchange's (base64url, prefixed).
func NewItemID(prefix string) string {
	b := make([]byte, 33)
	_, _ = rand.Read(b)
	return prefix + base64.RawURLEncoding.EncodeToString(b)
}

// ChangeKey is an item's change key (and etag): its version.
func ChangeKey(it store.Item) string { return "CQAAAB" + strconv.FormatInt(it.Version, 36) }

// ETag renders the @odata.etag of an item.
func ETag(it store.Item) string { return `W/"` + ChangeKey(it) + `"` }

// VersionOfETag reads an If-Match header back into an item version (0 when
// absent or "*").
func VersionOfETag(h string) (int64, error) {
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

// UpdateDoc is a PATCH's read-modify-write of one stored document of type
// T under If-Match (store.Items.UpdateItem with ifVersion, 0 for none):
// change edits the decoded document and returns the bytes to store
// (model.EncodeDoc, or MergeDoc to keep the members T does not know). A
// version If-Match did not name answers ErrPreconditionFailed (412);
// change's own error, a document that does not decode, or the store's
// error answers as AsError gives it.
func UpdateDoc[T any](c *Call, st store.Items, kind, id string, ifVersion int64, change func(it store.Item, d *T) (json.RawMessage, error)) (store.Item, error) {
	it, err := st.UpdateItem(c.Context(), c.TenantID, kind, id, ifVersion, func(it store.Item) (store.Item, error) {
		d, err := model.DecodeDoc[T](it)
		if err != nil {
			return it, err
		}
		doc, err := change(it, &d)
		if err != nil {
			return it, err
		}
		it.Doc = doc
		return it, nil
	})
	switch {
	case errors.Is(err, store.ErrPrecondition):
		return it, ErrPreconditionFailed()
	case err != nil:
		return it, AsError(err)
	}
	return it, nil
}

// RenderItem turns a stored document into its response form: stored
// date-times become Graph's, internal fields (starting with "_") are
// dropped, and the etag and change key are set.
func RenderItem(it store.Item) (json.RawMessage, error) {
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
	m["@odata.etag"] = ETag(it)
	if _, ok := m["changeKey"]; ok {
		m["changeKey"] = ChangeKey(it)
	}
	return json.Marshal(m)
}

// MergeDoc encodes v as the new version of the stored document orig,
// keeping the properties orig has that v's type does not know: a message
// handler decodes into messageDoc, and an eventMessage's meeting properties
// must survive its PATCH, move or copy.
func MergeDoc(orig json.RawMessage, v any) json.RawMessage {
	nb := model.EncodeDoc(v)
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
	return model.EncodeDoc(nw)
}

// GetOwned fetches an item of kind that belongs to owner, answering the
// workload's 404 otherwise.
func (s *Server) GetOwned(c *Call, kind, id, owner string) (store.Item, error) {
	it, err := s.store.GetItem(c.ctx, c.TenantID, kind, id)
	if errors.Is(err, store.ErrNotFound) || err == nil && owner != "" && it.OwnerID != owner {
		return store.Item{}, ErrItemNotFound()
	}
	if err != nil {
		return store.Item{}, AsError(err)
	}
	return it, nil
}

// Collection is a paged item query built from the request's OData options
// over a mapping, as WriteCollection runs it.
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
	if col.Known != nil {
		if err := CheckSelect(col.Q.q.Select, col.Known, col.Mapping.EntityType, col.Q.flavor); err != nil {
			return err
		}
	}
	iq := col.Base
	if col.Q.q.Filter != nil {
		f, err := odata.Filter(col.Q.q.Filter, col.Mapping, col.Q.flavor)
		if err != nil {
			return err
		}
		iq.Filter = store.AndAll(iq.Filter, f)
	}
	if len(col.Q.q.OrderBy) > 0 {
		o, err := odata.Order(col.Q.q.OrderBy, col.Mapping, col.Q.flavor)
		if err != nil {
			return err
		}
		iq.Order = o
	} else if len(iq.Order) == 0 {
		iq.Order = col.DefOrder
	}
	iq.Limit, iq.Offset, iq.Count = col.Q.top+1, col.Q.skip, col.Q.q.Count
	if col.Q.after != nil {
		// A keyset $skiptoken: continue after its row, reading none of
		// the rows before it (keyset.go).
		if !cursorFits(col.Q, iq.Order) {
			return ErrBadRequest("The $skiptoken is not valid.")
		}
		iq.After, iq.Offset = col.Q.after, 0
	}
	// Keyed: the page is listed by its items' keys, and only the
	// documents whose render the cache lacks are read (store's
	// ItemQuery.Omit) — when the page is plain renders of the documents
	// (no workload render, post filter, basic permission or $expand).
	// The last item's document is needed for the next link's cursor
	// unless its cursor is cached too (cursorCache).
	var hits []json.RawMessage
	var cursor *cachedCursor
	var digest uint64
	keyed := col.Render == nil && col.Post == nil && col.Allowed == nil && !c.expanding()
	if keyed {
		top := col.Q.top
		hits = make([]json.RawMessage, min(top, iq.Limit))
		digest = orderDigest(iq.Order)
		pageKey := keyedRenderKey(s.renderScope, store.Item{}, col.Q.q.Select, col.Defaults, true)
		iq.Omit = func(i int, it store.Item) bool {
			if i >= top {
				return true // the probe of a next page: only its existence counts
			}
			if i == top-1 {
				cc, ok := cursorCache().GetIfPresent(cursorKey(s.renderScope, it, digest))
				if !ok {
					return false
				}
				cursor = &cc
			}
			b, ok := renderCache().GetIfPresent(pageKey.of(it))
			if ok {
				hits[i] = b[:len(b):len(b)]
			}
			return ok
		}
	}
	items, total, err := s.store.QueryItems(c.ctx, iq)
	if err != nil {
		return AsError(err)
	}
	more := len(items) > col.Q.top
	if more {
		items = items[:col.Q.top]
		if len(items) > 0 {
			last := items[len(items)-1]
			switch {
			case !keyed:
				col.Q.next = keysetToken(col.Q, iq.Order, last)
			case last.Doc == nil && cursor != nil:
				col.Q.next = cursor.tokenFor(col.Q, iq.Order)
			default:
				// keysetToken's, the cursor and its token remembered for
				// the next time.
				if cur, ok := store.CursorOf(last, iq.Order); ok {
					col.Q.next = encodeKeyset(col.Q, iq.Order, cur)
					cursorCache().Set(cursorKey(s.renderScope, last, digest),
						cachedCursor{cursor: cur, offset: col.Q.skip + col.Q.top, token: col.Q.next})
				}
			}
		}
	}
	vals := make([]json.RawMessage, 0, len(items))
	// Items renderProject rendered are written as they are (appendPage).
	rendered := col.Render == nil
	for i, it := range items {
		if col.Post != nil && !col.Post(it) {
			continue
		}
		var b json.RawMessage
		var err error
		switch {
		case keyed && it.Doc == nil && hits[i] != nil:
			b = hits[i]
		case keyed:
			b, err = renderKeyed(keyedRenderKey(s.renderScope, it, col.Q.q.Select, col.Defaults, true), it, col.Q.q.Select, col.Defaults, true)
		case col.Render == nil:
			b, err = renderProject(it, col.Q.q.Select, col.Defaults, col.Allowed, true)
		default:
			if b, err = col.Render(it); err == nil {
				b, err = Project(b, col.Q.q.Select, col.Defaults, col.Allowed)
			}
		}
		if err != nil {
			return AsError(err)
		}
		if col.Expand != nil {
			e, err := col.Expand(it, b)
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
		next = c.NextLink(col.Q)
	}
	return c.writePageValues(col.Context, col.Q, vals, total, next, rendered)
}

// WriteItem answers one item with $select applied.
func (c *Call) WriteItem(status int, it store.Item, contextURL string, defaults []string, allowed map[string]bool) error {
	return c.WriteItemExpanded(status, it, contextURL, defaults, allowed, nil)
}

// WriteItemExpanded is WriteItem with $expand applied by expand.
func (c *Call) WriteItemExpanded(status int, it store.Item, contextURL string, defaults []string, allowed map[string]bool,
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

// expanding reports whether the request may ask for an $expand: its query
// names "expand" anywhere (conservative; a keyed page hands Expand items
// without their documents, so it is only for pages that expand nothing).
func (c *Call) expanding() bool {
	items, _ := c.expandItems()
	return len(items) > 0 || strings.Contains(strings.ToLower(c.r.URL.RawQuery), "expand")
}
