package main

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/http"
	"net/http/pprof"
	"os"
	"os/signal"
	"runtime"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"graphgate/internal/cli"
)

// The environment that makes this program a child of itself.
const (
	roleEnv  = "GRAPHGATE_THROUGHPUT_ROLE"  // "graphgate" or "bare"
	bareEnv  = "GRAPHGATE_THROUGHPUT_BARE"  // the bare server's bareConfig file
	pprofEnv = "GRAPHGATE_THROUGHPUT_PPROF" // the child's pprof address, when profiling
)

func main() {
	switch os.Getenv(roleEnv) {
	case "graphgate":
		os.Exit(runGraphgate(os.Args[1:]))
	case "bare":
		startPprof()
		if err := serveBare(os.Getenv(bareEnv)); err != nil {
			fmt.Fprintln(os.Stderr, "bare server:", err)
			os.Exit(1)
		}
		return
	}
	conns := flag.String("conns", "32,128", "concurrent connections, comma-separated: one round of phases each")
	duration := flag.Duration("duration", 3*time.Second, "how long each phase is measured in each round")
	warmup := flag.Duration("warmup", 500*time.Millisecond, "how long each phase runs before it is measured")
	rounds := flag.Int("rounds", 3, "how many times the phases alternate (the figures sum the rounds; the ratios of each round show the noise)")
	profile := flag.String("profile", "", "write graphgate's CPU, mutex, block and heap profiles for the largest --conns to this folder, the bare server's (*-bare.pprof) and this program's own CPU profile, the load generator's (*-harness.pprof)")
	jsonOut := flag.Bool("json", false, "print the report as JSON")
	smoke := flag.Bool("smoke", false, "a short run that checks only that every phase produced numbers (--conns 4 --duration 1s --warmup 0)")
	flag.Usage = func() {
		fmt.Fprintf(flag.CommandLine.Output(), `Usage: go run ./bench/throughput [flags]

Measures graphgate against a bare TLS handler answering the same bytes and
against the machine's RSA-2048 signing rate, all on 127.0.0.1, in one run.
Compare the ratios; absolute figures depend on the machine and its load.

Examples:
  go run ./bench/throughput                         # N = 32 and 128, 3 rounds of 3 s a phase
  go run ./bench/throughput --duration 10s --json   # for programs
  go run ./bench/throughput --profile prof/         # then: go tool pprof -top prof/cpu-me-128.pprof

Flags:
`)
		flag.PrintDefaults()
	}
	flag.Parse()
	if *smoke {
		*conns, *duration, *warmup, *rounds = "4", time.Second, 0, 1
	}
	cfg := config{Duration: *duration, Warmup: *warmup, Rounds: *rounds, ProfileDir: *profile, Log: os.Stderr}
	if *rounds < 1 || *duration <= 0 {
		fmt.Fprintln(os.Stderr, "throughput: --rounds must be at least 1 and --duration positive, e.g. --rounds 3 --duration 3s")
		os.Exit(2)
	}
	for _, s := range strings.Split(*conns, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil || n < 1 {
			fmt.Fprintf(os.Stderr, "throughput: --conns %q: want positive numbers separated by commas, e.g. --conns 32,128\n", *conns)
			os.Exit(2)
		}
		cfg.Conns = append(cfg.Conns, n)
	}
	if *profile != "" {
		if err := os.MkdirAll(*profile, 0o755); err != nil {
			fmt.Fprintln(os.Stderr, "throughput:", err)
			os.Exit(1)
		}
	}
	self, err := os.Executable()
	if err != nil {
		fmt.Fprintln(os.Stderr, "throughput:", err)
		os.Exit(1)
	}
	cfg.Self = self
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	rep, err := run(ctx, cfg)
	if err != nil {
		fmt.Fprintln(os.Stderr, "throughput:", err)
		os.Exit(1)
	}
	if *jsonOut {
		enc := json.NewEncoder(os.Stdout)
		enc.SetIndent("", "  ")
		_ = enc.Encode(rep)
	} else {
		printReport(rep)
	}
	if err := rep.check(); err != nil {
		fmt.Fprintln(os.Stderr, "throughput:", err)
		os.Exit(1)
	}
}

// check fails a run that did not measure: a phase without requests, or with
// errors. Missed targets are reported, never failed: they depend on the
// machine and on what else it runs.
func (r *Report) check() error {
	var errs []error
	for _, x := range r.Results {
		if x.Requests == 0 || x.PerSecond <= 0 {
			errs = append(errs, fmt.Errorf("%s on %s with %d connections: no requests completed", x.Call, x.Server, x.Conns))
		}
		if x.Errors > 0 {
			errs = append(errs, fmt.Errorf("%s on %s with %d connections: %d errors", x.Call, x.Server, x.Conns, x.Errors))
		}
	}
	return errors.Join(errs...)
}

