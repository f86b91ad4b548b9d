package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"graphgate/internal/server"
)

// config is one harness run.
type config struct {
	Self       string        // this program's executable: re-run as graphgate serve and as the bare server
	Conns      []int         // concurrent connections, one round of phases each
	Duration   time.Duration // each phase's measured time
	Warmup     time.Duration // each phase's unmeasured start
	Rounds     int           // how many times the phases alternate; figures sum the rounds
	Messages   int           // messages sent to Megan before measuring (0: seedMessages)
	ProfileDir string        // when set, CPU, mutex and block profiles of graphgate for the largest Conns
	Log        io.Writer     // progress
}

// Report is what a run measured.
type Report struct {
	Date     string   `json:"date"`
	CPUs     int      `json:"cpus"`
	Duration string   `json:"duration"` // of each phase in each round
	Rounds   int      `json:"rounds"`
	Results  []Result `json:"results"`
	Ratios   []Ratio  `json:"ratios"`
	// PeakRSSMiB is graphgate's largest resident set sampled (every 20 ms)
	// while the largest Conns sent token requests; HWMMiB the process's
	// high-water mark over the whole run (/proc's VmHWM).
	PeakRSSMiB float64 `json:"peakRssMiB"`
	HWMMiB     float64 `json:"hwmMiB"`
	// PeakAnonMiB and PeakFileMiB split the peak: anonymous memory (Go's
	// heap and stacks, SQLite's page caches, TLS buffers) and file-backed
	// pages (the executable's text and data, mapped files).
	PeakAnonMiB float64  `json:"peakAnonMiB"`
	PeakFileMiB float64  `json:"peakFileMiB"`
	Profiles    []string `json:"profiles,omitempty"`
}

// Ratio is graphgate's rate over its reference's, measured side by side.
type Ratio struct {
	Conns  int     `json:"conns"`
	Call   string  `json:"call"`
	Of     string  `json:"of"`
	Ratio  float64 `json:"ratio"`
	Target float64 `json:"target"`
	Met    bool    `json:"met"`
	// Rounds are the ratios of each round's phases, side by side: their
	// spread shows the machine's noise.
	Rounds []float64 `json:"rounds"`
	// CPURatio is the bare server's CPU per request over graphgate's (0
	// against the signatures): the share of graphgate's work per request
	// that the bare handler's also is (see Result.ServerCPUus).
	CPURatio float64 `json:"cpuRatio,omitempty"`
}

func logPhase(logf func(string, ...any), n int, call, srv string, s sample) {
	r := summarize([]sample{s})
	logf("%4d conns  %-52s %-9s %9.0f/s  p50 %7.2f ms  p99 %7.2f ms  %d errors", n, call, srv, r.PerSecond, r.P50ms, r.P99ms, r.Errors)
}

// The calls measured and their targets (issue 16).
const (
	callMe       = "GET /v1.0/me"
	callMessages = "GET /v1.0/me/messages?$top=25&$select=subject,from"
	callToken    = "POST token (client credentials)"
	callSign     = "RS256 signature (RSA-2048)"
	messagesPath = "/v1.0/me/messages?$top=25&$select=subject,from"
	rssTargetMiB = 150
)

var targets = map[string]float64{callMe: 0.8, callMessages: 0.5, callToken: 0.75}

