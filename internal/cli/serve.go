package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"graphgate/internal/decisionlog"
	"graphgate/internal/demo"
	"graphgate/internal/graph"
	"graphgate/internal/identity"
	"graphgate/internal/server"
	"graphgate/internal/store/open"
	"graphgate/internal/store/sqlite"
	"graphgate/internal/transfer"
)

func init() {
	extraCommands = append(extraCommands, serveCmd, demoCmd)
}

// defaultDataDir is the data folder when neither --data nor GRAPHGATE_DATA
// names one.
const defaultDataDir = "./graphgate-data"

// dataFlag is the --data flag shared by every command that opens the store.
func dataFlag(cmd *cobra.Command, dst *string) {
	def := os.Getenv("GRAPHGATE_DATA")
	if def == "" {
		def = defaultDataDir
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

// defaultAddr is the default of serve's --addr, and the address other
// commands print URLs for: $GRAPHGATE_ADDR, else server.DefaultAddr.
func defaultAddr() string {
	if a := strings.TrimSpace(os.Getenv("GRAPHGATE_ADDR")); a != "" {
		return a
	}
	return server.DefaultAddr
}

// serveStarted is what 'serve --json' prints once it listens.
type serveStarted struct {
	URL         string `json:"url"`
	Discovery   string `json:"discovery"`
	Store       string `json:"store"`
	CAFile      string `json:"caFile,omitempty"`
	CACreated   bool   `json:"caCreated,omitempty"`
	DemoCreated bool   `json:"demoCreated,omitempty"`
	DemoTenant  string `json:"demoTenant,omitempty"`
	// Proxy is the interception proxy's URL (--proxy), for HTTPS_PROXY.
	Proxy string `json:"proxy,omitempty"`
}

// serveLimits are serve's flags for server.Limits; 0 turns a limit off.
type serveLimits struct {
	maxConns, maxHeaderBytes, minDataRate int
	idle, readHeader, grace               time.Duration
}

func (l serveLimits) limits() server.Limits {
	off := func(v int) int {
		if v == 0 {
			return -1
		}
		return v
	}
	offDur := func(v time.Duration) time.Duration {
		if v == 0 {
			return -1
		}
		return v
	}
	return server.Limits{MaxConns: off(l.maxConns), MaxHeaderBytes: off(l.maxHeaderBytes), MinDataRate: off(l.minDataRate),
		IdleTimeout: offDur(l.idle), ReadHeaderTimeout: offDur(l.readHeader), DataRateGrace: offDur(l.grace)}
}

func (l serveLimits) check() error {
	for name, v := range map[string]int{"--max-conns": l.maxConns, "--max-header-bytes": l.maxHeaderBytes, "--min-data-rate": l.minDataRate} {
		if v < 0 {
			return usageErr("%s takes a count (0 for no limit), not %d", name, v)
		}
	}
	for name, v := range map[string]time.Duration{"--idle-timeout": l.idle, "--read-header-timeout": l.readHeader, "--data-rate-grace": l.grace} {
		if v < 0 {
			return usageErr("%s takes a duration such as 30s (0 for no limit), not %v", name, v)
		}
	}
	if l.maxHeaderBytes > 0 && l.maxHeaderBytes < 4096 {
		return usageErr("--max-header-bytes %d is too small for any client's headers; use at least 4096 (default %d)", l.maxHeaderBytes, server.DefaultMaxHeaderBytes)
	}
	return nil
}

// warnLogger is the logger of a command that is not a server: warnings
// (such as a data folder other users can read) on the command's standard
// error, without a time stamp.
func warnLogger(cmd *cobra.Command) *slog.Logger {
	return slog.New(slog.NewTextHandler(cmd.ErrOrStderr(), &slog.HandlerOptions{Level: slog.LevelWarn,
		ReplaceAttr: func(groups []string, a slog.Attr) slog.Attr {
			if len(groups) == 0 && a.Key == slog.TimeKey {
				return slog.Attr{}
			}
			return a
		}}))
}

// exportTimeout bounds --export-on-exit after the signal.
const exportTimeout = 2 * time.Minute

func serveCmd() *cobra.Command {
	var cfg server.Config
	var logFormat, logLevel, throttle string
	var accessLife, refreshLife time.Duration
	var lim serveLimits
	var jsonOut, decisionLog, signInLog bool
	var importDir, exportDir string
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Run graphgate: the identity platform and Microsoft Graph on HTTPS",
		Long: `Run graphgate on HTTPS (default https://localhost:8443; --addr or
GRAPHGATE_ADDR changes the address).

On first start in an empty data folder graphgate creates its own certificate
authority (tls/ca.pem in the data folder) and a server certificate for
localhost, 127.0.0.1 and ::1 (plus any --tls-name), and the documented demo
tenant (see 'graphgate demo'). Make clients trust the CA: 'graphgate trust'
prints the settings for Go, OpenSSL, curl, Node.js and Python with the CA's
absolute path (eval "$(graphgate trust)" applies them in a POSIX shell). Then
point the clients at the server:
  MSAL Go      authority https://localhost:8443/<tenant>, WithInstanceDiscovery(false)
  azidentity   ClientOptions.Cloud.ActiveDirectoryAuthorityHost = https://localhost:8443/
  Graph SDK    adapter.SetBaseUrl("https://localhost:8443/v1.0")

Endpoints: /{tenant}/v2.0/.well-known/openid-configuration, /{tenant}/oauth2/v2.0/
{authorize,token,devicecode,logout}, /{tenant}/discovery/v2.0/keys,
/{tenant}/adminconsent, /devicelogin, /metrics (Prometheus), /healthz.

Storage: by default an SQLite database in the data folder (WAL, every commit
fsynced; the database files are owner-only, and a folder other users can read
draws a warning). With --store postgres://… (or GRAPHGATE_STORE) the tenant
lives in PostgreSQL instead, and any number of 'graphgate serve' replicas may
share it: tokens, codes, consent, keys and mail are the same everywhere.
Replicas still need the same TLS certificate: give them one --data folder (its
tls/ CA) or --tls-cert/--tls-key.

Limits (0 turns one off): at most --max-conns connections per listener — when
idle keep-alive clients hold them all, the longest idle is closed for a new
one, so /healthz always gets in; a keep-alive connection is closed after
--idle-timeout without a request; the TLS handshake and headers must arrive
within --read-header-timeout and fit --max-header-bytes (else 431); a request
body must arrive, and a response be read, at --min-data-rate bytes per second
on average once --data-rate-grace has passed (only time spent waiting for the
client counts), so uploads and long $batch bodies of any size work while a
body sent a byte at a time is cut off. The idle timeout, header size and
data rate defaults are those of Kestrel, Microsoft's HTTP server for .NET
(which caps no connections and allows 30s for headers).

Interception proxy (--proxy 127.0.0.1:8080): an HTTP proxy that answers
HTTPS requests for Microsoft's own hosts itself — login.microsoftonline.com,
login.windows.net, login.microsoft.com, sts.windows.net and
graph.microsoft.com — with certificates from graphgate's CA, so an app that
honours HTTPS_PROXY and trusts the CA runs unchanged, with Microsoft's
default authority and Graph URL. Every other host is refused (403 naming the
host) unless --proxy-passthrough, which tunnels them to the real host; plain
http:// requests for Microsoft's hosts are refused (Microsoft is HTTPS only).
'graphgate trust --proxy http://127.0.0.1:8080' prints the environment for Go,
Node.js, Python and .NET. The proxy has the same limits as the HTTPS listener.

Test fixtures, as the Firebase emulators': --import DIR loads every tenant of
the folder DIR before the server starts (each replaces the store's tenant of
that id; the folder's settings and, into a store without keys, its signing
keys are taken), and --export-on-exit DIR writes every tenant there when the
server stops on SIGINT or SIGTERM (Ctrl-C): one <tenant id>.jsonl per tenant
in the format of 'graphgate export' (signing keys included, owner-only files),
written to a new folder that then replaces DIR by rename, so DIR is never
half written. The same DIR for both keeps a test tenant across runs (an --import
folder that does not exist yet is a first run: a warning, not an error). Both work
with either store. 'graphgate snapshot' is faster for save/restore within one
store.

Decision log: every Graph authorization decision (allowed or denied, with its
full explanation) is recorded in the store, off the request path, for
'graphgate log', 'graphgate explain --request-id' and 'graphgate report
least-privilege --from-log'. It keeps --decision-log-max-age of history and at
most --decision-log-max-rows rows (0 turns a bound off; allowed requests that
repeat within a writer batch share one row, each still found by its ids);
--decision-log=false records nothing. When writes fall behind, decisions are dropped rather than
delay a request, and counted in graphgate_decision_log_dropped_total on /metrics.

Tests: 'graphgate clock' freezes, advances, sets and resets the server's one
clock (tokens, codes, refresh tokens, consent, calendar "now" follow it) and
'graphgate faults' injects errors, 429/503 with Retry-After, latency and
dropped connections; both talk to the admin API (/admin/v1/…), which takes a
Global Administrator's token (or nothing, with --admin-no-auth on loopback).

Memory: serve collects garbage at five times its live heap (GOGC=400) with a
soft limit of 96 MiB on the Go runtime's memory: under load collecting takes a
third to two thirds of the CPU it takes at Go's defaults, and the resident size
stays under 150 MiB under load. GOGC or GOMEMLIMIT in the environment replaces
both (GOGC=100 is Go's default).

Output: start-up lines on standard error, then the log (--log-format,
--log-level). With --json the log is JSON and, once listening, one JSON object
on standard output says where: {"url", "discovery", "store", "caFile", "proxy", …}.`,
		Example: `  graphgate serve
  graphgate serve --addr 127.0.0.1:8444                         # or GRAPHGATE_ADDR=127.0.0.1:8444
  graphgate serve --addr 0.0.0.0:8443 --tls-name graphgate.lan --data /var/lib/graphgate
  graphgate serve --tls-cert cert.pem --tls-key key.pem
  graphgate serve --store postgres://graphgate@db:5432/graphgate --addr 127.0.0.1:8444   # a replica
  graphgate serve --http-addr 127.0.0.1:8080 --trust-forwarded   # behind a reverse proxy
  graphgate serve --json | jq -r .url                           # scripts: wait for the URL
  graphgate serve --import ./fixtures --export-on-exit ./fixtures   # keep test data across runs
  graphgate serve --seed 42 --data "$(mktemp -d)"               # CI: the same passwords, secrets and ids every run
  graphgate serve --decision-log-max-age 24h --decision-log-max-rows 10000
  graphgate serve --faults faults.yaml --fault-seed 7           # inject faults (graphgate faults --help)
  graphgate serve --admin-no-auth                               # graphgate clock/faults without a token (loopback only)

  graphgate serve --proxy 127.0.0.1:8080   # apps keep Microsoft's URLs: eval "$(graphgate trust --proxy http://127.0.0.1:8080)"`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if jsonOut && !cmd.Flags().Changed("log-format") {
				logFormat = "json"
			}
			log, err := newLogger(cmd.ErrOrStderr(), logFormat, logLevel)
			if err != nil {
				return err
			}
			if (cfg.TLSCert == "") != (cfg.TLSKey == "") {
				return usageErr("--tls-cert and --tls-key go together")
			}
			if err := lim.check(); err != nil {
				return err
			}
			cfg.Limits = lim.limits()
			if cfg.ProxyPassthrough && cfg.ProxyAddr == "" {
				return usageErr("--proxy-passthrough goes with --proxy ADDRESS (e.g. --proxy 127.0.0.1:8080)")
			}
			if cfg.ProxyAddr != "" && cfg.TLSCert != "" {
				return usageErr("--proxy issues certificates for Microsoft's hosts with graphgate's CA and cannot run with --tls-cert: leave --tls-cert and --tls-key out")
			}
			cfg.Logger = log
			tuneServeGC(log, os.LookupEnv)
			if cfg.DecisionLog.MaxAge < 0 || cfg.DecisionLog.MaxRows < 0 {
				return usageErr("--decision-log-max-age and --decision-log-max-rows take a duration and a count (0 for no limit)")
			}
			cfg.DecisionLog.Off = !decisionLog
			// 0 on the command line turns a bound off; the package's 0 means
			// its default.
			if cfg.DecisionLog.MaxAge == 0 {
				cfg.DecisionLog.MaxAge = -1
			}
			if cfg.DecisionLog.MaxRows == 0 {
				cfg.DecisionLog.MaxRows = -1
			}
			if cfg.SignInLog.MaxAge < 0 || cfg.SignInLog.MaxRows < 0 {
				return usageErr("--signin-log-max-age and --signin-log-max-rows take a duration and a count (0 for no limit)")
			}
			cfg.SignInLog.Off = !signInLog
			if cfg.SignInLog.MaxAge == 0 {
				cfg.SignInLog.MaxAge = -1
			}
			if cfg.SignInLog.MaxRows == 0 {
				cfg.SignInLog.MaxRows = -1
			}
			if cfg.Throttle, err = parseThrottle(throttle); err != nil {
				return err
			}
			cfg.Identity.AccessTokenLifetime, cfg.Identity.RefreshTokenLifetime = accessLife, refreshLife
			cfg.Identity.TrustForwarded = cfg.TrustForwarded
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			// Human start-up lines go to standard error; with --json they
			// are replaced by one object on standard output.
			out := cmd.ErrOrStderr()
			if jsonOut {
				out = io.Discard
			}
			cfg.StoreURL = storeSpec(cfg.StoreURL)
			spec, err := open.Parse(cfg.StoreURL, cfg.DataDir)
			if err != nil {
				return usageErr("%v", err)
			}
			fmt.Fprintf(out, "graphgate: opening %s\n", spec)
			cfg.Version = currentVersion().String()
			if importDir != "" || exportDir != "" {
				// The store is opened here so that the import happens before
				// the server reads its settings and keys, and the export after
				// it stopped serving.
				spec.Logger = log
				st, err := spec.Open(ctx)
				if err != nil {
					return &exitError{ExitFailure, err}
				}
				defer st.Close()
				cfg.Store = st
				if _, err := os.Stat(importDir); importDir != "" && errors.Is(err, fs.ErrNotExist) {
					// As the Firebase emulators: nothing exported yet is a
					// first run, not an error (the same folder for both flags).
					log.Warn("nothing to import: the folder does not exist yet", "folder", importDir)
				} else if importDir != "" {
					sum, err := transfer.ImportFolder(ctx, st, importDir)
					if err != nil {
						return &exitError{ExitFailure, fmt.Errorf("--import %s: %w (the folder is written by 'graphgate serve --export-on-exit %s')", importDir, err, importDir)}
					}
					for _, t := range sum.Tenants {
						fmt.Fprintf(out, "graphgate: imported tenant %s from %s: %s\n", t.TenantID, importDir, t)
					}
				}
			}
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
			caFile := absPath(b.CAFile)
			err = srv.Serve(ctx, func(url string) {
				discovery := fmt.Sprintf("%s/%s/v2.0/.well-known/openid-configuration", url, demo.TenantDomain)
				if jsonOut {
					_ = json.NewEncoder(cmd.OutOrStdout()).Encode(serveStarted{URL: url, Discovery: discovery, Store: spec.String(),
						CAFile: caFile, CACreated: b.CACreated, DemoCreated: srv.DemoCreated, DemoTenant: demo.TenantDomain, Proxy: srv.ProxyURL()})
					return
				}
				fmt.Fprintf(out, "graphgate: listening on %s\n", url)
				if p := srv.ProxyURL(); p != "" {
					others := "refused"
					if cfg.ProxyPassthrough {
						others = "tunnelled to the real host"
					}
					fmt.Fprintf(out, "graphgate: interception proxy on %s: serves %s; other hosts %s. For your apps: 'graphgate trust --proxy %s%s'\n",
						p, strings.Join(server.InterceptedHosts, ", "), others, p, dataArg(cfg.DataDir))
				}
				if caFile != "" {
					if b.CACreated {
						fmt.Fprintf(out, "graphgate: created a certificate authority for this data folder\n")
					}
					fmt.Fprintf(out, "graphgate: clients must trust its CA %s: 'graphgate trust%s' prints how for Go, curl, Node.js and Python; in this shell:\n",
						caFile, dataArg(cfg.DataDir))
					fmt.Fprintf(out, "graphgate:   eval \"$(graphgate trust%s)\"\n", dataArg(cfg.DataDir))
				}
				fmt.Fprintf(out, "graphgate: discovery: %s\n", discovery)
			})
			if err != nil && !errors.Is(err, context.Canceled) {
				return &exitError{ExitFailure, listenHelp(err)}
			}
			if exportDir != "" {
				// The signal cancelled ctx: the export gets its own bounded time.
				ectx, cancel := context.WithTimeout(context.WithoutCancel(ctx), exportTimeout)
				defer cancel()
				sum, err := transfer.ExportFolder(ectx, cfg.Store, exportDir)
				if err != nil {
					return &exitError{ExitFailure, fmt.Errorf("--export-on-exit %s: %w (the previous export, if any, is unchanged)", exportDir, err)}
				}
				log.Info("exported the store on exit", "folder", absPath(exportDir), "tenants", len(sum.Tenants))
				fmt.Fprintf(out, "graphgate: exported %d tenants to %s\n", len(sum.Tenants), exportDir)
			}
			fmt.Fprintln(out, "graphgate: stopped")
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&cfg.Addr, "addr", defaultAddr(), "HTTPS listen address (env GRAPHGATE_ADDR)")
	dataFlag(cmd, &cfg.DataDir)
	storeFlag(cmd, &cfg.StoreURL)
	f.StringSliceVar(&cfg.TLSNames, "tls-name", envList("GRAPHGATE_TLS_NAME"),
		"another DNS name or IP for the server certificate (repeatable; env GRAPHGATE_TLS_NAME, comma-separated: a container's host name)")
	f.StringVar(&cfg.TLSCert, "tls-cert", "", "your own certificate (PEM) instead of graphgate's CA")
	f.StringVar(&cfg.TLSKey, "tls-key", "", "the key of --tls-cert (PEM)")
	f.StringVar(&cfg.HTTPAddr, "http-addr", "", "also serve plain HTTP here, for a TLS-terminating reverse proxy")
	f.BoolVar(&cfg.TrustForwarded, "trust-forwarded", false, "build URLs from X-Forwarded-Proto and X-Forwarded-Host")
	f.StringVar(&cfg.ProxyAddr, "proxy", "", "also run the interception proxy here (e.g. 127.0.0.1:8080): HTTPS_PROXY for apps that keep Microsoft's URLs")
	f.BoolVar(&cfg.ProxyPassthrough, "proxy-passthrough", false, "let the proxy tunnel hosts other than Microsoft's to the real host (default: refuse them)")
	f.BoolVar(&cfg.NoDemo, "no-demo", false, "do not create the demo tenant in an empty data folder")
	seedFlag(cmd, &cfg.Identity.Seed)
	f.StringVar(&importDir, "import", "", "load every tenant of this folder (written by --export-on-exit) before serving")
	f.StringVar(&exportDir, "export-on-exit", "", "write every tenant to this folder when stopped by SIGINT/SIGTERM (replaced atomically)")
	f.DurationVar(&accessLife, "access-token-lifetime", time.Hour, "lifetime of access tokens")
	f.DurationVar(&refreshLife, "refresh-token-lifetime", 90*24*time.Hour, "lifetime of refresh tokens (renewed at each use)")
	f.StringVar(&logFormat, "log-format", "text", "log format: text or json")
	f.StringVar(&logLevel, "log-level", "info", "log level: debug (every request), info (failed requests with why, and server events), warn or error")
	f.StringVar(&throttle, "throttle", "off", "limit Graph requests per app and user, e.g. 100/10s or 5/s (429 with Retry-After beyond it); off by default")
	f.StringVar(&cfg.FaultsFile, "faults", "", "fault rules (YAML) to inject from the start; 'graphgate faults' changes them at runtime (see graphgate faults --help)")
	f.Uint64Var(&cfg.FaultSeed, "fault-seed", 0, "seed of the random source of fault rules with a probability (the same seed repeats a run)")
	f.BoolVar(&cfg.AdminNoAuth, "admin-no-auth", false, "serve the admin API (graphgate clock, graphgate faults) without a token; refused unless every listener is on a loopback address")
	lockoutFlags(cmd, &cfg.Identity)
	f.BoolVar(&decisionLog, "decision-log", true, "record every Graph authorization decision in the store (graphgate log); --decision-log=false turns it off")
	f.DurationVar(&cfg.DecisionLog.MaxAge, "decision-log-max-age", decisionlog.DefaultMaxAge, "delete logged decisions older than this (0: keep any age)")
	f.IntVar(&cfg.DecisionLog.MaxRows, "decision-log-max-rows", decisionlog.DefaultMaxRows, "keep at most this many decision log rows, the newest (repeated allowed requests share a row; 0: no count limit)")
	f.BoolVar(&signInLog, "signin-log", true, "record every sign-in (the sign-in pages and the token endpoint, successes and failures) in the store (console: Sign-ins); --signin-log=false turns it off")
	f.DurationVar(&cfg.SignInLog.MaxAge, "signin-log-max-age", decisionlog.DefaultMaxAge, "delete logged sign-ins older than this (0: keep any age)")
	f.IntVar(&cfg.SignInLog.MaxRows, "signin-log-max-rows", decisionlog.DefaultMaxRows, "keep at most this many sign-in log rows, the newest (an app's repeated client-credentials sign-ins share a row; 0: no count limit)")
	f.IntVar(&lim.maxConns, "max-conns", server.DefaultMaxConns, "open connections per listener; at the cap the longest-idle one is closed for a new one (0: no cap)")
	f.DurationVar(&lim.idle, "idle-timeout", server.DefaultIdleTimeout, "close a keep-alive connection that sends no request for this long (0: never)")
	f.DurationVar(&lim.readHeader, "read-header-timeout", server.DefaultReadHeaderTimeout, "time allowed for the TLS handshake and a request's headers (0: no limit)")
	f.IntVar(&lim.maxHeaderBytes, "max-header-bytes", server.DefaultMaxHeaderBytes, "largest request line and headers, in bytes; beyond it 431 (0: net/http's 1 MiB)")
	f.IntVar(&lim.minDataRate, "min-data-rate", server.DefaultMinDataRate, "slowest average rate, bytes per second, at which a body may arrive and a response be read (0: no minimum)")
	f.DurationVar(&lim.grace, "data-rate-grace", server.DefaultDataRateGrace, "how long a request body or response may take before --min-data-rate applies")
	f.BoolVar(&jsonOut, "json", false, "JSON log, and once listening one JSON object on standard output (url, discovery, store, caFile, …)")
	return cmd
}

// dataArg is " --data DIR" when dir is not the default data folder, so that
// a printed command finds the same folder.
func dataArg(dir string) string {
	def := os.Getenv("GRAPHGATE_DATA")
	if def == "" {
		def = defaultDataDir
	}
	if filepath.Clean(dir) == filepath.Clean(def) {
		return ""
	}
	return " --data " + shellQuote(dir)
}

// envList is the comma-separated list in the environment variable name
// (nil when unset or empty).
func envList(name string) []string {
	var out []string
	for _, v := range strings.Split(os.Getenv(name), ",") {
		if v = strings.TrimSpace(v); v != "" {
			out = append(out, v)
		}
	}
	return out
}

// absPath is p made absolute (p itself if that fails, or "" for "").
func absPath(p string) string {
	if p == "" {
		return ""
	}
	if a, err := filepath.Abs(p); err == nil {
		return a
	}
	return p
}

// listenHelp turns an address already in use into what to do about it.
func listenHelp(err error) error {
	var le *server.ListenError
	if !errors.As(err, &le) || !errors.Is(err, syscall.EADDRINUSE) {
		return err
	}
	if le.Proxy {
		return fmt.Errorf("%s is already in use (another graphgate serve, or another program): choose another address for the proxy with --proxy%s",
			le.Addr, freeAddrHint(le.Addr, " "))
	}
	if le.Plain {
		return fmt.Errorf("%s is already in use (another graphgate serve, or another program): choose another address for plain HTTP with --http-addr%s",
			le.Addr, freeAddrHint(le.Addr, " "))
	}
	return fmt.Errorf("%s is already in use (another graphgate serve, or another program): choose another address with --addr%s, or set GRAPHGATE_ADDR (it is also the address 'graphgate app create' and 'tenant create' print URLs for)",
		le.Addr, freeAddrHint(le.Addr, " "))
}

// freeAddrHint names a free port next to addr's (" 127.0.0.1:8444"), or
// nothing when none of the next ten is free.
func freeAddrHint(addr, sep string) string {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return ""
	}
	p, err := strconv.Atoi(port)
	if err != nil {
		return ""
	}
	for next := p + 1; next <= p+10 && next < 65536; next++ {
		a := net.JoinHostPort(host, strconv.Itoa(next))
		if ln, err := net.Listen("tcp", a); err == nil {
			ln.Close()
			return sep + a
		}
	}
	return ""
}

