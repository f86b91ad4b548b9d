package postgres

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"graphgate/internal/store"
	"graphgate/internal/store/sqlstore"
)

// connectTimeout bounds how long Open waits for the first connection when
// the DSN sets no connect_timeout, so that a wrong address fails at start-up
// instead of hanging the server.
const connectTimeout = 10 * time.Second

// Store is the PostgreSQL backend. It is safe for concurrent use, and any
// number of Stores (in this process or in replicas) may share one database.
type Store struct {
	// Store runs the SQL both backends share (store/sqlstore) on the same
	// pgx pool, natively (engine.go).
	*sqlstore.Store
	// clock stamps items, grants and service principals (nil: time.Now).
	clock func() time.Time
	// pool runs every statement, guarded (guard.go).
	pool guardedPool
}

var (
	_ store.Store            = (*Store)(nil)
	_ store.Items            = (*Store)(nil)
	_ store.DirectoryQueries = (*Store)(nil)
)

// Open connects to the database named by dsn (a postgres:// URL or a
// key=value connection string, as pgx accepts; pool settings such as
// pool_max_conns may be added to it) and brings its schema up to date. The
// tables live in the connection's current schema: the first existing schema
// of search_path, which the DSN may set (…?search_path=graphgate).
func Open(ctx context.Context, dsn string) (*Store, error) {
	cfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		// pgx's parse errors can quote the DSN, password included.
		return nil, fmt.Errorf("postgres: invalid connection string")
	}
	if cfg.ConnConfig.ConnectTimeout == 0 {
		cfg.ConnConfig.ConnectTimeout = connectTimeout
	}
	if _, ok := cfg.ConnConfig.RuntimeParams["application_name"]; !ok {
		cfg.ConnConfig.RuntimeParams["application_name"] = "graphgate"
	}
	cfg.AfterConnect = registerTypes
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("postgres: %w", err)
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		// pgx's errors name the user and database, never the password.
		addr := net.JoinHostPort(cfg.ConnConfig.Host, strconv.Itoa(int(cfg.ConnConfig.Port)))
		var pgErr *pgconn.PgError
		if errors.As(err, &pgErr) {
			// The server answered: wrong credentials, no such database, …
			return nil, fmt.Errorf("PostgreSQL at %s refused the connection: %w", addr, err)
		}
		return nil, fmt.Errorf("cannot reach PostgreSQL at %s: %w", addr, err)
	}
	s := &Store{pool: guardedPool{pool}}
	s.Store = sqlstore.New(sqlstore.NewDB(flavor, newEngine(pool)), s.now)
	if _, err := migrate(ctx, pool, migrations()); err != nil {
		pool.Close()
		return nil, err
	}
	return s, nil
}

// Close closes the connection pool, waiting for connections in use to be
// returned to it.
func (s *Store) Close() error {
	s.Store.DB().Close()
	s.pool.Close()
	return nil
}
