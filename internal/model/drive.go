package model

import (
	"crypto/rand"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/base32"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"mime"
	"path"
	"strings"
	"time"

	"graphgate/internal/store"
)

// Item kinds of drives: changes are sequenced for delta (every write
// stamps the drive's change number, _seq), deletions leave tombstones.
const (
	KindDrive        = "drive"
	KindDriveItem    = "driveItem"
	KindDriveContent = "driveItemContent"
	KindDriveShare   = "driveShare"
	// KindDriveTombstone remembers a deleted item for delta.
	KindDriveTombstone = "driveTombstone"
	// KindDriveCopyMonitor is a finished copy's status.
	KindDriveCopyMonitor = "driveCopyMonitor"
	// KindDriveURLKey holds a tenant's download-URL signing key.
	KindDriveURLKey        = "driveUrlKey"
	KindDriveUploadSession = "driveUploadSession"
	KindDriveUploadChunk   = "driveUploadChunk"
)

// DriveQuotaTotal is every drive's quota (1 TB, OneDrive's default).
const DriveQuotaTotal = int64(1) << 40

// DriveIdentity is a user, group or application in a drive's identity sets.
type DriveIdentity struct {
	ID          string `json:"id,omitempty"`
	DisplayName string `json:"displayName"`
	Email       string `json:"email,omitempty"`
}

// IdentitySet is Graph's identitySet (createdBy, lastModifiedBy, owner).
type IdentitySet struct {
	Application *DriveIdentity `json:"application,omitempty"`
	Group       *DriveIdentity `json:"group,omitempty"`
	User        *DriveIdentity `json:"user,omitempty"`
}

// DriveQuota is a drive's quota as stored (used is computed when rendered).
type DriveQuota struct {
	Deleted   int64  `json:"deleted"`
	Remaining int64  `json:"remaining"`
	State     string `json:"state"`
	Total     int64  `json:"total"`
	Used      int64  `json:"used"`
}

// Drive is a drive's stored document (Graph's drive; quota is computed).
type Drive struct {
	ID                   string      `json:"id"`
	Name                 string      `json:"name"`
	Description          string      `json:"description"`
	DriveType            string      `json:"driveType"`
	CreatedDateTime      string      `json:"createdDateTime"`
	LastModifiedDateTime string      `json:"lastModifiedDateTime"`
	WebURL               string      `json:"webUrl"`
	CreatedBy            IdentitySet `json:"createdBy"`
	LastModifiedBy       IdentitySet `json:"lastModifiedBy"`
	Owner                IdentitySet `json:"owner"`
	Quota                DriveQuota  `json:"quota"`
	RootID               string      `json:"_rootId"`
	// OwnerKind is "group" for a group's document library.
	OwnerKind string `json:"_ownerKind,omitempty"`
}

// ItemReference is a drive item's parentReference.
type ItemReference struct {
	DriveID   string `json:"driveId"`
	DriveType string `json:"driveType"`
	ID        string `json:"id,omitempty"`
	Name      string `json:"name,omitempty"`
	Path      string `json:"path,omitempty"`
}

// FileSystemInfo is the times a client gave a file.
type FileSystemInfo struct {
	CreatedDateTime      string `json:"createdDateTime"`
	LastModifiedDateTime string `json:"lastModifiedDateTime"`
}

// FolderFacet marks a folder.
type FolderFacet struct {
	ChildCount int `json:"childCount"`
}

// FileHashes are a file's hashes (HashesOf).
type FileHashes struct {
	QuickXorHash string `json:"quickXorHash"`
	SHA1Hash     string `json:"sha1Hash,omitempty"`
	SHA256Hash   string `json:"sha256Hash,omitempty"`
}

// FileFacet marks a file.
type FileFacet struct {
	MimeType string     `json:"mimeType"`
	Hashes   FileHashes `json:"hashes"`
}

// SpecialFolderFacet names a special folder (documents, photos, approot, …).
type SpecialFolderFacet struct {
	Name string `json:"name"`
}

// SharedFacet marks an item shared with others.
type SharedFacet struct {
	Owner          IdentitySet `json:"owner"`
	Scope          string      `json:"scope"`
	SharedDateTime string      `json:"sharedDateTime"`
}

