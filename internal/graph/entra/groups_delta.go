package entra

import (
	"encoding/json"
	"strings"

	"graphgate/internal/graph"
	"graphgate/internal/store"
)

// GET /groups/delta: the groups created, updated or deleted since a state
// token (Microsoft's "group: delta"), without its members@delta (Graph
// tracks membership changes there; graphgate does not yet).
var _ = declare(graph.WorkloadDirectory,
	graph.Endpoint{Method: "GET", Template: "/groups/delta", Handler: directoryDelta(groupsDelta),
		Entity: graph.Entity{Type: "microsoft.graph.group", Context: "groups"}},
)

// KindGroupDeltaState is the item kind of a groups/delta snapshot.
const KindGroupDeltaState = "groupDeltaState"

var groupsDelta = &deltaSource{name: "groups", stateKind: KindGroupDeltaState, odataType: "#microsoft.graph.group",
	list: func(s server, c *graph.Call, after string, limit int) ([]string, []int64, error) {
		gs, err := s.Store().ListGroups(c.Context(), c.TenantID, after, limit)
		ids, vers := make([]string, len(gs)), make([]int64, len(gs))
		for i := range gs {
			ids[i], vers[i] = gs[i].ID, gs[i].Version
		}
		return ids, vers, err
	},
	render: func(s server, c *graph.Call, ids, selected []string) (map[string]json.RawMessage, error) {
		gs, _, err := s.Store().QueryGroups(c.Context(), store.DirectoryQuery{TenantID: c.TenantID, IDs: ids, Limit: len(ids)})
		if err != nil {
			return nil, graph.AsError(err)
		}
		out := make(map[string]json.RawMessage, len(gs))
		for i := range gs {
			if out[strings.ToLower(gs[i].ID)], err = renderGroup(c, &gs[i], selected, false); err != nil {
				return nil, err
			}
		}
		return out, nil
	},
}
