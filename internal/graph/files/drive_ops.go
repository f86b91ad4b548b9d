package files

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"graphgate/internal/graph"
	"graphgate/internal/model"
	"graphgate/internal/odata"
	"graphgate/internal/store"
)

// Drive operations beyond items and content: group libraries, change
// sequencing and tombstones (for delta), permissions (invite grants, the
// sharing links of drive_links.go and the owner's own), copy, search, delta.

// driveExtraEndpoints are the routes of this file, drive_upload.go and
// drive_links.go.
func driveExtraEndpoints() []graph.Endpoint {
	var eps []graph.Endpoint
	for _, base := range []string{"/users/{id}/drive", "/me/drive", "/drives/{id}", "/groups/{id}/drive"} {
		eps = append(eps,
			graph.Endpoint{Method: "GET", Template: base + "/items/{id}/permissions", Handler: handle(server.listDrivePermissions), Entity: permissionsEntity},
			graph.Endpoint{Method: "GET", Template: base + "/items/{id}/permissions/{id}", Handler: handle(server.getDrivePermission), Entity: permissionEntity},
			graph.Endpoint{Method: "DELETE", Template: base + "/items/{id}/permissions/{id}", Handler: handle(server.deleteDrivePermission)},
			graph.Endpoint{Method: "POST", Template: base + "/items/{id}/copy", Handler: handle(server.copyDriveItem)},
			graph.Endpoint{Method: "GET", Template: base + "/root/search(q={value})", Handler: handle(server.searchDrive), Entity: itemsEntity},
			graph.Endpoint{Method: "GET", Template: base + "/root/delta", Handler: handle(server.driveDelta), Entity: itemsEntity},
			graph.Endpoint{Method: "GET", Template: base + "/items/{id}/delta", Handler: handle(server.driveDelta), Entity: itemsEntity},
			graph.Endpoint{Method: "POST", Template: base + "/items/{id}/createUploadSession", Handler: handle(server.createUploadSession), Entity: uploadSessionEntity},
			graph.Endpoint{Method: "POST", Template: base + "/items/{id}:/{id}:/createUploadSession", Handler: handle(server.createUploadSession), Entity: uploadSessionEntity},
			graph.Endpoint{Method: "POST", Template: base + "/root:/{id}:/createUploadSession", Handler: handle(server.createUploadSession), Entity: uploadSessionEntity},
			graph.Endpoint{Method: "POST", Template: base + "/items/{id}/createLink", Handler: handle(server.createDriveLink), Entity: linkEntity},
		)
	}
	eps = append(eps,
		graph.Endpoint{Method: "GET", Template: "/shares/{id}", Handler: handle(server.getShare), Entity: shareEntity},
		graph.Endpoint{Method: "GET", Template: "/shares/{id}/driveItem", Handler: handle(server.getShareDriveItem), Entity: sharedItemEntity},
		graph.Endpoint{Method: "GET", Template: "/shares/{id}/driveItem/content", Handler: handle(server.getShareContent)},
	)
	g := "/groups/{id}/drive"
	eps = append(eps,
		graph.Endpoint{Method: "GET", Template: g, Handler: handle(server.getDrive), Entity: driveEntity},
		graph.Endpoint{Method: "GET", Template: g + "/root", Handler: handle(server.getDriveItem), Entity: rootEntity},
		graph.Endpoint{Method: "GET", Template: g + "/root/children", Handler: handle(server.listDriveChildren), Entity: childrenEntity},
		graph.Endpoint{Method: "POST", Template: g + "/root/children", Handler: handle(server.createDriveChild), Entity: itemEntity},
		graph.Endpoint{Method: "GET", Template: g + "/root:/{id}", Handler: handle(server.getDriveItem), Entity: itemEntity},
		graph.Endpoint{Method: "DELETE", Template: g + "/root:/{id}", Handler: handle(server.deleteDriveItem)},
		graph.Endpoint{Method: "GET", Template: g + "/items/{id}", Handler: handle(server.getDriveItem), Entity: itemEntity},
		graph.Endpoint{Method: "PATCH", Template: g + "/items/{id}", Handler: handle(server.updateDriveItem), Entity: itemEntity},
		graph.Endpoint{Method: "DELETE", Template: g + "/items/{id}", Handler: handle(server.deleteDriveItem)},
		graph.Endpoint{Method: "GET", Template: g + "/items/{id}/children", Handler: handle(server.listDriveChildren), Entity: childrenEntity},
		graph.Endpoint{Method: "POST", Template: g + "/items/{id}/children", Handler: handle(server.createDriveChild), Entity: itemEntity},
		graph.Endpoint{Method: "GET", Template: g + "/items/{id}/content", Handler: handle(server.downloadDriveItem)},
		graph.Endpoint{Method: "PUT", Template: g + "/items/{id}/content", Handler: handle(server.uploadDriveItem), Entity: itemEntity},
		graph.Endpoint{Method: "PUT", Template: g + "/items/{id}:/{id}:/content", Handler: handle(server.uploadDriveItem), Entity: itemEntity},
		graph.Endpoint{Method: "POST", Template: g + "/items/{id}/invite", Handler: handle(server.inviteDriveItem), Entity: invitedEntity},
	)
	// Only the forms the route table has (the table decides what is a
	// Graph endpoint); /me falls back to its /users/{id} twin.
	return graph.Optional(eps)
}

