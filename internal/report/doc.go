// Package report turns a list of Microsoft Graph calls into a
// least-privilege report: per app and per scheme (delegated and
// application apart), the permissions the tokens held, the permissions each
// call accepts, the minimal set that would have allowed every call, what
// the grant holds beyond it, the denied calls with what would have allowed
// them, and the calls graphgate cannot place.
//
// # Inputs
//
// A Call is one request: a method and a URL, and when the input knows them
// the app, the scheme, the permissions the token held, the HTTP status, the
// request id and the time. Readers turn inputs into calls: ReadHAR (a HAR
// 1.2 file from browser DevTools, Dev Proxy or Fiddler; a $batch request is
// unpacked into its requests, with their statuses from the batch response)
// and ReadCallList (METHOD URL lines with "# key=value" directives). A HAR
// entry's bearer token is decoded without verification to learn the app
// (appid, azp), the scheme (idtyp, scp, roles), the granted permissions and
// the signed-in user: offline inspection of a file the user supplied, never
// trust. ReadDecisionLog reads the store's decision log (what graphgate's
// server decided, page by page) into the same Builder: each row's token
// permissions joined with what the tenant consented to for the app;
// FollowLog and ParseSince serve `graphgate log`. LogDetail and
// RecordedDetail are the decision log's detail column: a decision's
// authz.Detail without what the row's columns hold, written by the log
// writer, and completed again for explain --request-id and the console.
//
// # What a call needs
//
// A call is placed by the route table (routes) and decided by the engine
// (authz): the permissions that allow it are those the engine allows it
// with, probed one permission at a time (with what a permission also
// requires, when the route table says so) over every permission the route
// accepts and every permission that includes one of them (permname's
// grammar, as the engine applies it). Facts about the target that decide
// whether the signed-in user reaches the data (sharing, membership, an
// administrator role) are not permissions and are taken to hold; a fact
// that decides which permission is needed — a target user in a directory
// role or administrative unit, whose memberships need Directory
// permissions — is taken in the case that needs more, because the traffic
// cannot tell. A permission with a property limit (authz.Limit: the
// ReadBasic permissions) allows a GET in full only when the call reads
// nothing the limit trims (Limit.Restricts, Limit.Properties): every
// $select'ed and $expand'ed property is in the limit's set. Without
// $select a call asks for the default properties, which hold what the
// limits trim (a message's body, a user's job title), so such a permission
// is listed as one that would answer it trimmed, not as one that allows it.
//
// # The minimal set
//
// Per app and scheme, the minimal set is an exact set cover over the
// calls' alternatives: the set whose most privileged permission is least
// privileged (Microsoft's privilege levels, compared from the highest level
// down, so that fewer permissions at a level win), then the one that allows
// the fewest other endpoints of the route table (its reach, the union of
// what each member and what it includes is accepted by), then the
// permission names. A branch-and-bound search finds it; when an instance
// needs more than a node budget, the report keeps the best cover found
// (never worse than greedy set cover, which is within H(n) ≤ 1 + ln n of
// the fewest permissions) and says it is not proven minimal. Each chosen
// permission says why, in particular when it stands in for permissions the
// calls alone would need (permname.Implies, or the route table listing it
// for those endpoints).
//
// # Bounded work
//
// A Builder keeps one record per app, scheme and endpoint (method, route,
// own-data flag, which limits the reads stay within), not per call, with
// at most a few examples and request ids each; unplaced calls are kept per
// distinct method and URL up to a cap and counted beyond it. The work of
// Report grows with the distinct endpoints and the candidates they accept,
// never with the number of calls.
//
// # What the package must not do
//
// It decides nothing about permissions itself: the route table says what
// each endpoint accepts, the engine decides, the catalog gives privilege
// levels and the grammar says what includes what. It does no I/O beyond
// reading the io.Reader it is given and the decision log it is handed
// (through LogSource, never SQL), and renders nothing: the CLI prints
// the Report (a table, Markdown or JSON).
package report
