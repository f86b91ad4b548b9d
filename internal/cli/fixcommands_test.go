package cli

import (
	"io"
	"strings"
	"testing"

	"github.com/spf13/cobra"

	"graphgate/internal/identity"
)

// TestErrorPageCommandsExist: every graphgate command line the identity
// platform's error pages suggest names a real command, and its flags are
// that command's flags — so a renamed command or flag cannot leave the
// pages teaching one that does not exist.
func TestErrorPageCommandsExist(t *testing.T) {
	root := newRoot(strings.NewReader(""), io.Discard, io.Discard)
	cmds := identity.FixCommands()
	if len(cmds) < 20 {
		t.Fatalf("only %d commands suggested", len(cmds))
	}
	for _, line := range cmds {
		words := strings.Fields(line)
		if len(words) < 2 || words[0] != "graphgate" {
			t.Errorf("%q does not start with graphgate", line)
			continue
		}
		cmd := root
		i := 1
		for ; i < len(words); i++ {
			next := subcommand(cmd, words[i])
			if next == nil {
				break
			}
			cmd = next
		}
		if cmd == root || !cmd.Runnable() {
			t.Errorf("%q: %q is not a command", line, strings.Join(words[:min(i+1, len(words))], " "))
			continue
		}
		for _, w := range words[i:] {
			if name, ok := strings.CutPrefix(w, "--"); ok {
				name, _, _ = strings.Cut(name, "=")
				if cmd.Flags().Lookup(name) == nil {
					t.Errorf("%q: %s has no flag --%s", line, cmd.CommandPath(), name)
				}
			}
		}
	}
}

func subcommand(c *cobra.Command, name string) *cobra.Command {
	for _, s := range c.Commands() {
		if s.Name() == name || s.HasAlias(name) {
			return s
		}
	}
	return nil
}