// Group libraries.

// groupDriveOf reads a group's drive item.
func groupDriveOf(it store.Item, g *store.Group) (*driveInfo, error) {
	d, err := driveOf(it, groupOwner(g))
	if err != nil {
		return nil, err
	}
	d.Group = true
	return d, nil
}

// groupOwner is a group in the user shape items are owned by.
func groupOwner(g *store.Group) store.User {
	return store.User{ID: g.ID, TenantID: g.TenantID, DisplayName: g.DisplayName, Mail: g.Mail, UserPrincipalName: g.Mail, Kind: store.UserMember}
}

// ensureGroupDrive returns a Microsoft 365 group's document library,
// creating it on first use; other groups have no drive.
func (s server) ensureGroupDrive(c *graph.Call, g *store.Group) (*driveInfo, error) {
	unified := false
	for _, t := range g.GroupTypes {
		unified = unified || strings.EqualFold(t, "Unified")
	}
	if !unified {
		return nil, graph.ErrDriveItemNotFound()
	}
	now := s.Now()
	id := model.DriveIDFor("group/"+g.ID, false)
	it, err := s.Store().GetItem(c.Context(), c.TenantID, model.KindDrive, id)
	if errors.Is(err, store.ErrNotFound) {
		ts := model.StoredTime(now)
		owner := model.IdentitySet{Group: &model.DriveIdentity{ID: g.ID, DisplayName: g.DisplayName, Email: g.Mail}}
		system := model.IdentitySet{User: &model.DriveIdentity{DisplayName: "System Account"}}
		rootID := model.DriveRootID("group/" + g.ID)
		_, domain, _ := strings.Cut(strings.ToLower(g.Mail), "@")
		tenant, _, _ := strings.Cut(domain, ".")
		if tenant == "" {
			tenant = "contoso"
		}
		web := "https://" + tenant + ".sharepoint.com/sites/" + url.PathEscape(g.MailNickname) + "/Shared%20Documents"
		dd := model.Drive{ID: id, Name: "Documents", DriveType: "documentLibrary", CreatedDateTime: ts, LastModifiedDateTime: ts, WebURL: web,
			CreatedBy: system, LastModifiedBy: system, Owner: owner, Quota: model.DriveQuota{State: "normal", Total: model.DriveQuotaTotal}, RootID: rootID,
			OwnerKind: "group"}
		root := model.DriveItem{ID: rootID, Name: "root", CreatedDateTime: ts, LastModifiedDateTime: ts, CreatedBy: system, LastModifiedBy: system,
			ParentReference: model.ItemReference{DriveID: id, DriveType: dd.DriveType}, FileSystemInfo: model.FileSystemInfo{CreatedDateTime: ts, LastModifiedDateTime: ts},
			Folder: &model.FolderFacet{}, Root: &struct{}{}, GUID: model.NewGUID(), ETagVersion: 1}
		err = s.Store().CreateItems(c.Context(),
			store.Item{TenantID: c.TenantID, Kind: model.KindDrive, ID: id, OwnerID: g.ID, Doc: model.EncodeDoc(dd), CreatedAt: now, ModifiedAt: now, Version: 1},
			store.Item{TenantID: c.TenantID, Kind: model.KindDriveItem, ID: rootID, OwnerID: g.ID, Doc: model.EncodeDoc(root), CreatedAt: now, ModifiedAt: now, Version: 1})
		if err != nil && !errors.Is(err, store.ErrConflict) {
			return nil, graph.AsError(err)
		}
		it, err = s.Store().GetItem(c.Context(), c.TenantID, model.KindDrive, id)
	}
	if err != nil {
		return nil, graph.AsError(err)
	}
	return groupDriveOf(it, g)
}

// Change sequencing.

// nextDriveSeq takes the drive's next change number inside a transaction:
// the drive item's version, which the update increments. Writers of one
// drive serialise on that row, so a number read committed covers every
// change stamped with it or less.
func nextDriveSeq(ctx context.Context, tx store.Items, tenant, driveID string) (int64, error) {
	it, err := tx.UpdateItem(ctx, tenant, model.KindDrive, driveID, 0, func(it store.Item) (store.Item, error) { return it, nil })
	if err != nil {
		return 0, err
	}
	return it.Version, nil
}

