package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"sync"

	"graphgate/internal/store"
	"graphgate/internal/store/sqlstore"
)

// Bulk loads (store.BulkLoader): a generated tenant's million messages in
// one transaction, with the items' secondary indexes built once at the end
// instead of maintained row by row.
//
// What per-item loading cost, profiled (demo.Generate at scale 0.02):
// every INSERT of a message fires the text index's trigger, and FTS5 writes
// its pending terms to disk at every statement's savepoint, so each message
// became a segment of its own that merges then rewrote; the statement
// journal copied every page an INSERT touched first (a write system call
// each); and about fifteen indexes over json_extract expressions were
// updated at random places, more pages than the cache holds. A bulk load
//
//   - drops the items' indexes (keeping their SQL and their planner
//     statistics, sqlite_stat1, which DROP INDEX deletes and migration 0010
//     wrote by hand) and creates them again after the load, each from one
//     sorted pass over the table;
//   - drops the text index's insert trigger (migration 0011) and fills the
//     text index after the load, in two statements over the new messages
//     in the order they were inserted, so that their keys (items_text_keys.n)
//     are those the trigger would have given them;
//   - inserts bulkChunk rows per statement with INSERT OR ROLLBACK: a
//     statement that cannot fail half-way (no trigger, every constraint's
//     failure ends the whole transaction) needs no statement journal, which
//     otherwise copies the first change of every page a statement touches —
//     at scale 1, with the trigger, three in four of the load's writes
//     (strace: 25,658 writes to the journal's temporary file against 6,861
//     to the log in 8 s);
//   - runs on the write pool's connection with synchronous=OFF and a larger
//     page cache (bulkCacheKiB), put back when it ends.
//
// Everything happens in one transaction: a failure, a cancelled context or
// a crash leaves the database as it was (indexes and trigger included),
// never a half-built tenant; after a failed statement the load's Items
// refuses every call (OR ROLLBACK has ended the transaction, and a later
// statement would run on its own). The commit itself is not synced
// (synchronous=OFF); the checkpoint that follows runs with
// synchronous=FULL, which syncs the write-ahead log, copies it into the
// database file and syncs that, so the load is durable when BulkLoad
// returns. The write-ahead log grows to the size of what is loaded
// (gigabytes at scale 1) until that checkpoint truncates it.

// bulkChunk is the number of items one INSERT statement of a bulk load
// stores (nine parameters each, far below SQLite's 32,766): one call
// through database/sql and the driver for a thousand rows.
const bulkChunk = 1000

// bulkCacheKiB is the page cache of the bulk load's connection (the
// default is 2 MiB): memory stays bounded by it whatever the volume.
const bulkCacheKiB = 64 << 10

var (
	_ store.BulkLoader   = (*Store)(nil)
	_ store.SyncDeferrer = (*Store)(nil)
)

// DeferSync runs f with the write pool's connection at synchronous=NORMAL
// (store.SyncDeferrer): in WAL mode a commit then appends to the log
// without an fsync (measured here, an fsync is about 2 ms, most of the time
// of a small commit), and the checkpoint at the end, at synchronous=FULL
// again, syncs the log and the database. A power loss meanwhile may lose
// the last commits, not corrupt the file (the log's frames are
// checksummed), as for the logs' connection. The pool has one connection,
// so the setting applies to every write of the store while f runs; a
// connection the pool opens anew has the DSN's FULL.
func (s *Store) DeferSync(ctx context.Context, f func(ctx context.Context) error) (err error) {
	if _, err := s.w.ExecContext(ctx, `PRAGMA synchronous = `+syncNormal); err != nil {
		return fmt.Errorf("sqlite: %w", err)
	}
	defer func() {
		undo := context.WithoutCancel(ctx)
		if _, e := s.w.ExecContext(undo, `PRAGMA synchronous = `+syncFull); e != nil {
			err = errors.Join(err, fmt.Errorf("sqlite: %w", e))
			return
		}
		var busy, logged, done int
		if e := s.w.QueryRowContext(undo, `PRAGMA wal_checkpoint(TRUNCATE)`).Scan(&busy, &logged, &done); e != nil {
			err = errors.Join(err, fmt.Errorf("sqlite: %w", e))
		}
	}()
	return f(ctx)
}

