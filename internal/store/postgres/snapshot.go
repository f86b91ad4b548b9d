package postgres

// Snapshots (store.Snapshots): a snapshot is a schema of its own in the
// store's database, named after the store's schema and the snapshot
// (ggsnap_<hash of the store's schema>_<name>), holding a copy of every
// table and a snapshot_meta row. Save copies in one REPEATABLE READ
// transaction (one consistent view, writers go on); restore truncates and
// refills the store's tables in one transaction, which replicas see all at
// once.

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"graphgate/internal/store"
	"graphgate/internal/store/sqlstore"
)

// snapshotMeta is the table in a snapshot schema that describes it.
const snapshotMeta = "graphgate_snapshot_meta"

// snapshotPrefix is the start of the names of the current schema's
// snapshot schemas: a hash of the schema's name keeps them apart from the
// snapshots of stores in other schemas of the database, within
// PostgreSQL's 63-byte identifiers.
func snapshotPrefix(ctx context.Context, q querier) (schema, prefix string, err error) {
	if err := q.QueryRow(ctx, `SELECT current_schema()`).Scan(&schema); err != nil {
		return "", "", err
	}
	h := sha256.Sum256([]byte(schema))
	return schema, "ggsnap_" + hex.EncodeToString(h[:4]) + "_", nil
}