// run starts graphgate and the bare server, measures every phase and
// stops both.
func run(ctx context.Context, cfg config) (*Report, error) {
	dir, err := os.MkdirTemp("", "graphgate-throughput-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	logf := func(format string, a ...any) { fmt.Fprintf(cfg.Log, "throughput: "+format+"\n", a...) }

	// The demo tenant first ('graphgate demo' seeds it and prints its
	// credentials), then the server on it.
	logf("seeding the demo tenant in %s", dir)
	var tenant demoTenant
	out, err := graphgateCmd(ctx, cfg.Self, "", "demo", "--data", dir, "--json").Output()
	if err != nil {
		return nil, fmt.Errorf("graphgate demo: %w%s", err, stderrOf(err))
	}
	if err := json.Unmarshal(out, &tenant); err != nil {
		return nil, fmt.Errorf("graphgate demo --json: %w", err)
	}
	gg, err := startGraphgate(ctx, cfg, dir)
	if err != nil {
		return nil, err
	}
	defer gg.stop()
	logf("graphgate (pid %d) listens on %s", gg.cmd.Process.Pid, gg.base)

	tlsCfg, err := server.TLSClientConfig(gg.caFile)
	if err != nil {
		return nil, err
	}
	tlsCfg.ServerName = "localhost"
	tlsCfg.NextProtos = []string{"http/1.1"} // as wrk: HTTP/1.1 keep-alive
	client := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{TLSClientConfig: tlsCfg.Clone(), ForceAttemptHTTP2: false,
		DialContext: loopbackDial(gg.addr)}}

	megan, webapp, daemon := tenant.user("megan"), tenant.app("webapp"), tenant.app("daemon")
	tokenPath := "/" + tenant.Domain + "/oauth2/v2.0/token"
	// A delegated token: the password grant through the confidential web
	// app, whose User.Read and Mail.Read the demo admin-consented.
	token, err := getToken(client, gg.base+tokenPath, url.Values{"grant_type": {"password"}, "client_id": {webapp.ClientID},
		"client_secret": {webapp.Secret}, "username": {megan.UserPrincipalName}, "password": {megan.Password},
		"scope": {"https://graph.microsoft.com/User.Read https://graph.microsoft.com/Mail.Read"}})
	if err != nil {
		return nil, err
	}
	ccForm := url.Values{"grant_type": {"client_credentials"}, "client_id": {daemon.ClientID}, "client_secret": {daemon.Secret},
		"scope": {"https://graph.microsoft.com/.default"}}.Encode()
	// A full page of mail: the daemon app (Mail.Send, application) sends
	// Megan messages until her mailbox holds more than a page.
	appToken, err := getToken(client, gg.base+tokenPath, mustParseQuery(ccForm))
	if err != nil {
		return nil, err
	}
	nmsg := cfg.Messages
	if nmsg <= 0 {
		nmsg = seedMessages
	}
	logf("sending %s %d messages", megan.UserPrincipalName, nmsg)
	for i := range nmsg {
		if err := sendMail(ctx, client, gg.base, appToken, megan.UserPrincipalName, i); err != nil {
			return nil, err
		}
	}

	// What graphgate answers, for the bare server to answer byte for byte.
	bodies := map[string]response{}
	for _, p := range []string{"/v1.0/me", messagesPath} {
		r, err := fetch(client, gg.base+p, token)
		if err != nil {
			return nil, err
		}
		bodies[p] = r
	}
	bare, err := startBare(ctx, cfg, dir, bodies)
	if err != nil {
		return nil, err
	}
	defer bare.stop()
	logf("bare server (pid %d) listens on %s", bare.cmd.Process.Pid, bare.addr)
	// The bare server must answer what graphgate answered, headers and
	// body, or the ratios would compare different responses.
	bareClient := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{TLSClientConfig: tlsCfg.Clone(), ForceAttemptHTTP2: false,
		DialContext: loopbackDial(bare.addr)}}
	for p, want := range bodies {
		got, err := fetchAnswer(bareClient, gg.base+p, token)
		if err != nil {
			return nil, fmt.Errorf("bare server: %w", err)
		}
		if d := sameBytes(want, got); d != "" {
			return nil, fmt.Errorf("bare server: GET %s: not graphgate's answer: %s", p, d)
		}
	}

	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, err
	}
	get := func(path, bearer string) []byte {
		return []byte("GET " + path + " HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer " + bearer + "\r\nAccept: application/json\r\n\r\n")
	}
	post := []byte("POST " + tokenPath + " HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: " +
		strconv.Itoa(len(ccForm)) + "\r\n\r\n" + ccForm)

	rep := &Report{Date: time.Now().UTC().Format(time.RFC3339), CPUs: cpus(), Duration: cfg.Duration.String(), Rounds: cfg.Rounds}
	maxConns := 0
	for _, n := range cfg.Conns {
		maxConns = max(maxConns, n)
	}
	type phaseKey struct {
		n            int
		call, server string
	}
	samples := map[phaseKey][]sample{}
	var order []phaseKey
	phase := func(n int, call, srv string, t target, profile bool) (sample, error) {
		pid := gg.cmd.Process.Pid
		if srv == "bare" {
			pid = bare.cmd.Process.Pid
		}
		if cfg.Warmup > 0 {
			if _, err := drive(ctx, t, n, cfg.Warmup); err != nil {
				return sample{}, fmt.Errorf("%s on %s, warm-up: %w", call, srv, err)
			}
		}
		var wait func() []string
		name := fmt.Sprintf("%s-%d", shortName(call), n)
		if srv == "bare" {
			name += "-bare"
		}
		if profile && srv == "bare" {
			wait = bare.profile(ctx, cfg.ProfileDir, name, cfg.Duration)
		} else if profile {
			wait = gg.profile(ctx, cfg.ProfileDir, name, cfg.Duration)
		}
		var stopSelf func() (string, error)
		if profile {
			// The load generator's own CPU over the same phase: what a
			// response costs its client (cpu-token-128-harness.pprof).
			var perr error
			if stopSelf, perr = profileSelf(filepath.Join(cfg.ProfileDir, "cpu-"+name+"-harness.pprof")); perr != nil {
				return sample{}, perr
			}
		}
		server0, client0 := procCPU(pid), selfCPU()
		s, err := drive(ctx, t, n, cfg.Duration)
		s.serverCPU, s.clientCPU = procCPU(pid)-server0, selfCPU()-client0
		if stopSelf != nil {
			f, perr := stopSelf()
			if perr != nil {
				return s, perr
			}
			rep.Profiles = append(rep.Profiles, f)
		}
		if wait != nil {
			rep.Profiles = append(rep.Profiles, wait()...)
		}
		if err != nil {
			return s, fmt.Errorf("%s on %s: %w", call, srv, err)
		}
		k := phaseKey{n, call, srv}
		if samples[k] == nil {
			order = append(order, k)
		}
		samples[k] = append(samples[k], s)
		logPhase(logf, n, call, srv, s)
		return s, nil
	}
	rate := func(s sample) float64 {
		if s.elapsed <= 0 {
			return 0
		}
		return float64(len(s.lat)) / s.elapsed.Seconds()
	}
	perRound := map[phaseKey][]float64{} // graphgate's ratio in each round
	var peak, peakAnon, peakFile int64
	for round := range cfg.Rounds {
		if cfg.Rounds > 1 {
			logf("round %d of %d", round+1, cfg.Rounds)
		}
		for _, n := range cfg.Conns {
			prof := cfg.ProfileDir != "" && n == maxConns && round == 0
			for _, p := range []struct{ call, path string }{{callMe, "/v1.0/me"}, {callMessages, messagesPath}} {
				// The bare server first, then graphgate, back to back, so
				// both see the same machine.
				b, err := phase(n, p.call, "bare", target{addr: bare.addr, tls: tlsCfg, request: get(p.path, token), status: 200}, prof)
				if err != nil {
					return rep, err
				}
				g, err := phase(n, p.call, "graphgate", target{addr: gg.addr, tls: tlsCfg, request: get(p.path, token), status: 200}, prof)
				if err != nil {
					return rep, err
				}
				k := phaseKey{n, p.call, "graphgate"}
				perRound[k] = append(perRound[k], rate(g)/rate(b))
			}
			sk := phaseKey{n, callSign, "rsa"}
			if samples[sk] == nil {
				order = append(order, sk)
			}
			s := sign(ctx, key, n, cfg.Duration)
			samples[sk] = append(samples[sk], s)
			logPhase(logf, n, callSign, "rsa", s)
			stopRSS := make(chan struct{})
			var rssWG sync.WaitGroup
			if n == maxConns {
				rssWG.Add(1)
				go func() {
					defer rssWG.Done()
					tick := time.NewTicker(20 * time.Millisecond)
					defer tick.Stop()
					for {
						if v := procStatus(gg.cmd.Process.Pid, "VmRSS"); v > peak {
							peak = v
							peakAnon, peakFile = procStatus(gg.cmd.Process.Pid, "RssAnon"), procStatus(gg.cmd.Process.Pid, "RssFile")
						}
						select {
						case <-stopRSS:
							return
						case <-tick.C:
						}
					}
				}()
			}
			g, err := phase(n, callToken, "graphgate", target{addr: gg.addr, tls: tlsCfg, request: post, status: 200}, prof)
			close(stopRSS)
			rssWG.Wait()
			if err != nil {
				return rep, err
			}
			k := phaseKey{n, callToken, "graphgate"}
			perRound[k] = append(perRound[k], rate(g)/rate(s))
		}
	}
	rep.PeakRSSMiB = float64(peak) / 1024
	rep.PeakAnonMiB, rep.PeakFileMiB = float64(peakAnon)/1024, float64(peakFile)/1024
	results := map[phaseKey]Result{}
	for _, k := range order {
		r := summarize(samples[k])
		r.Conns, r.Call, r.Server = k.n, k.call, k.server
		results[k] = r
		rep.Results = append(rep.Results, r)
	}
	for _, n := range cfg.Conns {
		for _, c := range []struct{ call, ref, of string }{{callMe, "bare", "bare"}, {callMessages, "bare", "bare"}, {callToken, "rsa", "RS256 signatures"}} {
			refCall := c.call
			if c.ref == "rsa" {
				refCall = callSign
			}
			g, ref := results[phaseKey{n, c.call, "graphgate"}], results[phaseKey{n, refCall, c.ref}]
			x := Ratio{Conns: n, Call: c.call, Of: c.of, Target: targets[c.call], Rounds: perRound[phaseKey{n, c.call, "graphgate"}]}
			if ref.PerSecond > 0 {
				x.Ratio = g.PerSecond / ref.PerSecond
			}
			if c.ref == "bare" && g.ServerCPUus > 0 {
				x.CPURatio = ref.ServerCPUus / g.ServerCPUus
			}
			x.Met = x.Ratio >= x.Target
			rep.Ratios = append(rep.Ratios, x)
		}
	}
	rep.HWMMiB = float64(procStatus(gg.cmd.Process.Pid, "VmHWM")) / 1024
	return rep, nil
}

