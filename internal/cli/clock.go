package cli

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"graphgate/internal/admin"
	"graphgate/internal/demo"
	"graphgate/internal/faults"
	"graphgate/internal/server"
	"graphgate/internal/store/open"
	"graphgate/internal/store/sqlite"
)

func init() {
	extraCommands = append(extraCommands, clockCmd, faultsCmd)
}

// adminConn is how a command reaches a running server's admin API.
type adminConn struct {
	server, token, ca, data, store string
	json                           bool
}

func adminConnFlags(cmd *cobra.Command, a *adminConn) {
	f := cmd.Flags()
	f.StringVar(&a.server, "server", server.BaseURL(defaultAddr()), "the running server's URL (default from GRAPHGATE_ADDR)")
	f.StringVar(&a.token, "token", "", "a Global Administrator's access token for --server (env GRAPHGATE_TOKEN); without one: the socket in --data, else the demo tenant's administrator")
	f.StringVar(&a.ca, "ca", "", "the CA certificate to trust (default: tls/ca.pem in --data, else the system's)")
	f.BoolVar(&a.json, "json", false, "print the answer as JSON")
	def := os.Getenv("GRAPHGATE_DATA")
	if def == "" {
		def = defaultDataDir
	}
	f.StringVar(&a.data, "data", def, "the server's data folder: its CA, and the demo tenant's administrator (env GRAPHGATE_DATA)")
	f.StringVar(&a.store, "store", "", "the server's store, when not the SQLite database in --data (env GRAPHGATE_STORE)")
}

const adminAuthHelp = `Where it connects: without --token, to the server's unix socket
admin.sock in its --data folder (owner-only: no token needed); else to
--server over HTTPS with a Global Administrator's access token for Graph:
--token (or GRAPHGATE_TOKEN), or, without one, the demo tenant's
administrator (admin@…) signed in with the password the server's --data
folder (or --store) keeps. A server started with 'graphgate serve
--admin-no-auth' (loopback only) takes no token on HTTPS either.`

// client builds the admin API client: the server's CA, and a token.
func (a *adminConn) client(ctx context.Context) (*admin.Client, error) {
	tlsCfg := &tls.Config{MinVersion: tls.VersionTLS12}
	ca := a.ca
	if ca == "" {
		if _, err := os.Stat(server.CAFile(a.data)); err == nil {
			ca = server.CAFile(a.data)
		}
	}
	if ca != "" {
		c, err := server.TLSClientConfig(ca)
		if err != nil {
			return nil, usageErr("--ca: %v", err)
		}
		tlsCfg = c
	}
	hc := &http.Client{Transport: &http.Transport{TLSClientConfig: tlsCfg, ForceAttemptHTTP2: true}, Timeout: 30 * time.Second}
	c := &admin.Client{Base: a.server, HTTP: hc, Token: a.token}
	if c.Token == "" {
		c.Token = os.Getenv("GRAPHGATE_TOKEN")
	}
	if c.Token == "" {
		// The server's own socket in its data folder needs no token.
		sock := server.AdminSocket(a.data)
		if conn, err := (&net.Dialer{Timeout: time.Second}).DialContext(ctx, "unix", sock); err == nil {
			conn.Close()
			c.Base = "http://graphgate.socket"
			c.HTTP = &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{
				DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
					return (&net.Dialer{}).DialContext(ctx, "unix", sock)
				}}}
			return c, nil
		}
		tok, err := a.signInDemoAdmin(ctx, hc)
		if err != nil {
			return nil, &exitError{ExitFailure, err}
		}
		c.Token = tok
	}
	return c, nil
}

