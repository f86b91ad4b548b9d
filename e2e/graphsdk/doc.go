// Package graphsdk drives graphgate's Graph server with Microsoft's own
// Graph SDK for Go (msgraph-sdk-go), unmodified: only the credential's
// authority host and the adapter's base URL point at graphgate. It lives
// in its own package because the SDK takes minutes to compile; the rest of
// the end-to-end suite does not wait for it.
//
// # What it must not do
//
// It must not reach into the server's internals beyond starting it.
package graphsdk
