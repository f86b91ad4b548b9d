// Package snapshot is the service behind graphgate snapshot and graphgate
// reset (and, once wired, the admin API's snapshot endpoints): save the
// whole store under a name, put it back, list and delete snapshots, and
// reset the store to the demo tenant as a fresh start seeds it.
//
// Where the data goes is the store's business (store.Snapshots): the
// SQLite backend writes snapshots/NAME.db beside its database with VACUUM
// INTO; PostgreSQL copies the store's schema into a schema of its own.
// Both restore online, in one transaction, so a running server need not
// stop: its requests see the old data until the commit and the snapshot's
// after it. Signing keys are never restored, so tokens issued before a
// restore or a reset still verify (their users may be gone).
//
// It must not speak SQL, know a backend, or print: commands and the admin
// API format what it returns.
package snapshot
