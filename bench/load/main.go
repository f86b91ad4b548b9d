package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"text/tabwriter"
	"time"

	"graphgate/internal/demo"
	"graphgate/internal/directory"
	"graphgate/internal/server"
	"graphgate/internal/store"
	"graphgate/internal/store/sqlite"
)

type call struct {
	name   string
	method string
	path   string
	body   func(i int64) any
	weight int
}

var mix = []call{
	{name: "GET /me", method: "GET", path: "/me", weight: 4},
	{name: "GET /me/messages", method: "GET", path: "/me/messages?$top=10&$select=subject,from,receivedDateTime&$orderby=receivedDateTime desc", weight: 3},
	{name: "GET inbox unread filter", method: "GET", path: "/me/mailFolders/inbox/messages?$filter=isRead eq false and importance eq 'high'&$top=5", weight: 2},
	{name: "GET calendarView (week)", method: "GET", path: "", weight: 2},
	{name: "GET /me/todo/lists", method: "GET", path: "/me/todo/lists", weight: 1},
	{name: "GET /me/presence", method: "GET", path: "/me/presence", weight: 1},
	{name: "GET /users?$filter", method: "GET", path: "/users?$filter=startswith(displayName,'A')&$select=displayName", weight: 1},
	{name: "POST sendMail", method: "POST", path: "/me/sendMail", weight: 1, body: func(i int64) any {
		return map[string]any{"message": map[string]any{"subject": fmt.Sprintf("load %d", i),
			"body":         map[string]any{"contentType": "Text", "content": "load test"},
			"toRecipients": []any{map[string]any{"emailAddress": map[string]any{"address": "megan@" + demo.TenantDomain}}}}}
	}},
}

