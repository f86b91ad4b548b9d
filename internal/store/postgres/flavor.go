package postgres

import "graphgate/internal/store/sqlstore"

// flavor is what PostgreSQL does differently for the shared SQL layer
// (store/sqlstore): $n placeholders; rows read-modified-written are locked
// FOR UPDATE (writes run at READ COMMITTED); a family's advisory lock
// orders writers that share no row; times as timestamptz; LIMIT NULL for
// all; serialization failures, deadlocks and stale cached plans retried;
// the decision and sign-in logs' transactions commit without waiting for
// the WAL flush (LogTx; doc.go, "Durability of the logs").
// Statements run on pgx natively (engine.go), which keeps a statement
// cache on each connection itself.
var flavor = &sqlstore.Flavor{
	Name:         "postgres",
	Queries:      queries,
	Numbered:     true,
	ForUpdate:    " FOR UPDATE",
	LockKey:      `SELECT pg_advisory_xact_lock(hashtextextended(?, 7))`,
	IsUnique:     isUniqueViolation,
	Constraint:   constraint,
	Retryable:    retryable,
	MaxAttempts:  maxAttempts,
	FirstBackoff: firstBackoff,
	MaxBackoff:   maxBackoff,
	LogTx:        "SET LOCAL synchronous_commit = off",
}
