// Package server composes graphgate: it opens the store, loads the signing
// keys, seeds the demo tenant, builds the identity platform, the Graph
// server and the permission explorer (/explorer; and pages as they land)
// into one HTTPS handler with logging, metrics and health checks, the
// admin API (/admin/v1, and an owner-only unix socket in the data folder),
// fault injection and the one clock (Config.Clock) every component reads,
// and runs it on listeners with limits (a connection cap that evicts idle
// clients first, idle and header timeouts, a minimum data rate; see
// Limits). It is the composition root that
// cmd/graphgate (through internal/cli) and the end-to-end tests share; it
// holds no protocol or permission logic of its own.
//
// # What it must not do
//
// It must not hold Graph, identity or permission logic: it wires the packages that do,
// and owns only listeners, limits, timeouts, logging and metrics of the process.
package server
