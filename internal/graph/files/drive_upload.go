package files

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"graphgate/internal/graph"
	"graphgate/internal/model"
	"graphgate/internal/store"
	"graphgate/internal/tokens"
)

// Upload sessions (files larger than the simple upload's 4 MB): the
// session and every fragment received are items in the store, so that any
// replica, or this one after a restart, continues an upload. The uploadUrl
// needs no Authorization header, as in OneDrive: its id is unguessable and
// the authorized createUploadSession request made the decision.

const (
	// uploadSessionLifetime is extended by every fragment received.
	uploadSessionLifetime = 24 * time.Hour
	// maxFragment is OneDrive's limit for one PUT (60 MiB).
	maxFragment = 60 << 20
	// maxUploadSize bounds a file uploaded through a session: the content
	// is kept in one item document.
	maxUploadSize = 256 << 20
)

type uploadSessionInput struct {
	Item *struct {
		ConflictBehavior string `json:"@microsoft.graph.conflictBehavior"`
		Name             string `json:"name"`
	} `json:"item"`
}

// createUploadSession serves POST …/createUploadSession: by parent and
// name (a new file, or replacing one by conflictBehavior) or on an
// existing file.
func (s server) createUploadSession(c *graph.Call) error {
	d, err := s.requestDrive(c)
	if err != nil {
		return err
	}
	var in uploadSessionInput
	body, err := c.Body()
	if err != nil {
		return err
	}
	if len(bytes.TrimSpace(body)) > 0 {
		if err := json.Unmarshal(body, &in); err != nil {
			return graph.ErrBadRequest("Unable to read JSON request payload. Please ensure Content-Type header is set and payload is of valid JSON format.").WithCause(err)
		}
	}
	bodyBehavior := ""
	if in.Item != nil {
		bodyBehavior = in.Item.ConflictBehavior
	}
	behavior, err := conflictBehavior(c, bodyBehavior, "replace")
	if err != nil {
		return err
	}
	a := parseDriveAddr(c)
	byName := a.rel != ""
	t, last, err := s.resolveDriveAddr(c, d, a, byName, false)
	if err != nil {
		return err
	}
	if err := s.checkDriveAccess(c, t, true); err != nil {
		return err
	}
	sd := model.UploadSession{DriveID: d.ID, Behavior: behavior, Size: -1}
	if byName {
		if t.doc.Folder == nil {
			return errDriveInvalid("The parent item is not a folder.")
		}
		if err := validName(last); err != nil {
			return err
		}
		old, exists, err := s.childNamed(c.Context(), s.Store(), c.TenantID, d.Owner.ID, t.item.ID, last)
		if err != nil {
			return graph.AsError(err)
		}
		if exists && behavior == "fail" {
			return errNameAlreadyExists()
		}
		if exists && behavior == "replace" {
			od, err := model.DecodeDoc[model.DriveItem](old)
			if err != nil {
				return graph.AsError(err)
			}
			if od.File == nil {
				return errNameAlreadyExists()
			}
		}
		sd.ParentID, sd.Name = t.item.ID, last
	} else {
		if t.doc.File == nil {
			return errDriveInvalid("An upload session on an existing item needs a file; to upload into a folder, name the file.")
		}
		if !etagMatches(c.Request().Header.Get("If-Match"), t.doc) {
			return errDriveModified()
		}
		sd.ParentID, sd.Name, sd.ItemID = t.item.ParentID, t.doc.Name, t.item.ID
	}
	if c.Caller != nil {
		sd.CallerID = c.Caller.ID
	}
	if c.Claims != nil {
		sd.AppID, sd.AppName = c.Claims.AppID, s.appName(c)
	}
	now := s.Now()
	exp := now.Add(uploadSessionLifetime)
	sd.Expires = model.StoredTime(exp)
	id := newTransferID()
	if err := s.Store().CreateItems(c.Context(), store.Item{TenantID: c.TenantID, Kind: model.KindDriveUploadSession, ID: id, OwnerID: d.Owner.ID,
		ParentID: sd.ParentID, Doc: model.EncodeDoc(sd), CreatedAt: now, ModifiedAt: now, Version: 1}); err != nil {
		return graph.AsError(err)
	}
	return c.JSON(http.StatusOK, map[string]any{"@odata.context": c.ContextURL(),
		"uploadUrl": c.BaseURL() + transferPrefix + "upload/" + c.TenantID + "/" + id, "expirationDateTime": graphTimeMillis(exp),
		"nextExpectedRanges": []string{"0-"}})
}

