package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"graphgate/internal/store"
	"graphgate/internal/store/sqlq"
)

// Items: Graph workload objects as JSON documents in the items table
// (store.Items), and their pushed-down queries: the caller's query IR
// rendered by store/sqlq after the store's own conditions, written once
// for both engines. What the engines do differently for them is the
// flavor's Queries.

// Queries is what item and directory queries do differently on an engine.
type Queries struct {
	// Dialect renders the query IR (sqlq.SQLite or sqlq.Postgres; the
	// Store writes its placeholders as '?' and numbers whole statements).
	Dialect sqlq.Dialect
	// InList is the condition that column col is one of a list bound as
	// one argument, List that argument: one placeholder however long the
	// list (SQLite limits parameters). A non-nil empty list matches
	// nothing.
	InList func(col string) string
	List   func([]string) any
	// PlusOwner writes the owner of a listing scoped by owner and parent
	// as +owner_id, which keeps a planner without statistics (SQLite's)
	// from choosing a mailbox index over the folder's; "" where the
	// planner has them (PostgreSQL, where + on text is an error).
	PlusOwner bool
	// LiteralLimits writes a listing's LIMIT and OFFSET into the statement
	// (PostgreSQL: as it always did, one statement per page size in pgx's
	// description cache); otherwise they are bound, so that one prepared
	// statement serves every page (SQLite's statement cache).
	LiteralLimits bool
	// ListingArgs come first in a listing's arguments: driver options, not
	// bound (PostgreSQL: pgx.QueryExecModeCacheDescribe, so that each
	// listing is planned with its values; see the backend's doc.go).
	ListingArgs []any
	// Text serves ItemQuery.Text from the engine's text index (nil: it is
	// ignored, Filter decides alone). It runs in the query's transaction.
	Text func(ctx context.Context, q Querier, iq store.ItemQuery, terms []string) (TextScope, error)
	// GroupDocument is the SQL of a group's document {"groupTypes": […]}
	// (store.GroupDocument) over its group_types column.
	GroupDocument string
	// SpanClass is the SQL of an item's indexed duration class
	// (store.SpanClasses; migration 0008).
	SpanClass string
	// SpanIndexes name, by kind, the span index an overlap query reads
	// (INDEXED BY), for a planner without statistics that would read a
	// continued range from a scope index instead; nil: none named.
	SpanIndexes map[string]string
	// RowValueSeek: the engine seeks an expression index with a row value
	// ((start, id) > (…), PostgreSQL); otherwise a continued overlap range
	// is read as two ranges (start = … AND id > …, and start > …).
	RowValueSeek bool
	// NestedBranches: an ordered, limited arm of a UNION ALL is written as
	// SELECT * FROM (…) (SQLite allows no ORDER BY in an arm); otherwise
	// parenthesised (PostgreSQL, which merges the ordered arms).
	NestedBranches bool
}

// TextScope is how an item query reads the candidates of ItemQuery.Text
// (Queries.Text).
type TextScope struct {
	// From replaces "items" in the FROM clause ("" keeps it), to name the
	// index the candidates are read by.
	From string
	// Cond narrows the items to the candidates ('?' placeholders, Args).
	Cond string
	Args []any
	// None: no item holds the text, so the query, whose Filter states the
	// same condition, matches nothing.
	None bool
}

func (s *Store) q() *Queries {
	if s.f.Queries == nil {
		panic("sqlstore: the flavor " + s.f.Name + " has no Queries")
	}
	return s.f.Queries
}

var _ store.Items = (*Store)(nil)

func (s *Store) CreateItems(ctx context.Context, items ...store.Item) error {
	if len(items) == 0 {
		return nil
	}
	return s.db.Write(ctx, func(tx *Tx) error { return s.createItems(ctx, tx, items, s.now()) })
}

func (s *Store) GetItem(ctx context.Context, tenantID, kind, id string) (store.Item, error) {
	var it store.Item
	err := s.db.ReadRow(ctx, func(r Row) (err error) {
		it, err = scanItem(r)
		return notFound(err, "%s %s in tenant %s", kind, id, tenantID)
	}, selectItem+`WHERE tenant_id = ? AND kind = ? AND id = ?`, tenantID, kind, id)
	return it, err
}

