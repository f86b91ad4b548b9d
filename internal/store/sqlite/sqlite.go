package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/maypok86/otter/v2"
	_ "modernc.org/sqlite" // registers the "sqlite" database/sql driver

	"graphgate/internal/secretfile"
	"graphgate/internal/store"
	"graphgate/internal/store/sqlstore"
)

// FileName is the database file Open creates in its directory.
const FileName = "graphgate.db"

// busyTimeoutMillis is how long a statement waits for another connection's
// lock (SQLite's busy handler) before it fails with SQLITE_BUSY, after which
// the transaction helper retries it a bounded number of times.
const busyTimeoutMillis = 10_000

// Store is the SQLite backend. It is safe for concurrent use.
type Store struct {
	// Store runs the SQL both backends share (store/sqlstore) on w and r.
	*sqlstore.Store
	// clock stamps items, grants and service principals (nil: time.Now).
	clock func() time.Time
	path  string
	// logsPath is the logs' database file, logs.db beside path (logs.go).
	logsPath string
	// w is the write pool: one connection, every transaction BEGIN
	// IMMEDIATE, so writers of this process queue in database/sql (which
	// honours their contexts) instead of spinning in SQLite's busy handler.
	w *sql.DB
	// lw is the logs' write pool: one connection to the logs' own file
	// (logs.go), opened with synchronous=NORMAL, on which the decision and
	// sign-in logs append and prune (sqlstore's Pools.Log; see doc.go,
	// "Durability of the logs"); lr is their read pool (Pools.LogRead).
	lw, lr *sql.DB
	// r is the read pool: several query-only connections; in WAL mode they
	// read a consistent snapshot while a write is in progress.
	r *sql.DB
	// stmts are the read pool's prepared statements of hot single-row
	// reads (see readRow).
	stmtMu sync.Mutex
	stmts  map[string]*sql.Stmt

	// watch tells whether anything was committed since a read (see
	// walstamp_unix.go); hold is the connection that keeps the WAL index it
	// maps alive. users caches GetUser against the watch's stamp: every
	// Graph request reads its caller, and a cached copy is only returned
	// while no transaction — of this process or another — has committed
	// since it was read, so the cache never serves stale data.
	watch *walWatch
	hold  *sql.Conn
	users *otter.Cache[userKey, cachedUser] // reads take no lock (bench/README.md, "The caches without a lock")
	// userHits counts answers from the cache (for its tests).
	userHits atomic.Uint64
	// lists caches keyed item listings against the same stamp
	// (listcache.go); nil without the watch.
	lists *listCache
}

type userKey struct{ tenant, id string }

type cachedUser struct {
	stamp walStamp
	user  store.User
}

// userCacheSize bounds the user cache (entries, about 1 KB each).
const userCacheSize = 4096

var _ store.Store = (*Store)(nil)

// Options adjust OpenWith.
type Options struct {
	// Logger receives the warnings about file modes (nil: slog.Default()).
	Logger *slog.Logger
}

// Open opens the database in dir with default options (see OpenWith).
func Open(ctx context.Context, dir string) (*Store, error) {
	return OpenWith(ctx, dir, Options{})
}

