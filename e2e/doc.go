// Package e2e drives a real graphgate server with the real Microsoft client
// libraries (MSAL Go, azidentity, msgraph-sdk-go, go-oidc) and plays the
// browser where a flow needs one. Each test starts its own server on a
// fresh data folder.
//
// # What it must not do
//
// It must not reach into the server's internals beyond starting it: each test talks to it
// over the network, as a client would.
package e2e
