// Package sqlstore is the store contract's shared implementation over
// database/sql: the SQL both backends (store/sqlite, store/postgres) run
// alike, written once, with a Flavor for what the engines do differently
// (placeholders, row locking, the time encoding, error classes, retries).
// It follows dex's storage/sql (a flavor and one crud.go for every engine).
//
// # What it owns
//
//   - Flavor: placeholder rewriting (statements are written with '?';
//     PostgreSQL's flavor numbers them $1, $2, …), the row lock of a
//     read-modify-write (FOR UPDATE on PostgreSQL; nothing on SQLite,
//     whose write transactions are BEGIN IMMEDIATE and so already hold the
//     database's write lock), a transaction-scoped lock on a key
//     (PostgreSQL's advisory lock; nothing on SQLite, whose writers are
//     serialized), the time encoding (milliseconds on SQLite, timestamptz
//     on PostgreSQL), LIMIT's "all", and error classes: a unique violation
//     (store.ErrConflict) and a transient failure (SQLite busy, PostgreSQL
//     serialization failure or deadlock) after which a transaction is run
//     again, closure included, with jittered exponential back-off.
//   - DB: the write and read pools, transactions with retries, the guard
//     (every argument passes store.CheckArg before it is bound), and a
//     bounded cache of prepared statements (see stmtcache.go).
//   - Store: the families whose SQL is the same on both engines, moved out
//     of the backends family by family: lockouts, signing keys and
//     settings, sessions (authorization codes, refresh tokens, device
//     codes). A backend embeds *Store and adds what is its own.
//
// # What it must not do
//
// It must not import a database driver (the backends pass their Flavor,
// with its error classification, and their *sql.DB), nor decide anything
// about protocols or permissions: single-use and reuse rules are the
// identity platform's, run in the update closures; the store only makes a
// read-modify-write atomic. It does not own migrations, the backends'
// connection set-up, SQLite's user cache or PostgreSQL's LISTEN and
// replica bits, nor item and directory queries (store/*/items.go,
// dirquery.go).
//
// # Concurrency
//
// A DB and a Store are safe for concurrent use. Update closures run inside
// a transaction that may be run again (see DB.Write): they must only
// compute, never call the store.
package sqlstore