func (s *Store) UpdateItem(ctx context.Context, tenantID, kind, id string, ifVersion int64, f func(store.Item) (store.Item, error)) (store.Item, error) {
	var it store.Item
	err := s.db.Write(ctx, func(tx *Tx) (err error) {
		it, err = s.updateItem(ctx, tx, tenantID, kind, id, ifVersion, f, s.now())
		return err
	})
	return it, err
}

func (s *Store) DeleteItems(ctx context.Context, tenantID, kind string, ids ...string) (int, error) {
	if len(ids) == 0 {
		return 0, nil
	}
	return affected(s.db.ExecOne(ctx, s.deleteItems(), tenantID, kind, s.q().List(ids)))
}

// QueryItems runs the query, and the count when asked, in one read
// transaction (one snapshot), so the total agrees with the page.
func (s *Store) QueryItems(ctx context.Context, q store.ItemQuery) ([]store.Item, int, error) {
	var items []store.Item
	total := -1
	err := s.db.Read(ctx, func(tx *Tx) (err error) {
		items, total, err = s.queryItems(ctx, tx, q)
		return err
	})
	return items, total, err
}

// Batch runs f in one write transaction: f's Items (and every Items it
// passes on) run in that transaction, so its changes commit together, and
// f must not call the Store itself (SQLite's write pool has one
// connection; on PostgreSQL a Store method would run outside the
// transaction and could wait for a row it locked). Like an update
// closure, f is run again when the engine asks for a retry.
func (s *Store) Batch(ctx context.Context, f func(tx store.Items) error) error {
	return s.db.Write(ctx, func(tx *Tx) error {
		b := &batch{s: s, tx: tx}
		defer func() { b.mu.Lock(); b.done = true; b.mu.Unlock() }()
		return f(b)
	})
}

// batch is the Items of a Batch: every method runs in the batch's
// transaction, in a savepoint, so that a method that fails changes nothing
// and leaves the transaction usable (PostgreSQL aborts a transaction whose
// statement failed), as the contract's "a method either succeeds
// completely or changes nothing" asks; a nested Batch is a savepoint too.
// A transaction is one connection, so calls are serialized by mu.
type batch struct {
	s    *Store
	tx   *Tx
	mu   sync.Mutex
	done bool
}

var errBatchDone = errors.New("sqlstore: Items used after its Batch returned")

// do runs f in a savepoint of the batch's transaction. Savepoints nest,
// so the fixed name is fine.
func (b *batch) do(ctx context.Context, f func() error) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.done {
		return errBatchDone
	}
	if _, err := b.tx.Exec(ctx, `SAVEPOINT items`); err != nil {
		return err
	}
	if err := f(); err != nil {
		undo := context.WithoutCancel(ctx)
		if _, rbErr := b.tx.Exec(undo, `ROLLBACK TO SAVEPOINT items`); rbErr != nil {
			return errors.Join(err, rbErr)
		}
		if _, relErr := b.tx.Exec(undo, `RELEASE SAVEPOINT items`); relErr != nil {
			return errors.Join(err, relErr)
		}
		return err
	}
	_, err := b.tx.Exec(ctx, `RELEASE SAVEPOINT items`)
	return err
}

func (b *batch) CreateItems(ctx context.Context, items ...store.Item) error {
	if len(items) == 0 {
		return b.do(ctx, func() error { return nil })
	}
	return b.do(ctx, func() error { return b.s.createItems(ctx, b.tx, items, b.s.now()) })
}

func (b *batch) GetItem(ctx context.Context, tenantID, kind, id string) (it store.Item, err error) {
	err = b.do(ctx, func() (err error) {
		it, err = scanItem(b.tx.QueryRow(ctx, selectItem+`WHERE tenant_id = ? AND kind = ? AND id = ?`, tenantID, kind, id))
		return notFound(err, "%s %s in tenant %s", kind, id, tenantID)
	})
	return it, err
}

func (b *batch) UpdateItem(ctx context.Context, tenantID, kind, id string, ifVersion int64, f func(store.Item) (store.Item, error)) (it store.Item, err error) {
	err = b.do(ctx, func() (err error) {
		it, err = b.s.updateItem(ctx, b.tx, tenantID, kind, id, ifVersion, f, b.s.now())
		return err
	})
	return it, err
}

func (b *batch) DeleteItems(ctx context.Context, tenantID, kind string, ids ...string) (n int, err error) {
	if len(ids) == 0 {
		return 0, b.do(ctx, func() error { return nil })
	}
	err = b.do(ctx, func() (err error) {
		n, err = affected(b.tx.Exec(ctx, b.s.deleteItems(), tenantID, kind, b.s.q().List(ids)))
		return err
	})
	return n, err
}

