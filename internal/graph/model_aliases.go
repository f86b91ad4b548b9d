package graph

import (
	"time"

	"graphgate/internal/model"
	"graphgate/internal/store"
)

// The stored documents, their kinds, well-known ids and time format live in
// internal/model. These aliases keep the handlers' old names while the
// workloads are still in this package; they go as the workloads move into
// their own packages (issue 12), each of which then names model's types
// itself.

// Item kinds.
const (
	KindChat               = model.KindChat
	KindChatMessage        = model.KindChatMessage
	KindDelegation         = model.KindDelegation
	KindDrive              = model.KindDrive
	KindDriveContent       = model.KindDriveContent
	KindDriveCopyMonitor   = model.KindDriveCopyMonitor
	KindDriveDeltaFloor    = model.KindDriveDeltaFloor
	KindDriveItem          = model.KindDriveItem
	KindDriveLink          = model.KindDriveLink
	KindDriveShare         = model.KindDriveShare
	KindDriveTombstone     = model.KindDriveTombstone
	KindDriveURLKey        = model.KindDriveURLKey
	KindDriveUploadChunk   = model.KindDriveUploadChunk
	KindDriveUploadSession = model.KindDriveUploadSession
	KindEvent              = model.KindEvent
	KindEventException     = model.KindEventException
	KindMessage            = model.KindMessage
	KindNotebook           = model.KindNotebook
	KindPage               = model.KindPage
	KindPresence           = model.KindPresence
	KindSection            = model.KindSection
	KindSectionGroup       = model.KindSectionGroup
)

// Documents and their parts.
type (
	emailAddress       = model.EmailAddress
	recipient          = model.Recipient
	itemBody           = model.ItemBody
	messageDoc         = model.Message
	responseStatus     = model.ResponseStatus
	attendee           = model.Attendee
	location           = model.Location
	chatMember         = model.ConversationMember
	chatDoc            = model.Chat
	chatIdentity       = model.ChatIdentity
	chatMessageDoc     = model.ChatMessage
	presenceSession    = model.PresenceSession
	presenceDoc        = model.Presence
	workingHours       = model.WorkingHours
	personType         = model.PersonType
	onenoteParent      = model.OnenoteParent
	notebookDoc        = model.Notebook
	sectionDoc         = model.Section
	pageDoc            = model.Page
	sectionGroupDoc    = model.SectionGroup
	driveIdentity      = model.DriveIdentity
	identitySet        = model.IdentitySet
	driveQuota         = model.DriveQuota
	driveDoc           = model.Drive
	itemReference      = model.ItemReference
	fileSystemInfo     = model.FileSystemInfo
	folderFacet        = model.FolderFacet
	fileFacet          = model.FileFacet
	specialFolderFacet = model.SpecialFolderFacet
	sharedFacet        = model.SharedFacet
	driveItemDoc       = model.DriveItem
	driveContentDoc    = model.DriveContent
	driveShareDoc      = model.DriveShare
	deletedFacet       = model.DeletedFacet
	tombstoneDoc       = model.Tombstone
	copyMonitorDoc     = model.CopyMonitor
	uploadSessionDoc   = model.UploadSession
	uploadChunkDoc     = model.UploadChunk
	driveURLKeyDoc     = model.DriveURLKey
	deltaFloorDoc      = model.DeltaFloor
	driveLinkDoc       = model.DriveLink
	Delegation         = model.Delegation
)

// Well-known names and limits.
const (
	driveQuotaTotal = model.DriveQuotaTotal
)

// Ids, stored times and document helpers.

func storedTime(t time.Time) string { return model.StoredTime(t) }

func graphTime(t time.Time) string { return model.GraphTime(t) }

func parseStoredTime(s string) (time.Time, error) { return model.ParseStoredTime(s) }

func folderID(userID, name string) string { return model.FolderID(userID, name) }

func chatMessageKey(chatID, messageID string) string { return model.ChatMessageKey(chatID, messageID) }

func noteLinks(kind, id, name string) model.OnenoteLinks { return model.NoteLinks(kind, id, name) }

func driveItemIDFrom(seed string) string { return model.DriveItemIDFrom(seed) }

func newGUID() string { return model.NewGUID() }

func driveIDFor(userID string, personal bool) string { return model.DriveIDFor(userID, personal) }

func driveRootID(userID string) string { return model.DriveRootID(userID) }

func userIdentity(u *store.User) *model.DriveIdentity { return model.UserIdentity(u) }

func newDriveItems(tenant string, u *store.User, now time.Time) (store.Item, store.Item) {
	return model.NewDriveItems(tenant, u, now)
}

func mimeTypeOf(name, header string) string { return model.MimeTypeOf(name, header) }

func hashesOf(b []byte, driveType string) model.FileHashes { return model.HashesOf(b, driveType) }

func quickXorHash(b []byte) [20]byte { return model.QuickXorHash(b) }

func shareID(itemID, granteeID string) string { return model.ShareID(itemID, granteeID) }

func newDriveItemID() string { return model.NewDriveItemID() }
