package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"graphgate/internal/demo"
	"graphgate/internal/graph"
	"graphgate/internal/server"
	"graphgate/internal/store/open"
)

func init() {
	extraCommands = append(extraCommands, serveCmd, demoCmd)
}

// dataFlag is the --data flag shared by every command that opens the store.
func dataFlag(cmd *cobra.Command, dst *string) {
	def := os.Getenv("GRAPHGATE_DATA")
	if def == "" {
		def = "./graphgate-data"
	}
	cmd.Flags().StringVar(dst, "data", def, "data folder: database, CA and certificates (env GRAPHGATE_DATA)")
}

// storeFlag is the --store flag shared by every command that opens the
// store. Its default is empty (not $GRAPHGATE_STORE) so that --help never
// prints a connection URL with its password; storeSpec applies the
// variable.
func storeFlag(cmd *cobra.Command, dst *string) {
	cmd.Flags().StringVar(dst, "store", "", "the store: the SQLite database in --data when empty, sqlite:FOLDER, or\n"+
		"postgres://user:password@host:5432/database?sslmode=disable (env GRAPHGATE_STORE)")
}

// storeSpec is the --store value, else $GRAPHGATE_STORE.
func storeSpec(flag string) string {
	if flag != "" {
		return flag
	}
	return os.Getenv("GRAPHGATE_STORE")
}

func newLogger(w io.Writer, format, level string) (*slog.Logger, error) {
	var lv slog.Level
	if err := lv.UnmarshalText([]byte(level)); err != nil {
		return nil, usageErr("--log-level takes debug, info, warn or error, not %q", level)
	}
	opts := &slog.HandlerOptions{Level: lv}
	switch format {
	case "text":
		return slog.New(slog.NewTextHandler(w, opts)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(w, opts)), nil
	}
	return nil, usageErr("--log-format takes text or json, not %q", format)
}

