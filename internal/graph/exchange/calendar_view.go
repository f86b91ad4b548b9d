package exchange

import (
	"container/heap"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"maps"
	"net/http"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"graphgate/internal/graph"
	"graphgate/internal/model"

	jsonv1 "github.com/go-json-experiment/json/v1"

	"graphgate/internal/odata"
	"graphgate/internal/store"
)

// Calendar views: GET …/calendarView and …/events/{id}/instances list the
// instances of a window — single events, occurrences of series, changed
// occurrences (exceptions) — without expanding the window.
//
// A page is a k-way merge in start order (container/heap) over one source
// per series master active in the window (its occurrences from rrule-go,
// started at the page's position rather than at the series' first
// occurrence: startsFrom), and over the single events and exceptions read
// from the store in start order a batch at a time (store.Overlap, served by
// span indexes, so a page never reads the calendar's history). The merge
// stops when the page is full; the nextLink's $skiptoken holds the
// position of the page's last instance (its start and id), so the next page
// starts there, neither from the window's start nor from any series'
// first occurrence. Every loop checks the request's context: a client that
// goes away stops the work.
//
// What a page costs is bounded: the series active in the window (one
// iterator each), the page, and with $filter or $skip at most
// maxExamined instances — a page that examined that many without filling
// up ends early with a nextLink that continues after the last instance
// examined, as Graph's server-driven paging allows. Instances are in start
// order, then by id: Graph documents no order for calendarView without
// $orderby, and start order is what calendar clients expect.
// $orderby=start/dateTime is that order; any other $orderby, and $count,
// need every instance of the window, so they are served by sorting at most
// maxSorted instances, and a window holding more is refused with a 400
// that says how to narrow it.

const (
	// maxViewDays is Graph's limit on a calendarView window: longer ones
	// get 400 ErrorInvalidRequest "Your request can't be completed. The
	// range between the start and end dates is greater than the allowed
	// range. Maximum number of days: 1825" (Graph's answer since 2019,
	// microsoftgraph/microsoft-graph-docs issue 6284; not in the docs).
	// /instances gets the same limit: Microsoft documents none for it, and
	// the window's length is what bounds expanding a series.
	maxViewDays = 1825
	// maxExamined bounds the instances a page of a view examines for
	// $filter and $skip. Microsoft documents no such limit (Exchange
	// evaluates filters over its own materialized view); 1000 keeps such a
	// page around 50 ms on a small shared machine when every instance is a
	// stored event that must be read to be filtered (BenchmarkCalendarView;
	// a series' occurrences cost a tenth of that). It is also the default
	// of Exchange's EWSFindCountLimit, the most items an EWS search may
	// hold in memory.
	maxExamined = 1000
	// maxSorted bounds the instances a view ordered other than by start
	// (or counted) sorts in memory: the ordering needs all of them.
	maxSorted = 1000
)

// viewKey is an instance's place in a view: its start, then its id.
type viewKey struct {
	start time.Time
	id    string
}

func (k viewKey) less(o viewKey) bool {
	if c := k.start.Compare(o.start); c != 0 {
		return c < 0
	}
	return k.id < o.id
}

// viewCursor is where a page of a view starts: after the instance at key
// (when set), skipping skip more matching instances (what is left of a
// $skip when the previous page ran out of its examination budget).
type viewCursor struct {
	key  viewKey
	set  bool
	skip int
}

// encode renders the cursor as a positional $skiptoken: the start in the
// stored layout, the skip count and the id.
func (v viewCursor) encode() string {
	return base64.RawURLEncoding.EncodeToString([]byte(graph.PositionTokenPrefix + model.StoredTime(v.key.start) + "|" + strconv.Itoa(v.skip) + "|" + v.key.id))
}

// decodeViewCursor reads a positional token's text (after its prefix).
func decodeViewCursor(s string) (viewCursor, error) {
	when, rest, ok1 := strings.Cut(s, "|")
	skip, id, ok2 := strings.Cut(rest, "|")
	t, err := model.ParseStoredTime(when)
	n, nerr := strconv.Atoi(skip)
	if !ok1 || !ok2 || err != nil || nerr != nil || n < 0 || id == "" {
		return viewCursor{}, errors.New("malformed view token")
	}
	return viewCursor{key: viewKey{start: t, id: id}, set: true, skip: n}, nil
}

// viewWork is one request's share of calendarWork.
type viewWork struct {
	steps, rows, examined int64
}