// seedFlag is the --seed flag of serve, demo and reset.
func seedFlag(cmd *cobra.Command, dst *string) {
	cmd.Flags().StringVar(dst, "seed", os.Getenv("GRAPHGATE_SEED"), "derive the demo tenant's passwords, client secrets, ids and the identity platform's\n"+
		"keys from this value when seeding, instead of random ones: reproducible fixtures (env GRAPHGATE_SEED)")
}

func demoCmd() *cobra.Command {
	var data, storeURL, seed string
	var jsonOut bool
	cmd := &cobra.Command{
		Use:   "demo",
		Short: "Print the demo tenant: users, passwords, apps and secrets",
		Long: `Print the demo tenant graphgate created in the data folder: its tenant id and
domain, every user (user principal name, password, roles), the groups, and the
apps (client id, secret, permissions). Passwords and secrets are random per
data folder (or the --store). The folder is seeded on the first 'graphgate
serve'; this command seeds it too if needed, and then says so: the new
tenant's passwords are not those of a server running on another folder, so
give it the server's --data (or --store).

With --seed N (or GRAPHGATE_SEED) a new demo tenant's passwords, client
secrets, app object ids, mail/calendar/file ids and the identity platform's
keys are derived from N: every folder seeded with the same N has the same
tenant, so CI fixtures can name them. A folder seeded before keeps what it
has ('graphgate reset --seed N --yes' reseeds it).`,
		Example: `  graphgate demo
  graphgate demo --data /var/lib/graphgate --json
  graphgate demo --seed 42 --data ./ci-data --json    # the same output on every machine`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			spec, err := open.Parse(storeSpec(storeURL), data)
			if err != nil {
				return usageErr("%v", err)
			}
			fresh := false
			if spec.Kind == open.SQLite {
				_, err := os.Stat(filepath.Join(spec.Dir, sqlite.FileName))
				fresh = errors.Is(err, fs.ErrNotExist)
			}
			spec.Logger = warnLogger(cmd)
			st, err := spec.Open(ctx)
			if err != nil {
				return &exitError{ExitFailure, err}
			}
			defer st.Close()
			t, err := demo.Load(ctx, st)
			if errors.Is(err, demo.ErrNotSeeded) {
				srv, serr := server.New(ctx, server.Config{DataDir: data, Store: st, Passwords: admPasswordParams,
					Identity: identity.Config{Seed: seed}, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
				if serr != nil {
					return &exitError{ExitFailure, serr}
				}
				t = srv.Demo
				// Passwords and secrets are random per store: these match
				// no server running on another folder or store.
				where := "in " + spec.String()
				if fresh {
					where = "in the new data folder " + absPath(spec.Dir)
				}
				fmt.Fprintf(cmd.ErrOrStderr(), "graphgate: there was no demo tenant %s, so one was created now: its passwords and secrets are new, "+
					"and a 'graphgate serve' running on another data folder or store does not know them. To see the demo tenant of a running "+
					"server, give this command the same --data (or GRAPHGATE_DATA) or --store (or GRAPHGATE_STORE) as the server.\n", where)
			} else if err != nil {
				return &exitError{ExitFailure, err}
			} else if seed != "" {
				admNote(cmd, "this store had its demo tenant already: --seed applies only to a new one; 'graphgate reset --seed %s --yes' reseeds it", seed)
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
	seedFlag(cmd, &seed)
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
