// Command cliproc measures graphgate command lines as processes, the way a
// script runs them, comparing builds side by side (issue 11: `graphgate
// permissions for GET /me` in ≤ 50 ms). It runs each given binary with the
// same arguments, alternating binaries within every round so that whatever
// else the (shared) machine does slows all of them alike, and reports per
// binary the wall time (mean, median, minimum), the CPU time the process
// used (user + system, from rusage: mean and median), its minor page
// faults, and the load average before and after the run.
//
//	go build -o /tmp/gg-old ./cmd/graphgate   # on the commit before
//	go build -o /tmp/gg-new ./cmd/graphgate
//	go run ./bench/cliproc -n 40 /tmp/gg-old /tmp/gg-new -- permissions for GET /me
//
// A process whose exit status is not 0, or whose output differs from the
// first binary's, fails the run: the builds compared must answer alike.
//
// # What it must not do
//
// It measures binaries from outside: it must not import graphgate's
// packages, and it never fails on a duration.
package main