// tombstones are the delta records of removed items.
func tombstones(d *driveInfo, removed []store.Item, seq int64, now time.Time) []store.Item {
	out := make([]store.Item, 0, len(removed))
	for _, it := range removed {
		doc, err := model.DecodeDoc[model.DriveItem](it)
		if err != nil {
			continue
		}
		td := model.Tombstone{ID: it.ID, Name: doc.Name, ParentReference: d.ref(it.ParentID), Deleted: model.DeletedFacet{State: "deleted"}, Seq: seq,
			At: model.StoredTime(now)}
		if doc.File != nil {
			td.File = &struct{}{}
		} else {
			td.Folder = &struct{}{}
		}
		out = append(out, store.Item{TenantID: it.TenantID, Kind: model.KindDriveTombstone, ID: it.ID, OwnerID: it.OwnerID, ParentID: it.ParentID,
			Doc: model.EncodeDoc(td), CreatedAt: now, ModifiedAt: now, Version: 1})
	}
	return out
}

// Permissions.

// grantsOn lists the sharing grants and links on an item and on the
// ancestors it inherits from: grants first, then links.
func (s server) grantsOn(c *graph.Call, t *driveTarget) ([]store.Item, error) {
	ids := t.grantIDs()
	shares, _, err := s.Store().QueryItems(c.Context(), store.ItemQuery{TenantID: c.TenantID, Kind: model.KindDriveShare, ParentIDs: ids})
	if err != nil {
		return nil, err
	}
	links, _, err := s.Store().QueryItems(c.Context(), store.ItemQuery{TenantID: c.TenantID, Kind: model.KindDriveLink, ParentIDs: ids})
	return append(shares, links...), err
}

// renderPermission is a grant or a link as Graph's permission; one on an
// ancestor names it in inheritedFrom.
func renderPermission(t *driveTarget, sh store.Item) (map[string]any, error) {
	var m map[string]any
	if sh.Kind == model.KindDriveLink {
		ld, err := model.DecodeDoc[model.DriveLink](sh)
		if err != nil {
			return nil, err
		}
		m = renderLink(ld)
	} else {
		sd, err := model.DecodeDoc[model.DriveShare](sh)
		if err != nil {
			return nil, err
		}
		m = map[string]any{"id": sd.ID, "roles": sd.Roles, "grantedTo": map[string]any{"user": sd.GrantedTo},
			"grantedToV2": map[string]any{"user": sd.GrantedTo}, "shareId": sd.ID}
	}
	if sh.ParentID != t.item.ID {
		m["inheritedFrom"] = t.d.ref(sh.ParentID)
	}
	return m, nil
}

// ownerPermission is the drive owner's own permission, which OneDrive
// lists first on every item: its id is the owner's SharePoint claim
// (a user's membership claim; a group's owners claim).
func ownerPermission(d *driveInfo) map[string]any {
	if d.Group {
		g := model.DriveIdentity{ID: d.Owner.ID, DisplayName: d.Owner.DisplayName, Email: d.Owner.Mail}
		id := base64.RawURLEncoding.EncodeToString([]byte("c:0o.c|federateddirectoryclaimprovider|" + d.Owner.ID + "_o"))
		return map[string]any{"id": id, "roles": []string{"owner"}, "grantedTo": map[string]any{"user": model.DriveIdentity{DisplayName: d.Owner.DisplayName + " Owners"}},
			"grantedToV2": map[string]any{"group": g}}
	}
	u := model.UserIdentity(&d.Owner)
	claim := strings.ToLower(d.Owner.UserPrincipalName)
	if claim == "" {
		claim = d.Owner.ID
	}
	id := base64.RawURLEncoding.EncodeToString([]byte("i:0#.f|membership|" + claim))
	return map[string]any{"id": id, "roles": []string{"owner"}, "grantedTo": map[string]any{"user": u}, "grantedToV2": map[string]any{"user": u}}
}

// visibleGrants are the grants and links the caller may see: all of them
// (and all is set) for the drive's owner, the group's members and apps; a
// user the item was shared with (the engine confined the call to shared
// items) sees their own grants.
func (s server) visibleGrants(c *graph.Call, t *driveTarget) (shares []store.Item, all bool, err error) {
	shares, err = s.grantsOn(c, t)
	if err != nil {
		return nil, false, graph.AsError(err)
	}
	if c.Caller == nil || !c.Decision.SharedItemsOnly() {
		return shares, true, nil
	}
	var out []store.Item
	for _, sh := range shares {
		if sh.Kind == model.KindDriveShare && sh.OwnerID == c.Caller.ID {
			out = append(out, sh)
		}
	}
	return out, false, nil
}

func (s server) permissionTarget(c *graph.Call) (*driveTarget, driveAddr, error) {
	d, err := s.requestDrive(c)
	if err != nil {
		return nil, driveAddr{}, err
	}
	a := parseDriveAddr(c)
	t, _, err := s.resolveDriveAddr(c, d, a, false, false)
	if err != nil {
		return nil, a, err
	}
	return t, a, s.checkDriveAccess(c, t, false)
}

