// Package exchange is Graph's workload for Exchange Online's items: mail
// (messages, mail folders, attachments, sendMail and drafts), calendars
// and events (calendar views of recurring series, instances, meetings with
// their invitations, responses and cancellations), contacts and contact
// folders, To Do lists and tasks, people (relevance ranked from mail,
// contacts and the directory) and mailbox settings, with the Prefer:
// outlook.timezone rendering of date-times (tz.go). It declares one
// descriptor per endpoint (graph.Endpoint, with graph.WorkloadExchange:
// Exchange's wording of errors) beside its handler and hands them to
// graph.New through Endpoints; internal/graph/workloads lists it.
//
// A response's @odata.context is its descriptor's (graph.Entity.Context,
// written through Call.ContextURL): a mailbox's items are named as its
// owner's, users('{owner}')/…, with the object id even on a
// /users/{upn} path, and a group's calendar as its group's
// (users('{owner}') with the group's id, as graphgate has always answered);
// an item under another names it by the path's parameter
// (messages('{1}')/attachments, todo/lists('{1}')/tasks,
// events('{n}')/instances). The one context that names a stored value, a
// contact folder given by its well-known name ("contacts"), declares
// {folder} in Entity.ContextValues and its handlers supply the folder's id
// (Call.SetContextValue). No handler builds a context URL itself
// (TestExchangeContexts walks every endpoint that answers with a body).
//
// Handlers are methods of server, a view of *graph.Server, adapted to
// graph.Handler once by handle; they use the pipeline's exported API
// (graph/workload.go, graph/workload_exchange.go, the error constructors,
// the collection, paging and JSON helpers exported where graph defines
// them). The messages page's fast path
// (rendering, paging by keyset, the render cache) is the pipeline's and
// stays in graph. The documents are internal/model's (model.Message,
// model.Event, …). viewcheck.go holds the simple, expensive views that
// tests compare the lazy calendar views with, and calendar_render_check.go
// the old render (renderEvent, then the projection) that views' one-pass
// render of events (calendar_render.go, with its cache of rendered members
// by item version) is compared with; no request runs them. A calendar
// view reads its active series masters' keys and takes their documents
// from masterCache (calendar_render.go: by server, tenant, id, version and
// times, bounded), reading from the store only those it has not seen;
// it lists them by id from items_series_span (migration 0020: both halves
// of the window's span in the index). windowCache (calendar_render.go,
// bounded) keeps each series' starts in a window an earlier view
// generated, so a view of a window seen before starts its series'
// recurrences only after them.
//
// # What it must not do
//
// It must not compare scopes or decide whose data a caller reaches: the
// engine (authz) decided before a handler runs, and an $expand is
// authorized through graph.Server.AuthorizeExpansion. It must not write
// SQL: queries are the store's query IR, built through internal/odata.
// A calendar view must stay bounded by the page it returns (series are
// expanded lazily, never every occurrence to return one).
package exchange
