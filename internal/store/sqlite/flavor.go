package sqlite

import "graphgate/internal/store/sqlstore"

// flavor is what SQLite does differently for the shared SQL layer
// (store/sqlstore): '?' placeholders; no row locks, since every write
// transaction is BEGIN IMMEDIATE and holds the database's write lock from
// its first statement; times as integer milliseconds; LIMIT -1 for all;
// SQLITE_BUSY and SQLITE_LOCKED retried. Its engine is sqlstore.SQL over
// the backend's database/sql pools, with statements kept prepared (the
// driver otherwise parses each one at every run; Open).
var flavor = &sqlstore.Flavor{
	Name:         "sqlite",
	Queries:      queries,
	Millis:       true,
	LimitAll:     -1,
	IsUnique:     isUniqueViolation,
	Retryable:    isBusy,
	MaxAttempts:  maxAttempts,
	FirstBackoff: firstBackoff,
	MaxBackoff:   maxBackoff,
}
