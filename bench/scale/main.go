package main

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"
)

type options struct {
	graphgate, data, storeURL string
	scale                     float64
	runs                      int
	smoke                     bool
}

func main() {
	var o options
	flag.StringVar(&o.graphgate, "graphgate", "graphgate", "the graphgate binary to measure")
	flag.StringVar(&o.data, "data", "", "data folder (created and generated into when new; required)")
	flag.StringVar(&o.storeURL, "store", "", "a PostgreSQL store URL (default: SQLite in --data)")
	flag.Float64Var(&o.scale, "scale", 0.1, "generated volume (1: 100k users, 1M messages, 200k events, 100k tasks)")
	flag.IntVar(&o.runs, "runs", 200, "timed requests per query (after 10 unmeasured)")
	flag.BoolVar(&o.smoke, "smoke", false, "run every query 3 times, fail on an error answer only (for CI)")
	flag.Parse()
	if o.data == "" {
		log.Fatal("--data is required: a data folder to generate into (or that holds generated data)")
	}
	if o.smoke {
		o.runs = 3
	}
	if err := run(context.Background(), o, os.Stdout); err != nil {
		log.Fatal(err)
	}
}

// cli runs the graphgate binary with the data folder and store flags.
func (o options) cli(ctx context.Context, args ...string) ([]byte, error) {
	args = append(args, "--data", o.data)
	if o.storeURL != "" {
		args = append(args, "--store", o.storeURL)
	}
	cmd := exec.CommandContext(ctx, o.graphgate, args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return out, fmt.Errorf("graphgate %s: %w\n%s", strings.Join(args, " "), err, stderr.String())
	}
	return out, nil
}

type generated struct {
	Users      int    `json:"users"`
	Messages   int    `json:"messages"`
	Events     int    `json:"events"`
	Tasks      int    `json:"tasks"`
	RareWord   string `json:"rareWord"`
	AbsentWord string `json:"absentWord"`
	Subject    string `json:"subject"`
}

