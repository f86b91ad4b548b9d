package transfer

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"graphgate/internal/demo"
	"graphgate/internal/password"
	"graphgate/internal/pgtest"
	"graphgate/internal/server"
	"graphgate/internal/store"
	"graphgate/internal/store/postgres"
	"graphgate/internal/store/sqlite"
)

// freshPostgres opens a store on a new schema, dropped when the test ends.
func freshPostgres(t testing.TB) store.Store {
	t.Helper()
	st, err := postgres.Open(t.Context(), pgtest.FreshSchema(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

var discard = slog.New(slog.NewTextHandler(io.Discard, nil))

// running is an in-process server on a store, reachable over HTTPS.
type running struct {
	srv    *server.Server
	url    string
	client *http.Client
}

func serve(t *testing.T, cfg server.Config) *running {
	t.Helper()
	cfg.Passwords, cfg.Logger = password.Fast, discard
	srv, err := server.New(t.Context(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Close)
	hs := httptest.NewTLSServer(srv.Handler())
	t.Cleanup(hs.Close)
	return &running{srv: srv, url: hs.URL, client: hs.Client()}
}

// token asks the token endpoint for an access token.
func (r *running) token(t *testing.T, form url.Values) string {
	t.Helper()
	resp, err := r.client.PostForm(r.url+"/"+demo.TenantID+"/oauth2/v2.0/token", form)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body map[string]any
	json.NewDecoder(resp.Body).Decode(&body)
	tok, _ := body["access_token"].(string)
	if resp.StatusCode != http.StatusOK || tok == "" {
		t.Fatalf("token: HTTP %d %v", resp.StatusCode, body)
	}
	return tok
}

// graph GETs a Graph path with a token and returns the status and body.
func (r *running) graph(t *testing.T, tok, path string) (int, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, r.url+"/v1.0"+path, nil)
	req.Header.Set("Authorization", "Bearer "+tok)
	resp, err := r.client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body map[string]any
	json.NewDecoder(resp.Body).Decode(&body)
	return resp.StatusCode, body
}

func passwordGrant(tn *demo.Tenant, userKey string) url.Values {
	u, _ := tn.UserByKey(userKey)
	w, _ := tn.AppByKey("webapp")
	return url.Values{"grant_type": {"password"}, "client_id": {w.ClientID}, "client_secret": {w.Secret},
		"username": {u.UserPrincipalName}, "password": {u.Password}, "scope": {"User.Read"}}
}

func clientCredentials(tn *demo.Tenant) url.Values {
	d, _ := tn.AppByKey("daemon")
	return url.Values{"grant_type": {"client_credentials"}, "client_id": {d.ClientID}, "client_secret": {d.Secret},
		"scope": {"https://graph.microsoft.com/.default"}}
}

// seededSQLite is a SQLite store with the demo tenant and some activity
// beyond the seeding: a user's own consent and an updated item.
func seededSQLite(t *testing.T) *running {
	t.Helper()
	r := serve(t, server.Config{DataDir: t.TempDir()})
	ctx := t.Context()
	st := r.srv.Store()
	adele, _ := r.srv.Demo.UserByKey("adele")
	err := st.UpsertDelegatedGrant(ctx, store.DelegatedGrant{TenantID: demo.TenantID, ClientID: demo.HomeAssistantAppID,
		ConsentType: store.ConsentPrincipal, PrincipalID: adele.ID}, func(g store.DelegatedGrant) (store.DelegatedGrant, error) {
		g.ID, g.Scopes = "grant-adele-ha", []string{"Tasks.ReadWrite", "User.Read"}
		return g, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	items, _, err := st.QueryItems(ctx, store.ItemQuery{TenantID: demo.TenantID, Kind: "message", Limit: 1})
	if err != nil || len(items) == 0 {
		t.Fatalf("no demo message: %v", err)
	}
	_, err = st.UpdateItem(ctx, demo.TenantID, "message", items[0].ID, 0, func(it store.Item) (store.Item, error) {
		var m map[string]any
		json.Unmarshal(it.Doc, &m)
		m["isRead"], m["categories"] = true, []string{"Red <category> & more"}
		it.Doc, _ = json.Marshal(m)
		return it, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func export(t *testing.T, st store.Store, o ExportOptions) []byte {
	t.Helper()
	var buf bytes.Buffer
	start := time.Now()
	sum, err := Export(t.Context(), st, demo.TenantID, &buf, o)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("export: %s; %d bytes in %v", sum, buf.Len(), time.Since(start))
	return buf.Bytes()
}

func importFile(t *testing.T, st store.Store, file []byte, o ImportOptions) Summary {
	t.Helper()
	start := time.Now()
	sum, err := Import(t.Context(), st, bytes.NewReader(file), o)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("import: %s (settings %v) in %v", sum, sum.Settings, time.Since(start))
	return sum
}

// TestRoundTrip: SQLite → file → PostgreSQL → file gives the same file,
// and the imported tenant works: the demo's passwords and secrets still
// sign in, and the tokens work at Graph.
func TestRoundTrip(t *testing.T) {
	src := seededSQLite(t)
	a := export(t, src.srv.Store(), ExportOptions{})
	if bytes.Contains(a, []byte(`"kind":"signingKey"`)) {
		t.Error("an export without --signing-keys holds signing keys")
	}
	pg := freshPostgres(t)
	importFile(t, pg, a, ImportOptions{})
	b := export(t, pg, ExportOptions{})
	if !bytes.Equal(a, b) {
		t.Fatalf("SQLite and PostgreSQL exports differ:\n%s", firstDiff(a, b))
	}
	// And back into a new SQLite store.
	back, err := sqlite.Open(t.Context(), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer back.Close()
	importFile(t, back, b, ImportOptions{})
	if c := export(t, back, ExportOptions{}); !bytes.Equal(a, c) {
		t.Fatalf("SQLite → PostgreSQL → SQLite changed the export:\n%s", firstDiff(a, c))
	}

	dst := serve(t, server.Config{Store: pg})
	if dst.srv.DemoCreated {
		t.Error("a server on the imported store seeded the demo tenant again")
	}
	tn := dst.srv.Demo
	tok := dst.token(t, passwordGrant(tn, "adele"))
	status, me := dst.graph(t, tok, "/me")
	adele, _ := tn.UserByKey("adele")
	if status != http.StatusOK || me["id"] != adele.ID {
		t.Fatalf("/me with an imported user's token: %d %v", status, me)
	}
	app := dst.token(t, clientCredentials(tn))
	if status, body := dst.graph(t, app, "/users/"+adele.UserPrincipalName+"/messages?$top=1"); status != http.StatusOK {
		t.Fatalf("an imported app's token at Graph: %d %v", status, body)
	}
}

// TestSigningKeys: with the signing keys, a token issued by the source
// store's server verifies at the target's.
func TestSigningKeys(t *testing.T) {
	src := seededSQLite(t)
	tok := src.token(t, passwordGrant(src.srv.Demo, "megan"))
	file := export(t, src.srv.Store(), ExportOptions{SigningKeys: true})
	if !bytes.Contains(file, []byte(`"kind":"signingKey"`)) || !bytes.Contains(file, []byte(`"signingKeys":true`)) {
		t.Fatal("the export holds no signing keys")
	}
	pg := freshPostgres(t)
	importFile(t, pg, file, ImportOptions{})
	if again := export(t, pg, ExportOptions{SigningKeys: true}); !bytes.Equal(file, again) {
		t.Fatalf("exports with keys differ:\n%s", firstDiff(file, again))
	}
	dst := serve(t, server.Config{Store: pg})
	if status, body := dst.graph(t, tok, "/me"); status != http.StatusOK {
		t.Fatalf("a token of the source server at the target: %d %v", status, body)
	}

	// A store with keys of its own refuses them, unless skipped.
	other := serve(t, server.Config{DataDir: t.TempDir(), NoDemo: true}).srv.Store()
	_, err := Import(t.Context(), other, bytes.NewReader(file), ImportOptions{Settings: SettingsOverwrite})
	if err == nil || !strings.Contains(err.Error(), "--skip-signing-keys") {
		t.Fatalf("importing signing keys into a store with its own: %v", err)
	}
	importFile(t, other, file, ImportOptions{Settings: SettingsOverwrite, SkipSigningKeys: true})
}

// TestImportPolicies: an existing tenant needs Replace; differing settings
// need a policy; nothing is half-imported.
func TestImportPolicies(t *testing.T) {
	ctx := t.Context()
	src := seededSQLite(t)
	file := export(t, src.srv.Store(), ExportOptions{})

	// The target already runs a server: its own demo tenant and keys.
	target := serve(t, server.Config{DataDir: t.TempDir()}).srv.Store()
	_, err := Import(ctx, target, bytes.NewReader(file), ImportOptions{})
	if !errors.Is(err, ErrTenantExists) || !strings.Contains(err.Error(), "--replace") {
		t.Fatalf("import over an existing tenant: %v", err)
	}
	_, err = Import(ctx, target, bytes.NewReader(file), ImportOptions{Replace: true})
	if !errors.Is(err, ErrSettingsDiffer) || !strings.Contains(err.Error(), "identity.client-secret-key") {
		t.Fatalf("import with differing settings: %v", err)
	}
	before := export(t, target, ExportOptions{})
	if bytes.Equal(before, file) {
		t.Fatal("the target's tenant is the source's already")
	}
	sum := importFile(t, target, file, ImportOptions{Replace: true, Settings: SettingsOverwrite})
	if len(sum.Settings) == 0 {
		t.Error("an overwriting import reports no settings written")
	}
	if after := export(t, target, ExportOptions{}); !bytes.Equal(after, file) {
		t.Fatalf("after replacing, the target's export differs from the file:\n%s", firstDiff(file, after))
	}

	// keep: the store's settings stay; the rest is imported.
	keep := serve(t, server.Config{DataDir: t.TempDir()}).srv.Store()
	mine, _ := keep.Setting(ctx, "identity.client-secret-key")
	importFile(t, keep, file, ImportOptions{Replace: true, Settings: SettingsKeep})
	if v, _ := keep.Setting(ctx, "identity.client-secret-key"); !bytes.Equal(v, mine) {
		t.Error("--settings keep changed a setting")
	}
}

func TestReadRefusesBadFiles(t *testing.T) {
	src := seededSQLite(t)
	file := export(t, src.srv.Store(), ExportOptions{})
	lines := strings.SplitAfter(string(file), "\n")
	var header map[string]any
	json.Unmarshal([]byte(lines[0]), &header)
	for _, tc := range []struct {
		name, file, err string
	}{
		{"empty", "", "empty"},
		{"not an export", `{"hello":1}` + "\n", "must be a"},
		{"truncated", strings.Join(lines[:len(lines)-3], ""), "truncated"},
		{"newer version", strings.Replace(file2(lines), `"version":1`, `"version":2`, 1), "version 2"},
		{"another tenant's record", strings.Join(lines[:3], "") + strings.Replace(lines[3], demo.TenantID, "another", 1) + strings.Join(lines[4:], ""), "of tenant another"},
		{"unknown kind", strings.Join(lines, "") + `{"kind":"secretSauce"}` + "\n", "unknown record kind"},
		{"out of order", lines[0] + lines[len(lines)-2] + strings.Join(lines[1:len(lines)-2], ""), "after item records"},
		{"unknown field", strings.Join(lines[:2], "") + strings.Replace(lines[2], `{"kind":"user",`, `{"kind":"user","shoeSize":9,`, 1) + strings.Join(lines[3:], ""), "shoeSize"},
	} {
		_, _, err := Read(strings.NewReader(tc.file), nil)
		if err == nil || !strings.Contains(err.Error(), tc.err) {
			t.Errorf("%s: %v, want an error with %q", tc.name, err, tc.err)
		}
	}
	// Blank lines and a missing final newline are fine.
	if _, _, err := Read(strings.NewReader(strings.Join(lines[:2], "\n")+strings.TrimSuffix(strings.Join(lines[2:], ""), "\n")), nil); err != nil {
		t.Errorf("blank lines: %v", err)
	}
}

func file2(lines []string) string { return strings.Join(lines, "") }

// firstDiff shows the first line where two files differ.
func firstDiff(a, b []byte) string {
	la, lb := strings.Split(string(a), "\n"), strings.Split(string(b), "\n")
	for i := range max(len(la), len(lb)) {
		var x, y string
		if i < len(la) {
			x = la[i]
		}
		if i < len(lb) {
			y = lb[i]
		}
		if x != y {
			return "line " + itoa(i+1) + ":\n< " + x + "\n> " + y
		}
	}
	return "(no difference)"
}

func itoa(i int) string { b, _ := json.Marshal(i); return string(b) }
