package e2e

// Microsoft's msal-node (npm @azure/msal-node), unmodified, against graphgate:
// e2e/msalnode/flows.mjs runs one flow per call with only the authority
// changed (and knownAuthorities, so msal-node needs no instance discovery),
// trusting graphgate's CA through NODE_EXTRA_CA_CERTS. The package is pinned
// by e2e/msalnode/package-lock.json and installed with `npm ci` once per test
// binary. Without node or npm, or with the npm registry unreachable, the tests
// skip, except under CI (CI set), where they fail.

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"graphgate/internal/demo"
)

const msalNodeDir = "msalnode"

// msalNodeSetup is the outcome of installing msal-node, shared by the tests.
var msalNodeSetup struct {
	once sync.Once
	skip string // why the tests cannot run here (a failure under CI)
	err  error  // npm ci failed for another reason
}

func underCI() bool {
	ci := os.Getenv("CI")
	return ci != "" && ci != "0" && !strings.EqualFold(ci, "false")
}

// needMSALNode installs msal-node once (npm ci, unless node_modules already
// holds what the lock pins) and skips or fails t when it cannot.
func needMSALNode(t *testing.T) {
	t.Helper()
	s := &msalNodeSetup
	s.once.Do(func() {
		s.skip, s.err = installMSALNode()
	})
	if s.skip != "" {
		if underCI() {
			t.Fatalf("CI is set but msal-node cannot run: %s", s.skip)
		}
		t.Skipf("skipping the msal-node tests: %s", s.skip)
	}
	if s.err != nil {
		t.Fatal(s.err)
	}
}

func installMSALNode() (skip string, err error) {
	for _, tool := range []string{"node", "npm"} {
		if _, err := exec.LookPath(tool); err != nil {
			return tool + " is not on PATH (install Node.js 20 or later, e.g. Debian's nodejs and npm packages)", nil
		}
	}
	if msalNodeInstalled() {
		return "", nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "npm", "ci", "--no-audit", "--no-fund")
	cmd.Dir = msalNodeDir
	out, err := cmd.CombinedOutput()
	if err == nil {
		if !msalNodeInstalled() {
			return "", errors.New("npm ci succeeded but node_modules does not hold what package-lock.json pins:\n" + string(out))
		}
		return "", nil
	}
	if ctx.Err() != nil || registryUnreachable(string(out)) {
		return "npm ci in e2e/msalnode could not reach the npm registry: " + npmErrorSummary(string(out)), nil
	}
	return "", errors.New("npm ci in e2e/msalnode failed: " + err.Error() + "\n" + string(out))
}

// registryUnreachable tells a network failure from any other npm error.
func registryUnreachable(out string) bool {
	for _, s := range []string{"ENOTFOUND", "EAI_AGAIN", "ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "ENETUNREACH", "EHOSTUNREACH",
		"network request", "socket hang up", "request to http"} {
		if strings.Contains(out, s) {
			return true
		}
	}
	return false
}

// npmErrorSummary keeps npm's error code and network message lines.
func npmErrorSummary(out string) string {
	var keep []string
	for _, l := range strings.Split(out, "\n") {
		l = strings.TrimSpace(l)
		if len(keep) < 4 && (strings.HasPrefix(l, "npm error code") || strings.HasPrefix(l, "npm error errno") ||
			strings.HasPrefix(l, "npm error network")) {
			keep = append(keep, l)
		}
	}
	if len(keep) == 0 {
		lines := strings.Split(strings.TrimSpace(out), "\n")
		keep = lines[max(0, len(lines)-5):]
	}
	return strings.Join(keep, "; ")
}

// msalNodeInstalled reports whether node_modules holds every package of
// package-lock.json at its version and integrity, as npm ci would leave it
// (npm records what it installed in node_modules/.package-lock.json).
func msalNodeInstalled() bool {
	type lock struct {
		Packages map[string]struct {
			Version   string `json:"version"`
			Integrity string `json:"integrity"`
		} `json:"packages"`
	}
	read := func(path string) (lock, bool) {
		var l lock
		b, err := os.ReadFile(filepath.Join(msalNodeDir, path))
		return l, err == nil && json.Unmarshal(b, &l) == nil
	}
	want, ok1 := read("package-lock.json")
	have, ok2 := read(filepath.Join("node_modules", ".package-lock.json"))
	if !ok1 || !ok2 {
		return false
	}
	for name, p := range want.Packages {
		if name == "" {
			continue
		}
		h, ok := have.Packages[name]
		if !ok || h.Version != p.Version || h.Integrity != p.Integrity {
			return false
		}
		if _, err := os.Stat(filepath.Join(msalNodeDir, name, "package.json")); err != nil {
			return false
		}
	}
	return true
}

