package graph

import (
	"fmt"
	"strings"
	"sync"

	"graphgate/internal/odata"
	"graphgate/internal/store"
)

// jsonExpr is the SQL of a JSON document property in a dialect, for
// graphgate's own fixed queries (OData goes through odata.JSONMapping):
// SQLite's json_extract already yields numbers and 0/1 booleans;
// PostgreSQL's #>> yields text and is cast. Date-times are fixed-width UTC
// text in both, compared bytewise.
func jsonExpr(d store.Dialect, path string, t odata.Type) string {
	parts := strings.Split(path, "/")
	if d == store.DialectPostgres {
		e := "(doc #>> '{" + strings.Join(parts, ",") + "}')"
		switch t {
		case odata.TypeBool:
			return e + "::boolean"
		case odata.TypeInt, odata.TypeFloat:
			return e + "::numeric"
		case odata.TypeDateTime:
			// Stored date-times are fixed-width UTC text: compare bytewise.
			return e + ` COLLATE "C"`
		}
		return e
	}
	return "json_extract(doc, '$." + strings.Join(parts, ".") + "')"
}

// jsonMapping maps the properties of a document kind to SQL over the item
// column doc (odata.JSONMapping serves both dialects). The mapping of an
// entity is built once per process and shared: building it checks every
// pair of declared paths for clashes, which cost a page of messages a
// quarter of its CPU when it ran per request (bench/README.md,
// "Throughput"). An entity's properties are declared at one place, so the
// entity names its mapping; callers must not modify it.
func jsonMapping(_ store.Dialect, entity string, props odata.JSONProps) odata.Mapping {
	if m, ok := mappings.Load(entity); ok {
		mm := m.(odata.Mapping)
		if len(mm.Columns) != len(props) {
			panic(fmt.Sprintf("graph: %s is mapped with two sets of properties", entity))
		}
		return mm
	}
	m, _ := mappings.LoadOrStore(entity, odata.JSONMapping(entity, "doc", props))
	return m.(odata.Mapping)
}

// mappings caches jsonMapping: entity type name → odata.Mapping. Bounded by
// the entity types graph declares.
var mappings sync.Map

// orderBy renders an ORDER BY over a document property.
func orderBy(d store.Dialect, path string, t odata.Type, desc bool) string {
	o := jsonExpr(d, path, t)
	if desc {
		return o + " DESC"
	}
	return o
}
