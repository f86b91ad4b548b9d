package files

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"path"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"graphgate/internal/graph"
	"graphgate/internal/model"
	"graphgate/internal/odata"
	"graphgate/internal/store"
)

// OneDrive: a drive per user (created on first use, with its root folder),
// drive items (folders and files) addressed by id or by path, simple upload
// and download of files up to 4 MB, special folders (the app folder
// approot among them), sharing with other users of the tenant (invite),
// sharedWithMe, and sharing links (createLink, /shares: drive_links.go).
//
// Storage: a drive is an item of kind drive (its id is the drive id, its
// owner the user); every folder and file is an item of kind driveItem whose
// parent is its folder ("" for the root). A file's bytes are kept base64 in
// the document of a separate item of kind driveItemContent with the file's
// id, so that listing a folder never loads content; the simple-upload limit
// (4 MB) bounds them, and the store interface needs no blob method. A
// folder's childCount and size (the total of its descendants) are kept up
// to date in the same transaction as every change. Sharing grants are items
// of kind driveShare owned by the grantee, whose parent is the shared item:
// a grant reaches the item and everything below it.
//
// Access to another user's drive, or to a group's: the engine decides it
// from the relation (authz relation.go): a delegated caller reaches a
// group's library as a member or an owner (reads of a public group's too),
// and otherwise another user's or a group's drive only where items were
// shared with them, read or write as shared — the engine then confines the
// call to those items (Decision.SharedItemsOnly), and checkDriveAccess
// applies the confinement to the item addressed: the items shared (or
// below a shared folder), as in OneDrive. An item one may not see answers
// 404 itemNotFound (403 accessDenied for the root of a drive that exists).
// An app-only token sees every drive. A call that only
// Files.ReadWrite.AppFolder allowed (Decision.AppFolderOnly) reaches only
// the calling app's folder, Apps/{app name}.
//
// Download: as in Graph, GET …/content answers 302 Found to a short-lived,
// pre-authenticated URL (the file's @microsoft.graph.downloadUrl), served
// without a token by the transfer handler (drive_transfer.go), which
// honours Range and If-None-Match with the cTag as ETag.
//
// Changes are sequenced for delta: every transaction that changes a drive
// bumps the version of the drive's own item and stamps that number (_seq)
// on every item it writes; deletions leave tombstones (kind
// driveTombstone) stamped the same way (drive_ops.go).

// Drive errors, in OneDrive's words.

func errNameAlreadyExists() *graph.Error {
	return graph.NewErrorf(http.StatusConflict, "nameAlreadyExists", "An item with the same name already exists under the parent.")
}

func errDriveInvalid(format string, a ...any) *graph.Error {
	return graph.NewErrorf(http.StatusBadRequest, "invalidRequest", format, a...)
}

func errDriveModified() *graph.Error {
	return graph.NewErrorf(http.StatusPreconditionFailed, "resourceModified", "ETag does not match current item's value")
}

func errMySiteNotFound() *graph.Error {
	return graph.NewErrorf(http.StatusNotFound, "ResourceNotFound", "User's mysite not found.")
}

// Ids.

func specialFolderID(userID, name, appID string) string {
	if name == "approot" {
		return model.DriveItemIDFrom(userID + "/drive/special/approot/" + strings.ToLower(appID))
	}
	return model.DriveItemIDFrom(userID + "/drive/special/" + name)
}

// specialFolders maps the special folder names to the folders' names.
var specialFolders = map[string]string{"documents": "Documents", "photos": "Photos", "cameraroll": "Camera Roll", "music": "Music",
	"recordings": "Recordings", "approot": ""}

// Drives.

// driveInfo is a resolved drive.
type driveInfo struct {
	ID     string
	Type   string
	RootID string
	// Owner is the user, or for a group's drive the group as a user-shaped
	// value (its id, name and mail), so that item ownership is uniform.
	Owner store.User
	Group bool
	doc   model.Drive
	// dl signs an item's @microsoft.graph.downloadUrl (nil: none).
	dl func(itemID string) string
}

func (d *driveInfo) ref(id string) model.ItemReference {
	return model.ItemReference{DriveID: d.ID, DriveType: d.Type, ID: id}
}

// ensureDrive returns a user's drive, creating it on first use. Guests and
// shared mailboxes have no OneDrive.
func (s server) ensureDrive(c *graph.Call, u *store.User) (*driveInfo, error) {
	if u.Kind == store.UserGuest || u.Kind == store.UserSharedMailbox {
		return nil, errMySiteNotFound()
	}
	drive, root := model.NewDriveItems(c.TenantID, u, s.Now())
	it, err := s.Store().GetItem(c.Context(), c.TenantID, model.KindDrive, drive.ID)
	if errors.Is(err, store.ErrNotFound) {
		if err := s.Store().CreateItems(c.Context(), drive, root); err != nil && !errors.Is(err, store.ErrConflict) {
			return nil, graph.AsError(err)
		}
		it, err = s.Store().GetItem(c.Context(), c.TenantID, model.KindDrive, drive.ID)
	}
	if err != nil {
		return nil, graph.AsError(err)
	}
	return driveOf(it, *u)
}

func driveOf(it store.Item, owner store.User) (*driveInfo, error) {
	dd, err := model.DecodeDoc[model.Drive](it)
	if err != nil {
		return nil, graph.AsError(err)
	}
	return &driveInfo{ID: dd.ID, Type: dd.DriveType, RootID: dd.RootID, Owner: owner, doc: dd}, nil
}

// driveByID finds a drive by its id (/drives/{id}).
func (s server) driveByID(c *graph.Call, id string) (*driveInfo, error) {
	return s.withDownloads(c)(s.driveIn(c.Context(), c.TenantID, id))
}

// driveIn finds a drive of a tenant by its id, without download URLs (a
// sharing link reaches drives of another tenant than the caller's).
func (s server) driveIn(ctx context.Context, tenant, id string) (*driveInfo, error) {
	it, err := s.Store().GetItem(ctx, tenant, model.KindDrive, id)
	if errors.Is(err, store.ErrNotFound) {
		return nil, graph.ErrDriveItemNotFound()
	}
	if err != nil {
		return nil, graph.AsError(err)
	}
	if dd, err := model.DecodeDoc[model.Drive](it); err == nil && dd.OwnerKind == "group" {
		g, err := s.Store().GetGroup(ctx, tenant, it.OwnerID)
		if errors.Is(err, store.ErrNotFound) {
			return nil, graph.ErrDriveItemNotFound()
		}
		if err != nil {
			return nil, graph.AsError(err)
		}
		return groupDriveOf(it, &g)
	}
	u, err := s.Store().GetUser(ctx, tenant, it.OwnerID)
	if errors.Is(err, store.ErrNotFound) {
		return nil, graph.ErrDriveItemNotFound()
	}
	if err != nil {
		return nil, graph.AsError(err)
	}
	return driveOf(it, u)
}

// requestDrive resolves the drive a request names: /me/drive,
// /users/{id}/drive or /drives/{id}.
// addressedItem is the prelude of the handlers of one item: the request's
// drive, the body decoded into in (when not nil: before the item is looked
// up, so a malformed body answers 400 whatever the path names), the item
// the path names, and the caller's access to it (to change it, or to read).
func (s server) addressedItem(c *graph.Call, in any, write bool) (*driveInfo, *driveTarget, error) {
	d, err := s.requestDrive(c)
	if err != nil {
		return nil, nil, err
	}
	if in != nil {
		if err := c.ReadJSON(in); err != nil {
			return nil, nil, err
		}
	}
	t, _, err := s.resolveDriveAddr(c, d, parseDriveAddr(c), false, false)
	if err != nil {
		return nil, nil, err
	}
	if err := s.checkDriveAccess(c, t, write); err != nil {
		return nil, nil, err
	}
	return d, t, nil
}

// requestDrive is the drive the request's path names; its id is the
// {drive} of the endpoint's context URL.
func (s server) requestDrive(c *graph.Call) (*driveInfo, error) {
	d, err := s.pathDrive(c)
	if err == nil {
		c.SetContextValue("drive", d.ID)
	}
	return d, err
}

func (s server) pathDrive(c *graph.Call) (*driveInfo, error) {
	if strings.HasPrefix(c.Match.Route.Path, "/drives/") {
		if d, ok := c.TargetDrive().(*driveInfo); ok {
			return s.withDownloads(c)(d, nil)
		}
		return s.driveByID(c, c.Param(0))
	}
	if strings.HasPrefix(c.Match.Route.Path, "/groups/") {
		if c.TargetGroup == nil {
			return nil, graph.ErrDirectoryNotFound(c.Param(0))
		}
		return s.withDownloads(c)(s.ensureGroupDrive(c, c.TargetGroup))
	}
	if c.TargetUser == nil {
		return nil, graph.ErrDirectoryNotFound(c.Param(0))
	}
	return s.withDownloads(c)(s.ensureDrive(c, c.TargetUser))
}

