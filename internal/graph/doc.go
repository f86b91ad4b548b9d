// Package graph is graphgate's Microsoft Graph v1.0 resource server (with
// /beta as an alias): token validation, authorization of every request by
// the effective-permission engine, and the workloads (users, groups,
// directory, mail, calendars, contacts, To Do, presence, chats, …) over the
// store, with OData query options and Graph's exact error bodies.
//
// Every endpoint is one descriptor (Endpoint, endpoint.go) declared beside
// its handler in its workload's file: method and template, handler, entity
// (OData type, context URL, $expand), workload (whose service words its
// errors) and target kind. New binds them to the route table and refuses
// to start when one disagrees with it.
//
// A response's @odata.context comes from its descriptor: Entity.Context,
// written once beside the handler, with placeholders the call fills
// (Call.ContextURL): {owner} is the target user's object id (the /me or
// /users/{id} user, resolved; on a /groups/{id} path the group's id),
// {0}, {1}, … the path parameters as Call.Param reads them, and the names
// Entity.ContextValues declares, which the handler supplies
// (Call.SetContextValue) where the context names a stored value rather
// than the path's (a contact folder given by its well-known name); New
// refuses a placeholder the template cannot fill and a declared value the
// context does not use. No workload builds one by hand
// (users('{owner}')/presence/$entity, chats('{0}')/messages/$entity,
// users('{owner}')/messages('{1}')/attachments,
// users('{owner}')/contactFolders('{folder}')/contacts,
// drives('{drive}')/items('{item}')/children,
// groups('{owner}')/photo/$entity). A pre-authenticated transfer URL has
// no descriptor: its handler names its Entity when it makes its Call
// (Server.TransferCall).
//
// graph is the pipeline; the workloads are packages of their own, each
// declaring its descriptors with Declare (Twins, Optional) and handing them
// to New: the composition root (internal/server) passes them, as listed by
// internal/graph/workloads, one Package each (its descriptors and, for the
// files workload, its FilesHooks, which the Server keeps as its own: a
// server built without the files workload has none).
// internal/graph/entra serves Microsoft Entra ID's objects (users, groups,
// photos, roles, administrative units, directory delta);
// internal/graph/files serves OneDrive and OneNote,
// through the extra API of workload_files.go (its hooks: the drive a
// /drives/{id} path names, the pre-authenticated transfer URLs, its
// denials); internal/graph/teams serves the Teams APIs (chats,
// their members and messages, presence), and the chat membership a
// /chats/{id} path's decision reads is resolved here (workload_teams.go);
// internal/graph/exchange serves Exchange Online's mail, calendars,
// contacts, To Do, people and mailbox settings (workload_exchange.go:
// known mailboxes, calendar-view costs, schema-normalized bodies, a
// positional page's position); the item collections, rendering and paging
// helpers it shares with the other workloads are exported where graph
// defines them (items.go, query.go, docquery.go), not wrapped.
// A workload's handlers use the pipeline
// through a small exported API (workload.go): the Server's store,
// directory service and clock; the Call's request, body readers
// (ReadBody, ReadJSON), writers (JSON, RawJSON, WritePage, NoContent) and
// CheckProperties; the collection query (ParseQuery, Query); the error
// constructors (errors.go); and the JSON helpers (helpers.go);
// workload_teams.go adds what the teams workload needs beyond that.
// graph itself declares no endpoint: New binds the descriptors the
// workload packages hand it (internal/graph/workloads lists them).
//
// A request flows one way: verify the bearer token → match the route table
// once (the same lookup finds the endpoint's descriptor) → resolve the target (the user,
// group, drive or chat the path names, and the facts the rule's decision
// reads: authz.Engine.Lookups) → ask authz.DecideMatch → run the workload
// handler, which only shapes data and applies the confinements the engine
// decided. The decision goes to the x-graphgate-decision header and to
// Deps.Decisions (the decision log, recorded off the request path by
// package decisionlog; graph knows nothing of its storage). No handler
// compares scopes or decides whose data a caller may
// reach. Users, groups and memberships change only through the directory
// service (package directory), whose typed errors the handlers turn into
// Graph's bodies.
//
// The documents the workloads keep in the item store — their types, JSON
// names, kinds, well-known ids and stored time format — are package
// model's (model_aliases.go keeps the handlers' old names until the
// workloads move into packages of their own); the server renders them and
// strips their internal fields.
//
// Queries are store query IR (docquery.go): a collection's $filter and
// $orderby become store conditions and orderings through odata.Filter and
// odata.Order over the entity's mapping, the server's own fixed queries
// (by iCalUId, by name, $search terms, a drive's delta) are written with
// the IR too, and a collection listed by WriteCollection pages by keyset
// (keyset.go: the nextLink's $skiptoken holds the last row's order keys
// and id, so that a deep page reads what the first does; a client's $skip
// stays an offset).
//
// Request bodies are read as Graph reads them: by Graph's schema (an
// excerpt of its $metadata, schema.go) where the body's type is one of
// those, by the Go type they land in otherwise (Call.ReadBody,
// Call.ReadJSON; the rules are internal/odata's). A body is at most 4 MB as
// sent and, gzip-compressed, once decompressed; a larger one is refused
// whole with 413 (Call.Body), never cut to the limit and used.
//
// What every request would otherwise rebuild is built once: the schema is
// parsed on first use (not at package initialisation, so commands that
// never serve Graph do not pay for it), an entity's OData mapping once per
// process (JSONMapping), and the mailboxes known to exist are remembered
// (knownMailboxes), so a request does the work its own data needs. A
// collection page is written in one pass (appendPage): the envelope by
// hand, and the items renderProject rendered as they are — compact JSON by
// construction — rather than through json.Encoder, which scanned every
// item again to compact it; values built elsewhere are still compacted.
// The page's bytes are the Encoder's (TestAppendPageMatchesEncoder).
//
// # What it must not do
//
// It must not compare scope strings or decide whose data a caller may reach: every
// request is decided by authz from the route table and the target facts graph resolves;
// it must not write users, groups or grants except through internal/directory; it must
// not write SQL or know the store's dialect (internal/archtest checks).
package graph
