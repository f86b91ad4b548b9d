package cli

// graphgate trust: the lines that make clients trust graphgate's CA, for
// the user's shell, with the CA's absolute path.

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	neturl "net/url"
	"os"
	"path/filepath"
	"runtime"
	"strings"

	"github.com/spf13/cobra"

	"graphgate/internal/server"
)

func init() {
	extraCommands = append(extraCommands, trustCmd)
}

// trustVar is one environment variable a client library reads its CAs from.
type trustVar struct {
	Name string `json:"name"`
	// Clients are the programs that read it.
	Clients string `json:"clients"`
	// Replaces tells whether it replaces the system's CAs (the program then
	// trusts only graphgate) rather than adding to them.
	Replaces bool `json:"replacesSystemCAs"`
}

// trustVars are the variables graphgate trust sets, in order. Which
// programs read which variable, and whether it replaces or adds: Go's
// crypto/x509 and OpenSSL read SSL_CERT_FILE instead of the system bundle;
// curl reads CURL_CA_BUNDLE (Debian's and Ubuntu's curl, built with a
// compiled-in CA path, ignores SSL_CERT_FILE); Node.js adds
// NODE_EXTRA_CA_CERTS to its built-in list; Python's requests reads
// REQUESTS_CA_BUNDLE instead of certifi's bundle.
var trustVars = []trustVar{
	{"SSL_CERT_FILE", "Go (MSAL Go, azidentity, msgraph-sdk-go), OpenSSL and what is built on it (Python's ssl, wget, .NET on Linux)", true},
	{"CURL_CA_BUNDLE", "curl (Debian's and Ubuntu's curl ignores SSL_CERT_FILE)", true},
	{"NODE_EXTRA_CA_CERTS", "Node.js (msal-node, @azure/identity, the Graph JavaScript clients)", false},
	{"REQUESTS_CA_BUNDLE", "Python requests (the O365 library, MSAL Python)", true},
}

// trustOut is what 'graphgate trust --json' prints.
type trustOut struct {
	CAFile    string            `json:"caFile"`
	Variables []trustVarOut     `json:"variables"`
	System    map[string]string `json:"systemStore"`
	// Proxy are the variables that send apps through the interception
	// proxy (--proxy); absent without it.
	Proxy []trustVarOut `json:"proxyVariables,omitempty"`
}

// proxyVars are the variables 'graphgate trust --proxy URL' adds: which
// runtimes send their requests through HTTPS_PROXY by themselves (Go's
// http.ProxyFromEnvironment, which MSAL Go, azidentity and the Graph SDK
// use through http.DefaultTransport; Python's requests and httpx; curl;
// .NET's HttpClient.DefaultProxy on every platform), and Node.js, whose
// http, https and fetch do only when NODE_USE_ENV_PROXY is set (Node.js
// 24.5 and later). NO_PROXY keeps graphgate's own address and other local
// services off the proxy. Value is filled in per call ("" is the proxy URL).
var proxyVars = []trustVar{
	{"HTTPS_PROXY", "Go, Python (requests, httpx, MSAL Python, O365), curl, .NET (HttpClient)", false},
	{"NO_PROXY", "the same: loopback addresses (graphgate's own URL) stay direct", false},
	{"NODE_USE_ENV_PROXY", "Node.js 24.5 and later: http, https and fetch honour HTTPS_PROXY (msal-node, @azure/identity, the Graph clients)", false},
}

// proxyValue is the value of a proxy variable for the proxy at url.
func proxyValue(name, url string) string {
	switch name {
	case "NO_PROXY":
		return "localhost,127.0.0.1,::1"
	case "NODE_USE_ENV_PROXY":
		return "1"
	}
	return url
}

// parseProxyFlag reads --proxy: the proxy's URL (http://127.0.0.1:8080) or
// address (127.0.0.1:8080, as 'serve --proxy' takes it).
func parseProxyFlag(v string) (string, error) {
	if v == "" {
		return "", nil
	}
	if !strings.Contains(v, "://") {
		v = "http://" + v
	}
	u, err := neturl.Parse(v)
	if err != nil || u.Scheme != "http" || u.Port() == "" || u.Hostname() == "" || (u.Path != "" && u.Path != "/") {
		return "", usageErr("--proxy takes the proxy's address as 'graphgate serve --proxy' printed it, such as http://127.0.0.1:8080, not %q", v)
	}
	return "http://" + u.Host, nil
}