func (b *batch) QueryItems(ctx context.Context, q store.ItemQuery) (items []store.Item, total int, err error) {
	total = -1
	err = b.do(ctx, func() (err error) {
		items, total, err = b.s.queryItems(ctx, b.tx, q)
		return err
	})
	return items, total, err
}

// Batch inside a batch runs f in a savepoint of the same transaction: an
// error from f undoes f's changes only, and is returned to the outer f.
// f gets a batch of its own, whose calls the outer batch's lock does not
// hold back.
func (b *batch) Batch(ctx context.Context, f func(tx store.Items) error) error {
	return b.do(ctx, func() error {
		inner := &batch{s: b.s, tx: b.tx}
		defer func() { inner.mu.Lock(); inner.done = true; inner.mu.Unlock() }()
		return f(inner)
	})
}

// The statements.

var itemColumns = []string{"tenant_id", "kind", "id", "owner_id", "parent_id", "doc", "version", "created_at", "modified_at"}

var (
	itemFields = strings.Join(itemColumns, ", ")
	insertItem = insertSQL("items", itemColumns)
	selectItem = `SELECT ` + itemFields + ` FROM items `
)

// SelectItem, ScanItem, InsertItem and ItemArgs are the items' statements
// and columns, for the backends' transfer (export and import) of a whole
// tenant: SELECT … FROM items (a WHERE clause follows), the scan of its
// row, and the INSERT of an item with ItemArgs' arguments.
var (
	SelectItem = selectItem
	InsertItem = insertItem
)

func ScanItem(sc scanner) (store.Item, error) { return scanItem(sc) }

// ItemArgs are InsertItem's arguments for it, as CreateItems stores it
// (Version as given, as the contract says, 0 as 1; zero times: stamp).
func (s *Store) ItemArgs(it store.Item, stamp time.Time) ([]any, error) {
	if it.TenantID == "" || it.Kind == "" || it.ID == "" {
		return nil, fmt.Errorf("%s: item %q of kind %q in tenant %q: tenant, kind and id are required", s.f.Name, it.ID, it.Kind, it.TenantID)
	}
	doc, err := s.docArg(it)
	if err != nil {
		return nil, err
	}
	if it.CreatedAt.IsZero() {
		it.CreatedAt = stamp
	}
	if it.ModifiedAt.IsZero() {
		it.ModifiedAt = it.CreatedAt
	}
	if it.Version == 0 {
		it.Version = 1
	}
	return []any{it.TenantID, it.Kind, it.ID, it.OwnerID, it.ParentID, doc, it.Version, s.f.Time(it.CreatedAt), s.f.Time(it.ModifiedAt)}, nil
}

func scanItem(sc scanner) (store.Item, error) {
	var it store.Item
	err := sc.Scan(&it.TenantID, &it.Kind, &it.ID, &it.OwnerID, &it.ParentID, (*[]byte)(&it.Doc), &it.Version,
		ts(&it.CreatedAt), ts(&it.ModifiedAt))
	return it, err
}

// docArg is an item's document as bound: refused unless it is JSON (a
// json.RawMessage, which SQLite's guard binds as TEXT and pgx as jsonb);
// an empty one is an empty object.
func (s *Store) docArg(it store.Item) (json.RawMessage, error) {
	if len(it.Doc) == 0 {
		return json.RawMessage("{}"), nil
	}
	if !json.Valid(it.Doc) {
		return nil, fmt.Errorf("%s: %s %s: document is not valid JSON", s.f.Name, it.Kind, it.ID)
	}
	return it.Doc, nil
}

// createItems inserts items in tx (see ItemArgs); the
// caller makes the whole call atomic (its transaction, or a savepoint).
func (s *Store) createItems(ctx context.Context, tx *Tx, items []store.Item, stamp time.Time) error {
	// One statement prepared for the call (a bulk load runs thousands),
	// the cached one when there is one, where the engine prepares
	// statements itself (database/sql's; pgx caches every statement it
	// runs per connection).
	var st *sql.Stmt
	if t, ok := tx.tx.(*sqlTx); ok && len(items) > 1 {
		p, done, err := t.prepareBatch(ctx, s.db.rebind(insertItem))
		if err != nil {
			return err
		}
		defer done()
		st = p
	}
	for _, it := range items {
		args, err := s.ItemArgs(it, stamp)
		if err != nil {
			return err
		}
		if st == nil {
			_, err = tx.Exec(ctx, insertItem, args...)
		} else if err = s.db.checkArgs(args); err == nil {
			_, err = st.ExecContext(ctx, args...)
		}
		if err != nil {
			return s.db.conflict(err, "%s %s in tenant %s", it.Kind, it.ID, it.TenantID)
		}
	}
	return nil
}