func (s server) addWork(w *viewWork) {
	s.AddCalendarWork(w.steps, w.rows, w.examined)
}

// viewInstance is an instance a view may list: a stored event or
// exception, or the occurrence of a series starting at at.
type viewInstance struct {
	key    viewKey
	item   store.Item                 // a stored event or exception
	series *viewSeries                // an occurrence's series (item unset)
	at     time.Time                  // an occurrence's start, in its series' zone
	raw    map[string]json.RawMessage // a stored instance's document, undecoded
	row    odata.Resolver             // the properties $filter and $orderby read
}

// viewSource yields instances in view order.
type viewSource interface {
	next(ctx context.Context) (viewInstance, bool, error)
}

// viewSeries is a series master's source: its occurrences overlapping the
// window from the cursor on, skipping deleted and changed ones.
type viewSeries struct {
	master   store.Item
	fields   *seriesFields // shared between requests (seriesCache): never changed
	doc      *model.Event  // the whole master, once an occurrence is rendered
	duration time.Duration
	from, to time.Time
	cursor   viewCursor
	excluded map[string]bool // stored start instants of deleted and changed occurrences
	starts   func() (time.Time, bool)
	// The series' starts in the window, from windowCache: known[pos:]
	// are yet to be listed; complete when they are all the window holds,
	// otherwise starts continues after them. gen is known followed by
	// what starts generated (nil when it does not follow on: a cursor
	// beyond known), for windowCache when the view is written.
	known    []time.Time
	pos      int
	complete bool
	gen      []time.Time
	// knownComplete: known was complete when the view began.
	knownComplete bool
	// expand starts the iterator at a start (the first that can overlap
	// the window, the cursor's, or just after known's last).
	expand    func(first time.Time) (func() (time.Time, bool), error)
	first     time.Time // expand's start when known runs out
	cacheKey  windowKey
	cacheable bool
	row       odata.Row // the master rendered for $filter (built once)
	// members is the master rendered, once the page lists an occurrence
	// (eventRender.render).
	members *eventMembers
}

// seriesFields are the properties of a series master its expansion
// needs: a view decodes these of every active series, and the whole
// document only of the series with an occurrence on the page.
type seriesFields struct {
	Start      model.DateTimeTimeZone     `json:"start"`
	End        model.DateTimeTimeZone     `json:"end"`
	Recurrence *model.PatternedRecurrence `json:"recurrence"`
	SeriesEnd  string                     `json:"_seriesEnd"`
	Exdates    []string                   `json:"_exdates"`
	Exceptions []string                   `json:"_exceptions"`
}

// newViewSeries starts a master's occurrences overlapping [from, to) at
// the cursor's position. steps counts the occurrences rrule-go generates.
func newViewSeries(master store.Item, from, to time.Time, cursor viewCursor, steps *int64) (*viewSeries, error) {
	e, err := seriesFieldsOf(master)
	if err != nil {
		return nil, err
	}
	if e.Recurrence == nil {
		return nil, errors.New("graph: a series master without a recurrence")
	}
	st, err := model.ParseStoredTime(e.Start.UTC)
	if err != nil {
		return nil, err
	}
	en, _ := model.ParseStoredTime(e.End.UTC)
	loc, ok := model.LoadZone(e.Start.TimeZone)
	if !ok {
		loc = time.UTC
	}
	v := &viewSeries{master: master, fields: e, duration: en.Sub(st), from: from, to: to, cursor: cursor, excluded: map[string]bool{}}
	// e is shared (seriesCache): read, never appended to.
	for _, x := range e.Exdates {
		v.excluded[x] = true
	}
	for _, x := range e.Exceptions {
		v.excluded[x] = true
	}
	// The first start that can overlap the window, or the cursor's.
	first := from.Add(-v.duration)
	if cursor.set && cursor.key.start.After(first) {
		first = cursor.key.start
	}
	var last time.Time
	if e.SeriesEnd != "" {
		if se, err := model.ParseStoredTime(e.SeriesEnd); err == nil {
			last = se.Add(-v.duration)
		}
	}
	v.expand = func(first time.Time) (func() (time.Time, bool), error) {
		return e.Recurrence.StartsFrom(st.In(loc), last, first, steps)
	}
	// What an earlier view of the same window generated (windowCache):
	// the starts from the window's first on, so the cursor's position is
	// found in them, and the iterator starts only after them.
	v.cacheKey = windowKey{fields: e, from: from.UnixNano(), to: to.UnixNano()}
	v.cacheable = len(master.Doc) <= maxCachedEventDoc // e is seriesCache's
	if v.cacheable {
		if w, ok := windowCache().Get(v.cacheKey); ok {
			v.known, v.complete, v.knownComplete = w.starts, w.complete, w.complete
		}
	}
	v.pos, _ = slices.BinarySearchFunc(v.known, first, func(t, f time.Time) int { return t.Compare(f) })
	switch {
	case v.pos < len(v.known) || v.complete:
		// known reaches the first start the view lists: the window's
		// starts continue from known's last.
		v.gen = v.known
		if len(v.known) > 0 {
			first = v.known[len(v.known)-1].Add(time.Nanosecond)
		}
	case len(v.known) == 0 && !cursor.set:
		v.gen = []time.Time{}
	}
	switch {
	case v.complete:
	case v.pos < len(v.known):
		// Started when known runs out: a page that ends within known
		// starts no recurrence (an earlier view started this one
		// without an error).
		v.first = first
	default:
		v.starts, err = v.expand(first)
	}
	return v, err
}

