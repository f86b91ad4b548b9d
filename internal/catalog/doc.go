// Package catalog is the Microsoft Graph permission catalog: every permission
// of Microsoft's machine-readable data plus the OpenID scopes, with ids,
// per-scheme display strings and descriptions, the admin-consent flag, the
// privilege level and the hidden flag; and graphgate's overlay of decisions
// where the seed reference disagrees with or adds to that data.
//
// The data is generated (go generate, see generate.go) into
// permissions_gen.go, Go source the compiler lays out as static data; the
// overlay is overlay.yaml, which gendata writes as Go too (overlay_gen.go),
// so that no process decodes YAML. Nothing here reads files at run time,
// and the catalog is immutable once loaded, so it is safe for concurrent use.
//
// The catalog answers "what is this permission?". Which permission a call
// needs is the routes package; whether a caller may make it is authz.
//
// # What it must not do
//
// It must not decide access (authz does) or hold hand-written permission facts outside the
// generated catalog and its overlay; it never reads Microsoft's data at run time.
package catalog
