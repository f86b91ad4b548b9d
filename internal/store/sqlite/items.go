package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"sync"
	"time"

	"graphgate/internal/store"
	"graphgate/internal/store/sqlq"
)

// Items: workload objects as JSON documents in the items table, queried with
// the caller's query IR over doc, rendered by store/sqlq (see doc.go).

var _ store.Items = (*Store)(nil)

func (s *Store) CreateItems(ctx context.Context, items ...store.Item) error {
	if len(items) == 0 {
		return nil
	}
	return s.write(ctx, func(tx *sql.Tx) error { return createItems(ctx, tx, items, s.now()) })
}

func (s *Store) GetItem(ctx context.Context, tenantID, kind, id string) (store.Item, error) {
	var it store.Item
	err := s.readRow(ctx, selectItem+`WHERE tenant_id = ? AND kind = ? AND id = ?`, func(r *sql.Row) (err error) {
		it, err = scanItem(r)
		return notFound(err, "%s %s in tenant %s", kind, id, tenantID)
	}, tenantID, kind, id)
	return it, err
}

func (s *Store) UpdateItem(ctx context.Context, tenantID, kind, id string, ifVersion int64, f func(store.Item) (store.Item, error)) (store.Item, error) {
	var it store.Item
	err := s.write(ctx, func(tx *sql.Tx) (err error) {
		it, err = updateItem(ctx, tx, tenantID, kind, id, ifVersion, f, s.now())
		return err
	})
	return it, err
}

func (s *Store) DeleteItems(ctx context.Context, tenantID, kind string, ids ...string) (int, error) {
	if len(ids) == 0 {
		return 0, nil
	}
	var n int
	err := s.write(ctx, func(tx *sql.Tx) (err error) {
		n, err = deleteItems(ctx, tx, tenantID, kind, ids)
		return err
	})
	return n, err
}

func (s *Store) QueryItems(ctx context.Context, q store.ItemQuery) ([]store.Item, int, error) {
	var items []store.Item
	total := -1
	err := s.read(ctx, func(tx *sql.Tx) (err error) {
		items, total, err = queryItems(ctx, tx, q)
		return err
	})
	return items, total, err
}

// Batch runs f in one write transaction: f's Items (and every Items it
// passes on) use that transaction's connection, so its changes commit
// together, and f must not call the Store itself (the write pool's only
// connection is f's). Like update closures, f is run again if SQLite
// reports the database busy.
func (s *Store) Batch(ctx context.Context, f func(tx store.Items) error) error {
	return s.write(ctx, func(tx *sql.Tx) error {
		b := &batch{tx: tx, now: s.now}
		defer func() { b.done = true }()
		return f(b)
	})
}

// batch is the Items of a Batch: every method runs in the batch's
// transaction. A method that fails changes nothing (a savepoint undoes its
// partial work), so f may handle the error and go on.
type batch struct {
	tx   *sql.Tx
	now  func() time.Time
	done bool
}

var errBatchDone = errors.New("sqlite: Items used after its Batch returned")

func (b *batch) CreateItems(ctx context.Context, items ...store.Item) error {
	if b.done {
		return errBatchDone
	}
	if len(items) == 0 {
		return nil
	}
	return savepoint(ctx, b.tx, func() error { return createItems(ctx, b.tx, items, b.now()) })
}

func (b *batch) GetItem(ctx context.Context, tenantID, kind, id string) (store.Item, error) {
	if b.done {
		return store.Item{}, errBatchDone
	}
	return getItem(ctx, b.tx, tenantID, kind, id)
}

func (b *batch) UpdateItem(ctx context.Context, tenantID, kind, id string, ifVersion int64, f func(store.Item) (store.Item, error)) (store.Item, error) {
	if b.done {
		return store.Item{}, errBatchDone
	}
	// One UPDATE statement, after the closure: nothing to undo on failure.
	return updateItem(ctx, b.tx, tenantID, kind, id, ifVersion, f, b.now())
}

