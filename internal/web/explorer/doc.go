// Package explorer is graphgate's permission explorer: public, linkable
// pages over Microsoft's public permission data as graphgate enforces it.
//
// # What it owns
//
//   - /explorer/ — a ranked search of the whole catalog by name, display
//     name, description or id (searchIndex: a scan of about two thousand
//     pre-lower-cased records, measured by BenchmarkSearch).
//   - /explorer/permissions/{name} — a permission's schemes, ids, consent,
//     privilege levels, descriptions, personal-account validity, overlay
//     decisions, and the API calls it allows per scheme with Microsoft's
//     least-privileged mark (the route table turned around: inverseIndex),
//     filtered and paged. Other spellings redirect to Microsoft's.
//   - /explorer/paths?path=…&method=… — the permissions an API path
//     accepts per method and scheme, least privileged first, with the
//     rule's notes (supplement, /me fallback, overlay decisions).
//   - /explorer/explain — a GET form (token kind, account type, scopes or
//     roles, directory roles, guest, target facts, method, path) answered
//     with authz's Decision, as `graphgate explain` gives it.
//   - /explorer/report — the least-privilege report (package report) of a
//     pasted call list or an uploaded HAR file or call list: a POST with a
//     double-submit CSRF token (a form field and a SameSite=Strict,
//     HttpOnly cookie), a bounded body (Options.MaxUpload, 413 beyond), a
//     bounded time (Options.ReportTimeout, 503 beyond) and at most
//     Options.MaxReports reports at once (a wait of Options.ReportWait,
//     then 503 with Retry-After).
//
// Every page is server-rendered html/template with an embedded layout and
// stylesheet (class names gg-…, to share with the console), no script at
// all, and a Content-Security-Policy that allows nothing else. Every
// answer is also JSON (?format=json, or Accept: application/json), with
// errors in Microsoft Graph's {"error":{"code","message"}} shape.
//
// # What it must not do
//
// It holds no permission knowledge: what a permission is comes from the
// catalog, what a call accepts from the route table, whether a token may
// make a call from the authz engine, and what an app needs from report.
// Names typed by people are looked up in the catalog (Lookup, Resolve);
// the package never compares permission names itself. It reads no store
// and needs no sign-in: everything it shows is Microsoft's public data or
// what the request itself carries. It must not import internal/web (the
// console), which composes it.
//
// # Cost and concurrency
//
// Handler builds nothing up front; the search index, the inverse index
// and the report analyzer are built once, on first use, behind sync.Once,
// and are read-only after. Every request's work is bounded: queries and
// form fields are truncated, search answers at most 200 hits, a
// permission's calls come 100 to a page, a report reads at most
// MaxUpload bytes within ReportTimeout. The handler is safe for
// concurrent use.
package explorer
