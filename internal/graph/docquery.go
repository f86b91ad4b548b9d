package graph

import (
	"fmt"
	"sync"

	"graphgate/internal/odata"
	"graphgate/internal/store"
)

// Queries over item documents are store query IR (store/query.go): OData
// options through odata.Filter and odata.Order over an entity's mapping,
// the server's own fixed queries written here with the helpers below. No
// SQL is written in this package: the store renders the IR.

// JSONMapping maps the properties of a document kind for odata.Filter and
// odata.Order. The mapping of an entity is built once per process and
// shared: building it checks every pair of declared paths for clashes,
// which cost a page of messages a quarter of its CPU when it ran per
// request (bench/README.md, "Throughput"). An entity's properties are
// declared at one place, so the entity names its mapping; callers must not
// modify it.
func JSONMapping(entity string, props odata.JSONProps) odata.Mapping {
	if m, ok := mappings.Load(entity); ok {
		mm := m.(odata.Mapping)
		if len(mm.Columns) != len(props) {
			panic(fmt.Sprintf("graph: %s is mapped with two sets of properties", entity))
		}
		return mm
	}
	m, _ := mappings.LoadOrStore(entity, odata.JSONMapping(entity, props))
	return m.(odata.Mapping)
}

// mappings caches JSONMapping: entity type name → odata.Mapping. Bounded by
// the entity types graph declares.
var mappings sync.Map

// DocEq is the condition that the document property at path equals v
// exactly (case-sensitively: ids, iCalUIds).
func DocEq(path string, v string) store.Cond {
	return store.Compare{Field: store.Doc(path, store.TypeString), Op: store.Eq, Value: store.String(v)}
}

// DocEqFold is DocEq ignoring case (names).
func DocEqFold(path string, v string) store.Cond {
	return store.Compare{Field: store.Doc(path, store.TypeString), Op: store.Eq, Value: store.String(v), Fold: true}
}

// ByDoc orders by a document property, nulls where the backend puts them
// (the server's default orders, over properties every object has, which
// the backends' indexes serve in that order).
func ByDoc(path string, t store.Type, desc bool) []store.Order {
	return []store.Order{{Field: store.Doc(path, t), Desc: desc}}
}

// ByCreation orders by the item's creation time.
var ByCreation = []store.Order{{Field: store.Column("created_at", store.TypeTime)}}