func graphTimeMillis(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }

// errFragment* are OneDrive's answers to a fragment that does not start
// where the received bytes end.
var (
	errFragmentOverlap    = errors.New("fragmentOverlap")
	errFragmentOutOfOrder = errors.New("fragmentOutOfOrder")
)

// parseContentRange reads "bytes start-end/total".
func parseContentRange(h string) (start, end, total int64, ok bool) {
	rest, found := strings.CutPrefix(strings.TrimSpace(h), "bytes ")
	if !found {
		return 0, 0, 0, false
	}
	rng, tot, found := strings.Cut(rest, "/")
	a, b, found2 := strings.Cut(rng, "-")
	if !found || !found2 {
		return 0, 0, 0, false
	}
	var err1, err2, err3 error
	start, err1 = strconv.ParseInt(strings.TrimSpace(a), 10, 64)
	end, err2 = strconv.ParseInt(strings.TrimSpace(b), 10, 64)
	total, err3 = strconv.ParseInt(strings.TrimSpace(tot), 10, 64)
	if err1 != nil || err2 != nil || err3 != nil || start < 0 || end < start || total <= 0 {
		return 0, 0, 0, false
	}
	return start, end, total, true
}

// serveUploadSession serves an uploadUrl: PUT a fragment, GET the status,
// DELETE to cancel.
func (s server) serveUploadSession(w http.ResponseWriter, r *http.Request, rest string) {
	tenant, id, _ := strings.Cut(rest, "/")
	ctx := r.Context()
	it, err := s.Store().GetItem(ctx, tenant, model.KindDriveUploadSession, id)
	var sd model.UploadSession
	if err == nil {
		sd, err = model.DecodeDoc[model.UploadSession](it)
	}
	if err == nil {
		if exp, perr := model.ParseStoredTime(sd.Expires); perr == nil && !s.Now().Before(exp) {
			_ = s.dropUploadSession(r, tenant, id)
			err = store.ErrNotFound
		}
	}
	if err != nil {
		transferError(w, http.StatusNotFound, "itemNotFound", "The upload session was not found or has expired.", "")
		return
	}
	switch r.Method {
	case http.MethodGet:
		writeUploadStatus(w, http.StatusOK, sd)
	case http.MethodDelete:
		switch err := s.dropUploadSession(r, tenant, id); {
		case errors.Is(err, store.ErrNotFound):
			// The last fragment completed (or another cancel removed) the
			// session between the read above and this delete.
			transferError(w, http.StatusNotFound, "itemNotFound", "The upload session was not found or has expired.", "")
			return
		case err != nil:
			s.Logger().Error("upload session: cancel", "err", err)
			transferError(w, http.StatusInternalServerError, "generalException", "An unexpected error occurred.", "")
			return
		}
		w.WriteHeader(http.StatusNoContent)
	case http.MethodPut:
		s.putFragment(w, r, tenant, id, sd)
	default:
		transferError(w, http.StatusMethodNotAllowed, "invalidRequest", "The upload URL accepts PUT, GET and DELETE.", "")
	}
}

func writeUploadStatus(w http.ResponseWriter, status int, sd model.UploadSession) {
	exp, _ := model.ParseStoredTime(sd.Expires)
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]any{"expirationDateTime": graphTimeMillis(exp), "nextExpectedRanges": []string{strconv.FormatInt(sd.Received, 10) + "-"}})
}

// dropUploadSession removes a session and its fragments.
func (s server) dropUploadSession(r *http.Request, tenant, id string) error {
	return s.Store().Batch(r.Context(), func(tx store.Items) error { return deleteUploadSession(r.Context(), tx, tenant, id) })
}

