package conformance

import (
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"testing"

	"graphgate/internal/store"
)

// Folder counts: a count of a folder's messages — all of them, or those
// with isRead eq / ne a boolean — which a backend may answer from
// counters it keeps (the SQL stores' per-folder counters, migration 0017)
// rather than by counting rows. Whatever it does, after every kind of
// write (create, update of isRead, move between folders and mailboxes,
// delete, a batch, a rolled-back batch, an import, a snapshot's restore)
// each such count must equal the same query counted row by row (the same
// condition written so that no counter can answer it) and the test's own
// model of the folders.

var countTests = []test{
	{"Writes", testCountWrites},
	{"RolledBack", testCountRolledBack},
	{"Concurrent", testCountConcurrent},
	{"Import", testCountImport},
	{"SnapshotRestore", testCountSnapshotRestore},
	{"OddIsRead", testCountOddIsRead},
}

// countMessage is a message item in folder (of owner) whose isRead is
// read: true, false, or nil for a message without isRead.
func countMessage(tenant, owner, folder string, read any) store.Item {
	doc := map[string]any{"subject": "counted"}
	if read != nil {
		doc["isRead"] = read
	}
	b, err := json.Marshal(doc)
	if err != nil {
		panic(err)
	}
	return newItem(tenant, "message", owner, folder, string(b))
}

// folderModel is what the test expects of the folders: per folder key
// (owner/folder), each message's isRead by id.
type folderModel map[string]map[string]any

func (m folderModel) add(items ...store.Item) {
	for _, it := range items {
		if it.Kind != "message" {
			continue
		}
		k := it.OwnerID + "/" + it.ParentID
		if m[k] == nil {
			m[k] = map[string]any{}
		}
		var d map[string]any
		if err := json.Unmarshal(it.Doc, &d); err != nil {
			panic(err)
		}
		m[k][it.ID] = d["isRead"]
	}
}

func (m folderModel) remove(items ...store.Item) {
	for _, it := range items {
		delete(m[it.OwnerID+"/"+it.ParentID], it.ID)
	}
}

// counts are a folder's expected counts: all, eq false, eq true, ne true,
// ne false.
func (m folderModel) counts(owner, folder string) [5]int {
	var c [5]int
	for _, r := range m[owner+"/"+folder] {
		c[0]++
		switch r {
		case false:
			c[1]++
			c[3]++
		case true:
			c[2]++
			c[4]++
		default:
			c[3]++
			c[4]++
		}
	}
	return c
}

// isReadConds are the filters of the counts, in folderModel.counts' order.
func isReadConds() []store.Cond {
	f := store.Doc("isRead", store.TypeBool)
	return []store.Cond{nil,
		store.Compare{Field: f, Op: store.Eq, Value: store.Bool(false)},
		store.Compare{Field: f, Op: store.Eq, Value: store.Bool(true)},
		store.Compare{Field: f, Op: store.Ne, Value: store.Bool(true)},
		store.Compare{Field: f, Op: store.Ne, Value: store.Bool(false)},
	}
}

// folderCounts asks the store for a folder's five counts twice: as the
// Graph server asks (the folder's messages, optionally isRead eq/ne b),
// and row by row (the same condition and Const(true), which no counter
// answers).
func folderCounts(t *testing.T, s store.Items, tenant, owner, folder string) (counted, rows [5]int) {
	t.Helper()
	for i, c := range isReadConds() {
		q := store.ItemQuery{TenantID: tenant, Kind: "message", OwnerID: owner, ParentID: folder, Filter: c, Count: true, Limit: 1}
		_, n, err := s.QueryItems(t.Context(), q)
		must(t, err)
		counted[i] = n
		q.Filter = store.And{store.Const(true), c}
		if c == nil {
			q.Filter = store.Const(true)
		}
		_, n, err = s.QueryItems(t.Context(), q)
		must(t, err)
		rows[i] = n
	}
	return counted, rows
}

// checkFolders compares every folder's counts with the model's and the
// rows'.
func checkFolders(t *testing.T, what string, s store.Items, m folderModel, tenant string, folders ...[2]string) {
	t.Helper()
	for _, f := range folders {
		counted, rows := folderCounts(t, s, tenant, f[0], f[1])
		want := m.counts(f[0], f[1])
		if counted != want || rows != want {
			t.Errorf("%s: folder %s/%s counts (all, eq false, eq true, ne true, ne false) = %v, counted by rows %v, want %v",
				what, f[0], f[1], counted, rows, want)
		}
	}
}

