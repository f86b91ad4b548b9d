package entra

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strings"
	"time"

	"graphgate/internal/graph"
	"graphgate/internal/model"
	"graphgate/internal/odata"
	"graphgate/internal/store"
)

// Change tracking of directory collections (GET /users/delta,
// /groups/delta: Microsoft's "user: delta" and "group: delta").

// A round of change tracking compares two snapshots of the tenant's users
// or groups (each object's id and version, the etag every update raises):
// the one its deltaLink's token names (none for a first sync: every object
// is new) and one taken when the round starts. An object in the new one
// only is created,
// one whose version moved is updated, one in the old one only is deleted
// (@removed). Both are sorted by id, so a page is a merge walk from the
// id the skiptoken names: every page of a round reads the same two
// snapshots and the page's objects, never the whole directory again, and a
// change made during the round is in the next one (as in Graph).
//
// Snapshots are kept in the store (so a token works on every replica) for
// seven days, the lifetime of Graph's delta links for identity resources:
// an older token answers 400 syncStateNotFound, and a round's start
// removes expired snapshots, a bounded batch at a time.

// deltaSource is what a directory collection's delta reads: its objects'
// ids and versions, and their rendering.
type deltaSource struct {
	// name is the collection's path segment (users, groups).
	name string
	// stateKind is the item kind of its snapshots: a token of one
	// collection names no snapshot of another.
	stateKind string
	// odataType is the @odata.type of a removed entry.
	odataType string
	// list reads at most limit of the tenant's objects after an id, in
	// the store's id order: their ids and versions.
	list func(s server, c *graph.Call, after string, limit int) (ids []string, versions []int64, err error)
	// render renders the objects of ids that still exist, by lower-cased
	// id, with the round's $select.
	render func(s server, c *graph.Call, ids, selected []string) (map[string]json.RawMessage, error)
}

const (
	// dirDeltaLifetime is how long a delta link stays valid.
	dirDeltaLifetime = 7 * 24 * time.Hour
	// dirDeltaPage is the page size. Graph does not document one for a
	// directory delta (nor honour $top on it); 100 is its /users page.
	dirDeltaPage = 100
	// dirDeltaPruneBatch bounds the expired snapshots a round removes.
	dirDeltaPruneBatch = 100
	// dirDeltaListChunk is how many users one store read of a snapshot
	// takes.
	dirDeltaListChunk = 1000
)

// dirDeltaState is a snapshot: ids sorted, with their versions.
type dirDeltaState struct {
	IDs      []string `json:"ids"`
	Versions []int64  `json:"v"`
	At       string   `json:"_at"`
}

// dirDeltaToken is the opaque $deltatoken (Old only: the round to come)
// or $skiptoken (a round under way: Old, New and the last id listed). The
// $select of the round's first request travels with it, as Graph encodes
// a round's query options in its links.
type dirDeltaToken struct {
	Old    string `json:"o,omitempty"`
	New    string `json:"n,omitempty"`
	After  string `json:"a,omitempty"`
	Select string `json:"s,omitempty"`
}

func (t dirDeltaToken) encode() string {
	return base64.RawURLEncoding.EncodeToString(model.EncodeDoc(t))
}

func decodeDirDeltaToken(s string) (dirDeltaToken, bool) {
	var t dirDeltaToken
	b, err := base64.RawURLEncoding.DecodeString(s)
	return t, err == nil && json.Unmarshal(b, &t) == nil
}

// errSyncStateNotFound is Graph's answer to an expired or unknown state.
func errSyncStateNotFound() *graph.Error {
	return graph.NewErrorf(http.StatusBadRequest, "syncStateNotFound",
		"The sync state generation is not found. The delta token is expired and data must be synchronized again.")
}

// dirChange is one entry of a page: a user to list, or one removed.
type dirChange struct {
	id      string
	removed bool
}

// diffPage walks old and new (sorted snapshots) from after, returning at
// most max changes and whether more may follow. old nil is a first sync.
func diffPage(old, new *dirDeltaState, after string, max int) (out []dirChange, more bool) {
	i := sort.SearchStrings(new.IDs, after)
	if i < len(new.IDs) && new.IDs[i] == after {
		i++
	}
	var j int
	var oldIDs []string
	if old != nil {
		oldIDs = old.IDs
		j = sort.SearchStrings(oldIDs, after)
		if j < len(oldIDs) && oldIDs[j] == after {
			j++
		}
	}
	for i < len(new.IDs) || j < len(oldIDs) {
		if len(out) == max {
			return out, true
		}
		switch {
		case j >= len(oldIDs) || i < len(new.IDs) && new.IDs[i] < oldIDs[j]:
			out = append(out, dirChange{id: new.IDs[i]})
			i++
		case i >= len(new.IDs) || oldIDs[j] < new.IDs[i]:
			out = append(out, dirChange{id: oldIDs[j], removed: true})
			j++
		default:
			if new.Versions[i] != old.Versions[j] {
				out = append(out, dirChange{id: new.IDs[i]})
			}
			i++
			j++
		}
	}
	return out, false
}

