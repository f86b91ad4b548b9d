package sqlite

import (
	"context"
	"strings"
	"time"

	"graphgate/internal/store"
	"graphgate/internal/store/sqlq"
	"graphgate/internal/store/sqlstore"
)

// Items and directory queries are store/sqlstore's (items.go,
// dirquery.go), over the flavor's Queries below: what SQLite does its own
// way is named there, and its text index is read here (textCandidates).

var _ store.Items = (*Store)(nil)

// queries is what SQLite's item and directory queries do differently
// (sqlstore.Queries): lists bound as one JSON array read by json_each
// (SQLite limits parameters), +owner_id and named span indexes (its
// planner has no statistics, migration 0010's are fixed estimates), bound
// LIMIT and OFFSET (one prepared statement for every page), ranges of a
// continued overlap split in two (it does not seek an expression index
// with a row value), and the FTS5 text index of migration 0011.
var queries = &sqlstore.Queries{
	Dialect:        sqlq.SQLite,
	InList:         func(col string) string { return col + ` IN (SELECT value FROM json_each(?))` },
	List:           func(l []string) any { return list(l) },
	PlusOwner:      true,
	Text:           textCandidates,
	GroupDocument:  "json_object('" + store.GroupDocument + "', json(group_types))",
	SpanClass:      "span_class",
	SpanIndexes:    map[string]string{"event": "items_events_by_span", "eventException": "items_exceptions_by_span"},
	NestedBranches: true,
}

// now is the time the backend stamps on items, to the stored precision:
// the clock SetClock installed (default time.Now).
func (s *Store) now() time.Time {
	if s.clock == nil {
		return time.Now().UTC().Truncate(time.Millisecond)
	}
	return s.clock().UTC().Truncate(time.Millisecond)
}

// SetClock makes the store stamp items, grants and service principals with
// now instead of time.Now (graphgate's one clock, package clock). Call it
// before the store is shared.
func (s *Store) SetClock(now func() time.Time) { s.clock = now }

// textCandidatesMax is the most candidates an ItemQuery.Text is read from
// the text index for: a string that more items hold is found sooner by
// reading the items in the query's order (a page of a common word is in
// its first few hundred items), and reading all its candidates and sorting
// them would cost more.
const textCandidatesMax = 2000

// textCandidates decides how q.Text is served (store.ItemQuery.Text,
// sqlstore.Queries.Text): by the text index (migration 0011) when its
// strings are held by fewer than textCandidatesMax items — the candidates
// read by primary key,
//
//	FROM items INDEXED BY sqlite_autoindex_items_1 WHERE … AND id IN (SELECT k.id
//	  FROM items_text JOIN items_text_keys AS k ON k.n = items_text.rowid
//	  WHERE items_text MATCH ? AND k.tenant_id = ? AND k.kind = ?)
//
// (the index is named: the candidates are few, and the planner, which
// cannot know it, would otherwise read the scope in order and test each
// item) — and not at all otherwise. None reports that no item holds them.
func textCandidates(ctx context.Context, tx sqlstore.Querier, q store.ItemQuery, terms []string) (sqlstore.TextScope, error) {
	if len(terms) == 0 {
		return sqlstore.TextScope{}, nil
	}
	phrases := make([]string, len(terms))
	for i, t := range terms {
		// A phrase of the trigram tokenizer: the string as a substring,
		// case-insensitively; a double quote is written twice.
		phrases[i] = `"` + strings.ReplaceAll(t, `"`, `""`) + `"`
	}
	match := strings.Join(phrases, " AND ")
	var n int
	err := tx.QueryRow(ctx, `SELECT count(*) FROM (SELECT 1 FROM items_text WHERE items_text MATCH ? LIMIT ?)`,
		match, textCandidatesMax).Scan(&n)
	switch {
	case err != nil:
		return sqlstore.TextScope{}, err
	case n == 0:
		return sqlstore.TextScope{None: true}, nil
	case n >= textCandidatesMax:
		return sqlstore.TextScope{}, nil
	}
	return sqlstore.TextScope{
		From: `items INDEXED BY sqlite_autoindex_items_1`,
		Cond: `id IN (SELECT k.id FROM items_text JOIN items_text_keys AS k ON k.n = items_text.rowid
			WHERE items_text MATCH ? AND k.tenant_id = ? AND k.kind = ?)`,
		Args: []any{match, q.TenantID, q.Kind},
	}, nil
}
