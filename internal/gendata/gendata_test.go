package main

import (
	"go/ast"
	"go/format"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func generateMini(t *testing.T) (map[string]OutPermission, map[string]OutRoute) {
	t.Helper()
	src, err := ReadSource("testdata/mini")
	if err != nil {
		t.Fatal(err)
	}
	out, err := Generate(src)
	if err != nil {
		t.Fatal(err)
	}
	perms := map[string]OutPermission{}
	for _, p := range out.Perms {
		perms[p.Name] = *p
	}
	routes := map[string]OutRoute{}
	for _, r := range out.Routes {
		routes[r.Path] = *r
	}
	return perms, routes
}

func entryNames(es []OutEntry) string {
	var s []string
	for _, e := range es {
		n := e.Perm
		if e.Least {
			n += "*"
		}
		s = append(s, n)
	}
	return strings.Join(s, " ")
}

func TestPermissionsMerge(t *testing.T) {
	perms, _ := generateMini(t)
	mr := perms["Mail.Read"]
	if got := mr.Schemes[DelegatedWork].ID; got != "11111111-0000-0000-0000-000000000001" {
		t.Errorf("Mail.Read delegated id = %q: the provisioning id must win", got)
	}
	if got := mr.Schemes[Application].ID; got != "11111111-0000-0000-0000-000000000003" {
		t.Errorf("Mail.Read application id = %q: the public deployment must win over PPE", got)
	}
	if got := mr.Schemes[DelegatedWork].AdminDisplayName; got != "Read user mail" {
		t.Errorf("display = %q: permissions.json must win over descriptions", got)
	}
	if got := mr.Schemes[DelegatedWork].UserDisplayName; got != "Read your mail" {
		t.Errorf("user display = %q: descriptions must fill what permissions.json lacks", got)
	}
	if !mr.Schemes[Application].RequiresAdminConsent {
		t.Error("application permissions always require admin consent")
	}
	if got := perms["Mail.ReadBasic"].Schemes[DelegatedWork].AdminDisplayName; got != "Read user basic mail" {
		t.Errorf("display strings are not trimmed: %q", got)
	}
	if o := perms["openid"]; o.Schemes[DelegatedWork] == nil || o.Schemes[DelegatedWork].ID == "" || o.Schemes[DelegatedWork].RequiresAdminConsent {
		t.Errorf("openid from the descriptions file: %+v", o.Schemes)
	}
	if h := perms["Hidden.Thing.All"]; h.Schemes[Application] == nil || !h.Schemes[Application].Hidden {
		t.Errorf("provisioning-only hidden permission: %+v", h)
	}
	if _, ok := perms["PPE.Only.All"]; ok {
		t.Error("a pre-production-only permission must not be in the catalog")
	}
	// Two spellings differing in case merge into the one with an id.
	if _, ok := perms["Calls.JoinGroupCallasGuest.All"]; ok {
		t.Error("the case-variant spelling survived")
	}
	if c := perms["Calls.JoinGroupCallAsGuest.All"]; c.Schemes[Application] == nil || c.Schemes[Application].AdminDisplayName != "Join as guest" {
		t.Errorf("merged permission lost permissions.json's data: %+v", c.Schemes[Application])
	}
}

func TestRouteOrdering(t *testing.T) {
	_, routes := generateMini(t)
	me := routes["/me/messages"]
	// Both Mail.ReadBasic (GET only) and Mail.ReadWrite (GET, POST) are marked
	// least; for GET the one supporting only GET wins, the rest follow by level
	// then grammar.
	if got := entryNames(me.Methods["GET"][DelegatedWork]); got != "Mail.ReadBasic* Mail.Read Mail.ReadWrite" {
		t.Errorf("GET /me/messages = %q", got)
	}
	if got := entryNames(me.Methods["POST"][DelegatedWork]); got != "Mail.ReadWrite*" {
		t.Errorf("POST /me/messages = %q", got)
	}
	// Spellings that differ in case and parameter names merge into one route.
	u := routes["/users/{id}/messages"]
	if u.Template != "/Users/{id}/Messages" {
		t.Errorf("template = %q, want the camel-cased spelling", u.Template)
	}
	if got := entryNames(u.Methods["GET"][DelegatedWork]); got != "Mail.ReadWrite* Mail.ReadBasic Mail.Read" {
		t.Errorf("GET /users/{id}/messages = %q", got)
	}
	if got := entryNames(u.Methods["GET"][Application]); got != "Mail.Read*" {
		t.Errorf("GET /users/{id}/messages application = %q", got)
	}
	var also []string
	for _, e := range u.Methods["GET"][DelegatedWork] {
		if e.Perm == "Mail.ReadWrite" {
			also = e.AlsoRequires
		}
	}
	if strings.Join(also, ",") != "Mail.Read,User.Read" {
		t.Errorf("AlsoRequires = %v", also)
	}
}

func TestParsePathValue(t *testing.T) {
	least, also, err := parsePathValue("least=DelegatedWork,Application; AlsoRequires=B.Read,A.Read")
	if err != nil || !least[DelegatedWork] || !least[Application] || least[DelegatedPersonal] || strings.Join(also, ",") != "A.Read,B.Read" {
		t.Errorf("got %v %v %v", least, also, err)
	}
	for _, bad := range []string{"least=Delegated", "nonsense", "color=blue"} {
		if _, _, err := parsePathValue(bad); err == nil {
			t.Errorf("parsePathValue(%q) accepted", bad)
		}
	}
}

func TestPathFixes(t *testing.T) {
	if got := fixPath("/teams/(team-id)/channels", nil); got != "/teams/{team-id}/channels" {
		t.Errorf("fixPath = %q", got)
	}
	if got := fixPath("/directoryroles/roletemplateid={roletemplateid}/members", nil); got != "/directoryroles(roletemplateid={roletemplateid})/members" {
		t.Errorf("fixPath = %q", got)
	}
}

// The committed output is what the generator makes from Microsoft's data.
// The data lives outside the repository; where it is absent this check
// cannot run, and says so.
func TestCommittedOutputIsFresh(t *testing.T) {
	dir := os.Getenv("GRAPHGATE_GRAPH_DATA")
	if dir == "" {
		dir = filepath.Join("..", "..", "..", "shared", "graph-data")
	}
	if _, err := os.Stat(filepath.Join(dir, "permissions.json")); err != nil {
		t.Skipf("Microsoft's permission data is not at %s (set GRAPHGATE_GRAPH_DATA to check freshness): %v", dir, err)
	}
	src, err := ReadSource(dir)
	if err != nil {
		t.Fatal(err)
	}
	out, err := Generate(src)
	if err != nil {
		t.Fatal(err)
	}
	if len(out.UnusedFixes) > 0 {
		t.Errorf("path fixes that no longer apply: %v", out.UnusedFixes)
	}
	sup, err := os.ReadFile("../routes/supplement.yaml")
	if err != nil {
		t.Fatal(err)
	}
	supGo, err := renderSupplement(sup)
	if err != nil {
		t.Fatal(err)
	}
	ov, err := os.ReadFile("../catalog/overlay.yaml")
	if err != nil {
		t.Fatal(err)
	}
	ovGo, err := renderOverlay(ov)
	if err != nil {
		t.Fatal(err)
	}
	for path, want := range map[string][]byte{
		"../catalog/permissions_gen.go": out.PermissionsGo,
		"../routes/table_gen.go":        out.RoutesGo,
		"../routes/supplement_gen.go":   supGo,
		"../catalog/overlay_gen.go":     ovGo,
	} {
		got, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if string(got) != string(want) {
			t.Errorf("%s is stale: run go generate ./internal/catalog", path)
		}
	}
}

func TestCloseItemPath(t *testing.T) {
	tests := []struct{ in, want string }{
		// The data's unclosed item paths: the parameter is the whole item path.
		{"/drives/{drive-id}/root:/{item-path}/media/reactions", "/drives/{drive-id}/root:/{item-path}:/media/reactions"},
		{"/me/drive/root:/{id}/extractsensitivitylabels", "/me/drive/root:/{id}:/extractsensitivitylabels"},
		// Already closed, or nothing after the item path: unchanged.
		{"/me/drive/root:/{id}:/content", "/me/drive/root:/{id}:/content"},
		{"/me/drive/root:/{id}", "/me/drive/root:/{id}"},
		{"/me/drive/items/{id}:/{file-name}:/content", "/me/drive/items/{id}:/{file-name}:/content"},
		// A literal relative path is a path of several segments, not one parameter.
		{"/me/drive/root:/foldera/fileb.txt", "/me/drive/root:/foldera/fileb.txt"},
		// No item path at all.
		{"/users/{id}/messages", "/users/{id}/messages"},
	}
	for _, tt := range tests {
		if got := closeItemPath(tt.in); got != tt.want {
			t.Errorf("closeItemPath(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// Each item path of the data gets its own route: reactions and
// extractSensitivityLabels are not the item itself.
func TestItemPathRoutes(t *testing.T) {
	_, routes := generateMini(t)
	tests := []struct {
		path, method, want string // want "" means no rule
	}{
		{"/me/drive/root:/{id}", "GET", "Files.Read*"},
		{"/me/drive/root:/{id}", "POST", ""},
		{"/me/drive/root:/{id}", "DELETE", ""},
		{"/me/drive/root:/{id}:/media/reactions", "GET", "Files.ReadWrite*"},
		{"/me/drive/root:/{id}:/media/reactions", "DELETE", "Files.ReadWrite*"},
		{"/me/drive/root:/{id}:/extractsensitivitylabels", "POST", "Files.ReadWrite*"},
		{"/me/drive/root:/{id}:/extractsensitivitylabels", "GET", ""},
	}
	for _, tt := range tests {
		got := entryNames(routes[tt.path].Methods[tt.method][DelegatedWork])
		if got != tt.want {
			t.Errorf("%s %s = %q, want %q", tt.method, tt.path, got, tt.want)
		}
	}
	if tpl := routes["/me/drive/root:/{id}:/media/reactions"].Template; tpl != "/me/drive/root:/{item-path}:/media/reactions" {
		t.Errorf("template = %q, want the closed spelling", tpl)
	}
}

// A least= mark and an AlsoRequires= list belong to the methods of the
// pathSet that carries them: AdministrativeUnit.ReadWrite.All is least for
// Application on DELETE (its own pathSet) but not on GET or PATCH, whose
// pathSet marks DelegatedWork only.
func TestPathValuePerMethod(t *testing.T) {
	_, routes := generateMini(t)
	au := routes["/directory/administrativeunits/{id}"]
	tests := []struct {
		method, scheme, want string
	}{
		{"GET", DelegatedWork, "AdministrativeUnit.Read.All* AdministrativeUnit.ReadWrite.All"},
		{"GET", Application, "AdministrativeUnit.Read.All AdministrativeUnit.ReadWrite.All"},
		{"PATCH", DelegatedWork, "AdministrativeUnit.ReadWrite.All*"},
		{"PATCH", Application, "AdministrativeUnit.ReadWrite.All"},
		{"DELETE", DelegatedWork, "AdministrativeUnit.ReadWrite.All*"},
		{"DELETE", Application, "AdministrativeUnit.ReadWrite.All*"},
	}
	for _, tt := range tests {
		if got := entryNames(au.Methods[tt.method][tt.scheme]); got != tt.want {
			t.Errorf("%s %s = %q, want %q", tt.method, tt.scheme, got, tt.want)
		}
	}
	for m, want := range map[string]string{"DELETE": "User.Read", "GET": "", "PATCH": ""} {
		var got []string
		for _, e := range au.Methods[m][Application] {
			got = append(got, e.AlsoRequires...)
		}
		if strings.Join(got, ",") != want {
			t.Errorf("%s AlsoRequires = %v, want %q", m, got, want)
		}
	}
}

// Several permissions marked least for one method and scheme (and tied on
// the number of methods) all stay least; the lower privilege level comes
// first, then the name grammar (Read before ReadWrite), not the order of the
// file.
func TestLeastTies(t *testing.T) {
	_, routes := generateMini(t)
	got := entryNames(routes["/admin/fetchjobs"].Methods["POST"][Application])
	want := "ConfigurationMonitoring.Manage.All* ConfigurationMonitoring.Read.All* ConfigurationMonitoring.ReadWrite.All*"
	if got != want {
		t.Errorf("POST /admin/fetchJobs = %q, want %q", got, want)
	}
}

// The generated files are Go source the packages compile: valid, gofmt'd,
// one record per permission or route.
func TestRenderedGo(t *testing.T) {
	src, err := ReadSource("testdata/mini")
	if err != nil {
		t.Fatal(err)
	}
	out, err := Generate(src)
	if err != nil {
		t.Fatal(err)
	}
	for name, tc := range map[string]struct {
		b    []byte
		pkg  string
		want []string
	}{
		"permissions_gen.go": {out.PermissionsGo, "catalog", []string{
			`name:              "Mail.Read",`,
			`DelegatedWork: {ID: "11111111-0000-0000-0000-000000000001", AdminDisplayName: "Read user mail"`,
		}},
		"table_gen.go": {out.RoutesGo, "routes", []string{
			`{path: "/me/messages", template: "/me/messages", rules: []genRule{`,
			`{method: GET, accepted: byScheme{work: {{perm: "Mail.ReadBasic", least: true}, {perm: "Mail.Read"}, {perm: "Mail.ReadWrite"}}, app: {{perm: "Mail.Read"}}}},`,
			`{perm: "Mail.ReadWrite", least: true, also: []string{"Mail.Read", "User.Read"}}`,
		}},
	} {
		f, err := parser.ParseFile(token.NewFileSet(), name, tc.b, parser.ParseComments)
		if err != nil {
			t.Errorf("%s is not Go: %v", name, err)
			continue
		}
		if f.Name.Name != tc.pkg || !ast.IsGenerated(f) {
			t.Errorf("%s: package %s, generated %v; want package %s marked generated", name, f.Name.Name, ast.IsGenerated(f), tc.pkg)
		}
		if formatted, err := format.Source(tc.b); err != nil || string(formatted) != string(tc.b) {
			t.Errorf("%s is not gofmt'd (%v)", name, err)
		}
		for _, w := range tc.want {
			if !strings.Contains(string(tc.b), w) {
				t.Errorf("%s lacks %s", name, w)
			}
		}
	}
}

// The supplement is rendered as Go literals in file order, maps with sorted
// keys (so the output is reproducible), and a field the route table does
// not know fails the generation instead of being dropped.
func TestRenderSupplement(t *testing.T) {
	doc := `
routes:
  - template: /me/things
    source: docs
    note: A "quoted" note.
    methods:
      POST: {DelegatedWork: [B.ReadWrite, A.ReadWrite], Application: [A.ReadWrite.All]}
      GET: {DelegatedWork: [B.Read]}
    alsoRequires: [User.Read]
  - template: /groups/{group-id}/drive
    below: true
    source: docs
    note: x
    methods:
      GET: {DelegatedWork: [Group.Read.All]}
`
	got, err := renderSupplement([]byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		`{Template: "/me/things", Source: "docs", Note: "A \"quoted\" note.", Methods: map[string]map[string][]string{` + "\n" +
			"\t\t\t" + `"GET":  {"DelegatedWork": {"B.Read"}},` + "\n" +
			"\t\t\t" + `"POST": {"Application": {"A.ReadWrite.All"}, "DelegatedWork": {"B.ReadWrite", "A.ReadWrite"}},` + "\n" +
			"\t\t" + `}, AlsoRequires: []string{"User.Read"}},`,
		`{Template: "/groups/{group-id}/drive", Source: "docs", Note: "x", Below: true, Methods:`,
		"func generatedSupplement() []supplementRoute {",
		"(2 entries)",
	} {
		if !strings.Contains(string(got), want) {
			t.Errorf("rendered supplement lacks\n%s\nin\n%s", want, got)
		}
	}
	again, err := renderSupplement([]byte(doc))
	if err != nil || string(again) != string(got) {
		t.Errorf("two renderings differ (err %v)", err)
	}
	if _, err := parser.ParseFile(token.NewFileSet(), "supplement_gen.go", got, 0); err != nil {
		t.Errorf("not Go: %v", err)
	}
	for _, bad := range []string{"routes:\n  - template: /me\n    sorce: docs\n", "routes: [1, 2"} {
		if _, err := renderSupplement([]byte(bad)); err == nil {
			t.Errorf("renderSupplement(%q) did not fail", bad)
		}
	}
}

// The overlay is rendered as Go literals in file order, with only the
// fields a decision sets, and an unknown field fails the generation.
func TestRenderOverlay(t *testing.T) {
	doc := `
decisions:
  - id: a
    permissions: [X.Read]
    topic: personal-validity
    seed: "says \"no\""
    follow: seed
    why: because
    set: {personal: false, adminConsent: true}
  - id: b
    permissions: [Y.Read, Z.Read]
    topic: alias
    seed: s
    data: d
    follow: data
    why: w
    set: {alias: Y.Old}
`
	got, err := renderOverlay([]byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		`{ID: "a", Permissions: []string{"X.Read"}, Topic: "personal-validity", Seed: "says \"no\"", Follow: "seed", Why: "because", Set: Effects{Personal: new(false), AdminConsent: new(true)}},`,
		`{ID: "b", Permissions: []string{"Y.Read", "Z.Read"}, Topic: "alias", Seed: "s", Data: "d", Follow: "data", Why: "w", Set: Effects{Alias: "Y.Old"}},`,
		"func generatedOverlay() []*Decision {",
	} {
		if !strings.Contains(string(got), want) {
			t.Errorf("rendered overlay lacks\n%s\nin\n%s", want, got)
		}
	}
	if _, err := renderOverlay([]byte("decisions:\n  - id: a\n    topik: x\n")); err == nil {
		t.Error("an unknown field did not fail")
	}
}
