package auth

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/AzureAD/microsoft-authentication-library-for-go/apps/confidential"
	"github.com/AzureAD/microsoft-authentication-library-for-go/apps/public"

	"graphgate/internal/secretfile"
)

// NativeClientRedirect is Microsoft's page for apps where the user pastes the
// address the sign-in ended on (the integration's default redirect URI).
const NativeClientRedirect = "https://login.microsoftonline.com/common/oauth2/nativeclient"

// PersonalTenantID is the tenant of personal Microsoft accounts.
const PersonalTenantID = "9188040d-6c67-4c5b-b112-36a304b66dad"

// microsoftHosts are the public clouds' authorities, where MSAL's instance
// discovery applies; any other host (graphgate) is used as configured.
var microsoftHosts = map[string]bool{
	"login.microsoftonline.com": true, "login.microsoftonline.us": true,
	"login.chinacloudapi.cn": true, "login.partner.microsoftonline.cn": true,
}

// Options configure one account's session.
type Options struct {
	// Authority is the identity platform's base URL (default
	// https://login.microsoftonline.com) and Tenant the tenant segment
	// (common, organizations, consumers, a domain or a tenant id).
	Authority, Tenant string
	ClientID          string
	// ClientSecret makes the session a confidential client (auth code flow
	// only: MSAL Go offers the device code flow to public clients).
	ClientSecret string
	// RedirectURI for the pasted auth code flow (default NativeClientRedirect).
	RedirectURI string
	// HTTPClient is used for every call to the identity platform (it carries
	// the custom CA and the retry policy).
	HTTPClient *http.Client
	// CacheFile is the token file.
	CacheFile string
	// Logger receives the warning when the token file had to be made
	// owner-only (nil: slog.Default()).
	Logger *slog.Logger
}

// Session is one account's MSAL client and token cache. It is safe for
// concurrent use.
type Session struct {
	opts   Options
	cache  *CacheFile
	client msalClient
}

// msalClient is what Session needs of MSAL's public and confidential
// clients.
type msalClient interface {
	silent(ctx context.Context, scopes []string) (public.AuthResult, error)
	accounts(ctx context.Context) ([]public.Account, error)
	authCodeURL(ctx context.Context, clientID, redirectURI string, scopes []string) (string, error)
	redeem(ctx context.Context, code, redirectURI, verifier string, scopes []string) (public.AuthResult, error)
	deviceCode(ctx context.Context, scopes []string) (public.DeviceCode, error)
}

// New builds a session. Its only I/O is on the token file: its folder is
// created (0700) and a file found readable by others is made owner-only.
func New(o Options) (*Session, error) {
	if o.Authority == "" {
		o.Authority = "https://login.microsoftonline.com"
	}
	if o.Tenant == "" {
		o.Tenant = "common"
	}
	if o.RedirectURI == "" {
		o.RedirectURI = NativeClientRedirect
	}
	if o.HTTPClient == nil {
		o.HTTPClient = http.DefaultClient
	}
	u, err := url.Parse(o.Authority)
	if err != nil || u.Host == "" {
		return nil, fmt.Errorf("authority %q is not a URL", o.Authority)
	}
	authority := strings.TrimRight(o.Authority, "/") + "/" + o.Tenant
	discovery := microsoftHosts[strings.ToLower(u.Hostname())]
	cf, err := NewCacheFile(o.CacheFile)
	if err != nil {
		return nil, err
	}
	// The file holds refresh tokens: one copied in with a wider mode is made
	// owner-only (Export writes it 0600).
	if err := secretfile.Tighten(o.Logger, o.CacheFile); err != nil {
		return nil, err
	}
	s := &Session{opts: o, cache: cf}
	if o.ClientSecret != "" {
		cred, err := confidential.NewCredFromSecret(o.ClientSecret)
		if err != nil {
			return nil, err
		}
		c, err := confidential.New(authority, o.ClientID, cred, confidential.WithCache(cf),
			confidential.WithHTTPClient(o.HTTPClient), confidential.WithInstanceDiscovery(discovery))
		if err != nil {
			return nil, err
		}
		s.client = &confClient{c: c, file: cf}
	} else {
		c, err := public.New(o.ClientID, public.WithAuthority(authority), public.WithCache(cf),
			public.WithHTTPClient(o.HTTPClient), public.WithInstanceDiscovery(discovery))
		if err != nil {
			return nil, err
		}
		s.client = &pubClient{c: c}
	}
	return s, nil
}

