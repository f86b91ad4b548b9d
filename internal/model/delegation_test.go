package model

import "testing"

// Delegations name what they share by permission resource; those stored
// before named a family, which still reads as the resources it meant.
func TestDelegationShares(t *testing.T) {
	for _, c := range []struct {
		d        Delegation
		resource string
		want     bool
	}{
		{Delegation{Resource: "Notes"}, "Notes", true},
		{Delegation{Resource: "notes"}, "Notes", true},
		{Delegation{Resource: "Notes"}, "Mail", false},
		{Delegation{Resource: "Calendars", Family: "mail"}, "Mail", false}, // Resource wins
		{Delegation{Family: "mail"}, "Mail", true},
		{Delegation{Family: "mail"}, "MailboxSettings", true},
		{Delegation{Family: "mail"}, "Calendars", false},
		{Delegation{Family: "calendar"}, "Calendars", true},
		{Delegation{Family: "contacts"}, "Contacts", true},
		{Delegation{Family: "tasks"}, "Tasks", true},
		{Delegation{Family: "notes"}, "Notes", false}, // no family meant notebooks
		{Delegation{}, "Mail", false},
	} {
		if got := c.d.Shares(c.resource); got != c.want {
			t.Errorf("%+v shares %s = %v, want %v", c.d, c.resource, got, c.want)
		}
	}
}
