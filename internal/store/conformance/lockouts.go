package conformance

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"graphgate/internal/store"
)

// newLockout is a lockout state with every field set.
func newLockout(tenantID, userID string) store.Lockout {
	return store.Lockout{TenantID: tenantID, UserID: userID, Failures: 3, Lockouts: 2, LockedUntil: at(2 * time.Minute),
		BadPasswords: []string{"hash-a", "hash-b", "hash-c"}, UpdatedAt: at(time.Minute), ExpiresAt: at(time.Hour)}
}

var lockoutTests = []test{
	{"GetMissing", func(t *testing.T, s store.Store) {
		_, err := s.GetLockout(t.Context(), newID(), newID())
		wantErr(t, err, store.ErrNotFound, "GetLockout of a user without one")
		wantErr(t, s.DeleteLockout(t.Context(), newID(), newID()), store.ErrNotFound, "DeleteLockout of a user without one")
	}},
	{"UpsertCreatesAndRoundTrips", func(t *testing.T, s store.Store) {
		ctx := t.Context()
		tenant, user := newID(), newID()
		want := newLockout(tenant, user)
		got, err := s.UpsertLockout(ctx, tenant, user, func(l store.Lockout) (store.Lockout, error) {
			check(t, "UpsertLockout's closure on a missing state", l, store.Lockout{TenantID: tenant, UserID: user})
			return want, nil
		})
		must(t, err)
		check(t, "UpsertLockout's result", got, want)
		got, err = s.GetLockout(ctx, tenant, user)
		must(t, err)
		check(t, "GetLockout", got, want)
	}},
	{"UpsertUpdates", func(t *testing.T, s store.Store) {
		ctx := t.Context()
		tenant, user := newID(), newID()
		first := newLockout(tenant, user)
		_, err := s.UpsertLockout(ctx, tenant, user, func(store.Lockout) (store.Lockout, error) { return first, nil })
		must(t, err)
		want := store.Lockout{TenantID: tenant, UserID: user, Failures: 1, UpdatedAt: at(3 * time.Minute), ExpiresAt: at(2 * time.Hour)}
		got, err := s.UpsertLockout(ctx, tenant, user, func(l store.Lockout) (store.Lockout, error) {
			check(t, "UpsertLockout's closure on an existing state", l, first)
			// The key fields cannot change; the zero times and the empty
			// list replace the old values.
			next := want
			next.TenantID, next.UserID = newID(), newID()
			return next, nil
		})
		must(t, err)
		check(t, "UpsertLockout's result", got, want)
		got, err = s.GetLockout(ctx, tenant, user)
		must(t, err)
		check(t, "GetLockout after an update", got, want)
	}},
	{"UpsertAborted", func(t *testing.T, s store.Store) {
		ctx := t.Context()
		tenant, user, other := newID(), newID(), newID()
		boom := errors.New("closure failed")
		_, err := s.UpsertLockout(ctx, tenant, user, func(l store.Lockout) (store.Lockout, error) { return newLockout(tenant, user), boom })
		wantErr(t, err, boom, "UpsertLockout whose closure fails")
		_, err = s.GetLockout(ctx, tenant, user)
		wantErr(t, err, store.ErrNotFound, "GetLockout after an aborted first upsert")

		want := newLockout(tenant, other)
		_, err = s.UpsertLockout(ctx, tenant, other, func(store.Lockout) (store.Lockout, error) { return want, nil })
		must(t, err)
		_, err = s.UpsertLockout(ctx, tenant, other, func(l store.Lockout) (store.Lockout, error) {
			l.Failures = 99
			return l, boom
		})
		wantErr(t, err, boom, "UpsertLockout whose closure fails")
		got, err := s.GetLockout(ctx, tenant, other)
		must(t, err)
		check(t, "GetLockout after an aborted update", got, want)
	}},
	{"KeyedByTenantAndUser", func(t *testing.T, s store.Store) {
		ctx := t.Context()
		t1, t2, user := newID(), newID(), newID()
		a, b := newLockout(t1, user), newLockout(t2, user)
		b.Failures = 7
		for _, l := range []store.Lockout{a, b} {
			_, err := s.UpsertLockout(ctx, l.TenantID, l.UserID, func(store.Lockout) (store.Lockout, error) { return l, nil })
			must(t, err)
		}
		must(t, s.DeleteLockout(ctx, t1, user))
		_, err := s.GetLockout(ctx, t1, user)
		wantErr(t, err, store.ErrNotFound, "GetLockout after DeleteLockout")
		wantErr(t, s.DeleteLockout(ctx, t1, user), store.ErrNotFound, "DeleteLockout twice")
		got, err := s.GetLockout(ctx, t2, user)
		must(t, err)
		check(t, "the same user id's lockout in another tenant", got, b)
	}},
	{"UpsertConcurrent", func(t *testing.T, s store.Store) {
		// Every failure counted by concurrent sign-ins survives, whether
		// the state existed before or not.
		ctx := t.Context()
		tenant := newID()
		for round := range rounds {
			user := newID()
			if round%2 == 1 {
				_, err := s.UpsertLockout(ctx, tenant, user, func(l store.Lockout) (store.Lockout, error) { return l, nil })
				must(t, err)
			}
			const n = 16
			for i, err := range concurrently(n, func(i int) error {
				_, err := s.UpsertLockout(ctx, tenant, user, func(l store.Lockout) (store.Lockout, error) {
					l.Failures++
					l.BadPasswords = append(l.BadPasswords, fmt.Sprint(i))
					return l, nil
				})
				return err
			}) {
				if err != nil {
					t.Fatalf("round %d: upsert %d: %v", round, i, err)
				}
			}
			got, err := s.GetLockout(ctx, tenant, user)
			must(t, err)
			if got.Failures != n || len(got.BadPasswords) != n {
				t.Errorf("round %d: after %d concurrent upserts: %d failures, %d bad passwords", round, n, got.Failures, len(got.BadPasswords))
			}
		}
	}},
	{"DeleteExpired", func(t *testing.T, s store.Store) {
		// Expired lockout state goes, uncounted (it is not a credential);
		// live state and state without an expiry stay.
		ctx := t.Context()
		tenant, dead, live, forever := newID(), newID(), newID(), newID()
		for user, exp := range map[string]time.Time{dead: at(59 * time.Minute), live: at(61 * time.Minute), forever: {}} {
			l := newLockout(tenant, user)
			l.ExpiresAt = exp
			_, err := s.UpsertLockout(ctx, tenant, user, func(store.Lockout) (store.Lockout, error) { return l, nil })
			must(t, err)
		}
		n, err := s.DeleteExpired(ctx, at(time.Hour))
		must(t, err)
		if n != 0 {
			t.Errorf("DeleteExpired = %d with only lockout state expired, want 0", n)
		}
		_, err = s.GetLockout(ctx, tenant, dead)
		wantErr(t, err, store.ErrNotFound, "GetLockout of expired state")
		for _, user := range []string{live, forever} {
			_, err = s.GetLockout(ctx, tenant, user)
			must(t, err)
		}
	}},
}
