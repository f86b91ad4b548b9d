package routes

import (
	"bytes"
	"errors"
	"os"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"graphgate/internal/catalog"
)

var paramRe = regexp.MustCompile(`\{[^}]*\}`)

// concrete turns a template into a request path a client could send.
func concrete(template string, upper bool) string {
	n := 0
	s := paramRe.ReplaceAllStringFunc(template, func(string) string {
		n++
		return "X" + strings.Repeat("y", n)
	})
	// Function arguments were {value}: quote them as a client would.
	s = regexp.MustCompile(`=(Xy+)`).ReplaceAllString(s, "='$1'")
	s = strings.ReplaceAll(s, "/.../", "/childFolders/Xz/")
	if upper {
		s = strings.ToUpper(s[:2]) + s[2:]
	}
	return s
}

// Every method+path pair of Microsoft's data answers with its own rule when
// requested with concrete values in place of the parameters.
func TestEveryPairMatchesItself(t *testing.T) {
	tab := Default()
	pairs := 0
	for _, r := range tab.Routes() {
		for _, m := range r.Methods() {
			pairs++
			path := concrete(r.Template, pairs%2 == 0)
			if r.Query != "" {
				path += "?" + strings.ReplaceAll(r.Query, "{id}", "abc")
			}
			got, err := tab.MatchMethod(m, "/v1.0"+path)
			if err != nil {
				t.Errorf("%s %s (route %s): %v", m, path, r.Path, err)
				continue
			}
			if got.Route != r {
				t.Errorf("%s %s matched %s, want %s", m, path, got.Route.Path, r.Path)
			}
		}
	}
	if pairs < 11000 {
		t.Fatalf("only %d method+path pairs in the table; the data has about 11,000", pairs)
	}
	t.Logf("%d routes, %d method+path pairs", len(tab.Routes()), pairs)
}

func names(entries []Entry) []string {
	out := make([]string, len(entries))
	for i, e := range entries {
		out[i] = e.Perm.Name
	}
	return out
}

