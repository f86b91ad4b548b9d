package files

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"html"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"graphgate/internal/graph"
	"graphgate/internal/model"
	"graphgate/internal/password"
	"graphgate/internal/store"
)

// Sharing links: POST …/items/{id}/createLink makes a permission with a
// link facet, and GET /shares/{shareIdOrEncodedSharingUrl}[/driveItem]
// uses one.
//
// Storage: a link is an item of kind driveLink beside the invite grants
// (kind driveShare): its parent is the shared item, so that it reaches the
// item and what is below it, lists with the item's permissions and is
// revoked by DELETE …/permissions/{id}; its owner is the drive's owner (a
// link is nobody's grant, and sharedWithMe lists grants only). A link's
// webUrl is a graphgate transfer URL, {base}/_transfer/share/{tenant}/{id},
// that anyone can open without a token: an anonymous link serves the item
// there (a file by redirect to its download URL); the others answer 401,
// as their sign-in page would. The id is random and unguessable: the URL
// is the secret, as Microsoft's are.
//
// Whom a link admits through /shares: anonymous, any caller with a token
// of any tenant (a password-protected one, only callers who already have
// access, since the API cannot carry the password); organization, any
// caller of the drive's tenant; users, its recipients and whoever already
// has access to the item. Links reach across tenants, so /shares reads the
// drive in the link's tenant (named in the share id and the URL), not the
// token's.

// parseShareKey finds the tenant and link id a share id or an encoded
// sharing URL names.
func parseShareKey(key string) (tenant, id string, ok bool) {
	switch {
	case strings.HasPrefix(key, "s!"):
		b, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(key[2:], "="))
		if err != nil {
			return "", "", false
		}
		tenant, id, ok = strings.Cut(string(b), "/")
	case strings.HasPrefix(key, "u!"):
		b, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(key[2:], "="))
		if err != nil {
			return "", "", false
		}
		u, err := url.Parse(string(b))
		if err != nil {
			return "", "", false
		}
		_, rest, found := strings.Cut(u.Path, transferPrefix+"share/")
		if !found {
			return "", "", false
		}
		tenant, id, ok = strings.Cut(rest, "/")
	}
	return tenant, id, ok && tenant != "" && id != "" && !strings.Contains(id, "/")
}

func errInvalidShareKey() *graph.Error {
	return graph.NewErrorf(http.StatusBadRequest, "invalidRequest", "Invalid shares key.")
}

// errShareGone answers a link that was revoked, has expired or does not
// admit the caller, in SharePoint's words (which do not tell them apart).
func errShareGone() *graph.Error {
	return graph.NewErrorf(http.StatusForbidden, "accessDenied", "The sharing link no longer exists, or you do not have permission to access it.")
}