// updateItem locks the item (Flavor.ForUpdate), so that concurrent updates
// queue and each closure sees its predecessor's result; the etag check
// happens under the lock too. The closure may change the owner, the
// parent, the document and CreatedAt; the keys are kept, Version is
// incremented and ModifiedAt set to stamp. The result is the row as stored
// (RETURNING), so it is what a later read returns.
func (s *Store) updateItem(ctx context.Context, tx *Tx, tenantID, kind, id string, ifVersion int64, f func(store.Item) (store.Item, error), stamp time.Time) (store.Item, error) {
	old, err := scanItem(tx.QueryRow(ctx, selectItem+`WHERE tenant_id = ? AND kind = ? AND id = ?`+s.f.ForUpdate, tenantID, kind, id))
	if err != nil {
		return store.Item{}, notFound(err, "%s %s in tenant %s", kind, id, tenantID)
	}
	if ifVersion > 0 && old.Version != ifVersion {
		return store.Item{}, fmt.Errorf("%w: %s %s is at version %d, not %d", store.ErrPrecondition, kind, id, old.Version, ifVersion)
	}
	it, err := f(old)
	if err != nil {
		return store.Item{}, err
	}
	it.TenantID, it.Kind, it.ID = old.TenantID, old.Kind, old.ID
	doc, err := s.docArg(it)
	if err != nil {
		return store.Item{}, err
	}
	return scanItem(tx.QueryRow(ctx, `UPDATE items SET owner_id = ?, parent_id = ?, doc = ?, version = ?, created_at = ?, modified_at = ?
		WHERE tenant_id = ? AND kind = ? AND id = ? RETURNING `+itemFields,
		it.OwnerID, it.ParentID, doc, old.Version+1, s.f.Time(it.CreatedAt), s.f.Time(stamp), tenantID, kind, id))
}

func (s *Store) deleteItems() string {
	return `DELETE FROM items WHERE tenant_id = ? AND kind = ? AND ` + s.q().InList("id")
}

// queryItems runs itemStatements' statements in tx: the page, its keyset
// tail when the page is not full, and, with q.Count, the total (one
// snapshot, since tx is one transaction).
func (s *Store) queryItems(ctx context.Context, tx *Tx, q store.ItemQuery) ([]store.Item, int, error) {
	if q.TenantID == "" || q.Kind == "" {
		return nil, -1, fmt.Errorf("%s: QueryItems: TenantID and Kind are required", s.f.Name)
	}
	if q.Overlap != nil {
		page, args, err := s.OverlapStatement(q)
		if err != nil {
			return nil, -1, err
		}
		items, err := queryAll(ctx, tx, scanItem, page, args...)
		return items, -1, err
	}
	var text TextScope
	if terms := store.TextTerms(q); len(terms) > 0 && s.q().Text != nil {
		var err error
		if text, err = s.q().Text(ctx, tx, q, terms); err != nil {
			return nil, -1, err
		}
		if text.None {
			// No item holds the text: Filter, which requires it, matches
			// none.
			total := -1
			if q.Count {
				total = 0
			}
			return nil, total, nil
		}
	}
	// A folder's message count is its counter row (counts.go).
	fc, counted := countedFolder(q)
	counted = counted && q.Count
	if q.Omit != nil {
		// The page's keys first (every column but doc, so no document's
		// text is copied out), then the documents Omit asks for, by id.
		cols, scan := itemKeyColumns(q)
		st, err := s.itemStatements(q, text, cols)
		if err != nil {
			return nil, -1, err
		}
		items, total, err := runListing(ctx, tx, s.q(), scan, st, q.Limit, q.Count && !counted)
		if err != nil {
			return nil, -1, err
		}
		if err := s.readDocs(ctx, tx, q, items); err != nil {
			return nil, -1, err
		}
		if counted {
			total, err = countFolder(ctx, tx, q, fc, st)
		}
		return items, total, err
	}
	st, err := s.ItemStatements(q, text)
	if err != nil {
		return nil, -1, err
	}
	items, total, err := runListing(ctx, tx, s.q(), scanItem, st, q.Limit, q.Count && !counted)
	if err == nil && counted {
		total, err = countFolder(ctx, tx, q, fc, st)
	}
	return items, total, err
}

