// Package web serves graphgate's pages for people: the landing page at "/"
// (what is running, how to point MSAL, azidentity and the Graph SDKs at
// it, how to trust the CA) and the tenant admin console under /console/
// (users, groups, directory roles, app registrations with their API
// permissions, client secrets, certificates and redirect URIs, enterprise
// applications with the consent they hold, consent activity, the decision
// log viewer and each app's least-privilege report), with the shared
// layout and stylesheet.
//
// # Decision log and reports
//
// /console/log shows the tenant's recorded decisions (store.DecisionLog),
// newest first, 50 a page by keyset (the Seq below the last row shown),
// with the filters as GET parameters so a view is a link.
// /console/log/{request-id} shows the recorded authz.Detail, the
// reasoning 'graphgate explain --request-id' prints, and for a denied
// call the permissions that would allow it, each linked to the app's API
// permissions page with ?add=NAME&type=delegated|application: that page
// then shows a confirm form (a POST with the CSRF value); a GET never
// changes anything. /console/apps/{id}/report builds the least-privilege
// report from the log with report.ReadDecisionLog and the report's
// Builder, as 'graphgate report least-privilege --from-log --app' does;
// this package only lays the result out. The permission explorer (/explorer/) is
// its own package and links back here.
//
// /console/signins shows the tenant's sign-in log (store.SignInLog), newest
// first, 50 a page by keyset, filtered by user, app, status, since and a
// sign-in's id or correlation id (GET parameters); a grouped row of an
// app's repeated sign-ins (store.SignIn.Repeats) is marked ×N; a failure
// shows its AADSTS code and the explanation of
// graphgate's error page (identity.ErrorSummary). Every console
// administrator may read it. Who may grant which tenant-wide consent is
// authz.TenantConsent's answer, never a role compared here.
//
// # Why server-rendered templates
//
// The pages are html/template files and one stylesheet, embedded with
// embed.FS: no build step, no node_modules, no CDN, nothing to keep
// reproducible in CI, and the binary is the whole product. Every action
// is an HTML form that works without JavaScript (the one script, a copy
// button on the landing page, is a static file). html/template escapes by
// context, and the Content-Security-Policy forbids inline script. A single-
// page front end would need a JSON API of its own, CSRF for it, and a
// toolchain — for pages that are lists and forms.
//
// # Sign-in, roles and CSRF
//
// The console signs people in through the identity platform's own sign-in
// page (GET /signin?return_to=/console/…) and reads the same session
// cookie single sign-on uses (Sessions, implemented by identity.Server);
// it keeps no session of its own and reads the user again on every
// request. Who may use which part is authz.ConsoleAllows (members of an
// organisation with a directory role: Global, Privileged Role, User or
// Groups Administrator); this package never compares roles itself. Every
// form carries a synchronizer value that must equal the console's random
// anti-CSRF cookie (HttpOnly, SameSite=Strict, Secure over HTTPS), and
// net/http's CrossOriginProtection refuses posts from other origins.
// Responses carry a CSP without inline script, frame-ancestors 'none',
// X-Frame-Options DENY, nosniff and a same-origin referrer policy.
//
// # What it must not do
//
// It must not write to the store: every change (users, roles, passwords,
// groups, members, an app registration's API permissions, secrets,
// certificates and redirect URIs, consent and its revocation) goes
// through the directory service (package directory), which applies
// Entra's rules. It reads the store only through the narrow Reader. It
// must not decide what a permission allows (catalog, routes and authz do)
// and must not do unbounded work per request: lists show at most 100 rows
// and a search reads at most 5000 objects, then says to narrow it.
package web
