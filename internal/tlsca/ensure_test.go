package tlsca

import (
	"bytes"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// extraNames are a DNS name and a documentation-range IP: they only appear in
// certificates; every connection in these tests goes to the loopback address.
var extraNames = []string{"graphgate.test", "192.0.2.10"}

func mustEnsure(t *testing.T, dir string, names []string, now time.Time) *Bundle {
	t.Helper()
	b, err := Ensure(dir, names, now)
	if err != nil {
		t.Fatalf("Ensure: %v", err)
	}
	return b
}

// serve accepts TLS connections on loopback until the test ends and returns
// the address to dial.
func serve(t *testing.T, cfg *tls.Config) string {
	t.Helper()
	ln, err := tls.Listen("tcp", "127.0.0.1:0", cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				c.(*tls.Conn).Handshake()
				c.Close()
			}()
		}
	}()
	return ln.Addr().String()
}

// handshake dials addr presenting serverName (SNI and verification name) and
// trusting only the given pool.
func handshake(addr, serverName string, roots *x509.CertPool) error {
	d := &net.Dialer{Timeout: 5 * time.Second}
	c, err := tls.DialWithDialer(d, "tcp", addr, &tls.Config{RootCAs: roots, ServerName: serverName})
	if err != nil {
		return err
	}
	return c.Close()
}

func poolFromFile(t *testing.T, path string) *x509.CertPool {
	t.Helper()
	pemBytes, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pemBytes) {
		t.Fatalf("%s holds no certificate", path)
	}
	return pool
}

func TestHandshakeTrustingOnlyCA(t *testing.T) {
	b := mustEnsure(t, t.TempDir(), extraNames, time.Now())
	if !b.CACreated || !b.LeafIssued {
		t.Fatalf("first Ensure: CACreated=%v LeafIssued=%v, want both true", b.CACreated, b.LeafIssued)
	}
	addr := serve(t, b.TLSConfig())
	roots := poolFromFile(t, b.CAFile)

	for _, name := range append(slices.Clone(DefaultNames), extraNames...) {
		t.Run(name, func(t *testing.T) {
			if err := handshake(addr, name, roots); err != nil {
				t.Fatalf("handshake as %q: %v", name, err)
			}
		})
	}
	t.Run("name not in certificate", func(t *testing.T) {
		if err := handshake(addr, "other.test", roots); err == nil {
			t.Fatal("handshake for a name outside the certificate succeeded")
		}
	})
	t.Run("client without the CA", func(t *testing.T) {
		if err := handshake(addr, "localhost", x509.NewCertPool()); err == nil {
			t.Fatal("handshake without trusting the CA succeeded")
		}
	})
}

func TestRestartReusesEverything(t *testing.T) {
	dir := t.TempDir()
	now := time.Now()
	first := mustEnsure(t, dir, extraNames, now)
	// Same names in another order, case and spelling must not re-issue.
	second := mustEnsure(t, dir, []string{"[192.0.2.10]", "GraphGate.Test.", "localhost", ""}, now.Add(time.Hour))
	if second.CACreated || second.LeafIssued {
		t.Fatalf("restart: CACreated=%v LeafIssued=%v, want both false", second.CACreated, second.LeafIssued)
	}
	if !first.CA.Equal(second.CA) || !first.Leaf.Equal(second.Leaf) {
		t.Fatal("restart changed the CA or the server certificate")
	}
}

func TestLeafReissue(t *testing.T) {
	now := time.Now()
	tests := []struct {
		name  string
		names []string
		at    time.Time
		renew bool
	}{
		{"same names", extraNames, now, false},
		{"name added", append(slices.Clone(extraNames), "api.graphgate.test"), now, true},
		{"name removed", extraNames[:1], now, true},
		{"well before expiry", extraNames, now.Add(leafLifetime - renewBefore - time.Hour), false},
		{"near expiry", extraNames, now.Add(leafLifetime - renewBefore + time.Hour), true},
		{"clock moved back before issue", extraNames, now.Add(-2 * backdate), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			first := mustEnsure(t, dir, extraNames, now)
			next := mustEnsure(t, dir, tt.names, tt.at)
			if next.LeafIssued != tt.renew || next.Leaf.Equal(first.Leaf) == tt.renew {
				t.Fatalf("LeafIssued=%v (same leaf %v), want re-issue %v", next.LeafIssued, next.Leaf.Equal(first.Leaf), tt.renew)
			}
			if next.CACreated || !next.CA.Equal(first.CA) {
				t.Fatal("re-issuing the server certificate changed the CA")
			}
			got := nameSetOf(next.Leaf.DNSNames, next.Leaf.IPAddresses)
			want, _ := newNameSet(tt.names)
			if !got.equal(want) {
				t.Fatalf("leaf names %v %v, want %v %v", got.dns, got.ips, want.dns, want.ips)
			}
		})
	}
}

