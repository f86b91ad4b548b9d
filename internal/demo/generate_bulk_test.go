package demo

import (
	"crypto/sha256"
	"slices"
	"testing"
	"time"

	"graphgate/internal/model"
	"graphgate/internal/store"
)

// perItem hides a store's BulkLoad, so that Generate stores batch by
// batch through CreateItems, as on a backend without one.
type perItem struct{ store.Store }

// generatedPrint hashes the generated items of a kind (ids and documents,
// in id order), leaving out the demo seeding's own (random ids).
func generatedPrint(t *testing.T, st store.Store, kind string) ([32]byte, int) {
	t.Helper()
	items, _, err := st.QueryItems(t.Context(), store.ItemQuery{TenantID: TenantID, Kind: kind})
	if err != nil {
		t.Fatal(err)
	}
	h, n := sha256.New(), 0
	for _, it := range items {
		if !it.CreatedAt.Equal(time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)) {
			continue
		}
		n++
		h.Write([]byte(it.ID + "\x00" + it.OwnerID + "\x00" + it.ParentID + "\x00"))
		h.Write(it.Doc)
	}
	return [32]byte(h.Sum(nil)), n
}

// TestGenerateBulkSameAsPerItem: on SQLite Generate stores through the
// store's bulk load (store.BulkLoader); what it stores is what the batch
// by batch path stores with the same seed — every generated kind, item by
// item — and $search finds the same messages through the text index.
func TestGenerateBulkSameAsPerItem(t *testing.T) {
	bulk, each := openStore(t, t.TempDir()), openStore(t, t.TempDir())
	if _, ok := store.Store(bulk).(store.BulkLoader); !ok {
		t.Fatal("the SQLite store is not a store.BulkLoader")
	}
	gb, progress := generatedWith(t, bulk, 42)
	ge, _ := generatedWith(t, perItem{each}, 42)
	if gb != ge {
		t.Errorf("Generate = %+v through the bulk load, %+v batch by batch", gb, ge)
	}
	if last := progress[len(progress)-1]; last.Done() != 1 || len(progress) < 4 {
		t.Errorf("bulk load progress: %d reports, last %+v", len(progress), last)
	}
	for _, kind := range []string{model.KindMessage, model.KindEvent, model.KindEventException, model.KindTodoTask,
		model.KindMailFolder, model.KindCalendar, model.KindTodoList} {
		pb, nb := generatedPrint(t, bulk, kind)
		pe, ne := generatedPrint(t, each, kind)
		if pb != pe || nb != ne {
			t.Errorf("%s: %d items through the bulk load, %d batch by batch, or their documents differ", kind, nb, ne)
		}
	}
	adele := userID("adele")
	// The unread count of Adele's inbox (what the Graph server's $count
	// reads, whatever answers it: an index, or counters kept per folder).
	unread := store.ItemQuery{TenantID: TenantID, Kind: model.KindMessage, OwnerID: adele, ParentID: model.FolderID(adele, "inbox"),
		Filter: store.Compare{Field: store.Doc("isRead", store.TypeBool), Op: store.Eq, Value: store.Bool(false)}, Count: true, Limit: 1}
	var counts [2]int
	for i, st := range []store.Store{bulk, each} {
		var err error
		if _, counts[i], err = st.QueryItems(t.Context(), unread); err != nil {
			t.Fatal(err)
		}
	}
	if counts[0] != counts[1] || counts[0] == 0 {
		t.Errorf("Adele's unread inbox: %d through the bulk load, %d batch by batch", counts[0], counts[1])
	}
	for _, term := range []string{RareWord, AbsentWord} {
		q := store.ItemQuery{TenantID: TenantID, Kind: model.KindMessage, OwnerID: adele, ParentID: model.FolderID(adele, "inbox"),
			Filter: store.Match{Field: store.Doc("body/content", store.TypeString), Kind: store.Contains, Text: term},
			Text:   []string{term}, Count: true, Limit: 10}
		var n [2]int
		var ids [2][]string
		for i, st := range []store.Store{bulk, each} {
			items, total, err := st.QueryItems(t.Context(), q)
			if err != nil {
				t.Fatal(err)
			}
			n[i] = total
			for _, it := range items {
				ids[i] = append(ids[i], it.ID)
			}
		}
		if n[0] != n[1] || !slices.Equal(ids[0], ids[1]) || (term == RareWord) != (n[0] > 0) {
			t.Errorf("$search %s: %d messages %v through the bulk load, %d %v batch by batch", term, n[0], ids[0], n[1], ids[1])
		}
	}
}
