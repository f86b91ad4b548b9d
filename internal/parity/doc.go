// Package parity classifies every method+path of the route table
// (Microsoft's permission data plus graphgate's supplement) by what the
// Graph server does with it: served with stored data, or a permission rule
// only (an allowed call answers 501 NotImplemented), by workload, with
// totals per workload. internal/paritygen renders it as docs/parity.md; the
// landing page (internal/web) shows the totals, computed from
// the running server's handlers, once, at the first request that shows
// them (a pass over the whole route table: BenchmarkLandingParity).
//
// It must not decide anything about permissions: it only reports what the
// route table and the Graph server say.
package parity