func TestHandCheckedAnswers(t *testing.T) {
	tab := Default()
	tests := []struct {
		method, path string
		route        string
		scheme       catalog.Scheme
		first        []string // the leading accepted permissions, in order
		meFallback   bool
		stripped     int
	}{
		// Mail.ReadBasic is Microsoft's least-privileged choice for reading messages.
		{"GET", "/me/messages", "/me/messages", catalog.DelegatedWork, []string{"Mail.ReadBasic", "Mail.Read", "Mail.ReadWrite"}, false, 0},
		{"GET", "/me/messages", "/me/messages", catalog.Application, []string{"Mail.ReadBasic.All", "Mail.Read", "Mail.ReadWrite"}, false, 0},
		// Mail.ReadWrite is marked least for /me/messages too, but for POST only:
		// Kibali's per-method rule keeps it out of first place for GET.
		{"POST", "/me/messages", "/me/messages", catalog.DelegatedWork, []string{"Mail.ReadWrite"}, false, 0},
		{"POST", "/v1.0/me/sendMail", "/me/sendmail", catalog.DelegatedWork, []string{"Mail.Send"}, false, 0},
		{"GET", "/me", "/me", catalog.DelegatedWork, []string{"User.Read"}, false, 0},
		// After the least-privileged permission, its own family first.
		{"GET", "/users", "/users", catalog.DelegatedWork, []string{"User.ReadBasic.All", "User.Read.All"}, false, 0},
		{"GET", "/users/$count", "/users", catalog.DelegatedWork, []string{"User.ReadBasic.All"}, false, 1},
		// /me/calendarView is missing from the data: its /users/{id} twin answers.
		{"GET", "/me/calendarView?startDateTime=2017-04-23T00:00:00&endDateTime=2017-04-29T00:00:00", "/users/{id}/calendarview", catalog.DelegatedWork, []string{"Calendars.ReadBasic", "Calendars.Read"}, true, 0},
		{"GET", "/me/presence", "/me/presence", catalog.DelegatedWork, []string{"Presence.Read", "Presence.Read.All"}, false, 0},
		{"GET", "/users/a@b.c/presence", "/users/{id}/presence", catalog.Application, []string{"Presence.Read.All"}, false, 0},
		// OData key segments and case.
		{"GET", "/Users('adele@contoso.com')/MailFolders('Inbox')/Messages", "/users/{id}/mailfolders/{id}/messages", catalog.DelegatedWork, []string{"Mail.ReadBasic"}, false, 0},
		// A literal segment beats a parameter: /users/delta is not /users/{id}.
		{"GET", "/users/delta", "/users/delta", catalog.DelegatedWork, []string{"User.Read.All"}, false, 0},
		{"GET", "/users/abc", "/users/{id}", catalog.DelegatedWork, []string{"User.ReadBasic.All"}, false, 0},
		// Drive path addressing.
		{"PUT", "/me/drive/root:/FolderA/FileB.txt:/content", "/me/drive/root:/{id}:/content", catalog.DelegatedWork, []string{"Files.ReadWrite"}, false, 0},
		{"GET", "/me/todo/lists/abc/tasks?$filter=status ne 'completed'", "/me/todo/lists/{id}/tasks", catalog.DelegatedWork, []string{"Tasks.Read"}, false, 0},
		// Functions with arguments.
		{"GET", "/reports/getEmailActivityUserDetail(period='D7')", "/reports/getemailactivityuserdetail(period={value})", catalog.Application, []string{"Reports.Read.All"}, false, 0},
		{"GET", "/devices(deviceId='abc')/memberOf", "/devices(deviceid={value})/memberof", catalog.Application, nil, false, 0},
		// The "..." of the data stands for any depth of child folders.
		{"GET", "/me/mailFolders/a/childFolders/b/childFolders/c/messages/d/attachments/e", "/me/mailfolders/{id}/childfolders/{id}/.../messages/{id}/attachments/{id}", catalog.DelegatedWork, nil, false, 0},
		// A type cast at the end is stripped when the data has no rule for it.
		{"GET", "/me/memberOf/microsoft.graph.group?$filter=groupTypes/any(a:a eq 'unified')", "/me/memberof", catalog.DelegatedWork, nil, false, 1},
		// A $filter variant of the data.
		{"GET", "/agentRegistry/agentInstances?$filter=agentCardManifest/id eq 'abc'", "/agentregistry/agentinstances", catalog.DelegatedWork, nil, false, 0},
	}
	for _, tt := range tests {
		m, err := tab.Match(tt.method, tt.path)
		if err != nil {
			t.Errorf("%s %s: %v", tt.method, tt.path, err)
			continue
		}
		if tt.route != "" && m.Route.Path != tt.route {
			t.Errorf("%s %s matched %s, want %s", tt.method, tt.path, m.Route.Path, tt.route)
		}
		if m.MeFallback != tt.meFallback || m.Stripped != tt.stripped {
			t.Errorf("%s %s: meFallback=%v stripped=%d, want %v %d", tt.method, tt.path, m.MeFallback, m.Stripped, tt.meFallback, tt.stripped)
		}
		got := names(m.Rule.Accepted[tt.scheme])
		if len(got) < len(tt.first) || strings.Join(got[:len(tt.first)], " ") != strings.Join(tt.first, " ") {
			t.Errorf("%s %s %s: accepted %v, want it to start with %v", tt.method, tt.path, tt.scheme, got, tt.first)
		}
	}
}

func TestQueryVariant(t *testing.T) {
	tab := Default()
	plain, err := tab.Match("GET", "/agentRegistry/agentInstances")
	if err != nil {
		t.Fatal(err)
	}
	variant, err := tab.Match("GET", "/agentRegistry/agentInstances?$filter=agentCardManifest/id eq 'abc'")
	if err != nil {
		t.Fatal(err)
	}
	if plain.Route == variant.Route || variant.Route.Query == "" {
		t.Fatalf("the $filter variant was not chosen: plain %s?%s, variant %s?%s", plain.Route.Path, plain.Route.Query, variant.Route.Path, variant.Route.Query)
	}
	var also bool
	for _, e := range variant.Rule.Accepted[catalog.DelegatedWork] {
		also = also || len(e.AlsoRequires) > 0
	}
	if !also {
		t.Errorf("the variant's entries carry no AlsoRequires")
	}
}