// nextStart is the series' next start before the window's end, from
// known, then from the iterator (recorded in gen).
func (v *viewSeries) nextStart() (time.Time, bool) {
	if v.pos < len(v.known) {
		v.pos++
		return v.known[v.pos-1], true
	}
	if v.complete {
		return time.Time{}, false
	}
	if v.starts == nil {
		var err error
		if v.starts, err = v.expand(v.first); err != nil {
			// Not what an earlier view of the series found: list no more.
			v.complete, v.gen = true, nil
			return time.Time{}, false
		}
	}
	t, ok := v.starts()
	if !ok || !t.Before(v.to) {
		v.complete = true
		return time.Time{}, false
	}
	if v.gen != nil && len(v.gen) < maxWindowStarts {
		v.gen = append(v.gen, t)
	} else {
		v.gen = nil
	}
	return t, true
}

// remember adds to windowCache what this view learnt of the series'
// starts in the window beyond what the cache held: more of them, or that
// they are all.
func (v *viewSeries) remember() {
	if !v.cacheable || v.gen == nil || len(v.gen) == len(v.known) && (v.knownComplete || !v.complete) {
		return
	}
	windowCache().Add(v.cacheKey, &windowStarts{starts: slices.Clip(v.gen), complete: v.complete})
}

func (v *viewSeries) next(context.Context) (viewInstance, bool, error) {
	for {
		t, ok := v.nextStart()
		if !ok {
			return viewInstance{}, false, nil
		}
		if !t.Add(v.duration).After(v.from) || v.excluded[model.StoredTime(t)] {
			continue
		}
		k := viewKey{start: t.UTC(), id: occurrenceID(v.master.ID, t)}
		if v.cursor.set && !v.cursor.key.less(k) {
			continue
		}
		return viewInstance{key: k, series: v, at: t}, true, nil
	}
}

// occurrenceID is the id of a series' occurrence starting at t.
func occurrenceID(masterID string, t time.Time) string {
	return masterID + occurrenceSep + t.UTC().Format("20060102T150405Z")
}

// occurrence builds the occurrence of the series starting at t: the
// master's properties with its own id, type, start and end.
func (v *viewSeries) occurrence(t time.Time) (store.Item, error) {
	occ, err := v.occurrenceEvent(t)
	if err != nil {
		return store.Item{}, err
	}
	it := v.master
	it.ID, it.Doc = occ.ID, model.EncodeDoc(occ)
	return it, nil
}

// occurrenceEvent is the document of the series' occurrence starting at
// t (occurrenceOwn lists what it has of its own), the master decoded once
// per series.
func (v *viewSeries) occurrenceEvent(t time.Time) (model.Event, error) {
	if v.doc == nil {
		e, err := decodeDoc[model.Event](v.master)
		if err != nil {
			return model.Event{}, err
		}
		v.doc = &e
	}
	occ := *v.doc
	occ.ID = occurrenceID(v.master.ID, t)
	occ.Type, occ.SeriesMasterID, occ.Recurrence, occ.SeriesEnd, occ.Exdates, occ.Exceptions = "occurrence", &v.master.ID, nil, "", nil, nil
	orig := model.GraphTime(t)
	occ.OriginalStart = &orig
	occ.Start, occ.End = model.StoredDTZ(t, v.doc.Start.TimeZone), model.StoredDTZ(t.Add(v.duration), v.doc.End.TimeZone)
	return occ, nil
}