// Addressing.

// driveAddr is how a request names an item: a base (the root, an item id,
// a special folder), an optional relative path after ':', and what follows.
type driveAddr struct {
	base string // "root", "item", "special", "" (the drive itself)
	id   string // item id or special folder name
	rel  string // relative path ("" for none)
	// tail is "", "children", "content", "childcontent" (children/{name}/content),
	// "invite" or "sharedwithme".
	tail      string
	childName string
}

// parseDriveAddr reads the matched route template and the request's
// parameters.
func parseDriveAddr(c *graph.Call) driveAddr {
	segs := strings.Split(strings.TrimPrefix(c.Match.Route.Path, "/"), "/")
	switch segs[0] {
	case "me":
		segs = segs[2:]
	case "users", "groups":
		segs = segs[3:]
	case "drives":
		segs = segs[2:]
	}
	pi := 1
	param := func() string {
		v := strings.TrimSuffix(c.Param(pi), ":")
		pi++
		return v
	}
	var a driveAddr
	for i := 0; i < len(segs); i++ {
		switch seg := segs[i]; seg {
		case "root":
			a.base = "root"
		case "root:":
			a.base = "root"
			if i+1 < len(segs) {
				a.rel = param()
				i++
			}
		case "items":
			a.base = "item"
			if i+1 < len(segs) {
				a.id = param()
				i++
				if segs[i] == "{id}:" && i+1 < len(segs) && strings.HasPrefix(segs[i+1], "{id}") {
					a.rel = param()
					i++
				}
			}
		case "special":
			a.base = "special"
			if i+1 < len(segs) {
				i++
				switch segs[i] {
				case "{id}":
					a.id = param()
				case "approot":
					a.id = "approot"
				case "approot:":
					a.id = "approot"
					if i+1 < len(segs) {
						a.rel = param()
						i++
					}
				}
			}
		case "children":
			a.tail = "children"
			if i+2 < len(segs) && segs[i+1] == "{id}" && segs[i+2] == "content" {
				a.tail, a.childName = "childcontent", param()
				i += 2
			}
		case "content":
			a.tail = "content"
		case "invite", "sharedwithme", "copy", "createuploadsession", "delta":
			a.tail = seg
		case "permissions":
			a.tail = "permissions"
			if i+1 < len(segs) && segs[i+1] == "{id}" {
				a.childName = param()
				i++
			}
		}
	}
	return a
}

// driveTarget is a resolved item with its ancestors.
type driveTarget struct {
	d     *driveInfo
	item  store.Item
	doc   model.DriveItem
	chain []store.Item // the root … the item
}

// itemPath is the item's path below the root ("/A/b.txt"; "" for the root).
func (t *driveTarget) itemPath() string {
	var b strings.Builder
	for _, it := range t.chain[1:] {
		d, _ := model.DecodeDoc[model.DriveItem](it)
		b.WriteString("/" + d.Name)
	}
	return b.String()
}

func (t *driveTarget) parentPath() string {
	p := t.itemPath()
	if i := strings.LastIndexByte(p, '/'); i >= 0 {
		return p[:i]
	}
	return ""
}

// grantIDs are the ids of the items whose grants and links reach the
// item: its chain, cut below the deepest item that stopped inheriting.
func (t *driveTarget) grantIDs() []string {
	start := 0
	for i, it := range t.chain {
		if d, err := model.DecodeDoc[model.DriveItem](it); err == nil && d.NoInherit {
			start = i
		}
	}
	ids := make([]string, 0, len(t.chain)-start)
	for _, it := range t.chain[start:] {
		ids = append(ids, it.ID)
	}
	return ids
}

func (t *driveTarget) has(id string) bool {
	for _, it := range t.chain {
		if it.ID == id {
			return true
		}
	}
	return false
}

// target loads an item of the drive and its ancestors.
func (s server) driveItemTarget(ctx context.Context, tenant string, d *driveInfo, id string) (*driveTarget, error) {
	if strings.EqualFold(id, "root") {
		id = d.RootID
	}
	it, err := s.Store().GetItem(ctx, tenant, model.KindDriveItem, id)
	if errors.Is(err, store.ErrNotFound) || err == nil && it.OwnerID != d.Owner.ID {
		return nil, graph.ErrDriveItemNotFound()
	}
	if err != nil {
		return nil, graph.AsError(err)
	}
	chain := []store.Item{it}
	for p := it.ParentID; p != ""; {
		if len(chain) > 256 {
			return nil, graph.AsError(errors.New("drive: item hierarchy too deep"))
		}
		pit, err := s.Store().GetItem(ctx, tenant, model.KindDriveItem, p)
		if errors.Is(err, store.ErrNotFound) {
			return nil, graph.ErrDriveItemNotFound() // an orphan
		}
		if err != nil {
			return nil, graph.AsError(err)
		}
		chain = append(chain, pit)
		p = pit.ParentID
	}
	for i, j := 0, len(chain)-1; i < j; i, j = i+1, j-1 {
		chain[i], chain[j] = chain[j], chain[i]
	}
	doc, err := model.DecodeDoc[model.DriveItem](it)
	if err != nil {
		return nil, graph.AsError(err)
	}
	return &driveTarget{d: d, item: it, doc: doc, chain: chain}, nil
}

// child returns the target of a child of a folder target.
func (t *driveTarget) child(it store.Item) (*driveTarget, error) {
	doc, err := model.DecodeDoc[model.DriveItem](it)
	if err != nil {
		return nil, graph.AsError(err)
	}
	chain := append(append([]store.Item{}, t.chain...), it)
	return &driveTarget{d: t.d, item: it, doc: doc, chain: chain}, nil
}

// childNamed finds a folder's child by name (ignoring case).
func (s server) childNamed(ctx context.Context, tx store.Items, tenant, owner, parent, name string) (store.Item, bool, error) {
	items, _, err := tx.QueryItems(ctx, store.ItemQuery{TenantID: tenant, Kind: model.KindDriveItem, OwnerID: owner, ParentID: parent,
		Filter: graph.DocEqFold("name", name), Limit: 1})
	if err != nil {
		return store.Item{}, false, err
	}
	if len(items) == 0 {
		return store.Item{}, false, nil
	}
	return items[0], true, nil
}

// splitPath splits a relative path into its names.
func splitPath(p string) []string {
	var out []string
	for _, s := range strings.Split(p, "/") {
		if s != "" {
			out = append(out, s)
		}
	}
	return out
}

// walk follows names down from a folder. With create, missing folders are
// created (after checking the caller may write where they are created).
func (s server) walk(c *graph.Call, t *driveTarget, names []string, create bool) (*driveTarget, error) {
	for _, n := range names {
		if t.doc.Folder == nil {
			return nil, graph.ErrDriveItemNotFound()
		}
		it, ok, err := s.childNamed(c.Context(), s.Store(), c.TenantID, t.d.Owner.ID, t.item.ID, n)
		if err != nil {
			return nil, graph.AsError(err)
		}
		if !ok {
			if !create {
				return nil, graph.ErrDriveItemNotFound()
			}
			if err := s.checkDriveAccess(c, t, true); err != nil {
				return nil, err
			}
			nt, err := s.createDriveFolder(c, t, n, "fail", nil)
			if err != nil {
				return nil, err
			}
			t = nt
			continue
		}
		if t, err = t.child(it); err != nil {
			return nil, err
		}
	}
	return t, nil
}

// resolveDriveAddr finds the item an address names (for a path with
// parentOnly, the folder that holds its last name, which is returned).
func (s server) resolveDriveAddr(c *graph.Call, d *driveInfo, a driveAddr, parentOnly, create bool) (*driveTarget, string, error) {
	var t *driveTarget
	var err error
	switch a.base {
	case "root":
		t, err = s.driveItemTarget(c.Context(), c.TenantID, d, d.RootID)
	case "item":
		t, err = s.driveItemTarget(c.Context(), c.TenantID, d, a.id)
	case "special":
		t, err = s.specialFolder(c, d, a.id)
	default:
		return nil, "", graph.ErrDriveItemNotFound()
	}
	if err != nil {
		return nil, "", err
	}
	names := splitPath(a.rel)
	last := ""
	if parentOnly && len(names) > 0 {
		names, last = names[:len(names)-1], names[len(names)-1]
	}
	if len(names) > 0 {
		// Access is checked on the item found (whose ancestors may have
		// been shared), and before any folder is created.
		if t, err = s.walk(c, t, names, create); err != nil {
			return nil, "", err
		}
	}
	return t, last, nil
}