// seedMessages is how many messages the harness sends before it measures,
// so that the $top=25 page is full.
const seedMessages = 30

func sendMail(ctx context.Context, c *http.Client, base, token, to string, i int) error {
	body := fmt.Sprintf(`{"message":{"subject":"Throughput %d: the quarterly figures","body":{"contentType":"Text","content":"Message %d of the throughput harness."},`+
		`"toRecipients":[{"emailAddress":{"address":%q}}]},"saveToSentItems":false}`, i, i, to)
	req, _ := http.NewRequestWithContext(ctx, "POST", base+"/v1.0/users/"+url.PathEscape(to)+"/sendMail", strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	res, err := c.Do(req)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusAccepted {
		b, _ := io.ReadAll(res.Body)
		return fmt.Errorf("sendMail: %d %s", res.StatusCode, b)
	}
	return nil
}

func mustParseQuery(q string) url.Values {
	v, err := url.ParseQuery(q)
	if err != nil {
		panic(err)
	}
	return v
}

// demoTenant is what 'graphgate demo --json' prints, as far as used here.
type demoTenant struct {
	Domain string `json:"domain"`
	Users  []struct {
		Key               string `json:"key"`
		UserPrincipalName string `json:"userPrincipalName"`
		Password          string `json:"password"`
	} `json:"users"`
	Apps []struct {
		Key      string `json:"key"`
		ClientID string `json:"clientId"`
		Secret   string `json:"secret"`
	} `json:"apps"`
}

func (t demoTenant) user(k string) (u struct{ UserPrincipalName, Password string }) {
	for _, x := range t.Users {
		if x.Key == k {
			u.UserPrincipalName, u.Password = x.UserPrincipalName, x.Password
		}
	}
	return u
}

func (t demoTenant) app(k string) (a struct{ ClientID, Secret string }) {
	for _, x := range t.Apps {
		if x.Key == k {
			a.ClientID, a.Secret = x.ClientID, x.Secret
		}
	}
	return a
}

// process is a child this harness started and stops.
type process struct {
	cmd     *exec.Cmd
	addr    string // 127.0.0.1:port
	base    string // https://localhost:port
	caFile  string
	pprof   string // graphgate's pprof listener, when profiling
	logFile string // where its standard error goes ("": the harness's)
	done    chan struct{}
}

func (p *process) stop() {
	_ = p.cmd.Process.Signal(os.Interrupt)
	select {
	case <-p.done:
	case <-time.After(10 * time.Second):
		_ = p.cmd.Process.Kill()
		<-p.done
	}
}

// graphgateCmd runs this executable as graphgate (see main).
func graphgateCmd(ctx context.Context, self, pprofAddr string, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, self, args...)
	cmd.Env = append(os.Environ(), roleEnv+"=graphgate")
	if pprofAddr != "" {
		cmd.Env = append(cmd.Env, pprofEnv+"="+pprofAddr)
	}
	return cmd
}

