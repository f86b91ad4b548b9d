package postgres

import (
	"context"
	"embed"
	"fmt"
	"io/fs"
	"sync"

	"graphgate/internal/store"

	"github.com/jackc/pgx/v5"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// migration is one numbered schema change.
type migration = store.Migration

// migrations returns the embedded migrations, in order; they are read on
// first use, not at every command's start (cmd/graphgate TestCLIInitIsLazy).
var migrations = sync.OnceValue(func() []migration { return mustLoadMigrations(migrationFiles, "migrations") })

// migrationLockClass is the first key of the advisory lock that serializes
// migrations; the second is a hash of the schema being migrated. The
// constant is arbitrary ("gg" in ASCII) and must never change, or an old and
// a new replica starting together would not exclude each other.
const migrationLockClass = 0x6767

func mustLoadMigrations(fsys fs.FS, dir string) []migration {
	ms, err := store.LoadMigrations(fsys, dir)
	if err != nil {
		panic("postgres: " + err.Error())
	}
	return ms
}

// migrate applies the migrations the current schema lacks, all in one
// transaction (PostgreSQL's DDL is transactional, so a failing migration
// leaves the schema as it was), and returns how many it applied.
//
// The transaction first takes a transaction-scoped advisory lock keyed by
// the schema, before it even creates schema_migrations: replicas opening
// the same database at once queue on the lock, and each finds the versions
// the one before it applied, so every migration runs exactly once. The lock
// is released by COMMIT or ROLLBACK, also when a process dies mid-way
// (the server ends its session). Keying it by schema lets stores in other
// schemas of the same database (the tests' fresh schemas) migrate in
// parallel.
//
// A database newer than ms is refused rather than used with a schema this
// code does not know.
func migrate(ctx context.Context, db beginner, ms []migration) (applied int, err error) {
	err = inTx(ctx, db, pgx.TxOptions{IsoLevel: pgx.ReadCommitted}, func(tx pgx.Tx) error {
		applied = 0
		var schema string
		err := tx.QueryRow(ctx, `SELECT coalesce(current_schema(), '')`).Scan(&schema)
		if err != nil {
			return err
		}
		if schema == "" {
			return fmt.Errorf("no schema of the search_path exists")
		}
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1, hashtext($2))`, migrationLockClass, schema); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
			version    integer     NOT NULL PRIMARY KEY,
			name       text        NOT NULL,
			applied_at timestamptz NOT NULL DEFAULT now()
		)`); err != nil {
			return err
		}
		var current int
		if err := tx.QueryRow(ctx, `SELECT coalesce(max(version), 0) FROM schema_migrations`).Scan(&current); err != nil {
			return err
		}
		if current > len(ms) {
			return fmt.Errorf("database schema version %d is newer than this program's %d", current, len(ms))
		}
		for _, m := range ms[current:] {
			// No arguments: pgx sends the file with the simple protocol,
			// which runs several statements.
			if _, err := tx.Exec(ctx, m.SQL); err != nil {
				return fmt.Errorf("migration %s: %w", m.Name, err)
			}
			if _, err := tx.Exec(ctx, `INSERT INTO schema_migrations (version, name) VALUES ($1, $2)`, m.Version, m.Name); err != nil {
				return err
			}
			applied++
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("postgres: migrating: %w", err)
	}
	return applied, nil
}
