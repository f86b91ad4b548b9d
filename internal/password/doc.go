// Package password hashes human passwords with argon2id (golang.org/x/crypto)
// in the PHC string format, so a hash records its own parameters and old
// hashes keep verifying after the parameters change. Client secrets are not
// passwords: they are random, and are hashed with a fast keyed hash by the
// identity package instead.
//
// # What it must not do
//
// It must not log, store or return a password or a hash's secret parts; it knows
// nothing of users or stores.
package password
