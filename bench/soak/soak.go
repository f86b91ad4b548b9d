package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strings"
	"sync"
	"text/tabwriter"
	"time"

	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"graphgate/internal/demo"
)

// config is what a soak needs: a server on this machine, the demo tenant's
// credentials, and how long and how hard to drive it.
type config struct {
	// Base is the server's https://host:port (a loopback host only).
	Base   string
	Client *http.Client
	Tenant *demo.Tenant
	// Duration is how long the traffic runs; the soak then stops.
	Duration time.Duration
	// Concurrency is the number of clients, each with its own user's
	// tokens (round robin over the demo users).
	Concurrency int
	// Sample is how often RSS and goroutines are read from /metrics.
	Sample time.Duration
	// Log receives the first failures as they happen.
	Log io.Writer
}

// users are the demo users who sign in (each needs the consent main or the
// smoke test records).
var users = []string{"adele", "megan", "admin", "lynne"}

// scopes are what the users consent to for the Home Assistant app.
var scopes = []string{"User.Read", "User.ReadBasic.All", "Mail.ReadWrite", "Mail.Send", "Calendars.ReadWrite", "Files.ReadWrite"}

// checkLoopback refuses a base URL that is not on this machine: the soak
// writes mail, events and files, and must never be pointed elsewhere.
func checkLoopback(base string) error {
	u, err := url.Parse(base)
	if err != nil || u.Scheme != "https" && u.Scheme != "http" || u.Host == "" {
		return fmt.Errorf("--url %q is not an http(s) URL", base)
	}
	h := u.Hostname()
	if h == "localhost" {
		return nil
	}
	if ip := net.ParseIP(h); ip != nil && ip.IsLoopback() {
		return nil
	}
	return fmt.Errorf("--url %q is not on this machine: the soak drives only a server on 127.0.0.1, ::1 or localhost", base)
}

// sample is one reading of the server's process.
type sample struct {
	At         time.Duration // since the start
	RSS        float64       // process_resident_memory_bytes
	Goroutines float64       // go_goroutines
}

// callStats are one request kind's counts and latencies.
type callStats struct {
	n, failed, serverErrors int
	lat                     []time.Duration
}

// report is a soak's outcome.
type report struct {
	Elapsed              time.Duration
	Requests             int
	Failed, ServerErrors int // failed counts every unexpected status or transport error; ServerErrors the 5xx among them
	Calls                map[string]*callStats
	Samples              []sample
	Flat                 flatness
}

// flatness judges the samples.
type flatness struct {
	RSS2, RSS4 float64 // mean RSS of the second and last quarters
	G2, G4     float64 // mean goroutines of the second and last quarters (information)
	// GBefore and GAfter are the goroutines of the idle server before the
	// traffic starts and after it ended.
	GBefore, GAfter float64
	OK              bool
	Why             string
}

// flat is the criterion. Memory: the last quarter's mean RSS within 10%
// (or 16 MiB, whichever is larger) of the second quarter's (the first
// quarter is warm-up: caches, pools, the first keys and containers); a
// leak grows with the requests served, which are spread evenly over the
// run, so it shows as a rising mean, while the Go heap's breathing stays
// inside the bound. Goroutines: the idle server's count after the run
// within 5 of its count before it. During the run the count is mostly
// requests in flight, which rise and fall with latency (and so with
// whatever else the machine runs); a leaked goroutine outlives its
// request and is still there when the server is idle again.
func flat(ss []sample, total time.Duration, gBefore, gAfter float64) flatness {
	f := flatness{GBefore: gBefore, GAfter: gAfter}
	mean := func(from, to time.Duration) (rss, g float64, n int) {
		for _, s := range ss {
			if s.At >= from && s.At < to {
				rss += s.RSS
				g += s.Goroutines
				n++
			}
		}
		if n == 0 {
			return 0, 0, 0
		}
		return rss / float64(n), g / float64(n), n
	}
	q := total / 4
	var n2, n4 int
	f.RSS2, f.G2, n2 = mean(q, 2*q)
	f.RSS4, f.G4, n4 = mean(3*q, total+time.Second)
	if n2 == 0 || n4 == 0 {
		f.Why = "too few samples to judge (run longer or sample more often)"
		return f
	}
	rssOK := f.RSS4 <= max(f.RSS2*1.10, f.RSS2+16<<20)
	gOK := gBefore > 0 && gAfter <= gBefore+5
	f.OK = rssOK && gOK
	f.Why = fmt.Sprintf("mean RSS of the second → last quarter %.1f → %.1f MiB (%+.1f%%); goroutines idle before → after %.0f → %.0f (in the run: %.1f → %.1f)",
		f.RSS2/(1<<20), f.RSS4/(1<<20), 100*(f.RSS4/f.RSS2-1), gBefore, gAfter, f.G2, f.G4)
	return f
}