// deleteUploadSession removes a session and its fragments within tx. A
// session already gone is an error: of two requests completing one session
// (a retried last fragment), only one may make the file.
func deleteUploadSession(ctx context.Context, tx store.Items, tenant, id string) error {
	chunks, _, err := tx.QueryItems(ctx, store.ItemQuery{TenantID: tenant, Kind: model.KindDriveUploadChunk, ParentID: id})
	if err != nil {
		return err
	}
	ids := make([]string, len(chunks))
	for i, ch := range chunks {
		ids[i] = ch.ID
	}
	if _, err := tx.DeleteItems(ctx, tenant, model.KindDriveUploadChunk, ids...); err != nil {
		return err
	}
	n, err := tx.DeleteItems(ctx, tenant, model.KindDriveUploadSession, id)
	if err == nil && n == 0 {
		err = store.ErrNotFound
	}
	return err
}

func (s server) putFragment(w http.ResponseWriter, r *http.Request, tenant, id string, sd model.UploadSession) {
	ctx := r.Context()
	start, end, total, ok := parseContentRange(r.Header.Get("Content-Range"))
	if !ok {
		transferError(w, http.StatusBadRequest, "invalidRequest", "The Content-Range header is missing or malformed.", "")
		return
	}
	if end-start+1 > maxFragment {
		transferError(w, http.StatusRequestEntityTooLarge, "invalidRequest", "A fragment must be smaller than 60 MiB.", "")
		return
	}
	if total > maxUploadSize {
		transferError(w, http.StatusBadRequest, "invalidRequest", "The file is larger than this server accepts.", "")
		return
	}
	if sd.Size >= 0 && total != sd.Size || end >= total {
		transferError(w, http.StatusRequestedRangeNotSatisfiable, "invalidRange", "The Content-Range header does not match the upload session's file size.", "")
		return
	}
	data, err := io.ReadAll(io.LimitReader(r.Body, end-start+2))
	if err != nil {
		transferError(w, http.StatusBadRequest, "invalidRequest", "The request body could not be read.", "")
		return
	}
	if int64(len(data)) != end-start+1 {
		transferError(w, http.StatusBadRequest, "invalidRequest", "The Content-Range header length does not match the provided number of bytes.", "")
		return
	}
	now := s.Now()
	var updated model.UploadSession
	err = s.Store().Batch(ctx, func(tx store.Items) error {
		it, err := tx.UpdateItem(ctx, tenant, model.KindDriveUploadSession, id, 0, func(it store.Item) (store.Item, error) {
			cur, err := model.DecodeDoc[model.UploadSession](it)
			if err != nil {
				return it, err
			}
			switch {
			case start < cur.Received:
				return it, errFragmentOverlap
			case start > cur.Received:
				return it, errFragmentOutOfOrder
			}
			cur.Size, cur.Received, cur.Expires = total, end+1, model.StoredTime(now.Add(uploadSessionLifetime))
			it.Doc = model.EncodeDoc(cur)
			return it, nil
		})
		if err != nil {
			return err
		}
		if updated, err = model.DecodeDoc[model.UploadSession](it); err != nil {
			return err
		}
		return tx.CreateItems(ctx, store.Item{TenantID: tenant, Kind: model.KindDriveUploadChunk, ID: fmt.Sprintf("%s.%016d", id, start), ParentID: id,
			OwnerID: it.OwnerID, Doc: model.EncodeDoc(model.UploadChunk{Offset: start, Data: base64.StdEncoding.EncodeToString(data)}), CreatedAt: now,
			ModifiedAt: now, Version: 1})
	})
	switch {
	case errors.Is(err, errFragmentOverlap):
		transferError(w, http.StatusRequestedRangeNotSatisfiable, "invalidRange", "The uploaded fragment overlaps with data that has already been received.", "fragmentOverlap")
		return
	case errors.Is(err, errFragmentOutOfOrder):
		transferError(w, http.StatusRequestedRangeNotSatisfiable, "invalidRange", "Uploaded fragment is out of order.", "fragmentOutOfOrder")
		return
	case errors.Is(err, store.ErrNotFound):
		transferError(w, http.StatusNotFound, "itemNotFound", "The upload session was not found or has expired.", "")
		return
	case err != nil:
		transferError(w, http.StatusInternalServerError, "generalException", "An unexpected error occurred.", "")
		return
	}
	if updated.Received < updated.Size {
		writeUploadStatus(w, http.StatusAccepted, updated)
		return
	}
	s.commitUpload(w, r, tenant, id, updated)
}

