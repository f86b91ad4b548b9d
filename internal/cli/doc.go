// Package cli implements graphgate's command line. cmd/graphgate only calls
// Main; everything a command does lives in the internal packages it wires.
//
// Exit codes (documented in the root --help):
//
//	0  success; for explain: the call is allowed
//	1  a negative answer: explain denies the call; plan refuses a
//	   combination or finds the minimum permissions not granted
//	2  usage error: unknown flag, malformed method, path or scheme
//	3  not found: unknown permission (with suggestions), no rule for a path
//	4  runtime failure (I/O, a server that cannot start)
//
// # What it must not do
//
// It must not hold domain logic: each command parses flags, makes one call into a service
// package (directory, report, planner, authz, store, transfer) and prints the result; it never
// writes users, groups or grants itself (internal/directory does).
package cli
