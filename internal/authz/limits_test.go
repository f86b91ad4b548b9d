package authz

import (
	"strings"
	"testing"
)

// What each ReadBasic permission leaves out, as Microsoft's descriptions
// say, is not among its properties; what it keeps is.
func TestLimitProperties(t *testing.T) {
	for _, c := range []struct {
		l         Limit
		keeps     string
		leavesOut string
	}{
		// User.ReadBasic.All: "display name, first and last name, email
		// address and photo" (the photo is its own endpoint).
		{LimitBasicProfile, "id displayName givenName surname mail userPrincipalName", "jobTitle mobilePhone officeLocation department accountEnabled photo"},
		// Calendars.ReadBasic: "except for properties such as body,
		// attachments, and extensions".
		{LimitBasicEvent, "id subject start end location attendees organizer hasAttachments", "body bodyPreview attachments extensions"},
		// Mail.ReadBasic: "except body, previewBody, attachments and any
		// extended properties".
		{LimitBasicMessage, "id subject from toRecipients receivedDateTime isRead hasAttachments", "body bodyPreview uniqueBody attachments singleValueExtendedProperties"},
		// Group.ReadBasic.All: the basic group properties.
		{LimitBasicGroup, "id displayName description mail groupTypes visibility", "proxyAddresses onPremisesSyncEnabled renewedDateTime"},
	} {
		props := c.l.Properties()
		for _, p := range strings.Fields(c.keeps) {
			if !props[strings.ToLower(p)] {
				t.Errorf("%s leaves out %s", c.l, p)
			}
		}
		for _, p := range strings.Fields(c.leavesOut) {
			if props[strings.ToLower(p)] {
				t.Errorf("%s keeps %s", c.l, p)
			}
		}
		for p := range props {
			if p != strings.ToLower(p) {
				t.Errorf("%s names %q, not lower case", c.l, p)
			}
		}
	}
	// No limit, and a limit on endpoints rather than properties, restrict
	// no property.
	for _, l := range []Limit{LimitNone, LimitBasicChat, Limit(200)} {
		if l.Properties() != nil {
			t.Errorf("%s restricts properties", l)
		}
	}
	// Every limit a permission carries is one whose properties are known
	// (or, for chats, deliberately none).
	for n, l := range limitByPermission {
		if l.Properties() == nil && l != LimitBasicChat {
			t.Errorf("%s carries %s, which has no property list", n, l)
		}
	}
}