// commitUpload turns a complete session into the file: 201 Created for a
// new file, 200 OK for one replaced.
func (s server) commitUpload(w http.ResponseWriter, r *http.Request, tenant, id string, sd model.UploadSession) {
	ctx := r.Context()
	fail := func(err error) {
		if _, gerr := s.Store().GetItem(ctx, tenant, model.KindDriveUploadSession, id); errors.Is(gerr, store.ErrNotFound) {
			// Cancelled while it was being committed: nothing was made.
			transferError(w, http.StatusNotFound, "itemNotFound", "The upload session was not found or has expired.", "")
			return
		}
		ge := graph.AsError(err)
		transferError(w, ge.Status, ge.Code, ge.Message, "")
	}
	chunks, _, err := s.Store().QueryItems(ctx, store.ItemQuery{TenantID: tenant, Kind: model.KindDriveUploadChunk, ParentID: id})
	if err != nil {
		fail(err)
		return
	}
	content := make([]byte, 0, sd.Size)
	for _, ch := range chunks { // ordered by id: the zero-padded offset
		cd, err := model.DecodeDoc[model.UploadChunk](ch)
		if err != nil {
			fail(err)
			return
		}
		b, err := base64.StdEncoding.DecodeString(cd.Data)
		if err != nil || cd.Offset != int64(len(content)) {
			fail(fmt.Errorf("upload session %s: fragment at %d does not follow %d bytes", id, cd.Offset, len(content)))
			return
		}
		content = append(content, b...)
	}
	// The request is the session's: its creator is the actor; it answers
	// the item created or replaced (itemEntity).
	c := s.TransferCall(ctx, w, r, tenant, w.Header().Get("request-id"), itemEntity)
	c.Claims = &tokens.AccessClaims{AppID: sd.AppID, AppDisplayName: sd.AppName}
	if sd.CallerID != "" {
		if u, err := s.Store().GetUser(ctx, tenant, sd.CallerID); err == nil {
			c.Caller = &u
		}
	}
	d, err := s.driveByID(c, sd.DriveID)
	if err != nil {
		fail(err)
		return
	}
	c.SetContextValue("drive", d.ID)
	parent, err := s.driveItemTarget(ctx, tenant, d, sd.ParentID)
	if err != nil {
		fail(err)
		return
	}
	// The file and the session's removal commit together: a crash leaves
	// either the session to finish or the file, never both.
	dropSession := func(tx store.Items) error { return deleteUploadSession(ctx, tx, tenant, id) }
	status := http.StatusOK
	var t *driveTarget
	target := sd.ItemID
	if target == "" {
		old, exists, err := s.childNamed(ctx, s.Store(), tenant, d.Owner.ID, sd.ParentID, sd.Name)
		if err != nil {
			fail(err)
			return
		}
		if exists && sd.Behavior == "replace" {
			target = old.ID
		}
	}
	if target != "" {
		ot, err := s.driveItemTarget(ctx, tenant, d, target)
		if err == nil && ot.doc.File == nil {
			err = errNameAlreadyExists()
		}
		if err == nil {
			t, err = s.replaceContent(c, ot, content, dropSession)
		}
		if err != nil {
			fail(err)
			return
		}
	} else {
		if t, err = s.createDriveItem(c, parent, sd.Name, sd.Behavior, model.NewDriveItemID(), nil, nil, &content, dropSession); err != nil {
			fail(err)
			return
		}
		status = http.StatusCreated
	}
	_ = s.writeDriveTarget(c, status, t)
}
