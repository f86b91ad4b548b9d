package report

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"testing"

	"graphgate/internal/planner"
)

// callList renders the integration's calls as a call list, as a user
// would replay them against graph.microsoft.com.
func callList(scheme string, calls []planner.Call, query func(planner.Call) string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "# app=ha-o365 scheme=%s\n", scheme)
	for _, c := range calls {
		q := c.Query
		if query != nil {
			q = query(c)
		}
		u := "https://graph.microsoft.com/v1.0" + c.Path
		if q != "" {
			u += "?" + q
		}
		fmt.Fprintf(&b, "%s %s\n", c.Method, u)
	}
	return b.String()
}

// TestHomeAssistantCalls replays the Home Assistant O365 integration's
// calls (every call of the reference, with its query options) and
// compares the minimal set with the planner's scopes. Where they differ,
// the comparison says which side is right and why; every difference here
// is one the test expects, with its reason.
func TestHomeAssistantCalls(t *testing.T) {
	const selfProfile = "User.ReadBasic.All allows GET /me; the planner requests it because the integration checks for it itself (['User.Read', []])"

	all := planner.Config{Groups: true, EmailSensors: true, QuerySensors: true, StatusSensors: true,
		OtherStatusEmails: []string{"megan@contoso.com"}, ChatSensors: true, Todo: true, AutoReply: true, EnableUpdate: true}
	readOnly := all
	readOnly.EnableUpdate = false
	noGroups := all
	noGroups.Groups = false
	shared := all
	shared.SharedMailbox = "support@contoso.com"
	bareLookup := func(c planner.Call) string {
		if c.Feature == planner.FeatureOtherStatus && !strings.HasSuffix(c.Path, "/presence") {
			return "" // the reference's GET /users/{email}, without options
		}
		return c.Query
	}
	for _, c := range []struct {
		name  string
		cfg   planner.Config
		query func(planner.Call) string
		// onlyInPlan and onlyInMinimal: the expected differences, each
		// with a part of its reason.
		onlyInPlan, onlyInMinimal map[string]string
	}{
		// The brief's configuration. Group.ReadWrite.All, needed for group
		// events, also sends chat messages (the route table lists it for
		// POST /chats/{id}/messages), so the calls need only Chat.Read
		// besides; the integration itself checks for Chat.ReadWrite before
		// it registers its send-chat service, so the planner is right to
		// request it for the integration, and the report right about Graph.
		// User.ReadBasic.All, needed to look up other users, also reads the
		// signed-in user's full profile (the permissions reference), so
		// the calls need no User.Read; the integration checks for it.
		{name: "all features, enable_update", cfg: all,
			onlyInPlan: map[string]string{"Chat.ReadWrite": "Group.ReadWrite.All allows POST /chats/{id}/messages; the planner requests it because the integration checks for it itself (['Chat.ReadWrite', []])",
				"User.Read": selfProfile},
			onlyInMinimal: map[string]string{"Chat.Read": "The plan allows its calls with scopes of its own"}},
		// Read only: the integration requests Presence.Read for every status
		// sensor, and Presence.Read.All (another user's status) includes it.
		{name: "all features, read only", cfg: readOnly,
			onlyInPlan: map[string]string{"Presence.Read": "Presence.Read.All, which the plan also requests, includes it", "User.Read": selfProfile}},
		{name: "all but group calendars, enable_update", cfg: noGroups, onlyInPlan: map[string]string{"User.Read": selfProfile}},
		{name: "shared mailbox, enable_update", cfg: shared},
		{name: "personal account", cfg: planner.Config{AccountType: planner.Personal, EmailSensors: true, Todo: true, EnableUpdate: true}},
		{name: "basic calendar", cfg: planner.Config{BasicCalendar: true, EmailSensors: true}},
		{name: "default: calendar only", cfg: planner.Config{}},
		// The reference lists GET /users/{email} without options: Graph then
		// answers with the default properties, which User.ReadBasic.All
		// trims. The integration reads only the id, so the planner's
		// User.ReadBasic.All is right for it; the minimal set of calls that
		// ask for more is User.Read.All, which also reads the signed-in
		// user's profile (User.Read), which the integration checks for.
		{name: "user lookup without $select", cfg: noGroups, query: bareLookup,
			onlyInPlan: map[string]string{"User.ReadBasic.All": "only with a trimmed answer",
				"User.Read": "User.Read.All allows GET /me; the planner requests it because the integration checks for it itself (['User.Read', []])"},
			onlyInMinimal: map[string]string{"User.Read.All": "only with a trimmed answer, its basic properties"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			pl := planner.New(nil)
			calls, err := pl.Calls(c.cfg)
			if err != nil {
				t.Fatal(err)
			}
			scheme := "delegated"
			if c.cfg.AccountType == planner.Personal {
				scheme = "personal"
			}
			r := fromList(t, callList(scheme, calls, c.query), Options{})
			if r.Unplaced != 0 || len(r.Groups) != 1 {
				t.Fatalf("unplaced %s, %d groups", dump(r.UnplacedCalls), len(r.Groups))
			}
			g := &r.Groups[0]
			if len(g.Impossible) > 0 || !g.Minimal.Exact {
				t.Fatalf("impossible %+v, exact %v", g.Impossible, g.Minimal.Exact)
			}
			plan, err := pl.Plan(c.cfg)
			if err != nil {
				t.Fatal(err)
			}
			// The minimal set is the plan's scopes with exactly the expected
			// differences.
			want := map[string]bool{}
			for _, s := range plan.MSALScopes {
				want[s] = true
			}
			for s := range c.onlyInPlan {
				delete(want, s)
			}
			for s := range c.onlyInMinimal {
				want[s] = true
			}
			wantList := sortedKeys(want)
			if got := minimal(g); !slices.Equal(got, wantList) {
				t.Fatalf("minimal %v\nwant    %v (plan %v)\n%s", got, wantList, plan.MSALScopes, dumpGroup(g))
			}
			// The comparison finds the configuration, the plan, and explains
			// each difference.
			cmp, err := testAnalyzer.ComparePlan(g, pl)
			if err != nil {
				t.Fatal(err)
			}
			if !cmp.Covered || len(cmp.Foreign) > 0 {
				t.Errorf("covered %v, foreign %v\n%s", cmp.Covered, cmp.Foreign, dump(cmp.Calls))
			}
			if got, want := sorted(cmp.Plan.MSALScopes), sorted(plan.MSALScopes); !slices.Equal(got, want) {
				t.Errorf("the comparison planned %v, the configuration %v (inferred %+v)", got, want, cmp.Config)
			}
			check := func(kind string, got []Difference, want map[string]string) {
				if len(got) != len(want) {
					t.Errorf("%s: %s, want %v", kind, dump(got), want)
				}
				for _, d := range got {
					if w, ok := want[d.Permission]; !ok || !strings.Contains(d.Why, w) {
						t.Errorf("%s %s: %q, want it to say %q", kind, d.Permission, d.Why, w)
					}
				}
			}
			check("only in the plan", cmp.OnlyInPlan, c.onlyInPlan)
			check("only in the minimal set", cmp.OnlyInMinimal, c.onlyInMinimal)
			if cmp.Explanation == "" {
				t.Error("no explanation")
			}
		})
	}
}

