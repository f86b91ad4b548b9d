package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/debug"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/spf13/cobra"

	"graphgate/internal/server"
	"graphgate/internal/tlsca"
)

// TestEveryCommandHasHelpAndJSON: the root help's promise — every command
// has --help and --json — holds for every runnable command, and the help
// of each says what it prints.
func TestEveryCommandHasHelpAndJSON(t *testing.T) {
	root := newRoot(strings.NewReader(""), io.Discard, io.Discard)
	var walk func(c *cobra.Command)
	n := 0
	walk = func(c *cobra.Command) {
		if c.Runnable() && c != root {
			n++
			if c.Flags().Lookup("json") == nil {
				t.Errorf("%s has no --json", c.CommandPath())
			}
			if c.Long == "" || c.Example == "" {
				t.Errorf("%s --help has no long description or no example", c.CommandPath())
			}
			args := append(strings.Fields(strings.TrimPrefix(c.CommandPath(), "graphgate ")), "--help")
			if code, out, _ := runCLI(args...); code != 0 || !strings.Contains(out, "--json") {
				t.Errorf("graphgate %s: exit %d, --json not in the help", strings.Join(args, " "), code)
			}
		}
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(root)
	if n < 30 {
		t.Errorf("only %d commands", n)
	}
}

// TestServeAddressInUse: a taken port says which flag and which
// environment variable choose another address, instead of a bare bind
// error.
func TestServeAddressInUse(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	for _, tc := range []struct {
		name string
		args []string
		want []string
	}{
		{"https", []string{"--addr", ln.Addr().String()}, []string{ln.Addr().String() + " is already in use", "--addr", "GRAPHGATE_ADDR"}},
		{"plain http", []string{"--addr", "127.0.0.1:0", "--http-addr", ln.Addr().String()}, []string{ln.Addr().String() + " is already in use", "--http-addr"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, _, errs := runCLI(append([]string{"serve", "--no-demo", "--data", t.TempDir()}, tc.args...)...)
			if code != ExitFailure {
				t.Errorf("exit %d, want %d", code, ExitFailure)
			}
			for _, w := range tc.want {
				if !strings.Contains(errs, w) {
					t.Errorf("stderr lacks %q:\n%s", w, errs)
				}
			}
		})
	}
}

// syncBuffer is an output the command writes while the test reads it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestServeJSONAndAddrVariable: GRAPHGATE_ADDR chooses the address, and
// serve --json prints where it listens (the URL, the CA's absolute path)
// as one JSON object a script can read; the server answers there with
// that CA.
func TestServeJSONAndAddrVariable(t *testing.T) {
	t.Setenv("GRAPHGATE_ADDR", "127.0.0.1:0")
	t.Chdir(t.TempDir())
	var stdout, stderr syncBuffer
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int, 1)
	go func() {
		done <- MainContext(ctx, []string{"serve", "--no-demo", "--data", "rel-data", "--json"}, strings.NewReader(""), &stdout, &stderr)
	}()
	var started serveStarted
	deadline := time.Now().Add(30 * time.Second)
	for {
		if line, _, ok := strings.Cut(stdout.String(), "\n"); ok {
			if err := json.Unmarshal([]byte(line), &started); err != nil {
				t.Fatalf("serve --json printed %q: %v", line, err)
			}
			break
		}
		select {
		case code := <-done:
			t.Fatalf("serve exited %d: %s", code, stderr.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("serve printed nothing on standard output; stderr:\n%s", stderr.String())
		}
		time.Sleep(20 * time.Millisecond) // waiting for the server's start, not for a clock
	}
	if !strings.HasPrefix(started.URL, "https://localhost:") || !filepath.IsAbs(started.CAFile) || !started.CACreated ||
		!strings.HasSuffix(started.CAFile, filepath.Join("rel-data", "tls", "ca.pem")) || started.Store != "sqlite:rel-data" {
		t.Errorf("serve --json printed %+v", started)
	}
	tc, err := server.TLSClientConfig(started.CAFile)
	if err != nil {
		t.Fatal(err)
	}
	client := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{TLSClientConfig: tc}}
	res, err := client.Get(started.URL + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 200 {
		t.Errorf("/healthz: %d", res.StatusCode)
	}
	cancel()
	if code := <-done; code != 0 {
		t.Errorf("serve exited %d after its context ended", code)
	}
	for _, line := range strings.Split(strings.TrimSpace(stderr.String()), "\n") {
		if line != "" && !json.Valid([]byte(line)) {
			t.Errorf("serve --json wrote a line that is not JSON on stderr: %q", line)
		}
	}
}

// TestServeStartupNamesAbsoluteCA: the start-up message names the CA by
// its absolute path and the trust command (it printed a relative path).
func TestServeStartupNamesAbsoluteCA(t *testing.T) {
	t.Setenv("GRAPHGATE_DATA", "")
	t.Chdir(t.TempDir())
	var stderr syncBuffer
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int, 1)
	go func() {
		done <- MainContext(ctx, []string{"serve", "--no-demo", "--addr", "127.0.0.1:0"}, strings.NewReader(""), io.Discard, &stderr)
	}()
	deadline := time.Now().Add(30 * time.Second)
	for !strings.Contains(stderr.String(), "discovery:") && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond) // waiting for the server's start
	}
	cancel()
	<-done
	wd, _ := os.Getwd()
	abs := filepath.Join(wd, "graphgate-data", "tls", "ca.pem")
	for _, want := range []string{"trust its CA " + abs, `eval "$(graphgate trust)"`} {
		if !strings.Contains(stderr.String(), want) {
			t.Errorf("start-up lines lack %q:\n%s", want, stderr.String())
		}
	}
}