// DriveItem is a folder's or file's stored document (Graph's driveItem).
// eTag, cTag, webUrl and parentReference.path are computed when rendered.
type DriveItem struct {
	ID                   string              `json:"id"`
	Name                 string              `json:"name"`
	CreatedDateTime      string              `json:"createdDateTime"`
	LastModifiedDateTime string              `json:"lastModifiedDateTime"`
	Size                 int64               `json:"size"`
	CreatedBy            IdentitySet         `json:"createdBy"`
	LastModifiedBy       IdentitySet         `json:"lastModifiedBy"`
	ParentReference      ItemReference       `json:"parentReference"`
	FileSystemInfo       FileSystemInfo      `json:"fileSystemInfo"`
	Folder               *FolderFacet        `json:"folder,omitempty"`
	File                 *FileFacet          `json:"file,omitempty"`
	Root                 *struct{}           `json:"root,omitempty"`
	SpecialFolder        *SpecialFolderFacet `json:"specialFolder,omitempty"`
	Shared               *SharedFacet        `json:"shared,omitempty"`
	// GUID makes the eTag and cTag; ETagVersion counts changes of the
	// item's own properties, ContentVersion of a file's content.
	GUID           string `json:"_guid"`
	ETagVersion    int64  `json:"_ev"`
	ContentVersion int64  `json:"_cv"`
	// Seq is the drive's change number when the item was last written.
	Seq int64 `json:"_seq,omitempty"`
	// NoInherit stops the grants and links of the item's ancestors from
	// reaching it (createLink with retainInheritedPermissions false).
	NoInherit bool `json:"_noInherit,omitempty"`
}

// DriveContent holds a file's bytes.
type DriveContent struct {
	Data string `json:"data"` // base64
}

// DriveShare is a sharing grant on an item (and what is below it).
type DriveShare struct {
	ID             string        `json:"id"`
	ItemID         string        `json:"itemId"`
	DriveID        string        `json:"driveId"`
	DriveOwnerID   string        `json:"driveOwnerId"`
	Roles          []string      `json:"roles"`
	GrantedTo      DriveIdentity `json:"grantedTo"`
	InvitedBy      DriveIdentity `json:"invitedBy"`
	SharedDateTime string        `json:"sharedDateTime"`
}

var b32 = base32.StdEncoding.WithPadding(base32.NoPadding)

// DriveItemIDFrom is a stable item id (OneDrive for Business's shape: "01"
// and 32 base32 characters).
func DriveItemIDFrom(seed string) string {
	h := sha256.Sum256([]byte(seed))
	return "01" + b32.EncodeToString(h[:])[:32]
}

// NewDriveItemID is a new random item id (OneDrive for Business's shape).
func NewDriveItemID() string {
	b := make([]byte, 20)
	_, _ = rand.Read(b)
	return "01" + b32.EncodeToString(b)[:32]
}

// NewGUID is a new random GUID, upper-case.
func NewGUID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	x := strings.ToUpper(hex.EncodeToString(b))
	return x[0:8] + "-" + x[8:12] + "-" + x[12:16] + "-" + x[16:20] + "-" + x[20:32]
}

// DriveIDFor is a user's drive id: "b!…" for OneDrive for Business, 16 hex
// digits for a personal OneDrive.
func DriveIDFor(userID string, personal bool) string {
	h := sha256.Sum256([]byte("drive/" + userID))
	if personal {
		return hex.EncodeToString(h[:8])
	}
	return "b!" + base64.RawURLEncoding.EncodeToString(h[:]) + base64.RawURLEncoding.EncodeToString(h[:9])
}

// DriveRootID is the stable id of a user's drive's root folder.
func DriveRootID(userID string) string { return DriveItemIDFrom(userID + "/drive/root") }

// DriveWebBase is the drive's web address, the parent of its items' webUrl.
func DriveWebBase(u *store.User, personal bool, driveID string) string {
	if personal {
		return "https://onedrive.live.com/?cid=" + driveID
	}
	upn := strings.ToLower(u.UserPrincipalName)
	_, domain, _ := strings.Cut(upn, "@")
	tenant, _, _ := strings.Cut(domain, ".")
	site := strings.NewReplacer(".", "_", "@", "_").Replace(upn)
	return "https://" + tenant + "-my.sharepoint.com/personal/" + site + "/Documents"
}

// UserIdentity is a user as a drive identity.
func UserIdentity(u *store.User) *DriveIdentity {
	addr := u.Mail
	if addr == "" {
		addr = u.UserPrincipalName
	}
	return &DriveIdentity{ID: u.ID, DisplayName: u.DisplayName, Email: addr}
}