// viewStored is the source of a kind of stored instances (single events,
// exceptions) overlapping the window, read in view order a batch at a
// time from the cursor on.
type viewStored struct {
	s     server
	q     store.ItemQuery // scope and Where; Overlap and Limit are set per batch
	after viewCursor
	split bool // keep each document's properties for $filter and $orderby
	batch int
	buf   []store.Item
	done  bool
	rows  *int64
}

// maxViewBatch is the most stored instances one read brings.
const maxViewBatch = 500

func (v *viewStored) next(ctx context.Context) (viewInstance, bool, error) {
	if len(v.buf) == 0 {
		if v.done {
			return viewInstance{}, false, nil
		}
		q := v.q
		o := *q.Overlap
		if v.after.set {
			o.AfterStart, o.AfterID = v.after.key.start, v.after.key.id
		}
		q.Overlap, q.Limit = &o, v.batch
		items, _, err := v.s.Store().QueryItems(ctx, q)
		if err != nil {
			return viewInstance{}, false, err
		}
		*v.rows += int64(len(items))
		v.buf, v.done = items, len(items) < v.batch
		v.batch = min(2*v.batch, maxViewBatch)
		if len(items) == 0 {
			return viewInstance{}, false, nil
		}
	}
	it := v.buf[0]
	v.buf = v.buf[1:]
	var start struct {
		Start struct {
			UTC string `json:"utc"`
		} `json:"start"`
	}
	var raw map[string]json.RawMessage
	if v.split {
		// The document's properties, undecoded: the start now, what the
		// $filter or $orderby reads later (lazyEventRow).
		if err := json.Unmarshal(it.Doc, &raw); err != nil {
			return viewInstance{}, false, err
		}
		if err := json.Unmarshal(raw["start"], &start.Start); err != nil {
			return viewInstance{}, false, err
		}
	} else if err := jsonv1.Unmarshal(it.Doc, &start); err != nil {
		return viewInstance{}, false, err
	}
	t, err := model.ParseStoredTime(start.Start.UTC)
	if err != nil {
		return viewInstance{}, false, err
	}
	k := viewKey{start: t, id: it.ID}
	v.after = viewCursor{key: k, set: true}
	return viewInstance{key: k, item: it, raw: raw}, true, nil
}

// viewOne is the source of a single stored instance (an event's own
// /instances).
type viewOne struct {
	inst *viewInstance
}

func (v *viewOne) next(context.Context) (viewInstance, bool, error) {
	if v.inst == nil {
		return viewInstance{}, false, nil
	}
	i := *v.inst
	v.inst = nil
	return i, true, nil
}

// viewMerge is the k-way merge of sources: a min-heap of each source's
// next instance. The source of the instance popped last is asked for its
// next one only at the next pop, so that a page's last look ahead reads
// nothing more from the store.
type viewMerge struct {
	heads   []viewHead
	pending viewSource
}

type viewHead struct {
	inst viewInstance
	src  viewSource
}

func (m *viewMerge) Len() int           { return len(m.heads) }
func (m *viewMerge) Less(i, j int) bool { return m.heads[i].inst.key.less(m.heads[j].inst.key) }
func (m *viewMerge) Swap(i, j int)      { m.heads[i], m.heads[j] = m.heads[j], m.heads[i] }
func (m *viewMerge) Push(x any)         { m.heads = append(m.heads, x.(viewHead)) }
func (m *viewMerge) Pop() any {
	h := m.heads[len(m.heads)-1]
	m.heads = m.heads[:len(m.heads)-1]
	return h
}

// newViewMerge primes the merge with each source's first instance.
func newViewMerge(ctx context.Context, sources []viewSource) (*viewMerge, error) {
	m := &viewMerge{heads: make([]viewHead, 0, len(sources))}
	for _, src := range sources {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		inst, ok, err := src.next(ctx)
		if err != nil {
			return nil, err
		}
		if ok {
			m.heads = append(m.heads, viewHead{inst, src})
		}
	}
	heap.Init(m)
	return m, nil
}

// pop returns the next instance of the view, false when there is none.
func (m *viewMerge) pop(ctx context.Context) (viewInstance, bool, error) {
	if err := ctx.Err(); err != nil {
		return viewInstance{}, false, err
	}
	if src := m.pending; src != nil {
		m.pending = nil
		inst, ok, err := src.next(ctx)
		if err != nil {
			return viewInstance{}, false, err
		}
		if ok {
			heap.Push(m, viewHead{inst, src})
		}
	}
	if len(m.heads) == 0 {
		return viewInstance{}, false, nil
	}
	head := heap.Pop(m).(viewHead)
	m.pending = head.src
	return head.inst, true, nil
}