type trustVarOut struct {
	trustVar
	Value string `json:"value"`
}

// trustSystem are the commands that add the CA to an operating system's
// store instead (%s is the CA file).
func trustSystem(ca string) map[string]string {
	return map[string]string{
		"debian":  fmt.Sprintf("sudo cp %s /usr/local/share/ca-certificates/graphgate.crt && sudo update-ca-certificates", shellQuote(ca)),
		"fedora":  fmt.Sprintf("sudo cp %s /etc/pki/ca-trust/source/anchors/graphgate.pem && sudo update-ca-trust", shellQuote(ca)),
		"macos":   fmt.Sprintf("sudo security add-trusted-cert -d -r trustRoot -k /Library/Keychains/System.keychain %s", shellQuote(ca)),
		"windows": fmt.Sprintf("Import-Certificate -FilePath %s -CertStoreLocation Cert:\\CurrentUser\\Root", psQuote(ca)),
	}
}

func trustCmd() *cobra.Command {
	var data, shell, proxyFlag string
	var jsonOut bool
	cmd := &cobra.Command{
		Use:   "trust",
		Short: "Print the settings that make Go, curl, Node.js and Python trust graphgate's CA",
		Long: `Print the environment variables that make clients trust the certificate
authority 'graphgate serve' created in the data folder (tls/ca.pem), with its
absolute path, in the syntax of your shell:

  SSL_CERT_FILE        Go (MSAL Go, azidentity, msgraph-sdk-go), OpenSSL
  CURL_CA_BUNDLE       curl (Debian's and Ubuntu's curl ignores SSL_CERT_FILE)
  NODE_EXTRA_CA_CERTS  Node.js (msal-node, @azure/identity)
  REQUESTS_CA_BUNDLE   Python requests (the O365 library)

Apply them to the current shell:
  sh, bash, zsh   eval "$(graphgate trust)"
  fish            graphgate trust --shell fish | source
  PowerShell      graphgate trust --shell powershell | Invoke-Expression

All but NODE_EXTRA_CA_CERTS replace the system's list: a shell with them set
trusts graphgate only, and cannot reach other HTTPS sites (Microsoft's own
login and Graph included) from Go, curl or Python. To trust graphgate
everywhere instead, add the CA to the system's store: the output ends with
the commands for Debian and Ubuntu, Fedora, macOS and Windows, as comments.

With --proxy (the address of 'graphgate serve --proxy'), it also prints the
variables that send apps through graphgate's interception proxy, so they keep
Microsoft's URLs (login.microsoftonline.com, graph.microsoft.com) and need no
change at all:

  HTTPS_PROXY          Go, Python (requests, httpx), curl, .NET (HttpClient)
  NO_PROXY             loopback stays direct (graphgate's own URL)
  NODE_USE_ENV_PROXY   Node.js 24.5+ (http, https and fetch honour HTTPS_PROXY)

.NET on Windows and macOS reads the system store only: add the CA there
(the commands at the end of the output).

--shell defaults to fish when $SHELL is fish, powershell on Windows, else
sh. --json prints the CA file, the variables and the system commands as JSON.
The CA exists once 'graphgate serve' has started on the data folder.`,
		Example: `  eval "$(graphgate trust)"
  graphgate trust --shell fish | source
  graphgate trust --data /var/lib/graphgate --json
  eval "$(graphgate trust --proxy http://127.0.0.1:8080)"   # with 'graphgate serve --proxy 127.0.0.1:8080'`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if shell == "" {
				shell = defaultShell()
			}
			quote, set, comment := shellSyntax(shell)
			if quote == nil {
				return usageErr("--shell takes sh, fish or powershell, not %q", shell)
			}
			proxyURL, err := parseProxyFlag(proxyFlag)
			if err != nil {
				return err
			}
			ca, err := filepath.Abs(server.CAFile(data))
			if err != nil {
				return &exitError{ExitFailure, err}
			}
			if _, err := os.Stat(ca); errors.Is(err, fs.ErrNotExist) {
				return notFound(fmt.Errorf("no certificate authority in %s yet: start 'graphgate serve%s' once, it creates %s",
					data, dataArg(data), ca))
			} else if err != nil {
				return &exitError{ExitFailure, err}
			}
			out := cmd.OutOrStdout()
			system := trustSystem(ca)
			if jsonOut {
				o := trustOut{CAFile: ca, System: system}
				for _, v := range trustVars {
					o.Variables = append(o.Variables, trustVarOut{trustVar: v, Value: ca})
				}
				if proxyURL != "" {
					for _, v := range proxyVars {
						o.Proxy = append(o.Proxy, trustVarOut{trustVar: v, Value: proxyValue(v.Name, proxyURL)})
					}
				}
				return writeJSON(out, o)
			}
			writeTrust(out, ca, shell, quote, set, comment, system)
			if proxyURL != "" {
				writeProxy(out, proxyURL, quote, set, comment)
			}
			return nil
		},
	}
	dataFlag(cmd, &data)
	cmd.Flags().StringVar(&shell, "shell", "", "sh (also bash and zsh), fish or powershell (default: from $SHELL, powershell on Windows)")
	cmd.Flags().BoolVar(&jsonOut, "json", false, "print the CA file, the variables and the system-store commands as JSON")
	cmd.Flags().StringVar(&proxyFlag, "proxy", "", "also print the variables for the interception proxy at this address ('graphgate serve --proxy')")
	return cmd
}