// directoryDelta is the handler of a directory collection's delta.
func directoryDelta(src *deltaSource) graph.Handler {
	return func(s *graph.Server, c *graph.Call) error { return server{s}.directoryDelta(c, src) }
}

func (s server) directoryDelta(c *graph.Call, src *deltaSource) error {
	vals, err := odata.ParseRawQuery(c.Request().URL.RawQuery)
	if err != nil {
		return graph.ErrBadRequest("Invalid query string: %s", err)
	}
	delta, skip := vals.Get("$deltatoken"), vals.Get("$skiptoken")
	vals.Del("$deltatoken")
	vals.Del("$skiptoken")
	var tok dirDeltaToken
	switch {
	case skip != "":
		var ok bool
		if tok, ok = decodeDirDeltaToken(skip); !ok || tok.New == "" {
			return graph.ErrBadRequest("The $skiptoken is not valid.")
		}
	case delta != "" && delta != "latest":
		var ok bool
		if tok, ok = decodeDirDeltaToken(delta); !ok || tok.Old == "" || tok.New != "" {
			return errSyncStateNotFound()
		}
	default:
		q, err := odata.Parse(vals, odata.ParseOptions{Flavor: odata.Directory})
		if err != nil {
			return err
		}
		// Graph also takes $filter on ids and $expand=manager here;
		// graphgate serves $select only and says so rather than ignoring
		// an option.
		if q.Filter != nil || len(q.Expand) > 0 || len(q.OrderBy) > 0 || q.Top != nil || q.Skip != nil || q.Search != nil || q.Count {
			return graph.NewErrorf(http.StatusBadRequest, odata.CodeRequestBadRequest, "Unsupported query: %s/delta takes $select only.", src.name)
		}
		tok.Select = strings.Join(q.Select, ",")
	}
	var selected []string
	if tok.Select != "" {
		selected = strings.Split(tok.Select, ",")
		// A delta entry always names its object, selected or not.
		if !slices.ContainsFunc(selected, func(p string) bool { return strings.EqualFold(p, "id") || p == "*" }) {
			selected = append(selected, "id")
		}
	}

	var old, cur *dirDeltaState
	if tok.Old != "" {
		if old, err = s.dirDeltaState(c, src, tok.Old); err != nil {
			return err
		}
	}
	if tok.New == "" {
		// A round starts: prune, then take the snapshot it ends at.
		if err := s.pruneDeltaStates(c, src); err != nil {
			return graph.AsError(err)
		}
		if tok.New, cur, err = s.snapshot(c, src); err != nil {
			return err
		}
		if delta == "latest" {
			return s.writeDirectoryDelta(c, src, nil, "", dirDeltaToken{Old: tok.New, Select: tok.Select})
		}
	} else if cur, err = s.dirDeltaState(c, src, tok.New); err != nil {
		return err
	}

	changes, more := diffPage(old, cur, tok.After, dirDeltaPage)
	vals2, err := s.renderChanges(c, src, changes, selected)
	if err != nil {
		return err
	}
	if more {
		tok.After = changes[len(changes)-1].id
		return s.writeDirectoryDelta(c, src, vals2, tok.encode(), dirDeltaToken{})
	}
	return s.writeDirectoryDelta(c, src, vals2, "", dirDeltaToken{Old: tok.New, Select: tok.Select})
}

// dirDeltaState reads a snapshot; a missing or expired one is Graph's
// syncStateNotFound.
func (s server) dirDeltaState(c *graph.Call, src *deltaSource, id string) (*dirDeltaState, error) {
	it, err := s.Store().GetItem(c.Context(), c.TenantID, src.stateKind, id)
	if errors.Is(err, store.ErrNotFound) {
		return nil, errSyncStateNotFound()
	}
	if err != nil {
		return nil, graph.AsError(err)
	}
	st, err := model.DecodeDoc[dirDeltaState](it)
	if err != nil {
		return nil, graph.AsError(err)
	}
	if !st.valid(s.Now()) {
		return nil, errSyncStateNotFound()
	}
	return &st, nil
}

// valid says whether a snapshot can still be compared with at now: well
// formed and at most dirDeltaLifetime old.
func (st *dirDeltaState) valid(now time.Time) bool {
	at, err := time.Parse(store.TimeLayout, st.At)
	return err == nil && now.Sub(at) <= dirDeltaLifetime && len(st.Versions) == len(st.IDs)
}