// CachePath is the account's token file.
func (s *Session) CachePath() string { return s.cache.Path() }

// Token is an access token and what Check needs to know about it.
type Token struct {
	AccessToken string
	ExpiresOn   time.Time
	// Granted are the scopes the token grants (the token response's scope,
	// or the cached token's target).
	Granted []string
	// Refreshed: the token came from the identity platform (a refresh or a
	// sign-in), not from the cache.
	Refreshed bool
	// Username is the signed-in user's preferred_username; TenantID the
	// account's home tenant.
	Username, TenantID string
}

// Personal reports whether the account is a personal Microsoft account.
func (t Token) Personal() bool { return strings.EqualFold(t.TenantID, PersonalTenantID) }

func tokenOf(r public.AuthResult) Token {
	t := Token{AccessToken: r.AccessToken, ExpiresOn: r.ExpiresOn, Granted: r.GrantedScopes,
		Refreshed: r.Metadata.TokenSource == public.TokenSourceIdentityProvider, Username: r.Account.PreferredUsername, TenantID: r.Account.Realm}
	if t.Username == "" {
		t.Username = r.IDToken.PreferredUsername
	}
	if r.IDToken.TenantID != "" {
		t.TenantID = r.IDToken.TenantID
	}
	return t
}

// SignedIn reports whether the token file holds an account.
func (s *Session) SignedIn(ctx context.Context) (bool, error) {
	unlock, err := s.cache.Lock(ctx)
	if err != nil {
		return false, err
	}
	defer unlock()
	accts, err := s.client.accounts(ctx)
	return len(accts) > 0, err
}

// Token returns an access token for scopes from the cache, refreshing it
// with the stored refresh token when it is expired or about to be. It holds
// the token file's lock for the whole call. Errors are *Error.
func (s *Session) Token(ctx context.Context, scopes []string) (Token, error) {
	unlock, err := s.cache.Lock(ctx)
	if err != nil {
		return Token{}, &Error{Kind: Transient, Message: err.Error(), err: err}
	}
	defer unlock()
	r, err := s.client.silent(ctx, scopes)
	if err != nil {
		if s.cache.invalid != "" {
			msg := s.cache.invalid
			s.cache.invalid = ""
			return Token{}, &Error{Kind: NotSignedIn, Message: msg + "; sign in again"}
		}
		return Token{}, classify(err)
	}
	return tokenOf(r), nil
}

// DevicePrompt is what the user must do to finish a device code sign-in.
type DevicePrompt struct {
	UserCode, VerificationURL, Message string
	ExpiresOn                          time.Time
}

// SignInDeviceCode runs the device code flow: prompt is called with the
// code and the URL to open (on any device), then it waits until the user
// has signed in, declined, or the code expired. The new tokens replace the
// token file's content.
func (s *Session) SignInDeviceCode(ctx context.Context, scopes []string, prompt func(DevicePrompt) error) (Token, error) {
	dc, err := s.client.deviceCode(ctx, scopes)
	if err != nil {
		return Token{}, classify(err)
	}
	if err := prompt(DevicePrompt{UserCode: dc.Result.UserCode, VerificationURL: dc.Result.VerificationURL,
		Message: dc.Result.Message, ExpiresOn: dc.Result.ExpiresOn}); err != nil {
		return Token{}, err
	}
	// Poll without the lock (it can take minutes), then store under it.
	return s.store(ctx, func(ctx context.Context) (public.AuthResult, error) { return dc.AuthenticationResult(ctx) })
}