func startGraphgate(ctx context.Context, cfg config, dir string) (*process, error) {
	p := &process{done: make(chan struct{}), logFile: filepath.Join(dir, "graphgate.log")}
	if cfg.ProfileDir != "" {
		a, err := freePort()
		if err != nil {
			return nil, err
		}
		p.pprof = a
	}
	// Defaults everywhere but the log level: the decision header is always
	// on; successful requests are logged at debug, failed ones at info.
	p.cmd = graphgateCmd(ctx, cfg.Self, p.pprof, "serve", "--data", dir, "--addr", "127.0.0.1:0", "--json", "--log-level", "info")
	var line struct {
		URL    string `json:"url"`
		CAFile string `json:"caFile"`
	}
	if err := startChild(p, func(first []byte) error { return json.Unmarshal(first, &line) }); err != nil {
		return nil, fmt.Errorf("graphgate serve: %w", err)
	}
	u, err := url.Parse(line.URL)
	if err != nil {
		p.stop()
		return nil, err
	}
	p.base, p.caFile, p.addr = line.URL, line.CAFile, "127.0.0.1:"+u.Port()
	return p, nil
}

func startBare(ctx context.Context, cfg config, dir string, bodies map[string]response) (*process, error) {
	f := filepath.Join(dir, "bare.json")
	b, _ := json.Marshal(bareConfig{Cert: filepath.Join(dir, "tls", "server.pem"), Key: filepath.Join(dir, "tls", "server-key.pem"), Responses: bodies})
	if err := os.WriteFile(f, b, 0o600); err != nil {
		return nil, err
	}
	p := &process{done: make(chan struct{})}
	p.cmd = exec.CommandContext(ctx, cfg.Self)
	p.cmd.Env = append(os.Environ(), roleEnv+"=bare", bareEnv+"="+f)
	if cfg.ProfileDir != "" {
		a, err := freePort()
		if err != nil {
			return nil, err
		}
		p.pprof = a
		p.cmd.Env = append(p.cmd.Env, pprofEnv+"="+a)
	}
	if err := startChild(p, func(first []byte) error { p.addr = strings.TrimSpace(string(first)); return nil }); err != nil {
		return nil, fmt.Errorf("bare server: %w", err)
	}
	return p, nil
}

