package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"graphgate/internal/report"
	"graphgate/internal/store"
)

func init() {
	extraCommands = append(extraCommands, logCmd)
}

// logRow is one decision as 'graphgate log --json' prints it.
type logRow struct {
	Seq             int64     `json:"seq"`
	Time            time.Time `json:"time"`
	RequestID       string    `json:"requestId"`
	ClientRequestID string    `json:"clientRequestId"`
	TenantID        string    `json:"tenantId"`
	AppID           string    `json:"appId"`
	AppName         string    `json:"appName,omitempty"`
	UserID          string    `json:"userId,omitempty"`
	UserUPN         string    `json:"userPrincipalName,omitempty"`
	Scheme          string    `json:"scheme"`
	Method          string    `json:"method"`
	Route           string    `json:"route,omitempty"`
	Path            string    `json:"path"`
	Allowed         bool      `json:"allowed"`
	Status          int       `json:"status"`
	Reason          string    `json:"reason"`
	Check           string    `json:"check"`
	Held            []string  `json:"held"`
	Granted         string    `json:"grantedBy,omitempty"`
	// WouldAllow are the permissions that would allow the call, least
	// privileged first.
	WouldAllow []string `json:"wouldAllow"`
	// Count is how many requests the row stands for: more than 1 when the
	// writer aggregated allowed decisions that repeat (store.Decision.Repeats);
	// LastTime is the last one's time, Repeats those after the first.
	Count    int            `json:"count"`
	LastTime *time.Time     `json:"lastTime,omitempty"`
	Repeats  []store.Repeat `json:"repeats,omitempty"`
}

func toLogRow(d *store.Decision) logRow {
	r := logRow{Seq: d.Seq, Time: d.Time, RequestID: d.RequestID, ClientRequestID: d.ClientRequestID, TenantID: d.TenantID, AppID: d.AppID,
		AppName: d.AppName, UserID: d.UserID, UserUPN: d.UserUPN, Scheme: d.Scheme, Method: d.Method, Route: d.Route, Path: d.Path,
		Allowed: d.Allowed, Status: d.Status, Reason: d.Reason, Check: d.Check, Held: d.Held, Granted: d.Granted, WouldAllow: d.Candidates,
		Count: d.Count(), Repeats: d.Repeats}
	if len(d.Repeats) > 0 {
		last := d.Last()
		r.LastTime = &last
	}
	if r.Held == nil {
		r.Held = []string{}
	}
	if r.WouldAllow == nil {
		r.WouldAllow = []string{}
	}
	return r
}

const logLong = `Print the decision log: every authorization decision graphgate's Graph
server made (allowed and denied), newest last. 'graphgate serve' records them
in the store unless started with --decision-log=false, and keeps
--decision-log-max-age (7 days) and --decision-log-max-rows (100,000) of them.

Each row says when, the result and HTTP status, the call (method and path),
the app, the signed-in user (or app-only), and the permission that allowed
the call, or for a denied one the permissions that would have allowed it
(least privileged first) and why it was refused. 'graphgate explain
--request-id ID' prints one decision's full reasoning. Allowed requests
that repeat within a second or so (identical but for their time and ids)
are one row marked ×N, the first's time and request-id shown; --json lists
each one's (repeats), and explain finds each by its own ids.

Filters (combined with AND):
  --app ID|NAME     the app's client id or display name
  --user UPN|ID     the signed-in user's user principal name or object id
  --denied          only refused calls
  --since 10m       a duration back from now (10m, 2h, 7d) or an RFC 3339 time
  --route TEMPLATE  one route template, as the log shows it (/users/{id}/messages)

--limit N shows the newest N (default 50; 0 for all). --follow keeps printing
new decisions as they are recorded (polling every --interval) until Ctrl-C.
--json prints a JSON array, or with --follow one JSON object per line.

The log is read from the same --data folder or --store as the server's.`

