package cli

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"graphgate/internal/demo"
)

func demoOf(t *testing.T, dir string, extra ...string) demo.Tenant {
	t.Helper()
	code, stdout, stderr := runCLI(append([]string{"demo", "--data", dir, "--json"}, extra...)...)
	var tn demo.Tenant
	if code != 0 || json.Unmarshal([]byte(stdout), &tn) != nil {
		t.Fatalf("demo --json: %d\n%s", code, stderr)
	}
	return tn
}

func userListed(t *testing.T, dir, upn string) bool {
	t.Helper()
	code, stdout, stderr := runCLI("user", "list", "--data", dir, "--tenant", demo.TenantDomain)
	if code != 0 {
		t.Fatalf("user list: %d\n%s", code, stderr)
	}
	return strings.Contains(stdout, upn)
}

// TestReset: reset asks for --yes; then the store holds the demo tenant
// alone, with the passwords it had (or, with --seed, those every folder
// seeded with that seed has), and snapshots survive it.
func TestReset(t *testing.T) {
	dir := seedDemo(t)
	before := demoOf(t, dir)
	upn := "temp@" + demo.TenantDomain
	if code, _, stderr := runCLI("user", "create", "--data", dir, "--upn", upn, "--name", "Temp", "--password", "Passw0rd!x"); code != 0 {
		t.Fatalf("user create: %d\n%s", code, stderr)
	}
	if code, _, stderr := runCLI("snapshot", "save", "with-temp", "--data", dir); code != 0 {
		t.Fatalf("snapshot save: %d\n%s", code, stderr)
	}

	code, _, stderr := runCLI("reset", "--data", dir)
	if code != ExitUsage || !strings.Contains(stderr, "--yes") || !userListed(t, dir, upn) {
		t.Fatalf("reset without --yes: exit %d, and the data must be untouched\n%s", code, stderr)
	}

	code, stdout, stderr := runCLI("reset", "--yes", "--data", dir, "--json")
	var out resetOut
	if code != 0 || json.Unmarshal([]byte(stdout), &out) != nil || out.TenantID != demo.TenantID {
		t.Fatalf("reset --yes: %d %q\n%s", code, stdout, stderr)
	}
	if userListed(t, dir, upn) {
		t.Errorf("the user created before the reset is still there")
	}
	after := demoOf(t, dir)
	if a, b := toJSON(t, before), toJSON(t, after); a != b {
		t.Errorf("reset changed the demo tenant's credentials:\n%s\n%s", a, b)
	}

	// --seed: the demo tenant of a fresh folder seeded with the same seed.
	if code, _, stderr := runCLI("reset", "--yes", "--seed", "7", "--data", dir); code != 0 {
		t.Fatalf("reset --seed 7: %d\n%s", code, stderr)
	}
	want := demoOf(t, filepath.Join(t.TempDir(), "fresh"), "--seed", "7")
	if a, b := toJSON(t, demoOf(t, dir)), toJSON(t, want); a != b {
		t.Errorf("reset --seed 7 differs from a folder seeded with --seed 7:\n%s\n%s", a, b)
	}

	// The snapshot survived and brings the user back.
	if code, _, stderr := runCLI("snapshot", "restore", "with-temp", "--data", dir); code != 0 || !userListed(t, dir, upn) {
		t.Errorf("snapshot restore after reset: %d\n%s", code, stderr)
	}
}

func toJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