// startChild starts p.cmd and hands its first line of output to parse;
// the rest of its output goes to standard error.
func startChild(p *process, parse func([]byte) error) error {
	stdout, err := p.cmd.StdoutPipe()
	if err != nil {
		return err
	}
	p.cmd.Stderr = os.Stderr
	if p.logFile != "" {
		// graphgate logs as a server does, to a file: its log is part of
		// what a request costs, and it must not flood the harness's output.
		f, err := os.Create(p.logFile)
		if err != nil {
			return err
		}
		defer f.Close() // the child holds its own descriptor
		p.cmd.Stderr = f
	}
	if err := p.cmd.Start(); err != nil {
		return err
	}
	go func() { _ = p.cmd.Wait(); close(p.done) }()
	first := make(chan []byte, 1)
	go func() {
		br := bufio.NewReader(stdout)
		line, _ := br.ReadBytes('\n')
		first <- line
		_, _ = io.Copy(os.Stderr, br)
	}()
	select {
	case line := <-first:
		if len(line) == 0 {
			p.stop()
			return fmt.Errorf("exited before it listened%s", tail(p.logFile))
		}
		if err := parse(line); err != nil {
			p.stop()
			return err
		}
		return nil
	case <-time.After(2 * time.Minute):
		p.stop()
		return errors.New("not listening after 2 minutes")
	}
}