// PendingAuth is an authorization request waiting for the pasted address.
type PendingAuth struct {
	// URL is the address to open in a browser.
	URL         string
	RedirectURI string
	State       string
	verifier    string
	scopes      []string
}

// BeginAuthCode builds the authorization URL (PKCE S256, a random state)
// for the pasted auth code flow.
func (s *Session) BeginAuthCode(ctx context.Context, scopes []string) (*PendingAuth, error) {
	raw, err := s.client.authCodeURL(ctx, s.opts.ClientID, s.opts.RedirectURI, scopes)
	if err != nil {
		return nil, classify(err)
	}
	u, err := url.Parse(raw)
	if err != nil {
		return nil, err
	}
	verifier := randomString(32)
	sum := sha256.Sum256([]byte(verifier))
	state := randomString(16)
	q := u.Query()
	q.Set("code_challenge", base64.RawURLEncoding.EncodeToString(sum[:]))
	q.Set("code_challenge_method", "S256")
	q.Set("state", state)
	q.Set("response_mode", "query")
	// MSAL adds the OpenID scopes to the token request; ask for them here
	// too, so the consent covers offline_access (the refresh token).
	sc := strings.Fields(q.Get("scope"))
	for _, r := range []string{"openid", "profile", "offline_access"} {
		if !containsFold(sc, r) {
			sc = append(sc, r)
		}
	}
	q.Set("scope", strings.Join(sc, " "))
	u.RawQuery = q.Encode()
	return &PendingAuth{URL: u.String(), RedirectURI: s.opts.RedirectURI, State: state, verifier: verifier, scopes: scopes}, nil
}

// FinishAuthCode redeems the address the browser ended on (pasted by the
// user): it checks the state, reports the identity platform's error if the
// sign-in failed, and stores the tokens.
func (s *Session) FinishAuthCode(ctx context.Context, p *PendingAuth, pasted string) (Token, error) {
	u, err := url.Parse(strings.TrimSpace(pasted))
	if err != nil || (u.RawQuery == "" && u.Fragment == "") {
		return Token{}, fmt.Errorf("the pasted text is not the address the sign-in ended on (it should start with %s?code=…)", p.RedirectURI)
	}
	q := u.Query()
	if q.Get("code") == "" && q.Get("error") == "" && u.Fragment != "" {
		q, _ = url.ParseQuery(u.Fragment)
	}
	if e := q.Get("error"); e != "" {
		return Token{}, &Error{Kind: SignInFailed, OAuthError: e, Code: aadsts(q.Get("error_description")), Message: q.Get("error_description")}
	}
	if q.Get("state") != p.State {
		return Token{}, errors.New("the pasted address belongs to another sign-in (its state does not match): open the URL printed by this command")
	}
	code := q.Get("code")
	if code == "" {
		return Token{}, errors.New("the pasted address has no code parameter")
	}
	return s.store(ctx, func(ctx context.Context) (public.AuthResult, error) {
		return s.client.redeem(ctx, code, p.RedirectURI, p.verifier, p.scopes)
	})
}

// store runs a sign-in under the lock with a fresh cache, so the file ends
// up holding exactly the new account's tokens.
func (s *Session) store(ctx context.Context, acquire func(context.Context) (public.AuthResult, error)) (Token, error) {
	unlock, err := s.cache.Lock(ctx)
	if err != nil {
		return Token{}, err
	}
	defer unlock()
	s.cache.fresh = true
	defer func() { s.cache.fresh = false }()
	r, err := acquire(ctx)
	if err != nil {
		return Token{}, classify(err)
	}
	t := tokenOf(r)
	t.Refreshed = true
	return t, nil
}

// SignOut deletes the token file.
func (s *Session) SignOut(ctx context.Context) error {
	unlock, err := s.cache.Lock(ctx)
	if err != nil {
		return err
	}
	defer unlock()
	if err := os.Remove(s.cache.Path()); err != nil && !os.IsNotExist(err) {
		return err
	}
	return nil
}

