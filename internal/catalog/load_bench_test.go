package catalog

import (
	_ "embed"
	"reflect"
	"strings"
	"testing"
)

// overlayYAML is the committed overlay, which gendata writes into
// overlay_gen.go.
//
//go:embed overlay.yaml
var overlayYAML []byte

// overlay_gen.go is overlay.yaml: an edit of the file that was not
// regenerated fails here (and in gendata -check).
func TestGeneratedOverlayIsCurrent(t *testing.T) {
	want, err := decodeOverlay(overlayYAML)
	if err != nil {
		t.Fatal(err)
	}
	got := generatedOverlay()
	if len(got) != len(want) {
		t.Fatalf("overlay_gen.go has %d decisions, overlay.yaml %d: go generate ./internal/catalog", len(got), len(want))
	}
	for i := range got {
		if !reflect.DeepEqual(got[i], want[i]) {
			t.Errorf("decision %s differs from overlay.yaml: go generate ./internal/catalog\n got %+v\nwant %+v", want[i].ID, *got[i], *want[i])
		}
	}
}

// BenchmarkLoad is the cost of the catalog in a process that needs it
// (Default: the overlay as Go data): figures in bench/README.md.
func BenchmarkLoad(b *testing.B) {
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if _, err := load(generatedPermissions[:], generatedSHA256, generatedOverlay()); err != nil {
			b.Fatal(err)
		}
	}
}

// Loading links static records: the overlay's changes to a permission's
// scheme description are made on a copy, so the generated data, shared by
// every load, stays as generated.
func TestLoadKeepsGeneratedData(t *testing.T) {
	c, err := Load(overlayYAML)
	if err != nil {
		t.Fatal(err)
	}
	// A decision that sets admin consent changes a copy of the description.
	doc := []byte(`
decisions:
  - id: test-admin-consent
    permissions: [Mail.Read]
    topic: admin-consent
    scheme: DelegatedWork
    seed: "Yes"
    data: requiresAdminConsent false
    follow: seed
    why: a test
    set: {adminConsent: true}
`)
	changed, err := Load(doc)
	if err != nil {
		t.Fatal(err)
	}
	p, _ := changed.Lookup("Mail.Read")
	if !p.RequiresAdminConsent(DelegatedWork) {
		t.Fatal("the decision was not applied")
	}
	for _, cat := range []*Catalog{c, Default()} {
		q, _ := cat.Lookup("Mail.Read")
		if q.RequiresAdminConsent(DelegatedWork) {
			t.Errorf("another catalog's overlay changed Mail.Read's admin consent here")
		}
	}
	for i := range generatedPermissions {
		if generatedPermissions[i].name == "Mail.Read" && generatedPermissions[i].schemes[DelegatedWork].RequiresAdminConsent {
			t.Errorf("the overlay changed the generated data")
		}
	}
	allocs := testing.AllocsPerRun(3, func() {
		if _, err := Load(overlayYAML); err != nil {
			t.Fatal(err)
		}
	})
	if allocs > 10000 {
		t.Errorf("Load made %.0f allocations; want under 10,000 (it decodes nothing but the overlay)", allocs)
	}
	t.Logf("Load: %.0f allocations", allocs)
}

// A permission is a preview one when a display name says "(preview)" (the
// generated flag) or an overlay decision says so, and only then.
func TestPreviewFromDisplayNames(t *testing.T) {
	n := 0
	for _, p := range Default().All() {
		named := false
		for _, si := range p.Schemes {
			if si != nil && strings.Contains(strings.ToLower(si.AdminDisplayName+" "+si.UserDisplayName), "(preview)") {
				named = true
			}
		}
		decided := false
		for _, d := range p.Decisions {
			decided = decided || d.Set.Preview
		}
		if p.Preview != (named || decided) {
			t.Errorf("%s: Preview %v, display names say %v, overlay %v", p.Name, p.Preview, named, decided)
		}
		if named {
			n++
		}
	}
	if n == 0 {
		t.Error("no permission's display name says (preview): the test checks nothing")
	}
}
