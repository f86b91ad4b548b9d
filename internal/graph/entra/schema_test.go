package entra

import (
	"testing"

	"graphgate/internal/graph"
)

// TestSchemaTypesResolve resolves the body types entra's handlers read by
// Graph's schema: they are looked up on first use (so the CLI never parses
// the schema), which would turn a type missing from the embedded excerpt
// into a panic in a request; this test makes it a build defect.
func TestSchemaTypesResolve(t *testing.T) {
	for name, bt := range map[string]graph.BodyType{"user": userBody, "group": groupBody} {
		if typ := bt.Type(); typ == nil {
			t.Errorf("%s: no type", name)
		}
	}
}
