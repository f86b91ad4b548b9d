package snapshot

import (
	"context"
	"time"

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
