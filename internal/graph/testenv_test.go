// Tests of the Graph resource server over a real graphgate: the demo tenant
// on a temporary data folder (SQLite), served by httptest over plain HTTP,
// with tokens minted directly by the server's keyring (no sign-in flow).
//
// The tests live in package graph_test because internal/server (the
// composition root the environment uses) imports internal/graph.
package graph_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/rand"
	"encoding/json"
	"encoding/pem"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"graphgate/internal/demo"
	"graphgate/internal/password"
	"graphgate/internal/pgtest"
	"graphgate/internal/server"
	"graphgate/internal/store"
	"graphgate/internal/tokens"
)

// env is a running graphgate with the demo tenant.
type env struct {
	t      testing.TB
	srv    *server.Server
	hs     *httptest.Server
	base   string // http://127.0.0.1:port/v1.0
	demo   *demo.Tenant
	minter *tokens.Minter
	client *http.Client

	mu     sync.Mutex
	tokens map[string]string
}

// newEnv starts a server on a fresh data folder with the demo tenant, on
// the store GRAPHGATE_TEST_STORE names: "sqlite" (the default: the data
// folder's database) or "postgres" (a fresh schema of the PostgreSQL
// server pgtest finds). Every test of the package runs on either; the test
// script runs the package once per store, so one test body covers both
// (as net/http's tests run one body over HTTP/1 and HTTP/2).
func newEnv(t testing.TB) *env {
	t.Helper()
	return newEnvOn(t, testStoreURL(t))
}

// testStoreURL is the store URL of GRAPHGATE_TEST_STORE for t ("" for the
// data folder's SQLite database).
func testStoreURL(t testing.TB) string {
	t.Helper()
	switch v := os.Getenv("GRAPHGATE_TEST_STORE"); v {
	case "", "sqlite":
		return ""
	case "postgres":
		return pgtest.FreshSchema(t)
	default:
		t.Fatalf("GRAPHGATE_TEST_STORE=%q: want sqlite or postgres", v)
		return ""
	}
}

// newEnvOn is newEnv with the store storeURL names ("" for the data
// folder's SQLite database).
func newEnvOn(t testing.TB, storeURL string) *env {
	t.Helper()
	return newEnvWith(t, storeURL, nil)
}

// newEnvWith is newEnvOn with the server's configuration adjusted by opt.
func newEnvWith(t testing.TB, storeURL string, opt func(*server.Config)) *env {
	t.Helper()
	ctx := context.Background()
	var logOut io.Writer = io.Discard
	if os.Getenv("GRAPHGATE_TEST_LOG") != "" {
		logOut = os.Stderr // server errors (500s) with their causes
	}
	cfg := server.Config{DataDir: t.TempDir(), StoreURL: storeURL, Passwords: password.Fast,
		Logger: slog.New(slog.NewTextHandler(logOut, nil))}
	if opt != nil {
		opt(&cfg)
	}
	srv, err := server.New(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Close)
	if srv.Graph() == nil {
		t.Fatal("the server has no Graph server")
	}
	hs := httptest.NewServer(srv.Handler())
	t.Cleanup(hs.Close)
	secret := make([]byte, 32)
	_, _ = rand.Read(secret)
	m, err := tokens.NewMinter(srv.Keyring(), secret)
	if err != nil {
		t.Fatal(err)
	}
	return &env{t: t, srv: srv, hs: hs, base: hs.URL + "/v1.0", demo: srv.Demo, minter: m,
		client: &http.Client{Timeout: 30 * time.Second}, tokens: map[string]string{}}
}

// Demo identifiers.
const (
	marketingID = "0a1b2c3d-3333-4a5b-8c6d-000000000001"
	falconID    = "0a1b2c3d-3333-4a5b-8c6d-000000000002"
	employeesID = "0a1b2c3d-3333-4a5b-8c6d-000000000003"
	seattleAUID = "0a1b2c3d-4444-4a5b-8c6d-000000000001"
	// globalAdminRole is the Global Administrator role template id.
	globalAdminRole = "62e90394-69f5-4237-9190-012177145e10"
)

// user returns a demo user by key (admin, adele, megan, lynne, guest,
// support, sam).
func (e *env) user(key string) demo.User {
	u, ok := e.demo.UserByKey(key)
	if !ok {
		e.t.Fatalf("no demo user %q", key)
	}
	return u
}

func (e *env) id(key string) string { return e.user(key).ID }

func (e *env) upn(key string) string { return e.user(key).UserPrincipalName }

// storedUser reads a user from the store (roles as template ids).
func (e *env) storedUser(key string) store.User {
	u := e.user(key)
	su, err := e.srv.Store().GetUser(context.Background(), u.TenantID, u.ID)
	if err != nil {
		e.t.Fatalf("store user %s: %v", key, err)
	}
	return su
}

