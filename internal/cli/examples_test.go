package cli

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"io"
	"io/fs"
	"math/big"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/spf13/cobra"
	"mvdan.cc/sh/v3/expand"
	"mvdan.cc/sh/v3/interp"
	"mvdan.cc/sh/v3/syntax"

	"graphgate/internal/tlsca"
)

// exampleSkips are the help examples this test does not run, each with the
// reason; every other example line of every command runs.
var exampleSkips = []struct {
	re     *regexp.Regexp
	reason string
}{
	{regexp.MustCompile(`^graphgate serve\b`), "starts a server that runs until stopped (serve is tested in serve_test.go)"},
	{regexp.MustCompile(`^graphgate bridge (--config|login)\b`), "runs the bridge daemon or an interactive sign-in against a broker and an identity platform"},
	{regexp.MustCompile(`^mosquitto_pub\b`), "talks to a running bridge through an MQTT broker"},
	{regexp.MustCompile(`^(docker exec graphgate /)?graphgate healthcheck\b`), "probes a running server (healthcheck_test.go starts one)"},
	{regexp.MustCompile(`^openssl\b`), "makes cert.pem, which the test provides"},
	{regexp.MustCompile(`--shell (fish|powershell)\b`), "fish or PowerShell syntax; the test's shell is POSIX (the output is tested in trust_test.go)"},
	{regexp.MustCompile(`postgres://[^ ]*@db[:/]`), "names a PostgreSQL host that exists only in the example"},
	{regexp.MustCompile(`^graphgate (clock|faults)\b`), "talks to a running server's admin API (clock_test.go drives them against one)"},
	{regexp.MustCompile(`^graphgate log\b.*--follow\b`), "follows the log until stopped (tested in log_test.go)"},
	{regexp.MustCompile(`^graphgate explain --request-id\b`), "names a request the demo folder has not recorded (tested in log_test.go)"},
}

// negativeOK are the commands whose examples may show a negative answer
// (exit 1): a denied call, a refused plan.
var negativeOK = map[string]bool{"graphgate explain": true, "graphgate plan": true, "graphgate report least-privilege": true}

// TestHelpExamplesWorkOnTheDemoTenant runs every example of every command's
// --help, as a shell would (pipes, eval, echo), in a folder whose
// ./graphgate-data holds a fresh demo tenant: an example that names an app,
// user, group or file the demo tenant does not have fails here. Each command's
// examples run in order on their own copy of the folder.
func TestHelpExamplesWorkOnTheDemoTenant(t *testing.T) {
	for _, v := range []string{"GRAPHGATE_DATA", "GRAPHGATE_STORE", "GRAPHGATE_ADDR"} {
		t.Setenv(v, "")
	}
	template := exampleFolder(t)
	root := newRoot(strings.NewReader(""), io.Discard, io.Discard)
	var cmds []*cobra.Command
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		if c.Example != "" {
			cmds = append(cmds, c)
		}
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(root)
	ran := 0
	for _, c := range cmds {
		t.Run(strings.TrimPrefix(c.CommandPath(), "graphgate "), func(t *testing.T) {
			dir := t.TempDir()
			copyTree(t, template, dir)
			t.Chdir(dir)
			for _, line := range exampleLines(c.Example) {
				if why := skipExample(line); why != "" {
					t.Logf("not run: %s (%s)", line, why)
					continue
				}
				ran++
				var out, errb syncBuffer // the two sides of a pipe write at once
				code := runExample(t, dir, line, &out, &errb)
				if code == 0 || code == 1 && negativeOK[c.CommandPath()] {
					continue
				}
				t.Errorf("example %q of %q exits %d\nstdout: %s\nstderr: %s", line, c.CommandPath(), code, out.String(), errb.String())
			}
		})
	}
	t.Logf("%d example lines ran", ran)
	if ran < 60 {
		t.Errorf("only %d examples ran", ran)
	}
}

