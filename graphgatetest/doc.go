// Package graphgatetest runs graphgate inside a Go test: a Microsoft 365
// tenant (the identity platform and Microsoft Graph, with the permission
// model) that Microsoft's own client libraries — MSAL Go, azidentity,
// msgraph-sdk-go — talk to over real HTTPS.
//
//	func TestMyApp(t *testing.T) {
//		gg := graphgatetest.Start(t)
//		cred, _ := confidential.NewCredFromSecret(gg.ClientSecret)
//		app, _ := confidential.New(gg.AuthorityURL, gg.ClientID, cred,
//			confidential.WithHTTPClient(gg.Client()), confidential.WithInstanceDiscovery(false))
//		// … adapter.SetBaseUrl(gg.GraphURL) for the Graph SDK
//	}
//
// Start gives each test its own server: a temporary SQLite database seeded
// with graphgate's demo tenant (the users, apps and consent
// 'graphgate demo' lists), HTTPS on a random loopback port with a
// certificate from a CA made for that server (CertPool, Client), stopped
// and removed when the test ends. Nothing is left behind and no port has to
// be chosen. Passwords are hashed with fast parameters; a Start and Close
// take about a third of a second (BenchmarkStart, bench/README.md: most of
// it the signing key, the CA and seeding the demo tenant into a new,
// fsynced SQLite database), so share one server between the subtests of a
// test where their data does not collide.
//
// With WithProxy the server also runs graphgate's interception proxy
// (ProxyURL): a client whose transport goes through it and trusts CertPool
// keeps Microsoft's default URLs — https://login.microsoftonline.com/…,
// https://graph.microsoft.com/v1.0 — and reaches this server, with no
// option changed (see the example).
//
// CreateUser, CreateApp and GrantConsent change the tenant through
// graphgate's directory service, with the same rules as its admin
// commands and Graph.
//
// # Importing it
//
// The import path is graphgate/graphgatetest, in the module graphgate.
// graphgate is not published under a host name, so another module requires
// it through a replace directive pointing at a checkout (or a vendored
// copy):
//
//	require graphgate v0.0.0
//	replace graphgate => ../graphgate
//
// The package is graphgate's only importable API: everything it uses lives
// under graphgate/internal and stays graphgate's own.
//
// # What it must not do
//
// It holds no protocol or permission logic: it composes internal/server as
// 'graphgate serve' does and goes through internal/directory for every
// change. It never listens on anything but the loopback interface and never
// writes outside its temporary folder.
package graphgatetest
