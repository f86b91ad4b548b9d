package odata

import (
	"context"
	"database/sql"
	"testing"

	"github.com/jackc/pgx/v5"
)

// TestSQLiteJSONMatchesEval stores the generated documents as JSON text in
// an in-memory items table, as the SQLite store does, and checks every
// JSON cross-check filter and ordering against Eval.
func TestSQLiteJSONMatchesEval(t *testing.T) {
	db, err := sql.Open("sqlite", ":memory:")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	if _, err := db.Exec(`CREATE TABLE items (kind TEXT NOT NULL, id TEXT NOT NULL, doc TEXT NOT NULL, PRIMARY KEY (kind, id))`); err != nil {
		t.Fatal(err)
	}
	docs := generateDocs(t)
	for _, d := range docs {
		if _, err := db.Exec(`INSERT INTO items VALUES (?, ?, ?)`, d.kind, d.id, string(d.raw)); err != nil {
			t.Fatal(err)
		}
	}
	crossCheckJSON(t, SQLite, docs, func(kind, where, orderBy string, args []any) ([]string, error) {
		rows, err := db.Query("SELECT id FROM items WHERE kind = ? AND ("+where+") "+orderBy, append([]any{kind}, args...)...)
		if err != nil {
			return nil, err
		}
		defer rows.Close()
		var ids []string
		for rows.Next() {
			var id string
			if err := rows.Scan(&id); err != nil {
				return nil, err
			}
			ids = append(ids, id)
		}
		return ids, rows.Err()
	})
}

// TestPostgresJSONMatchesEval does the same over a jsonb temp table.
func TestPostgresJSONMatchesEval(t *testing.T) {
	conn := connectPostgres(t)
	ctx := context.Background()
	if _, err := conn.Exec(ctx, `CREATE TEMP TABLE items (kind text NOT NULL, id text NOT NULL, doc jsonb NOT NULL, PRIMARY KEY (kind, id))`); err != nil {
		t.Fatal(err)
	}
	docs := generateDocs(t)
	batch := &pgx.Batch{}
	for _, d := range docs {
		batch.Queue(`INSERT INTO items VALUES ($1, $2, $3::jsonb)`, d.kind, d.id, string(d.raw))
	}
	if err := conn.SendBatch(ctx, batch).Close(); err != nil {
		t.Fatal(err)
	}
	crossCheckJSON(t, Postgres, docs, func(kind, where, orderBy string, args []any) ([]string, error) {
		rows, err := conn.Query(ctx, "SELECT id FROM items WHERE kind = $1 AND ("+where+") "+orderBy, append([]any{kind}, args...)...)
		if err != nil {
			return nil, err
		}
		return pgx.CollectRows(rows, pgx.RowTo[string])
	})
}
