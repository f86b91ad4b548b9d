package archtest

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// SQL lives in internal/store: the backends and the query renderer
// (store/sqlq). Everything else states what it wants as the store's
// methods and its typed query IR (store/query.go). These tests keep it so.

// sqlDrivers are the imports that open or speak to a database.
var sqlDrivers = []string{"database/sql", "github.com/jackc/pgx", "modernc.org/sqlite", "github.com/mattn/go-sqlite3", "github.com/lib/pq"}

// sqlText matches SQL in a Go string: statements and clauses as this code
// base writes them (keywords in capitals), and the JSON operators and
// functions of the two dialects.
var sqlText = []*regexp.Regexp{
	regexp.MustCompile(`\bSELECT\b[\s\S]*\bFROM\b`),
	regexp.MustCompile(`\bINSERT INTO\b|\bDELETE FROM\b|\bUPDATE \w+ SET\b|\bCREATE (UNIQUE )?(TABLE|INDEX)\b`),
	regexp.MustCompile(`\bWHERE\b[\s\S]*(=|<|>|\bIS\b|\bIN\b|\bLIKE\b)`),
	regexp.MustCompile(`\b(AND|OR)\b [\w.()']+ (=|<>|<=?|>=?) (\?|\$\d)`),
	regexp.MustCompile(`\bLIKE\b\s*(\?|\$\d|')|\bESCAPE '`),
	regexp.MustCompile(`\bjson_(extract|each|type|object)\s*\(|\bjsonb_\w+\s*\(`),
	regexp.MustCompile(`#>>?|->>|\bCOLLATE "`),
	regexp.MustCompile(`\bORDER BY\b`),
}

// sqlExempt are the packages outside internal/store allowed SQL, and why.
var sqlExempt = map[string]string{
	// The test database's harness: it creates and drops a schema per test
	// (CREATE SCHEMA/DROP SCHEMA), and hands connections to the backends'
	// tests.
	"internal/pgtest": "test database harness",
}

// sqlProblems lists what in one Go source file is SQL or opens a database.
func sqlProblems(fset *token.FileSet, f *ast.File) []string {
	var out []string
	for _, imp := range f.Imports {
		p, _ := strconv.Unquote(imp.Path.Value)
		for _, d := range sqlDrivers {
			if p == d || strings.HasPrefix(p, d+"/") {
				out = append(out, fset.Position(imp.Pos()).String()+": imports "+p)
			}
		}
	}
	ast.Inspect(f, func(n ast.Node) bool {
		lit, ok := n.(*ast.BasicLit)
		if !ok || lit.Kind != token.STRING {
			return true
		}
		s, err := strconv.Unquote(lit.Value)
		if err != nil {
			return true
		}
		for _, re := range sqlText {
			if m := re.FindString(s); m != "" {
				out = append(out, fset.Position(lit.Pos()).String()+": SQL in a string: "+strconv.Quote(m))
				break
			}
		}
		return true
	})
	return out
}

// TestNoSQLOutsideStore: no non-test Go file outside internal/store (and
// the exempt harness) imports a database driver or holds SQL text.
func TestNoSQLOutsideStore(t *testing.T) {
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	checked := map[string]int{}
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, path)
		rel = filepath.ToSlash(rel)
		if d.IsDir() {
			name := d.Name()
			if path != root && (strings.HasPrefix(name, ".") || name == "testdata" || name == "node_modules" || name == "vendor") {
				return filepath.SkipDir
			}
			if path != root {
				if _, err := os.Stat(filepath.Join(path, "go.mod")); err == nil {
					return filepath.SkipDir // another module
				}
			}
			if rel == "internal/store" || strings.HasPrefix(rel, "internal/store/") || sqlExempt[rel] != "" {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, parser.SkipObjectResolution)
		if err != nil {
			return err
		}
		checked[filepath.ToSlash(filepath.Dir(rel))]++
		for _, p := range sqlProblems(fset, f) {
			t.Error(strings.TrimPrefix(p, root+string(filepath.Separator)))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// The walk reached the packages that wrote SQL before the query IR.
	for _, dir := range []string{"internal/graph", "internal/odata", "internal/cli", "internal/web"} {
		if checked[dir] == 0 {
			t.Errorf("%s was not checked", dir)
		}
	}
}

// TestSQLProblemsFindsSQL: the check flags what it is meant to (so that
// TestNoSQLOutsideStore passing means something) and not Graph's own
// messages.
func TestSQLProblemsFindsSQL(t *testing.T) {
	for _, tc := range []struct {
		src  string
		want bool
	}{
		{`import "database/sql"`, true},
		{`import _ "modernc.org/sqlite"`, true},
		{`import "github.com/jackc/pgx/v5/pgxpool"`, true},
		{"var q = `SELECT id FROM items WHERE kind = ?`", true},
		{`var w = "lower(" + "x" + ") LIKE ?"`, true},
		{`var j = "json_extract(doc, '$.subject')"`, true},
		{`var p = "doc #>> '{a,b}'"`, true},
		{`var o = "created_at DESC"; var ob = "ORDER BY " + o`, true},
		{`var c = "seq > $1 AND id = $2"`, true},
		{`var c = "x IS NULL AND seq <= $2"`, true},
		{`var m = "Parsing OData Select and Expand failed: Could not find a property named 'x'."`, false},
		{`var m = "Invalid filter clause: the query filter contains one or more invalid nodes."`, false},
		{`var m = "Request with $search query parameter only works through MSGraph"`, false},
	} {
		fset := token.NewFileSet()
		f, err := parser.ParseFile(fset, "x.go", "package x\n"+tc.src+"\n", 0)
		if err != nil {
			t.Fatalf("%s: %v", tc.src, err)
		}
		if got := len(sqlProblems(fset, f)) > 0; got != tc.want {
			t.Errorf("%s: flagged %v, want %v (%v)", tc.src, got, tc.want, sqlProblems(fset, f))
		}
	}
}
