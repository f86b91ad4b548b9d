package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"
)

// Exit codes.
const (
	ExitOK       = 0
	ExitNegative = 1
	ExitUsage    = 2
	ExitNotFound = 3
	ExitFailure  = 4
)

// exitError carries an exit code through cobra.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }
func (e *exitError) Unwrap() error { return e.err }

func usageErr(format string, a ...any) error {
	return &exitError{ExitUsage, fmt.Errorf(format, a...)}
}
func notFound(err error) error { return &exitError{ExitNotFound, err} }

// negative marks a successful command whose answer is "no"; the output is
// already printed.
var errNegative = &exitError{ExitNegative, errors.New("negative answer")}

const rootLong = `graphgate is a Microsoft 365 tenant on your own machine, with the Microsoft
Graph permission model done right: which permission each call needs, and why
a call is allowed or denied.

Start here:
  graphgate permissions for GET /me/messages        which permissions allow a call
  graphgate explain --scopes "User.Read" GET /users  would this token be allowed, and why
  graphgate permissions show Mail.Read               one permission, all schemes
  graphgate plan --feature calendar --feature todo   scopes the Home Assistant O365
                                                     integration should request

Run and manage the tenant:
  graphgate serve                                    HTTPS on localhost:8443 with the demo tenant
  graphgate trust                                    make Go, curl, Node.js, Python trust its CA
  graphgate demo                                     the demo tenant's users, passwords, apps, secrets
  graphgate generate --scale 0.01                    fill the demo tenant with generated data (scale tests)
  graphgate user|group|app|consent|tenant …          manage directory, apps and consent (--help each)
  graphgate bridge --config bridge.yaml              Home Assistant O365 integration over MQTT
  graphgate export --out F | import --in F           a whole tenant to or from a file (any store)
  graphgate snapshot save|restore NAME               the whole store under a name, restored online
  graphgate reset --yes                              back to the demo tenant alone

Schemes: DelegatedWork (work), DelegatedPersonal (personal), Application (app).

Every command has --help, and --json for scripts: results as JSON on
standard output (serve and bridge: a JSON log; serve also prints where it
listens). 'graphgate version' (or --version) says which build this is.

Exit codes:
  0  success; explain: allowed
  1  explain: denied; plan: refused or minimum permissions not granted
  2  usage error (unknown flag, malformed method, path or scheme)
  3  not found (unknown permission, no rule for the path)
  4  runtime failure`

// Main runs graphgate with args and returns the process exit code.
func Main(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	return MainContext(context.Background(), args, stdin, stdout, stderr)
}

// MainContext is Main with a context: a long-running command (serve,
// bridge) stops when it ends, as on SIGINT or SIGTERM.
func MainContext(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	root := newRoot(stdin, stdout, stderr)
	root.SetArgs(args)
	err := root.ExecuteContext(ctx)
	if err == nil {
		return ExitOK
	}
	var ee *exitError
	if errors.As(err, &ee) {
		if ee != errNegative {
			fmt.Fprintln(stderr, "graphgate:", ee.err)
		}
		return ee.code
	}
	// cobra's own errors: unknown command or flag, wrong argument count.
	fmt.Fprintln(stderr, "graphgate:", err)
	fmt.Fprintln(stderr, "Run 'graphgate --help' for usage.")
	return ExitUsage
}

func newRoot(stdin io.Reader, stdout, stderr io.Writer) *cobra.Command {
	root := &cobra.Command{
		Use:           "graphgate",
		Short:         "A Microsoft 365 tenant on your machine, with the Graph permission model done right",
		Long:          rootLong,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetIn(stdin)
	root.SetOut(stdout)
	root.SetErr(stderr)
	root.CompletionOptions.HiddenDefaultCmd = true
	root.Version = currentVersion().String()
	root.SetVersionTemplate("{{.Version}}\n")
	root.AddCommand(permissionsCmd(), explainCmd(), planCmd())
	for _, add := range extraCommands {
		root.AddCommand(add())
	}
	return root
}

// startingHeapPercent is the GC percent of the one-shot commands (see
// oneShot).
const startingHeapPercent = 400

// oneShot is the PersistentPreRun of the permissions commands, which build
// the catalog and the route table, answer and exit. Like the Go compiler
// (cmd/compile's AdjustStartingHeap), it lets the heap grow before the first
// collection: what a command builds (about 4 MB) stays live until it exits,
// so a collection while building it scans it, and the generated data it
// points into, only to free nothing (bench/README.md has the figures; explain,
// whose engine allocates more, gained nothing from it). Memory stays
// bounded: collections still run, at five times the live heap. A GOGC set in
// the environment wins.
func oneShot(*cobra.Command, []string) {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(startingHeapPercent)
	}
}

// extraCommands lets other files of the package register commands (serve,
// demo, admin) without this file knowing them.
var extraCommands []func() *cobra.Command

// writeJSON prints v as indented JSON.
func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}

// table returns a tabwriter for aligned columns.
func table(w io.Writer) *tabwriter.Writer { return tabwriter.NewWriter(w, 2, 4, 2, ' ', 0) }

// writeList is a list command's output: the rows as JSON with --json;
// otherwise the title line (if any), then a table of header and one line
// per row — or, with no rows, the empty message (if any).
func writeList[T any](out io.Writer, asJSON bool, rows []T, title, empty, header string, line func(i int, r T) string) error {
	if asJSON {
		return writeJSON(out, rows)
	}
	if title != "" {
		fmt.Fprintln(out, title)
	}
	if len(rows) == 0 {
		if empty != "" {
			fmt.Fprintln(out, empty)
		}
		return nil
	}
	tw := table(out)
	fmt.Fprintln(tw, header)
	for i, r := range rows {
		fmt.Fprintln(tw, line(i, r))
	}
	return tw.Flush()
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

// splitList accepts "a b", "a,b" and repeated flags.
func splitList(values []string) []string {
	var out []string
	for _, v := range values {
		for _, f := range strings.FieldsFunc(v, func(r rune) bool { return r == ',' || r == ' ' }) {
			out = append(out, f)
		}
	}
	return out
}