// view is a calendar view or instances request, resolved.
type view struct {
	c          *graph.Call
	q          *graph.Query
	from, to   time.Time
	cursor     viewCursor
	zone       string
	loc        *time.Location
	contextURL string
	work       viewWork
}

// newView reads the request's window, query options and position.
func (s server) newView(c *graph.Call, contextURL string) (*view, error) {
	from, to, err := viewWindow(c)
	if err != nil {
		return nil, err
	}
	q, err := c.ParseQueryPositional(odata.Exchange, 10, odata.ExchangeMaxTop)
	if err != nil {
		return nil, err
	}
	if err := graph.CheckSelect(q.Options().Select, eventSelectable(), "microsoft.graph.event", odata.Exchange); err != nil {
		return nil, err
	}
	v := &view{c: c, q: q, from: from, to: to, contextURL: contextURL}
	if q.Position() != "" {
		if v.cursor, err = decodeViewCursor(q.Position()); err != nil {
			return nil, graph.ErrBadRequest("The $skiptoken is not valid.")
		}
	} else {
		v.cursor.skip = q.Skip()
	}
	v.zone, v.loc = preferredZone(c)
	return v, nil
}

// viewWindow reads the startDateTime and endDateTime a calendarView or
// an instances request needs, within Graph's 1825 days.
func viewWindow(c *graph.Call) (time.Time, time.Time, error) {
	qs := c.Request().URL.Query()
	from, err1 := parseWindow(qs.Get("startDateTime"), qs.Get("startdatetime"))
	to, err2 := parseWindow(qs.Get("endDateTime"), qs.Get("enddatetime"))
	if err1 != nil || err2 != nil {
		return from, to, graph.NewErrorf(http.StatusBadRequest, "ErrorInvalidParameter", "This request requires a time window specified by the query string parameters StartDateTime and EndDateTime.")
	}
	if !to.After(from) {
		return from, to, graph.NewErrorf(http.StatusBadRequest, "ErrorInvalidParameter", "The parameter 'EndDateTime' must be later than 'StartDateTime'.")
	}
	if to.Sub(from) > maxViewDays*24*time.Hour {
		return from, to, graph.NewErrorf(http.StatusBadRequest, "ErrorInvalidRequest",
			"Your request can't be completed. The range between the start and end dates is greater than the allowed range. Maximum number of days: %d", maxViewDays)
	}
	return from, to, nil
}

func parseWindow(vals ...string) (time.Time, error) {
	for _, v := range vals {
		if v == "" {
			continue
		}
		for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02T15:04", "2006-01-02"} {
			if t, err := time.Parse(layout, v); err == nil {
				return t.UTC(), nil
			}
		}
		return time.Time{}, errors.New("bad time")
	}
	return time.Time{}, errors.New("missing")
}

// byStart reports whether the view is listed in start order: no $orderby,
// or start/dateTime ascending.
func (v *view) byStart() bool {
	ob := v.q.Options().OrderBy
	return len(ob) == 0 || len(ob) == 1 && !ob[0].Desc && strings.EqualFold(ob[0].Property, "start/dateTime")
}

// seriesSources starts the sources of series masters, from the view's
// position.
func (s server) seriesSources(ctx context.Context, v *view, masters []store.Item) ([]viewSource, error) {
	cursor := v.cursor
	if !v.byStart() {
		cursor = viewCursor{}
	}
	out := make([]viewSource, 0, len(masters))
	for _, m := range masters {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		src, err := newViewSeries(m, v.from, v.to, cursor, &v.work.steps)
		if err != nil {
			return nil, err
		}
		out = append(out, src)
	}
	return out, nil
}

// storedSource is the source of the stored instances q selects (its
// kind, scope and Where) that overlap the view's window, from its
// position.
func (s server) storedSource(v *view, q store.ItemQuery) viewSource {
	q.Overlap = &store.Overlap{From: v.from, To: v.to}
	src := &viewStored{s: s, q: q, batch: min(max(v.q.Top()+1, 16), maxViewBatch), rows: &v.work.rows,
		split: v.q.Options().Filter != nil || len(v.q.Options().OrderBy) > 0}
	if v.byStart() && v.cursor.set {
		src.after = viewCursor{key: v.cursor.key, set: true}
	}
	return src
}