func main() {
	base := flag.String("url", "https://localhost:8443", "graphgate's base URL")
	data := flag.String("data", "graphgate-data", "the data folder of the server (for the demo credentials and the CA)")
	duration := flag.Duration("duration", 15*time.Second, "how long to run")
	conc := flag.Int("concurrency", 8, "concurrent clients")
	flag.Parse()

	ctx := context.Background()
	st, err := sqlite.Open(ctx, *data)
	if err != nil {
		log.Fatalf("opening %s: %v", *data, err)
	}
	t, err := demo.Load(ctx, st)
	if err != nil {
		log.Fatalf("the demo tenant in %s: %v", *data, err)
	}
	app, _ := t.AppByKey("homeassistant")
	dir := directory.New(st, directory.Options{})
	users := []demo.User{}
	for _, k := range []string{"adele", "megan", "admin", "lynne"} {
		u, _ := t.UserByKey(k)
		users = append(users, u)
		scopes := []string{"User.Read", "User.ReadBasic.All", "Mail.ReadWrite", "Mail.Send", "Calendars.Read", "Tasks.Read", "Presence.Read"}
		_, err := dir.GrantDelegated(ctx, directory.DelegatedConsent{TenantID: demo.TenantID, App: store.App{AppID: app.ClientID},
			UserID: u.ID, Scopes: scopes, Replace: true})
		if err != nil {
			log.Fatal(err)
		}
	}
	st.Close()

	tlsCfg, err := server.TLSClientConfig(filepath.Join(*data, "tls", "ca.pem"))
	if err != nil {
		log.Fatal(err)
	}
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: tlsCfg, MaxIdleConnsPerHost: *conc, ForceAttemptHTTP2: true}, Timeout: 30 * time.Second}
	tokens := make([]string, len(users))
	for i, u := range users {
		tokens[i] = signIn(client, *base, app.ClientID, u)
	}

	var weighted []int
	for i, c := range mix {
		for range c.weight {
			weighted = append(weighted, i)
		}
	}
	start := time.Now().UTC().Truncate(24 * time.Hour)
	mix[3].path = "/me/calendarView?startDateTime=" + start.Format(time.RFC3339) + "&endDateTime=" + start.Add(7*24*time.Hour).Format(time.RFC3339) + "&$top=50"

	lat := make([][]time.Duration, len(mix))
	var mu sync.Mutex
	var n, failed atomic.Int64
	deadline := time.Now().Add(*duration)
	fmt.Fprintf(os.Stderr, "load: %d clients for %s against %s\n", *conc, *duration, *base)
	var wg sync.WaitGroup
	for w := 0; w < *conc; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			tok := tokens[w%len(tokens)]
			local := make([][]time.Duration, len(mix))
			for i := int64(w); time.Now().Before(deadline); i += int64(*conc) {
				ci := weighted[int(i)%len(weighted)]
				c := mix[ci]
				var body io.Reader
				if c.body != nil {
					b, _ := json.Marshal(c.body(n.Load()))
					body = bytes.NewReader(b)
				}
				req, _ := http.NewRequest(c.method, *base+"/v1.0"+escapeQuery(c.path), body)
				req.Header.Set("Authorization", "Bearer "+tok)
				if body != nil {
					req.Header.Set("Content-Type", "application/json")
				}
				t0 := time.Now()
				res, err := client.Do(req)
				d := time.Since(t0)
				n.Add(1)
				if err != nil {
					failed.Add(1)
					continue
				}
				_, _ = io.Copy(io.Discard, res.Body)
				res.Body.Close()
				if res.StatusCode >= 300 {
					failed.Add(1)
					if failed.Load() <= 3 {
						fmt.Fprintf(os.Stderr, "load: %s → %d (%s)\n", c.name, res.StatusCode, res.Header.Get("x-graphgate-decision"))
					}
					continue
				}
				local[ci] = append(local[ci], d)
			}
			mu.Lock()
			for i := range local {
				lat[i] = append(lat[i], local[i]...)
			}
			mu.Unlock()
		}(w)
	}
	wg.Wait()
	elapsed := *duration
	tw := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(tw, "call\trequests\treq/s\tp50 ms\tp95 ms\tp99 ms\t\n")
	for i, c := range mix {
		ds := lat[i]
		if len(ds) == 0 {
			continue
		}
		sort.Slice(ds, func(a, b int) bool { return ds[a] < ds[b] })
		fmt.Fprintf(tw, "%s\t%d\t%.0f\t%.2f\t%.2f\t%.2f\t\n", c.name, len(ds), float64(len(ds))/elapsed.Seconds(),
			ms(pct(ds, 50)), ms(pct(ds, 95)), ms(pct(ds, 99)))
	}
	tw.Flush()
	fmt.Printf("total %d requests, %.0f req/s, %d failed\n", n.Load(), float64(n.Load())/elapsed.Seconds(), failed.Load())
	if failed.Load() > 0 {
		os.Exit(1)
	}
}

func signIn(c *http.Client, base, clientID string, u demo.User) string {
	form := url.Values{"grant_type": {"password"}, "client_id": {clientID}, "username": {u.UserPrincipalName},
		"password": {u.Password}, "scope": {"https://graph.microsoft.com/.default"}}
	res, err := c.PostForm(base+"/"+demo.TenantDomain+"/oauth2/v2.0/token", form)
	if err != nil {
		log.Fatalf("signing in %s: %v", u.UserPrincipalName, err)
	}
	defer res.Body.Close()
	var tok struct {
		AccessToken string `json:"access_token"`
		Error       string `json:"error_description"`
	}
	_ = json.NewDecoder(res.Body).Decode(&tok)
	if tok.AccessToken == "" {
		log.Fatalf("signing in %s: %s", u.UserPrincipalName, tok.Error)
	}
	return tok.AccessToken
}

// escapeQuery percent-encodes the spaces and quotes of a readable query.
func escapeQuery(p string) string {
	path, q, ok := strings.Cut(p, "?")
	if !ok {
		return p
	}
	r := strings.NewReplacer(" ", "%20", "'", "%27")
	return path + "?" + r.Replace(q)
}

func pct(ds []time.Duration, p int) time.Duration {
	i := min(len(ds)-1, slices.Max([]int{0, len(ds)*p/100 - 1}))
	return ds[i]
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
