package odata

import (
	"strings"

	"graphgate/internal/store/sqlq"
)

// The SQL these tests assert is the store's rendering (store/sqlq) of the
// conditions Filter and Order build: the helpers below render a Mapping's
// query the way the backends do, with the document in the column doc and
// every column Name used as its own SQL.

type Dialect int

const (
	SQLite Dialect = iota + 1
	Postgres
)

func (d Dialect) String() string { return d.sqlq().String() }

func (d Dialect) sqlq() sqlq.Dialect {
	if d == Postgres {
		return sqlq.Postgres
	}
	return sqlq.SQLite
}

type SQLOptions struct {
	Dialect   Dialect
	Flavor    Flavor
	ArgOffset int
}

// testTable is the table of m's rendering: doc, and its columns by name.
func testTable(m Mapping) sqlq.Table {
	t := sqlq.Table{Document: "doc", Columns: map[string]string{"id": "id"}}
	for _, c := range m.Columns {
		if c.Name != "" {
			t.Columns[c.Name] = c.Name
		}
	}
	return t
}

// CompileFilter is Filter rendered by sqlq.
func CompileFilter(e Expr, m Mapping, o SQLOptions) (string, []any, error) {
	c, err := Filter(e, m, o.Flavor)
	if err != nil {
		return "", nil, err
	}
	return sqlq.Where(o.Dialect.sqlq(), testTable(m), c, o.ArgOffset)
}

// CompileOrderBy is Order rendered by sqlq, as an ORDER BY clause ending
// with tieBreaker ascending.
func CompileOrderBy(items []OrderItem, m Mapping, tieBreaker string, o SQLOptions) (string, error) {
	orders, err := Order(items, m, o.Flavor)
	if err != nil {
		return "", err
	}
	s, err := sqlq.OrderBy(o.Dialect.sqlq(), testTable(m), orders)
	if err != nil {
		return "", err
	}
	parts := []string{}
	if s != "" {
		parts = append(parts, s)
	}
	if tieBreaker != "" {
		parts = append(parts, tieBreaker+" ASC")
	}
	if len(parts) == 0 {
		return "", nil
	}
	return "ORDER BY " + strings.Join(parts, ", "), nil
}
