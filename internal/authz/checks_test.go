package authz

import (
	"fmt"
	"net/http"
	"reflect"
	"strings"
	"testing"

	"graphgate/internal/routes"
)

// runCheck asks one check, as evaluation.check does.
func runCheck(ev *evaluation, d *Decision, s sets, c Check) verdict {
	switch c {
	case CheckAppOnlyMe:
		return ev.appOnlyMe(d, s)
	case CheckScheme:
		return ev.scheme(d, s)
	case CheckOwnData:
		return ev.ownData(d, s)
	case CheckPermission:
		return ev.permission(d, s)
	case CheckRelation:
		return ev.relation(d, s)
	case CheckGuestEnumeration:
		return ev.guestEnumeration(d, s)
	case CheckRole:
		return ev.role(d, s)
	case CheckMemberOf:
		return ev.memberOf(d, s)
	case CheckHiddenMembership:
		return ev.hiddenMembership(d, s)
	}
	panic("no check " + c.String())
}

// checkCase is one check asked about one call: the checks before it have
// let the call through (or did not apply), as they do in DecideMatch.
type checkCase struct {
	name   string
	c      call
	want   verdict
	reason Reason // for deny
	// then checks the decision (or the evaluation) the check left.
	then func(t *testing.T, ev *evaluation, d *Decision)
}

// prepare makes the decision frame, the token's sets and the evaluation
// of one call, as DecideMatch does before asking the checks.
func prepare(e *Engine, p *Principal, m routes.Match, target Target) (*evaluation, *Decision, sets) {
	d := &Decision{Match: m, Method: m.Rule.Method, Scheme: schemeOf(p), principal: p, cat: e.cat, Status: http.StatusForbidden, target: target}
	held := p.Granted
	e.narrow(&held, d.Scheme)
	direct := held
	e.widen(&held, &direct, d.Scheme)
	ev := &evaluation{}
	e.begin(ev, d, p)
	return ev, d, sets{direct: &direct, held: &held}
}

// testCheck asks check about each case's call on its own: it prepares the
// evaluation, runs the checks before check (failing the test if one
// denies: the case would not reach check), then check alone.
func testCheck(t *testing.T, check Check, cases []checkCase) {
	t.Helper()
	e := Default()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			m, err := e.Table().Match(tc.c.method, tc.c.path)
			if err != nil {
				t.Fatal(err)
			}
			ev, d, s := prepare(e, principal(t, tc.c), m, tc.c.target)
			for c := CheckAppOnlyMe; c < check; c++ {
				if v := runCheck(ev, d, s, c); v == deny {
					t.Fatalf("check %s, before %s, denies (%s): the case does not reach %s", c, check, d.Reason, check)
				}
			}
			before := *d
			got := runCheck(ev, d, s, check)
			if got != tc.want {
				t.Fatalf("%s = %s (%s), want %s", check, got, d.Reason, tc.want)
			}
			switch got {
			case deny:
				if d.Reason != tc.reason {
					t.Errorf("%s denies for %s, want %s", check, d.Reason, tc.reason)
				}
			case skip:
				if !reflect.DeepEqual(before, *d) {
					t.Errorf("%s does not apply but changed the decision:\n  before %+v\n  after  %+v", check, before, d)
				}
			}
			if tc.then != nil {
				tc.then(t, ev, d)
			}
		})
	}
}

func TestCheckAppOnlyMe(t *testing.T) {
	testCheck(t, CheckAppOnlyMe, []checkCase{
		{name: "app on /me", c: call{kind: App, granted: "User.Read.All", method: "GET", path: "/me"}, want: deny, reason: MeRequiresDelegated,
			then: func(t *testing.T, _ *evaluation, d *Decision) {
				if d.Status != http.StatusBadRequest {
					t.Errorf("status %d, want 400", d.Status)
				}
			}},
		{name: "app on /me/messages with nothing", c: call{kind: App, method: "GET", path: "/me/messages"}, want: deny, reason: MeRequiresDelegated},
		{name: "delegated on /me", c: call{granted: "User.Read", method: "GET", path: "/me"}, want: skip},
		{name: "app on /users/{id}", c: call{kind: App, granted: "User.Read.All", method: "GET", path: "/users/adele@contoso.com"}, want: skip},
	})
}