// TestComparePlanForeign: calls the integration does not make are named,
// and a plan that does not allow a call says so.
func TestComparePlanForeign(t *testing.T) {
	r := fromList(t, "GET /v1.0/me\nGET /v1.0/me/todo/lists\nGET /v1.0/me/drive/root/children\n", Options{})
	cmp, err := testAnalyzer.ComparePlan(&r.Groups[0], planner.New(nil))
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(cmp.Foreign, []string{"GET /me/drive/root/children"}) {
		t.Errorf("foreign %v", cmp.Foreign)
	}
	var features []planner.Feature
	for _, f := range cmp.Features {
		features = append(features, f.Feature)
	}
	if !slices.Equal(features, []planner.Feature{planner.FeatureAccount, planner.FeatureTodo}) || !cmp.Config.Todo || cmp.Config.CalendarEnabled() {
		t.Errorf("features %v, config %+v", features, cmp.Config)
	}
	if !cmp.Covered || len(cmp.OnlyInMinimal) != 1 || cmp.OnlyInMinimal[0].Permission != "Files.Read" ||
		!strings.Contains(cmp.OnlyInMinimal[0].Why, "Needed by GET /me/drive/root/children, which the integration does not call") {
		t.Errorf("%s", dump(cmp))
	}
	// Application traffic is not the integration's.
	r = fromList(t, "GET /v1.0/users\n", Options{DefaultScheme: Application})
	if _, err := testAnalyzer.ComparePlan(&r.Groups[0], planner.New(nil)); err == nil {
		t.Error("application traffic compared with the integration")
	}
}

func sorted(s []string) []string {
	out := slices.Clone(s)
	sort.Strings(out)
	return out
}

// TestComparePlanUncovered: calls the plan does not allow are named, and
// the comparison says so. Event writes next to a calendar view that reads
// only basic properties show basic_calendar with enable_update, where the
// integration's basic_calendar wins and registers no write service.
func TestComparePlanUncovered(t *testing.T) {
	r := fromList(t, "GET /v1.0/me\nGET /v1.0/me/calendars/c1/calendarView?$select=subject,start,end\nPOST /v1.0/me/calendars/c1/events\n", Options{})
	cmp, err := testAnalyzer.ComparePlan(&r.Groups[0], planner.New(nil))
	if err != nil {
		t.Fatal(err)
	}
	if !cmp.Config.BasicCalendar || !cmp.Config.UpdateFor(planner.FeatureCalendar) {
		t.Errorf("config %+v", cmp.Config)
	}
	if cmp.Covered {
		t.Errorf("covered: %s", dump(cmp.Calls))
	}
	if len(cmp.OnlyInMinimal) != 1 || cmp.OnlyInMinimal[0].Permission != "Calendars.ReadWrite" ||
		!strings.Contains(cmp.OnlyInMinimal[0].Why, "do not allow POST /me/calendars/{id}/events, calls of the integration") {
		t.Errorf("%s", dump(cmp.OnlyInMinimal))
	}
	if !strings.Contains(cmp.Explanation, "do NOT allow") {
		t.Errorf("explanation %q", cmp.Explanation)
	}
}
