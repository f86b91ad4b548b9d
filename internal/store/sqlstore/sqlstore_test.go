package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	_ "modernc.org/sqlite"

	"graphgate/internal/store"
)

func TestRebind(t *testing.T) {
	numbered := &Flavor{Numbered: true}
	plain := &Flavor{}
	tests := []struct{ in, numbered string }{
		{`SELECT 1`, `SELECT 1`},
		{`SELECT a FROM t WHERE b = ? AND c = ?`, `SELECT a FROM t WHERE b = $1 AND c = $2`},
		{`INSERT INTO t (a, b) VALUES (?, ?)`, `INSERT INTO t (a, b) VALUES ($1, $2)`},
		{`SELECT '?' FROM t WHERE a = ?`, `SELECT '?' FROM t WHERE a = $1`},
		{`SELECT "we?ird" FROM t WHERE a = ?`, `SELECT "we?ird" FROM t WHERE a = $1`},
		{`SELECT 'it''s?' WHERE a = ?`, `SELECT 'it''s?' WHERE a = $1`},
	}
	for _, tc := range tests {
		if got := numbered.Rebind(tc.in); got != tc.numbered {
			t.Errorf("numbered Rebind(%q) = %q, want %q", tc.in, got, tc.numbered)
		}
		if got := plain.Rebind(tc.in); got != tc.in {
			t.Errorf("plain Rebind(%q) = %q, want it unchanged", tc.in, got)
		}
	}
}

func TestTimeEncoding(t *testing.T) {
	at := time.Date(2025, 3, 14, 15, 9, 26, 535_123_456, time.FixedZone("x", 3600))
	tests := []struct {
		name   string
		f      *Flavor
		stored any
		round  time.Time
	}{
		{"millis", &Flavor{Millis: true}, at.UnixMilli(), time.UnixMilli(at.UnixMilli()).UTC()},
		{"timestamp", &Flavor{}, at, at.Truncate(time.Microsecond).UTC()},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.f.Time(at); got != tc.stored {
				t.Errorf("Time = %v, want %v", got, tc.stored)
			}
			if got := tc.f.Time(time.Time{}); got != nil {
				t.Errorf("Time(zero) = %v, want nil", got)
			}
			if got := tc.f.Round(at); !got.Equal(tc.round) || got.Location() != time.UTC {
				t.Errorf("Round = %v, want %v in UTC", got, tc.round)
			}
			var back time.Time
			if err := ts(&back).Scan(tc.stored); err != nil {
				t.Fatal(err)
			}
			if !back.Equal(tc.f.Round(at)) && !back.Equal(at) || back.Location() != time.UTC {
				t.Errorf("scanned %v, want %v in UTC", back, at)
			}
		})
	}
	var z time.Time = at
	if err := ts(&z).Scan(nil); err != nil || !z.IsZero() {
		t.Errorf("Scan(nil) = %v, %v; want the zero time", z, err)
	}
	if err := ts(&z).Scan("2025"); err == nil {
		t.Error("Scan(string) succeeded")
	}
}

var errBusy = errors.New("busy")

func testFlavor() *Flavor {
	return &Flavor{Name: "test", Millis: true, IsUnique: func(error) bool { return false },
		Retryable: func(err error) bool { return errors.Is(err, errBusy) }, MaxAttempts: 3,
		FirstBackoff: time.Microsecond, MaxBackoff: time.Microsecond}
}

func openTestDB(t *testing.T) *sql.DB {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+filepath.Join(t.TempDir(), "t.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := db.Exec(`CREATE TABLE t (k TEXT PRIMARY KEY, v INTEGER)`); err != nil {
		t.Fatal(err)
	}
	return db
}

