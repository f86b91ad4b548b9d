package graph

import (
	"bytes"
	"encoding/json"
	"hash/maphash"
	"io"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/go-json-experiment/json/jsontext"
	"github.com/maypok86/otter/v2"

	"graphgate/internal/store"
)

// The one-pass render of a stored item with its projection applied: what
// Project(RenderItem(it), …) answers, without decoding every member of the
// document into map[string]any, encoding it again and decoding the result
// a third time to keep the selected members (issue 16: that was 46 % of a
// messages page's CPU).
//
// The document's top-level members are found with jsontext (the
// go-json-experiment tokenizer that odata already uses for request bodies)
// rather than encoding/json's Decoder.Token: ReadValue hands back each
// member's raw bytes without building a value or allocating per token,
// and it validates the whole document as json.Unmarshal did. Only the
// members the response keeps are then brought to RenderItem's form:
//
//   - a member whose name starts with "_" (storage only) is never written;
//   - a string member whose name ends in "DateTime" and holds a stored
//     date-time is written in Graph's layout;
//   - an object member is decoded and encoded again (json.Marshal sorts its
//     keys; a dateTimeTimeZone loses its stored "utc"), as are arrays,
//     numbers and strings that are not already in encoding/json's form;
//   - @odata.etag is the item's, changeKey (when present) its version.
//
// So the bytes are those of the old path. The old path wrote the OData
// annotations, and every member when nothing narrows the projection, in
// Go's random map order; the one-pass render writes them sorted by name,
// one of those orders. A document the fast path does not handle exactly
// (a name with escapes or characters JSON must escape, a name given twice,
// invalid UTF-8) takes the old path, which stays the reference
// (TestRenderProjectedMatchesOldPath).

// member is one top-level member of a stored document: its name and its
// raw value, both slices of the document.
type member struct {
	name []byte
	val  []byte
}

// renderDecoders reuses jsontext decoders (each holds buffers and state)
// across renders.
var renderDecoders = sync.Pool{New: func() any { return new(renderScratch) }}

type renderScratch struct {
	buf     bytes.Buffer
	dec     jsontext.Decoder
	members []member
	annots  []member
}

// renderProject renders a stored item and keeps the members projectWith
// would keep (see project and ProjectDirectory for withID).
//
// The answer is a function of the document's bytes, the item's version
// and the projection only, so it is remembered (renderCache): a page read
// again — a client polling its inbox, the next page of the same query —
// costs a hash of each document instead of its render. Nothing needs
// invalidating: a changed document hashes differently and a changed item
// has a new version. Projections limited by allowed (the set a basic
// permission may read) are not cached; they are rare.
func renderProject(it store.Item, selected, defaults []string, allowed map[string]bool, withID bool) (json.RawMessage, error) {
	var key renderKey
	cacheable := allowed == nil && len(it.Doc) <= maxCachedDoc
	if cacheable {
		key = renderKeyOf(it, selected, defaults, withID)
		if b, ok := renderCache().GetIfPresent(key); ok {
			return b[:len(b):len(b)], nil
		}
	}
	if out, ok := renderProjectFast(it, selected, defaults, allowed, withID); ok {
		if cacheable && len(out) <= maxCachedRender {
			out = out[:len(out):len(out)] // a caller appending copies it
			renderCache().Set(key, out)
		}
		return out, nil
	}
	b, err := RenderItem(it)
	if err != nil {
		return nil, err
	}
	return projectWith(b, selected, defaults, allowed, withID)
}

