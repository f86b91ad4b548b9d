package e2e

// Helpers for tests that run the real graphgate binary as separate
// processes (replicas, crashes): building it, starting 'graphgate serve',
// waiting for /healthz, stopping or killing it, talking to it over HTTPS,
// and a fresh PostgreSQL database per test.

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"graphgate/internal/demo"
	"graphgate/internal/pgtest"
	"graphgate/internal/server"
)

// buildGraphgate builds cmd/graphgate into the test's temporary folder and
// returns the binary's path.
func buildGraphgate(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "graphgate")
	goTool, err := exec.LookPath("go")
	if err != nil {
		goTool = filepath.Join(os.Getenv("GOROOT"), "bin", "go")
	}
	start := time.Now()
	cmd := exec.Command(goTool, "build", "-o", bin, "graphgate/cmd/graphgate")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	t.Logf("built graphgate in %v", time.Since(start).Round(time.Millisecond))
	return bin
}

// syncBuffer is a bytes.Buffer safe for a process writing and a test
// reading.
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

// proc is a running 'graphgate serve'.
type proc struct {
	t      *testing.T
	name   string
	cmd    *exec.Cmd
	logs   *syncBuffer
	exited chan struct{}
	base   string // https://localhost:port, once listening
	client *http.Client
}

var listeningRe = regexp.MustCompile(`graphgate: listening on (https://\S+)`)

// startServe starts 'graphgate serve' with args (--addr 127.0.0.1:0 is
// added: the process picks a free port and the test reads it from the
// log). It does not wait for it to be ready: see ready.
func startServe(t *testing.T, bin, name string, args ...string) *proc {
	t.Helper()
	p := &proc{t: t, name: name, logs: &syncBuffer{}, exited: make(chan struct{})}
	p.cmd = exec.Command(bin, append([]string{"serve", "--addr", "127.0.0.1:0"}, args...)...)
	p.cmd.Env = procEnv()
	p.cmd.Stdout, p.cmd.Stderr = p.logs, p.logs
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		p.cmd.Wait()
		close(p.exited)
	}()
	t.Cleanup(func() {
		p.stop()
		if t.Failed() {
			t.Logf("%s's log:\n%s", p.name, p.logs.String())
		}
	})
	return p
}

// procEnv is the environment of child processes: the test's, without the
// variables that would redirect graphgate.
func procEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "GRAPHGATE_DATA=") && !strings.HasPrefix(kv, "GRAPHGATE_STORE=") {
			env = append(env, kv)
		}
	}
	return env
}

