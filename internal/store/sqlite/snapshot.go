package sqlite

// Snapshots (store.Snapshots): a snapshot is a SQLite file NAME.db in the
// folder snapshots/ beside the database, written by VACUUM INTO (one
// consistent read of the database, compacted) and restored online by
// attaching it to the writer connection and copying its rows in one
// transaction.

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"graphgate/internal/secretfile"
	"graphgate/internal/store"
	"graphgate/internal/store/sqlstore"
)

// SnapshotDir is the folder, beside the database file, that holds the
// snapshots.
const SnapshotDir = "snapshots"

func (s *Store) snapshotDir() string { return filepath.Join(filepath.Dir(s.path), SnapshotDir) }

func (s *Store) snapshotPath(name string) string {
	return filepath.Join(s.snapshotDir(), name+".db")
}

// SaveSnapshot writes the database to snapshots/NAME.db with VACUUM INTO,
// into a temporary file renamed over the final one (so a failed save never
// leaves half a snapshot, and replace is atomic). VACUUM INTO reads one
// consistent view of the database.
func (s *Store) SaveSnapshot(ctx context.Context, name string, replace bool) (store.SnapshotInfo, error) {
	if err := store.ValidateSnapshotName(name); err != nil {
		return store.SnapshotInfo{}, err
	}
	dir := s.snapshotDir()
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return store.SnapshotInfo{}, fmt.Errorf("sqlite: snapshot folder: %w", err)
	}
	final := s.snapshotPath(name)
	if _, err := os.Stat(final); err == nil && !replace {
		return store.SnapshotInfo{}, fmt.Errorf("%w: snapshot %q (save it with replace, or delete it first)", store.ErrConflict, name)
	}
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	tmp := filepath.Join(dir, "."+name+"."+hex.EncodeToString(b)+".tmp")
	defer os.Remove(tmp)
	// The snapshot holds what the database holds (secrets): the file is
	// created empty and owner-only first (VACUUM INTO accepts an empty file).
	if err := secretfile.Create(tmp); err != nil {
		return store.SnapshotInfo{}, fmt.Errorf("sqlite: %w", err)
	}
	if _, err := s.w.ExecContext(ctx, `VACUUM INTO ?`, tmp); err != nil {
		return store.SnapshotInfo{}, fmt.Errorf("sqlite: saving snapshot %q: %w", name, err)
	}
	if err := os.Rename(tmp, final); err != nil {
		return store.SnapshotInfo{}, fmt.Errorf("sqlite: %w", err)
	}
	return s.snapshotInfo(ctx, name)
}

// snapshotInfo describes the snapshot file of name.
func (s *Store) snapshotInfo(ctx context.Context, name string) (store.SnapshotInfo, error) {
	p := s.snapshotPath(name)
	fi, err := os.Stat(p)
	if errors.Is(err, fs.ErrNotExist) {
		return store.SnapshotInfo{}, fmt.Errorf("%w: snapshot %q", store.ErrNotFound, name)
	}
	if err != nil {
		return store.SnapshotInfo{}, fmt.Errorf("sqlite: %w", err)
	}
	v, err := snapshotVersion(ctx, p)
	if err != nil {
		return store.SnapshotInfo{}, fmt.Errorf("sqlite: snapshot %q: %w", name, err)
	}
	return store.SnapshotInfo{Name: name, Created: fi.ModTime().UTC(), SchemaVersion: v, Bytes: fi.Size()}, nil
}

// snapshotVersion reads a snapshot file's schema version, read-only.
func snapshotVersion(ctx context.Context, path string) (int, error) {
	u := url.URL{Scheme: "file", Path: path, RawQuery: "mode=ro"}
	db, err := sql.Open("sqlite", u.String())
	if err != nil {
		return 0, err
	}
	defer db.Close()
	var v int
	err = db.QueryRowContext(ctx, sqlstore.SchemaVersionSQL).Scan(&v)
	return v, err
}

