package identity

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"graphgate/internal/catalog"
	"graphgate/internal/password"
	"graphgate/internal/store"
	"graphgate/internal/store/sqlite"
	"graphgate/internal/tokens"
)

// The harness runs the identity platform over HTTPS on a real SQLite store
// with an injected clock, behind a store double that fails the methods a
// test names: the unit-level counterpart of the e2e suite, for behaviour
// that needs time to pass (lockout, device-code polling) or a failing
// store.

// fakeClock is the server's clock; tests move it.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }

func (c *fakeClock) Advance(d time.Duration) { c.mu.Lock(); c.now = c.now.Add(d); c.mu.Unlock() }

// errStoreDown is what a failing store method returns.
var errStoreDown = errors.New("store: connection refused")

// faultStore is the store with some methods failing: those named in
// failing (by method name) return errStoreDown.
type faultStore struct {
	Store
	mu      sync.Mutex
	failing map[string]bool
}

func (f *faultStore) fail(names ...string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.failing = map[string]bool{}
	for _, n := range names {
		f.failing[n] = true
	}
}

func (f *faultStore) err(name string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.failing[name] {
		return errStoreDown
	}
	return nil
}

func (f *faultStore) GetTenant(ctx context.Context, id string) (store.Tenant, error) {
	if err := f.err("GetTenant"); err != nil {
		return store.Tenant{}, err
	}
	return f.Store.GetTenant(ctx, id)
}

func (f *faultStore) TenantByDomain(ctx context.Context, d string) (store.Tenant, error) {
	if err := f.err("TenantByDomain"); err != nil {
		return store.Tenant{}, err
	}
	return f.Store.TenantByDomain(ctx, d)
}

func (f *faultStore) ListTenants(ctx context.Context) ([]store.Tenant, error) {
	if err := f.err("ListTenants"); err != nil {
		return nil, err
	}
	return f.Store.ListTenants(ctx)
}

func (f *faultStore) GetUser(ctx context.Context, tenantID, id string) (store.User, error) {
	if err := f.err("GetUser"); err != nil {
		return store.User{}, err
	}
	return f.Store.GetUser(ctx, tenantID, id)
}

func (f *faultStore) UserByUPN(ctx context.Context, upn string) (store.User, error) {
	if err := f.err("UserByUPN"); err != nil {
		return store.User{}, err
	}
	return f.Store.UserByUPN(ctx, upn)
}

func (f *faultStore) GetApp(ctx context.Context, appID string) (store.App, error) {
	if err := f.err("GetApp"); err != nil {
		return store.App{}, err
	}
	return f.Store.GetApp(ctx, appID)
}

func (f *faultStore) ListApps(ctx context.Context, tenantID string) ([]store.App, error) {
	if err := f.err("ListApps"); err != nil {
		return nil, err
	}
	return f.Store.ListApps(ctx, tenantID)
}

func (f *faultStore) GetServicePrincipal(ctx context.Context, tenantID, appID string) (store.ServicePrincipal, error) {
	if err := f.err("GetServicePrincipal"); err != nil {
		return store.ServicePrincipal{}, err
	}
	return f.Store.GetServicePrincipal(ctx, tenantID, appID)
}

func (f *faultStore) EnsureServicePrincipal(ctx context.Context, tenantID, appID, name string) (store.ServicePrincipal, error) {
	if err := f.err("EnsureServicePrincipal"); err != nil {
		return store.ServicePrincipal{}, err
	}
	return f.Store.EnsureServicePrincipal(ctx, tenantID, appID, name)
}

func (f *faultStore) DelegatedGrants(ctx context.Context, tenantID, clientID, userID string) ([]store.DelegatedGrant, error) {
	if err := f.err("DelegatedGrants"); err != nil {
		return nil, err
	}
	return f.Store.DelegatedGrants(ctx, tenantID, clientID, userID)
}

