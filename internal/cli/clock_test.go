package cli

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"os"
	"strings"
	"testing"
	"time"

	"graphgate/internal/password"
	"graphgate/internal/server"
)

// runningServer serves a fresh data folder on a loopback port until the
// test ends, as 'graphgate serve' would (the admin socket included).
func runningServer(t *testing.T) (srv *server.Server, dir, url string) {
	t.Helper()
	dir = t.TempDir()
	srv, err := server.New(context.Background(), server.Config{DataDir: dir, Addr: "127.0.0.1:0", Passwords: password.Fast,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan string, 1)
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx, func(u string) { ready <- u }) }()
	t.Cleanup(func() { cancel(); <-done; srv.Close() })
	select {
	case url = <-ready:
	case err := <-done:
		t.Fatal(err)
	}
	return srv, dir, url
}

// TestClockAndFaultsCommands drives a running server through the admin
// socket and, without it, over HTTPS with the demo administrator signed
// in; a bad token is refused with the way out.
func TestClockAndFaultsCommands(t *testing.T) {
	srv, dir, url := runningServer(t)
	data := []string{"--data", dir, "--server", url}
	cli := func(args ...string) (int, string, string) { return runCLI(append(args, data...)...) }

	code, out, errOut := cli("clock", "freeze", "--json")
	var st struct {
		Now    time.Time `json:"now"`
		Frozen bool      `json:"frozen"`
		Offset string    `json:"offset"`
	}
	if code != 0 || json.Unmarshal([]byte(out), &st) != nil || !st.Frozen {
		t.Fatalf("clock freeze: %d %s %s", code, out, errOut)
	}
	if code, out, errOut = cli("clock", "advance", "90d"); code != 0 || !strings.Contains(out, "frozen, real time + 90d") {
		t.Fatalf("clock advance 90d: %d %q %s", code, out, errOut)
	}
	if got := srv.Clock().Now(); !got.Equal(st.Now.Add(90 * 24 * time.Hour)) {
		t.Fatalf("server clock %v, want %v", got, st.Now.Add(90*24*time.Hour))
	}
	if code, _, errOut = cli("clock", "advance", "soon"); code != ExitUsage || !strings.Contains(errOut, "30d") {
		t.Fatalf("clock advance soon: %d %s", code, errOut)
	}
	if code, out, errOut = cli("faults", "add", "--route", "/me/messages", "--status", "429", "--retry-after", "2", "--count", "2"); code != 0 ||
		!strings.Contains(out, "Added fault f1") {
		t.Fatalf("faults add: %d %s %s", code, out, errOut)
	}
	if l := srv.Faults().List(); len(l) != 1 || l[0].Route != "/me/messages" || l[0].Status != 429 || l[0].RetryAfter != 2 || l[0].Count != 2 {
		t.Fatalf("rules on the server: %+v", l)
	}
	if code, _, errOut = cli("faults", "add", "--route", "/me", "--status", "200"); code != ExitUsage {
		t.Fatalf("a 200 fault: %d %s", code, errOut)
	}
	if code, _, _ = cli("faults", "remove", "nope"); code != ExitNotFound {
		t.Fatalf("removing an unknown rule: exit %d", code)
	}

	// Without the socket: HTTPS, the demo administrator signed in — even
	// with the clock 90 days on.
	sock := server.AdminSocket(dir)
	if err := os.Rename(sock, sock+".away"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.Rename(sock+".away", sock) })
	if code, out, errOut = cli("faults", "list", "--json"); code != 0 || !strings.Contains(out, `"id": "f1"`) {
		t.Fatalf("faults list over HTTPS: %d %s %s", code, out, errOut)
	}
	if code, out, errOut = cli("clock", "reset"); code != 0 || !strings.Contains(out, "running, real time (no offset)") {
		t.Fatalf("clock reset over HTTPS: %d %s %s", code, out, errOut)
	}
	if code, _, errOut = cli("faults", "clear", "--token", "not-a-token"); code != ExitFailure || !strings.Contains(errOut, "401 InvalidAuthenticationToken") ||
		!strings.Contains(errOut, "--admin-no-auth") {
		t.Fatalf("a bad token: %d %s", code, errOut)
	}
	if srv.Faults().Empty() {
		t.Fatal("a refused clear removed the rules")
	}
}
