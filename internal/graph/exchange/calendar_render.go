package exchange

import (
	"bytes"
	"encoding/json"
	"hash/maphash"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/go-json-experiment/json/jsontext"
	jsonv1 "github.com/go-json-experiment/json/v1"
	lru "github.com/hashicorp/golang-lru/v2"

	"graphgate/internal/graph"
	"graphgate/internal/model"
	"graphgate/internal/store"
)

// The one-pass render of a view's events: what
// graph.Project(renderEvent(it, zone, loc), $select, nil, allowed) answers,
// built from the event's decoded model.Event a member at a time.
//
// renderEvent decodes the stored document into model.Event, encodes it,
// decodes that into map[string]any, encodes the map, and Project decodes
// the result a fifth time to keep the selected members (66 % of a
// calendarView page's CPU at scale, bench/README.md). Here the document is
// decoded once into model.Event, as renderEvent does — so the members and
// their values are exactly the model's: unknown ones dropped, missing ones
// zero, names matched as encoding/json matches them —, and only the
// members the response keeps are encoded, each to the form the map's
// round trip gave it:
//
//   - a string member whose name ends in "DateTime" and holds a stored
//     date-time is in Graph's layout (renderItem);
//   - start and end are in the preferred zone, without their stored UTC;
//   - changeKey and @odata.etag are the item's version;
//   - a number is what a float64 encodes to;
//   - an object or array has its members sorted by name, as encoding/json
//     writes a map: jsontext's RFC 8785 canonical form, which sorts them,
//     formats numbers as ECMAScript does (as encoding/json does float64s)
//     and writes strings minimally. encoding/json's strings differ from the
//     minimal form only where they hold an escape (<, >, & and U+2028/9
//     HTML-escaped, control characters, quotes and backslashes), and a
//     value with any backslash takes the map's round trip itself.
//
// The members are written as the one-pass render of messages writes them
// (graph's renderProject): @odata.etag, then without $select every member
// sorted by name (the old path wrote them in Go's random map order), with
// $select id and the selected ones in the order asked, each once, matched
// ignoring case and limited to allowed. TestEventRenderMatchesOldPath keeps
// it the old path's answer.
//
// A series' occurrences share their master's members but for a few of
// their own (occurrenceOwn): a view renders each shared member once per
// series and page (eventRender.shared), not once per occurrence.

// decodeDoc reads a stored document as model.DecodeDoc does, with
// go-json-experiment's implementation of encoding/json's semantics (its v1
// package: names matched ignoring case, the last of duplicates kept,
// invalid UTF-8 replaced), which decodes a generated event 1.7× faster and
// the few members a series' expansion needs 3.8× faster than
// encoding/json, which scans the whole document twice (validating it, then
// decoding it). The store holds valid JSON; a document that is not is an
// error either way.
func decodeDoc[T any](it store.Item) (T, error) {
	var v T
	err := jsonv1.Unmarshal(it.Doc, &v)
	return v, err
}

// eventField is a member of model.Event's JSON.
type eventField struct {
	name      string
	index     int
	omitEmpty bool
}

// eventFields are model.Event's members as renderEvent shows them (the
// internal ones left out), sorted by name.
var eventFields = sync.OnceValue(func() []eventField {
	var out []eventField
	t := reflect.TypeOf(model.Event{})
	for i := range t.NumField() {
		name, opts, _ := strings.Cut(t.Field(i).Tag.Get("json"), ",")
		if name == "" || name == "-" || strings.HasPrefix(name, "_") {
			continue
		}
		out = append(out, eventField{name: name, index: i, omitEmpty: strings.Contains(opts, "omitempty")})
	}
	slices.SortFunc(out, func(a, b eventField) int { return strings.Compare(a.name, b.name) })
	return out
})

// occurrenceOwn reports the members an occurrence has of its own rather
// than its master's (viewSeries.occurrence sets them).
func occurrenceOwn(name string) bool {
	switch name {
	case "id", "type", "seriesMasterId", "recurrence", "originalStart", "start", "end":
		return true
	}
	return false
}

// eventRender renders events of one view: its zone and projection.
type eventRender struct {
	zone    string
	loc     *time.Location
	allowed map[string]bool
	// keep lists the indexes in eventFields of the members written, in
	// the order written.
	keep []int
}

