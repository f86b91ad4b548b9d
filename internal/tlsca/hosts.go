package tlsca

import (
	"crypto/tls"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"
)

// ErrNoCA is returned by Bundle.HostCerts for a user-supplied key pair:
// without graphgate's CA there is nothing to issue host certificates with.
var ErrNoCA = errors.New("tlsca: a user-supplied certificate has no CA to issue host certificates with")

// HostCerts issues a server certificate for one host name at a time,
// signed by the bundle's CA, when a client first asks for that host, and
// keeps it in memory until it nears expiry (the interception proxy presents
// them for login.microsoftonline.com, graph.microsoft.com, …). Nothing is
// written to disk: the certificates are cheap to issue (one P-256 key and
// signature, well under a millisecond) and need only the CA to be trusted.
//
// The cache holds one entry per host and is not bounded by itself: callers
// ask only for a fixed list of hosts (the proxy refuses every other before
// asking). It is safe for concurrent use; concurrent first requests for one
// host issue a single certificate.
type HostCerts struct {
	ca  issued
	now func() time.Time

	mu    sync.Mutex
	certs map[string]*tls.Certificate
}

// HostCerts returns an issuer of per-host certificates signed by the
// bundle's CA, or ErrNoCA for a user-supplied pair. now is the clock
// certificates are issued and judged by (nil: time.Now).
func (b *Bundle) HostCerts(now func() time.Time) (*HostCerts, error) {
	if b.ca.cert == nil {
		return nil, ErrNoCA
	}
	if now == nil {
		now = time.Now
	}
	return &HostCerts{ca: b.ca, now: now, certs: map[string]*tls.Certificate{}}, nil
}

// Certificate returns a certificate for host (a DNS name; case and a
// trailing dot do not matter), issuing it on first use and again once the
// cached one is within 30 days of expiry.
func (h *HostCerts) Certificate(host string) (*tls.Certificate, error) {
	host = strings.ToLower(strings.TrimSuffix(host, "."))
	if !validDNSName(host) || strings.HasPrefix(host, "*") {
		return nil, fmt.Errorf("tlsca: %q is not a host name", host)
	}
	now := h.now()
	h.mu.Lock()
	defer h.mu.Unlock()
	if c := h.certs[host]; c != nil && now.Add(renewBefore).Before(c.Leaf.NotAfter) {
		return c, nil
	}
	leaf, err := newLeaf(h.ca, nameSet{dns: []string{host}}, now)
	if err != nil {
		return nil, fmt.Errorf("tlsca: issue a certificate for %s: %w", host, err)
	}
	c := &tls.Certificate{Certificate: [][]byte{leaf.cert.Raw}, PrivateKey: leaf.key, Leaf: leaf.cert}
	h.certs[host] = c
	return c, nil
}
