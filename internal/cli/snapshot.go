package cli

// graphgate snapshot save|restore|list|delete: the whole store under a
// name, put back in one transaction (package snapshot).

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"graphgate/internal/snapshot"
	"graphgate/internal/store"
)

func init() {
	extraCommands = append(extraCommands, snapshotCmd)
}

const snapshotLong = `Save the whole store under a name and put it back: every tenant, app, grant,
mail, calendar, file and setting, and the sign-in state (refresh tokens,
lockouts). A test suite saves once, then restores before each test.

Where snapshots live: with the embedded SQLite store, in the folder
snapshots/ of the data folder (NAME.db, a compacted copy written by VACUUM
INTO, owner-only like the database); with PostgreSQL (--store), in a schema
of the same database named ggsnap_<hash of the store's schema>_NAME.

Restoring is online: it replaces the data in one transaction, so a running
server (or several replicas) need not stop — requests see the old data until
the commit and the snapshot's after it. Signing keys are never restored:
tokens issued before a restore still verify (a token of a user the snapshot
lacks gets the answer a deleted user's gets). A snapshot saved by another
graphgate version with another database schema is refused.

Names: 1 to 40 lower case letters, digits, '-' or '_', starting with a letter
or digit.

Exit codes: 0 done; 2 usage error (a bad name, an existing name without
--replace, a snapshot of another schema version); 3 no such snapshot or no
data; 4 the store failed.`

// snapshotOut is a snapshot as --json prints it.
type snapshotOut struct {
	Name          string    `json:"name"`
	Created       time.Time `json:"created,omitzero"`
	SchemaVersion int       `json:"schemaVersion,omitempty"`
	Bytes         int64     `json:"bytes,omitempty"`
	Seconds       float64   `json:"seconds,omitempty"`
}

func newSnapshotOut(i store.SnapshotInfo) snapshotOut {
	return snapshotOut{Name: i.Name, Created: i.Created, SchemaVersion: i.SchemaVersion, Bytes: i.Bytes}
}

// snapshotErr gives the snapshot errors their exit codes and a next step.
func snapshotErr(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, store.ErrInvalidSnapshotName), errors.Is(err, store.ErrSnapshotVersion):
		return &exitError{ExitUsage, err}
	case errors.Is(err, store.ErrConflict):
		return &exitError{ExitUsage, fmt.Errorf("%w; add --replace to overwrite it", err)}
	case errors.Is(err, store.ErrNotFound):
		return notFound(fmt.Errorf("%w; 'graphgate snapshot list' shows the saved ones", err))
	}
	return admFail(err)
}

func snapshotCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "snapshot",
		Short: "Save the whole store under a name and restore it (fast test set-up)",
		Long:  snapshotLong,
		Example: `  graphgate snapshot save baseline            # after seeding what your tests need
  graphgate snapshot restore baseline         # before each test; the server may keep running
  graphgate snapshot list --json
  graphgate snapshot delete baseline
  graphgate snapshot save ci --store postgres://graphgate@db:5432/graphgate --replace`,
	}
	cmd.AddCommand(snapshotSaveCmd(), snapshotRestoreCmd(), snapshotListCmd(), snapshotDeleteCmd())
	return cmd
}

// snapshotRun opens the store of --data/--store and runs f with the service.
func snapshotRun(cmd *cobra.Command, o *admOpts, f func(ctx context.Context, svc *snapshot.Service) error) *cobra.Command {
	dataFlag(cmd, &o.data)
	storeFlag(cmd, &o.store)
	cmd.RunE = admRun(o, false, func(ctx context.Context, cmd *cobra.Command, st store.Store, _ []string) error {
		return snapshotErr(f(ctx, snapshot.New(st)))
	})
	return cmd
}

func snapshotSaveCmd() *cobra.Command {
	var o admOpts
	var replace, jsonOut bool
	cmd := &cobra.Command{
		Use:   "save NAME",
		Short: "Save the whole store as NAME (one consistent copy; servers may keep running)",
		Long: `Save the whole store as NAME: one consistent copy, taken while servers run.
An existing snapshot of that name is refused unless --replace is given (then
it is replaced atomically: a failed save keeps the old one).

` + snapshotLong,
		Example: `  graphgate snapshot save baseline
  graphgate snapshot save baseline --replace --json`,
		Args: cobra.ExactArgs(1),
	}
	cmd.Flags().BoolVar(&replace, "replace", false, "replace an existing snapshot of that name")
	cmd.Flags().BoolVar(&jsonOut, "json", false, "print the snapshot as JSON ({\"name\", \"created\", \"schemaVersion\", \"bytes\", \"seconds\"})")
	return snapshotRun(cmd, &o, func(ctx context.Context, svc *snapshot.Service) error {
		res, err := svc.Save(ctx, cmd.Flags().Arg(0), replace)
		if err != nil {
			return err
		}
		if jsonOut {
			out := newSnapshotOut(res.Snapshot)
			out.Seconds = res.Elapsed.Seconds()
			return writeJSON(cmd.OutOrStdout(), out)
		}
		fmt.Fprintf(cmd.OutOrStdout(), "saved snapshot %s in %v; restore it with 'graphgate snapshot restore %s'\n",
			res.Snapshot.Name, res.Elapsed.Round(time.Millisecond), res.Snapshot.Name)
		return nil
	})
}