// BulkLoad runs load in one write transaction with the items' indexes
// built after it (store.BulkLoader; see above).
func (s *Store) BulkLoad(ctx context.Context, load func(ctx context.Context, items store.Items) error) (err error) {
	defer func() {
		if err != nil {
			err = fmt.Errorf("sqlite: bulk load: %w", err)
		}
	}()
	conn, err := s.w.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	var cache int
	if err := conn.QueryRowContext(ctx, `PRAGMA cache_size`).Scan(&cache); err != nil {
		return err
	}
	if _, err := conn.ExecContext(ctx, fmt.Sprintf(`PRAGMA cache_size = %d`, -bulkCacheKiB)); err != nil {
		return err
	}
	if _, err := conn.ExecContext(ctx, `PRAGMA synchronous = OFF`); err != nil {
		return err
	}
	defer func() {
		// The connection goes back to the pool as the others are.
		undo := context.WithoutCancel(ctx)
		_, e1 := conn.ExecContext(undo, `PRAGMA synchronous = `+syncFull)
		_, e2 := conn.ExecContext(undo, fmt.Sprintf(`PRAGMA cache_size = %d`, cache))
		err = errors.Join(err, e1, e2)
	}()

	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	indexes, err := dropItemIndexes(ctx, tx)
	if err != nil {
		return err
	}
	text, err := dropTextTrigger(ctx, tx)
	if err != nil {
		return err
	}
	items := &bulkItems{s: s, tx: tx, stmts: map[int]*sql.Stmt{}}
	err = load(ctx, items)
	items.mu.Lock()
	items.done = true
	failed := items.failed
	items.mu.Unlock()
	if err == nil && failed != nil {
		err = failed // load went on after a failed call
	}
	if err != nil {
		return err
	}
	if err := text.fill(ctx, tx); err != nil {
		return err
	}
	if err := indexes.restore(ctx, tx); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return err
	}
	if _, err := conn.ExecContext(ctx, `PRAGMA synchronous = `+syncFull); err != nil {
		return err
	}
	// The checkpoint syncs the log, writes the load into the database file
	// and syncs it; TRUNCATE then empties the log. busy = 1 when a reader
	// kept it from completing; the next commit (at FULL again) syncs the
	// log then.
	var busy, logged, done int
	return conn.QueryRowContext(ctx, `PRAGMA wal_checkpoint(TRUNCATE)`).Scan(&busy, &logged, &done)
}

// itemIndexes are the items table's indexes a bulk load dropped: their
// SQL, in creation order, and their planner statistics.
type itemIndexes struct {
	names, sql []string
	stats      map[string]string
}

// dropItemIndexes drops every index of the items table but its primary
// key's (which the inserts need, to refuse a duplicate id), whatever
// migration created it.
func dropItemIndexes(ctx context.Context, tx *sql.Tx) (itemIndexes, error) {
	ix := itemIndexes{stats: map[string]string{}}
	rows, err := tx.QueryContext(ctx, `SELECT name, sql FROM sqlite_schema WHERE type = 'index' AND tbl_name = 'items' AND sql IS NOT NULL ORDER BY rowid`)
	if err != nil {
		return ix, err
	}
	for rows.Next() {
		var name, sql string
		if err := rows.Scan(&name, &sql); err != nil {
			rows.Close()
			return ix, err
		}
		ix.names, ix.sql = append(ix.names, name), append(ix.sql, sql)
	}
	if err := errors.Join(rows.Err(), rows.Close()); err != nil {
		return ix, err
	}
	rows, err = tx.QueryContext(ctx, `SELECT idx, stat FROM sqlite_stat1 WHERE tbl = 'items' AND idx IS NOT NULL`)
	if err != nil {
		return ix, err
	}
	for rows.Next() {
		var idx, stat string
		if err := rows.Scan(&idx, &stat); err != nil {
			rows.Close()
			return ix, err
		}
		ix.stats[idx] = stat
	}
	if err := errors.Join(rows.Err(), rows.Close()); err != nil {
		return ix, err
	}
	for _, name := range ix.names {
		if _, err := tx.ExecContext(ctx, `DROP INDEX `+quoteIdent(name)); err != nil {
			return ix, err
		}
	}
	return ix, nil
}