func run(ctx context.Context, o options, out io.Writer) error {
	var tenant struct {
		Users []struct{ Key, UserPrincipalName, Password string }
		Apps  []struct{ Key, ClientID string }
	}
	b, err := o.cli(ctx, "demo", "--json")
	if err != nil {
		return err
	}
	if err := json.Unmarshal(b, &tenant); err != nil {
		return err
	}
	start := time.Now()
	b, err = o.cli(ctx, "generate", "--scale", strconv.FormatFloat(o.scale, 'g', -1, 64), "--json")
	var g generated
	switch {
	case err != nil && strings.Contains(err.Error(), "already holds generated data"):
		fmt.Fprintf(out, "data: already generated in %s\n", o.data)
		g = generated{RareWord: "quokka", AbsentWord: "zyzzyva", Subject: "Quarterly review budget forecast"}
	case err != nil:
		return err
	default:
		if err := json.Unmarshal(b, &g); err != nil {
			return err
		}
		fmt.Fprintf(out, "generated %d users, %d messages, %d events, %d tasks in %s\n", g.Users, g.Messages, g.Events, g.Tasks,
			time.Since(start).Round(time.Second))
	}
	var adele struct{ UserPrincipalName, Password string }
	var app string
	for _, u := range tenant.Users {
		if u.Key == "adele" {
			adele.UserPrincipalName, adele.Password = u.UserPrincipalName, u.Password
		}
	}
	for _, a := range tenant.Apps {
		if a.Key == "homeassistant" {
			app = a.ClientID
		}
	}
	if _, err := o.cli(ctx, "consent", "grant", "--app", app, "--user", adele.UserPrincipalName,
		"--scopes", "User.Read User.ReadBasic.All Mail.Read Calendars.Read Tasks.Read"); err != nil {
		return err
	}

	// The server, on a free port.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	addr := l.Addr().String()
	l.Close()
	args := []string{"serve", "--addr", addr, "--log-level", "warn", "--data", o.data}
	if o.storeURL != "" {
		args = append(args, "--store", o.storeURL)
	}
	srv := exec.CommandContext(ctx, o.graphgate, args...)
	srv.Stderr = os.Stderr
	if err := srv.Start(); err != nil {
		return err
	}
	defer func() { _ = srv.Process.Kill(); _ = srv.Wait() }()
	// serve creates the CA on its first start.
	var ca []byte
	for deadline := time.Now().Add(60 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		if ca, err = os.ReadFile(filepath.Join(o.data, "tls", "ca.pem")); err == nil || time.Now().After(deadline) {
			break
		}
	}
	if err != nil {
		return err
	}
	client := newClient(ca)
	base := "https://" + addr
	if err := waitReady(ctx, client, base); err != nil {
		return err
	}
	token, err := signIn(client, base, app, adele.UserPrincipalName, adele.Password)
	if err != nil {
		return err
	}
	c := &caller{client: client, base: base + "/v1.0", token: token}

	// The queries. Page 100 is reached by following nextLink, as a client does.
	inbox := "/me/mailFolders/inbox/messages?$filter=isRead eq false&$orderby=receivedDateTime desc&$top=50"
	page100, pages, err := c.follow(inbox, 99)
	if err != nil {
		return fmt.Errorf("paging to page 100: %w", err)
	}
	if pages < 99 && !o.smoke {
		return fmt.Errorf("the unread inbox has %d pages, not 100: generate at a larger --scale", pages+1)
	}
	var lists struct {
		Value []struct{ ID, WellknownListName string }
	}
	if err := c.getJSON("/me/todo/lists", &lists); err != nil {
		return err
	}
	list := ""
	for _, l := range lists.Value {
		if l.WellknownListName == "defaultList" {
			list = l.ID
		}
	}
	month := time.Now().UTC()
	from := time.Date(month.Year(), month.Month(), 1, 0, 0, 0, 0, time.UTC)
	queries := []struct {
		name, path string
		header     http.Header
	}{
		{"inbox unread, newest first, page 1", inbox, nil},
		{fmt.Sprintf("inbox unread, newest first, page %d (nextLink)", pages+1), page100, nil},
		{"users startswith(displayName,'a') $count", "/users?$filter=startswith(displayName,'a')&$top=100&$count=true", http.Header{"ConsistencyLevel": {"eventual"}}},
		{"calendarView, a month (with series)", "/me/calendarView?startDateTime=" + from.Format(time.RFC3339) + "&endDateTime=" + from.AddDate(0, 1, 0).Format(time.RFC3339) + "&$top=50", nil},
		{"To Do tasks status ne 'completed'", "/me/todo/lists/" + url.PathEscape(list) + "/tasks?$filter=status ne 'completed'&$top=50", nil},
		{"$search a rare word", `/me/messages?$search="` + g.RareWord + `"`, nil},
		{"$search a word no message holds", `/me/messages?$search="` + g.AbsentWord + `"`, nil},
		{"$filter=subject eq", "/me/messages?$filter=subject eq '" + g.Subject + "'&$top=50", nil},
		{"$count, inbox unread", "/me/mailFolders/inbox/messages/$count?$filter=isRead eq false", nil},
		{"$orderby=subject", "/me/messages?$orderby=subject&$top=50", nil},
	}
	tw := tabwriter.NewWriter(out, 2, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "query\tp50 ms\tp99 ms\t")
	for _, q := range queries {
		ds, err := c.time(q.path, q.header, o.runs)
		if err != nil {
			return fmt.Errorf("%s: %w", q.name, err)
		}
		slices.Sort(ds)
		fmt.Fprintf(tw, "%s\t%.1f\t%.1f\t\n", q.name, ms(pct(ds, 50)), ms(pct(ds, 99)))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if hwm, err := peakRSS(srv.Process.Pid); err == nil {
		fmt.Fprintf(out, "server peak RSS (VmHWM): %d MB\n", hwm/1024)
	}
	return nil
}

func newClient(ca []byte) *http.Client {
	pool := newPool(ca)
	// One connection, kept alive: requests are timed one after another.
	return &http.Client{Timeout: 60 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool},
		MaxConnsPerHost: 1, MaxIdleConnsPerHost: 1, ForceAttemptHTTP2: true}}
}

