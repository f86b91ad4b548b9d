// Package cli implements graphgate's command line. cmd/graphgate only calls
// Main; everything a command does lives in the internal packages it wires.
package cli

import "io"

// Main runs graphgate with args and returns the process exit code.
func Main(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	_, _ = io.WriteString(stderr, "graphgate: not implemented yet\n")
	return 2
}
