package sqlstore

import (
	"context"
	"database/sql"
)

// Pools are a database/sql backend's connection pools (SQLite's) and the
// options of its transactions, for SQL.
type Pools struct {
	// Write runs every write; Read single-statement reads and read
	// transactions (nil: Write); Log the decision and sign-in logs' writes
	// (nil: Write; SQLite's is a connection with synchronous=NORMAL);
	// LogRead the logs' reads (nil: Read; SQLite's reads the logs' own
	// database file, as Log writes it).
	Write, Read, Log, LogRead *sql.DB
	// WriteTx and ReadTx are the options of write and read transactions
	// (nil: the driver's defaults); the logs' take WriteTx.
	WriteTx, ReadTx *sql.TxOptions
	// Prepare keeps statements prepared, in a bounded cache per pool (see
	// stmtcache.go): SQLite's driver otherwise parses every statement at
	// every run.
	Prepare bool
}

// stmtCacheSize bounds each pool's prepared statements. The shared layer
// runs a few dozen distinct statements; the bound keeps a caller that
// builds statements from data (it should not) from growing the cache.
const stmtCacheSize = 256

// sqlEngine is the Engine over database/sql pools.
type sqlEngine struct {
	conns [nUses]*sqlConn
	opts  [nUses]*sql.TxOptions
}

// SQL returns an Engine over database/sql pools. It does not take
// ownership of the pools: Close closes only its prepared statements.
func SQL(p Pools) Engine {
	if p.Read == nil {
		p.Read = p.Write
	}
	if p.Log == nil {
		p.Log = p.Write
	}
	if p.LogRead == nil {
		p.LogRead = p.Read
	}
	e := &sqlEngine{opts: [nUses]*sql.TxOptions{UseWrite: p.WriteTx, UseRead: p.ReadTx, UseLog: p.WriteTx, UseLogRead: p.ReadTx}}
	pools := [nUses]*sql.DB{UseWrite: p.Write, UseRead: p.Read, UseLog: p.Log, UseLogRead: p.LogRead}
	for u, db := range pools {
		c := &sqlConn{p: db}
		// A pool serving several uses keeps one cache.
		for v := range u {
			if pools[v] == db {
				c.stmts = e.conns[v].stmts
			}
		}
		if p.Prepare && c.stmts == nil {
			c.stmts = newStmtCache(db, stmtCacheSize)
		}
		e.conns[u] = c
	}
	return e
}

func (e *sqlEngine) Conn(use Use) Conn { return e.conns[use] }

func (e *sqlEngine) Begin(ctx context.Context, use Use) (EngineTx, error) {
	c := e.conns[use]
	tx, err := c.p.BeginTx(ctx, e.opts[use])
	if err != nil {
		return nil, err
	}
	return &sqlTx{tx: tx, stmts: c.stmts}, nil
}

func (e *sqlEngine) Close() error {
	seen := map[*stmtCache]bool{nil: true}
	for _, c := range e.conns {
		if !seen[c.stmts] {
			seen[c.stmts] = true
			c.stmts.close()
		}
	}
	return nil
}

// sqlRows adapts *sql.Rows to Rows (a struct of one pointer: no allocation
// to make it an interface).
type sqlRows struct{ *sql.Rows }

func (r sqlRows) Close() { r.Rows.Close() }

// rows returns r as Rows, nil (a nil interface) on error.
func rows(r *sql.Rows, err error) (Rows, error) {
	if err != nil {
		return nil, err
	}
	return sqlRows{r}, nil
}

// result returns a database/sql result as a Result.
func result(res sql.Result, err error) (Result, error) {
	if err != nil {
		return Result{}, err
	}
	n, err := res.RowsAffected()
	return Result{n: n, err: err}, nil
}

// sqlConn is a pool outside a transaction, with its prepared statements
// (nil when the engine does not prepare).
type sqlConn struct {
	p     *sql.DB
	stmts *stmtCache
}

