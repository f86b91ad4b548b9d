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
//
// The Store's writers — the tenant file's write pool and the logs' writer —
// once shared a file and took turns in Go before BEGIN IMMEDIATE (a tenant
// write beside a log appending without pause took 14–63 ms at SQLite's
// file lock). Since the logs have a file of their own (logs.go) they never
// meet at a lock, and each writer pool has one connection, so its
// transactions queue in database/sql.
func openDB(dsn string) (*sql.DB, error) {
	c, err := sqlite.NewConnector(dsn)
	if err != nil {
		return nil, err
	}
	return sql.OpenDB(guardedConnector{c}), nil
}

type guardedConnector struct{ driver.Connector }

func (c guardedConnector) Connect(ctx context.Context) (driver.Conn, error) {
	conn, err := c.Connector.Connect(ctx)
	if err != nil {
		return nil, err
	}
	if !forwardable(conn) {
		conn.Close()
		return nil, fmt.Errorf("sqlite: the driver's connection (%T) lacks an interface the guard forwards", conn)
	}
	return guardedConn{conn}, nil
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
type guardedConn struct{ driver.Conn }

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

func (c guardedConn) BeginTx(ctx context.Context, opts driver.TxOptions) (driver.Tx, error) {
	return c.Conn.(driver.ConnBeginTx).BeginTx(ctx, opts)
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
