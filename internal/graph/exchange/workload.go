package exchange

import (
	"graphgate/internal/graph"
)

// server is the Graph server as exchange's handlers see it: the pipeline's
// exported API (graph/workload.go, graph/workload_exchange.go) and the
// handlers as its methods.
type server struct{ *graph.Server }

// handle adapts a handler method (a method expression, server.getMessage)
// to a graph.Handler, once, where the descriptors are declared.
func handle(f func(server, *graph.Call) error) graph.Handler {
	return func(s *graph.Server, c *graph.Call) error { return f(server{s}, c) }
}

// endpoints are exchange's descriptors, in declaration order; written only
// by package initialisation (declare).
var endpoints []graph.Endpoint

// declare adds descriptors of workload w (graph.Declare) to exchange's.
func declare(w graph.Workload, eps ...graph.Endpoint) []graph.Endpoint {
	eps = graph.Declare(w, eps...)
	endpoints = append(endpoints, eps...)
	return eps
}

// Endpoints are the descriptors of Exchange Online's items that graphgate
// serves (mail, mail folders and attachments, calendars and events,
// contacts, To Do, people, mailbox settings), for graph.New.
func Endpoints() []graph.Endpoint { return endpoints }