func (f *faultStore) UpsertDelegatedGrant(ctx context.Context, k store.DelegatedGrant, fn func(store.DelegatedGrant) (store.DelegatedGrant, error)) error {
	if err := f.err("UpsertDelegatedGrant"); err != nil {
		return err
	}
	return f.Store.UpsertDelegatedGrant(ctx, k, fn)
}

func (f *faultStore) AppRoleAssignments(ctx context.Context, tenantID, clientID string) ([]store.AppRoleAssignment, error) {
	if err := f.err("AppRoleAssignments"); err != nil {
		return nil, err
	}
	return f.Store.AppRoleAssignments(ctx, tenantID, clientID)
}

func (f *faultStore) CreateAuthCode(ctx context.Context, c store.AuthCode) error {
	if err := f.err("CreateAuthCode"); err != nil {
		return err
	}
	return f.Store.CreateAuthCode(ctx, c)
}

func (f *faultStore) UpdateAuthCode(ctx context.Context, hash []byte, fn func(store.AuthCode) (store.AuthCode, error)) error {
	if err := f.err("UpdateAuthCode"); err != nil {
		return err
	}
	return f.Store.UpdateAuthCode(ctx, hash, fn)
}

func (f *faultStore) CreateRefreshToken(ctx context.Context, t store.RefreshToken) error {
	if err := f.err("CreateRefreshToken"); err != nil {
		return err
	}
	return f.Store.CreateRefreshToken(ctx, t)
}

func (f *faultStore) GetRefreshToken(ctx context.Context, hash []byte) (store.RefreshToken, error) {
	if err := f.err("GetRefreshToken"); err != nil {
		return store.RefreshToken{}, err
	}
	return f.Store.GetRefreshToken(ctx, hash)
}

func (f *faultStore) UpdateRefreshToken(ctx context.Context, hash []byte, fn func(store.RefreshToken) (store.RefreshToken, *store.RefreshToken, error)) error {
	if err := f.err("UpdateRefreshToken"); err != nil {
		return err
	}
	return f.Store.UpdateRefreshToken(ctx, hash, fn)
}

func (f *faultStore) RevokeFamily(ctx context.Context, family string, now time.Time) (int, error) {
	if err := f.err("RevokeFamily"); err != nil {
		return 0, err
	}
	return f.Store.RevokeFamily(ctx, family, now)
}

func (f *faultStore) CreateDeviceCode(ctx context.Context, d store.DeviceCode) error {
	if err := f.err("CreateDeviceCode"); err != nil {
		return err
	}
	return f.Store.CreateDeviceCode(ctx, d)
}

func (f *faultStore) DeviceCodeByUserCode(ctx context.Context, code string) (store.DeviceCode, error) {
	if err := f.err("DeviceCodeByUserCode"); err != nil {
		return store.DeviceCode{}, err
	}
	return f.Store.DeviceCodeByUserCode(ctx, code)
}

func (f *faultStore) UpdateDeviceCode(ctx context.Context, hash []byte, fn func(store.DeviceCode) (store.DeviceCode, error)) error {
	if err := f.err("UpdateDeviceCode"); err != nil {
		return err
	}
	return f.Store.UpdateDeviceCode(ctx, hash, fn)
}

func (f *faultStore) GetLockout(ctx context.Context, tenantID, userID string) (store.Lockout, error) {
	if err := f.err("GetLockout"); err != nil {
		return store.Lockout{}, err
	}
	return f.Store.GetLockout(ctx, tenantID, userID)
}

func (f *faultStore) UpsertLockout(ctx context.Context, tenantID, userID string, fn func(store.Lockout) (store.Lockout, error)) (store.Lockout, error) {
	if err := f.err("UpsertLockout"); err != nil {
		return store.Lockout{}, err
	}
	return f.Store.UpsertLockout(ctx, tenantID, userID, fn)
}

func (f *faultStore) DeleteLockout(ctx context.Context, tenantID, userID string) error {
	if err := f.err("DeleteLockout"); err != nil {
		return err
	}
	return f.Store.DeleteLockout(ctx, tenantID, userID)
}

// faultKeys is a key store that can fail, to make signing fail.
type faultKeys struct {
	tokens.MemoryStore
	down bool
}