// profile fetches graphgate's CPU, mutex and block profiles over the next d
// into dir; the returned function waits for them and lists the files.
func (p *process) profile(ctx context.Context, dir, name string, d time.Duration) func() []string {
	var wg sync.WaitGroup
	var mu sync.Mutex
	var files []string
	secs := max(1, int(d.Seconds()))
	for _, kind := range []string{"profile", "mutex", "block"} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			file := kind
			if kind == "profile" {
				file = "cpu"
			}
			f := filepath.Join(dir, file+"-"+name+".pprof")
			req, _ := http.NewRequestWithContext(ctx, "GET", fmt.Sprintf("http://%s/debug/pprof/%s?seconds=%d", p.pprof, kind, secs), nil)
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				fmt.Fprintf(os.Stderr, "throughput: %s profile: %v\n", kind, err)
				return
			}
			defer res.Body.Close()
			b, err := io.ReadAll(res.Body)
			if err != nil || res.StatusCode != 200 {
				fmt.Fprintf(os.Stderr, "throughput: %s profile: %d %v\n", kind, res.StatusCode, err)
				return
			}
			if err := os.WriteFile(f, b, 0o644); err == nil {
				mu.Lock()
				files = append(files, f)
				mu.Unlock()
			}
		}()
	}
	// What the heap holds at the phase's end (as of its last collection).
	wg.Add(1)
	go func() {
		defer wg.Done()
		select {
		case <-ctx.Done():
			return
		case <-time.After(d):
		}
		// The profile, and as text with the runtime's MemStats (how much
		// of the process's memory is Go's, and in use).
		for _, q := range []struct{ file, query string }{{"heap-" + name + ".pprof", ""}, {"heap-" + name + ".txt", "?debug=1"}} {
			f := filepath.Join(dir, q.file)
			req, _ := http.NewRequestWithContext(ctx, "GET", fmt.Sprintf("http://%s/debug/pprof/heap%s", p.pprof, q.query), nil)
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				fmt.Fprintf(os.Stderr, "throughput: heap profile: %v\n", err)
				return
			}
			b, err := io.ReadAll(res.Body)
			res.Body.Close()
			if err == nil && res.StatusCode == 200 && os.WriteFile(f, b, 0o644) == nil {
				mu.Lock()
				files = append(files, f)
				mu.Unlock()
			}
		}
	}()
	return func() []string { wg.Wait(); return files }
}

// profileSelf starts a CPU profile of this process into file; the
// function it returns stops it and names the file.
func profileSelf(file string) (func() (string, error), error) {
	f, err := os.Create(file)
	if err != nil {
		return nil, err
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, fmt.Errorf("profiling the harness: %w", err)
	}
	return func() (string, error) {
		pprof.StopCPUProfile()
		return file, f.Close()
	}, nil
}

// response is what graphgate answered a GET, for the bare server: its
// headers (all but Date and Content-Length, which net/http writes for
// either server) and its body.
type response struct {
	Header http.Header `json:"header"`
	Body   []byte      `json:"body"`
}

// answer is r as the harness compares it: the response's headers less
// those each server writes itself, and its body.
func answer(h http.Header, body []byte) response {
	h = h.Clone()
	h.Del("Date")
	h.Del("Content-Length")
	return response{Header: h, Body: body}
}

// sameBytes says how two answers differ, "" when they do not: the same
// header names with values of the same length (request-id and
// client-request-id are per request in graphgate, fixed in the bare
// server), and the same body.
func sameBytes(a, b response) string {
	if !bytes.Equal(a.Body, b.Body) {
		return fmt.Sprintf("bodies differ (%d and %d bytes)", len(a.Body), len(b.Body))
	}
	if len(a.Header) != len(b.Header) {
		return fmt.Sprintf("headers %v and %v", slices.Sorted(maps.Keys(a.Header)), slices.Sorted(maps.Keys(b.Header)))
	}
	for k, va := range a.Header {
		vb := b.Header[k]
		if len(va) != len(vb) {
			return fmt.Sprintf("header %s: %q and %q", k, va, vb)
		}
		for i := range va {
			if len(va[i]) != len(vb[i]) {
				return fmt.Sprintf("header %s: %q and %q", k, va[i], vb[i])
			}
		}
	}
	return ""
}