// NewDriveItems builds a user's drive and its root folder.
func NewDriveItems(tenant string, u *store.User, now time.Time) (store.Item, store.Item) {
	personal := u.Kind == store.UserPersonal || u.TenantID == store.PersonalTenantID
	id := DriveIDFor(u.ID, personal)
	typ := "business"
	if personal {
		typ = "personal"
	}
	ts := StoredTime(now)
	system := IdentitySet{User: &DriveIdentity{DisplayName: "System Account"}}
	owner := IdentitySet{User: UserIdentity(u)}
	rootID := DriveRootID(u.ID)
	dd := Drive{ID: id, Name: "OneDrive", DriveType: typ, CreatedDateTime: ts, LastModifiedDateTime: ts, WebURL: DriveWebBase(u, personal, id),
		CreatedBy: system, LastModifiedBy: owner, Owner: owner, Quota: DriveQuota{State: "normal", Total: DriveQuotaTotal}, RootID: rootID}
	root := DriveItem{ID: rootID, Name: "root", CreatedDateTime: ts, LastModifiedDateTime: ts, CreatedBy: system, LastModifiedBy: owner,
		ParentReference: ItemReference{DriveID: id, DriveType: typ}, FileSystemInfo: FileSystemInfo{CreatedDateTime: ts, LastModifiedDateTime: ts},
		Folder: &FolderFacet{}, Root: &struct{}{}, GUID: NewGUID(), ETagVersion: 1}
	return store.Item{TenantID: tenant, Kind: KindDrive, ID: id, OwnerID: u.ID, Doc: EncodeDoc(dd), CreatedAt: now, ModifiedAt: now, Version: 1},
		store.Item{TenantID: tenant, Kind: KindDriveItem, ID: rootID, OwnerID: u.ID, Doc: EncodeDoc(root), CreatedAt: now, ModifiedAt: now, Version: 1}
}

// mimeTypes are the types graphgate names itself, so that a file's
// mimeType does not depend on the machine's MIME tables.
var mimeTypes = map[string]string{".txt": "text/plain", ".csv": "text/csv", ".md": "text/markdown", ".html": "text/html", ".htm": "text/html",
	".json": "application/json", ".xml": "application/xml", ".pdf": "application/pdf", ".png": "image/png", ".jpg": "image/jpeg",
	".jpeg": "image/jpeg", ".gif": "image/gif", ".zip": "application/zip",
	".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
	".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
	".pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation", ".one": "application/msonenote"}

// MimeTypeOf is a file's MIME type from its name's extension, else from
// the Content-Type a client sent, else application/octet-stream.
func MimeTypeOf(name, header string) string {
	if t, ok := mimeTypes[strings.ToLower(path.Ext(name))]; ok {
		return t
	}
	if t := mime.TypeByExtension(strings.ToLower(path.Ext(name))); t != "" {
		t, _, _ = strings.Cut(t, ";")
		return t
	}
	if header != "" {
		if t, _, err := mime.ParseMediaType(header); err == nil && t != "application/x-www-form-urlencoded" {
			return t
		}
	}
	return "application/octet-stream"
}

// HashesOf computes a file's hashes: quickXorHash (every drive), SHA-1 and
// SHA-256 (personal drives), upper-case hex as OneDrive shows them.
func HashesOf(b []byte, driveType string) FileHashes {
	q := QuickXorHash(b)
	h := FileHashes{QuickXorHash: base64.StdEncoding.EncodeToString(q[:])}
	if driveType == "personal" {
		s1 := sha1.Sum(b)
		s2 := sha256.Sum256(b)
		h.SHA1Hash, h.SHA256Hash = strings.ToUpper(hex.EncodeToString(s1[:])), strings.ToUpper(hex.EncodeToString(s2[:]))
	}
	return h
}

// QuickXorHash is OneDrive's QuickXorHash: each byte is XORed into a
// 160-bit circular register at a bit offset advancing by 11 per byte, and
// the length (64-bit little-endian) is XORed into the register's last 8
// bytes.
func QuickXorHash(b []byte) [20]byte {
	var reg [20]byte
	for i, v := range b {
		p := (i * 11) % 160
		idx, sh := p/8, uint(p%8)
		reg[idx] ^= v << sh
		if sh > 0 {
			reg[(idx+1)%20] ^= v >> (8 - sh)
		}
	}
	var n [8]byte
	binary.LittleEndian.PutUint64(n[:], uint64(len(b)))
	for i := 0; i < 8; i++ {
		reg[12+i] ^= n[i]
	}
	return reg
}

// ShareID is the stable id of the grant of an item to a user.
func ShareID(itemID, granteeID string) string {
	h := sha256.Sum256([]byte(itemID + "/share/" + granteeID))
	return "aTowI" + base64.RawURLEncoding.EncodeToString(h[:18])
}

// DeletedFacet marks a deleted item in a delta.
type DeletedFacet struct {
	State string `json:"state"`
}

