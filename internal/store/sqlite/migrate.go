package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"io/fs"
	"sync"
	"time"

	"graphgate/internal/store"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// migration is one numbered schema change.
type migration = store.Migration

// migrations returns the embedded migrations, in order; they are read on
// first use, not at every command's start (cmd/graphgate TestCLIInitIsLazy).
var migrations = sync.OnceValue(func() []migration { return mustLoadMigrations(migrationFiles, "migrations") })

func mustLoadMigrations(fsys fs.FS, dir string) []migration {
	ms, err := store.LoadMigrations(fsys, dir)
	if err != nil {
		panic("sqlite: " + err.Error())
	}
	return ms
}

// migrate applies the migrations the database lacks, all in one IMMEDIATE
// transaction: a process that opens the file at the same time waits for the
// write lock and then finds nothing left to do, and a failing migration
// leaves the schema as it was. A database newer than ms is refused rather
// than used with a schema this code does not know.
func migrate(ctx context.Context, s *Store, ms []migration) error {
	return migrateFile(ctx, s.w, s.path, ms, nil)
}

// migrateFile applies ms as migrate does on the file at path through db, a
// writer pool or one of its connections; then, in the same transaction,
// runs after (nil: nothing).
func migrateFile(ctx context.Context, db beginner, path string, ms []migration, after func(*sql.Tx) error) error {
	err := retry(ctx, func() error {
		return inTx(ctx, db, nil, func(tx *sql.Tx) error {
			if _, err := tx.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
			version    INTEGER NOT NULL PRIMARY KEY,
			name       TEXT    NOT NULL,
			applied_at INTEGER NOT NULL
		) STRICT`); err != nil {
				return err
			}
			var current int
			if err := tx.QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0) FROM schema_migrations`).Scan(&current); err != nil {
				return err
			}
			if current > len(ms) {
				return fmt.Errorf("database schema version %d is newer than this program's %d", current, len(ms))
			}
			for _, m := range ms[current:] {
				if _, err := tx.ExecContext(ctx, m.SQL); err != nil {
					return fmt.Errorf("migration %s: %w", m.Name, err)
				}
				if _, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)`,
					m.Version, m.Name, time.Now().UnixMilli()); err != nil {
					return err
				}
			}
			if after != nil {
				return after(tx)
			}
			return nil
		})
	})
	if err != nil {
		return fmt.Errorf("sqlite: migrating %s: %w", path, err)
	}
	return nil
}