func TestCheckScheme(t *testing.T) {
	testCheck(t, CheckScheme, []checkCase{
		{name: "personal account on presence", c: call{account: Personal, granted: "Presence.Read", method: "GET", path: "/me/presence"}, want: deny, reason: SchemeNotSupported},
		{name: "work account on presence", c: call{granted: "Presence.Read", method: "GET", path: "/me/presence"}, want: pass},
		// The scheme, not the token's permissions: nothing held still passes.
		{name: "work account holding nothing", c: call{method: "GET", path: "/me/messages"}, want: pass},
	})
}

func TestCheckOwnData(t *testing.T) {
	testCheck(t, CheckOwnData, []checkCase{
		{name: "mailbox settings have no .Shared variant", c: call{granted: "MailboxSettings.ReadWrite", method: "GET", path: "/users/megan@contoso.com/mailboxSettings", target: sharedMbox},
			want: deny, reason: OwnDataOnly, then: func(t *testing.T, _ *evaluation, d *Decision) {
				if !strings.HasPrefix(strings.Join(d.CandidateNames(), " "), "MailboxSettings.Read") {
					t.Errorf("candidates %v, want the own-data permissions", d.CandidateNames())
				}
			}},
		{name: "another user's mail: .Shared in place of own data", c: call{granted: "Mail.Read.Shared", method: "GET", path: "/users/megan@contoso.com/messages", target: sharedRead},
			want: pass, then: func(t *testing.T, ev *evaluation, _ *Decision) {
				for _, en := range ev.accepted {
					if en.Perm.Parts.Constraint == "" {
						t.Errorf("accepted still holds the own-data permission %s", en.Perm.Name)
					}
				}
				if len(ev.needs) != len(ev.accepted) {
					t.Errorf("%d needs for %d accepted permissions", len(ev.needs), len(ev.accepted))
				}
			}},
		{name: "own mail", c: call{granted: "Mail.Read", method: "GET", path: "/me/messages"}, want: skip},
		{name: "a group's data is not another user's", c: call{granted: "Group.ReadWrite.All", method: "POST", path: "/groups/g1/events", target: groupMember}, want: skip},
		{name: "an app reaches every mailbox", c: call{kind: App, granted: "Mail.Read", method: "GET", path: "/users/megan@contoso.com/messages"}, want: skip},
	})
}

func TestCheckPermission(t *testing.T) {
	granted := func(name, via string) func(t *testing.T, _ *evaluation, d *Decision) {
		return func(t *testing.T, _ *evaluation, d *Decision) {
			if d.Granted == nil || d.Granted.Name != name {
				t.Errorf("granted %v, want %s", d.Granted, name)
			}
			if got := ""; d.Via != nil || via != "" {
				if d.Via != nil {
					got = d.Via.Name
				}
				if got != via {
					t.Errorf("via %q, want %q", got, via)
				}
			}
		}
	}
	testCheck(t, CheckPermission, []checkCase{
		{name: "held", c: call{granted: "User.Read Mail.Read", method: "GET", path: "/me/messages"}, want: pass, then: granted("Mail.Read", "")},
		{name: "included by a held permission", c: call{granted: "Mail.ReadWrite", method: "GET", path: "/me/messages/AAMk1"}, want: pass, then: granted("Mail.Read", "Mail.ReadWrite")},
		{name: "the most capable held wins", c: call{granted: "Calendars.ReadWrite Calendars.Read", method: "GET", path: "/me/events"}, want: pass, then: granted("Calendars.ReadWrite", "")},
		{name: "none held", c: call{granted: "User.Read", method: "GET", path: "/me/messages"}, want: deny, reason: MissingPermission},
		{name: "held without what it also requires", c: call{kind: App, granted: "GroupMember.ReadWrite.All", method: "POST", path: "/groups/g1/members/$ref"}, want: deny, reason: AlsoRequires,
			then: func(t *testing.T, _ *evaluation, d *Decision) {
				if d.Granted == nil || d.Granted.Name != "GroupMember.ReadWrite.All" || len(d.Also) == 0 {
					t.Errorf("granted %v, also %v; want GroupMember.ReadWrite.All and what it needs", d.Granted, d.Also)
				}
			}},
		{name: "a permission that grants nothing", c: call{granted: "Notes.ReadWrite.CreatedByApp", method: "GET", path: "/me/onenote/notebooks"}, want: deny, reason: MissingPermission},
	})
}

