package files

import (
	"context"
	"net/http"

	"graphgate/internal/graph"
	"graphgate/internal/store"
)

// server is the Graph server as the files workload's handlers see it: the
// pipeline's exported API (graph/workload.go, graph/workload_files.go) and
// the handlers as its methods.
type server struct{ *graph.Server }

// handle adapts a handler method (a method expression, server.getDrive) to
// a graph.Handler, once, where the descriptors are declared.
func handle(f func(server, *graph.Call) error) graph.Handler {
	return func(s *graph.Server, c *graph.Call) error { return f(server{s}, c) }
}

// endpoints are the files workload's descriptors, in declaration order;
// written only by package initialisation (declare).
var endpoints []graph.Endpoint

// declare adds descriptors of workload w (graph.Declare) to the files
// workload's.
func declare(w graph.Workload, eps ...graph.Endpoint) []graph.Endpoint {
	eps = graph.Declare(w, eps...)
	endpoints = append(endpoints, eps...)
	return eps
}

// Endpoints are the descriptors of OneDrive (drives, drive items, uploads,
// sharing links, delta) and OneNote (notebooks, section groups, sections,
// pages) that graphgate serves.
func Endpoints() []graph.Endpoint { return endpoints }

// Package is the files workload as graph.New takes it: its descriptors,
// the stored-data placeholders of their context URLs its handlers supply
// ({drive}: the request's drive; {item}: the item a path resolved
// to), and the hooks the pipeline calls into it (graph.FilesHooks): the
// drive a /drives/{id} path names, the pre-authenticated transfer URLs,
// whether a call names a drive's item.
func Package() graph.Package {
	return graph.Package{Endpoints: endpoints, Files: &graph.FilesHooks{
		Drive: func(s *graph.Server, ctx context.Context, tenant, id string) (store.User, bool, any, error) {
			d, err := server{s}.driveIn(ctx, tenant, id)
			if err != nil {
				return store.User{}, false, nil, err
			}
			return d.Owner, d.Group, d, nil
		},
		Transfer: func(s *graph.Server, w http.ResponseWriter, r *http.Request) bool {
			return server{s}.serveDriveTransfer(w, r)
		},
		ItemAddressed: func(c *graph.Call) bool {
			a := parseDriveAddr(c)
			return a.base == "item" || a.rel != ""
		},
	}}
}
