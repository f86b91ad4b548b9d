package workloads

import (
	"graphgate/internal/graph"
	"graphgate/internal/graph/entra"
	"graphgate/internal/graph/exchange"
	"graphgate/internal/graph/files"
	"graphgate/internal/graph/teams"
)

// All are the descriptors of every workload package, one slice per
// package, as graph.New takes them.
func All() [][]graph.Endpoint {
	return [][]graph.Endpoint{entra.Endpoints(), exchange.Endpoints(), files.Endpoints(), teams.Endpoints()}
}