func (s server) listDrivePermissions(c *graph.Call) error {
	t, _, err := s.permissionTarget(c)
	if err != nil {
		return err
	}
	shares, all, err := s.visibleGrants(c, t)
	if err != nil {
		return err
	}
	vals := make([]json.RawMessage, 0, len(shares)+1)
	if all {
		vals = append(vals, model.EncodeDoc(ownerPermission(t.d)))
	}
	for _, sh := range shares {
		m, err := renderPermission(t, sh)
		if err != nil {
			return graph.AsError(err)
		}
		vals = append(vals, model.EncodeDoc(m))
	}
	c.SetContextValue("item", t.item.ID)
	return c.JSON(http.StatusOK, graph.Page{Context: c.ContextURL(), Value: vals})
}

// findPermission returns a visible grant or link by id; owner is set
// (and the item empty) for the owner's own permission.
func (s server) findPermission(c *graph.Call, t *driveTarget, id string) (sh store.Item, owner map[string]any, err error) {
	shares, all, err := s.visibleGrants(c, t)
	if err != nil {
		return store.Item{}, nil, err
	}
	if op := ownerPermission(t.d); all && op["id"] == id {
		return store.Item{}, op, nil
	}
	for _, sh := range shares {
		if sh.ID == id {
			return sh, nil, nil
		}
	}
	return store.Item{}, nil, graph.ErrDriveItemNotFound()
}

func (s server) getDrivePermission(c *graph.Call) error {
	t, a, err := s.permissionTarget(c)
	if err != nil {
		return err
	}
	sh, m, err := s.findPermission(c, t, a.childName)
	if err != nil {
		return err
	}
	if m == nil {
		if m, err = renderPermission(t, sh); err != nil {
			return graph.AsError(err)
		}
	}
	c.SetContextValue("item", t.item.ID)
	m["@odata.context"] = c.ContextURL()
	return c.JSON(http.StatusOK, m)
}

// errOwnerPermission is OneDrive's refusal of an operation the item's
// owner permission does not allow.
func errOwnerPermission() *graph.Error {
	return graph.NewErrorf(http.StatusForbidden, "notAllowed", "Operation not allowed")
}

// deleteDrivePermission revokes a grant or a link made on this item (an
// inherited one is revoked where it was made); the shared facet follows
// what is left.
func (s server) deleteDrivePermission(c *graph.Call) error {
	t, a, err := s.permissionTarget(c)
	if err != nil {
		return err
	}
	sh, owner, err := s.findPermission(c, t, a.childName)
	if err != nil {
		return err
	}
	if err := s.checkDriveAccess(c, t, true); err != nil {
		return err
	}
	if owner != nil {
		return errOwnerPermission()
	}
	if sh.ParentID != t.item.ID {
		return errDriveInvalid("An inherited permission cannot be deleted; delete it on the item it is inherited from.")
	}
	ts := model.StoredTime(s.Now())
	err = s.Store().Batch(c.Context(), func(tx store.Items) error {
		if _, err := tx.DeleteItems(c.Context(), c.TenantID, sh.Kind, sh.ID); err != nil {
			return err
		}
		scope, err := sharedScope(c.Context(), tx, c.TenantID, t.item.ID)
		if err != nil {
			return err
		}
		seq, err := nextDriveSeq(c.Context(), tx, c.TenantID, t.d.ID)
		if err != nil {
			return err
		}
		_, err = tx.UpdateItem(c.Context(), c.TenantID, model.KindDriveItem, t.item.ID, 0, func(it store.Item) (store.Item, error) {
			doc, err := model.DecodeDoc[model.DriveItem](it)
			if err != nil {
				return it, err
			}
			switch {
			case scope == "":
				doc.Shared = nil
			case doc.Shared != nil:
				doc.Shared.Scope = scope
			}
			doc.Seq = seq
			doc.LastModifiedDateTime = ts
			it.Doc = model.EncodeDoc(doc)
			return it, nil
		})
		return err
	})
	if err != nil {
		return graph.AsError(err)
	}
	return c.NoContent()
}

// Copy.

type driveCopyInput struct {
	ParentReference *driveParentRef `json:"parentReference"`
	Name            *string         `json:"name"`
}

