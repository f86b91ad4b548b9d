// Command paritygen writes docs/parity.md, graphgate's parity map: for every
// method+path of the route table (Microsoft's permission data plus
// graphgate's supplement), whether the Graph server serves it with data or
// only states its permission rule (and answers 501 NotImplemented), grouped
// by workload with totals. It reads the route table (routes.Default) and the
// handlers the Graph server registers (graph.Server.Served) — the same
// server graphgate serve runs — so the map cannot drift from the code:
// `go run ./internal/paritygen -check` (CI) fails when the committed file
// is stale.
//
//	go generate ./internal/paritygen           # rewrite docs/parity.md
//	go run ./internal/paritygen -check         # exit 1 if docs/parity.md is stale
//
// It must not decide anything about permissions: it only reports what the
// route table and the server say.
package main
