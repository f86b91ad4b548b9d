// Command gendata turns Microsoft's machine-readable Graph permission data
// (permissions.json, provisioningInfo.json, permissions-descriptions.json) into
// the two generated files graphgate compiles in:
//
//   - internal/catalog/permissions_gen.go: every permission with its ids,
//     per-scheme display strings, consent flag, privilege level and hidden flag;
//   - internal/routes/table_gen.go: every method+path of the data with, per
//     scheme, the accepted permissions ordered least-privileged first.
//
// Both are Go source (gofmt'd, one permission or route per block, sorted)
// rather than data files to decode: the compiler lays the literals out as
// static data, so a process that needs the table links records instead of
// decoding megabytes of JSON (a CLI answer went from about 0.3 s to a few
// milliseconds of loading; bench/README.md).
//
// It runs from `go generate ./internal/catalog` and needs the source folder only
// then; the build and the tests read the committed output. The output is
// deterministic (sorted, one record per line) so that a regeneration diff shows
// exactly what Microsoft changed.
//
// How the data is read (each rule has a test on testdata/mini):
//
//   - Paths are normalized as the matcher normalizes them (internal/graphpath):
//     spellings that differ in case or parameter names are one route.
//   - A few templates that are not valid Graph URL templates are repaired
//     (pathFixes); a fix that no longer applies fails the generation.
//   - An item path written root:/{item-path}/media/reactions is read as
//     root:/{item-path}:/media/reactions (closeItemPath): the item path is one
//     parameter, closed by ':' as everywhere else in the data, so reactions,
//     extractSensitivityLabels and assignSensitivityLabel are routes of their
//     own instead of being merged into "get item by path".
//   - A path's value (least=…;AlsoRequires=…) belongs to the pathSet that
//     lists the path, so it applies to that pathSet's methods only. Kibali's
//     rule "least= is per path and scheme" holds within one pathSet; a
//     permission that lists the same path in two pathSets (DELETE marked
//     least for Application, GET and PATCH for DelegatedWork only) has two
//     marks, one per pathSet, as in Kibali's own inversion of the data.
//   - Least privileged for one method and scheme, among the permissions
//     marked for that method: those whose only method on the path is this one
//     if any, otherwise those with the fewest methods on the path (Kibali's
//     disambiguation).
//   - Ties: when several permissions remain, graphgate marks all of them
//     least privileged (each is a mark of Microsoft's), where Kibali's
//     documentation generator keeps the first one it meets (file order, that
//     is by name). They are shown lower privilege level first, then by the
//     name grammar (ReadBasic before Read before ReadWrite, own data before
//     .Shared before .All), then by name, so that the narrowest permission
//     leads: it is the one an app following least privilege should request.
//   - The permissions that are not least privileged follow: lower privilege
//     level first, then the least privileged permissions' own resource family,
//     then the name grammar.
package main

import (
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

func main() {
	src := flag.String("src", "", "folder with permissions.json, provisioningInfo.json and permissions-descriptions.json (default: ../shared/graph-data next to the module root, or $GRAPHGATE_GRAPH_DATA)")
	root := flag.String("root", "", "module root to write into (default: the current module)")
	check := flag.Bool("check", false, "do not write; exit 1 if the committed files differ from a fresh generation")
	flag.Parse()

	if *root == "" {
		r, err := moduleRoot()
		if err != nil {
			fatal(err)
		}
		*root = r
	}
	if *src == "" {
		*src = os.Getenv("GRAPHGATE_GRAPH_DATA")
	}
	if *src == "" {
		*src = filepath.Join(*root, "..", "shared", "graph-data")
	}
	in, err := ReadSource(*src)
	if err != nil {
		fatal(err)
	}
	out, err := Generate(in)
	if err != nil {
		fatal(err)
	}
	if len(out.UnusedFixes) > 0 {
		fatal(fmt.Errorf("path fixes no longer apply to the data, remove them: %s", strings.Join(out.UnusedFixes, ", ")))
	}
	files := map[string][]byte{
		filepath.Join(*root, "internal", "catalog", "permissions_gen.go"): out.PermissionsGo,
		filepath.Join(*root, "internal", "routes", "table_gen.go"):        out.RoutesGo,
	}
	stale := false
	for path, b := range files {
		if *check {
			old, err := os.ReadFile(path)
			if err != nil || string(old) != string(b) {
				fmt.Fprintf(os.Stderr, "gendata: %s is out of date; run go generate ./internal/catalog\n", path)
				stale = true
			}
			continue
		}
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			fatal(err)
		}
		if err := os.WriteFile(path, b, 0o644); err != nil {
			fatal(err)
		}
	}
	if stale {
		os.Exit(1)
	}
	if !*check {
		fmt.Fprintf(os.Stderr, "gendata: %d permissions, %d routes (%d method+path pairs) from %s\n",
			out.Stats.Permissions, out.Stats.Routes, out.Stats.Pairs, *src)
	}
}

func moduleRoot() (string, error) {
	b, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		return "", fmt.Errorf("finding the module root: %w", err)
	}
	mod := strings.TrimSpace(string(b))
	if mod == "" || mod == os.DevNull {
		return "", fmt.Errorf("not inside a Go module; pass -root")
	}
	return filepath.Dir(mod), nil
}

func fatal(err error) {
	fmt.Fprintln(os.Stderr, "gendata:", err)
	os.Exit(1)
}