// signInDemoAdmin signs the demo tenant's Global Administrator in, with
// the password the server's store keeps. No demo tenant there: no token
// (the server may run with --admin-no-auth).
func (a *adminConn) signInDemoAdmin(ctx context.Context, hc *http.Client) (string, error) {
	spec, err := open.Parse(storeSpec(a.store), a.data)
	if err != nil {
		return "", err
	}
	if spec.Kind == open.SQLite {
		if _, err := os.Stat(filepath.Join(spec.Dir, sqlite.FileName)); errors.Is(err, fs.ErrNotExist) {
			return "", nil
		}
	}
	st, err := spec.Open(ctx)
	if err != nil {
		return "", err
	}
	defer st.Close()
	t, err := demo.Load(ctx, st)
	if errors.Is(err, demo.ErrNotSeeded) {
		return "", nil
	} else if err != nil {
		return "", err
	}
	u, ok1 := t.UserByKey("admin")
	app, ok2 := t.AppByKey("webapp")
	if !ok1 || !ok2 {
		return "", nil
	}
	tok, err := admin.SignIn(ctx, hc, a.server, t.TenantID, app.ClientID, app.Secret, u.UserPrincipalName, u.Password)
	if err != nil {
		return "", fmt.Errorf("%w (is 'graphgate serve%s' running at %s? Otherwise give --server, or --token)", err, dataArg(a.data), a.server)
	}
	return tok, nil
}

// adminErr words an admin API failure with what to do.
func adminErr(err error) error {
	var ae *admin.APIError
	if errors.As(err, &ae) {
		switch ae.Status {
		case http.StatusUnauthorized, http.StatusForbidden:
			return &exitError{ExitFailure, fmt.Errorf("%w\n%s", err, adminAuthHelp)}
		case http.StatusNotFound:
			return notFound(err)
		case http.StatusBadRequest:
			return usageErr("%v", err)
		}
	}
	var ee *exitError
	if errors.As(err, &ee) {
		return err
	}
	return &exitError{ExitFailure, err}
}

