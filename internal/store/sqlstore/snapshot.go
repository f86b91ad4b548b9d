package sqlstore

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"graphgate/internal/store"
)

// Snapshots (store.Snapshots). Where a snapshot lives and how it is taken
// differ by engine and stay the backends': SQLite writes a file with
// VACUUM INTO (one consistent, compacted copy, without a server to hold
// it) and restores by attaching that file to its one writer connection;
// PostgreSQL keeps a schema of the same database, made with CREATE TABLE …
// AS TABLE in one REPEATABLE READ transaction, and locks the store's
// tables against every replica's writers while it restores. Both also
// find their tables and columns in their own catalogs (sqlite_schema and
// pragma_table_info; pg_tables, pg_attribute and pg_constraint). What is
// the same SQL is here: the schema version a snapshot must match, which
// tables a restore refills, and the refill itself — empty the tables,
// children first, then copy every row with INSERT … SELECT.

// SchemaVersionSQL reads a store's (or a snapshot's) schema version.
const SchemaVersionSQL = `SELECT coalesce(max(version), 0) FROM schema_migrations`

// RestoredTables is tables (a store's, in restore order) without the ones
// a restore and Wipe keep (store.SnapshotKeepTables) and without the
// tables triggers derive from the restored ones (TriggerTables).
func RestoredTables(tables []string) []string {
	return slices.DeleteFunc(slices.Clone(tables), func(t string) bool {
		return slices.Contains(store.SnapshotKeepTables, t) || slices.Contains(TriggerTables, t)
	})
}

// TriggerTables are the tables the items table's triggers keep (the
// per-folder message counters, migration 0017): a restore refills items,
// and the triggers refill these as it does, in the same transaction. A
// restore that copied them as well would count every message twice.
var TriggerTables = []string{"message_counts"}

// Copy is a refill of tables from another copy of them.
type Copy struct {
	// Tables are the tables to refill, every table after the tables its
	// foreign keys reference (or in any order where foreign keys are
	// checked at commit).
	Tables []string
	// Columns are a table's quoted column names an INSERT sets (not
	// generated ones).
	Columns func(table string) []string
	// To and From name a table's copy to refill and to copy from, quoted
	// and qualified as the engine needs ("main"."users", "snap"."users").
	To, From func(table string) string
}

// Refill empties c's tables, children before parents so that no ON
// DELETE CASCADE runs, then copies every row of each from its other copy,
// with exec running one statement in the caller's transaction.
func (c Copy) Refill(ctx context.Context, exec func(ctx context.Context, query string) error) error {
	for i := len(c.Tables) - 1; i >= 0; i-- {
		if err := exec(ctx, `DELETE FROM `+c.To(c.Tables[i])); err != nil {
			return fmt.Errorf("emptying %s: %w", c.Tables[i], err)
		}
	}
	for _, t := range c.Tables {
		list := strings.Join(c.Columns(t), ", ")
		if err := exec(ctx, `INSERT INTO `+c.To(t)+` (`+list+`) SELECT `+list+` FROM `+c.From(t)); err != nil {
			return fmt.Errorf("copying %s: %w", t, err)
		}
	}
	return nil
}

// CheckVersion returns store.ErrSnapshotVersion unless the snapshot name,
// of schema version snap, matches the store's, current.
func CheckVersion(name string, snap, current int) error {
	if snap != current {
		return fmt.Errorf("%w: snapshot %q has schema version %d, this store %d", store.ErrSnapshotVersion, name, snap, current)
	}
	return nil
}