func newLinkID() string {
	b := make([]byte, 24)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// renderLink is a link as Graph's permission.
func renderLink(ld model.DriveLink) map[string]any {
	link := map[string]any{"type": ld.Type, "scope": ld.Scope, "webUrl": ld.WebURL, "preventsDownload": false}
	if ld.Application != nil {
		link["application"] = ld.Application
	}
	if ld.Type == "embed" {
		link["webHtml"] = `<iframe src="` + html.EscapeString(ld.WebURL) + `" width="98" height="120" frameborder="0" scrolling="no"></iframe>`
	}
	m := map[string]any{"id": ld.ID, "roles": ld.Roles, "link": link, "hasPassword": ld.PasswordHash != "", "shareId": ld.ShareID()}
	if ld.Expiration != "" {
		m["expirationDateTime"] = graphTimeOf(ld.Expiration)
	}
	if len(ld.Recipients) > 0 {
		ids := make([]map[string]any, len(ld.Recipients))
		for i, r := range ld.Recipients {
			ids[i] = map[string]any{"user": r}
		}
		m["grantedToIdentities"], m["grantedToIdentitiesV2"] = ids, ids
	}
	return m
}

// scopeRank orders the shared facet's scopes, the broadest last.
var scopeRank = map[string]int{"users": 1, "organization": 2, "anonymous": 3}

// sharedScope is the broadest scope of the grants and links made on an
// item ("" for none): the shared facet's scope.
func sharedScope(ctx context.Context, tx store.Items, tenant, itemID string) (string, error) {
	scope := ""
	grants, _, err := tx.QueryItems(ctx, store.ItemQuery{TenantID: tenant, Kind: model.KindDriveShare, ParentID: itemID, Limit: 1})
	if err != nil {
		return "", err
	}
	if len(grants) > 0 {
		scope = "users"
	}
	links, _, err := tx.QueryItems(ctx, store.ItemQuery{TenantID: tenant, Kind: model.KindDriveLink, ParentID: itemID})
	if err != nil {
		return "", err
	}
	for _, l := range links {
		if ld, err := model.DecodeDoc[model.DriveLink](l); err == nil && scopeRank[ld.Scope] > scopeRank[scope] {
			scope = ld.Scope
		}
	}
	return scope, nil
}

// driveLinkInput is createLink's body.
type driveLinkInput struct {
	Type                       *string          `json:"type"`
	Scope                      *string          `json:"scope"`
	Password                   *string          `json:"password"`
	ExpirationDateTime         *string          `json:"expirationDateTime"`
	RetainInheritedPermissions *bool            `json:"retainInheritedPermissions"`
	Recipients                 []driveRecipient `json:"recipients"`
	SendNotification           *bool            `json:"sendNotification"`
	Message                    *string          `json:"message"`
}

// linkRequest is a validated createLink request.
type linkRequest struct {
	typ, scope, password, expiration string
	recipients                       []model.DriveIdentity
	retain                           bool
}

// parseLinkRequest checks createLink's body against the drive, as
// OneDrive does: embed links on personal drives only (and files only),
// organization and users links on business drives only, passwords on
// anonymous links only.
func (s server) parseLinkRequest(c *graph.Call, t *driveTarget, in driveLinkInput) (linkRequest, error) {
	personal := t.d.Type == "personal"
	req := linkRequest{retain: in.RetainInheritedPermissions == nil || *in.RetainInheritedPermissions}
	if in.Type != nil {
		req.typ = *in.Type
	}
	switch req.typ {
	case "view", "edit":
	case "embed":
		if !personal {
			return req, errDriveInvalid("Link type must be either 'edit' or 'view'.")
		}
		if t.doc.File == nil {
			return req, errDriveInvalid("Embed links can only be created for files.")
		}
	default:
		if personal {
			return req, errDriveInvalid("Link type must be either 'edit', 'view' or 'embed'.")
		}
		return req, errDriveInvalid("Link type must be either 'edit' or 'view'.")
	}
	req.scope = "organization"
	if personal {
		req.scope = "anonymous"
	}
	if in.Scope != nil {
		req.scope = *in.Scope
	}
	switch req.scope {
	case "anonymous":
	case "organization", "users":
		if personal {
			return req, errDriveInvalid("The link scope '%s' is only available in OneDrive for Business and SharePoint.", req.scope)
		}
		if req.typ == "embed" {
			return req, errDriveInvalid("Embed links are anonymous.")
		}
	default:
		return req, errDriveInvalid("Link scope must be either 'anonymous', 'organization' or 'users'.")
	}
	if in.Password != nil && *in.Password != "" {
		if req.scope != "anonymous" {
			return req, errDriveInvalid("A password can only be set on an anonymous link.")
		}
		req.password = *in.Password
	}
	if in.ExpirationDateTime != nil && *in.ExpirationDateTime != "" {
		exp, err := time.Parse(time.RFC3339Nano, *in.ExpirationDateTime)
		if err != nil {
			return req, errDriveInvalid("Invalid expirationDateTime '%s': expected the format yyyy-MM-ddTHH:mm:ssZ.", *in.ExpirationDateTime)
		}
		if !exp.After(s.Now()) {
			return req, errDriveInvalid("The expiration date and time must be in the future.")
		}
		req.expiration = model.StoredTime(exp.Truncate(time.Second))
	}
	if req.scope == "users" {
		for _, r := range in.Recipients {
			u, err := s.recipientUser(c, r)
			if err != nil {
				return req, err
			}
			if !slices.ContainsFunc(req.recipients, func(x model.DriveIdentity) bool { return x.ID == u.ID }) {
				req.recipients = append(req.recipients, *model.UserIdentity(&u))
			}
		}
		slices.SortFunc(req.recipients, func(a, b model.DriveIdentity) int { return strings.Compare(a.ID, b.ID) })
	}
	return req, nil
}

// recipientUser resolves a driveRecipient to a user of the caller's tenant.
func (s server) recipientUser(c *graph.Call, r driveRecipient) (store.User, error) {
	var u store.User
	var err error
	switch {
	case r.ObjectID != "":
		u, err = s.Store().GetUser(c.Context(), c.TenantID, strings.ToLower(r.ObjectID))
	case r.Email != "":
		u, err = s.Store().UserByUPN(c.Context(), r.Email)
		if err == nil && u.TenantID != c.TenantID {
			err = store.ErrNotFound
		}
	default:
		err = store.ErrNotFound
	}
	if errors.Is(err, store.ErrNotFound) {
		return u, errDriveInvalid("The recipient '%s%s' could not be resolved to a user of the organization.", r.Email, r.ObjectID)
	}
	if err != nil {
		return u, graph.AsError(err)
	}
	return u, nil
}

// sameLink reports whether a stored link is the one a request asks for,
// which createLink answers instead of making another.
func sameLink(ld model.DriveLink, req linkRequest, appID string) bool {
	app := ""
	if ld.Application != nil {
		app = ld.Application.ID
	}
	if ld.Type != req.typ || ld.Scope != req.scope || app != appID || ld.Expiration != req.expiration ||
		(ld.PasswordHash != "") != (req.password != "") || len(ld.Recipients) != len(req.recipients) {
		return false
	}
	for i := range ld.Recipients {
		if ld.Recipients[i].ID != req.recipients[i].ID {
			return false
		}
	}
	if req.password != "" {
		ok, err := password.Verify(req.password, ld.PasswordHash)
		return err == nil && ok
	}
	return true
}

// createDriveLink serves POST …/items/{id}/createLink: 201 and the new
// link's permission, or 200 and the existing one when the calling app
// already made the same link on the item.
func (s server) createDriveLink(c *graph.Call) error {
	var in driveLinkInput
	d, t, err := s.addressedItem(c, &in, true)
	if err != nil {
		return err
	}
	req, err := s.parseLinkRequest(c, t, in)
	if err != nil {
		return err
	}
	appID := ""
	var app *model.DriveIdentity
	if c.Claims != nil && c.Claims.AppID != "" {
		appID = c.Claims.AppID
		app = &model.DriveIdentity{ID: appID, DisplayName: s.appName(c)}
	}
	hash := ""
	if req.password != "" {
		p := s.Passwords()
		if p.Memory == 0 {
			p = password.Default
		}
		if hash, err = password.Hash(req.password, p); err != nil {
			return graph.AsError(err)
		}
	}
	now := s.Now()
	ts := model.StoredTime(now)
	id := newLinkID()
	ld := model.DriveLink{ID: id, Tenant: c.TenantID, ItemID: t.item.ID, DriveID: d.ID, DriveOwnerID: d.Owner.ID, Type: req.typ, Scope: req.scope,
		Roles: []string{"read"}, WebURL: c.BaseURL() + transferPrefix + "share/" + c.TenantID + "/" + id, Application: app,
		Recipients: req.recipients, PasswordHash: hash, Expiration: req.expiration, CreatedDateTime: ts}
	if req.typ == "edit" {
		ld.Roles = []string{"write"}
	}
	if c.Caller != nil {
		ld.CreatedBy = model.UserIdentity(c.Caller)
	}
	existing := false
	err = s.Store().Batch(c.Context(), func(tx store.Items) error {
		links, _, err := tx.QueryItems(c.Context(), store.ItemQuery{TenantID: c.TenantID, Kind: model.KindDriveLink, ParentID: t.item.ID})
		if err != nil {
			return err
		}
		for _, l := range links {
			old, err := model.DecodeDoc[model.DriveLink](l)
			if err == nil && !old.Expired(now) && sameLink(old, req, appID) {
				ld, existing = old, true
				return nil
			}
		}
		grants, _, err := tx.QueryItems(c.Context(), store.ItemQuery{TenantID: c.TenantID, Kind: model.KindDriveShare, ParentID: t.item.ID, Limit: 1})
		if err != nil {
			return err
		}
		// retainInheritedPermissions applies when the item is shared for
		// the first time: nothing made on it yet.
		firstShare := len(links) == 0 && len(grants) == 0
		if err := tx.CreateItems(c.Context(), store.Item{TenantID: c.TenantID, Kind: model.KindDriveLink, ID: id, OwnerID: d.Owner.ID, ParentID: t.item.ID,
			Doc: model.EncodeDoc(ld), CreatedAt: now, ModifiedAt: now, Version: 1}); err != nil {
			return err
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
				doc.Shared = &model.SharedFacet{Owner: model.IdentitySet{User: model.UserIdentity(&d.Owner)}, Scope: req.scope, SharedDateTime: ts}
			} else if scopeRank[req.scope] > scopeRank[doc.Shared.Scope] {
				doc.Shared.Scope = req.scope
			}
			if !req.retain && firstShare && t.item.ID != d.RootID {
				doc.NoInherit = true
			}
			it.Doc = model.EncodeDoc(doc)
			return it, nil
		})
		return err
	})
	if err != nil {
		return graph.AsError(err)
	}
	status := http.StatusCreated
	if existing {
		status = http.StatusOK
	}
	m := renderLink(ld)
	m["@odata.context"] = c.ContextURL()
	return c.JSON(status, m)
}