func setRead(read any) func(store.Item) (store.Item, error) {
	return func(it store.Item) (store.Item, error) {
		var d map[string]any
		if err := json.Unmarshal(it.Doc, &d); err != nil {
			return it, err
		}
		if read == nil {
			delete(d, "isRead")
		} else {
			d["isRead"] = read
		}
		b, err := json.Marshal(d)
		it.Doc = b
		return it, err
	}
}

func testCountWrites(t *testing.T, s store.Store) {
	ctx := t.Context()
	tid, other := newID(), newID()
	inbox, archive, box2 := [2]string{"adele", "inbox"}, [2]string{"adele", "archive"}, [2]string{"alex", "inbox"}
	folders := [][2]string{inbox, archive, box2}
	m := folderModel{}
	var msgs []store.Item
	for i := range 12 {
		read := []any{false, true, nil}[i%3]
		msgs = append(msgs, countMessage(tid, inbox[0], inbox[1], read))
	}
	msgs = append(msgs, countMessage(tid, archive[0], archive[1], true), countMessage(tid, box2[0], box2[1], false))
	// Not counted: another kind in the folder, another tenant's message
	// in a folder of the same names.
	notes := []store.Item{newItem(tid, "attachment", inbox[0], inbox[1], `{"isRead":false}`), countMessage(other, inbox[0], inbox[1], false)}
	checkFolders(t, "empty", s, m, tid, folders...)
	must(t, s.CreateItems(ctx, append(msgs, notes...)...))
	m.add(msgs...)
	checkFolders(t, "created", s, m, tid, folders...)

	// isRead false → true, true → false, absent → false, false → absent;
	// and a change that is not counted (the subject).
	for i, read := range []any{true, false, false, nil} {
		it, err := s.UpdateItem(ctx, tid, "message", msgs[i].ID, 0, setRead(read))
		must(t, err)
		m.remove(msgs[i])
		m.add(it)
		msgs[i] = it
	}
	_, err := s.UpdateItem(ctx, tid, "message", msgs[4].ID, 0, func(it store.Item) (store.Item, error) {
		it.Doc = json.RawMessage(`{"subject":"renamed","isRead":true}`)
		return it, nil
	})
	must(t, err)
	checkFolders(t, "isRead updated", s, m, tid, folders...)

	// Moves: to another folder, to another mailbox's folder, and a move
	// with isRead changed in the same update.
	moves := []struct {
		i    int
		to   [2]string
		read any
	}{{5, archive, "keep"}, {6, box2, "keep"}, {7, archive, false}}
	for _, mv := range moves {
		it, err := s.UpdateItem(ctx, tid, "message", msgs[mv.i].ID, 0, func(it store.Item) (store.Item, error) {
			it.OwnerID, it.ParentID = mv.to[0], mv.to[1]
			if mv.read != "keep" {
				return setRead(mv.read)(it)
			}
			return it, nil
		})
		must(t, err)
		m.remove(msgs[mv.i])
		m.add(it)
		msgs[mv.i] = it
	}
	checkFolders(t, "moved", s, m, tid, folders...)

	// Deletes: one, several, and the archive's last messages (its
	// counts are 0 again).
	var gone []string
	for _, it := range []store.Item{msgs[8], msgs[9], msgs[10], msgs[12], msgs[5], msgs[7]} {
		gone = append(gone, it.ID)
		m.remove(it)
	}
	if n, err := s.DeleteItems(ctx, tid, "message", gone[0]); err != nil || n != 1 {
		t.Fatalf("DeleteItems = %d, %v", n, err)
	}
	if n, err := s.DeleteItems(ctx, tid, "message", gone[1:]...); err != nil || n != len(gone)-1 {
		t.Fatalf("DeleteItems = %d, %v", n, err)
	}
	checkFolders(t, "deleted", s, m, tid, folders...)

	// A batch: creates, a move and a delete, committed together.
	added := []store.Item{countMessage(tid, archive[0], archive[1], false), countMessage(tid, archive[0], archive[1], nil)}
	must(t, s.Batch(ctx, func(tx store.Items) error {
		if err := tx.CreateItems(ctx, added...); err != nil {
			return err
		}
		it, err := tx.UpdateItem(ctx, tid, "message", msgs[0].ID, 0, func(it store.Item) (store.Item, error) {
			it.ParentID = archive[1]
			return it, nil
		})
		if err != nil {
			return err
		}
		m.remove(msgs[0])
		m.add(it)
		if _, err := tx.DeleteItems(ctx, tid, "message", msgs[1].ID); err != nil {
			return err
		}
		m.remove(msgs[1])
		return nil
	}))
	m.add(added...)
	checkFolders(t, "batch", s, m, tid, folders...)
}

