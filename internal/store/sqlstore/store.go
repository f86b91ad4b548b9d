package sqlstore

import "time"

// Store implements the families of store.Store whose SQL both engines
// share. A backend embeds *Store; a method the backend defines itself
// takes precedence.
type Store struct {
	db *DB
	f  *Flavor
	// now stamps what the store creates (grants, assignments) when the
	// caller left a time zero.
	now func() time.Time
}

// New returns a Store running its statements on db. now is the backend's
// clock (its SetClock's), at the precision the backend keeps.
func New(db *DB, now func() time.Time) *Store { return &Store{db: db, f: db.f, now: now} }

// DB returns the DB the Store runs on.
func (s *Store) DB() *DB { return s.db }
