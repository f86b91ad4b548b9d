package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"

	"graphgate/internal/store"
)

// ErrRetry asks DB.Write to run the transaction again: a closure returns
// it when an insert lost a race to a concurrent transaction that created
// the same row, so that the next attempt finds and locks that row.
var ErrRetry = errors.New("sqlstore: lost an insert race")

// DB runs the shared statements on a backend's connection pools: writes on
// the write pool (for SQLite its one connection), single-statement reads
// and read transactions on the read pool (for PostgreSQL the same pool).
type DB struct {
	f    *Flavor
	w, r *sql.DB
	// l is the logs' write pool (see LogWrite).
	l         *sql.DB
	writeOpts *sql.TxOptions
	readOpts  *sql.TxOptions
	// wstmts, rstmts and lstmts are the prepared statements of each pool,
	// when the flavor prepares (nil otherwise).
	wstmts, rstmts, lstmts *stmtCache
}

// Pools are a backend's connection pools and the options of its
// transactions.
type Pools struct {
	// Write runs every write; Read single-statement reads and read
	// transactions (nil: Write); Log the decision and sign-in logs' writes
	// (nil: Write; SQLite's is a connection with synchronous=NORMAL).
	Write, Read, Log *sql.DB
	// WriteTx and ReadTx are the options of write and read transactions
	// (nil: the driver's defaults).
	WriteTx, ReadTx *sql.TxOptions
}

// stmtCacheSize bounds each pool's prepared statements. The shared layer
// runs a few dozen distinct statements; the bound keeps a caller that
// builds statements from data (it should not) from growing the cache.
const stmtCacheSize = 256

// NewDB returns a DB over p. It does not take ownership of the pools:
// Close closes only its prepared statements.
func NewDB(f *Flavor, p Pools) *DB {
	if p.Read == nil {
		p.Read = p.Write
	}
	if p.Log == nil {
		p.Log = p.Write
	}
	db := &DB{f: f, w: p.Write, r: p.Read, l: p.Log, writeOpts: p.WriteTx, readOpts: p.ReadTx}
	if f.PrepareStatements {
		db.wstmts = newStmtCache(p.Write, stmtCacheSize)
		db.rstmts = newStmtCache(p.Read, stmtCacheSize)
		db.lstmts = db.wstmts
		if p.Log != p.Write {
			db.lstmts = newStmtCache(p.Log, stmtCacheSize)
		}
	}
	return db
}

// Flavor returns the DB's flavor.
func (db *DB) Flavor() *Flavor { return db.f }

// Close closes the prepared statements (not the pools).
func (db *DB) Close() error {
	if db.wstmts != nil {
		db.wstmts.close()
		db.rstmts.close()
		if db.lstmts != db.wstmts {
			db.lstmts.close()
		}
	}
	return nil
}

// Querier is what statements run on: a transaction, or a pool outside
// one. Statements are written with '?' placeholders; every argument passes
// store.CheckArg before it is bound (ErrInvalidText for a NUL character).
type Querier interface {
	Exec(ctx context.Context, query string, args ...any) (sql.Result, error)
	Query(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRow(ctx context.Context, query string, args ...any) Row
}

// Row is a single-row result (a *sql.Row, or a failed argument check).
type Row interface{ Scan(dest ...any) error }

// errRow is a row whose Scan fails with err.
type errRow struct{ err error }

func (r errRow) Scan(...any) error { return r.err }

func (db *DB) checkArgs(args []any) error {
	for i, a := range args {
		if err := store.CheckArg(a); err != nil {
			return fmt.Errorf("%s: argument %d: %w", db.f.Name, i+1, err)
		}
	}
	return nil
}

// Tx is a transaction of the DB.
type Tx struct {
	db    *DB
	tx    *sql.Tx
	stmts *stmtCache
	// missed are the statements that ran unprepared (see stmt).
	missed []string
}

var _ Querier = (*Tx)(nil)

// stmt returns query prepared on the pool, for this transaction
// (Tx.StmtContext reuses it when the transaction's connection prepared it
// before), or nil when it is not prepared yet: the statement then runs
// unprepared, and the transaction prepares it on the pool once it ended
// (preparing now could wait for a connection this transaction holds —
// SQLite's write pool has one).
func (t *Tx) stmt(ctx context.Context, query string) *sql.Stmt {
	if t.stmts == nil {
		return nil
	}
	if st, ok := t.stmts.lookup(query); ok {
		return t.tx.StmtContext(ctx, st)
	}
	t.missed = append(t.missed, query)
	return nil
}

func (t *Tx) Exec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	if err := t.db.checkArgs(args); err != nil {
		return nil, err
	}
	if st := t.stmt(ctx, query); st != nil {
		return st.ExecContext(ctx, args...)
	}
	return t.tx.ExecContext(ctx, t.db.f.Rebind(query), args...)
}

