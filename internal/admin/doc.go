// Package admin owns graphgate's admin API, /admin/v1/… on the main
// listener: JSON in and out, Graph-style error bodies. It serves the
// server's clock (/admin/v1/clock: read, freeze, advance, set, reset) and
// its fault rules (/admin/v1/faults: list, add, remove, clear); snapshots
// are to join them.
//
// Every request is authenticated: a Graph access token of the tenant,
// verified as Graph verifies one, whose signed-in user authz.AdminAPI
// admits (a Global Administrator). Without a token the answer is Graph's
// 401 InvalidAuthenticationToken, with another user's 403
// Authorization_RequestDenied. Options.Open turns authentication off: for
// the owner-only unix socket in the data folder, and for `serve
// --admin-no-auth`, which package server accepts on loopback listeners
// only. Client is the API's Go client, which the CLI uses.
//
// What it must not do: decide who is an administrator (authz does), verify
// tokens itself (the Graph server's Authenticate does), or hold the clock
// or the rules (packages clock and faults do).
package admin
