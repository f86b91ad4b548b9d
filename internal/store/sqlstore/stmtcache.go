package sqlstore

import (
	"context"
	"database/sql"

	lru "github.com/hashicorp/golang-lru/v2"
)

// stmtCache keeps a database/sql pool's prepared statements (SQL's, for
// SQLite), keyed by the statement, at most size of them, least recently used
// first out. database/sql prepares a *sql.Stmt lazily on each connection
// that runs it and keeps it there, and a transaction reuses it
// (Tx.StmtContext), so a statement is parsed once per connection rather
// than at every run — modernc.org/sqlite otherwise prepares every
// statement it runs. An evicted statement is closed; database/sql defers
// the close until the transactions using it are done. hashicorp's LRU is
// the maintained, bounded, concurrency-safe cache the project already uses
// (the SQLite user cache), rather than a hand-rolled one.
type stmtCache struct {
	p *sql.DB
	c *lru.Cache[string, *sql.Stmt]
}

func newStmtCache(p *sql.DB, size int) *stmtCache {
	c, err := lru.NewWithEvict(size, func(_ string, st *sql.Stmt) { st.Close() })
	if err != nil {
		panic(err) // only for a size < 1
	}
	return &stmtCache{p: p, c: c}
}

// get returns query prepared on the pool. Two callers missing at once may
// both prepare it; the second's statement is closed.
func (c *stmtCache) get(ctx context.Context, query string) (*sql.Stmt, error) {
	if st, ok := c.c.Get(query); ok {
		return st, nil
	}
	st, err := c.p.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	if prev, ok, _ := c.c.PeekOrAdd(query, st); ok {
		st.Close()
		return prev, nil
	}
	return st, nil
}

// lookup returns query's statement if it is prepared.
func (c *stmtCache) lookup(query string) (*sql.Stmt, bool) { return c.c.Get(query) }

// len is how many statements the cache holds.
func (c *stmtCache) len() int { return c.c.Len() }

// close closes every statement.
func (c *stmtCache) close() { c.c.Purge() }
