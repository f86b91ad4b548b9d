package authz

import (
	"strings"
	"testing"

	"graphgate/internal/catalog"
	"graphgate/internal/roles"
	"graphgate/internal/routes"
)

// The relation rule, generated over the whole route table: for every rule
// whose path names another user's or a group's data (users, groups, teams,
// sites, drives, chats by id), for every delegated permission it accepts in
// the work and personal schemes, a signed-in user holding that permission —
// and, to be strict, every user-consentable delegated permission outside
// the directory — who has no relation to the target (another user who
// shared nothing, a hidden-membership group they neither belong to nor
// own, no directory role) is denied. The only exception is what the
// engine classifies as tenant-wide directory visibility, which the test
// checks against its own, independent list of directory objects and
// organization-wide data (oracleVisible). Then, with the relation the
// denial names (shared at the level it needs, membership, ownership, the
// role), the same permission is allowed: the relation is what was missing,
// not the permission.

// delegatedSchemes are the schemes with a signed-in user.
var delegatedSchemes = [2]catalog.Scheme{catalog.DelegatedWork, catalog.DelegatedPersonal}

// oracleResources are the resources that govern the directory's objects:
// users, groups and their memberships, Directory.*, agent users, and
// properties of the group object (its nesting, preferred data location,
// cross-tenant synchronization). Lower case.
var oracleResources = map[string]bool{
	"user": true, "group": true, "groupmember": true, "directory": true, "agentiduser": true,
	"group-nestingsupport": true, "group-preferreddatalocation": true, "group-xtenantidentitysync": true,
}

// oraclePublished are the resources whose data Microsoft publishes to the
// whole organization, each with the only navigation that holds it.
var oraclePublished = map[string][]string{
	"profilephoto": {"photo", "photos"},
	"presence":     {"presence"},
	"people":       {"people"},
}

// oracleNavigations are what follows /users/{id} or /groups/{id} in a path
// that reads a directory object ("" is the object itself), its directory
// relationships, its profile, licences and settings; a path below one of
// them reads the same.
var oracleNavigations = map[string]bool{
	"": true, "manager": true, "directreports": true, "transitivereports": true, "memberof": true, "transitivememberof": true,
	"ownedobjects": true, "owneddevices": true, "registereddevices": true, "createdobjects": true, "members": true,
	"transitivemembers": true, "owners": true, "photo": true, "photos": true, "profile": true, "licensedetails": true,
	"sponsors": true, "sponsorof": true, "invitedby": true, "scopedrolememberof": true, "settings": true,
	"organizationalunitparent": true, "cloudlicensing": true, "usagerights": true, "responsibilities": true,
	"getteamslicensingdetails": true, "findrooms": true, "findroomlists": true, "findrooms(roomlist={value})": true,
	"outlook/supportedlanguages": true, "outlook/supportedtimezones": true, "outlook/supportedtimezones(timezonestandard={value})": true,
	"acceptedsenders": true, "rejectedsenders": true, "endpoints": true, "grouplifecyclepolicies": true,
}

// oracleVisible reports whether GET on rule's path, allowed by p without
// any relation, is a read of directory data or organization-wide data.
func oracleVisible(rule *routes.Rule, p *catalog.Permission) bool {
	segs := strings.Split(strings.TrimPrefix(rule.Route.Path, "/"), "/")
	if rule.Method != routes.GET || (segs[0] != "users" && segs[0] != "groups") {
		return false
	}
	nav := segs[2:]
	res := strings.ToLower(p.Parts.Resource)
	if places, ok := oraclePublished[res]; ok {
		return len(nav) > 0 && contains(places, nav[0])
	}
	if !oracleResources[res] {
		return false
	}
	// The object itself, or below one of its directory navigations.
	for k := 0; k <= len(nav) && k <= 2; k++ {
		if oracleNavigations[strings.Join(nav[:k], "/")] && (k > 0 || len(nav) == 0) {
			return true
		}
	}
	return false
}

// relationKind classifies what a path's first segment names.
func relationKind(root string) string {
	switch root {
	case "users":
		return "user"
	case "drives":
		return "drive"
	case "groups", "teams", "sites":
		return "group"
	case "chats":
		return "chat"
	}
	return ""
}

// noRelation lists targets the signed-in user has no relation to.
func noRelation(kind string) []Target {
	hidden := Target{Relation: RelGroup, HiddenMembership: true}
	switch kind {
	case "user":
		return []Target{{Relation: RelOtherUser}, {Relation: RelSharedMailbox}}
	case "drive":
		return []Target{{Relation: RelOtherUser}, hidden}
	case "group":
		return []Target{hidden}
	}
	return []Target{{Relation: RelChat}}
}

