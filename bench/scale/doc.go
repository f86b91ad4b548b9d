// Command scale measures graphgate's Graph queries on a generated tenant
// (issue 16): it generates the data with 'graphgate generate' (unless the
// data folder or store already holds it), starts 'graphgate serve' on it,
// signs in the demo user Adele, and times each query over one keep-alive
// connection, reporting p50 and p99 per query, the generation's duration,
// and the server's peak resident memory (VmHWM).
//
//	go build -o /tmp/graphgate ./cmd/graphgate
//	go run ./bench/scale --graphgate /tmp/graphgate --data /tmp/gg-scale --scale 0.1
//	go run ./bench/scale --graphgate /tmp/graphgate --data /tmp/gg-scale-pg --scale 0.1 \
//	    --store 'postgres://postgres@127.0.0.1:5432/scale?sslmode=disable'
//
// It drives the graphgate binary given, so that two builds (before and
// after a change) run the same harness; --smoke runs each query a few
// times at whatever scale is given, for CI, and fails only on an error
// answer, never on a duration.
//
// # What it must not do
//
// It measures a graphgate binary from outside, as a client does: it must
// not import the server or the stores. It talks only to the server it
// starts on 127.0.0.1, and its CI smoke (TestScaleSmoke) must never fail on
// a duration.
package main