func TestCAReplacedOnlyNearItsExpiry(t *testing.T) {
	dir := t.TempDir()
	now := time.Now()
	first := mustEnsure(t, dir, nil, now)
	later := mustEnsure(t, dir, nil, now.Add(caLifetime-renewBefore-24*time.Hour))
	if later.CACreated || !later.CA.Equal(first.CA) {
		t.Fatal("CA replaced long before its expiry")
	}
	expiring := mustEnsure(t, dir, nil, now.Add(caLifetime-renewBefore+24*time.Hour))
	if !expiring.CACreated || !expiring.LeafIssued || expiring.CA.Equal(first.CA) {
		t.Fatal("expiring CA was not replaced along with its server certificate")
	}
	if err := expiring.Leaf.CheckSignatureFrom(expiring.CA); err != nil {
		t.Fatalf("new leaf not signed by new CA: %v", err)
	}
}

func TestFilesAreOwnerOnlyAndNoTempFilesRemain(t *testing.T) {
	dir := t.TempDir()
	mustEnsure(t, dir, extraNames, time.Now())
	mustEnsure(t, dir, []string{"changed.test"}, time.Now())
	tlsDir := filepath.Join(dir, SubDir)
	if fi, err := os.Stat(tlsDir); err != nil || fi.Mode().Perm() != dirPerm {
		t.Fatalf("tls folder mode: %v %v", fi.Mode(), err)
	}
	entries, err := os.ReadDir(tlsDir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
		fi, _ := e.Info()
		if fi.Mode().Perm() != privateMode {
			t.Errorf("%s mode %v, want %v", e.Name(), fi.Mode().Perm(), os.FileMode(privateMode))
		}
	}
	want := []string{lockName, CAFileName, CAKeyName, CertName, KeyName}
	slices.Sort(want)
	if !slices.Equal(names, want) {
		t.Fatalf("files %v, want %v", names, want)
	}
}

func TestDamagedFiles(t *testing.T) {
	tests := []struct {
		name    string
		damage  func(t *testing.T, tlsDir string)
		wantErr string
		newCA   bool
	}{
		{
			name:    "CA key missing",
			damage:  func(t *testing.T, d string) { remove(t, d, CAKeyName) },
			wantErr: "no usable key",
		},
		{
			name: "CA key replaced",
			damage: func(t *testing.T, d string) {
				other := t.TempDir()
				mustEnsure(t, other, nil, time.Now())
				copyFile(t, filepath.Join(other, SubDir, CAKeyName), filepath.Join(d, CAKeyName))
			},
			wantErr: "does not match",
		},
		{
			name:    "CA certificate garbage",
			damage:  func(t *testing.T, d string) { write(t, d, CAFileName, "not pem") },
			wantErr: "no PEM data",
		},
		{
			name:   "CA certificate missing (crash after writing the key)",
			damage: func(t *testing.T, d string) { remove(t, d, CAFileName) },
			newCA:  true,
		},
		{
			name:   "server certificate garbage",
			damage: func(t *testing.T, d string) { write(t, d, CertName, "garbage") },
		},
		{
			name:   "server key missing",
			damage: func(t *testing.T, d string) { remove(t, d, KeyName) },
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			first := mustEnsure(t, dir, nil, time.Now())
			tt.damage(t, filepath.Join(dir, SubDir))
			b, err := Ensure(dir, nil, time.Now())
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if b.CACreated != tt.newCA || !b.LeafIssued {
				t.Fatalf("CACreated=%v LeafIssued=%v, want %v true", b.CACreated, b.LeafIssued, tt.newCA)
			}
			if !tt.newCA && !b.CA.Equal(first.CA) {
				t.Fatal("CA changed")
			}
		})
	}
}

func TestInvalidNames(t *testing.T) {
	for _, name := range []string{"https://graphgate.test", "localhost:8443", "a..b", "-bad.test", "sp ace", "*", "a.*.test"} {
		if _, err := Ensure(t.TempDir(), []string{name}, time.Now()); err == nil {
			t.Errorf("Ensure accepted %q", name)
		}
	}
	if _, err := Ensure(t.TempDir(), []string{"*.graphgate.test", "under_score.test"}, time.Now()); err != nil {
		t.Errorf("Ensure rejected a wildcard or underscore name: %v", err)
	}
}