// worker is one client: a user's tokens and a random source.
type worker struct {
	id              int
	cfg             *config
	user            demo.User
	access, refresh string
	rnd             *rand.Rand
	seq             int
	rec             func(name string, status int, ok bool, d time.Duration)
	noRedirect      *http.Client
}

// run drives the server until cfg.Duration has passed and reports.
func run(ctx context.Context, cfg config) (*report, error) {
	if err := checkLoopback(cfg.Base); err != nil {
		return nil, err
	}
	if cfg.Concurrency < 1 {
		cfg.Concurrency = 1
	}
	if cfg.Sample <= 0 {
		cfg.Sample = max(cfg.Duration/40, 250*time.Millisecond)
	}
	if cfg.Log == nil {
		cfg.Log = io.Discard
	}
	rep := &report{Calls: map[string]*callStats{}}
	var mu sync.Mutex
	logged := 0
	rec := func(name string, status int, ok bool, d time.Duration) {
		mu.Lock()
		defer mu.Unlock()
		c := rep.Calls[name]
		if c == nil {
			c = &callStats{}
			rep.Calls[name] = c
		}
		c.n++
		if !strings.HasPrefix(name, "$batch inner") {
			rep.Requests++ // HTTP requests; a batch's inner requests are its parts
		}
		if status >= 500 {
			c.serverErrors++
			rep.ServerErrors++
		}
		if !ok {
			c.failed++
			rep.Failed++
			if logged < 10 {
				logged++
				fmt.Fprintf(cfg.Log, "soak: %s → %d\n", name, status)
			}
			return
		}
		c.lat = append(c.lat, d)
	}

	workers := make([]*worker, cfg.Concurrency)
	for i := range workers {
		u, ok := cfg.Tenant.UserByKey(users[i%len(users)])
		if !ok {
			return nil, fmt.Errorf("the demo tenant has no user %s", users[i%len(users)])
		}
		w := &worker{id: i, cfg: &cfg, user: u, rnd: rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), uint64(i))), rec: rec,
			noRedirect: &http.Client{Transport: cfg.Client.Transport, Timeout: cfg.Client.Timeout,
				CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
		if err := w.signIn(ctx); err != nil {
			return nil, err
		}
		workers[i] = w
	}

	idle, err := readMetrics(ctx, cfg.Client, cfg.Base)
	if err != nil {
		return nil, fmt.Errorf("reading %s/metrics: %w", cfg.Base, err)
	}
	start := time.Now()
	// runCtx ends the traffic: no worker starts a step after it, and the
	// steps under way finish (their requests use ctx), so that the end
	// of the run cuts no request.
	runCtx, cancel := context.WithTimeout(ctx, cfg.Duration)
	defer cancel()
	var wg sync.WaitGroup
	wg.Go(func() {
		t := time.NewTicker(cfg.Sample)
		defer t.Stop()
		for {
			if s, err := readMetrics(runCtx, cfg.Client, cfg.Base); err == nil {
				s.At = time.Since(start)
				mu.Lock()
				rep.Samples = append(rep.Samples, s)
				mu.Unlock()
			}
			select {
			case <-runCtx.Done():
				return
			case <-t.C:
			}
		}
	})
	for _, w := range workers {
		wg.Go(func() {
			for runCtx.Err() == nil {
				w.step(ctx)
			}
		})
	}
	wg.Wait()
	rep.Elapsed = time.Since(start)
	// The idle server again: connections stay open (idle), requests done.
	var after sample
	for range 10 {
		if after, err = readMetrics(ctx, cfg.Client, cfg.Base); err != nil || after.Goroutines <= idle.Goroutines+5 {
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	rep.Flat = flat(rep.Samples, rep.Elapsed, idle.Goroutines, after.Goroutines)
	return rep, nil
}

// mix is the traffic, by weight: the Home Assistant integration's calls,
// the token endpoint's grants, mail, calendar, drive and $batch.
var mix = []struct {
	weight int
	do     func(w *worker, ctx context.Context)
}{
	{4, (*worker).getMe},
	{3, (*worker).listMail},
	{1, (*worker).sendMail},
	{2, (*worker).eventRoundTrip},
	{2, (*worker).driveRoundTrip},
	{1, (*worker).batch},
	{1, (*worker).refreshGrant},
	{1, (*worker).passwordGrant},
	{1, (*worker).clientCredentials},
}

var weighted = func() []int {
	var out []int
	for i, m := range mix {
		for range m.weight {
			out = append(out, i)
		}
	}
	return out
}()

func (w *worker) step(ctx context.Context) {
	w.seq++
	mix[weighted[w.rnd.IntN(len(weighted))]].do(w, ctx)
}

// do sends one request and records it under name; ok lists the expected
// statuses. A request cut by the end of the run is not counted.
func (w *worker) do(ctx context.Context, c *http.Client, name, method, u, token string, body any, ok ...int) (int, http.Header, []byte) {
	var rd io.Reader
	ctype := ""
	switch b := body.(type) {
	case nil:
	case url.Values:
		rd, ctype = strings.NewReader(b.Encode()), "application/x-www-form-urlencoded"
	case []byte:
		rd, ctype = bytes.NewReader(b), "text/plain"
	default:
		j, _ := json.Marshal(b)
		rd, ctype = bytes.NewReader(j), "application/json"
	}
	if !strings.HasPrefix(u, "http") {
		u = w.cfg.Base + u
	}
	req, err := http.NewRequestWithContext(ctx, method, u, rd)
	if err != nil {
		w.rec(name, 0, false, 0)
		return 0, nil, nil
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	t0 := time.Now()
	res, err := c.Do(req)
	if err != nil {
		if ctx.Err() == nil {
			w.rec(name, 0, false, time.Since(t0))
		}
		return 0, nil, nil
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	d := time.Since(t0)
	if err != nil && ctx.Err() != nil {
		return 0, nil, nil
	}
	w.rec(name, res.StatusCode, err == nil && slices.Contains(ok, res.StatusCode), d)
	return res.StatusCode, res.Header, raw
}

func (w *worker) graph(ctx context.Context, name, method, path string, body any, ok ...int) (int, http.Header, []byte) {
	return w.do(ctx, w.cfg.Client, name, method, "/v1.0"+path, w.access, body, ok...)
}

func (w *worker) tokenURL() string { return "/" + demo.TenantDomain + "/oauth2/v2.0/token" }

// tokens reads a token response.
func (w *worker) tokens(raw []byte) bool {
	var t struct {
		Access  string `json:"access_token"`
		Refresh string `json:"refresh_token"`
	}
	if json.Unmarshal(raw, &t) != nil || t.Access == "" {
		return false
	}
	w.access = t.Access
	if t.Refresh != "" {
		w.refresh = t.Refresh
	}
	return true
}

// signIn gets the worker's first tokens with the password grant.
func (w *worker) signIn(ctx context.Context) error {
	w.passwordGrant(ctx)
	if w.access == "" || w.refresh == "" {
		return fmt.Errorf("signing in %s with the password grant failed (the soak records the users' consent first: is this the data folder of the server at %s?)",
			w.user.UserPrincipalName, w.cfg.Base)
	}
	return nil
}

// passwordGrant signs in (the Home Assistant app, a public client; the
// server hashes with its argon2id cost): the worker keeps the new tokens.
func (w *worker) passwordGrant(ctx context.Context) {
	app, _ := w.cfg.Tenant.AppByKey("homeassistant")
	st, _, raw := w.do(ctx, w.cfg.Client, "POST token (password)", "POST", w.tokenURL(), "", url.Values{"grant_type": {"password"},
		"client_id": {app.ClientID}, "username": {w.user.UserPrincipalName}, "password": {w.user.Password},
		"scope": {"https://graph.microsoft.com/.default offline_access"}}, 200)
	if st == 200 {
		w.tokens(raw)
	}
}

func (w *worker) refreshGrant(ctx context.Context) {
	app, _ := w.cfg.Tenant.AppByKey("homeassistant")
	st, _, raw := w.do(ctx, w.cfg.Client, "POST token (refresh)", "POST", w.tokenURL(), "", url.Values{"grant_type": {"refresh_token"},
		"client_id": {app.ClientID}, "refresh_token": {w.refresh}, "scope": {"https://graph.microsoft.com/.default offline_access"}}, 200)
	if st == 200 {
		w.tokens(raw)
	}
}

func (w *worker) clientCredentials(ctx context.Context) {
	d, _ := w.cfg.Tenant.AppByKey("daemon")
	st, _, raw := w.do(ctx, w.cfg.Client, "POST token (client credentials)", "POST", w.tokenURL(), "", url.Values{"grant_type": {"client_credentials"},
		"client_id": {d.ClientID}, "client_secret": {d.Secret}, "scope": {"https://graph.microsoft.com/.default"}}, 200)
	var t struct {
		Access string `json:"access_token"`
	}
	if st != 200 || json.Unmarshal(raw, &t) != nil {
		return
	}
	w.do(ctx, w.cfg.Client, "GET /users/{id} (app-only)", "GET", "/v1.0/users/"+w.user.ID+"?$select=displayName,mail", t.Access, nil, 200)
}

func (w *worker) getMe(ctx context.Context) { w.graph(ctx, "GET /me", "GET", "/me", nil, 200) }

func (w *worker) listMail(ctx context.Context) {
	w.graph(ctx, "GET /me/messages", "GET", "/me/messages?$top=10&$select=subject,from,receivedDateTime&$orderby=receivedDateTime%20desc", nil, 200)
}

func (w *worker) sendMail(ctx context.Context) {
	to, _ := w.cfg.Tenant.UserByKey(users[w.rnd.IntN(len(users))])
	w.graph(ctx, "POST /me/sendMail", "POST", "/me/sendMail", map[string]any{"message": map[string]any{
		"subject": fmt.Sprintf("soak %d", w.seq), "body": map[string]any{"contentType": "Text", "content": "soak test"},
		"toRecipients": []any{map[string]any{"emailAddress": map[string]any{"address": to.UserPrincipalName}}}}}, 202)
}

// eventRoundTrip creates an event next week, reads the week's calendar
// view and deletes the event: the calendar stays the size it was.
func (w *worker) eventRoundTrip(ctx context.Context) {
	day := time.Now().UTC().Truncate(24*time.Hour).AddDate(0, 0, 7+w.rnd.IntN(5))
	start := day.Add(time.Duration(8+w.rnd.IntN(8)) * time.Hour)
	st, _, raw := w.graph(ctx, "POST /me/events", "POST", "/me/events", map[string]any{"subject": fmt.Sprintf("soak %d", w.seq),
		"start": map[string]any{"dateTime": start.Format("2006-01-02T15:04:05"), "timeZone": "UTC"},
		"end":   map[string]any{"dateTime": start.Add(30 * time.Minute).Format("2006-01-02T15:04:05"), "timeZone": "UTC"}}, 201)
	var ev struct {
		ID string `json:"id"`
	}
	if st != 201 || json.Unmarshal(raw, &ev) != nil || ev.ID == "" {
		return
	}
	w.graph(ctx, "GET /me/calendarView", "GET", "/me/calendarView?startDateTime="+day.Format(time.RFC3339)+"&endDateTime="+
		day.AddDate(0, 0, 7).Format(time.RFC3339)+"&$top=50", nil, 200)
	w.graph(ctx, "DELETE /me/events/{id}", "DELETE", "/me/events/"+ev.ID, nil, 204)
}

// driveRoundTrip uploads a file, downloads it through its download URL and
// deletes it. Each worker has its own folder: two uploads that both create
// a missing folder at once may answer 409 nameAlreadyExists, which is not
// what the soak measures.
func (w *worker) driveRoundTrip(ctx context.Context) {
	content := bytes.Repeat([]byte(fmt.Sprintf("soak %d ", w.seq)), 200)
	st, _, raw := w.graph(ctx, "PUT drive content", "PUT", fmt.Sprintf("/me/drive/root:/soak-%d/%d-%d.txt:/content", w.id, w.rnd.Uint32(), w.seq), content, 201)
	var it struct {
		ID string `json:"id"`
	}
	if st != 201 || json.Unmarshal(raw, &it) != nil || it.ID == "" {
		return
	}
	st, h, _ := w.do(ctx, w.noRedirect, "GET drive content (302)", "GET", "/v1.0/me/drive/items/"+it.ID+"/content", w.access, nil, 302)
	if st == 302 {
		_, _, got := w.do(ctx, w.cfg.Client, "GET download URL", "GET", h.Get("Location"), "", nil, 200)
		if got != nil && !bytes.Equal(got, content) {
			w.rec("download URL content matches", 200, false, 0)
		}
	}
	w.graph(ctx, "DELETE drive item", "DELETE", "/me/drive/items/"+it.ID, nil, 204)
}

func (w *worker) batch(ctx context.Context) {
	st, _, raw := w.graph(ctx, "POST /$batch", "POST", "/$batch", map[string]any{"requests": []any{
		map[string]any{"id": "1", "method": "GET", "url": "/me"},
		map[string]any{"id": "2", "method": "GET", "url": "/me/messages?$top=5&$select=subject"},
		map[string]any{"id": "3", "method": "GET", "url": "/me/events?$top=5&$select=subject", "dependsOn": []string{"1"}},
	}}, 200)
	if st != 200 {
		return
	}
	var out struct {
		Responses []struct {
			Status int `json:"status"`
		} `json:"responses"`
	}
	if json.Unmarshal(raw, &out) != nil || len(out.Responses) != 3 {
		w.rec("$batch answer", 200, false, 0)
		return
	}
	for _, r := range out.Responses {
		w.rec("$batch inner request", r.Status, r.Status == 200, 0)
	}
}

// readMetrics reads the server's RSS and goroutine count from its
// Prometheus endpoint (client_golang's process and Go collectors).
func readMetrics(ctx context.Context, c *http.Client, base string) (sample, error) {
	req, err := http.NewRequestWithContext(ctx, "GET", base+"/metrics", nil)
	if err != nil {
		return sample{}, err
	}
	res, err := c.Do(req)
	if err != nil {
		return sample{}, err
	}
	defer res.Body.Close()
	if res.StatusCode != 200 {
		return sample{}, fmt.Errorf("/metrics: HTTP %d", res.StatusCode)
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(res.Body)
	if err != nil {
		return sample{}, err
	}
	gauge := func(name string) (float64, bool) {
		f := fams[name]
		if f == nil || len(f.GetMetric()) == 0 {
			return 0, false
		}
		return f.GetMetric()[0].GetGauge().GetValue(), true
	}
	var s sample
	var ok1, ok2 bool
	s.RSS, ok1 = gauge("process_resident_memory_bytes")
	s.Goroutines, ok2 = gauge("go_goroutines")
	if !ok1 || !ok2 {
		return s, errors.New("/metrics lacks process_resident_memory_bytes or go_goroutines")
	}
	return s, nil
}

// print writes the report: per request kind, the totals, the samples'
// quarters and the verdict.
func (r *report) print(w io.Writer) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(tw, "request\tcount\treq/s\tp50 ms\tp99 ms\tfailed\t5xx\t\n")
	names := make([]string, 0, len(r.Calls))
	for n := range r.Calls {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		c := r.Calls[n]
		sort.Slice(c.lat, func(i, j int) bool { return c.lat[i] < c.lat[j] })
		fmt.Fprintf(tw, "%s\t%d\t%.1f\t%.2f\t%.2f\t%d\t%d\t\n", n, c.n, float64(c.n)/r.Elapsed.Seconds(), ms(pct(c.lat, 50)), ms(pct(c.lat, 99)), c.failed, c.serverErrors)
	}
	tw.Flush()
	fmt.Fprintf(w, "total %d requests in %s (%.0f/s), %d failed, %d 5xx\n", r.Requests, r.Elapsed.Round(time.Second),
		float64(r.Requests)/r.Elapsed.Seconds(), r.Failed, r.ServerErrors)
	if n := len(r.Samples); n > 0 {
		first, last := r.Samples[0], r.Samples[n-1]
		fmt.Fprintf(w, "%d samples: RSS %.1f → %.1f MiB, goroutines %.0f → %.0f (first → last)\n", n, first.RSS/(1<<20), last.RSS/(1<<20), first.Goroutines, last.Goroutines)
	}
	verdict := "flat"
	if !r.Flat.OK {
		verdict = "NOT flat"
	}
	fmt.Fprintf(w, "%s: %s\n", r.Flat.Why, verdict)
}

func pct(ds []time.Duration, p int) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	return ds[min(len(ds)-1, max(0, len(ds)*p/100-1))]
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
