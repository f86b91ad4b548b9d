// Package conformance is the test suite every store.Store backend passes:
// a backend's test calls RunTests with a function that opens a new, empty
// store.
//
//	func TestConformance(t *testing.T) {
//		conformance.RunTests(t, func(t *testing.T) store.Store {
//			s, err := sqlite.Open(t.Context(), t.TempDir())
//			if err != nil {
//				t.Fatal(err)
//			}
//			t.Cleanup(func() { s.Close() })
//			return s
//		})
//	}
//
// # What it owns
//
// The executable form of the contract in package store's documentation: a
// subtest per method and per clause — round trips of every field, keys and
// ErrConflict, ErrNotFound for every missing object, case-insensitive UPN
// and domain lookups, paging, versions, update closures (atomic, aborted by
// their error), single-use objects consumed once under concurrency, first
// writer wins, times in UTC to the millisecond. Concurrency tests run real
// goroutines released together by a start barrier; the races of single-use
// objects run several rounds, since a broken backend does not lose every
// race.
//
// # Rules for the tests
//
// They are backend-neutral: they use only the store interface, never a
// backend's tables or files, and assume nothing the contract leaves open.
// They write no SQL: item and directory queries are the store's query IR
// (store.Cond, store.Order), the same for every backend. Item documents compare as JSON values
// (jsonEquivalent), not bytes, since a backend may normalise them. Lists
// whose order the contract does not fix are sorted before comparison; nil
// and empty slices are equal; times compare with time.Equal and must be in
// UTC. Fixtures use whole-millisecond UTC times, so that every backend
// round-trips them exactly, and set every field. Each subtest gets its own
// store from newStore, which must be empty and not shared with another
// subtest (a PostgreSQL backend can hand out a fresh schema per call).
//
// Behaviour particular to one backend (files, pragmas, migrations, several
// processes on one database) is tested in that backend's package.
//
// # What it must not do
//
// It must not hold a backend's particulars or be imported by non-test code other than the
// backends' own tests.
package conformance
