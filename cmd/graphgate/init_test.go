package main

import (
	"bufio"
	"bytes"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
)

// TestMain lets the test binary stand in for the built command: with
// GRAPHGATE_TEST_RUN_MAIN set it runs graphgate's main with its arguments,
// so tests can measure a real process without building one.
func TestMain(m *testing.M) {
	if os.Getenv("GRAPHGATE_TEST_RUN_MAIN") != "" {
		main()
	}
	os.Exit(m.Run())
}

// TestCLIInitIsLazy guards issue 16's ≤ 50 ms `permissions for` answer
// without timing it: it runs `graphgate permissions for GET /me` as a
// process with GODEBUG=inittrace=1 and counts what each graphgate package's
// initialisation allocates. Allocation counts do not depend on the
// machine's load. The expensive package-level work — Graph's CSDL schema
// (17,000 allocations), the $filter parser (2,500), the directory's
// regular expressions (1,200), the sign-in pages' templates (850), the fault
// rules' and the stores' regular expressions (860, 470) — is built on first
// use (sync.OnceValue), and the permission commands never use it. A package
// that goes back to building such a thing at init fails here with its count.
// The route table builds nothing at init either (routes.Load builds a part
// of it on first use; the supplement is Go data).
func TestCLIInitIsLazy(t *testing.T) {
	cmd := exec.Command(os.Args[0], "permissions", "for", "GET", "/me")
	cmd.Env = append(os.Environ(), "GRAPHGATE_TEST_RUN_MAIN=1", "GODEBUG=inittrace=1")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("permissions for GET /me: %v\n%s", err, stderr.String())
	}
	if !strings.Contains(stdout.String(), "User.Read") {
		t.Fatalf("the answer does not name User.Read:\n%s", stdout.String())
	}
	allocs := map[string]int{}
	total := 0
	sc := bufio.NewScanner(&stderr)
	for sc.Scan() {
		// init graphgate/internal/graph @12 ms, 0.31 ms clock, 101368 bytes, 1080 allocs
		f := strings.Fields(sc.Text())
		if len(f) != 11 || f[0] != "init" || f[10] != "allocs" {
			continue
		}
		n, err := strconv.Atoi(f[9])
		if err != nil {
			t.Fatalf("inittrace line %q: %v", sc.Text(), err)
		}
		allocs[f[1]] = n
		total += n
	}
	if len(allocs) == 0 {
		t.Fatalf("no inittrace lines on standard error:\n%s", stderr.String())
	}
	// Bounds: what each package allocates today, with room for ordinary
	// growth, far below what the eager initialisers cost.
	for pkg, limit := range map[string]int{
		"graphgate/internal/graph":     1200, // most of today's 800 is the endpoint registry (a descriptor per served endpoint, declared as data); the CSDL schema alone was 17,000
		"graphgate/internal/odata":     500,  // the participle parser is 2,500
		"graphgate/internal/directory": 500,  // the domain-label regexp is 1,100
		"graphgate/internal/cli":       500,  // its regexps were 1,000
		"graphgate/internal/identity":  300,  // its regexps were 200, the pages' template 850
		"graphgate/internal/bridge":    500,  // its regexps were 900
		"graphgate/internal/faults":    200,  // the rule id regexp is 860
		"graphgate/internal/store":     200,  // the snapshot name regexp is 470
		"graphgate/internal/routes":    50,   // nothing: the table is built by Load
		"graphgate/internal/catalog":   50,   // nothing: the catalog is built by Load
	} {
		if allocs[pkg] > limit {
			t.Errorf("%s allocates %d times at init (at most %d): make package-level work lazy (sync.OnceValue)", pkg, allocs[pkg], limit)
		}
	}
	t.Logf("init allocations: %d in all; graph %d, odata %d, directory %d, cli %d, identity %d, bridge %d, faults %d, store %d", total,
		allocs["graphgate/internal/graph"], allocs["graphgate/internal/odata"], allocs["graphgate/internal/directory"],
		allocs["graphgate/internal/cli"], allocs["graphgate/internal/identity"], allocs["graphgate/internal/bridge"],
		allocs["graphgate/internal/faults"], allocs["graphgate/internal/store"])
}
