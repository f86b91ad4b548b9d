package sqlstore

import "context"

// Engine is a backend's connection to its database, as the shared layer
// runs statements on it: the narrow interface each backend implements over
// its driver's own (SQLite over database/sql, SQL below; PostgreSQL over
// pgxpool natively). Statements reach it in the flavor's placeholders,
// their arguments already checked (store.CheckArg); the flavor classifies
// its errors, and a read of no row must fail with an error that is
// sql.ErrNoRows (errors.Is: pgx's ErrNoRows is).
type Engine interface {
	// Conn runs statements outside a transaction on the pool of use, each
	// statement its own (atomic) transaction. It must not allocate: it runs
	// once per single-row read.
	Conn(use Use) Conn
	// Begin starts a transaction on the pool of use with the engine's
	// isolation for it: writes (UseWrite, UseLog) at the engine's write
	// isolation, reads (UseRead) on one snapshot.
	Begin(ctx context.Context, use Use) (EngineTx, error)
	// Close releases what the engine holds of its own (prepared
	// statements), not the pools, which are the backend's.
	Close() error
}

// Use names the pool a statement or transaction runs on.
type Use int

const (
	// UseWrite runs every write of tenant data.
	UseWrite Use = iota
	// UseRead runs single-statement reads and read transactions.
	UseRead
	// UseLog runs the decision and sign-in logs' writes (DB.LogWrite).
	UseLog
	// UseLogRead runs the logs' reads (DB.LogRead), one statement each
	// outside a transaction: a backend may keep the logs in a database of
	// their own (SQLite's logs.db), read through a pool of its own.
	UseLogRead
	nUses
)

// Conn runs statements: an engine's pool, or a transaction.
type Conn interface {
	Exec(ctx context.Context, query string, args ...any) (Result, error)
	Query(ctx context.Context, query string, args ...any) (Rows, error)
	QueryRow(ctx context.Context, query string, args ...any) Row
}

// EngineTx is an engine's transaction. Rollback after a failed statement
// must end the transaction even when ctx is done.
type EngineTx interface {
	Conn
	Commit(ctx context.Context) error
	Rollback(ctx context.Context) error
}

// Rows is a multi-row result (pgx.Rows is one as it is; database/sql's
// *sql.Rows through SQL's adapter). Close may be called more than once.
type Rows interface {
	Next() bool
	Scan(dest ...any) error
	Err() error
	Close()
}

// Row is a single-row result (a *sql.Row, a pgx.Row, or a failed argument
// check).
type Row interface{ Scan(dest ...any) error }

// Result is what a statement changed.
type Result struct {
	n   int64
	err error
}

// Affected is the Result of a statement that changed n rows.
func Affected(n int64) Result { return Result{n: n} }

// RowsAffected is how many rows the statement changed, or why the engine
// could not tell.
func (r Result) RowsAffected() (int64, error) { return r.n, r.err }
