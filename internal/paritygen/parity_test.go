package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"graphgate/internal/routes"
)

func TestWorkloadOf(t *testing.T) {
	for _, tc := range []struct{ path, template, want string }{
		{"/me/messages", "/me/messages", "Mail"},
		{"/users/{id}/mailfolders/{id}/messages", "/users/{id}/mailFolders/{id}/messages", "Mail"},
		{"/groups/{id}/calendar/events", "/groups/{id}/calendar/events", "Calendar"},
		{"/me/drive/root/children", "/me/drive/root/children", "Files (OneDrive)"},
		{"/me", "/me", "Users"},
		{"/users/{id}/photo", "/users/{id}/photo", "Users"},
		{"/groups/{id}/members", "/groups/{id}/members", "Groups"},
		{"/directoryroles", "/directoryRoles", "Directory"},
		{"/applications(appid={value})", "/applications(appId={value})", "Applications and consent"},
		{"/devicemanagement/manageddevices", "/deviceManagement/managedDevices", "/devicemanagement"},
	} {
		if got := WorkloadOf(tc.path, tc.template); got != tc.want {
			t.Errorf("WorkloadOf(%s) = %q, want %q", tc.path, got, tc.want)
		}
	}
}

// TestClassifyAgainstTheServer: every method+path of the table appears once,
// served exactly when the Graph server registered a handler for it.
func TestClassifyAgainstTheServer(t *testing.T) {
	served, err := servedEndpoints(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	tab := routes.Default()
	rows := Classify(tab, served)
	want := 0
	for _, r := range tab.Routes() {
		if r.Query == "" {
			want += len(r.Methods())
		}
	}
	if len(rows) != want {
		t.Errorf("%d rows, want one per method+path: %d", len(rows), want)
	}
	status := map[string]Status{}
	for _, r := range rows {
		k := r.Method + " " + r.Template
		if _, dup := status[k]; dup {
			t.Errorf("%s listed twice", k)
		}
		status[k] = r.Status
	}
	if len(served) < 100 {
		t.Fatalf("the server registered %d handlers; expected the workloads' hundreds", len(served))
	}
	for _, e := range served {
		if e.Route.Query != "" {
			continue
		}
		if st, ok := status[e.Method+" "+e.Route.Template]; !ok || st != Served {
			t.Errorf("served %s %s is %v in the map (listed: %v)", e.Method, e.Route.Template, st, ok)
		}
	}
	nServed := 0
	for _, st := range status {
		if st == Served {
			nServed++
		}
	}
	if nServed > len(served) {
		t.Errorf("%d rows served, but the server registered %d handlers", nServed, len(served))
	}
	if status["GET /me/messages"] != Served || status["GET /devicemanagement/manageddevices"] != RuleOnly {
		t.Errorf("GET /me/messages = %v (want served), GET /devicemanagement/manageddevices = %v (want rule only)",
			status["GET /me/messages"], status["GET /devicemanagement/manageddevices"])
	}
}

func TestRenderCollapsesLongTails(t *testing.T) {
	rows := []Row{{Workload: "Mail", Method: "GET", Template: "/me/messages", Status: Served}}
	for i := range maxListed + 5 {
		rows = append(rows, Row{Workload: "Mail", Method: "GET", Template: fmt.Sprintf("/me/outlook/x%d", i), Status: RuleOnly})
	}
	rows = append(rows, Row{Workload: "Calendar", Method: "GET", Template: "/me/events", Status: Served},
		Row{Workload: "Calendar", Method: "DELETE", Template: "/me/events/{id}", Status: RuleOnly},
		Row{Workload: "/print", Method: "GET", Template: "/print/printers", Status: RuleOnly})
	doc := string(Render(rows))
	for _, want := range []string{
		"2 of 49 method+path pairs served (4.1%).",
		"| Mail | 1 | 45 | 46 | 2.2% |",
		"| /print | 0 | 1 | 1 | 0.0% |",
		"| GET | `/me/messages` | served |",
		"Rule only (501), 45 method+path pairs, by resource:",
		"- `/me/outlook…`: 45",
		"| DELETE | `/me/events/{id}` | rule only (501) |",
	} {
		if !strings.Contains(doc, want) {
			t.Errorf("the map lacks %q:\n%s", want, doc)
		}
	}
	if strings.Contains(doc, "x3`") || strings.Contains(doc, "### /print") {
		t.Errorf("a collapsed path or a workload with nothing served is listed:\n%s", doc)
	}
}

// TestCommittedMapIsFresh is what CI's paritygen -check does: the committed
// docs/parity.md is what the generator writes now.
func TestCommittedMapIsFresh(t *testing.T) {
	served, err := servedEndpoints(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	old, err := os.ReadFile(filepath.Join("..", "..", "docs", "parity.md"))
	if err != nil {
		t.Fatal(err)
	}
	doc := Render(Classify(routes.Default(), served))
	if !bytes.Equal(old, doc) {
		t.Errorf("docs/parity.md is stale: run go generate ./internal/paritygen")
	}
	if n := bytes.Count(doc, []byte("\n")); n > 3000 {
		t.Errorf("docs/parity.md has %d lines; collapse more (maxListed)", n)
	}
}
