package odata

import (
	"database/sql"
	"testing"

	"graphgate/internal/store"

	_ "modernc.org/sqlite"
)

var sqliteSchema = []string{
	`CREATE TABLE messages (id TEXT PRIMARY KEY, subject TEXT, is_read INTEGER, has_attachments INTEGER,
		importance TEXT, from_address TEXT, from_name TEXT, received_at TEXT, size INTEGER, score REAL,
		doc TEXT)`,
}

// TestSQLiteMatchesEval runs every cross-check filter as SQLite SQL over an
// in-memory database and compares the rows with Eval's.
func TestSQLiteMatchesEval(t *testing.T) {
	db, err := sql.Open("sqlite", ":memory:")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1) // one connection: one in-memory database
	for _, stmt := range sqliteSchema {
		if _, err := db.Exec(stmt); err != nil {
			t.Fatal(err)
		}
	}
	msgs := generateMessages(120)
	for _, m := range msgs {
		var received any
		if m.received != nil {
			received = m.received.UTC().Format(store.TimeLayout)
		}
		_, err := db.Exec(`INSERT INTO messages VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			deref(m.id), deref(m.subject), deref(m.isRead), deref(m.hasAttachments), deref(m.importance),
			deref(m.fromAddress), deref(m.fromName), received, deref(m.size), deref(m.score), m.doc())
		if err != nil {
			t.Fatal(err)
		}
	}
	crossCheck(t, SQLite, msgs, func(where, orderBy string, args []any) ([]string, error) {
		rows, err := db.Query("SELECT m.id FROM messages AS m WHERE "+where+" "+orderBy, args...)
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