// restore creates the indexes again and puts their statistics back, then
// makes the connection reload them (as migration 0010 does).
func (ix itemIndexes) restore(ctx context.Context, tx *sql.Tx) error {
	for _, q := range ix.sql {
		if _, err := tx.ExecContext(ctx, q); err != nil {
			return err
		}
	}
	for _, name := range ix.names {
		stat, ok := ix.stats[name]
		if !ok {
			continue
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM sqlite_stat1 WHERE tbl = 'items' AND idx = ?`, name); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO sqlite_stat1 (tbl, idx, stat) VALUES ('items', ?, ?)`, name, stat); err != nil {
			return err
		}
	}
	_, err := tx.ExecContext(ctx, `ANALYZE sqlite_schema`)
	return err
}

// textTrigger is the text index's insert trigger a bulk load dropped, and
// where the text index stood: the items and the text keys before the load.
type textTrigger struct {
	sql            string
	lastRow, lastN int64
}

// textOf is the text migration 0011's triggers index for a message, the
// item's row named alias (TestBulkTextIsTheTriggers checks that the
// trigger's SQL holds the same expression).
func textOf(alias string) string {
	return fmt.Sprintf(`coalesce(json_extract(%[1]s.doc, '$.subject'), '') || char(10) || `+
		`coalesce(json_extract(%[1]s.doc, '$.body.content'), '') || char(10) || `+
		`coalesce(json_extract(%[1]s.doc, '$.from.emailAddress.address'), '') || char(10) || `+
		`coalesce(json_extract(%[1]s.doc, '$.from.emailAddress.name'), '')`, alias)
}

func dropTextTrigger(ctx context.Context, tx *sql.Tx) (textTrigger, error) {
	var t textTrigger
	if err := tx.QueryRowContext(ctx, `SELECT sql FROM sqlite_schema WHERE type = 'trigger' AND name = 'items_text_insert'`).Scan(&t.sql); err != nil {
		return t, fmt.Errorf("the text index's trigger: %w", err)
	}
	if err := tx.QueryRowContext(ctx, `SELECT coalesce(max(rowid), 0) FROM items`).Scan(&t.lastRow); err != nil {
		return t, err
	}
	if err := tx.QueryRowContext(ctx, `SELECT coalesce(max(n), 0) FROM items_text_keys`).Scan(&t.lastN); err != nil {
		return t, err
	}
	_, err := tx.ExecContext(ctx, `DROP TRIGGER items_text_insert`)
	return t, err
}

