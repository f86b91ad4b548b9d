package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"

	"graphgate/internal/store"
	"graphgate/internal/store/sqlq"
)

// Items: Graph workload objects as jsonb documents in the items table (see
// migrations/0005_items.sql). The Store's methods each run in their own
// transaction; Batch hands its closure a txItems bound to one transaction.
// Both share the functions below, which take the transaction they run in.

func (s *Store) CreateItems(ctx context.Context, items ...store.Item) error {
	if len(items) == 0 {
		return nil
	}
	return s.write(ctx, func(tx pgx.Tx) error { return createItems(ctx, tx, items, s.now()) })
}

func (s *Store) GetItem(ctx context.Context, tenantID, kind, id string) (store.Item, error) {
	return getItem(ctx, s.pool, tenantID, kind, id, false)
}

func (s *Store) UpdateItem(ctx context.Context, tenantID, kind, id string, ifVersion int64, f func(store.Item) (store.Item, error)) (store.Item, error) {
	var it store.Item
	err := s.write(ctx, func(tx pgx.Tx) (err error) {
		it, err = updateItem(ctx, tx, tenantID, kind, id, ifVersion, f, s.now())
		return err
	})
	return it, err
}

func (s *Store) DeleteItems(ctx context.Context, tenantID, kind string, ids ...string) (int, error) {
	if len(ids) == 0 {
		return 0, nil
	}
	return deleteItems(ctx, s.pool, tenantID, kind, ids)
}

// QueryItems runs the query, and the count when asked, in one snapshot
// (REPEATABLE READ READ ONLY), so the total agrees with the page.
func (s *Store) QueryItems(ctx context.Context, q store.ItemQuery) ([]store.Item, int, error) {
	var items []store.Item
	total := -1
	err := s.read(ctx, func(tx pgx.Tx) (err error) {
		items, total, err = queryItems(ctx, tx, q)
		return err
	})
	return items, total, err
}

// Batch runs f in one READ COMMITTED transaction and commits it if f returns
// nil. Like an update closure, f may be run again if PostgreSQL aborts the
// transaction (serialization failure, deadlock), so it must only touch the
// database through tx, and must not call the Store: a Store method would
// run outside the transaction and could wait forever for a row the
// transaction has locked.
func (s *Store) Batch(ctx context.Context, f func(tx store.Items) error) error {
	return s.write(ctx, func(tx pgx.Tx) error { return f(&txItems{tx: tx, now: s.now}) })
}

// txItems is store.Items bound to a transaction. Each method runs in a
// savepoint, so that a method that fails (a duplicate id in CreateItems,
// say) changes nothing and leaves the transaction usable, as the contract's
// "a method either succeeds completely or changes nothing" asks; a nested
// Batch is a savepoint too. A pgx transaction is one connection, so calls
// are serialized by mu.
type txItems struct {
	mu  sync.Mutex
	tx  pgx.Tx
	now func() time.Time
}

var _ store.Items = (*txItems)(nil)

// do runs f in a savepoint of t's transaction.
func (t *txItems) do(ctx context.Context, f func(tx pgx.Tx) error) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	sp, err := t.tx.Begin(ctx)
	if err != nil {
		return err
	}
	if err := f(sp); err != nil {
		sp.Rollback(context.WithoutCancel(ctx))
		return err
	}
	return sp.Commit(ctx)
}

func (t *txItems) CreateItems(ctx context.Context, items ...store.Item) error {
	if len(items) == 0 {
		return nil
	}
	return t.do(ctx, func(tx pgx.Tx) error { return createItems(ctx, tx, items, t.now()) })
}

func (t *txItems) GetItem(ctx context.Context, tenantID, kind, id string) (store.Item, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	return getItem(ctx, t.tx, tenantID, kind, id, false)
}

func (t *txItems) UpdateItem(ctx context.Context, tenantID, kind, id string, ifVersion int64, f func(store.Item) (store.Item, error)) (store.Item, error) {
	var it store.Item
	err := t.do(ctx, func(tx pgx.Tx) (err error) {
		it, err = updateItem(ctx, tx, tenantID, kind, id, ifVersion, f, t.now())
		return err
	})
	return it, err
}

