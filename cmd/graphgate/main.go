// Command graphgate is a self-hosted Microsoft 365 tenant for developers:
// the Microsoft Graph permission model, the identity platform and Graph
// workloads in one binary. The commands live in internal/cli; this file only
// runs them.
package main

import (
	"os"

	"graphgate/internal/cli"
)

func main() {
	os.Exit(cli.Main(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}