func (b *batch) DeleteItems(ctx context.Context, tenantID, kind string, ids ...string) (int, error) {
	if b.done {
		return 0, errBatchDone
	}
	if len(ids) == 0 {
		return 0, nil
	}
	// One DELETE statement: atomic on its own.
	return deleteItems(ctx, b.tx, tenantID, kind, ids)
}

func (b *batch) QueryItems(ctx context.Context, q store.ItemQuery) ([]store.Item, int, error) {
	if b.done {
		return nil, -1, errBatchDone
	}
	return queryItems(ctx, b.tx, q)
}

// Batch inside a batch runs f in a savepoint of the same transaction: an
// error from f undoes f's changes only, and is returned to the outer f.
func (b *batch) Batch(ctx context.Context, f func(tx store.Items) error) error {
	if b.done {
		return errBatchDone
	}
	return savepoint(ctx, b.tx, func() error { return f(b) })
}

// savepoint runs f inside a savepoint of tx and undoes f's changes if it
// fails. Savepoints nest, so the fixed name is fine.
func savepoint(ctx context.Context, tx *sql.Tx, f func() error) error {
	if _, err := tx.ExecContext(ctx, `SAVEPOINT items`); err != nil {
		return err
	}
	if err := f(); err != nil {
		if _, rbErr := tx.ExecContext(ctx, `ROLLBACK TO items`); rbErr != nil {
			return errors.Join(err, rbErr)
		}
		if _, relErr := tx.ExecContext(ctx, `RELEASE items`); relErr != nil {
			return errors.Join(err, relErr)
		}
		return err
	}
	_, err := tx.ExecContext(ctx, `RELEASE items`)
	return err
}

// Statements shared by the Store and batches.

var itemColumns = []string{"tenant_id", "kind", "id", "owner_id", "parent_id", "doc", "version", "created_at", "modified_at"}

var insertItem = insertSQL("items", itemColumns)

const selectItem = `SELECT tenant_id, kind, id, owner_id, parent_id, doc, version, created_at, modified_at FROM items `

func scanItem(sc scanner) (store.Item, error) {
	var it store.Item
	err := sc.Scan(&it.TenantID, &it.Kind, &it.ID, &it.OwnerID, &it.ParentID, (*[]byte)(&it.Doc), &it.Version,
		ts(&it.CreatedAt), ts(&it.ModifiedAt))
	return it, err
}