func (t *txItems) DeleteItems(ctx context.Context, tenantID, kind string, ids ...string) (int, error) {
	if len(ids) == 0 {
		return 0, nil
	}
	var n int
	err := t.do(ctx, func(tx pgx.Tx) (err error) {
		n, err = deleteItems(ctx, tx, tenantID, kind, ids)
		return err
	})
	return n, err
}

func (t *txItems) QueryItems(ctx context.Context, q store.ItemQuery) ([]store.Item, int, error) {
	var items []store.Item
	total := -1
	err := t.do(ctx, func(tx pgx.Tx) (err error) {
		items, total, err = queryItems(ctx, tx, q)
		return err
	})
	return items, total, err
}

func (t *txItems) Batch(ctx context.Context, f func(tx store.Items) error) error {
	return t.do(ctx, func(tx pgx.Tx) error { return f(&txItems{tx: tx, now: t.now}) })
}

// The statements.

const itemFields = `tenant_id, kind, id, owner_id, parent_id, doc, version, created_at, modified_at`

func scanItem(sc scanner) (store.Item, error) {
	var it store.Item
	err := sc.Scan(&it.TenantID, &it.Kind, &it.ID, &it.OwnerID, &it.ParentID, &it.Doc, &it.Version,
		ts(&it.CreatedAt), ts(&it.ModifiedAt))
	return it, err
}

