package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"sync"

	"graphgate/internal/secretfile"
)

// The logs' database file. The decision log and the sign-in log live in
// logs.db beside graphgate.db, not in the tenant file: the server appends
// to them continuously under load, and every commit to the tenant file
// changes its WAL stamp (walstamp_unix.go), which invalidates the user
// cache — with the logs in the tenant file, a Graph request's user was
// read from the database on nearly every request. In their own file their
// commits leave the tenant's stamp alone; it moves only with tenant data.
//
// logs.db has its own schema version and migrations (logmigrations/, the
// same NNNN_name.sql numbering and schema_migrations table as the tenant
// file's, applied by the same code), its own writer connection
// (synchronous=NORMAL, see doc.go, "Durability of the logs") and its own
// read pool. It is owner-only like the tenant file (the logs name users
// and apps). Snapshots, restores and Wipe do not touch it: a restore or a
// reset never rewound the logs (store.SnapshotKeepTables), and now the
// snapshot files no longer carry a copy of them either.
//
// A folder of an older graphgate holds the logs in graphgate.db (tables
// decisions and signins, migrations 0009–0015). Opening it moves their
// rows into logs.db in the logs' migration transaction, with their seq
// (so a follower's "after seq N" still holds) and the tables' AUTOINCREMENT
// counters, and empties the old tables; the columns the old table lacks
// take the new table's defaults. The move is idempotent: only rows with a
// seq above logs.db's highest are copied, so a crash between the two
// files' commits (attached databases in WAL mode commit one file at a
// time) neither loses nor duplicates a row. Tenant migration 0018 then drops
// the emptied tables.

// LogsFileName is the logs' database file, beside FileName.
const LogsFileName = "logs.db"

//go:embed logmigrations/*.sql
var logMigrationFiles embed.FS

// logMigrations are logs.db's migrations, in order.
var logMigrations = sync.OnceValue(func() []migration { return mustLoadMigrations(logMigrationFiles, "logmigrations") })

// logTables are the tables the logs' file holds, which an older graphgate
// kept in the tenant file.
var logTables = []string{"decisions", "signins"}

// openLogs creates (owner-only) and opens the logs' file beside the
// tenant file, migrates it, moves in the rows an older graphgate left in
// the tenant file, and opens the logs' read pool.
func (s *Store) openLogs(ctx context.Context, o Options) error {
	path := filepath.Join(filepath.Dir(s.path), LogsFileName)
	s.logsPath = path
	if err := secretfile.Create(path); err != nil {
		return err
	}
	if err := secretfile.Tighten(o.Logger, path, path+"-wal", path+"-shm", path+"-journal"); err != nil {
		return err
	}
	var err error
	if s.lw, err = openDB(dsn(path, true, syncNormal)); err != nil {
		return err
	}
	s.lw.SetMaxOpenConns(1)
	s.lw.SetMaxIdleConns(1)
	// Retried as a whole when SQLite reports the files busy: processes
	// opening a new folder at once meet at its first connections (the
	// switch to WAL) before any transaction's own retry.
	if err := retry(ctx, func() error {
		old, err := s.oldLogTables(ctx)
		if err != nil {
			return err
		}
		return s.migrateLogs(ctx, old)
	}); err != nil {
		return err
	}
	if s.lr, err = openDB(dsn(path, false, syncNormal)); err != nil {
		return err
	}
	s.lr.SetMaxOpenConns(2)
	s.lr.SetMaxIdleConns(2)
	return nil
}

// oldLogTables returns the log tables the tenant file holds rows in (an
// older graphgate's).
func (s *Store) oldLogTables(ctx context.Context) ([]string, error) {
	have, err := queryStrings(ctx, s.w, `SELECT name FROM sqlite_schema WHERE type = 'table' AND name IN ('decisions', 'signins') ORDER BY name`)
	if err != nil {
		return nil, err
	}
	var old []string
	for _, t := range have {
		var rows bool
		if err := s.w.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM `+quoteIdent(t)+`)`).Scan(&rows); err != nil {
			return nil, err
		}
		if rows {
			old = append(old, t)
		}
	}
	return old, nil
}

// migrateLogs brings logs.db's schema up to date and, in the same
// transaction, moves the rows of the tenant file's old tables (attached as
// "tenant" to the logs' writer connection for the move).
func (s *Store) migrateLogs(ctx context.Context, old []string) error {
	conn, err := s.lw.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	if len(old) > 0 {
		if _, err := conn.ExecContext(ctx, `ATTACH DATABASE ? AS tenant`, s.path); err != nil {
			return err
		}
		defer conn.ExecContext(context.WithoutCancel(ctx), `DETACH DATABASE tenant`)
	}
	return migrateFile(ctx, conn, s.logsPath, logMigrations(), func(tx *sql.Tx) error {
		for _, t := range old {
			if err := moveLogTable(ctx, tx, t); err != nil {
				return fmt.Errorf("moving %s from %s: %w", t, FileName, err)
			}
		}
		return nil
	})
}

// moveLogTable copies table's rows from the attached tenant file into
// logs.db (those above logs.db's highest seq, in the columns both have),
// raises logs.db's AUTOINCREMENT counter to the tenant file's, and
// deletes the tenant file's rows.
func moveLogTable(ctx context.Context, tx *sql.Tx, table string) error {
	// Another process may have moved and dropped it since oldLogTables.
	var present bool
	if err := tx.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM tenant.sqlite_schema WHERE type = 'table' AND name = ?)`, table).Scan(&present); err != nil || !present {
		return err
	}
	from, err := queryStrings(ctx, tx, `SELECT name FROM pragma_table_info(?, 'tenant')`, table)
	if err != nil {
		return err
	}
	to, err := queryStrings(ctx, tx, `SELECT name FROM pragma_table_info(?, 'main')`, table)
	if err != nil {
		return err
	}
	var cols []string
	for _, c := range to {
		if slices.Contains(from, c) {
			cols = append(cols, quoteIdent(c))
		}
	}
	list := strings.Join(cols, ", ")
	q := quoteIdent(table)
	if _, err := tx.ExecContext(ctx, `INSERT INTO main.`+q+` (`+list+`) SELECT `+list+` FROM tenant.`+q+
		` WHERE seq > (SELECT coalesce(max(seq), 0) FROM main.`+q+`) ORDER BY seq`); err != nil {
		return err
	}
	var seq sql.NullInt64
	if err := tx.QueryRowContext(ctx, `SELECT max(seq) FROM tenant.sqlite_sequence WHERE name = ?`, table).Scan(&seq); err != nil {
		return err
	}
	if seq.Valid {
		res, err := tx.ExecContext(ctx, `UPDATE main.sqlite_sequence SET seq = max(seq, ?) WHERE name = ?`, seq.Int64, table)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			if _, err := tx.ExecContext(ctx, `INSERT INTO main.sqlite_sequence (name, seq) VALUES (?, ?)`, table, seq.Int64); err != nil {
				return err
			}
		}
	}
	_, err = tx.ExecContext(ctx, `DELETE FROM tenant.`+q)
	return err
}
