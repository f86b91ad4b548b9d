package authz

import (
	"testing"

	"graphgate/internal/routes"
)

// A limit trims the objects it is about, on the routes that return them,
// and nothing else: Mail.ReadBasic trims messages, not mail folders.
func TestLimitRestricts(t *testing.T) {
	tab := routes.Default()
	for _, c := range []struct {
		limit  Limit
		method string
		path   string
		want   bool
	}{
		{LimitBasicMessage, "GET", "/me/messages", true},
		{LimitBasicMessage, "GET", "/me/messages/AAMk1", true},
		{LimitBasicMessage, "GET", "/me/mailFolders/inbox/messages", true},
		{LimitBasicMessage, "GET", "/me/mailFolders/inbox/messages/delta", true},
		{LimitBasicMessage, "GET", "/users/megan@contoso.com/messages", true},
		{LimitBasicMessage, "GET", "/me/mailFolders", false},
		{LimitBasicMessage, "GET", "/me/mailFolders/inbox/childFolders", false},
		{LimitBasicEvent, "GET", "/me/calendars/c1/calendarView", true},
		{LimitBasicEvent, "GET", "/me/events/e1/instances", true},
		{LimitBasicEvent, "GET", "/me/events", true},
		{LimitBasicEvent, "GET", "/me/calendars", false},
		{LimitBasicProfile, "GET", "/users", true},
		{LimitBasicProfile, "GET", "/users/megan@contoso.com", true},
		{LimitBasicProfile, "GET", "/me", true},
		{LimitBasicProfile, "GET", "/users/megan@contoso.com/photo", false},
		{LimitBasicGroup, "GET", "/groups", true},
		{LimitBasicGroup, "GET", "/users/megan@contoso.com/memberOf", true},
		{LimitBasicGroup, "POST", "/users/megan@contoso.com/checkMemberGroups", false},
		{LimitBasicChat, "GET", "/me/chats", false},
		{LimitNone, "GET", "/me/messages", false},
		{Limit(200), "GET", "/me/messages", false},
	} {
		m, err := tab.Match(c.method, c.path)
		if err != nil {
			t.Fatalf("%s %s: %v", c.method, c.path, err)
		}
		if got := c.limit.Restricts(m.Route); got != c.want {
			t.Errorf("%s.Restricts(%s %s) = %v, want %v", c.limit, c.method, m.Route.Template, got, c.want)
		}
	}
	if LimitBasicMessage.Restricts(nil) {
		t.Error("a nil route is restricted")
	}
	// Every limit a permission carries names the objects it trims (or, for
	// chats, deliberately none).
	for n, l := range limitByPermission {
		if int(l) >= len(limitEntities) || len(limitEntities[l]) == 0 && l != LimitBasicChat {
			t.Errorf("%s carries %s, which names no objects it trims", n, l)
		}
	}
}

func BenchmarkLimitRestricts(b *testing.B) {
	m, err := routes.Default().Match("GET", "/me/mailFolders/inbox/messages/delta")
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if !LimitBasicMessage.Restricts(m.Route) {
			b.Fatal("not restricted")
		}
	}
}
