package graph

import (
	"bytes"
	_ "embed"
	"strings"
	"sync"

	"graphgate/internal/odata"
)

// Graph's schema, for reading request bodies and $select as Graph does.
// graph-v1.0.csdl.xml is an excerpt of Microsoft's v1.0 $metadata: the
// types named below, what they use and what derives from them. A handler
// reads a body of one of these types with Call.ReadBody, which converts,
// renames and checks it by the schema (odata.Model.NormalizeBody); bodies
// of other types go through Call.ReadJSON, which applies the same
// primitive conversions by Go type only.

//go:embed graph-v1.0.csdl.xml
var graphCSDL []byte

// graphModel is the parsed schema, parsed when first asked for (about
// 5 ms and 17,000 allocations): a process that never reads a Graph request
// body or checks a $select — every CLI command but serve — never pays for
// it (TestCLIInitIsLazy in cmd/graphgate). A malformed excerpt is a build
// defect, caught by TestSchemaTypesResolve.
var graphModel = sync.OnceValue(func() *odata.Model {
	m, err := odata.ParseCSDL(bytes.NewReader(graphCSDL))
	if err != nil {
		panic("graph: the embedded schema: " + err.Error())
	}
	return m
})

// BodyType is the Graph type of a request body and the wording of the
// service that reads it. typ looks the type up in graphModel on first use.
type BodyType struct {
	typ  func() *odata.StructuredType
	opts odata.BodyOptions
}

// The services behind the workloads, as body readers: the wording a
// workload package's EntityBody and ActionBody take. To Do answers a body
// it cannot read with invalidRequest and Microsoft.OData.Core's message
// (microsoftgraph/msgraph-sdk-dotnet#909).
var (
	ExchangeReader  = odata.BodyOptions{Flavor: odata.Exchange}
	DirectoryReader = odata.BodyOptions{Flavor: odata.Directory}
	TodoReader      = odata.BodyOptions{Flavor: odata.Generic, Code: "invalidRequest"}
)

// Type is the body's Graph type, looked up in the schema on first use; it
// panics when the embedded excerpt lacks the type, so each workload
// package's test resolves its bodies (a build defect, not a request's
// panic).
func (b BodyType) Type() *odata.StructuredType { return b.typ() }

// EntityBody is the body type of Graph's entity type name (user, event),
// read in o's wording; the type is looked up on first use.
func EntityBody(name string, o odata.BodyOptions) BodyType {
	return BodyType{typ: sync.OnceValue(func() *odata.StructuredType {
		t, ok := graphModel().Type(name)
		if !ok {
			panic("graph: no type " + name + " in the embedded schema")
		}
		return t
	}), opts: o}
}

// ActionBody is the body type of Graph's action name bound to binding
// (sendMail on user), read in o's wording.
func ActionBody(name, binding string, o odata.BodyOptions) BodyType {
	return BodyType{typ: sync.OnceValue(func() *odata.StructuredType {
		a, ok := graphModel().Action(name, binding)
		if !ok {
			panic("graph: no action " + name + " bound to " + binding + " in the embedded schema")
		}
		return a.ActionType()
	}), opts: o}
}

// SelectableAs lists what $select may name on the entity type: its
// structural and navigation properties in Graph's schema (a navigation
// property is accepted and returned only when expanded, as OData v4
// Part 2, 5.1.3 allows and Graph does), plus the JSON names of the stored
// document doc, for CheckSelect. "*" and "id" always pass. The set is
// built on first use, as graphModel is parsed.
func SelectableAs(entity string, doc any) func() map[string]bool {
	return sync.OnceValue(func() map[string]bool {
		out := Selectable(doc)
		t, ok := graphModel().Type(entity)
		if !ok {
			panic("graph: no type " + entity + " in the embedded schema")
		}
		for _, p := range t.Properties() {
			out[strings.ToLower(p.Name)] = true
		}
		for _, n := range t.NavigationNames() {
			out[strings.ToLower(n)] = true
		}
		return out
	})
}
