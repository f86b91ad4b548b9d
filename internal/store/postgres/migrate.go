package postgres

import (
	"context"
	"embed"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// migration is one numbered schema change.
type migration struct {
	version int
	name    string
	sql     string
}

// migrations are the embedded migrations, in order.
var migrations = mustLoadMigrations(migrationFiles, "migrations")

// migrationLockClass is the first key of the advisory lock that serializes
// migrations; the second is a hash of the schema being migrated. The
// constant is arbitrary ("gg" in ASCII) and must never change, or an old and
// a new replica starting together would not exclude each other.
const migrationLockClass = 0x6767

// loadMigrations reads NNNN_name.sql files from dir. Versions must run
// 1, 2, 3… without gaps, so a missing file cannot go unnoticed.
func loadMigrations(fsys fs.FS, dir string) ([]migration, error) {
	entries, err := fs.ReadDir(fsys, dir)
	if err != nil {
		return nil, err
	}
	var ms []migration
	for _, e := range entries {
		name := e.Name()
		if e.IsDir() || !strings.HasSuffix(name, ".sql") {
			continue
		}
		num, _, ok := strings.Cut(name, "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil || v <= 0 {
			return nil, fmt.Errorf("migration %s: name is not NNNN_name.sql", name)
		}
		b, err := fs.ReadFile(fsys, path.Join(dir, name))
		if err != nil {
			return nil, err
		}
		ms = append(ms, migration{version: v, name: strings.TrimSuffix(name, ".sql"), sql: string(b)})
	}
	slices.SortFunc(ms, func(a, b migration) int { return a.version - b.version })
	for i, m := range ms {
		if m.version != i+1 {
			return nil, fmt.Errorf("migration %s: expected version %d", m.name, i+1)
		}
	}
	return ms, nil
}

func mustLoadMigrations(fsys fs.FS, dir string) []migration {
	ms, err := loadMigrations(fsys, dir)
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
			if _, err := tx.Exec(ctx, m.sql); err != nil {
				return fmt.Errorf("migration %s: %w", m.name, err)
			}
			if _, err := tx.Exec(ctx, `INSERT INTO schema_migrations (version, name) VALUES ($1, $2)`, m.version, m.name); err != nil {
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