// TestTrust: graphgate trust prints, for each shell, the variables Go,
// curl, Node.js and Python read, with the CA's absolute path quoted so that
// any folder name works; a POSIX shell evaluating the output gets them.
func TestTrust(t *testing.T) {
	t.Setenv("SHELL", "/bin/bash")
	base := t.TempDir()
	t.Chdir(base)
	data := "my data's folder" // relative, with a space and a quote
	if code, _, errs := runCLI("trust", "--data", data); code != ExitNotFound || !strings.Contains(errs, "start 'graphgate serve --data") {
		t.Fatalf("trust before any serve: exit %d, %s", code, errs)
	}
	if _, err := tlsca.Ensure(data, tlsca.DefaultNames, time.Now()); err != nil {
		t.Fatal(err)
	}
	ca := filepath.Join(base, data, "tls", "ca.pem")
	vars := []string{"SSL_CERT_FILE", "CURL_CA_BUNDLE", "NODE_EXTRA_CA_CERTS", "REQUESTS_CA_BUNDLE"}
	for _, tc := range []struct {
		shell string
		want  []string
	}{
		{"", []string{`export SSL_CERT_FILE='` + strings.ReplaceAll(ca, "'", `'\''`) + `'`, `eval "$(graphgate trust)"`, "update-ca-certificates", "add-trusted-cert", "Cert:\\CurrentUser\\Root"}},
		{"fish", []string{`set -gx CURL_CA_BUNDLE '` + strings.ReplaceAll(ca, "'", `\'`) + `'`, "| source"}},
		{"powershell", []string{`$env:NODE_EXTRA_CA_CERTS = '` + strings.ReplaceAll(ca, "'", "''") + `'`, "Invoke-Expression"}},
	} {
		args := []string{"trust", "--data", data}
		if tc.shell != "" {
			args = append(args, "--shell", tc.shell)
		}
		code, out, errs := runCLI(args...)
		if code != 0 {
			t.Fatalf("trust --shell %q: exit %d %s", tc.shell, code, errs)
		}
		for _, w := range append(tc.want, vars...) {
			if !strings.Contains(out, w) {
				t.Errorf("trust --shell %q lacks %q:\n%s", tc.shell, w, out)
			}
		}
		if tc.shell == "" {
			script := out + "\nfor v in " + strings.Join(vars, " ") + `; do eval "printf '%s\n' \"\$$v\""; done`
			got, err := exec.Command("sh", "-c", script).Output()
			if err != nil {
				t.Fatalf("sh: %v", err)
			}
			if want := strings.Repeat(ca+"\n", len(vars)); string(got) != want {
				t.Errorf("sh evaluating the output set\n%s\nwant each %s", got, ca)
			}
		}
	}
	code, out, _ := runCLI("trust", "--data", data, "--json")
	var j trustOut
	if code != 0 || json.Unmarshal([]byte(out), &j) != nil || j.CAFile != ca || len(j.Variables) != 4 || j.System["debian"] == "" {
		t.Errorf("trust --json: exit %d %s", code, out)
	}
	if code, _, errs := runCLI("trust", "--data", data, "--shell", "tcsh"); code != ExitUsage || !strings.Contains(errs, "sh, fish or powershell") {
		t.Errorf("trust --shell tcsh: exit %d %s", code, errs)
	}

	// --proxy adds the interception proxy's variables; a shell evaluating
	// the output routes through it and keeps loopback direct.
	for _, p := range []string{"127.0.0.1:8080", "http://127.0.0.1:8080", "http://127.0.0.1:8080/"} {
		code, out, errs := runCLI("trust", "--data", data, "--proxy", p)
		if code != 0 {
			t.Fatalf("trust --proxy %s: exit %d %s", p, code, errs)
		}
		got, err := exec.Command("sh", "-c", out+"\nprintf '%s|%s|%s|%s' \"$HTTPS_PROXY\" \"$NO_PROXY\" \"$NODE_USE_ENV_PROXY\" \"$SSL_CERT_FILE\"").Output()
		if err != nil {
			t.Fatal(err)
		}
		if want := "http://127.0.0.1:8080|localhost,127.0.0.1,::1|1|" + ca; string(got) != want {
			t.Errorf("trust --proxy %s evaluated to %q, want %q", p, got, want)
		}
	}
	code, out, _ = runCLI("trust", "--data", data, "--proxy", "127.0.0.1:8080", "--json")
	j = trustOut{}
	if code != 0 || json.Unmarshal([]byte(out), &j) != nil || len(j.Proxy) != 3 || j.Proxy[0].Name != "HTTPS_PROXY" || j.Proxy[0].Value != "http://127.0.0.1:8080" {
		t.Errorf("trust --proxy --json: exit %d %s", code, out)
	}
	if code, out, _ := runCLI("trust", "--data", data); strings.Contains(out, "HTTPS_PROXY") {
		t.Errorf("trust without --proxy prints HTTPS_PROXY (exit %d)", code)
	}
	for _, bad := range []string{"https://127.0.0.1:8080", "127.0.0.1", "http://127.0.0.1:8080/x"} {
		if code, _, errs := runCLI("trust", "--data", data, "--proxy", bad); code != ExitUsage || !strings.Contains(errs, "--proxy takes") {
			t.Errorf("trust --proxy %s: exit %d %s", bad, code, errs)
		}
	}
}