func snapshotRestoreCmd() *cobra.Command {
	var o admOpts
	var jsonOut bool
	cmd := &cobra.Command{
		Use:   "restore NAME",
		Short: "Put the store back as it was when NAME was saved (online, in one transaction)",
		Long: `Replace the store's data with the snapshot NAME, in one transaction: a running
server need not stop, and a failed restore changes nothing. Signing keys stay
as they are.

` + snapshotLong,
		Example: `  graphgate snapshot save baseline              # once, when the data is as the tests expect it
  graphgate snapshot restore baseline           # before each test
  graphgate snapshot restore baseline --json`,
		Args: cobra.ExactArgs(1),
	}
	cmd.Flags().BoolVar(&jsonOut, "json", false, "print the result as JSON ({\"name\", \"seconds\"})")
	return snapshotRun(cmd, &o, func(ctx context.Context, svc *snapshot.Service) error {
		res, err := svc.Restore(ctx, cmd.Flags().Arg(0))
		if err != nil {
			return err
		}
		if jsonOut {
			return writeJSON(cmd.OutOrStdout(), snapshotOut{Name: res.Snapshot.Name, Seconds: res.Elapsed.Seconds()})
		}
		fmt.Fprintf(cmd.OutOrStdout(), "restored snapshot %s in %v\n", res.Snapshot.Name, res.Elapsed.Round(time.Millisecond))
		return nil
	})
}

func snapshotListCmd() *cobra.Command {
	var o admOpts
	var jsonOut bool
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List the saved snapshots",
		Long:  "List the store's snapshots by name, with when each was saved.\n\n" + snapshotLong,
		Example: `  graphgate snapshot list
  graphgate snapshot list --json | jq -r '.[].name'`,
		Args: cobra.NoArgs,
	}
	cmd.Flags().BoolVar(&jsonOut, "json", false, "print a JSON array of snapshots ({\"name\", \"created\", \"schemaVersion\", \"bytes\"})")
	return snapshotRun(cmd, &o, func(ctx context.Context, svc *snapshot.Service) error {
		list, err := svc.List(ctx)
		if err != nil {
			return err
		}
		if jsonOut {
			out := []snapshotOut{}
			for _, i := range list {
				out = append(out, newSnapshotOut(i))
			}
			return writeJSON(cmd.OutOrStdout(), out)
		}
		if len(list) == 0 {
			fmt.Fprintln(cmd.OutOrStdout(), "no snapshots; save one with 'graphgate snapshot save NAME'")
			return nil
		}
		tw := table(cmd.OutOrStdout())
		fmt.Fprintln(tw, "NAME\tSAVED\tSIZE")
		for _, i := range list {
			size := "-"
			if i.Bytes > 0 {
				size = fmt.Sprintf("%.1f MB", float64(i.Bytes)/1e6)
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\n", i.Name, i.Created.Local().Format(time.DateTime), size)
		}
		return tw.Flush()
	})
}

func snapshotDeleteCmd() *cobra.Command {
	var o admOpts
	var jsonOut bool
	cmd := &cobra.Command{
		Use:     "delete NAME",
		Short:   "Delete the snapshot NAME",
		Long:    "Delete the snapshot NAME (the store's data is untouched).\n\n" + snapshotLong,
		Example: `  graphgate snapshot save scratch && graphgate snapshot delete scratch`,
		Args:    cobra.ExactArgs(1),
	}
	cmd.Flags().BoolVar(&jsonOut, "json", false, "print the result as JSON ({\"name\"})")
	return snapshotRun(cmd, &o, func(ctx context.Context, svc *snapshot.Service) error {
		name := cmd.Flags().Arg(0)
		if err := svc.Delete(ctx, name); err != nil {
			return err
		}
		if jsonOut {
			return writeJSON(cmd.OutOrStdout(), snapshotOut{Name: name})
		}
		fmt.Fprintf(cmd.OutOrStdout(), "deleted snapshot %s\n", name)
		return nil
	})
}