func (k *faultKeys) SigningKeys(ctx context.Context) ([]tokens.StoredKey, error) {
	if k.down {
		return nil, errStoreDown
	}
	return k.MemoryStore.SigningKeys(ctx)
}

func (k *faultKeys) AddSigningKey(ctx context.Context, sk tokens.StoredKey) (bool, error) {
	if k.down {
		return false, errStoreDown
	}
	return k.MemoryStore.AddSigningKey(ctx, sk)
}

// The fixture: Contoso (home of the apps graphgate's demo has), Fabrikam
// (another organisation with its own apps) and the personal-accounts
// tenant, one user each, and apps for every audience rule.
const (
	userPassword = "Correct-Horse-42"

	haID            = "00000000-0000-4000-8000-0000000000a1" // public, multi-tenant and personal (like Home Assistant)
	contosoAPIID    = "00000000-0000-4000-8000-0000000000a2" // confidential, Contoso only
	sharedAPIID     = "00000000-0000-4000-8000-0000000000a3" // confidential, multi-tenant, service principal in Fabrikam
	lonelyAPIID     = "00000000-0000-4000-8000-0000000000a4" // confidential, multi-tenant, no service principal in Fabrikam
	contosoDaemonID = "00000000-0000-4000-8000-0000000000a5" // confidential, Contoso only
	fabAppID        = "00000000-0000-4000-8000-0000000000b1" // public, Fabrikam only
	fabDaemonID     = "00000000-0000-4000-8000-0000000000b2" // confidential, Fabrikam only
	fabAPIID        = "00000000-0000-4000-8000-0000000000b3" // confidential, Fabrikam only (calls on behalf of its callers)
	personalAPIID   = "00000000-0000-4000-8000-0000000000a6" // confidential, work and personal accounts

	appSecret = "s3cret-value-for-every-confidential-app"
	redirect  = "http://localhost"
)

type harness struct {
	t         *testing.T
	clock     *fakeClock
	st        *faultStore
	keys      *faultKeys
	srv       *Server
	base      string
	client    *http.Client // a browser: cookies, no redirects followed
	tls       *http.Client // trusts the test server
	tlsServer *httptest.Server

	contoso, fabrikam, personal store.Tenant
	adele, ford, sam            store.User
	admin                       store.User // Contoso's Global Administrator
	signins                     *signInSink
}

// signInSink is the harness's sign-in recorder: it keeps every row.
type signInSink struct {
	mu   sync.Mutex
	rows []store.SignIn
}

func (k *signInSink) RecordSignIn(x store.SignIn) {
	k.mu.Lock()
	k.rows = append(k.rows, x)
	k.mu.Unlock()
}

// take returns the rows recorded since the last take.
func (k *signInSink) take() []store.SignIn {
	k.mu.Lock()
	defer k.mu.Unlock()
	out := k.rows
	k.rows = nil
	return out
}

