package tlsca

import (
	"crypto"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/gofrs/flock"
)

// File names inside dir/tls/. They are part of the user-facing contract:
// the CA file is what developers point SSL_CERT_FILE at.
const (
	SubDir      = "tls"
	CAFileName  = "ca.pem"
	CAKeyName   = "ca-key.pem"
	CertName    = "server.pem"
	KeyName     = "server-key.pem"
	lockName    = ".lock"
	dirPerm     = 0o700
	privateMode = 0o600
)

// PrivateFiles are the paths in the data folder dir that must be
// owner-only: the tls folder and the two private keys. Ensure creates them
// so; a caller that finds them with wider modes (copied, or made by hand)
// tightens them before Ensure (package secretfile).
func PrivateFiles(dir string) []string {
	tlsDir := filepath.Join(dir, SubDir)
	return []string{tlsDir, filepath.Join(tlsDir, CAKeyName), filepath.Join(tlsDir, KeyName)}
}

// processMu serializes Ensure within one process. The file lock already
// excludes other goroutines on the platforms we run on (each Flock opens its
// own descriptor), but that depends on the platform's lock semantics; the
// mutex makes in-process exclusion independent of them.
var processMu sync.Mutex

// Ensure returns graphgate's TLS bundle for the data folder dir, creating
// what is missing: the CA on first use (then kept for its ten years, and
// replaced only within 30 days of expiry, with CACreated set) and a server
// certificate for DefaultNames plus names, re-issued when the names differ
// from the current certificate's, when it expires within 30 days, when it was
// not signed by the current CA, or when it cannot be read. now is the time
// the certificates are judged and issued at.
//
// Concurrent calls, in one process or several, on the same folder are safe
// and create a single CA.
func Ensure(dir string, names []string, now time.Time) (*Bundle, error) {
	want, err := newNameSet(names)
	if err != nil {
		return nil, err
	}
	tlsDir := filepath.Join(dir, SubDir)
	if err := os.MkdirAll(tlsDir, dirPerm); err != nil {
		return nil, fmt.Errorf("tlsca: %w", err)
	}

	processMu.Lock()
	defer processMu.Unlock()
	lock := flock.New(filepath.Join(tlsDir, lockName), flock.SetPermissions(privateMode))
	if err := lock.Lock(); err != nil {
		return nil, fmt.Errorf("tlsca: lock %s: %w", lock.Path(), err)
	}
	defer lock.Close()

	b := &Bundle{
		CAFile:   filepath.Join(tlsDir, CAFileName),
		CertFile: filepath.Join(tlsDir, CertName),
		KeyFile:  filepath.Join(tlsDir, KeyName),
	}
	ca, created, err := loadOrCreateCA(b.CAFile, filepath.Join(tlsDir, CAKeyName), now)
	if err != nil {
		return nil, err
	}
	b.CA, b.CACreated, b.ca = ca.cert, created, ca
	cert, issuedNew, err := loadOrIssueLeaf(b.CertFile, b.KeyFile, ca, want, now)
	if err != nil {
		return nil, err
	}
	b.cert, b.Leaf, b.LeafIssued = cert, cert.Leaf, issuedNew
	return b, nil
}

// loadOrCreateCA reads the CA, or creates one when its certificate is absent
// or expiring. The certificate is written after the key, so a crash between
// the two leaves no certificate and the next start simply creates a new CA.
func loadOrCreateCA(certPath, keyPath string, now time.Time) (issued, bool, error) {
	ca, err := loadCA(certPath, keyPath)
	switch {
	case errors.Is(err, errNoCA):
	case err != nil:
		return issued{}, false, err
	case now.Add(renewBefore).Before(ca.cert.NotAfter):
		return ca, false, nil
	}
	ca, err = newCA(now)
	if err != nil {
		return issued{}, false, fmt.Errorf("tlsca: create CA: %w", err)
	}
	keyPEM, err := encodeKey(ca.key)
	if err != nil {
		return issued{}, false, err
	}
	if err := writeFileAtomic(keyPath, keyPEM); err != nil {
		return issued{}, false, fmt.Errorf("tlsca: write CA key: %w", err)
	}
	if err := writeFileAtomic(certPath, encodeCert(ca.cert)); err != nil {
		return issued{}, false, fmt.Errorf("tlsca: write CA certificate: %w", err)
	}
	return ca, true, nil
}