// msalNodeSpec is flows.mjs's input.
type msalNodeSpec struct {
	Flow      string   `json:"flow"`
	Authority string   `json:"authority"`
	ClientID  string   `json:"clientId"`
	Secret    string   `json:"secret,omitempty"`
	Username  string   `json:"username,omitempty"`
	Password  string   `json:"password,omitempty"`
	Scopes    []string `json:"scopes"`
}

// msalNodeToken is the part of msal-node's AuthenticationResult flows.mjs prints.
type msalNodeToken struct {
	AccessToken string         `json:"accessToken"`
	IDToken     string         `json:"idToken"`
	Scopes      []string       `json:"scopes"`
	TenantID    string         `json:"tenantId"`
	TokenType   string         `json:"tokenType"`
	FromCache   bool           `json:"fromCache"`
	ExpiresOn   *time.Time     `json:"expiresOn"`
	IDClaims    map[string]any `json:"idTokenClaims"`
	Account     *struct {
		HomeAccountID  string `json:"homeAccountId"`
		Environment    string `json:"environment"`
		TenantID       string `json:"tenantId"`
		Username       string `json:"username"`
		LocalAccountID string `json:"localAccountId"`
	} `json:"account"`
}

type msalNodeResult struct {
	Flow      string         `json:"flow"`
	MSALNode  string         `json:"msalNode"`
	Token     *msalNodeToken `json:"token"`
	Accounts  int            `json:"accounts"`
	Cached    *msalNodeToken `json:"cached"`
	Refreshed *msalNodeToken `json:"refreshed"`
	Error     *struct {
		Step         string `json:"step"`
		Name         string `json:"name"`
		ClassName    string `json:"className"`
		ErrorCode    string `json:"errorCode"`
		SubError     string `json:"subError"`
		ErrorMessage string `json:"errorMessage"`
		Message      string `json:"message"`
	} `json:"error"`
}

// msalNode runs one flow of flows.mjs against e. The spec goes on standard
// input, so secrets and passwords are not on a command line.
func (e *env) msalNode(spec msalNodeSpec) msalNodeResult {
	t := e.t
	t.Helper()
	in, err := json.Marshal(spec)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, "node", "flows.mjs")
	cmd.Dir = msalNodeDir
	cmd.Env = append(os.Environ(), "NODE_EXTRA_CA_CERTS="+e.caFile)
	cmd.Stdin = bytes.NewReader(in)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("node flows.mjs (%s): %v\nstderr:\n%s\nstdout:\n%s", spec.Flow, err, stderr.String(), stdout.String())
	}
	var r msalNodeResult
	if err := json.Unmarshal(stdout.Bytes(), &r); err != nil {
		t.Fatalf("node flows.mjs (%s) printed no JSON result: %v\nstdout:\n%s\nstderr:\n%s", spec.Flow, err, stdout.String(), stderr.String())
	}
	if r.Flow != spec.Flow || r.MSALNode == "" {
		t.Fatalf("node flows.mjs (%s): unexpected result %s", spec.Flow, stdout.String())
	}
	return r
}

func TestMSALNodeClientCredentials(t *testing.T) {
	needMSALNode(t)
	e := start(t)
	d := e.app("daemon")
	r := e.msalNode(msalNodeSpec{Flow: "client_credentials", Authority: e.authority(demo.TenantDomain),
		ClientID: d.ClientID, Secret: d.Secret, Scopes: graphDefault})
	if r.Error != nil || r.Token == nil {
		t.Fatalf("msal-node %s client credentials: %+v", r.MSALNode, r.Error)
	}
	cl := claims(t, r.Token.AccessToken)
	if cl["aud"] != "https://graph.microsoft.com" || cl["idtyp"] != "app" || cl["tid"] != demo.TenantID || cl["appid"] != d.ClientID ||
		!hasAll(cl["roles"], "Mail.Read", "User.Read.All") || cl["scp"] != nil {
		t.Errorf("app-only token claims: %v", cl)
	}
	if !strings.EqualFold(r.Token.TokenType, "Bearer") || r.Token.FromCache || r.Token.ExpiresOn == nil || !r.Token.ExpiresOn.After(time.Now()) {
		t.Errorf("msal-node result: %+v", r.Token)
	}
	// A wrong secret is AADSTS7000215, surfaced as msal-node's ServerError.
	r = e.msalNode(msalNodeSpec{Flow: "client_credentials", Authority: e.authority(demo.TenantID),
		ClientID: d.ClientID, Secret: "not-the-secret", Scopes: graphDefault})
	if r.Error == nil || r.Error.ErrorCode != "invalid_client" || !strings.Contains(r.Error.ErrorMessage, "AADSTS7000215") {
		t.Errorf("wrong secret: %+v", r.Error)
	}
}