// checkDriveAccess applies the engine's confinements of the call to an
// item: to the app's folder (Decision.AppFolderOnly), and to the items
// shared with the caller (Decision.SharedItemsOnly: another user's drive, a
// group's drive the caller is not a member of), read or write as shared.
// Whether the caller reaches the drive at all, the engine decided.
func (s server) checkDriveAccess(c *graph.Call, t *driveTarget, write bool) error {
	if c.Decision.AppFolderOnly() {
		if c.Claims == nil || !t.has(specialFolderID(t.d.Owner.ID, "approot", c.Claims.AppID)) {
			return graph.ErrDriveAccessDenied()
		}
	}
	if !c.Decision.SharedItemsOnly() || c.Caller == nil {
		return nil
	}
	return s.itemGrant(c, t, write)
}

// itemGrant answers whether a grant on the item (or a folder above it)
// shares it with the caller, for writing when write is set: an item one
// may not see answers 404 itemNotFound, the root of a drive 403
// accessDenied, as OneDrive does.
func (s server) itemGrant(c *graph.Call, t *driveTarget, write bool) error {
	shares, _, err := s.Store().QueryItems(c.Context(), store.ItemQuery{TenantID: c.TenantID, Kind: model.KindDriveShare, OwnerID: c.Caller.ID, ParentIDs: t.grantIDs()})
	if err != nil {
		return graph.AsError(err)
	}
	read, canWrite := false, false
	for _, sh := range shares {
		d, err := model.DecodeDoc[model.DriveShare](sh)
		if err != nil {
			continue
		}
		read = true
		for _, r := range d.Roles {
			if r == "write" || r == "owner" {
				canWrite = true
			}
		}
	}
	switch {
	case !read && t.item.ID == t.d.RootID:
		return graph.ErrDriveAccessDenied()
	case !read:
		return graph.ErrDriveItemNotFound()
	case write && !canWrite:
		return graph.ErrDriveAccessDenied()
	}
	return nil
}

// Special folders.

// appName is the calling app's display name, for its folder.
func (s server) appName(c *graph.Call) string {
	if c.Claims == nil {
		return "App"
	}
	if c.Claims.AppDisplayName != "" {
		return c.Claims.AppDisplayName
	}
	if as, ok := s.Store().(interface {
		GetApp(ctx context.Context, appID string) (store.App, error)
	}); ok {
		if a, err := as.GetApp(c.Context(), c.Claims.AppID); err == nil && a.DisplayName != "" {
			return a.DisplayName
		}
	}
	return c.Claims.AppID
}

// specialFolder returns a special folder, creating it (and Apps, for the
// app folder) on first use.
func (s server) specialFolder(c *graph.Call, d *driveInfo, name string) (*driveTarget, error) {
	display, ok := specialFolders[name]
	if !ok {
		return nil, graph.ErrDriveItemNotFound()
	}
	if c.Decision.AppFolderOnly() && name != "approot" {
		return nil, graph.ErrDriveAccessDenied()
	}
	appID := ""
	if name == "approot" {
		if c.Claims == nil {
			return nil, graph.ErrDriveItemNotFound()
		}
		appID = c.Claims.AppID
		display = s.appName(c)
	}
	id := specialFolderID(d.Owner.ID, name, appID)
	t, err := s.driveItemTarget(c.Context(), c.TenantID, d, id)
	if err == nil {
		return t, nil
	}
	if ge := graph.AsError(err); ge.Status != http.StatusNotFound {
		return nil, err
	}
	if c.Caller != nil && c.Caller.ID != d.Owner.ID {
		return nil, graph.ErrDriveItemNotFound() // only the owner's apps create them
	}
	parent, err := s.driveItemTarget(c.Context(), c.TenantID, d, d.RootID)
	if err != nil {
		return nil, err
	}
	if name == "approot" {
		appsID := specialFolderID(d.Owner.ID, "apps", "")
		apps, err := s.driveItemTarget(c.Context(), c.TenantID, d, appsID)
		if err != nil {
			if apps, err = s.createDriveFolderWithID(c, parent, "Apps", appsID, nil); err != nil {
				return nil, err
			}
		}
		parent = apps
	}
	return s.createDriveFolderWithID(c, parent, display, id, &model.SpecialFolderFacet{Name: name})
}

// Rendering.

// renderDriveItem turns a stored item into its response form.
func renderDriveItem(d *driveInfo, it store.Item, parentPath string) (json.RawMessage, error) {
	var m map[string]any
	if err := json.Unmarshal(it.Doc, &m); err != nil {
		return nil, err
	}
	doc, err := model.DecodeDoc[model.DriveItem](it)
	if err != nil {
		return nil, err
	}
	for k := range m {
		if strings.HasPrefix(k, "_") {
			delete(m, k)
		}
	}
	graphTimes(m)
	m["eTag"] = `"{` + doc.GUID + `},` + strconv.FormatInt(doc.ETagVersion, 10) + `"`
	if doc.File != nil {
		m["cTag"] = `"c:{` + doc.GUID + `},` + strconv.FormatInt(doc.ContentVersion, 10) + `"`
		if d.dl != nil {
			if u := d.dl(it.ID); u != "" {
				m["@microsoft.graph.downloadUrl"] = u
			}
		}
	}
	if doc.Root != nil {
		m["webUrl"] = d.doc.WebURL
	} else {
		m["webUrl"] = d.doc.WebURL + escapePath(parentPath+"/"+doc.Name)
		if pr, ok := m["parentReference"].(map[string]any); ok {
			pr["path"] = "/drive/root:" + parentPath
		}
	}
	return json.Marshal(m)
}

// graphTimes converts stored date-times (any key ending in DateTime, at
// any depth) to Graph's form.
func graphTimes(m map[string]any) {
	for k, v := range m {
		switch x := v.(type) {
		case string:
			if strings.HasSuffix(k, "DateTime") {
				if t, err := model.ParseStoredTime(x); err == nil {
					m[k] = model.GraphTime(t)
				}
			}
		case map[string]any:
			graphTimes(x)
		}
	}
}

func escapePath(p string) string {
	parts := strings.Split(p, "/")
	for i, s := range parts {
		parts[i] = url.PathEscape(s)
	}
	return strings.Join(parts, "/")
}

// writeDriveTarget answers an item with $select applied.
func (s server) writeDriveTarget(c *graph.Call, status int, t *driveTarget) error {
	b, err := renderDriveItem(t.d, t.item, t.parentPath())
	if err != nil {
		return graph.AsError(err)
	}
	q, err := c.ParseQuery(odata.Generic, 1, 0)
	if err != nil {
		return err
	}
	if b, err = graph.Project(b, q.Options().Select, nil, nil); err != nil {
		return graph.AsError(err)
	}
	return c.JSON(status, graph.WithContext(b, c.ContextURL()))
}

// What OneDrive's responses are, for their @odata.context. The drive the
// path names is {drive} (requestDrive supplies it: /me/drive's id is the
// drive's, not the path's), the item a path resolves to {item} (the
// handler that resolved it supplies it: root:/a/b: names it by path).
var (
	driveEntity         = graph.Entity{Context: "drives/$entity"}
	rootEntity          = graph.Entity{Context: "drives('{drive}')/root/$entity", ContextValues: []string{"drive"}}
	itemEntity          = graph.Entity{Context: "drives('{drive}')/items/$entity", ContextValues: []string{"drive"}}
	specialEntity       = graph.Entity{Context: "users('{owner}')/drive/special/$entity"}
	childrenEntity      = graph.Entity{Context: "drives('{drive}')/items('{item}')/children", ContextValues: []string{"drive", "item"}}
	permissionsEntity   = graph.Entity{Context: "drives('{drive}')/items('{item}')/permissions", ContextValues: []string{"drive", "item"}}
	permissionEntity    = graph.Entity{Context: "drives('{drive}')/items('{item}')/permissions/$entity", ContextValues: []string{"drive", "item"}}
	linkEntity          = graph.Entity{Context: "permission"}                             // a sharing link created
	invitedEntity       = graph.Entity{Context: "Collection(microsoft.graph.permission)"} // the permissions an invitation granted
	itemsEntity         = graph.Entity{Context: "Collection(driveItem)"}                  // search, delta, sharedWithMe
	uploadSessionEntity = graph.Entity{Context: "microsoft.graph.uploadSession"}
	shareEntity         = graph.Entity{Context: "shares/$entity"}
	sharedItemEntity    = graph.Entity{Context: "shares('{0}')/driveItem/$entity"}
)

// Handlers.

