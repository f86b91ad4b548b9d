// Package postgres is graphgate's PostgreSQL storage backend: store.Store,
// store.Items and store.DirectoryQueries on a PostgreSQL database (tested
// with PostgreSQL 15), through pgx v5 and its pgxpool connection pool.
// The server selects it with --store postgres://…, which it passes to Open.
//
// # What it owns
//
// The schema in the connection's current schema (the first existing schema
// of search_path, which the DSN may set: …?search_path=graphgate): the
// tables, the migrations that create them, and the translation between
// store types and rows. It keeps what it is given exactly (password and
// secret hashes included; hashing is the caller's job) and checks nothing
// about permissions or protocols. Any number of Stores, in one process or
// in replicas, may share the database; PostgreSQL's transactions and row
// locks make them one store. The pool, TLS and credentials are configured
// by the DSN as pgx reads it (pool_max_conns, sslmode, …); Open only adds a
// 10 s connect timeout and application_name=graphgate when the DSN has
// none, and pings the server so that a wrong address fails at start-up.
//
// # The shared SQL layer
//
// The SQL both backends run alike lives in store/sqlstore, which a Store
// embeds: lockouts, signing keys and settings, sessions (codes, refresh
// tokens, device codes), delegated grants and app role assignments, service
// principals, administrative units and memberships, apps, tenants, users
// and groups, tenant transfer, items with their queries, directory
// queries, and the decision and sign-in logs (appended in multi-row
// INSERTs of 64 rows). It
// runs on the same pgx pool natively, through sqlstore's narrow Engine
// (engine.go: Exec, Query, QueryRow, transactions at READ COMMITTED or
// in a REPEATABLE READ READ ONLY snapshot), so the pool — its settings,
// its per-connection statement cache, pgx's arrays and scanning — is
// one; timecol.go gives each connection a scan plan for the shared
// layer's time columns (sqlstore.TimeTarget) that stores pgx's decoded
// time without boxing it for a sql.Scanner; flavor.go gives sqlstore what is PostgreSQL's: $n placeholders,
// FOR UPDATE, the family's advisory lock, timestamptz, the retryable
// SQLSTATEs, the logs' LogTx. Snapshots (but their refill, sqlstore.Copy)
// still use the pool directly.
//
// # Transactions, isolation and locking
//
// Writes run at READ COMMITTED, and every read-modify-write locks the rows
// it reads: update closures run after SELECT … FOR UPDATE of the object's
// row (the tenant, user, group, app, device code, refresh token or item),
// so concurrent updates of one object queue on the row lock and each
// closure sees the result of the one before it; nothing is lost and nothing
// fails. SERIALIZABLE would give the same guarantee by aborting the losers
// (SQLSTATE 40001) and re-running them, which under the contention the
// contract tests (ten updaters of one row) costs many retries for no gain.
// Single-use objects (authorization codes, refresh tokens, device codes)
// change through the same locked closures (UpdateAuthCode,
// UpdateRefreshToken, UpdateDeviceCode): the rules — a code redeemed once,
// a refresh token rotated once, a device code's states — are the identity
// platform's, in its closures; the lock makes a closure that consumes an
// object succeed once, across processes. UpdateRefreshToken inserts the
// successor in the same transaction, so a successor that cannot be stored
// leaves the token unused.
//
//   - Revocations are UPDATE … WHERE revoked_at IS NULL: each token is
//     counted by one revoker.
//
// Get-or-create operations (EnsureServicePrincipal, AddAppRoleAssignment,
// AddSigningKey, SettingOrCreate) are INSERT … ON CONFLICT DO NOTHING on a
// unique key: a concurrent inserter of the same key waits for the first
// transaction and then does nothing, and a following SELECT (a new
// statement, so a new snapshot) sees the winner's row. UpsertDelegatedGrant
// cannot lock a grant that does not exist yet: when two callers both insert
// it, the second insert violates the key, and that transaction is rolled
// back and run again, finding and locking the row the first one stored.
// UpsertLockout avoids that retry: it inserts a zero row ON CONFLICT DO
// NOTHING first, then locks the row FOR UPDATE, so concurrent failed
// sign-ins on any replica queue on one row lock and every one is counted.
//
// The transaction helper (tx.go) retries a transaction, closure included,
// when PostgreSQL reports a serialization failure or a deadlock (40001,
// 40P01, which a deadlock between two writers' row locks can still cause),
// when an insert lost such a race, or when a cached prepared statement went
// stale because another replica migrated the schema: jittered exponential
// back-off from 5 ms to 250 ms, at most 10 attempts. Update closures must
// therefore be safe to re-run and must not call the Store: a Store method
// runs on another connection, outside the transaction, and would wait
// forever for a row the transaction has locked.
//
// Reads of one statement run on the pool; reads of several (an app with
// its lists, a query with its count) run in a REPEATABLE READ READ ONLY
// transaction, so they see one snapshot, and read-only transactions never
// fail to serialize. Unique violations (23505) become store.ErrConflict and
// pgx.ErrNoRows store.ErrNotFound; a failing statement aborts its
// transaction, so a method either succeeds completely or changes nothing.
//
// Items.Batch runs its closure in one transaction (retried like an update
// closure); each method of the transaction-bound Items runs in a savepoint,
// so one that fails (a duplicate in CreateItems) changes nothing and leaves
// the transaction usable, and a nested Batch is a savepoint too.
//
// Overlap queries (store.Overlap, migration 0008) are a UNION ALL of one
// range of items_event_span / items_exception_span per duration class
// (graphgate_span_class(doc), an immutable SQL function over the stored
// text), each opened at the earliest start its class allows or at the
// continued (start, id) row, limited to the page and merged in order
// (Merge Append). The kind is a literal in the statement, so that generic
// plans of a prepared statement use the partial indexes too.
// TestOverlapIndexes checks both kinds of plan.
//
// Mail queries (migration 0010) have expression indexes spelled as
// store/sqlq renders OData's conditions and orderings: isRead with receivedDateTime DESC NULLS LAST, id (a
// folder's and a mailbox's), lower(subject) for equality (the database's
// collation) and COLLATE "C" NULLS FIRST for $orderby, the sender's
// address and conversationId. $search (store.ItemQuery.Text, migration
// 0011) adds graphgate_message_text(doc) LIKE '%term%' for each term of
// three characters or more, which a pg_trgm GIN index answers when the
// planner finds the term rare; the caller's Filter still decides.
//
// Items, their queries and the directory queries are store/sqlstore's
// (items.go, dirquery.go), over this backend's pgx pool (engine.go);
// what PostgreSQL does its own way is items.go's queries
// (sqlstore.Queries): lists bound as text[] (= ANY), literal LIMIT and
// OFFSET, row-value seeks of the span indexes, parenthesised UNION ALL
// arms, the pg_trgm text conditions, and the listings' execution mode.
// Listings (items, users, groups) are planned for each execution with
// their values (planEachTime, pgx's QueryExecModeCacheDescribe, passed
// to pgx as the first argument: Queries.ListingArgs) rather
// than as a cached prepared statement,
// whose generic plan estimates every folder as the average one. Migration
// 0013 gives the planner extended statistics on (owner_id, parent_id), the
// unread messages of a folder and of a mailbox partial indexes (an
// index-only $count, pages in receivedDateTime DESC NULLS LAST, id order,
// ready for keyset paging), and the directory's names lower() COLLATE "C"
// indexes for startswith's range. TestMessageQueriesUseIndexes and
// TestUserPrefixUsesIndex check the plans the server gets, on generated,
// analyzed data (Analyze vacuums too, so index-only scans skip the heap).
// Migration 0017 rebuilds the prefix indexes with their column INCLUDEd:
// PostgreSQL plans an index-only scan only when the index holds every
// column the query names, and lower(col) names col, so startswith's
// $count was a bitmap heap scan of every match's page (users starting
// with "a" at scale 1: 3,670 pages, 14 ms; now 149 index pages, 2.3 ms).
// Migration 0019 INCLUDEs id too: a directory page sorts the range's ids
// from an index-only scan and reads only its own rows by users_pkey
// (sqlstore's listing by key).
//
// # Folder counters
//
// Migration 0017 keeps per-folder message counters (message_counts: total,
// unread, read, and odd for an isRead that is not a boolean), which answer
// a folder's $count, unread $count and mailFolder's totalItemCount and
// unreadItemCount in one primary-key read (sqlstore's counts.go;
// TestFolderCountReadsOneRow). Statement-level AFTER triggers with
// transition tables (graphgate_message_counts) apply one aggregate per
// statement, in the statement's transaction, so a restore's or an
// import's INSERT … SELECT updates each folder's row once; a folder's
// deltas that sum to zero (a PATCH of a subject) write nothing.
//
// The counter row is a hot row: every transaction that adds, removes,
// moves or re-reads a message of a folder updates that folder's row and
// holds its lock until it commits, so concurrent writers of one folder
// (of any replica) queue there — their transactions' commit, not only
// their statements, is serialized per folder — where before they only
// appended index entries. Writers of different folders do not meet. A
// move locks two rows, in key order within a statement; two transactions
// that lock the same folders in opposite orders across statements can
// deadlock, which the transaction helper retries (40P01). Each update of
// the row leaves a dead version for VACUUM (a folder written N times in
// one transaction leaves N versions that later updates in it step over:
// a bulk load should write many messages per statement, as a restore
// does). Not counting these messages at read time is what it buys: the
// unread $count of a 200,000-message inbox read 100,000 index entries.
//
// # Durability of the logs
//
// Tenant data is committed with the server's synchronous_commit (on, its
// default: a commit returns once its WAL is flushed). The decision and
// sign-in logs are diagnostic records, not tenant data: their appends and
// prunes run with SET LOCAL synchronous_commit = off (the flavor's LogTx,
// run by sqlstore's DB.LogWrite),
// so a commit returns before the WAL flush. A crash of graphgate loses
// none of them (the server has them); a crash of the PostgreSQL server or
// of its machine may lose the last moments of records (at most three times
// wal_writer_delay), never half a batch, and never tenant data, whose
// commits wait for their own flush (and so flush the log's before them).
//
// # Encoding
//
//   - Times are timestamptz: instants with microsecond precision (more than
//     the contract's milliseconds; pgx truncates nanoseconds). They are read
//     back in UTC whatever the session's TimeZone, and the zero time.Time is
//     NULL.
//   - Lists of plain strings (scopes, roles, phones, group types, …) are
//     jsonb arrays, '[]' when empty (read back as nil), with a CHECK that
//     they are arrays. jsonb rather than text[] because the Graph server's
//     directory queries use JSON functions on them
//     (jsonb_array_elements_text(group_types)), and one encoding for every
//     list keeps the code uniform. A tenant's domains and an app's redirect
//     URIs, secrets and certificates have their own tables, ordered by a
//     position column.
//   - Item documents are jsonb: PostgreSQL parses them (invalid JSON is an
//     error), indexes expressions over them, and returns them normalized
//     (keys reordered, spacing and number spelling canonical), so a
//     document comes back as equivalent JSON, not the same bytes.
//   - Case-insensitive keys (UPNs, domains) are stored twice: as given, and
//     lower-cased by Go's strings.ToLower (Unicode-aware, independent of the
//     database's locale) in a *_key column with a unique index. Device user
//     codes are unique and matched as given, as in the SQLite backend (the
//     identity platform upper-cases what people type).
//   - Ids and keys are text COLLATE "C", so that ordering and paging by id
//     are byte order, as in SQLite and Go, whatever the database's locale.
//   - Codes and tokens are keyed by their SHA-256 hash (bytea primary key).
//   - Booleans are boolean, so the users and groups tables expose the
//     columns of store.DirectoryColumns with the types the Graph server's
//     compiled OData expects.
//
// # Pushed-down queries
//
// ItemQuery and DirectoryQuery carry the query IR (no SQL), which
// store/sqlq renders for PostgreSQL. sqlstore binds the store's own
// conditions first (tenant, kind, owner, parent, ids), the rendered ones
// after them, and numbers the whole statement's placeholders
// (Flavor.Rebind); id is always the final sort key. A keyset cursor
// (After) applies to the page, not the count; when its first key is not
// null and nulls sort after it, they are read by a second statement if
// the range does not fill the page (sqlq.After). A query with Count runs the count in the
// same snapshot as the page.
//
// # Migrations
//
// The schema is the numbered files migrations/NNNN_name.sql, embedded in
// the binary; numbers run 1, 2, 3… without gaps. The schema_migrations
// table records each applied version. Open applies the missing ones in one
// transaction (PostgreSQL's DDL is transactional: a failing migration leaves
// the schema as it was) that first takes pg_advisory_xact_lock(0x6767,
// hashtext(current_schema())): replicas starting at once queue on the lock
// and the later ones find nothing to do, so every migration runs exactly
// once; the lock ends with the transaction, also if the process dies. It is
// keyed by schema so that stores in different schemas of one database (the
// tests' fresh schemas) do not wait for each other. A schema with a version
// this program does not know is refused. A migration is never edited once
// released; changes are new files.
//
// Snapshots (snapshot.go) are schemas ggsnap_<first 8 hex digits of the
// SHA-256 of the store's schema name>_<name> in the same database, so
// stores in other schemas (the tests', several graphgate instances) keep
// theirs apart within PostgreSQL's 63-byte names. Save copies every table
// (CREATE TABLE … AS TABLE, or refilling an existing snapshot's tables) in
// one REPEATABLE READ transaction, with a graphgate_snapshot_meta row
// (name, store schema, schema version, time). Restore locks the store's
// tables but the signing keys and schema_migrations IN EXCLUSIVE MODE
// (writers of every replica wait, readers see the old data until the
// commit), deletes children before parents and copies parents before
// children (foreign-key order from pg_constraint; the refill is
// sqlstore.Copy's, shared with SQLite), in one transaction.
package postgres
