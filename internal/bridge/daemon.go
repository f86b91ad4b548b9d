package bridge

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"time"

	"graphgate/internal/bridge/auth"
	"graphgate/internal/bridge/graphclient"
	"graphgate/internal/bridge/mqttha"
	"graphgate/internal/planner"
)

// Options tune a running bridge; the zero value is right for production.
type Options struct {
	Logger *slog.Logger
	// Version is reported in discovery configs (origin and device).
	Version string
	// AuthRetryMin and AuthRetryMax bound the back-off while an account
	// cannot get a token (default 10s and 15m).
	AuthRetryMin, AuthRetryMax time.Duration
	// GraphRetryMin is the first Graph retry wait (default 1s).
	GraphRetryMin time.Duration
}

func (o *Options) defaults() {
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.Version == "" {
		o.Version = "dev"
	}
	if o.AuthRetryMin == 0 {
		o.AuthRetryMin = 10 * time.Second
	}
	if o.AuthRetryMax == 0 {
		o.AuthRetryMax = 15 * time.Minute
	}
}

// Bridge runs the integration's sensors and services for every configured
// account and publishes them to Home Assistant.
type Bridge struct {
	cfg      *Config
	opts     Options
	log      *slog.Logger
	mq       *mqttha.Client
	accounts []*account
}

// TokenFile is the token file of an account: the integration's
// o365_<account>.token in token_dir.
func (c *Config) TokenFile(a *Account) string {
	return filepath.Join(c.TokenDir, planner.TokenFilename(a.Name))
}

// Account returns the named account.
func (c *Config) Account(name string) (*Account, bool) {
	for i := range c.Accounts {
		if c.Accounts[i].Name == name {
			return &c.Accounts[i], true
		}
	}
	return nil, false
}

// HTTPClient is the account's HTTP client: the system's CAs plus ca_file.
func (a *Account) HTTPClient() (*http.Client, error) {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	if a.CAFile != "" {
		tc, err := tlsWithCA(a.CAFile)
		if err != nil {
			return nil, err
		}
		tr.TLSClientConfig = tc
	}
	return &http.Client{Transport: tr, Timeout: 60 * time.Second}, nil
}

func tlsWithCA(file string) (*tls.Config, error) {
	pem, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("ca_file: %w", err)
	}
	pool, err := x509.SystemCertPool()
	if err != nil || pool == nil {
		pool = x509.NewCertPool()
	}
	if !pool.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("ca_file %s holds no PEM certificate", file)
	}
	return &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}, nil
}

// Session builds the account's sign-in session (MSAL with the token file).
func (c *Config) Session(a *Account, log *slog.Logger) (*auth.Session, error) {
	hc, err := a.HTTPClient()
	if err != nil {
		return nil, err
	}
	rc := graphclient.NewRetryClient(hc, log, 3, 0, 0, 0)
	return auth.New(auth.Options{Authority: a.Authority, Tenant: a.Tenant, ClientID: a.ClientID, ClientSecret: a.ClientSecret,
		RedirectURI: a.RedirectURI, HTTPClient: rc.StandardClient(), CacheFile: c.TokenFile(a), Logger: log})
}

// Run connects to the broker and runs every account until ctx ends. It
// returns an error only when it cannot start (bad CA file, broker
// unreachable until ctx ends); an account that cannot sign in or lacks
// permissions is reported and retried, never fatal.
func Run(ctx context.Context, cfg *Config, opts Options) error {
	b, err := New(cfg, opts)
	if err != nil {
		return err
	}
	return b.Run(ctx)
}

// New prepares a bridge (no I/O beyond reading CA files).
func New(cfg *Config, opts Options) (*Bridge, error) {
	opts.defaults()
	b := &Bridge{cfg: cfg, opts: opts, log: opts.Logger}
	for i := range cfg.Accounts {
		a, err := newAccount(b, &cfg.Accounts[i])
		if err != nil {
			return nil, fmt.Errorf("account %s: %w", cfg.Accounts[i].Name, err)
		}
		b.accounts = append(b.accounts, a)
	}
	return b, nil
}

// Run is the daemon's main loop.
func (b *Bridge) Run(ctx context.Context) error {
	m := b.cfg.MQTT
	var tc *tls.Config
	if m.CAFile != "" {
		var err error
		if tc, err = tlsWithCA(m.CAFile); err != nil {
			return err
		}
	}
	b.log.Info("bridge starting", "broker", m.Broker, "accounts", len(b.accounts), "base_topic", m.BaseTopic, "discovery_prefix", m.DiscoveryPrefix)
	mq, err := mqttha.Connect(ctx, mqttha.Options{Broker: m.Broker, ClientID: m.ClientID, Username: m.Username, Password: m.Password,
		TLS: tc, WillTopic: bridgeStatusTopic(m.BaseTopic), Logger: b.log})
	if err != nil {
		if ctx.Err() != nil {
			return nil
		}
		return err
	}
	b.mq = mq
	var wg sync.WaitGroup
	for _, a := range b.accounts {
		wg.Add(1)
		go func() {
			defer wg.Done()
			a.run(ctx)
		}()
	}
	<-ctx.Done()
	wg.Wait()
	b.log.Info("bridge stopping")
	if err := mq.Close(); err != nil && !errors.Is(err, context.Canceled) {
		b.log.Warn("mqtt close", "err", err)
	}
	return nil
}
