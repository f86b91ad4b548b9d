package sqlite

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"encoding/json"
	"fmt"

	"modernc.org/sqlite"

	"graphgate/internal/store"
)

// The guard: every argument of every statement passes through
// store.CheckArg before SQLite binds it, so a NUL character is refused
// with store.ErrInvalidText, as the PostgreSQL backend refuses it — SQLite
// would store it, and the two backends would answer differently. The check
// is database/sql's own hook for a driver's arguments, NamedValueChecker,
// on a connection that wraps the driver's (modernc.org/sqlite implements no
// checker of its own); json.RawMessage arguments (documents, lists) are
// checked as JSON and bound as TEXT.

// openDB opens a database/sql handle on dsn whose connections are guarded.
// Transactions on its connections first take turns (nil: none), a lock
// the Store's two writer pools share (see writeTurns).
func openDB(dsn string, turns writeTurns) (*sql.DB, error) {
	c, err := sqlite.NewConnector(dsn)
	if err != nil {
		return nil, err
	}
	return sql.OpenDB(guardedConnector{c, turns}), nil
}

// writeTurns orders the transactions of one Store's two writers — the
// write pool and the logs' connection — in Go, before BEGIN IMMEDIATE, so
// that they queue in turn (honouring contexts) instead of meeting at
// SQLite's file lock, where the loser polls in the busy handler (sleeps
// of up to 100 ms) and a writer that commits without pause, such as the
// log under load, wins again and again: measured, a tenant write beside a
// log appending without pause took 14–63 ms instead of 1–1.6 ms
// (BenchmarkTenantWriteBesideLog). A buffered channel of one: send takes
// the turn, receive gives it back. Writers of other processes still meet
// at the file lock.
type writeTurns chan struct{}

func (t writeTurns) take(ctx context.Context) error {
	select {
	case t <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (t writeTurns) give() { <-t }

type guardedConnector struct {
	driver.Connector
	turns writeTurns
}

func (c guardedConnector) Connect(ctx context.Context) (driver.Conn, error) {
	conn, err := c.Connector.Connect(ctx)
	if err != nil {
		return nil, err
	}
	if !forwardable(conn) {
		conn.Close()
		return nil, fmt.Errorf("sqlite: the driver's connection (%T) lacks an interface the guard forwards", conn)
	}
	return guardedConn{conn, c.turns}, nil
}

// forwardable reports whether conn implements every optional interface
// guardedConn forwards to it.
func forwardable(conn driver.Conn) bool {
	_, a := conn.(driver.ConnBeginTx)
	_, b := conn.(driver.ConnPrepareContext)
	_, c := conn.(driver.ExecerContext)
	_, d := conn.(driver.QueryerContext)
	_, e := conn.(driver.Pinger)
	_, f := conn.(driver.SessionResetter)
	_, g := conn.(driver.Validator)
	return a && b && c && d && e && f && g
}

// guardedConn is a driver connection with its arguments checked. It
// forwards every optional interface of modernc.org/sqlite's connection,
// so database/sql uses the connection as it would unwrapped.
type guardedConn struct {
	driver.Conn
	turns writeTurns
}

// CheckNamedValue refuses a NUL character (store.CheckArg), binds a
// json.RawMessage as TEXT (a []byte would be a BLOB, which a STRICT TEXT
// column refuses) and leaves every other value to database/sql's default
// conversion (driver.ErrSkip).
func (c guardedConn) CheckNamedValue(nv *driver.NamedValue) error {
	if err := store.CheckArg(nv.Value); err != nil {
		return fmt.Errorf("sqlite: argument %d: %w", nv.Ordinal, err)
	}
	if j, ok := nv.Value.(json.RawMessage); ok {
		nv.Value = string(j)
		return nil
	}
	return driver.ErrSkip
}

// BeginTx takes the writers' turn first, when the pool has one, and the
// transaction gives it back when it ends.
func (c guardedConn) BeginTx(ctx context.Context, opts driver.TxOptions) (driver.Tx, error) {
	if c.turns == nil {
		return c.Conn.(driver.ConnBeginTx).BeginTx(ctx, opts)
	}
	if err := c.turns.take(ctx); err != nil {
		return nil, err
	}
	tx, err := c.Conn.(driver.ConnBeginTx).BeginTx(ctx, opts)
	if err != nil {
		c.turns.give()
		return nil, err
	}
	return &turnTx{Tx: tx, turns: c.turns}, nil
}

// turnTx gives the writers' turn back once, when it commits or rolls back.
type turnTx struct {
	driver.Tx
	turns writeTurns
	done  bool
}

func (t *turnTx) Commit() error {
	err := t.Tx.Commit()
	t.end()
	return err
}

func (t *turnTx) Rollback() error {
	err := t.Tx.Rollback()
	t.end()
	return err
}

func (t *turnTx) end() {
	if !t.done {
		t.done = true
		t.turns.give()
	}
}

func (c guardedConn) PrepareContext(ctx context.Context, query string) (driver.Stmt, error) {
	return c.Conn.(driver.ConnPrepareContext).PrepareContext(ctx, query)
}

func (c guardedConn) ExecContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	return c.Conn.(driver.ExecerContext).ExecContext(ctx, query, args)
}

func (c guardedConn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	return c.Conn.(driver.QueryerContext).QueryContext(ctx, query, args)
}

func (c guardedConn) Ping(ctx context.Context) error { return c.Conn.(driver.Pinger).Ping(ctx) }

func (c guardedConn) ResetSession(ctx context.Context) error {
	return c.Conn.(driver.SessionResetter).ResetSession(ctx)
}

func (c guardedConn) IsValid() bool { return c.Conn.(driver.Validator).IsValid() }

// The optional interfaces guardedConn forwards: those modernc.org/sqlite's
// connection implements (Connect checks that it still does).
var (
	_ driver.ConnBeginTx        = guardedConn{}
	_ driver.ConnPrepareContext = guardedConn{}
	_ driver.ExecerContext      = guardedConn{}
	_ driver.QueryerContext     = guardedConn{}
	_ driver.Pinger             = guardedConn{}
	_ driver.SessionResetter    = guardedConn{}
	_ driver.Validator          = guardedConn{}
	_ driver.NamedValueChecker  = guardedConn{}
)