// errNoCA means the CA certificate file does not exist.
var errNoCA = errors.New("tlsca: no CA certificate")

// loadCA returns errNoCA only when the CA certificate is absent. A
// certificate whose key is missing or does not match is an error: clients
// may already trust that certificate, so it is not silently replaced.
func loadCA(certPath, keyPath string) (issued, error) {
	if !exists(certPath) {
		return issued{}, errNoCA
	}
	certPEM, err := readPEMBlock(certPath)
	if err != nil {
		return issued{}, fmt.Errorf("tlsca: read CA certificate: %w", err)
	}
	cert, err := x509.ParseCertificate(certPEM.Bytes)
	if err != nil {
		return issued{}, fmt.Errorf("tlsca: %s: %w", certPath, err)
	}
	if !cert.IsCA {
		return issued{}, fmt.Errorf("tlsca: %s is not a CA certificate", certPath)
	}
	keyPEM, err := readPEMBlock(keyPath)
	if err != nil {
		return issued{}, fmt.Errorf("tlsca: CA certificate %s has no usable key (remove both files to create a new CA): %w", certPath, err)
	}
	key, err := parseKey(keyPEM)
	if err != nil {
		return issued{}, fmt.Errorf("tlsca: %s: %w", keyPath, err)
	}
	if !publicKeyMatches(key, cert) {
		return issued{}, fmt.Errorf("tlsca: %s does not match %s (remove both files to create a new CA)", keyPath, certPath)
	}
	return issued{cert: cert, key: key}, nil
}

// loadOrIssueLeaf returns the current server certificate if it still fits,
// else issues and writes a new one.
func loadOrIssueLeaf(certPath, keyPath string, ca issued, want nameSet, now time.Time) (tls.Certificate, bool, error) {
	if cert, err := tls.LoadX509KeyPair(certPath, keyPath); err == nil && leafFits(cert.Leaf, ca, want, now) {
		return cert, false, nil
	}
	leaf, err := newLeaf(ca, want, now)
	if err != nil {
		return tls.Certificate{}, false, fmt.Errorf("tlsca: issue server certificate: %w", err)
	}
	keyPEM, err := encodeKey(leaf.key)
	if err != nil {
		return tls.Certificate{}, false, err
	}
	if err := writeFileAtomic(keyPath, keyPEM); err != nil {
		return tls.Certificate{}, false, fmt.Errorf("tlsca: write server key: %w", err)
	}
	if err := writeFileAtomic(certPath, encodeCert(leaf.cert)); err != nil {
		return tls.Certificate{}, false, fmt.Errorf("tlsca: write server certificate: %w", err)
	}
	return tls.Certificate{Certificate: [][]byte{leaf.cert.Raw}, PrivateKey: leaf.key, Leaf: leaf.cert}, true, nil
}

func leafFits(leaf *x509.Certificate, ca issued, want nameSet, now time.Time) bool {
	return leaf != nil &&
		leaf.CheckSignatureFrom(ca.cert) == nil &&
		!now.Before(leaf.NotBefore) &&
		now.Add(renewBefore).Before(leaf.NotAfter) &&
		nameSetOf(leaf.DNSNames, leaf.IPAddresses).equal(want)
}

func publicKeyMatches(key crypto.Signer, cert *x509.Certificate) bool {
	pub, ok := key.Public().(interface{ Equal(crypto.PublicKey) bool })
	return ok && pub.Equal(cert.PublicKey)
}