// copyDriveItem copies an item (a folder with everything below it) in one
// transaction within the request, then answers as Graph does: 202 Accepted
// and a monitor URL, which reports the copy completed.
func (s server) copyDriveItem(c *graph.Call) error {
	var in driveCopyInput
	d, src, err := s.addressedItem(c, &in, false)
	if err != nil {
		return err
	}
	if src.item.ID == d.RootID {
		return errDriveInvalid("The root of a drive cannot be copied.")
	}
	destDrive := d
	if pr := in.ParentReference; pr != nil && pr.DriveID != "" && pr.DriveID != d.ID {
		if destDrive, err = s.driveByID(c, pr.DriveID); err != nil {
			return errDriveInvalid("The destination drive does not exist.")
		}
	}
	// Without a folder named, the copy goes beside the original.
	pr, into := in.ParentReference, destDrive
	if pr == nil || pr.ID == "" && pr.Path == "" {
		pr, into, destDrive = &driveParentRef{ID: src.item.ParentID}, d, d
	}
	dest, err := s.destinationFolder(c, into, pr)
	if err != nil {
		return err
	}
	if destDrive.ID == d.ID && dest.has(src.item.ID) {
		return errDriveInvalid("An item cannot be copied into itself or one of its subfolders.")
	}
	name := src.doc.Name
	if in.Name != nil {
		if err := validName(*in.Name); err != nil {
			return err
		}
		name = *in.Name
	}
	behavior, err := conflictBehavior(c, "", "fail")
	if err != nil {
		return err
	}
	// Read the subtree and its content before the transaction.
	type node struct {
		it      store.Item
		doc     model.DriveItem
		content []byte
	}
	nodes := []node{{it: src.item, doc: src.doc}}
	for i := 0; i < len(nodes); i++ {
		n := &nodes[i]
		if n.doc.File != nil {
			if n.content, err = s.fileContent(c.Context(), c.TenantID, n.it.ID); err != nil {
				return graph.AsError(err)
			}
			continue
		}
		kids, _, err := s.Store().QueryItems(c.Context(), store.ItemQuery{TenantID: c.TenantID, Kind: model.KindDriveItem, OwnerID: d.Owner.ID, ParentID: n.it.ID})
		if err != nil {
			return graph.AsError(err)
		}
		for _, k := range kids {
			kd, err := model.DecodeDoc[model.DriveItem](k)
			if err != nil {
				return graph.AsError(err)
			}
			nodes = append(nodes, node{it: k, doc: kd})
		}
	}
	now := s.Now()
	ts := model.StoredTime(now)
	by := s.actor(c)
	newIDs := map[string]string{}
	for _, n := range nodes {
		newIDs[n.it.ID] = model.NewDriveItemID()
	}
	monitorID := newTransferID()
	err = s.Store().Batch(c.Context(), func(tx store.Items) error {
		if _, taken, err := s.childNamed(c.Context(), tx, c.TenantID, destDrive.Owner.ID, dest.item.ID, name); err != nil {
			return err
		} else if taken {
			if behavior != "rename" {
				return errNameAlreadyExists()
			}
			if name, err = s.freeName(c.Context(), tx, c.TenantID, destDrive.Owner.ID, dest.item.ID, name); err != nil {
				return err
			}
		}
		seq, err := nextDriveSeq(c.Context(), tx, c.TenantID, destDrive.ID)
		if err != nil {
			return err
		}
		var items []store.Item
		for i, n := range nodes {
			parent := newIDs[n.it.ParentID]
			doc := n.doc
			if i == 0 {
				parent, doc.Name = dest.item.ID, name
			}
			id := newIDs[n.it.ID]
			doc.ID, doc.ParentReference = id, destDrive.ref(parent)
			doc.CreatedDateTime, doc.LastModifiedDateTime, doc.CreatedBy, doc.LastModifiedBy = ts, ts, by, by
			doc.GUID, doc.ETagVersion, doc.ContentVersion, doc.Seq = model.NewGUID(), 1, 1, seq
			doc.Shared, doc.SpecialFolder, doc.NoInherit = nil, nil, false
			if n.doc.File != nil {
				doc.File = &model.FileFacet{MimeType: n.doc.File.MimeType, Hashes: model.HashesOf(n.content, destDrive.Type)}
				items = append(items, store.Item{TenantID: c.TenantID, Kind: model.KindDriveContent, ID: id, OwnerID: destDrive.Owner.ID, ParentID: parent,
					Doc: model.EncodeDoc(model.DriveContent{Data: base64.StdEncoding.EncodeToString(n.content)}), CreatedAt: now, ModifiedAt: now, Version: 1})
			}
			items = append(items, store.Item{TenantID: c.TenantID, Kind: model.KindDriveItem, ID: id, OwnerID: destDrive.Owner.ID, ParentID: parent,
				Doc: model.EncodeDoc(doc), CreatedAt: now, ModifiedAt: now, Version: 1})
		}
		mon := model.CopyMonitor{Status: "completed", PercentageComplete: 100, ResourceID: newIDs[src.item.ID], Expires: model.StoredTime(now.Add(24 * time.Hour))}
		items = append(items, store.Item{TenantID: c.TenantID, Kind: model.KindDriveCopyMonitor, ID: monitorID, OwnerID: destDrive.Owner.ID,
			Doc: model.EncodeDoc(mon), CreatedAt: now, ModifiedAt: now, Version: 1})
		if err := tx.CreateItems(c.Context(), items...); err != nil {
			return err
		}
		return bumpAncestors(c.Context(), tx, c.TenantID, dest.item.ID, 1, src.doc.Size, ts, seq)
	})
	if err != nil {
		return graph.AsError(err)
	}
	c.Header().Set("Location", c.BaseURL()+transferPrefix+"monitor/"+c.TenantID+"/"+monitorID)
	return c.Accepted()
}