func serveCmd() *cobra.Command {
	var cfg server.Config
	var logFormat, logLevel, throttle string
	var accessLife, refreshLife time.Duration
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Run graphgate: the identity platform and Microsoft Graph on HTTPS",
		Long: `Run graphgate on HTTPS (default https://localhost:8443).

On first start in an empty data folder graphgate creates its own certificate
authority (tls/ca.pem in the data folder) and a server certificate for
localhost, 127.0.0.1 and ::1 (plus any --tls-name), and the documented demo
tenant (see 'graphgate demo'). Make clients trust the CA with
  export SSL_CERT_FILE=<data>/tls/ca.pem
and point them at the server:
  MSAL Go      authority https://localhost:8443/<tenant>, WithInstanceDiscovery(false)
  azidentity   ClientOptions.Cloud.ActiveDirectoryAuthorityHost = https://localhost:8443/
  Graph SDK    adapter.SetBaseUrl("https://localhost:8443/v1.0")

Endpoints: /{tenant}/v2.0/.well-known/openid-configuration, /{tenant}/oauth2/v2.0/
{authorize,token,devicecode,logout}, /{tenant}/discovery/v2.0/keys,
/{tenant}/adminconsent, /devicelogin, /metrics (Prometheus), /healthz.

Storage: by default an SQLite database in the data folder (WAL, every commit
fsynced). With --store postgres://… (or GRAPHGATE_STORE) the tenant lives in
PostgreSQL instead, and any number of 'graphgate serve' replicas may share
it: tokens, codes, consent, keys and mail are the same everywhere. Replicas
still need the same TLS certificate: give them one --data folder (its tls/ CA)
or --tls-cert/--tls-key.`,
		Example: `  graphgate serve
  graphgate serve --addr 0.0.0.0:8443 --tls-name graphgate.lan --data /var/lib/graphgate
  graphgate serve --tls-cert cert.pem --tls-key key.pem
  graphgate serve --store postgres://graphgate@db:5432/graphgate --addr 127.0.0.1:8444   # a replica
  graphgate serve --http-addr 127.0.0.1:8080 --trust-forwarded   # behind a reverse proxy`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			log, err := newLogger(cmd.ErrOrStderr(), logFormat, logLevel)
			if err != nil {
				return err
			}
			if (cfg.TLSCert == "") != (cfg.TLSKey == "") {
				return usageErr("--tls-cert and --tls-key go together")
			}
			cfg.Logger = log
			if cfg.Throttle, err = parseThrottle(throttle); err != nil {
				return err
			}
			cfg.Identity.AccessTokenLifetime, cfg.Identity.RefreshTokenLifetime = accessLife, refreshLife
			cfg.Identity.TrustForwarded = cfg.TrustForwarded
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			out := cmd.ErrOrStderr()
			cfg.StoreURL = storeSpec(cfg.StoreURL)
			spec, err := open.Parse(cfg.StoreURL, cfg.DataDir)
			if err != nil {
				return usageErr("%v", err)
			}
			fmt.Fprintf(out, "graphgate: opening %s\n", spec)
			srv, err := server.New(ctx, cfg)
			if err != nil {
				return &exitError{ExitFailure, err}
			}
			defer srv.Close()
			if srv.DemoCreated {
				fmt.Fprintf(out, "graphgate: created the demo tenant %s (%s); 'graphgate demo' with the same --data/--store prints its users, passwords and apps\n",
					demo.TenantID, demo.TenantDomain)
			}
			b, err := srv.TLS()
			if err != nil {
				return &exitError{ExitFailure, fmt.Errorf("TLS: %w", err)}
			}
			err = srv.Serve(ctx, func(url string) {
				fmt.Fprintf(out, "graphgate: listening on %s\n", url)
				if b.CAFile != "" {
					if b.CACreated {
						fmt.Fprintf(out, "graphgate: created a certificate authority for this data folder\n")
					}
					fmt.Fprintf(out, "graphgate: trust it with: export SSL_CERT_FILE=%s\n", b.CAFile)
				}
				fmt.Fprintf(out, "graphgate: discovery: %s/%s/v2.0/.well-known/openid-configuration\n", url, demo.TenantDomain)
			})
			if err != nil && !errors.Is(err, context.Canceled) {
				return &exitError{ExitFailure, err}
			}
			fmt.Fprintln(out, "graphgate: stopped")
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&cfg.Addr, "addr", "127.0.0.1:8443", "HTTPS listen address")
	dataFlag(cmd, &cfg.DataDir)
	storeFlag(cmd, &cfg.StoreURL)
	f.StringSliceVar(&cfg.TLSNames, "tls-name", nil, "another DNS name or IP for the server certificate (repeatable)")
	f.StringVar(&cfg.TLSCert, "tls-cert", "", "your own certificate (PEM) instead of graphgate's CA")
	f.StringVar(&cfg.TLSKey, "tls-key", "", "the key of --tls-cert (PEM)")
	f.StringVar(&cfg.HTTPAddr, "http-addr", "", "also serve plain HTTP here, for a TLS-terminating reverse proxy")
	f.BoolVar(&cfg.TrustForwarded, "trust-forwarded", false, "build URLs from X-Forwarded-Proto and X-Forwarded-Host")
	f.BoolVar(&cfg.NoDemo, "no-demo", false, "do not create the demo tenant in an empty data folder")
	f.DurationVar(&accessLife, "access-token-lifetime", time.Hour, "lifetime of access tokens")
	f.DurationVar(&refreshLife, "refresh-token-lifetime", 90*24*time.Hour, "lifetime of refresh tokens (renewed at each use)")
	f.StringVar(&logFormat, "log-format", "text", "log format: text or json")
	f.StringVar(&logLevel, "log-level", "info", "log level: debug (every request), info (failed requests with why, and server events), warn or error")
	f.StringVar(&throttle, "throttle", "off", "limit Graph requests per app and user, e.g. 100/10s or 5/s (429 with Retry-After beyond it); off by default")
	lockoutFlags(cmd, &cfg.Identity)
	return cmd
}