// renderProjectFast is renderProject for the documents it handles exactly;
// ok is false for the others (and for a document that is not valid JSON,
// whose error the old path reports).
func renderProjectFast(it store.Item, selected, defaults []string, allowed map[string]bool, withID bool) (json.RawMessage, bool) {
	sc := renderDecoders.Get().(*renderScratch)
	defer func() {
		sc.buf.Reset()
		sc.dec.Reset(&sc.buf)
		sc.members, sc.annots = sc.members[:0], sc.annots[:0]
		renderDecoders.Put(sc)
	}()
	doc := it.Doc
	sc.buf.Reset()
	sc.buf.Write(doc)
	// Duplicate names are refused (the old path kept the last one) and so
	// is invalid UTF-8 (the old path replaced it): both fall back.
	sc.dec.Reset(&sc.buf)
	if tok, err := sc.dec.ReadToken(); err != nil || tok.Kind() != '{' {
		return nil, false
	}
	members := sc.members[:0]
	for sc.dec.PeekKind() != '}' {
		name, err := sc.dec.ReadValue()
		if err != nil || !plainName(name) {
			return nil, false
		}
		nameEnd := int(sc.dec.InputOffset())
		nameRaw := doc[nameEnd-len(name)+1 : nameEnd-1]
		val, err := sc.dec.ReadValue()
		if err != nil {
			return nil, false
		}
		end := int(sc.dec.InputOffset())
		if bytes.HasPrefix(nameRaw, []byte("_")) {
			continue
		}
		members = append(members, member{name: nameRaw, val: doc[end-len(val) : end]})
	}
	if _, err := sc.dec.ReadToken(); err != nil {
		return nil, false
	}
	if _, err := sc.dec.ReadValue(); err != io.EOF {
		return nil, false // trailing data: json.Unmarshal refuses it
	}
	sc.members = members

	// The annotations, @odata.etag the item's.
	annots := sc.annots[:0]
	annots = append(annots, member{name: []byte("@odata.etag")})
	for _, m := range members {
		if bytes.HasPrefix(m.name, []byte("@odata.")) && string(m.name) != "@odata.etag" {
			annots = append(annots, m)
		}
	}
	slices.SortFunc(annots, func(a, b member) int { return bytes.Compare(a.name, b.name) })
	sc.annots = annots

	keep := selected
	if len(keep) == 0 {
		keep = defaults
	}
	if slices.Contains(selected, "*") {
		keep, defaults = nil, nil
	}
	var all []string
	if len(keep) == 0 && defaults == nil {
		all = make([]string, 0, len(members))
		for _, m := range members {
			if !bytes.HasPrefix(m.name, []byte("@odata.")) {
				all = append(all, string(m.name))
			}
		}
		slices.Sort(all)
		keep = all
	}

	out := make([]byte, 0, 64+len(doc)/4)
	out = append(out, '{')
	first := true
	add := func(name []byte) {
		if !first {
			out = append(out, ',')
		}
		first = false
		out = append(out, '"')
		out = append(out, name...)
		out = append(out, '"', ':')
	}
	for _, a := range annots {
		add(a.name)
		if a.val == nil {
			out = append(out, `"W/\"`...)
			out = append(out, ChangeKey(it)...)
			out = append(out, `\""`...)
			continue
		}
		var ok bool
		if out, ok = appendRendered(out, a.name, a.val); !ok {
			return nil, false
		}
	}
	var seen [16]string
	seenL := seen[:0]
	emit := func(k string) bool {
		for _, s := range seenL {
			if strings.EqualFold(s, k) {
				return true
			}
		}
		seenL = append(seenL, k)
		if allowed != nil && !allowed[strings.ToLower(k)] {
			return true
		}
		for _, m := range members {
			if !bytes.EqualFold(m.name, []byte(k)) {
				continue
			}
			add(m.name)
			if string(m.name) == "changeKey" {
				out = append(out, '"')
				out = append(out, ChangeKey(it)...)
				out = append(out, '"')
				return true
			}
			var ok bool
			out, ok = appendRendered(out, m.name, m.val)
			return ok
		}
		return true
	}
	for _, k := range keep {
		if strings.HasPrefix(k, "@odata.") {
			// An annotation selected by name: rare, and the old path's
			// answer (written twice) is kept by taking it.
			return nil, false
		}
	}
	if withID && !emit("id") {
		return nil, false
	}
	for _, k := range keep {
		if !emit(k) {
			return nil, false
		}
	}
	out = append(out, '}')
	return out, true
}

// plainName reports whether a quoted member name is written as is by
// json.Marshal: printable ASCII, no escapes, nothing HTML-escaped.
func plainName(q jsontext.Value) bool {
	if len(q) < 2 || q[0] != '"' {
		return false
	}
	for _, c := range q[1 : len(q)-1] {
		if c < 0x20 || c > 0x7e || c == '\\' || c == '"' || c == '<' || c == '>' || c == '&' {
			return false
		}
	}
	return true
}

