package cli

import (
	"bytes"
	"encoding/json"
	"regexp"
	"strings"
	"testing"
	"time"

	"graphgate/internal/routes"
)

func runCLI(args ...string) (code int, stdout, stderr string) {
	var out, errb bytes.Buffer
	code = Main(args, strings.NewReader(""), &out, &errb)
	return code, out.String(), errb.String()
}

func TestCommands(t *testing.T) {
	tests := []struct {
		name string
		args []string
		code int
		out  []string // substrings of stdout
		err  []string // substrings of stderr
	}{
		// The interception proxy's flags go together and need graphgate's CA.
		{"serve --proxy-passthrough needs --proxy", []string{"serve", "--proxy-passthrough"}, 2, nil, []string{"--proxy-passthrough goes with --proxy"}},
		{"serve --proxy refuses --tls-cert", []string{"serve", "--proxy", "127.0.0.1:0", "--tls-cert", "c.pem", "--tls-key", "k.pem"}, 2, nil,
			[]string{"cannot run with --tls-cert"}},
		// The "done when" examples.
		{"for messages puts Mail.ReadBasic first", []string{"permissions", "for", "GET", "/me/messages"}, 0,
			[]string{"DelegatedWork      Mail.ReadBasic      least privileged"}, nil},
		{"explain User.Read on /users denies", []string{"explain", "--scopes", "User.Read", "GET", "/users"}, 1,
			[]string{"DENIED  GET /users", "least privileged  User.ReadBasic.All"}, nil},
		{"explain app on /me gives the 400 rule", []string{"explain", "--app", "--roles", "Mail.Read", "GET", "/me"}, 1,
			[]string{"/me request is only valid with delegated authentication flow.", "HTTP 400"}, nil},

		{"explain allows", []string{"explain", "--scopes", "User.Read Mail.Read", "GET", "/me/messages"}, 0,
			[]string{"ALLOWED", "allowed by        Mail.Read"}, nil},
		{"explain shared", []string{"explain", "--scopes", "Mail.Read.Shared", "--target", "other", "--shared", "read", "GET", "/users/megan@contoso.com/messages"}, 0,
			[]string{"ALLOWED"}, nil},
		{"explain user roles", []string{"explain", "--scopes", "User.ReadWrite.All", "--user-roles", "global-admin", "PATCH", "/users/adele@contoso.com"}, 0, []string{"ALLOWED"}, nil},
		{"explain user lacks role", []string{"explain", "--scopes", "User.ReadWrite.All", "PATCH", "/users/adele@contoso.com"}, 1,
			[]string{"user_lacks_role", "Global Administrator"}, nil},
		{"explain guest", []string{"explain", "--guest", "--scopes", "User.ReadBasic.All", "GET", "/users"}, 1, []string{"guest_enumeration"}, nil},
		// explain names the engine's check that decided.
		{"explain names the deciding check", []string{"explain", "--guest", "--scopes", "User.ReadBasic.All", "GET", "/users"}, 1, []string{"the guest_enumeration check"}, nil},
		{"explain names the role check", []string{"explain", "--scopes", "User.ReadWrite.All", "POST", "/users"}, 1, []string{"user_lacks_role", "the role check"}, nil},
		{"explain names the relation check", []string{"explain", "--scopes", "User.ReadWrite.All", "PATCH", "/users/adele@contoso.com"}, 1, []string{"user_lacks_role", "the relation check"}, nil},
		{"explain names the allowing check", []string{"explain", "--scopes", "User.Read Mail.Read", "GET", "/me/messages"}, 0, []string{"the permission check"}, nil},
		// Relations: another user's notebooks need their sharing, a group's
		// its membership; explain names the relation and the missing fact.
		{"explain another user's notebooks", []string{"explain", "--scopes", "Notes.ReadWrite.All", "GET", "/users/megan@contoso.com/onenote/notebooks"}, 1,
			[]string{"not_shared", "relation needed", "the owner's sharing with the signed-in user (Notes)", "missing", "the owner has not shared it with the user (give --shared)"}, nil},
		{"explain shared notebooks", []string{"explain", "--scopes", "Notes.ReadWrite.All", "--target", "other", "--shared", "read", "GET", "/users/megan@contoso.com/onenote/notebooks"}, 0,
			[]string{"ALLOWED", "relation held", "the owner shared it with the user"}, nil},
		{"explain shared notebooks, write", []string{"explain", "--scopes", "Notes.ReadWrite.All", "--shared", "read", "DELETE", "/users/megan@contoso.com/onenote/pages/1"}, 1,
			[]string{"not_shared", "owner must share", "write"}, nil},
		{"explain group notebooks, outsider", []string{"explain", "--scopes", "Notes.ReadWrite.All", "--hidden-membership", "POST", "/groups/g1/onenote/notebooks"}, 1,
			[]string{"not_group_member", "graphgate group add-member", "give --member or --owner"}, nil},
		{"explain group notebooks, member", []string{"explain", "--scopes", "Notes.ReadWrite.All", "--member", "POST", "/groups/g1/onenote/notebooks"}, 0,
			[]string{"ALLOWED", "relation held", "the user is a member"}, nil},
		{"explain group notebooks, owner", []string{"explain", "--scopes", "Notes.ReadWrite.All", "--owner", "POST", "/groups/g1/onenote/notebooks"}, 0, []string{"ALLOWED"}, nil},
		{"explain public group read", []string{"explain", "--scopes", "Notes.Read.All", "--public", "GET", "/groups/g1/onenote/notebooks"}, 0,
			[]string{"ALLOWED", "the group is public"}, nil},
		{"explain public group write", []string{"explain", "--scopes", "Notes.ReadWrite.All", "--public", "POST", "/groups/g1/onenote/notebooks"}, 1,
			[]string{"not_group_member", "changed only by its members"}, nil},
		{"explain directory read", []string{"explain", "--scopes", "User.ReadBasic.All", "GET", "/users/megan@contoso.com"}, 0,
			[]string{"ALLOWED", "relation held", "directory data, visible tenant-wide"}, nil},
		{"explain personal", []string{"explain", "--personal", "--scopes", "Presence.Read", "GET", "/me/presence"}, 1, []string{"personal Microsoft accounts"}, nil},
		{"explain unknown scope", []string{"explain", "--scopes", "Mail.Raed", "GET", "/me"}, 3, nil, []string{`did you mean Mail.Read`}},
		{"explain alias scope", []string{"explain", "--scopes", "DeviceManagementServiceConfiguration.Read.All", "GET", "/me"}, 3, nil, []string{"DeviceManagementServiceConfig.Read.All"}},
		{"explain bad method", []string{"explain", "--scopes", "User.Read", "BREW", "/me"}, 2, nil, []string{"unsupported method"}},
		{"explain bad path", []string{"explain", "--scopes", "User.Read", "GET", "me"}, 2, nil, []string{"malformed path"}},
		{"explain unknown path", []string{"explain", "--scopes", "User.Read", "GET", "/nothing"}, 3, nil, []string{"no permission rule"}},
		{"explain bad target", []string{"explain", "--scopes", "User.Read", "--target", "moon", "GET", "/me"}, 2, nil, []string{"--target takes"}},
		{"explain app and personal", []string{"explain", "--app", "--personal", "--roles", "Mail.Read", "GET", "/users/x/messages"}, 2, nil, []string{"exclude each other"}},
		{"explain missing args", []string{"explain", "GET"}, 2, nil, []string{"accepts 2 arg"}},

		{"for all methods", []string{"permissions", "for", "/me/sendMail"}, 0, []string{"POST", "Mail.Send"}, nil},
		{"for me fallback", []string{"permissions", "for", "GET", "/me/calendarView"}, 0, []string{"its /users/{id} twin applies", "Calendars.ReadBasic"}, nil},
		{"for supplement", []string{"permissions", "for", "POST", "/groups/g1/members/$ref"}, 0, []string{"[docs:", "also needs one of"}, nil},
		{"for supplement amendment", []string{"permissions", "for", "--scheme", "work", "GET", "/me/drive/root:/notes.txt"}, 0, []string{"Files.ReadWrite.AppFolder  added by graphgate (docs)"}, nil},
		{"for scheme", []string{"permissions", "for", "--scheme", "app", "GET", "/me/messages"}, 0, []string{"Application  Mail.ReadBasic.All"}, nil},
		{"for bad scheme", []string{"permissions", "for", "--scheme", "robot", "GET", "/me"}, 2, nil, []string{"unknown scheme"}},
		{"for unknown path", []string{"permissions", "for", "GET", "/nothing/here"}, 3, nil, []string{"no permission rule"}},
		{"for wrong method", []string{"permissions", "for", "DELETE", "/me/sendMail"}, 3, nil, []string{"POST"}},

		{"show", []string{"permissions", "show", "Mail.Read"}, 0, []string{"Read user mail", "valid for personal Microsoft accounts: yes", "570282fd-fa5c-430d-a7fd-fc8dc98a9dca"}, nil},
		{"show decisions", []string{"permissions", "show", "Calendars.Read.Shared"}, 0, []string{"calendars-read-shared-personal"}, nil},
		{"show route decision", []string{"permissions", "show", "User.Read"}, 0, []string{"me-manager-needs-user-read-all (route GET /me/manager): follows the data."}, nil},
		{"for manager", []string{"permissions", "for", "--scheme", "work", "GET", "/me/manager"}, 0, []string{"DelegatedWork  User.Read.All "}, nil},
		{"for group files", []string{"permissions", "for", "--scheme", "work", "GET", "/groups/g1/drive/items/i1/children"}, 0, []string{"Group.Read.All       admin consent; added by graphgate (docs)"}, nil},
		{"for group upload by path", []string{"permissions", "for", "PUT", "/groups/g1/drive/root:/Q1.docx:/content"}, 0, []string{"[docs:", "Files.ReadWrite      least privileged"}, nil},
		{"for reactions by path", []string{"permissions", "for", "POST", "/drives/d1/root:/a.docx:/media/reactions"}, 0, []string{"/drives/{drive-id}/root:/{item-path}:/media/reactions", "Files.ReadWrite.AppFolder"}, nil},
		{"show unknown", []string{"permissions", "show", "Calendar.Read"}, 3, nil, []string{"did you mean Calendars.Read"}},
		{"list admin", []string{"permissions", "list", "--admin-consent", "--grep", "Directory.Read"}, 0, []string{"Directory.Read.All"}, nil},
		{"list personal", []string{"permissions", "list", "--scheme", "personal", "--grep", "Mail."}, 0, []string{"Mail.Read "}, nil},
		{"list bad scheme", []string{"permissions", "list", "--scheme", "x"}, 2, nil, []string{"unknown scheme"}},
		{"unknown command", []string{"frobnicate"}, 2, nil, []string{"unknown command"}},
		{"help", []string{"--help"}, 0, []string{"Exit codes", "graphgate explain"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out, errs := runCLI(tt.args...)
			if code != tt.code {
				t.Errorf("exit %d, want %d\nstdout: %s\nstderr: %s", code, tt.code, out, errs)
			}
			for _, s := range tt.out {
				if !strings.Contains(out, s) {
					t.Errorf("stdout lacks %q:\n%s", s, out)
				}
			}
			for _, s := range tt.err {
				if !strings.Contains(errs, s) {
					t.Errorf("stderr lacks %q:\n%s", s, errs)
				}
			}
		})
	}
}

