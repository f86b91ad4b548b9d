package cli

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"graphgate/internal/planner"
	"graphgate/internal/report"
)

func planCmd() *cobra.Command {
	var features, otherStatus []string
	var update, personal, jsonOut bool
	var shared, granted, requested, account, upn, fromReport, reportApp string
	cmd := &cobra.Command{
		Use:   "plan --feature F [--feature F …] [flags]",
		Short: "Plan the scopes of the Home Assistant O365 integration, and check granted ones",
		Long: `The Home Assistant O365 integration's permissions page as a planner.

From the features you configure it derives the scopes to request (and which
of them need an administrator), refusing combinations that cannot work: work-
only features on a personal account, or status, chat, To Do, group calendars
and auto reply with a shared mailbox. With --granted it checks a token's
scopes: each feature is on, read-only (write services not registered) or off,
with the integration's own log lines ("Minimum required permissions not
granted: ['Tasks.Read', ['Tasks.ReadWrite']]") and what to do about it.

Features: calendar, basic_calendar, groups, email, query, status,
other_status (with --other-status ADDRESS), chat, todo, auto_reply. Without
--feature the integration's default applies: the calendar alone.

graphgate fixes the integration's known defects and says so in notes: Mail.Send
is requested for mail sending, not only with calendars; a .Shared scope
satisfies the calendar check; Calendars.ReadBasic.Shared, which does not
exist, is never requested.

With --from-report FILE (the JSON of 'graphgate report least-privilege')
it works the other way round: from the integration's calls in a recording
it finds the features and options they show (enable_update where a write
service was called, the shared mailbox the calls went to), plans them, says
whether the plan's scopes allow every call, and explains each difference
between the plan and the minimal set of the calls — which side is right,
and why (the integration checks some scopes itself, so it needs them even
where Graph would not). Calls the integration does not make are named.
--app picks one app of the report.

Exit status: 0 plan made (and, with --granted, the minimum is met; with
--from-report, the plan allows every call); 1 a feature is refused, the
minimum permissions are not granted, or the plan does not allow the calls;
2 usage error.`,
		Example: `  graphgate plan --feature calendar --feature email --update
  graphgate plan --feature todo --granted "User.Read Tasks.Read"
  graphgate plan --feature calendar --shared-mailbox support@contoso.com
  graphgate plan --feature chat --personal
  printf 'GET /v1.0/me\nGET /v1.0/me/todo/lists\nPOST /v1.0/me/todo/lists/l1/tasks\n' | graphgate report least-privilege --calls - --json > ha.json
  graphgate plan --from-report ha.json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if fromReport != "" {
				if cmd.Flags().NFlag() > 1+btoi(jsonOut)+btoi(reportApp != "") {
					return usageErr("--from-report finds the features in the report: give only --app and --json with it")
				}
				return planFromReport(cmd, fromReport, reportApp, jsonOut)
			}
			if reportApp != "" {
				return usageErr("--app picks an app of --from-report's report")
			}
			cfg := planner.Config{AccountName: account, UserPrincipalName: upn, SharedMailbox: shared, EnableUpdate: update}
			if personal {
				cfg.AccountType = planner.Personal
			}
			fs := splitList(features)
			if len(fs) > 0 {
				cfg.EnableCalendar = planner.Bool(false)
			}
			for _, f := range fs {
				if strings.EqualFold(f, "basic_calendar") || strings.EqualFold(f, "basic-calendar") {
					cfg.EnableCalendar, cfg.BasicCalendar = planner.Bool(true), true
					continue
				}
				feat, err := planner.ParseFeature(f)
				if err != nil {
					return usageErr("%v", err)
				}
				switch feat {
				case planner.FeatureCalendar:
					cfg.EnableCalendar = planner.Bool(true)
				case planner.FeatureGroups:
					cfg.Groups = true
				case planner.FeatureEmail:
					cfg.EmailSensors = true
				case planner.FeatureQuery:
					cfg.QuerySensors = true
				case planner.FeatureStatusSensor:
					cfg.StatusSensors = true
				case planner.FeatureOtherStatus:
					if len(otherStatus) == 0 {
						return usageErr("--feature other_status needs --other-status ADDRESS")
					}
				case planner.FeatureChat:
					cfg.ChatSensors = true
				case planner.FeatureTodo:
					cfg.Todo = true
				case planner.FeatureAutoReply:
					cfg.AutoReply = true
				default:
					return usageErr("%s is not a feature you configure (it follows from the others)", feat)
				}
			}
			cfg.OtherStatusEmails = splitList(otherStatus)
			out := cmd.OutOrStdout()
			if granted == "" {
				if requested != "" {
					return usageErr("--requested only makes sense with --granted")
				}
				p, err := planner.MakePlan(cfg)
				if err != nil {
					return usageErr("%v", err)
				}
				if jsonOut {
					if err := writeJSON(out, p); err != nil {
						return err
					}
				} else {
					printPlan(out, p)
				}
				if len(p.Refusals) > 0 {
					return errNegative
				}
				return nil
			}
			rep, err := planner.Check(cfg, planner.Token{Granted: granted, Requested: requested})
			if err != nil {
				return usageErr("%v", err)
			}
			if jsonOut {
				if err := writeJSON(out, rep); err != nil {
					return err
				}
			} else {
				printPlan(out, rep.Plan)
				printReport(out, rep)
			}
			if len(rep.Plan.Refusals) > 0 || !rep.MinimumMet {
				return errNegative
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringSliceVar(&features, "feature", nil, "a configured feature (repeat, or comma-separate)")
	f.BoolVar(&update, "update", false, "enable_update: also request the write scopes")
	f.StringVar(&shared, "shared-mailbox", "", "the shared mailbox the integration reads (its calls go to /users/ADDRESS/…)")
	f.BoolVar(&personal, "personal", false, "the account is a personal Microsoft account")
	f.StringSliceVar(&otherStatus, "other-status", nil, "an address a status sensor watches (another user's presence)")
	f.StringVar(&granted, "granted", "", "check these granted scopes (a token's scp), space-separated")
	f.StringVar(&requested, "requested", "", "with --granted: the scopes the sign-in asked for, to tell 'declined' from 'never requested'")
	f.StringVar(&account, "account", "", "the integration's account_name (for its log lines and token file name)")
	f.StringVar(&upn, "upn", "", "the signed-in user's address (catches it entered as the shared mailbox)")
	f.StringVar(&fromReport, "from-report", "", "compare the plan with a least-privilege report (its JSON; - for standard input)")
	f.StringVar(&reportApp, "app", "", "with --from-report: the app (client id) to compare")
	f.BoolVar(&jsonOut, "json", false, "print JSON")
	return cmd
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

// planFromReport compares the delegated groups of a report with the
// planner.
func planFromReport(cmd *cobra.Command, file, app string, jsonOut bool) error {
	var r io.Reader = cmd.InOrStdin()
	if file != "-" {
		f, err := os.Open(file)
		if err != nil {
			return &exitError{ExitFailure, fmt.Errorf("cannot read the report: %w", err)}
		}
		defer f.Close()
		r = f
	}
	var rep report.Report
	dec := json.NewDecoder(r)
	if err := dec.Decode(&rep); err != nil {
		return usageErr("%s is not a report's JSON (graphgate report least-privilege --json writes one): %v", file, err)
	}
	a := report.New(nil)
	pl := planner.New(nil)
	var out []*report.PlanComparison
	var apps []string
	for i := range rep.Groups {
		g := &rep.Groups[i]
		if g.Scheme == "Application" {
			continue
		}
		apps = append(apps, or(g.App, "(app not known)"))
		if app != "" && !strings.EqualFold(g.App, app) {
			continue
		}
		c, err := a.ComparePlan(g, pl)
		if err != nil {
			return usageErr("%v", err)
		}
		out = append(out, c)
	}
	if len(out) == 0 {
		if app != "" {
			return notFound(fmt.Errorf("the report has no delegated calls of app %q (it has: %s)", app, or(strings.Join(apps, ", "), "none")))
		}
		return usageErr("the report has no delegated calls: the integration signs a user in, so its calls are delegated")
	}
	w := cmd.OutOrStdout()
	if jsonOut {
		if err := writeJSON(w, out); err != nil {
			return err
		}
	} else {
		for i, c := range out {
			if i > 0 {
				fmt.Fprintln(w)
			}
			printComparison(w, c)
		}
	}
	for _, c := range out {
		if !c.Covered {
			return errNegative
		}
	}
	return nil
}

func printComparison(w io.Writer, c *report.PlanComparison) {
	fmt.Fprintf(w, "App %s (%s)\n", or(c.App, "(not known)"), c.Scheme)
	tw := table(w)
	fmt.Fprintln(tw, "FEATURE\tWRITES\tCALLS")
	for _, f := range c.Features {
		fmt.Fprintf(tw, "%s\t%s\t%s\n", f.Feature, yesNo(f.Writes), strings.Join(f.Endpoints, ", "))
	}
	_ = tw.Flush()
	fmt.Fprintf(w, "\nPlan:    %s\nMinimal: %s\n", strings.Join(c.Plan.MSALScopes, " "), strings.Join(c.Minimal, " "))
	var uncovered []string
	for _, cc := range c.Calls {
		switch {
		case cc.AllowedBy == "":
			uncovered = append(uncovered, cc.Endpoint)
		case cc.Trimmed:
			fmt.Fprintf(w, "The plan allows %s only with a trimmed answer (%s).\n", cc.Endpoint, cc.AllowedBy)
		}
	}
	if len(uncovered) > 0 {
		fmt.Fprintf(w, "The plan does NOT allow: %s\n", strings.Join(uncovered, ", "))
	}
	for _, d := range c.OnlyInPlan {
		fmt.Fprintf(w, "Only in the plan: %s. %s\n", d.Permission, d.Why)
	}
	for _, d := range c.OnlyInMinimal {
		fmt.Fprintf(w, "Only in the minimal set: %s. %s\n", d.Permission, d.Why)
	}
	if len(c.Foreign) > 0 {
		fmt.Fprintf(w, "Not the integration's calls: %s\n", strings.Join(c.Foreign, ", "))
	}
	for _, x := range c.Plan.Warnings {
		fmt.Fprintf(w, "Warning: %s\n", x.Message)
	}
	for _, n := range c.Plan.Notes {
		fmt.Fprintf(w, "Note (%s): %s\n", n.Fix, n.Message)
	}
	fmt.Fprintln(w, c.Explanation)
}

func printPlan(out io.Writer, p *planner.Plan) {
	fmt.Fprintf(out, "Account: %s", p.AccountType)
	if p.SharedMailbox != "" {
		fmt.Fprintf(out, ", shared mailbox %s", p.SharedMailbox)
	}
	fmt.Fprintf(out, "\nRequest: %s\n", strings.Join(p.Scopes, " "))
	fmt.Fprintf(out, "  (MSAL: pass %s; it adds %s itself)\n", strings.Join(p.MSALScopes, " "), strings.Join(p.MSALAdds, " "))
	if len(p.AdminConsent) > 0 {
		fmt.Fprintf(out, "  Only an administrator can consent to: %s\n", strings.Join(p.AdminConsent, ", "))
	}
	tw := table(out)
	fmt.Fprintln(tw, "\nFEATURE\tUPDATE\tSCOPES\tWHY")
	for _, f := range p.Features {
		if f.Refused {
			fmt.Fprintf(tw, "%s\t%s\t-\trefused\n", f.Feature, yesNo(f.Update))
			continue
		}
		for i, s := range f.Scopes {
			name, upd := "", ""
			if i == 0 {
				name, upd = f.Feature.String(), yesNo(f.Update)
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", name, upd, s.Scope, s.Why)
		}
	}
	_ = tw.Flush()
	for _, r := range p.Refusals {
		fmt.Fprintf(out, "REFUSED %s: %s\n", r.Feature, r.Reason)
	}
	for _, w := range p.Warnings {
		fmt.Fprintf(out, "Warning: %s\n", w.Message)
	}
	for _, n := range p.Notes {
		fmt.Fprintf(out, "Note (%s): %s\n", n.Fix, n.Message)
	}
}

func printReport(out io.Writer, r *planner.Report) {
	fmt.Fprintf(out, "\nGranted: %s\n", strings.Join(r.Granted, " "))
	tw := table(out)
	fmt.Fprintln(tw, "FEATURE\tSTATUS\tSERVICES\tMISSING")
	for _, f := range r.Features {
		var missing []string
		for _, m := range f.Missing {
			missing = append(missing, m.Scope+" ("+string(m.Cause)+")")
		}
		services := strings.Join(f.Services, ", ")
		if len(f.Unavailable) > 0 {
			services += "; not available: " + strings.Join(f.Unavailable, ", ")
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", f.Feature, f.Status, or(services, "-"), or(strings.Join(missing, ", "), "-"))
	}
	_ = tw.Flush()
	for _, m := range r.LegacyMessages {
		fmt.Fprintln(out, m)
	}
	if r.CurrentMessage != "" {
		fmt.Fprintln(out, r.CurrentMessage)
	}
	if r.Remedy != "" {
		fmt.Fprintf(out, "Fix: %s\n", r.Remedy)
	}
	for _, n := range r.Notes {
		fmt.Fprintf(out, "Note (%s): %s\n", n.Fix, n.Message)
	}
	fmt.Fprintln(out, r.Explanation)
}