func newHarness(t *testing.T, cfg Config) *harness {
	t.Helper()
	ctx := t.Context()
	db, err := sqlite.Open(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	h := &harness{t: t, clock: &fakeClock{now: time.Now().UTC().Truncate(time.Second)}, st: &faultStore{Store: db}, keys: &faultKeys{},
		signins: &signInSink{}}
	kr, err := tokens.NewKeyring(h.keys, tokens.KeyringOptions{Now: h.clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	ver, err := tokens.NewVerifier(kr, tokens.VerifierOptions{})
	if err != nil {
		t.Fatal(err)
	}
	h.srv, err = New(ctx, Deps{Store: h.st, Catalog: catalog.Default(), Keyring: kr, Verifier: ver, Now: h.clock.Now,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), SignIns: h.signins}, cfg)
	if err != nil {
		t.Fatal(err)
	}
	h.seed(ctx, db)
	ts := httptest.NewTLSServer(h.srv.Handler())
	t.Cleanup(ts.Close)
	h.base, h.tls, h.tlsServer = ts.URL, ts.Client(), ts
	h.client = h.browser()
	return h
}

func (h *harness) seed(ctx context.Context, db store.Store) {
	t := h.t
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	now := h.clock.Now()
	h.contoso = store.Tenant{ID: "11111111-1111-4111-8111-111111111111", DisplayName: "Contoso", Kind: store.TenantWork, Domains: []string{"contoso.test"}, CreatedAt: now}
	h.fabrikam = store.Tenant{ID: "22222222-2222-4222-8222-222222222222", DisplayName: "Fabrikam", Kind: store.TenantWork, Domains: []string{"fabrikam.test"}, CreatedAt: now}
	h.personal = store.Tenant{ID: store.PersonalTenantID, DisplayName: "Microsoft Accounts", Kind: store.TenantPersonal, Domains: []string{"outlook.test"}, CreatedAt: now}
	for _, tn := range []store.Tenant{h.contoso, h.fabrikam, h.personal} {
		must(db.CreateTenant(ctx, tn))
	}
	hash, err := password.Hash(userPassword, password.Fast)
	must(err)
	user := func(id string, tn store.Tenant, upn string, kind store.UserKind) store.User {
		u := store.User{ID: id, TenantID: tn.ID, UserPrincipalName: upn, DisplayName: upn, Kind: kind, AccountEnabled: true,
			PasswordHash: hash, CreatedAt: now, Version: 1}
		must(db.CreateUser(ctx, u))
		return u
	}
	h.adele = user("aaaaaaaa-0000-4000-8000-000000000001", h.contoso, "adele@contoso.test", store.UserMember)
	h.ford = user("bbbbbbbb-0000-4000-8000-000000000001", h.fabrikam, "ford@fabrikam.test", store.UserMember)
	h.sam = user("cccccccc-0000-4000-8000-000000000001", h.personal, "sam@outlook.test", store.UserPersonal)
	h.admin = user("aaaaaaaa-0000-4000-8000-000000000002", h.contoso, "admin@contoso.test", store.UserMember)
	must(db.UpdateUser(ctx, h.contoso.ID, h.admin.ID, func(u store.User) (store.User, error) {
		u.Roles = []string{"62e90394-69f5-4237-9190-012177145e10"} // Global Administrator
		return u, nil
	}))

	secret := []store.ClientSecret{{ID: "k1", Hint: appSecret[:3], Hash: h.srv.SecretHash(appSecret), CreatedAt: now}}
	ru := []store.RedirectURI{{URI: redirect, Kind: store.RedirectPublicClient}}
	for _, a := range []store.App{
		{AppID: haID, TenantID: h.contoso.ID, DisplayName: "Home Assistant", SignInAudience: store.AudienceMultipleOrgsAndPersonal, PublicClient: true, RedirectURIs: ru},
		{AppID: contosoAPIID, TenantID: h.contoso.ID, DisplayName: "Contoso API", SignInAudience: store.AudienceMyOrg, Secrets: secret},
		{AppID: sharedAPIID, TenantID: h.contoso.ID, DisplayName: "Shared API", SignInAudience: store.AudienceMultipleOrgs, Secrets: secret},
		{AppID: lonelyAPIID, TenantID: h.contoso.ID, DisplayName: "Lonely API", SignInAudience: store.AudienceMultipleOrgs, Secrets: secret},
		{AppID: personalAPIID, TenantID: h.contoso.ID, DisplayName: "Personal API", SignInAudience: store.AudienceMultipleOrgsAndPersonal, Secrets: secret},
		{AppID: contosoDaemonID, TenantID: h.contoso.ID, DisplayName: "Contoso Daemon", SignInAudience: store.AudienceMyOrg, Secrets: secret,
			RequiredRoles: []string{"User.Read.All"}},
		{AppID: fabAppID, TenantID: h.fabrikam.ID, DisplayName: "Fabrikam App", SignInAudience: store.AudienceMyOrg, PublicClient: true, RedirectURIs: ru},
		{AppID: fabDaemonID, TenantID: h.fabrikam.ID, DisplayName: "Fabrikam Daemon", SignInAudience: store.AudienceMyOrg, Secrets: secret},
		{AppID: fabAPIID, TenantID: h.fabrikam.ID, DisplayName: "Fabrikam API", SignInAudience: store.AudienceMyOrg, Secrets: secret},
	} {
		a.ObjectID, a.CreatedAt, a.Version = a.AppID, now, 1
		must(db.CreateApp(ctx, a))
		_, err := db.EnsureServicePrincipal(ctx, a.TenantID, a.AppID, a.DisplayName)
		must(err)
	}
	// An administrator of Fabrikam consented to the shared API (its
	// service principal there); Contoso's tenant-wide consent for the
	// public app and the daemon.
	_, err = db.EnsureServicePrincipal(ctx, h.fabrikam.ID, sharedAPIID, "Shared API")
	must(err)
	for _, c := range []struct {
		tenant, app string
		scopes      []string
	}{{h.contoso.ID, haID, []string{"User.Read"}}, {h.fabrikam.ID, fabAppID, []string{"User.Read"}}, {h.fabrikam.ID, fabAPIID, []string{"User.Read"}}} {
		must(db.UpsertDelegatedGrant(ctx, store.DelegatedGrant{TenantID: c.tenant, ClientID: c.app, ConsentType: store.ConsentAllPrincipals},
			func(g store.DelegatedGrant) (store.DelegatedGrant, error) {
				g.ID, g.Scopes, g.CreatedAt, g.UpdatedAt = "grant-"+c.app, c.scopes, now, now
				return g, nil
			}))
	}
	must(db.AddAppRoleAssignment(ctx, store.AppRoleAssignment{ID: "ara-1", TenantID: h.contoso.ID, ClientID: contosoDaemonID, Permission: "User.Read.All", CreatedAt: now}))
}

// browser returns a new HTTP client with its own cookies that does not
// follow redirects.
func (h *harness) browser() *http.Client {
	jar, _ := cookiejar.New(nil)
	c := *h.tls
	c.Jar = jar
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &c
}

// resp is one answer.
type resp struct {
	status int
	header http.Header
	body   string
	json   map[string]any
}

func (r resp) str(k string) string { s, _ := r.json[k].(string); return s }

func (r resp) String() string { return fmt.Sprintf("HTTP %d %s", r.status, r.body) }

func (h *harness) do(c *http.Client, req *http.Request) resp {
	h.t.Helper()
	res, err := c.Do(req)
	if err != nil {
		h.t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	r := resp{status: res.StatusCode, header: res.Header, body: string(b)}
	if strings.HasPrefix(res.Header.Get("Content-Type"), "application/json") {
		if err := json.Unmarshal(b, &r.json); err != nil {
			h.t.Fatalf("%s %s: bad JSON %q", req.Method, req.URL, b)
		}
	}
	return r
}

func (h *harness) get(c *http.Client, u string) resp {
	h.t.Helper()
	req, _ := http.NewRequest(http.MethodGet, h.url(u), nil)
	return h.do(c, req)
}

func (h *harness) post(c *http.Client, u string, v url.Values) resp {
	h.t.Helper()
	req, _ := http.NewRequest(http.MethodPost, h.url(u), strings.NewReader(v.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return h.do(c, req)
}

func (h *harness) url(u string) string {
	if strings.HasPrefix(u, "/") {
		return h.base + u
	}
	return u
}

// token posts to tenant's token endpoint.
func (h *harness) token(tenant string, v url.Values) resp {
	h.t.Helper()
	return h.post(h.client, "/"+tenant+"/oauth2/v2.0/token", v)
}

func form(pairs ...string) url.Values {
	v := url.Values{}
	for i := 0; i+1 < len(pairs); i += 2 {
		v.Set(pairs[i], pairs[i+1])
	}
	return v
}

func passwordGrant(clientID, upn, pw, scope string) url.Values {
	return form("grant_type", "password", "client_id", clientID, "username", upn, "password", pw, "scope", scope)
}

// wantErr checks an error answer of the token endpoint.
func wantErr(t *testing.T, r resp, status int, code string, aadsts int) {
	t.Helper()
	codes, _ := r.json["error_codes"].([]any)
	if r.status != status || r.str("error") != code || len(codes) != 1 || codes[0] != float64(aadsts) ||
		!strings.HasPrefix(r.str("error_description"), fmt.Sprintf("AADSTS%d: ", aadsts)) {
		t.Errorf("want %d %s AADSTS%d, got %s", status, code, aadsts, r)
	}
}

func wantToken(t *testing.T, r resp) {
	t.Helper()
	if r.status != http.StatusOK || r.str("access_token") == "" {
		t.Errorf("want a token, got %s", r)
	}
}

var hiddenRE = regexp.MustCompile(`<input type="hidden" name="([^"]+)" value="([^"]*)">`)

// hidden returns a page's hidden form fields.
func hidden(body string) url.Values {
	v := url.Values{}
	for _, m := range hiddenRE.FindAllStringSubmatch(body, -1) {
		v.Set(m[1], html.UnescapeString(m[2]))
	}
	return v
}

// signInPage starts an authorization code flow in browser c and returns
// the sign-in page.
func (h *harness) signInPage(c *http.Client, tenant, clientID, scope string) resp {
	h.t.Helper()
	q := form("client_id", clientID, "response_type", "code", "redirect_uri", redirect, "scope", scope, "state", "st",
		"code_challenge", pkceChallenge, "code_challenge_method", "S256")
	r := h.get(c, "/"+tenant+"/oauth2/v2.0/authorize?"+q.Encode())
	if r.status != http.StatusOK || !strings.Contains(r.body, `id="username"`) {
		h.t.Fatalf("no sign-in page: %s", r)
	}
	return r
}

// login submits the sign-in form of page in browser c.
func (h *harness) login(c *http.Client, page resp, upn, pw string) resp {
	h.t.Helper()
	v := hidden(page.body)
	v.Set("username", upn)
	v.Set("password", pw)
	return h.post(c, "/login", v)
}

// A PKCE verifier and its S256 challenge (as in TestPKCE).
const (
	pkceVerifier  = "dBjftJeZ4CVP-mJ92IHRoyRMS1JPMBxuC3E7QAB2qNM"
	pkceChallenge = "df5YvCl_to-QH6H5lR_jeweFMaeydvWyrnCIzAwgSZw"
)

const graphDefault = "https://graph.microsoft.com/.default"

func clientCredentials(clientID, scope string) url.Values {
	return form("grant_type", "client_credentials", "client_id", clientID, "client_secret", appSecret, "scope", scope)
}

func redeem(code string) url.Values {
	return form("grant_type", "authorization_code", "client_id", haID, "code", code, "redirect_uri", redirect, "code_verifier", pkceVerifier)
}

func refresh(clientID, rt string) url.Values {
	return form("grant_type", "refresh_token", "client_id", clientID, "refresh_token", rt)
}

func poll(deviceCode string) url.Values {
	return form("grant_type", "device_code", "client_id", haID, "device_code", deviceCode)
}

func obo(clientID, assertion, scope string) url.Values {
	return form("grant_type", "urn:ietf:params:oauth:grant-type:jwt-bearer", "requested_token_use", "on_behalf_of",
		"client_id", clientID, "client_secret", appSecret, "assertion", assertion, "scope", scope)
}

// authCode signs u in (browser c, the public app, User.Read, consented
// for Contoso) and returns the code.
func (h *harness) authCode(c *http.Client, u store.User) string {
	h.t.Helper()
	p := h.signInPage(c, "organizations", haID, "User.Read")
	r := h.login(c, p, u.UserPrincipalName, userPassword)
	loc, err := url.Parse(r.header.Get("Location"))
	if r.status != http.StatusFound || err != nil || loc.Query().Get("code") == "" {
		h.t.Fatalf("no code: %s %s", r, r.header.Get("Location"))
	}
	return loc.Query().Get("code")
}
