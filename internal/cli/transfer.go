package cli

// graphgate export and graphgate import: a whole tenant to and from one
// JSON Lines file (package transfer), between stores of any backend.

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"

	"graphgate/internal/store"
	"graphgate/internal/transfer"
)

func init() {
	extraCommands = append(extraCommands, exportCmd, importCmd)
}

const transferFileHelp = `
The file is JSON Lines: a header line (format, version, tenant, the number of
records of each kind), then one record per line, each with a "kind": the
tenant; its users (with password hashes and directory roles), groups,
administrative units and memberships; the apps whose home it is (secrets as
keyed hashes, certificates), service principals, delegated grants and app role
assignments; the store's settings (the identity platform's keys, which app
secret hashes and users' pairwise subject ids depend on; for the demo tenant
also its printed credentials); with --signing-keys the token-signing keys; and
every workload item (mail, calendars, To Do, chats, presence, …). Records are
sorted, and documents written canonically, so two exports of the same tenant
are byte-identical whichever backend they come from: files diff well and make
good test fixtures. Sign-in state (codes, refresh tokens) is not exported.

One file holds one tenant. The personal-accounts tenant ("consumers", where
the demo's sam.personal@outlook.com lives) is a tenant of its own: export and
import it separately (--tenant consumers).

The file holds password and secret hashes (and with --signing-keys private
keys): it is written with mode 0600; keep it as private as the database.`

// transferOut is what export and import print with --json.
type transferOut struct {
	TenantID string         `json:"tenantId"`
	Tenant   string         `json:"tenant,omitempty"`
	File     string         `json:"file"`
	Counts   map[string]int `json:"counts"`
	Settings []string       `json:"settingsWritten,omitempty"`
	Seconds  float64        `json:"seconds"`
}

func newTransferOut(sum transfer.Summary, label, file string) transferOut {
	return transferOut{TenantID: sum.TenantID, Tenant: label, File: file, Counts: sum.Counts, Settings: sum.Settings,
		Seconds: sum.Elapsed.Seconds()}
}

func exportCmd() *cobra.Command {
	var data, storeURL, tenant, out string
	var keys, jsonOut bool
	cmd := &cobra.Command{
		Use:   "export",
		Short: "Write a whole tenant to a JSON Lines file (backup, fixture, SQLite → PostgreSQL)",
		Long: `Write a whole tenant of the store (the SQLite database in --data, or --store)
to one file, read from one consistent snapshot: safe while servers run.
` + transferFileHelp + `

--tenant names the tenant by id, verified domain or "consumers"; without it
the only organisation tenant is exported. --out - writes to standard output. Progress
and the summary go to standard error; with --json the summary is one JSON
object on standard output instead ({"tenantId", "file", "counts", …}; not
with --out -, whose standard output is the export).

Exit codes: 0 exported; 2 usage error; 3 no such tenant; 4 the store or the
file could not be read or written.`,
		Example: `  graphgate export --out contoso.jsonl                          # the only tenant of ./graphgate-data
  graphgate export --tenant contoso.onmicrosoft.com --out - | gzip > backup.jsonl.gz
  graphgate export --data ./graphgate-data --signing-keys --out move.jsonl
  graphgate import --store postgres://graphgate@db:5432/graphgate --in move.jsonl   # SQLite → PostgreSQL`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if out == "" {
				return usageErr("--out names the file to write (- for standard output)")
			}
			if jsonOut && out == "-" {
				return usageErr("--json prints the summary on standard output, where --out - writes the export: write the export to a file")
			}
			o := &admOpts{data: data, store: storeURL}
			return admRun(o, false, func(ctx context.Context, cmd *cobra.Command, st store.Store, _ []string) error {
				t, err := admTenant(ctx, st, tenant)
				if err != nil {
					return err
				}
				progress := progressTo(cmd.ErrOrStderr())
				opts := transfer.ExportOptions{SigningKeys: keys, Progress: progress}
				var sum transfer.Summary
				if out == "-" {
					sum, err = transfer.Export(ctx, st, t.ID, cmd.OutOrStdout(), opts)
				} else {
					sum, err = exportToFile(ctx, st, t.ID, out, opts)
				}
				if err != nil {
					return err
				}
				if jsonOut {
					return writeJSON(cmd.OutOrStdout(), newTransferOut(sum, admTenantLabel(t), absPath(out)))
				}
				dest := out
				if out == "-" {
					dest = "standard output"
				}
				fmt.Fprintf(cmd.ErrOrStderr(), "graphgate: exported %s to %s in %v: %s\n", admTenantLabel(t), dest,
					sum.Elapsed.Round(time.Millisecond), sum)
				return nil
			})(cmd, args)
		},
	}
	f := cmd.Flags()
	dataFlag(cmd, &data)
	storeFlag(cmd, &storeURL)
	f.StringVar(&tenant, "tenant", "", "the tenant to export: id, verified domain or consumers (default: the only organisation tenant)")
	f.StringVar(&out, "out", "", "the file to write; - for standard output (required)")
	f.BoolVar(&keys, "signing-keys", false, "include the token-signing keys (private keys), so tokens issued before stay valid after an import")
	f.BoolVar(&jsonOut, "json", false, "print the summary as JSON on standard output (not with --out -)")
	return cmd
}