// serveCopyMonitor answers a monitor URL with the copy's status, as
// OneDrive's monitor does (no Authorization needed: the id is the secret).
func (s server) serveCopyMonitor(w http.ResponseWriter, r *http.Request, rest string) {
	tenant, id, _ := strings.Cut(rest, "/")
	if r.Method != http.MethodGet {
		transferError(w, http.StatusMethodNotAllowed, "invalidRequest", "The monitor URL accepts GET only.", "")
		return
	}
	it, err := s.Store().GetItem(r.Context(), tenant, model.KindDriveCopyMonitor, id)
	if err != nil {
		transferError(w, http.StatusNotFound, "itemNotFound", "The resource could not be found.", "")
		return
	}
	md, err := model.DecodeDoc[model.CopyMonitor](it)
	if exp, perr := model.ParseStoredTime(md.Expires); err != nil || perr == nil && !s.Now().Before(exp) {
		transferError(w, http.StatusNotFound, "itemNotFound", "The resource could not be found.", "")
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusOK)
	_ = json.NewEncoder(w).Encode(map[string]any{"percentageComplete": md.PercentageComplete, "resourceId": md.ResourceID, "status": md.Status})
}

// Search.

// searchText reads q from search(q='…').
func searchText(c *graph.Call) (string, error) {
	seg := c.LastSegment()
	open := strings.Index(seg, "(")
	if open < 0 || !strings.HasSuffix(seg, ")") {
		return "", errDriveInvalid("search requires q.")
	}
	arg := strings.TrimSpace(seg[open+1 : len(seg)-1])
	k, v, ok := strings.Cut(arg, "=")
	if !ok || !strings.EqualFold(strings.TrimSpace(k), "q") {
		return "", errDriveInvalid("search requires q.")
	}
	v = strings.TrimSpace(v)
	if len(v) >= 2 && v[0] == '\'' && v[len(v)-1] == '\'' {
		v = strings.ReplaceAll(v[1:len(v)-1], "''", "'")
	}
	return v, nil
}

// searchContentMax bounds the file size whose content search reads: the
// whole file is loaded and lowered in memory, per candidate.
const searchContentMax = 1 << 20

// searchTextTypes are the non-text/* types whose content search reads.
var searchTextTypes = map[string]bool{"application/json": true, "application/xml": true, "application/javascript": true,
	"application/x-javascript": true, "application/x-sh": true, "application/yaml": true, "application/x-yaml": true,
	"application/sql": true, "application/x-httpd-php": true, "image/svg+xml": true}

func searchableContent(doc model.DriveItem) bool {
	if doc.File == nil || doc.Size > searchContentMax {
		return false
	}
	mt := strings.ToLower(doc.File.MimeType)
	return strings.HasPrefix(mt, "text/") || searchTextTypes[mt]
}

// searchDrive finds the items of a drive whose name, or whose text
// content (up to searchContentMax), contains q, ignoring case; paged by
// $top and $skiptoken in name order.
func (s server) searchDrive(c *graph.Call) error {
	d, err := s.requestDrive(c)
	if err != nil {
		return err
	}
	root, err := s.driveItemTarget(c.Context(), c.TenantID, d, d.RootID)
	if err != nil {
		return err
	}
	if err := s.checkDriveAccess(c, root, false); err != nil {
		return err
	}
	text, err := searchText(c)
	if err != nil {
		return err
	}
	q, err := c.ParseQuery(odata.Generic, 200, 1000)
	if err != nil {
		return err
	}
	lower := strings.ToLower(text)
	// Candidates: names that match (in the store) and files small enough
	// whose content may (read below); content cannot be matched in the
	// store, so the page is cut here, in the same name order as before.
	zero := store.Int(0)
	where := store.And{
		store.Or{
			store.Match{Field: store.Doc("name", store.TypeString), Kind: store.Contains, Text: text},
			store.And{docSet("file"), store.Compare{Field: store.Field{Path: []string{"size"}, Type: store.TypeInt, IfNull: &zero},
				Op: store.Le, Value: store.Int(searchContentMax)}},
		},
		store.IsNull{Field: store.Doc("root", store.TypeString)},
	}
	byName := []store.Order{{Field: store.Doc("name", store.TypeString), Fold: true}}
	want := q.Skip() + q.Top() + 1
	var items []store.Item
	const chunk = 200
	for off := 0; len(items) < want; off += chunk {
		batch, _, err := s.Store().QueryItems(c.Context(), store.ItemQuery{TenantID: c.TenantID, Kind: model.KindDriveItem, OwnerID: d.Owner.ID, Filter: where,
			Order: byName, Limit: chunk, Offset: off})
		if err != nil {
			return graph.AsError(err)
		}
		for _, it := range batch {
			doc, err := model.DecodeDoc[model.DriveItem](it)
			if err != nil {
				return graph.AsError(err)
			}
			match := strings.Contains(strings.ToLower(doc.Name), lower)
			if !match && searchableContent(doc) {
				b, err := s.fileContent(c.Context(), c.TenantID, it.ID)
				if err != nil && !errors.Is(err, store.ErrNotFound) {
					return graph.AsError(err)
				}
				match = strings.Contains(strings.ToLower(string(b)), lower)
			}
			if match && len(items) < want {
				items = append(items, it)
			}
		}
		if len(batch) < chunk {
			break
		}
	}
	items = items[min(q.Skip(), len(items)):]
	more := len(items) > q.Top()
	if more {
		items = items[:q.Top()]
	}
	paths := newPathCache(s.Server, c, d)
	vals := make([]json.RawMessage, 0, len(items))
	for _, it := range items {
		b, err := renderDriveItem(d, it, paths.of(it.ParentID))
		if err != nil {
			return graph.AsError(err)
		}
		if b, err = graph.Project(b, q.Options().Select, nil, nil); err != nil {
			return graph.AsError(err)
		}
		vals = append(vals, b)
	}
	return c.WritePage(c.ContextURL(), q, vals, -1, more)
}

