package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"graphgate/internal/store"
)

// Retries after SQLITE_BUSY. SQLite's busy handler has already waited up to
// busyTimeoutMillis before a statement reports it, so these are few.
const (
	maxAttempts  = 5
	firstBackoff = 10 * time.Millisecond
	maxBackoff   = 500 * time.Millisecond
)

// write runs f in a write transaction and commits it if f returns nil. The
// write pool's DSN makes database/sql's BeginTx issue BEGIN IMMEDIATE, so the
// transaction holds the database's write lock from its first statement: a
// read-modify-write in f cannot interleave with another writer, in this
// process or another, and never needs to upgrade a read lock (the cause of
// SQLITE_BUSY deadlocks between deferred transactions).
//
// If SQLite still reports SQLITE_BUSY or SQLITE_LOCKED (the busy timeout
// expired, or a lock the busy handler does not cover), the transaction is
// rolled back and run again, f included, with jittered exponential back-off,
// at most maxAttempts times. f must therefore be safe to re-run: it may only
// touch the database through tx, and must not call the Store's methods.
func (s *Store) write(ctx context.Context, f func(*sql.Tx) error) error {
	return retry(ctx, func() error { return inTx(ctx, s.w, nil, f) })
}

// read runs f in a read-only transaction on the read pool: one snapshot for
// every query f makes. It retries like write.
func (s *Store) read(ctx context.Context, f func(*sql.Tx) error) error {
	return retry(ctx, func() error { return inTx(ctx, s.r, &sql.TxOptions{ReadOnly: true}, f) })
}

// readRow runs a single-row read outside an explicit transaction (one
// statement reads one consistent snapshot) through a statement prepared
// once: database/sql prepares it lazily on each connection of the read
// pool and keeps it, so the requests' hot reads (the caller's user on every
// Graph request) skip BEGIN, COMMIT and SQLite's parser.
func (s *Store) readRow(ctx context.Context, query string, scan func(*sql.Row) error, args ...any) error {
	return retry(ctx, func() error {
		st, err := s.prepared(ctx, query)
		if err != nil {
			return err
		}
		return scan(st.QueryRowContext(ctx, args...))
	})
}

func (s *Store) prepared(ctx context.Context, query string) (*sql.Stmt, error) {
	s.stmtMu.Lock()
	defer s.stmtMu.Unlock()
	if st, ok := s.stmts[query]; ok {
		return st, nil
	}
	st, err := s.r.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	if s.stmts == nil {
		s.stmts = map[string]*sql.Stmt{}
	}
	s.stmts[query] = st
	return st, nil
}

func retry(ctx context.Context, run func() error) error {
	backoff := firstBackoff
	for attempt := 1; ; attempt++ {
		err := run()
		if err == nil || !isBusy(err) || attempt == maxAttempts {
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

// beginner is what a transaction starts on: a pool, or one connection of
// it (*sql.Conn, when the transaction needs a connection prepared first).
type beginner interface {
	BeginTx(ctx context.Context, opts *sql.TxOptions) (*sql.Tx, error)
}

func inTx(ctx context.Context, db beginner, opts *sql.TxOptions, f func(*sql.Tx) error) error {
	tx, err := db.BeginTx(ctx, opts)
	if err != nil {
		return err
	}
	done := false
	defer func() {
		if !done {
			tx.Rollback()
		}
	}()
	if err := f(tx); err != nil {
		return err
	}
	done = true
	return tx.Commit()
}

// sqliteCode is the extended result code of a SQLite error, 0 for others.
func sqliteCode(err error) int {
	var e *sqlite.Error
	if errors.As(err, &e) {
		return e.Code()
	}
	return 0
}

func isBusy(err error) bool {
	switch sqliteCode(err) & 0xff {
	case sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED:
		return true
	}
	return false
}

func isUniqueViolation(err error) bool {
	switch sqliteCode(err) {
	case sqlite3.SQLITE_CONSTRAINT_UNIQUE, sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY:
		return true
	}
	return false
}

// conflict turns a unique-key violation into store.ErrConflict, naming what
// was created.
func conflict(err error, format string, args ...any) error {
	if isUniqueViolation(err) {
		return fmt.Errorf("%w: %s", store.ErrConflict, fmt.Sprintf(format, args...))
	}
	return err
}

// notFound turns sql.ErrNoRows into store.ErrNotFound, naming what was
// looked up.
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
