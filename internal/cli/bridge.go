package cli

import (
	"errors"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/spf13/cobra"

	"graphgate/internal/bridge"
	"graphgate/internal/planner"
)

func init() {
	extraCommands = append(extraCommands, bridgeCmd)
}

const bridgeLong = `Run the Home Assistant O365 integration's sensors and services against
Microsoft Graph (Microsoft's, or graphgate's: only the authority and Graph URL
differ) and publish them to Home Assistant over MQTT discovery: Home Assistant
shows the entities with no custom component.

Per account: calendars (binary sensors: on during an event), group calendars,
email and query sensors (message counts), status sensors (Teams presence), the
chat sensor, To Do lists (open tasks), auto reply, and a diagnostic
"Permissions" sensor with the planner's verdict. Services (send mail, create,
modify, remove and respond to events, auto reply on/off, set presence, send a
chat message, new/update/complete/delete task) are called by publishing JSON
to <base_topic>/<account>/command/<service>; the answer is published on
<base_topic>/<account>/result/<service>. A service is offered only where its
permission is granted (see <base_topic>/<account>/services).

Sign in once per account with 'graphgate bridge login'; the tokens are kept in
token_dir/o365_<account>.token (mode 0600) and refreshed by the daemon. The
scopes requested are the planner's for the configured features ('graphgate
bridge check' lists them). When a scope is missing, the feature runs read-only
or is off, and the log and the Permissions sensor say what to do.

A minimal configuration (docs/bridge.example.yaml has every key):

  mqtt:
    broker: tcp://127.0.0.1:1883      # discovery prefix: homeassistant
  accounts:
    - name: home                      # device "Microsoft 365 home", topics graphgate/home/…
      client_id: 00000000-0000-0000-0000-000000000000
      # For graphgate instead of Microsoft:
      # authority: https://localhost:8443
      # graph_url: https://localhost:8443/v1.0
      # tenant: contoso.onmicrosoft.com
      # ca_file: graphgate-data/tls/ca.pem
      enable_update: true
      email_sensors:
        - name: Inbox
      status_sensors:
        - name: Teams
      todo_sensors:
        enabled: true

Configuration errors are reported with their line, including the combinations
the planner refuses (a shared mailbox with status, chat, To Do, group calendars
or auto reply; work-only features on a personal account).

Output: the daemon's results go to MQTT; it prints its log on standard error
(--log-format, --log-level; --json is short for --log-format json).`

func bridgeCmd() *cobra.Command {
	var file, logFormat, logLevel string
	var jsonOut bool
	cmd := &cobra.Command{
		Use:   "bridge",
		Short: "Run the Home Assistant O365 integration against Graph and publish it over MQTT",
		Long:  bridgeLong,
		Example: `  graphgate bridge check --config bridge.yaml          # validate; list each account's scopes
  graphgate bridge login --config bridge.yaml --account home                  # device code
  graphgate bridge login --config bridge.yaml --account home --flow auth-code # paste the address
  graphgate bridge --config bridge.yaml                # run (Ctrl-C stops)
  mosquitto_pub -t graphgate/home/command/send_mail -m '{"to":"me@example.com","subject":"Hi","body":"Hello"}'`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			cfg, err := loadBridgeConfig(file)
			if err != nil {
				return err
			}
			if jsonOut {
				if cmd.Flags().Changed("log-format") && logFormat != "json" {
					return usageErr("--json is short for --log-format json; not with --log-format %s", logFormat)
				}
				logFormat = "json"
			}
			log, err := newLogger(cmd.ErrOrStderr(), logFormat, logLevel)
			if err != nil {
				return err
			}
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			if err := bridge.Run(ctx, cfg, bridge.Options{Logger: log, Version: "graphgate"}); err != nil {
				return &exitError{ExitFailure, err}
			}
			return nil
		},
	}
	configFlag(cmd, &file)
	cmd.Flags().StringVar(&logFormat, "log-format", "text", "log format: text or json")
	cmd.Flags().StringVar(&logLevel, "log-level", "info", "log level: debug, info, warn or error")
	cmd.Flags().BoolVar(&jsonOut, "json", false, "log as JSON (short for --log-format json)")
	cmd.AddCommand(bridgeLoginCmd(), bridgeCheckCmd())
	return cmd
}

func configFlag(cmd *cobra.Command, dst *string) {
	cmd.Flags().StringVarP(dst, "config", "c", "bridge.yaml", "the bridge's configuration file")
}

// loadBridgeConfig reads the configuration; its errors are usage errors
// (each names its line).
func loadBridgeConfig(file string) (*bridge.Config, error) {
	cfg, err := bridge.Load(file)
	if err != nil {
		var ce *bridge.ConfigError
		if errors.As(err, &ce) {
			return nil, usageErr("invalid configuration:\n%v", err)
		}
		return nil, usageErr("%v", err)
	}
	return cfg, nil
}

