// Package store defines graphgate's storage: the types it keeps and the
// Store interface every backend implements (the embedded SQLite backend in
// store/sqlite, PostgreSQL in store/postgres). Backends are interchangeable
// and all pass one suite, store/conformance.
//
// The contract, for every backend:
//   - Methods are safe for concurrent use, from one process or from several
//     processes sharing the database (replicas).
//   - A method either succeeds completely or changes nothing.
//   - Update methods take a closure that receives the current value and
//     returns the new one; the backend runs it in a transaction (re-running
//     it is allowed), so read-modify-write is atomic. Returning an error
//     from the closure aborts the update and returns that error.
//   - Single-use objects (authorization codes, refresh tokens, device codes)
//     change only through update closures, run with the object locked
//     across processes: of concurrent updates each sees the previous one's
//     result, so a closure that consumes an object once lets exactly one of
//     concurrent consumers win. The rules (single use, reuse detection,
//     device-code states) are the identity platform's, in its closures;
//     the store only makes the read-modify-write atomic.
//   - Lookups, updates and deletes of a missing object return ErrNotFound
//     (an update's closure is then not called); creating an object whose
//     key exists returns ErrConflict (device user codes are unique too).
//   - Create methods store Version as given (callers pass 1); updates
//     increment it. An update closure cannot change an object's key fields
//     (ids, tenant, hashes): the backend keeps the originals. A closure that
//     wants optimistic concurrency compares Version and returns
//     ErrPrecondition.
//   - Update closures must not call the store (a backend may hold its only
//     write connection while the closure runs).
//   - Times are stored with at least millisecond precision and returned in UTC.
//   - Object ids are unique within a tenant; user principal names across
//     the store.
//   - Deleting a user removes their memberships; deleting a group removes
//     the memberships it holds and those it is in. Other deletes do not
//     cascade (a deleted app's grants stay, as in Entra until cleanup).
//   - Revoke methods count tokens newly revoked: revoking twice returns 0.
//   - Upsert methods create the object or let the closure change it, in one
//     transaction: of concurrent upserts of one key (in any process) each
//     sees the previous one's result, so none is lost.
//   - Doc is returned as equivalent JSON (a backend may normalise spacing
//     and key order).
//   - A value holding a NUL character (U+0000) — a key looked up, an object
//     or document written (a JSON escape \u0000 included), a query
//     argument — is refused with ErrInvalidText before any statement runs
//     (PostgreSQL cannot hold one; SQLite refuses it too, so both answer
//     alike). Binary values ([]byte) hold any byte.
//   - Snapshots (Snapshots, snapshot.go) save the whole store under a
//     validated name and restore it in one transaction, online; restore
//     and Wipe keep the signing keys, the decision log and the sign-in log (SnapshotKeepTables). SQLite keeps a
//     snapshot as a file beside the database, PostgreSQL as a schema of the
//     same database.
//
// The decision log (DecisionLog) is append-only: rows are never updated,
// only deleted by PruneDecisions (retention), oldest first. So is the
// sign-in log (SignInLog, signins.go): one tenant's sign-ins, read newest
// first by keyset (Seq) with filters every backend builds from
// SignInQuery.Where, pruned by PruneSignIns.
//
// Queries. Item and directory queries (ItemQuery, DirectoryQuery) take a
// typed query IR (query.go): conditions (Compare, In, Match, IsNull,
// And/Or/Not, Any/All over JSON arrays), orderings and a keyset Cursor,
// over document paths and the columns the store declares — never SQL.
// One renderer, store/sqlq, turns it into SQL for either backend
// (parameterised by a Dialect: JSON paths, placeholders, casts,
// collation, null order). Keyset paging (ItemQuery.After, CursorOf)
// continues a listing after its last row through the index on the order,
// so that a deep page costs what the first does; Offset stays for a
// client's $skip. SQL text lives only under internal/store
// (internal/archtest, TestNoSQLOutsideStore), and the query types carry
// none: the conformance suite speaks the IR too.
//
// The store knows nothing about permissions or protocols; it keeps what the
// identity platform and the Graph server tell it to.
//
// The backends share their SQL through store/sqlstore, one implementation
// over database/sql with a Flavor per engine (placeholders, row locks,
// time encoding, error classes and retries), as dex's storage/sql does;
// each backend embeds it and keeps what is its own (migrations,
// connection set-up, SQLite's user cache, PostgreSQL's pool, batches and
// replica bits, where each keeps its snapshots). Moved so far: lockouts,
// signing keys and settings, sessions, delegated grants and app role
// assignments, service principals, administrative units and memberships,
// apps, tenants, users and groups, tenant transfer and the snapshot
// refill; the figures (lines
// the backends share, benchmarks) are in bench/README.md, "Storage".
package store
