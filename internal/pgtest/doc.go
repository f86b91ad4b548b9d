// Package pgtest finds the PostgreSQL server tests run against and gives
// each test an empty schema of its own, with one policy everywhere: an
// unreachable server fails the test under CI (CI must never pass by
// skipping the PostgreSQL backend) and skips it elsewhere, saying how to
// point the tests at a server.
//
// # What it must not do
//
// It must not be imported by non-test code.
package pgtest
