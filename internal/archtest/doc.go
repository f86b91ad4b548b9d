// Package archtest holds the module's architecture tests: every package
// has a doc.go saying what it owns and what it must not do, and imports
// go only down the layers of the architecture (README, "Architecture").
//
// # What it must not do
//
// It has no code besides its tests and must not be imported.
package archtest