// countFolder is the count of a listing that countedFolder matched: its
// folder's counter, or its rows counted by st.Count when the counter
// cannot say (readFolderCount).
func countFolder(ctx context.Context, tx *Tx, q store.ItemQuery, fc folderCount, st Listing) (int, error) {
	n, ok, err := readFolderCount(ctx, tx, q, fc)
	if err != nil || ok {
		return n, err
	}
	err = tx.QueryRow(ctx, st.Count, st.CountArgs...).Scan(&n)
	return n, err
}

// itemKeyColumns are the columns a keyed listing of q reads, and their
// scan: every item field but the document, those q's scope fixes (the
// tenant, the kind, the owner or parent it names) taken from q rather
// than copied out of each row.
func itemKeyColumns(q store.ItemQuery) (string, func(scanner) (store.Item, error)) {
	cols := "id, version, created_at, modified_at"
	owner, parent := q.OwnerID == "", q.ParentID == ""
	if owner {
		cols += ", owner_id"
	}
	if parent {
		cols += ", parent_id"
	}
	return cols, func(sc scanner) (store.Item, error) {
		it := store.Item{TenantID: q.TenantID, Kind: q.Kind, OwnerID: q.OwnerID, ParentID: q.ParentID}
		dst := make([]any, 4, 6)
		dst[0], dst[1], dst[2], dst[3] = &it.ID, &it.Version, ts(&it.CreatedAt), ts(&it.ModifiedAt)
		if owner {
			dst = append(dst, &it.OwnerID)
		}
		if parent {
			dst = append(dst, &it.ParentID)
		}
		err := sc.Scan(dst...)
		return it, err
	}
}

