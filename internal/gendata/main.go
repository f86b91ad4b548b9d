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
	supYAML, err := os.ReadFile(filepath.Join(*root, "internal", "routes", "supplement.yaml"))
	if err != nil {
		fatal(err)
	}
	supGo, err := renderSupplement(supYAML)
	if err != nil {
		fatal(err)
	}
	ovYAML, err := os.ReadFile(filepath.Join(*root, "internal", "catalog", "overlay.yaml"))
	if err != nil {
		fatal(err)
	}
	ovGo, err := renderOverlay(ovYAML)
	if err != nil {
		fatal(err)
	}
	files := map[string][]byte{
		filepath.Join(*root, "internal", "catalog", "permissions_gen.go"): out.PermissionsGo,
		filepath.Join(*root, "internal", "routes", "table_gen.go"):        out.RoutesGo,
		filepath.Join(*root, "internal", "routes", "supplement_gen.go"):   supGo,
		filepath.Join(*root, "internal", "catalog", "overlay_gen.go"):     ovGo,
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