func TestMSALNodePasswordAndSilentRefresh(t *testing.T) {
	needMSALNode(t)
	e := start(t)
	ha, adele := e.app("homeassistant"), e.user("adele")
	e.consent(ha.ClientID, adele.ID, "User.Read", "Mail.Read", "Calendars.Read")
	r := e.msalNode(msalNodeSpec{Flow: "password", Authority: e.authority(demo.TenantDomain), ClientID: ha.ClientID,
		Username: adele.UserPrincipalName, Password: adele.Password, Scopes: []string{"User.Read", "Mail.Read"}})
	if r.Error != nil || r.Token == nil || r.Cached == nil || r.Refreshed == nil {
		t.Fatalf("msal-node %s password and silent: %+v", r.MSALNode, r.Error)
	}
	delegated := func(what string, tok *msalNodeToken) {
		t.Helper()
		cl := claims(t, tok.AccessToken)
		if cl["idtyp"] != "user" || cl["aud"] != "https://graph.microsoft.com" || cl["tid"] != demo.TenantID || cl["appid"] != ha.ClientID ||
			cl["oid"] != adele.ID || cl["upn"] != adele.UserPrincipalName || !hasAll(cl["scp"], "User.Read", "Mail.Read", "Calendars.Read") || cl["roles"] != nil {
			t.Errorf("%s: delegated token claims: %v", what, cl)
		}
		if tok.Account == nil || tok.Account.Username != adele.UserPrincipalName || tok.Account.LocalAccountID != adele.ID ||
			tok.Account.TenantID != demo.TenantID || tok.Account.HomeAccountID == "" {
			t.Errorf("%s: account %+v", what, tok.Account)
		}
		if tok.IDClaims["oid"] != adele.ID || tok.IDClaims["preferred_username"] != adele.UserPrincipalName || tok.IDClaims["aud"] != ha.ClientID {
			t.Errorf("%s: id token claims %v", what, tok.IDClaims)
		}
	}
	delegated("password", r.Token)
	delegated("silent", r.Cached)
	delegated("forced refresh", r.Refreshed)
	if r.Token.FromCache || r.Accounts != 1 {
		t.Errorf("password result fromCache=%v, %d accounts in msal-node's cache", r.Token.FromCache, r.Accounts)
	}
	// Silent without forceRefresh is served from msal-node's cache; with it,
	// msal-node redeems the refresh token for a new access token.
	if !r.Cached.FromCache || r.Cached.AccessToken != r.Token.AccessToken {
		t.Errorf("silent: fromCache=%v, same token=%v", r.Cached.FromCache, r.Cached.AccessToken == r.Token.AccessToken)
	}
	if r.Refreshed.FromCache || r.Refreshed.AccessToken == r.Token.AccessToken {
		t.Errorf("forced refresh: fromCache=%v, same token=%v: the refresh token was not used", r.Refreshed.FromCache, r.Refreshed.AccessToken == r.Token.AccessToken)
	}
}

func TestMSALNodeConsentRequired(t *testing.T) {
	needMSALNode(t)
	e := start(t)
	ha, megan := e.app("homeassistant"), e.user("megan")
	r := e.msalNode(msalNodeSpec{Flow: "consent_required", Authority: e.authority(demo.TenantDomain), ClientID: ha.ClientID,
		Username: megan.UserPrincipalName, Password: megan.Password, Scopes: []string{"Tasks.Read"}})
	if r.Error == nil {
		t.Fatalf("msal-node %s got a token for a scope without consent: %+v", r.MSALNode, r.Token)
	}
	// AADSTS65001 with suberror consent_required is an InteractionRequiredAuthError to msal-node.
	if r.Error.Name != "InteractionRequiredAuthError" || r.Error.ErrorCode != "invalid_grant" || r.Error.SubError != "consent_required" ||
		!strings.Contains(r.Error.ErrorMessage, "AADSTS65001") || !strings.Contains(r.Error.Message, "AADSTS65001") {
		t.Errorf("want msal-node's consent_required error, got %+v", r.Error)
	}
}
