// Package sqlite is graphgate's embedded storage backend: store.Store on two
// SQLite database files in the directory given to Open — graphgate.db, the
// tenant file, and logs.db, the decision and sign-in logs' own (logs.go) —
// through database/sql and the pure-Go driver modernc.org/sqlite (no cgo).
//
// # What it owns
//
// The files and their schemas: the tables, the migrations that create them,
// the connection settings, and the translation between store types and rows.
// It keeps what it is given exactly (password and secret hashes included;
// hashing is the caller's job) and checks nothing about permissions or
// protocols. Several processes may open the same file (replicas on one
// host); SQLite's file locks make them one database. The file must be on a
// local file system: WAL mode needs shared memory, so not NFS or SMB.
//
// # The shared SQL layer
//
// The SQL both backends run alike lives in store/sqlstore, which a Store
// embeds: lockouts, signing keys and settings, sessions (codes, refresh
// tokens, device codes), delegated grants and app role assignments, service
// principals, administrative units and memberships, apps, tenants, users
// and groups, tenant transfer, the refill of a snapshot restore, items
// with their queries, and the decision and sign-in logs (on the logs' own
// file, below). This
// package gives it its pools and its flavor (flavor.go: '?' placeholders,
// no row locks under BEGIN IMMEDIATE, times in milliseconds, SQLITE_BUSY
// retried, statements kept prepared in sqlstore's bounded cache) and keeps
// what is SQLite's own: the files, the pragmas, the migrations, the user
// cache (directory.go: a decorator in front of sqlstore's GetUser, which
// reads through the shared SQL on a miss), the listing cache (listcache.go:
// the same in front of QueryItems for keyed listings — the messages page's
// keys and versions, a calendar view's active series masters' keys —
// bounded by entries and bytes), both served only while
// the tenant file's WAL stamp (walstamp_unix.go) is the one they were read
// at, so neither ever answers with data older than the last commit of any
// process; snapshots as files (VACUUM INTO,
// ATTACH), Wipe, and what its item queries do differently (the flavor's
// Queries, items.go). Item listings run in the shared layer's read
// transactions, so their statements come from its prepared-statement
// cache; the kind is written into them as a literal, which lets SQLite
// settle the per-kind partial index when it prepares a statement instead
// of re-preparing it at every run from the bound value.
//
// # Connections and pragmas
//
// A Store has two connection pools on the tenant file, configured through the
// driver's DSN parameters so that every new connection gets them:
//
//   - journal_mode=WAL: readers and the writer do not block each other, and
//     a commit appends to the log instead of rewriting pages.
//   - synchronous=FULL: every commit is fsynced before it returns, so an
//     acknowledged write survives a crash of the process or of the machine
//     (NORMAL, the usual WAL choice, may lose the last commits on power
//     loss; graphgate's writes are few and small, durability wins).
//   - busy_timeout=10000: a statement that finds the file locked by another
//     connection waits up to 10 s in SQLite's busy handler (which
//     modernc.org/sqlite stops early when the call's context is done).
//   - foreign_keys=ON: an app's redirect URIs, secrets and certificates and
//     a tenant's domains are deleted with it (ON DELETE CASCADE).
//   - _txlock=immediate (write pool only): database/sql's BeginTx issues
//     BEGIN IMMEDIATE, taking the write lock at once. A read-modify-write
//     (update closures, redeeming a code, rotating a token) therefore cannot
//     interleave with another writer, in this process or another, and never
//     has to upgrade a read lock to a write lock, which in a DEFERRED
//     transaction fails with SQLITE_BUSY instead of waiting.
//   - query_only=ON (read pool only): the read pool cannot write by mistake.
//
// The logs' file, logs.db, has a writer pool of one connection, opened
// like the write pool but with synchronous=NORMAL, on which the decision
// and sign-in logs append and prune (see "Durability of the logs" below),
// and a read pool of two query-only connections (sqlstore's Pools.Log and
// Pools.LogRead). Nothing else uses them. The logs have a file of their own
// because the user and listing caches (validated by the WAL stamp,
// walstamp_unix.go) are emptied by every commit to the file they watch: in
// the tenant file, the log writer's commits under load emptied them at
// nearly every request.
//
// The write pool has a single connection, so writers of one process queue
// in database/sql, which honours their contexts, instead of polling the file
// lock in SQLite's busy handler (which sleeps up to 100 ms between tries and
// is not fair); only writers of different processes meet at the file lock.
// The read pool has several connections; multi-statement reads run in one
// read transaction, so they see one snapshot.
//
// # Durability of the logs
//
// The decision and sign-in logs are diagnostic records, not tenant data:
// they must survive a crash of graphgate, and may lose the last moments of
// records on a crash of the operating system or a power loss. Their own
// connection runs with synchronous=NORMAL, which in WAL mode means: a
// commit appends its frames to the -wal file (the operating system has
// them once the call returns, so a killed process loses nothing) but does
// not fsync it; the database stays consistent whatever happens (a
// transaction is in the WAL whole or not at all), and the next checkpoint
// of logs.db fsyncs the WAL. Tenant data keeps FULL: its commit returns
// after the fsync.
// Measured on a loaded 2-core machine, the fsync was most of a log batch's
// wall time and 17 % of the server's CPU under load (bench/README.md, "The
// decision log's cost").
//
// The logs' writer and the tenant file's write pool never meet at a lock:
// each has its own file. (While they shared one, a tenant write beside a
// log committing without pause waited 14–63 ms at SQLite's file lock, and
// the two took turns in Go first.) A log transaction is short: a batch is
// appended in multi-row INSERTs of 64 rows (one bind, one statement and one
// sqlite_sequence update per 64 rows; store/sqlstore's logs.go), whose
// statement sqlstore keeps prepared on that connection, so it is parsed
// once.
//
// # Transactions
//
// Every method is one transaction, run by write or read (tx.go). When
// SQLite reports SQLITE_BUSY or SQLITE_LOCKED anyway (the busy timeout
// expired, or a lock the busy handler does not cover, such as WAL recovery
// by another process), the whole transaction is rolled back and run again,
// update closure included, with jittered exponential back-off from 10 ms to
// 500 ms, at most 5 attempts. Update closures must not call the Store: the
// write pool's one connection is theirs already, so a nested write would
// wait for itself.
//
// database/sql and the driver provide everything else: the pools, BEGIN
// IMMEDIATE (_txlock), context-aware busy waiting, extended result codes in
// *sqlite.Error (SQLITE_CONSTRAINT_UNIQUE and _PRIMARYKEY become
// store.ErrConflict), multi-statement Exec for migrations. The retry loop is
// the only hand-written piece, because database/sql retries only on
// driver.ErrBadConn.
//
// # Encoding
//
//   - Times are INTEGER milliseconds since the Unix epoch, UTC (the
//     contract's precision; integers compare and index cheaply and cannot
//     be misparsed). The zero time.Time is NULL. Times are read back with
//     time.UnixMilli(…).UTC().
//   - Lists of plain strings (scopes, roles, phones, group types) are TEXT
//     holding a JSON array; an empty list is '[]' and reads back as nil.
//     Lists of structures (domains, redirect URIs, secrets, certificates)
//     have their own tables, ordered by a position column.
//   - Case-insensitive keys (UPNs, domains) are stored twice: as given, and
//     lower-cased by Go's strings.ToLower (Unicode-aware, unlike SQLite's
//     lower()) in a *_key column with a unique index.
//   - Codes and tokens are keyed by their SHA-256 hash (BLOB primary key).
//   - Tables are STRICT, so a wrongly typed value is an error, not a silent
//     conversion.
//
// # Items
//
// Workload data (store.Items: messages, folders, events, tasks, chats, …)
// lives in one table, items, keyed by (tenant_id, kind, id), with owner_id
// and parent_id (empty for none), version, created_at and modified_at as
// columns, and the object's Graph representation as a JSON document in doc:
// TEXT holding exactly the bytes given (so documents round-trip
// byte-for-byte here, though the contract only promises equivalent JSON),
// checked by json.Valid in Go and by CHECK (json_valid(doc)) in the table.
//
// Queries are pushed down, never evaluated in Go. Items, their queries and
// the directory queries are store/sqlstore's (items.go, dirquery.go), for
// both engines; this backend keeps what SQLite does its own way, in
// items.go's queries (sqlstore.Queries): lists bound as one JSON array
// read by json_each, +owner_id and INDEXED BY hints for a planner without
// statistics, LIMIT and OFFSET bound (one prepared statement for every
// page, through sqlstore's statement cache), the overlap's continued
// ranges split in two (no row-value seek on an expression index), and
// the FTS5 text index (textCandidates). QueryItems builds
//
//	SELECT … FROM items WHERE tenant_id = ? AND kind = 'k' [AND owner_id = ?]
//	  [AND parent_id = ?] [AND parent_id IN (SELECT value FROM json_each(?))]
//	  [AND (filter)] [AND (after)] ORDER BY order, id LIMIT ? OFFSET ?
//
// where filter, order and after (a keyset cursor) are the caller's query
// IR rendered by store/sqlq for SQLite (json_extract over doc, ?
// placeholders bound after the backend's own). When the cursor's
// first key is not null and nulls sort after it, the nulls are read by a
// second statement if the range does not fill the page (sqlq.After). Lists of ids (ParentIDs, DirectoryQuery.IDs)
// are bound as one JSON array read by json_each, so their length is not
// bounded by SQLite's parameter limit; a non-nil empty list matches
// nothing. id is not appended again when the caller's ordering already
// ends with it (a duplicate key would cost a sort). Count runs SELECT count(*) with the same WHERE in
// the same read transaction, so page and total come from one snapshot.
// QueryUsers and QueryGroups do the same over the users and groups tables,
// whose column names are store.DirectoryColumns.
//
// Indexes (migration 0005): items_by_owner (tenant_id, kind, owner_id, id)
// and items_by_parent (tenant_id, kind, parent_id, id) serve scoped
// listings in id order; partial expression indexes serve the orders and
// ranges of the big workloads: for kind 'message', (tenant_id, parent_id,
// json_extract(doc, '$.receivedDateTime') DESC, id) and the same by
// owner_id (a folder's or a mailbox's mail newest first, read in order and
// stopped at the page's end, no sort); for kind 'event', (tenant_id,
// parent_id, json_extract(doc, '$.start.utc'), id) and the same on
// '$.end.utc' (calendar views). SQLite matches expressions structurally, so
// the caller must spell the JSON path as the index does; spacing does not
// matter. kind is bound as a parameter: SQLite proves a partial index
// usable from the bound value (re-preparing the statement for it). When a
// query names both owner and parent, owner_id is written +owner_id, which
// keeps it a filter rather than an index key: without ANALYZE statistics
// the planner would otherwise pick the mailbox index over the folder's.
// TestMailQueryUsesIndex checks these plans.
//
// Overlap queries (store.Overlap, migration 0008) list a calendar's events
// or exceptions overlapping a window in start order without reading its
// history: the virtual generated column span_class is an item's duration
// class, and items_events_by_span / items_exceptions_by_span are (tenant_id,
// parent_id, span_class, start, id, end) for their kind. The query is a
// UNION ALL of one index range per class, each opened at the earliest start
// its class allows (or at the continued position: start = ? AND id > ?,
// then start > ?, since SQLite does not seek an expression index with a row
// value) and limited to the page, the union sorted and limited again. The
// kind is written as a literal and the index named (INDEXED BY): without
// statistics the planner would read the continued range from a scope
// index. items_series_span (migration 0020, replacing 0008's
// items_series_by_end) indexes series masters by the end of their last
// occurrence, then their start, so that a window's active masters are
// found in the index alone. TestOverlapUsesSpanIndex checks these plans.
//
// Mail queries (migration 0010): isRead with receivedDateTime DESC, id,
// lower(subject), id (a folder's and a mailbox's), the sender's address
// and conversationId, each a partial expression index spelled as odata
// compiles it. The migration writes sqlite_stat1 rows describing a large
// tenant, so that the planner prefers an index that narrows an equality
// over one that yields the order, on a database no ANALYZE has run on.
// $search (store.ItemQuery.Text, migration 0011) reads an FTS5 trigram
// table, items_text, kept by triggers on items and keyed through
// items_text_keys (an INTEGER PRIMARY KEY, which VACUUM keeps): a query
// first counts the candidates (at most textCandidatesMax); none answers
// at once, a few are read by primary key (INDEXED BY), many are left to
// the query's order, since a common word is found in the first rows.
// TestMessageQueriesUseIndexes and TestTextSearchUsesIndex check these.
// startswith on the directory's names (migration 0013) reads lower(col)
// expression indexes through the range odata adds to the LIKE, which
// SQLite's LIKE optimisation cannot do for an expression; migration 0019
// adds id to them (users and groups are rowid tables, whose index entries
// carry the rowid), so that a directory page's ids are sorted from the
// index alone and only the page's rows are read (sqlstore's listing by
// key); TestUserPrefixUsesIndex checks both.
//
// Folder counters (migration 0017): message_counts holds each mailbox
// folder's total, unread and read messages (and odd: an isRead neither
// boolean nor null), kept by row triggers on items in the writing
// statement's transaction (an UPSERT per message written, moved,
// re-read or deleted: SQLite's writers are serialized, so the row is
// never contended), and read by sqlstore's counts.go for a folder's
// $count, unread $count and mailFolder counts; TestFolderCountReadsOneRow
// checks the plan. A DELETE of many messages (a restore, Wipe) runs the
// trigger for each, where SQLite's truncate optimisation applied before.
//
// Batch runs its function in one write transaction and hands it an Items
// bound to that transaction (the write pool's one connection, so no nested
// write waits for itself); the function must use only that Items, and like
// an update closure it is re-run if SQLite reports the database busy. Each
// of its CreateItems calls and nested Batches runs in a SAVEPOINT, so a
// call that fails changes nothing even if the function goes on and
// commits. UpdateItem with ifVersion > 0 compares the stored version before
// calling the closure; the backend then sets Version to the stored one plus
// one and ModifiedAt to the current time (milliseconds, UTC), and keeps
// tenant, kind and id. CreateItems stores Version 1 for 0, and fills a zero
// CreatedAt with the current time and a zero ModifiedAt with CreatedAt.
//
// # Bulk loads
//
// BulkLoad (bulk.go, store.BulkLoader) is how demo.Generate stores a
// generated tenant's mail, events and tasks: in one IMMEDIATE transaction
// on the write pool's connection, with synchronous=OFF and a 64 MiB page
// cache for its duration, the items table's secondary indexes dropped first
// and created again (with their sqlite_stat1 rows) before the commit, and
// the items inserted a thousand rows per statement, so that the text
// index's trigger still indexes every message but FTS5 flushes its terms
// once a statement instead of once a row. It is all or nothing: a failure
// or a crash leaves the database as it was, indexes included; a checkpoint
// with synchronous=FULL makes the load durable before BulkLoad returns.
// Writers wait while it runs (it is meant for a store nothing serves).
// DeferSync (store.SyncDeferrer) runs the generated users' one-row
// transactions at synchronous=NORMAL, as the logs' connection runs, and
// checkpoints at FULL when they are done: an fsync a commit (about 2 ms
// here) was most of their time.
//
// # Migrations
//
// The schema is the numbered files migrations/NNNN_name.sql, embedded in
// the binary; numbers run 1, 2, 3… without gaps. The schema_migrations
// table records each applied version. Open applies the missing ones, all in
// one BEGIN IMMEDIATE transaction (SQLite's DDL is transactional): a failing
// migration leaves the schema as it was, and processes opening a new file at
// once serialize on the write lock, so the second finds nothing to do. A
// database with a version this program does not know is refused. A
// migration is never edited once released; changes are new files.
// logs.db has its own list, logmigrations/NNNN_name.sql, numbered and
// recorded the same way in its own schema_migrations table and applied by
// the same code before the tenant file's; its first creates the logs'
// tables as the tenant file's migrations 0009–0015 left them, and the rows
// an older graphgate kept in the tenant file are moved in by the same
// transaction (logs.go).
//
// Snapshots (snapshot.go) are files snapshots/NAME.db beside the database,
// written by VACUUM INTO on the writer connection (writers wait for the
// copy, readers go on) into a temporary owner-only file renamed into place.
// A restore attaches the file to the writer connection and, in one
// IMMEDIATE transaction with foreign keys deferred to the commit, deletes
// and copies (sqlstore.Copy, the same refill as PostgreSQL's) every table but the signing keys and schema_migrations (the
// generated column items.span_class is left out of the copy): readers of
// this and other processes see the old data until the commit, the user and
// listing caches follow the commit through the WAL stamp, so a running server need
// not stop. A snapshot of another schema version is refused. Snapshots
// hold the tenant file only: logs.db is neither saved, restored nor wiped,
// as the log tables were always left as they were by a restore and a wipe
// (store.SnapshotKeepTables).
package sqlite