// writeView answers a page of the view merged from sources.
func (s server) writeView(v *view, sources []viewSource) error {
	c := v.c
	defer s.addWork(&v.work)
	defer func() {
		for _, src := range sources {
			if sr, ok := src.(*viewSeries); ok {
				sr.remember()
			}
		}
	}()
	m, err := newViewMerge(c.Context(), sources)
	if err != nil {
		return graph.AsError(err)
	}
	if !v.byStart() || v.q.Options().Count {
		return s.writeSortedView(v, m)
	}
	if v.q.Top() <= 0 {
		return c.WritePageNext(v.contextURL, v.q, []json.RawMessage{}, -1, "")
	}
	var page []*viewInstance
	var last viewKey
	skip, more, exhausted := v.cursor.skip, false, false
	for v.work.examined < maxExamined {
		inst, ok, err := m.pop(c.Context())
		if err != nil {
			return graph.AsError(err)
		}
		if !ok {
			exhausted = true
			break
		}
		v.work.examined++
		match, err := s.viewMatch(v, &inst)
		if err != nil {
			return err
		}
		if match && skip == 0 && len(page) == v.q.Top() {
			// Another instance follows the page: it starts the next one.
			more = true
			break
		}
		last = inst.key
		switch {
		case !match:
		case skip > 0:
			skip--
		default:
			page = append(page, &inst)
		}
	}
	vals, err := s.renderView(v, page)
	if err != nil {
		return err
	}
	// The next page continues after the last instance examined: the
	// page's last, or one the filter left out after it, or — when the
	// examination budget ran out — wherever that happened.
	next := ""
	if more || !exhausted {
		next = c.NextLinkToken(viewCursor{key: last, set: true, skip: skip}.encode())
	}
	return c.WritePageRendered(v.contextURL, v.q, vals, -1, next)
}

// writeSortedView answers a view ordered other than by start, or counted:
// every instance of the window (at most maxSorted) filtered and sorted in
// memory, paged by offset.
func (s server) writeSortedView(v *view, m *viewMerge) error {
	c := v.c
	if v.cursor.set {
		// A positional token from a page in start order: this ordering
		// pages by offset.
		return graph.ErrBadRequest("The $skiptoken is not valid.")
	}
	var all []*viewInstance
	for {
		inst, ok, err := m.pop(c.Context())
		if err != nil {
			return graph.AsError(err)
		}
		if !ok {
			break
		}
		if v.work.examined++; v.work.examined > maxSorted {
			return graph.NewErrorf(http.StatusBadRequest, "ErrorInvalidRequest", "Your request can't be completed. The window holds more than %d instances "+
				"to sort or count; order by start/dateTime without $count, or narrow the window between startDateTime and endDateTime.", maxSorted)
		}
		match, err := s.viewMatch(v, &inst)
		if err != nil {
			return err
		}
		if match {
			all = append(all, &inst)
		}
	}
	if len(v.q.Options().OrderBy) > 0 {
		for _, inst := range all {
			if err := s.viewRow(v, inst); err != nil {
				return err
			}
		}
		var sortErr error
		slices.SortStableFunc(all, func(a, b *viewInstance) int {
			n, err := odata.CompareRows(v.q.Options().OrderBy, a.row, b.row, odata.EvalOptions{Flavor: odata.Exchange, EntityType: "microsoft.graph.event"})
			if err != nil {
				sortErr = err
			}
			return n
		})
		if sortErr != nil {
			return sortErr
		}
		for _, inst := range all {
			if lazy, ok := inst.row.(*lazyEventRow); ok && lazy.err != nil {
				return graph.AsError(lazy.err)
			}
		}
	}
	total := len(all)
	page := all[min(v.q.Skip(), total):]
	more := len(page) > v.q.Top()
	if more {
		page = page[:v.q.Top()]
	}
	vals, err := s.renderView(v, page)
	if err != nil {
		return err
	}
	next := ""
	if more {
		next = c.NextLink(v.q)
	}
	return c.WritePageRendered(v.contextURL, v.q, vals, total, next)
}

// viewMatch reports whether an instance passes the view's $filter.
func (s server) viewMatch(v *view, inst *viewInstance) (bool, error) {
	f := v.q.Options().Filter
	if f == nil {
		return true, nil
	}
	if err := s.viewRow(v, inst); err != nil {
		return false, err
	}
	ok, err := odata.EvalWith(f, inst.row, odata.EvalOptions{Flavor: odata.Exchange, EntityType: "microsoft.graph.event"})
	if lazy, isLazy := inst.row.(*lazyEventRow); isLazy && lazy.err != nil {
		return false, graph.AsError(lazy.err)
	}
	return ok, err
}