func logCmd() *cobra.Command {
	var o admOpts
	var app, user, since, route string
	var denied, follow bool
	var limit int
	var interval time.Duration
	cmd := &cobra.Command{
		Use:   "log [flags]",
		Short: "Print the recorded authorization decisions (allowed and denied Graph calls)",
		Long:  logLong + "\n" + admExitCodes,
		Example: `  graphgate log
  graphgate log --denied --since 10m
  graphgate log --app "Contoso Web App" --user adele@contoso.onmicrosoft.com --limit 20
  graphgate log --route /users/{id}/messages --json
  graphgate log --denied --follow`,
		Args: cobra.NoArgs,
		RunE: admRun(&o, false, func(ctx context.Context, cmd *cobra.Command, st store.Store, _ []string) error {
			if limit < 0 {
				return usageErr("--limit takes a count (0 for all), not %d", limit)
			}
			if interval <= 0 {
				return usageErr("--interval takes a positive duration such as 1s")
			}
			from, err := report.ParseSince(since, time.Now())
			if err != nil {
				return usageErr("--since: %v", err)
			}
			q := store.DecisionQuery{App: app, User: user, DeniedOnly: denied, Since: from, Route: route, Limit: limit, Newest: limit > 0}
			rows, err := st.ListDecisions(ctx, q)
			if err != nil {
				return admFail(err)
			}
			out := cmd.OutOrStdout()
			p := logPrinter{out: out, json: o.json, stream: follow}
			if err := p.print(rows); err != nil {
				return err
			}
			if !follow {
				if len(rows) == 0 && !o.json {
					admNote(cmd, "no decision recorded matches; a server started with --decision-log=false records none")
				}
				return p.end()
			}
			if len(rows) > 0 {
				q.After = rows[len(rows)-1].Seq
			}
			q.Limit, q.Newest = 0, false
			ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
			defer stop()
			t := time.NewTicker(interval)
			defer t.Stop()
			return report.FollowLog(ctx, st, q, t.C, p.print)
		}),
	}
	admFlags(cmd, &o)
	f := cmd.Flags()
	f.StringVar(&app, "app", "", "only this app: client id or display name")
	f.StringVar(&user, "user", "", "only this signed-in user: user principal name or object id")
	f.BoolVar(&denied, "denied", false, "only refused calls")
	f.StringVar(&since, "since", "", "only decisions since: a duration back from now (10m, 2h, 7d) or an RFC 3339 time")
	f.StringVar(&route, "route", "", "only this route template, e.g. /users/{id}/messages")
	f.IntVar(&limit, "limit", 50, "the newest N decisions (0: all)")
	f.BoolVar(&follow, "follow", false, "keep printing new decisions until Ctrl-C")
	f.DurationVar(&interval, "interval", time.Second, "how often --follow looks for new decisions")
	return cmd
}

// logPrinter prints decisions as a table, a JSON array, or (stream) one
// JSON object per line.
type logPrinter struct {
	out          io.Writer
	json, stream bool
	header       bool
	all          []logRow
}

func (p *logPrinter) print(rows []store.Decision) error {
	switch {
	case p.json && p.stream:
		enc := json.NewEncoder(p.out)
		for i := range rows {
			if err := enc.Encode(toLogRow(&rows[i])); err != nil {
				return err
			}
		}
		return nil
	case p.json:
		for i := range rows {
			p.all = append(p.all, toLogRow(&rows[i]))
		}
		return nil
	}
	tw := table(p.out)
	if !p.header && (len(rows) > 0 || p.stream) {
		fmt.Fprintln(tw, "TIME (UTC)\tRESULT\tMETHOD\tPATH\tAPP\tUSER\tPERMISSION\tREQUEST-ID")
		p.header = true
	}
	for i := range rows {
		d := &rows[i]
		result := fmt.Sprintf("allowed %d", d.Status)
		if n := d.Count(); n > 1 {
			// An aggregated row: n identical allowed requests, the
			// first's time and request-id (--json lists them all).
			result += fmt.Sprintf(" ×%d", n)
		}
		perm := d.Granted
		if !d.Allowed {
			result = fmt.Sprintf("DENIED %d", d.Status)
			perm = d.Reason
			if len(d.Candidates) > 0 {
				perm += ": needs " + shortNames(d.Candidates, 3)
			}
		}
		who := d.UserUPN
		if who == "" {
			who = "(app-only)"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", d.Time.UTC().Format("2006-01-02 15:04:05"), result, d.Method, d.Path,
			or(d.AppName, d.AppID), who, or(perm, "-"), d.RequestID)
	}
	return tw.Flush()
}

// end finishes the output (the JSON array).
func (p *logPrinter) end() error {
	if p.json && !p.stream {
		if p.all == nil {
			p.all = []logRow{}
		}
		return writeJSON(p.out, p.all)
	}
	return nil
}

// shortNames lists up to n names, then how many more there are.
func shortNames(names []string, n int) string {
	if len(names) <= n {
		return strings.Join(names, " or ")
	}
	return fmt.Sprintf("%s or %d more", strings.Join(names[:n], ", "), len(names)-n)
}