// Using links.

// sharedLink is a link a /shares request named, with its item.
type sharedLink struct {
	key string
	ld  model.DriveLink
	t   *driveTarget
}

// resolveShare finds the link and item of /shares/{key} and checks that
// the link admits the caller.
func (s server) resolveShare(c *graph.Call) (*sharedLink, error) {
	key := c.Param(0)
	tenant, id, ok := parseShareKey(key)
	if !ok {
		return nil, errInvalidShareKey()
	}
	it, err := s.Store().GetItem(c.Context(), tenant, model.KindDriveLink, id)
	if errors.Is(err, store.ErrNotFound) {
		return nil, errShareGone()
	}
	if err != nil {
		return nil, graph.AsError(err)
	}
	ld, err := model.DecodeDoc[model.DriveLink](it)
	if err != nil {
		return nil, graph.AsError(err)
	}
	if ld.Expired(s.Now()) {
		return nil, errShareGone()
	}
	d, err := s.downloadsFrom(c.Context(), c.BaseURL(), tenant)(s.driveIn(c.Context(), tenant, ld.DriveID))
	if err != nil {
		return nil, errShareGone()
	}
	t, err := s.driveItemTarget(c.Context(), tenant, d, ld.ItemID)
	if err != nil {
		return nil, errShareGone()
	}
	// What the caller may reach without the link: their own drive's items,
	// their group's, or items shared with them.
	hasAccess := func() bool {
		if tenant != c.TenantID || c.Caller == nil {
			return tenant == c.TenantID
		}
		if c.Caller.ID == t.d.Owner.ID {
			return true
		}
		if t.d.Group {
			if member, owner, err := s.Membership(c, t.d.Owner.ID); err == nil && (member || owner) {
				return true
			}
		}
		return s.itemGrant(c, t, false) == nil
	}
	admitted := false
	switch ld.Scope {
	case "anonymous":
		admitted = ld.PasswordHash == "" || hasAccess()
	case "organization":
		admitted = tenant == c.TenantID
	case "users":
		recipient := tenant == c.TenantID && c.Caller != nil &&
			slices.ContainsFunc(ld.Recipients, func(r model.DriveIdentity) bool { return r.ID == c.Caller.ID })
		admitted = recipient || hasAccess()
	}
	if !admitted {
		return nil, errShareGone()
	}
	return &sharedLink{key: key, ld: ld, t: t}, nil
}

