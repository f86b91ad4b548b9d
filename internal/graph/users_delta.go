package graph

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

	"graphgate/internal/odata"
	"graphgate/internal/store"
)

// GET /users/delta: the users created, updated or deleted since a state
// token (Microsoft's "user: delta"). The whole endpoint is this descriptor
// and its handler.
var _ = declare(workloadDirectory,
	Endpoint{Method: "GET", Template: "/users/delta", Handler: (*Server).usersDelta,
		Entity: Entity{Type: "microsoft.graph.user", Context: "users"}},
)

// A round of change tracking compares two snapshots of the tenant's users
// (each user's id and version, the etag every update raises): the one its
// deltaLink's token names (none for a first sync: every user is new) and
// one taken when the round starts. A user in the new one only is created,
// one whose version moved is updated, one in the old one only is deleted
// (@removed). Both are sorted by id, so a page is a merge walk from the
// id the skiptoken names: every page of a round reads the same two
// snapshots and the page's users, never the whole directory again, and a
// change made during the round is in the next one (as in Graph).
//
// Snapshots are kept in the store (so a token works on every replica) for
// seven days, the lifetime of Graph's delta links for identity resources:
// an older token answers 400 syncStateNotFound, and a round's start
// removes expired snapshots, a bounded batch at a time.

// KindUserDeltaState is the item kind of a users/delta snapshot.
const KindUserDeltaState = "userDeltaState"

const (
	// userDeltaLifetime is how long a delta link stays valid.
	userDeltaLifetime = 7 * 24 * time.Hour
	// userDeltaPage is the page size. Graph does not document one for
	// users/delta (nor honour $top on it); 100 is its /users page.
	userDeltaPage = 100
	// userDeltaPruneBatch bounds the expired snapshots a round removes.
	userDeltaPruneBatch = 100
	// userDeltaListChunk is how many users one store read of a snapshot
	// takes.
	userDeltaListChunk = 1000
)

// userDeltaState is a snapshot: ids sorted, with their versions.
type userDeltaState struct {
	IDs      []string `json:"ids"`
	Versions []int64  `json:"v"`
	At       string   `json:"_at"`
}

// userDeltaToken is the opaque $deltatoken (Old only: the round to come)
// or $skiptoken (a round under way: Old, New and the last id listed). The
// $select of the round's first request travels with it, as Graph encodes
// a round's query options in its links.
type userDeltaToken struct {
	Old    string `json:"o,omitempty"`
	New    string `json:"n,omitempty"`
	After  string `json:"a,omitempty"`
	Select string `json:"s,omitempty"`
}

func (t userDeltaToken) encode() string {
	return base64.RawURLEncoding.EncodeToString(encodeDoc(t))
}

func decodeUserDeltaToken(s string) (userDeltaToken, bool) {
	var t userDeltaToken
	b, err := base64.RawURLEncoding.DecodeString(s)
	return t, err == nil && json.Unmarshal(b, &t) == nil
}

// errSyncStateNotFound is Graph's answer to an expired or unknown state.
func errSyncStateNotFound() *Error {
	return newError(http.StatusBadRequest, "syncStateNotFound",
		"The sync state generation is not found. The delta token is expired and data must be synchronized again.")
}

// userChange is one entry of a page: a user to list, or one removed.
type userChange struct {
	id      string
	removed bool
}

// diffPage walks old and new (sorted snapshots) from after, returning at
// most max changes and whether more may follow. old nil is a first sync.
func diffPage(old, new *userDeltaState, after string, max int) (out []userChange, more bool) {
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
			out = append(out, userChange{id: new.IDs[i]})
			i++
		case i >= len(new.IDs) || oldIDs[j] < new.IDs[i]:
			out = append(out, userChange{id: oldIDs[j], removed: true})
			j++
		default:
			if new.Versions[i] != old.Versions[j] {
				out = append(out, userChange{id: new.IDs[i]})
			}
			i++
			j++
		}
	}
	return out, false
}