// pathCache finds folders' paths below the root, each once per request.
type pathCache struct {
	s     *graph.Server
	c     *graph.Call
	d     *driveInfo
	paths map[string]string
}

func newPathCache(s *graph.Server, c *graph.Call, d *driveInfo) *pathCache {
	return &pathCache{s: s, c: c, d: d, paths: map[string]string{d.RootID: ""}}
}

// of is a folder's path ("" for the root or an unknown folder).
func (p *pathCache) of(id string) string {
	if id == "" {
		return ""
	}
	if v, ok := p.paths[id]; ok {
		return v
	}
	p.paths[id] = "" // a cycle ends here
	it, err := p.s.Store().GetItem(p.c.Context(), p.c.TenantID, model.KindDriveItem, id)
	if err != nil {
		return ""
	}
	doc, err := model.DecodeDoc[model.DriveItem](it)
	if err != nil || doc.Root != nil {
		return ""
	}
	v := p.of(it.ParentID) + "/" + doc.Name
	p.paths[id] = v
	return v
}

// Delta.

// deltaToken is the state of a delta round: changes after Since up to
// Upto (0: not started; the round starts at the drive's current number),
// listing Phase 0 (items) then 1 (tombstones), after the id After. Folder
// is the folder a folder's delta covers ("" for the root); Self is set once
// that folder itself has been considered.
type deltaToken struct {
	Drive  string `json:"d"`
	Folder string `json:"f,omitempty"`
	Since  int64  `json:"s"`
	Upto   int64  `json:"u,omitempty"`
	Phase  int    `json:"p,omitempty"`
	After  string `json:"a,omitempty"`
	Self   bool   `json:"x,omitempty"`
}

func (t deltaToken) encode() string { return base64.RawURLEncoding.EncodeToString(model.EncodeDoc(t)) }

func decodeDeltaToken(s string) (deltaToken, bool) {
	var t deltaToken
	b, err := base64.RawURLEncoding.DecodeString(s)
	return t, err == nil && json.Unmarshal(b, &t) == nil
}

