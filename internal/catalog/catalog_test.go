package catalog

import (
	"fmt"
	"sort"
	"testing"
)

// TestParseScopesSeparators covers the separators and spellings scope
// strings arrive with (space-separated scp, comma lists, Graph URL prefixes,
// other casing) and that unknown names are reported, not dropped.
func TestParseScopesSeparators(t *testing.T) {
	c := Default()
	for _, tc := range []struct {
		in      string
		want    []string
		unknown []string
	}{
		{"", nil, nil},
		{"User.Read", []string{"User.Read"}, nil},
		{"  User.Read   Mail.Read ", []string{"Mail.Read", "User.Read"}, nil},
		{"User.Read,Mail.Send\tCalendars.Read\nTasks.ReadWrite", []string{"Calendars.Read", "Mail.Send", "Tasks.ReadWrite", "User.Read"}, nil},
		{"https://graph.microsoft.com/User.Read user.read MAIL.READ", []string{"Mail.Read", "User.Read"}, nil},
		{"User.Read Bogus.Scope,,openid Not.AScope", []string{"User.Read", "openid"}, []string{"Bogus.Scope", "Not.AScope"}},
	} {
		set, unknown := c.ParseScopes(tc.in)
		got := set.Names(c)
		sort.Strings(got)
		if fmt.Sprint(got) != fmt.Sprint(tc.want) || fmt.Sprint(unknown) != fmt.Sprint(tc.unknown) {
			t.Errorf("ParseScopes(%q) = %v, unknown %v; want %v, unknown %v", tc.in, got, unknown, tc.want, tc.unknown)
		}
	}
}