func TestCheckRelation(t *testing.T) {
	fact := func(f Fact, r Reach) func(t *testing.T, _ *evaluation, d *Decision) {
		return func(t *testing.T, _ *evaluation, d *Decision) {
			if d.Fact != f || d.Relation != r {
				t.Errorf("fact %s, relation %s; want %s, %s", d.Fact, d.Relation, f, r)
			}
		}
	}
	testCheck(t, CheckRelation, []checkCase{
		{name: "another user's mail, shared", c: call{granted: "Mail.Read.Shared", method: "GET", path: "/users/megan@contoso.com/messages", target: sharedRead}, want: pass, then: fact(FactShared, ReachShared)},
		{name: "another user's mail, not shared", c: call{granted: "Mail.Read.Shared", method: "GET", path: "/users/megan@contoso.com/messages", target: other}, want: deny, reason: NotShared,
			then: func(t *testing.T, _ *evaluation, d *Decision) {
				if d.Need != AccessRead || d.Via != nil {
					t.Errorf("need %s, via %v; want read, none", d.Need, d.Via)
				}
			}},
		{name: "a group's content, member", c: call{granted: "Group.ReadWrite.All", method: "POST", path: "/groups/g1/events", target: groupMember}, want: pass, then: fact(FactMember, ReachMember)},
		{name: "a group's content, outsider", c: call{granted: "Group.ReadWrite.All", method: "POST", path: "/groups/g1/events", target: groupOutside}, want: deny, reason: NotGroupMember},
		{name: "a chat, not a member", c: call{granted: "Chat.Read", method: "GET", path: "/chats/19:abc@thread.v2/messages", target: Target{Relation: RelChat}}, want: deny, reason: NotMember},
		{name: "another user's profile: directory data", c: call{granted: "User.Read.All", method: "GET", path: "/users/adele@contoso.com"}, want: pass, then: fact(FactTenant, ReachDirectory)},
		{name: "another user's drive: shared items only", c: call{granted: "Files.Read.All", method: "GET", path: "/drives/b!x/items/i", target: sharedRead},
			want: pass, then: func(t *testing.T, _ *evaluation, d *Decision) {
				if !d.SharedItemsOnly() {
					t.Error("not confined to the shared items")
				}
			}},
		// The most capable held permission lacks its relation; a less
		// capable one whose relation holds decides.
		// The most capable held permission (no property limit) needs an
		// administrator to read another user's directory data; the basic
		// profile permission, whose relation holds, decides.
		{name: "a held permission whose relation holds decides", c: call{granted: "User.ReadBasic.All DeviceManagementApps.Read.All", method: "GET", path: "/users/adele@contoso.com"},
			want: pass, then: func(t *testing.T, ev *evaluation, d *Decision) {
				if d.Granted == nil || d.Granted.Name != "User.ReadBasic.All" || d.Fact != FactTenant || ev.accepted[ev.granted].Perm != d.Granted {
					t.Errorf("granted %v on fact %s, want User.ReadBasic.All on tenant-wide directory data", d.Granted, d.Fact)
				}
			}},
		{name: "no held permission's relation holds", c: call{granted: "DeviceManagementApps.Read.All", method: "GET", path: "/users/adele@contoso.com"},
			want: deny, reason: UserLacksRole, then: func(t *testing.T, _ *evaluation, d *Decision) {
				if d.Rule != "directory-data-needs-admin" || d.Relation != ReachRole {
					t.Errorf("rule %q, relation %s", d.Rule, d.Relation)
				}
			}},
		{name: "own data", c: call{granted: "Mail.Read", method: "GET", path: "/me/messages"}, want: skip},
		{name: "an application permission", c: call{kind: App, granted: "Mail.Read", method: "GET", path: "/users/megan@contoso.com/messages"}, want: skip},
	})
}

func TestCheckGuestEnumeration(t *testing.T) {
	testCheck(t, CheckGuestEnumeration, []checkCase{
		{name: "guest lists users", c: call{guest: true, granted: "User.ReadBasic.All", method: "GET", path: "/users"}, want: deny, reason: GuestEnumeration},
		{name: "guest lists groups", c: call{guest: true, granted: "Group.Read.All", method: "GET", path: "/groups"}, want: deny, reason: GuestEnumeration},
		{name: "guest reads one user", c: call{guest: true, granted: "User.ReadBasic.All", method: "GET", path: "/users/241f22af-f634-44c0-9a15-c8cd2cea5531"}, want: skip},
		{name: "member lists users", c: call{granted: "User.ReadBasic.All", method: "GET", path: "/users"}, want: skip},
		{name: "guest creates a group", c: call{guest: true, granted: "Group.ReadWrite.All", method: "POST", path: "/groups"}, want: skip},
	})
}

