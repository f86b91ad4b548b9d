package exchange

import (
	"testing"

	"graphgate/internal/graph"
)

// TestSchemaTypesResolve resolves every body type and $select set that
// exchange's handlers read by Graph's schema. They are looked up on first
// use (so the CLI never parses the schema), which would turn a type
// missing from the embedded excerpt into a panic in a request; this test
// makes it a build defect.
func TestSchemaTypesResolve(t *testing.T) {
	bodies := map[string]graph.BodyType{
		"event": eventBody, "calendar": calendarBody, "contact": contactBody, "message": messageBody,
		"mailFolder": mailFolderBody, "contactFolder": contactFolderBody, "mailboxSettings": mailboxBody,
		"todoTaskList": todoListBody, "todoTask": todoTaskBody,
		"sendMail": sendMailBody, "move": moveBody, "copy": copyBody, "cancel": cancelBody,
	}
	for name, bt := range respondBodies {
		bodies[name] = bt
	}
	for name, bt := range bodies {
		if bt.Type() == nil {
			t.Errorf("%s: no type", name)
		}
	}
	for name, sel := range map[string]func() map[string]bool{
		"event": eventSelectable, "message": messageSelectable, "contact": contactSelectable, "contactFolder": contactFolderSelectable,
	} {
		s := sel()
		if !s["id"] || !s["subject"] && !s["displayname"] {
			t.Errorf("%s: $select set lacks id and subject/displayName: %v", name, s)
		}
	}
}