func demoCmd() *cobra.Command {
	var data, storeURL string
	var jsonOut bool
	cmd := &cobra.Command{
		Use:   "demo",
		Short: "Print the demo tenant: users, passwords, apps and secrets",
		Long: `Print the demo tenant graphgate created in the data folder: its tenant id and
domain, every user (user principal name, password, roles), the groups, and the
apps (client id, secret, permissions). Passwords and secrets are random per
data folder (or the --store). The folder is seeded on the first 'graphgate
serve'; this command seeds it too if needed.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			st, err := open.Open(ctx, storeSpec(storeURL), data)
			if err != nil {
				return &exitError{ExitFailure, err}
			}
			defer st.Close()
			t, err := demo.Load(ctx, st)
			if errors.Is(err, demo.ErrNotSeeded) {
				srv, serr := server.New(ctx, server.Config{DataDir: data, Store: st, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
				if serr != nil {
					return &exitError{ExitFailure, serr}
				}
				t = srv.Demo
			} else if err != nil {
				return &exitError{ExitFailure, err}
			}
			out := cmd.OutOrStdout()
			if jsonOut {
				return writeJSON(out, t)
			}
			fmt.Fprintf(out, "Tenant %s (%s); personal accounts: %s\n\nUSERS\n", t.TenantID, t.Domain, t.PersonalTenantID)
			tw := table(out)
			fmt.Fprintln(tw, "  KEY\tUSER PRINCIPAL NAME\tPASSWORD\tROLES / NOTE")
			for _, u := range t.Users {
				fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\n", u.Key, u.UserPrincipalName, or(u.Password, "(no sign-in)"), strings.Join(append(u.Roles, u.Note), "; "))
			}
			_ = tw.Flush()
			fmt.Fprintln(out, "\nAPPS")
			tw = table(out)
			fmt.Fprintln(tw, "  KEY\tCLIENT ID\tSECRET\tNOTE")
			for _, a := range t.Apps {
				fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\n", a.Key, a.ClientID, or(a.Secret, "(public client)"), a.Note)
			}
			_ = tw.Flush()
			fmt.Fprintln(out, "\nGROUPS")
			for _, g := range t.Groups {
				fmt.Fprintf(out, "  %s (%s): members %s; owners %s\n", g.DisplayName, g.Visibility, strings.Join(g.Members, ", "), strings.Join(g.Owners, ", "))
			}
			return nil
		},
	}
	dataFlag(cmd, &data)
	storeFlag(cmd, &storeURL)
	cmd.Flags().BoolVar(&jsonOut, "json", false, "print JSON")
	return cmd
}

// parseThrottle reads --throttle: "off", or N/DURATION ("100/10s", "5/s",
// "600/1m") — N requests per DURATION for each app and user pair.
func parseThrottle(v string) (*graph.ThrottleConfig, error) {
	v = strings.TrimSpace(v)
	if v == "" || strings.EqualFold(v, "off") {
		return nil, nil
	}
	n, per, ok := strings.Cut(v, "/")
	reqs, err := strconv.Atoi(strings.TrimSpace(n))
	if !ok || err != nil || reqs < 1 {
		return nil, usageErr("--throttle takes N/DURATION such as 100/10s, or off; not %q", v)
	}
	per = strings.TrimSpace(per)
	if per != "" && (per[0] < '0' || per[0] > '9') {
		per = "1" + per // "5/s" means 5 per 1s
	}
	d, err := time.ParseDuration(per)
	if err != nil || d <= 0 {
		return nil, usageErr("--throttle takes N/DURATION such as 100/10s, or off; %q is not a duration", per)
	}
	return &graph.ThrottleConfig{Requests: reqs, Per: d}, nil
}