// viewRow sets the instance's row: its rendered properties, as $filter
// and $orderby see them. An occurrence's row is its master's with the
// properties an occurrence has of its own, so that filtering a series'
// occurrences renders the master once, not each occurrence.
func (s server) viewRow(v *view, inst *viewInstance) error {
	if inst.row != nil {
		return nil
	}
	if inst.series == nil {
		row, err := newLazyEventRow(inst.item, inst.raw, v.zone, v.loc)
		if err != nil {
			return graph.AsError(err)
		}
		inst.row = row
		return nil
	}
	sr := inst.series
	if sr.row == nil {
		b, err := renderEvent(sr.master, v.zone, v.loc)
		if err != nil {
			return graph.AsError(err)
		}
		if err := json.Unmarshal(b, &sr.row); err != nil {
			return graph.AsError(err)
		}
	}
	row := maps.Clone(sr.row)
	t := inst.at
	dtz := func(t time.Time) map[string]any {
		return map[string]any{"dateTime": t.In(v.loc).Format(model.LocalLayout), "timeZone": v.zone}
	}
	row["id"], row["type"], row["seriesMasterId"], row["recurrence"] = inst.key.id, "occurrence", sr.master.ID, nil
	row["originalStart"], row["start"], row["end"] = model.GraphTime(t), dtz(t), dtz(t.Add(sr.duration))
	inst.row = row
	return nil
}

// rawKeys is the set of a document's property names.
func rawKeys(raw map[string]json.RawMessage) map[string]any {
	out := make(map[string]any, len(raw))
	for k := range raw {
		out[k] = nil
	}
	return out
}

// eventValue is the rendered value of a stored event's top-level property
// k, whose stored JSON is raw (nil when the document lacks it), and false
// when the rendering has no such property: properties eventDoc does not
// have and internal ones are dropped, the ones a document lacks (written
// before eventDoc had them) are eventDoc's encoded zero value, date-times
// are in Graph's layout, start and end in the preferred zone, and the
// etag and change key are the item's.
func eventValue(it store.Item, k string, raw json.RawMessage, zone string, loc *time.Location) (any, bool, error) {
	if k == "@odata.etag" {
		return graph.ETag(it), true, nil
	}
	eventZero, eventOmitted := eventShape()
	zero, known := eventZero[k]
	switch {
	case strings.HasPrefix(k, "_"), !known && !eventOmitted[k], !known && raw == nil:
		return nil, false, nil
	case k == "changeKey":
		return graph.ChangeKey(it), true, nil
	}
	v := zero // shared: rows are read, never changed below the top
	if raw != nil {
		if err := json.Unmarshal(raw, &v); err != nil {
			return nil, false, err
		}
	}
	switch x := v.(type) {
	case string:
		if strings.HasSuffix(k, "DateTime") {
			if t, err := model.ParseStoredTime(x); err == nil {
				return model.GraphTime(t), true, nil
			}
		}
	case map[string]any:
		if _, ok := x["timeZone"]; !ok {
			break
		}
		if k == "start" || k == "end" {
			d := model.DateTimeTimeZone{}
			d.DateTime, _ = x["dateTime"].(string)
			d.TimeZone, _ = x["timeZone"].(string)
			d.UTC, _ = x["utc"].(string)
			d = outputDTZ(d, zone, loc)
			return map[string]any{"dateTime": d.DateTime, "timeZone": d.TimeZone}, true, nil
		}
		if raw != nil {
			delete(x, "utc")
		}
	}
	return v, true, nil
}

// lazyEventRow is a stored event or exception as $filter and $orderby see
// it — what renderEvent makes of it — decoded a property at a time, as
// they ask for them: a filter on the subject does not decode the body, the
// attendees or anything else (TestStoredRowMatchesRender keeps it the
// rendering).
type lazyEventRow struct {
	it   store.Item
	zone string
	loc  *time.Location
	raw  map[string]json.RawMessage
	vals map[string]any
	err  error // the first document property that did not decode
}

// newLazyEventRow is the lazy row of a stored event whose document's
// properties are raw (nil: decode them from it).
func newLazyEventRow(it store.Item, raw map[string]json.RawMessage, zone string, loc *time.Location) (*lazyEventRow, error) {
	r := &lazyEventRow{it: it, zone: zone, loc: loc, raw: raw, vals: map[string]any{}}
	if raw == nil {
		if err := json.Unmarshal(it.Doc, &r.raw); err != nil {
			return nil, err
		}
	}
	return r, nil
}