// readDocs reads, in one statement by primary key, the documents of the
// items (read by their keys in tx) that q.Omit does not omit. tx is one
// snapshot, so each document is its item's version's; a row that is gone
// or at another version is an error, never a mix of two versions.
func (s *Store) readDocs(ctx context.Context, tx *Tx, q store.ItemQuery, items []store.Item) error {
	var ids []string
	read := make([]bool, len(items)) // Omit is asked once an item
	for i := range items {
		if read[i] = !q.Omit(i, items[i]); read[i] {
			ids = append(ids, items[i].ID)
		}
	}
	if len(ids) == 0 {
		return nil
	}
	kind, args := `kind = ?`, []any{q.TenantID, q.Kind, s.q().List(ids)}
	if plainKind().MatchString(q.Kind) {
		kind, args = `kind = '`+q.Kind+`'`, []any{q.TenantID, s.q().List(ids)}
	}
	rows, err := tx.Query(ctx, `SELECT id, version, doc FROM items WHERE tenant_id = ? AND `+kind+` AND `+s.q().InList("id"), args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	type stored struct {
		version int64
		doc     json.RawMessage
	}
	docs := make(map[string]stored, len(ids))
	for rows.Next() {
		var id string
		var r stored
		if err := rows.Scan(&id, &r.version, (*[]byte)(&r.doc)); err != nil {
			return err
		}
		docs[id] = r
	}
	if err := rows.Err(); err != nil {
		return err
	}
	for i := range items {
		if !read[i] {
			continue
		}
		r, ok := docs[items[i].ID]
		if !ok || r.version != items[i].Version {
			return fmt.Errorf("%s: QueryItems: %s %s changed within one snapshot", s.f.Name, q.Kind, items[i].ID)
		}
		items[i].Doc = r.doc
	}
	return nil
}

// Listing is the SQL of a pushed-down listing ('?' placeholders, as the
// DB takes them): the page, the count, and the keyset tail.
type Listing struct {
	// Page reads the page with PageArgs (the flavor's ListingArgs first).
	Page     string
	PageArgs []any
	// Count counts every match (no keyset, limit or offset) with
	// CountArgs.
	Count     string
	CountArgs []any
	// Tail reads the rows that follow a keyset page's range when it does
	// not fill the page (sqlq.Rendered.AfterTail; "" for none), with
	// TailArgs; runListing adds its limit.
	Tail     string
	TailArgs []any
}

// scope collects the store's own conditions of a listing and their
// arguments.
type scope struct {
	conds []string
	args  []any
}

func (w *scope) add(cond string, args ...any) {
	w.conds = append(w.conds, cond)
	w.args = append(w.args, args...)
}

// plainKind matches the kinds written into statements as literals, so
// that the per-kind partial indexes are proven usable when the statement
// is prepared: in a generic plan on PostgreSQL (a bound kind proves none
// of them), and on SQLite without re-preparing the statement at each run
// (a bound parameter a plan depends on expires the statement). Compiled
// on first use, not by every command's start (cmd/graphgate
// TestCLIInitIsLazy).
var plainKind = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[A-Za-z][A-Za-z0-9]*$`) })

// itemScope is the store's own conditions of an item query.
func (s *Store) itemScope(q store.ItemQuery, overlap bool) scope {
	var w scope
	w.add(`tenant_id = ?`, q.TenantID)
	if plainKind().MatchString(q.Kind) {
		w.add(`kind = '` + q.Kind + `'`)
	} else {
		w.add(`kind = ?`, q.Kind)
	}
	switch {
	case q.OwnerID != "" && q.ParentID != "" && s.q().PlusOwner:
		w.add(`+owner_id = ?`, q.OwnerID)
	case q.OwnerID != "":
		w.add(`owner_id = ?`, q.OwnerID)
	}
	if q.ParentID != "" {
		w.add(`parent_id = ?`, q.ParentID)
	}
	if q.ParentIDs != nil && !overlap {
		w.add(s.q().InList("parent_id"), s.q().List(q.ParentIDs))
	}
	return w
}

// itemTable is the items table as store/sqlq renders queries over it: the
// document doc and the columns a query IR may name.
var itemTable = sqlq.Table{Document: "doc", Columns: map[string]string{"id": "id", "created_at": "created_at", "modified_at": "modified_at"}}

// ItemStatements is the SQL of a (non-overlap) item query:
//
//	SELECT … FROM items WHERE tenant_id = ? AND kind = 'k' [AND owner_id = ?]
//	  [AND parent_id = ?] [AND parent_id IN (…)] [AND (text)] [AND (filter)]
//	  [AND (after)] ORDER BY order, id LIMIT … OFFSET …
//
// and SELECT count(*) with the same WHERE but the keyset condition. text
// narrows the items to the candidates of a text index (Queries.Text; the
// zero TextScope for none). It is exported for the backends' plan tests.
func (s *Store) ItemStatements(q store.ItemQuery, text TextScope) (Listing, error) {
	return s.itemStatements(q, text, selectItemColumns)
}

// itemStatements is ItemStatements reading columns.
func (s *Store) itemStatements(q store.ItemQuery, text TextScope, columns string) (Listing, error) {
	if q.TenantID == "" || q.Kind == "" {
		return Listing{}, fmt.Errorf("%s: QueryItems: TenantID and Kind are required", s.f.Name)
	}
	w := s.itemScope(q, false)
	if text.Cond != "" {
		w.add(text.Cond, text.Args...)
	}
	from := "items"
	if text.From != "" {
		from = text.From
	}
	return s.listing(from, columns, w, nil, itemTable, sqlq.Query{Filter: q.Filter, Order: q.Order, After: q.After}, q.Limit, q.Offset)
}

var selectItemColumns = itemFields

// listing writes the statements of a listing of table (items, users or
// groups; from may name an index) with columns: the store's conditions w,
// the caller's query IR rendered over t after them, id as the final sort
// key, limit and offset.
//
// With keys (the conditions that, with id, name one row of from: the
// directory's tenant_id) a page of limit > 0 sorts and cuts the matches'
// ids first and reads only the page's rows, by key:
//
//	SELECT … FROM table WHERE keys AND id IN (
//	  SELECT id FROM table WHERE … ORDER BY order, id LIMIT … OFFSET …
//	) ORDER BY order, id
//
// so that an engine which reads a range of an index that holds the
// filter's column and id (SQLite's migration 0019, PostgreSQL's INCLUDE)
// sorts index entries rather than whole rows: users starting with "a" at
// scale 1 are 13,748 rows read and sorted for a page of 100 otherwise.
func (s *Store) listing(from, columns string, w scope, keys *scope, t sqlq.Table, iq sqlq.Query, limit, offset int) (Listing, error) {
	qf := s.q()
	r, err := sqlq.Render(qf.Dialect.Positional(), t, iq, 0)
	if err != nil {
		return Listing{}, err
	}
	where := strings.Join(w.conds, " AND ")
	args := w.args[:len(w.args):len(w.args)]
	if r.Where != "" {
		where += " AND (" + r.Where + ")"
		args = append(args, r.Args...)
	}
	order := orderBy(r.OrderBy)
	pageWhere, pageArgs := where, args
	if r.After != "" {
		pageWhere += " AND (" + r.After + ")"
		pageArgs = append(pageArgs[:len(pageArgs):len(pageArgs)], r.AfterArgs...)
	}
	lead := qf.ListingArgs
	st := Listing{
		Page:      `SELECT ` + columns + ` FROM ` + from + ` WHERE ` + pageWhere + ` ORDER BY ` + order,
		PageArgs:  append(lead[:len(lead):len(lead)], pageArgs...),
		Count:     `SELECT count(*) FROM ` + from + ` WHERE ` + where,
		CountArgs: append(lead[:len(lead):len(lead)], args...),
	}
	byKey := keys != nil && limit > 0
	if byKey {
		st.Page = `SELECT id FROM ` + from + ` WHERE ` + pageWhere + ` ORDER BY ` + order
	}
	switch {
	case qf.LiteralLimits:
		if limit > 0 {
			st.Page += ` LIMIT ` + strconv.Itoa(limit)
		}
		if offset > 0 {
			st.Page += ` OFFSET ` + strconv.Itoa(offset)
		}
	default:
		st.Page += ` LIMIT ? OFFSET ?`
		st.PageArgs = append(st.PageArgs, s.f.Limit(limit), max(offset, 0))
	}
	if byKey {
		st.Page = `SELECT ` + columns + ` FROM ` + from + ` WHERE ` + strings.Join(keys.conds, " AND ") +
			` AND id IN (` + st.Page + `) ORDER BY ` + order
		// The keys' arguments precede the subquery's, after the lead.
		inner := st.PageArgs[len(lead):]
		st.PageArgs = append(append(lead[:len(lead):len(lead)], keys.args...), inner...)
	}
	if r.AfterTail != "" {
		st.Tail = `SELECT ` + columns + ` FROM ` + from + ` WHERE ` + where + ` AND (` + r.AfterTail + `) ORDER BY ` + order
		st.TailArgs = st.CountArgs
	}
	return st, nil
}

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

// endsWithID is compiled on first use (cmd/graphgate TestCLIInitIsLazy).
var endsWithID = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`(?i)(^|,)\s*id(\s+(ASC|DESC))?$`) })

// runListing runs a listing's statements in tx: the page, the tail when a
// keyset page is not full, and with count the total (else -1).
func runListing[T any](ctx context.Context, tx *Tx, qf *Queries, scan func(scanner) (T, error), st Listing, limit int, count bool) ([]T, int, error) {
	rows, err := queryAll(ctx, tx, scan, st.Page, st.PageArgs...)
	if err != nil {
		return nil, -1, err
	}
	if st.Tail != "" && (limit <= 0 || len(rows) < limit) {
		// The nulls that follow the keyset range (sqlq.After).
		tail, args := st.Tail, st.TailArgs
		switch {
		case limit > 0 && qf.LiteralLimits:
			tail += ` LIMIT ` + strconv.Itoa(limit-len(rows))
		case !qf.LiteralLimits:
			rest := -1
			if limit > 0 {
				rest = limit - len(rows)
			}
			tail += ` LIMIT ?`
			args = append(args[:len(args):len(args)], rest)
		}
		more, err := queryAll(ctx, tx, scan, tail, args...)
		if err != nil {
			return nil, -1, err
		}
		rows = append(rows, more...)
	}
	total := -1
	if count {
		if err := tx.QueryRow(ctx, st.Count, st.CountArgs...).Scan(&total); err != nil {
			return nil, -1, err
		}
	}
	return rows, total, nil
}

// Overlap queries (store.Overlap), served by the span indexes of migration
// 0008: one branch per duration class, each an index range read in start
// order from the earliest start its class allows, merged by a UNION ALL.

// OverlapStatement is
//
//	SELECT … FROM (
//	  (SELECT …, start AS ov_start FROM items WHERE <scope> AND span = 1
//	     AND start >= <From - 10 min> AND start < To AND end > From
//	     AND (filter) ORDER BY start, id LIMIT n)
//	  UNION ALL … (span = 2 … 8)
//	) AS ov ORDER BY ov_start, id LIMIT n
//
// A continued listing whose (AfterStart, AfterID) lies past a class's
// earliest start reads that class from there instead: (start, id) > (…)
// where the engine seeks an index with a row value (Queries.RowValueSeek),
// otherwise in two ranges, start = AfterStart AND id > AfterID (in id
// order) and start > AfterStart. It is exported for the backends' plan
// tests.
func (s *Store) OverlapStatement(q store.ItemQuery) (string, []any, error) {
	if q.TenantID == "" || q.Kind == "" {
		return "", nil, fmt.Errorf("%s: QueryItems: TenantID and Kind are required", s.f.Name)
	}
	if err := store.CheckOverlap(q); err != nil {
		return "", nil, err
	}
	qf := s.q()
	o := q.Overlap
	d := qf.Dialect.Positional()
	filter, err := sqlq.Render(d, itemTable, sqlq.Query{Filter: q.Filter}, 0)
	if err != nil {
		return "", nil, err
	}
	// The start as sorted and compared (a byte-order text expression: the
	// index's), and the end as compared.
	start, err := sqlq.OrderBy(d, itemTable, []store.Order{{Field: store.Doc("start/utc", store.TypeTime)}})
	if err != nil {
		return "", nil, err
	}
	start = strings.TrimSuffix(start, " ASC")
	end, err := sqlq.OrderBy(d, itemTable, []store.Order{{Field: store.Doc("end/utc", store.TypeTime)}})
	if err != nil {
		return "", nil, err
	}
	end = strings.TrimSuffix(end, " ASC")
	w := s.itemScope(q, true)
	scopeSQL := strings.Join(w.conds, " AND ")
	if filter.Where != "" {
		scopeSQL += " AND (" + filter.Where + ")"
	}
	stamp := func(t time.Time) string { return t.UTC().Format(store.TimeLayout) }
	table := "items"
	if ix, ok := qf.SpanIndexes[q.Kind]; ok {
		table += " INDEXED BY " + ix
	}
	var branches []string
	var args []any
	// branch adds one index range of class c: lower is the condition on
	// the start that opens it, order its ORDER BY.
	branch := func(c int, order, lower string, lowerArgs ...any) {
		var b strings.Builder
		b.WriteString(`SELECT ` + itemFields + `, ` + start + ` AS ov_start FROM ` + table + ` WHERE ` + scopeSQL)
		args = append(args, w.args...)
		args = append(args, filter.Args...)
		fmt.Fprintf(&b, ` AND %s = %d`, qf.SpanClass, c)
		if lower != "" {
			b.WriteString(` AND ` + lower)
			args = append(args, lowerArgs...)
		}
		b.WriteString(` AND ` + start + ` < ? AND ` + end + ` > ?`)
		args = append(args, stamp(o.To), stamp(o.From))
		b.WriteString(` ORDER BY ` + order)
		if q.Limit > 0 {
			b.WriteString(` LIMIT ` + strconv.Itoa(q.Limit))
		}
		if qf.NestedBranches {
			branches = append(branches, `SELECT * FROM (`+b.String()+`)`)
		} else {
			branches = append(branches, `(`+b.String()+`)`)
		}
	}
	byStart := start + ", id"
	for c := 1; c <= store.SpanClasses; c++ {
		earliest, bounded := store.SpanEarliestStart(c, o.From)
		switch {
		case o.AfterID != "" && (!bounded || !o.AfterStart.Before(earliest)) && qf.RowValueSeek:
			branch(c, byStart, `(`+start+`, id) > (?, ?)`, stamp(o.AfterStart), o.AfterID)
		case o.AfterID != "" && (!bounded || !o.AfterStart.Before(earliest)):
			branch(c, "id", start+` = ? AND id > ?`, stamp(o.AfterStart), o.AfterID)
			branch(c, byStart, start+` > ?`, stamp(o.AfterStart))
		case bounded:
			branch(c, byStart, start+` >= ?`, stamp(earliest))
		default:
			branch(c, byStart, "")
		}
	}
	page := `SELECT ` + itemFields + ` FROM (` + strings.Join(branches, " UNION ALL ") + `) AS ov ORDER BY ov_start, id`
	if q.Limit > 0 {
		page += ` LIMIT ` + strconv.Itoa(q.Limit)
	}
	return page, args, nil
}