// bridgeLoginOut is what 'bridge login --json' prints.
type bridgeLoginOut struct {
	Account   string          `json:"account"`
	User      string          `json:"user"`
	TokenFile string          `json:"tokenFile"`
	Granted   []string        `json:"granted"`
	Report    *planner.Report `json:"report"`
}

func bridgeLoginCmd() *cobra.Command {
	var file, account, flow string
	var jsonOut bool
	cmd := &cobra.Command{
		Use:   "login",
		Short: "Sign an account in (device code, or a pasted auth-code address) and store its tokens",
		Long: `Sign an account in and store its tokens in token_dir/o365_<account>.token
(mode 0600, replaced atomically; a running daemon picks the new tokens up).

The scopes are the planner's for the account's features. After the sign-in
the planner checks what was granted and prints every feature's status: on,
read-only (a write scope is missing or enable_update is off) or off (the
minimum is missing), with the remedy.

Flows:
  device-code  prints a code and an address; open it on any device, enter the
               code and sign in (the app registration must allow public client
               flows; not available with client_secret)
  auth-code    prints an address; sign in in a browser, which ends on
               redirect_uri (Microsoft's nativeclient page by default); paste
               that whole address back here

Output: the sign-in instructions, then the account, the granted scopes and
each feature's status. With --json the instructions go to standard error and
the result is one JSON object on standard output ({"account", "user",
"tokenFile", "granted", "report"}).`,
		Example: `  graphgate bridge login --config bridge.yaml --account home
  graphgate bridge login -c bridge.yaml --account work --flow auth-code`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			cfg, err := loadBridgeConfig(file)
			if err != nil {
				return err
			}
			if account == "" {
				if len(cfg.Accounts) != 1 {
					var names []string
					for _, a := range cfg.Accounts {
						names = append(names, a.Name)
					}
					return usageErr("--account is required (accounts: %s)", strings.Join(names, ", "))
				}
				account = cfg.Accounts[0].Name
			}
			if _, ok := cfg.Account(account); !ok {
				return usageErr("no account %q in %s", account, file)
			}
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			talk := cmd.OutOrStdout()
			if jsonOut {
				talk = cmd.ErrOrStderr()
			}
			res, err := bridge.Login(ctx, cfg, account, flow, cmd.InOrStdin(), talk, nil)
			if err != nil {
				return &exitError{ExitFailure, err}
			}
			if jsonOut {
				if err := writeJSON(cmd.OutOrStdout(), bridgeLoginOut{Account: account, User: res.User, TokenFile: res.TokenFile,
					Granted: res.Granted, Report: res.Report}); err != nil {
					return err
				}
			}
			if !res.Report.MinimumMet {
				return errNegative
			}
			return nil
		},
	}
	configFlag(cmd, &file)
	cmd.Flags().StringVar(&account, "account", "", "the account's name (optional with one account)")
	cmd.Flags().StringVar(&flow, "flow", bridge.FlowDeviceCode, "sign-in flow: device-code or auth-code")
	cmd.Flags().BoolVar(&jsonOut, "json", false, "print the result as JSON on standard output (the instructions go to standard error)")
	return cmd
}

func bridgeCheckCmd() *cobra.Command {
	var file string
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "check",
		Short: "Validate the configuration and list each account's scopes (no network)",
		Long: `Validate the configuration (errors name their line) and print, per account,
the scopes the sign-in will request and why, the features, and the planner's
warnings. Nothing is contacted.`,
		Example: `  graphgate bridge check --config bridge.yaml
  graphgate bridge check -c bridge.yaml --json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			cfg, err := loadBridgeConfig(file)
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			plans := map[string]*planner.Plan{}
			for i := range cfg.Accounts {
				a := &cfg.Accounts[i]
				p, err := planner.MakePlan(a.PlannerConfig(""))
				if err != nil {
					return usageErr("account %s: %v", a.Name, err)
				}
				plans[a.Name] = p
			}
			if asJSON {
				return writeJSON(out, plans)
			}
			fmt.Fprintf(out, "%s: valid. MQTT %s, discovery prefix %s, base topic %s, tokens in %s\n",
				file, cfg.MQTT.Broker, cfg.MQTT.DiscoveryPrefix, cfg.MQTT.BaseTopic, cfg.TokenDir)
			for i := range cfg.Accounts {
				a := &cfg.Accounts[i]
				p := plans[a.Name]
				fmt.Fprintf(out, "\naccount %s (%s at %s/%s, Graph %s)\n  %s\n  scopes: %s\n", a.Name, p.AccountType, a.Authority, a.Tenant, a.GraphURL,
					p.Explanation, strings.Join(p.Scopes, " "))
				tw := table(out)
				for _, f := range p.Features {
					fmt.Fprintf(tw, "  %s\t%s\n", f.Feature, f.Explanation)
				}
				tw.Flush()
				for _, w := range p.Warnings {
					fmt.Fprintf(out, "  warning: %s\n", w.Message)
				}
				fmt.Fprintf(out, "  token file: %s\n", cfg.TokenFile(a))
			}
			return nil
		},
	}
	configFlag(cmd, &file)
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the plans as JSON")
	return cmd
}