// docArg checks an item's document. It stays a json.RawMessage, which the
// guard checks for a NUL character and binds as TEXT (guard.go).
func docArg(it store.Item) (json.RawMessage, error) {
	if !json.Valid(it.Doc) {
		return nil, fmt.Errorf("sqlite: %s %s: document is not valid JSON", it.Kind, it.ID)
	}
	return it.Doc, nil
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

// createItems inserts items in tx; the caller makes the whole call atomic
// (its own transaction, or a savepoint in a batch).
func createItems(ctx context.Context, tx *sql.Tx, items []store.Item, stamp time.Time) error {
	stmt, err := tx.PrepareContext(ctx, insertItem)
	if err != nil {
		return err
	}
	defer stmt.Close()
	for _, it := range items {
		if it.TenantID == "" || it.Kind == "" || it.ID == "" {
			return fmt.Errorf("sqlite: item %q of kind %q in tenant %q: tenant, kind and id are required", it.ID, it.Kind, it.TenantID)
		}
		doc, err := docArg(it)
		if err != nil {
			return err
		}
		if it.Version == 0 {
			it.Version = 1
		}
		if it.CreatedAt.IsZero() {
			it.CreatedAt = stamp
		}
		if it.ModifiedAt.IsZero() {
			it.ModifiedAt = it.CreatedAt
		}
		_, err = stmt.ExecContext(ctx, it.TenantID, it.Kind, it.ID, it.OwnerID, it.ParentID, doc, it.Version,
			millis(it.CreatedAt), millis(it.ModifiedAt))
		if err != nil {
			return conflict(err, "%s %s in tenant %s", it.Kind, it.ID, it.TenantID)
		}
	}
	return nil
}

func getItem(ctx context.Context, tx *sql.Tx, tenantID, kind, id string) (store.Item, error) {
	it, err := scanItem(tx.QueryRowContext(ctx, selectItem+`WHERE tenant_id = ? AND kind = ? AND id = ?`, tenantID, kind, id))
	return it, notFound(err, "%s %s in tenant %s", kind, id, tenantID)
}

func updateItem(ctx context.Context, tx *sql.Tx, tenantID, kind, id string, ifVersion int64, f func(store.Item) (store.Item, error), stamp time.Time) (store.Item, error) {
	old, err := getItem(ctx, tx, tenantID, kind, id)
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
	it.TenantID, it.Kind, it.ID = old.TenantID, old.Kind, old.ID
	it.Version = old.Version + 1
	it.ModifiedAt = stamp
	doc, err := docArg(it)
	if err != nil {
		return store.Item{}, err
	}
	_, err = tx.ExecContext(ctx, `UPDATE items SET owner_id = ?, parent_id = ?, doc = ?, version = ?, created_at = ?, modified_at = ?
		WHERE tenant_id = ? AND kind = ? AND id = ?`,
		it.OwnerID, it.ParentID, doc, it.Version, millis(it.CreatedAt), millis(it.ModifiedAt), tenantID, kind, id)
	if err != nil {
		return store.Item{}, err
	}
	// Return what a read returns: the stored document and times.
	it.Doc = json.RawMessage(doc)
	it.CreatedAt = it.CreatedAt.UTC().Truncate(time.Millisecond)
	return it, nil
}

func deleteItems(ctx context.Context, tx *sql.Tx, tenantID, kind string, ids []string) (int, error) {
	res, err := tx.ExecContext(ctx, `DELETE FROM items WHERE tenant_id = ? AND kind = ? AND id IN (SELECT value FROM json_each(?))`,
		tenantID, kind, list(ids))
	if err != nil {
		return 0, err
	}
	n, err := res.RowsAffected()
	return int(n), err
}

// queryItems runs itemsSQL's statements in tx: the page and, with q.Count,
// the total (one snapshot, since tx is one transaction).
func queryItems(ctx context.Context, tx *sql.Tx, q store.ItemQuery) ([]store.Item, int, error) {
	if q.Overlap != nil {
		page, args, err := overlapSQL(q)
		if err != nil {
			return nil, -1, err
		}
		items, err := queryAll(ctx, tx, scanItem, page, args...)
		return items, -1, err
	}
	match, none, err := textCandidates(ctx, tx, q)
	if err != nil {
		return nil, -1, err
	}
	if none {
		// No item holds the text: Where, which requires it, matches none.
		total := -1
		if q.Count {
			total = 0
		}
		return nil, total, nil
	}
	st, err := itemsSQLText(q, match)
	if err != nil {
		return nil, -1, err
	}
	items, err := queryAll(ctx, tx, scanItem, st.page, st.pageArgs...)
	if err != nil {
		return nil, -1, err
	}
	if st.tail != "" && (q.Limit <= 0 || len(items) < q.Limit) {
		rest := -1
		if q.Limit > 0 {
			rest = q.Limit - len(items)
		}
		more, err := queryAll(ctx, tx, scanItem, st.tail, append(st.tailArgs[:len(st.tailArgs):len(st.tailArgs)], rest)...)
		if err != nil {
			return nil, -1, err
		}
		items = append(items, more...)
	}
	total := -1
	if q.Count {
		if err := tx.QueryRowContext(ctx, st.count, st.countArgs...).Scan(&total); err != nil {
			return nil, -1, err
		}
	}
	return items, total, nil
}

// textCandidatesMax is the most candidates an ItemQuery.Text is read from
// the text index for: a string that more items hold is found sooner by
// reading the items in the query's order (a page of a common word is in
// its first few hundred items), and reading all its candidates and sorting
// them would cost more.
const textCandidatesMax = 2000

// textCandidates decides how q.Text is served (store.ItemQuery.Text): by
// the text index (migration 0011), returning the FTS5 query for
// itemsSQLText, when its strings are held by fewer than textCandidatesMax
// items; not at all ("") otherwise. none reports that no item holds them:
// the query's Where, which states the same condition, matches nothing.
func textCandidates(ctx context.Context, tx *sql.Tx, q store.ItemQuery) (match string, none bool, err error) {
	terms := store.TextTerms(q)
	if len(terms) == 0 {
		return "", false, nil
	}
	phrases := make([]string, len(terms))
	for i, t := range terms {
		// A phrase of the trigram tokenizer: the string as a substring,
		// case-insensitively; a double quote is written twice.
		phrases[i] = `"` + strings.ReplaceAll(t, `"`, `""`) + `"`
	}
	match = strings.Join(phrases, " AND ")
	var n int
	err = tx.QueryRowContext(ctx, `SELECT count(*) FROM (SELECT 1 FROM items_text WHERE items_text MATCH ? LIMIT ?)`,
		match, textCandidatesMax).Scan(&n)
	switch {
	case err != nil:
		return "", false, err
	case n == 0:
		return "", true, nil
	case n >= textCandidatesMax:
		return "", false, nil
	}
	return match, false, nil
}

// itemsStatements are the SQL of an ItemQuery.
type itemsStatements struct {
	page, count         string
	pageArgs, countArgs []any
	// tail reads the rows that follow a keyset page's range when it does
	// not fill the page (sqlq.Rendered.AfterTail; "" for none), with
	// tailArgs and then its limit.
	tail     string
	tailArgs []any
}

// itemsSQL builds
//
//	SELECT … FROM items WHERE tenant_id = ? AND kind = ? [AND [+]owner_id = ?]
//	  [AND parent_id = ?] [AND parent_id IN (…)] [AND (filter)] [AND (after)]
//	  ORDER BY q.OrderBy, id LIMIT ? OFFSET ?
//
// and SELECT count(*) FROM items with the same WHERE. The caller's
// rendered conditions follow the backend's, and so do their arguments.
func itemsSQL(q store.ItemQuery) (itemsStatements, error) { return itemsSQLText(q, "") }

// itemsSQLText is itemsSQL reading the candidates of a text match (an
// FTS5 query of textCandidates; "" for none) by primary key:
//
//	SELECT … FROM items INDEXED BY sqlite_autoindex_items_1 WHERE tenant_id = ? AND kind = ?
//	  AND id IN (SELECT k.id FROM items_text JOIN items_text_keys AS k ON k.n = items_text.rowid
//	             WHERE items_text MATCH ? AND k.tenant_id = ? AND k.kind = ?) AND …
//
// The index is named: the candidates are few (textCandidates), and the
// planner, which cannot know it, would otherwise read the scope in order
// and test each item.
func itemsSQLText(q store.ItemQuery, match string) (itemsStatements, error) {
	if q.TenantID == "" || q.Kind == "" {
		return itemsStatements{}, errors.New("sqlite: QueryItems: TenantID and Kind are required")
	}
	from := `FROM items `
	var where strings.Builder
	// kind is bound like the rest: SQLite still proves the per-kind
	// partial indexes (WHERE kind = 'message') usable, from the bound value
	// (a statement whose plan depends on it is re-prepared when bound).
	where.WriteString(`WHERE tenant_id = ? AND kind = ?`)
	args := []any{q.TenantID, q.Kind}
	if match != "" {
		from = `FROM items INDEXED BY sqlite_autoindex_items_1 `
		where.WriteString(` AND id IN (SELECT k.id FROM items_text JOIN items_text_keys AS k ON k.n = items_text.rowid
			WHERE items_text MATCH ? AND k.tenant_id = ? AND k.kind = ?)`)
		args = append(args, match, q.TenantID, q.Kind)
	}
	switch {
	case q.OwnerID != "" && q.ParentID != "":
		// The parent narrows far more than the owner: the unary + keeps
		// the planner, which has no statistics, from choosing a mailbox
		// index over the folder's (owner_id stays a filter).
		where.WriteString(` AND +owner_id = ?`)
		args = append(args, q.OwnerID)
	case q.OwnerID != "":
		where.WriteString(` AND owner_id = ?`)
		args = append(args, q.OwnerID)
	}
	if q.ParentID != "" {
		where.WriteString(` AND parent_id = ?`)
		args = append(args, q.ParentID)
	}
	if q.ParentIDs != nil {
		// One parameter however many parents (SQLite limits parameters).
		where.WriteString(` AND parent_id IN (SELECT value FROM json_each(?))`)
		args = append(args, list(q.ParentIDs))
	}
	r, err := sqlq.Render(sqlq.SQLite, itemTable, sqlq.Query{Filter: q.Filter, Order: q.Order, After: q.After}, 0)
	if err != nil {
		return itemsStatements{}, err
	}
	if r.Where != "" {
		where.WriteString(` AND (` + r.Where + `)`)
		args = append(args, r.Args...)
	}
	page, pageArgs := where.String(), args[:len(args):len(args)]
	if r.After != "" {
		page += ` AND (` + r.After + `)`
		pageArgs = append(pageArgs, r.AfterArgs...)
	}
	sel := strings.Replace(selectItem, `FROM items `, from, 1)
	st := itemsStatements{
		page:      sel + page + ` ORDER BY ` + orderBy(r.OrderBy) + ` LIMIT ? OFFSET ?`,
		pageArgs:  append(pageArgs, limitArg(q.Limit), max(q.Offset, 0)),
		count:     `SELECT count(*) ` + from + where.String(),
		countArgs: args,
	}
	if r.AfterTail != "" {
		st.tail = sel + where.String() + ` AND (` + r.AfterTail + `) ORDER BY ` + orderBy(r.OrderBy) + ` LIMIT ?`
		st.tailArgs = args
	}
	return st, nil
}

// itemTable is the items table as store/sqlq renders queries over it: the
// document doc and the columns a query IR may name.
var itemTable = sqlq.Table{Document: "doc", Columns: map[string]string{"id": "id", "created_at": "created_at", "modified_at": "modified_at"}}

// orderBy is the caller's ORDER BY list (sqlq.OrderBy) followed by id,
// the final tie-breaker.
func orderBy(callers string) string {
	switch {
	case callers == "":
		return "id"
	case endsWithID().MatchString(callers):
		// Already broken by id (an ordering by the id column); a second
		// id would cost SQLite a sort for the last term.
		return callers
	}
	return callers + ", id"
}

// endsWithID is compiled on first use, not by every command's start
// (cmd/graphgate TestCLIInitIsLazy).
var endsWithID = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`(?i)(^|,)\s*id(\s+(ASC|DESC))?$`) })