// newEventRender resolves the projection as projectWith does: id and the
// selected members (all of them for none or "*"), each once, ignoring
// case, those allowed.
func newEventRender(selected []string, allowed map[string]bool, zone string, loc *time.Location) *eventRender {
	r := &eventRender{zone: zone, loc: loc, allowed: allowed}
	fields := eventFields()
	keep := selected
	if len(keep) == 0 || slices.Contains(selected, "*") {
		keep = nil
		for _, f := range fields {
			keep = append(keep, f.name)
		}
	} else {
		keep = append([]string{"id"}, keep...)
	}
	seen := map[string]bool{}
	for _, k := range keep {
		lk := strings.ToLower(k)
		if seen[lk] {
			continue
		}
		seen[lk] = true
		if allowed != nil && !allowed[lk] {
			continue
		}
		for i, f := range fields {
			if strings.EqualFold(f.name, k) {
				r.keep = append(r.keep, i)
				break
			}
		}
	}
	return r
}

// eventMembers is a stored event rendered but for what a request changes:
// each member of eventFields as renderEvent writes it (nil: left out, an
// empty omitempty member), start and end still as stored (the preferred
// zone is the request's). It is never changed once built: renders of
// many requests share it (eventCache).
type eventMembers struct {
	vals       []json.RawMessage
	start, end model.DateTimeTimeZone
}

// eventCache remembers eventMembers by the item's tenant, kind, id,
// version and a hash of its document's bytes (see graph's renderCache: a
// changed document hashes differently, a changed item has a new
// version, so nothing needs invalidating): a page read again — a client
// polling its calendar, the next page of the same view — and every page
// listing a series' occurrences decode and render nothing again. At most
// eventCacheSize entries, each rendered from a document of at most
// maxCachedEventDoc bytes and about as long: at most 16 MB (bench/scale's
// events are 1.3 kB).
var eventCache = sync.OnceValue(func() *lru.Cache[eventKey, *eventMembers] {
	c, _ := lru.New[eventKey, *eventMembers](eventCacheSize)
	return c
})

const (
	eventCacheSize    = 2048
	maxCachedEventDoc = 8 << 10
)

// eventSeed keys the document hashes of eventCache; random per process.
var eventSeed = maphash.MakeSeed()

type eventKey struct {
	tenant, kind, id string
	version          int64
	doc              uint64
}

// eventKeyOf is an item's key in eventCache and seriesCache; false for a
// document too large to cache.
func eventKeyOf(it store.Item) (eventKey, bool) {
	if len(it.Doc) > maxCachedEventDoc {
		return eventKey{}, false
	}
	return eventKey{tenant: it.TenantID, kind: it.Kind, id: it.ID, version: it.Version, doc: maphash.Bytes(eventSeed, it.Doc)}, true
}

// seriesCache remembers, as eventCache does, the members of a series
// master its expansion needs (seriesFields): every view of a window
// decodes them for each series active in it, whether or not the page
// lists one of its occurrences (a fifth of a page's CPU at bench/scale's
// shape once the render was cached). The values are shared between
// requests and never changed.
var seriesCache = sync.OnceValue(func() *lru.Cache[eventKey, *seriesFields] {
	c, _ := lru.New[eventKey, *seriesFields](eventCacheSize)
	return c
})

// seriesFieldsOf decodes a series master's seriesFields, from seriesCache
// when it holds them.
func seriesFieldsOf(master store.Item) (*seriesFields, error) {
	key, cacheable := eventKeyOf(master)
	if cacheable {
		if f, ok := seriesCache().Get(key); ok {
			return f, nil
		}
	}
	f, err := decodeDoc[seriesFields](master)
	if err != nil {
		return nil, err
	}
	if cacheable {
		seriesCache().Add(key, &f)
	}
	return &f, nil
}

// members renders a stored event's members (those of a series master for
// its occurrences), from eventCache when it holds them.
func members(it store.Item) (*eventMembers, error) {
	key, cacheable := eventKeyOf(it)
	if cacheable {
		if m, ok := eventCache().Get(key); ok {
			return m, nil
		}
	}
	e, err := decodeDoc[model.Event](it)
	if err != nil {
		return nil, err
	}
	m, err := renderMembers(it, &e)
	if err != nil {
		return nil, err
	}
	if cacheable {
		eventCache().Add(key, m)
	}
	return m, nil
}

