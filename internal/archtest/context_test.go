package archtest

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// A response's @odata.context comes from its endpoint's descriptor
// (graph.Entity.Context, with placeholders the call fills): the workload
// packages under internal/graph build none by hand. This test keeps it so.

// contextProblems lists the string literals of one Go file that hold a
// hand-built context URL's fragment.
func contextProblems(fset *token.FileSet, f *ast.File) []string {
	var out []string
	ast.Inspect(f, func(n ast.Node) bool {
		lit, ok := n.(*ast.BasicLit)
		if !ok || lit.Kind != token.STRING {
			return true
		}
		if s, err := strconv.Unquote(lit.Value); err == nil && strings.Contains(s, "$metadata#") {
			out = append(out, fset.Position(lit.Pos()).String()+": a context URL built by hand: "+strconv.Quote(s))
		}
		return true
	})
	return out
}

// TestNoContextURLsInWorkloads: no non-test Go file of a workload package
// (internal/graph/<workload>) spells "$metadata#".
func TestNoContextURLsInWorkloads(t *testing.T) {
	root, err := filepath.Abs("../../internal/graph")
	if err != nil {
		t.Fatal(err)
	}
	entries, err := os.ReadDir(root)
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	checked := 0
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		files, err := filepath.Glob(filepath.Join(root, e.Name(), "*.go"))
		if err != nil {
			t.Fatal(err)
		}
		for _, path := range files {
			if strings.HasSuffix(path, "_test.go") {
				continue
			}
			f, err := parser.ParseFile(fset, path, nil, parser.SkipObjectResolution)
			if err != nil {
				t.Fatal(err)
			}
			checked++
			for _, p := range contextProblems(fset, f) {
				t.Error(strings.TrimPrefix(p, root+string(filepath.Separator)))
			}
		}
	}
	if checked < 20 {
		t.Fatalf("checked %d files of the workload packages; the walk is broken", checked)
	}
}

// TestContextProblemsFinds: the check flags a hand-built context and not
// a descriptor's fragment.
func TestContextProblemsFinds(t *testing.T) {
	for _, tc := range []struct {
		src  string
		want bool
	}{
		{`var u = base + "/$metadata#users('" + id + "')/messages"`, true},
		{"var u = `$metadata#drives`", true},
		{`var e = Entity{Context: "users('{owner}')/messages/$entity"}`, false},
		{`var m = "$metadata"`, false},
	} {
		fset := token.NewFileSet()
		f, err := parser.ParseFile(fset, "x.go", "package x\n"+tc.src+"\n", 0)
		if err != nil {
			t.Fatalf("%s: %v", tc.src, err)
		}
		if got := len(contextProblems(fset, f)) > 0; got != tc.want {
			t.Errorf("%s: flagged %v, want %v", tc.src, got, tc.want)
		}
	}
}