// withRelation gives the principal and target the relation a denial
// names.
func withRelation(d *Decision, p Principal, t Target) (Principal, Target, bool) {
	switch d.Reason {
	case NotShared:
		t.Access = d.Need
	case NotGroupMember, NotMember, HiddenMembership:
		t.Member = true
	case UserLacksRole:
		if d.Fact == FactOwner {
			t.Owner = true
		} else {
			p.Roles = d.Roles
		}
	default:
		return p, t, false
	}
	return p, t, true
}

func TestNoRelationNoReach(t *testing.T) {
	e := Default()
	cat := e.Catalog()
	// strict[s]: every delegated permission of scheme s that a user may
	// consent to and that does not govern the directory.
	var strict [2]catalog.Set
	for _, p := range cat.All() {
		for si, sch := range delegatedSchemes {
			if p.Kind == catalog.Graph && p.In(sch) && !p.GrantsNothing && !p.RequiresAdminConsent(sch) &&
				!oracleResources[strings.ToLower(p.Parts.Resource)] && oraclePublished[strings.ToLower(p.Parts.Resource)] == nil {
				strict[si].Add(p)
			}
		}
	}
	var checked, visible, positives, onenote int
	for _, rule := range e.Table().Rules() {
		segs := strings.Split(strings.TrimPrefix(rule.Route.Path, "/"), "/")
		if len(segs) < 2 || segs[1] != "{id}" {
			continue
		}
		kind := relationKind(segs[0])
		if kind == "" {
			continue
		}
		m := routes.Match{Route: rule.Route, Rule: rule}
		for si, sch := range delegatedSchemes {
			account := Work
			if sch == catalog.DelegatedPersonal {
				account = Personal
			}
			for _, en := range rule.Accepted[sch] {
				own := Principal{Kind: Delegated, Account: account}
				own.Granted.Add(en.Perm)
				if len(en.AlsoRequires) > 0 {
					own.Granted.Add(en.AlsoRequires[0])
				}
				wide := own
				wide.Granted.Union(&strict[si])
				for _, tg := range noRelation(kind) {
					for _, p := range []*Principal{&own, &wide} {
						d := e.DecideMatch(p, m, tg)
						checked++
						if strings.Contains(rule.Route.Path, "/onenote") {
							onenote++
						}
						if !d.Allow {
							continue
						}
						if d.Relation == ReachDirectory && oracleVisible(rule, d.Granted) {
							visible++
							continue
						}
						t.Errorf("%s %s (%s, %s) holding %s reaches %s with no relation: %s", rule.Method, rule.Route.Path, sch, tg.Relation,
							en.Perm.Name, tg.Relation, d.Explain())
					}
					d := e.DecideMatch(&own, m, tg)
					p2, t2, ok := withRelation(&d, own, tg)
					if d.Allow || !ok {
						continue
					}
					if d2 := e.DecideMatch(&p2, m, t2); !d2.Allow {
						t.Errorf("%s %s (%s) with %s and the relation the denial names (%s: %s): still denied: %s", rule.Method, rule.Route.Path, sch,
							en.Perm.Name, d.Reason, d.Relation, d2.Explain())
						continue
					}
					positives++
					// A lower sharing level than the one named is not enough.
					if d.Reason == NotShared && d.Need.Has(AccessWrite) {
						t3 := tg
						t3.Access = AccessRead
						if d3 := e.DecideMatch(&own, m, t3); d3.Allow {
							t.Errorf("%s %s with %s: shared for reading only, yet allowed to write", rule.Method, rule.Route.Path, en.Perm.Name)
						}
					}
				}
			}
		}
	}
	t.Logf("%d decisions without a relation, %d of them directory reads; %d allowed once given the relation; %d on OneNote", checked, visible, positives, onenote)
	if checked < 10000 || visible == 0 || positives < 1000 || onenote == 0 {
		t.Errorf("the generated cases are too few: %d decisions, %d directory reads, %d positives, %d OneNote", checked, visible, positives, onenote)
	}
}