func TestCheckRole(t *testing.T) {
	testCheck(t, CheckRole, []checkCase{
		// Creating a user names no user's data: the role rule, not a
		// relation, decides.
		{name: "non-admin creates a user", c: call{granted: "User.ReadWrite.All", method: "POST", path: "/users"}, want: deny, reason: UserLacksRole,
			then: func(t *testing.T, _ *evaluation, d *Decision) {
				if d.Rule != "user-writes-need-admin" {
					t.Errorf("rule %q", d.Rule)
				}
			}},
		{name: "user administrator creates a user", c: call{granted: "User.ReadWrite.All", roles: userAdmin, method: "POST", path: "/users"}, want: pass},
		{name: "owner adds a member", c: call{granted: "Group.ReadWrite.All User.ReadBasic.All", method: "POST", path: "/groups/g1/members/$ref", target: groupOwner}, want: pass},
		{name: "risk events without a role", c: call{granted: "IdentityRiskEvent.Read.All", method: "GET", path: "/identityProtection/riskDetections"}, want: deny, reason: UserLacksRole},
		{name: "risk events for a security reader", c: call{granted: "IdentityRiskEvent.Read.All", roles: secReader, method: "GET", path: "/identityProtection/riskDetections"}, want: pass},
		{name: "own profile", c: call{granted: "User.ReadWrite.All", method: "PATCH", path: "/me"}, want: pass},
		{name: "a permission no role rule names", c: call{granted: "Mail.Read", method: "GET", path: "/me/messages"}, want: skip},
		{name: "an application permission", c: call{kind: App, granted: "User.ReadWrite.All", method: "PATCH", path: "/users/adele@contoso.com"}, want: skip},
	})
}

func TestCheckMemberOf(t *testing.T) {
	inRole := Target{InRoleOrAU: true}
	testCheck(t, CheckMemberOf, []checkCase{
		{name: "a role member's memberOf without Directory", c: call{kind: App, granted: "Group.ReadBasic.All", method: "GET", path: "/users/adele@contoso.com/memberOf", target: inRole},
			want: deny, reason: MemberOfNeedsDirectory, then: func(t *testing.T, _ *evaluation, d *Decision) {
				if names(d.Also) != "Directory.Read.All, Directory.ReadWrite.All, Directory.AccessAsUser.All" {
					t.Errorf("also %s", names(d.Also))
				}
			}},
		{name: "with Directory.Read.All", c: call{kind: App, granted: "Directory.Read.All", method: "GET", path: "/users/adele@contoso.com/memberOf", target: inRole}, want: pass},
		{name: "a guest with Directory.Read.All", c: call{guest: true, granted: "Directory.Read.All", method: "GET", path: "/me/memberOf", target: inRole}, want: deny, reason: MemberOfNeedsDirectory},
		{name: "a user in no role", c: call{kind: App, granted: "Group.ReadBasic.All", method: "GET", path: "/users/adele@contoso.com/memberOf"}, want: skip},
		{name: "not a memberOf path", c: call{kind: App, granted: "User.Read.All", method: "GET", path: "/users/adele@contoso.com", target: inRole}, want: skip},
	})
}

func TestCheckHiddenMembership(t *testing.T) {
	hidden := Target{HiddenMembership: true}
	testCheck(t, CheckHiddenMembership, []checkCase{
		{name: "app without Member.Read.Hidden", c: call{kind: App, granted: "GroupMember.Read.All", method: "GET", path: "/groups/g1/members", target: hidden}, want: deny, reason: HiddenMembership},
		{name: "app with Member.Read.Hidden", c: call{kind: App, granted: "GroupMember.Read.All Member.Read.Hidden", method: "GET", path: "/groups/g1/members", target: hidden}, want: pass},
		{name: "a member", c: call{granted: "GroupMember.Read.All", method: "GET", path: "/groups/g1/members", target: Target{Relation: RelGroup, HiddenMembership: true, Member: true}}, want: pass},
		{name: "a groups administrator", c: call{granted: "GroupMember.Read.All", roles: admin, method: "GET", path: "/groups/g1/members", target: Target{Relation: RelGroup, HiddenMembership: true}}, want: pass},
		{name: "an outsider", c: call{granted: "GroupMember.Read.All", method: "GET", path: "/groups/g1/members", target: Target{Relation: RelGroup, HiddenMembership: true}}, want: deny, reason: HiddenMembership},
		{name: "membership not hidden", c: call{kind: App, granted: "GroupMember.Read.All", method: "GET", path: "/groups/g1/members"}, want: skip},
	})
}

