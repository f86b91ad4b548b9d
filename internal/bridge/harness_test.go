package bridge_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"
	"golang.org/x/net/html"

	"graphgate/internal/bridge"
	"graphgate/internal/demo"
	"graphgate/internal/identity"
	"graphgate/internal/server"
	"graphgate/internal/server/servertest"
)

// brokerAddr is the Mosquitto the tests publish through (no auth). Every
// development and CI machine runs one on 127.0.0.1:1883;
// GRAPHGATE_TEST_MQTT overrides the address.
func brokerAddr() string {
	if v := os.Getenv("GRAPHGATE_TEST_MQTT"); v != "" {
		return v
	}
	return "127.0.0.1:1883"
}

// needBroker fails the test under CI (CI=true) when the broker is
// unreachable, and skips it elsewhere.
func needBroker(t *testing.T) string {
	t.Helper()
	addr := brokerAddr()
	c, err := net.DialTimeout("tcp", addr, 2*time.Second)
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("Mosquitto is not reachable on %s (%v): CI must run it (apt-get install mosquitto; it listens on 127.0.0.1:1883 without auth)", addr, err)
		}
		t.Skipf("Mosquitto is not reachable on %s (%v): install and start it (apt-get install mosquitto) to run the bridge's MQTT tests; under CI=true this test fails instead", addr, err)
	}
	c.Close()
	return "tcp://" + addr
}

// gg is a running graphgate (servertest's), with the names these tests use.
type gg struct {
	*servertest.Env
	t      *testing.T
	srv    *server.Server
	base   string
	caFile string
	client *http.Client
}

func startGraphgate(t *testing.T, ic identity.Config) *gg {
	t.Helper()
	se := servertest.Start(t, func(c *server.Config) { c.Identity, c.Logger = ic, slog.New(slog.DiscardHandler) })
	return &gg{Env: se, t: t, srv: se.Server, base: se.Base, caFile: se.CAFile, client: se.Client}
}

func (g *gg) user(key string) demo.User { return g.User(key) }

// consent grants delegated scopes to the Home Assistant app for one user, as
// an interactive consent would.
func (g *gg) consent(userKey string, scopes ...string) {
	g.t.Helper()
	g.Consent(demo.HomeAssistantAppID, g.user(userKey).ID, scopes...)
}

