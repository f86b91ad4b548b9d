// Command graphgate is a self-hosted Microsoft 365 tenant for developers:
// the Microsoft Graph permission model, the identity platform and Graph
// workloads in one binary. The commands live in internal/cli; this file only
// runs them.
//
// # What it must not do
//
// It must not hold logic: it only calls internal/cli.
package main