// The checks run in order: a call two checks would deny is denied by the
// first, which the decision names.
func TestCheckOrder(t *testing.T) {
	for _, c := range []struct {
		name  string
		c     call
		check Check
	}{
		// App-only on /me and no permission at all: /me decides.
		{"app-only /me before the permission", call{kind: App, method: "GET", path: "/me/messages"}, CheckAppOnlyMe},
		// A guest listing users without a permission: the permission is
		// what is missing first.
		{"the permission before guest enumeration", call{guest: true, granted: "Mail.Read", method: "GET", path: "/users"}, CheckPermission},
		// Another user's unshared mail and a guest: the relation first.
		{"the relation before the role", call{granted: "User.ReadWrite.All", method: "PATCH", path: "/users/adele@contoso.com"}, CheckRelation},
		// A role member's memberOf, hidden: memberOf first.
		{"memberOf before hidden membership", call{kind: App, granted: "Group.ReadBasic.All", method: "GET", path: "/users/adele@contoso.com/memberOf", target: Target{InRoleOrAU: true, HiddenMembership: true}}, CheckMemberOf},
	} {
		t.Run(c.name, func(t *testing.T) {
			d := Default().Decide(principal(t, c.c), c.c.method, c.c.path, c.c.target)
			if d.Allow || d.Check != c.check {
				t.Errorf("allow %v by check %s (%s), want denied by %s", d.Allow, d.Check, d.Reason, c.check)
			}
		})
	}
}

// reasonCheck is the check that gives each reason. UserLacksRole comes
// from two: the relation (an administrator role standing in for one) and
// the role rules.
var reasonCheck = map[Reason][]Check{
	NoRoute: {CheckRoute}, MethodNotAllowed: {CheckRoute}, BadRequest: {CheckRoute},
	MeRequiresDelegated: {CheckAppOnlyMe}, SchemeNotSupported: {CheckScheme}, OwnDataOnly: {CheckOwnData},
	MissingPermission: {CheckPermission, CheckProperty}, AlsoRequires: {CheckPermission},
	NotShared: {CheckRelation}, NotGroupMember: {CheckRelation}, NotMember: {CheckRelation},
	UserLacksRole: {CheckRelation, CheckRole, CheckProperty}, GuestEnumeration: {CheckGuestEnumeration},
	MemberOfNeedsDirectory: {CheckMemberOf}, HiddenMembership: {CheckHiddenMembership},
}

// checkFits says how d's check does not fit its reason ("" when it does):
// a denial names the check that gives its reason, an allowed call the
// relation exactly when it rested on one.
func checkFits(d *Decision) string {
	if d.Allow {
		want := CheckPermission
		if d.Relation != ReachNone {
			want = CheckRelation
		}
		if d.Check != want {
			return fmt.Sprintf("allowed by check %s, want %s", d.Check, want)
		}
		return ""
	}
	if !containsCheck(reasonCheck[d.Reason], d.Check) {
		return fmt.Sprintf("%s by check %s, want one of %v", d.Reason, d.Check, reasonCheck[d.Reason])
	}
	return ""
}

// Every decision of the reference's examples names the check that gave
// its reason (the engine's other tables check it in run).
func TestDecisionNamesCheck(t *testing.T) {
	e := Default()
	seen := map[Check]bool{}
	for _, ex := range referenceExamples {
		c := ex.c
		path := ex.path
		if path == "" {
			_, path, _ = strings.Cut(ex.seed, " ")
		}
		method, _, _ := strings.Cut(ex.seed, " ")
		c.name = ex.seed
		d := e.Decide(principal(t, c), method, path, c.target)
		seen[d.Check] = true
		if msg := checkFits(&d); msg != "" {
			t.Errorf("%s: %s", ex.seed, msg)
		}
	}
	t.Logf("checks that decided the reference's examples: %v", seen)
}

func containsCheck(l []Check, c Check) bool {
	for _, x := range l {
		if x == c {
			return true
		}
	}
	return false
}

func TestCheckNames(t *testing.T) {
	seen := map[string]Check{}
	for c := CheckRoute; c <= CheckProperty; c++ {
		n := c.String()
		if n == "" || n == "check" || strings.ToLower(n) != n || strings.ContainsAny(n, " ;") {
			t.Errorf("check %d has name %q: want a stable lower-case token", c, n)
		}
		if o, dup := seen[n]; dup {
			t.Errorf("checks %d and %d share the name %q", o, c, n)
		}
		seen[n] = c
	}
	if CheckNone.String() != "" {
		t.Errorf("CheckNone = %q", CheckNone.String())
	}
}
