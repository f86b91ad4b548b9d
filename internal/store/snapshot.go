package store

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"sync"
	"time"
)

// ErrInvalidSnapshotName is returned for a snapshot name outside
// SnapshotNamePattern, before anything is read or written.
var ErrInvalidSnapshotName = errors.New("store: invalid snapshot name")

// ErrSnapshotVersion is returned when a snapshot was saved by a store whose
// schema version differs from this one's: restoring it would mix two
// schemas, so it is refused and the store is left as it was.
var ErrSnapshotVersion = errors.New("store: snapshot schema version differs")

// SnapshotNamePattern is what a snapshot name looks like: 1 to 40 lower
// case letters, digits, '-' and '_', starting with a letter or digit. The
// same names work as SQLite file names and PostgreSQL schema names on every
// platform.
const SnapshotNamePattern = `^[a-z0-9][a-z0-9_-]{0,39}$`

// snapshotName is compiled on first use, not by every command's start
// (cmd/graphgate TestCLIInitIsLazy).
var snapshotName = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(SnapshotNamePattern) })

// ValidateSnapshotName returns nil for a valid name, else an error wrapping
// ErrInvalidSnapshotName that says what a name may hold.
func ValidateSnapshotName(name string) error {
	if !snapshotName().MatchString(name) {
		return fmt.Errorf("%w %q: use 1 to 40 lower case letters, digits, '-' or '_', starting with a letter or digit (for example ci-baseline)",
			ErrInvalidSnapshotName, name)
	}
	return nil
}

// SnapshotInfo describes one saved snapshot.
type SnapshotInfo struct {
	Name    string
	Created time.Time
	// SchemaVersion is the store's schema version when it was saved.
	SchemaVersion int
	// Bytes is the snapshot's size on disk where the backend knows it
	// cheaply (SQLite: the file), else 0.
	Bytes int64
}

// Snapshots saves the whole store under a name and puts it back.
//
// A snapshot holds every table of the store: all tenants, apps, grants,
// items, settings, sign-in state (codes, refresh tokens, lockouts) and the
// signing keys. Restore puts back everything except the signing keys: the
// keys a running server signs with stay, so tokens issued before the
// restore still verify and the server's key cache stays true (a token
// whose user or app the snapshot lacks is refused by the lookups, as for a
// deleted user).
//
// Both operations are atomic: SaveSnapshot reads one consistent view of
// the store, and RestoreSnapshot replaces the data in one transaction that
// other connections see all at once, so both are safe while servers run.
type Snapshots interface {
	// SaveSnapshot saves the store as name. An existing snapshot of that
	// name is ErrConflict unless replace is set, when it is replaced
	// atomically (the old one stays if saving fails).
	SaveSnapshot(ctx context.Context, name string, replace bool) (SnapshotInfo, error)
	// RestoreSnapshot replaces the store's data with the snapshot's. An
	// unknown name is ErrNotFound, a snapshot of another schema version
	// ErrSnapshotVersion; on any error the store is as it was.
	RestoreSnapshot(ctx context.Context, name string) error
	// ListSnapshots returns the saved snapshots ordered by name.
	ListSnapshots(ctx context.Context) ([]SnapshotInfo, error)
	// DeleteSnapshot removes a snapshot; an unknown name is ErrNotFound.
	DeleteSnapshot(ctx context.Context, name string) error
	// Wipe deletes every row of the store but SnapshotKeepTables' and the
	// settings keepSetting selects, in one transaction: every tenant, app,
	// grant, item and sign-in state goes (graphgate reset starts from it).
	// Snapshots are untouched.
	Wipe(ctx context.Context, keepSetting func(name string) bool) error
}

// SnapshotKeepTables are the tables RestoreSnapshot leaves as they are
// (see Snapshots): the schema's version record, the signing keys, and the
// decision log and the sign-in log — records of what happened, which a
// restore or a reset does not rewind (their retention bounds them;
// 'graphgate log --since' picks the calls after a restore).
var SnapshotKeepTables = []string{"schema_migrations", "signing_keys", "decisions", "signins"}
