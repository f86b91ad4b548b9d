// Package tokenstest holds test helpers for implementations of the tokens
// package's interfaces: a conformance suite every KeyStore must pass.
//
// # What it must not do
//
// It must not be imported by non-test code.
package tokenstest