func TestRetry(t *testing.T) {
	tests := []struct {
		name     string
		err      error
		runs     int
		wantErr  error
		wantRuns int
	}{
		{"success", nil, 0, nil, 1},
		{"other errors are not retried", store.ErrNotFound, 1, store.ErrNotFound, 1},
		{"retryable, then success", errBusy, 2, nil, 3},
		{"retryable every time gives up", errBusy, 99, errBusy, 3},
		{"an insert race is retried", ErrRetry, 1, nil, 2},
		{"an insert race every time gives up", ErrRetry, 99, ErrRetry, 3},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			db := NewDB(testFlavor(), SQL(Pools{Write: openTestDB(t), Prepare: true}))
			runs := 0
			err := db.Write(t.Context(), func(tx *Tx) error {
				runs++
				if _, err := tx.Exec(t.Context(), `INSERT INTO t (k, v) VALUES (?, ?) ON CONFLICT (k) DO UPDATE SET v = v + 1`, "k", 1); err != nil {
					return err
				}
				if runs <= tc.runs {
					return tc.err
				}
				return nil
			})
			if !errors.Is(err, tc.wantErr) || (tc.wantErr == nil) != (err == nil) {
				t.Errorf("Write = %v, want %v", err, tc.wantErr)
			}
			if runs != tc.wantRuns {
				t.Errorf("ran %d times, want %d", runs, tc.wantRuns)
			}
			// Failed attempts rolled back: the row holds one insert at most.
			var v int
			err = db.ReadRow(t.Context(), func(r Row) error { return r.Scan(&v) }, `SELECT v FROM t WHERE k = ?`, "k")
			want := 1
			if tc.wantErr != nil {
				want = 0
				if !errors.Is(err, sql.ErrNoRows) {
					t.Errorf("a failed write left a row: %v, %d", err, v)
				}
			} else if err != nil || v != want {
				t.Errorf("row = %d, %v; want %d", v, err, want)
			}
		})
	}
}

func TestRetryHonoursContext(t *testing.T) {
	f := testFlavor()
	f.MaxAttempts, f.FirstBackoff, f.MaxBackoff = 100, time.Hour, time.Hour
	db := NewDB(f, SQL(Pools{Write: openTestDB(t), Prepare: true}))
	ctx, cancel := context.WithCancel(t.Context())
	err := db.Write(ctx, func(*Tx) error { cancel(); return errBusy })
	if !errors.Is(err, context.Canceled) {
		t.Errorf("Write = %v, want context.Canceled", err)
	}
}

func TestArgumentsGuarded(t *testing.T) {
	db := NewDB(testFlavor(), SQL(Pools{Write: openTestDB(t), Prepare: true}))
	ctx := t.Context()
	checks := []struct {
		name string
		run  func() error
	}{
		{"ExecOne", func() error { _, err := db.ExecOne(ctx, `INSERT INTO t (k, v) VALUES (?, 1)`, "a\x00b"); return err }},
		{"ReadRow", func() error {
			return db.ReadRow(ctx, func(r Row) error { var v int; return r.Scan(&v) }, `SELECT v FROM t WHERE k = ?`, "a\x00b")
		}},
		{"Tx.Exec", func() error {
			return db.Write(ctx, func(tx *Tx) error { _, err := tx.Exec(ctx, `INSERT INTO t (k, v) VALUES (?, 1)`, "a\x00"); return err })
		}},
		{"Tx.Query", func() error {
			return db.Read(ctx, func(tx *Tx) error { _, err := tx.Query(ctx, `SELECT v FROM t WHERE k = ?`, "\x00"); return err })
		}},
	}
	for _, c := range checks {
		if err := c.run(); !errors.Is(err, store.ErrInvalidText) {
			t.Errorf("%s with a NUL = %v, want ErrInvalidText", c.name, err)
		}
	}
	var n int
	if err := db.ReadRow(ctx, func(r Row) error { return r.Scan(&n) }, `SELECT count(*) FROM t`); err != nil || n != 0 {
		t.Errorf("rows = %d, %v; want none written", n, err)
	}
}

func TestStmtCacheBounded(t *testing.T) {
	p := openTestDB(t)
	c := newStmtCache(p, 4)
	t.Cleanup(c.close)
	ctx := t.Context()
	first, err := c.get(ctx, `SELECT 0`)
	if err != nil {
		t.Fatal(err)
	}
	if again, _ := c.get(ctx, `SELECT 0`); again != first {
		t.Error("the same statement was prepared twice")
	}
	for i := 1; i <= 10; i++ {
		if _, err := c.get(ctx, fmt.Sprintf(`SELECT %d`, i)); err != nil {
			t.Fatal(err)
		}
	}
	if n := c.len(); n != 4 {
		t.Errorf("cache holds %d statements, want its bound 4", n)
	}
	// The evicted statement was closed.
	var v int
	if err := first.QueryRowContext(ctx).Scan(&v); err == nil {
		t.Error("an evicted statement still runs: it was not closed")
	}
}