func randomID() string {
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// setup is one test's configuration: unique topics, a token folder, the
// account pointed at graphgate.
type setup struct {
	t         *testing.T
	g         *gg
	dir       string
	file      string
	base      string // base_topic
	discovery string // discovery_prefix
	cfg       *bridge.Config
}

// newSetup writes bridge.yaml with the account "home" for graphgate's demo
// tenant; features is YAML indented for the account's mapping.
func newSetup(t *testing.T, g *gg, broker, features string) *setup {
	t.Helper()
	id := randomID()
	s := &setup{t: t, g: g, dir: t.TempDir(), base: "ggtest/" + id + "/graphgate", discovery: "ggtest/" + id + "/homeassistant"}
	s.file = filepath.Join(s.dir, "bridge.yaml")
	y := fmt.Sprintf(`mqtt:
  broker: %s
  base_topic: %s
  discovery_prefix: %s
  client_id: bridge-%s
accounts:
  - name: home
    authority: %s
    graph_url: %s/v1.0
    tenant: %s
    client_id: %s
    ca_file: %s
    poll_interval: 2s
%s`, broker, s.base, s.discovery, id, g.base, g.base, demo.TenantDomain, demo.HomeAssistantAppID, g.caFile, features)
	if err := os.WriteFile(s.file, []byte(y), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := bridge.Load(s.file)
	if err != nil {
		t.Fatalf("config:\n%s\n%v", y, err)
	}
	s.cfg = cfg
	return s
}

// run starts the bridge; the returned func stops it and waits.
func (s *setup) run(logw io.Writer) (stop func()) {
	s.t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	var lw io.Writer = io.Discard
	if logw != nil {
		lw = logw
	}
	log := slog.New(slog.NewTextHandler(lw, &slog.HandlerOptions{Level: slog.LevelDebug}))
	done := make(chan error, 1)
	go func() {
		done <- bridge.Run(ctx, s.cfg, bridge.Options{Logger: log, Version: "test", AuthRetryMin: 500 * time.Millisecond,
			AuthRetryMax: 2 * time.Second, GraphRetryMin: 100 * time.Millisecond})
	}()
	var once sync.Once
	stop = func() {
		once.Do(func() {
			cancel()
			select {
			case err := <-done:
				if err != nil {
					s.t.Errorf("bridge.Run: %v", err)
				}
			case <-time.After(20 * time.Second):
				s.t.Error("the bridge did not stop within 20s")
			}
		})
	}
	s.t.Cleanup(stop)
	return stop
}

func (s *setup) topic(rest string) string { return s.base + "/home/" + rest }

func (s *setup) config(component, object string) string {
	return s.discovery + "/" + component + "/graphgate_home/" + object + "/config"
}

// syncBuffer is a goroutine-safe log sink.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// watcher is a test MQTT client recording the last message of every topic
// under its filters.
type watcher struct {
	t        *testing.T
	c        paho.Client
	mu       sync.Mutex
	last     map[string][]byte
	retained map[string]bool
	changed  chan struct{}
}

func watch(t *testing.T, broker string, filters ...string) *watcher {
	t.Helper()
	w := &watcher{t: t, last: map[string][]byte{}, retained: map[string]bool{}, changed: make(chan struct{}, 1)}
	o := paho.NewClientOptions().AddBroker(broker).SetClientID("watch-" + randomID()).SetCleanSession(true).SetOrderMatters(true)
	w.c = paho.NewClient(o)
	if tok := w.c.Connect(); !tok.WaitTimeout(10*time.Second) || tok.Error() != nil {
		t.Fatalf("watcher connect: %v", tok.Error())
	}
	t.Cleanup(func() { w.c.Disconnect(100) })
	for _, f := range filters {
		if tok := w.c.Subscribe(f, 1, func(_ paho.Client, m paho.Message) {
			w.mu.Lock()
			w.last[m.Topic()] = append([]byte(nil), m.Payload()...)
			w.retained[m.Topic()] = m.Retained()
			w.mu.Unlock()
			select {
			case w.changed <- struct{}{}:
			default:
			}
		}); !tok.WaitTimeout(10*time.Second) || tok.Error() != nil {
			t.Fatalf("watcher subscribe: %v", tok.Error())
		}
	}
	return w
}

func (w *watcher) get(topic string) ([]byte, bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	b, ok := w.last[topic]
	return b, ok
}

// wait waits until topic's last payload satisfies ok.
func (w *watcher) wait(topic string, timeout time.Duration, ok func(p []byte) bool) []byte {
	w.t.Helper()
	deadline := time.After(timeout)
	for {
		if p, have := w.get(topic); have && ok(p) {
			return p
		}
		select {
		case <-w.changed:
		case <-time.After(200 * time.Millisecond):
		case <-deadline:
			p, _ := w.get(topic)
			w.t.Fatalf("timed out after %s waiting on %s; last payload: %s", timeout, topic, p)
		}
	}
}

func (w *watcher) waitEq(topic, want string, timeout time.Duration) {
	w.t.Helper()
	w.wait(topic, timeout, func(p []byte) bool { return string(p) == want })
}

func (w *watcher) waitJSON(topic string, timeout time.Duration, ok func(m map[string]any) bool) map[string]any {
	w.t.Helper()
	var out map[string]any
	w.wait(topic, timeout, func(p []byte) bool {
		var m map[string]any
		if json.Unmarshal(p, &m) != nil {
			return false
		}
		out = m
		return ok(m)
	})
	return out
}

func (w *watcher) publish(topic string, payload any) {
	w.t.Helper()
	b, _ := json.Marshal(payload)
	if tok := w.c.Publish(topic, 1, false, b); !tok.WaitTimeout(10*time.Second) || tok.Error() != nil {
		w.t.Fatalf("publish %s: %v", topic, tok.Error())
	}
}

// browser plays the user in front of graphgate's sign-in pages.
type browser struct {
	t      *testing.T
	g      *gg
	client *http.Client
}

func (g *gg) browser() *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{t: g.t, g: g, client: &http.Client{Transport: g.client.Transport, Jar: jar, Timeout: 30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

type page struct {
	status   int
	location string
	body     string
	action   string
	fields   url.Values
	buttons  map[string]string // id → name=value
	ids      map[string]bool
}

func (b *browser) do(req *http.Request) (*page, error) {
	resp, err := b.client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	p := &page{status: resp.StatusCode, location: resp.Header.Get("Location"), body: string(body), fields: url.Values{},
		buttons: map[string]string{}, ids: map[string]bool{}}
	if strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
		parseForm(p)
	}
	return p, nil
}

func (b *browser) get(u string) (*page, error) {
	req, _ := http.NewRequest(http.MethodGet, u, nil)
	return b.do(req)
}

// submit posts the page's first form with values and the button's
// name=value.
func (b *browser) submit(p *page, values map[string]string, button string) (*page, error) {
	if p.action == "" && len(p.fields) == 0 {
		return nil, fmt.Errorf("no form on the page (status %d): %.500s", p.status, p.body)
	}
	v := url.Values{}
	for k, vs := range p.fields {
		v[k] = append([]string(nil), vs...)
	}
	for k, x := range values {
		v.Set(k, x)
	}
	if nv, ok := p.buttons[button]; ok && nv != "" {
		name, value, _ := strings.Cut(nv, "=")
		v.Set(name, value)
	}
	action := p.action
	if strings.HasPrefix(action, "/") {
		action = b.g.base + action
	}
	req, _ := http.NewRequest(http.MethodPost, action, strings.NewReader(v.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return b.do(req)
}

// signIn completes the sign-in's two steps (the account, then the
// password) and the consent page.
func (b *browser) signIn(p *page, upn, pw string) (*page, error) {
	var err error
	if p.ids["username"] && !p.ids["password"] {
		if p, err = b.submit(p, map[string]string{"username": upn}, "next"); err != nil {
			return nil, err
		}
	}
	if p.ids["password"] {
		if p, err = b.submit(p, map[string]string{"username": upn, "password": pw}, "signin"); err != nil {
			return nil, err
		}
	}
	if p.ids["accept"] {
		if p, err = b.submit(p, nil, "accept"); err != nil {
			return nil, err
		}
	}
	return p, nil
}

func parseForm(p *page) {
	doc, err := html.Parse(strings.NewReader(p.body))
	if err != nil {
		return
	}
	inForm := false
	var walk func(n *html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode {
			attr := map[string]string{}
			for _, a := range n.Attr {
				attr[a.Key] = a.Val
			}
			if id := attr["id"]; id != "" {
				p.ids[id] = true
			}
			switch n.Data {
			case "form":
				if p.action == "" && !inForm {
					p.action = attr["action"]
					inForm = true
				}
			case "input":
				if inForm && attr["name"] != "" && attr["type"] != "checkbox" && attr["type"] != "submit" {
					p.fields.Set(attr["name"], attr["value"])
				}
			case "button":
				if inForm {
					nv := ""
					if attr["name"] != "" {
						nv = attr["name"] + "=" + attr["value"]
					}
					p.buttons[attr["id"]] = nv
				}
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(doc)
}

// lineWriter collects output and lets a test wait for a line.
type lineWriter struct {
	mu sync.Mutex
	b  strings.Builder
}

func (w *lineWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.Write(p)
}

func (w *lineWriter) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.String()
}

// waitPrefix returns the rest of the first line starting with prefix.
func (w *lineWriter) waitPrefix(prefix string, timeout time.Duration) (string, bool) {
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		for _, l := range strings.Split(w.String(), "\n") {
			if strings.HasPrefix(l, prefix) {
				return strings.TrimSpace(strings.TrimPrefix(l, prefix)), true
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	return "", false
}

// loginDeviceCode signs "home" in with the bridge's device code flow,
// playing the user on graphgate's /devicelogin pages.
func (s *setup) loginDeviceCode(userKey string) *bridge.LoginResult {
	s.t.Helper()
	u := s.g.user(userKey)
	out := &lineWriter{}
	type res struct {
		r   *bridge.LoginResult
		err error
	}
	done := make(chan res, 1)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	go func() {
		r, err := bridge.Login(ctx, s.cfg, "home", bridge.FlowDeviceCode, strings.NewReader(""), out, nil)
		done <- res{r, err}
	}()
	code, ok := out.waitPrefix("Code:", 30*time.Second)
	if !ok {
		r := <-done
		s.t.Fatalf("no device code printed: %v\n%s", r.err, out.String())
	}
	verify, _ := out.waitPrefix("URL:", time.Second)
	b := s.g.browser()
	p, err := b.get(verify)
	if err == nil {
		p, err = b.submit(p, map[string]string{"otc": code}, "next")
	}
	if err == nil {
		p, err = b.signIn(p, u.UserPrincipalName, u.Password)
	}
	if err != nil {
		s.t.Fatalf("device login pages: %v", err)
	}
	r := <-done
	if r.err != nil {
		s.t.Fatalf("Login: %v\n%s\nlast page: %.800s", r.err, out.String(), p.body)
	}
	return r.r
}
