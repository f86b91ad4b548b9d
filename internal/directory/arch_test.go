package directory_test

// The architecture test: the directory service is the only writer of
// users, groups, memberships, tenants, service principals and consent.
//
// It type-checks every package of the module (go/parser and go/types from
// the standard library; the module's own packages from source, packages
// outside the module as empty stand-ins, whose missing names are type
// errors it ignores: every type it reasons about is the module's) and
// looks at each selector that names a method. golang.org/x/tools'
// go/packages would load packages outside the module too, which costs a
// build of all of them (export data) or type-checking them from source
// (modernc's SQLite alone is hundreds of thousands of lines), for nothing
// this test needs.

import (
	"errors"
	"go/ast"
	"go/build"
	"go/parser"
	"go/token"
	"go/types"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
)

// writeMethods are the store's methods that change the directory's objects
// and consent. (Apps themselves, their secrets and redirect URIs, are
// written by the admin commands; an import writes a whole tenant through
// the store's Transfer methods, in one transaction.)
var writeMethods = []string{
	"CreateTenant", "UpdateTenant",
	"CreateUser", "UpdateUser", "DeleteUser",
	"CreateGroup", "UpdateGroup", "DeleteGroup", "CreateAdministrativeUnit", "AddMember", "RemoveMember",
	"EnsureServicePrincipal",
	"UpsertDelegatedGrant", "DeleteDelegatedGrant", "AddAppRoleAssignment", "RemoveAppRoleAssignment",
}

// writers are the packages that may call them: the service, the store
// backends that implement them, and the store's conformance suite.
var writers = []string{
	"graphgate/internal/directory",
	"graphgate/internal/store/sqlite",
	"graphgate/internal/store/postgres",
	"graphgate/internal/store/conformance",
}

// TestOnlyWriter fails when a package other than the writers calls (or
// takes as a value) one of the store's write methods, through a store
// interface of package store, a backend's type, or any interface whose
// method takes the store's types. Tests are not checked: they set up data.
func TestOnlyWriter(t *testing.T) {
	t.Parallel()
	m := loadModule(t)
	var bad []string
	found := map[string]bool{}
	for _, pkg := range m.packages() {
		for _, u := range m.writes(t, pkg) {
			if pkg == "graphgate/internal/directory" {
				found[u.method] = true
			}
			if !slices.Contains(writers, pkg) && !u.forwards {
				bad = append(bad, u.String())
			}
		}
	}
	sort.Strings(bad)
	for _, b := range bad {
		t.Errorf("%s: only the directory service writes users, groups, memberships and consent (call internal/directory)", b)
	}
	// The check sees through the service's own narrow Store interface: it
	// finds the service calling every write method but UpdateTenant (which
	// nothing calls). A check that found nothing there would prove nothing.
	for _, w := range writeMethods {
		if w != "UpdateTenant" && !found[w] {
			t.Errorf("the check does not see internal/directory calling %s", w)
		}
	}
}

// TestOnlyWriterFinds runs the check on a package written to break the
// rule (testdata/violator): a direct call, calls through narrow interfaces
// of its own, a method value, a backend's method; and a read and a method
// of the same name that is not the store's, which are allowed.
func TestOnlyWriterFinds(t *testing.T) {
	t.Parallel()
	m := loadModule(t)
	got := []string{}
	for _, u := range m.writesIn(t, "graphgate/internal/directory/testdata/violator", filepath.Join("testdata", "violator")) {
		got = append(got, u.method+" in "+u.fn)
	}
	sort.Strings(got)
	want := []string{"AddMember in MethodValue", "CreateUser in Direct", "CreateUser in Narrow", "DeleteUser in View", "UpsertDelegatedGrant in Backend"}
	if !slices.Equal(got, want) {
		t.Errorf("found %q,\nwant  %q", got, want)
	}
}

// module is the module's packages, type-checked on demand.
type module struct {
	root, path string
	fset       *token.FileSet
	checked    map[string]*checked
	dirs       map[string]string // import path → directory
}

type checked struct {
	pkg   *types.Package
	files []*ast.File
	info  *types.Info
}

// use is one selector naming a write method.
type use struct {
	pos    token.Position
	method string
	fn     string // the enclosing function
	// forwards is set when the enclosing function is a store decorator's
	// method passing the same write on (a read cache in front of the
	// store): it writes nothing of its own.
	forwards bool
}

func (u use) String() string { return u.pos.String() + ": " + u.fn + " calls " + u.method }