// Tombstone is what delta reports of a deleted item.
type Tombstone struct {
	ID              string        `json:"id"`
	Name            string        `json:"name,omitempty"`
	ParentReference ItemReference `json:"parentReference"`
	Deleted         DeletedFacet  `json:"deleted"`
	File            *struct{}     `json:"file,omitempty"`
	Folder          *struct{}     `json:"folder,omitempty"`
	Seq             int64         `json:"_seq"`
	// At is when the item was deleted: tombstones expire by it.
	At string `json:"_at,omitempty"`
}

// CopyMonitor is a finished copy's status, as its monitor URL reports it.
type CopyMonitor struct {
	Status             string  `json:"status"`
	PercentageComplete float64 `json:"percentageComplete"`
	ResourceID         string  `json:"resourceId"`
	Expires            string  `json:"_expires"`
}

// UploadSession is an upload session (createUploadSession).
type UploadSession struct {
	DriveID  string `json:"driveId"`
	ParentID string `json:"parentId"`
	Name     string `json:"name"`
	// ItemID is the file being replaced ("" for a new file).
	ItemID   string `json:"itemId,omitempty"`
	Behavior string `json:"behavior"`
	// Size is the file's length, known from the first fragment (-1 before).
	Size     int64  `json:"size"`
	Received int64  `json:"received"`
	Expires  string `json:"expires"`
	CallerID string `json:"callerId,omitempty"`
	AppID    string `json:"appId,omitempty"`
	AppName  string `json:"appName,omitempty"`
}

// UploadChunk is a fragment an upload session received.
type UploadChunk struct {
	Offset int64  `json:"offset"`
	Data   string `json:"data"` // base64
}

// DriveURLKey is a tenant's key signing download URLs.
type DriveURLKey struct {
	Key string `json:"key"` // base64
}

// KindDriveDeltaFloor records, per drive (id = the drive's id), the highest
// change number whose tombstone was pruned: a token from before it may have
// missed a deletion.
const KindDriveDeltaFloor = "driveDeltaFloor"

// DeltaFloor is the highest change number of a drive whose tombstone was
// pruned (KindDriveDeltaFloor).
type DeltaFloor struct {
	Seq int64 `json:"seq"`
}

// KindDriveLink is a sharing link on a drive item.
const KindDriveLink = "driveLink"

// DriveLink is a sharing link's stored document.
type DriveLink struct {
	ID           string `json:"id"`
	Tenant       string `json:"tenant"`
	ItemID       string `json:"itemId"`
	DriveID      string `json:"driveId"`
	DriveOwnerID string `json:"driveOwnerId"`
	// Type is view, edit or embed; Scope anonymous, organization or users.
	Type  string   `json:"type"`
	Scope string   `json:"scope"`
	Roles []string `json:"roles"`
	// WebURL is fixed at creation: the encoded form of it is a share key.
	WebURL      string          `json:"webUrl"`
	Application *DriveIdentity  `json:"application,omitempty"`
	CreatedBy   *DriveIdentity  `json:"createdBy,omitempty"`
	Recipients  []DriveIdentity `json:"recipients,omitempty"`
	// PasswordHash is the link's password (password package format).
	PasswordHash    string `json:"passwordHash,omitempty"`
	Expiration      string `json:"expirationDateTime,omitempty"`
	CreatedDateTime string `json:"createdDateTime"`
}

// Expired reports whether the link has expired at now.
func (ld *DriveLink) Expired(now time.Time) bool {
	if ld.Expiration == "" {
		return false
	}
	exp, err := ParseStoredTime(ld.Expiration)
	return err != nil || !now.Before(exp)
}

// ShareID is the link's share id, as permission.shareId gives it: the
// tenant and the link id, so that /shares finds the link from any tenant.
func (ld *DriveLink) ShareID() string {
	return "s!" + base64.RawURLEncoding.EncodeToString([]byte(ld.Tenant+"/"+ld.ID))
}

// NewDriveItem is a new folder or file in a folder (parent: the folder's
// reference).
func NewDriveItem(parent ItemReference, id, name string, by IdentitySet, now string) DriveItem {
	return DriveItem{ID: id, Name: name, CreatedDateTime: now, LastModifiedDateTime: now, CreatedBy: by, LastModifiedBy: by,
		ParentReference: parent, FileSystemInfo: FileSystemInfo{CreatedDateTime: now, LastModifiedDateTime: now},
		GUID: NewGUID(), ETagVersion: 1, ContentVersion: 1}
}

// SeedDriveOwner is the owner of a seeded drive.
type SeedDriveOwner struct {
	ID, DisplayName, UserPrincipalName string
	Personal                           bool
}

