package cli

import (
	"fmt"
	"strconv"
	"time"

	"github.com/spf13/cobra"

	"graphgate/internal/identity"
)

// lockoutFlags adds serve's smart-lockout flags, which set c.
func lockoutFlags(cmd *cobra.Command, c *identity.Config) {
	cmd.Flags().Var(lockoutThreshold{&c.LockoutThreshold}, "lockout-threshold",
		"failed sign-ins (distinct wrong passwords) that lock an account, as Entra's smart lockout does; 0 turns lockout off")
	cmd.Flags().DurationVar(&c.LockoutDuration, "lockout-duration", time.Minute,
		"how long the first lockout lasts; each further failure locks twice as long, up to 64 times this")
}

// lockoutThreshold is --lockout-threshold. On the command line 0 turns
// lockout off; identity.Config takes a negative number for that (its zero
// value means Entra's default, 10).
type lockoutThreshold struct{ p *int }

func (v lockoutThreshold) String() string {
	switch {
	case v.p == nil || *v.p == 0:
		return "10"
	case *v.p < 0:
		return "0"
	}
	return strconv.Itoa(*v.p)
}

func (v lockoutThreshold) Set(s string) error {
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 {
		return fmt.Errorf("want a number of failed sign-ins (0 turns lockout off), not %q", s)
	}
	if n == 0 {
		n = -1
	}
	*v.p = n
	return nil
}

func (v lockoutThreshold) Type() string { return "int" }
