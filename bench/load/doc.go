// Command load drives a running graphgate with a mix of Graph calls from
// several concurrent clients and reports throughput and latency
// percentiles per call, so that changes to the request path can be
// compared run against run (bench/README.md records the figures).
//
//	go run ./cmd/graphgate serve --data /tmp/gg-load &
//	go run ./bench/load --data /tmp/gg-load --duration 20s --concurrency 8
//
// It signs in the demo users with the password grant through the Home
// Assistant demo app (recording their consent first, as an administrator
// would with 'graphgate consent grant'), so it needs the data folder of
// the server it drives.
//
// # What it must not do
//
// It must not run in the test suite beyond a smoke, and talks only to 127.0.0.1.
package main