func TestConcurrentEnsureCreatesOneCA(t *testing.T) {
	dir := t.TempDir()
	const n = 8
	var wg sync.WaitGroup
	bundles := make([]*Bundle, n)
	errs := make([]error, n)
	for i := range n {
		wg.Go(func() { bundles[i], errs[i] = Ensure(dir, extraNames, time.Now()) })
	}
	wg.Wait()
	created := 0
	for i, b := range bundles {
		if errs[i] != nil {
			t.Fatal(errs[i])
		}
		if b.CACreated {
			created++
		}
		if !b.CA.Equal(bundles[0].CA) || !b.Leaf.Equal(bundles[0].Leaf) {
			t.Fatal("concurrent Ensure calls returned different certificates")
		}
	}
	if created != 1 {
		t.Fatalf("%d calls created a CA, want 1", created)
	}
}

const helperEnv = "TLSCA_TEST_HELPER_DIR"

// TestHelperProcess is not a test on its own: TestConcurrentProcesses runs the
// test binary again with helperEnv set, to call Ensure from separate
// processes, and reads the CA fingerprint it prints.
func TestHelperProcess(t *testing.T) {
	dir := os.Getenv(helperEnv)
	if dir == "" {
		t.Skip("helper for TestConcurrentProcesses")
	}
	b, err := Ensure(dir, extraNames, time.Now())
	if err != nil {
		fmt.Println("error:", err)
		os.Exit(1)
	}
	sum := sha256.Sum256(b.CA.Raw)
	fmt.Printf("ca=%s created=%v\n", hex.EncodeToString(sum[:]), b.CACreated)
}

func TestConcurrentProcessesCreateOneCA(t *testing.T) {
	if testing.Short() {
		t.Skip("starts subprocesses")
	}
	dir := t.TempDir()
	const n = 4
	cmds := make([]*exec.Cmd, n)
	outs := make([]bytes.Buffer, n)
	for i := range cmds {
		cmds[i] = exec.Command(os.Args[0], "-test.run=^TestHelperProcess$", "-test.v=false")
		cmds[i].Env = append(os.Environ(), helperEnv+"="+dir)
		cmds[i].Stdout = &outs[i]
		cmds[i].Stderr = &outs[i]
		if err := cmds[i].Start(); err != nil {
			t.Fatal(err)
		}
	}
	fingerprints := map[string]bool{}
	created := 0
	for i, c := range cmds {
		if err := c.Wait(); err != nil {
			t.Fatalf("helper %d: %v\n%s", i, err, outs[i].String())
		}
		for line := range strings.Lines(outs[i].String()) {
			if ca, ok := strings.CutPrefix(strings.TrimSpace(line), "ca="); ok {
				fp, flag, _ := strings.Cut(ca, " ")
				fingerprints[fp] = true
				if flag == "created=true" {
					created++
				}
			}
		}
	}
	if len(fingerprints) != 1 || created != 1 {
		t.Fatalf("%d processes saw %d CAs and %d created one; want 1 and 1", n, len(fingerprints), created)
	}
}

func TestLoadKeyPair(t *testing.T) {
	dir := t.TempDir()
	own := mustEnsure(t, dir, nil, time.Now())
	b, err := LoadKeyPair(own.CertFile, own.KeyFile)
	if err != nil {
		t.Fatal(err)
	}
	if b.CAFile != "" || b.CA != nil || !b.Leaf.Equal(own.Leaf) {
		t.Fatalf("user-supplied bundle: CAFile=%q CA=%v", b.CAFile, b.CA)
	}
	addr := serve(t, b.TLSConfig())
	if err := handshake(addr, "localhost", poolFromFile(t, own.CAFile)); err != nil {
		t.Fatal(err)
	}

	other := mustEnsure(t, t.TempDir(), nil, time.Now())
	if _, err := LoadKeyPair(own.CertFile, other.KeyFile); err == nil {
		t.Fatal("LoadKeyPair accepted a key that does not match the certificate")
	}
	if _, err := LoadKeyPair(filepath.Join(dir, "missing.pem"), own.KeyFile); err == nil {
		t.Fatal("LoadKeyPair accepted a missing file")
	}
}

func remove(t *testing.T, dir, name string) {
	t.Helper()
	if err := os.Remove(filepath.Join(dir, name)); err != nil {
		t.Fatal(err)
	}
}

func write(t *testing.T, dir, name, content string) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	data, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, data, 0o600); err != nil {
		t.Fatal(err)
	}
}
