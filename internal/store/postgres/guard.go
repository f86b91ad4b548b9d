package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"graphgate/internal/store"
)

// The guard: every statement the backend runs passes its arguments through
// store.CheckArg before pgx encodes them, so a NUL character is refused
// with store.ErrInvalidText — as the SQLite backend refuses it — instead of
// reaching PostgreSQL, which cannot hold one in text or jsonb and would
// fail the statement with an error of its own (SQLSTATE 22021 or 22P05).
// guardedPool wraps the pool the Store runs statements on, and every
// transaction and savepoint begun from it is a guardedTx; CopyFrom is not
// guarded (the backend does not use it).

// guardedPool is the Store's connection pool with its statements guarded.
type guardedPool struct{ *pgxpool.Pool }

func (p guardedPool) Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error) {
	if err := checkArgs(args); err != nil {
		return pgconn.CommandTag{}, err
	}
	return p.Pool.Exec(ctx, sql, args...)
}

func (p guardedPool) Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error) {
	if err := checkArgs(args); err != nil {
		return nil, err
	}
	return p.Pool.Query(ctx, sql, args...)
}

func (p guardedPool) QueryRow(ctx context.Context, sql string, args ...any) pgx.Row {
	if err := checkArgs(args); err != nil {
		return errRow{err}
	}
	return p.Pool.QueryRow(ctx, sql, args...)
}

func (p guardedPool) SendBatch(ctx context.Context, b *pgx.Batch) pgx.BatchResults {
	if err := checkBatch(b); err != nil {
		return errBatch{err}
	}
	return p.Pool.SendBatch(ctx, b)
}

func (p guardedPool) Begin(ctx context.Context) (pgx.Tx, error) {
	return guard(p.Pool.Begin(ctx))
}

func (p guardedPool) BeginTx(ctx context.Context, opts pgx.TxOptions) (pgx.Tx, error) {
	return guard(p.Pool.BeginTx(ctx, opts))
}

// guardedTx is a transaction (or savepoint) with its statements guarded.
type guardedTx struct{ pgx.Tx }

func guard(tx pgx.Tx, err error) (pgx.Tx, error) {
	if err != nil {
		return nil, err
	}
	return guardedTx{tx}, nil
}

func (t guardedTx) Begin(ctx context.Context) (pgx.Tx, error) { return guard(t.Tx.Begin(ctx)) }

func (t guardedTx) Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error) {
	if err := checkArgs(args); err != nil {
		return pgconn.CommandTag{}, err
	}
	return t.Tx.Exec(ctx, sql, args...)
}

func (t guardedTx) Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error) {
	if err := checkArgs(args); err != nil {
		return nil, err
	}
	return t.Tx.Query(ctx, sql, args...)
}

func (t guardedTx) QueryRow(ctx context.Context, sql string, args ...any) pgx.Row {
	if err := checkArgs(args); err != nil {
		return errRow{err}
	}
	return t.Tx.QueryRow(ctx, sql, args...)
}

func (t guardedTx) SendBatch(ctx context.Context, b *pgx.Batch) pgx.BatchResults {
	if err := checkBatch(b); err != nil {
		return errBatch{err}
	}
	return t.Tx.SendBatch(ctx, b)
}

func checkArgs(args []any) error {
	for i, a := range args {
		if err := store.CheckArg(a); err != nil {
			return fmt.Errorf("postgres: argument %d: %w", i+1, err)
		}
	}
	return nil
}

func checkBatch(b *pgx.Batch) error {
	for _, q := range b.QueuedQueries {
		if err := checkArgs(q.Arguments); err != nil {
			return err
		}
	}
	return nil
}

// errRow is a row whose Scan fails with err.
type errRow struct{ err error }

func (r errRow) Scan(...any) error { return r.err }

// errBatch is a batch every result of which fails with err (nothing was
// sent).
type errBatch struct{ err error }

func (b errBatch) Exec() (pgconn.CommandTag, error) { return pgconn.CommandTag{}, b.err }
func (b errBatch) Query() (pgx.Rows, error)         { return nil, b.err }
func (b errBatch) QueryRow() pgx.Row                { return errRow(b) }
func (b errBatch) Close() error                     { return b.err }
func (b errBatch) Tx() pgx.Tx                       { return nil }
