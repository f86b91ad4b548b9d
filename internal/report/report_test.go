package report

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"
)

var testAnalyzer = New(nil)

// fromList builds the report of a call list.
func fromList(t *testing.T, list string, o Options) *Report {
	t.Helper()
	b := testAnalyzer.NewBuilder(o)
	if err := ReadCallList(context.Background(), strings.NewReader(list), b); err != nil {
		t.Fatal(err)
	}
	r, err := b.Report(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// fromHAR builds the report of a HAR file of testdata.
func fromHAR(t *testing.T, name string, o Options) *Report {
	t.Helper()
	f, err := os.Open("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	b := testAnalyzer.NewBuilder(o)
	if err := ReadHAR(context.Background(), f, b); err != nil {
		t.Fatal(err)
	}
	r, err := b.Report(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func minimal(g *Group) []string {
	var out []string
	for _, c := range g.Minimal.Permissions {
		out = append(out, c.Permission)
	}
	return out
}

func group(t *testing.T, r *Report, app, scheme string) *Group {
	t.Helper()
	for i := range r.Groups {
		if r.Groups[i].App == app && r.Groups[i].Scheme == scheme {
			return &r.Groups[i]
		}
	}
	t.Fatalf("no group for app %q, %s; groups: %s", app, scheme, dump(r))
	return nil
}

func endpoint(t *testing.T, g *Group, method, template string) *Endpoint {
	t.Helper()
	for i := range g.Endpoints {
		if g.Endpoints[i].Method == method && g.Endpoints[i].Template == template {
			return &g.Endpoints[i]
		}
	}
	t.Fatalf("no endpoint %s %s in %s", method, template, dumpGroup(g))
	return nil
}

func dump(v any) string {
	b, _ := json.MarshalIndent(v, "", " ")
	return string(b)
}

func dumpGroup(g *Group) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s minimal=%v\n", g.App, g.Scheme, minimal(g))
	for _, e := range g.Endpoints {
		fmt.Fprintf(&b, "  %s %s least=%s covered=%s trimmed=%v\n", e.Method, e.Template, e.Least, e.CoveredBy, e.TrimmedBy)
	}
	return b.String()
}

// TestMinimalSets: what the calls need, from the examples and the
// wrong answers of other tools.
func TestMinimalSets(t *testing.T) {
	for _, c := range []struct {
		name    string
		list    string
		scheme  Scheme
		minimal []string
		narrow  map[string][]string // granted → the minimal ones it includes
		excess  []string
		add     []string
	}{
		// An app granted Mail.ReadWrite that only reads mail is told
		// Mail.Read; reading only basic properties, Mail.ReadBasic.
		{name: "reads mail with Mail.ReadWrite", list: "# granted=Mail.ReadWrite\nGET /v1.0/me/messages\nGET /v1.0/me/messages/AAMk1\n",
			minimal: []string{"Mail.Read"}, narrow: map[string][]string{"Mail.ReadWrite": {"Mail.Read"}}},
		{name: "reads basic mail properties", list: "# granted=Mail.ReadWrite\nGET /v1.0/me/messages?$select=subject,from,receivedDateTime&$top=10\nGET /v1.0/me/mailFolders/inbox/messages?$select=subject,isRead\n",
			minimal: []string{"Mail.ReadBasic"}, narrow: map[string][]string{"Mail.ReadWrite": {"Mail.ReadBasic"}}},
		{name: "selects the body", list: "GET /v1.0/me/messages?$select=subject,body\n", minimal: []string{"Mail.Read"}},
		{name: "expands attachments", list: "GET /v1.0/me/messages/AAMk1?$select=subject&$expand=attachments($select=name,size)\n", minimal: []string{"Mail.Read"}},
		{name: "selects every property", list: "GET /v1.0/me/messages?$select=*\n", minimal: []string{"Mail.Read"}},
		{name: "mail folders are not messages", list: "GET /v1.0/me/mailFolders\n", minimal: []string{"Mail.ReadBasic"}},
		// Mail.ReadWrite does not include Mail.Send: reading and sending
		// need two permissions, not one broader one.
		{name: "reads and sends", list: "# granted=Mail.ReadWrite,Mail.Send\nGET /v1.0/me/messages\nPOST /v1.0/me/sendMail\n",
			minimal: []string{"Mail.Read", "Mail.Send"}, narrow: map[string][]string{"Mail.ReadWrite": {"Mail.Read"}}},
		{name: "writes mail", list: "GET /v1.0/me/messages\nPOST /v1.0/me/messages\n", minimal: []string{"Mail.ReadWrite"}},
		// Another user's mailbox needs .Shared delegated; the grammar puts
		// own data inside .Shared, so one permission covers both.
		{name: "own and shared calendars", list: "GET /v1.0/me/calendars/c1/calendarView?$select=subject,body\nGET /v1.0/users/support@contoso.com/calendar/calendarView?$select=subject,body\n",
			minimal: []string{"Calendars.Read.Shared"}},
		// dev-proxy #1474: Confirm-MgUserMemberObject (checkMemberObjects)
		// needs Directory.Read.All, not Application.ReadWrite.All; Get-MgUser
		// and Get-MgUserLicenseDetail need User.Read.All alone, not
		// LicenseAssignment.Read plus User.ReadBasic.All.
		{name: "dev-proxy 1474 checkMemberObjects", scheme: Application,
			list:    "# granted=User.Read.All\nPOST https://graph.microsoft.com/v1.0/users/xxx.onmicrosoft.com/checkMemberObjects\n",
			minimal: []string{"Directory.Read.All"}, add: []string{"Directory.Read.All"}, excess: []string{"User.Read.All"}},
		{name: "dev-proxy 1474 users and licenses", scheme: Application,
			list:    "# granted=User.Read.All\nGET https://graph.microsoft.com/v1.0/users/xxx.onmicrosoft.com/licenseDetails\nGET https://graph.microsoft.com/v1.0/users?$top=1\n",
			minimal: []string{"User.Read.All"}},
		// dev-proxy #1153: the least privileged permission of GET /groups
		// trims the answer, and a tool that returns only it returns
		// nothing useful; the report names what answers in full.
		{name: "dev-proxy 1153 groups", list: "GET /v1.0/groups\n", minimal: []string{"GroupMember.Read.All"}},
		{name: "groups, basic properties", list: "GET /v1.0/groups?$select=id,displayName\n", minimal: []string{"Group.ReadBasic.All"}},
		// One permission that includes the others replaces them.
		{name: "calendar writes cover reads", list: "GET /v1.0/me/events?$select=subject,body\nPOST /v1.0/me/events\nGET /v1.0/me/calendars\n", minimal: []string{"Calendars.ReadWrite"}},
		// /users/{id} naming the signed-in user is their own data.
		{name: "own mailbox by name", list: "# user=adele@contoso.com\nGET /v1.0/users/adele@contoso.com/messages\n", minimal: []string{"Mail.Read"}},
		{name: "another mailbox", list: "GET /v1.0/users/megan@contoso.com/messages\n", minimal: []string{"Mail.Read.Shared"}},
		// Application permissions for a daemon.
		{name: "daemon mail", scheme: Application, list: "GET /v1.0/users/megan@contoso.com/messages?$select=subject,body\nPOST /v1.0/users/megan@contoso.com/sendMail\n",
			minimal: []string{"Mail.Read", "Mail.Send"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := fromList(t, c.list, Options{DefaultScheme: c.scheme})
			if len(r.Groups) != 1 {
				t.Fatalf("%d groups: %s", len(r.Groups), dump(r))
			}
			g := &r.Groups[0]
			if got := minimal(g); !slices.Equal(got, c.minimal) {
				t.Fatalf("minimal %v, want %v\n%s", got, c.minimal, dumpGroup(g))
			}
			if !g.Minimal.Exact {
				t.Errorf("not exact: %s", g.Minimal.Note)
			}
			narrow := map[string][]string{}
			for _, n := range g.Narrow {
				narrow[n.From] = n.To
			}
			if len(narrow) != len(c.narrow) {
				t.Errorf("narrow %v, want %v", narrow, c.narrow)
			}
			for from, to := range c.narrow {
				if !slices.Equal(narrow[from], to) {
					t.Errorf("narrow %s to %v, want %v", from, narrow[from], to)
				}
			}
			var excess []string
			for _, e := range g.Excess {
				excess = append(excess, e.Permission)
			}
			if !slices.Equal(excess, c.excess) {
				t.Errorf("excess %v, want %v", excess, c.excess)
			}
			if !slices.Equal(g.Add, c.add) {
				t.Errorf("add %v, want %v", g.Add, c.add)
			}
			for _, p := range g.Minimal.Permissions {
				if p.Why == "" {
					t.Errorf("%s has no reason", p.Permission)
				}
			}
		})
	}
}

// TestWhyOneReplacesSeveral: when a permission stands in for ones the
// calls alone would need, the report says which and why — by the
// grammar, or because the route table lists it.
func TestWhyOneReplacesSeveral(t *testing.T) {
	r := fromList(t, "GET /v1.0/me/events?$select=subject,body\nPOST /v1.0/me/events\nGET /v1.0/me/calendars\n", Options{})
	why := group(t, r, "", "DelegatedWork").Minimal.Permissions[0].Why
	for _, want := range []string{"Least privileged for POST /me/events", "Also allows GET /me/calendars, which alone would need Calendars.ReadBasic: Calendars.ReadWrite includes Calendars.ReadBasic"} {
		if !strings.Contains(why, want) {
			t.Errorf("why %q lacks %q", why, want)
		}
	}
	// Group.ReadWrite.All, needed for group events, also sends chat
	// messages: the route table lists it there, the grammar does not say so.
	r = fromList(t, "POST /v1.0/groups/g1/calendar/events\nPOST /v1.0/chats/c1/messages\n", Options{})
	g := group(t, r, "", "DelegatedWork")
	if got := minimal(g); !slices.Equal(got, []string{"Group.ReadWrite.All"}) {
		t.Fatalf("minimal %v", got)
	}
	if why := g.Minimal.Permissions[0].Why; !strings.Contains(why, "which alone would need ChatMessage.Send: the route table lists Group.ReadWrite.All for it") {
		t.Errorf("why %q", why)
	}
	// A permission least privileged for none of the calls replaces the two
	// they would need one by one (dev-proxy #1474's LicenseAssignment and
	// User.ReadBasic.All), and says so.
	r = fromList(t, "GET /v1.0/users/u1?$select=id,displayName\nGET /v1.0/users/u1/licenseDetails\n", Options{DefaultScheme: Application})
	g = group(t, r, "", "Application")
	if got := minimal(g); !slices.Equal(got, []string{"User.Read.All"}) {
		t.Fatalf("minimal %v", got)
	}
	why = g.Minimal.Permissions[0].Why
	for _, want := range []string{"Stands in for LicenseAssignment.Read.All and User.ReadBasic.All: one permission instead of 2 at privilege level 3 or below.",
		"User.Read.All includes User.ReadBasic.All", "the route table lists User.Read.All for it, so LicenseAssignment.Read.All is not needed"} {
		if !strings.Contains(why, want) {
			t.Errorf("why %q lacks %q", why, want)
		}
	}
}

// TestUnplacedNeverFatal (dev-proxy #1565): calls graphgate cannot place
// are listed apart, grouped, and the report of the rest is whole.
func TestUnplacedNeverFatal(t *testing.T) {
	list := `GET https://graph.microsoft.com/v1.0/me
GET https://graph.microsoft.com/v1.0/me/contosoWidgets
GET https://graph.microsoft.com/v1.0/me/contosoWidgets?$top=5
DELETE https://graph.microsoft.com/v1.0/me/sendMail
HEAD https://graph.microsoft.com/v1.0/me
GET https://contoso.sharepoint.com/_api/web
GET https://graph.microsoft.com/me
GET ftp://graph.microsoft.com/v1.0/me
POST /v1.0/$batch
GET
GET /v1.0/me 200 extra
GET /v1.0/me abc
me/messages
`
	r := fromList(t, list, Options{})
	if r.Calls != 13 || r.Placed != 1 || r.Unplaced != 12 {
		t.Fatalf("calls %d placed %d unplaced %d\n%s", r.Calls, r.Placed, r.Unplaced, dump(r.UnplacedCalls))
	}
	if got := minimal(group(t, r, "", "DelegatedWork")); !slices.Equal(got, []string{"User.Read"}) {
		t.Errorf("minimal %v", got)
	}
	want := map[string]int{UnplacedRoute: 2, UnplacedNoRule: 1, UnplacedMethod: 1, UnplacedHost: 2, UnplacedVersion: 1, UnplacedBatch: 1, UnplacedLine: 4}
	got := map[string]int{}
	for _, u := range r.UnplacedCalls {
		got[u.Reason] += u.Calls
		if u.Detail == "" {
			t.Errorf("%+v has no detail", u)
		}
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s: %d calls, want %d (%v)", k, got[k], v, got)
		}
	}
	// The two calls of one unknown path are one entry, counted twice.
	for _, u := range r.UnplacedCalls {
		if u.Reason == UnplacedRoute && u.Calls != 2 {
			t.Errorf("%+v", u)
		}
	}
}

// TestUnplacedBounded: distinct unplaced calls are kept up to a bound and
// counted beyond it.
func TestUnplacedBounded(t *testing.T) {
	b := testAnalyzer.NewBuilder(Options{})
	for i := 0; i < maxUnplaced+50; i++ {
		b.Add(Call{Method: "GET", URL: fmt.Sprintf("https://example.com/%d", i)})
	}
	r, err := b.Report(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(r.UnplacedCalls) != maxUnplaced || r.UnplacedOmitted != 50 || r.Unplaced != maxUnplaced+50 {
		t.Errorf("listed %d, omitted %d, counted %d", len(r.UnplacedCalls), r.UnplacedOmitted, r.Unplaced)
	}
}

// TestHAR: a DevTools export — a delegated and an app-only token of one
// app, reported apart; the $batch unpacked with its statuses; unknown
// URLs, another host and a CORS preflight unplaced.
func TestHAR(t *testing.T) {
	r := fromHAR(t, "devtools.har", Options{})
	const app = "9f1c2b7e-3a4d-4e5f-8a6b-7c8d9e0f1a2b"
	if len(r.Groups) != 2 {
		t.Fatalf("%d groups, want delegated and application apart: %s", len(r.Groups), dump(r))
	}
	d := group(t, r, app, "DelegatedWork")
	if !d.GrantKnown || !slices.Equal(d.Granted, []string{"Mail.ReadWrite", "Mail.Send", "User.Read"}) || !slices.Equal(d.SignIn, []string{"email", "openid", "profile"}) {
		t.Errorf("granted %v, sign-in %v", d.Granted, d.SignIn)
	}
	if got := minimal(d); !slices.Equal(got, []string{"Calendars.ReadBasic", "Mail.ReadBasic", "Mail.Send", "User.Read"}) {
		t.Errorf("minimal %v\n%s", got, dumpGroup(d))
	}
	if !slices.Equal(d.Add, []string{"Calendars.ReadBasic"}) || len(d.Narrow) != 1 || d.Narrow[0].From != "Mail.ReadWrite" || len(d.Excess) != 0 {
		t.Errorf("add %v narrow %+v excess %+v", d.Add, d.Narrow, d.Excess)
	}
	// The batch's first request was refused (403 in the batch response).
	if len(d.Denied) != 1 || d.Denied[0].Template != "/me/events" || d.Denied[0].Predicted ||
		!slices.Equal(d.Denied[0].RequestIDs, []string{"7f3c2a10-0000-4000-8000-000000000003"}) || d.Denied[0].WouldAllow[0] != "Calendars.ReadBasic" {
		t.Errorf("denied %s", dump(d.Denied))
	}
	if ep := endpoint(t, d, "POST", "/me/sendmail"); ep.Calls != 1 || ep.Grant != "allows" {
		t.Errorf("sendMail from the batch: %+v", ep)
	}
	// The token's user principal name makes /users/adele… her own mailbox.
	if ep := endpoint(t, d, "GET", "/users/{id}/messages"); !ep.OwnData || ep.CoveredBy != "Mail.ReadBasic" {
		t.Errorf("own mailbox by name: %+v", ep)
	}
	a := group(t, r, app, "Application")
	if got := minimal(a); !slices.Equal(got, []string{"User.Read.All"}) {
		t.Errorf("application minimal %v\n%s", got, dumpGroup(a))
	}
	if len(a.Excess) != 1 || a.Excess[0].Permission != "Mail.Read" {
		t.Errorf("application excess %+v", a.Excess)
	}
	if len(a.Impossible) != 1 || a.Impossible[0].Reason != "me_requires_delegated" {
		t.Errorf("impossible %+v", a.Impossible)
	}
	reasons := map[string]string{}
	for _, u := range r.UnplacedCalls {
		reasons[u.URL] = u.Reason
	}
	for url, want := range map[string]string{
		"https://graph.microsoft.com/v1.0/me/contosoWidgets":                          UnplacedRoute,
		"https://contoso.sharepoint.com/sites/intranet/_api/web/lists":                UnplacedHost,
		"https://login.microsoftonline.com/contoso.onmicrosoft.com/oauth2/v2.0/token": UnplacedHost,
		"https://graph.microsoft.com/v1.0/me/messages":                                UnplacedMethod,
	} {
		if reasons[url] != want {
			t.Errorf("%s: %q, want %q", url, reasons[url], want)
		}
	}
	if r.Calls != 11 || r.Placed != 7 {
		t.Errorf("calls %d placed %d", r.Calls, r.Placed)
	}
	if d.FirstSeen == nil || d.FirstSeen.Format("15:04:05") != "09:00:00" || d.LastSeen.Format("15:04:05") != "09:00:04" {
		t.Errorf("seen %v – %v", d.FirstSeen, d.LastSeen)
	}
}

// TestHARBatchFiddler: a Fiddler export whose batch response is base64,
// whose batch URLs are relative without a leading slash, on beta; a batch
// whose body is not JSON is unplaced, not fatal.
func TestHARBatchFiddler(t *testing.T) {
	r := fromHAR(t, "fiddler.har", Options{})
	g := group(t, r, "", "DelegatedWork")
	if got := minimal(g); !slices.Equal(got, []string{"Files.Read", "Mail.ReadWrite"}) {
		t.Errorf("minimal %v\n%s", got, dumpGroup(g))
	}
	del := endpoint(t, g, "DELETE", "/me/messages/{id}")
	if del.Denied != 1 || !slices.Equal(del.RequestIDs, []string{"fdd1-c"}) || del.Examples[0] != "https://graph.microsoft.com/beta/me/messages/AAMkAGI2" {
		t.Errorf("delete %+v", del)
	}
	var kinds []string
	for _, u := range r.UnplacedCalls {
		kinds = append(kinds, u.Reason)
	}
	slices.Sort(kinds)
	if !slices.Equal(kinds, []string{UnplacedBatch, UnplacedInBatch}) {
		t.Errorf("unplaced %s", dump(r.UnplacedCalls))
	}
}

// TestNotHAR: input that is not a HAR file is an error that says so.
func TestNotHAR(t *testing.T) {
	for _, in := range []string{"", "[]", `{"log": []}`, `{"creator": {}}`, `{"log": {"entries": [{"request": 5}]}}`} {
		err := ReadHAR(context.Background(), strings.NewReader(in), testAnalyzer.NewBuilder(Options{}))
		if err == nil || !strings.Contains(err.Error(), ErrNotHAR.Error()) {
			t.Errorf("%q: %v", in, err)
		}
	}
}

// TestSchemesApart: one app's delegated and application calls are two
// groups; directives set app, scheme and grant per line.
func TestSchemesApart(t *testing.T) {
	list := `# app=11111111-1111-1111-1111-111111111111 scheme=delegated granted=Mail.Read,User.Read
GET /v1.0/me/messages
# scheme=application granted=Mail.Read
GET /v1.0/users/megan@contoso.com/messages
# a comment with = in it is not a directive: x=1
# app= scheme= granted=
GET /v1.0/me/events
`
	r := fromList(t, list, Options{})
	if len(r.Groups) != 3 {
		t.Fatalf("%d groups: %s", len(r.Groups), dump(r.Groups))
	}
	const app = "11111111-1111-1111-1111-111111111111"
	if got := minimal(group(t, r, app, "DelegatedWork")); !slices.Equal(got, []string{"Mail.Read"}) {
		t.Errorf("delegated %v", got)
	}
	if g := group(t, r, app, "Application"); !slices.Equal(minimal(g), []string{"Mail.Read"}) || g.Endpoints[0].Template != "/users/{id}/messages" {
		t.Errorf("application %s", dumpGroup(g))
	}
	u := group(t, r, "", "DelegatedWork")
	if u.GrantKnown || u.SchemeAssumed != 1 {
		t.Errorf("unknown app: %+v", u)
	}
	if len(r.Notes) != 1 || !strings.Contains(r.Notes[0], "1 calls did not say their scheme") {
		t.Errorf("notes %v", r.Notes)
	}
	// --app and --scheme keep one group.
	r = fromList(t, list, Options{App: app, OnlyScheme: Application})
	if len(r.Groups) != 1 || r.Filtered != 2 {
		t.Errorf("filtered: %d groups, %d filtered", len(r.Groups), r.Filtered)
	}
}

// TestDenied: observed refusals and, with a known grant, predicted ones,
// each with what would allow it; DeniedAllowedBy links a permission to
// the calls it would have allowed.
func TestDenied(t *testing.T) {
	r := fromList(t, "# granted=User.Read\nGET /v1.0/me\nGET /v1.0/me/messages 403\nGET /v1.0/me/todo/lists\n", Options{})
	g := group(t, r, "", "DelegatedWork")
	if len(g.Denied) != 2 {
		t.Fatalf("denied %s", dump(g.Denied))
	}
	if d := g.Denied[0]; d.Template != "/me/messages" || d.Predicted || d.Calls != 1 || d.WouldAllow[0] != "Mail.Read" {
		t.Errorf("observed %+v", d)
	}
	if d := g.Denied[1]; d.Template != "/me/todo/lists" || !d.Predicted || d.InMinimal != "Tasks.Read" {
		t.Errorf("predicted %+v", d)
	}
	if got := g.DeniedAllowedBy("Tasks.Read"); len(got) != 1 || got[0].Template != "/me/todo/lists" {
		t.Errorf("DeniedAllowedBy(Tasks.Read) = %+v", got)
	}
	if got := g.DeniedAllowedBy("Calendars.Read"); len(got) != 0 {
		t.Errorf("DeniedAllowedBy(Calendars.Read) = %+v", got)
	}
	if !slices.Equal(g.Add, []string{"Mail.Read", "Tasks.Read"}) {
		t.Errorf("add %v", g.Add)
	}
}

// TestDeterministic: the same calls in another order give the same
// report, byte for byte.
func TestDeterministic(t *testing.T) {
	lines := []string{"# granted=Mail.ReadWrite", "GET /v1.0/me/messages", "POST /v1.0/me/sendMail 403", "GET /v1.0/me/events", "GET /v1.0/users/x/presence",
		"GET https://example.com/a", "GET /v1.0/groups", "GET /v1.0/me/drive/root/children", "PATCH /v1.0/me/mailboxSettings"}
	// Where an unplaced call was read differs with the order, and only it.
	report := func(list string) string {
		r := fromList(t, list, Options{})
		for i := range r.UnplacedCalls {
			r.UnplacedCalls[i].Where = ""
		}
		b, _ := json.Marshal(r)
		return string(b)
	}
	first := report(strings.Join(lines, "\n"))
	rest := slices.Clone(lines[1:])
	slices.Reverse(rest)
	second := report(lines[0] + "\n" + strings.Join(rest, "\n"))
	if first != second {
		t.Errorf("reports differ:\n%s\n%s", first, second)
	}
}

// TestWorstCaseNote: a rule whose need depends on a fact the traffic
// cannot tell takes the case that needs more, and says what would do
// otherwise.
func TestWorstCaseNote(t *testing.T) {
	r := fromList(t, "GET /v1.0/users/megan@contoso.com/memberOf\n", Options{DefaultScheme: Application})
	g := group(t, r, "", "Application")
	if got := minimal(g); !slices.Equal(got, []string{"Directory.Read.All"}) {
		t.Fatalf("minimal %v\n%s", got, dumpGroup(g))
	}
	if ep := g.Endpoints[0]; len(ep.Notes) == 0 || !strings.Contains(strings.Join(ep.Notes, " "), "would do for targets in none") {
		t.Errorf("notes %v", ep.Notes)
	}
}
