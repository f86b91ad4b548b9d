package postgres

import (
	"context"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"graphgate/internal/store/sqlstore"
)

// engine is the shared layer's Engine (sqlstore.Engine) over the pgx pool,
// natively: statements go to pgx as they are, so pgx's statement cache on
// each connection, its QueryExecMode argument (the listings' planEachTime),
// its arrays (a []string binds as text[] for = ANY) and its scanning
// (sql.Scanner targets included) are pgx's own. Every use is the one pool;
// writes and the logs' transactions run at READ COMMITTED, reads in a
// REPEATABLE READ READ ONLY snapshot (writeOpts, readOpts).
type engine struct{ c *conn }

func newEngine(p *pgxpool.Pool) engine { return engine{&conn{p}} }

func (e engine) Conn(sqlstore.Use) sqlstore.Conn { return e.c }

func (e engine) Begin(ctx context.Context, use sqlstore.Use) (sqlstore.EngineTx, error) {
	opts := writeOpts
	if use == sqlstore.UseRead {
		opts = readOpts
	}
	t, err := e.c.p.BeginTx(ctx, opts)
	if err != nil {
		return nil, err
	}
	return &tx{t}, nil
}

// Close does nothing: the pool is the Store's.
func (e engine) Close() error { return nil }

// conn is the pool outside a transaction.
type conn struct{ p *pgxpool.Pool }

func (c *conn) Exec(ctx context.Context, query string, args ...any) (sqlstore.Result, error) {
	tag, err := c.p.Exec(ctx, query, args...)
	return sqlstore.Affected(tag.RowsAffected()), err
}

func (c *conn) Query(ctx context.Context, query string, args ...any) (sqlstore.Rows, error) {
	rows, err := c.p.Query(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	return rows, nil
}

func (c *conn) QueryRow(ctx context.Context, query string, args ...any) sqlstore.Row {
	return c.p.QueryRow(ctx, query, args...)
}

// tx is a pgx transaction.
type tx struct{ t pgx.Tx }

func (t *tx) Exec(ctx context.Context, query string, args ...any) (sqlstore.Result, error) {
	tag, err := t.t.Exec(ctx, query, args...)
	return sqlstore.Affected(tag.RowsAffected()), err
}

func (t *tx) Query(ctx context.Context, query string, args ...any) (sqlstore.Rows, error) {
	rows, err := t.t.Query(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	return rows, nil
}

func (t *tx) QueryRow(ctx context.Context, query string, args ...any) sqlstore.Row {
	return t.t.QueryRow(ctx, query, args...)
}

func (t *tx) Commit(ctx context.Context) error   { return t.t.Commit(ctx) }
func (t *tx) Rollback(ctx context.Context) error { return t.t.Rollback(ctx) }