// appendRendered appends a top-level member's value in RenderItem's form.
func appendRendered(out, name, val []byte) ([]byte, bool) {
	switch val[0] {
	case 'n', 't', 'f':
		return append(out, val...), true
	case '"':
		if plainString(val) {
			if bytes.HasSuffix(name, []byte("DateTime")) {
				if t, err := parseStoredTime(string(val[1 : len(val)-1])); err == nil {
					out = append(out, '"')
					out = t.UTC().AppendFormat(out, "2006-01-02T15:04:05Z")
					return append(out, '"'), true
				}
			}
			return append(out, val...), true
		}
		var s string
		if json.Unmarshal(val, &s) != nil {
			return out, false
		}
		if bytes.HasSuffix(name, []byte("DateTime")) {
			if t, err := parseStoredTime(s); err == nil {
				s = graphTime(t)
			}
		}
		b, err := json.Marshal(s)
		return append(out, b...), err == nil
	case '-', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9':
		if plainInt(val) {
			return append(out, val...), true
		}
		var f float64
		if json.Unmarshal(val, &f) != nil {
			return out, false
		}
		b, err := json.Marshal(f)
		return append(out, b...), err == nil
	case '{':
		var m map[string]any
		if json.Unmarshal(val, &m) != nil {
			return out, false
		}
		// A dateTimeTimeZone keeps its UTC instant only in storage.
		if _, ok := m["timeZone"]; ok {
			delete(m, "utc")
		}
		b, err := json.Marshal(m)
		return append(out, b...), err == nil
	default:
		var v any
		if json.Unmarshal(val, &v) != nil {
			return out, false
		}
		b, err := json.Marshal(v)
		return append(out, b...), err == nil
	}
}

// plainString reports whether a quoted JSON string is already what
// json.Marshal writes for its text: printable ASCII without escapes or
// HTML-escaped characters.
func plainString(q []byte) bool { return plainName(q) }