// mint signs a token, cached by its identity.
func (e *env) mint(c tokens.AccessClaims) string {
	key := strings.Join([]string{c.IDType, c.TenantID, c.ObjectID, c.AppID, c.Scope, strings.Join(c.Roles, " "), strings.Join(c.WIDs, " "), c.IdP, c.Audience, strconv.Itoa(c.Acct)}, "|")
	e.mu.Lock()
	defer e.mu.Unlock()
	if tok, ok := e.tokens[key]; ok {
		return tok
	}
	tok, _, err := e.minter.MintAccessToken(context.Background(), c, time.Hour)
	if err != nil {
		e.t.Fatalf("minting a token: %v", err)
	}
	e.tokens[key] = tok
	return tok
}

// delegated mints a delegated token for a demo user (work or personal)
// holding exactly scopes, with the user's directory roles as wids.
func (e *env) delegated(key string, scopes ...string) string {
	u := e.storedUser(key)
	c := tokens.AccessClaims{IDType: tokens.IDTypeUser, TenantID: u.TenantID, ObjectID: u.ID, AppID: demo.HomeAssistantAppID,
		AppIDACR: tokens.AppIDACRPublic, Scope: strings.Join(scopes, " "), WIDs: u.Roles, Name: u.DisplayName, UPN: u.UserPrincipalName}
	if u.TenantID == store.PersonalTenantID {
		c.IdP = tokens.IdPPersonal
	}
	if u.Kind == store.UserGuest {
		c.Acct = tokens.AcctGuest
	}
	return e.mint(c)
}

// personal mints a delegated token for Sam, the personal account.
func (e *env) personal(scopes ...string) string { return e.delegated("sam", scopes...) }

// app mints an app-only token of the demo daemon holding exactly roles.
func (e *env) app(roles ...string) string {
	if roles == nil {
		roles = []string{}
	}
	return e.mint(tokens.AccessClaims{IDType: tokens.IDTypeApp, TenantID: demo.TenantID, ObjectID: "5f0e2d1c-aaaa-4b3c-9d8e-000000000001",
		AppID: demo.DaemonAppID, AppIDACR: tokens.AppIDACRSecret, Roles: roles})
}

// resp is a response: status, headers, the raw body and its JSON.
type resp struct {
	Status int
	Header http.Header
	Raw    []byte
	JSON   map[string]any
}

// opt changes a request before it is sent.
type opt func(*http.Request)

func header(k, v string) opt { return func(r *http.Request) { r.Header.Set(k, v) } }