// renderMembers renders every member of e but start and end.
func renderMembers(it store.Item, e *model.Event) (*eventMembers, error) {
	fields := eventFields()
	m := &eventMembers{vals: make([]json.RawMessage, len(fields)), start: e.Start, end: e.End}
	ev := reflect.ValueOf(e).Elem()
	for i, f := range fields {
		fv := ev.Field(f.index)
		if f.omitEmpty && emptyValue(fv) || f.name == "start" || f.name == "end" {
			continue
		}
		b, err := memberValue(it, f, fv)
		if err != nil {
			return nil, err
		}
		m.vals[i] = b
	}
	return m, nil
}

// occurrenceOf is what an occurrence of a series has of its own
// (occurrenceOwn): viewSeries.occurrenceEvent's document, without
// building it.
type occurrenceOf struct {
	masterID      string
	at            time.Time
	duration      time.Duration
	zone, endZone string // the master's start and end time zones
}

// render writes a stored event (occ nil) or an occurrence of the series
// whose master's members m are with the view's projection.
func (r *eventRender) render(it store.Item, m *eventMembers, occ *occurrenceOf) json.RawMessage {
	fields := eventFields()
	out := make([]byte, 0, 1024)
	out = append(out, `{"@odata.etag":`...)
	out = graph.AppendJSONString(out, graph.ETag(it))
	for _, i := range r.keep {
		name := fields[i].name
		var own json.RawMessage
		switch {
		case name == "start" || name == "end":
			d := m.start
			if name == "end" {
				d = m.end
			}
			if occ != nil {
				d = model.StoredDTZ(occ.at, occ.zone)
				if name == "end" {
					d = model.StoredDTZ(occ.at.Add(occ.duration), occ.endZone)
				}
			}
			own = r.dtz(d)
		case occ != nil && occurrenceOwn(name):
			switch name {
			case "id":
				own = graph.AppendJSONString(nil, occurrenceID(occ.masterID, occ.at))
			case "type":
				own = json.RawMessage(`"occurrence"`)
			case "seriesMasterId":
				own = graph.AppendJSONString(nil, occ.masterID)
			case "recurrence":
				own = json.RawMessage("null")
			case "originalStart":
				own = graph.AppendJSONString(nil, model.GraphTime(occ.at))
			}
		default:
			own = m.vals[i]
			if own == nil {
				continue
			}
		}
		out = append(out, ',', '"')
		out = append(out, name...)
		out = append(out, '"', ':')
		out = append(out, own...)
	}
	return append(out, '}')
}

// dtz renders a stored dateTimeTimeZone in the view's zone.
func (r *eventRender) dtz(d model.DateTimeTimeZone) json.RawMessage {
	d = outputDTZ(d, r.zone, r.loc)
	out := append([]byte(`{"dateTime":`), graph.AppendJSONString(nil, d.DateTime)...)
	out = append(out, `,"timeZone":`...)
	out = graph.AppendJSONString(out, d.TimeZone)
	return append(out, '}')
}

// memberValue is a member's rendered JSON (not start's or end's).
func memberValue(it store.Item, f eventField, fv reflect.Value) (json.RawMessage, error) {
	if f.name == "changeKey" {
		return graph.AppendJSONString(nil, graph.ChangeKey(it)), nil
	}
	switch fv.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		// The map held a float64.
		return json.Marshal(float64(fv.Int()))
	case reflect.Bool:
		return strconv.AppendBool(nil, fv.Bool()), nil
	case reflect.String:
		return stringMember(f.name, fv.String()), nil
	}
	b, err := json.Marshal(fv.Interface())
	if err != nil {
		return nil, err
	}
	switch b[0] {
	case '"':
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return nil, err
		}
		return stringMember(f.name, s), nil
	case '{', '[':
		return sortedJSON(b)
	case 'n', 't', 'f':
		return b, nil
	}
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		return nil, err
	}
	return json.Marshal(v)
}

