package graph

import (
	"strings"

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
// column doc (odata.JSONMapping serves both dialects).
func jsonMapping(_ store.Dialect, entity string, props odata.JSONProps) odata.Mapping {
	return odata.JSONMapping(entity, "doc", props)
}

// orderBy renders an ORDER BY over a document property.
func orderBy(d store.Dialect, path string, t odata.Type, desc bool) string {
	o := jsonExpr(d, path, t)
	if desc {
		return o + " DESC"
	}
	return o
}