// doc is what a jsonb column gets for an item's document; an empty one is
// stored as an empty object rather than violating NOT NULL.
func doc(d json.RawMessage) json.RawMessage {
	if len(d) == 0 {
		return json.RawMessage("{}")
	}
	return d
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

// createItems inserts the items with version 1, in one round trip (a pgx
// batch); zero CreatedAt and ModifiedAt become the current time. A
// duplicate key is ErrConflict, and the caller's transaction (or savepoint)
// rolls back the ones inserted before it.
func createItems(ctx context.Context, tx pgx.Tx, items []store.Item, t time.Time) error {
	b := &pgx.Batch{}
	for _, it := range items {
		created, modified := it.CreatedAt, it.ModifiedAt
		if created.IsZero() {
			created = t
		}
		if modified.IsZero() {
			modified = created
		}
		b.Queue(`INSERT INTO items (`+itemFields+`) VALUES ($1, $2, $3, $4, $5, $6, 1, $7, $8)`,
			it.TenantID, it.Kind, it.ID, it.OwnerID, it.ParentID, doc(it.Doc), created, modified)
	}
	br := tx.SendBatch(ctx, b)
	for _, it := range items {
		if _, err := br.Exec(); err != nil {
			br.Close()
			return conflict(err, "%s %s in tenant %s", it.Kind, it.ID, it.TenantID)
		}
	}
	return br.Close()
}

func getItem(ctx context.Context, q querier, tenantID, kind, id string, lock bool) (store.Item, error) {
	sql := `SELECT ` + itemFields + ` FROM items WHERE tenant_id = $1 AND kind = $2 AND id = $3`
	if lock {
		sql += ` FOR UPDATE`
	}
	it, err := scanItem(q.QueryRow(ctx, sql, tenantID, kind, id))
	return it, notFound(err, "%s %s in tenant %s", kind, id, tenantID)
}

// updateItem locks the item (FOR UPDATE), so that concurrent updates queue
// and each closure sees its predecessor's result; the etag check happens
// under the lock too. The closure may change the owner, the parent, the
// document and CreatedAt (as in the SQLite backend); the keys are kept,
// Version is incremented and ModifiedAt set to now. The result is the row
// as stored (RETURNING), so it is what a later read returns.
func updateItem(ctx context.Context, tx pgx.Tx, tenantID, kind, id string, ifVersion int64, f func(store.Item) (store.Item, error), stamp time.Time) (store.Item, error) {
	old, err := getItem(ctx, tx, tenantID, kind, id, true)
	if err != nil {
		return store.Item{}, err
	}
	if ifVersion > 0 && old.Version != ifVersion {
		return store.Item{}, fmt.Errorf("%w: %s %s is at version %d, not %d", store.ErrPrecondition, kind, id, old.Version, ifVersion)
	}
	it, err := f(old)
	if err != nil {
		return store.Item{}, err
	}
	return scanItem(tx.QueryRow(ctx, `UPDATE items SET owner_id = $4, parent_id = $5, doc = $6, version = $7,
		created_at = $8, modified_at = $9 WHERE tenant_id = $1 AND kind = $2 AND id = $3 RETURNING `+itemFields,
		old.TenantID, old.Kind, old.ID, it.OwnerID, it.ParentID, doc(it.Doc), old.Version+1, tstz(it.CreatedAt), stamp))
}

func deleteItems(ctx context.Context, q querier, tenantID, kind string, ids []string) (int, error) {
	tag, err := q.Exec(ctx, `DELETE FROM items WHERE tenant_id = $1 AND kind = $2 AND id = ANY($3)`, tenantID, kind, ids)
	if err != nil {
		return 0, err
	}
	return int(tag.RowsAffected()), nil
}

// queryItems builds the query from the backend's own conditions (bound
// first, as $1…$k) and the caller's query IR (rendered by store/sqlq with
// its placeholders numbered after them).
func queryItems(ctx context.Context, q querier, iq store.ItemQuery) ([]store.Item, int, error) {
	if iq.TenantID == "" || iq.Kind == "" {
		return nil, -1, errors.New("postgres: an item query needs a tenant and a kind")
	}
	if iq.Overlap != nil {
		sql, args, err := overlapSQL(iq)
		if err != nil {
			return nil, -1, err
		}
		items, err := queryAll(ctx, q, scanItem, sql, args...)
		return items, -1, err
	}
	w := itemScope(iq)
	return runQuery(ctx, q, "items", itemFields, scanItem, &w, itemTable, sqlq.Query{Filter: iq.Filter, Order: iq.Order, After: iq.After},
		iq.Limit, iq.Offset, iq.Count)
}

// itemTable is the items table as store/sqlq renders queries over it: the
// document doc and the columns a query IR may name.
var itemTable = sqlq.Table{Document: "doc", Columns: map[string]string{"id": "id", "created_at": "created_at", "modified_at": "modified_at"}}

// itemScope is the backend's own conditions of an item query.
func itemScope(iq store.ItemQuery) where {
	var w where
	w.add("tenant_id = $%d", iq.TenantID)
	if plainKind().MatchString(iq.Kind) {
		// A literal, so that the generic plan a prepared statement gets
		// after a few executions can use the per-kind partial indexes
		// (a bound kind proves none of them usable).
		w.conds = append(w.conds, "kind = '"+iq.Kind+"'")
	} else {
		w.add("kind = $%d", iq.Kind)
	}
	if iq.OwnerID != "" {
		w.add("owner_id = $%d", iq.OwnerID)
	}
	if iq.ParentID != "" {
		w.add("parent_id = $%d", iq.ParentID)
	}
	if iq.ParentIDs != nil {
		w.add("parent_id = ANY($%d)", iq.ParentIDs)
	}
	for _, t := range store.TextTerms(iq) {
		// The text index of migration 0011 (store.ItemQuery.Text): the
		// planner reads it when the term is rare enough to pay.
		w.add(`graphgate_message_text(doc) LIKE $%d ESCAPE '\'`, "%"+likeEscaper.Replace(strings.ToLower(t))+"%")
	}
	return w
}

// likeEscaper makes %, _ and the escape character literal in a LIKE
// pattern (ESCAPE '\').
var likeEscaper = strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)

// where collects the backend's own conditions of a query and their
// arguments.
type where struct {
	conds []string
	args  []any
}

// add appends a condition whose one placeholder is written $%d.
func (w *where) add(cond string, arg any) {
	w.args = append(w.args, arg)
	w.conds = append(w.conds, fmt.Sprintf(cond, len(w.args)))
}