func TestStmtCacheConcurrent(t *testing.T) {
	p := openTestDB(t)
	c := newStmtCache(p, 8)
	t.Cleanup(c.close)
	var wg sync.WaitGroup
	got := make([]*sql.Stmt, 16)
	for i := range got {
		wg.Go(func() {
			st, err := c.get(t.Context(), `SELECT v FROM t WHERE k = ?`)
			if err != nil {
				t.Error(err)
			}
			got[i] = st
		})
	}
	wg.Wait()
	for _, st := range got {
		if st != got[0] {
			t.Fatal("concurrent callers got different statements for one query")
		}
	}
	if n := c.len(); n != 1 {
		t.Errorf("cache holds %d statements, want 1", n)
	}
}

// TestTxPreparesAfterward checks that a statement a transaction ran
// unprepared (preparing it then could wait for the connection the
// transaction holds: the pool here has one, like SQLite's write pool) is
// prepared once the transaction ended, and that the next transaction runs
// it prepared.
func TestTxPreparesAfterward(t *testing.T) {
	p := openTestDB(t)
	p.SetMaxOpenConns(1)
	db := NewDB(testFlavor(), SQL(Pools{Write: p, Prepare: true}))
	ctx := t.Context()
	const q = `INSERT INTO t (k, v) VALUES (?, ?)`
	for i, wantMissed := range []int{1, 0} {
		var missed int
		err := db.Write(ctx, func(tx *Tx) error {
			if _, err := tx.Exec(ctx, q, fmt.Sprint(i), i); err != nil {
				return err
			}
			missed = len(tx.tx.(*sqlTx).missed)
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if missed != wantMissed {
			t.Errorf("transaction %d ran %d statements unprepared, want %d", i, missed, wantMissed)
		}
		if _, ok := db.e.(*sqlEngine).conns[UseWrite].stmts.lookup(q); !ok {
			t.Errorf("after transaction %d the statement is not prepared", i)
		}
	}
}

// TestSQLEnginePools checks SQL's pools per use: Read and Log default to
// Write, LogRead to Read, a pool serving several uses keeps one statement
// cache, and Prepare false keeps none.
func TestSQLEnginePools(t *testing.T) {
	w, r, l, lr := openTestDB(t), openTestDB(t), openTestDB(t), openTestDB(t)
	for _, tc := range []struct {
		name      string
		p         Pools
		wantPools [nUses]*sql.DB
		// sameCache[u] is the use whose cache u shares (u itself: its own).
		sameCache [nUses]Use
		prepared  bool
	}{
		{"one pool", Pools{Write: w, Prepare: true}, [nUses]*sql.DB{w, w, w, w}, [nUses]Use{UseWrite, UseWrite, UseWrite, UseWrite}, true},
		{"read pool", Pools{Write: w, Read: r, Prepare: true}, [nUses]*sql.DB{w, r, w, r}, [nUses]Use{UseWrite, UseRead, UseWrite, UseRead}, true},
		{"unprepared", Pools{Write: w, Read: r}, [nUses]*sql.DB{w, r, w, r}, [nUses]Use{UseWrite, UseRead, UseWrite, UseRead}, false},
		{"logs' pools", Pools{Write: w, Read: r, Log: l, LogRead: lr, Prepare: true}, [nUses]*sql.DB{w, r, l, lr}, [nUses]Use{UseWrite, UseRead, UseLog, UseLogRead}, true},
	} {
		e := SQL(tc.p).(*sqlEngine)
		for u := range nUses {
			c := e.conns[u]
			if c.p != tc.wantPools[u] {
				t.Errorf("%s: use %d runs on the wrong pool", tc.name, u)
			}
			if (c.stmts != nil) != tc.prepared {
				t.Errorf("%s: use %d has a statement cache: %v, want %v", tc.name, u, c.stmts != nil, tc.prepared)
			}
			if c.stmts != e.conns[tc.sameCache[u]].stmts {
				t.Errorf("%s: use %d does not share the cache of use %d", tc.name, u, tc.sameCache[u])
			}
		}
		if tc.prepared && e.conns[UseRead].stmts == e.conns[UseWrite].stmts && tc.p.Read != nil {
			t.Errorf("%s: two pools share one cache", tc.name)
		}
		e.Close()
	}
}
