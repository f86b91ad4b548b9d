// Package secretfile keeps the files that hold graphgate's secrets
// owner-only: the SQLite database and its -wal and -shm files (signing
// keys, secret-hashing keys, the demo's passwords), the TLS private keys and
// the bridge's token files.
//
// A file graphgate creates is created with mode 0600 whatever the umask and
// whatever the mode of the folder it lands in (a folder made by mkdir, a
// Docker volume or systemd's StateDirectory is usually 0755). A file that
// exists with group or other permission bits is tightened to owner-only and
// the change is logged, so that nobody wonders why a mode changed. A folder
// that others can read or enter is reported with the command that fixes it:
// graphgate never changes the mode of a folder it did not create, since the
// folder may hold other people's files.
//
// It must not hold any other logic: which files are secret is the owning
// package's knowledge (store/sqlite, tlsca, bridge/auth).
package secretfile
