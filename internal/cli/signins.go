package cli

import (
	"context"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"graphgate/internal/report"
	"graphgate/internal/store"
)

func init() {
	extraCommands = append(extraCommands, signInsCmd)
}

// signInRow is one sign-in as 'graphgate signins --json' prints it: the
// names of Graph's signIn resource.
type signInRow struct {
	ID                  string    `json:"id"`
	CreatedDateTime     time.Time `json:"createdDateTime"`
	CorrelationID       string    `json:"correlationId"`
	TenantID            string    `json:"tenantId"`
	UserID              string    `json:"userId,omitempty"`
	UserPrincipalName   string    `json:"userPrincipalName,omitempty"`
	UserDisplayName     string    `json:"userDisplayName,omitempty"`
	AppID               string    `json:"appId"`
	AppDisplayName      string    `json:"appDisplayName,omitempty"`
	ResourceID          string    `json:"resourceId,omitempty"`
	ResourceDisplayName string    `json:"resourceDisplayName,omitempty"`
	ClientAppUsed       string    `json:"clientAppUsed"`
	GrantType           string    `json:"grantType"`
	IPAddress           string    `json:"ipAddress"`
	IsInteractive       bool      `json:"isInteractive"`
	ServicePrincipal    bool      `json:"servicePrincipal"`
	Status              struct {
		ErrorCode     int    `json:"errorCode"`
		FailureReason string `json:"failureReason,omitempty"`
	} `json:"status"`
	// Count is how many sign-ins the row stands for: more than 1 when the
	// writer grouped a service principal's repeated sign-ins
	// (store.SignIn.Repeats); LastDateTime is the last one's time, Repeats
	// the sign-ins after the first, each with its own id.
	Count        int            `json:"count"`
	LastDateTime *time.Time     `json:"lastDateTime,omitempty"`
	Repeats      []signInRepeat `json:"repeats,omitempty"`
}

// signInRepeat is one sign-in of a grouped row beyond its first.
type signInRepeat struct {
	ID              string    `json:"id"`
	CreatedDateTime time.Time `json:"createdDateTime"`
	CorrelationID   string    `json:"correlationId"`
}

func toSignInRow(x *store.SignIn) signInRow {
	r := signInRow{ID: x.ID, CreatedDateTime: x.Time, CorrelationID: x.RequestID, TenantID: x.TenantID, UserID: x.UserID,
		UserPrincipalName: x.UserUPN, UserDisplayName: x.UserName, AppID: x.AppID, AppDisplayName: x.AppName, ResourceID: x.ResourceID,
		ResourceDisplayName: x.ResourceName, ClientAppUsed: x.ClientApp, GrantType: x.GrantType, IPAddress: x.IPAddress,
		IsInteractive: x.Interactive, ServicePrincipal: x.ServicePrincipal}
	r.Status.ErrorCode, r.Status.FailureReason = x.ErrorCode, x.FailureReason
	r.Count = x.Count()
	if len(x.Repeats) > 0 {
		last := x.Last()
		r.LastDateTime = &last
		r.Repeats = make([]signInRepeat, len(x.Repeats))
		for i, rep := range x.Repeats {
			r.Repeats[i] = signInRepeat{ID: rep.ID, CreatedDateTime: rep.Time, CorrelationID: rep.RequestID}
		}
	}
	return r
}

const signInsLong = `Print the sign-in log: every sign-in graphgate's identity platform handled,
successes and failures, newest first — the sign-in page (interactive) and the
token endpoint (authorization code, refresh token, device code, password,
on-behalf-of; client credentials as the app's own sign-in). 'graphgate serve'
records them in the store unless started with --signin-log=false, and keeps
--signin-log-max-age (7 days) and --signin-log-max-rows (100,000) of them. The
admin console shows the same log (Sign-ins).

Each row says when, the result (OK, or the AADSTS code of the failure), the
user (or the app itself), the app, how (grant type), the address and the
sign-in's id. An app's own sign-ins (client credentials) that repeat within a
second or so — same app, resource, address and result — are one row marked ×N,
as Entra ID groups service principal sign-ins: the first's time and id are
shown, --json lists each one's (repeats), and --id finds each by its own ids.

Filters (combined with AND):
  --user UPN|ID     the user's user principal name or object id
  --app ID|NAME     the app's client id or display name
  --failed          only failed sign-ins (--succeeded: only successful ones)
  --code N          only failures with AADSTS code N (50126: wrong password)
  --since 10m       a duration back from now (10m, 2h, 7d) or an RFC 3339 time
  --id ID           one sign-in by its id or correlation id (the request id of
                    the token response or error page)

--limit N shows the newest N rows (default 50). --json prints a JSON array with the
names of Graph's signIn resource (status.errorCode is 0 on success).

The log is read from the same --data folder or --store as the server's.`

