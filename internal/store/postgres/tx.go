package postgres

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"graphgate/internal/store"
)

// Retries of transactions that PostgreSQL aborted to keep them correct
// (serialization failures, deadlocks) or that lost an insert race (see
// errRetry). Each retry re-runs the whole transaction, closure included.
const (
	maxAttempts  = 10
	firstBackoff = 5 * time.Millisecond
	maxBackoff   = 250 * time.Millisecond
)

// SQLSTATE codes the backend acts on.
const (
	sqlstateUniqueViolation      = "23505"
	sqlstateSerializationFailure = "40001"
	sqlstateDeadlockDetected     = "40P01"
	sqlstateFeatureNotSupported  = "0A000"
)

// errRetry asks the retry loop to run the transaction again: it is returned
// when an insert lost a race to a concurrent transaction that created the
// same row (UpsertDelegatedGrant), so that the next attempt finds and locks
// that row.
var errRetry = errors.New("postgres: lost an insert race")

// querier is what statements run on: the pool, a transaction, or a
// savepoint inside one.
type querier interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// Transaction options. Writes run at READ COMMITTED and lock the rows they
// read-modify-write (SELECT … FOR UPDATE, or a conditional UPDATE), which
// makes concurrent writers of one row queue instead of failing; see doc.go.
// Reads of several statements run in a REPEATABLE READ READ ONLY
// transaction, so they see one snapshot and never fail to serialize.
var (
	writeOpts = pgx.TxOptions{IsoLevel: pgx.ReadCommitted, AccessMode: pgx.ReadWrite}
	readOpts  = pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}
)

// write runs f in a read-write transaction and commits it if f returns nil.
// A transaction that fails with a serialization failure, a deadlock or
// errRetry is rolled back and run again, f included, with jittered
// exponential back-off, at most maxAttempts times. f must therefore only
// touch the database through tx and must not call the Store.
func (s *Store) write(ctx context.Context, f func(tx pgx.Tx) error) error {
	return retry(ctx, func() error { return inTx(ctx, s.pool, writeOpts, f) })
}

// logWrite runs f in a write transaction whose commit does not wait for
// the WAL flush (SET LOCAL synchronous_commit = off), retried like write.
// The decision and sign-in logs append and prune with it; nothing else
// may, since tenant data must be flushed (see doc.go, "Durability of the
// logs").
func (s *Store) logWrite(ctx context.Context, f func(tx pgx.Tx) error) error {
	return s.write(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, "SET LOCAL synchronous_commit = off"); err != nil {
			return err
		}
		return f(tx)
	})
}

// read runs f in a read-only snapshot transaction.
func (s *Store) read(ctx context.Context, f func(tx pgx.Tx) error) error {
	return retry(ctx, func() error { return inTx(ctx, s.pool, readOpts, f) })
}

// beginner is a pool or a connection.
type beginner interface {
	BeginTx(ctx context.Context, opts pgx.TxOptions) (pgx.Tx, error)
}

func inTx(ctx context.Context, db beginner, opts pgx.TxOptions, f func(pgx.Tx) error) error {
	tx, err := db.BeginTx(ctx, opts)
	if err != nil {
		return err
	}
	if err := f(tx); err != nil {
		// Roll back even if ctx is done: pgx closes the connection when a
		// rollback fails, which ends the transaction anyway.
		tx.Rollback(context.WithoutCancel(ctx))
		return err
	}
	return tx.Commit(ctx)
}

func retry(ctx context.Context, run func() error) error {
	backoff := firstBackoff
	for attempt := 1; ; attempt++ {
		err := run()
		if err == nil || !retryable(err) {
			return err
		}
		if attempt == maxAttempts {
			if errors.Is(err, errRetry) {
				return fmt.Errorf("postgres: gave up after %d attempts: %w", attempt, err)
			}
			return err
		}
		wait := backoff/2 + rand.N(backoff/2+1)
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(wait):
		}
		backoff = min(2*backoff, maxBackoff)
	}
}

// sqlstate is the SQLSTATE of a PostgreSQL error, "" for other errors.
func sqlstate(err error) string {
	var e *pgconn.PgError
	if errors.As(err, &e) {
		return e.Code
	}
	return ""
}

// constraint is the name of the constraint a PostgreSQL error violated.
func constraint(err error) string {
	var e *pgconn.PgError
	if errors.As(err, &e) {
		return e.ConstraintName
	}
	return ""
}

// retryable reports whether running the transaction again may succeed:
// PostgreSQL aborted it to keep concurrent transactions correct, it lost an
// insert race (errRetry), or a prepared statement pgx cached went stale
// because another replica migrated the schema (pgx drops the statement on
// that error and prepares it again on the next try).
func retryable(err error) bool {
	switch sqlstate(err) {
	case sqlstateSerializationFailure, sqlstateDeadlockDetected:
		return true
	case sqlstateFeatureNotSupported:
		var e *pgconn.PgError
		return errors.As(err, &e) && strings.Contains(e.Message, "cached plan must not change result type")
	}
	return errors.Is(err, errRetry)
}

func isUniqueViolation(err error) bool { return sqlstate(err) == sqlstateUniqueViolation }

// conflict turns a unique-key violation into store.ErrConflict, naming what
// was created; other errors pass through.
func conflict(err error, format string, args ...any) error {
	if isUniqueViolation(err) {
		return fmt.Errorf("%w: %s", store.ErrConflict, fmt.Sprintf(format, args...))
	}
	return err
}

// notFound turns pgx.ErrNoRows into store.ErrNotFound, naming what was
// looked up; other errors pass through.
func notFound(err error, format string, args ...any) error {
	if errors.Is(err, pgx.ErrNoRows) {
		return fmt.Errorf("%w: %s", store.ErrNotFound, fmt.Sprintf(format, args...))
	}
	return err
}

// mustAffect returns ErrNotFound unless the statement changed a row.
func mustAffect(tag pgconn.CommandTag, err error, format string, args ...any) error {
	if err != nil {
		return err
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("%w: %s", store.ErrNotFound, fmt.Sprintf(format, args...))
	}
	return nil
}