// Resolve implements odata.Resolver, matching names as odata.Row does:
// exactly, else ignoring case.
func (r *lazyEventRow) Resolve(path []string) (any, bool) {
	name := path[0]
	_, inRaw := r.raw[name]
	eventZero, _ := eventShape()
	_, inZero := eventZero[name]
	if !inRaw && !inZero && name != "@odata.etag" {
		found := false
		for _, keys := range []map[string]any{rawKeys(r.raw), eventZero, {"@odata.etag": nil}} {
			for k := range keys {
				if strings.EqualFold(k, name) {
					name, found = k, true
					break
				}
			}
			if found {
				break
			}
		}
		if !found {
			return nil, false
		}
	}
	v, ok := r.vals[name]
	if !ok {
		var err error
		if v, ok, err = eventValue(r.it, name, r.raw[name], r.zone, r.loc); err != nil {
			if r.err == nil {
				r.err = err
			}
			return nil, false
		}
		if !ok {
			return nil, false
		}
		r.vals[name] = v
	}
	if len(path) == 1 {
		return v, true
	}
	return odata.Row{"": v}.Resolve(append([]string{""}, path[1:]...))
}

// eventShape returns eventDoc's zero value as encoded (the properties every
// rendered event has) and the properties it leaves out when empty. It is
// built on first use, not at every command's start (cmd/graphgate
// TestCLIInitIsLazy).
var eventShape = sync.OnceValues(func() (map[string]any, map[string]bool) {
	var zero map[string]any
	if err := json.Unmarshal(model.EncodeDoc(model.Event{}), &zero); err != nil {
		panic(err)
	}
	omitted := map[string]bool{}
	t := reflect.TypeOf(model.Event{})
	for i := range t.NumField() {
		name, opts, _ := strings.Cut(t.Field(i).Tag.Get("json"), ",")
		if strings.Contains(opts, "omitempty") {
			omitted[name] = true
		}
	}
	return zero, omitted
})

// renderView renders a page's instances with $select applied, each in
// one pass (calendar_render.go): a stored instance's members rendered once
// (eventCache), an occurrence from its master's.
func (s server) renderView(v *view, page []*viewInstance) ([]json.RawMessage, error) {
	r := newEventRender(v.q.Options().Select, basicEventAllowed(v.c), v.zone, v.loc)
	vals := make([]json.RawMessage, 0, len(page))
	for _, inst := range page {
		b, err := inst.render(r)
		if err != nil {
			return nil, graph.AsError(err)
		}
		vals = append(vals, b)
	}
	return vals, nil
}

// render renders the instance with r's projection.
func (inst *viewInstance) render(r *eventRender) (json.RawMessage, error) {
	sr := inst.series
	if sr == nil {
		m, err := members(inst.item)
		if err != nil {
			return nil, err
		}
		return r.render(inst.item, m, nil), nil
	}
	if sr.members == nil {
		m, err := members(sr.master)
		if err != nil {
			return nil, err
		}
		sr.members = m
	}
	return r.render(sr.master, sr.members, &occurrenceOf{masterID: sr.master.ID, at: inst.at, duration: sr.duration,
		zone: sr.fields.Start.TimeZone, endZone: sr.fields.End.TimeZone}), nil
}

// activeMasters runs q, the query of the series masters active in a
// view's window, reading from the store only the documents masterCache
// lacks (store.ItemQuery.Omit: the others' keys alone), and returns the
// masters with their documents, those it read added to the cache.
func (s server) activeMasters(c *graph.Call, q store.ItemQuery) ([]store.Item, error) {
	cached := map[int]json.RawMessage{}
	q.Omit = func(i int, it store.Item) bool {
		doc, ok := masterCache().Get(masterKeyOf(s.Server, it))
		if ok {
			cached[i] = doc
		}
		return ok
	}
	masters, _, err := s.Store().QueryItems(c.Context(), q)
	if err != nil {
		return nil, err
	}
	for i := range masters {
		switch doc, ok := cached[i]; {
		case ok && masters[i].Doc == nil:
			masters[i].Doc = doc
		case len(masters[i].Doc) <= maxCachedEventDoc:
			masterCache().Add(masterKeyOf(s.Server, masters[i]), masters[i].Doc)
		}
	}
	return masters, nil
}
