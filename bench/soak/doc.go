// Command soak drives a graphgate on this machine with mixed traffic for a
// bounded time — token grants (password, refresh with rotation, client
// credentials), GET /me, mail list and send, events created, read through
// calendarView and deleted, drive files uploaded, downloaded through their
// download URLs and deleted, and $batch — and checks that the server held:
// no 5xx (and no other unexpected status), and its resident memory and
// goroutine count flat over the run, read from its Prometheus /metrics.
//
//	go run ./cmd/graphgate serve --data /tmp/gg-soak --log-level warn &
//	go run ./bench/soak --data /tmp/gg-soak --duration 5m
//
// It stops by itself after --duration. It refuses a --url that is not on
// this machine (127.0.0.1, ::1, localhost): it writes mail, events and
// files. Like bench/load it signs in the demo users with the password grant
// through the Home Assistant demo app, recording their consent first, so it
// needs the (SQLite) data folder of the server it drives. The exit code is
// 0 when the server held, 1 when it did not, 2 for a usage error.
//
// # What it must not do
//
// It must not run for long in the test suite (TestSoakSmoke is bounded), and talks only
// to 127.0.0.1.
package main
