// Package tlsca owns graphgate's TLS material: a private certificate
// authority kept in the data folder and the server certificate it signs.
//
// graphgate serves HTTPS only, because MSAL refuses an authority whose scheme
// is not https. Developers make their clients trust graphgate by pointing
// SSL_CERT_FILE (or their platform's trust store) at the CA certificate that
// Ensure writes, so the CA must stay the same across restarts while the
// server certificate may be re-issued at will: when the requested names
// change, when it nears expiry, or when it is missing or damaged.
//
// # Files
//
// Ensure keeps everything in dir/tls/ (the folder is 0700, every file 0600):
//
//	ca.pem          CA certificate: the file to trust
//	ca-key.pem      CA private key (PKCS#8)
//	server.pem      server certificate, signed by the CA
//	server-key.pem  server private key (PKCS#8)
//	.lock           advisory lock file; its content is meaningless
//
// A user who brings their own certificate uses LoadKeyPair instead and no CA
// is involved.
//
// # What it must not do
//
// It never replaces a CA it cannot read: a CA certificate without its key,
// or a key that does not match, is reported as an error, because silently
// minting a new CA would break every client that trusts the old one (a CA is
// replaced only within 30 days of the end of its ten years). It does
// not touch any trust store and does not serve anything itself.
//
// # Concurrency and lifecycle
//
// Ensure is meant to be called once at start-up. It is safe to call from
// several goroutines and from several processes sharing one data folder at
// the same time: it holds an exclusive file lock (and, within a process, a
// mutex) while it reads and writes, and every file is written to a temporary
// name and renamed into place, so a reader never sees a half-written file and
// a crash leaves either the old or the new file. Only one CA is ever created
// for a folder. A Bundle is immutable and safe for concurrent use; a
// long-running server that must outlive its certificate calls Ensure again
// and swaps the tls.Config.
package tlsca
