package cli

import (
	"encoding/json"
	"path/filepath"
	"slices"
	"testing"

	"graphgate/internal/demo"
	"graphgate/internal/store"
	"graphgate/internal/store/sqlite"
)

// seededTenant seeds a new data folder with graphgate demo --seed and
// returns what it printed and the tenant's stored data.
func seededTenant(t *testing.T, seed string) (demo.Tenant, store.TenantData) {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "data")
	args := []string{"demo", "--data", dir, "--json"}
	if seed != "" {
		args = append(args, "--seed", seed)
	}
	code, stdout, stderr := runCLI(args...)
	var tn demo.Tenant
	if code != 0 || json.Unmarshal([]byte(stdout), &tn) != nil {
		t.Fatalf("demo --seed %q: %d\n%s", seed, code, stderr)
	}
	st, err := sqlite.Open(t.Context(), dir)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	d, err := st.ExportTenant(t.Context(), demo.TenantID)
	if err != nil {
		t.Fatal(err)
	}
	return tn, d
}

// fixture is what a CI fixture may name: printed credentials and ids,
// stored object ids, app secret hashes (keyed by the identity platform's
// key, so equal only if that key is), item ids.
type fixture struct {
	Printed     demo.Tenant
	Users, Apps []string
	SecretIDs   []string
	SecretHash  [][]byte
	Items       []string
}

func fixtureOf(tn demo.Tenant, d store.TenantData) fixture {
	f := fixture{Printed: tn}
	for _, u := range d.Users {
		f.Users = append(f.Users, u.ID)
	}
	for _, a := range d.Apps {
		f.Apps = append(f.Apps, a.AppID+"/"+a.ObjectID)
		for _, s := range a.Secrets {
			f.SecretIDs = append(f.SecretIDs, s.ID)
			f.SecretHash = append(f.SecretHash, s.Hash)
		}
	}
	for _, it := range d.Items {
		if it.Kind == "chatMessage" {
			// A Teams message id is its creation time in milliseconds, as
			// Microsoft's: it follows the seeding time, not the seed.
			continue
		}
		f.Items = append(f.Items, it.Kind+"/"+it.ID)
	}
	slices.Sort(f.Items)
	return f
}

// TestDemoSeedIsReproducible: two data folders seeded with the same --seed
// hold the same tenant (passwords, secrets, ids, the secret hashes' key);
// another seed, or none, gives another.
func TestDemoSeedIsReproducible(t *testing.T) {
	a := fixtureOf(seededTenant(t, "42"))
	b := fixtureOf(seededTenant(t, "42"))
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	if string(ja) != string(jb) {
		t.Errorf("two seedings with --seed 42 differ")
		for i := range min(len(ja), len(jb)) {
			if ja[i] != jb[i] {
				t.Errorf("first difference at byte %d: %q vs %q", i, ja[max(0, i-80):min(len(ja), i+40)], jb[max(0, i-80):min(len(jb), i+40)])
				break
			}
		}
	}
	if len(a.Items) < 20 || len(a.SecretHash) < 3 {
		t.Fatalf("the seeded tenant has %d items and %d secrets; expected the demo's", len(a.Items), len(a.SecretHash))
	}
	for _, other := range []string{"43", ""} {
		c := fixtureOf(seededTenant(t, other))
		pa, _ := a.Printed.UserByKey("adele")
		pc, _ := c.Printed.UserByKey("adele")
		da, _ := a.Printed.AppByKey("daemon")
		dc, _ := c.Printed.AppByKey("daemon")
		if pa.Password == pc.Password || da.Secret == dc.Secret || slices.Equal(a.Items, c.Items) || slices.Equal(a.Apps, c.Apps) ||
			string(a.SecretHash[0]) == string(c.SecretHash[0]) {
			t.Errorf("--seed %q gives the same passwords, secrets or ids as --seed 42", other)
		}
		// The documented ids are fixed whatever the seed.
		if !slices.Equal(a.Users, c.Users) {
			t.Errorf("--seed %q changes the documented user ids", other)
		}
	}
}

// TestServeSeed: serve --seed seeds the same demo tenant as demo --seed
// (the same passwords and secrets), and GRAPHGATE_SEED is its default.
func TestServeSeed(t *testing.T) {
	want, _ := seededTenant(t, "99")
	dir := filepath.Join(t.TempDir(), "served")
	stop := serveUntilStarted(t, "--data", dir, "--seed", "99")
	if code, stderr := stop(); code != 0 {
		t.Fatalf("serve --seed: %d\n%s", code, stderr)
	}
	t.Setenv("GRAPHGATE_SEED", "99")
	envDir := filepath.Join(t.TempDir(), "env")
	for _, d := range []string{dir, envDir} {
		got := demoOf(t, d) // envDir: seeded now, by demo with GRAPHGATE_SEED
		if toJSON(t, got) != toJSON(t, want) {
			t.Errorf("the demo tenant of %s differs from demo --seed 99's", d)
		}
	}
}
