// Package teams is Graph's workload for the Microsoft Teams APIs graphgate
// serves: chats (a user's chats, creating one, a chat's members and
// messages, sending a message; chats.go) and presence (a user's presence,
// an application's session presence and the user's preferred presence,
// and presences by user id; presence.go). It declares one descriptor per
// endpoint (graph.Endpoint, with graph.WorkloadTeams: Teams' wording of
// errors) beside its handler and hands them to graph.New through
// Endpoints; internal/graph/workloads lists it.
//
// Handlers are methods of server, a view of *graph.Server, adapted to
// graph.Handler once by handle; they use the pipeline's exported API
// (graph/workload.go and graph/workload_teams.go, the error constructors,
// the collection and JSON helpers) and store chats, chat messages and
// presences as items of internal/model's kinds and documents. Their
// @odata.context URLs are their descriptors' (graph.Entity.Context, with
// {owner} and {0} placeholders the pipeline fills from the call), never
// built in a handler.
//
// # What it must not do
//
// It must not compare scopes or decide whose data a caller reaches: the
// engine (authz) decided before a handler runs, and whether the caller is
// a member of a /chats/{id} chat is a fact the pipeline resolves (graph's
// target resolution), not the handler. It must not write SQL: queries are
// the store's query IR, built through internal/odata.
package teams