func (e *env) do(method, path, token string, body any, opts ...opt) resp {
	e.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case []byte:
		rd = bytes.NewReader(b)
	case string:
		rd = strings.NewReader(b)
	default:
		j, err := json.Marshal(b)
		if err != nil {
			e.t.Fatal(err)
		}
		rd = bytes.NewReader(j)
	}
	u := path
	if !strings.HasPrefix(path, "http") {
		u = e.base + path
	}
	req, err := http.NewRequest(method, u, rd)
	if err != nil {
		e.t.Fatalf("%s %s: %v", method, path, err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for _, o := range opts {
		o(req)
	}
	res, err := e.client.Do(req)
	if err != nil {
		e.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	if err != nil {
		e.t.Fatalf("%s %s: reading the body: %v", method, path, err)
	}
	out := resp{Status: res.StatusCode, Header: res.Header, Raw: raw}
	if len(bytes.TrimSpace(raw)) > 0 && strings.Contains(res.Header.Get("Content-Type"), "json") {
		if err := json.Unmarshal(raw, &out.JSON); err != nil {
			e.t.Fatalf("%s %s: the body is not a JSON object: %v\n%s", method, path, err, raw)
		}
	}
	return out
}

// must sends a request and fails the test unless the status is want.
func (e *env) must(want int, method, path, token string, body any, opts ...opt) map[string]any {
	e.t.Helper()
	r := e.do(method, path, token, body, opts...)
	if r.Status != want {
		e.t.Fatalf("%s %s: status %d, want %d\n%s", method, path, r.Status, want, r.Raw)
	}
	return r.JSON
}

// all follows @odata.nextLink from path and returns every item, failing on
// an item seen twice.
func (e *env) all(path, token string, opts ...opt) []map[string]any {
	e.t.Helper()
	var out []map[string]any
	seen := map[string]bool{}
	for next, pages := path, 0; next != ""; pages++ {
		if pages > 100 {
			e.t.Fatalf("%s: more than 100 pages", path)
		}
		body := e.must(200, "GET", next, token, nil, opts...)
		for _, v := range list(e.t, body) {
			if id, _ := v["id"].(string); id != "" {
				if seen[id] {
					e.t.Fatalf("%s: item %s returned twice while paging", path, id)
				}
				seen[id] = true
			}
			out = append(out, v)
		}
		next, _ = body["@odata.nextLink"].(string)
	}
	return out
}

// list reads a collection's value.
func list(t testing.TB, body map[string]any) []map[string]any {
	t.Helper()
	raw, ok := body["value"].([]any)
	if !ok {
		t.Fatalf("the body has no value array: %v", body)
	}
	out := make([]map[string]any, len(raw))
	for i, v := range raw {
		m, ok := v.(map[string]any)
		if !ok {
			t.Fatalf("value[%d] is not an object: %v", i, v)
		}
		out[i] = m
	}
	return out
}

// str reads a string property by a slash-separated path.
func str(m map[string]any, path string) string {
	var cur any = m
	for _, p := range strings.Split(path, "/") {
		mm, ok := cur.(map[string]any)
		if !ok {
			return ""
		}
		cur = mm[p]
	}
	s, _ := cur.(string)
	return s
}

// get reads any property by a slash-separated path.
func get(m map[string]any, path string) any {
	var cur any = m
	for _, p := range strings.Split(path, "/") {
		mm, ok := cur.(map[string]any)
		if !ok {
			return nil
		}
		cur = mm[p]
	}
	return cur
}

// keys lists an object's property names, sorted.
func keys(m map[string]any) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// find returns the first item whose property equals v.
func find(items []map[string]any, prop, v string) map[string]any {
	for _, it := range items {
		if str(it, prop) == v {
			return it
		}
	}
	return nil
}

// q escapes a query string value (spaces as %20, as clients send them).
func q(v string) string { return strings.ReplaceAll(url.QueryEscape(v), "+", "%20") }

// wantError checks a Graph error body: status, code, message (a prefix
// when it ends with "…"), the innerError and the request-id header.
func wantError(t testing.TB, r resp, status int, code, message string) {
	t.Helper()
	if r.Status != status {
		t.Fatalf("status %d, want %d\n%s", r.Status, status, r.Raw)
	}
	e, ok := r.JSON["error"].(map[string]any)
	if !ok {
		t.Fatalf("no error object in %s", r.Raw)
	}
	if code != "" && e["code"] != code {
		t.Errorf("error code %v, want %s (%s)", e["code"], code, r.Raw)
	}
	msg, _ := e["message"].(string)
	if p, ok := strings.CutSuffix(message, "…"); ok {
		if !strings.HasPrefix(msg, p) {
			t.Errorf("error message %q, want it to start with %q", msg, p)
		}
	} else if message != "" && msg != message {
		t.Errorf("error message %q, want %q", msg, message)
	}
	inner, ok := e["innerError"].(map[string]any)
	if !ok {
		t.Fatalf("no innerError in %s", r.Raw)
	}
	if _, err := time.Parse(time.RFC3339, str(inner, "date")); err != nil {
		t.Errorf("innerError.date %q is not RFC 3339", inner["date"])
	}
	rid := r.Header.Get("request-id")
	if rid == "" || str(inner, "request-id") != rid {
		t.Errorf("innerError.request-id %q, request-id header %q", inner["request-id"], rid)
	}
	if str(inner, "client-request-id") == "" || str(inner, "client-request-id") != r.Header.Get("client-request-id") {
		t.Errorf("innerError.client-request-id %q, header %q", inner["client-request-id"], r.Header.Get("client-request-id"))
	}
}

// gzipped compresses b.
func gzipped(b []byte) []byte {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	_, _ = zw.Write(b)
	_ = zw.Close()
	return buf.Bytes()
}

// keyStore reads the server's signing keys from its store, so a second
// keyring with another clock can sign tokens the server trusts (expired
// ones).
type keyStore struct{ st store.Keys }

func (k keyStore) SigningKeys(ctx context.Context) ([]tokens.StoredKey, error) {
	keys, err := k.st.SigningKeys(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]tokens.StoredKey, len(keys))
	for i, sk := range keys {
		out[i] = tokens.StoredKey{Generation: sk.Generation, KID: sk.KID, CertDER: sk.CertDER, CreatedAt: sk.CreatedAt,
			ActivateAt: sk.ActivateAt, RetireAt: sk.RetireAt,
			PrivateKeyPEM: pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: sk.PrivateKey})}
	}
	return out, nil
}

func (k keyStore) AddSigningKey(context.Context, tokens.StoredKey) (bool, error) {
	return false, errors.New("the test keyring does not create keys")
}

// expiredToken signs a delegated token for a demo user that expired an
// hour ago, with the server's own key.
func (e *env) expiredToken(key string, scopes ...string) string {
	e.t.Helper()
	var offset time.Duration
	var mu sync.Mutex
	kr, err := tokens.NewKeyring(keyStore{e.srv.Store()}, tokens.KeyringOptions{Now: func() time.Time {
		mu.Lock()
		defer mu.Unlock()
		return time.Now().Add(offset)
	}})
	if err != nil {
		e.t.Fatal(err)
	}
	// Load the server's key at the real time, then go back two hours.
	if _, err := kr.ActiveKeyID(context.Background()); err != nil {
		e.t.Fatal(err)
	}
	mu.Lock()
	offset = -2 * time.Hour
	mu.Unlock()
	secret := make([]byte, 32)
	_, _ = rand.Read(secret)
	m, err := tokens.NewMinter(kr, secret)
	if err != nil {
		e.t.Fatal(err)
	}
	u := e.storedUser(key)
	tok, _, err := m.MintAccessToken(context.Background(), tokens.AccessClaims{IDType: tokens.IDTypeUser, TenantID: u.TenantID, ObjectID: u.ID,
		AppID: demo.HomeAssistantAppID, AppIDACR: tokens.AppIDACRPublic, Scope: strings.Join(scopes, " ")}, time.Hour)
	if err != nil {
		e.t.Fatal(err)
	}
	return tok
}
