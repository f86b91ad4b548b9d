package cli

import (
	"errors"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"graphgate/internal/demo"
	"graphgate/internal/store/open"
)

func init() {
	extraCommands = append(extraCommands, generateCmd)
}

func generateCmd() *cobra.Command {
	var data, storeURL string
	var scale float64
	var seed uint64
	var jsonOut bool
	cmd := &cobra.Command{
		Use:   "generate",
		Short: "Fill the demo tenant with generated users, mail, events and tasks (for scale tests)",
		Long: `Add a realistic volume of generated data to the demo tenant of a data folder
(or --store), to try and measure graphgate at scale. At --scale 1 it adds
100,000 users, 1,000,000 messages, 200,000 events (one in ten a weekly series)
and 100,000 To Do tasks; every volume is multiplied by --scale. One generated
user in a hundred has a mailbox, a calendar and tasks; the demo user Adele
(adele@contoso.onmicrosoft.com) gets a fifth of the messages in her inbox, half
of them unread, and a tenth of the events and tasks, so that signing in as
Adele shows a large mailbox.

The data is the same for the same --scale and --seed. It is written in batches
of 2,000 objects, so memory does not grow with the scale, and progress is
printed on standard error. A store is generated into once: run it on a new data
folder (the demo tenant is seeded first with 'graphgate demo').

On SQLite the mail, events and tasks are written in one transaction whose
indexes are built at the end: if generate fails or is interrupted, none of them
is kept (the generated users are), and the folder holds no half-built tenant;
generate again into a new data folder. On PostgreSQL each batch commits: an
interrupted generate leaves what it wrote.

The generated text holds the word "quokka" in one message in 100,000 and the
word "zyzzyva" in none, for measuring $search (bench/scale).`,
		Example: `  graphgate generate --scale 0.001
  graphgate demo --data ./scale-data >/dev/null && graphgate generate --data ./scale-data --scale 0.002 --seed 7 --json
  graphgate generate --store postgres://graphgate:secret@db:5432/graphgate --scale 0.2`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			spec, err := open.Parse(storeSpec(storeURL), data)
			if err != nil {
				return usageErr("%v", err)
			}
			spec.Logger = warnLogger(cmd)
			st, err := spec.Open(ctx)
			if err != nil {
				return &exitError{ExitFailure, err}
			}
			defer st.Close()
			start, last := time.Now(), -1
			errw := cmd.ErrOrStderr()
			g, err := demo.Generate(ctx, st, demo.GenerateOptions{Scale: scale, Seed: seed, Progress: func(p demo.GenerateProgress) {
				if pct := int(p.Done() * 100); pct != last {
					last = pct
					fmt.Fprintf(errw, "graphgate: generated %3d%%: users %d/%d, messages %d/%d, events %d/%d, tasks %d/%d (%s)\n", pct,
						p.Users, p.UsersOf, p.Messages, p.MessagesOf, p.Events, p.EventsOf, p.Tasks, p.TasksOf, time.Since(start).Round(time.Second))
				}
			}})
			switch {
			case errors.Is(err, demo.ErrScale):
				return usageErr("--scale %g: %v (1 is 100,000 users and 1,000,000 messages; try --scale 0.01)", scale, demo.ErrScale)
			case errors.Is(err, demo.ErrNotSeeded):
				return usageErr("%s has no demo tenant to generate into; seed it first with 'graphgate demo --data %s' (or the same --store)", spec, data)
			case errors.Is(err, demo.ErrGenerated):
				return usageErr("%s already holds generated data; generate into a new data folder or store", spec)
			case err != nil:
				return &exitError{ExitFailure, err}
			}
			if jsonOut {
				return writeJSON(cmd.OutOrStdout(), g)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "Generated %d users, %d messages, %d events and %d tasks (scale %g, seed %d) in %s.\n"+
				"Sign in as adele@%s ('graphgate demo' prints her password) to see a fifth of the messages in her inbox.\n",
				g.Users, g.Messages, g.Events, g.Tasks, g.Scale, g.Seed, time.Since(start).Round(time.Second), demo.TenantDomain)
			return nil
		},
	}
	dataFlag(cmd, &data)
	storeFlag(cmd, &storeURL)
	cmd.Flags().Float64Var(&scale, "scale", 0.01, "volume: 1 is 100k users, 1M messages, 200k events, 100k tasks")
	cmd.Flags().Uint64Var(&seed, "seed", 1, "random seed: the same seed and scale generate the same data")
	cmd.Flags().BoolVar(&jsonOut, "json", false, "print what was generated as JSON")
	return cmd
}