// SaveSnapshot creates the snapshot's schema and copies every table into it
// (CREATE TABLE … AS TABLE) in one REPEATABLE READ transaction. With
// replace, an existing snapshot is dropped in the same transaction.
func (s *Store) SaveSnapshot(ctx context.Context, name string, replace bool) (store.SnapshotInfo, error) {
	if err := store.ValidateSnapshotName(name); err != nil {
		return store.SnapshotInfo{}, err
	}
	var info store.SnapshotInfo
	opts := pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadWrite}
	err := retry(ctx, func() error {
		return inTx(ctx, s.pool, opts, func(tx pgx.Tx) error {
			schema, prefix, err := snapshotPrefix(ctx, tx)
			if err != nil {
				return err
			}
			snap := pgx.Identifier{prefix + name}.Sanitize()
			var exists bool
			if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = $1)`, prefix+name).Scan(&exists); err != nil {
				return err
			}
			if exists && !replace {
				return fmt.Errorf("%w: snapshot %q (save it with replace, or delete it first)", store.ErrConflict, name)
			}
			tables, err := storeTables(ctx, tx)
			if err != nil {
				return err
			}
			var version int
			if err := tx.QueryRow(ctx, sqlstore.SchemaVersionSQL).Scan(&version); err != nil {
				return err
			}
			created := time.Now().UTC().Truncate(time.Microsecond)
			if exists {
				// Replacing a snapshot of this schema version refills its
				// tables: several times faster than dropping and creating 20
				// tables (catalog work), which an older version's needs.
				old, err := snapshotInfo(ctx, tx, prefix, name)
				if err == nil && old.SchemaVersion == version {
					cols, err := insertColumns(ctx, tx)
					if err != nil {
						return err
					}
					refill := sqlstore.Copy{
						Tables:  tables,
						Columns: func(t string) []string { return cols[t] },
						To:      func(t string) string { return pgx.Identifier{prefix + name, t}.Sanitize() },
						From:    func(t string) string { return pgx.Identifier{schema, t}.Sanitize() },
					}
					if err := refill.Refill(ctx, execIn(tx)); err != nil {
						return err
					}
					if _, err := tx.Exec(ctx, `UPDATE `+snap+`.`+snapshotMeta+` SET created = $1`, created); err != nil {
						return err
					}
					info = store.SnapshotInfo{Name: name, Created: created, SchemaVersion: version}
					return nil
				}
				if _, err := tx.Exec(ctx, `DROP SCHEMA `+snap+` CASCADE`); err != nil {
					return err
				}
			}
			if _, err := tx.Exec(ctx, `CREATE SCHEMA `+snap); err != nil {
				return err
			}
			for _, t := range tables {
				if _, err := tx.Exec(ctx, `CREATE TABLE `+snap+`.`+pgx.Identifier{t}.Sanitize()+` AS TABLE `+pgx.Identifier{schema, t}.Sanitize()); err != nil {
					return fmt.Errorf("copying %s: %w", t, err)
				}
			}
			if _, err := tx.Exec(ctx, `CREATE TABLE `+snap+`.`+snapshotMeta+` (name text NOT NULL, store_schema text NOT NULL, schema_version integer NOT NULL, created timestamptz NOT NULL)`); err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, `INSERT INTO `+snap+`.`+snapshotMeta+` VALUES ($1, $2, $3, $4)`, name, schema, version, created); err != nil {
				return err
			}
			info = store.SnapshotInfo{Name: name, Created: created, SchemaVersion: version}
			return nil
		})
	})
	if err != nil && !errors.Is(err, store.ErrConflict) {
		return store.SnapshotInfo{}, fmt.Errorf("postgres: saving snapshot %q: %w", name, err)
	}
	return info, err
}

// storeTables lists the base tables of the current schema.
func storeTables(ctx context.Context, q querier) ([]string, error) {
	// pg_tables, not information_schema: the catalog view is many times
	// faster, and a restore lists the tables on every call.
	return queryStrings(ctx, q, `SELECT tablename::text FROM pg_tables WHERE schemaname = current_schema() ORDER BY tablename`)
}

func queryStrings(ctx context.Context, q querier, sql string, args ...any) ([]string, error) {
	rows, err := q.Query(ctx, sql, args...)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowTo[string])
}

// snapshotInfo reads a snapshot schema's meta row.
func snapshotInfo(ctx context.Context, q querier, prefix, name string) (store.SnapshotInfo, error) {
	var info store.SnapshotInfo
	var exists bool
	if err := q.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = $1)`, prefix+name).Scan(&exists); err != nil {
		return info, err
	}
	if !exists {
		return info, fmt.Errorf("%w: snapshot %q", store.ErrNotFound, name)
	}
	err := q.QueryRow(ctx, `SELECT name, schema_version, created FROM `+pgx.Identifier{prefix + name, snapshotMeta}.Sanitize()).
		Scan(&info.Name, &info.SchemaVersion, &info.Created)
	info.Created = info.Created.UTC()
	return info, err
}

// RestoreSnapshot locks the store's tables (but store.SnapshotKeepTables)
// against writers, empties them and refills them from the snapshot in
// foreign-key order, in one transaction: writers of every replica wait for
// the commit, readers see the old data until it and the snapshot's after.
func (s *Store) RestoreSnapshot(ctx context.Context, name string) error {
	if err := store.ValidateSnapshotName(name); err != nil {
		return err
	}
	err := retry(ctx, func() error {
		return inTx(ctx, s.pool, writeOpts, func(tx pgx.Tx) error {
			schema, prefix, err := snapshotPrefix(ctx, tx)
			if err != nil {
				return err
			}
			info, err := snapshotInfo(ctx, tx, prefix, name)
			if err != nil {
				return err
			}
			var current int
			if err := tx.QueryRow(ctx, sqlstore.SchemaVersionSQL).Scan(&current); err != nil {
				return err
			}
			if err := sqlstore.CheckVersion(name, info.SchemaVersion, current); err != nil {
				return err
			}
			tables, err := restoreOrder(ctx, tx)
			if err != nil {
				return err
			}
			tables = sqlstore.RestoredTables(tables)
			quoted := make([]string, len(tables))
			for i, t := range tables {
				quoted[i] = pgx.Identifier{schema, t}.Sanitize()
			}
			// EXCLUSIVE locks: writers of every replica wait for the commit,
			// readers go on with the old data until it. (DELETE, not
			// TRUNCATE: on tables of a test tenant's size it is several
			// times faster, and TRUNCATE's lock would block readers too.)
			if _, err := tx.Exec(ctx, `LOCK TABLE `+strings.Join(quoted, ", ")+` IN EXCLUSIVE MODE`); err != nil {
				return err
			}
			cols, err := insertColumns(ctx, tx)
			if err != nil {
				return err
			}
			refill := sqlstore.Copy{
				Tables:  tables,
				Columns: func(t string) []string { return cols[t] },
				To:      func(t string) string { return pgx.Identifier{schema, t}.Sanitize() },
				From:    func(t string) string { return pgx.Identifier{prefix + name, t}.Sanitize() },
			}
			return refill.Refill(ctx, execIn(tx))
		})
	})
	if err != nil && !errors.Is(err, store.ErrNotFound) && !errors.Is(err, store.ErrSnapshotVersion) {
		return fmt.Errorf("postgres: restoring snapshot %q: %w", name, err)
	}
	return err
}

// execIn runs a statement of sqlstore.Copy.Refill in tx.
func execIn(tx pgx.Tx) func(ctx context.Context, query string) error {
	return func(ctx context.Context, query string) error {
		_, err := tx.Exec(ctx, query)
		return err
	}
}

// insertColumns lists, per table of the current schema, the quoted names
// of the columns an INSERT sets (not generated ones), in order.
func insertColumns(ctx context.Context, q querier) (map[string][]string, error) {
	rows, err := q.Query(ctx, `SELECT c.relname::text, a.attname::text FROM pg_attribute a
		JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
		WHERE n.nspname = current_schema() AND c.relkind = 'r' AND a.attnum > 0 AND NOT a.attisdropped AND a.attgenerated = ''
		ORDER BY c.relname, a.attnum`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string][]string{}
	for rows.Next() {
		var t, c string
		if err := rows.Scan(&t, &c); err != nil {
			return nil, err
		}
		out[t] = append(out[t], pgx.Identifier{c}.Sanitize())
	}
	return out, rows.Err()
}

// restoreOrder lists the current schema's tables so that every table comes
// after the tables its foreign keys reference.
func restoreOrder(ctx context.Context, q querier) ([]string, error) {
	tables, err := storeTables(ctx, q)
	if err != nil {
		return nil, err
	}
	rows, err := q.Query(ctx, `SELECT c.conrelid::regclass::text, c.confrelid::regclass::text FROM pg_constraint c
		JOIN pg_class r ON r.oid = c.conrelid JOIN pg_namespace n ON n.oid = r.relnamespace
		WHERE c.contype = 'f' AND n.nspname = current_schema()`)
	if err != nil {
		return nil, err
	}
	deps := map[string][]string{}
	type edge struct{ from, to string }
	edges, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (edge, error) {
		var e edge
		return e, r.Scan(&e.from, &e.to)
	})
	if err != nil {
		return nil, err
	}
	for _, e := range edges {
		// regclass text is schema-qualified only outside the search_path.
		deps[unqualify(e.from)] = append(deps[unqualify(e.from)], unqualify(e.to))
	}
	var out []string
	done := map[string]bool{}
	var visit func(t string, depth int) error
	visit = func(t string, depth int) error {
		if done[t] {
			return nil
		}
		if depth > len(tables) {
			return fmt.Errorf("foreign keys form a cycle at %s", t)
		}
		for _, d := range deps[t] {
			if d != t {
				if err := visit(d, depth+1); err != nil {
					return err
				}
			}
		}
		done[t] = true
		out = append(out, t)
		return nil
	}
	for _, t := range tables {
		if err := visit(t, 0); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func unqualify(regclass string) string {
	if i := strings.LastIndexByte(regclass, '.'); i >= 0 {
		regclass = regclass[i+1:]
	}
	return strings.Trim(regclass, `"`)
}

// ListSnapshots lists the current schema's snapshot schemas by name.
func (s *Store) ListSnapshots(ctx context.Context) ([]store.SnapshotInfo, error) {
	var out []store.SnapshotInfo
	err := s.read(ctx, func(tx pgx.Tx) error {
		out = nil
		_, prefix, err := snapshotPrefix(ctx, tx)
		if err != nil {
			return err
		}
		names, err := queryStrings(ctx, tx, `SELECT substr(nspname, $2) FROM pg_namespace WHERE starts_with(nspname, $1) ORDER BY nspname`,
			prefix, len(prefix)+1)
		if err != nil {
			return err
		}
		for _, n := range names {
			info, err := snapshotInfo(ctx, tx, prefix, n)
			if err != nil {
				return fmt.Errorf("snapshot %q: %w", n, err)
			}
			out = append(out, info)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("postgres: listing snapshots: %w", err)
	}
	return out, nil
}

// DeleteSnapshot drops the snapshot's schema.
func (s *Store) DeleteSnapshot(ctx context.Context, name string) error {
	if err := store.ValidateSnapshotName(name); err != nil {
		return err
	}
	err := s.write(ctx, func(tx pgx.Tx) error {
		_, prefix, err := snapshotPrefix(ctx, tx)
		if err != nil {
			return err
		}
		if _, err := snapshotInfo(ctx, tx, prefix, name); err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `DROP SCHEMA `+pgx.Identifier{prefix + name}.Sanitize()+` CASCADE`)
		return err
	})
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("postgres: deleting snapshot %q: %w", name, err)
	}
	return err
}

// Wipe empties every table but store.SnapshotKeepTables and settings with
// one TRUNCATE, and deletes the settings keepSetting does not keep, in one
// transaction.
func (s *Store) Wipe(ctx context.Context, keepSetting func(name string) bool) error {
	return s.write(ctx, func(tx pgx.Tx) error {
		tables, err := storeTables(ctx, tx)
		if err != nil {
			return err
		}
		var quoted []string
		for _, t := range tables {
			if !slices.Contains(store.SnapshotKeepTables, t) && t != "settings" {
				quoted = append(quoted, pgx.Identifier{t}.Sanitize())
			}
		}
		if _, err := tx.Exec(ctx, `TRUNCATE `+strings.Join(quoted, ", ")); err != nil {
			return fmt.Errorf("postgres: wiping: %w", err)
		}
		names, err := queryStrings(ctx, tx, `SELECT name FROM settings`)
		if err != nil {
			return err
		}
		var drop []string
		for _, n := range names {
			if keepSetting == nil || !keepSetting(n) {
				drop = append(drop, n)
			}
		}
		_, err = tx.Exec(ctx, `DELETE FROM settings WHERE name = ANY($1)`, drop)
		return err
	})
}
