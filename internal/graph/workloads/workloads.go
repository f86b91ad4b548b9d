package workloads

import (
	"graphgate/internal/graph"
	"graphgate/internal/graph/entra"
	"graphgate/internal/graph/exchange"
	"graphgate/internal/graph/files"
	"graphgate/internal/graph/teams"
)

// All are every workload package's descriptors (and the files workload's
// hooks), one Package per workload package, as graph.New takes them.
func All() []graph.Package {
	return []graph.Package{
		{Endpoints: entra.Endpoints()},
		{Endpoints: exchange.Endpoints()},
		files.Package(),
		{Endpoints: teams.Endpoints()},
	}
}
