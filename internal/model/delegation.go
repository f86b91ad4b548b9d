package model

import (
	"strings"
)

// KindDelegation is the item kind of a sharing grant: an owner shared a
// calendar, delegated a mailbox, shared notebooks, or gave send rights to
// another user. Its OwnerID is the owner; the document says to whom and
// what.
const KindDelegation = "delegation"

// Delegation is a sharing grant's document.
type Delegation struct {
	DelegateID string `json:"delegateId"`
	// Resource is what is shared, named by the permission resource that
	// reaches it (Mail, Calendars, Contacts, Tasks, Notes…): the engine asks
	// for the sharing of a rule's resource (authz.Engine.SharingResource).
	Resource string `json:"resource,omitempty"`
	// Family is how documents stored before Resource named what they share
	// (mail, calendar, contacts, tasks); it is read, never written.
	Family string `json:"family,omitempty"`
	// Access lists read, write and send.
	Access []string `json:"access"`
}

// legacyFamilies are the resources each stored Family shared: a mailbox
// delegation covered the mailbox and its settings.
var legacyFamilies = map[string][]string{
	"mail":     {"Mail", "MailboxSettings"},
	"calendar": {"Calendars"},
	"contacts": {"Contacts"},
	"tasks":    {"Tasks"},
}

// Shares reports whether the delegation shares resource.
func (d *Delegation) Shares(resource string) bool {
	if d.Resource != "" {
		return strings.EqualFold(d.Resource, resource)
	}
	for _, r := range legacyFamilies[strings.ToLower(d.Family)] {
		if strings.EqualFold(r, resource) {
			return true
		}
	}
	return false
}
