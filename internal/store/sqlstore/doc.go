// Package sqlstore is the store contract's shared implementation over a
// narrow Engine of its own (engine.go): the SQL both backends
// (store/sqlite, store/postgres) run alike, written once, with a Flavor for what the engines do differently
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
//   - Engine: what statements run on — Exec, Query (rows with Next, Scan,
//     Err, Close), QueryRow (Scan), and Begin/Commit/Rollback on the pool
//     of a use (write, read, log) with the engine's isolation for it. The
//     backends implement it over their driver's own interface; SQL
//     (sqldb.go) is the one over database/sql pools, with a bounded cache
//     of prepared statements per pool (stmtcache.go), which SQLite uses.
//   - DB: transactions with retries on the engine, the guard (every
//     argument passes store.CheckArg before it is bound), and the
//     placeholders: statements are written with '?' and rewritten once for
//     a numbered flavor (a bounded cache of the rewritten text).
//   - Store: the families whose SQL is the same on both engines, moved out
//     of the backends family by family: lockouts, signing keys and
//     settings, sessions (authorization codes, refresh tokens, device
//     codes), delegated grants and app role assignments, service
//     principals, administrative units and memberships, apps (apps.go),
//     tenants, users and groups (tenants.go, users.go, groups.go), tenant
//     transfer (transfer.go), the part of snapshots that is the same SQL
//     (snapshot.go: the schema version check, the tables a restore
//     refills, the refill), items (workload objects, Batch included), the
//     item and directory queries, and the decision log and the sign-in
//     log (logs.go: appends in multi-row INSERTs of 64 rows, pruning by
//     age and count). A backend embeds *Store and adds what is its own.
//   - Item and directory queries (items.go, dirquery.go): the store's own
//     conditions (tenant, kind, owner, parent, ids) followed by the
//     caller's query IR rendered by store/sqlq, id as the final sort key,
//     the keyset tail and the count in the same read transaction (a
//     directory page sorts its matches' ids first, from an index that
//     holds them, and reads only its own rows by key), and the
//     overlap (calendar view) query over the span indexes. What the
//     engines do differently for them is the flavor's Queries: how a list
//     is bound (a JSON array read by json_each, a text[] with = ANY),
//     SQLite's planner hints (+owner_id, INDEXED BY span indexes; it has
//     no statistics), literal or bound LIMIT, PostgreSQL's per-execution
//     planning of listings (Queries.ListingArgs), row-value seeks, the
//     shape of a UNION ALL arm, and each engine's text index
//     (Queries.Text: SQLite's FTS5 candidates, read by a query of their
//     own; PostgreSQL's pg_trgm LIKE conditions).
//   - Folder counters (counts.go, migration 0017 on both engines): a
//     count whose query is exactly a mailbox folder's messages, or those
//     with isRead eq/ne a boolean, reads the folder's row of
//     message_counts in the page's snapshot instead of counting rows
//     (countedFolder says which; every other count counts rows). The
//     engines' triggers on items keep the rows in the writing statement's
//     transaction, so every write path counts: create, update, move,
//     delete, Batch (and its rolled-back savepoints), import, restore.
//     RestoredTables leaves message_counts out (TriggerTables): the
//     restore's refill of items refills it through the triggers. A folder
//     holding a message whose isRead is not a boolean or null (odd) is
//     counted by its rows, since the engines compare such values
//     differently.
//   - The logs' durability: DB.LogWrite runs the decision and sign-in
//     logs' transactions on the engine's UseLog pool (SQLite's connection
//     with synchronous=NORMAL) after the flavor's LogTx statement
//     (PostgreSQL's SET LOCAL synchronous_commit = off): they survive a
//     crash of graphgate and may lose their last moments on a crash of the
//     machine, while tenant data keeps the full promise. Nothing else may
//     write through it. DB.LogRead reads them, one statement outside a
//     transaction, on the UseLogRead pool: SQLite keeps the logs in a
//     database file of their own (so their commits do not move the tenant
//     file's WAL stamp), PostgreSQL in the one database.
//
// # What it must not do
//
// It must not import a database driver (the backends pass their Flavor,
// with its error classification, and their Engine: SQLite's *sql.DB pools
// through SQL, PostgreSQL's pgx pool through its own engine), nor decide
// anything about protocols or permissions: single-use and reuse rules are the
// identity platform's, run in the update closures; the store only makes a
// read-modify-write atomic. It does not own migrations, the backends'
// connection set-up, SQLite's user cache (a decorator in the backend in
// front of GetUser, so that the SQL stays one) or PostgreSQL's LISTEN and
// replica bits, nor the engines' text indexes and span-index hints (the
// backends' items.go, through Queries). Nor where snapshots live: SQLite's are files written with
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
//   - PostgreSQL runs the shared statements on its pgx pool natively
//     (store/postgres's engine.go), not through database/sql: one pool,
//     one set of settings, pgx's per-connection statement cache, its
//     QueryExecMode argument for the listings planned per execution
//     (Queries.ListingArgs), its arrays for = ANY and its scanning. The
//     shared layer's scan targets are plain values, sql.Null* and its own
//     sql.Scanners (ts, strs), which pgx scans as database/sql did (a
//     Scanner gets the same driver values); time columns also offer
//     TimeTarget, which the PostgreSQL engine fills without pgx boxing a
//     time.Time for Scan. Measured old and new side by side (bench/README.md,
//     "One shared SQL layer", "pgx natively"): GetRefreshToken 87 → 28
//     allocs/op, GetUser 116 → 41 — below the 33 and 42 pgx's native path
//     had before the shared layer — and the client's CPU per read 0.64–0.73×
//     (wall times, a round trip to a server on the same loaded 2 cores,
//     did not resolve the change). database/sql over the pgx pool
//     (pgx/v5/stdlib.OpenDBFromPool, which this replaced) converted every
//     value to a driver.Value and acquired a pool connection through a
//     new driver connection per statement.
//   - SQLite keeps statements prepared (SQL's Pools.Prepare, a
//     bounded LRU of *sql.Stmt per pool): single-row reads went from a read
//     transaction of three statements to one prepared statement
//     (GetRefreshToken 90 → 72 allocs/op, 0.61× the time at the minimum).
//     Item and directory listings go through it too: their statements are
//     the IR's shape (values bound, LIMIT and OFFSET bound), and the kind
//     is a literal, so that SQLite proves the per-kind partial indexes at
//     prepare time instead of expiring the statement whenever a kind is
//     bound (a plan that depends on a bound value is re-prepared at each
//     run). Figures in bench/README.md ("One shared SQL layer").
//     PostgreSQL does not need to: pgx caches every statement it runs,
//     per connection.
//   - Placeholders are rewritten by a small scanner of '?' (Flavor.Rebind)
//     that skips quoted text: the statements here are this package's own
//     constants (and sqlq's rendering, which numbers its own), so no full
//     SQL lexer is needed; callers pass no SQL fragments.
//   - Child lists (an app's redirect URIs, secrets and certificates, a
//     tenant's domains) and a tenant's import are written with multi-row
//     INSERT … VALUES (…), (…), at most 8 rows a statement (insertRows),
//     the same SQL on both engines, instead of one statement per row
//     (SQLite) or unnest arrays and pgx batches (PostgreSQL, which the
//     engine's interface does not offer). The bound keeps the distinct statements
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
