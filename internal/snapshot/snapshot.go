package snapshot

import (
	"context"
	"fmt"
	"time"

	"graphgate/internal/demo"
	"graphgate/internal/store"
)

// Service saves and restores snapshots of one store. It is safe for
// concurrent use as far as the store is; two restores at once are
// serialized by the store's transactions.
type Service struct {
	st  store.Store
	now func() time.Time
}

// New returns the service over st.
func New(st store.Store) *Service { return &Service{st: st, now: time.Now} }

// Result is what an operation did and how long it took.
type Result struct {
	Snapshot store.SnapshotInfo
	Elapsed  time.Duration
}

// Save saves the store as name (replace: over an existing snapshot).
func (s *Service) Save(ctx context.Context, name string, replace bool) (Result, error) {
	start := s.now()
	info, err := s.st.SaveSnapshot(ctx, name, replace)
	return Result{Snapshot: info, Elapsed: s.now().Sub(start)}, err
}

// Restore puts the snapshot name back (see store.Snapshots).
func (s *Service) Restore(ctx context.Context, name string) (Result, error) {
	if err := store.ValidateSnapshotName(name); err != nil {
		return Result{}, err
	}
	start := s.now()
	err := s.st.RestoreSnapshot(ctx, name)
	return Result{Snapshot: store.SnapshotInfo{Name: name}, Elapsed: s.now().Sub(start)}, err
}

// List returns the saved snapshots by name.
func (s *Service) List(ctx context.Context) ([]store.SnapshotInfo, error) {
	return s.st.ListSnapshots(ctx)
}

// Delete removes the snapshot name.
func (s *Service) Delete(ctx context.Context, name string) error {
	return s.st.DeleteSnapshot(ctx, name)
}

// Reset puts the store back to the demo tenant as a fresh start seeds it:
// every tenant, app, grant, item and sign-in state is deleted in one
// transaction (signing keys, the identity platform's keys and snapshots
// stay), then the demo tenant is seeded with o. Without o.Seed the demo
// keeps the passwords and secrets it had; with it they are derived from
// the seed. Between the wipe and the end of seeding a running server sees
// a partly seeded tenant: reset between tests, not during one.
func (s *Service) Reset(ctx context.Context, o demo.Options) (*demo.Tenant, time.Duration, error) {
	start := s.now()
	reseed := o.Seed != ""
	if err := s.st.Wipe(ctx, func(name string) bool { return demo.KeepOnReset(name, reseed) }); err != nil {
		return nil, 0, err
	}
	t, _, err := demo.Seed(ctx, s.st, o)
	if err != nil {
		return nil, 0, fmt.Errorf("seeding the demo tenant after the wipe: %w", err)
	}
	return t, s.now().Sub(start), nil
}