func (o SeedDriveOwner) user() store.User {
	u := store.User{ID: o.ID, DisplayName: o.DisplayName, UserPrincipalName: o.UserPrincipalName, Mail: o.UserPrincipalName, Kind: store.UserMember}
	if o.Personal {
		u.Kind = store.UserPersonal
	}
	return u
}

// Drive creates a user's OneDrive and returns its root folder's id.
func (s *Seeder) Drive(o SeedDriveOwner) string {
	u := o.user()
	drive, root := NewDriveItems(s.tenant, &u, s.now)
	s.items = append(s.items, drive, root)
	return root.ID
}

// seededItem finds an item collected by the seeder.
func (s *Seeder) seededItem(kind, id string) *store.Item {
	for i := range s.items {
		if s.items[i].Kind == kind && s.items[i].ID == id {
			return &s.items[i]
		}
	}
	return nil
}

// seededDrive returns the drive of an owner collected by the seeder.
func (s *Seeder) seededDrive(ownerID string) *Drive {
	for i := range s.items {
		if s.items[i].Kind == KindDrive && s.items[i].OwnerID == ownerID {
			d, err := DecodeDoc[Drive](s.items[i])
			if err == nil {
				return &d
			}
		}
	}
	panic("model: seeding a drive item before its drive")
}

func (s *Seeder) driveItem(ownerID, parentID, name string, content []byte, folder bool) string {
	d := s.seededDrive(ownerID)
	var by IdentitySet
	if dd := d.Owner.User; dd != nil {
		by = IdentitySet{User: dd}
	}
	id := s.driveItemID()
	ts := StoredTime(s.now)
	doc := NewDriveItem(ItemReference{DriveID: d.ID, DriveType: d.DriveType, ID: parentID}, id, name, by, ts)
	var size int64
	if folder {
		doc.Folder = &FolderFacet{}
	} else {
		size = int64(len(content))
		doc.Size, doc.File = size, &FileFacet{MimeType: MimeTypeOf(name, ""), Hashes: HashesOf(content, d.DriveType)}
		s.items = append(s.items, store.Item{TenantID: s.tenant, Kind: KindDriveContent, ID: id, OwnerID: ownerID, ParentID: parentID,
			Doc: EncodeDoc(DriveContent{Data: base64.StdEncoding.EncodeToString(content)}), CreatedAt: s.now, ModifiedAt: s.now, Version: 1})
	}
	s.items = append(s.items, store.Item{TenantID: s.tenant, Kind: KindDriveItem, ID: id, OwnerID: ownerID, ParentID: parentID,
		Doc: EncodeDoc(doc), CreatedAt: s.now, ModifiedAt: s.now, Version: 1})
	for p, first := parentID, true; p != ""; first = false {
		it := s.seededItem(KindDriveItem, p)
		if it == nil {
			break
		}
		pd, _ := DecodeDoc[DriveItem](*it)
		if first && pd.Folder != nil {
			pd.Folder.ChildCount++
		}
		pd.Size += size
		it.Doc = EncodeDoc(pd)
		p = it.ParentID
	}
	return id
}

// DriveFolder adds a folder to a seeded drive and returns its id.
func (s *Seeder) DriveFolder(ownerID, parentID, name string) string {
	return s.driveItem(ownerID, parentID, name, nil, true)
}

// DriveFile adds a file to a seeded drive and returns its id.
func (s *Seeder) DriveFile(ownerID, parentID, name string, content []byte) string {
	return s.driveItem(ownerID, parentID, name, content, false)
}

// DriveShare shares an item of owner's drive with a user (roles read,
// write).
func (s *Seeder) DriveShare(ownerID, itemID string, with SeedDriveOwner, roles ...string) {
	d := s.seededDrive(ownerID)
	ts := StoredTime(s.now)
	g := with.user()
	sd := DriveShare{ID: ShareID(itemID, with.ID), ItemID: itemID, DriveID: d.ID, DriveOwnerID: ownerID, Roles: roles,
		GrantedTo: *UserIdentity(&g), SharedDateTime: ts}
	if d.Owner.User != nil {
		sd.InvitedBy = *d.Owner.User
	}
	s.add(KindDriveShare, sd.ID, with.ID, itemID, sd)
	if it := s.seededItem(KindDriveItem, itemID); it != nil {
		doc, _ := DecodeDoc[DriveItem](*it)
		if doc.Shared == nil {
			doc.Shared = &SharedFacet{Owner: d.Owner, Scope: "users", SharedDateTime: ts}
		}
		it.Doc = EncodeDoc(doc)
	}
}
