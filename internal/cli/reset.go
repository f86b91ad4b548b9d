package cli

// graphgate reset: the store back to the demo tenant (package snapshot).

import (
	"context"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"graphgate/internal/demo"
	"graphgate/internal/identity"
	"graphgate/internal/snapshot"
	"graphgate/internal/store"
)

func init() {
	extraCommands = append(extraCommands, resetCmd)
}

// resetOut is what reset prints with --json.
type resetOut struct {
	TenantID string  `json:"tenantId"`
	Domain   string  `json:"domain"`
	Seeded   string  `json:"seed,omitempty"`
	Seconds  float64 `json:"seconds"`
}

func resetCmd() *cobra.Command {
	var o admOpts
	var seed string
	var yes, jsonOut bool
	cmd := &cobra.Command{
		Use:   "reset",
		Short: "Put the store back to the demo tenant alone, as a fresh start seeds it (--yes)",
		Long: `Delete everything the store holds — every tenant, user, app, consent, mail,
calendar, file and sign-in state, including tenants you created — and seed the
demo tenant again, as the first 'graphgate serve' on an empty folder does.
It asks for --yes, since nothing deleted can be brought back but from a
snapshot or an export.

What stays: the token-signing keys and the identity platform's keys (so a
running server keeps working, and tokens it issued still verify — their users
may be gone), and the snapshots ('graphgate snapshot'). The demo tenant keeps
the passwords and secrets it had, so what 'graphgate demo' printed still
works; with --seed N (or GRAPHGATE_SEED) they, and the demo's ids, are derived
from N instead.

A running server may stay up: the wipe is one transaction, then the seeding
takes about a second, during which requests see a partly seeded tenant. Reset
between tests, not during one. For a state of your own, save a snapshot once
and restore it instead ('graphgate snapshot restore NAME': one transaction).

Exit codes: 0 reset; 2 usage error (no --yes); 3 no data folder; 4 the store failed.`,
		Example: `  graphgate reset --yes
  graphgate reset --yes --seed 42 --json
  graphgate reset --yes --store postgres://graphgate@db:5432/graphgate`,
		Args: cobra.NoArgs,
	}
	dataFlag(cmd, &o.data)
	storeFlag(cmd, &o.store)
	seedFlag(cmd, &seed)
	cmd.Flags().BoolVar(&yes, "yes", false, "confirm: delete everything the store holds and seed the demo tenant")
	cmd.Flags().BoolVar(&jsonOut, "json", false, "print the result as JSON ({\"tenantId\", \"domain\", \"seed\", \"seconds\"})")
	run := admRun(&o, false, func(ctx context.Context, cmd *cobra.Command, st store.Store, _ []string) error {
		hash, err := identity.SecretHasher(ctx, st)
		if err != nil {
			return err
		}
		t, took, err := snapshot.New(st).Reset(ctx, demo.Options{SecretHash: hash, Passwords: admPasswordParams, Seed: seed})
		if err != nil {
			return err
		}
		if jsonOut {
			return writeJSON(cmd.OutOrStdout(), resetOut{TenantID: t.TenantID, Domain: t.Domain, Seeded: seed, Seconds: took.Seconds()})
		}
		fmt.Fprintf(cmd.OutOrStdout(), "reset to the demo tenant %s (%s) in %v; 'graphgate demo' prints its users, passwords and apps\n",
			t.TenantID, t.Domain, took.Round(time.Millisecond))
		return nil
	})
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		if !yes {
			return usageErr("reset deletes everything the store holds and seeds the demo tenant again: add --yes to confirm (or save a snapshot first: 'graphgate snapshot save before-reset')")
		}
		return run(cmd, args)
	}
	return cmd
}
