package cli

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"graphgate/internal/demo"
)

// serveUntilStarted runs graphgate serve --json with args on a free port and
// returns once it listens; stop ends it as SIGINT would (its context) and
// returns the exit code and standard error.
func serveUntilStarted(t *testing.T, args ...string) (stop func() (int, string)) {
	t.Helper()
	var stdout, stderr syncBuffer
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int, 1)
	go func() {
		done <- MainContext(ctx, append([]string{"serve", "--addr", "127.0.0.1:0", "--json"}, args...), strings.NewReader(""), &stdout, &stderr)
	}()
	deadline := time.Now().Add(30 * time.Second)
	for !strings.Contains(stdout.String(), "\n") {
		select {
		case code := <-done:
			cancel()
			t.Fatalf("serve %v exited %d: %s", args, code, stderr.String())
		default:
		}
		if time.Now().After(deadline) {
			cancel()
			t.Fatalf("serve %v did not start; stderr:\n%s", args, stderr.String())
		}
		time.Sleep(20 * time.Millisecond) // waiting for the server's start, not for a clock
	}
	return func() (int, string) {
		cancel()
		return <-done, stderr.String()
	}
}

// TestServeImportExportOnExit: a tenant changed with graphgate's commands is
// exported when the server stops, and a server on a new data folder that
// imports the folder has the same tenant — users, and the demo's
// credentials, which keep working because the settings travel too.
func TestServeImportExportOnExit(t *testing.T) {
	src := seedDemo(t)
	upn := "fixture@" + demo.TenantDomain
	if code, _, stderr := runCLI("user", "create", "--data", src, "--upn", upn, "--name", "Fixture", "--password", "Passw0rd!x"); code != 0 {
		t.Fatalf("user create: %d\n%s", code, stderr)
	}
	exp := filepath.Join(t.TempDir(), "fixtures")
	stop := serveUntilStarted(t, "--data", src, "--export-on-exit", exp)
	if code, stderr := stop(); code != 0 {
		t.Fatalf("serve exited %d after its context ended:\n%s", code, stderr)
	}
	for _, id := range []string{demo.TenantID, "9188040d-6c67-4c5b-b112-36a304b66dad"} {
		fi, err := os.Stat(filepath.Join(exp, id+".jsonl"))
		if err != nil || fi.Mode().Perm() != 0o600 || fi.Size() == 0 {
			t.Errorf("export of tenant %s: %v, %v (want a non-empty owner-only file)", id, fi, err)
		}
	}

	dst := filepath.Join(t.TempDir(), "data")
	stop = serveUntilStarted(t, "--data", dst, "--no-demo", "--import", exp, "--export-on-exit", exp)
	if code, stderr := stop(); code != 0 {
		t.Fatalf("serve --import exited %d:\n%s", code, stderr)
	}
	if code, stdout, _ := runCLI("user", "list", "--data", dst, "--tenant", demo.TenantDomain); code != 0 || !strings.Contains(stdout, upn) {
		t.Errorf("user list of the imported data: %d, want %s listed\n%s", code, upn, stdout)
	}
	var a, b demo.Tenant
	for dir, into := range map[string]*demo.Tenant{src: &a, dst: &b} {
		code, stdout, stderr := runCLI("demo", "--data", dir, "--json")
		if code != 0 || json.Unmarshal([]byte(stdout), into) != nil {
			t.Fatalf("demo --json of %s: %d %s", dir, code, stderr)
		}
	}
	if pa, _ := a.UserByKey("adele"); pa.Password == "" || func() bool { pb, _ := b.UserByKey("adele"); return pb.Password != pa.Password }() {
		t.Errorf("the imported demo tenant's credentials differ from the exported one's")
	}
	// The second export replaced the folder: no temporary folders are left.
	entries, _ := os.ReadDir(filepath.Dir(exp))
	if len(entries) != 1 {
		var names []string
		for _, e := range entries {
			names = append(names, e.Name())
		}
		t.Errorf("beside the export folder: %v, want the folder alone", names)
	}

	// A folder that does not exist yet is a first run (the same folder for
	// both flags): the server starts, seeds the demo and exports on exit.
	first := filepath.Join(t.TempDir(), "first")
	stop = serveUntilStarted(t, "--data", filepath.Join(t.TempDir(), "d1"), "--import", first, "--export-on-exit", first)
	if code, stderr := stop(); code != 0 || !strings.Contains(stderr, "nothing to import") {
		t.Fatalf("serve --import of a missing folder: %d\n%s", code, stderr)
	}
	if _, err := os.Stat(filepath.Join(first, demo.TenantID+".jsonl")); err != nil {
		t.Errorf("the first run's export: %v", err)
	}

	// A folder without an export is refused before serving, saying what it wants.
	empty := t.TempDir()
	code, _, stderr := runCLI("serve", "--addr", "127.0.0.1:0", "--data", filepath.Join(t.TempDir(), "d"), "--import", empty)
	if code != ExitFailure || !strings.Contains(stderr, "no tenant files") || !strings.Contains(stderr, "--export-on-exit") {
		t.Errorf("serve --import of an empty folder: exit %d\n%s", code, stderr)
	}
}
