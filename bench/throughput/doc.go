// Command throughput measures graphgate's throughput under concurrent
// load against references measured in the same run (issue 16): a bare Go
// TLS handler that answers the same bytes as graphgate's GET /v1.0/me and
// GET /v1.0/me/messages, and the RSA-2048 signing rate of the machine for
// the token endpoint. For each number of connections (--conns) it runs,
// each for --duration after --warmup:
//
//   - GET /v1.0/me with a delegated token, on the bare server then on graphgate;
//   - GET /v1.0/me/messages?$top=25&$select=subject,from, the same;
//   - RS256 signatures on as many goroutines, in this process;
//   - client-credentials token requests to graphgate,
//
// in --rounds alternating rounds (so that the machine's other work slows
// graphgate and its references alike), and reports requests/s, p50 and p99 latency, the ratios against their
// targets, and graphgate's peak resident memory under the largest number of
// concurrent token requests. All of it on 127.0.0.1.
//
// Beside the rates it reports the CPU time each phase cost per request:
// the server's process (user and system, all threads, from /proc) and the
// harness's own, the load generator's. The rates depend on how the two
// processes shared the cores; the CPU per request does not, so the server
// CPU ratio (the bare server's CPU per request over graphgate's) says how
// much of graphgate's work the bare handler does too, and the harness's
// figures say what a response costs its client.
//
// The bare server answers graphgate's bytes: the headers (Graph's
// request-id, client-request-id, OData-Version, nosniff and graphgate's
// x-graphgate-decision) and the body graphgate answered the same request,
// so that a client parses the same response from either; the harness
// checks this before it measures (sameBytes).
//
//	go run ./bench/throughput                                   # N = 32 and 128, 3 rounds of 3 s a phase
//	go run ./bench/throughput --duration 10s --json > run.json
//	go run ./bench/throughput --profile prof/                   # + graphgate's, the bare server's and the harness's own pprof profiles
//	go run ./bench/throughput --smoke                           # seconds: that it runs (CI)
//
// The program is its own graphgate: it runs itself as 'graphgate serve' (a
// fresh data folder, the demo tenant, the embedded SQLite store, default
// flags — the x-graphgate-decision header is always on) and as the bare
// server, each in its own process, so memory is graphgate's alone and no
// build step or other tool is needed. The load generator holds N
// keep-alive HTTP/1.1 connections and sends each request as soon as the
// previous answer is read, as wrk does, with prebuilt request bytes so
// that it costs both servers as little CPU as it can.
//
// # What it must not do
//
// It must not run long in the test suite (TestThroughputSmoke is bounded), never fails on a
// missed target (only on a phase it could not measure), and talks only to 127.0.0.1.
package main