func TestJSONOutputs(t *testing.T) {
	code, out, _ := runCLI("explain", "--json", "--scopes", "User.Read", "GET", "/users")
	var e explainOut
	if code != 1 || json.Unmarshal([]byte(out), &e) != nil {
		t.Fatalf("explain --json: exit %d, %s", code, out)
	}
	if e.Allow || e.Reason != "missing_permission" || e.Check != "permission" || e.Status != 403 || len(e.Least) != 1 || e.Least[0] != "User.ReadBasic.All" {
		t.Errorf("explain --json = %+v", e)
	}
	code, out, _ = runCLI("explain", "--json", "--scopes", "Files.Read.All", "--shared", "read", "GET", "/users/megan@contoso.com/drive/items/1")
	e = explainOut{}
	if code != 0 || json.Unmarshal([]byte(out), &e) != nil || e.Relation != "shared" || e.Check != "relation" || e.Fact != "shared_items" || e.Resource != "Files" || !e.ItemsOnly {
		t.Errorf("explain --json of a shared drive item: exit %d, %s", code, out)
	}
	code, out, _ = runCLI("permissions", "for", "--json", "GET", "/me/messages")
	var f forResult
	if code != 0 || json.Unmarshal([]byte(out), &f) != nil || len(f.Methods) != 1 || f.Methods[0].Schemes["DelegatedWork"][0].Permission != "Mail.ReadBasic" {
		t.Errorf("permissions for --json: exit %d, %s", code, out)
	}
	// A permission the supplement adds to a route of Microsoft's data says so.
	code, out, _ = runCLI("permissions", "for", "--json", "--scheme", "work", "GET", "/me/drive/root:/notes.txt")
	f = forResult{}
	if code != 0 || json.Unmarshal([]byte(out), &f) != nil || len(f.Methods) != 1 {
		t.Fatalf("permissions for --json: exit %d, %s", code, out)
	}
	sources := map[string]string{}
	for _, e := range f.Methods[0].Schemes["DelegatedWork"] {
		sources[e.Permission] = e.Source
	}
	if f.Source != "microsoft" || sources["Files.Read"] != "microsoft" || sources["Files.ReadWrite.AppFolder"] != "docs" {
		t.Errorf("permissions for --json: route source %q, entry sources %v; want microsoft, and docs for the supplement's Files.ReadWrite.AppFolder", f.Source, sources)
	}
	// A least= mark stays with its own methods: DELETE's Application mark
	// does not make AdministrativeUnit.ReadWrite.All least for GET.
	for _, c := range []struct{ method, least string }{{"GET", ""}, {"DELETE", "AdministrativeUnit.ReadWrite.All"}} {
		code, out, _ = runCLI("permissions", "for", "--json", "--scheme", "app", c.method, "/directory/administrativeUnits/au1")
		f = forResult{}
		if code != 0 || json.Unmarshal([]byte(out), &f) != nil || len(f.Methods) != 1 {
			t.Fatalf("permissions for --json %s: exit %d, %s", c.method, code, out)
		}
		var least []string
		for _, e := range f.Methods[0].Schemes["Application"] {
			if e.Least {
				least = append(least, e.Permission)
			}
		}
		if strings.Join(least, " ") != c.least {
			t.Errorf("%s /directory/administrativeUnits/{id} (app): least privileged %v, want %q", c.method, least, c.least)
		}
	}
	code, out, _ = runCLI("permissions", "list", "--json", "--grep", "Presence.")
	var rows []permListRow
	if code != 0 || json.Unmarshal([]byte(out), &rows) != nil || len(rows) < 3 {
		t.Errorf("permissions list --json: exit %d, %s", code, out)
	}
	code, out, _ = runCLI("permissions", "show", "--json", "Notes.ReadWrite.CreatedByApp")
	var s permShow
	if code != 0 || json.Unmarshal([]byte(out), &s) != nil || !s.GrantsNothing || !s.Deprecated {
		t.Errorf("permissions show --json: exit %d, %s", code, out)
	}
}

