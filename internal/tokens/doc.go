// Package tokens owns graphgate's token cryptography: the RSA signing keys
// and their rotation, the JWKS document, minting Graph access tokens (v1.0
// shape) and ID tokens (v2.0 shape), verifying access tokens for the Graph
// API, and verifying client assertions (certificate credentials).
//
// All JWS work goes through go-jose v4; this package never hand-rolls
// signatures or token parsing. It defines the claim structs and the
// KeyStore interface it needs and knows nothing of HTTP, OAuth grants,
// tenants or users: callers pass in issuers, audiences, identities and
// lifetimes (from configuration), and map the typed errors (ErrExpired,
// ErrAudience, …) to Microsoft's wire messages.
//
// # Keys and rotation
//
// Keys are RSA-2048 with a self-signed certificate; kid = x5t =
// base64url(SHA-1(cert DER)), as Microsoft publishes. They live in a
// KeyStore shared by every replica and follow a RotationPolicy: a key is
// published Overlap before it signs, signs for Period, and stays published
// until MaxTokenLifetime (+Grace) after its successor took over, so every
// token it signed expires first. Minting refuses lifetimes above
// MaxTokenLifetime to keep that promise.
//
// # Concurrency and lifecycle
//
// Build one Keyring per process over the shared KeyStore, then a Minter and a
// Verifier over it, and start Keyring.Run for the life of the server. All
// types are safe for concurrent use.
//
// The Keyring loads and decodes keys once and swaps an immutable snapshot;
// requests never read the store or parse keys. Key creation is serialized in
// process and insert-if-absent across processes (KeyStore.AddSigningKey on
// the next generation), so a cold start or a rotation yields exactly one key
// no matter how many goroutines or replicas race. A token signed by another
// replica's newer key triggers a reload, rate-limited.
//
// The Verifier caches verified tokens (keyed by SHA-256 of the token, never
// past exp) in a bounded LRU. The AssertionVerifier's jti replay cache is per
// process and in memory.
//
// # What it must not do
//
// It must not log or return private key material, must not accept any alg
// other than RS256 for access tokens (PS256/RS256 for client assertions),
// and must not sign a token that could outlive its key's publication.
package tokens
