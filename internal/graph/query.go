package graph

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"reflect"
	"strconv"
	"strings"
	"sync"

	"github.com/maypok86/otter/v2"

	"graphgate/internal/odata"
	"graphgate/internal/store"
)

// Query is a collection request's OData options, resolved for a workload.
type Query struct {
	q      *odata.Query
	flavor odata.Flavor
	top    int // page size
	skip   int // offset of this page (from $skip or $skiptoken)
	// position is a positional $skiptoken's text, for the collections
	// that page by position (ParseQueryPositional); skip is then 0.
	position string
	// after is a keyset $skiptoken's cursor (the last row of the previous
	// page; skip is then that page's end), for WriteCollection to continue
	// from; afterOrder is the digest of the ordering it was made for.
	after      *store.Cursor
	afterOrder uint64
	// next, when set, is the $skiptoken of the next page (a keyset
	// token); nextLink writes an offset token otherwise.
	next string
}

// ParseQuery reads the request's OData options for a workload. pageSize is
// the default page size, maxTop the largest $top.
func (c *Call) ParseQuery(flavor odata.Flavor, pageSize, maxTop int) (*Query, error) {
	return c.parseQueryWith(flavor, pageSize, maxTop, false)
}

// PositionTokenPrefix starts the text of a positional $skiptoken (an
// offset token's starts with "o:").
const PositionTokenPrefix = "v:"

// ParseQueryPositional is parseQuery for a collection whose nextLinks
// carry a position rather than an offset (calendar views): a positional
// token is kept in query.position for the collection to read; an offset
// token is read as parseQuery reads it.
func (c *Call) ParseQueryPositional(flavor odata.Flavor, pageSize, maxTop int) (*Query, error) {
	return c.parseQueryWith(flavor, pageSize, maxTop, true)
}

func (c *Call) parseQueryWith(flavor odata.Flavor, pageSize, maxTop int, positional bool) (*Query, error) {
	// No query string (GET /me): no values to build.
	var vals url.Values
	if raw := c.r.URL.RawQuery; raw != "" {
		var err error
		if vals, err = odata.ParseRawQuery(raw); err != nil {
			return nil, ErrBadRequest("Invalid query string: %s", err)
		}
	}
	token := ""
	if t := vals.Get("$skiptoken"); t != "" {
		token = t
		vals.Del("$skiptoken")
	}
	q, err := odata.Parse(vals, odata.ParseOptions{Flavor: flavor, MaxTop: maxTop})
	if err != nil {
		return nil, err
	}
	if c.countOnly {
		// GET …/$count: the size of the collection the options select.
		q.Count, q.Top, q.Skip = true, nil, nil
		pageSize = 0
	}
	out := &Query{q: q, flavor: flavor, top: pageSize}
	if q.Top != nil {
		out.top = *q.Top
	}
	if q.Skip != nil {
		out.skip = *q.Skip
	}
	if token == "" {
		// No $skiptoken (most requests): nothing to decode.
	} else if b, err := base64.RawURLEncoding.DecodeString(token); positional && err == nil && strings.HasPrefix(string(b), PositionTokenPrefix) {
		out.position = strings.TrimPrefix(string(b), PositionTokenPrefix)
	} else if k, ok := decodeKeysetToken(token); ok {
		out.skip, out.after, out.afterOrder = k.Offset, &k.cursor, k.Order
	} else if token != "" {
		n, err := decodeSkipToken(token)
		if err != nil {
			return nil, ErrBadRequest("The $skiptoken is not valid.")
		}
		out.skip = n
	}
	return out, nil
}

func encodeSkipToken(offset int) string {
	return base64.RawURLEncoding.EncodeToString([]byte("o:" + strconv.Itoa(offset)))
}

func decodeSkipToken(t string) (int, error) {
	b, err := base64.RawURLEncoding.DecodeString(t)
	if err != nil {
		return 0, err
	}
	n, err := strconv.Atoi(strings.TrimPrefix(string(b), "o:"))
	if err != nil || n < 0 || !strings.HasPrefix(string(b), "o:") {
		return 0, strconv.ErrSyntax
	}
	return n, nil
}