// driveEndpoints serve the drives of users (and /me), groups and /drives,
// and the sharing links of /shares; the forms generated for several bases
// are served where the route table has them.
func driveEndpoints() []graph.Endpoint {
	type ep = graph.Endpoint
	var eps []ep
	for _, base := range []string{"/users/{id}/drive", "/me/drive"} {
		eps = append(eps,
			ep{Method: "GET", Template: base, Handler: handle(server.getDrive), Entity: driveEntity},
			ep{Method: "GET", Template: base + "/root", Handler: handle(server.getDriveItem), Entity: rootEntity},
			ep{Method: "GET", Template: base + "/root/children", Handler: handle(server.listDriveChildren), Entity: childrenEntity},
			ep{Method: "POST", Template: base + "/root/children", Handler: handle(server.createDriveChild), Entity: itemEntity},
			ep{Method: "PUT", Template: base + "/root/children/{id}/content", Handler: handle(server.uploadDriveItem), Entity: itemEntity},
			ep{Method: "GET", Template: base + "/items/{id}", Handler: handle(server.getDriveItem), Entity: itemEntity},
			ep{Method: "PATCH", Template: base + "/items/{id}", Handler: handle(server.updateDriveItem), Entity: itemEntity},
			ep{Method: "DELETE", Template: base + "/items/{id}", Handler: handle(server.deleteDriveItem)},
			ep{Method: "GET", Template: base + "/items/{id}/children", Handler: handle(server.listDriveChildren), Entity: childrenEntity},
			ep{Method: "POST", Template: base + "/items/{id}/children", Handler: handle(server.createDriveChild), Entity: itemEntity},
			ep{Method: "GET", Template: base + "/items/{id}/content", Handler: handle(server.downloadDriveItem)},
			ep{Method: "PUT", Template: base + "/items/{id}/content", Handler: handle(server.uploadDriveItem), Entity: itemEntity},
			ep{Method: "PUT", Template: base + "/items/{id}:/{id}:/content", Handler: handle(server.uploadDriveItem), Entity: itemEntity},
			ep{Method: "POST", Template: base + "/items/{id}/invite", Handler: handle(server.inviteDriveItem), Entity: invitedEntity},
			ep{Method: "GET", Template: base + "/root:/{id}", Handler: handle(server.getDriveItem), Entity: itemEntity},
			ep{Method: "DELETE", Template: base + "/root:/{id}", Handler: handle(server.deleteDriveItem)},
			ep{Method: "GET", Template: base + "/root:/{id}:/children", Handler: handle(server.listDriveChildren), Entity: childrenEntity},
			ep{Method: "GET", Template: base + "/root:/{id}:/content", Handler: handle(server.downloadDriveItem)},
			ep{Method: "PUT", Template: base + "/root:/{id}:/content", Handler: handle(server.uploadDriveItem), Entity: itemEntity},
			ep{Method: "GET", Template: base + "/special/{id}", Handler: handle(server.getDriveItem), Entity: specialEntity},
			ep{Method: "GET", Template: base + "/special/{id}/children", Handler: handle(server.listDriveChildren), Entity: childrenEntity},
			ep{Method: "GET", Template: base + "/sharedWithMe", Handler: handle(server.sharedWithMe), Entity: itemsEntity},
		)
	}
	eps = append(eps,
		ep{Method: "GET", Template: "/me/drive/special/approot/children", Handler: handle(server.listDriveChildren), Entity: childrenEntity},
		ep{Method: "POST", Template: "/me/drive/special/approot/children", Handler: handle(server.createDriveChild), Entity: itemEntity},
		ep{Method: "PUT", Template: "/me/drive/special/approot/children/{id}/content", Handler: handle(server.uploadDriveItem), Entity: itemEntity},
		ep{Method: "GET", Template: "/me/drive/special/approot:/{id}", Handler: handle(server.getDriveItem), Entity: itemEntity},
		ep{Method: "GET", Template: "/me/drive/special/approot:/{id}:/content", Handler: handle(server.downloadDriveItem)},
		ep{Method: "PUT", Template: "/me/drive/special/approot:/{id}:/content", Handler: handle(server.uploadDriveItem), Entity: itemEntity},
		ep{Method: "GET", Template: "/drives/{id}", Handler: handle(server.getDrive), Entity: driveEntity},
		ep{Method: "GET", Template: "/drives/{id}/items/{id}", Handler: handle(server.getDriveItem), Entity: itemEntity},
		ep{Method: "PATCH", Template: "/drives/{id}/items/{id}", Handler: handle(server.updateDriveItem), Entity: itemEntity},
		ep{Method: "DELETE", Template: "/drives/{id}/items/{id}", Handler: handle(server.deleteDriveItem)},
		ep{Method: "GET", Template: "/drives/{id}/items/{id}/children", Handler: handle(server.listDriveChildren), Entity: childrenEntity},
		ep{Method: "GET", Template: "/drives/{id}/root:/{id}:/children", Handler: handle(server.listDriveChildren), Entity: childrenEntity},
		ep{Method: "POST", Template: "/drives/{id}/items/{id}/children", Handler: handle(server.createDriveChild), Entity: itemEntity},
		ep{Method: "GET", Template: "/drives/{id}/items/{id}/content", Handler: handle(server.downloadDriveItem)},
		ep{Method: "PUT", Template: "/drives/{id}/items/{id}/content", Handler: handle(server.uploadDriveItem), Entity: itemEntity},
		ep{Method: "PUT", Template: "/drives/{id}/items/{id}:/{id}:/content", Handler: handle(server.uploadDriveItem), Entity: itemEntity},
		ep{Method: "POST", Template: "/drives/{id}/items/{id}/invite", Handler: handle(server.inviteDriveItem), Entity: invitedEntity},
	)
	for i := range eps {
		// /me falls back to the /users/{id} twin; approot is /me's only.
		eps[i].Optional = strings.HasPrefix(eps[i].Template, "/me/") && !strings.Contains(eps[i].Template, "approot")
	}
	return append(eps, driveExtraEndpoints()...)
}

var _ = declare(graph.WorkloadDrive, driveEndpoints()...)

func (s server) getDrive(c *graph.Call) error {
	d, err := s.requestDrive(c)
	if err != nil {
		return err
	}
	root, err := s.Store().GetItem(c.Context(), c.TenantID, model.KindDriveItem, d.RootID)
	if err != nil {
		return graph.AsError(err)
	}
	rd, err := model.DecodeDoc[model.DriveItem](root)
	if err != nil {
		return graph.AsError(err)
	}
	dd := d.doc
	dd.Quota.Used = rd.Size
	dd.Quota.Remaining = dd.Quota.Total - rd.Size
	dd.LastModifiedDateTime = rd.LastModifiedDateTime
	var m map[string]any
	if err := json.Unmarshal(model.EncodeDoc(dd), &m); err != nil {
		return graph.AsError(err)
	}
	delete(m, "_rootId")
	graphTimes(m)
	q, err := c.ParseQuery(odata.Generic, 1, 0)
	if err != nil {
		return err
	}
	b, err := graph.Project(model.EncodeDoc(m), q.Options().Select, nil, nil)
	if err != nil {
		return graph.AsError(err)
	}
	return c.JSON(http.StatusOK, graph.WithContext(b, c.ContextURL()))
}

// getDriveItem serves an item by id, path, the root or a special folder.
func (s server) getDriveItem(c *graph.Call) error {
	d, err := s.requestDrive(c)
	if err != nil {
		return err
	}
	a := parseDriveAddr(c)
	t, _, err := s.resolveDriveAddr(c, d, a, false, false)
	if err != nil {
		return err
	}
	if err := s.checkDriveAccess(c, t, false); err != nil {
		return err
	}
	return s.writeDriveTarget(c, http.StatusOK, t)
}

var driveItemProps = odata.JSONProps{"id": odata.TypeString, "name": odata.TypeString, "size": odata.TypeInt,
	"createdDateTime": odata.TypeDateTime, "lastModifiedDateTime": odata.TypeDateTime, "file/mimeType": odata.TypeString,
	"folder/childCount": odata.TypeInt, "specialFolder/name": odata.TypeString}

func (s server) listDriveChildren(c *graph.Call) error {
	d, t, err := s.addressedItem(c, nil, false)
	if err != nil {
		return err
	}
	q, err := c.ParseQuery(odata.Generic, 200, 1000)
	if err != nil {
		return err
	}
	c.SetContextValue("item", t.item.ID)
	if t.doc.Folder == nil {
		return c.WritePage(c.ContextURL(), q, nil, 0, false)
	}
	here := t.itemPath()
	col := graph.Collection{Q: q, Base: store.ItemQuery{TenantID: c.TenantID, Kind: model.KindDriveItem, OwnerID: d.Owner.ID, ParentID: t.item.ID},
		Mapping:  graph.JSONMapping("microsoft.graph.driveItem", driveItemProps),
		DefOrder: []store.Order{{Field: store.Doc("name", store.TypeString), Fold: true}},
		Context:  c.ContextURL(),
		Render:   func(it store.Item) (json.RawMessage, error) { return renderDriveItem(d, it, here) }}
	return s.WriteCollection(c, col)
}