// The engine's classification of paths, against the oracle: every path it
// calls directory data is one the oracle names, and the OneNote, mail,
// drive and calendar paths of users and groups are content.
func TestDirectoryClassification(t *testing.T) {
	e := Default()
	var dir, content int
	for _, rule := range e.Table().Rules() {
		segs := strings.Split(strings.TrimPrefix(rule.Route.Path, "/"), "/")
		if len(segs) < 2 || segs[1] != "{id}" || (segs[0] != "users" && segs[0] != "groups") {
			continue
		}
		info := e.ruleInfo(rule)
		nav := strings.Join(segs[2:], "/")
		if !info.dirPath {
			content++
			continue
		}
		dir++
		for _, c := range []string{"onenote", "drive", "messages", "mailfolders", "events", "calendar", "calendarview", "contacts", "todo", "conversations", "threads", "planner", "chats", "team"} {
			if strings.HasPrefix(nav+"/", c+"/") {
				t.Errorf("%s %s: classified as directory data, but %s holds content", rule.Method, rule.Route.Path, c)
			}
		}
	}
	if dir == 0 || content == 0 {
		t.Errorf("%d directory paths, %d content paths", dir, content)
	}
}

// The relation the engine names, for the scenarios and the
// reference's statements, one row each.
func TestRelations(t *testing.T) {
	hidden := Target{Relation: RelGroup, HiddenMembership: true}
	public := Target{Relation: RelGroup, Public: true}
	run(t, []call{
		// Issue 10: a member with Notes.ReadWrite.All and another member's
		// unshared notebooks and pages.
		{name: "another user's notebooks", granted: "Notes.ReadWrite.All", method: "GET", path: "/users/megan@contoso.com/onenote/notebooks", target: other, allow: false, reason: NotShared, explain: "Notes"},
		{name: "another user's page", granted: "Notes.ReadWrite.All", method: "GET", path: "/users/megan@contoso.com/onenote/pages/p1/content", target: other, allow: false, reason: NotShared},
		{name: "another user's page patched", granted: "Notes.ReadWrite.All", method: "PATCH", path: "/users/megan@contoso.com/onenote/pages/p1/content", target: sharedRead, allow: false, reason: NotShared, explain: "write"},
		{name: "another user's page deleted", granted: "Notes.ReadWrite.All", method: "DELETE", path: "/users/megan@contoso.com/onenote/pages/p1", target: other, allow: false, reason: NotShared},
		{name: "shared notebooks", granted: "Notes.Read.All", method: "GET", path: "/users/megan@contoso.com/onenote/notebooks", target: sharedRead, allow: true, granting: "Notes.Read.All", explain: "sharing of Notes"},
		{name: "shared notebook edited", granted: "Notes.ReadWrite.All", method: "PATCH", path: "/users/megan@contoso.com/onenote/pages/p1/content", target: sharedWrite, allow: true},
		{name: "own-data Notes.ReadWrite on another user", granted: "Notes.ReadWrite", method: "GET", path: "/users/megan@contoso.com/onenote/notebooks", target: sharedWrite, allow: false, reason: MissingPermission, candidates: "Notes.Read.All Notes.ReadWrite.All"},
		// … and a non-member with the hidden-membership group's notebooks.
		{name: "hidden group's notebooks, outsider", granted: "Notes.ReadWrite.All", method: "GET", path: "/groups/g1/onenote/notebooks", target: hidden, allow: false, reason: NotGroupMember, explain: "Notes"},
		{name: "hidden group's notebook created, outsider", granted: "Notes.ReadWrite.All", method: "POST", path: "/groups/g1/onenote/notebooks", target: hidden, allow: false, reason: NotGroupMember},
		{name: "hidden group's notebooks, member", granted: "Notes.ReadWrite.All", method: "POST", path: "/groups/g1/onenote/notebooks", target: Target{Relation: RelGroup, HiddenMembership: true, Member: true}, allow: true, explain: "as a member of the group"},
		{name: "group notebooks, owner", granted: "Notes.Read", method: "GET", path: "/groups/g1/onenote/notebooks", target: Target{Relation: RelGroup, Owner: true}, allow: true},
		// A public group's content: read by anyone of the organization,
		// changed by its members; not by guests.
		{name: "public group's notebooks read", granted: "Notes.Read.All", method: "GET", path: "/groups/g1/onenote/notebooks", target: public, allow: true, explain: "public"},
		{name: "public group's notebook created", granted: "Notes.ReadWrite.All", method: "POST", path: "/groups/g1/onenote/notebooks", target: public, allow: false, reason: NotGroupMember, explain: "changed only by its members"},
		{name: "public group's content, guest", guest: true, granted: "Group.Read.All", method: "GET", path: "/groups/g1/conversations", target: public, allow: false, reason: NotGroupMember},
		// Directory data is read tenant-wide, even of a hidden group.
		{name: "hidden group's properties", granted: "Group.Read.All", method: "GET", path: "/groups/g1", target: hidden, allow: true, explain: "tenant-wide"},
		{name: "another user's profile", granted: "User.Read.All", method: "GET", path: "/users/megan@contoso.com/manager", target: other, allow: true},
		{name: "another user's presence", granted: "Presence.Read.All", method: "GET", path: "/users/megan@contoso.com/presence", target: other, allow: true},
		// Writing another user's directory data needs an administrator.
		{name: "another user's photo changed", granted: "ProfilePhoto.ReadWrite.All", method: "PUT", path: "/users/megan@contoso.com/photo/$value", target: other, allow: false, reason: UserLacksRole, explain: "User Administrator"},
		{name: "another user's photo changed by an admin", granted: "ProfilePhoto.ReadWrite.All", roles: roles.Of(roles.UserAdministrator), method: "PUT", path: "/users/megan@contoso.com/photo/$value", target: other, allow: true, explain: "administrator role"},
		// Drives: items are shared one by one.
		{name: "another user's drive, nothing shared", granted: "Files.Read.All", method: "GET", path: "/users/megan@contoso.com/drive/root/children", target: other, allow: false, reason: NotShared, explain: "Files"},
		{name: "another user's drive, items shared", granted: "Files.Read.All", method: "GET", path: "/drives/b!x/items/i1", target: sharedRead, allow: true, explain: "only the items shared"},
		{name: "group drive, outsider with a shared item", granted: "Files.Read.All", method: "GET", path: "/groups/g1/drive/items/i1", target: Target{Relation: RelGroup, Access: AccessRead}, allow: true, explain: "only the items shared"},
		{name: "group drive, outsider", granted: "Files.ReadWrite.All", method: "PUT", path: "/drives/b!x/items/i1/content", target: Target{Relation: RelGroup}, allow: false, reason: NotGroupMember, explain: "drive shared"},
		// A held permission whose relation holds decides over a more capable
		// one whose relation does not.
		{name: "directory read over content", granted: "User.Read.All Notes.ReadWrite.All", method: "GET", path: "/users/megan@contoso.com", target: other, allow: true, granting: "User.Read.All"},
		// A relation that does not fit the path's subject is none.
		{name: "a user's notebooks as the tenant's", granted: "Notes.ReadWrite.All", method: "GET", path: "/users/megan@contoso.com/onenote/notebooks", target: Target{Relation: RelTenant}, allow: false, reason: NotShared},
		{name: "a user's notebooks as a group's", granted: "Notes.ReadWrite.All", method: "GET", path: "/users/megan@contoso.com/onenote/notebooks", target: Target{Relation: RelGroup, Member: true}, allow: false, reason: NotShared},
		{name: "a group's notebooks as another user's", granted: "Notes.ReadWrite.All", method: "GET", path: "/groups/g1/onenote/notebooks", target: sharedWrite, allow: false, reason: NotGroupMember},
		// Teams and sites are their group's.
		{name: "team channels, outsider", granted: "Channel.ReadBasic.All", method: "GET", path: "/teams/t1/channels", allow: false, reason: NotGroupMember},
		{name: "team channels, member", granted: "Channel.ReadBasic.All", method: "GET", path: "/teams/t1/channels", target: Target{Relation: RelGroup, Member: true}, allow: true},
	})
}

