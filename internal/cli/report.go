package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"graphgate/internal/report"
	"graphgate/internal/store"
)

func init() {
	extraCommands = append(extraCommands, reportCmd)
}

func reportCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "report",
		Short: "Reports on recorded Graph traffic: which permissions an app needs",
		Long: `Reports built from Graph calls an app made.

  graphgate report least-privilege --har app.har        the permissions a recording needed
  graphgate report least-privilege --calls calls.txt    the same from a list of calls
  graphgate report least-privilege --from-log           the same from the server's decision log`,
	}
	cmd.PersistentPreRun = oneShot
	cmd.AddCommand(reportLeastCmd())
	return cmd
}

const reportLeastLong = `Which permissions does the app need? From the calls it made: per app and
per scheme (delegated and application apart), the permissions its tokens
held, what each call accepts, the minimal set that would have allowed every
call, what the grant holds beyond it, the refused calls with what would have
allowed them, and the calls graphgate cannot place, listed apart (never
fatal).

Inputs (one of):
  --har FILE      a HAR file: browser DevTools (Network, "Save all as HAR"),
                  Dev Proxy or Fiddler. Each entry's bearer token is decoded
                  WITHOUT verification — offline inspection, never trust —
                  for the app (appid, azp), the scheme (idtyp, scp, roles),
                  the granted permissions and the signed-in user. A $batch
                  request is unpacked into its requests, with their statuses
                  from the batch response.
  --calls FILE    a list of calls, - for standard input:
                    METHOD URL [STATUS]     STATUS is what Graph answered
                    URL [STATUS]            a bare URL is a GET
                  URL: https://graph.microsoft.com/v1.0/…, /beta/…, a
                  graphgate URL (https://localhost:8443/v1.0/…) or a path
                  (/v1.0/me; /me means /v1.0/me). Blank lines and # comments
                  are skipped; a comment made only of key=value words is a
                  directive for the lines after it:
                    # app=CLIENT-ID scheme=delegated|personal|application
                    # granted=Mail.ReadWrite,User.Read   (- for none)
                    # user=OBJECT-ID,UPN                 (/users/{them} is own data)
                  An empty value (app=) unsets a key.
  --from-log      the decision log of graphgate's server (the --data folder
                  or --store it uses; --since limits it in time): every call
                  it decided, with the permissions the token held and those
                  the tenant consented to for the app (delegated grants, app
                  role assignments), so a permission consented but never
                  needed is reported as excess.

How the minimal set is chosen: each call's alternatives come from the route
table and the engine (as 'graphgate explain' decides), with every permission
that includes one of them (Mail.ReadWrite for Mail.Read; never Mail.Send). A
ReadBasic permission allows a GET in full only when every $select'ed
property is one it returns: without $select a call asks for the default
properties (a message's body), so Mail.Read, not Mail.ReadBasic. The set is
the cheapest cover of all the calls: reading permissions before writing
ones, then Microsoft's privilege level, one permission fewer at the highest
level where sets differ, then the permissions of the call's own resource
(User.Read.All, not an Intune permission, for GET /users), then the fewest
other endpoints allowed. It is exact (searched, not guessed); each
permission says why, and what it stands in for.

--app and --scheme keep one app or one scheme; calls whose input does not
say their scheme (no token, no directive) count as --scheme (default
delegated). --graph-host names another host that serves Graph.

Output: a table, --markdown, or --json (what 'graphgate plan --from-report'
reads).

Exit status: 0 the report is made and nothing is amiss; 1 a known grant is
not the minimal set (permissions to add, narrow or remove) or calls were
refused; 2 usage error (also: the file is not a HAR file); 4 the input
cannot be read.`