func TestMatchErrors(t *testing.T) {
	tab := Default()
	tests := []struct {
		method, path string
		err          error
	}{
		{"GET", "/nothing/here", ErrNoRoute},
		{"GET", "me", ErrPath},
		{"GET", "", ErrPath},
		{"GET", "/x/range(address='A1'", ErrPath},
		{"FETCH", "/me", ErrMethod},
		{"DELETE", "/me/sendMail", ErrNoMethod},
	}
	for _, tt := range tests {
		_, err := tab.Match(tt.method, tt.path)
		if !errors.Is(err, tt.err) {
			t.Errorf("%s %s: %v, want %v", tt.method, tt.path, err, tt.err)
		}
	}
	_, err := tab.Match("DELETE", "/me/sendMail")
	var me *MatchError
	if !errors.As(err, &me) || len(me.Allowed) != 1 || me.Allowed[0] != POST {
		t.Errorf("DELETE /me/sendMail: %v; want the allowed methods to be [POST]", err)
	}
}

func TestMatchDoesNotAllocate(t *testing.T) {
	tab := Default()
	for _, path := range []string{"/v1.0/me/messages?$top=5", "/v1.0/users/abc/mailFolders/inbox/messages/def", "/v1.0/me/calendarView"} {
		allocs := testing.AllocsPerRun(200, func() {
			if _, err := tab.Match("GET", path); err != nil {
				t.Fatal(err)
			}
		})
		if allocs != 0 {
			t.Errorf("Match(GET %s) allocates %v times", path, allocs)
		}
	}
}

func FuzzMatch(f *testing.F) {
	for _, s := range []string{"/me/messages", "/users('x')/drive/root:/a:/content", "/me/mailFolders/a/childFolders/b/x", "/reports/f(a='1')", "/agentRegistry/agentInstances?$filter=x", "/users/$count"} {
		f.Add("GET", s)
	}
	tab := Default()
	f.Fuzz(func(t *testing.T, method, path string) {
		m, err := tab.Match(method, path)
		if err != nil {
			var me *MatchError
			if !errors.As(err, &me) {
				t.Fatalf("error of type %T: %v", err, err)
			}
			return
		}
		if m.Rule == nil || m.Route == nil || m.Rule.Route != m.Route {
			t.Fatalf("inconsistent match for %s %s", method, path)
		}
	})
}

// Every entry says where it comes from: a permission the supplement adds to
// a route of Microsoft's data carries the supplement's source, not the
// route's.
func TestEntrySources(t *testing.T) {
	tab := Default()
	tests := []struct {
		method, path string
		scheme       catalog.Scheme
		perm         string
		route, entry string // expected sources
	}{
		// Microsoft's route, Microsoft's permission.
		{"GET", "/me/drive/root:/a.txt", catalog.DelegatedWork, "Files.Read", SourceMicrosoft, SourceMicrosoft},
		// Microsoft's route, amended by the supplement.
		{"GET", "/me/drive/root:/a.txt", catalog.DelegatedWork, "Files.ReadWrite.AppFolder", SourceMicrosoft, SourceDocs},
		// A method the supplement adds to a route of Microsoft's data.
		{"DELETE", "/me/drive/root:/a.txt", catalog.DelegatedWork, "Files.ReadWrite", SourceMicrosoft, SourceDocs},
		// Routes of the supplement.
		{"POST", "/groups/g1/members/$ref", catalog.DelegatedWork, "GroupMember.ReadWrite.All", SourceDocs, SourceDocs},
		{"GET", "/identityRiskEvents", catalog.Application, "IdentityRiskEvent.Read.All", SourceRetired, SourceRetired},
	}
	for _, tt := range tests {
		m, err := tab.Match(tt.method, tt.path)
		if err != nil {
			t.Errorf("%s %s: %v", tt.method, tt.path, err)
			continue
		}
		if m.Route.Source != tt.route {
			t.Errorf("%s %s: route source %q, want %q", tt.method, tt.path, m.Route.Source, tt.route)
		}
		found := false
		for _, e := range m.Rule.Accepted[tt.scheme] {
			if e.Perm.Name == tt.perm {
				found = true
				if e.Source != tt.entry {
					t.Errorf("%s %s %s: entry source %q, want %q", tt.method, tt.path, tt.perm, e.Source, tt.entry)
				}
			}
		}
		if !found {
			t.Errorf("%s %s %s: %s is not accepted", tt.method, tt.path, tt.scheme, tt.perm)
		}
	}
}