// getShare serves GET /shares/{key}: the sharedDriveItem.
func (s server) getShare(c *graph.Call) error {
	sl, err := s.resolveShare(c)
	if err != nil {
		return err
	}
	owner := map[string]any{"user": model.UserIdentity(&sl.t.d.Owner)}
	if sl.t.d.Group {
		owner = map[string]any{"group": model.DriveIdentity{ID: sl.t.d.Owner.ID, DisplayName: sl.t.d.Owner.DisplayName, Email: sl.t.d.Owner.Mail}}
	}
	return c.JSON(http.StatusOK, map[string]any{"@odata.context": c.ContextURL(), "id": sl.ld.ShareID(),
		"name": sl.t.doc.Name, "webUrl": sl.ld.WebURL, "owner": owner})
}

// getShareDriveItem serves GET /shares/{key}/driveItem: the shared item.
func (s server) getShareDriveItem(c *graph.Call) error {
	sl, err := s.resolveShare(c)
	if err != nil {
		return err
	}
	return s.writeDriveTarget(c, http.StatusOK, sl.t)
}

// getShareContent serves GET /shares/{key}/driveItem/content as …/content
// does: 302 Found to the file's download URL.
func (s server) getShareContent(c *graph.Call) error {
	sl, err := s.resolveShare(c)
	if err != nil {
		return err
	}
	if sl.t.doc.File == nil {
		return errDriveInvalid("Only files have content to download; the item is a folder.")
	}
	u, err := s.signedDownloadURL(c.Context(), c.BaseURL(), sl.ld.Tenant, sl.t.d.ID, sl.t.item.ID)
	if err != nil {
		return graph.AsError(err)
	}
	return c.Found(u)
}

