package graph

import (
	"encoding/json"
	"strings"

	"graphgate/internal/store"
)

// GET /groups/delta: the groups created, updated or deleted since a state
// token (Microsoft's "group: delta"), without its members@delta (Graph
// tracks membership changes there; graphgate does not yet).
var _ = declare(WorkloadDirectory,
	Endpoint{Method: "GET", Template: "/groups/delta", Handler: directoryDelta(groupsDelta),
		Entity: Entity{Type: "microsoft.graph.group", Context: "groups"}},
)

// KindGroupDeltaState is the item kind of a groups/delta snapshot.
const KindGroupDeltaState = "groupDeltaState"

var groupsDelta = &deltaSource{name: "groups", stateKind: KindGroupDeltaState, odataType: "#microsoft.graph.group",
	list: func(s *Server, c *Call, after string, limit int) ([]string, []int64, error) {
		gs, err := s.store.ListGroups(c.ctx, c.TenantID, after, limit)
		ids, vers := make([]string, len(gs)), make([]int64, len(gs))
		for i := range gs {
			ids[i], vers[i] = gs[i].ID, gs[i].Version
		}
		return ids, vers, err
	},
	render: func(s *Server, c *Call, ids, selected []string) (map[string]json.RawMessage, error) {
		gs, _, err := s.store.QueryGroups(c.ctx, store.DirectoryQuery{TenantID: c.TenantID, IDs: ids, Limit: len(ids)})
		if err != nil {
			return nil, AsError(err)
		}
		out := make(map[string]json.RawMessage, len(gs))
		for i := range gs {
			if out[strings.ToLower(gs[i].ID)], err = c.renderGroup(&gs[i], selected, false); err != nil {
				return nil, err
			}
		}
		return out, nil
	},
}