func waitReady(ctx context.Context, c *http.Client, base string) error {
	deadline := time.Now().Add(60 * time.Second)
	for {
		res, err := c.Get(base + "/" + "common/v2.0/.well-known/openid-configuration")
		if err == nil {
			res.Body.Close()
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("the server did not answer: %w", err)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
	}
}

func signIn(c *http.Client, base, clientID, user, password string) (string, error) {
	form := url.Values{"grant_type": {"password"}, "client_id": {clientID}, "username": {user}, "password": {password},
		"scope": {"https://graph.microsoft.com/.default"}}
	res, err := c.PostForm(base+"/contoso.onmicrosoft.com/oauth2/v2.0/token", form)
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
		return "", errors.New("signing in: " + tok.Error)
	}
	return tok.AccessToken, nil
}

type caller struct {
	client      *http.Client
	base, token string
}

// get sends one GET (path relative to /v1.0, or an absolute nextLink) and
// returns the body; an answer other than 200 is an error.
func (c *caller) get(path string, h http.Header) ([]byte, error) {
	u := path
	if !strings.HasPrefix(u, "https://") {
		u = c.base + escapeQuery(path)
	}
	req, err := http.NewRequest("GET", u, nil)
	if err != nil {
		return nil, err
	}
	for k, v := range h {
		req.Header[k] = v
	}
	req.Header.Set("Authorization", "Bearer "+c.token)
	res, err := c.client.Do(req)
	if err != nil {
		return nil, err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		return nil, err
	}
	if res.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET %s: %d %s", path, res.StatusCode, b)
	}
	return b, nil
}

func (c *caller) getJSON(path string, v any) error {
	b, err := c.get(path, nil)
	if err != nil {
		return err
	}
	return json.Unmarshal(b, v)
}

// follow returns the nextLink reached after n pages from path (or the
// last page's link, when there are fewer) and the number followed.
func (c *caller) follow(path string, n int) (string, int, error) {
	next := path
	for i := 0; i < n; i++ {
		var page struct {
			NextLink string `json:"@odata.nextLink"`
		}
		if err := c.getJSON(next, &page); err != nil {
			return "", i, err
		}
		if page.NextLink == "" {
			return next, i, nil
		}
		next = page.NextLink
	}
	return next, n, nil
}

// time sends path runs times after 10 unmeasured requests.
func (c *caller) time(path string, h http.Header, runs int) ([]time.Duration, error) {
	for range min(10, runs) {
		if _, err := c.get(path, h); err != nil {
			return nil, err
		}
	}
	ds := make([]time.Duration, 0, runs)
	for range runs {
		t := time.Now()
		if _, err := c.get(path, h); err != nil {
			return nil, err
		}
		ds = append(ds, time.Since(t))
	}
	return ds, nil
}

// escapeQuery percent-encodes the spaces, quotes and $ of a readable query.
func escapeQuery(p string) string {
	path, q, ok := strings.Cut(p, "?")
	if !ok {
		return p
	}
	r := strings.NewReplacer(" ", "%20", "'", "%27", `"`, "%22")
	return path + "?" + r.Replace(q)
}

func pct(ds []time.Duration, p int) time.Duration {
	i := min(len(ds)-1, max(0, (len(ds)*p+99)/100-1))
	return ds[i]
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// peakRSS is a process's VmHWM in kB (Linux).
func peakRSS(pid int) (int, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			return strconv.Atoi(strings.TrimSuffix(strings.TrimSpace(rest), " kB"))
		}
	}
	return 0, errors.New("no VmHWM")
}

func newPool(ca []byte) *x509.CertPool {
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(ca)
	return pool
}