// stringMember is a string member as renderItem writes it: a stored
// date-time in a member whose name ends in "DateTime" in Graph's layout.
func stringMember(name, s string) json.RawMessage {
	if strings.HasSuffix(name, "DateTime") {
		if t, err := model.ParseStoredTime(s); err == nil {
			s = model.GraphTime(t)
		}
	}
	return graph.AppendJSONString(nil, s)
}

// sortedJSON is the object or array encoding/json wrote as b as a decoding
// into map[string]any and []any writes it again: members sorted, numbers
// as float64s, and a top-level dateTimeTimeZone without its "utc"
// (renderItem).
func sortedJSON(b []byte) (json.RawMessage, error) {
	if bytes.IndexByte(b, '\\') < 0 && (b[0] != '{' || !bytes.Contains(b, []byte(`"timeZone":`))) {
		v := jsontext.Value(b)
		if err := v.Canonicalize(); err == nil {
			return json.RawMessage(v), nil
		}
	}
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		return nil, err
	}
	if m, ok := v.(map[string]any); ok {
		if _, ok := m["timeZone"]; ok {
			delete(m, "utc")
		}
	}
	return json.Marshal(v)
}

// emptyValue is encoding/json's omitempty test.
func emptyValue(v reflect.Value) bool {
	switch v.Kind() {
	case reflect.Array, reflect.Map, reflect.Slice, reflect.String:
		return v.Len() == 0
	case reflect.Bool:
		return !v.Bool()
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return v.Int() == 0
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return v.Uint() == 0
	case reflect.Float32, reflect.Float64:
		return v.Float() == 0
	case reflect.Interface, reflect.Pointer:
		return v.IsNil()
	}
	return false
}

// masterCache remembers the documents of series masters by their keys
// alone (server, tenant, id, version, creation and modification times —
// what graph's keyed renders are found by: the store bumps the version
// and stamps the modification at every change, a re-created item has new
// times, and the server keeps stores apart), so that a calendar view reads
// the active masters' keys and none of their documents once it has seen
// them (store.ItemQuery.Omit): every view of a window lists every series
// active in it, and at scale 1 that is about 600 documents of 1.3 kB a
// request, which PostgreSQL renders as text and sends. At most
// eventCacheSize documents of at most maxCachedEventDoc bytes (16 MB).
var masterCache = sync.OnceValue(func() *lru.Cache[masterKey, json.RawMessage] {
	c, _ := lru.New[masterKey, json.RawMessage](eventCacheSize)
	return c
})

// masterKey names one stored document of a series master. srv is the
// graph server whose store holds it (a process may run several, each with
// its own store: tests do).
type masterKey struct {
	srv               *graph.Server
	tenant, id        string
	version           int64
	created, modified int64
}

func masterKeyOf(srv *graph.Server, it store.Item) masterKey {
	return masterKey{srv: srv, tenant: it.TenantID, id: it.ID, version: it.Version,
		created: it.CreatedAt.UnixNano(), modified: it.ModifiedAt.UnixNano()}
}

// windowCache remembers the starts of a series' occurrences in a view's
// window (from the first that can overlap it, before its end; deleted and
// changed ones included, as rrule-go generates them), by the series'
// seriesFields (seriesCache's: the same pointer for the same stored
// master) and the window: every view of a window starts every series
// active in it, and at scale 1 starting about 600 recurrences (rrule-go's
// set-up and generation) was half of the handler's own CPU. A view of a
// window seen before starts a series' iterator only after the starts an
// earlier view generated; a page further on finds its cursor among them.
// At most eventCacheSize windows of a series, each of at most
// maxWindowStarts starts (a longer window's are generated every time).
var windowCache = sync.OnceValue(func() *lru.Cache[windowKey, *windowStarts] {
	c, _ := lru.New[windowKey, *windowStarts](eventCacheSize)
	return c
})

// maxWindowStarts bounds the starts windowCache keeps for one series'
// window (24 bytes each: at most 1.5 kB an entry, 3 MB in all).
const maxWindowStarts = 64

type windowKey struct {
	fields   *seriesFields
	from, to int64
}

// windowStarts are a series' starts in a window, in order, from the
// first that can overlap it; complete when they are all the window holds.
// Shared between requests: never changed (its slice has no spare
// capacity, so appending copies).
type windowStarts struct {
	starts   []time.Time
	complete bool
}