// conflictBehavior reads @microsoft.graph.conflictBehavior from the query
// string (where Graph documents it) or the body.
func conflictBehavior(c *graph.Call, body, def string) (string, error) {
	v := def
	for k, vs := range c.Request().URL.Query() {
		if strings.EqualFold(k, "@microsoft.graph.conflictBehavior") && len(vs) > 0 {
			v = vs[0]
		}
	}
	if body != "" {
		v = body
	}
	switch strings.ToLower(v) {
	case "fail", "replace", "rename":
		return strings.ToLower(v), nil
	}
	return "", errDriveInvalid("Invalid value '%s' for @microsoft.graph.conflictBehavior: expected fail, replace or rename.", v)
}

// validName checks a file or folder name as OneDrive for work or school
// does, by Microsoft's "Restrictions and limitations in OneDrive and
// SharePoint" (support.microsoft.com/office/64883a5d-228e-48f5-b3d2-eb39e07630fa):
//
//   - the characters " * : < > ? / \ | and control characters (C0, DEL
//     and C1, which SharePoint Online refuses too: PnPjs' file-names
//     check) answer invalidRequest "The provided name cannot contain any
//     illegal characters.", OneDrive's words (abraunegg/onedrive#484);
//   - a leading or trailing space answers "The provided name cannot
//     contain leading, or trailing, spaces." (skilion/onedrive#315);
//   - the reserved names (.lock, CON, PRN, AUX, NUL, COM0-COM9,
//     LPT0-LPT9, desktop.ini, a name starting with ~$ or holding _vti_)
//     answer "The provided name '…' is reserved.": Microsoft documents the
//     names, not the message, so the wording is graphgate's.
//
// Callers check the name before they write anything.
func validName(n string) error {
	if strings.TrimSpace(n) == "" {
		return errDriveInvalid("The name of the item is required.")
	}
	if strings.ContainsAny(n, `"*:<>?/\|`) || strings.ContainsFunc(n, unicode.IsControl) || !utf8.ValidString(n) {
		return errDriveInvalid("The provided name cannot contain any illegal characters.")
	}
	if n == "." || n == ".." {
		return errDriveInvalid("The provided name cannot contain any illegal characters.")
	}
	if strings.TrimSpace(n) != n {
		return errDriveInvalid("The provided name cannot contain leading, or trailing, spaces.")
	}
	if reservedName(n) {
		return errDriveInvalid("The provided name '%s' is reserved.", n)
	}
	if len(n) > 400 {
		return errDriveInvalid("The provided name is too long.")
	}
	return nil
}

// reservedName reports whether OneDrive and SharePoint refuse n as a
// file or folder name.
func reservedName(n string) bool {
	l := strings.ToLower(n)
	switch l {
	case ".lock", "con", "prn", "aux", "nul", "desktop.ini":
		return true
	}
	if len(l) == 4 && (strings.HasPrefix(l, "com") || strings.HasPrefix(l, "lpt")) && l[3] >= '0' && l[3] <= '9' {
		return true
	}
	return strings.HasPrefix(l, "~$") || strings.Contains(l, "_vti_")
}

// freeName finds a name not used in the folder, as conflictBehavior=rename
// does ("name 1.txt", "name 2.txt", …).
func (s server) freeName(ctx context.Context, tx store.Items, tenant, owner, parent, name string) (string, error) {
	ext := path.Ext(name)
	stem := strings.TrimSuffix(name, ext)
	for i := 1; i < 10000; i++ {
		n := stem + " " + strconv.Itoa(i) + ext
		_, taken, err := s.childNamed(ctx, tx, tenant, owner, parent, n)
		if err != nil {
			return "", err
		}
		if !taken {
			return n, nil
		}
	}
	return "", errNameAlreadyExists()
}

// actor is who changes an item.
func (s server) actor(c *graph.Call) model.IdentitySet {
	var out model.IdentitySet
	if c.Claims != nil && c.Claims.AppID != "" {
		out.Application = &model.DriveIdentity{ID: c.Claims.AppID, DisplayName: s.appName(c)}
	}
	if c.Caller != nil {
		out.User = model.UserIdentity(c.Caller)
	}
	return out
}

