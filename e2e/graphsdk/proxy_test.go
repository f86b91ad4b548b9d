package graphsdk

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"
	"github.com/AzureAD/microsoft-authentication-library-for-go/apps/confidential"
	"github.com/AzureAD/microsoft-authentication-library-for-go/apps/public"
	kiotaauth "github.com/microsoft/kiota-authentication-azure-go"
	khttp "github.com/microsoft/kiota-http-go"
	msgraphsdk "github.com/microsoftgraph/msgraph-sdk-go"
	msgraphcore "github.com/microsoftgraph/msgraph-sdk-go-core"
	"github.com/microsoftgraph/msgraph-sdk-go/models/odataerrors"

	"graphgate/graphgatetest"
)

// The interception proxy end to end: Microsoft's clients with their
// default authority (https://login.microsoftonline.com) and Graph base URL
// (https://graph.microsoft.com/v1.0), configured only as an app is by
// HTTPS_PROXY and SSL_CERT_FILE: a transport whose proxy is graphgate's
// and whose roots are graphgate's CA. No WithInstanceDiscovery(false), no
// authority host, no allowed hosts, no base URL.

// proxyTransport is what HTTPS_PROXY and SSL_CERT_FILE give a Go program:
// every request goes through the proxy, and only graphgate's CA is trusted.
// It records the hosts it was asked for.
func proxyTransport(t *testing.T, s *graphgatetest.Server) (*http.Client, *hostLog) {
	t.Helper()
	pu, err := url.Parse(s.ProxyURL)
	if err != nil {
		t.Fatal(err)
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.Proxy = http.ProxyURL(pu)
	tr.TLSClientConfig.RootCAs = s.CertPool
	t.Cleanup(tr.CloseIdleConnections)
	hl := &hostLog{next: tr, hosts: map[string]bool{}}
	return &http.Client{Transport: hl, Timeout: 30 * time.Second}, hl
}

type hostLog struct {
	next  http.RoundTripper
	hosts map[string]bool
}

func (h *hostLog) RoundTrip(r *http.Request) (*http.Response, error) {
	h.hosts[r.URL.Host] = true
	return h.next.RoundTrip(r)
}

// graphClient is a GraphServiceClient as an app builds it, plus the
// transport (the default middleware over the proxied transport).
func graphClient(t *testing.T, cred azcore.TokenCredential, hc *http.Client) *msgraphsdk.GraphServiceClient {
	t.Helper()
	auth, err := kiotaauth.NewAzureIdentityAuthenticationProviderWithScopes(cred, []string{"https://graph.microsoft.com/.default"})
	if err != nil {
		t.Fatal(err)
	}
	opts := msgraphsdk.GetDefaultClientOptions()
	mw := msgraphcore.GetDefaultMiddlewaresWithOptions(&opts)
	c := &http.Client{Transport: khttp.NewCustomTransportWithParentTransport(hc.Transport, mw...), Timeout: 30 * time.Second}
	adapter, err := msgraphsdk.NewGraphRequestAdapterWithParseNodeFactoryAndSerializationWriterFactoryAndHttpClient(auth, nil, nil, c)
	if err != nil {
		t.Fatal(err)
	}
	return msgraphsdk.NewGraphServiceClient(adapter)
}

// TestProxyDefaultsAzidentityAndGraphSDK: ClientSecretCredential on the
// public cloud and the Graph SDK's default base URL, through the proxy.
func TestProxyDefaultsAzidentityAndGraphSDK(t *testing.T) {
	s := graphgatetest.Start(t, graphgatetest.WithProxy())
	hc, hosts := proxyTransport(t, s)
	cred, err := azidentity.NewClientSecretCredential(s.TenantID, s.ClientID, s.ClientSecret,
		&azidentity.ClientSecretCredentialOptions{ClientOptions: azcore.ClientOptions{Transport: hc}})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	tok, err := cred.GetToken(ctx, policy.TokenRequestOptions{Scopes: []string{"https://graph.microsoft.com/.default"}})
	if err != nil || tok.Token == "" {
		t.Fatalf("GetToken: %v", err)
	}
	client := graphClient(t, cred, hc)
	res, err := client.Users().Get(ctx, nil)
	if err != nil {
		t.Fatalf("GET /users: %v", explain(err))
	}
	var upns []string
	for _, u := range res.GetValue() {
		upns = append(upns, *u.GetUserPrincipalName())
	}
	if !strings.Contains(strings.Join(upns, " "), "adele@"+s.TenantDomain) {
		t.Errorf("users = %v, want the demo tenant's", upns)
	}
	for _, h := range []string{"login.microsoftonline.com", "graph.microsoft.com"} {
		if !hosts.hosts[h] {
			t.Errorf("no request to %s (requests went to %v)", h, hosts.hosts)
		}
	}
	for h := range hosts.hosts {
		if !strings.HasSuffix(h, "microsoftonline.com") && !strings.HasSuffix(h, "microsoft.com") {
			t.Errorf("a request went to %s, not a Microsoft host", h)
		}
	}
}

// TestProxyDefaultsMSAL: MSAL Go's public client with its default
// authority (…/common, with instance discovery) and its confidential
// client with the tenant's Microsoft authority get tokens graphgate
// issued, which the Graph SDK then uses at graph.microsoft.com.
func TestProxyDefaultsMSAL(t *testing.T) {
	s := graphgatetest.Start(t, graphgatetest.WithProxy())
	hc, _ := proxyTransport(t, s)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	adele := s.Users["adele"]
	s.GrantConsent(t, s.PublicClientID, adele.ID, "User.Read")

	pub, err := public.New(s.PublicClientID, public.WithHTTPClient(hc))
	if err != nil {
		t.Fatal(err)
	}
	//nolint:staticcheck // the password grant is what a headless test can drive
	res, err := pub.AcquireTokenByUsernamePassword(ctx, []string{"User.Read"}, adele.UserPrincipalName, adele.Password)
	if err != nil {
		t.Fatalf("public client, default authority: %v", err)
	}
	if res.Account.PreferredUsername != adele.UserPrincipalName || res.IDToken.TenantID != s.TenantID {
		t.Errorf("account %q in tenant %q", res.Account.PreferredUsername, res.IDToken.TenantID)
	}
	me, err := graphClient(t, staticToken(res.AccessToken), hc).Me().Get(ctx, nil)
	if err != nil {
		t.Fatalf("GET /me with MSAL's token: %v", explain(err))
	}
	if *me.GetUserPrincipalName() != adele.UserPrincipalName {
		t.Errorf("/me = %s", *me.GetUserPrincipalName())
	}

	cred, err := confidential.NewCredFromSecret(s.ClientSecret)
	if err != nil {
		t.Fatal(err)
	}
	conf, err := confidential.New("https://login.microsoftonline.com/"+s.TenantID, s.ClientID, cred, confidential.WithHTTPClient(hc))
	if err != nil {
		t.Fatal(err)
	}
	cres, err := conf.AcquireTokenByCredential(ctx, []string{"https://graph.microsoft.com/.default"})
	if err != nil {
		t.Fatalf("confidential client: %v", err)
	}
	if _, err := graphClient(t, staticToken(cres.AccessToken), hc).Users().Get(ctx, nil); err != nil {
		t.Fatalf("GET /users with the app's token: %v", explain(err))
	}
	// A wrong secret gets Microsoft's answer through the proxy too.
	bad, _ := confidential.NewCredFromSecret("not-the-secret")
	conf, _ = confidential.New("https://login.microsoftonline.com/"+s.TenantID, s.ClientID, bad, confidential.WithHTTPClient(hc))
	if _, err := conf.AcquireTokenByCredential(ctx, []string{"https://graph.microsoft.com/.default"}); err == nil || !strings.Contains(err.Error(), "AADSTS7000215") {
		t.Errorf("wrong secret: %v, want AADSTS7000215", err)
	}
}

// staticToken is a credential holding one access token.
type staticToken string

func (s staticToken) GetToken(context.Context, policy.TokenRequestOptions) (azcore.AccessToken, error) {
	return azcore.AccessToken{Token: string(s), ExpiresOn: time.Now().Add(time.Hour)}, nil
}

// explain adds a Graph error's code and message to err.
func explain(err error) error {
	var oe *odataerrors.ODataError
	if errors.As(err, &oe) && oe.GetErrorEscaped() != nil {
		return fmt.Errorf("%w: %s: %s", err, deref(oe.GetErrorEscaped().GetCode()), deref(oe.GetErrorEscaped().GetMessage()))
	}
	return err
}