func clockCmd() *cobra.Command {
	var conn adminConn
	show := func(cmd *cobra.Command, st admin.ClockState) error {
		out := cmd.OutOrStdout()
		if conn.json {
			return writeJSON(out, st)
		}
		state := "running"
		if st.Frozen {
			state = "frozen"
		}
		fmt.Fprintf(out, "%s  %s, real time %s\n", st.Now.Format(time.RFC3339), state, offsetWords(st.Offset))
		return nil
	}
	change := func(action string, body func(args []string) (admin.ClockChange, error)) func(*cobra.Command, []string) error {
		return func(cmd *cobra.Command, args []string) error {
			var ch admin.ClockChange
			if body != nil {
				var err error
				if ch, err = body(args); err != nil {
					return err
				}
			}
			c, err := conn.client(cmd.Context())
			if err != nil {
				return err
			}
			var st admin.ClockState
			if action == "show" {
				st, err = c.Clock(cmd.Context())
			} else {
				st, err = c.ChangeClock(cmd.Context(), action, ch)
			}
			if err != nil {
				return adminErr(err)
			}
			return show(cmd, st)
		}
	}
	cmd := &cobra.Command{
		Use:   "clock [show|freeze|advance DURATION|set TIME|reset]",
		Short: "Read, freeze, advance, set or reset a running server's clock",
		Long: `Control the clock of a running 'graphgate serve', so a test can expire
access tokens (1 hour, plus Entra's 5 minutes of clock skew), refresh tokens
(90 days unused: AADSTS700082), authorization codes (10 minutes), device codes
(15 minutes), sign-in sessions, lockouts, secrets and consents, and see
calendar "now" and createdDateTime move — without waiting.

Every part of the server reads this one clock. It runs with real time until
frozen, advanced or set; advancing a running clock keeps it running ahead.
TLS certificates, timeouts and the --throttle rate stay on real time.

` + adminAuthHelp,
		Example: `  graphgate clock                          # show: the server's time, frozen or running
  graphgate clock freeze
  graphgate clock advance 1h               # access tokens issued before are expired
  graphgate clock advance 90d              # refresh tokens too (Go durations, or days: 90d)
  graphgate clock set 2030-01-01T09:00:00Z
  graphgate clock reset                    # real time again
  graphgate clock show --json --server https://localhost:8444 --data ./ci-data`,
		Args: cobra.NoArgs,
		RunE: change("show", nil),
	}
	adminConnFlags(cmd, &conn)
	subs := []*cobra.Command{
		{Use: "show", Short: "Show the server's time", Args: cobra.NoArgs, RunE: change("show", nil),
			Long:    "Show the running server's time, whether its clock is frozen, and how far it is from real time.\n\n" + adminAuthHelp,
			Example: "  graphgate clock show\n  graphgate clock show --json --server https://localhost:8444 --data ./ci-data"},
		{Use: "freeze", Short: "Stop the clock at its current time", Args: cobra.NoArgs, RunE: change("freeze", nil),
			Long:    "Stop the server's clock: tokens, codes and sessions age no more until it is advanced, set or reset.\n\n" + adminAuthHelp,
			Example: "  graphgate clock freeze\n  graphgate clock freeze --json"},
		{Use: "advance DURATION", Short: "Move the clock forward (1h, 90m, 30d)", Example: "  graphgate clock advance 61m\n  graphgate clock advance 90d",
			Long: "Move the server's clock forward by a Go duration (90m, 1h30m) or a number of days (30d); a running clock runs on ahead, a frozen one stays frozen.\n\n" + adminAuthHelp,
			Args: cobra.ExactArgs(1), RunE: change("advance", func(args []string) (admin.ClockChange, error) {
				if _, err := admin.ParseDuration(args[0]); err != nil {
					return admin.ClockChange{}, usageErr("advance takes a duration such as 1h, 90m or 30d: %v", err)
				}
				return admin.ClockChange{By: args[0]}, nil
			})},
		{Use: "set TIME", Short: "Put the clock at a time (RFC 3339, e.g. 2030-01-01T09:00:00Z)", Example: "  graphgate clock set 2030-01-01T09:00:00Z",
			Long: "Put the server's clock at a time, forward or back (RFC 3339). Apps' secrets and certificates expire on this clock too.\n\n" + adminAuthHelp,
			Args: cobra.ExactArgs(1), RunE: change("set", func(args []string) (admin.ClockChange, error) {
				if _, err := time.Parse(time.RFC3339Nano, args[0]); err != nil {
					return admin.ClockChange{}, usageErr("set takes an RFC 3339 time such as 2030-01-01T09:00:00Z: %v", err)
				}
				return admin.ClockChange{Time: args[0]}, nil
			})},
		{Use: "reset", Short: "Follow real time again", Args: cobra.NoArgs, RunE: change("reset", nil),
			Long:    "Make the server's clock follow real time again, unfrozen and without an offset.\n\n" + adminAuthHelp,
			Example: "  graphgate clock reset\n  graphgate clock reset --json"},
	}
	for _, sub := range subs {
		adminConnFlags(sub, &conn)
		cmd.AddCommand(sub)
	}
	return cmd
}

// offsetWords says how the server's time relates to real time.
func offsetWords(offset string) string {
	d, err := time.ParseDuration(offset)
	switch {
	case err != nil:
		return "offset " + offset
	case d == 0:
		return "(no offset)"
	case d > 0:
		return "+ " + humanDuration(d)
	}
	return "- " + humanDuration(-d)
}

// humanDuration is d to the second, with days: "90d 0h0m5s", "1h0m0s".
func humanDuration(d time.Duration) string {
	d = d.Round(time.Second)
	days := d / (24 * time.Hour)
	if days == 0 {
		return d.String()
	}
	return fmt.Sprintf("%dd %s", days, (d - days*24*time.Hour).String())
}