func loadModule(t *testing.T) *module {
	t.Helper()
	root, err := filepath.Abs(".")
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(root, "go.mod")); err == nil {
			break
		}
		parent := filepath.Dir(root)
		if parent == root {
			t.Fatal("no go.mod above the test's directory")
		}
		root = parent
	}
	mod, err := os.ReadFile(filepath.Join(root, "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	modPath := ""
	for _, line := range strings.Split(string(mod), "\n") {
		if f := strings.Fields(line); len(f) == 2 && f[0] == "module" {
			modPath = f[1]
		}
	}
	m := &module{root: root, path: modPath, fset: token.NewFileSet(), checked: map[string]*checked{}, dirs: map[string]string{}}
	err = filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() {
			return nil
		}
		name := d.Name()
		if p != root && (name == "testdata" || name == "vendor" || name == "node_modules" || strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_")) {
			return filepath.SkipDir
		}
		rel, err := filepath.Rel(root, p)
		if err != nil {
			return err
		}
		m.dirs[path.Join(modPath, filepath.ToSlash(rel))] = p
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// packages lists the module's import paths, sorted.
func (m *module) packages() []string {
	var out []string
	for p := range m.dirs {
		out = append(out, p)
	}
	sort.Strings(out)
	return out
}

// Import type-checks a package of the module from source; any other
// package is an empty stand-in.
func (m *module) Import(p string) (*types.Package, error) {
	if dir, ok := m.dirs[p]; ok {
		c, err := m.check(p, dir)
		if err != nil {
			return nil, err
		}
		return c.pkg, nil
	}
	name := path.Base(p)
	if strings.HasPrefix(name, "v") && strings.Trim(name[1:], "0123456789") == "" && path.Dir(p) != "." {
		name = path.Base(path.Dir(p)) // math/rand/v2, pgx/v5
	}
	name = strings.TrimSuffix(strings.SplitN(name, ".", 2)[0], "-go")
	pkg := types.NewPackage(p, name)
	pkg.MarkComplete()
	return pkg, nil
}

var errNoGo = errors.New("no Go files")

// check parses and type-checks the package in dir (its non-test files for
// this platform), once.
func (m *module) check(p, dir string) (*checked, error) {
	if c, ok := m.checked[p]; ok {
		if c == nil {
			return nil, errNoGo
		}
		return c, nil
	}
	m.checked[p] = nil
	bp, err := build.Default.ImportDir(dir, 0)
	if err != nil {
		return nil, errNoGo
	}
	c := &checked{info: &types.Info{Selections: map[*ast.SelectorExpr]*types.Selection{}, Defs: map[*ast.Ident]types.Object{}}}
	for _, f := range bp.GoFiles {
		af, err := parser.ParseFile(m.fset, filepath.Join(dir, f), nil, parser.SkipObjectResolution)
		if err != nil {
			return nil, err
		}
		c.files = append(c.files, af)
	}
	conf := types.Config{Importer: m, Error: func(error) {}, FakeImportC: true}
	c.pkg, _ = conf.Check(p, m.fset, c.files, c.info)
	m.checked[p] = c
	return c, nil
}

// writes lists the uses of write methods in a package of the module.
func (m *module) writes(t *testing.T, p string) []use { return m.writesIn(t, p, m.dirs[p]) }

func (m *module) writesIn(t *testing.T, p, dir string) []use {
	t.Helper()
	c, err := m.check(p, dir)
	if errors.Is(err, errNoGo) {
		return nil
	}
	if err != nil {
		t.Fatalf("%s: %v", p, err)
	}
	var out []use
	for _, f := range c.files {
		fn := ""
		var enclosing *types.Func
		ast.Inspect(f, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.FuncDecl:
				fn = n.Name.Name
				enclosing, _ = c.info.Defs[n.Name].(*types.Func)
			case *ast.SelectorExpr:
				sel, ok := c.info.Selections[n]
				if !ok || sel.Kind() == types.FieldVal {
					return true
				}
				f, ok := sel.Obj().(*types.Func)
				if ok && slices.Contains(writeMethods, f.Name()) && m.isStoreMethod(f, sel.Recv()) {
					out = append(out, use{pos: m.fset.Position(n.Sel.Pos()), method: f.Name(), fn: fn, forwards: forwards(enclosing, f)})
				}
			}
			return true
		})
	}
	return out
}

// forwards reports whether the method enclosing is a store decorator's
// method passing f on: a method of the same name and the same parameters
// and results (a Graph handler named like a store method has other ones).
func forwards(enclosing, f *types.Func) bool {
	if enclosing == nil || enclosing.Name() != f.Name() {
		return false
	}
	es, ok1 := enclosing.Type().(*types.Signature)
	fs, ok2 := f.Type().(*types.Signature)
	if !ok1 || !ok2 || es.Recv() == nil {
		return false
	}
	return types.Identical(types.NewSignatureType(nil, nil, nil, es.Params(), es.Results(), es.Variadic()),
		types.NewSignatureType(nil, nil, nil, fs.Params(), fs.Results(), fs.Variadic()))
}

// isStoreMethod reports whether f is the store's: declared in package store
// or a backend, or a method of an interface that is a view of the store
// (store.Store implements it, as it does the consumers' narrow Store
// interfaces) or that takes the store's types.
func (m *module) isStoreMethod(f *types.Func, recv types.Type) bool {
	storePkg := m.path + "/internal/store"
	if f.Pkg() != nil && (f.Pkg().Path() == storePkg || strings.HasPrefix(f.Pkg().Path(), storePkg+"/")) {
		return true
	}
	iface, ok := recv.Underlying().(*types.Interface)
	if !ok {
		return false
	}
	if st := m.storeInterface(); st != nil && types.Implements(st, iface) {
		return true
	}
	sig, ok := f.Type().(*types.Signature)
	if !ok {
		return false
	}
	for i := range sig.Params().Len() {
		if mentions(sig.Params().At(i).Type(), storePkg) {
			return true
		}
	}
	return false
}

// storeInterface is store.Store.
func (m *module) storeInterface() types.Type {
	pkg, err := m.Import(m.path + "/internal/store")
	if err != nil {
		return nil
	}
	if obj := pkg.Scope().Lookup("Store"); obj != nil {
		return obj.Type()
	}
	return nil
}

// mentions reports whether t is, or is built from, a named type of pkg.
func mentions(t types.Type, pkg string) bool {
	switch t := t.(type) {
	case *types.Named:
		return t.Obj().Pkg() != nil && t.Obj().Pkg().Path() == pkg
	case *types.Pointer:
		return mentions(t.Elem(), pkg)
	case *types.Slice:
		return mentions(t.Elem(), pkg)
	case *types.Signature:
		for i := range t.Params().Len() {
			if mentions(t.Params().At(i).Type(), pkg) {
				return true
			}
		}
		for i := range t.Results().Len() {
			if mentions(t.Results().At(i).Type(), pkg) {
				return true
			}
		}
	}
	return false
}
