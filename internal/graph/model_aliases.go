package graph

import (
	"time"

	"graphgate/internal/model"
)

// The stored documents, their kinds, well-known ids and time format live in
// internal/model. These aliases keep the handlers' old names while the
// workloads are still in this package; they go as the workloads move into
// their own packages (issue 12), each of which then names model's types
// itself.

// Item kinds.
const (
	KindChat             = model.KindChat
	KindDelegation       = model.KindDelegation
	KindDriveContent     = model.KindDriveContent
	KindDriveItem        = model.KindDriveItem
	KindDriveLink        = model.KindDriveLink
	KindDriveShare       = model.KindDriveShare
	KindDriveTombstone   = model.KindDriveTombstone
	KindDriveURLKey      = model.KindDriveURLKey
	KindDriveUploadChunk = model.KindDriveUploadChunk
	KindEvent            = model.KindEvent
	KindEventException   = model.KindEventException
	KindMessage          = model.KindMessage
	KindPage             = model.KindPage
	KindPresence         = model.KindPresence
)

// Documents and their parts.
type (
	emailAddress   = model.EmailAddress
	recipient      = model.Recipient
	itemBody       = model.ItemBody
	messageDoc     = model.Message
	responseStatus = model.ResponseStatus
	attendee       = model.Attendee
	location       = model.Location
	workingHours   = model.WorkingHours
	personType     = model.PersonType
	fileSystemInfo = model.FileSystemInfo
	Delegation     = model.Delegation
)

// Well-known names and limits.
const ()

// Ids, stored times and document helpers.

func storedTime(t time.Time) string { return model.StoredTime(t) }

func graphTime(t time.Time) string { return model.GraphTime(t) }

func parseStoredTime(s string) (time.Time, error) { return model.ParseStoredTime(s) }

func folderID(userID, name string) string { return model.FolderID(userID, name) }

func quickXorHash(b []byte) [20]byte { return model.QuickXorHash(b) }

func shareID(itemID, granteeID string) string { return model.ShareID(itemID, granteeID) }