// exampleLines splits an Example into command lines: continuation lines
// joined, comments dropped.
func exampleLines(example string) []string {
	var lines []string
	var cur string
	for _, l := range strings.Split(example, "\n") {
		l = strings.TrimSpace(l)
		if strings.HasSuffix(l, `\`) {
			cur += strings.TrimSuffix(l, `\`) + " "
			continue
		}
		l = strings.TrimSpace(cur + l)
		cur = ""
		if l != "" {
			lines = append(lines, l)
		}
	}
	return lines
}

func skipExample(line string) string {
	for _, s := range exampleSkips {
		if s.re.MatchString(line) {
			return s.reason
		}
	}
	return ""
}

// absData is a --data value outside the test's folder (/var/lib/graphgate):
// the example runs on ./graphgate-data instead.
var absData = regexp.MustCompile(`^/`)

// runExample runs one example line in a shell interpreter whose
// "graphgate" is this package's Main, in dir; other programs (gzip,
// gunzip) run for real. It returns the exit status.
func runExample(t *testing.T, dir, line string, stdout, stderr io.Writer) int {
	t.Helper()
	f, err := syntax.NewParser().Parse(strings.NewReader(line), "example")
	if err != nil {
		t.Fatalf("example %q does not parse as a shell command: %v", line, err)
	}
	graphgate := func(next interp.ExecHandlerFunc) interp.ExecHandlerFunc {
		return func(ctx context.Context, args []string) error {
			if args[0] != "graphgate" {
				return next(ctx, args)
			}
			hc := interp.HandlerCtx(ctx)
			args = append([]string(nil), args[1:]...)
			for i := range args {
				if i > 0 && args[i-1] == "--data" && absData.MatchString(args[i]) {
					args[i] = "./graphgate-data"
				}
			}
			if code := MainContext(ctx, args, hc.Stdin, hc.Stdout, hc.Stderr); code != 0 {
				return interp.NewExitStatus(uint8(code))
			}
			return nil
		}
	}
	r, err := interp.New(interp.Dir(dir), interp.StdIO(strings.NewReader(""), stdout, stderr),
		interp.Env(expand.ListEnviron("PATH="+os.Getenv("PATH"), "HOME="+dir, "SHELL=/bin/sh")),
		interp.ExecHandlers(graphgate))
	if err != nil {
		t.Fatal(err)
	}
	err = r.Run(context.Background(), f)
	var status interp.ExitStatus
	switch {
	case err == nil:
		return 0
	case errorsAs(err, &status):
		return int(status)
	}
	t.Fatalf("example %q: %v", line, err)
	return -1
}

// exampleFolder makes what the examples expect to find in the current
// folder: ./graphgate-data with the demo tenant and graphgate's CA, an
// export of it (contoso.jsonl, move.jsonl, backup.jsonl.gz), a certificate
// (cert.pem, key.pem), the bridge's example configuration (bridge.yaml)
// and a browser's recording of Graph calls (app.har).
func exampleFolder(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	data := filepath.Join(dir, "graphgate-data")
	if code, _, errs := runCLI("demo", "--data", data); code != 0 {
		t.Fatalf("seeding the demo tenant: %d %s", code, errs)
	}
	if _, err := tlsca.Ensure(data, tlsca.DefaultNames, time.Now()); err != nil {
		t.Fatal(err)
	}
	export := filepath.Join(dir, "contoso.jsonl")
	if code, _, errs := runCLI("export", "--data", data, "--signing-keys", "--out", export); code != 0 {
		t.Fatalf("export: %d %s", code, errs)
	}
	b, err := os.ReadFile(export)
	if err != nil {
		t.Fatal(err)
	}
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write(b)
	zw.Close()
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	der, err := x509.CreateCertificate(rand.Reader, &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "mydaemon"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().AddDate(1, 0, 0)},
		&x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "mydaemon"}}, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, _ := x509.MarshalPKCS8PrivateKey(key)
	bridgeYAML, err := os.ReadFile(filepath.Join("..", "..", "docs", "bridge.example.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	// A browser's recording of an app's Graph calls, for the report's
	// examples.
	har, err := os.ReadFile(filepath.Join("..", "report", "testdata", "devtools.har"))
	if err != nil {
		t.Fatal(err)
	}
	for name, content := range map[string][]byte{
		"move.jsonl": b, "backup.jsonl.gz": gz.Bytes(), "bridge.yaml": bridgeYAML, "app.har": har,
		"cert.pem": pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
		"key.pem":  pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}),
	} {
		if err := os.WriteFile(filepath.Join(dir, name), content, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// copyTree copies the files under src to dst.
func copyTree(t *testing.T, src, dst string) {
	t.Helper()
	err := filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		target := filepath.Join(dst, rel)
		if d.IsDir() {
			return os.MkdirAll(target, 0o700)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(target, b, 0o600)
	})
	if err != nil {
		t.Fatal(err)
	}
}

func errorsAs(err error, target any) bool { return errors.As(err, target) }