// NextLink is the @odata.nextLink of a page that is not the last: the same
// request with a $skiptoken for the next offset (and no $skip).
func (c *Call) NextLink(q *Query) string {
	if q.next != "" {
		return c.NextLinkToken(q.next)
	}
	return c.NextLinkToken(encodeSkipToken(q.skip + q.top))
}

// NextLinkToken is the request with $skiptoken set to token (and no
// $skip).
func (c *Call) NextLinkToken(token string) string {
	base := c.BaseURL()
	k := nextLinkKey{base: base, path: c.r.URL.Path, query: c.r.URL.RawQuery}
	t, ok := nextLinkTemplates().GetIfPresent(k)
	if !ok {
		t = newNextLinkTemplate(base, c.r.URL)
		nextLinkTemplates().Set(k, t)
	}
	return t.before + escapeToken(token) + t.after
}

// escapeToken is a token as encodeQuery writes a value.
func escapeToken(token string) string {
	return strings.ReplaceAll(url.QueryEscape(token), "%24", "$")
}

// A nextLink is the request's URL with its query re-encoded (sorted by
// name, as url.Values.Encode writes it) and $skiptoken set: the same text
// but for the token for every page of one request. nextLinkTemplates
// remembers that text, split around the token, by the request's base URL,
// path and raw query, so that a page's link is two concatenations instead
// of parsing and encoding the query again (5 % of a messages page's CPU
// under load: bench/README.md, "The caches without a lock"). The text is
// exactly what the query's encoding with the token wrote
// (TestNextLinkTemplate). Bounded by bytes, not entries, since a client
// chooses its query's length: otter's cache of nextLinkTemplateBytes,
// counting the key's and the template's text.
var nextLinkTemplates = sync.OnceValue(func() *otter.Cache[nextLinkKey, nextLinkTemplate] {
	return otter.Must(&otter.Options[nextLinkKey, nextLinkTemplate]{
		MaximumWeight: nextLinkTemplateBytes,
		Weigher: func(k nextLinkKey, t nextLinkTemplate) uint32 {
			return uint32(len(k.base) + len(k.path) + len(k.query) + len(t.before) + len(t.after))
		},
	})
})

const nextLinkTemplateBytes = 4 << 20

type nextLinkKey struct{ base, path, query string }

// nextLinkTemplate is a nextLink's text before and after its token.
type nextLinkTemplate struct{ before, after string }

// newNextLinkTemplate splits the link at $skiptoken's value. url.Values
// encodes its names in sorted order (before escaping), each name's values
// in order, joined by "&": the names below "$skiptoken" come before it,
// those above after it.
func newNextLinkTemplate(base string, u *url.URL) nextLinkTemplate {
	vals := u.Query()
	vals.Del("$skip")
	vals.Del("$skiptoken")
	lo, hi := url.Values{}, url.Values{}
	for name, v := range vals {
		if name < "$skiptoken" {
			lo[name] = v
		} else {
			hi[name] = v
		}
	}
	before := base + PathAfterVersion(u.Path) + "?"
	if len(lo) > 0 {
		before += encodeQuery(lo) + "&"
	}
	before += "$skiptoken="
	after := ""
	if len(hi) > 0 {
		after = "&" + encodeQuery(hi)
	}
	return nextLinkTemplate{before: before, after: after}
}

// encodeQuery keeps $ unescaped, as Graph's links do.
func encodeQuery(v url.Values) string {
	return strings.ReplaceAll(v.Encode(), "%24", "$")
}

// PathAfterVersion is a request path without its /v1.0 or /beta prefix.
func PathAfterVersion(p string) string {
	for _, v := range []string{"/v1.0", "/beta"} {
		if len(p) >= len(v) && strings.EqualFold(p[:len(v)], v) {
			return p[len(v):]
		}
	}
	return p
}

// Page is a collection response written whole (@odata.context, count,
// nextLink, value); a handler that builds its list itself writes one with
// Call.JSON.
type Page struct {
	Context  string            `json:"@odata.context,omitempty"`
	Count    *int              `json:"@odata.count,omitempty"`
	NextLink string            `json:"@odata.nextLink,omitempty"`
	Value    []json.RawMessage `json:"value"`
}

