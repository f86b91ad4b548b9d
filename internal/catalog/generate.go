package catalog

// The catalog and the route table are generated from Microsoft's permission
// data by internal/gendata. The source folder defaults to ../shared/graph-data
// next to the module root; set GRAPHGATE_GRAPH_DATA to use another snapshot.
//go:generate go run graphgate/internal/gendata
