package cli

import (
	"encoding/json"
	"strings"
	"testing"
)

// TestGenerateCommand: generate needs the demo tenant (and says which
// command seeds it), prints what it generated with --json, reports
// progress on standard error, and refuses to generate twice.
func TestGenerateCommand(t *testing.T) {
	dir := t.TempDir()
	code, _, errs := runCLI("generate", "--data", dir, "--scale", "0.001")
	if code != ExitUsage || !strings.Contains(errs, "graphgate demo --data "+dir) {
		t.Errorf("generate before demo: exit %d, stderr %q; want %d naming 'graphgate demo --data'", code, errs, ExitUsage)
	}
	if code, _, errs := runCLI("demo", "--data", dir, "--json"); code != 0 {
		t.Fatalf("demo: exit %d %s", code, errs)
	}
	code, out, errs := runCLI("generate", "--data", dir, "--scale", "0.001", "--json")
	if code != 0 {
		t.Fatalf("generate: exit %d %s", code, errs)
	}
	var g struct{ Users, Messages, Events, Tasks int }
	if err := json.Unmarshal([]byte(out), &g); err != nil || g.Users != 100 || g.Messages != 1000 || g.Events != 200 || g.Tasks != 100 {
		t.Errorf("generate --json = %s (%v)", out, err)
	}
	if !strings.Contains(errs, "generated 100%") {
		t.Errorf("no progress on standard error: %q", errs)
	}
	code, _, errs = runCLI("generate", "--data", dir, "--scale", "0.001")
	if code != ExitUsage || !strings.Contains(errs, "already holds generated data") {
		t.Errorf("generating twice: exit %d, stderr %q", code, errs)
	}
	for _, scale := range []string{"0", "-1", "101", "NaN"} {
		code, _, errs = runCLI("generate", "--data", t.TempDir(), "--scale", scale)
		if code != ExitUsage || !strings.Contains(errs, "--scale 0.01") {
			t.Errorf("--scale %s: exit %d, stderr %q; want %d suggesting --scale 0.01", scale, code, errs, ExitUsage)
		}
	}
}