// WritePage answers a collection page: values, count when asked for, and a
// nextLink when a full page came back and more may follow.
func (c *Call) WritePage(contextURL string, q *Query, values []json.RawMessage, total int, more bool) error {
	next := ""
	if more {
		next = c.NextLink(q)
	}
	return c.WritePageNext(contextURL, q, values, total, next)
}

// WritePageNext is writePage with the page's nextLink given ("" for the
// last page).
func (c *Call) WritePageNext(contextURL string, q *Query, values []json.RawMessage, total int, next string) error {
	return c.writePageValues(contextURL, q, values, total, next, false)
}

// WritePageRendered is WritePageNext for values that are compact JSON by
// construction (a workload's one-pass render, as renderProject's): they
// are written as they are, not compacted and validated again (appendPage).
func (c *Call) WritePageRendered(contextURL string, q *Query, values []json.RawMessage, total int, next string) error {
	return c.writePageValues(contextURL, q, values, total, next, true)
}

// writePageValues is WritePageNext for values that renderProject rendered
// (rendered set: compact JSON by construction, written as they are; see
// appendPage) or that others built (compacted and validated).
func (c *Call) writePageValues(contextURL string, q *Query, values []json.RawMessage, total int, next string, rendered bool) error {
	if c.countOnly {
		if total < 0 {
			total = len(values)
		}
		return c.Raw(http.StatusOK, "text/plain; charset=utf-8", []byte(strconv.Itoa(total)))
	}
	p := Page{Context: contextURL, Value: values, NextLink: next}
	if q.q.Count && total >= 0 {
		p.Count = &total
	}
	b, err := appendPage(make([]byte, 0, p.size()), p, rendered)
	c.w.Header()["Content-Type"] = jsonContentType
	c.w.WriteHeader(http.StatusOK)
	c.wrote = true
	if err != nil {
		return err // as c.JSON: the status is written, the body is not
	}
	_, err = c.w.Write(b)
	return err
}

// size is about the length of the page's JSON.
func (p Page) size() int {
	n := 64 + len(p.Context) + len(p.NextLink)
	for _, v := range p.Value {
		n += len(v) + 1
	}
	return n
}

// appendPage appends the page's JSON to dst as c.JSON wrote it (a
// json.Encoder without HTML escaping, then a newline), without
// encoding/json's reflection over the page and, when rendered is set,
// without its second pass over every value: an Encoder compacts each
// json.RawMessage (scanning it byte by byte to validate it), and items
// rendered by renderProject are compact JSON by construction (a stored
// document's scalar members copied, everything else encoded by
// json.Marshal; TestAppendPageMatchesEncoder). Other values are compacted
// as the Encoder did (json.Compact is its compaction), and an invalid one
// is an error. 9 % of a messages page's CPU under load was that second
// pass (bench/README.md, "The messages page, third pass").
func appendPage(dst []byte, p Page, rendered bool) ([]byte, error) {
	dst = append(dst, '{')
	if p.Context != "" {
		dst = append(dst, `"@odata.context":`...)
		dst = appendPageString(dst, p.Context)
		dst = append(dst, ',')
	}
	if p.Count != nil {
		dst = append(dst, `"@odata.count":`...)
		dst = strconv.AppendInt(dst, int64(*p.Count), 10)
		dst = append(dst, ',')
	}
	if p.NextLink != "" {
		dst = append(dst, `"@odata.nextLink":`...)
		dst = appendPageString(dst, p.NextLink)
		dst = append(dst, ',')
	}
	dst = append(dst, `"value":[`...)
	for i, v := range p.Value {
		if i > 0 {
			dst = append(dst, ',')
		}
		switch {
		case v == nil:
			dst = append(dst, "null"...) // json.RawMessage(nil).MarshalJSON
		case rendered:
			dst = append(dst, v...)
		default:
			buf := bytes.NewBuffer(dst)
			if err := json.Compact(buf, v); err != nil {
				return nil, fmt.Errorf("graph: item %d of a page: %w", i, err)
			}
			dst = buf.Bytes()
		}
	}
	return append(dst, "]}\n"...), nil
}