func writeTrust(out io.Writer, ca, shell string, quote func(string) string, set func(name, value string) string, comment string, system map[string]string) {
	apply := map[string]string{"sh": `eval "$(graphgate trust)"`, "fish": "graphgate trust --shell fish | source",
		"powershell": "graphgate trust --shell powershell | Invoke-Expression"}[shell]
	fmt.Fprintf(out, "%s graphgate's certificate authority: %s\n", comment, ca)
	fmt.Fprintf(out, "%s Apply in this shell: %s\n", comment, apply)
	for _, v := range trustVars {
		how := "replaces the system's CAs"
		if !v.Replaces {
			how = "adds to the built-in CAs"
		}
		fmt.Fprintf(out, "%s   %s %s: %s\n", set(v.Name, quote(ca)), comment, how, v.Clients)
	}
	fmt.Fprintf(out, "%s\n%s Or trust it system-wide, so that every program trusts graphgate and other sites alike:\n", comment, comment)
	for _, os := range []struct{ key, label string }{{"debian", "Debian, Ubuntu"}, {"fedora", "Fedora, RHEL"}, {"macos", "macOS"}, {"windows", "Windows (PowerShell)"}} {
		fmt.Fprintf(out, "%s   %-21s %s\n", comment, os.label+":", system[os.key])
	}
	fmt.Fprintf(out, "%s (Node.js reads only its own list unless started with --use-system-ca.)\n", comment)
}

func writeProxy(out io.Writer, proxyURL string, quote func(string) string, set func(name, value string) string, comment string) {
	fmt.Fprintf(out, "%s\n%s The interception proxy %s: apps keep Microsoft's URLs and need no change\n", comment, comment, proxyURL)
	for _, v := range proxyVars {
		fmt.Fprintf(out, "%s   %s %s\n", set(v.Name, quote(proxyValue(v.Name, proxyURL))), comment, v.Clients)
	}
}

// defaultShell guesses the user's shell.
func defaultShell() string {
	if runtime.GOOS == "windows" {
		return "powershell"
	}
	if strings.HasSuffix(os.Getenv("SHELL"), "/fish") {
		return "fish"
	}
	return "sh"
}

// shellSyntax returns how a shell quotes a word, sets an exported
// variable, and starts a comment; nil for a shell it does not know.
func shellSyntax(shell string) (quote func(string) string, set func(name, value string) string, comment string) {
	switch strings.ToLower(shell) {
	case "sh", "bash", "zsh", "dash", "ksh", "posix":
		return shellQuote, func(n, v string) string { return "export " + n + "=" + v }, "#"
	case "fish":
		return fishQuote, func(n, v string) string { return "set -gx " + n + " " + v }, "#"
	case "powershell", "pwsh":
		return psQuote, func(n, v string) string { return "$env:" + n + " = " + v }, "#"
	}
	return nil, nil, ""
}

// shellQuote quotes s for a POSIX shell.
func shellQuote(s string) string {
	if s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789/._-:@+=,") == "" {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// fishQuote quotes s for fish (in single quotes only \ and ' are special).
func fishQuote(s string) string {
	return "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(s) + "'"
}

// psQuote quotes s for PowerShell (a single-quoted string doubles ').
func psQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }
