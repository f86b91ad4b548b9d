package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"graphgate/internal/demo"
)

// TestSnapshotCommands: save the demo tenant, change it with graphgate's own
// commands, restore, and the change is gone; names and unknown snapshots
// get the documented exit codes.
func TestSnapshotCommands(t *testing.T) {
	dir := seedDemo(t)
	code, stdout, stderr := runCLI("snapshot", "save", "baseline", "--data", dir, "--json")
	if code != 0 {
		t.Fatalf("snapshot save: %d\n%s", code, stderr)
	}
	var saved snapshotOut
	if err := json.Unmarshal([]byte(stdout), &saved); err != nil || saved.Name != "baseline" || saved.Bytes == 0 || saved.SchemaVersion == 0 {
		t.Fatalf("snapshot save --json = %q (%v)", stdout, err)
	}
	if fi, err := os.Stat(filepath.Join(dir, "snapshots", "baseline.db")); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("the snapshot file: %v, %v (want mode 0600)", fi, err)
	}

	upn := "newcomer@" + demo.TenantDomain
	if code, _, stderr := runCLI("user", "create", "--data", dir, "--upn", upn, "--name", "Newcomer", "--password", "Passw0rd!x"); code != 0 {
		t.Fatalf("user create: %d\n%s", code, stderr)
	}
	if code, stdout, _ := runCLI("user", "list", "--data", dir, "--tenant", demo.TenantDomain); code != 0 || !strings.Contains(stdout, upn) {
		t.Fatalf("user list after create: %d\n%s", code, stdout)
	}
	if code, stdout, stderr = runCLI("snapshot", "restore", "baseline", "--data", dir); code != 0 || !strings.Contains(stdout, "restored snapshot baseline") {
		t.Fatalf("snapshot restore: %d\n%s%s", code, stdout, stderr)
	}
	if code, stdout, _ := runCLI("user", "list", "--data", dir, "--tenant", demo.TenantDomain); code != 0 || strings.Contains(stdout, upn) || !strings.Contains(stdout, "adele@") {
		t.Errorf("user list after restore: exit %d, want the demo users without %s (created after the snapshot)\n%s", code, upn, stdout)
	}

	if code, stdout, _ = runCLI("snapshot", "list", "--data", dir, "--json"); code != 0 {
		t.Fatalf("snapshot list: %d", code)
	}
	var list []snapshotOut
	if err := json.Unmarshal([]byte(stdout), &list); err != nil || len(list) != 1 || list[0].Name != "baseline" {
		t.Fatalf("snapshot list --json = %q (%v)", stdout, err)
	}

	for _, tc := range []struct {
		args []string
		code int
		says string
	}{
		{[]string{"snapshot", "save", "baseline"}, ExitUsage, "--replace"},
		{[]string{"snapshot", "save", "Bad Name"}, ExitUsage, "lower case letters"},
		{[]string{"snapshot", "restore", "missing"}, ExitNotFound, "graphgate snapshot list"},
		{[]string{"snapshot", "delete", "missing"}, ExitNotFound, "graphgate snapshot list"},
		{[]string{"snapshot", "restore", "../graphgate"}, ExitUsage, "invalid snapshot name"},
	} {
		code, _, stderr := runCLI(append(tc.args, "--data", dir)...)
		if code != tc.code || !strings.Contains(stderr, tc.says) {
			t.Errorf("%v: exit %d, want %d saying %q\n%s", tc.args, code, tc.code, tc.says, stderr)
		}
	}
	if code, _, _ = runCLI("snapshot", "save", "baseline", "--replace", "--data", dir); code != 0 {
		t.Errorf("snapshot save --replace: exit %d", code)
	}
	if code, _, _ = runCLI("snapshot", "delete", "baseline", "--data", dir); code != 0 {
		t.Errorf("snapshot delete: exit %d", code)
	}
	if code, stdout, _ = runCLI("snapshot", "list", "--data", dir); code != 0 || !strings.Contains(stdout, "no snapshots") {
		t.Errorf("snapshot list after delete: %d %q", code, stdout)
	}
}
