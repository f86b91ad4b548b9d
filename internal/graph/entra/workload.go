package entra

import (
	"graphgate/internal/graph"
)

// server is the Graph server as entra's handlers see it: the pipeline's
// exported API (graph/workload.go) and the handlers as its methods.
type server struct{ *graph.Server }

// handle adapts a handler method (a method expression, server.getUser) to
// a graph.Handler, once, where the descriptors are declared.
func handle(f func(server, *graph.Call) error) graph.Handler {
	return func(s *graph.Server, c *graph.Call) error { return f(server{s}, c) }
}

// endpoints are entra's descriptors, in declaration order; written only by
// package initialisation (declare).
var endpoints []graph.Endpoint

// declare adds descriptors of workload w (graph.Declare) to entra's.
func declare(w graph.Workload, eps ...graph.Endpoint) []graph.Endpoint {
	eps = graph.Declare(w, eps...)
	endpoints = append(endpoints, eps...)
	return eps
}

// Endpoints are the descriptors of Microsoft Entra ID's objects that
// graphgate serves (users, groups, photos, directory roles, administrative
// units, their delta queries), for graph.New.
func Endpoints() []graph.Endpoint { return endpoints }

// The body types of the directory's objects, read in its wording.
var (
	userBody  = graph.EntityBody("user", graph.DirectoryReader)
	groupBody = graph.EntityBody("group", graph.DirectoryReader)
)