func (c *sqlConn) Exec(ctx context.Context, query string, args ...any) (Result, error) {
	if c.stmts != nil {
		st, err := c.stmts.get(ctx, query)
		if err != nil {
			return Result{}, err
		}
		return result(st.ExecContext(ctx, args...))
	}
	return result(c.p.ExecContext(ctx, query, args...))
}

func (c *sqlConn) Query(ctx context.Context, query string, args ...any) (Rows, error) {
	if c.stmts != nil {
		st, err := c.stmts.get(ctx, query)
		if err != nil {
			return nil, err
		}
		return rows(st.QueryContext(ctx, args...))
	}
	return rows(c.p.QueryContext(ctx, query, args...))
}

func (c *sqlConn) QueryRow(ctx context.Context, query string, args ...any) Row {
	if c.stmts != nil {
		st, err := c.stmts.get(ctx, query)
		if err != nil {
			return errRow{err}
		}
		return st.QueryRowContext(ctx, args...)
	}
	return c.p.QueryRowContext(ctx, query, args...)
}

// sqlTx is a database/sql transaction.
type sqlTx struct {
	tx    *sql.Tx
	stmts *stmtCache
	// missed are the statements that ran unprepared (see stmt).
	missed []string
}

// stmt returns query prepared on the pool, for this transaction
// (Tx.StmtContext reuses it when the transaction's connection prepared it
// before), or nil when it is not prepared yet: the statement then runs
// unprepared, and the transaction prepares it on the pool once it ended
// (preparing now could wait for a connection this transaction holds —
// SQLite's write pool has one).
func (t *sqlTx) stmt(ctx context.Context, query string) *sql.Stmt {
	if t.stmts == nil {
		return nil
	}
	if st, ok := t.stmts.lookup(query); ok {
		return t.tx.StmtContext(ctx, st)
	}
	t.missed = append(t.missed, query)
	return nil
}

// prepareBatch returns query prepared for this transaction, for a call
// that runs it many times: the cached statement when there is one,
// otherwise one prepared for the call; done releases it.
func (t *sqlTx) prepareBatch(ctx context.Context, query string) (st *sql.Stmt, done func(), err error) {
	if st := t.stmt(ctx, query); st != nil {
		return st, func() {}, nil
	}
	p, err := t.tx.PrepareContext(ctx, query)
	if err != nil {
		return nil, nil, err
	}
	return p, func() { p.Close() }, nil
}

func (t *sqlTx) Exec(ctx context.Context, query string, args ...any) (Result, error) {
	if st := t.stmt(ctx, query); st != nil {
		return result(st.ExecContext(ctx, args...))
	}
	return result(t.tx.ExecContext(ctx, query, args...))
}

func (t *sqlTx) Query(ctx context.Context, query string, args ...any) (Rows, error) {
	if st := t.stmt(ctx, query); st != nil {
		return rows(st.QueryContext(ctx, args...))
	}
	return rows(t.tx.QueryContext(ctx, query, args...))
}

func (t *sqlTx) QueryRow(ctx context.Context, query string, args ...any) Row {
	if st := t.stmt(ctx, query); st != nil {
		return st.QueryRowContext(ctx, args...)
	}
	return t.tx.QueryRowContext(ctx, query, args...)
}

func (t *sqlTx) Commit(ctx context.Context) error {
	err := t.tx.Commit()
	t.prepareMissed(ctx)
	return err
}

func (t *sqlTx) Rollback(ctx context.Context) error {
	err := t.tx.Rollback()
	t.prepareMissed(ctx)
	return err
}

// prepareMissed prepares, once the transaction ended, the statements it
// ran unprepared, for the next transactions. A statement that fails to
// prepare is left to fail where it runs.
func (t *sqlTx) prepareMissed(ctx context.Context) {
	for _, q := range t.missed {
		t.stmts.get(ctx, q)
	}
	t.missed = nil
}
