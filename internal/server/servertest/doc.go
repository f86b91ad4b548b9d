// Package servertest starts a real graphgate server, with its demo tenant
// and its own TLS certificate authority, for tests in other packages that
// drive it over HTTPS with real clients (the Graph SDK, the bridge).
//
// # What it must not do
//
// It must not be imported by non-test code.
package servertest