// plainInt reports whether a JSON number is an integer json.Marshal writes
// unchanged after decoding it into a float64: no leading zero, no
// fraction or exponent, at most 15 digits (exact in a float64).
func plainInt(n []byte) bool {
	d := n
	if len(d) > 0 && d[0] == '-' {
		d = d[1:]
	}
	if len(d) == 0 || len(d) > 15 || (d[0] == '0' && len(d) > 1) || string(n) == "-0" {
		return false
	}
	for _, c := range d {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// renderCache remembers rendered items: renderCacheSize entries of at most
// maxCachedRender bytes each (at most 16 MB), rendered from documents of at
// most maxCachedDoc bytes (hashing a larger one is not worth it).
// It is made on first use, not by every command's start (cmd/graphgate
// TestCLIInitIsLazy).
//
// It is otter's cache, not a mutex-guarded LRU: a page looks up each of its
// items (25 lookups for a page of 25), and under load golang-lru's lock,
// which every Get takes to move the entry, was the most contended in the
// process (bench/README.md, "The caches without a lock"); otter's reads
// take none, and its eviction (S3-FIFO) keeps the entries that are read
// again. Otter applies writes and evictions in batches, so between two of
// them it may hold up to its write buffer's length (a few hundred
// entries) beyond renderCacheSize: the bound is that much looser, never
// gone (TestRenderCacheBounded).
var renderCache = sync.OnceValue(func() *otter.Cache[renderKey, json.RawMessage] {
	return otter.Must(&otter.Options[renderKey, json.RawMessage]{MaximumSize: renderCacheSize})
})

const (
	renderCacheSize = 2048
	maxCachedRender = 8 << 10
	maxCachedDoc    = 256 << 10
)

// renderSeed keys the document hashes of renderCache; it is random per
// process, so no one can craft two documents whose hashes collide.
var renderSeed = maphash.MakeSeed()

// renderKey identifies a render: the item (tenant, kind, id and version,
// which alone would do for documents that only change through the store),
// a 64-bit hash of the document's bytes (a restored snapshot or another
// server in the process may hold other bytes under the same id and
// version), and the projection.
type renderKey struct {
	tenant, kind, id string
	version          int64
	doc              uint64
	projection       string
	// A keyed render (renderKeyed) has no doc hash: scope (the server's),
	// the creation and modification times identify the stored document.
	keyed             bool
	scope             uint64
	created, modified int64
}

// renderScopes numbers the servers of the process (Server.renderScope).
var renderScopes atomic.Uint64

// keyedRenderKey is the key of a render found by the item's keys alone,
// with no document to hash: a page listed by keys (WriteCollection) looks
// its items up by it and reads only the documents it misses. The store
// bumps an item's version at every change (UpdateItem), a re-created item
// has new times, and scope keeps servers (stores) apart, so the key names
// one stored document; a document written otherwise under the same id,
// version and times (an import of crafted rows) is the limit of that.
func keyedRenderKey(scope uint64, it store.Item, selected, defaults []string, withID bool) renderKey {
	k := renderKeyOf(store.Item{}, selected, defaults, withID)
	k.doc, k.keyed, k.scope = 0, true, scope
	return k.of(it)
}

// of is keyed key k (keyedRenderKey) for it: the projection written once
// for a page, the item's keys set per item.
func (k renderKey) of(it store.Item) renderKey {
	k.tenant, k.kind, k.id, k.version = it.TenantID, it.Kind, it.ID, it.Version
	k.created, k.modified = it.CreatedAt.UnixNano(), it.ModifiedAt.UnixNano()
	return k
}

// cursorCache remembers the keyset cursors (store.CursorOf) of the items
// that end pages, by keyedRenderKey with the ordering's digest as the
// projection, so that a keyed page (WriteCollection) need not read the
// document of its last item again to write its next link. Made on first
// use, like renderCache.
var cursorCache = sync.OnceValue(func() *otter.Cache[renderKey, cachedCursor] {
	return otter.Must(&otter.Options[renderKey, cachedCursor]{MaximumSize: renderCacheSize})
})

// cachedCursor is a cursorCache entry: the cursor, and the keyset token
// encodeKeyset wrote for it at offset (the page's $skip + $top), which is
// all the token depends on besides the ordering the key holds — a page
// asked for again writes the same nextLink without encoding it again.
type cachedCursor struct {
	cursor store.Cursor
	offset int
	token  string
}

// tokenFor is encodeKeyset(q, orders, cc.cursor), remembered.
func (cc *cachedCursor) tokenFor(q *Query, orders []store.Order) string {
	if cc.offset == q.skip+q.top && cc.token != "" {
		return cc.token
	}
	return encodeKeyset(q, orders, cc.cursor)
}

// cursorKey is the cursorCache key of it in orders (digest: orderDigest).
func cursorKey(scope uint64, it store.Item, digest uint64) renderKey {
	k := renderKey{keyed: true, scope: scope, projection: "cursor", doc: digest}
	return k.of(it)
}

// renderKeyed is renderProject for an item of a keyed listing whose
// render the cache did not hold under key (keyedRenderKey): the document
// is rendered and remembered under key as well.
func renderKeyed(key renderKey, it store.Item, selected, defaults []string, withID bool) (json.RawMessage, error) {
	b, err := renderProject(it, selected, defaults, nil, withID)
	if err == nil && len(it.Doc) <= maxCachedDoc && len(b) <= maxCachedRender {
		renderCache().Set(key, b[:len(b):len(b)])
	}
	return b, err
}

func renderKeyOf(it store.Item, selected, defaults []string, withID bool) renderKey {
	var b strings.Builder
	if withID {
		b.WriteString("id|")
	} else {
		b.WriteString("noid|")
	}
	for _, s := range selected {
		b.WriteString(s)
		b.WriteByte(',')
	}
	b.WriteByte('|')
	if defaults == nil {
		b.WriteString("<all>") // nil defaults: every property
	}
	for _, s := range defaults {
		b.WriteString(s)
		b.WriteByte(',')
	}
	return renderKey{tenant: it.TenantID, kind: it.Kind, id: it.ID, version: it.Version,
		doc: maphash.Bytes(renderSeed, it.Doc), projection: b.String()}
}

// AppendJSONString appends s quoted as json.Marshal writes it (HTML
// characters escaped): printable ASCII other than the characters it
// escapes is copied, anything else is left to encoding/json. The
// workloads' hand-written renders (entra's users, exchange's calendar
// members) quote their strings with it. (store.RepeatsText keeps its own:
// store cannot import graph.)
func AppendJSONString(dst []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c > 0x7e || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			b, _ := json.Marshal(s) // a string always encodes
			return append(dst, b...)
		}
	}
	dst = append(dst, '"')
	dst = append(dst, s...)
	return append(dst, '"')
}