func reportLeastCmd() *cobra.Command {
	var harFile, callsFile, app, scheme, since, dataDir, storeURL string
	var hosts []string
	var jsonOut, markdown, fromLog bool
	cmd := &cobra.Command{
		Use:   "least-privilege (--har FILE | --calls FILE|- | --from-log) [flags]",
		Short: "The minimal permissions an app's calls needed, from a HAR file, a call list or the decision log",
		Long:  reportLeastLong,
		Example: `  printf 'GET https://graph.microsoft.com/v1.0/me/messages\nPOST /v1.0/me/sendMail\n' | graphgate report least-privilege --calls -
  printf '# granted=Mail.ReadWrite\nGET /v1.0/me/messages?$select=subject,from\n' | graphgate report least-privilege --calls - --markdown
  graphgate report least-privilege --har app.har
  graphgate report least-privilege --har app.har --scheme application --json
  graphgate report least-privilege --from-log --app "Contoso Web App" --since 1h`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			inputs := 0
			for _, set := range []bool{harFile != "", callsFile != "", fromLog} {
				if set {
					inputs++
				}
			}
			if inputs != 1 {
				return usageErr("give the calls with --har FILE, --calls FILE (- for standard input) or --from-log, one of them")
			}
			if since != "" && !fromLog {
				return usageErr("--since goes with --from-log")
			}
			if jsonOut && markdown {
				return usageErr("--json and --markdown exclude each other")
			}
			o := report.Options{App: app, GraphHosts: hosts}
			if scheme != "" {
				s, err := report.ParseScheme(scheme)
				if err != nil {
					return usageErr("--scheme: %v", err)
				}
				o.DefaultScheme, o.OnlyScheme = s, s
			}
			var rep *report.Report
			var err error
			if fromLog {
				rep, err = logReport(cmd, admOpts{data: dataDir, store: storeURL}, o, since)
			} else {
				rep, err = callSource{har: harFile, calls: callsFile}.report(cmd, o)
			}
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			switch {
			case jsonOut:
				if err := writeJSON(out, rep); err != nil {
					return err
				}
			case markdown:
				printReportMarkdown(out, rep)
			default:
				printReportTable(out, rep)
			}
			if amiss(rep) {
				return errNegative
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&harFile, "har", "", "a HAR 1.2 file (DevTools, Dev Proxy, Fiddler)")
	f.StringVar(&callsFile, "calls", "", "a list of METHOD URL lines; - for standard input")
	f.BoolVar(&fromLog, "from-log", false, "the calls recorded in the decision log of --data or --store")
	f.StringVar(&since, "since", "", "with --from-log: only calls since a duration back from now (10m, 2h, 7d) or an RFC 3339 time")
	dataFlag(cmd, &dataDir)
	storeFlag(cmd, &storeURL)
	f.StringVar(&app, "app", "", "only this app (client id; with --from-log also its display name)")
	f.StringVar(&scheme, "scheme", "", "only this scheme: delegated, personal or application (also the scheme of calls that do not say)")
	f.StringSliceVar(&hosts, "graph-host", nil, "another host that serves Graph (repeat)")
	f.BoolVar(&jsonOut, "json", false, "print the report as JSON")
	f.BoolVar(&markdown, "markdown", false, "print the report as Markdown")
	return cmd
}

// logReport builds the report from the decision log of the store o opens.
// --app selects by client id or display name in the store's query.
func logReport(cmd *cobra.Command, o admOpts, opts report.Options, since string) (*report.Report, error) {
	from, err := report.ParseSince(since, time.Now())
	if err != nil {
		return nil, usageErr("--since: %v", err)
	}
	q := store.DecisionQuery{App: opts.App, Since: from}
	opts.App = ""
	var rep *report.Report
	err = admRun(&o, false, func(ctx context.Context, cmd *cobra.Command, st store.Store, _ []string) error {
		b := report.New(nil).NewBuilder(opts)
		if err := report.ReadDecisionLog(ctx, st, q, b); err != nil {
			return admFail(err)
		}
		rep, err = b.Report(ctx)
		return err
	})(cmd, nil)
	return rep, err
}

// callSource is where a report's calls come from: a HAR file or a call
// list (the decision log is logReport's).
type callSource struct {
	har, calls string
}

func (s callSource) report(cmd *cobra.Command, o report.Options) (*report.Report, error) {
	name := s.har
	if name == "" {
		name = s.calls
	}
	var r io.Reader = cmd.InOrStdin()
	if name != "-" {
		f, err := os.Open(name)
		if err != nil {
			return nil, &exitError{ExitFailure, fmt.Errorf("cannot read the calls: %w", err)}
		}
		defer f.Close()
		r = f
	} else if s.har != "" {
		name = "standard input"
	}
	b := report.New(nil).NewBuilder(o)
	ctx := cmd.Context()
	var err error
	if s.har != "" {
		err = report.ReadHAR(ctx, r, b)
	} else {
		err = report.ReadCallList(ctx, r, b)
	}
	switch {
	case errors.Is(err, report.ErrNotHAR):
		return nil, usageErr("%s: %v (a list of METHOD URL lines goes in --calls)", name, err)
	case err != nil:
		return nil, &exitError{ExitFailure, fmt.Errorf("reading %s: %w", name, err)}
	}
	rep, err := b.Report(ctx)
	if err != nil {
		return nil, &exitError{ExitFailure, err}
	}
	return rep, nil
}

// amiss reports whether a report gives a negative answer: a known grant
// that is not the minimal set, or refused calls.
func amiss(r *report.Report) bool {
	for _, g := range r.Groups {
		if len(g.Add)+len(g.Narrow)+len(g.Excess)+len(g.Denied) > 0 {
			return true
		}
	}
	return false
}

func groupTitle(g *report.Group) string {
	app := g.App
	if app == "" {
		app = "(app not known)"
	}
	kind := map[string]string{"DelegatedWork": "delegated (work or school account)", "DelegatedPersonal": "delegated (personal Microsoft account)",
		"Application": "application (app-only)"}[g.Scheme]
	s := fmt.Sprintf("App %s — %s, %s", app, kind, calls(g.Calls))
	if g.FirstSeen != nil {
		s += fmt.Sprintf(", %s to %s", g.FirstSeen.Format("2006-01-02 15:04:05"), g.LastSeen.Format("2006-01-02 15:04:05 MST"))
	}
	return s
}

func printReportTable(out io.Writer, r *report.Report) {
	fmt.Fprintf(out, "Least-privilege report: %d calls, %d placed, %d unplaced", r.Calls, r.Placed, r.Unplaced)
	if r.Filtered > 0 {
		fmt.Fprintf(out, ", %d of other apps or schemes left out", r.Filtered)
	}
	fmt.Fprintln(out, ".")
	for _, n := range r.Notes {
		fmt.Fprintln(out, "Note:", n)
	}
	for i := range r.Groups {
		g := &r.Groups[i]
		fmt.Fprintf(out, "\n%s\n", groupTitle(g))
		if g.GrantKnown {
			fmt.Fprintf(out, "  Granted:  %s", or(strings.Join(g.Granted, " "), "nothing"))
			if len(g.SignIn) > 0 {
				fmt.Fprintf(out, "  (sign-in: %s)", strings.Join(g.SignIn, " "))
			}
			fmt.Fprintln(out)
			if len(g.Unknown) > 0 {
				fmt.Fprintf(out, "  Not permissions in the token: %s\n", strings.Join(g.Unknown, " "))
			}
		} else {
			fmt.Fprintln(out, "  Granted:  not known (no token in the input; a call list's # granted= directive says it)")
		}
		names := make([]string, len(g.Minimal.Permissions))
		for k, p := range g.Minimal.Permissions {
			names[k] = p.Permission
		}
		exact := "exact"
		if !g.Minimal.Exact {
			exact = "not proven minimal"
		}
		fmt.Fprintf(out, "  Minimal:  %s  (%s)\n", or(strings.Join(names, " "), "nothing"), exact)
		if g.Minimal.Note != "" {
			fmt.Fprintf(out, "  %s\n", g.Minimal.Note)
		}
		if len(g.Add) > 0 {
			fmt.Fprintf(out, "  Add:      %s\n", strings.Join(g.Add, " "))
		}
		for _, n := range g.Narrow {
			fmt.Fprintf(out, "  Narrow:   %s to %s (%s)\n", n.From, strings.Join(n.To, " and "), n.Why)
		}
		for _, e := range g.Excess {
			fmt.Fprintf(out, "  Remove:   %s (%s)\n", e.Permission, e.Why)
		}
		if len(g.Minimal.Permissions) > 0 {
			tw := table(out)
			fmt.Fprintln(tw, "\n  PERMISSION\tLEVEL\tADMIN\tCALLS\tGRANTED\tWHY")
			for _, p := range g.Minimal.Permissions {
				fmt.Fprintf(tw, "  %s\t%d\t%s\t%d\t%s\t%s\n", p.Permission, p.PrivilegeLevel, yesNo(p.AdminConsent), p.Calls, or(p.Granted, "-"), p.Why)
			}
			_ = tw.Flush()
		}
		if len(g.Endpoints) > 0 {
			tw := table(out)
			fmt.Fprintln(tw, "\n  METHOD\tENDPOINT\tCALLS\tREFUSED\tLEAST PRIVILEGED\tMINIMAL SET\tGRANT")
			for _, e := range g.Endpoints {
				fmt.Fprintf(tw, "  %s\t%s\t%d\t%d\t%s\t%s\t%s\n", e.Method, endpointName(&e), e.Calls, e.Denied, e.Least, e.CoveredBy, or(e.Grant, "-"))
			}
			_ = tw.Flush()
			for _, e := range g.Endpoints {
				for _, n := range e.Notes {
					fmt.Fprintf(out, "  %s %s: %s.\n", e.Method, endpointName(&e), n)
				}
			}
		}
		for _, d := range g.Denied {
			fmt.Fprintf(out, "  Refused: %s\n", deniedLine(&d))
		}
		for _, im := range g.Impossible {
			fmt.Fprintf(out, "  No permission allows %s %s (%s): %s\n", im.Method, im.Template, calls(im.Calls), im.Explanation)
		}
	}
	if len(r.UnplacedCalls) > 0 {
		fmt.Fprintln(out, "\nNot placed (left out of the report):")
		tw := table(out)
		fmt.Fprintln(tw, "  REASON\tCALLS\tMETHOD\tURL\tWHY")
		for _, u := range r.UnplacedCalls {
			fmt.Fprintf(tw, "  %s\t%d\t%s\t%s\t%s\n", u.Reason, u.Calls, or(u.Method, "-"), or(u.URL, "-"), u.Detail)
		}
		_ = tw.Flush()
		if r.UnplacedOmitted > 0 {
			fmt.Fprintf(out, "  … and %d more distinct calls not listed.\n", r.UnplacedOmitted)
		}
	}
}

func endpointName(e *report.Endpoint) string {
	s := report.DisplayPath(e.Template, e.MeFallback)
	if e.OwnData {
		s += " (own data)"
	}
	if e.Source != "" {
		s += " [" + e.Source + "]"
	}
	return s
}

func deniedLine(d *report.Denied) string {
	what := fmt.Sprintf("%d refused", d.Calls)
	if d.Predicted {
		what = calls(d.Calls) + " the grant does not allow"
	}
	s := fmt.Sprintf("%s %s (%s", d.Method, d.Template, what)
	if len(d.RequestIDs) > 0 {
		s += ", request-id " + strings.Join(d.RequestIDs, ", ")
	}
	s += "): allowed by " + strings.Join(d.WouldAllow, " or ")
	if d.InMinimal != "" {
		s += "; the minimal set has " + d.InMinimal
	}
	return s
}

// mdCell makes text safe in a Markdown table cell.
func mdCell(s string) string {
	return strings.NewReplacer("|", `\|`, "\n", " ").Replace(s)
}

func printReportMarkdown(out io.Writer, r *report.Report) {
	fmt.Fprintf(out, "# Least-privilege report\n\n%d calls, %d placed, %d unplaced", r.Calls, r.Placed, r.Unplaced)
	if r.Filtered > 0 {
		fmt.Fprintf(out, ", %d of other apps or schemes left out", r.Filtered)
	}
	fmt.Fprintln(out, ".")
	for _, n := range r.Notes {
		fmt.Fprintf(out, "\n> %s\n", n)
	}
	for i := range r.Groups {
		g := &r.Groups[i]
		fmt.Fprintf(out, "\n## %s\n\n", groupTitle(g))
		if g.GrantKnown {
			fmt.Fprintf(out, "- **Granted:** %s\n", or(codeList(g.Granted), "nothing"))
		} else {
			fmt.Fprintln(out, "- **Granted:** not known")
		}
		names := make([]string, len(g.Minimal.Permissions))
		for k, p := range g.Minimal.Permissions {
			names[k] = p.Permission
		}
		fmt.Fprintf(out, "- **Minimal:** %s", or(codeList(names), "nothing"))
		if !g.Minimal.Exact {
			fmt.Fprint(out, " (not proven minimal)")
		}
		fmt.Fprintln(out)
		if len(g.Add) > 0 {
			fmt.Fprintf(out, "- **Add:** %s\n", codeList(g.Add))
		}
		for _, n := range g.Narrow {
			fmt.Fprintf(out, "- **Narrow** `%s` to %s: %s\n", n.From, codeList(n.To), n.Why)
		}
		for _, e := range g.Excess {
			fmt.Fprintf(out, "- **Remove** `%s`: %s\n", e.Permission, e.Why)
		}
		if len(g.Minimal.Permissions) > 0 {
			fmt.Fprintln(out, "\n| Permission | Level | Admin consent | Calls | Granted | Why |\n|---|---|---|---|---|---|")
			for _, p := range g.Minimal.Permissions {
				fmt.Fprintf(out, "| `%s` | %d | %s | %d | %s | %s |\n", p.Permission, p.PrivilegeLevel, yesNo(p.AdminConsent), p.Calls, or(p.Granted, "-"), mdCell(p.Why))
			}
		}
		if len(g.Endpoints) > 0 {
			fmt.Fprintln(out, "\n| Call | Calls | Refused | Least privileged | Minimal set | Grant | Notes |\n|---|---|---|---|---|---|---|")
			for _, e := range g.Endpoints {
				fmt.Fprintf(out, "| `%s %s` | %d | %d | %s | %s | %s | %s |\n", e.Method, endpointName(&e), e.Calls, e.Denied, mdCell(e.Least), mdCell(e.CoveredBy),
					or(e.Grant, "-"), mdCell(strings.Join(e.Notes, "; ")))
			}
		}
		if len(g.Denied) > 0 {
			fmt.Fprintln(out, "\n**Refused calls**")
			fmt.Fprintln(out)
			for _, d := range g.Denied {
				fmt.Fprintf(out, "- %s\n", deniedLine(&d))
			}
		}
		for _, im := range g.Impossible {
			fmt.Fprintf(out, "\n- No permission allows `%s %s` (%s): %s\n", im.Method, im.Template, calls(im.Calls), im.Explanation)
		}
	}
	if len(r.UnplacedCalls) > 0 {
		fmt.Fprintln(out, "\n## Not placed\n\n| Reason | Calls | Call | Why |\n|---|---|---|---|")
		for _, u := range r.UnplacedCalls {
			fmt.Fprintf(out, "| %s | %d | `%s %s` | %s |\n", u.Reason, u.Calls, or(u.Method, "-"), mdCell(or(u.URL, "-")), mdCell(u.Detail))
		}
		if r.UnplacedOmitted > 0 {
			fmt.Fprintf(out, "\n… and %d more distinct calls not listed.\n", r.UnplacedOmitted)
		}
	}
}

func codeList(names []string) string {
	if len(names) == 0 {
		return ""
	}
	return "`" + strings.Join(names, "`, `") + "`"
}

// calls says "1 call" or "n calls".
func calls(n int) string {
	if n == 1 {
		return "1 call"
	}
	return fmt.Sprintf("%d calls", n)
}