func (s *Server) usersDelta(c *Call) error {
	vals, err := odata.ParseRawQuery(c.r.URL.RawQuery)
	if err != nil {
		return errBadRequest("Invalid query string: %s", err)
	}
	delta, skip := vals.Get("$deltatoken"), vals.Get("$skiptoken")
	vals.Del("$deltatoken")
	vals.Del("$skiptoken")
	var tok userDeltaToken
	switch {
	case skip != "":
		var ok bool
		if tok, ok = decodeUserDeltaToken(skip); !ok || tok.New == "" {
			return errBadRequest("The $skiptoken is not valid.")
		}
	case delta != "" && delta != "latest":
		var ok bool
		if tok, ok = decodeUserDeltaToken(delta); !ok || tok.Old == "" || tok.New != "" {
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
			return newError(http.StatusBadRequest, odata.CodeRequestBadRequest, "Unsupported query: users/delta takes $select only.")
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

	var old, cur *userDeltaState
	if tok.Old != "" {
		if old, err = s.userDeltaState(c, tok.Old); err != nil {
			return err
		}
	}
	if tok.New == "" {
		// A round starts: prune, then take the snapshot it ends at.
		if err := s.pruneUserDeltaStates(c); err != nil {
			return asError(err)
		}
		if tok.New, cur, err = s.snapshotUsers(c); err != nil {
			return err
		}
		if delta == "latest" {
			return s.writeUsersDelta(c, nil, "", userDeltaToken{Old: tok.New, Select: tok.Select})
		}
	} else if cur, err = s.userDeltaState(c, tok.New); err != nil {
		return err
	}

	changes, more := diffPage(old, cur, tok.After, userDeltaPage)
	vals2, err := s.renderUserChanges(c, changes, selected)
	if err != nil {
		return err
	}
	if more {
		tok.After = changes[len(changes)-1].id
		return s.writeUsersDelta(c, vals2, tok.encode(), userDeltaToken{})
	}
	return s.writeUsersDelta(c, vals2, "", userDeltaToken{Old: tok.New, Select: tok.Select})
}

// userDeltaState reads a snapshot; a missing or expired one is Graph's
// syncStateNotFound.
func (s *Server) userDeltaState(c *Call, id string) (*userDeltaState, error) {
	it, err := s.store.GetItem(c.ctx, c.TenantID, KindUserDeltaState, id)
	if errors.Is(err, store.ErrNotFound) {
		return nil, errSyncStateNotFound()
	}
	if err != nil {
		return nil, asError(err)
	}
	st, err := decodeDoc[userDeltaState](it)
	if err != nil {
		return nil, asError(err)
	}
	if !st.valid(s.now()) {
		return nil, errSyncStateNotFound()
	}
	return &st, nil
}

// valid says whether a snapshot can still be compared with at now: well
// formed and at most userDeltaLifetime old.
func (st *userDeltaState) valid(now time.Time) bool {
	at, err := time.Parse(store.TimeLayout, st.At)
	return err == nil && now.Sub(at) <= userDeltaLifetime && len(st.Versions) == len(st.IDs)
}

// snapshotUsers stores a snapshot of the tenant's users and returns its id.
// It reads every user once, in chunks: the cost of the round's first page,
// as a full read is a first sync's.
func (s *Server) snapshotUsers(c *Call) (string, *userDeltaState, error) {
	st := &userDeltaState{At: storedTime(s.now())}
	after := ""
	for {
		if err := c.ctx.Err(); err != nil {
			return "", nil, asError(err)
		}
		us, err := s.store.ListUsers(c.ctx, c.TenantID, after, userDeltaListChunk)
		if err != nil {
			return "", nil, asError(err)
		}
		for _, u := range us {
			st.IDs = append(st.IDs, strings.ToLower(u.ID))
			st.Versions = append(st.Versions, u.Version)
		}
		if len(us) < userDeltaListChunk {
			break
		}
		after = us[len(us)-1].ID
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
	now := s.now()
	id := newGUID()
	if err := s.store.CreateItems(c.ctx, store.Item{TenantID: c.TenantID, Kind: KindUserDeltaState, ID: id,
		Doc: encodeDoc(st), CreatedAt: now, ModifiedAt: now, Version: 1}); err != nil {
		return "", nil, asError(err)
	}
	return id, st, nil
}

// pruneUserDeltaStates removes a batch of the tenant's expired snapshots.
func (s *Server) pruneUserDeltaStates(c *Call) error {
	dia := s.store.Dialect()
	atExpr := jsonExpr(dia, "_at", odata.TypeDateTime)
	old, _, err := s.store.QueryItems(c.ctx, store.ItemQuery{TenantID: c.TenantID, Kind: KindUserDeltaState,
		Where: atExpr + " < " + placeholder(dialectOf(dia), 1), Args: []any{storedTime(s.now().Add(-userDeltaLifetime))},
		Limit: userDeltaPruneBatch})
	if err != nil || len(old) == 0 {
		return err
	}
	ids := make([]string, len(old))
	for i, it := range old {
		ids[i] = it.ID
	}
	_, err = s.store.DeleteItems(c.ctx, c.TenantID, KindUserDeltaState, ids...)
	return err
}

// renderUserChanges renders a page: each listed user as it is now (Graph
// returns at least the changed properties; graphgate returns the selected
// ones), each removed one as its id and @removed. Graph's DELETE
// /users/{id} moves the user to deleted items, which its delta reports
// with the reason "changed" ("deleted" is for a permanent deletion);
// graphgate's DELETE stands for the former, so "changed". A user listed in
// the round's snapshot but deleted since is left for the next round, which
// reports the removal.
func (s *Server) renderUserChanges(c *Call, changes []userChange, selected []string) ([]json.RawMessage, error) {
	var ids []string
	for _, ch := range changes {
		if !ch.removed {
			ids = append(ids, ch.id)
		}
	}
	byID := map[string]*store.User{}
	if len(ids) > 0 {
		us, _, err := s.store.QueryUsers(c.ctx, store.DirectoryQuery{TenantID: c.TenantID, IDs: ids, Limit: len(ids)})
		if err != nil {
			return nil, asError(err)
		}
		for i := range us {
			byID[strings.ToLower(us[i].ID)] = &us[i]
		}
	}
	out := make([]json.RawMessage, 0, len(changes))
	for _, ch := range changes {
		if ch.removed {
			out = append(out, encodeDoc(map[string]any{"@odata.type": "#microsoft.graph.user", "id": ch.id,
				"@removed": map[string]string{"reason": "changed"}}))
			continue
		}
		u, ok := byID[ch.id]
		if !ok {
			continue
		}
		b, err := c.renderUser(u, selected)
		if err != nil {
			return nil, err
		}
		out = append(out, b)
	}
	return out, nil
}

// writeUsersDelta writes a page with its nextLink (next) or, on the last
// page, its deltaLink.
func (s *Server) writeUsersDelta(c *Call, vals []json.RawMessage, next string, delta userDeltaToken) error {
	if vals == nil {
		vals = []json.RawMessage{}
	}
	base := c.BaseURL() + "/users/delta?"
	body := struct {
		Context   string            `json:"@odata.context"`
		NextLink  string            `json:"@odata.nextLink,omitempty"`
		DeltaLink string            `json:"@odata.deltaLink,omitempty"`
		Value     []json.RawMessage `json:"value"`
	}{Context: c.contextURL(), Value: vals}
	if next != "" {
		body.NextLink = base + "$skiptoken=" + url.QueryEscape(next)
	} else {
		body.DeltaLink = base + "$deltatoken=" + url.QueryEscape(delta.encode())
	}
	return c.JSON(http.StatusOK, body)
}
