package archtest

import (
	"go/build"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// layers ranks the module's packages: a package may import only packages
// of a lower rank. It encodes the architecture as the code stands (README,
// "Architecture"); a new package must be given its place here, and an
// import that goes up a layer fails TestLayers.
var layers = map[string]int{
	// Foundations: no knowledge of permissions, protocols or HTTP routing.
	"internal/graphpath": 0, "internal/permname": 0, "internal/password": 0, "internal/roles": 0,
	"internal/secretfile": 0, "internal/tlsca": 0, "internal/store": 0,
	"internal/pgtest": 0, "internal/archtest": 0,
	// The one clock; fault rules and their injector (they learn a request's
	// route and caller from the server, through interfaces).
	"internal/clock": 0, "internal/faults": 0,
	// Keys and tokens, the catalog, the bridge's parts; OData (it builds
	// the store's query IR), the store's query renderer; the model (the
	// workload documents as stored, and the Seeder that writes them).
	"internal/tokens": 1, "internal/model": 1, "internal/tokens/tokenstest": 2, "internal/catalog": 1,
	"internal/odata": 1, "internal/store/sqlq": 1,
	// The store's shared SQL layer (its item and directory queries render
	// with sqlq) and the backends, which share it.
	"internal/store/sqlstore": 2,
	"internal/store/sqlite":   3, "internal/store/postgres": 3, "internal/store/conformance": 2,
	"internal/bridge/auth": 1, "internal/bridge/graphclient": 1, "internal/bridge/mqttha": 1,
	// The route table, the store opener, the planner, the directory service.
	"internal/routes": 2, "internal/store/open": 4, "internal/planner": 2, "internal/directory": 2,
	"internal/gendata": 2,
	// The engine; the demo tenant (it writes users through the directory
	// service and workload data through the model's Seeder).
	"internal/authz": 3, "internal/bridge": 3, "internal/demo": 3,
	// Services over the engine: the report, identity and Graph.
	"internal/report": 4, "internal/identity": 4, "internal/graph": 4,
	// Graph's workloads: each declares its endpoints over the pipeline
	// (graph); workloads lists them for graph.New.
	"internal/graph/entra": 5, "internal/graph/exchange": 5, "internal/graph/files": 5, "internal/graph/teams": 5, "internal/graph/workloads": 6,
	// The public web pages over the engine and the report (the permission
	// explorer); internal/web, the landing page and console, links to it.
	"internal/web/explorer": 5,
	// The decision log's writer: the Graph server's decisions into the store.
	"internal/decisionlog": 5,
	// The transfer of tenants and snapshots with reset (both seed the
	// demo); the web pages (the landing page names the demo's ids).
	"internal/transfer": 4, "internal/snapshot": 4, "internal/web": 6,
	// The parity map's generator (it builds the Graph server, with every
	// workload, to read what it serves).
	"internal/parity": 5, "internal/paritygen": 7,
	// The admin API over Graph's authentication: clock and faults.
	"internal/admin": 6,
	// Composition, the command line, the binary.
	"internal/server": 7, "internal/server/servertest": 8, "internal/cli": 8, "cmd/graphgate": 9,
	// Harnesses and end-to-end suites sit on top.
	"graphgatetest": 9, "bench/cliproc": 10, "bench/load": 10, "bench/scale": 10, "bench/soak": 10, "bench/throughput": 10, "e2e": 10, "e2e/graphsdk": 10,
}

const module = "graphgate"

// packages lists the module's package directories (relative, slash
// separated) with their imports inside the module. Tests are not checked:
// a package's tests may start the whole server (graph's tests do).
func packages(t *testing.T) map[string][]string {
	t.Helper()
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]string{}
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() {
			return nil
		}
		name := d.Name()
		if path != root && (strings.HasPrefix(name, ".") || name == "testdata" || name == "node_modules" || name == "vendor") {
			return filepath.SkipDir
		}
		if path != root {
			if _, err := os.Stat(filepath.Join(path, "go.mod")); err == nil {
				return filepath.SkipDir // another module
			}
		}
		p, err := build.ImportDir(path, build.ImportComment)
		if err != nil {
			if _, ok := err.(*build.NoGoError); ok {
				return nil
			}
			return err
		}
		rel, _ := filepath.Rel(root, path)
		rel = filepath.ToSlash(rel)
		var imps []string
		for _, imp := range p.Imports {
			if imp == module || strings.HasPrefix(imp, module+"/") {
				imps = append(imps, strings.TrimPrefix(imp, module+"/"))
			}
		}
		out[rel] = imps
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestEveryPackageDocumented: each package has a doc.go whose package
// comment says what it must not do.
func TestEveryPackageDocumented(t *testing.T) {
	root, _ := filepath.Abs("../..")
	for dir := range packages(t) {
		b, err := os.ReadFile(filepath.Join(root, dir, "doc.go"))
		if err != nil {
			t.Errorf("%s has no doc.go: write one saying what the package owns and what it must not do", dir)
			continue
		}
		if !strings.Contains(strings.ToLower(string(b)), "must not") {
			t.Errorf("%s/doc.go does not say what the package must not do", dir)
		}
	}
}

// TestLayers: every import inside the module goes down the layers.
func TestLayers(t *testing.T) {
	pkgs := packages(t)
	dirs := make([]string, 0, len(pkgs))
	for d := range pkgs {
		dirs = append(dirs, d)
	}
	sort.Strings(dirs)
	for _, dir := range dirs {
		rank, ok := layers[dir]
		if !ok {
			t.Errorf("%s has no layer: give it its place in archtest's layers (and README's architecture)", dir)
			continue
		}
		for _, imp := range pkgs[dir] {
			r, ok := layers[imp]
			if !ok {
				continue // reported for the package itself
			}
			if r >= rank {
				t.Errorf("%s (layer %d) imports %s (layer %d): imports go down the layers only", dir, rank, imp, r)
			}
		}
	}
}
