package graph

import (
	"errors"
	"net/http"
	"sync/atomic"
	"time"

	"graphgate/internal/store"
)

// Delta bookkeeping: tombstone retention, the expiry of old delta tokens
// and the scope of a folder's delta.

// driveTombstoneRetention is how long a deleted item is remembered for
// delta. Thirty days is how long OneDrive keeps a deleted item in the
// recycle bin for personal accounts; a client silent longer than that
// cannot be told about the deletion anyway and must resync.
const driveTombstoneRetention = 30 * 24 * time.Hour

// tombstonePruneBatch bounds the tombstones one delta request removes, so
// that a read never turns into an unbounded write; what is left goes on
// the next request.
const tombstonePruneBatch = 500

// driveDeltaClockSkew moves the retention check's clock (tests stand 30
// days later without waiting); atomic because handlers read it while a test
// sets it.
var driveDeltaClockSkew atomic.Int64

func (s *Server) deltaNow() time.Time {
	return s.now().Add(time.Duration(driveDeltaClockSkew.Load()))
}

// seqField is an item's change sequence number (_seq), 0 when it has none.
var seqField = func() store.Field {
	zero := store.Int(0)
	return store.Field{Path: []string{"_seq"}, Type: store.TypeInt, IfNull: &zero}
}()

// pruneTombstones removes expired tombstones of the drive in a short
// transaction of its own (not the delta's reads, which take none) and
// raises the drive's floor in the same one, so a token can never see the
// tombstones gone without the floor that says so.
func (s *Server) pruneTombstones(c *Call, d *driveInfo) error {
	cutoff := s.deltaNow().Add(-driveTombstoneRetention)
	old, _, err := s.store.QueryItems(c.ctx, store.ItemQuery{TenantID: c.TenantID, Kind: KindDriveTombstone, OwnerID: d.Owner.ID,
		Filter: store.Compare{Field: store.Doc("_at", store.TypeTime), Op: store.Lt, Value: store.Time(cutoff)},
		Order:  []store.Order{{Field: seqField}}, Limit: tombstonePruneBatch})
	if err != nil || len(old) == 0 {
		return err
	}
	ids := make([]string, 0, len(old))
	var top int64
	for _, it := range old {
		td, err := DecodeDoc[tombstoneDoc](it)
		if err != nil {
			return err
		}
		ids = append(ids, it.ID)
		top = max(top, td.Seq)
	}
	now := s.now()
	err = s.store.Batch(c.ctx, func(tx store.Items) error {
		if _, err := tx.DeleteItems(c.ctx, c.TenantID, KindDriveTombstone, ids...); err != nil {
			return err
		}
		_, err := tx.UpdateItem(c.ctx, c.TenantID, KindDriveDeltaFloor, d.ID, 0, func(it store.Item) (store.Item, error) {
			fd, err := DecodeDoc[deltaFloorDoc](it)
			if err != nil {
				return it, err
			}
			fd.Seq = max(fd.Seq, top)
			it.Doc = EncodeDoc(fd)
			return it, nil
		})
		if errors.Is(err, store.ErrNotFound) {
			err = tx.CreateItems(c.ctx, store.Item{TenantID: c.TenantID, Kind: KindDriveDeltaFloor, ID: d.ID, OwnerID: d.Owner.ID,
				Doc: EncodeDoc(deltaFloorDoc{Seq: top}), CreatedAt: now, ModifiedAt: now, Version: 1})
		}
		return err
	})
	if errors.Is(err, store.ErrConflict) {
		return nil // a concurrent request pruned them first
	}
	return err
}

// deltaFloor is the drive's highest pruned change number (0: none).
func (s *Server) deltaFloor(c *Call, d *driveInfo) (int64, error) {
	it, err := s.store.GetItem(c.ctx, c.TenantID, KindDriveDeltaFloor, d.ID)
	if errors.Is(err, store.ErrNotFound) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	fd, err := DecodeDoc[deltaFloorDoc](it)
	return fd.Seq, err
}

// expired says whether a token continues from before a pruned deletion.
func (t deltaToken) expired(floor int64) bool { return t.Since >= 0 && t.Since < floor }

// resyncMessage is OneDrive's wording for resyncChangesApplyDifferences.
const resyncMessage = "Resync required. Replace any local items with the server's version (including deletes) if you're sure that the service was up to date with your local changes when you last sync'd. Upload any local changes that the server doesn't know about."

// writeResyncRequired answers an expired token as OneDrive does: 410 Gone,
// code resyncRequired with the resync type as the inner error's code, and a
// Location that starts a fresh enumeration of the same scope.
func (s *Server) writeResyncRequired(c *Call, fresh deltaToken) error {
	c.w.Header().Set("Location", c.BaseURL()+pathAfterVersion(c.r.URL.Path)+"?token="+fresh.encode())
	body := map[string]any{"error": map[string]any{"code": "resyncRequired", "message": resyncMessage,
		"innerError": map[string]any{"code": "resyncChangesApplyDifferences", "date": s.now().UTC().Format(time.RFC3339),
			"request-id": c.RequestID, "client-request-id": c.ClientRequestID}}}
	return c.JSON(http.StatusGone, body)
}

// deltaScope lists a folder and every folder below it, deleted ones
// included (their tombstones keep their parents), so that a folder's
// delta can select changes by parent.
func (s *Server) deltaScope(c *Call, d *driveInfo, folderID string) ([]string, error) {
	isFolder := docSet("folder")
	scope, frontier := []string{folderID}, []string{folderID}
	seen := map[string]bool{folderID: true}
	for len(frontier) > 0 {
		var next []string
		for _, kind := range []string{KindDriveItem, KindDriveTombstone} {
			items, _, err := s.store.QueryItems(c.ctx, store.ItemQuery{TenantID: c.TenantID, Kind: kind, OwnerID: d.Owner.ID,
				ParentIDs: frontier, Filter: isFolder})
			if err != nil {
				return nil, err
			}
			for _, it := range items {
				if !seen[it.ID] {
					seen[it.ID] = true
					next = append(next, it.ID)
				}
			}
		}
		scope, frontier = append(scope, next...), next
	}
	return scope, nil
}