// snapshot stores a snapshot of the tenant's objects and returns its id.
// It reads every object once, in chunks: the cost of the round's first
// page, as a full read is a first sync's.
func (s server) snapshot(c *graph.Call, src *deltaSource) (string, *dirDeltaState, error) {
	st := &dirDeltaState{At: model.StoredTime(s.Now())}
	after := ""
	for {
		if err := c.Context().Err(); err != nil {
			return "", nil, graph.AsError(err)
		}
		ids, vers, err := src.list(s, c, after, dirDeltaListChunk)
		if err != nil {
			return "", nil, graph.AsError(err)
		}
		for k, id := range ids {
			st.IDs = append(st.IDs, strings.ToLower(id))
			st.Versions = append(st.Versions, vers[k])
		}
		if len(ids) < dirDeltaListChunk {
			break
		}
		after = ids[len(ids)-1]
	}
	// Sorted here, in Go's order, which the merge walk uses: a database's
	// collation may order ids otherwise.
	idx := make([]int, len(st.IDs))
	for i := range idx {
		idx[i] = i
	}
	slices.SortFunc(idx, func(a, b int) int { return strings.Compare(st.IDs[a], st.IDs[b]) })
	ids, vers := make([]string, len(idx)), make([]int64, len(idx))
	for k, i := range idx {
		ids[k], vers[k] = st.IDs[i], st.Versions[i]
	}
	st.IDs, st.Versions = ids, vers
	now := s.Now()
	id := model.NewGUID()
	if err := s.Store().CreateItems(c.Context(), store.Item{TenantID: c.TenantID, Kind: src.stateKind, ID: id,
		Doc: model.EncodeDoc(st), CreatedAt: now, ModifiedAt: now, Version: 1}); err != nil {
		return "", nil, graph.AsError(err)
	}
	return id, st, nil
}

// pruneDeltaStates removes a batch of the tenant's expired snapshots.
func (s server) pruneDeltaStates(c *graph.Call, src *deltaSource) error {
	old, _, err := s.Store().QueryItems(c.Context(), store.ItemQuery{TenantID: c.TenantID, Kind: src.stateKind,
		Filter: store.Compare{Field: store.Doc("_at", store.TypeTime), Op: store.Lt, Value: store.Time(s.Now().Add(-dirDeltaLifetime))},
		Limit:  dirDeltaPruneBatch})
	if err != nil || len(old) == 0 {
		return err
	}
	ids := make([]string, len(old))
	for i, it := range old {
		ids[i] = it.ID
	}
	_, err = s.Store().DeleteItems(c.Context(), c.TenantID, src.stateKind, ids...)
	return err
}

// renderChanges renders a page: each listed object as it is now (Graph
// returns at least the changed properties; graphgate returns the selected
// ones), each removed one as its id and @removed. Graph's DELETE moves a
// user or a Microsoft 365 group to deleted items, which its delta reports
// with the reason "changed" ("deleted" is for a permanent deletion);
// graphgate's DELETE stands for the former, so "changed" (a security
// group's deletion is permanent in Graph: a known difference). An object
// listed in the round's snapshot but deleted since is left for the next
// round, which reports the removal.
func (s server) renderChanges(c *graph.Call, src *deltaSource, changes []dirChange, selected []string) ([]json.RawMessage, error) {
	var ids []string
	for _, ch := range changes {
		if !ch.removed {
			ids = append(ids, ch.id)
		}
	}
	byID := map[string]json.RawMessage{}
	if len(ids) > 0 {
		var err error
		if byID, err = src.render(s, c, ids, selected); err != nil {
			return nil, err
		}
	}
	out := make([]json.RawMessage, 0, len(changes))
	for _, ch := range changes {
		if ch.removed {
			out = append(out, model.EncodeDoc(map[string]any{"@odata.type": src.odataType, "id": ch.id,
				"@removed": map[string]string{"reason": "changed"}}))
			continue
		}
		if b, ok := byID[ch.id]; ok {
			out = append(out, b)
		}
	}
	return out, nil
}

// writeDirectoryDelta writes a page with its nextLink (next) or, on the
// last page, its deltaLink.
func (s server) writeDirectoryDelta(c *graph.Call, src *deltaSource, vals []json.RawMessage, next string, delta dirDeltaToken) error {
	if vals == nil {
		vals = []json.RawMessage{}
	}
	base := c.BaseURL() + "/" + src.name + "/delta?"
	body := struct {
		Context   string            `json:"@odata.context"`
		NextLink  string            `json:"@odata.nextLink,omitempty"`
		DeltaLink string            `json:"@odata.deltaLink,omitempty"`
		Value     []json.RawMessage `json:"value"`
	}{Context: c.ContextURL(), Value: vals}
	if next != "" {
		body.NextLink = base + "$skiptoken=" + url.QueryEscape(next)
	} else {
		body.DeltaLink = base + "$deltatoken=" + url.QueryEscape(delta.encode())
	}
	return c.JSON(http.StatusOK, body)
}