func testCountRolledBack(t *testing.T, s store.Store) {
	ctx := t.Context()
	tid := newID()
	inbox, archive := [2]string{"adele", "inbox"}, [2]string{"adele", "archive"}
	m := folderModel{}
	msgs := []store.Item{countMessage(tid, inbox[0], inbox[1], false), countMessage(tid, inbox[0], inbox[1], true), countMessage(tid, archive[0], archive[1], false)}
	must(t, s.CreateItems(ctx, msgs...))
	m.add(msgs...)

	// A batch that fails after creating, moving, re-reading and deleting
	// changes no count.
	failed := errors.New("rolled back")
	err := s.Batch(ctx, func(tx store.Items) error {
		if err := tx.CreateItems(ctx, countMessage(tid, inbox[0], inbox[1], false)); err != nil {
			return err
		}
		if _, err := tx.UpdateItem(ctx, tid, "message", msgs[0].ID, 0, func(it store.Item) (store.Item, error) {
			it.ParentID = archive[1]
			return setRead(true)(it)
		}); err != nil {
			return err
		}
		if _, err := tx.DeleteItems(ctx, tid, "message", msgs[1].ID, msgs[2].ID); err != nil {
			return err
		}
		return failed
	})
	if !errors.Is(err, failed) {
		t.Fatalf("Batch = %v, want its closure's error", err)
	}
	checkFolders(t, "after a rolled-back batch", s, m, tid, inbox, archive)

	// A call that fails inside a batch (a duplicate id) undoes its own
	// rows only; the batch's other writes count.
	fresh := countMessage(tid, archive[0], archive[1], nil)
	must(t, s.Batch(ctx, func(tx store.Items) error {
		if err := tx.CreateItems(ctx, countMessage(tid, inbox[0], inbox[1], false), msgs[0]); !errors.Is(err, store.ErrConflict) {
			return fmt.Errorf("CreateItems of a duplicate = %v, want ErrConflict", err)
		}
		return tx.CreateItems(ctx, fresh)
	}))
	m.add(fresh)
	checkFolders(t, "after a failed call in a batch", s, m, tid, inbox, archive)

	// An update whose closure fails changes nothing.
	_, err = s.UpdateItem(ctx, tid, "message", msgs[0].ID, 0, func(it store.Item) (store.Item, error) { return it, failed })
	if !errors.Is(err, failed) {
		t.Fatalf("UpdateItem = %v, want its closure's error", err)
	}
	checkFolders(t, "after a failed update", s, m, tid, inbox, archive)
}

func testCountConcurrent(t *testing.T, s store.Store) {
	ctx := t.Context()
	tid := newID()
	inbox, archive := [2]string{"adele", "inbox"}, [2]string{"adele", "archive"}
	m := folderModel{}
	seed := make([]store.Item, 8)
	for i := range seed {
		seed[i] = countMessage(tid, inbox[0], inbox[1], false)
	}
	must(t, s.CreateItems(ctx, seed...))
	m.add(seed...)
	// Writers race on the same two folders: each creates a message in
	// one and moves a seeded message to the other, read.
	var mu sync.Mutex
	errs := concurrently(len(seed), func(i int) error {
		from, to := inbox, archive
		if i%2 == 1 {
			from, to = archive, inbox
		}
		created := countMessage(tid, from[0], from[1], i%3 == 0)
		if err := s.CreateItems(ctx, created); err != nil {
			return err
		}
		moved, err := s.UpdateItem(ctx, tid, "message", seed[i].ID, 0, func(it store.Item) (store.Item, error) {
			it.ParentID = to[1]
			return setRead(true)(it)
		})
		if err != nil {
			return err
		}
		mu.Lock()
		defer mu.Unlock()
		m.add(created)
		m.remove(seed[i])
		m.add(moved)
		return nil
	})
	for _, err := range errs {
		must(t, err)
	}
	checkFolders(t, "after concurrent writers", s, m, tid, inbox, archive)
}