func accepts(r *Rule, s catalog.Scheme, perm string) bool {
	for _, e := range r.Accepted[s] {
		if e.Perm.Name == perm {
			return true
		}
	}
	return false
}

// The decisions about calls, recorded in internal/catalog/overlay.yaml (those
// that follow the data) and supplement.yaml (those that add to it), each
// checked against the table.
func TestRouteDecisions(t *testing.T) {
	tab := Default()
	type check struct {
		method, path string
		scheme       catalog.Scheme
		perm         string
		accepted     bool
	}
	decisions := map[string][]check{
		// overlay.yaml: the seed's scenario row gives User.Read the manager;
		// the data (and the seed's own remarks) say User.Read.All.
		"me-manager-needs-user-read-all": {
			{"GET", "/me/manager", catalog.DelegatedWork, "User.Read", false},
			{"GET", "/me/manager", catalog.DelegatedWork, "User.Read.All", true},
			{"GET", "/me/directReports", catalog.DelegatedWork, "User.Read", true},
		},
		// supplement.yaml, below /groups/{group-id}/drive: Group.Read.All reads
		// and Group.ReadWrite.All writes a group's files, delegated only.
		"group-files": {
			{"GET", "/groups/g1/drive/items/i1/children", catalog.DelegatedWork, "Group.Read.All", true},
			{"GET", "/groups/g1/drive/root/children", catalog.DelegatedWork, "Group.Read.All", true},
			{"GET", "/groups/g1/drive/items/i1/content", catalog.DelegatedWork, "Group.ReadWrite.All", true},
			{"PUT", "/groups/g1/drive/items/i1/content", catalog.DelegatedWork, "Group.ReadWrite.All", true},
			{"PUT", "/groups/g1/drive/items/i1/content", catalog.DelegatedWork, "Group.Read.All", false},
			{"DELETE", "/groups/g1/drive/items/i1", catalog.DelegatedWork, "Group.ReadWrite.All", true},
			{"GET", "/groups/g1/drive/items/i1/children", catalog.Application, "Group.Read.All", false},
			// Other drives are not group content.
			{"GET", "/me/drive/items/i1/children", catalog.DelegatedWork, "Group.Read.All", false},
			{"GET", "/users/u1/drive/items/i1/children", catalog.DelegatedWork, "Group.Read.All", false},
		},
		// supplement.yaml: the group form of upload by path, as /me has it.
		"group-upload-by-path": {
			{"PUT", "/groups/g1/drive/root:/Reports/Q1.docx:/content", catalog.DelegatedWork, "Files.ReadWrite", true},
			{"PUT", "/groups/g1/drive/root:/Reports/Q1.docx:/content", catalog.Application, "Files.ReadWrite.All", true},
			{"GET", "/groups/g1/drive/root:/Reports/Q1.docx:/content", catalog.DelegatedWork, "Files.Read", true},
		},
	}
	for id, checks := range decisions {
		for _, c := range checks {
			m, err := tab.Match(c.method, c.path)
			if err != nil {
				t.Errorf("%s: %s %s: %v", id, c.method, c.path, err)
				continue
			}
			if got := accepts(m.Rule, c.scheme, c.perm); got != c.accepted {
				t.Errorf("%s: %s %s %s accepts %s = %v, want %v", id, c.method, c.path, c.scheme, c.perm, got, c.accepted)
			}
		}
	}
	// Every route decision of the overlay is checked here.
	for _, d := range tab.Catalog().Decisions() {
		if d.Topic == catalog.TopicRoute && decisions[d.ID] == nil {
			t.Errorf("overlay decision %s (%s) has no check in TestRouteDecisions", d.ID, d.Route)
		}
	}
	// The least privileged permission of the manager stays User.Read.All.
	m, err := tab.Match("GET", "/me/manager")
	if err != nil || !m.Rule.Accepted[catalog.DelegatedWork][0].Least || m.Rule.Accepted[catalog.DelegatedWork][0].Perm.Name != "User.Read.All" {
		t.Errorf("GET /me/manager: %v %v, want User.Read.All least privileged", err, names(m.Rule.Accepted[catalog.DelegatedWork]))
	}
}