// driveDelta answers GET …/root/delta and …/items/{id}/delta (a folder:
// the changes below it): without a token every item, with one the items
// changed and deleted since it was issued; pages end with @odata.nextLink,
// the last one with @odata.deltaLink. A token from before a pruned
// deletion answers 410 Gone.
func (s server) driveDelta(c *graph.Call) error {
	t, _, err := s.permissionTarget(c)
	if err != nil {
		return err
	}
	d := t.d
	if t.doc.Folder == nil && t.doc.Root == nil {
		return errDriveInvalid("Delta is only supported on folders.")
	}
	folder := ""
	var scope []string
	if t.item.ID != d.RootID {
		folder = t.item.ID
	}
	vals := c.Request().URL.Query()
	top := 200
	if v := vals.Get("$top"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return graph.ErrBadRequest("Invalid $top value.")
		}
		top = min(n, 1000)
	}
	tok := deltaToken{Drive: d.ID, Folder: folder, Since: -1}
	latest := false
	if raw := vals.Get("token"); raw == "latest" {
		latest = true
	} else if raw != "" {
		var ok bool
		if tok, ok = decodeDeltaToken(raw); !ok || tok.Drive != d.ID || tok.Folder != folder {
			return errDriveInvalid("The delta token is not valid for this drive.")
		}
	}
	if err := s.pruneTombstones(c, d); err != nil {
		return graph.AsError(err)
	}
	floor, err := s.deltaFloor(c, d)
	if err != nil {
		return graph.AsError(err)
	}
	fresh := deltaToken{Drive: d.ID, Folder: folder, Since: -1}
	if tok.expired(floor) {
		return s.writeResyncRequired(c, fresh)
	}
	if tok.Upto == 0 {
		// The drive's number first: a change committed after this read
		// has a higher number and is listed in the next round.
		dit, err := s.Store().GetItem(c.Context(), c.TenantID, model.KindDrive, d.ID)
		if err != nil {
			return graph.AsError(err)
		}
		tok.Upto = dit.Version
		if latest {
			return s.writeDelta(c, d, nil, "", deltaToken{Drive: d.ID, Folder: folder, Since: tok.Upto}.encode())
		}
	}
	if folder != "" {
		if scope, err = s.deltaScope(c, d, folder); err != nil {
			return graph.AsError(err)
		}
	}
	docID := store.Doc("id", store.TypeString)
	var out []json.RawMessage
	paths := newPathCache(s.Server, c, d)
	// A folder's own change leads its delta, as the root leads the drive's.
	if folder != "" && !tok.Self {
		tok.Self = true
		if t.doc.Seq > tok.Since && t.doc.Seq <= tok.Upto {
			b, err := s.renderDeltaItem(d, t.item, paths)
			if err != nil {
				return graph.AsError(err)
			}
			out = append(out, b)
		}
	}
	finish := func(next, delta string) error {
		// A prune that raced this page may have taken a deletion it needed.
		if floor, err := s.deltaFloor(c, d); err != nil {
			return graph.AsError(err)
		} else if tok.expired(floor) {
			return s.writeResyncRequired(c, fresh)
		}
		return s.writeDelta(c, d, out, next, delta)
	}
	for tok.Phase < 2 && len(out) < top {
		kind := model.KindDriveItem
		if tok.Phase == 1 {
			kind = model.KindDriveTombstone
			if tok.Since < 0 {
				tok.Phase, tok.After = 2, "" // a first sync lists no deletions
				break
			}
		}
		where := store.And{
			store.Compare{Field: seqField, Op: store.Gt, Value: store.Int(tok.Since)},
			store.Compare{Field: seqField, Op: store.Le, Value: store.Int(tok.Upto)},
			store.Compare{Field: docID, Op: store.Gt, Value: store.String(tok.After)},
		}
		items, _, err := s.Store().QueryItems(c.Context(), store.ItemQuery{TenantID: c.TenantID, Kind: kind, OwnerID: d.Owner.ID, ParentIDs: scope,
			Filter: where, Order: []store.Order{{Field: docID}}, Limit: top - len(out) + 1})
		if err != nil {
			return graph.AsError(err)
		}
		full := len(items) > top-len(out)
		if full {
			items = items[:top-len(out)]
		}
		for _, it := range items {
			b, err := s.renderDeltaItem(d, it, paths)
			if err != nil {
				return graph.AsError(err)
			}
			out = append(out, b)
		}
		if full {
			tok.After = items[len(items)-1].ID
			return finish(tok.encode(), "")
		}
		tok.Phase, tok.After = tok.Phase+1, ""
	}
	if tok.Phase < 2 {
		return finish(tok.encode(), "")
	}
	return finish("", deltaToken{Drive: d.ID, Folder: folder, Since: tok.Upto}.encode())
}

func (s server) renderDeltaItem(d *driveInfo, it store.Item, paths *pathCache) (json.RawMessage, error) {
	if it.Kind == model.KindDriveTombstone {
		var m map[string]any
		if err := json.Unmarshal(it.Doc, &m); err != nil {
			return nil, err
		}
		delete(m, "_seq")
		delete(m, "_at")
		return model.EncodeDoc(m), nil
	}
	b, err := renderDriveItem(d, it, paths.of(it.ParentID))
	if err != nil {
		return nil, err
	}
	// Delta items carry no parentReference.path, as in OneDrive.
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, err
	}
	if pr, ok := m["parentReference"].(map[string]any); ok {
		delete(pr, "path")
	}
	return model.EncodeDoc(m), nil
}

func (s server) writeDelta(c *graph.Call, d *driveInfo, vals []json.RawMessage, next, delta string) error {
	if vals == nil {
		vals = []json.RawMessage{}
	}
	link := c.BaseURL() + graph.PathAfterVersion(c.Request().URL.Path) + "?token="
	body := map[string]any{"@odata.context": c.ContextURL(), "value": vals}
	if next != "" {
		body["@odata.nextLink"] = link + next
	} else {
		body["@odata.deltaLink"] = link + delta
	}
	return c.JSON(http.StatusOK, body)
}