func (t *Tx) Query(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if err := t.db.checkArgs(args); err != nil {
		return nil, err
	}
	if st := t.stmt(ctx, query); st != nil {
		return st.QueryContext(ctx, args...)
	}
	return t.tx.QueryContext(ctx, t.db.f.Rebind(query), args...)
}

func (t *Tx) QueryRow(ctx context.Context, query string, args ...any) Row {
	if err := t.db.checkArgs(args); err != nil {
		return errRow{err}
	}
	if st := t.stmt(ctx, query); st != nil {
		return st.QueryRowContext(ctx, args...)
	}
	return t.tx.QueryRowContext(ctx, t.db.f.Rebind(query), args...)
}

// pool is a pool outside a transaction: each statement is its own
// (atomic) transaction.
type pool struct {
	db    *DB
	p     *sql.DB
	stmts *stmtCache
}

func (p pool) Exec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	if err := p.db.checkArgs(args); err != nil {
		return nil, err
	}
	if p.stmts != nil {
		st, err := p.stmts.get(ctx, p.db.f, query)
		if err != nil {
			return nil, err
		}
		return st.ExecContext(ctx, args...)
	}
	return p.p.ExecContext(ctx, p.db.f.Rebind(query), args...)
}

func (p pool) Query(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if err := p.db.checkArgs(args); err != nil {
		return nil, err
	}
	if p.stmts != nil {
		st, err := p.stmts.get(ctx, p.db.f, query)
		if err != nil {
			return nil, err
		}
		return st.QueryContext(ctx, args...)
	}
	return p.p.QueryContext(ctx, p.db.f.Rebind(query), args...)
}

func (p pool) QueryRow(ctx context.Context, query string, args ...any) Row {
	if err := p.db.checkArgs(args); err != nil {
		return errRow{err}
	}
	if p.stmts != nil {
		st, err := p.stmts.get(ctx, p.db.f, query)
		if err != nil {
			return errRow{err}
		}
		return st.QueryRowContext(ctx, args...)
	}
	return p.p.QueryRowContext(ctx, p.db.f.Rebind(query), args...)
}

// Write runs f in a write transaction and commits it if f returns nil. A
// transaction that fails with an error the flavor calls retryable, or
// ErrRetry, is rolled back and run again, f included, with jittered
// exponential back-off, at most Flavor.MaxAttempts times. f must
// therefore only touch the database through tx and must not call the
// store.
func (db *DB) Write(ctx context.Context, f func(tx *Tx) error) error {
	return db.retry(ctx, func() error { return db.inTx(ctx, db.w, db.writeOpts, db.wstmts, f) })
}

// LogWrite runs f in a write transaction of the decision or sign-in log:
// on the logs' pool, with the flavor's LogTx statement first, so that its
// commit keeps the logs' promise (they survive a crash of graphgate, and
// may lose their last moments on a crash of the machine) rather than
// tenant data's. It retries like Write. Nothing but the logs may use it.
func (db *DB) LogWrite(ctx context.Context, f func(tx *Tx) error) error {
	return db.retry(ctx, func() error {
		return db.inTx(ctx, db.l, db.writeOpts, db.lstmts, func(tx *Tx) error {
			if db.f.LogTx != "" {
				if _, err := tx.tx.ExecContext(ctx, db.f.LogTx); err != nil {
					return err
				}
			}
			return f(tx)
		})
	})
}