// A ':' inside a quoted function argument is text, not drive path
// addressing: range(address='A1:B2') matches the range(address={value})
// templates however the item is addressed.
func TestQuotedColonMatches(t *testing.T) {
	tab := Default()
	tests := []struct{ method, path, route string }{
		{"GET", "/me/drive/items/01ABC/workbook/worksheets/Sheet1/range(address='A1:B2')", "/me/drive/items/{id}/workbook/worksheets/{id}/range(address={value})"},
		{"GET", "/me/drive/items/01ABC/workbook/worksheets('Sheet1')/range(address='Sheet1!A1:B2')", "/me/drive/items/{id}/workbook/worksheets/{id}/range(address={value})"},
		{"PATCH", "/me/drive/root:/Budget.xlsx:/workbook/worksheets/Sheet1/range(address='A1:B2')", "/me/drive/root:/{id}:/workbook/worksheets/{id}/range(address={value})"},
		{"GET", "/me/drive/root:/Finance/Budget.xlsx:/workbook/worksheets/Sheet1/range(address='A:A')/format/font", "/me/drive/root:/{id}:/workbook/worksheets/{id}/range(address={value})/format/font"},
		{"GET", "/users/adele@contoso.com/drive/items/01ABC/workbook/worksheets/Sheet1/range(address=%27A1:B2%27)", "/users/{id}/drive/items/{id}/workbook/worksheets/{id}/range(address={value})"},
	}
	for _, tt := range tests {
		m, err := tab.Match(tt.method, tt.path)
		if err != nil {
			t.Errorf("%s %s: %v", tt.method, tt.path, err)
			continue
		}
		if m.Route.Path != tt.route {
			t.Errorf("%s %s matched %s, want %s", tt.method, tt.path, m.Route.Path, tt.route)
		}
	}
}

// A below entry amends existing rules only, and one that adds nothing fails.
func TestSupplementBelow(t *testing.T) {
	tests := []struct {
		name, doc, err string
	}{
		{"adds nothing", `
routes:
  - template: /groups/{group-id}/drive
    below: true
    source: docs
    note: again
    methods:
      GET: {DelegatedWork: [Group.Read.All]}
`, "no route below it lacks the listed permissions"},
		{"never creates a rule", `
routes:
  - template: /me/manager
    below: true
    source: docs
    note: no POST rule below /me/manager
    methods:
      POST: {DelegatedWork: [User.ReadWrite.All]}
`, "no route below it lacks the listed permissions"},
		{"docs only", `
routes:
  - template: /me/manager
    below: true
    source: retired
    note: x
    methods:
      GET: {DelegatedWork: [User.Read]}
`, "must have source docs"},
		{"scheme checked", `
routes:
  - template: /me/manager
    below: true
    source: docs
    note: x
    methods:
      GET: {DelegatedPersonal: [Group.Read.All]}
`, "has no DelegatedPersonal scheme"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// The test's entries come after supplement.yaml's, as if
			// appended to the file.
			var doc supplementFile
			dec := yaml.NewDecoder(strings.NewReader(tt.doc))
			dec.KnownFields(true)
			if err := dec.Decode(&doc); err != nil {
				t.Fatal(err)
			}
			tab, err := load(generatedRoutes[:], generatedGroups[:], generatedRules, catalog.Default(), append(generatedSupplement(), doc.Routes...))
			if err == nil {
				err = tab.build()
			}
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Fatalf("applying the supplement: %v, want an error containing %q", err, tt.err)
			}
			// A group whose supplement fails is not built, so it serves
			// nothing; one that was built has no POST rule on /me/manager.
			if tab != nil {
				if nd := tab.groups["me"].nd.Load(); nd != nil {
					if r := exactIn(nd, "/me/manager"); r != nil && r.Rules[POST] != nil {
						t.Errorf("a POST rule appeared on /me/manager: %v", r.Rules[POST])
					}
				}
			}
		})
	}
}