// TestDemoInAFolderWithoutData: 'graphgate demo' on a folder without a
// demo tenant still creates one, but says on standard error that its
// passwords belong to no running server and how to point at the server's
// data; on a seeded folder it says nothing of the kind.
func TestDemoInAFolderWithoutData(t *testing.T) {
	t.Setenv("GRAPHGATE_STORE", "")
	dir := filepath.Join(t.TempDir(), "elsewhere")
	code, out, errs := runCLI("demo", "--data", dir)
	if code != 0 || !strings.Contains(out, "adele@contoso.onmicrosoft.com") {
		t.Fatalf("demo: exit %d\n%s\n%s", code, out, errs)
	}
	for _, w := range []string{"new data folder " + dir, "does not know them", "--data", "GRAPHGATE_DATA", "--store"} {
		if !strings.Contains(errs, w) {
			t.Errorf("stderr lacks %q:\n%s", w, errs)
		}
	}
	code, _, errs = runCLI("demo", "--data", dir, "--json")
	if code != 0 || errs != "" {
		t.Errorf("demo on a seeded folder: exit %d, stderr %q", code, errs)
	}
}

// TestVersion: version, --version and version --json name the version
// (from -ldflags or the module), the commit and the Go version.
func TestVersion(t *testing.T) {
	orig := buildInfo
	t.Cleanup(func() { buildInfo = orig; version = "" })
	buildInfo = func() (*debug.BuildInfo, bool) {
		return &debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Path: "graphgate", Version: "v1.4.0"},
			Settings: []debug.BuildSetting{{Key: "vcs.revision", Value: "0123456789abcdef0123"}, {Key: "vcs.time", Value: "2026-05-01T10:00:00Z"},
				{Key: "vcs.modified", Value: "true"}}}, true
	}
	want := "graphgate v1.4.0 (commit 0123456789ab with local changes, 2026-05-01T10:00:00Z) go1.26.8 "
	for _, args := range [][]string{{"version"}, {"--version"}} {
		if code, out, _ := runCLI(args...); code != 0 || !strings.HasPrefix(out, want) {
			t.Errorf("%v: exit %d %q, want %q…", args, code, out, want)
		}
	}
	version = "v2.0.0-rc1" // as -ldflags "-X graphgate/internal/cli.version=…" sets it
	code, out, _ := runCLI("version", "--json")
	var v versionOut
	if code != 0 || json.Unmarshal([]byte(out), &v) != nil || v.Version != "v2.0.0-rc1" || v.Commit != "0123456789abcdef0123" || !v.Modified || v.Go != "go1.26.8" {
		t.Errorf("version --json: exit %d %s", code, out)
	}
}

