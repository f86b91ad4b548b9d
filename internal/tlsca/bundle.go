package tlsca

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
)

// Bundle is the TLS material graphgate serves with. It is immutable and safe
// for concurrent use.
type Bundle struct {
	// CAFile is the PEM file clients must trust (SSL_CERT_FILE). It is empty
	// for a user-supplied pair, whose issuer the user already manages.
	CAFile string
	// CertFile and KeyFile hold the server certificate and its key.
	CertFile, KeyFile string
	// CA is graphgate's CA certificate; nil for a user-supplied pair.
	CA *x509.Certificate
	// Leaf is the server certificate.
	Leaf *x509.Certificate
	// CACreated and LeafIssued report what this call created, so the server
	// can tell the developer to (re)configure trust.
	CACreated, LeafIssued bool

	cert tls.Certificate
	// ca is the CA with its key (zero for a user-supplied pair): HostCerts
	// issues with it.
	ca issued
}

// TLSConfig returns a new server configuration presenting the bundle's
// certificate. Each call returns a fresh value the caller may modify.
func (b *Bundle) TLSConfig() *tls.Config {
	return &tls.Config{
		MinVersion:   tls.VersionTLS12,
		Certificates: []tls.Certificate{b.cert},
	}
}

// LoadKeyPair loads a user-supplied certificate (optionally followed by its
// chain) and private key, both PEM files, instead of graphgate's own CA. It
// checks that the key matches the certificate but, unlike Ensure, neither
// the names nor the expiry: the user owns that certificate.
func LoadKeyPair(certFile, keyFile string) (*Bundle, error) {
	cert, err := tls.LoadX509KeyPair(certFile, keyFile)
	if err != nil {
		return nil, fmt.Errorf("tlsca: load key pair: %w", err)
	}
	if cert.Leaf == nil {
		if cert.Leaf, err = x509.ParseCertificate(cert.Certificate[0]); err != nil {
			return nil, fmt.Errorf("tlsca: %s: %w", certFile, err)
		}
	}
	return &Bundle{CertFile: certFile, KeyFile: keyFile, Leaf: cert.Leaf, cert: cert}, nil
}
