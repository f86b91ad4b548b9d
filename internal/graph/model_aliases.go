package graph

import (
	"time"

	"graphgate/internal/model"
)

// The stored documents, their kinds, well-known ids and time format live in
// internal/model, and the workload packages name model's types themselves.
// What is left here is what the pipeline's own code (rendering, targets,
// batching) and graph's tests still name: the exported kinds graph_test
// uses, a few part types and the stored-time helpers. New code names
// model's identifiers directly.

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
	emailAddress = model.EmailAddress
	itemBody     = model.ItemBody
	messageDoc   = model.Message
	recipient    = model.Recipient
	Delegation   = model.Delegation
)

// Well-known names and limits.

// Ids, stored times and document helpers.

func graphTime(t time.Time) string { return model.GraphTime(t) }

func parseStoredTime(s string) (time.Time, error) { return model.ParseStoredTime(s) }

func storedTime(t time.Time) string { return model.StoredTime(t) }
