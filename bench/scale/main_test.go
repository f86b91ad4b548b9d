package main

import (
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestScaleSmoke builds graphgate and runs the harness at a tiny scale
// (200 users, 2,000 messages), each query three times: it checks that
// generation, serving and every query answer 200 and that the report names
// every query — never a duration, which a shared CI machine cannot judge
// (bench/README.md has the measured figures).
func TestScaleSmoke(t *testing.T) {
	dir := t.TempDir()
	bin := filepath.Join(dir, "graphgate")
	if out, err := exec.CommandContext(t.Context(), "go", "build", "-o", bin, "graphgate/cmd/graphgate").CombinedOutput(); err != nil {
		t.Fatalf("building graphgate: %v\n%s", err, out)
	}
	var out strings.Builder
	o := options{graphgate: bin, data: filepath.Join(dir, "data"), scale: 0.002, runs: 3, smoke: true}
	if err := run(t.Context(), o, &out); err != nil {
		t.Fatal(err)
	}
	t.Log(out.String())
	for _, want := range []string{"generated 200 users, 2000 messages, 400 events, 200 tasks", "page 1", "$search a rare word", "$orderby=subject",
		"calendarView", "status ne 'completed'", "server peak RSS"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("the report has no %q", want)
		}
	}
}