// fetch is graphgate's answer to a GET with token, checked: 200 with a
// decision header.
func fetch(c *http.Client, u, token string) (response, error) {
	r, err := fetchAnswer(c, u, token)
	if err == nil && r.Header.Get("x-graphgate-decision") == "" {
		err = fmt.Errorf("GET %s: no x-graphgate-decision header", u)
	}
	return r, err
}

// fetchAnswer is any server's answer to a GET with token; an error unless 200.
func fetchAnswer(c *http.Client, u, token string) (response, error) {
	req, _ := http.NewRequest("GET", u, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	res, err := c.Do(req)
	if err != nil {
		return response{}, err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		return response{}, err
	}
	if res.StatusCode != 200 {
		return response{}, fmt.Errorf("GET %s: %d %s", u, res.StatusCode, b)
	}
	return answer(res.Header, b), nil
}

func getToken(c *http.Client, u string, form url.Values) (string, error) {
	res, err := c.PostForm(u, form)
	if err != nil {
		return "", err
	}
	defer res.Body.Close()
	var tok struct {
		AccessToken string `json:"access_token"`
		Error       string `json:"error_description"`
	}
	_ = json.NewDecoder(res.Body).Decode(&tok)
	if tok.AccessToken == "" {
		return "", fmt.Errorf("token request: %d %s", res.StatusCode, tok.Error)
	}
	return tok.AccessToken, nil
}

func loopbackDial(addr string) func(ctx context.Context, network, _ string) (net.Conn, error) {
	return func(ctx context.Context, network, _ string) (net.Conn, error) {
		var d net.Dialer
		return d.DialContext(ctx, network, addr)
	}
}

func freePort() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer l.Close()
	return l.Addr().String(), nil
}

// procCPU is the CPU time (user and system, all threads) process pid has
// used so far, from /proc/PID/stat (0 where there is none). Its unit is
// USER_HZ, 100 ticks a second on Linux: 10 ms, about 1 % of a 3 s phase
// at one core.
func procCPU(pid int) time.Duration {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	return statCPU(string(b))
}

// statCPU reads utime and stime from a /proc/PID/stat line.
func statCPU(line string) time.Duration {
	// After "pid (comm) " — comm may hold spaces and parentheses, so the
	// last ')' ends it: state is field 3, utime 14 and stime 15.
	i := strings.LastIndexByte(line, ')')
	if i < 0 {
		return 0
	}
	f := strings.Fields(line[i+1:])
	if len(f) < 13 {
		return 0
	}
	utime, _ := strconv.ParseInt(f[11], 10, 64)
	stime, _ := strconv.ParseInt(f[12], 10, 64)
	return time.Duration(utime+stime) * 10 * time.Millisecond
}

// selfCPU is the CPU time this process (the harness) has used so far.
func selfCPU() time.Duration { return procCPU(os.Getpid()) }

// procStatus is a field of /proc/PID/status in KiB (0 where there is no
// /proc).
func procStatus(pid int, field string) int64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, field+":"); ok {
			n, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			return n
		}
	}
	return 0
}

func shortName(call string) string {
	switch call {
	case callMe:
		return "me"
	case callMessages:
		return "messages"
	}
	return "token"
}

func stderrOf(err error) string {
	var ee *exec.ExitError
	if errors.As(err, &ee) && len(ee.Stderr) > 0 {
		return ": " + strings.TrimSpace(string(ee.Stderr))
	}
	return ""
}

// tail is the end of a child's log file, for an error message.
func tail(file string) string {
	if file == "" {
		return ""
	}
	b, _ := os.ReadFile(file)
	if len(b) > 2000 {
		b = b[len(b)-2000:]
	}
	if len(b) == 0 {
		return ""
	}
	return ":\n" + string(b)
}