// appendPageString appends s as a JSON string as a json.Encoder without
// HTML escaping writes it (appendJSONString is json.Marshal's form, which
// escapes <, > and &). The links and context URLs of a page are
// printable ASCII without quotes or backslashes (query strings are
// percent-encoded), written as they are; anything else goes through
// encoding/json itself (control characters, U+2028 and U+2029 escaped,
// invalid UTF-8 replaced).
func appendPageString(dst []byte, s string) []byte {
	plain := true
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c > 0x7e || c == '"' || c == '\\' {
			plain = false
			break
		}
	}
	if plain {
		dst = append(dst, '"')
		dst = append(dst, s...)
		return append(dst, '"')
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s) // a string always encodes
	return append(dst, bytes.TrimSuffix(buf.Bytes(), []byte("\n"))...)
}

// Project keeps the selected properties of a JSON object (its defaults when
// nothing is selected, all of them for "*"), limited to allowed when
// allowed is not nil. Selected names the object does not hold (navigation
// properties not expanded, properties graphgate does not store) are left
// out.
func Project(doc []byte, selected, defaults []string, allowed map[string]bool) (json.RawMessage, error) {
	return projectWith(doc, selected, defaults, allowed, true)
}

// ProjectDirectory projects a directory object: unlike Exchange, which
// always returns id (and the etag) with a $select, the directory returns
// only what was selected.
func ProjectDirectory(doc []byte, selected, defaults []string, allowed map[string]bool) (json.RawMessage, error) {
	return projectWith(doc, selected, defaults, allowed, len(selected) == 0)
}

func projectWith(doc []byte, selected, defaults []string, allowed map[string]bool, withID bool) (json.RawMessage, error) {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(doc, &m); err != nil {
		return nil, err
	}
	keep := selected
	if len(keep) == 0 {
		keep = defaults
	}
	for _, k := range selected {
		if k == "*" {
			// $select=* is every structural property (OData v4 Part 2,
			// 5.1.3), not only the default set.
			keep, defaults = nil, nil
			break
		}
	}
	out := bytes.NewBufferString("{")
	first := true
	add := func(k string, v json.RawMessage) {
		if !first {
			out.WriteByte(',')
		}
		first = false
		kb, _ := json.Marshal(k)
		out.Write(kb)
		out.WriteByte(':')
		out.Write(v)
	}
	// OData annotations (@odata.etag, @odata.type) travel with the object.
	for k, v := range m {
		if strings.HasPrefix(k, "@odata.") {
			add(k, v)
		}
	}
	if len(keep) == 0 && defaults == nil {
		// No $select and no default set: every property.
		for k := range m {
			if !strings.HasPrefix(k, "@odata.") {
				keep = append(keep, k)
			}
		}
	}
	seen := map[string]bool{}
	if withID {
		keep = append([]string{"id"}, keep...)
	}
	for _, k := range keep {
		lk := strings.ToLower(k)
		if seen[lk] {
			continue
		}
		seen[lk] = true
		if allowed != nil && !allowed[lk] {
			continue
		}
		for mk, v := range m {
			if strings.EqualFold(mk, k) {
				add(mk, v)
				break
			}
		}
	}
	out.WriteByte('}')
	return out.Bytes(), nil
}

// Selectable lists the JSON property names of a document type (its json
// tags), for validating $select the way Exchange does.
func Selectable(doc any) map[string]bool {
	out := map[string]bool{"id": true, "*": true}
	t := reflect.TypeOf(doc)
	for i := 0; i < t.NumField(); i++ {
		tag := t.Field(i).Tag.Get("json")
		name, _, _ := strings.Cut(tag, ",")
		if name != "" && name != "-" && !strings.HasPrefix(name, "_") && !strings.HasPrefix(name, "@") {
			out[strings.ToLower(name)] = true
		}
	}
	return out
}

// CheckSelect answers Exchange's 400 for a $select of a property the type
// does not have.
func CheckSelect(selected []string, known map[string]bool, entityType string, f odata.Flavor) error {
	for _, s := range selected {
		if !known[strings.ToLower(s)] {
			return odata.UnknownPropertyError(f, entityType, s)
		}
	}
	return nil
}
