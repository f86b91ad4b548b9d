package main

import (
	"context"
	"flag"
	"fmt"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"time"

	"graphgate/internal/demo"
	"graphgate/internal/directory"
	"graphgate/internal/server"
	"graphgate/internal/store"
	"graphgate/internal/store/sqlite"
)

func main() {
	base := flag.String("url", "https://localhost:8443", "the server's base URL (on this machine only)")
	data := flag.String("data", "graphgate-data", "the server's data folder (for the demo credentials and the CA)")
	duration := flag.Duration("duration", 5*time.Minute, "how long the traffic runs; the soak then stops")
	conc := flag.Int("concurrency", 8, "concurrent clients")
	every := flag.Duration("sample", 0, "how often RSS and goroutines are read from /metrics (default: duration/40)")
	series := flag.Bool("samples", false, "also print every sample (seconds, RSS MiB, goroutines)")
	flag.Usage = func() {
		fmt.Fprintf(flag.CommandLine.Output(), "Usage: go run ./bench/soak --data DIR [--duration 5m] [--concurrency 8]\n\n"+
			"Drives the graphgate serving DIR with mixed traffic, then reports per request kind,\n"+
			"the 5xx count and whether RSS and goroutines stayed flat (bench/README.md).\n\n")
		flag.PrintDefaults()
	}
	flag.Parse()
	if err := checkLoopback(*base); err != nil {
		fmt.Fprintln(os.Stderr, "soak:", err)
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()

	tn, err := prepare(ctx, *data)
	if err != nil {
		fmt.Fprintln(os.Stderr, "soak:", err)
		os.Exit(2)
	}
	tlsCfg, err := server.TLSClientConfig(filepath.Join(*data, "tls", "ca.pem"))
	if err != nil {
		fmt.Fprintf(os.Stderr, "soak: the server's CA in %s: %v\n", *data, err)
		os.Exit(2)
	}
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: tlsCfg, MaxIdleConnsPerHost: *conc, ForceAttemptHTTP2: true}, Timeout: 30 * time.Second}
	fmt.Fprintf(os.Stderr, "soak: %d clients for %s against %s\n", *conc, *duration, *base)
	rep, err := run(ctx, config{Base: *base, Client: client, Tenant: tn, Duration: *duration, Concurrency: *conc, Sample: *every, Log: os.Stderr})
	if err != nil {
		fmt.Fprintln(os.Stderr, "soak:", err)
		os.Exit(1)
	}
	rep.print(os.Stdout)
	if *series {
		for _, s := range rep.Samples {
			fmt.Printf("%6.1f s  %7.1f MiB  %4.0f goroutines\n", s.At.Seconds(), s.RSS/(1<<20), s.Goroutines)
		}
	}
	if rep.Failed > 0 || !rep.Flat.OK {
		os.Exit(1)
	}
}

// prepare reads the demo tenant of a data folder and records the demo
// users' consent to the soak's scopes for the Home Assistant app, as an
// administrator would with 'graphgate consent grant'.
func prepare(ctx context.Context, data string) (*demo.Tenant, error) {
	st, err := sqlite.Open(ctx, data)
	if err != nil {
		return nil, fmt.Errorf("opening the data folder %s: %w", data, err)
	}
	defer st.Close()
	tn, err := demo.Load(ctx, st)
	if err != nil {
		return nil, fmt.Errorf("the demo tenant in %s: %w (start 'graphgate serve --data %s' once first)", data, err, data)
	}
	app, _ := tn.AppByKey("homeassistant")
	dir := directory.New(st, directory.Options{})
	for _, k := range users {
		u, ok := tn.UserByKey(k)
		if !ok {
			return nil, fmt.Errorf("the demo tenant has no user %s", k)
		}
		_, err := dir.GrantDelegated(ctx, directory.DelegatedConsent{TenantID: demo.TenantID, App: store.App{AppID: app.ClientID},
			UserID: u.ID, Scopes: scopes, Replace: true})
		if err != nil {
			return nil, err
		}
	}
	return tn, nil
}
