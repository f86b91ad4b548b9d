// Package entra is Graph's workload for Microsoft Entra ID's objects:
// users (and /me), groups, their members and owners, managers and direct
// reports, profile photos, directory roles, administrative units, and the
// delta queries of users and groups (directory_delta.go). It declares one
// descriptor per endpoint (graph.Endpoint, with graph.WorkloadDirectory:
// the directory's wording of errors) beside its handler and hands them to
// graph.New through Endpoints; internal/graph/workloads lists it.
//
// Handlers are methods of server, a view of *graph.Server, adapted to
// graph.Handler once by handle; they use the pipeline's exported API
// (graph/workload.go, the error constructors, the collection and JSON
// helpers) and shape the directory's objects as Graph does (userJSON,
// groupJSON, $select by the caller's property limits, $expand of a user's
// manager and a group's members and owners).
//
// # What it must not do
//
// It must not compare scopes or decide whose data a caller reaches: the
// engine (authz) decided before a handler runs, and a property that needs
// more than the route's permission is checked by graph.Call.CheckProperties.
// It must not write users, groups or memberships except through the
// directory service (graph.Server.Directory), nor write SQL: queries are
// the store's query IR, built through internal/odata.
package entra