// runQuery runs a pushed-down query on table (items, users or groups): the
// backend's conditions w, the caller's query IR iq rendered over t (its
// placeholders numbered after w's; its keyset condition on the page
// only), id as the final sort key, limit and offset; and, with count, the
// number of matching rows ignoring limit, offset and keyset (else -1). q
// should be a snapshot transaction, so that the count agrees with the rows.
func runQuery[T any](ctx context.Context, q querier, table, fields string, scan func(scanner) (T, error),
	w *where, t sqlq.Table, iq sqlq.Query, limit, offset int, count bool,
) ([]T, int, error) {
	st, err := buildQuery(table, fields, w, t, iq, limit, offset)
	if err != nil {
		return nil, -1, err
	}
	bound := append([]any{planEachTime}, st.args...)
	rows, err := queryAll(ctx, q, scan, st.page, bound...)
	if err != nil {
		return nil, -1, err
	}
	if st.tail != "" && (limit <= 0 || len(rows) < limit) {
		// The nulls that follow the keyset range (sqlq.After).
		tail := st.tail
		if limit > 0 {
			tail += ` LIMIT ` + strconv.Itoa(limit-len(rows))
		}
		more, err := queryAll(ctx, q, scan, tail, append([]any{planEachTime}, st.countArgs...)...)
		if err != nil {
			return nil, -1, err
		}
		rows = append(rows, more...)
	}
	total := -1
	if count {
		if err := q.QueryRow(ctx, st.count, append([]any{planEachTime}, st.countArgs...)...).Scan(&total); err != nil {
			return nil, -1, err
		}
	}
	return rows, total, nil
}

// planEachTime is how runQuery's statements are sent: described once per
// connection (pgx's description cache, so the parameter types are the
// server's, as with a prepared statement) but run as the unnamed statement,
// which PostgreSQL plans for each execution with the values bound (a custom
// plan). pgx's default prepares and caches the statement, and after five
// executions PostgreSQL may switch it to a generic plan, planned for any
// value: for listings it estimates a folder's rows from the average folder
// (1 row for Adele's inbox of 20,000 at scale 0.1), cannot use a partial
// index whose predicate needs the value (items_message_folder_unread,
// migration 0013) nor a LIKE prefix, and keeps that plan for a folder a
// thousand times larger than average. Planning costs a fraction of a
// millisecond; these statements are the ones whose rows vary by orders of
// magnitude with their values (bench/scale).
const planEachTime = pgx.QueryExecModeCacheDescribe

// statements are the SQL of a pushed-down query: the page, the count, and
// the arguments each takes (the count's are the page's without those of
// the keyset condition, which come last).
type statements struct {
	page, count     string
	args, countArgs []any
	// tail reads the rows that follow a keyset page's range when it does
	// not fill the page (sqlq.Rendered.AfterTail; "" for none), with
	// countArgs; the caller adds its LIMIT.
	tail string
}

// buildQuery writes runQuery's statements.
func buildQuery(table, fields string, w *where, t sqlq.Table, iq sqlq.Query, limit, offset int) (statements, error) {
	own := len(w.args)
	c, err := sqlq.Render(sqlq.Postgres, t, iq, own)
	if err != nil {
		return statements{}, err
	}
	conds := strings.Join(w.conds, " AND ")
	if c.Where != "" {
		conds += " AND (" + c.Where + ")"
	}
	order := "id"
	if c.OrderBy != "" {
		order = c.OrderBy + ", id"
	}
	st := statements{countArgs: append(w.args[:own:own], c.Args...)}
	st.args = st.countArgs
	pageConds := conds
	if c.After != "" {
		pageConds += " AND (" + c.After + ")"
		st.args = append(st.countArgs[:len(st.countArgs):len(st.countArgs)], c.AfterArgs...)
	}
	if c.AfterTail != "" {
		st.tail = `SELECT ` + fields + ` FROM ` + table + ` WHERE ` + conds + ` AND (` + c.AfterTail + `) ORDER BY ` + order
	}
	st.page = `SELECT ` + fields + ` FROM ` + table + ` WHERE ` + pageConds + ` ORDER BY ` + order
	if limit > 0 {
		st.page += ` LIMIT ` + strconv.Itoa(limit)
	}
	if offset > 0 {
		st.page += ` OFFSET ` + strconv.Itoa(offset)
	}
	st.count = `SELECT count(*) FROM ` + table + ` WHERE ` + conds
	return st, nil
}