func printReport(r *Report) {
	fmt.Printf("%s, %d CPUs, %d rounds of %s a phase\n\n", r.Date, r.CPUs, r.Rounds, r.Duration)
	tw := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(tw, "conns\tcall\tserver\trequests\treq/s\tp50 ms\tp99 ms\terrors\tserver CPU µs/req\tharness CPU µs/req\t\n")
	for _, x := range r.Results {
		server, client := "-", "-"
		if x.ServerCPUus > 0 {
			server = fmt.Sprintf("%.1f", x.ServerCPUus)
		}
		if x.ClientCPUus > 0 {
			client = fmt.Sprintf("%.1f", x.ClientCPUus)
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%d\t%.0f\t%.2f\t%.2f\t%d\t%s\t%s\t\n", x.Conns, x.Call, x.Server, x.Requests, x.PerSecond, x.P50ms, x.P99ms, x.Errors, server, client)
	}
	tw.Flush()
	fmt.Println()
	tw = tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "conns\tgraphgate's\tover\tratio\ttarget\tper round\tserver CPU ratio\t\n")
	for _, x := range r.Ratios {
		var rs []string
		for _, v := range x.Rounds {
			rs = append(rs, fmt.Sprintf("%.2f", v))
		}
		cpu := "-"
		if x.CPURatio > 0 {
			cpu = fmt.Sprintf("%.2f×", x.CPURatio)
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%.2f×\t≥ %.2f× %s\t%s\t%s\t\n", x.Conns, x.Call, x.Of, x.Ratio, x.Target, met(x.Met), strings.Join(rs, " "), cpu)
	}
	tw.Flush()
	fmt.Printf("\npeak RSS of graphgate under the largest number of concurrent token requests: %.1f MiB (target ≤ %d MiB %s; high-water mark over the run %.1f MiB)\n",
		r.PeakRSSMiB, rssTargetMiB, met(r.PeakRSSMiB > 0 && r.PeakRSSMiB <= rssTargetMiB), r.HWMMiB)
	fmt.Printf("  at the peak: %.1f MiB anonymous (heap, stacks, SQLite's caches, buffers), %.1f MiB file-backed (the executable)\n",
		r.PeakAnonMiB, r.PeakFileMiB)
	for _, f := range r.Profiles {
		fmt.Println("profile:", f)
	}
}

func met(ok bool) string {
	if ok {
		return "met"
	}
	return "missed"
}

func cpus() int { return runtime.NumCPU() }

// runGraphgate is graphgate's own main, with startPprof's listener.
func runGraphgate(args []string) int {
	startPprof()
	return cli.Main(args, os.Stdin, os.Stdout, os.Stderr)
}

// startPprof starts a pprof listener on the address in pprofEnv (loopback,
// only when the harness profiles), with mutex and block profiling switched
// on: graphgate's and the bare server's, so that their profiles compare.
func startPprof() {
	if addr := os.Getenv(pprofEnv); addr != "" {
		runtime.SetMutexProfileFraction(5)
		runtime.SetBlockProfileRate(10_000) // one blocking event per 10 µs blocked, on average
		mux := http.NewServeMux()
		mux.HandleFunc("/debug/pprof/", pprof.Index)
		mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
		srv := &http.Server{Addr: addr, Handler: mux, ReadHeaderTimeout: 5 * time.Second}
		go func() {
			if err := srv.ListenAndServe(); err != nil {
				fmt.Fprintln(os.Stderr, "throughput: pprof listener:", err)
			}
		}()
	}
}

// bareConfig is what the bare server answers: per path, the bytes
// graphgate answered.
type bareConfig struct {
	Cert, Key string
	Responses map[string]response
}

// serveBare is the reference: a plain net/http TLS server with graphgate's
// certificate, answering each configured path (with any query) with the
// stored headers and body — the bytes graphgate answered, so that a
// client parses the same response from either — and nothing else. It
// prints its address and serves until interrupted.
func serveBare(file string) error {
	b, err := os.ReadFile(file)
	if err != nil {
		return err
	}
	var cfg bareConfig
	if err := json.Unmarshal(b, &cfg); err != nil {
		return err
	}
	cert, err := tls.LoadX509KeyPair(cfg.Cert, cfg.Key)
	if err != nil {
		return err
	}
	byPath := map[string]response{}
	for p, r := range cfg.Responses {
		path, _, _ := strings.Cut(p, "?")
		byPath[path] = r
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	srv := &http.Server{
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			res, ok := byPath[r.URL.Path]
			if !ok {
				http.NotFound(w, r)
				return
			}
			h := w.Header()
			for k, v := range res.Header {
				h[k] = v
			}
			_, _ = w.Write(res.Body)
		}),
		TLSConfig:         &tls.Config{Certificates: []tls.Certificate{cert}},
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       2 * time.Minute,
	}
	fmt.Println(l.Addr().String())
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	go func() { <-ctx.Done(); _ = srv.Close() }()
	if err := srv.ServeTLS(l, "", ""); !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
