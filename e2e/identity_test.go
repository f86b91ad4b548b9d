package e2e

import (
	"context"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/json"
	"errors"
	"math/big"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/cloud"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"
	"github.com/AzureAD/microsoft-authentication-library-for-go/apps/confidential"
	"github.com/AzureAD/microsoft-authentication-library-for-go/apps/public"
	"github.com/coreos/go-oidc/v3/oidc"

	"graphgate/internal/demo"
	"graphgate/internal/identity"
	"graphgate/internal/store"
)

var graphDefault = []string{"https://graph.microsoft.com/.default"}

// claims decodes a JWT's payload (the test checks what was minted; the
// signature is verified by go-oidc and by graphgate's own tests).
func claims(t *testing.T, jwt string) map[string]any {
	t.Helper()
	parts := strings.Split(jwt, ".")
	if len(parts) != 3 {
		t.Fatalf("not a JWT: %q", jwt)
	}
	b, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

func hasAll(got any, want ...string) bool {
	var have []string
	switch v := got.(type) {
	case string:
		have = strings.Fields(v)
	case []any:
		for _, x := range v {
			have = append(have, x.(string))
		}
	}
	for _, w := range want {
		found := false
		for _, h := range have {
			found = found || strings.EqualFold(h, w)
		}
		if !found {
			return false
		}
	}
	return true
}

func (e *env) confidential(tenant, clientID string, cred confidential.Credential) confidential.Client {
	e.t.Helper()
	c, err := confidential.New(e.authority(tenant), clientID, cred, confidential.WithHTTPClient(e.client), confidential.WithInstanceDiscovery(false))
	if err != nil {
		e.t.Fatal(err)
	}
	return c
}

func (e *env) public(tenant, clientID string) public.Client {
	e.t.Helper()
	c, err := public.New(clientID, public.WithAuthority(e.authority(tenant)), public.WithHTTPClient(e.client), public.WithInstanceDiscovery(false))
	if err != nil {
		e.t.Fatal(err)
	}
	return c
}

// consent grants delegated permissions to an app for one user, as an
// interactive consent would.
func (e *env) consent(clientID, userID string, scopes ...string) {
	e.Consent(clientID, userID, scopes...)
}

func TestMSALClientCredentialsSecret(t *testing.T) {
	e := start(t)
	d := e.app("daemon")
	cred, err := confidential.NewCredFromSecret(d.Secret)
	if err != nil {
		t.Fatal(err)
	}
	c := e.confidential(demo.TenantDomain, d.ClientID, cred)
	res, err := c.AcquireTokenByCredential(context.Background(), graphDefault)
	if err != nil {
		t.Fatal(err)
	}
	cl := claims(t, res.AccessToken)
	if cl["idtyp"] != "app" || cl["appid"] != d.ClientID || cl["tid"] != demo.TenantID || cl["aud"] != "https://graph.microsoft.com" ||
		!hasAll(cl["roles"], "Mail.Read", "User.Read.All") || cl["scp"] != nil || cl["ver"] != "1.0" || cl["appidacr"] != "1" {
		t.Errorf("app-only token claims: %v", cl)
	}
	// A wrong secret is AADSTS7000215, surfaced by MSAL.
	bad, _ := confidential.NewCredFromSecret("not-the-secret")
	_, err = e.confidential(demo.TenantID, d.ClientID, bad).AcquireTokenByCredential(context.Background(), graphDefault)
	if err == nil || !strings.Contains(err.Error(), "AADSTS7000215") {
		t.Errorf("wrong secret: %v", err)
	}
}

// selfSigned makes a certificate for a client credential.
func selfSigned(t *testing.T) (*x509.Certificate, *rsa.PrivateKey) {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(7), Subject: pkix.Name{CommonName: "daemon"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	return cert, key
}

func TestMSALClientCredentialsCertificate(t *testing.T) {
	e := start(t)
	d := e.app("daemon")
	cert, key := selfSigned(t)
	err := e.srv.Store().UpdateApp(context.Background(), d.ClientID, func(a store.App) (store.App, error) {
		a.Certificates = append(a.Certificates, store.Certificate{ID: "cert1", DisplayName: "test", DER: cert.Raw, ExpiresAt: cert.NotAfter})
		return a, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	cred, err := confidential.NewCredFromCert([]*x509.Certificate{cert}, crypto.PrivateKey(key))
	if err != nil {
		t.Fatal(err)
	}
	res, err := e.confidential(demo.TenantID, d.ClientID, cred).AcquireTokenByCredential(context.Background(), graphDefault)
	if err != nil {
		t.Fatal(err)
	}
	if cl := claims(t, res.AccessToken); cl["appidacr"] != "2" || !hasAll(cl["roles"], "Mail.Read") {
		t.Errorf("certificate token claims: %v", cl)
	}
	// A certificate the app did not register is refused.
	other, otherKey := selfSigned(t)
	cred2, _ := confidential.NewCredFromCert([]*x509.Certificate{other}, crypto.PrivateKey(otherKey))
	if _, err := e.confidential(demo.TenantID, d.ClientID, cred2).AcquireTokenByCredential(context.Background(), graphDefault); err == nil || !strings.Contains(err.Error(), "AADSTS700027") {
		t.Errorf("unregistered certificate: %v", err)
	}
}

func TestMSALPasswordAndSilentRefresh(t *testing.T) {
	// A 4-minute token is "expiring" to MSAL (it refreshes 5 minutes early),
	// so AcquireTokenSilent must use the refresh token.
	e := start(t, withIdentity(identity.Config{AccessTokenLifetime: 4 * time.Minute}))
	ha, adele := e.app("homeassistant"), e.user("adele")
	e.consent(ha.ClientID, adele.ID, "User.Read", "Mail.Read", "Calendars.Read")
	c := e.public(demo.TenantDomain, ha.ClientID)
	ctx := context.Background()
	res, err := c.AcquireTokenByUsernamePassword(ctx, []string{"User.Read", "Mail.Read"}, adele.UserPrincipalName, adele.Password)
	if err != nil {
		t.Fatal(err)
	}
	cl := claims(t, res.AccessToken)
	if cl["idtyp"] != "user" || cl["upn"] != adele.UserPrincipalName || cl["oid"] != adele.ID || !hasAll(cl["scp"], "User.Read", "Mail.Read", "Calendars.Read") {
		t.Errorf("delegated token claims: %v", cl)
	}
	if res.IDToken.Oid != adele.ID || res.IDToken.PreferredUsername != adele.UserPrincipalName || res.Account.HomeAccountID == "" {
		t.Errorf("id token / account: %+v %+v", res.IDToken, res.Account)
	}
	accounts, err := c.Accounts(ctx)
	if err != nil || len(accounts) != 1 {
		t.Fatalf("accounts: %v %v", accounts, err)
	}
	again, err := c.AcquireTokenSilent(ctx, []string{"User.Read", "Mail.Read"}, public.WithSilentAccount(accounts[0]))
	if err != nil {
		t.Fatal(err)
	}
	if again.AccessToken == res.AccessToken {
		t.Error("AcquireTokenSilent returned the cached token instead of refreshing")
	}
	// Revoking consent takes effect at the next refresh: Mail.Read is gone.
	e.consent(ha.ClientID, adele.ID, "User.Read")
	c2 := e.public(demo.TenantDomain, ha.ClientID)
	if _, err := c2.AcquireTokenByUsernamePassword(ctx, []string{"Mail.Read"}, adele.UserPrincipalName, adele.Password); err == nil || !strings.Contains(err.Error(), "AADSTS65001") {
		t.Errorf("revoked scope: %v", err)
	}
	if _, err := c.AcquireTokenSilent(ctx, []string{"User.Read", "Mail.Read"}, public.WithSilentAccount(accounts[0])); err == nil || !strings.Contains(err.Error(), "AADSTS65001") {
		t.Errorf("refresh after revocation: %v", err)
	}
}

func TestMSALConsentRequired(t *testing.T) {
	e := start(t)
	ha, megan := e.app("homeassistant"), e.user("megan")
	_, err := e.public(demo.TenantDomain, ha.ClientID).AcquireTokenByUsernamePassword(context.Background(), []string{"Tasks.Read"}, megan.UserPrincipalName, megan.Password)
	var callErr interface{ Error() string }
	if err == nil || !errors.As(err, &callErr) || !strings.Contains(err.Error(), "AADSTS65001") || !strings.Contains(err.Error(), "consent_required") {
		t.Fatalf("want a consent_required error, got %v", err)
	}
	// A wrong password is AADSTS50126.
	_, err = e.public(demo.TenantDomain, ha.ClientID).AcquireTokenByUsernamePassword(context.Background(), []string{"User.Read"}, megan.UserPrincipalName, "nope")
	if err == nil || !strings.Contains(err.Error(), "AADSTS50126") {
		t.Errorf("wrong password: %v", err)
	}
}

func TestPersonalAccountRefusedWorkOnlyScope(t *testing.T) {
	e := start(t)
	ha, sam := e.app("homeassistant"), e.user("sam")
	c := e.public("consumers", ha.ClientID)
	_, err := c.AcquireTokenByUsernamePassword(context.Background(), []string{"Presence.Read"}, sam.UserPrincipalName, sam.Password)
	if err == nil || !strings.Contains(err.Error(), "AADSTS70011") || !strings.Contains(err.Error(), "personal Microsoft accounts") {
		t.Fatalf("want AADSTS70011 for a work-only scope, got %v", err)
	}
	// The same account may consent to and get a scope valid for it.
	e.consent(ha.ClientID, sam.ID, "User.Read", "Mail.Read")
	res, err := c.AcquireTokenByUsernamePassword(context.Background(), []string{"Mail.Read"}, sam.UserPrincipalName, sam.Password)
	if err != nil {
		t.Fatal(err)
	}
	if cl := claims(t, res.AccessToken); cl["tid"] != store.PersonalTenantID || cl["idp"] != "live.com" || !hasAll(cl["scp"], "Mail.Read") {
		t.Errorf("personal token: %v", cl)
	}
}

func TestMSALDeviceCode(t *testing.T) {
	e := start(t)
	ha, megan := e.app("homeassistant"), e.user("megan")
	c := e.public("organizations", ha.ClientID)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	dc, err := c.AcquireTokenByDeviceCode(ctx, []string{"User.Read", "Tasks.ReadWrite"})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(dc.Result.Message, dc.Result.UserCode) || !strings.HasSuffix(dc.Result.VerificationURL, "/devicelogin") {
		t.Fatalf("device code result: %+v", dc.Result)
	}
	done := make(chan error, 1)
	go func() {
		b := e.browser()
		p := b.get(dc.Result.VerificationURL)
		p = b.submit(p, map[string]string{"otc": dc.Result.UserCode}, "next")
		p = b.signIn(p, megan.UserPrincipalName, megan.Password, true)
		if !strings.Contains(p.ids["message"], "You have signed in") {
			done <- errors.New("device login did not finish: " + p.body)
			return
		}
		done <- nil
	}()
	res, err := dc.AuthenticationResult(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if cl := claims(t, res.AccessToken); cl["upn"] != megan.UserPrincipalName || !hasAll(cl["scp"], "User.Read", "Tasks.ReadWrite") {
		t.Errorf("device code token: %v", cl)
	}
}

func TestMSALAuthCodePKCE(t *testing.T) {
	e := start(t)
	ha, adele := e.app("homeassistant"), e.user("adele")
	c := e.public("common", ha.ClientID)
	b := e.browser()
	openURL := func(authURL string) error {
		u, err := url.Parse(authURL)
		if err != nil {
			return err
		}
		q := u.Query()
		if q.Get("code_challenge_method") != "S256" || q.Get("code_challenge") == "" {
			return errors.New("MSAL did not send PKCE S256")
		}
		go func() {
			p := b.signIn(b.get(authURL), adele.UserPrincipalName, adele.Password, true)
			var target string
			var fields url.Values
			if p.location != "" {
				target = p.location
			} else {
				target, fields = formPostTarget(p)
			}
			if target == "" {
				t.Errorf("authorize ended without a redirect: %d %s", p.status, p.body)
				return
			}
			// Deliver the code to MSAL's loopback listener, as a browser would.
			hc := &http.Client{Timeout: 10 * time.Second}
			var err error
			if fields != nil {
				_, err = hc.PostForm(target, fields)
			} else {
				_, err = hc.Get(target)
			}
			if err != nil {
				t.Errorf("delivering the code: %v", err)
			}
		}()
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	res, err := c.AcquireTokenInteractive(ctx, []string{"User.Read", "Calendars.ReadWrite"}, public.WithOpenURL(openURL))
	if err != nil {
		t.Fatal(err)
	}
	cl := claims(t, res.AccessToken)
	if cl["upn"] != adele.UserPrincipalName || !hasAll(cl["scp"], "User.Read", "Calendars.ReadWrite") || cl["appidacr"] != "0" {
		t.Errorf("auth code token: %v", cl)
	}
	// Incremental consent: the second sign-in asks only for the new scope,
	// and the browser session signs in without the password page.
	p := b.get(e.base + "/common/oauth2/v2.0/authorize?" + url.Values{"client_id": {ha.ClientID}, "response_type": {"code"},
		"redirect_uri": {"http://localhost"}, "scope": {"User.Read Calendars.ReadWrite Tasks.ReadWrite offline_access"},
		"code_challenge": {"E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"}, "code_challenge_method": {"S256"}}.Encode())
	_, step1 := p.ids["username"]
	if _, step2 := p.ids["password"]; step1 || step2 {
		t.Fatal("the session did not sign the user in")
	}
	perms := p.ids["permissions"]
	if !strings.Contains(perms, "Tasks.ReadWrite") || strings.Contains(perms, "Calendars.ReadWrite") {
		t.Errorf("incremental consent page lists %q", perms)
	}
}

func TestAzidentityCredentials(t *testing.T) {
	e := start(t)
	d := e.app("daemon")
	opts := azcore.ClientOptions{Cloud: cloud.Configuration{ActiveDirectoryAuthorityHost: e.base + "/"}, Transport: e.client}
	cred, err := azidentity.NewClientSecretCredential(demo.TenantID, d.ClientID, d.Secret, &azidentity.ClientSecretCredentialOptions{
		ClientOptions: opts, DisableInstanceDiscovery: true})
	if err != nil {
		t.Fatal(err)
	}
	tok, err := cred.GetToken(context.Background(), policy.TokenRequestOptions{Scopes: graphDefault})
	if err != nil {
		t.Fatal(err)
	}
	if cl := claims(t, tok.Token); !hasAll(cl["roles"], "Mail.Read") || tok.ExpiresOn.Before(time.Now()) {
		t.Errorf("azidentity secret token: %v %v", cl, tok.ExpiresOn)
	}

	ha, megan := e.app("homeassistant"), e.user("megan")
	dcred, err := azidentity.NewDeviceCodeCredential(&azidentity.DeviceCodeCredentialOptions{ClientOptions: opts, TenantID: demo.TenantID,
		ClientID: ha.ClientID, DisableInstanceDiscovery: true,
		UserPrompt: func(ctx context.Context, m azidentity.DeviceCodeMessage) error {
			go func() {
				b := e.browser()
				p := b.submit(b.get(m.VerificationURL), map[string]string{"otc": m.UserCode}, "next")
				b.signIn(p, megan.UserPrincipalName, megan.Password, true)
			}()
			return nil
		}})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	tok, err = dcred.GetToken(ctx, policy.TokenRequestOptions{Scopes: []string{"https://graph.microsoft.com/User.Read"}})
	if err != nil {
		t.Fatal(err)
	}
	if cl := claims(t, tok.Token); cl["upn"] != megan.UserPrincipalName || !hasAll(cl["scp"], "User.Read") {
		t.Errorf("azidentity device code token: %v", cl)
	}
}

func TestIDTokenVerifiedWithGoOIDC(t *testing.T) {
	e := start(t)
	ha, adele := e.app("homeassistant"), e.user("adele")
	e.consent(ha.ClientID, adele.ID, "User.Read")
	res, err := e.public(demo.TenantID, ha.ClientID).AcquireTokenByUsernamePassword(context.Background(), []string{"User.Read"}, adele.UserPrincipalName, adele.Password)
	if err != nil {
		t.Fatal(err)
	}
	ctx := oidc.ClientContext(context.Background(), e.client)
	provider, err := oidc.NewProvider(ctx, e.base+"/"+demo.TenantID+"/v2.0")
	if err != nil {
		t.Fatal(err)
	}
	idt, err := provider.Verifier(&oidc.Config{ClientID: ha.ClientID}).Verify(ctx, res.IDToken.RawToken)
	if err != nil {
		t.Fatal(err)
	}
	var c struct {
		OID               string `json:"oid"`
		PreferredUsername string `json:"preferred_username"`
		TID               string `json:"tid"`
	}
	if err := idt.Claims(&c); err != nil || c.OID != adele.ID || c.TID != demo.TenantID || c.PreferredUsername != adele.UserPrincipalName {
		t.Errorf("id token claims %+v %v", c, err)
	}
}