// Overlap queries (store.Overlap), served by the span indexes of migration
// 0008: one branch per duration class, each an index range read in start
// order from the earliest start its class allows, merged by a UNION ALL.

// spanClass is the duration class of an item (store.SpanClasses): the
// generated column of migration 0008.
const spanClass = "span_class"

const (
	overlapStart = "json_extract(doc, '$.start.utc')"
	overlapEnd   = "json_extract(doc, '$.end.utc')"
)

// plainKind matches the kinds an overlap query writes as a literal, so
// that SQLite proves the per-kind partial index usable at prepare time.
var plainKind = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[A-Za-z][A-Za-z0-9]*$`) })

// spanIndexes are the span indexes of migration 0008 by kind. Overlap
// queries name theirs (INDEXED BY): without statistics, SQLite's planner
// prefers a scope index for the continued range of a page (start = ? AND
// id > ?), which would read the whole calendar and sort it.
var spanIndexes = map[string]string{"event": "items_events_by_span", "eventException": "items_exceptions_by_span"}

// overlapSQL builds
//
//	SELECT … FROM (
//	  SELECT * FROM (SELECT …, start AS ov_start FROM items WHERE <scope>
//	    AND span = 1 AND start >= <From - 10 min> AND start < To AND end > From
//	    ORDER BY start, id LIMIT n)
//	  UNION ALL … (span = 2 … 8)
//	) ORDER BY ov_start, id LIMIT n
//
// A continued listing whose (AfterStart, AfterID) lies past a class's
// earliest start reads that class in two ranges instead: start =
// AfterStart AND id > AfterID (in id order), and start > AfterStart.
// (SQLite does not seek an expression index with a row value, so (start,
// id) > (…) would read the class from its beginning.)
func overlapSQL(q store.ItemQuery) (string, []any, error) {
	if q.TenantID == "" || q.Kind == "" {
		return "", nil, errors.New("sqlite: QueryItems: TenantID and Kind are required")
	}
	if err := store.CheckOverlap(q); err != nil {
		return "", nil, err
	}
	o := q.Overlap
	caller, err := sqlq.Render(sqlq.SQLite, itemTable, sqlq.Query{Filter: q.Filter}, 0)
	if err != nil {
		return "", nil, err
	}
	stamp := func(t time.Time) string { return t.UTC().Format(store.TimeLayout) }
	var scope strings.Builder
	var scopeArgs []any
	scope.WriteString(`tenant_id = ?`)
	scopeArgs = append(scopeArgs, q.TenantID)
	if plainKind().MatchString(q.Kind) {
		scope.WriteString(` AND kind = '` + q.Kind + `'`)
	} else {
		scope.WriteString(` AND kind = ?`)
		scopeArgs = append(scopeArgs, q.Kind)
	}
	switch {
	case q.OwnerID != "" && q.ParentID != "":
		scope.WriteString(` AND +owner_id = ?`)
		scopeArgs = append(scopeArgs, q.OwnerID)
	case q.OwnerID != "":
		scope.WriteString(` AND owner_id = ?`)
		scopeArgs = append(scopeArgs, q.OwnerID)
	}
	if q.ParentID != "" {
		scope.WriteString(` AND parent_id = ?`)
		scopeArgs = append(scopeArgs, q.ParentID)
	}
	cols := strings.Join(itemColumns, ", ")
	var branches []string
	var args []any
	table := "items"
	if ix, ok := spanIndexes[q.Kind]; ok {
		table += " INDEXED BY " + ix
	}
	// branch adds one index range of class c: lower is the condition on
	// the start that opens it, order its ORDER BY.
	branch := func(c int, order, lower string, lowerArgs ...any) {
		var b strings.Builder
		b.WriteString(`SELECT * FROM (SELECT ` + cols + `, ` + overlapStart + ` AS ov_start FROM ` + table + ` WHERE ` + scope.String())
		args = append(args, scopeArgs...)
		fmt.Fprintf(&b, ` AND %s = %d`, spanClass, c)
		if lower != "" {
			b.WriteString(` AND ` + lower)
			args = append(args, lowerArgs...)
		}
		b.WriteString(` AND ` + overlapStart + ` < ? AND ` + overlapEnd + ` > ?`)
		args = append(args, stamp(o.To), stamp(o.From))
		if caller.Where != "" {
			b.WriteString(` AND (` + caller.Where + `)`)
			args = append(args, caller.Args...)
		}
		b.WriteString(` ORDER BY ` + order)
		if q.Limit > 0 {
			b.WriteString(` LIMIT ?`)
			args = append(args, q.Limit)
		}
		b.WriteString(`)`)
		branches = append(branches, b.String())
	}
	byStart := overlapStart + ", id"
	for c := 1; c <= store.SpanClasses; c++ {
		earliest, bounded := store.SpanEarliestStart(c, o.From)
		switch {
		case o.AfterID != "" && (!bounded || !o.AfterStart.Before(earliest)):
			branch(c, "id", overlapStart+` = ? AND id > ?`, stamp(o.AfterStart), o.AfterID)
			branch(c, byStart, overlapStart+` > ?`, stamp(o.AfterStart))
		case bounded:
			branch(c, byStart, overlapStart+` >= ?`, stamp(earliest))
		default:
			branch(c, byStart, "")
		}
	}
	page := `SELECT ` + cols + ` FROM (` + strings.Join(branches, " UNION ALL ") + `) ORDER BY ov_start, id`
	if q.Limit > 0 {
		page += ` LIMIT ?`
		args = append(args, q.Limit)
	}
	return page, args, nil
}
