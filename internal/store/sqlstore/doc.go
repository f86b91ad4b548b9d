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
//     codes), delegated grants and app role assignments, service
//     principals, administrative units and memberships, apps (apps.go),
//     tenants, users and groups (tenants.go, users.go, groups.go), tenant
//     transfer (transfer.go), and the part of snapshots that is the same
//     SQL (snapshot.go: the schema version check, the tables a restore
//     refills, the refill). A backend embeds *Store and adds what is its
//     own; decisions and sign-ins are still the backends' (to move next).
//
// # What it must not do
//
// It must not import a database driver (the backends pass their Flavor,
// with its error classification, and their *sql.DB), nor decide anything
// about protocols or permissions: single-use and reuse rules are the
// identity platform's, run in the update closures; the store only makes a
// read-modify-write atomic. It does not own migrations, the backends'
// connection set-up, SQLite's user cache (a decorator in the backend in
// front of GetUser, so that the SQL stays one) or PostgreSQL's LISTEN and
// replica bits, nor item and directory queries (store/*/items.go,
// dirquery.go). Nor where snapshots live: SQLite's are files written with
// VACUUM INTO (one consistent, compacted copy with no server to hold it)
// and restored by attaching the file to the one writer connection;
// PostgreSQL's are schemas of the same database, saved in a REPEATABLE
// READ read-write transaction (which the shared DB does not offer) and
// restored under EXCLUSIVE table locks so that every replica's writers
// wait; each finds its tables in its own catalog. Those stay in the
// backends; both run the shared refill (Copy) inside their transaction.
//
// # What it chose
//
//   - PostgreSQL keeps its pgx pool: items, directory queries and the
//     families not moved yet use pgx's batches and arrays directly, and
//     the shared layer reaches the same pool through database/sql
//     (pgx/v5/stdlib.OpenDBFromPool), so there is one pool, one set of
//     settings and one per-connection statement cache (pgx's). database/sql
//     adds allocations per statement (GetRefreshToken 33 → 87 allocs/op)
//     and, measured at the minimum on a loaded 2-core machine, 1.05–1.25×
//     the time of a single-row read (bench/README.md, "Storage"). A
//     database/sql pool of its own (stdlib.OpenDB, idle connections kept)
//     measured no clear gain for twice the server connections, so it was
//     not taken. The next step, if the Graph throughput shows the cost, is
//     pgx's native interface behind the Querier (the flavor already
//     owns placeholders and errors), not a second pool.
//   - SQLite keeps statements prepared (Flavor.PrepareStatements, a
//     bounded LRU of *sql.Stmt): single-row reads went from a read
//     transaction of three statements to one prepared statement
//     (GetRefreshToken 90 → 72 allocs/op, 0.61× the time at the minimum).
//     PostgreSQL does not: database/sql over the pgx pool keeps no idle
//     connections for a *sql.Stmt to live on, and pgx already caches.
//   - Placeholders are rewritten by a small scanner of '?' (Flavor.Rebind)
//     that skips quoted text: the statements here are this package's own
//     constants (and sqlq's rendering, which numbers its own), so no full
//     SQL lexer is needed; callers pass no SQL fragments.
//   - Child lists (an app's redirect URIs, secrets and certificates, a
//     tenant's domains) and a tenant's import are written with multi-row
//     INSERT … VALUES (…), (…), at most 8 rows a statement (insertRows),
//     the same SQL on both engines, instead of one statement per row
//     (SQLite) or unnest arrays and pgx batches (PostgreSQL, which
//     database/sql cannot send). The bound keeps the distinct statements
//     few (SQLite keeps each prepared); an import conflict names the
//     objects of the failing statement. Lists are read with one query per
//     list for any number of apps (ListApps: four statements, where SQLite
//     ran three per app), and a tenant with its domains with one LEFT JOIN
//     (PostgreSQL aggregated them into an array).
//   - Protocol rules: refresh-token reuse and authorization-code replay are
//     decided in identity (rules.go), inside the UpdateRefreshToken and
//     UpdateAuthCode closures; what remains here is the contract's
//     atomicity — a token stored into a family revoked before is stored
//     revoked (store.FamilyMemory), which needs the family's lock across
//     the create and the revocation and so cannot be a closure's decision
//     without a new store method. It is now written once, here.
//
// # Concurrency
//
// A DB and a Store are safe for concurrent use. Update closures run inside
// a transaction that may be run again (see DB.Write): they must only
// compute, never call the store.
package sqlstore
