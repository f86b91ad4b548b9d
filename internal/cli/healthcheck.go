package cli

// graphgate healthcheck: probe a running server's /healthz over TLS with
// the data folder's CA (the container image's HEALTHCHECK).

import (
	"context"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"graphgate/internal/server"
)

func init() {
	extraCommands = append(extraCommands, healthcheckCmd)
}

func healthcheckCmd() *cobra.Command {
	var data, url string
	var timeout time.Duration
	var jsonOut bool
	cmd := &cobra.Command{
		Use:   "healthcheck",
		Short: "Check that a running graphgate answers: exit 0 when healthy, 1 when not",
		Long: `Ask a running 'graphgate serve' for /healthz over HTTPS, trusting only the CA
in the data folder (tls/ca.pem), and exit 0 when it answers that the store and
the signing keys are available, 1 otherwise, saying why.

The server's address is --url, else https://localhost:PORT for GRAPHGATE_ADDR
(default 127.0.0.1:8443), so the command needs no flags where the server's
environment is set: it is the HEALTHCHECK of graphgate's container image.`,
		Example: `  graphgate healthcheck
  graphgate healthcheck --url https://localhost:8444 --data ./graphgate-data
  docker exec graphgate /graphgate healthcheck`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if url == "" {
				url = server.BaseURL(defaultAddr())
			}
			if timeout <= 0 {
				return usageErr("--timeout takes a positive duration such as 5s, not %v", timeout)
			}
			ctx, cancel := context.WithTimeout(cmd.Context(), timeout)
			defer cancel()
			err := server.CheckHealth(ctx, url, server.CAFile(data))
			if jsonOut {
				o := struct {
					URL     string `json:"url"`
					Healthy bool   `json:"healthy"`
					Error   string `json:"error,omitempty"`
				}{URL: url, Healthy: err == nil}
				if err != nil {
					o.Error = err.Error()
				}
				if werr := writeJSON(cmd.OutOrStdout(), o); werr != nil {
					return werr
				}
				if err != nil {
					return errNegative
				}
				return nil
			}
			if err != nil {
				return &exitError{ExitNegative, fmt.Errorf("%s is not healthy: %w (is 'graphgate serve%s' running there? --url and --data name another server)",
					url, err, dataArg(data))}
			}
			fmt.Fprintf(cmd.OutOrStdout(), "%s is healthy\n", url)
			return nil
		},
	}
	dataFlag(cmd, &data)
	cmd.Flags().StringVar(&url, "url", "", "the server's HTTPS address (default: https://localhost:PORT of GRAPHGATE_ADDR)")
	cmd.Flags().DurationVar(&timeout, "timeout", server.DefaultHealthTimeout, "give up after this long")
	cmd.Flags().BoolVar(&jsonOut, "json", false, "print {url, healthy, error} as JSON")
	return cmd
}
