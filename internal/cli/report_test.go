package cli

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"graphgate/internal/report"
)

func runCLIIn(stdin string, args ...string) (code int, stdout, stderr string) {
	var out, errb bytes.Buffer
	code = Main(args, strings.NewReader(stdin), &out, &errb)
	return code, out.String(), errb.String()
}

const har = "../report/testdata/devtools.har"

// TestReportLeastPrivilege: the command's inputs, outputs and exit codes.
func TestReportLeastPrivilege(t *testing.T) {
	notHAR := filepath.Join(t.TempDir(), "calls.txt")
	if err := os.WriteFile(notHAR, []byte("GET /v1.0/me\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name  string
		stdin string
		args  []string
		code  int
		out   []string
		err   []string
	}{
		// An app granted Mail.ReadWrite that only reads mail is told
		// Mail.Read: exit 1, the grant is not the minimal set.
		{"reads mail", "# granted=Mail.ReadWrite\nGET https://graph.microsoft.com/v1.0/me/messages\n", []string{"report", "least-privilege", "--calls", "-"}, 1,
			[]string{"Minimal:  Mail.Read  (exact)", "Narrow:   Mail.ReadWrite to Mail.Read", "GET     /me/messages  1      0        Mail.Read"}, nil},
		{"basic properties", "# granted=Mail.ReadWrite\nGET /v1.0/me/messages?$select=subject,from\n", []string{"report", "least-privilege", "--calls", "-", "--markdown"}, 1,
			[]string{"# Least-privilege report", "- **Minimal:** `Mail.ReadBasic`", "- **Narrow** `Mail.ReadWrite` to `Mail.ReadBasic`", "| `GET /me/messages` | 1 | 0 | Mail.ReadBasic |"}, nil},
		// The grant is the minimal set: exit 0.
		{"minimal grant", "# granted=Mail.Read,Mail.Send\nGET /v1.0/me/messages\nPOST /v1.0/me/sendMail\n", []string{"report", "least-privilege", "--calls", "-"}, 0,
			[]string{"Minimal:  Mail.Read Mail.Send  (exact)"}, nil},
		// Without a grant nothing is amiss: exit 0; unplaced calls listed.
		{"unknown grant", "GET /v1.0/me\nGET https://contoso.sharepoint.com/_api/web\n", []string{"report", "least-privilege", "--calls", "-"}, 0,
			[]string{"Granted:  not known", "not_graph  1      GET     https://contoso.sharepoint.com/_api/web"}, nil},
		{"har", "", []string{"report", "least-privilege", "--har", har}, 1,
			[]string{"App 9f1c2b7e-3a4d-4e5f-8a6b-7c8d9e0f1a2b — delegated (work or school account), 5 calls",
				"App 9f1c2b7e-3a4d-4e5f-8a6b-7c8d9e0f1a2b — application (app-only), 2 calls",
				"Refused: GET /me/events (1 refused, request-id 7f3c2a10-0000-4000-8000-000000000003)",
				"No permission allows GET /me (1 call): /me request is only valid with delegated authentication flow.",
				"no_route   1      GET      https://graph.microsoft.com/v1.0/me/contosoWidgets"}, nil},
		{"one app, one scheme", "", []string{"report", "least-privilege", "--har", har, "--app", "9f1c2b7e-3a4d-4e5f-8a6b-7c8d9e0f1a2b", "--scheme", "app"}, 1,
			[]string{"application (app-only), 2 calls", "Remove:   Mail.Read (allows none of the calls)"}, nil},
		{"no input", "", []string{"report", "least-privilege"}, 2, nil, []string{"--har FILE, --calls FILE (- for standard input) or --from-log"}},
		{"both inputs", "", []string{"report", "least-privilege", "--har", har, "--calls", "-"}, 2, nil, []string{"one of them"}},
		{"json and markdown", "", []string{"report", "least-privilege", "--calls", "-", "--json", "--markdown"}, 2, nil, []string{"exclude each other"}},
		{"bad scheme", "", []string{"report", "least-privilege", "--calls", "-", "--scheme", "robot"}, 2, nil, []string{"unknown scheme"}},
		{"missing file", "", []string{"report", "least-privilege", "--har", "no-such.har"}, 4, nil, []string{"cannot read the calls"}},
		{"not a HAR", "", []string{"report", "least-privilege", "--har", notHAR}, 2, nil, []string{"not a HAR file", "goes in --calls"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			code, out, errs := runCLIIn(c.stdin, c.args...)
			if code != c.code {
				t.Errorf("exit %d, want %d\nstdout: %s\nstderr: %s", code, c.code, out, errs)
			}
			for _, s := range c.out {
				if !strings.Contains(out, s) {
					t.Errorf("stdout lacks %q:\n%s", s, out)
				}
			}
			for _, s := range c.err {
				if !strings.Contains(errs, s) {
					t.Errorf("stderr lacks %q:\n%s", s, errs)
				}
			}
		})
	}
}

// TestReportJSONToPlan: the report's JSON is what plan --from-report
// reads; the comparison names the features, the differences and the calls
// the integration does not make.
func TestReportJSONToPlan(t *testing.T) {
	calls := "GET /v1.0/me\nGET /v1.0/me/todo/lists\nPOST /v1.0/me/todo/lists/l1/tasks\nGET /v1.0/me/drive/root/children\n"
	code, out, errs := runCLIIn(calls, "report", "least-privilege", "--calls", "-", "--json")
	if code != 0 {
		t.Fatalf("report: exit %d: %s", code, errs)
	}
	var rep report.Report
	if err := json.Unmarshal([]byte(out), &rep); err != nil || len(rep.Groups) != 1 {
		t.Fatalf("report JSON: %v\n%s", err, out)
	}
	file := filepath.Join(t.TempDir(), "report.json")
	if err := os.WriteFile(file, []byte(out), 0o600); err != nil {
		t.Fatal(err)
	}
	code, out, errs = runCLIIn("", "plan", "--from-report", file)
	if code != 0 {
		t.Fatalf("plan: exit %d: %s\n%s", code, errs, out)
	}
	for _, s := range []string{"todo     yes     GET /me/todo/lists, POST /me/todo/lists/{id}/tasks", "Plan:    User.Read Tasks.ReadWrite",
		"Only in the minimal set: Files.Read. Needed by GET /me/drive/root/children, which the integration does not call",
		"Not the integration's calls: GET /me/drive/root/children"} {
		if !strings.Contains(out, s) {
			t.Errorf("plan --from-report lacks %q:\n%s", s, out)
		}
	}
	code, out, _ = runCLIIn("", "plan", "--from-report", file, "--json")
	var cmps []report.PlanComparison
	if code != 0 || json.Unmarshal([]byte(out), &cmps) != nil || len(cmps) != 1 || !cmps[0].Covered {
		t.Errorf("--json: exit %d\n%s", code, out)
	}
	// Standard input, and the errors.
	if code, _, errs := runCLIIn(out, "plan", "--from-report", "-"); code != 2 || !strings.Contains(errs, "not a report's JSON") {
		t.Errorf("a comparison is not a report: exit %d %s", code, errs)
	}
	for _, c := range []struct {
		args []string
		code int
		err  string
	}{
		{[]string{"plan", "--from-report", file, "--feature", "todo"}, 2, "give only --app and --json"},
		{[]string{"plan", "--app", "x"}, 2, "--app picks an app"},
		{[]string{"plan", "--from-report", file, "--app", "other"}, 3, `no delegated calls of app "other"`},
		{[]string{"plan", "--from-report", "no-such.json"}, 4, "cannot read the report"},
	} {
		if code, _, errs := runCLIIn("", c.args...); code != c.code || !strings.Contains(errs, c.err) {
			t.Errorf("%v: exit %d %q, want %d %q", c.args, code, errs, c.code, c.err)
		}
	}
	// Application traffic only: not the integration's.
	_, out, _ = runCLIIn("GET /v1.0/users\n", "report", "least-privilege", "--calls", "-", "--scheme", "application", "--json")
	if err := os.WriteFile(file, []byte(out), 0o600); err != nil {
		t.Fatal(err)
	}
	if code, _, errs := runCLIIn("", "plan", "--from-report", file); code != 2 || !strings.Contains(errs, "no delegated calls") {
		t.Errorf("application report: exit %d %s", code, errs)
	}
}