// exportToFile writes the export next to path and renames it into place,
// so that a failed export never leaves a partial file under the name.
func exportToFile(ctx context.Context, st store.Store, tenantID, path string, o transfer.ExportOptions) (transfer.Summary, error) {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return transfer.Summary{}, err
	}
	defer os.Remove(tmp.Name())
	sum, err := transfer.Export(ctx, st, tenantID, tmp, o)
	if err == nil {
		err = tmp.Chmod(0o600)
	}
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), path)
	}
	return sum, err
}

func importCmd() *cobra.Command {
	var data, storeURL, in, settings string
	var replace, skipKeys, jsonOut bool
	cmd := &cobra.Command{
		Use:   "import",
		Short: "Load a tenant from a file written by 'graphgate export'",
		Long: `Load a tenant from a file written by 'graphgate export' into the store (the
SQLite database in --data, created if needed, or --store).
` + transferFileHelp + `

The whole file is checked first (format version, record counts, that every
record belongs to the tenant), then written in one transaction: an import
that fails, or is interrupted, changes nothing.

A tenant the store has already is refused unless --replace is given, which
deletes everything that tenant holds (directory, apps, consent, mail, sign-in
state) in the same transaction. Keys another tenant of the store holds (a user
principal name, a domain, an app's client id) are refused.

Settings are store-wide. Missing ones are created. If the store has other
values (a server already ran on it), --settings says what to do:
  refuse     (default) stop and name them
  overwrite  take the file's: the imported secrets and subject ids work as
             before, but other tenants of the store are affected, and running
             servers must be restarted
  keep       keep the store's: the imported apps' client secrets will not
             verify (add new ones with 'graphgate app secret add')

Signing keys in the file are imported only into a store without keys of its
own (start no server on it before); --skip-signing-keys ignores them.

Progress and the summary go to standard error; with --json the summary is one
JSON object on standard output instead ({"tenantId", "counts",
"settingsWritten", …}).

Exit codes: 0 imported; 2 usage error, a bad file, or a conflict with what the
store holds (nothing was imported); 4 the store or the file could not be read.`,
		Example: `  graphgate import --in contoso.jsonl --data ./fresh-data
  graphgate import --store postgres://graphgate@db:5432/graphgate --in move.jsonl
  gunzip -c backup.jsonl.gz | graphgate import --in - --replace --settings overwrite`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if in == "" {
				return usageErr("--in names the file to read (- for standard input)")
			}
			policy := transfer.SettingsPolicy(settings)
			switch policy {
			case transfer.SettingsRefuse, transfer.SettingsOverwrite, transfer.SettingsKeep:
			default:
				return usageErr("--settings takes refuse, overwrite or keep, not %q", settings)
			}
			var r io.Reader = cmd.InOrStdin()
			if in != "-" {
				f, err := os.Open(in)
				if err != nil {
					return admFail(err)
				}
				defer f.Close()
				r = f
			}
			o := &admOpts{data: data, store: storeURL}
			return admRun(o, true, func(ctx context.Context, cmd *cobra.Command, st store.Store, _ []string) error {
				sum, err := transfer.Import(ctx, st, r, transfer.ImportOptions{Replace: replace, Settings: policy,
					SkipSigningKeys: skipKeys, Progress: progressTo(cmd.ErrOrStderr())})
				switch {
				case err == nil:
				case errors.Is(err, transfer.ErrBadFile):
					return &exitError{ExitUsage, fmt.Errorf("%s: %w", in, err)}
				case errors.Is(err, transfer.ErrTenantExists), errors.Is(err, transfer.ErrSettingsDiffer), errors.Is(err, store.ErrConflict):
					return &exitError{ExitUsage, err}
				default:
					return admFail(err)
				}
				if jsonOut {
					file := in
					if in != "-" {
						file = absPath(in)
					}
					return writeJSON(cmd.OutOrStdout(), newTransferOut(sum, "", file))
				}
				fmt.Fprintf(cmd.ErrOrStderr(), "graphgate: imported tenant %s in %v: %s\n", sum.TenantID,
					sum.Elapsed.Round(time.Millisecond), sum)
				if len(sum.Settings) > 0 {
					fmt.Fprintf(cmd.ErrOrStderr(), "graphgate: settings written: %v (restart servers running on this store)\n", sum.Settings)
				}
				return nil
			})(cmd, args)
		},
	}
	f := cmd.Flags()
	dataFlag(cmd, &data)
	storeFlag(cmd, &storeURL)
	f.StringVar(&in, "in", "", "the file to read; - for standard input (required)")
	f.BoolVar(&replace, "replace", false, "replace the tenant if the store has it (everything it holds is deleted first)")
	f.StringVar(&settings, "settings", string(transfer.SettingsRefuse), "settings the store has with other values: refuse, overwrite or keep")
	f.BoolVar(&skipKeys, "skip-signing-keys", false, "ignore the signing keys the file holds")
	f.BoolVar(&jsonOut, "json", false, "print the summary as JSON on standard output")
	return cmd
}

// progressTo prints transfer progress on w (standard error).
func progressTo(w io.Writer) func(string) {
	return func(msg string) { fmt.Fprintf(w, "graphgate: %s\n", msg) }
}