// Overlap queries (store.Overlap), served by the span indexes of migration
// 0008: one branch per duration class, each an index range read in start
// order from the earliest start its class allows, merged by a UNION ALL
// (a Merge Append of the ordered branches).

const (
	overlapStart = `(doc #>> '{start,utc}') COLLATE "C"`
	overlapEnd   = `(doc #>> '{end,utc}') COLLATE "C"`
	// spanClass is the indexed duration class (migration 0008).
	spanClass = `graphgate_span_class(doc)`
)

// plainKind matches the kinds an overlap query writes as a literal, so
// that the per-kind partial span index is usable in generic plans too.
// Compiled on first use, not by every command's start (cmd/graphgate
// TestCLIInitIsLazy).
var plainKind = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[A-Za-z][A-Za-z0-9]*$`) })

// overlapSQL builds
//
//	SELECT … FROM (
//	  (SELECT …, start AS ov_start FROM items WHERE <scope> AND span = 1
//	     AND start >= <From - 10 min> AND start < To AND end > From
//	     ORDER BY start, id LIMIT n)
//	  UNION ALL … (span = 2 … 8)
//	) AS ov ORDER BY ov_start, id LIMIT n
//
// where a continued listing replaces a class's lower bound by (start, id)
// > (AfterStart, AfterID) when that is later (an index condition here).
func overlapSQL(iq store.ItemQuery) (string, []any, error) {
	if err := store.CheckOverlap(iq); err != nil {
		return "", nil, err
	}
	o := iq.Overlap
	var w where
	w.add("tenant_id = $%d", iq.TenantID)
	if plainKind().MatchString(iq.Kind) {
		w.conds = append(w.conds, "kind = '"+iq.Kind+"'")
	} else {
		w.add("kind = $%d", iq.Kind)
	}
	if iq.OwnerID != "" {
		w.add("owner_id = $%d", iq.OwnerID)
	}
	if iq.ParentID != "" {
		w.add("parent_id = $%d", iq.ParentID)
	}
	own := len(w.args)
	scope := strings.Join(w.conds, " AND ")
	args := w.args[:own:own]
	c, err := sqlq.Render(sqlq.Postgres, itemTable, sqlq.Query{Filter: iq.Filter}, own)
	if err != nil {
		return "", nil, err
	}
	if c.Where != "" {
		scope += " AND (" + c.Where + ")"
		args = append(args, c.Args...)
	}
	arg := func(v any) string {
		args = append(args, v)
		return "$" + strconv.Itoa(len(args))
	}
	stamp := func(t time.Time) string { return t.UTC().Format(store.TimeLayout) }
	to, from := arg(stamp(o.To)), arg(stamp(o.From))
	var after, afterID string
	if o.AfterID != "" {
		after, afterID = arg(stamp(o.AfterStart)), arg(o.AfterID)
	}
	limit := ""
	if iq.Limit > 0 {
		limit = " LIMIT " + strconv.Itoa(iq.Limit)
	}
	branches := make([]string, 0, store.SpanClasses)
	for c := 1; c <= store.SpanClasses; c++ {
		lower := ""
		earliest, bounded := store.SpanEarliestStart(c, o.From)
		switch {
		case o.AfterID != "" && (!bounded || !o.AfterStart.Before(earliest)):
			lower = " AND (" + overlapStart + ", id) > (" + after + ", " + afterID + ")"
		case bounded:
			lower = " AND " + overlapStart + " >= " + arg(stamp(earliest))
		}
		branches = append(branches, `(SELECT `+itemFields+`, `+overlapStart+` AS ov_start FROM items WHERE `+scope+
			` AND `+spanClass+` = `+strconv.Itoa(c)+lower+` AND `+overlapStart+` < `+to+` AND `+overlapEnd+` > `+from+
			` ORDER BY `+overlapStart+`, id`+limit+`)`)
	}
	return `SELECT ` + itemFields + ` FROM (` + strings.Join(branches, " UNION ALL ") + `) AS ov ORDER BY ov_start, id` + limit, args, nil
}

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