func TestPlanCommand(t *testing.T) {
	tests := []struct {
		name string
		args []string
		code int
		out  []string
	}{
		// The "done when": To Do read-only with only Tasks.Read.
		{"todo read-only", []string{"plan", "--feature", "todo", "--granted", "User.Read Tasks.Read"}, 0, []string{"todo     read-only"}},
		{"todo write missing", []string{"plan", "--feature", "todo", "--update", "--granted", "User.Read Tasks.Read"}, 0,
			[]string{"read-only", "Tasks.ReadWrite"}},
		{"todo minimum missing", []string{"plan", "--feature", "todo", "--granted", "User.Read"}, 1,
			[]string{"Minimum required permissions not granted: ['Tasks.Read', ['Tasks.ReadWrite']]", "sign in again"}},
		{"plan scopes", []string{"plan", "--feature", "calendar,email", "--update"}, 0, []string{"Calendars.ReadWrite", "Mail.Send", "Mail.Read"}},
		{"personal refusal", []string{"plan", "--feature", "chat", "--personal"}, 1, []string{"REFUSED chat"}},
		{"shared mailbox refusal", []string{"plan", "--feature", "todo", "--shared-mailbox", "support@contoso.com"}, 1, []string{"REFUSED todo"}},
		{"unknown feature", []string{"plan", "--feature", "teleport"}, 2, nil},
		{"other status needs address", []string{"plan", "--feature", "other_status"}, 2, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out, errs := runCLI(tt.args...)
			if code != tt.code {
				t.Errorf("exit %d, want %d\n%s\n%s", code, tt.code, out, errs)
			}
			for _, s := range tt.out {
				if !strings.Contains(strings.ToLower(out), strings.ToLower(s)) {
					t.Errorf("output lacks %q:\n%s", s, out)
				}
			}
		})
	}
	code, out, _ := runCLI("plan", "--json", "--feature", "todo", "--granted", "User.Read Tasks.Read")
	var rep struct {
		Features []struct {
			Feature string `json:"feature"`
			Status  string `json:"status"`
		} `json:"features"`
	}
	if code != 0 || json.Unmarshal([]byte(out), &rep) != nil {
		t.Fatalf("plan --json: %d %s", code, out)
	}
	found := false
	for _, f := range rep.Features {
		found = found || f.Feature == "todo" && f.Status == "read-only"
	}
	if !found {
		t.Errorf("plan --json: todo is not read-only: %s", out)
	}
}

