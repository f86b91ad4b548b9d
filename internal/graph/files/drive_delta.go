package files

import (
	"errors"
	"net/http"
	"time"

	"graphgate/internal/graph"
	"graphgate/internal/model"
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

// deltaNow is the retention check's clock (graph.Server.DriveDeltaNow:
// graph's tests move it 30 days on without waiting).
func (s server) deltaNow() time.Time { return s.DriveDeltaNow() }

// seqField is an item's change sequence number (_seq), 0 when it has none.
var seqField = func() store.Field {
	zero := store.Int(0)
	return store.Field{Path: []string{"_seq"}, Type: store.TypeInt, IfNull: &zero}
}()

// pruneTombstones removes expired tombstones of the drive in a short
// transaction of its own (not the delta's reads, which take none) and
// raises the drive's floor in the same one, so a token can never see the
// tombstones gone without the floor that says so.
func (s server) pruneTombstones(c *graph.Call, d *driveInfo) error {
	cutoff := s.deltaNow().Add(-driveTombstoneRetention)
	old, _, err := s.Store().QueryItems(c.Context(), store.ItemQuery{TenantID: c.TenantID, Kind: model.KindDriveTombstone, OwnerID: d.Owner.ID,
		Filter: store.Compare{Field: store.Doc("_at", store.TypeTime), Op: store.Lt, Value: store.Time(cutoff)},
		Order:  []store.Order{{Field: seqField}}, Limit: tombstonePruneBatch})
	if err != nil || len(old) == 0 {
		return err
	}
	ids := make([]string, 0, len(old))
	var top int64
	for _, it := range old {
		td, err := model.DecodeDoc[model.Tombstone](it)
		if err != nil {
			return err
		}
		ids = append(ids, it.ID)
		top = max(top, td.Seq)
	}
	now := s.Now()
	err = s.Store().Batch(c.Context(), func(tx store.Items) error {
		if _, err := tx.DeleteItems(c.Context(), c.TenantID, model.KindDriveTombstone, ids...); err != nil {
			return err
		}
		_, err := tx.UpdateItem(c.Context(), c.TenantID, model.KindDriveDeltaFloor, d.ID, 0, func(it store.Item) (store.Item, error) {
			fd, err := model.DecodeDoc[model.DeltaFloor](it)
			if err != nil {
				return it, err
			}
			fd.Seq = max(fd.Seq, top)
			it.Doc = model.EncodeDoc(fd)
			return it, nil
		})
		if errors.Is(err, store.ErrNotFound) {
			err = tx.CreateItems(c.Context(), store.Item{TenantID: c.TenantID, Kind: model.KindDriveDeltaFloor, ID: d.ID, OwnerID: d.Owner.ID,
				Doc: model.EncodeDoc(model.DeltaFloor{Seq: top}), CreatedAt: now, ModifiedAt: now, Version: 1})
		}
		return err
	})
	if errors.Is(err, store.ErrConflict) {
		return nil // a concurrent request pruned them first
	}
	return err
}

// deltaFloor is the drive's highest pruned change number (0: none).
func (s server) deltaFloor(c *graph.Call, d *driveInfo) (int64, error) {
	it, err := s.Store().GetItem(c.Context(), c.TenantID, model.KindDriveDeltaFloor, d.ID)
	if errors.Is(err, store.ErrNotFound) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	fd, err := model.DecodeDoc[model.DeltaFloor](it)
	return fd.Seq, err
}

// expired says whether a token continues from before a pruned deletion.
func (t deltaToken) expired(floor int64) bool { return t.Since >= 0 && t.Since < floor }

// resyncMessage is OneDrive's wording for resyncChangesApplyDifferences.
const resyncMessage = "Resync required. Replace any local items with the server's version (including deletes) if you're sure that the service was up to date with your local changes when you last sync'd. Upload any local changes that the server doesn't know about."

// writeResyncRequired answers an expired token as OneDrive does: 410 Gone,
// code resyncRequired with the resync type as the inner error's code, and a
// Location that starts a fresh enumeration of the same scope.
func (s server) writeResyncRequired(c *graph.Call, fresh deltaToken) error {
	c.Header().Set("Location", c.BaseURL()+graph.PathAfterVersion(c.Request().URL.Path)+"?token="+fresh.encode())
	body := map[string]any{"error": map[string]any{"code": "resyncRequired", "message": resyncMessage,
		"innerError": map[string]any{"code": "resyncChangesApplyDifferences", "date": s.Now().UTC().Format(time.RFC3339),
			"request-id": c.RequestID, "client-request-id": c.ClientRequestID}}}
	return c.JSON(http.StatusGone, body)
}

// deltaScope lists a folder and every folder below it, deleted ones
// included (their tombstones keep their parents), so that a folder's
// delta can select changes by parent.
func (s server) deltaScope(c *graph.Call, d *driveInfo, folderID string) ([]string, error) {
	isFolder := docSet("folder")
	scope, frontier := []string{folderID}, []string{folderID}
	seen := map[string]bool{folderID: true}
	for len(frontier) > 0 {
		var next []string
		for _, kind := range []string{model.KindDriveItem, model.KindDriveTombstone} {
			items, _, err := s.Store().QueryItems(c.Context(), store.ItemQuery{TenantID: c.TenantID, Kind: kind, OwnerID: d.Owner.ID,
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

// docSet is the condition that the document property at path is present
// and not null.
func docSet(path string) store.Cond {
	return store.Not{Cond: store.IsNull{Field: store.Doc(path, store.TypeString)}}
}