// RestoreSnapshot attaches the snapshot to the writer connection and, in
// one IMMEDIATE transaction with foreign keys checked at commit, deletes
// every table's rows (but store.SnapshotKeepTables') and copies the
// snapshot's. Readers in WAL mode see the old data until the commit and
// the new data after it, so a running server may stay up; the user cache
// follows the commit (walstamp).
func (s *Store) RestoreSnapshot(ctx context.Context, name string) error {
	if err := store.ValidateSnapshotName(name); err != nil {
		return err
	}
	info, err := s.snapshotInfo(ctx, name)
	if err != nil {
		return err
	}
	conn, err := s.w.Conn(ctx)
	if err != nil {
		return fmt.Errorf("sqlite: %w", err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, `ATTACH DATABASE ? AS snap`, s.snapshotPath(name)); err != nil {
		return fmt.Errorf("sqlite: opening snapshot %q: %w", name, err)
	}
	defer conn.ExecContext(context.WithoutCancel(ctx), `DETACH DATABASE snap`)
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("sqlite: %w", err)
	}
	defer tx.Rollback()
	var current int
	if err := tx.QueryRowContext(ctx, sqlstore.SchemaVersionSQL).Scan(&current); err != nil {
		return fmt.Errorf("sqlite: %w", err)
	}
	if err := sqlstore.CheckVersion(name, info.SchemaVersion, current); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `PRAGMA defer_foreign_keys = ON`); err != nil {
		return fmt.Errorf("sqlite: %w", err)
	}
	tables, err := queryStrings(ctx, tx, `SELECT name FROM main.sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name`)
	if err != nil {
		return fmt.Errorf("sqlite: %w", err)
	}
	tables = slices.DeleteFunc(sqlstore.RestoredTables(tables), textIndexTable)
	cols := make(map[string][]string, len(tables))
	for _, t := range tables {
		// pragma_table_info leaves out generated columns (items.span_class),
		// which are computed, never inserted.
		if cols[t], err = queryStrings(ctx, tx, `SELECT name FROM pragma_table_info(?, 'main') ORDER BY cid`, t); err != nil {
			return fmt.Errorf("sqlite: %w", err)
		}
		for i, c := range cols[t] {
			cols[t][i] = quoteIdent(c)
		}
	}
	// Foreign keys are checked at commit (defer_foreign_keys), so the
	// tables' order does not matter.
	refill := sqlstore.Copy{
		Tables:  tables,
		Columns: func(t string) []string { return cols[t] },
		To:      func(t string) string { return `main.` + quoteIdent(t) },
		From:    func(t string) string { return `snap.` + quoteIdent(t) },
	}
	if err := refill.Refill(ctx, func(ctx context.Context, q string) error {
		_, err := tx.ExecContext(ctx, q)
		return err
	}); err != nil {
		return fmt.Errorf("sqlite: restoring snapshot %q: %w", name, err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("sqlite: restoring snapshot %q: %w", name, err)
	}
	return nil
}

// ListSnapshots lists snapshots/*.db by name.
func (s *Store) ListSnapshots(ctx context.Context) ([]store.SnapshotInfo, error) {
	entries, err := os.ReadDir(s.snapshotDir())
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("sqlite: %w", err)
	}
	var out []store.SnapshotInfo
	for _, e := range entries {
		name, ok := strings.CutSuffix(e.Name(), ".db")
		if !ok || e.IsDir() || store.ValidateSnapshotName(name) != nil {
			continue
		}
		info, err := s.snapshotInfo(ctx, name)
		if err != nil {
			return nil, err
		}
		out = append(out, info)
	}
	return out, nil // ReadDir sorts by file name
}

// DeleteSnapshot removes snapshots/NAME.db.
func (s *Store) DeleteSnapshot(ctx context.Context, name string) error {
	if err := store.ValidateSnapshotName(name); err != nil {
		return err
	}
	err := os.Remove(s.snapshotPath(name))
	if errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("%w: snapshot %q", store.ErrNotFound, name)
	}
	if err != nil {
		return fmt.Errorf("sqlite: %w", err)
	}
	return nil
}

type queryer interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

func queryStrings(ctx context.Context, q queryer, query string, args ...any) ([]string, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var v string
		if err := rows.Scan(&v); err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// textIndexTable reports the tables of the message text index (migration
// 0011: the FTS5 table, its shadow tables and items_text_keys). Triggers on
// items keep them, also while a restore or wipe deletes and copies items:
// deleting or copying their rows directly as well would corrupt the index.
func textIndexTable(t string) bool { return t == "items_text" || strings.HasPrefix(t, "items_text_") }

// quoteIdent quotes a table or column name read from the schema.
func quoteIdent(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }

// Wipe deletes the rows of every table but store.SnapshotKeepTables' and
// the kept settings, in one IMMEDIATE transaction.
func (s *Store) Wipe(ctx context.Context, keepSetting func(name string) bool) error {
	return s.write(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `PRAGMA defer_foreign_keys = ON`); err != nil {
			return err
		}
		tables, err := queryStrings(ctx, tx, `SELECT name FROM main.sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name`)
		if err != nil {
			return err
		}
		for _, t := range tables {
			if slices.Contains(store.SnapshotKeepTables, t) || t == "settings" || textIndexTable(t) {
				continue
			}
			if _, err := tx.ExecContext(ctx, `DELETE FROM main.`+quoteIdent(t)); err != nil {
				return fmt.Errorf("sqlite: wiping %s: %w", t, err)
			}
		}
		names, err := queryStrings(ctx, tx, `SELECT name FROM settings`)
		if err != nil {
			return err
		}
		for _, n := range names {
			if keepSetting == nil || !keepSetting(n) {
				if _, err := tx.ExecContext(ctx, `DELETE FROM settings WHERE name = ?`, n); err != nil {
					return err
				}
			}
		}
		return nil
	})
}