// OpenWith opens (creating if needed) the database graphgate.db in dir,
// which it creates with mode 0700, and the logs' database logs.db beside it
// (logs.go), and brings their schemas up to date.
//
// The databases and their -wal, -shm and -journal files hold secrets (signing
// keys, the keys secret hashes depend on, the demo's passwords), so they
// are owner-only whatever the folder's mode: the database file is created
// 0600 before SQLite opens it (SQLite gives the files it creates next to a
// database the database's mode), files found with wider modes are
// tightened, and a folder other users can read is reported (see package
// secretfile).
func OpenWith(ctx context.Context, dir string, o Options) (*Store, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("sqlite: %w", err)
	}
	path, err := filepath.Abs(filepath.Join(dir, FileName))
	if err != nil {
		return nil, fmt.Errorf("sqlite: %w", err)
	}
	secretfile.CheckFolder(o.Logger, dir)
	if err := secretfile.Create(path); err != nil {
		return nil, fmt.Errorf("sqlite: %w", err)
	}
	if err := secretfile.Tighten(o.Logger, path, path+"-wal", path+"-shm", path+"-journal"); err != nil {
		return nil, fmt.Errorf("sqlite: %w", err)
	}
	s := &Store{path: path}
	if s.w, err = openDB(dsn(path, true, syncFull)); err != nil {
		return nil, fmt.Errorf("sqlite: %w", err)
	}
	s.w.SetMaxOpenConns(1)
	s.w.SetMaxIdleConns(1)

	// The writer connects (and switches the file to WAL) and migrates before
	// any reader connects. The logs' file is opened first: it takes in the
	// log rows an older graphgate kept in the tenant file (logs.go).
	if err := s.openLogs(ctx, o); err != nil {
		s.Close()
		return nil, fmt.Errorf("sqlite: %w", err)
	}
	if err := migrate(ctx, s, migrations()); err != nil {
		s.Close()
		return nil, err
	}

	if s.r, err = openDB(dsn(path, false, syncFull)); err != nil {
		s.Close()
		return nil, fmt.Errorf("sqlite: %w", err)
	}
	n := max(4, runtime.GOMAXPROCS(0))
	s.r.SetMaxOpenConns(n + 1) // one is held for the WAL watch
	s.r.SetMaxIdleConns(n)
	if err := s.r.PingContext(ctx); err != nil {
		s.Close()
		return nil, fmt.Errorf("sqlite: %w", err)
	}
	s.Store = sqlstore.New(sqlstore.NewDB(flavor, sqlstore.SQL(sqlstore.Pools{Write: s.w, Read: s.r, Log: s.lw, LogRead: s.lr, ReadTx: &sql.TxOptions{ReadOnly: true}, Prepare: true})), s.now)
	s.startWatch(ctx)
	return s, nil
}

// startWatch holds one read connection open (a read through it makes
// SQLite map the WAL index) and maps the index's header. Without it — a
// platform without mmap, a file system SQLite cannot share memory on —
// every read goes to the database, which is only slower.
func (s *Store) startWatch(ctx context.Context) {
	hold, err := s.r.Conn(ctx)
	if err != nil {
		return
	}
	var v int
	if err := hold.QueryRowContext(ctx, "PRAGMA schema_version").Scan(&v); err != nil {
		hold.Close()
		return
	}
	w, err := openWALWatch(s.path)
	if err != nil {
		hold.Close()
		return
	}
	s.hold, s.watch = hold, w
	s.users = otter.Must(&otter.Options[userKey, cachedUser]{MaximumSize: userCacheSize})
	s.lists = newListCache()
}

// The synchronous settings of dsn: FULL for tenant data, NORMAL for the
// logs' connection (see doc.go).
const (
	syncFull   = "full"
	syncNormal = "normal"
)

// dsn is the modernc.org/sqlite data source name for the database file: a
// file: URI (so any path is safe) whose underscore parameters the driver
// applies to every new connection. See doc.go for why these values.
func dsn(path string, writer bool, synchronous string) string {
	q := url.Values{}
	q.Set("_busy_timeout", fmt.Sprint(busyTimeoutMillis))
	q.Set("_foreign_keys", "on")
	q.Set("_synchronous", synchronous)
	if writer {
		q.Set("_journal_mode", "wal")
		q.Set("_txlock", "immediate")
	} else {
		q.Set("_query_only", "on")
	}
	u := url.URL{Scheme: "file", Path: path, RawQuery: q.Encode()}
	return u.String()
}

// Close closes the connection pools of both files; the last connection to
// close a file checkpoints its write-ahead log into it.
func (s *Store) Close() error {
	var errs []error
	if s.watch != nil {
		// Unmap before the held connection closes: a later first opener
		// may truncate the -shm file.
		errs = append(errs, s.watch.close(), s.hold.Close())
		s.watch, s.hold = nil, nil
	}
	if s.Store != nil {
		errs = append(errs, s.Store.DB().Close())
	}
	s.stmtMu.Lock()
	for _, st := range s.stmts {
		errs = append(errs, st.Close())
	}
	s.stmts = nil
	s.stmtMu.Unlock()
	if s.r != nil {
		errs = append(errs, s.r.Close())
	}
	if s.lr != nil {
		errs = append(errs, s.lr.Close())
	}
	if s.lw != nil {
		errs = append(errs, s.lw.Close())
	}
	if s.w != nil {
		errs = append(errs, s.w.Close())
	}
	return errors.Join(errs...)
}
