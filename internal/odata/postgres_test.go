package odata

import (
	"context"
	"testing"

	"graphgate/internal/pgtest"

	"github.com/jackc/pgx/v5"
)

var postgresSchema = []string{
	`CREATE TEMP TABLE messages (id text PRIMARY KEY, subject text, is_read boolean, has_attachments boolean,
		importance text, from_address text, from_name text, received_at timestamptz, size bigint, score double precision,
		doc jsonb)`,
}

// connectPostgres opens one connection (temp tables live per session) to
// the PostgreSQL test server (package pgtest: failing under CI when it is
// unreachable, skipped elsewhere).
func connectPostgres(t *testing.T) *pgx.Conn {
	t.Helper()
	conn := pgtest.Admin(t)
	t.Cleanup(func() { conn.Close(context.Background()) })
	return conn
}

// TestPostgresMatchesEval runs every cross-check filter as PostgreSQL SQL
// over temp tables and compares the rows with Eval's.
func TestPostgresMatchesEval(t *testing.T) {
	conn := connectPostgres(t)
	ctx := context.Background()
	for _, stmt := range postgresSchema {
		if _, err := conn.Exec(ctx, stmt); err != nil {
			t.Fatal(err)
		}
	}
	msgs := generateMessages(120)
	batch := &pgx.Batch{}
	for _, m := range msgs {
		batch.Queue(`INSERT INTO messages VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11::jsonb)`,
			m.id, m.subject, m.isRead, m.hasAttachments, m.importance, m.fromAddress, m.fromName, m.received, m.size, m.score, m.doc())
	}
	if err := conn.SendBatch(ctx, batch).Close(); err != nil {
		t.Fatal(err)
	}
	crossCheck(t, Postgres, msgs, func(where, orderBy string, args []any) ([]string, error) {
		rows, err := conn.Query(ctx, "SELECT m.id FROM messages AS m WHERE "+where+" "+orderBy, args...)
		if err != nil {
			return nil, err
		}
		return pgx.CollectRows(rows, pgx.RowTo[string])
	})
}
