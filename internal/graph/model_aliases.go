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
	KindAttachment       = model.KindAttachment
	KindCalendar         = model.KindCalendar
	KindChat             = model.KindChat
	KindContact          = model.KindContact
	KindContactFolder    = model.KindContactFolder
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
	KindMailFolder       = model.KindMailFolder
	KindMailboxSettings  = model.KindMailboxSettings
	KindMessage          = model.KindMessage
	KindPage             = model.KindPage
	KindPresence         = model.KindPresence
	KindTodoList         = model.KindTodoList
	KindTodoTask         = model.KindTodoTask
)

// Documents and their parts.
type (
	dateTimeTimeZone    = model.DateTimeTimeZone
	emailAddress        = model.EmailAddress
	recipient           = model.Recipient
	itemBody            = model.ItemBody
	followupFlag        = model.FollowupFlag
	messageDoc          = model.Message
	folderDoc           = model.Folder
	attachmentDoc       = model.Attachment
	calendarDoc         = model.Calendar
	responseStatus      = model.ResponseStatus
	attendee            = model.Attendee
	location            = model.Location
	eventDoc            = model.Event
	eventMessageDoc     = model.EventMessage
	contactDoc          = model.Contact
	contactFolderDoc    = model.ContactFolder
	todoListDoc         = model.TodoList
	todoTaskDoc         = model.TodoTask
	automaticReplies    = model.AutomaticReplies
	localeInfo          = model.LocaleInfo
	workingHours        = model.WorkingHours
	mailboxSettingsDoc  = model.MailboxSettings
	scoredEmailAddress  = model.ScoredEmailAddress
	personPhone         = model.PersonPhone
	personType          = model.PersonType
	personDoc           = model.Person
	fileSystemInfo      = model.FileSystemInfo
	patternedRecurrence = model.PatternedRecurrence
	recurrencePattern   = model.RecurrencePattern
	recurrenceRange     = model.RecurrenceRange
	Delegation          = model.Delegation
)

// Well-known names and limits.
const (
	localLayout           = model.LocalLayout
	msgFolderRoot         = model.MsgFolderRoot
	defaultContactsFolder = model.DefaultContactsFolder
)

var wellKnownFolders = model.WellKnownFolders

// Ids, stored times and document helpers.

func storedTime(t time.Time) string { return model.StoredTime(t) }

func graphTime(t time.Time) string { return model.GraphTime(t) }

func parseStoredTime(s string) (time.Time, error) { return model.ParseStoredTime(s) }

func loadZone(name string) (*time.Location, bool) { return model.LoadZone(name) }

func storedDTZ(t time.Time, zone string) model.DateTimeTimeZone { return model.StoredDTZ(t, zone) }

func folderID(userID, name string) string { return model.FolderID(userID, name) }

func preview(content string) string { return model.Preview(content) }

func defaultCalendarID(ownerID string) string { return model.DefaultCalendarID(ownerID) }

func newContactDoc(id, folder, now string) model.Contact { return model.NewContact(id, folder, now) }

func defaultListID(userID string) string { return model.TodoListID(userID) }

func quickXorHash(b []byte) [20]byte { return model.QuickXorHash(b) }

func shareID(itemID, granteeID string) string { return model.ShareID(itemID, granteeID) }