func faultsCmd() *cobra.Command {
	var conn adminConn
	cmd := &cobra.Command{
		Use:   "faults",
		Short: "Inject faults into a running server: errors, 429/503, latency, dropped connections",
		Long: `Add, list and remove fault rules of a running 'graphgate serve', to test how
a client retries and handles errors. A rule matches requests by method, route
template (the route table's, e.g. /me/messages or /users/{id}/events; a
trailing /* matches every route below; identity endpoints as
/{tenant}/oauth2/v2.0/token), workload (directory, exchange, teams, drive,
onenote, identity), app (client id) and user (UPN or object id), and answers:
a status with the endpoint's error body (Graph's, or the identity platform's
with --aadsts), a 429 or 503 with Retry-After, added latency, or a dropped
connection; on every match, with a --probability, or for the next --count
matches. The first rule that matches and fires wins.

Every injected fault carries the response header x-graphgate-fault: <rule id>,
is logged ("fault injected") and counted in graphgate_faults_injected_total.
'graphgate serve --faults FILE' loads rules at start (YAML: a list under
"faults:", with the fields of 'faults list --json'). Injection is off while
there are no rules.

` + adminAuthHelp,
		Example: `  graphgate faults add --route /me/messages --status 429 --retry-after 2 --count 2
  graphgate faults add --workload identity --status 503 --probability 0.1
  graphgate faults add --app 11111111-2222-3333-4444-555555555555 --latency 3s
  graphgate faults add --route '/me/drive/*' --drop
  graphgate faults list
  graphgate faults remove f1
  graphgate faults clear`,
		Args: cobra.NoArgs,
	}

	list := &cobra.Command{
		Use: "list", Short: "List the rules, with how often each fired", Args: cobra.NoArgs,
		Long:    "List the fault rules in force: what each matches, what it answers, when it fires, and how often it fired.\n\n" + adminAuthHelp,
		Example: "  graphgate faults list\n  graphgate faults list --json",
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := conn.client(cmd.Context())
			if err != nil {
				return err
			}
			rules, err := c.Faults(cmd.Context())
			if err != nil {
				return adminErr(err)
			}
			if rules == nil {
				rules = []faults.Rule{}
			}
			return writeList(cmd.OutOrStdout(), conn.json, rules, "", "No fault rules: injection is off.",
				"ID\tMATCHES\tANSWERS\tWHEN\tINJECTED", func(_ int, r faults.Rule) string {
					return fmt.Sprintf("%s\t%s\t%s\t%s\t%d", r.ID, ruleMatches(r), ruleAnswers(r), ruleWhen(r), r.Injected)
				})
		},
	}
	var r faults.Rule
	var latency string
	add := &cobra.Command{
		Use: "add [flags]", Short: "Add a rule", Args: cobra.NoArgs,
		Long: "Add a fault rule: match flags (--method, --route, --workload, --app, --user; none: every request), an answer\n" +
			"(--status with --code/--message/--aadsts/--retry-after, --latency, --drop) and when (--probability, --count).\n\n" + adminAuthHelp,
		Example: `  graphgate faults add --route /me/messages --status 429 --retry-after 2 --count 2
  graphgate faults add --id sts-down --route /{tenant}/oauth2/v2.0/token --status 400 --code invalid_grant --aadsts 50173`,
		RunE: func(cmd *cobra.Command, args []string) error {
			if latency != "" {
				d, err := time.ParseDuration(latency)
				if err != nil {
					return usageErr("--latency takes a duration such as 500ms or 2s: %v", err)
				}
				r.Latency = faults.Duration(d)
			}
			if err := r.Validate(); err != nil {
				return usageErr("%v", err)
			}
			c, err := conn.client(cmd.Context())
			if err != nil {
				return err
			}
			added, err := c.AddFault(cmd.Context(), r)
			if err != nil {
				return adminErr(err)
			}
			if conn.json {
				return writeJSON(cmd.OutOrStdout(), added)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "Added fault %s: %s → %s (%s). Remove it with: graphgate faults remove %s\n",
				added.ID, ruleMatches(added), ruleAnswers(added), ruleWhen(added), added.ID)
			return nil
		},
	}
	f := add.Flags()
	f.StringVar(&r.ID, "id", "", "the rule's id (default f1, f2, …)")
	f.StringVar(&r.Method, "method", "", "match this HTTP method")
	f.StringVar(&r.Route, "route", "", "match this route template (/me/messages, /users/{id}/events, /me/*, /{tenant}/oauth2/v2.0/token)")
	f.StringVar(&r.Workload, "workload", "", "match a workload: directory, exchange, teams, drive, onenote or identity")
	f.StringVar(&r.App, "app", "", "match the calling app's client id")
	f.StringVar(&r.User, "user", "", "match the signed-in user (UPN or object id)")
	f.IntVar(&r.Status, "status", 0, "answer with this status (4xx, 5xx) and the endpoint's error body")
	f.StringVar(&r.Code, "code", "", "the error body's code (default: Graph's documented code for the status; identity: the OAuth error)")
	f.StringVar(&r.Message, "message", "", "the error body's message")
	f.IntVar(&r.AADSTS, "aadsts", 0, "the AADSTS number of an identity endpoint's error")
	f.IntVar(&r.RetryAfter, "retry-after", 0, "Retry-After in seconds (default 1 with 429 and 503)")
	f.StringVar(&latency, "latency", "", "delay the request this long (e.g. 2s; the client may give up first)")
	f.BoolVar(&r.Drop, "drop", false, "close the connection without an answer")
	f.Float64Var(&r.Probability, "probability", 0, "fire on this fraction of matches (0 < p < 1; default: every match)")
	f.IntVar(&r.Count, "count", 0, "fire on the next N matches only")

	remove := &cobra.Command{
		Use: "remove ID", Short: "Remove a rule", Args: cobra.ExactArgs(1),
		Long:    "Remove the fault rule with this id ('graphgate faults list' shows them).\n\n" + adminAuthHelp,
		Example: "  graphgate faults remove f1",
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := conn.client(cmd.Context())
			if err != nil {
				return err
			}
			if err := c.RemoveFault(cmd.Context(), args[0]); err != nil {
				return adminErr(err)
			}
			return doneMsg(cmd, conn.json, "Removed fault "+args[0]+".")
		},
	}
	clear := &cobra.Command{
		Use: "clear", Short: "Remove every rule: injection off", Args: cobra.NoArgs,
		Long:    "Remove every fault rule: requests are served normally again.\n\n" + adminAuthHelp,
		Example: "  graphgate faults clear\n  graphgate faults clear --json",
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := conn.client(cmd.Context())
			if err != nil {
				return err
			}
			if err := c.ClearFaults(cmd.Context()); err != nil {
				return adminErr(err)
			}
			return doneMsg(cmd, conn.json, "Removed every fault rule: injection is off.")
		},
	}
	for _, sub := range []*cobra.Command{list, add, remove, clear} {
		adminConnFlags(sub, &conn)
		cmd.AddCommand(sub)
	}
	return cmd
}