// Read runs f in a read transaction on the read pool: one snapshot for
// every statement f runs. It retries like Write.
func (db *DB) Read(ctx context.Context, f func(tx *Tx) error) error {
	return db.retry(ctx, func() error { return db.inTx(ctx, db.r, db.readOpts, db.rstmts, f) })
}

// ExecOne runs one write statement outside an explicit transaction (the
// statement is atomic by itself), retried like Write.
func (db *DB) ExecOne(ctx context.Context, query string, args ...any) (res sql.Result, err error) {
	err = db.retry(ctx, func() error {
		res, err = pool{db, db.w, db.wstmts}.Exec(ctx, query, args...)
		return err
	})
	return res, err
}

// ReadRow runs one single-row read on the read pool outside an explicit
// transaction (one statement reads one consistent snapshot), retried like
// Read; scan reads the row.
func (db *DB) ReadRow(ctx context.Context, scan func(Row) error, query string, args ...any) error {
	return db.retry(ctx, func() error {
		return scan(pool{db, db.r, db.rstmts}.QueryRow(ctx, query, args...))
	})
}

func (db *DB) inTx(ctx context.Context, p *sql.DB, opts *sql.TxOptions, stmts *stmtCache, f func(*Tx) error) error {
	tx, err := p.BeginTx(ctx, opts)
	if err != nil {
		return err
	}
	t := &Tx{db: db, tx: tx, stmts: stmts}
	defer t.prepareMissed(ctx)
	if err := f(t); err != nil {
		tx.Rollback()
		return err
	}
	return tx.Commit()
}

// prepareMissed prepares, once the transaction ended, the statements it
// ran unprepared, for the next transactions. A statement that fails to
// prepare is left to fail where it runs.
func (t *Tx) prepareMissed(ctx context.Context) {
	for _, q := range t.missed {
		t.stmts.get(ctx, t.db.f, q)
	}
}

func (db *DB) retryable(err error) bool {
	return errors.Is(err, ErrRetry) || db.f.Retryable != nil && db.f.Retryable(err)
}

func (db *DB) retry(ctx context.Context, run func() error) error {
	backoff := db.f.FirstBackoff
	for attempt := 1; ; attempt++ {
		err := run()
		if err == nil || !db.retryable(err) {
			return err
		}
		if attempt >= db.f.MaxAttempts {
			if errors.Is(err, ErrRetry) {
				return fmt.Errorf("%s: gave up after %d attempts: %w", db.f.Name, attempt, err)
			}
			return err
		}
		wait := backoff/2 + rand.N(backoff/2+1)
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(wait):
		}
		backoff = min(2*backoff, db.f.MaxBackoff)
	}
}

// conflict turns a unique-key violation into store.ErrConflict, naming what
// was created; other errors pass through.
func (db *DB) conflict(err error, format string, args ...any) error {
	if err != nil && db.f.IsUnique(err) {
		return fmt.Errorf("%w: %s", store.ErrConflict, fmt.Sprintf(format, args...))
	}
	return err
}

// notFound turns sql.ErrNoRows into store.ErrNotFound, naming what was
// looked up; other errors pass through.
func notFound(err error, format string, args ...any) error {
	if errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("%w: %s", store.ErrNotFound, fmt.Sprintf(format, args...))
	}
	return err
}

// mustAffect returns ErrNotFound unless the statement changed a row.
func mustAffect(res sql.Result, err error, format string, args ...any) error {
	if err != nil {
		return err
	}
	n, err := res.RowsAffected()
	if err != nil {
		return err
	}
	if n == 0 {
		return fmt.Errorf("%w: %s", store.ErrNotFound, fmt.Sprintf(format, args...))
	}
	return nil
}

// affected is a statement's count of changed rows (0 on error).
func affected(res sql.Result, err error) (int, error) {
	if err != nil {
		return 0, err
	}
	n, err := res.RowsAffected()
	return int(n), err
}
