package entra

import (
	"encoding/json"
	"strings"

	"graphgate/internal/graph"
	"graphgate/internal/store"
)

// GET /users/delta: the users created, updated or deleted since a state
// token (Microsoft's "user: delta"). The whole endpoint is this descriptor
// and its source (directory_delta.go has what every directory delta
// shares).
var _ = declare(graph.WorkloadDirectory,
	graph.Endpoint{Method: "GET", Template: "/users/delta", Handler: directoryDelta(usersDelta),
		Entity: graph.Entity{Type: "microsoft.graph.user", Context: "users"}},
)

// KindUserDeltaState is the item kind of a users/delta snapshot.
const KindUserDeltaState = "userDeltaState"

var usersDelta = &deltaSource{name: "users", stateKind: KindUserDeltaState, odataType: "#microsoft.graph.user",
	list: func(s server, c *graph.Call, after string, limit int) ([]string, []int64, error) {
		us, err := s.Store().ListUsers(c.Context(), c.TenantID, after, limit)
		ids, vers := make([]string, len(us)), make([]int64, len(us))
		for i := range us {
			ids[i], vers[i] = us[i].ID, us[i].Version
		}
		return ids, vers, err
	},
	render: func(s server, c *graph.Call, ids, selected []string) (map[string]json.RawMessage, error) {
		us, _, err := s.Store().QueryUsers(c.Context(), store.DirectoryQuery{TenantID: c.TenantID, IDs: ids, Limit: len(ids)})
		if err != nil {
			return nil, graph.AsError(err)
		}
		out := make(map[string]json.RawMessage, len(us))
		for i := range us {
			if out[strings.ToLower(us[i].ID)], err = renderUser(c, &us[i], selected); err != nil {
				return nil, err
			}
		}
		return out, nil
	},
}
