package tlsca

import (
	"crypto/x509"
	"errors"
	"sync"
	"testing"
	"time"
)

func TestHostCerts(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	b, err := Ensure(t.TempDir(), nil, now)
	if err != nil {
		t.Fatal(err)
	}
	clock := now
	hc, err := b.HostCerts(func() time.Time { return clock })
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(b.CA)
	for _, tc := range []struct{ ask, verify string }{
		{"login.microsoftonline.com", "login.microsoftonline.com"},
		{"Graph.Microsoft.com.", "graph.microsoft.com"},
	} {
		c, err := hc.Certificate(tc.ask)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := c.Leaf.Verify(x509.VerifyOptions{DNSName: tc.verify, Roots: pool, CurrentTime: now}); err != nil {
			t.Errorf("%s: %v", tc.ask, err)
		}
		if _, err := c.Leaf.Verify(x509.VerifyOptions{DNSName: "localhost", Roots: pool, CurrentTime: now}); err == nil {
			t.Errorf("%s: the certificate also verifies for localhost", tc.ask)
		}
	}
	a, _ := hc.Certificate("graph.microsoft.com")
	if c, _ := hc.Certificate("GRAPH.microsoft.com"); c != a {
		t.Error("a second request for the same host issued a new certificate")
	}
	// Near expiry the certificate is issued again.
	clock = a.Leaf.NotAfter.Add(-renewBefore + time.Hour)
	if c, _ := hc.Certificate("graph.microsoft.com"); c == a || !clock.Add(renewBefore).Before(c.Leaf.NotAfter) {
		t.Error("a certificate within 30 days of expiry was not renewed")
	}
	for _, bad := range []string{"", "*.microsoft.com", "a b", "graph.microsoft.com:443"} {
		if _, err := hc.Certificate(bad); err == nil {
			t.Errorf("%q: no error", bad)
		}
	}
}

func TestHostCertsConcurrentFirstUseIssuesOnce(t *testing.T) {
	b, err := Ensure(t.TempDir(), nil, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	hc, _ := b.HostCerts(nil)
	var wg sync.WaitGroup
	got := make([]any, 8)
	for i := range got {
		wg.Go(func() {
			c, err := hc.Certificate("login.windows.net")
			if err != nil {
				t.Error(err)
			}
			got[i] = c
		})
	}
	wg.Wait()
	for _, c := range got[1:] {
		if c != got[0] {
			t.Fatal("concurrent first requests issued different certificates")
		}
	}
}

func TestHostCertsNeedsTheCA(t *testing.T) {
	b := &Bundle{}
	if _, err := b.HostCerts(nil); !errors.Is(err, ErrNoCA) {
		t.Fatalf("err = %v, want ErrNoCA", err)
	}
}