// serveShareLink serves a link's webUrl, without a token, as opening it in
// a browser would: an anonymous link's file redirects to its download URL
// and its folder answers the folder and its children; a password-protected
// link wants the password POSTed as the form field password; the other
// scopes need a sign-in (401), which the Graph API (/shares) is for.
func (s server) serveShareLink(w http.ResponseWriter, r *http.Request, rest string) {
	tenant, id, _ := strings.Cut(rest, "/")
	if r.Method != http.MethodGet && r.Method != http.MethodHead && r.Method != http.MethodPost {
		transferError(w, http.StatusMethodNotAllowed, "invalidRequest", "A sharing link accepts GET, HEAD and POST only.", "")
		return
	}
	gone := errShareGone()
	it, err := s.Store().GetItem(r.Context(), tenant, model.KindDriveLink, id)
	if err != nil {
		transferError(w, gone.Status, gone.Code, gone.Message, "")
		return
	}
	ld, err := model.DecodeDoc[model.DriveLink](it)
	if err != nil || ld.Expired(s.Now()) {
		transferError(w, gone.Status, gone.Code, gone.Message, "")
		return
	}
	if ld.Scope != "anonymous" {
		w.Header().Set("WWW-Authenticate", `Bearer realm="graphgate"`)
		transferError(w, http.StatusUnauthorized, "unauthenticated",
			"This sharing link requires signing in: call GET /shares/"+ld.ShareID()+"/driveItem with an access token.", "")
		return
	}
	if ld.PasswordHash != "" {
		ok := false
		if r.Method == http.MethodPost {
			if pw := r.PostFormValue("password"); pw != "" {
				ok, _ = password.Verify(pw, ld.PasswordHash)
			}
		}
		if !ok {
			transferError(w, http.StatusUnauthorized, "unauthenticated", "This sharing link is protected by a password: POST it as the form field password.", "")
			return
		}
	}
	base := s.transferBase(r)
	d, err := s.downloadsFrom(r.Context(), base, tenant)(s.driveIn(r.Context(), tenant, ld.DriveID))
	var t *driveTarget
	if err == nil {
		t, err = s.driveItemTarget(r.Context(), tenant, d, ld.ItemID)
	}
	if err != nil {
		transferError(w, gone.Status, gone.Code, gone.Message, "")
		return
	}
	if t.doc.File != nil {
		u, err := s.signedDownloadURL(r.Context(), base, tenant, d.ID, t.item.ID)
		if err != nil {
			transferError(w, http.StatusInternalServerError, "generalException", "An unexpected error occurred.", "")
			return
		}
		http.Redirect(w, r, u, http.StatusFound)
		return
	}
	b, err := renderDriveItem(d, t.item, t.parentPath())
	var m map[string]any
	if err == nil {
		err = json.Unmarshal(b, &m)
	}
	var kids []store.Item
	if err == nil {
		kids, _, err = s.Store().QueryItems(r.Context(), store.ItemQuery{TenantID: tenant, Kind: model.KindDriveItem, OwnerID: d.Owner.ID, ParentID: t.item.ID})
	}
	if err != nil {
		transferError(w, http.StatusInternalServerError, "generalException", "An unexpected error occurred.", "")
		return
	}
	children := make([]json.RawMessage, 0, len(kids))
	here := t.itemPath()
	for _, k := range kids {
		if kb, err := renderDriveItem(d, k, here); err == nil {
			children = append(children, kb)
		}
	}
	slices.SortFunc(children, func(a, b json.RawMessage) int {
		var x, y struct{ Name string }
		_ = json.Unmarshal(a, &x)
		_ = json.Unmarshal(b, &y)
		return strings.Compare(strings.ToLower(x.Name), strings.ToLower(y.Name))
	})
	m["children"] = children
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusOK)
	_ = json.NewEncoder(w).Encode(m)
}
