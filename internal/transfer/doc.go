// Package transfer moves a whole tenant between stores of any backend
// through one JSON Lines file (format.go): graphgate export and graphgate
// import. A file is a backup, a test fixture, or the way from the embedded
// SQLite store to PostgreSQL.
//
// What a file holds: the tenant with its domains; its users (password
// hashes included), groups, administrative units and memberships (directory
// roles are on the users); the apps whose home it is, with their secrets
// (keyed hashes) and certificates; service principals; delegated grants and
// app role assignments (consent); every workload item (mail, calendars, To
// Do, chats, …); the store's settings (the identity platform's keys, which
// client secret hashes and pairwise subject ids depend on, and for the demo
// tenant its credentials); and, only when asked, the signing keys. Not in
// it: authorization codes, refresh tokens and device codes (people sign in
// again).
//
// Export reads through store.Transfer.ExportTenant, one snapshot of the
// store, so a file is consistent even while servers write. Import checks the
// file entirely, decides what to do about settings and signing keys the
// target store already has (Options), then writes through ImportTenant: one
// transaction, so a failed or interrupted import leaves the store as it was,
// and an existing tenant is refused unless Replace is set.
//
// A folder of such files, one per tenant (folder.go), is what graphgate
// serve --import reads and --export-on-exit writes, as the Firebase
// emulators do: ExportFolder writes every tenant with its signing keys into
// a new folder that replaces the old by rename, ImportFolder loads each
// file replacing the tenant and taking the files' settings.
//
// It must not speak SQL or know a backend: it sees only store.Store.
package transfer
