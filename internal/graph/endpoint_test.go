package graph_test

import (
	"testing"

	"graphgate/internal/authz"
	"graphgate/internal/directory"
	"graphgate/internal/graph"
	"graphgate/internal/graph/workloads"
)

// Every workload's descriptor binds, and what it declares is what graph
// computed from the path before descriptors: the workload (for both
// schemes, as the path and the rule's permissions decide it) and the kind
// of target.
func TestDescriptorsAgreeWithPaths(t *testing.T) {
	s, err := graph.New(graph.Deps{Engine: authz.Default(), Directory: new(directory.Service)}, graph.Config{}, workloads.All()...)
	if err != nil {
		t.Fatal(err)
	}
	if n := len(s.Served()); n < 400 {
		t.Fatalf("%d endpoints bound, want the ~430 graphgate serves", n)
	}
	for _, d := range graph.DescriptorDisagreements(s) {
		t.Error(d)
	}
}
