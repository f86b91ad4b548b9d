package admin

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"graphgate/internal/graph"
	"graphgate/internal/store"
)

// Snapshot is a saved snapshot as the API shows it.
type Snapshot struct {
	Name          string    `json:"name"`
	Created       time.Time `json:"created"`
	SchemaVersion int       `json:"schemaVersion"`
	Bytes         int64     `json:"bytes,omitempty"`
}

// SnapshotList is GET /admin/v1/snapshots' body.
type SnapshotList struct {
	Value []Snapshot `json:"value"`
}

// SnapshotSave is POST /admin/v1/snapshots' body: {"name":"before","replace":false}.
type SnapshotSave struct {
	Name    string `json:"name"`
	Replace bool   `json:"replace"`
}

// ResetRequest is POST /admin/v1/reset's body: {"seed":"42"} or empty.
type ResetRequest struct {
	Seed string `json:"seed"`
}

func snapshotOf(i store.SnapshotInfo) Snapshot {
	return Snapshot{Name: i.Name, Created: i.Created.UTC(), SchemaVersion: i.SchemaVersion, Bytes: i.Bytes}
}

// snapshotErr maps the store's snapshot errors to Graph's bodies.
func snapshotErr(name string, err error) error {
	switch {
	case errors.Is(err, store.ErrInvalidSnapshotName):
		return badRequest("%v", err)
	case errors.Is(err, store.ErrNotFound):
		return graph.NewError(http.StatusNotFound, "itemNotFound", fmt.Sprintf("No snapshot %q (graphgate snapshot list shows them).", name))
	case errors.Is(err, store.ErrConflict):
		return graph.NewError(http.StatusConflict, "nameAlreadyExists", fmt.Sprintf("A snapshot %q exists: replace it with \"replace\": true (graphgate snapshot save %s --replace).", name, name))
	case errors.Is(err, store.ErrSnapshotVersion):
		return graph.NewError(http.StatusConflict, "snapshotVersionMismatch", fmt.Sprintf("%v: save it again with this version of graphgate.", err))
	}
	return err
}

func (a *API) snapshotsReady(w http.ResponseWriter, r *http.Request) bool {
	if a.d.Snapshots == nil {
		a.fail(w, r, graph.NewError(http.StatusNotImplemented, "notImplemented", "This server's store does not keep snapshots."))
		return false
	}
	return true
}

func (a *API) snapshotsList(w http.ResponseWriter, r *http.Request) {
	if !a.snapshotsReady(w, r) {
		return
	}
	list, err := a.d.Snapshots.ListSnapshots(r.Context())
	if err != nil {
		a.fail(w, r, err)
		return
	}
	out := SnapshotList{Value: make([]Snapshot, 0, len(list))}
	for _, i := range list {
		out.Value = append(out.Value, snapshotOf(i))
	}
	writeJSON(w, http.StatusOK, out)
}

func (a *API) snapshotsSave(w http.ResponseWriter, r *http.Request) {
	if !a.snapshotsReady(w, r) {
		return
	}
	var req SnapshotSave
	if err := decode(r, &req); err != nil {
		a.fail(w, r, err)
		return
	}
	if err := store.ValidateSnapshotName(req.Name); err != nil {
		a.fail(w, r, snapshotErr(req.Name, err))
		return
	}
	info, err := a.d.Snapshots.SaveSnapshot(r.Context(), req.Name, req.Replace)
	if err != nil {
		a.fail(w, r, snapshotErr(req.Name, err))
		return
	}
	a.audit(r, "snapshot save", slog.String("name", req.Name))
	writeJSON(w, http.StatusCreated, snapshotOf(info))
}

func (a *API) snapshotsRestore(w http.ResponseWriter, r *http.Request) {
	a.snapshotOp(w, r, "snapshot restore", func(ctx context.Context, name string) error { return a.d.Snapshots.RestoreSnapshot(ctx, name) })
}

func (a *API) snapshotsDelete(w http.ResponseWriter, r *http.Request) {
	a.snapshotOp(w, r, "snapshot delete", func(ctx context.Context, name string) error { return a.d.Snapshots.DeleteSnapshot(ctx, name) })
}

// snapshotOp runs op on the snapshot the path names, answering 204, or
// the store's error as Graph's body.
func (a *API) snapshotOp(w http.ResponseWriter, r *http.Request, action string, op func(ctx context.Context, name string) error) {
	if !a.snapshotsReady(w, r) {
		return
	}
	name := r.PathValue("name")
	err := store.ValidateSnapshotName(name)
	if err == nil {
		err = op(r.Context(), name)
	}
	if err != nil {
		a.fail(w, r, snapshotErr(name, err))
		return
	}
	a.audit(r, action, slog.String("name", name))
	w.WriteHeader(http.StatusNoContent)
}

func (a *API) reset(w http.ResponseWriter, r *http.Request) {
	if a.d.Reset == nil {
		a.fail(w, r, graph.NewError(http.StatusNotImplemented, "notImplemented", "This server cannot reset its store."))
		return
	}
	var req ResetRequest
	if err := decode(r, &req); err != nil {
		a.fail(w, r, err)
		return
	}
	if err := a.d.Reset(r.Context(), req.Seed); err != nil {
		a.fail(w, r, err)
		return
	}
	a.audit(r, "reset", slog.Bool("seeded", req.Seed != ""))
	w.WriteHeader(http.StatusNoContent)
}
