// Package model owns the workload documents as they are stored in the item
// store (store.Item.Doc): their Go types and JSON names (Message, Folder,
// Attachment, Calendar, Event, EventMessage, Contact, TodoTask, Chat,
// ChatMessage, Presence, Drive, DriveItem, Notebook, Page, Person, Photo,
// MailboxSettings, Delegation, …), the item kind of each (KindMessage, …),
// the well-known ids derived from an owner (FolderID, DefaultCalendarID,
// TodoListID, DriveIDFor, DriveRootID, …), the stored time format
// (StoredTime, ParseStoredTime, StoredDTZ, LoadZone) and the rules that
// belong to a document rather than to a request: a recurrence's expansion
// (PatternedRecurrence, with rrule-go), a presence's effective state, a
// contact's computed display name, a sharing link's expiry, a delegation's
// resources, a file's hashes (QuickXorHash) and MIME type.
//
// The Seeder writes these documents straight into the store, in one batch
// per Flush, for the demo tenant (package demo) and for tests: mailboxes
// with messages, calendars with events and invitations, contacts, To Do
// tasks, chats, presence, drives with files and sharing grants, notebooks,
// and delegations. Its item ids come from crypto/rand, or from a
// deterministic stream (WithIDs) for reproducible fixtures. A Seeder is not
// safe for concurrent use; Pending tells a generator when to flush so that
// a batch stays bounded.
//
// Field names with a leading underscore in their JSON name (_seriesEnd,
// _memberIds, _rootId, _seq, …) are internal bookkeeping the Graph server
// strips when it renders a document; every other name is Graph's.
//
// # What it must not do
//
// It must not know HTTP, OData, permissions, tokens or the Graph server:
// it imports only internal/store and foundations (and rrule-go), so that
// the demo tenant, the transfer of tenants and the workload packages can
// all use it without the HTTP package. It must not read or query the
// store (the Seeder only writes), and must not decide who may see a
// document — that is authz's, through the Graph server.
package model