func randomString(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// pubClient adapts MSAL's public client.
type pubClient struct{ c public.Client }

func (p *pubClient) accounts(ctx context.Context) ([]public.Account, error) { return p.c.Accounts(ctx) }

func (p *pubClient) silent(ctx context.Context, scopes []string) (public.AuthResult, error) {
	accts, err := p.c.Accounts(ctx)
	if err != nil {
		return public.AuthResult{}, err
	}
	if len(accts) == 0 {
		return public.AuthResult{}, errNoAccount
	}
	return p.c.AcquireTokenSilent(ctx, scopes, public.WithSilentAccount(accts[0]))
}

func (p *pubClient) authCodeURL(ctx context.Context, clientID, redirectURI string, scopes []string) (string, error) {
	return p.c.AuthCodeURL(ctx, clientID, redirectURI, scopes)
}

func (p *pubClient) redeem(ctx context.Context, code, redirectURI, verifier string, scopes []string) (public.AuthResult, error) {
	return p.c.AcquireTokenByAuthCode(ctx, code, redirectURI, scopes, public.WithChallenge(verifier))
}

func (p *pubClient) deviceCode(ctx context.Context, scopes []string) (public.DeviceCode, error) {
	return p.c.AcquireTokenByDeviceCode(ctx, scopes)
}

// confClient adapts MSAL's confidential client. MSAL Go's confidential
// client lists no accounts, so the account is read from the cache file
// (MSAL's standard cache schema).
type confClient struct {
	c    confidential.Client
	file *CacheFile
}

func (p *confClient) accounts(ctx context.Context) ([]public.Account, error) {
	ids, err := cachedAccountIDs(p.file.Path())
	if err != nil || len(ids) == 0 {
		return nil, err
	}
	a, err := p.c.Account(ctx, ids[0])
	if err != nil || a.HomeAccountID == "" {
		return nil, err
	}
	return []public.Account{a}, nil
}

func (p *confClient) silent(ctx context.Context, scopes []string) (public.AuthResult, error) {
	accts, err := p.accounts(ctx)
	if err != nil {
		return public.AuthResult{}, err
	}
	if len(accts) == 0 {
		return public.AuthResult{}, errNoAccount
	}
	return p.c.AcquireTokenSilent(ctx, scopes, confidential.WithSilentAccount(accts[0]))
}

func (p *confClient) authCodeURL(ctx context.Context, clientID, redirectURI string, scopes []string) (string, error) {
	return p.c.AuthCodeURL(ctx, clientID, redirectURI, scopes)
}

func (p *confClient) redeem(ctx context.Context, code, redirectURI, verifier string, scopes []string) (public.AuthResult, error) {
	return p.c.AcquireTokenByAuthCode(ctx, code, redirectURI, scopes, confidential.WithChallenge(verifier))
}

func (p *confClient) deviceCode(context.Context, []string) (public.DeviceCode, error) {
	return public.DeviceCode{}, &Error{Kind: Config, Message: "the device code flow needs a public client: remove client_secret (and allow public client flows in the app registration), or sign in with --flow auth-code"}
}

// cachedAccountIDs reads the home account ids of an MSAL cache file.
func cachedAccountIDs(path string) ([]string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		if os.IsNotExist(err) {
			return nil, nil
		}
		return nil, err
	}
	var c struct {
		Account map[string]struct {
			HomeAccountID string `json:"home_account_id"`
		} `json:"Account"`
	}
	if json.Unmarshal(b, &c) != nil {
		return nil, nil
	}
	var ids []string
	for _, a := range c.Account {
		if a.HomeAccountID != "" {
			ids = append(ids, a.HomeAccountID)
		}
	}
	sort.Strings(ids)
	return ids, nil
}

func containsFold(list []string, s string) bool {
	for _, x := range list {
		if strings.EqualFold(x, s) {
			return true
		}
	}
	return false
}