func TestParseThrottle(t *testing.T) {
	for _, c := range []struct {
		in       string
		requests int
		per      time.Duration
		bad      bool
	}{
		{in: "off"}, {in: ""},
		{in: "100/10s", requests: 100, per: 10 * time.Second},
		{in: "5/s", requests: 5, per: time.Second},
		{in: "600/1m", requests: 600, per: time.Minute},
		{in: "100", bad: true}, {in: "0/s", bad: true}, {in: "x/s", bad: true}, {in: "5/fortnight", bad: true}, {in: "5/-1s", bad: true},
	} {
		got, err := parseThrottle(c.in)
		switch {
		case c.bad:
			if err == nil {
				t.Errorf("%q: no error", c.in)
			}
		case err != nil:
			t.Errorf("%q: %v", c.in, err)
		case c.requests == 0 && got != nil:
			t.Errorf("%q: throttle %+v, want none", c.in, got)
		case c.requests != 0 && (got == nil || got.Requests != c.requests || got.Per != c.per):
			t.Errorf("%q: %+v, want %d per %s", c.in, got, c.requests, c.per)
		}
	}
}

func runCLIInput(input string, args ...string) (code int, stdout, stderr string) {
	var out, errb bytes.Buffer
	code = Main(args, strings.NewReader(input), &out, &errb)
	return code, out.String(), errb.String()
}