// supplementFile is supplement.yaml as the tests decode it.
type supplementFile struct {
	Routes []supplementRoute `yaml:"routes"`
}

// supplement_gen.go is supplement.yaml: an edit of the file that was not
// regenerated fails here (and in gendata -check).
func TestGeneratedSupplementIsCurrent(t *testing.T) {
	b, err := os.ReadFile("supplement.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var doc supplementFile
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	if err := dec.Decode(&doc); err != nil {
		t.Fatal(err)
	}
	gen := generatedSupplement()
	if len(gen) != len(doc.Routes) {
		t.Fatalf("supplement_gen.go has %d entries, supplement.yaml %d: go generate ./internal/catalog", len(gen), len(doc.Routes))
	}
	for i := range gen {
		if !reflect.DeepEqual(gen[i], doc.Routes[i]) {
			t.Errorf("entry %d (%s) differs from supplement.yaml: go generate ./internal/catalog\n got %+v\nwant %+v", i, doc.Routes[i].Template, gen[i], doc.Routes[i])
		}
	}
}

// Answering one call builds the group of its first segment only, and
// Route, Routes and Rules give the same routes and rules whatever was built
// first.
func TestLazyGroups(t *testing.T) {
	cat := catalog.Default()
	ref, err := Load(cat)
	if err != nil {
		t.Fatal(err)
	}
	wantRoutes := ref.Routes()
	for _, tt := range []struct {
		path  string
		built []string // the groups built by matching it
	}{
		{"/me", []string{"me"}},
		{"/me/messages/x", []string{"me"}},
		// Not in /me: the /users/{id} twin answers it.
		{"/me/drive/root:/a:/children", []string{"me", "users"}},
		{"/groups/g/drive/items/i/children", []string{"groups"}},
	} {
		tab, err := Load(cat)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := tab.Match("GET", tt.path); err != nil {
			t.Fatalf("GET %s: %v", tt.path, err)
		}
		var built []string
		for _, g := range tab.order {
			if g.nd.Load() != nil {
				built = append(built, g.key)
			}
		}
		slices.Sort(built)
		if !slices.Equal(built, tt.built) {
			t.Errorf("GET %s built the groups %v, want %v", tt.path, built, tt.built)
		}
		got := tab.Routes()
		if len(got) != len(wantRoutes) {
			t.Fatalf("after GET %s: %d routes, want %d", tt.path, len(got), len(wantRoutes))
		}
		for i, r := range got {
			if r.Index != i || r.Path != wantRoutes[i].Path || r.Query != wantRoutes[i].Query || r.Source != wantRoutes[i].Source {
				t.Errorf("after GET %s: route %d is %d %s?%s (%s), want %s?%s (%s)", tt.path, i, r.Index, r.Path, r.Query, r.Source,
					wantRoutes[i].Path, wantRoutes[i].Query, wantRoutes[i].Source)
			}
		}
	}
}

// LoadWithout leaves out the routes it is given, and refuses a path the
// data does not have (a test built on it would test nothing).
func TestLoadWithout(t *testing.T) {
	tab, err := LoadWithout(catalog.Default(), "/me/messages", "/users/delta")
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{"/me/messages", "/users/delta"} {
		if _, ok := tab.Route(p); ok {
			t.Errorf("%s is still in the table", p)
		}
	}
	if _, ok := tab.Route("/me/events"); !ok {
		t.Error("/me/events went too")
	}
	if _, err := LoadWithout(catalog.Default(), "/me/nothing-here"); err == nil {
		t.Error("leaving out a path the data does not have is not an error")
	}
}