// ready waits until the process listens and /healthz answers 200 over
// HTTPS, trusting the CA in caFile.
func (p *proc) ready(caFile string) {
	p.t.Helper()
	deadline := time.Now().Add(90 * time.Second)
	for p.base == "" {
		if m := listeningRe.FindStringSubmatch(p.logs.String()); m != nil {
			p.base = m[1]
			break
		}
		select {
		case <-p.exited:
			p.t.Fatalf("%s exited before listening:\n%s", p.name, p.logs.String())
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			p.t.Fatalf("%s does not listen after 90 s:\n%s", p.name, p.logs.String())
		}
	}
	tlsCfg, err := server.TLSClientConfig(caFile)
	if err != nil {
		p.t.Fatal(err)
	}
	p.client = &http.Client{Transport: &http.Transport{TLSClientConfig: tlsCfg, MaxIdleConnsPerHost: 16}, Timeout: 30 * time.Second}
	for {
		resp, err := p.client.Get(p.base + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		if time.Now().After(deadline) {
			p.t.Fatalf("%s is not healthy after 90 s (%v):\n%s", p.name, err, p.logs.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// stop ends the process gracefully (SIGTERM), killing it if it lingers.
func (p *proc) stop() {
	select {
	case <-p.exited:
		return
	default:
	}
	p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.exited:
	case <-time.After(15 * time.Second):
		p.cmd.Process.Kill()
		<-p.exited
	}
}

// kill ends the process at once (SIGKILL): no shutdown, no flushing, as a
// crash or a power cut of the process.
func (p *proc) kill() {
	p.t.Helper()
	if err := p.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		p.t.Fatal(err)
	}
	<-p.exited
}

// response is a decoded JSON answer.
type response struct {
	status int
	body   map[string]any
	raw    string
}

func (r response) str(k string) string { s, _ := r.body[k].(string); return s }

func (r response) String() string { return fmt.Sprintf("HTTP %d %s", r.status, r.raw) }

// do sends a request and decodes the answer (no t.Fatal: it is used from
// load goroutines too).
func (p *proc) do(method, path, token string, body io.Reader, contentType string) (response, error) {
	req, err := http.NewRequest(method, p.base+path, body)
	if err != nil {
		return response{}, err
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := p.client.Do(req)
	if err != nil {
		return response{}, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return response{}, err
	}
	r := response{status: resp.StatusCode, raw: string(b)}
	_ = json.Unmarshal(b, &r.body)
	return r, nil
}

// tokenRequest posts to the token endpoint of the demo tenant.
func (p *proc) tokenRequest(form url.Values) response {
	p.t.Helper()
	r, err := p.do(http.MethodPost, "/"+demo.TenantID+"/oauth2/v2.0/token", "", strings.NewReader(form.Encode()), "application/x-www-form-urlencoded")
	if err != nil {
		p.t.Fatal(err)
	}
	return r
}

// token posts to the token endpoint and requires an access token.
func (p *proc) token(form url.Values) response {
	p.t.Helper()
	r := p.tokenRequest(form)
	if r.status != http.StatusOK || r.str("access_token") == "" {
		p.t.Fatalf("%s token (%s): %v", p.name, form.Get("grant_type"), r)
	}
	return r
}

// graph calls Graph v1.0.
func (p *proc) graph(method, path, token string, body any) response {
	p.t.Helper()
	var rd io.Reader
	ct := ""
	if body != nil {
		b, _ := json.Marshal(body)
		rd, ct = bytes.NewReader(b), "application/json"
	}
	r, err := p.do(method, "/v1.0"+path, token, rd, ct)
	if err != nil {
		p.t.Fatal(err)
	}
	return r
}

// demoTenant runs 'graphgate demo --json' with args (--data, --store) and
// returns the demo tenant with its passwords and secrets.
func demoTenant(t *testing.T, bin string, args ...string) *demo.Tenant {
	t.Helper()
	cmd := exec.Command(bin, append([]string{"demo", "--json"}, args...)...)
	cmd.Env = procEnv()
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("graphgate demo: %v\n%s", err, stderr.String())
	}
	var tn demo.Tenant
	if err := json.Unmarshal(out, &tn); err != nil {
		t.Fatalf("graphgate demo --json: %v\n%s", err, out)
	}
	return &tn
}

// clientCredentialsForm is the demo daemon's client-credentials request.
func clientCredentialsForm(tn *demo.Tenant) url.Values {
	d, _ := tn.AppByKey("daemon")
	return url.Values{"grant_type": {"client_credentials"}, "client_id": {d.ClientID}, "client_secret": {d.Secret},
		"scope": {"https://graph.microsoft.com/.default"}}
}

// passwordForm is a password grant for a demo user through the web app.
func passwordForm(tn *demo.Tenant, userKey, scope string) url.Values {
	u, _ := tn.UserByKey(userKey)
	w, _ := tn.AppByKey("webapp")
	return url.Values{"grant_type": {"password"}, "client_id": {w.ClientID}, "client_secret": {w.Secret},
		"username": {u.UserPrincipalName}, "password": {u.Password}, "scope": {scope}}
}

// withDatabase returns dsn naming another database.
func withDatabase(t testing.TB, dsn, db string) string {
	t.Helper()
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatalf("GRAPHGATE_TEST_POSTGRES must be a postgres:// URL for these tests: %v", err)
	}
	u.Path = "/" + db
	return u.String()
}

// freshDatabase creates a database with a unique name (through the server's
// postgres database), drops it when the test ends, after the processes
// using it have stopped (cleanups run last-registered first), and returns
// its URL.
func freshDatabase(t *testing.T) string {
	t.Helper()
	admin := withDatabase(t, pgtest.DSN(), "postgres")
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, admin)
	if err != nil {
		pgtest.Unreachable(t, admin, err)
	}
	defer conn.Close(context.Background())
	b := make([]byte, 6)
	rand.Read(b)
	name := "graphgate_e2e_" + hex.EncodeToString(b)
	if _, err := conn.Exec(ctx, `CREATE DATABASE `+name); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		conn, err := pgx.Connect(ctx, admin)
		if err != nil {
			t.Errorf("dropping database %s: %v", name, err)
			return
		}
		defer conn.Close(context.Background())
		if _, err := conn.Exec(ctx, `DROP DATABASE IF EXISTS `+name+` WITH (FORCE)`); err != nil {
			t.Errorf("dropping database %s: %v", name, err)
		}
	})
	return withDatabase(t, pgtest.DSN(), name)
}

// logLines returns the lines of a process log that contain s.
func logLines(log, s string) []string {
	var out []string
	sc := bufio.NewScanner(strings.NewReader(log))
	for sc.Scan() {
		if strings.Contains(sc.Text(), s) {
			out = append(out, sc.Text())
		}
	}
	return out
}

// jsonBody encodes v as a request body.
func jsonBody(v any) io.Reader {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return bytes.NewReader(b)
}