func doneMsg(cmd *cobra.Command, asJSON bool, msg string) error {
	if asJSON {
		return writeJSON(cmd.OutOrStdout(), map[string]bool{"ok": true})
	}
	_, err := io.WriteString(cmd.OutOrStdout(), msg+"\n")
	return err
}

func ruleMatches(r faults.Rule) string {
	var p []string
	for _, kv := range [][2]string{{"", r.Method}, {"", r.Route}, {"workload=", r.Workload}, {"app=", r.App}, {"user=", r.User}} {
		if kv[1] != "" {
			p = append(p, kv[0]+kv[1])
		}
	}
	if len(p) == 0 {
		return "every request"
	}
	return strings.Join(p, " ")
}

func ruleAnswers(r faults.Rule) string {
	var p []string
	if r.Latency > 0 {
		p = append(p, "+"+time.Duration(r.Latency).String())
	}
	if r.Drop {
		p = append(p, "drop")
	}
	if r.Status != 0 {
		s := strconv.Itoa(r.Status)
		if r.Code != "" {
			s += " " + r.Code
		}
		if r.AADSTS != 0 {
			s += fmt.Sprintf(" AADSTS%d", r.AADSTS)
		}
		if r.RetryAfter > 0 {
			s += fmt.Sprintf(" Retry-After %d", r.RetryAfter)
		}
		p = append(p, s)
	}
	return strings.Join(p, ", then ")
}

func ruleWhen(r faults.Rule) string {
	var p []string
	if r.Probability > 0 && r.Probability < 1 {
		p = append(p, fmt.Sprintf("p=%g", r.Probability))
	}
	if r.Count > 0 {
		left := r.Count
		if r.Remaining != nil {
			left = *r.Remaining
		}
		p = append(p, fmt.Sprintf("%d of next %d left", left, r.Count))
	}
	if len(p) == 0 {
		return "always"
	}
	return strings.Join(p, ", ")
}