func signInsCmd() *cobra.Command {
	var o admOpts
	var app, user, since, id string
	var failed, succeeded bool
	var code, limit int
	cmd := &cobra.Command{
		Use:   "signins [flags]",
		Short: "Print the recorded sign-ins (successes and failures, with their AADSTS codes)",
		Long:  signInsLong + "\n" + admExitCodes,
		Example: `  graphgate signins
  graphgate signins --failed --since 1h
  graphgate signins --user adele@contoso.onmicrosoft.com --code 50126
  graphgate signins --app "Home Assistant" --json
  graphgate signins --id 7c9e6679-7425-40de-944b-e07fc1f90ae7`,
		Args: cobra.NoArgs,
		RunE: admRun(&o, false, func(ctx context.Context, cmd *cobra.Command, st store.Store, _ []string) error {
			if limit <= 0 {
				return usageErr("--limit takes a positive count, not %d", limit)
			}
			if failed && succeeded {
				return usageErr("--failed and --succeeded exclude each other")
			}
			if code < 0 {
				return usageErr("--code takes an AADSTS number such as 50126")
			}
			from, err := report.ParseSince(since, time.Now())
			if err != nil {
				return usageErr("--since: %v", err)
			}
			q := store.SignInQuery{User: user, App: app, ID: id, ErrorCode: code, Since: from, Limit: limit}
			switch {
			case failed:
				q.Status = store.Failed
			case succeeded:
				q.Status = store.Succeeded
			}
			rows, err := st.ListSignIns(ctx, q)
			if err != nil {
				return admFail(err)
			}
			out := cmd.OutOrStdout()
			if o.json {
				all := make([]signInRow, 0, len(rows))
				for i := range rows {
					all = append(all, toSignInRow(&rows[i]))
				}
				return writeJSON(out, all)
			}
			if len(rows) == 0 {
				admNote(cmd, "no sign-in recorded matches; a server started with --signin-log=false records none")
				return nil
			}
			tw := table(out)
			fmt.Fprintln(tw, "TIME (UTC)\tRESULT\tUSER\tAPP\tHOW\tADDRESS\tID")
			for i := range rows {
				x := &rows[i]
				result := "OK"
				if !x.Succeeded() {
					result = fmt.Sprintf("AADSTS%d", x.ErrorCode)
				}
				if n := x.Count(); n > 1 {
					result += fmt.Sprintf(" ×%d", n)
				}
				who := x.UserUPN
				if x.ServicePrincipal {
					who = "(the app)"
				}
				how := x.GrantType
				if x.Interactive {
					how = "interactive"
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", x.Time.UTC().Format("2006-01-02 15:04:05"), result, or(who, "-"),
					or(x.AppName, x.AppID), how, or(x.IPAddress, "-"), x.ID)
			}
			return tw.Flush()
		}),
	}
	admFlags(cmd, &o)
	f := cmd.Flags()
	f.StringVar(&user, "user", "", "only this user: user principal name or object id")
	f.StringVar(&app, "app", "", "only this app: client id or display name")
	f.BoolVar(&failed, "failed", false, "only failed sign-ins")
	f.BoolVar(&succeeded, "succeeded", false, "only successful sign-ins")
	f.IntVar(&code, "code", 0, "only failures with this AADSTS code, e.g. 50126")
	f.StringVar(&since, "since", "", "only sign-ins since: a duration back from now (10m, 2h, 7d) or an RFC 3339 time")
	f.StringVar(&id, "id", "", "only the sign-in with this id or correlation id")
	f.IntVar(&limit, "limit", 50, "the newest N rows (a group of an app's repeated sign-ins is one)")
	return cmd
}
