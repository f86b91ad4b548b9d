package web

import (
	"net/http"
	"strings"

	"graphgate/internal/demo"
	"graphgate/internal/store"
)

// maxLandingTenants bounds the landing page's tenant table.
const maxLandingTenants = 20

type snippet struct{ ID, Title, Code string }

type landingData struct {
	Version, Store, Base string
	Listeners            []string
	Tenants              []store.Tenant
	MoreTenants          bool
	Domain, TenantID     string
	WebAppID             string
	DaemonAppID          string
	Snippets             []snippet
	Parity               *paritySummary
}

// handleLanding is "/": what is running and how to point clients at it.
func (s *Server) handleLanding(w http.ResponseWriter, r *http.Request) {
	ts, err := s.d.Store.ListTenants(r.Context())
	if err != nil {
		s.storeFailed(w, r, err)
		return
	}
	d := landingData{Version: s.info.Version, Store: s.info.Store, Base: baseURL(r), Listeners: s.info.Listeners,
		Domain: demo.TenantDomain, TenantID: demo.TenantID, WebAppID: demo.WebAppID, DaemonAppID: demo.DaemonAppID}
	if len(ts) > maxLandingTenants {
		ts, d.MoreTenants = ts[:maxLandingTenants], true
	}
	d.Tenants = ts
	d.Snippets = snippets(d.Base, r.Host)
	d.Parity = s.parity()
	s.render(w, http.StatusOK, "landing", page{Title: "Your local Microsoft 365 tenant", Area: "home", Data: d})
}

// baseURL is scheme://host of the request: the address this browser
// reached the server at, which is the one its clients can use too.
func baseURL(r *http.Request) string {
	scheme := "https"
	if r.TLS == nil {
		scheme = "http"
	}
	return scheme + "://" + r.Host
}

// snippets are the landing page's client configurations, with this
// server's address and the demo tenant's ids. Secrets are placeholders:
// `graphgate demo` prints them.
func snippets(base, host string) []snippet {
	authority := base + "/" + demo.TenantDomain
	r := strings.NewReplacer("{{authority}}", authority, "{{base}}", base, "{{host}}", host,
		"{{tenant}}", demo.TenantID, "{{webapp}}", demo.WebAppID, "{{daemon}}", demo.DaemonAppID)
	list := []snippet{
		{"msal-go", "MSAL Go", `// go get github.com/AzureAD/microsoft-authentication-library-for-go
cred, _ := confidential.NewCredFromSecret(os.Getenv("CLIENT_SECRET")) // graphgate demo prints it
app, _ := confidential.New("{{authority}}", "{{daemon}}", cred,
	confidential.WithInstanceDiscovery(false))
res, _ := app.AcquireTokenByCredential(ctx, []string{"https://graph.microsoft.com/.default"})`},
		{"azidentity", "azidentity", `cred, _ := azidentity.NewClientSecretCredential("{{tenant}}", "{{daemon}}", os.Getenv("CLIENT_SECRET"),
	&azidentity.ClientSecretCredentialOptions{
		ClientOptions:            azcore.ClientOptions{Cloud: cloud.Configuration{ActiveDirectoryAuthorityHost: "{{base}}/"}},
		DisableInstanceDiscovery: true})`},
		{"msgraph-sdk-go", "msgraph-sdk-go", `client, _ := msgraphsdk.NewGraphServiceClientWithCredentials(cred, []string{"https://graph.microsoft.com/.default"})
client.GetAdapter().SetBaseUrl("{{base}}/v1.0")
users, _ := client.Users().Get(ctx, nil)`},
		{"msal-node", "msal-node", `const msal = require("@azure/msal-node"); // NODE_EXTRA_CA_CERTS from graphgate trust
const app = new msal.ConfidentialClientApplication({ auth: {
  clientId: "{{daemon}}", clientSecret: process.env.CLIENT_SECRET,
  authority: "{{authority}}", knownAuthorities: ["{{host}}"] } });
const res = await app.acquireTokenByClientCredential({ scopes: ["https://graph.microsoft.com/.default"] });`},
		{"msal-python", "MSAL for Python", `import msal, os  # REQUESTS_CA_BUNDLE from graphgate trust
app = msal.ConfidentialClientApplication("{{daemon}}", client_credential=os.environ["CLIENT_SECRET"],
    authority="{{authority}}", instance_discovery=False)
res = app.acquire_token_for_client(scopes=["https://graph.microsoft.com/.default"])`},
		{"curl", "curl", `curl {{authority}}/oauth2/v2.0/token -d grant_type=client_credentials \
  -d client_id={{daemon}} -d client_secret="$CLIENT_SECRET" -d scope=https://graph.microsoft.com/.default`},
	}
	for i := range list {
		list[i].Code = r.Replace(list[i].Code)
	}
	return list
}
