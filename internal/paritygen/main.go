package main

//go:generate go run . -out ../../docs/parity.md

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"graphgate/internal/authz"
	"graphgate/internal/graph"
	"graphgate/internal/graph/workloads"
	"graphgate/internal/routes"
	"graphgate/internal/store/sqlite"
)

func main() {
	out := flag.String("out", "", "the file to write (default: docs/parity.md of the current module)")
	check := flag.Bool("check", false, "do not write; exit 1 if the file differs from a fresh generation")
	flag.Parse()
	if *out == "" {
		root, err := moduleRoot()
		if err != nil {
			fatal(err)
		}
		*out = filepath.Join(root, "docs", "parity.md")
	}
	served, err := servedEndpoints(context.Background())
	if err != nil {
		fatal(err)
	}
	doc := Render(Classify(routes.Default(), served))
	if *check {
		old, err := os.ReadFile(*out)
		if err != nil || !bytes.Equal(old, doc) {
			fmt.Fprintf(os.Stderr, "paritygen: %s is out of date; run go generate ./internal/paritygen\n", *out)
			os.Exit(1)
		}
		return
	}
	if err := os.WriteFile(*out, doc, 0o644); err != nil {
		fatal(err)
	}
}

// servedEndpoints builds the Graph server as graphgate serve does (on an
// empty store in a temporary folder: registering handlers reads nothing)
// and returns what it registered.
func servedEndpoints(ctx context.Context) ([]graph.Endpoint, error) {
	dir, err := os.MkdirTemp("", "paritygen")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	st, err := sqlite.Open(ctx, dir)
	if err != nil {
		return nil, err
	}
	defer st.Close()
	g, err := graph.New(graph.Deps{Store: st, Engine: authz.Default()}, graph.Config{}, workloads.All()...)
	if err != nil {
		return nil, err
	}
	return g.Served(), nil
}

func moduleRoot() (string, error) {
	b, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		return "", fmt.Errorf("finding the module root: %w", err)
	}
	mod := strings.TrimSpace(string(b))
	if mod == "" || mod == os.DevNull {
		return "", fmt.Errorf("not inside a Go module; pass -out")
	}
	return filepath.Dir(mod), nil
}

func fatal(err error) {
	fmt.Fprintln(os.Stderr, "paritygen:", err)
	os.Exit(1)
}