// bumpAncestors adds to a folder's child count and to its and its
// ancestors' sizes, in a transaction.
func bumpAncestors(ctx context.Context, tx store.Items, tenant, folder string, dCount int, dSize int64, now string, seq int64) error {
	for id, first, depth := folder, true, 0; id != "" && depth < 256; depth++ {
		it, err := tx.GetItem(ctx, tenant, model.KindDriveItem, id)
		if errors.Is(err, store.ErrNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		parent, isFirst := it.ParentID, first
		_, err = tx.UpdateItem(ctx, tenant, model.KindDriveItem, id, 0, func(it store.Item) (store.Item, error) {
			d, err := model.DecodeDoc[model.DriveItem](it)
			if err != nil {
				return it, err
			}
			if isFirst && d.Folder != nil {
				d.Folder.ChildCount = max(0, d.Folder.ChildCount+dCount)
				d.LastModifiedDateTime = now
			}
			d.Size = max(0, d.Size+dSize)
			d.Seq = seq
			it.Doc = model.EncodeDoc(d)
			return it, nil
		})
		if err != nil {
			return err
		}
		first, id = false, parent
	}
	return nil
}

// newDriveItemDoc is a new folder or file in a folder.
func newDriveItemDoc(d *driveInfo, parent, id, name string, by model.IdentitySet, now string) model.DriveItem {
	return model.NewDriveItem(d.ref(parent), id, name, by, now)
}

// createDriveFolder creates a folder under parent, resolving a name
// conflict by behavior.
func (s server) createDriveFolder(c *graph.Call, parent *driveTarget, name, behavior string, fsi *model.FileSystemInfo) (*driveTarget, error) {
	return s.createDriveItem(c, parent, name, behavior, model.NewDriveItemID(), nil, fsi, nil)
}

// createDriveFolderWithID creates a folder with a stable id (special
// folders), renaming it if the name is taken.
func (s server) createDriveFolderWithID(c *graph.Call, parent *driveTarget, name, id string, special *model.SpecialFolderFacet) (*driveTarget, error) {
	t, err := s.createDriveItem(c, parent, name, "rename", id, special, nil, nil)
	if err != nil && errors.Is(err, store.ErrConflict) {
		return s.driveItemTarget(c.Context(), c.TenantID, parent.d, id) // created concurrently
	}
	return t, err
}

// createDriveItem creates a folder (content nil) or a file under parent.
// also runs in the same transaction as the item's creation (an upload
// session's removal, so that a committed session never outlives its file).
func (s server) createDriveItem(c *graph.Call, parent *driveTarget, name, behavior, id string, special *model.SpecialFolderFacet, fsi *model.FileSystemInfo, content *[]byte, also ...func(store.Items) error) (*driveTarget, error) {
	if err := validName(name); err != nil {
		return nil, err
	}
	d := parent.d
	now := s.Now()
	ts := model.StoredTime(now)
	var created store.Item
	err := s.Store().Batch(c.Context(), func(tx store.Items) error {
		n := name
		if _, taken, err := s.childNamed(c.Context(), tx, c.TenantID, d.Owner.ID, parent.item.ID, n); err != nil {
			return err
		} else if taken {
			if behavior != "rename" {
				return errNameAlreadyExists()
			}
			if n, err = s.freeName(c.Context(), tx, c.TenantID, d.Owner.ID, parent.item.ID, name); err != nil {
				return err
			}
		}
		seq, err := nextDriveSeq(c.Context(), tx, c.TenantID, d.ID)
		if err != nil {
			return err
		}
		if _, err := tx.DeleteItems(c.Context(), c.TenantID, model.KindDriveTombstone, id); err != nil {
			return err
		}
		doc := newDriveItemDoc(d, parent.item.ID, id, n, s.actor(c), ts)
		doc.Seq = seq
		if fsi != nil {
			doc.FileSystemInfo = *fsi
		}
		doc.SpecialFolder = special
		items := []store.Item{}
		var size int64
		if content == nil {
			doc.Folder = &model.FolderFacet{}
		} else {
			size = int64(len(*content))
			doc.Size = size
			doc.File = &model.FileFacet{MimeType: model.MimeTypeOf(n, c.Request().Header.Get("Content-Type")), Hashes: model.HashesOf(*content, d.Type)}
			items = append(items, store.Item{TenantID: c.TenantID, Kind: model.KindDriveContent, ID: id, OwnerID: d.Owner.ID, ParentID: parent.item.ID,
				Doc: model.EncodeDoc(model.DriveContent{Data: base64.StdEncoding.EncodeToString(*content)}), CreatedAt: now, ModifiedAt: now, Version: 1})
		}
		created = store.Item{TenantID: c.TenantID, Kind: model.KindDriveItem, ID: id, OwnerID: d.Owner.ID, ParentID: parent.item.ID, Doc: model.EncodeDoc(doc),
			CreatedAt: now, ModifiedAt: now, Version: 1}
		if err := tx.CreateItems(c.Context(), append([]store.Item{created}, items...)...); err != nil {
			return err
		}
		if err := bumpAncestors(c.Context(), tx, c.TenantID, parent.item.ID, 1, size, ts, seq); err != nil {
			return err
		}
		return runAlso(tx, also)
	})
	if err != nil {
		var ge *graph.Error
		if errors.As(err, &ge) || errors.Is(err, store.ErrConflict) {
			return nil, err
		}
		return nil, graph.AsError(err)
	}
	return parent.child(created)
}

// driveChildInput is POST …/children's body.
type driveChildInput struct {
	Name             *string               `json:"name"`
	Folder           *json.RawMessage      `json:"folder"`
	File             *json.RawMessage      `json:"file"`
	FileSystemInfo   *model.FileSystemInfo `json:"fileSystemInfo"`
	ConflictBehavior string                `json:"@microsoft.graph.conflictBehavior"`
}

func (s server) createDriveChild(c *graph.Call) error {
	var in driveChildInput
	d, parent, err := s.addressedItem(c, &in, true)
	if err != nil {
		return err
	}
	if parent.doc.Folder == nil {
		return errDriveInvalid("The parent item is not a folder.")
	}
	if in.Name == nil {
		return errDriveInvalid("The name of the item is required.")
	}
	behavior, err := conflictBehavior(c, in.ConflictBehavior, "fail")
	if err != nil {
		return err
	}
	var fsi *model.FileSystemInfo
	if in.FileSystemInfo != nil {
		f := *in.FileSystemInfo
		ts := model.StoredTime(s.Now())
		for _, p := range []*string{&f.CreatedDateTime, &f.LastModifiedDateTime} {
			if t, err := time.Parse(time.RFC3339Nano, *p); err == nil {
				*p = model.StoredTime(t)
			} else {
				*p = ts
			}
		}
		fsi = &f
	}
	var t *driveTarget
	switch {
	case in.Folder != nil && in.File == nil:
		if behavior == "replace" {
			if old, ok, err := s.childNamed(c.Context(), s.Store(), c.TenantID, d.Owner.ID, parent.item.ID, *in.Name); err != nil {
				return graph.AsError(err)
			} else if ok {
				if err := s.removeDriveItem(c, d, old); err != nil {
					return err
				}
			}
		}
		t, err = s.createDriveFolder(c, parent, *in.Name, behavior, fsi)
	case in.File != nil && in.Folder == nil:
		empty := []byte{}
		t, err = s.createDriveItem(c, parent, *in.Name, behavior, model.NewDriveItemID(), nil, fsi, &empty)
	default:
		return errDriveInvalid("A folder or file facet (and only one) is required to create an item.")
	}
	if err != nil {
		return err
	}
	return s.writeDriveTarget(c, http.StatusCreated, t)
}

// driveItemPatch is PATCH's body: rename, move, file system times.
type driveItemPatch struct {
	Name            *string               `json:"name"`
	ParentReference *driveParentRef       `json:"parentReference"`
	FileSystemInfo  *model.FileSystemInfo `json:"fileSystemInfo"`
}

// driveParentRef is the parentReference of a move or copy: a folder by id
// or by path (/drive/root:/a/b or /drives/{id}/root:/a/b).
type driveParentRef struct {
	DriveID string `json:"driveId"`
	ID      string `json:"id"`
	Path    string `json:"path"`
}

// destinationFolder finds the folder a move or copy names in drive d and
// checks that the caller may write into it.
func (s server) destinationFolder(c *graph.Call, d *driveInfo, pr *driveParentRef) (*driveTarget, error) {
	var dest *driveTarget
	var err error
	if pr.ID != "" {
		dest, err = s.driveItemTarget(c.Context(), c.TenantID, d, pr.ID)
	} else {
		rel := pr.Path
		for _, pre := range []string{"/drive/root:", "/drives/" + d.ID + "/root:"} {
			rel = strings.TrimPrefix(rel, pre)
		}
		var root *driveTarget
		if root, err = s.driveItemTarget(c.Context(), c.TenantID, d, d.RootID); err == nil {
			dest, err = s.walk(c, root, splitPath(rel), false)
		}
	}
	if err != nil {
		return nil, errDriveInvalid("The destination folder does not exist.")
	}
	if err := s.checkDriveAccess(c, dest, true); err != nil {
		return nil, err
	}
	if dest.doc.Folder == nil {
		return nil, errDriveInvalid("The destination is not a folder.")
	}
	return dest, nil
}

// etagMatches checks an If-Match header against an item's eTag (or cTag).
func etagMatches(h string, doc model.DriveItem) bool {
	h = strings.TrimSpace(h)
	if h == "" || h == "*" {
		return true
	}
	h = strings.TrimPrefix(h, "W/")
	want := []string{`"{` + doc.GUID + `},` + strconv.FormatInt(doc.ETagVersion, 10) + `"`,
		`"c:{` + doc.GUID + `},` + strconv.FormatInt(doc.ContentVersion, 10) + `"`}
	for _, w := range want {
		if h == w || strings.Trim(h, `"`) == strings.Trim(w, `"`) {
			return true
		}
	}
	return false
}

func (s server) updateDriveItem(c *graph.Call) error {
	var p driveItemPatch
	d, t, err := s.addressedItem(c, &p, true)
	if err != nil {
		return err
	}
	if !etagMatches(c.Request().Header.Get("If-Match"), t.doc) {
		return errDriveModified()
	}
	if t.item.ID == d.RootID && (p.Name != nil || p.ParentReference != nil) {
		return errDriveInvalid("The root of a drive cannot be renamed or moved.")
	}
	newParent := t.item.ParentID
	var dest *driveTarget
	if pr := p.ParentReference; pr != nil && (pr.ID != "" || pr.Path != "") {
		if pr.DriveID != "" && pr.DriveID != d.ID {
			return errDriveInvalid("Moving items between drives is not supported.")
		}
		if dest, err = s.destinationFolder(c, d, pr); err != nil {
			return err
		}
		if dest.has(t.item.ID) {
			return errDriveInvalid("An item cannot be moved into itself or one of its subfolders.")
		}
		newParent = dest.item.ID
	}
	name := t.doc.Name
	if p.Name != nil {
		if err := validName(*p.Name); err != nil {
			return err
		}
		name = *p.Name
	}
	behavior, err := conflictBehavior(c, "", "fail")
	if err != nil {
		return err
	}
	ts := model.StoredTime(s.Now())
	by := s.actor(c)
	var updated store.Item
	err = s.Store().Batch(c.Context(), func(tx store.Items) error {
		if newParent != t.item.ParentID || name != t.doc.Name {
			if old, taken, err := s.childNamed(c.Context(), tx, c.TenantID, d.Owner.ID, newParent, name); err != nil {
				return err
			} else if taken && old.ID != t.item.ID {
				switch behavior {
				case "rename":
					if name, err = s.freeName(c.Context(), tx, c.TenantID, d.Owner.ID, newParent, name); err != nil {
						return err
					}
				default:
					return errNameAlreadyExists()
				}
			}
		}
		seq, err := nextDriveSeq(c.Context(), tx, c.TenantID, d.ID)
		if err != nil {
			return err
		}
		updated, err = tx.UpdateItem(c.Context(), c.TenantID, model.KindDriveItem, t.item.ID, 0, func(it store.Item) (store.Item, error) {
			doc, err := model.DecodeDoc[model.DriveItem](it)
			if err != nil {
				return it, err
			}
			doc.Seq = seq
			doc.Name = name
			if p.FileSystemInfo != nil {
				for _, x := range []struct{ in, dst *string }{{&p.FileSystemInfo.CreatedDateTime, &doc.FileSystemInfo.CreatedDateTime},
					{&p.FileSystemInfo.LastModifiedDateTime, &doc.FileSystemInfo.LastModifiedDateTime}} {
					if tm, err := time.Parse(time.RFC3339Nano, *x.in); err == nil {
						*x.dst = model.StoredTime(tm)
					}
				}
			}
			doc.ParentReference = d.ref(newParent)
			doc.LastModifiedDateTime, doc.LastModifiedBy = ts, by
			doc.ETagVersion++
			it.ParentID = newParent
			it.Doc = model.EncodeDoc(doc)
			return it, nil
		})
		if err != nil {
			return err
		}
		if newParent != t.item.ParentID {
			if err := bumpAncestors(c.Context(), tx, c.TenantID, t.item.ParentID, -1, -t.doc.Size, ts, seq); err != nil {
				return err
			}
			return bumpAncestors(c.Context(), tx, c.TenantID, newParent, 1, t.doc.Size, ts, seq)
		}
		return nil
	})
	if err != nil {
		return graph.AsError(err)
	}
	nt, err := s.driveItemTarget(c.Context(), c.TenantID, d, updated.ID)
	if err != nil {
		return err
	}
	return s.writeDriveTarget(c, http.StatusOK, nt)
}

func (s server) deleteDriveItem(c *graph.Call) error {
	d, t, err := s.addressedItem(c, nil, true)
	if err != nil {
		return err
	}
	if t.item.ID == d.RootID {
		return errDriveInvalid("The root of a drive cannot be deleted.")
	}
	if !etagMatches(c.Request().Header.Get("If-Match"), t.doc) {
		return errDriveModified()
	}
	if err := s.removeDriveItem(c, d, t.item); err != nil {
		return err
	}
	return c.NoContent()
}

// removeDriveItem deletes an item, everything below it, their content,
// their sharing grants and their sharing links (which stop working).
func (s server) removeDriveItem(c *graph.Call, d *driveInfo, it store.Item) error {
	doc, err := model.DecodeDoc[model.DriveItem](it)
	if err != nil {
		return graph.AsError(err)
	}
	ids := []string{it.ID}
	removed := []store.Item{it}
	for i := 0; i < len(ids); i++ {
		kids, _, err := s.Store().QueryItems(c.Context(), store.ItemQuery{TenantID: c.TenantID, Kind: model.KindDriveItem, OwnerID: d.Owner.ID, ParentID: ids[i]})
		if err != nil {
			return graph.AsError(err)
		}
		for _, k := range kids {
			ids = append(ids, k.ID)
			removed = append(removed, k)
		}
	}
	shares, _, err := s.Store().QueryItems(c.Context(), store.ItemQuery{TenantID: c.TenantID, Kind: model.KindDriveShare, ParentIDs: ids})
	if err != nil {
		return graph.AsError(err)
	}
	shareIDs := make([]string, len(shares))
	for i, sh := range shares {
		shareIDs[i] = sh.ID
	}
	links, _, err := s.Store().QueryItems(c.Context(), store.ItemQuery{TenantID: c.TenantID, Kind: model.KindDriveLink, ParentIDs: ids})
	if err != nil {
		return graph.AsError(err)
	}
	linkIDs := make([]string, len(links))
	for i, l := range links {
		linkIDs[i] = l.ID
	}
	ts := model.StoredTime(s.Now())
	err = s.Store().Batch(c.Context(), func(tx store.Items) error {
		for _, k := range []struct {
			kind string
			ids  []string
		}{{model.KindDriveShare, shareIDs}, {model.KindDriveLink, linkIDs}, {model.KindDriveContent, ids}, {model.KindDriveItem, ids}, {model.KindDriveTombstone, ids}} {
			if _, err := tx.DeleteItems(c.Context(), c.TenantID, k.kind, k.ids...); err != nil {
				return err
			}
		}
		seq, err := nextDriveSeq(c.Context(), tx, c.TenantID, d.ID)
		if err != nil {
			return err
		}
		if err := tx.CreateItems(c.Context(), tombstones(d, removed, seq, s.Now())...); err != nil {
			return err
		}
		return bumpAncestors(c.Context(), tx, c.TenantID, it.ParentID, -1, -doc.Size, ts, seq)
	})
	return graph.AsErrorOrNil(err)
}

// Content.

// downloadDriveItem answers GET …/content as Graph does: 302 Found to the
// file's pre-authenticated download URL, issued here because this request
// was authorized; the URL itself serves the bytes (drive_transfer.go).
func (s server) downloadDriveItem(c *graph.Call) error {
	d, t, err := s.addressedItem(c, nil, false)
	if err != nil {
		return err
	}
	if t.doc.File == nil {
		return errDriveInvalid("Only files have content to download; the item is a folder.")
	}
	u, err := s.downloadURL(c, d.ID, t.item.ID)
	if err != nil {
		return graph.AsError(err)
	}
	return c.Found(u)
}

// uploadDriveItem serves the simple upload (PUT …/content): replace a
// file's content, or create (or replace) a file by parent and name.
func (s server) uploadDriveItem(c *graph.Call) error {
	d, err := s.requestDrive(c)
	if err != nil {
		return err
	}
	a := parseDriveAddr(c)
	byName := a.rel != "" || a.tail == "childcontent"
	t, last, err := s.resolveDriveAddr(c, d, a, byName, byName)
	if err != nil {
		return err
	}
	if a.tail == "childcontent" {
		last = a.childName
	}
	behavior, err := conflictBehavior(c, "", "replace")
	if err != nil {
		return err
	}
	body, err := c.Body()
	if err != nil {
		return err
	}
	if !byName {
		if err := s.checkDriveAccess(c, t, true); err != nil {
			return err
		}
		if t.doc.File == nil {
			return errDriveInvalid("Content can only be uploaded to a file; the item is a folder.")
		}
		if !etagMatches(c.Request().Header.Get("If-Match"), t.doc) {
			return errDriveModified()
		}
		nt, err := s.replaceContent(c, t, body)
		if err != nil {
			return err
		}
		return s.writeDriveTarget(c, http.StatusOK, nt)
	}
	if err := s.checkDriveAccess(c, t, true); err != nil {
		return err
	}
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
	if exists && behavior == "replace" {
		ot, err := t.child(old)
		if err != nil {
			return err
		}
		if ot.doc.File == nil {
			return errNameAlreadyExists()
		}
		nt, err := s.replaceContent(c, ot, body)
		if err != nil {
			return err
		}
		return s.writeDriveTarget(c, http.StatusOK, nt)
	}
	nt, err := s.createDriveItem(c, t, last, behavior, model.NewDriveItemID(), nil, nil, &body)
	if err != nil {
		return graph.AsError(err)
	}
	return s.writeDriveTarget(c, http.StatusCreated, nt)
}

// replaceContent stores a file's new content.
// runAlso runs the extra steps a caller wants in a write's transaction.
func runAlso(tx store.Items, also []func(store.Items) error) error {
	for _, f := range also {
		if err := f(tx); err != nil {
			return err
		}
	}
	return nil
}

// also runs in the same transaction as the replacement (see createDriveItem).
func (s server) replaceContent(c *graph.Call, t *driveTarget, body []byte, also ...func(store.Items) error) (*driveTarget, error) {
	now := s.Now()
	ts := model.StoredTime(now)
	by := s.actor(c)
	delta := int64(len(body)) - t.doc.Size
	var updated store.Item
	err := s.Store().Batch(c.Context(), func(tx store.Items) error {
		seq, err := nextDriveSeq(c.Context(), tx, c.TenantID, t.d.ID)
		if err != nil {
			return err
		}
		updated, err = tx.UpdateItem(c.Context(), c.TenantID, model.KindDriveItem, t.item.ID, 0, func(it store.Item) (store.Item, error) {
			doc, err := model.DecodeDoc[model.DriveItem](it)
			if err != nil {
				return it, err
			}
			doc.Seq = seq
			doc.Size = int64(len(body))
			doc.File = &model.FileFacet{MimeType: model.MimeTypeOf(doc.Name, c.Request().Header.Get("Content-Type")), Hashes: model.HashesOf(body, t.d.Type)}
			doc.LastModifiedDateTime, doc.LastModifiedBy = ts, by
			doc.FileSystemInfo.LastModifiedDateTime = ts
			doc.ETagVersion++
			doc.ContentVersion++
			it.Doc = model.EncodeDoc(doc)
			return it, nil
		})
		if err != nil {
			return err
		}
		content := model.EncodeDoc(model.DriveContent{Data: base64.StdEncoding.EncodeToString(body)})
		_, err = tx.UpdateItem(c.Context(), c.TenantID, model.KindDriveContent, t.item.ID, 0, func(it store.Item) (store.Item, error) {
			it.Doc = content
			return it, nil
		})
		if errors.Is(err, store.ErrNotFound) {
			err = tx.CreateItems(c.Context(), store.Item{TenantID: c.TenantID, Kind: model.KindDriveContent, ID: t.item.ID, OwnerID: t.d.Owner.ID,
				ParentID: t.item.ParentID, Doc: content, CreatedAt: now, ModifiedAt: now, Version: 1})
		}
		if err != nil {
			return err
		}
		if delta != 0 {
			if err := bumpAncestors(c.Context(), tx, c.TenantID, t.item.ParentID, 0, delta, ts, seq); err != nil {
				return err
			}
		}
		return runAlso(tx, also)
	})
	if err != nil {
		return nil, graph.AsError(err)
	}
	nt := *t
	nt.chain = append(append([]store.Item{}, t.chain[:len(t.chain)-1]...), updated)
	nt.item = updated
	if nt.doc, err = model.DecodeDoc[model.DriveItem](updated); err != nil {
		return nil, graph.AsError(err)
	}
	return &nt, nil
}

// Sharing.

type driveRecipient struct {
	Email    string `json:"email"`
	ObjectID string `json:"objectId"`
}

type driveInviteInput struct {
	Recipients     []driveRecipient `json:"recipients"`
	Roles          []string         `json:"roles"`
	RequireSignIn  *bool            `json:"requireSignIn"`
	SendInvitation *bool            `json:"sendInvitation"`
	Message        string           `json:"message"`
}

// permissionDoc is Graph's permission, as invite returns it.
type permissionDoc struct {
	ID        string   `json:"id"`
	Roles     []string `json:"roles"`
	GrantedTo struct {
		User model.DriveIdentity `json:"user"`
	} `json:"grantedTo"`
	GrantedToV2 struct {
		User model.DriveIdentity `json:"user"`
	} `json:"grantedToV2"`
}

// inviteDriveItem shares an item with users of the tenant (POST …/invite).
func (s server) inviteDriveItem(c *graph.Call) error {
	var in driveInviteInput
	d, t, err := s.addressedItem(c, &in, true)
	if err != nil {
		return err
	}
	if len(in.Recipients) == 0 {
		return errDriveInvalid("At least one recipient is required.")
	}
	roles := map[string]bool{}
	for _, r := range in.Roles {
		switch strings.ToLower(r) {
		case "read", "write":
			roles[strings.ToLower(r)] = true
		default:
			return errDriveInvalid("Invalid role '%s': expected read or write.", r)
		}
	}
	if len(roles) == 0 {
		return errDriveInvalid("At least one role (read or write) is required.")
	}
	var roleList []string
	for r := range roles {
		roleList = append(roleList, r)
	}
	sort.Strings(roleList)
	var grantees []store.User
	for _, r := range in.Recipients {
		u, err := s.recipientUser(c, r)
		if err != nil {
			return err
		}
		if u.ID == d.Owner.ID {
			continue // the owner has access already
		}
		grantees = append(grantees, u)
	}
	now := s.Now()
	ts := model.StoredTime(now)
	inviter := model.DriveIdentity{DisplayName: s.appName(c)}
	if c.Caller != nil {
		inviter = *model.UserIdentity(c.Caller)
	}
	var out []json.RawMessage
	err = s.Store().Batch(c.Context(), func(tx store.Items) error {
		for i := range grantees {
			g := &grantees[i]
			sd := model.DriveShare{ID: model.ShareID(t.item.ID, g.ID), ItemID: t.item.ID, DriveID: d.ID, DriveOwnerID: d.Owner.ID, Roles: roleList,
				GrantedTo: *model.UserIdentity(g), InvitedBy: inviter, SharedDateTime: ts}
			_, err := tx.UpdateItem(c.Context(), c.TenantID, model.KindDriveShare, sd.ID, 0, func(it store.Item) (store.Item, error) {
				it.Doc = model.EncodeDoc(sd)
				return it, nil
			})
			if errors.Is(err, store.ErrNotFound) {
				err = tx.CreateItems(c.Context(), store.Item{TenantID: c.TenantID, Kind: model.KindDriveShare, ID: sd.ID, OwnerID: g.ID, ParentID: t.item.ID,
					Doc: model.EncodeDoc(sd), CreatedAt: now, ModifiedAt: now, Version: 1})
			}
			if err != nil {
				return err
			}
			var p permissionDoc
			p.ID, p.Roles = sd.ID, roleList
			p.GrantedTo.User, p.GrantedToV2.User = sd.GrantedTo, sd.GrantedTo
			out = append(out, model.EncodeDoc(p))
		}
		if len(grantees) == 0 {
			return nil
		}
		seq, err := nextDriveSeq(c.Context(), tx, c.TenantID, d.ID)
		if err != nil {
			return err
		}
		_, err = tx.UpdateItem(c.Context(), c.TenantID, model.KindDriveItem, t.item.ID, 0, func(it store.Item) (store.Item, error) {
			doc, err := model.DecodeDoc[model.DriveItem](it)
			if err != nil {
				return it, err
			}
			doc.Seq = seq
			if doc.Shared == nil {
				doc.Shared = &model.SharedFacet{Owner: model.IdentitySet{User: model.UserIdentity(&d.Owner)}, Scope: "users", SharedDateTime: ts}
			}
			it.Doc = model.EncodeDoc(doc)
			return it, nil
		})
		return err
	})
	if err != nil {
		return graph.AsError(err)
	}
	if out == nil {
		out = []json.RawMessage{}
	}
	return c.JSON(http.StatusOK, struct {
		Context string            `json:"@odata.context"`
		Value   []json.RawMessage `json:"value"`
	}{c.ContextURL(), out})
}

// sharedWithMe lists the items shared with the drive's owner, newest
// share first, each with its remoteItem facet.
func (s server) sharedWithMe(c *graph.Call) error {
	if c.TargetUser == nil {
		return graph.ErrDirectoryNotFound(c.Param(0))
	}
	q, err := c.ParseQuery(odata.Generic, 200, 1000)
	if err != nil {
		return err
	}
	shares, _, err := s.Store().QueryItems(c.Context(), store.ItemQuery{TenantID: c.TenantID, Kind: model.KindDriveShare, OwnerID: c.TargetUser.ID,
		Order: graph.ByDoc("sharedDateTime", store.TypeTime, true)})
	if err != nil {
		return graph.AsError(err)
	}
	drives := map[string]*driveInfo{}
	var vals []json.RawMessage
	for _, sh := range shares {
		sd, err := model.DecodeDoc[model.DriveShare](sh)
		if err != nil {
			continue
		}
		d := drives[sd.DriveID]
		if d == nil {
			if d, err = s.driveByID(c, sd.DriveID); err != nil {
				continue
			}
			drives[sd.DriveID] = d
		}
		t, err := s.driveItemTarget(c.Context(), c.TenantID, d, sd.ItemID)
		if err != nil {
			continue
		}
		b, err := renderDriveItem(d, t.item, t.parentPath())
		if err != nil {
			return graph.AsError(err)
		}
		var m map[string]any
		if err := json.Unmarshal(b, &m); err != nil {
			return graph.AsError(err)
		}
		remote := map[string]any{"parentReference": map[string]any{"driveId": d.ID, "driveType": d.Type, "id": t.item.ParentID},
			"shared": map[string]any{"owner": map[string]any{"user": model.UserIdentity(&d.Owner)}, "scope": "users",
				"sharedDateTime": graphTimeOf(sd.SharedDateTime), "sharedBy": map[string]any{"user": sd.InvitedBy}}}
		for _, k := range []string{"id", "name", "size", "webUrl", "createdDateTime", "lastModifiedDateTime", "createdBy", "lastModifiedBy",
			"file", "folder", "fileSystemInfo", "eTag", "cTag"} {
			if v, ok := m[k]; ok {
				remote[k] = v
			}
		}
		top := map[string]any{"remoteItem": remote}
		for _, k := range []string{"id", "name", "size", "webUrl", "createdDateTime", "lastModifiedDateTime", "createdBy", "lastModifiedBy",
			"file", "folder", "fileSystemInfo"} {
			if v, ok := m[k]; ok {
				top[k] = v
			}
		}
		vals = append(vals, model.EncodeDoc(top))
	}
	total := len(vals)
	start := min(q.Skip(), total)
	end := min(start+q.Top(), total)
	page := make([]json.RawMessage, 0, end-start)
	for _, v := range vals[start:end] {
		b, err := graph.Project(v, q.Options().Select, nil, nil)
		if err != nil {
			return graph.AsError(err)
		}
		page = append(page, b)
	}
	return c.WritePage(c.ContextURL(), q, page, total, end < total)
}

func graphTimeOf(stored string) string {
	if t, err := model.ParseStoredTime(stored); err == nil {
		return model.GraphTime(t)
	}
	return stored
}

// Seeding.
