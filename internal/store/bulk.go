package store

import (
	"context"
	"errors"
)

// BulkLoader is implemented by backends that load a large volume of new
// items (a generated tenant: demo.Generate) faster in one pass than in
// many transactions that each maintain every index: BulkLoad runs load
// with an Items whose CreateItems adds to one transaction, with the
// backend's indexes built once, after load returns.
//
// The load is atomic like a Batch: when load returns nil, every item it
// created commits together, indexed as CreateItems would have indexed it;
// when load or the backend fails, or the process dies, nothing of the load
// is kept and the store is as it was. While it runs it holds the store's
// writer: load must not call the store itself (as in a Batch), and other
// writers wait. It is meant for a store that nothing serves meanwhile.
//
// The Items given to load only creates: its other methods return
// ErrBulkOnlyCreates. What load creates is the same as through CreateItems
// (the same rows, the same documents; the text index finds the same items).
type BulkLoader interface {
	BulkLoad(ctx context.Context, load func(ctx context.Context, items Items) error) error
}

// ErrBulkOnlyCreates is returned by the Items of a BulkLoad for every
// method but CreateItems.
var ErrBulkOnlyCreates = errors.New("store: a bulk load only creates items")

// SyncDeferrer is implemented by backends that can commit a long run of
// small transactions without waiting for each to reach the disk (SQLite:
// synchronous=NORMAL instead of FULL, one fsync a commit), for a loader
// whose writes cannot be one bulk load (demo.Generate's users, created one
// by one through the directory). DeferSync runs f, whose writes commit as
// usual and are visible at once, and makes them durable before it returns;
// a crash of the machine meanwhile may lose the last of them, never what
// committed before DeferSync began, and never leaves the store corrupt.
// Other writers of the store meanwhile are deferred alike.
type SyncDeferrer interface {
	DeferSync(ctx context.Context, f func(ctx context.Context) error) error
}