// TestAuthorityUsesServerAddress: tenant create and app create print the
// authority on the address 'graphgate serve' listens on (GRAPHGATE_ADDR,
// else its default), in the form MSAL takes, for the app's audience.
func TestAuthorityUsesServerAddress(t *testing.T) {
	for _, tc := range []struct {
		addr, want string
	}{
		{"", "https://localhost:8443/"},
		{"127.0.0.1:9443", "https://localhost:9443/"},
		{"graphgate.lan:443", "https://graphgate.lan:443/"},
	} {
		t.Run(tc.addr, func(t *testing.T) {
			t.Setenv("GRAPHGATE_ADDR", tc.addr)
			data := t.TempDir()
			code, out, errs := runCLI("tenant", "create", "--name", "Fabrikam", "--domain", "fabrikam.onmicrosoft.com", "--data", data)
			if code != 0 || !strings.Contains(out, "authority: "+tc.want+"fabrikam.onmicrosoft.com\n") {
				t.Errorf("tenant create: exit %d\n%s%s", code, out, errs)
			}
			for _, app := range []struct{ audience, tenant string }{{"myorg", "fabrikam.onmicrosoft.com"}, {"multiorg", "organizations"},
				{"multiorg-personal", "common"}, {"personal", "consumers"}} {
				code, out, errs := runCLI("app", "create", "--name", "App "+app.audience, "--public", "--audience", app.audience, "--data", data)
				if code != 0 || !strings.Contains(out, fmt.Sprintf("authority:      %s%s\n", tc.want, app.tenant)) {
					t.Errorf("app create --audience %s: exit %d\n%s%s", app.audience, code, out, errs)
				}
			}
		})
	}
}

// TestExportImportJSON: export and import print their summary as JSON with
// --json, and export refuses --json with --out - (standard output is the
// export then).
func TestExportImportJSON(t *testing.T) {
	t.Setenv("GRAPHGATE_STORE", "")
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	if code, _, errs := runCLI("demo", "--data", data); code != 0 {
		t.Fatal(errs)
	}
	file := filepath.Join(dir, "contoso.jsonl")
	code, out, errs := runCLI("export", "--data", data, "--out", file, "--json")
	var ex transferOut
	if code != 0 || json.Unmarshal([]byte(out), &ex) != nil || ex.File != file || ex.Counts["user"] == 0 || ex.TenantID == "" {
		t.Fatalf("export --json: exit %d %s %s", code, out, errs)
	}
	code, out, errs = runCLI("import", "--data", filepath.Join(dir, "restored"), "--in", file, "--json")
	var im transferOut
	if code != 0 || json.Unmarshal([]byte(out), &im) != nil || im.TenantID != ex.TenantID || im.Counts["user"] != ex.Counts["user"] {
		t.Fatalf("import --json: exit %d %s %s", code, out, errs)
	}
	if code, _, errs := runCLI("export", "--data", data, "--out", "-", "--json"); code != ExitUsage || !strings.Contains(errs, "--out -") {
		t.Errorf("export --out - --json: exit %d %s", code, errs)
	}
}

// TestOpenFolderWarning: a command on a data folder other users can read
// says so on its own standard error, with the command that fixes it.
func TestOpenFolderWarning(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	code, _, errs := runCLI("demo", "--data", dir)
	if code != 0 || !strings.Contains(errs, "chmod 700 "+dir) || strings.Contains(errs, "time=") {
		t.Errorf("demo on a 0755 folder: exit %d, stderr:\n%s", code, errs)
	}
	if err := os.Chmod(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	if code, _, errs := runCLI("user", "list", "--data", dir); code != 0 || errs != "" {
		t.Errorf("user list on a 0700 folder: exit %d, stderr:\n%s", code, errs)
	}
}

// TestBridgeJSONLog: bridge --json logs JSON (here, while its broker does
// not answer), and refuses to be combined with another --log-format.
func TestBridgeJSONLog(t *testing.T) {
	example, err := os.ReadFile(filepath.Join("..", "..", "docs", "bridge.example.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	cfg := filepath.Join(t.TempDir(), "bridge.yaml")
	closed, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := closed.Addr().String()
	closed.Close() // a broker that does not answer
	conf := strings.Replace(string(example), "broker: tcp://127.0.0.1:1883", "broker: tcp://"+addr, 1)
	if err := os.WriteFile(cfg, []byte(conf), 0o600); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	var stdout, stderr syncBuffer
	MainContext(ctx, []string{"bridge", "--config", cfg, "--json"}, strings.NewReader(""), &stdout, &stderr)
	lines := strings.Split(strings.TrimSpace(stderr.String()), "\n")
	if len(lines) == 0 || lines[0] == "" {
		t.Fatal("the bridge logged nothing")
	}
	for _, l := range lines {
		if !json.Valid([]byte(l)) {
			t.Errorf("not a JSON log line: %q", l)
		}
	}
	if code, _, errs := runCLI("bridge", "--config", cfg, "--json", "--log-format", "text"); code != ExitUsage || !strings.Contains(errs, "--log-format json") {
		t.Errorf("--json with --log-format text: exit %d %s", code, errs)
	}
}