// permissions for - answers every line, in order, as JSON Lines; a bad line
// is answered with its error and does not stop the batch.
func TestPermissionsForBatch(t *testing.T) {
	input := strings.Join([]string{
		"GET /me/messages",
		"",
		"# a comment",
		"  POST /v1.0/me/sendMail  ",
		"/me/presence",
		"FETCH /me",
		"GET /nothing/here",
		"GET /me/messages?$select=subject",
		"get https://graph.microsoft.com/v1.0/users/adele@contoso.com",
		"DELETE /me/sendMail",
		"GET /users/" + strings.Repeat("x", maxBatchLine),
		"GET /me", // the last line has no newline
	}, "\n")
	type want struct {
		line                int
		input, errKind, err string
		template, method    string
		least               string // least privileged (work) of the first method
	}
	wants := []want{
		{line: 1, input: "GET /me/messages", template: "/me/messages", method: "GET", least: "Mail.ReadBasic"},
		{line: 4, input: "POST /v1.0/me/sendMail", template: "/me/sendmail", method: "POST", least: "Mail.Send"},
		{line: 5, input: "/me/presence", template: "/me/presence", method: "GET", least: "Presence.Read"},
		{line: 6, input: "FETCH /me", errKind: "usage", err: "unsupported method"},
		{line: 7, input: "GET /nothing/here", errKind: "not_found", err: "no permission rule for this path"},
		{line: 8, input: "GET /me/messages?$select=subject", template: "/me/messages", method: "GET", least: "Mail.ReadBasic"},
		{line: 9, input: "get https://graph.microsoft.com/v1.0/users/adele@contoso.com", template: "/users/{id}", method: "GET", least: "User.ReadBasic.All"},
		{line: 10, input: "DELETE /me/sendMail", errKind: "not_found", err: "the path has rules for POST"},
		{line: 11, errKind: "usage", err: "line longer than"},
		{line: 12, input: "GET /me", template: "/me", method: "GET", least: "User.Read"},
	}
	for _, tc := range []struct {
		args []string
	}{{[]string{"permissions", "for", "-", "--scheme", "work"}}, {[]string{"permissions", "for", "--stdin", "--scheme", "work"}}} {
		code, out, errs := runCLIInput(input, tc.args...)
		if code != ExitUsage {
			t.Errorf("%v: exit %d, want 2 (a line was malformed)", tc.args, code)
		}
		if !strings.Contains(errs, "4 of 10 lines failed") {
			t.Errorf("%v: stderr %q, want the count of failed lines", tc.args, errs)
		}
		lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
		if len(lines) != len(wants) {
			t.Fatalf("%v: %d output lines, want %d:\n%s", tc.args, len(lines), len(wants), out)
		}
		for i, w := range wants {
			var got struct {
				Line      int         `json:"line"`
				Input     string      `json:"input"`
				Error     string      `json:"error"`
				ErrorKind string      `json:"errorKind"`
				Template  string      `json:"template"`
				Methods   []forMethod `json:"methods"`
			}
			if err := json.Unmarshal([]byte(lines[i]), &got); err != nil {
				t.Fatalf("line %d is not JSON: %v\n%s", i+1, err, lines[i])
			}
			if got.Line != w.line || w.input != "" && got.Input != w.input {
				t.Errorf("output %d: line %d input %q, want %d %q", i+1, got.Line, got.Input, w.line, w.input)
			}
			if got.ErrorKind != w.errKind || !strings.Contains(got.Error, w.err) {
				t.Errorf("line %d: error %q (%s), want %q (%s)", w.line, got.Error, got.ErrorKind, w.err, w.errKind)
			}
			if w.errKind != "" {
				continue
			}
			if got.Template != w.template || len(got.Methods) == 0 || got.Methods[0].Method != w.method {
				t.Errorf("line %d: %s %v, want %s %s", w.line, got.Template, got.Methods, w.method, w.template)
				continue
			}
			if e := got.Methods[0].Schemes["DelegatedWork"]; len(e) == 0 || e[0].Permission != w.least || !e[0].Least {
				t.Errorf("line %d: work entries %v, want %s first and least", w.line, e, w.least)
			}
			if _, ok := got.Methods[0].Schemes["Application"]; ok {
				t.Errorf("line %d: --scheme work printed the Application scheme", w.line)
			}
		}
	}
	// Only unknown paths: exit 3; every line answered: exit 0.
	if code, _, _ := runCLIInput("GET /me\nGET /nothing\n", "permissions", "for", "-"); code != ExitNotFound {
		t.Errorf("unknown path in a batch: exit %d, want 3", code)
	}
	if code, out, errs := runCLIInput("GET /me\n/me/messages\n", "permissions", "for", "-"); code != ExitOK || strings.Count(out, "\n") != 2 || errs != "" {
		t.Errorf("a clean batch: exit %d, %d lines, stderr %q", code, strings.Count(out, "\n"), errs)
	}
	// Empty input: nothing to answer.
	if code, out, _ := runCLIInput("# nothing\n\n", "permissions", "for", "-"); code != ExitOK || out != "" {
		t.Errorf("empty batch: exit %d, output %q", code, out)
	}
	// Arguments and --stdin exclude each other.
	if code, _, errs := runCLIInput("", "permissions", "for", "--stdin", "GET", "/me"); code != ExitUsage || !strings.Contains(errs, "standard input") {
		t.Errorf("--stdin with a call: exit %d, %q", code, errs)
	}
}

