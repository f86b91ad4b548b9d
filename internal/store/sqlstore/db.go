package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"

	lru "github.com/hashicorp/golang-lru/v2"

	"graphgate/internal/store"
)

// ErrRetry asks DB.Write to run the transaction again: a closure returns
// it when an insert lost a race to a concurrent transaction that created
// the same row, so that the next attempt finds and locks that row.
var ErrRetry = errors.New("sqlstore: lost an insert race")

// DB runs the shared statements on a backend's Engine: writes on its
// write pool (for SQLite its one connection), single-statement reads and
// read transactions on its read pool (for PostgreSQL the same pool).
type DB struct {
	f *Flavor
	e Engine
	// w, r, l and lr are the engine's pools outside a transaction, for
	// writes, reads, the logs' writes (see LogWrite) and their reads (see
	// LogRead).
	w, r, l, lr Conn
	// rebound caches Flavor.Rebind's statements for a numbered flavor
	// (nil otherwise): the shared statements are constants, so each is
	// rewritten once rather than at every run.
	rebound *lru.Cache[string, string]
}

// reboundSize bounds the rewritten statements kept: the shared layer's
// few dozen constants and the query shapes of listings.
const reboundSize = 512

// NewDB returns a DB over the engine e, which it owns: Close closes it.
func NewDB(f *Flavor, e Engine) *DB {
	db := &DB{f: f, e: e, w: e.Conn(UseWrite), r: e.Conn(UseRead), l: e.Conn(UseLog), lr: e.Conn(UseLogRead)}
	if f.Numbered {
		c, err := lru.New[string, string](reboundSize)
		if err != nil {
			panic(err) // only for a size < 1
		}
		db.rebound = c
	}
	return db
}

// Flavor returns the DB's flavor.
func (db *DB) Flavor() *Flavor { return db.f }

// Close closes the engine (its prepared statements, not the backend's
// pools).
func (db *DB) Close() error { return db.e.Close() }

// rebind returns query in the flavor's placeholders.
func (db *DB) rebind(query string) string {
	if db.rebound == nil {
		return query
	}
	if q, ok := db.rebound.Get(query); ok {
		return q
	}
	q := db.f.Rebind(query)
	db.rebound.Add(query, q)
	return q
}

// Querier is what statements run on: a transaction, or a pool outside
// one. Statements are written with '?' placeholders; every argument passes
// store.CheckArg before it is bound (ErrInvalidText for a NUL character).
type Querier interface {
	Exec(ctx context.Context, query string, args ...any) (Result, error)
	Query(ctx context.Context, query string, args ...any) (Rows, error)
	QueryRow(ctx context.Context, query string, args ...any) Row
}

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
	db *DB
	tx EngineTx
}

var _ Querier = (*Tx)(nil)

func (t *Tx) Exec(ctx context.Context, query string, args ...any) (Result, error) {
	if err := t.db.checkArgs(args); err != nil {
		return Result{}, err
	}
	return t.tx.Exec(ctx, t.db.rebind(query), args...)
}

func (t *Tx) Query(ctx context.Context, query string, args ...any) (Rows, error) {
	if err := t.db.checkArgs(args); err != nil {
		return nil, err
	}
	return t.tx.Query(ctx, t.db.rebind(query), args...)
}

func (t *Tx) QueryRow(ctx context.Context, query string, args ...any) Row {
	if err := t.db.checkArgs(args); err != nil {
		return errRow{err}
	}
	return t.tx.QueryRow(ctx, t.db.rebind(query), args...)
}

// pool is an engine's pool outside a transaction: each statement is its
// own (atomic) transaction.
type pool struct {
	db *DB
	c  Conn
}

func (p pool) Exec(ctx context.Context, query string, args ...any) (Result, error) {
	if err := p.db.checkArgs(args); err != nil {
		return Result{}, err
	}
	return p.c.Exec(ctx, p.db.rebind(query), args...)
}

func (p pool) Query(ctx context.Context, query string, args ...any) (Rows, error) {
	if err := p.db.checkArgs(args); err != nil {
		return nil, err
	}
	return p.c.Query(ctx, p.db.rebind(query), args...)
}

func (p pool) QueryRow(ctx context.Context, query string, args ...any) Row {
	if err := p.db.checkArgs(args); err != nil {
		return errRow{err}
	}
	return p.c.QueryRow(ctx, p.db.rebind(query), args...)
}

// Write runs f in a write transaction and commits it if f returns nil. A
// transaction that fails with an error the flavor calls retryable, or
// ErrRetry, is rolled back and run again, f included, with jittered
// exponential back-off, at most Flavor.MaxAttempts times. f must
// therefore only touch the database through tx and must not call the
// store.
func (db *DB) Write(ctx context.Context, f func(tx *Tx) error) error {
	return db.retry(ctx, func() error { return db.inTx(ctx, UseWrite, f) })
}

// LogWrite runs f in a write transaction of the decision or sign-in log:
// on the logs' pool, with the flavor's LogTx statement first, so that its
// commit keeps the logs' promise (they survive a crash of graphgate, and
// may lose their last moments on a crash of the machine) rather than
// tenant data's. It retries like Write. Nothing but the logs may use it.
func (db *DB) LogWrite(ctx context.Context, f func(tx *Tx) error) error {
	return db.retry(ctx, func() error {
		return db.inTx(ctx, UseLog, func(tx *Tx) error {
			if db.f.LogTx != "" {
				if _, err := tx.tx.Exec(ctx, db.f.LogTx); err != nil {
					return err
				}
			}
			return f(tx)
		})
	})
}

// LogRead runs f, a read of the decision or sign-in log in one statement,
// on the logs' read pool outside an explicit transaction (one statement
// reads one snapshot). It retries like Write. Nothing but the logs may use
// it: on SQLite the pool reads another database file.
func (db *DB) LogRead(ctx context.Context, f func(q Querier) error) error {
	return db.retry(ctx, func() error { return f(pool{db, db.lr}) })
}

// Read runs f in a read transaction on the read pool: one snapshot for
// every statement f runs. It retries like Write.
func (db *DB) Read(ctx context.Context, f func(tx *Tx) error) error {
	return db.retry(ctx, func() error { return db.inTx(ctx, UseRead, f) })
}

// ExecOne runs one write statement outside an explicit transaction (the
// statement is atomic by itself), retried like Write.
func (db *DB) ExecOne(ctx context.Context, query string, args ...any) (res Result, err error) {
	err = db.retry(ctx, func() error {
		res, err = pool{db, db.w}.Exec(ctx, query, args...)
		return err
	})
	return res, err
}

// ReadRow runs one single-row read on the read pool outside an explicit
// transaction (one statement reads one consistent snapshot), retried like
// Read; scan reads the row.
func (db *DB) ReadRow(ctx context.Context, scan func(Row) error, query string, args ...any) error {
	return db.retry(ctx, func() error {
		return scan(pool{db, db.r}.QueryRow(ctx, query, args...))
	})
}

func (db *DB) inTx(ctx context.Context, use Use, f func(*Tx) error) error {
	tx, err := db.e.Begin(ctx, use)
	if err != nil {
		return err
	}
	if err := f(&Tx{db: db, tx: tx}); err != nil {
		// Roll back even if ctx is done (pgx closes the connection when a
		// rollback fails, which ends the transaction anyway).
		tx.Rollback(context.WithoutCancel(ctx))
		return err
	}
	return tx.Commit(ctx)
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
func mustAffect(res Result, err error, format string, args ...any) error {
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
func affected(res Result, err error) (int, error) {
	if err != nil {
		return 0, err
	}
	n, err := res.RowsAffected()
	return int(n), err
}
