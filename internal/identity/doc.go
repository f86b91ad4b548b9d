// Package identity is graphgate's Microsoft identity platform: the v2.0
// protocol endpoints that MSAL, azidentity and msgraph-sdk-go's credentials
// talk to — discovery, JWKS, instance discovery, UserRealm, authorize (with
// sign-in and consent pages), token, device code, admin consent and
// logout — with the consent rules of the Graph permissions reference.
//
// # What it owns
//
//   - The protocol: what each endpoint accepts, in which order it checks
//     it, and Microsoft's answers. The token endpoint (token.go) parses the
//     form, lets the grant type parse its own parameters (one file per
//     grant, grant_*.go), authenticates the client once (clientauth.go: a
//     secret, a certificate assertion, or a public client by client_id),
//     and writes once: a grant validates its request and returns a response
//     value or an *Error, and never writes or authenticates the client
//     itself.
//   - The rules of codes and tokens (rules.go): an authorization code is
//     redeemed once and a replay revokes what it issued; a refresh token
//     rotates on use and reuse revokes its family; a device code moves
//     pending → approved or denied → redeemed, polled no faster than its
//     interval. They run inside the store's update closures, which make
//     them atomic across replicas.
//   - The consent decisions of sign-in: which permissions a token may carry
//     (consent.go, scopes.go); consent is recorded and service principals
//     created through the directory service (package directory). And the
//     account protections Entra applies:
//     smart lockout (lockout.go: AADSTS50053, state in the store, shared by
//     replicas), sign-in and consent forms bound to the browser against
//     login CSRF (session.go), tokens for registered APIs only where the API
//     has a service principal (AADSTS500011).
//   - The browser pages (pages.go): a two-step sign-in (the account, then
//     the password; a login_hint starts at the password), an account
//     picker of the browser's signed-in accounts (session.go keeps up to
//     five in the signed session cookie; startSignIn in authorize.go says
//     when the picker shows: several accounts, or prompt=select_account;
//     a login_hint of a signed-in account skips it; an account whose user
//     was deleted, disabled or had the password reset asks for the
//     password; logout ends them all), the consent page with the app's
//     publisher and the organisation-wide choice for administrators, and
//     "Need admin approval" with the admin consent link and graphgate's
//     command. The admin console (package web) signs people in here too
//     (console.go: GET /signin?return_to=/console/…, a flow that ends with a
//     redirect to a console page, never elsewhere) and reads the session
//     through SignedIn; it keeps none of its own.
//   - The sign-in log's records (signins.go): every sign-in handled — the
//     sign-in page's password check (interactive) and every token endpoint
//     answer (non-interactive; client credentials as a service principal
//     sign-in) — success or failure with its AADSTS code, handed to
//     Deps.SignIns, which queues it and returns (decisionlog.SignInWriter):
//     the token path never waits for the store.
//   - Its errors (errors.go): values with an OAuth code, an AADSTS number,
//     a status and a class — the request's fault is a 4xx; a failing store
//     is 503 temporarily_unavailable and a failure to sign 500
//     server_error, which clients retry — each with a help page
//     (errorhelp.go, its error_uri) saying how to fix it with graphgate's
//     commands.
//
// # Concurrency and lifecycle
//
// Build one Server per process with New; it is safe for concurrent use
// and keeps no per-request state in memory: codes, tokens, device codes,
// consent and lockout state live in the store, so replicas share them. Its
// clock is injected (Deps.Now). The one exception is CachedLookups
// (lookupcache.go), which the server installs over the store it opens: the
// token endpoint's reads of tenants, apps, service principals and app role
// assignments are kept for LookupCacheTTL (2 s), every write through it
// empties it, and a change made by another replica is seen within the TTL.
//
// # What it must not do
//
// It must not decide anything about Graph calls (authz does, when a token
// is used), sign or parse tokens itself (package tokens does, with
// go-jose), or put a protocol rule in a store backend: the store only
// makes a read-modify-write atomic. It must not answer a store or signing
// failure with a 4xx the client will not retry, nor log secrets, codes or
// tokens.
package identity