// permissions routes --json is the whole table, one route per line.
func TestPermissionsRoutes(t *testing.T) {
	code, out, _ := runCLI("permissions", "routes", "--json")
	if code != 0 {
		t.Fatalf("exit %d", code)
	}
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	tab := routes.Default()
	if len(lines) != len(tab.Routes()) {
		t.Fatalf("%d lines, want one per route (%d)", len(lines), len(tab.Routes()))
	}
	pairs := 0
	var prev forResult
	seen := map[string]bool{}
	for i, l := range lines {
		var r forResult
		if err := json.Unmarshal([]byte(l), &r); err != nil {
			t.Fatalf("line %d: %v", i+1, err)
		}
		if r.Path < prev.Path || r.Path == prev.Path && r.Query <= prev.Query {
			t.Errorf("line %d: %s?%s after %s?%s: not in path order", i+1, r.Path, r.Query, prev.Path, prev.Query)
		}
		prev = r
		seen[r.Source] = true
		pairs += len(r.Methods)
		if r.Path == "/me/messages" {
			if r.Methods[0].Schemes["DelegatedWork"][0].Permission != "Mail.ReadBasic" {
				t.Errorf("/me/messages: %v", r.Methods)
			}
		}
	}
	if pairs != len(tab.Rules()) {
		t.Errorf("%d method+path pairs, want %d", pairs, len(tab.Rules()))
	}
	if !seen["microsoft"] || !seen["docs"] || !seen["retired"] {
		t.Errorf("sources seen %v, want microsoft, docs and retired", seen)
	}
	code, out, errs := runCLI("permissions", "routes", "--source", "retired", "--scheme", "app")
	if code != 0 || !regexp.MustCompile(`(?m)^GET +/identityRiskEvents +retired +A:IdentityRiskEvent\.Read\.All$`).MatchString(out) || !strings.Contains(errs, " routes") {
		t.Errorf("routes --source retired: exit %d\n%s%s", code, out, errs)
	}
	if code, _, _ := runCLI("permissions", "routes", "--source", "somewhere"); code != ExitUsage {
		t.Errorf("bad --source: exit %d", code)
	}
}
