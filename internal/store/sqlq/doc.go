// Package sqlq renders the store's query IR (store.Cond, store.Order,
// store.Cursor; internal/store/query.go) as SQL, for both backends: one
// renderer, parameterised by a Dialect (SQLite or PostgreSQL) and by the
// Table queried (the SQL of its JSON document and of its columns).
//
// It owns the SQL that OData conditions become: JSON paths (json_extract
// against #>> with casts), lambdas over JSON arrays (EXISTS over json_each
// or jsonb_array_elements), case-insensitive comparison through lower(),
// LIKE with escaped wildcards, OData's null rules under NOT, byte-order
// text on PostgreSQL (COLLATE "C"), and keyset continuation (After). The
// expressions are spelled as the backends' expression indexes are
// (migrations 0005, 0008, 0010): a change here must keep them matching,
// which the EXPLAIN tests in each backend check.
//
// It must not run statements, know tables other than through Table, or
// know OData: the odata package builds the IR, the backends run what this
// package renders. Everything it writes into SQL text is a path segment
// checked to be an identifier, a column the backend declared, or an
// inline literal checked against a safe alphabet; every other value is a
// bound argument.
package sqlq