func testCountImport(t *testing.T, s store.Store) {
	ctx := t.Context()
	tenant := newTenant("Counted", "counted.example")
	inbox, archive := [2]string{"adele", "inbox"}, [2]string{"adele", "archive"}
	d := store.TenantData{Tenant: tenant}
	for i := range 10 {
		d.Items = append(d.Items, countMessage(tenant.ID, inbox[0], inbox[1], i%2 == 0))
	}
	d.Items = append(d.Items, countMessage(tenant.ID, archive[0], archive[1], nil))
	must(t, s.ImportTenant(ctx, d, false))
	m := folderModel{}
	m.add(d.Items...)
	checkFolders(t, "imported", s, m, tenant.ID, inbox, archive)

	// Replacing the tenant deletes its items first: only the new ones
	// count.
	d.Items = []store.Item{countMessage(tenant.ID, archive[0], archive[1], false), countMessage(tenant.ID, archive[0], archive[1], true)}
	must(t, s.ImportTenant(ctx, d, true))
	m = folderModel{}
	m.add(d.Items...)
	checkFolders(t, "replaced", s, m, tenant.ID, inbox, archive)
}

func testCountSnapshotRestore(t *testing.T, s store.Store) {
	ctx := t.Context()
	deleteSnapshotsAtEnd(t, s, "counted")
	tid := newID()
	inbox, archive := [2]string{"adele", "inbox"}, [2]string{"adele", "archive"}
	m := folderModel{}
	msgs := []store.Item{countMessage(tid, inbox[0], inbox[1], false), countMessage(tid, inbox[0], inbox[1], true),
		countMessage(tid, inbox[0], inbox[1], false), countMessage(tid, archive[0], archive[1], nil)}
	must(t, s.CreateItems(ctx, msgs...))
	m.add(msgs...)
	_, err := s.SaveSnapshot(ctx, "counted", false)
	must(t, err)

	// Change every folder after the snapshot, then restore it.
	must(t, s.CreateItems(ctx, countMessage(tid, archive[0], archive[1], false)))
	_, err = s.UpdateItem(ctx, tid, "message", msgs[0].ID, 0, func(it store.Item) (store.Item, error) {
		it.ParentID = archive[1]
		return setRead(true)(it)
	})
	must(t, err)
	_, err = s.DeleteItems(ctx, tid, "message", msgs[1].ID, msgs[3].ID)
	must(t, err)
	must(t, s.RestoreSnapshot(ctx, "counted"))
	checkFolders(t, "restored", s, m, tid, inbox, archive)

	// Writes after the restore count from the restored state.
	more := countMessage(tid, archive[0], archive[1], false)
	must(t, s.CreateItems(ctx, more))
	m.add(more)
	checkFolders(t, "written after the restore", s, m, tid, inbox, archive)

	must(t, s.Wipe(ctx, nil))
	checkFolders(t, "wiped", s, folderModel{}, tid, inbox, archive)
}

// testCountOddIsRead: a folder holding a message whose isRead is not a
// boolean (0, which both engines compare as false) is counted as its rows
// are, before and after the odd message goes.
func testCountOddIsRead(t *testing.T, s store.Store) {
	ctx := t.Context()
	tid := newID()
	inbox := [2]string{"adele", "inbox"}
	odd := countMessage(tid, inbox[0], inbox[1], 0)
	msgs := []store.Item{countMessage(tid, inbox[0], inbox[1], false), countMessage(tid, inbox[0], inbox[1], true), odd}
	must(t, s.CreateItems(ctx, msgs...))
	counted, rows := folderCounts(t, s, tid, inbox[0], inbox[1])
	if counted != rows || counted[0] != 3 || counted[1] != 2 {
		t.Errorf("with isRead 0: counts = %v, counted by rows %v; want them equal, 3 in all, 2 eq false", counted, rows)
	}
	_, err := s.DeleteItems(ctx, tid, "message", odd.ID)
	must(t, err)
	m := folderModel{}
	m.add(msgs[:2]...)
	checkFolders(t, "without the odd message", s, m, tid, inbox)
}
