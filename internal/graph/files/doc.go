// Package files is Graph's files workload: OneDrive and OneNote. OneDrive:
// the drives of users (and /me), groups and /drives/{id}, their items
// (children, paths, special folders, content), uploads (simple and upload
// sessions), downloads through short-lived pre-authenticated URLs, copy and
// move, invitations and sharing links (/shares), sharedWithMe and the
// drive's delta (drive*.go). OneNote: the notebooks, section groups,
// sections and pages of users and groups, and page content and its PATCH
// commands (onenote*.go). It declares one descriptor per endpoint
// (graph.Endpoint, with graph.WorkloadDrive or graph.WorkloadOneNote: whose
// service words the errors) beside its handler and hands them to graph.New
// through Package; internal/graph/workloads lists it.
//
// A response's @odata.context is its descriptor's Entity.Context, never
// built by a handler: {owner} where it names the drive's or notebooks'
// user or group, {0}, {1} for the path's ids (a share, a notebook), and,
// where it names stored data the path does not spell, the values its
// Entity.ContextValues declare: {drive}, the request's drive (set by
// requestDrive, or by the upload session's last fragment), and {item},
// the item a path resolved to (set by the handler that resolved it).
//
// Handlers are methods of server, a view of *graph.Server, adapted to
// graph.Handler once by handle; they use the pipeline's exported API
// (graph/workload.go, graph/workload_files.go, the error constructors, the
// collection and JSON helpers). With its descriptors the package hands
// graph.New its hooks (graph.FilesHooks, in the graph.Package Package
// returns), which the Server keeps as its own: the drive a /drives/{id}
// path names (whose owner's facts the engine decides on), the transfer
// URLs served before authentication, and whether a call names a drive item
// (OneDrive's denial then hides it with a 404). The documents it keeps in
// the item store are package model's (model.Drive, model.DriveItem,
// model.Notebook, …).
//
// # What it must not do
//
// It must not compare scopes or decide whose data a caller reaches: the
// engine (authz) decided before a handler runs, from the route table and
// the facts graph resolved; a handler applies the confinement decided (a
// drive shared with the caller narrows the call to the shared items). It
// must not write users, groups or memberships (it reads them through the
// store), nor write SQL: queries are the store's query IR, built through
// internal/odata. A transfer URL is served without a token only because it
// is signed or names an unguessable session; it must not serve anything
// else unauthenticated.
package files
