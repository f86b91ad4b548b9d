// Package open opens graphgate's store from what a user types: the --store
// flag (or GRAPHGATE_STORE) and the --data folder. It is the one place that
// knows which backends exist; the server and every command that opens a
// store go through it.
//
// A store specification is one of:
//
//	""                          the embedded SQLite database in the data folder
//	sqlite:                     the same
//	sqlite:DIR, or a path DIR   the SQLite databases graphgate.db and logs.db in the folder DIR
//	postgres://… postgresql://… a PostgreSQL database (a libpq/pgx connection URL)
//
// It must not hold any other logic: the backends own their settings.
package open
