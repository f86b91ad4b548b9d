package graphgatetest_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/AzureAD/microsoft-authentication-library-for-go/apps/confidential"
	"github.com/AzureAD/microsoft-authentication-library-for-go/apps/public"
	kiotaauth "github.com/microsoft/kiota-authentication-azure-go"
	khttp "github.com/microsoft/kiota-http-go"
	msgraphsdk "github.com/microsoftgraph/msgraph-sdk-go"
	msgraphcore "github.com/microsoftgraph/msgraph-sdk-go-core"
	"github.com/microsoftgraph/msgraph-sdk-go/users"

	"graphgate/graphgatetest"
)

// token is a credential holding one access token from MSAL.
type token string

func (t token) GetToken(context.Context, policy.TokenRequestOptions) (azcore.AccessToken, error) {
	return azcore.AccessToken{Token: string(t), ExpiresOn: time.Now().Add(time.Hour)}, nil
}

// graph is a Graph SDK client sending tok over hc, at base (the SDK's
// default, https://graph.microsoft.com/v1.0, when empty).
func graph(tok string, hc *http.Client, base string, hosts ...string) *msgraphsdk.GraphServiceClient {
	auth, err := kiotaauth.NewAzureIdentityAuthenticationProviderWithScopesAndValidHosts(token(tok),
		[]string{"https://graph.microsoft.com/.default"}, hosts)
	if err != nil {
		panic(err)
	}
	opts := msgraphsdk.GetDefaultClientOptions()
	c := &http.Client{Transport: khttp.NewCustomTransportWithParentTransport(hc.Transport, msgraphcore.GetDefaultMiddlewaresWithOptions(&opts)...)}
	adapter, err := msgraphsdk.NewGraphRequestAdapterWithParseNodeFactoryAndSerializationWriterFactoryAndHttpClient(auth, nil, nil, c)
	if err != nil {
		panic(err)
	}
	if base != "" {
		adapter.SetBaseUrl(base)
	}
	return msgraphsdk.NewGraphServiceClient(adapter)
}

// The demo tenant's daemon signs in with MSAL Go (client credentials) and
// lists users with the Graph SDK, both pointed at graphgate's URLs; then a
// user registered by the test signs in with the password grant and reads
// their own profile.
func Example() {
	gg, err := graphgatetest.New() // in a test: graphgatetest.Start(t)
	if err != nil {
		panic(err)
	}
	defer gg.Close()
	ctx := context.Background()

	cred, _ := confidential.NewCredFromSecret(gg.ClientSecret)
	daemon, _ := confidential.New(gg.AuthorityURL, gg.ClientID, cred,
		confidential.WithHTTPClient(gg.Client()), confidential.WithInstanceDiscovery(false))
	res, err := daemon.AcquireTokenByCredential(ctx, []string{"https://graph.microsoft.com/.default"})
	if err != nil {
		panic(err)
	}
	top := int32(2)
	page, err := graph(res.AccessToken, gg.Client(), gg.GraphURL, "localhost").Users().Get(ctx,
		&users.UsersRequestBuilderGetRequestConfiguration{QueryParameters: &users.UsersRequestBuilderGetQueryParameters{
			Top: &top, Orderby: []string{"displayName"}, Select: []string{"displayName"}}})
	if err != nil {
		panic(err)
	}
	for _, u := range page.GetValue() {
		fmt.Println("user:", *u.GetDisplayName())
	}

	// A user and an app of the test's own, and the user's consent.
	pat := gg.CreateUser(nil, "pat@"+gg.TenantDomain, "Pat Example")
	app := gg.CreateApp(nil, graphgatetest.AppSpec{DisplayName: "My CLI", Public: true,
		RedirectURIs: []string{"http://localhost"}, Scopes: []string{"User.Read"}})
	gg.GrantConsent(nil, app.ClientID, pat.ID, "User.Read")
	cli, _ := public.New(app.ClientID, public.WithAuthority(gg.AuthorityURL),
		public.WithHTTPClient(gg.Client()), public.WithInstanceDiscovery(false))
	//lint:ignore SA1019 the password grant is what a headless example can drive
	signedIn, err := cli.AcquireTokenByUsernamePassword(ctx, []string{"User.Read"}, pat.UserPrincipalName, pat.Password)
	if err != nil {
		panic(err)
	}
	me, err := graph(signedIn.AccessToken, gg.Client(), gg.GraphURL, "localhost").Me().Get(ctx, nil)
	if err != nil {
		panic(err)
	}
	fmt.Println("me:", *me.GetDisplayName())
	// Output:
	// user: Adele Vance
	// user: Contoso Support
	// me: Pat Example
}

// With WithProxy, clients keep Microsoft's default authority and Graph URL:
// only their transport changes, as HTTPS_PROXY and SSL_CERT_FILE change it
// for a whole program.
func ExampleWithProxy() {
	gg, err := graphgatetest.New(graphgatetest.WithProxy())
	if err != nil {
		panic(err)
	}
	defer gg.Close()
	ctx := context.Background()

	proxy, _ := url.Parse(gg.ProxyURL)
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.Proxy, tr.TLSClientConfig.RootCAs = http.ProxyURL(proxy), gg.CertPool
	hc := &http.Client{Transport: tr}

	cred, _ := confidential.NewCredFromSecret(gg.ClientSecret)
	daemon, _ := confidential.New("https://login.microsoftonline.com/"+gg.TenantID, gg.ClientID, cred, confidential.WithHTTPClient(hc))
	res, err := daemon.AcquireTokenByCredential(ctx, []string{"https://graph.microsoft.com/.default"})
	if err != nil {
		panic(err)
	}
	adele, err := graph(res.AccessToken, hc, "").Users().ByUserId("adele@"+gg.TenantDomain).Get(ctx, nil)
	if err != nil {
		panic(err)
	}
	fmt.Println(*adele.GetDisplayName(), "at", "https://graph.microsoft.com")
	// Output:
	// Adele Vance at https://graph.microsoft.com
}
