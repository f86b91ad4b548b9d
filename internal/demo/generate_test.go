package demo

import (
	"context"
	"crypto/sha256"
	"errors"
	"slices"
	"testing"
	"time"

	"graphgate/internal/model"
	"graphgate/internal/pgtest"
	"graphgate/internal/store"
	"graphgate/internal/store/postgres"
)

// generated seeds the demo tenant in st and generates at scale 0.001 (100
// users, 1,000 messages, 200 events, 100 tasks), recording progress.
func generated(t *testing.T, st store.Store) (Generated, []GenerateProgress) {
	t.Helper()
	return generatedWith(t, st, 42)
}

func generatedWith(t *testing.T, st store.Store, seed uint64) (Generated, []GenerateProgress) {
	t.Helper()
	if _, _, err := Seed(t.Context(), st, testOptions); err != nil {
		t.Fatal(err)
	}
	var progress []GenerateProgress
	g, err := Generate(t.Context(), st, GenerateOptions{Scale: 0.001, Seed: seed, Now: time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC), Batch: 150,
		Progress: func(p GenerateProgress) { progress = append(progress, p) }})
	if err != nil {
		t.Fatal(err)
	}
	return g, progress
}

// fingerprint hashes the generated items of a kind (ids and documents, in
// id order), to compare generations.
func fingerprint(t *testing.T, st store.Store, kind string) ([32]byte, int) {
	t.Helper()
	items, _, err := st.QueryItems(t.Context(), store.ItemQuery{TenantID: TenantID, Kind: kind})
	if err != nil {
		t.Fatal(err)
	}
	h := sha256.New()
	for _, it := range items {
		h.Write([]byte(it.ID))
		h.Write(it.Doc)
	}
	return [32]byte(h.Sum(nil)), len(items)
}

func checkGenerated(t *testing.T, st store.Store) {
	g, progress := generated(t, st)
	want := Generated{Scale: 0.001, Seed: 42, Users: 100, Messages: 1000, Events: 200, Tasks: 100, Mailboxes: 1}
	if g.Users != want.Users || g.Messages != want.Messages || g.Events != want.Events || g.Tasks != want.Tasks || g.Mailboxes != want.Mailboxes {
		t.Errorf("Generate = %+v, want the counts of %+v", g, want)
	}
	// Progress: after every batch, never backwards, ending at the totals.
	if len(progress) < 4 {
		t.Fatalf("progress reported %d times, want at least once per kind", len(progress))
	}
	for i := 1; i < len(progress); i++ {
		if progress[i].Done() < progress[i-1].Done() {
			t.Errorf("progress went back: %+v after %+v", progress[i], progress[i-1])
		}
	}
	if last := progress[len(progress)-1]; last.Done() != 1 {
		t.Errorf("last progress %+v is not complete", last)
	}
	// Stored: every generated user; the messages (plus the demo's six), a
	// fifth in Adele's inbox; the events and tasks.
	users, err := st.ListUsers(t.Context(), TenantID, "", 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(users) != 100+6 {
		t.Errorf("%d users, want 100 generated and the demo's 6", len(users))
	}
	adele := userID("adele")
	_, inbox, err := st.QueryItems(t.Context(), store.ItemQuery{TenantID: TenantID, Kind: model.KindMessage, OwnerID: adele,
		ParentID: model.FolderID(adele, "inbox"), Count: true, Limit: 1})
	if err != nil {
		t.Fatal(err)
	}
	if inbox != 200+3 {
		t.Errorf("Adele's inbox holds %d messages, want 200 generated and the demo's 3", inbox)
	}
	for kind, n := range map[string]int{model.KindMessage: 1000 + 6, model.KindTodoTask: 100 + 4} {
		if _, got := fingerprint(t, st, kind); got != n {
			t.Errorf("%d items of kind %s, want %d", got, kind, n)
		}
	}
	if _, err := Generate(t.Context(), st, GenerateOptions{Scale: 0.001}); !errors.Is(err, ErrGenerated) {
		t.Errorf("generating twice: %v, want ErrGenerated", err)
	}
	if got, err := LoadGenerated(t.Context(), st); err != nil || got != g {
		t.Errorf("LoadGenerated = %+v, %v; want %+v", got, err, g)
	}
}

func TestGenerateSQLite(t *testing.T) { checkGenerated(t, openStore(t, t.TempDir())) }

func TestGeneratePostgres(t *testing.T) {
	dsn := pgtest.FreshSchema(t)
	st, err := postgres.Open(t.Context(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	checkGenerated(t, st)
	// The planner has statistics of the generated items (store.Analyzer):
	// ANALYZE writes pg_statistic in its transaction.
	conn := pgtest.Connect(t, dsn)
	defer conn.Close(context.Background())
	var n int
	if err := conn.QueryRow(t.Context(), `SELECT count(*) FROM pg_stats WHERE schemaname = current_schema() AND tablename = 'items'`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n == 0 {
		t.Error("no planner statistics on items after Generate")
	}
}

// TestGenerateDeterministic: the same seed generates the same generated
// messages, events and tasks (ids and documents); another seed does not.
func TestGenerateDeterministic(t *testing.T) {
	kinds := []string{model.KindMessage, model.KindEvent, model.KindTodoTask}
	prints := func(st store.Store, seed uint64) [][32]byte {
		generatedWith(t, st, seed)
		var out [][32]byte
		for _, k := range kinds {
			demo := demoDocs(t, st, k)
			// The demo's own items have random ids: fingerprint only the
			// generated ones, which are not Adele's demo items.
			items, _, err := st.QueryItems(t.Context(), store.ItemQuery{TenantID: TenantID, Kind: k})
			if err != nil {
				t.Fatal(err)
			}
			h := sha256.New()
			for _, it := range items {
				if slices.Contains(demo, it.ID) {
					continue
				}
				h.Write([]byte(it.ID))
				h.Write(it.Doc)
			}
			out = append(out, [32]byte(h.Sum(nil)))
		}
		return out
	}
	a, b, c := prints(openStore(t, t.TempDir()), 42), prints(openStore(t, t.TempDir()), 42), prints(openStore(t, t.TempDir()), 43)
	for i := range kinds {
		if a[i] != b[i] {
			t.Errorf("%s: two generations with seed 42 differ", kinds[i])
		}
		if a[i] == c[i] {
			t.Errorf("%s: generations with seeds 42 and 43 are the same", kinds[i])
		}
	}
}

// demoDocs are the ids of the demo seeding's own items of a kind (created
// before Generate: their created time is the seeding's, not Generate's Now).
func demoDocs(t *testing.T, st store.Store, kind string) []string {
	t.Helper()
	items, _, err := st.QueryItems(t.Context(), store.ItemQuery{TenantID: TenantID, Kind: kind})
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, it := range items {
		if !it.CreatedAt.Equal(time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)) {
			ids = append(ids, it.ID)
		}
	}
	return ids
}
