// Package workloads lists the workload packages whose endpoints the Graph
// server serves, for graph.New: the composition root (internal/server) and
// what builds the server to read what it serves (internal/paritygen, the
// parity and Graph tests) take the same list, so that none of them serves
// less than the others.
//
// # What it must not do
//
// It holds no endpoint, handler or permission knowledge of its own: it
// only names the workload packages (internal/graph/entra, …), each of
// which declares its descriptors.
package workloads
