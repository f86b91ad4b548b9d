package server

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
)

// CheckHealth asks the server at baseURL (https://localhost:8443) for
// /healthz over TLS, trusting only the CA in caFile, and returns nil when
// it answers 200. It is what 'graphgate healthcheck' (a container's
// HEALTHCHECK) runs; the error says what failed: the CA, the connection,
// the certificate, or the server's own answer (store or signing keys
// unavailable).
func CheckHealth(ctx context.Context, baseURL, caFile string) error {
	tc, err := TLSClientConfig(caFile)
	if err != nil {
		return fmt.Errorf("reading the CA: %w", err)
	}
	c := &http.Client{Transport: &http.Transport{TLSClientConfig: tc, Proxy: nil, DisableKeepAlives: true}}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, strings.TrimSuffix(baseURL, "/")+"/healthz", nil)
	if err != nil {
		return err
	}
	resp, err := c.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s answered %s: %s", req.URL, resp.Status, strings.TrimSpace(string(body)))
	}
	return nil
}

// DefaultHealthTimeout bounds CheckHealth in 'graphgate healthcheck'.
const DefaultHealthTimeout = 5 * time.Second