// The decision names the relation and the fact, for explain and the
// decision header.
func TestDecisionRelation(t *testing.T) {
	e := Default()
	p := principal(t, call{name: "notes", granted: "Notes.ReadWrite.All"})
	d := e.Decide(p, "GET", "/users/megan@contoso.com/onenote/notebooks", Target{Relation: RelOtherUser})
	if d.Allow || d.Relation != ReachShared || d.Resource != "Notes" || d.Fact != FactShared || d.Need != AccessRead {
		t.Errorf("relation %s, resource %q, fact %s, need %s: %s", d.Relation, d.Resource, d.Fact, d.Need, d.Explain())
	}
	if r := e.Table(); r == nil {
		t.Fatal("no table")
	}
	m, err := e.Table().Match("GET", "/users/x/onenote/notebooks")
	if err != nil {
		t.Fatal(err)
	}
	if got := e.SharingResource(m.Rule); got != "Notes" {
		t.Errorf("sharing resource %q, want Notes", got)
	}
	if l := e.Lookups(m.Rule); l&LookupSharing == 0 || l&LookupMembership != 0 {
		t.Errorf("lookups %b", l)
	}
	g, err := e.Table().Match("GET", "/groups/g/members")
	if err != nil {
		t.Fatal(err)
	}
	if l := e.Lookups(g.Rule); l&LookupMembership == 0 || l&LookupSharing != 0 {
		t.Errorf("lookups of group members %b", l)
	}
	if got := e.SharingResource(g.Rule); got != "" {
		t.Errorf("group members' sharing resource %q", got)
	}
}