// fill indexes the messages the load inserted, as the trigger would have
// (keys in insertion order, then their text), and creates the trigger
// again.
func (t textTrigger) fill(ctx context.Context, tx *sql.Tx) error {
	if _, err := tx.ExecContext(ctx, `INSERT INTO items_text_keys (tenant_id, kind, id)
		SELECT tenant_id, kind, id FROM items WHERE rowid > ? AND kind = 'message' ORDER BY rowid`, t.lastRow); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO items_text (rowid, text)
		SELECT k.n, `+textOf("i")+` FROM items_text_keys AS k
		JOIN items AS i ON i.tenant_id = k.tenant_id AND i.kind = k.kind AND i.id = k.id
		WHERE k.n > ? ORDER BY k.n`, t.lastN); err != nil {
		return err
	}
	_, err := tx.ExecContext(ctx, t.sql)
	return err
}

// bulkItems is the Items of a BulkLoad: CreateItems inserts in the load's
// transaction, bulkChunk rows a statement; the other methods return
// store.ErrBulkOnlyCreates. Calls are serialized (a transaction is one
// connection); after BulkLoad returns every call fails.
type bulkItems struct {
	s    *Store
	tx   *sql.Tx
	mu   sync.Mutex
	done bool
	// failed is the first call's error: the transaction may be over (OR
	// ROLLBACK), so every later call returns it.
	failed error
	stmts  map[int]*sql.Stmt // INSERT statements by rows (closed with tx)
	args   []any
}

var errBulkDone = errors.New("sqlite: Items used after its BulkLoad returned")

// CreateItems stores the items as the store's CreateItems does (the same
// rows: sqlstore.ItemArgs). A failure fails the whole load, so that the
// contract's "all or none" holds for the call too.
func (b *bulkItems) CreateItems(ctx context.Context, items ...store.Item) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.done {
		return errBulkDone
	}
	if b.failed != nil {
		return b.failed
	}
	if err := b.create(ctx, items); err != nil {
		b.failed = err
		return err
	}
	return nil
}

func (b *bulkItems) create(ctx context.Context, items []store.Item) error {
	stamp := b.s.now()
	for len(items) > 0 {
		n := min(len(items), bulkChunk)
		st, err := b.stmt(ctx, n)
		if err != nil {
			return err
		}
		b.args = b.args[:0]
		for _, it := range items[:n] {
			a, err := b.s.ItemArgs(it, stamp)
			if err != nil {
				return err
			}
			b.args = append(b.args, a...)
		}
		if _, err := st.ExecContext(ctx, b.args...); err != nil {
			return err
		}
		items = items[n:]
	}
	clear(b.args)
	return nil
}

// stmt is the INSERT of n items, prepared once in the transaction.
func (b *bulkItems) stmt(ctx context.Context, n int) (*sql.Stmt, error) {
	if st, ok := b.stmts[n]; ok {
		return st, nil
	}
	i := strings.Index(sqlstore.InsertItem, " VALUES ")
	if i < 0 {
		return nil, fmt.Errorf("sqlite: unexpected item INSERT %q", sqlstore.InsertItem)
	}
	row := sqlstore.InsertItem[i+len(" VALUES "):]
	insert, ok := strings.CutPrefix(sqlstore.InsertItem[:i], "INSERT INTO ")
	if !ok {
		return nil, fmt.Errorf("sqlite: unexpected item INSERT %q", sqlstore.InsertItem)
	}
	st, err := b.tx.PrepareContext(ctx, "INSERT OR ROLLBACK INTO "+insert+" VALUES "+strings.TrimSuffix(strings.Repeat(row+", ", n), ", "))
	if err != nil {
		return nil, err
	}
	b.stmts[n] = st
	return st, nil
}

func (b *bulkItems) GetItem(context.Context, string, string, string) (store.Item, error) {
	return store.Item{}, store.ErrBulkOnlyCreates
}

func (b *bulkItems) UpdateItem(context.Context, string, string, string, int64, func(store.Item) (store.Item, error)) (store.Item, error) {
	return store.Item{}, store.ErrBulkOnlyCreates
}

func (b *bulkItems) DeleteItems(context.Context, string, string, ...string) (int, error) {
	return 0, store.ErrBulkOnlyCreates
}

func (b *bulkItems) QueryItems(context.Context, store.ItemQuery) ([]store.Item, int, error) {
	return nil, -1, store.ErrBulkOnlyCreates
}

func (b *bulkItems) Batch(context.Context, func(store.Items) error) error {
	return store.ErrBulkOnlyCreates
}
