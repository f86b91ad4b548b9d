package authz

import (
	"testing"

	"graphgate/internal/catalog"
	"graphgate/internal/routes"
)

func benchPrincipal(scopes string) *Principal {
	set, _ := catalog.Default().ParseScopes(scopes)
	return &Principal{Kind: Delegated, Granted: set}
}

// BenchmarkMatch is the route lookup alone.
func BenchmarkMatch(b *testing.B) {
	tab := routes.Default()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := tab.MatchMethod(routes.GET, "/v1.0/me/mailFolders/inbox/messages?$top=25"); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkDecide is a full decision: match plus engine, for a typical
// delegated mail read.
func BenchmarkDecide(b *testing.B) {
	e := Default()
	p := benchPrincipal("openid profile offline_access User.Read Mail.Read Calendars.ReadWrite Tasks.ReadWrite")
	b.ReportAllocs()
	for b.Loop() {
		if d := e.Decide(p, "GET", "/v1.0/me/mailFolders/inbox/messages?$top=25", Target{}); !d.Allow {
			b.Fatal(d.Explain())
		}
	}
}

// BenchmarkDecideShared decides a read of another user's mailbox through
// .Shared, the longest path through the engine.
func BenchmarkDecideShared(b *testing.B) {
	e := Default()
	p := benchPrincipal("User.Read Mail.Read.Shared")
	t := Target{Relation: RelOtherUser, Access: AccessRead}
	b.ReportAllocs()
	for b.Loop() {
		if d := e.Decide(p, "GET", "/v1.0/users/megan@contoso.com/mailFolders/inbox/messages", t); !d.Allow {
			b.Fatal(d.Explain())
		}
	}
}

// BenchmarkDecideRelation decides a write to a group's notebooks by a
// member holding a more capable permission than the relation allows and a
// less capable one that it does: the relation check and the second pick.
func BenchmarkDecideRelation(b *testing.B) {
	e := Default()
	p := benchPrincipal("User.Read Notes.ReadWrite.All Notes.Create")
	t := Target{Relation: RelGroup, HiddenMembership: true, Member: true}
	b.ReportAllocs()
	for b.Loop() {
		if d := e.Decide(p, "POST", "/v1.0/groups/g1/onenote/notebooks", t); !d.Allow {
			b.Fatal(d.Explain())
		}
	}
}

// BenchmarkDecideMatched is the engine alone on a pre-matched request, as
// the Graph server calls it.
func BenchmarkDecideMatched(b *testing.B) {
	e := Default()
	p := benchPrincipal("User.Read Mail.Read")
	m, err := e.Table().Match("GET", "/me/messages")
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if d := e.DecideMatch(p, m, Target{}); !d.Allow {
			b.Fatal("denied")
		}
	}
}

func TestDecideDoesNotAllocate(t *testing.T) {
	e := Default()
	p := benchPrincipal("User.Read Mail.Read.Shared Mail.Read Notes.ReadWrite.All Notes.Read Files.Read.All User.Read.All")
	for _, c := range []struct {
		path string
		t    Target
	}{
		{"/v1.0/me/messages", Target{}},
		{"/v1.0/users/x@y.z/messages", Target{Relation: RelOtherUser, Access: AccessRead}},
		{"/v1.0/users/x@y.z/messages", Target{Relation: RelOtherUser}}, // a denial
		{"/v1.0/users/x@y.z/onenote/notebooks", Target{Relation: RelOtherUser, Access: AccessRead}},
		{"/v1.0/users/x@y.z/onenote/notebooks", Target{Relation: RelOtherUser}}, // not shared
		{"/v1.0/groups/g/onenote/notebooks", Target{Relation: RelGroup, Member: true}},
		{"/v1.0/groups/g/onenote/notebooks", Target{Relation: RelGroup, HiddenMembership: true}}, // not a member
		{"/v1.0/drives/b!x/items/i", Target{Relation: RelOtherUser, Access: AccessRead}},         // shared items only
		{"/v1.0/users/x@y.z/manager", Target{Relation: RelOtherUser}},                            // directory
	} {
		allocs := testing.AllocsPerRun(200, func() { _ = e.Decide(p, "GET", c.path, c.t) })
		if allocs != 0 {
			t.Errorf("Decide(GET %s) allocates %v times", c.path, allocs)
		}
	}
}
