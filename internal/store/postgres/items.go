package postgres

import (
	"context"
	"encoding/json"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"graphgate/internal/store"
	"graphgate/internal/store/sqlq"
	"graphgate/internal/store/sqlstore"
)

// Items and directory queries are store/sqlstore's (items.go,
// dirquery.go), over the flavor's Queries below; what PostgreSQL does its
// own way is named there. Analyze is this backend's own.

var _ store.Items = (*Store)(nil)

// queries is what PostgreSQL's item and directory queries do differently
// (sqlstore.Queries): lists bound as one text[] (= ANY), listings planned
// for each execution (planEachTime), LIMIT and OFFSET written as before
// (one statement per page size), overlap ranges continued by a row value
// the index seeks, parenthesised UNION ALL arms (a Merge Append of the
// ordered arms), and the pg_trgm text index of migration 0011.
var queries = &sqlstore.Queries{
	Dialect:       sqlq.Postgres,
	InList:        func(col string) string { return col + ` = ANY(?)` },
	List:          func(l []string) any { return l },
	LiteralLimits: true,
	ListingArgs:   []any{planEachTime},
	Text:          textTerms,
	GroupDocument: "jsonb_build_object('" + store.GroupDocument + "', group_types)",
	SpanClass:     "graphgate_span_class(doc)",
	RowValueSeek:  true,
}

// planEachTime is how listings (sqlstore.Queries.ListingArgs: items,
// users, groups) are sent: described once per connection (pgx's
// description cache, so the parameter types are the server's, as with a
// prepared statement) but run as the unnamed statement, which PostgreSQL
// plans for each execution with the values bound (a custom plan). pgx's
// default prepares and caches the statement, and after five executions
// PostgreSQL may switch it to a generic plan, planned for any value: for
// listings it estimates a folder's rows from the average folder (1 row for
// Adele's inbox of 20,000 at scale 0.1), cannot use a partial index whose
// predicate needs the value (items_message_folder_unread, migration 0013)
// nor a LIKE prefix, and keeps that plan for a folder a thousand times
// larger than average. Planning costs a fraction of a millisecond; these
// statements are the ones whose rows vary by orders of magnitude with
// their values (bench/scale). The shared layer passes it to pgx as the
// first argument (pgx takes a leading QueryExecMode as the mode, not a
// parameter).
const planEachTime = pgx.QueryExecModeCacheDescribe

// textTerms serves ItemQuery.Text (sqlstore.Queries.Text) with the text
// index of migration 0011: graphgate_message_text(doc) LIKE '%term%' for
// each term, which the planner reads from the pg_trgm index when the term
// is rare enough to pay. It runs no statement.
func textTerms(_ context.Context, _ sqlstore.Querier, _ store.ItemQuery, terms []string) (sqlstore.TextScope, error) {
	var t sqlstore.TextScope
	var conds []string
	for _, term := range terms {
		conds = append(conds, `graphgate_message_text(doc) LIKE ? ESCAPE '\'`)
		t.Args = append(t.Args, "%"+sqlq.EscapeLike(strings.ToLower(term))+"%")
	}
	t.Cond = strings.Join(conds, " AND ")
	return t, nil
}

// now is the backend's clock for CreatedAt and ModifiedAt, at the
// microsecond precision timestamptz keeps: the clock SetClock installed
// (default time.Now).
func (s *Store) now() time.Time {
	if s.clock == nil {
		return time.Now().UTC().Truncate(time.Microsecond)
	}
	return s.clock().UTC().Truncate(time.Microsecond)
}

// SetClock makes the store stamp items, grants and service principals with
// now instead of time.Now (graphgate's one clock, package clock). Call it
// before the store is shared.
func (s *Store) SetClock(now func() time.Time) { s.clock = now }

var _ store.Analyzer = (*Store)(nil)

// Analyze refreshes the planner's statistics of the tables queries filter
// and sort (store.Analyzer): items, whose expression indexes and extended
// statistics (migration 0013) have statistics of their own, users and
// groups. It vacuums them too: after a bulk load (graphgate generate) no
// page is marked all-visible until (auto)vacuum runs, and until then an
// index-only scan, such as the unread $count's on
// items_message_folder_unread, visits every row's page anyway.
func (s *Store) Analyze(ctx context.Context) error {
	// Without arguments pgx sends it with the simple protocol, outside a
	// transaction block, as VACUUM requires.
	_, err := s.pool.Exec(ctx, `VACUUM (ANALYZE) items, users, groups`)
	return err
}

// doc is what a jsonb column gets for a document; an empty one is stored
// as an empty object rather than violating NOT NULL.
func doc(d json.RawMessage) json.RawMessage {
	if len(d) == 0 {
		return json.RawMessage("{}")
	}
	return d
}
