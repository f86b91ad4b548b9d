package conformance

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"graphgate/internal/store"
)

// Query IR helpers: the conditions and orderings the query tests use,
// over the document paths of newMessage's documents.

// str, num, boolean and dt are the document's property at path ("a/b")
// as a field of that type.
func str(path string) store.Field     { return store.Doc(path, store.TypeString) }
func num(path string) store.Field     { return store.Doc(path, store.TypeInt) }
func boolean(path string) store.Field { return store.Doc(path, store.TypeBool) }
func dt(path string) store.Field      { return store.Doc(path, store.TypeTime) }

// eq and compare compare a field with a value.
func eq(f store.Field, v store.Value) store.Compare {
	return store.Compare{Field: f, Op: store.Eq, Value: v}
}
func compare(f store.Field, op store.Op, v store.Value) store.Compare {
	return store.Compare{Field: f, Op: op, Value: v}
}

// asc and desc order by a field; foldAsc and foldDesc ignore case.
func asc(f store.Field) store.Order      { return store.Order{Field: f} }
func desc(f store.Field) store.Order     { return store.Order{Field: f, Desc: true} }
func foldAsc(f store.Field) store.Order  { return store.Order{Field: f, Fold: true} }
func foldDesc(f store.Field) store.Order { return store.Order{Field: f, Fold: true, Desc: true} }

// Fixtures.

// newItem is an item with every field set; Version 1 and whole-millisecond
// UTC times, so that it round-trips exactly.
func newItem(tenantID, kind, ownerID, parentID, doc string) store.Item {
	return store.Item{
		TenantID:   tenantID,
		Kind:       kind,
		ID:         newID(),
		OwnerID:    ownerID,
		ParentID:   parentID,
		Doc:        json.RawMessage(doc),
		Version:    1,
		CreatedAt:  at(time.Hour),
		ModifiedAt: at(2 * time.Hour),
	}
}

// newMessage is a message item whose document has the properties the
// query tests filter and sort on.
func newMessage(tenantID, ownerID, folderID, subject string, n int, received time.Time, read bool) store.Item {
	doc, err := json.Marshal(map[string]any{
		"subject":          subject,
		"n":                n,
		"receivedDateTime": received.UTC().Format(store.TimeLayout),
		"isRead":           read,
		"from":             map[string]any{"emailAddress": map[string]any{"name": "Adele Vance", "address": strings.ToLower(subject[:1]) + "@contoso.com"}},
		"categories":       []string{"Blue category"},
	})
	if err != nil {
		panic(err)
	}
	it := newItem(tenantID, "message", ownerID, folderID, string(doc))
	it.CreatedAt = received
	it.ModifiedAt = received
	return it
}

// checkItem compares an item read from the store with the expected one:
// Doc as equivalent JSON (a backend may normalise spacing and key order),
// the other fields as check does.
func checkItem(t *testing.T, what string, got, want store.Item) {
	t.Helper()
	if msg := jsonEquivalent(got.Doc, want.Doc); msg != "" {
		t.Errorf("%s: Doc %s\n got: %s\nwant: %s", what, msg, got.Doc, want.Doc)
	}
	got.Doc, want.Doc = nil, nil
	check(t, what, got, want)
}

// checkItems compares lists of items in order.
func checkItems(t *testing.T, what string, got, want []store.Item) {
	t.Helper()
	if !slices.Equal(itemIDs(got), itemIDs(want)) {
		t.Errorf("%s: ids\n got: %v\nwant: %v", what, itemIDs(got), itemIDs(want))
		return
	}
	for i := range got {
		checkItem(t, fmt.Sprintf("%s[%d]", what, i), got[i], want[i])
	}
}

func itemIDs(items []store.Item) []string {
	ids := make([]string, len(items))
	for i, it := range items {
		ids[i] = it.ID
	}
	return ids
}

// byID returns items sorted by id, the order of a query without Order.
func byID(items ...store.Item) []store.Item {
	return sorted(items, func(it store.Item) string { return it.ID })
}

// jsonEquivalent reports how a and b differ as JSON values ("" if they do
// not): object key order, spacing, string escapes and the spelling of
// numbers (1e2 and 100) do not matter; numbers compare exactly.
func jsonEquivalent(a, b []byte) string {
	va, err := decodeJSON(a)
	if err != nil {
		return "is not JSON: " + err.Error()
	}
	vb, err := decodeJSON(b)
	if err != nil {
		return "(expected) is not JSON: " + err.Error()
	}
	return jsonDiff(va, vb, "$")
}

func decodeJSON(b []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	if dec.More() {
		return nil, errors.New("trailing data")
	}
	return v, nil
}

func jsonDiff(a, b any, path string) string {
	switch a := a.(type) {
	case map[string]any:
		b, ok := b.(map[string]any)
		if !ok {
			return fmt.Sprintf("at %s: object, want %T", path, b)
		}
		for k := range b {
			if _, ok := a[k]; !ok {
				return fmt.Sprintf("at %s: member %q missing", path, k)
			}
		}
		for k, v := range a {
			w, ok := b[k]
			if !ok {
				return fmt.Sprintf("at %s: unexpected member %q", path, k)
			}
			if msg := jsonDiff(v, w, path+"."+k); msg != "" {
				return msg
			}
		}
		return ""
	case []any:
		b, ok := b.([]any)
		if !ok || len(a) != len(b) {
			return fmt.Sprintf("at %s: array of %d, want %v", path, len(a), b)
		}
		for i := range a {
			if msg := jsonDiff(a[i], b[i], fmt.Sprintf("%s[%d]", path, i)); msg != "" {
				return msg
			}
		}
		return ""
	case json.Number:
		b, ok := b.(json.Number)
		if !ok {
			return fmt.Sprintf("at %s: number %s, want %v", path, a, b)
		}
		ra, okA := new(big.Rat).SetString(a.String())
		rb, okB := new(big.Rat).SetString(b.String())
		if !okA || !okB || ra.Cmp(rb) != 0 {
			return fmt.Sprintf("at %s: %s, want %s", path, a, b)
		}
		return ""
	default: // string, bool, nil
		if !reflect.DeepEqual(a, b) {
			return fmt.Sprintf("at %s: %#v, want %#v", path, a, b)
		}
		return ""
	}
}

// getItem reads an item, failing the test if it is not there.
func getItem(t *testing.T, s store.Store, it store.Item) store.Item {
	t.Helper()
	got, err := s.GetItem(t.Context(), it.TenantID, it.Kind, it.ID)
	if err != nil {
		t.Fatalf("GetItem(%s %s): %v", it.Kind, it.ID, err)
	}
	return got
}

// wantNoItem checks that an item is not stored.
func wantNoItem(t *testing.T, s store.Store, it store.Item, what string) {
	t.Helper()
	_, err := s.GetItem(t.Context(), it.TenantID, it.Kind, it.ID)
	wantErr(t, err, store.ErrNotFound, what)
}

// query runs QueryItems, failing the test on an error.
func query(t *testing.T, s store.Store, q store.ItemQuery) ([]store.Item, int) {
	t.Helper()
	items, n, err := s.QueryItems(t.Context(), q)
	if err != nil {
		t.Fatalf("QueryItems(%+v): %v", q, err)
	}
	return items, n
}

// appendToLog is an UpdateItem closure that appends entry to the
// document's "log" array, keeping its other members.
func appendToLog(entry string) func(store.Item) (store.Item, error) {
	return func(it store.Item) (store.Item, error) {
		var doc map[string]any
		if err := json.Unmarshal(it.Doc, &doc); err != nil {
			return it, err
		}
		log, _ := doc["log"].([]any)
		doc["log"] = append(log, entry)
		b, err := json.Marshal(doc)
		it.Doc = b
		return it, err
	}
}

var itemTests = []test{
	{"CreateGet", testItemCreateGet},
	{"CreateDefaults", testItemCreateDefaults},
	{"CreateDuplicate", testItemCreateDuplicate},
	{"CreateInvalidDocument", testItemCreateInvalid},
	{"GetNotFound", testItemGetNotFound},
	{"Update", testItemUpdate},
	{"UpdateErrors", testItemUpdateErrors},
	{"UpdateIfVersion", testItemUpdateIfVersion},
	{"UpdateConcurrent", testItemUpdateConcurrent},
	{"UpdateConcurrentIfVersion", testItemUpdateConcurrentIfVersion},
	{"Delete", testItemDelete},
	{"QueryScopes", testItemQueryScopes},
	{"QueryWhere", testItemQueryWhere},
	{"QueryOrder", testItemQueryOrder},
	{"QueryPagingAndCount", testItemQueryPaging},
	{"DocumentRoundTrip", testItemDocRoundTrip},
	{"TimesUTCMilliseconds", testItemTimes},
	{"BatchCommits", testItemBatchCommit},
	{"BatchRollsBack", testItemBatchRollback},
	{"BatchConflict", testItemBatchConflict},
	{"TenantIsolation", testItemTenantIsolation},
}

// testItemCreateGet: every field round-trips; the key is (tenant, kind, id).
func testItemCreateGet(t *testing.T, s store.Store) {
	ctx := t.Context()
	tenant, owner := newID(), newID()
	folder := newItem(tenant, "mailFolder", owner, "", `{"displayName":"Inbox","childFolderCount":0,"totalItemCount":2}`)
	msg := newItem(tenant, "message", owner, folder.ID, `{"subject":"Hello","isRead":false}`)
	must(t, s.CreateItems(ctx, folder, msg))
	checkItem(t, "GetItem of the folder", getItem(t, s, folder), folder)
	checkItem(t, "GetItem of the message", getItem(t, s, msg), msg)

	// The same id in another kind or another tenant is another item.
	sameIDOtherKind := newItem(tenant, "event", owner, "", `{"subject":"Standup"}`)
	sameIDOtherKind.ID = msg.ID
	sameIDOtherTenant := newItem(newID(), "message", owner, folder.ID, `{"subject":"Elsewhere"}`)
	sameIDOtherTenant.ID = msg.ID
	must(t, s.CreateItems(ctx, sameIDOtherKind))
	must(t, s.CreateItems(ctx, sameIDOtherTenant))
	checkItem(t, "GetItem of the same id in another kind", getItem(t, s, sameIDOtherKind), sameIDOtherKind)
	checkItem(t, "GetItem of the same id in another tenant", getItem(t, s, sameIDOtherTenant), sameIDOtherTenant)
	checkItem(t, "GetItem of the message after the others", getItem(t, s, msg), msg)

	// Creating nothing is nothing.
	must(t, s.CreateItems(ctx))
}

// testItemCreateDefaults: Version 0 is stored as 1; zero times are set.
func testItemCreateDefaults(t *testing.T, s store.Store) {
	it := store.Item{TenantID: newID(), Kind: "chat", ID: newID(), Doc: json.RawMessage(`{"topic":null}`)}
	must(t, s.CreateItems(t.Context(), it))
	got := getItem(t, s, it)
	if got.Version != 1 {
		t.Errorf("Version = %d, want 1", got.Version)
	}
	if got.CreatedAt.IsZero() || got.ModifiedAt.IsZero() {
		t.Errorf("CreatedAt %v, ModifiedAt %v: zero times were not set", got.CreatedAt, got.ModifiedAt)
	}
	if got.ModifiedAt.Before(got.CreatedAt) {
		t.Errorf("ModifiedAt %v is before CreatedAt %v", got.ModifiedAt, got.CreatedAt)
	}
	want := it
	want.Version, want.CreatedAt, want.ModifiedAt = 1, got.CreatedAt, got.ModifiedAt
	checkItem(t, "GetItem", got, want)
}

// testItemCreateDuplicate: a key that exists, or repeats within one call,
// is ErrConflict, and the call stores nothing.
func testItemCreateDuplicate(t *testing.T, s store.Store) {
	ctx := t.Context()
	tenant, owner, folder := newID(), newID(), newID()
	x := newItem(tenant, "message", owner, folder, `{"subject":"x"}`)
	must(t, s.CreateItems(ctx, x))

	a := newItem(tenant, "message", owner, folder, `{"subject":"a"}`)
	dupX := newItem(tenant, "message", owner, folder, `{"subject":"changed"}`)
	dupX.ID = x.ID
	wantErr(t, s.CreateItems(ctx, a, dupX), store.ErrConflict, "CreateItems with an existing key")
	wantNoItem(t, s, a, "the item created with a duplicate")
	checkItem(t, "the existing item", getItem(t, s, x), x)

	b := newItem(tenant, "message", owner, folder, `{"subject":"b"}`)
	c := newItem(tenant, "message", owner, folder, `{"subject":"c"}`)
	b2 := newItem(tenant, "message", owner, folder, `{"subject":"b again"}`)
	b2.ID = b.ID
	wantErr(t, s.CreateItems(ctx, b, c, b2), store.ErrConflict, "CreateItems with a key twice")
	wantNoItem(t, s, b, "the first of the duplicates")
	wantNoItem(t, s, c, "the item between the duplicates")

	all, _ := query(t, s, store.ItemQuery{TenantID: tenant, Kind: "message"})
	checkItems(t, "the tenant's messages", all, []store.Item{x})
}

// testItemCreateInvalidDocument: a document that is not JSON fails the
// call, which stores nothing.
func testItemCreateInvalid(t *testing.T, s store.Store) {
	ctx := t.Context()
	tenant := newID()
	good := newItem(tenant, "contact", "", "", `{"displayName":"Alex"}`)
	bad := newItem(tenant, "contact", "", "", `{"displayName":`)
	if err := s.CreateItems(ctx, good, bad); err == nil {
		t.Fatal("CreateItems accepted a document that is not JSON")
	}
	wantNoItem(t, s, good, "the valid item of the failed call")
	wantNoItem(t, s, bad, "the invalid item")
}

// testItemGetNotFound: near misses of the key are ErrNotFound.
func testItemGetNotFound(t *testing.T, s store.Store) {
	ctx := t.Context()
	it := newItem(newID(), "message", newID(), newID(), `{}`)
	must(t, s.CreateItems(ctx, it))
	for _, tc := range []struct{ name, tenant, kind, id string }{
		{"missing id", it.TenantID, it.Kind, newID()},
		{"other kind", it.TenantID, "event", it.ID},
		{"other tenant", newID(), it.Kind, it.ID},
	} {
		_, err := s.GetItem(ctx, tc.tenant, tc.kind, tc.id)
		wantErr(t, err, store.ErrNotFound, "GetItem of "+tc.name)
	}
}

// testItemUpdate: the closure gets the stored item; the store keeps the
// key, increments Version and sets ModifiedAt; the result is what a read
// returns.
func testItemUpdate(t *testing.T, s store.Store) {
	ctx := t.Context()
	tenant, owner := newID(), newID()
	inbox, archive := newID(), newID()
	it := newItem(tenant, "message", owner, inbox, `{"subject":"Hello","isRead":false}`)
	must(t, s.CreateItems(ctx, it))

	got, err := s.UpdateItem(ctx, tenant, "message", it.ID, 0, func(cur store.Item) (store.Item, error) {
		checkItem(t, "the closure's item", cur, it)
		cur.ParentID = archive
		cur.Doc = json.RawMessage(`{"subject":"Hello","isRead":true}`)
		cur.TenantID, cur.Kind, cur.ID = newID(), "event", newID() // kept by the store
		cur.Version = 42                                           // set by the store
		cur.ModifiedAt = time.Time{}                               // set by the store
		return cur, nil
	})
	must(t, err)
	want := it
	want.ParentID = archive
	want.Doc = json.RawMessage(`{"isRead":true,"subject":"Hello"}`)
	want.Version = 2
	if got.ModifiedAt.IsZero() || got.ModifiedAt.Equal(it.ModifiedAt) {
		t.Errorf("ModifiedAt after update = %v, want it set anew", got.ModifiedAt)
	}
	want.ModifiedAt = got.ModifiedAt
	checkItem(t, "UpdateItem's result", got, want)
	checkItem(t, "GetItem after update", getItem(t, s, it), want)

	got, err = s.UpdateItem(ctx, tenant, "message", it.ID, 0, func(cur store.Item) (store.Item, error) { return cur, nil })
	must(t, err)
	if got.Version != 3 {
		t.Errorf("Version after two updates = %d, want 3", got.Version)
	}
	if got.ModifiedAt.Before(want.ModifiedAt) {
		t.Errorf("ModifiedAt went back from %v to %v", want.ModifiedAt, got.ModifiedAt)
	}
	checkItem(t, "GetItem after the second update", getItem(t, s, it), got)
}

// testItemUpdateErrors: a closure's error aborts the update, which changes
// nothing; a missing item is ErrNotFound without calling the closure.
func testItemUpdateErrors(t *testing.T, s store.Store) {
	ctx := t.Context()
	it := newItem(newID(), "todoTask", newID(), newID(), `{"title":"Buy milk","status":"notStarted"}`)
	must(t, s.CreateItems(ctx, it))

	veto := errors.New("vetoed by the closure")
	_, err := s.UpdateItem(ctx, it.TenantID, it.Kind, it.ID, 0, func(cur store.Item) (store.Item, error) {
		cur.Doc = json.RawMessage(`{"title":"changed"}`)
		cur.ParentID = newID()
		return cur, veto
	})
	wantErr(t, err, veto, "UpdateItem with a failing closure")
	checkItem(t, "the item after the vetoed update", getItem(t, s, it), it)

	_, err = s.UpdateItem(ctx, it.TenantID, it.Kind, it.ID, 0, func(cur store.Item) (store.Item, error) {
		cur.Doc = json.RawMessage(`{"title":`)
		return cur, nil
	})
	if err == nil {
		t.Error("UpdateItem stored a document that is not JSON")
	}
	checkItem(t, "the item after the invalid update", getItem(t, s, it), it)

	noCall := func(what string) func(store.Item) (store.Item, error) {
		return func(cur store.Item) (store.Item, error) {
			t.Errorf("%s called its closure for a missing item", what)
			return cur, nil
		}
	}
	_, err = s.UpdateItem(ctx, it.TenantID, it.Kind, newID(), 0, noCall("UpdateItem of a missing id"))
	wantErr(t, err, store.ErrNotFound, "UpdateItem of a missing id")
	_, err = s.UpdateItem(ctx, newID(), it.Kind, it.ID, 0, noCall("UpdateItem in another tenant"))
	wantErr(t, err, store.ErrNotFound, "UpdateItem in another tenant")
	_, err = s.UpdateItem(ctx, it.TenantID, "todoTaskList", it.ID, 1, noCall("UpdateItem of another kind"))
	wantErr(t, err, store.ErrNotFound, "UpdateItem of another kind")
	checkItem(t, "the item", getItem(t, s, it), it)
}

// testItemUpdateIfVersion: ifVersion is an etag: a stale or future version
// is ErrPrecondition and changes nothing.
func testItemUpdateIfVersion(t *testing.T, s store.Store) {
	ctx := t.Context()
	it := newItem(newID(), "event", newID(), newID(), `{"subject":"Standup"}`)
	must(t, s.CreateItems(ctx, it))
	setSubject := func(subject string) func(store.Item) (store.Item, error) {
		return func(cur store.Item) (store.Item, error) {
			cur.Doc = json.RawMessage(fmt.Sprintf(`{"subject":%q}`, subject))
			return cur, nil
		}
	}
	updated, err := s.UpdateItem(ctx, it.TenantID, it.Kind, it.ID, 1, setSubject("Daily standup"))
	must(t, err)
	if updated.Version != 2 {
		t.Fatalf("Version after a matching update = %d, want 2", updated.Version)
	}
	for _, stale := range []int64{1, 3} {
		_, err := s.UpdateItem(ctx, it.TenantID, it.Kind, it.ID, stale, setSubject("changed"))
		wantErr(t, err, store.ErrPrecondition, fmt.Sprintf("UpdateItem if version %d (stored 2)", stale))
		checkItem(t, "the item after the refused update", getItem(t, s, it), updated)
	}
	again, err := s.UpdateItem(ctx, it.TenantID, it.Kind, it.ID, 2, setSubject("Weekly"))
	must(t, err)
	if again.Version != 3 {
		t.Errorf("Version = %d, want 3", again.Version)
	}
}

// testItemUpdateConcurrent: read-modify-write through the closure loses no
// update.
func testItemUpdateConcurrent(t *testing.T, s store.Store) {
	ctx := t.Context()
	it := newItem(newID(), "chat", "", "", `{"log":[]}`)
	must(t, s.CreateItems(ctx, it))
	const n = 10
	errs := concurrently(n, func(i int) error {
		_, err := s.UpdateItem(ctx, it.TenantID, it.Kind, it.ID, 0, appendToLog(fmt.Sprint("entry ", i)))
		return err
	})
	for _, err := range errs {
		must(t, err)
	}
	got := getItem(t, s, it)
	var doc struct{ Log []string }
	must(t, json.Unmarshal(got.Doc, &doc))
	slices.Sort(doc.Log)
	if len(slices.Compact(doc.Log)) != n || got.Version != it.Version+n {
		t.Errorf("after %d concurrent updates: log %v, version %d; want %d entries, version %d",
			n, doc.Log, got.Version, n, it.Version+n)
	}
}

// testItemUpdateConcurrentIfVersion: of concurrent updates with the same
// etag, exactly one succeeds.
func testItemUpdateConcurrentIfVersion(t *testing.T, s store.Store) {
	ctx := t.Context()
	for round := range rounds {
		it := newItem(newID(), "event", newID(), newID(), `{"log":[]}`)
		must(t, s.CreateItems(ctx, it))
		const n = 10
		errs := concurrently(n, func(i int) error {
			_, err := s.UpdateItem(ctx, it.TenantID, it.Kind, it.ID, 1, appendToLog(fmt.Sprint("entry ", i)))
			return err
		})
		won := 0
		for i, err := range errs {
			switch {
			case err == nil:
				won++
			case !errors.Is(err, store.ErrPrecondition):
				t.Fatalf("round %d: updater %d: %v", round, i, err)
			}
		}
		got := getItem(t, s, it)
		var doc struct{ Log []string }
		must(t, json.Unmarshal(got.Doc, &doc))
		if won != 1 || len(doc.Log) != 1 || got.Version != 2 {
			t.Fatalf("round %d: %d updaters won; log %v, version %d; want one, one entry, version 2", round, won, doc.Log, got.Version)
		}
	}
}

// testItemDelete: deletes by id within a tenant and kind, ignores missing
// ids and counts what it removed.
func testItemDelete(t *testing.T, s store.Store) {
	ctx := t.Context()
	tenant, owner, list := newID(), newID(), newID()
	a := newItem(tenant, "todoTask", owner, list, `{"title":"a"}`)
	b := newItem(tenant, "todoTask", owner, list, `{"title":"b"}`)
	c := newItem(tenant, "todoTask", owner, list, `{"title":"c"}`)
	otherKind := newItem(tenant, "todoTaskList", owner, "", `{"displayName":"Tasks"}`)
	otherKind.ID = a.ID
	otherTenant := newItem(newID(), "todoTask", owner, list, `{"title":"a elsewhere"}`)
	otherTenant.ID = a.ID
	must(t, s.CreateItems(ctx, a, b, c, otherKind, otherTenant))

	n, err := s.DeleteItems(ctx, tenant, "todoTask", a.ID, newID(), b.ID, a.ID)
	must(t, err)
	if n != 2 {
		t.Errorf("DeleteItems of two items, a missing id and a repeat = %d, want 2", n)
	}
	wantNoItem(t, s, a, "GetItem of a deleted item")
	wantNoItem(t, s, b, "GetItem of a deleted item")
	checkItem(t, "the item not deleted", getItem(t, s, c), c)
	checkItem(t, "the same id in another kind", getItem(t, s, otherKind), otherKind)
	checkItem(t, "the same id in another tenant", getItem(t, s, otherTenant), otherTenant)

	for _, tc := range []struct {
		name string
		ids  []string
	}{
		{"deleted ids again", []string{a.ID, b.ID}},
		{"no ids", nil},
		{"a missing id", []string{newID()}},
	} {
		n, err := s.DeleteItems(ctx, tenant, "todoTask", tc.ids...)
		if err != nil || n != 0 {
			t.Errorf("DeleteItems of %s = %d, %v; want 0, nil", tc.name, n, err)
		}
	}
	n, err = s.DeleteItems(ctx, newID(), "todoTask", c.ID)
	if err != nil || n != 0 {
		t.Errorf("DeleteItems in another tenant = %d, %v; want 0, nil", n, err)
	}
	checkItem(t, "the item after deletes elsewhere", getItem(t, s, c), c)
}

// mailbox is a query fixture: two users' folders and messages, with other
// kinds and another tenant using the same owners and parents.
type mailbox struct {
	tenant, adele, megan      string
	inbox, archive, megansBox string
	// messages in inbox, archive and megansBox
	inboxMsgs, archiveMsgs, meganMsgs []store.Item
	all                               []store.Item // every message of the tenant
}

func newMailbox(t *testing.T, s store.Store) mailbox {
	t.Helper()
	m := mailbox{tenant: newID(), adele: newID(), megan: newID(), inbox: newID(), archive: newID(), megansBox: newID()}
	received := func(i int) time.Time { return at(time.Duration(i) * time.Hour) }
	for i, subj := range []string{"Quarterly report", "Lunch?", "Re: Quarterly report", "100% done_now", "Offsite"} {
		m.inboxMsgs = append(m.inboxMsgs, newMessage(m.tenant, m.adele, m.inbox, subj, i%3, received(i), i%2 == 0))
	}
	for i, subj := range []string{"Old news", "Archived report"} {
		m.archiveMsgs = append(m.archiveMsgs, newMessage(m.tenant, m.adele, m.archive, subj, 10+i, received(10+i), true))
	}
	for i, subj := range []string{"Quarterly report", "Hello"} {
		m.meganMsgs = append(m.meganMsgs, newMessage(m.tenant, m.megan, m.megansBox, subj, 20+i, received(20+i), false))
	}
	m.all = slices.Concat(m.inboxMsgs, m.archiveMsgs, m.meganMsgs)
	noise := []store.Item{
		// Other kinds with the same owner and parent.
		newItem(m.tenant, "mailFolder", m.adele, m.inbox, `{"displayName":"Subfolder","subject":"Quarterly report","n":1}`),
		newItem(m.tenant, "event", m.adele, m.inbox, `{"subject":"Quarterly report","n":1}`),
		// Another tenant with the same owner and folder.
		newMessage(newID(), m.adele, m.inbox, "Quarterly report", 1, received(1), false),
	}
	must(t, s.CreateItems(t.Context(), slices.Concat(m.all, noise)...))
	return m
}

// testItemQueryScopes: owner, parent and parents select; tenant and kind
// always do.
func testItemQueryScopes(t *testing.T, s store.Store) {
	m := newMailbox(t, s)
	for _, tc := range []struct {
		name string
		q    store.ItemQuery
		want []store.Item
	}{
		{"tenant and kind", store.ItemQuery{TenantID: m.tenant, Kind: "message"}, m.all},
		{"owner", store.ItemQuery{TenantID: m.tenant, Kind: "message", OwnerID: m.adele}, slices.Concat(m.inboxMsgs, m.archiveMsgs)},
		{"parent", store.ItemQuery{TenantID: m.tenant, Kind: "message", ParentID: m.inbox}, m.inboxMsgs},
		{"owner and parent", store.ItemQuery{TenantID: m.tenant, Kind: "message", OwnerID: m.adele, ParentID: m.archive}, m.archiveMsgs},
		{"owner and another's parent", store.ItemQuery{TenantID: m.tenant, Kind: "message", OwnerID: m.adele, ParentID: m.megansBox}, nil},
		{"parents", store.ItemQuery{TenantID: m.tenant, Kind: "message", ParentIDs: []string{m.inbox, m.archive}}, slices.Concat(m.inboxMsgs, m.archiveMsgs)},
		{"owner and parents", store.ItemQuery{TenantID: m.tenant, Kind: "message", OwnerID: m.megan, ParentIDs: []string{m.inbox, m.megansBox}}, m.meganMsgs},
		{"parents without items", store.ItemQuery{TenantID: m.tenant, Kind: "message", ParentIDs: []string{newID(), newID()}}, nil},
		{"another owner", store.ItemQuery{TenantID: m.tenant, Kind: "message", OwnerID: newID()}, nil},
		{"another kind", store.ItemQuery{TenantID: m.tenant, Kind: "contact"}, nil},
		{"another tenant", store.ItemQuery{TenantID: newID(), Kind: "message", OwnerID: m.adele, ParentID: m.inbox}, nil},
	} {
		got, n := query(t, s, tc.q)
		checkItems(t, tc.name, got, byID(tc.want...))
		if n != -1 {
			t.Errorf("%s: count %d without Count, want -1", tc.name, n)
		}
		tc.q.Count = true
		_, n = query(t, s, tc.q)
		if n != len(tc.want) {
			t.Errorf("%s: count %d, want %d", tc.name, n, len(tc.want))
		}
	}
}

// testItemQueryWhere: the caller's conditions over doc, with their
// arguments after the backend's own (owner, parent).
func testItemQueryWhere(t *testing.T, s store.Store) {
	m := newMailbox(t, s)
	in := m.inboxMsgs
	var in11 []store.Value
	for _, n := range []int64{-1, 1, -2, -3, -4, -5, -6, -7, -8, -9, 2} { // 11 placeholders: $10 and $11 are not $1 followed by a digit
		in11 = append(in11, store.Int(n))
	}
	for _, tc := range []struct {
		name   string
		q      store.ItemQuery
		filter store.Cond
		want   []store.Item
	}{
		{"string equals", store.ItemQuery{TenantID: m.tenant, Kind: "message"},
			eq(str("subject"), store.String("Quarterly report")), []store.Item{in[0], m.meganMsgs[0]}},
		{"string equals, with owner and parent", store.ItemQuery{TenantID: m.tenant, Kind: "message", OwnerID: m.adele, ParentID: m.inbox},
			eq(str("subject"), store.String("Quarterly report")), []store.Item{in[0]}},
		{"nested property", store.ItemQuery{TenantID: m.tenant, Kind: "message", OwnerID: m.adele},
			eq(str("from/emailAddress/address"), store.String("o@contoso.com")), []store.Item{in[4], m.archiveMsgs[0]}},
		{"number range, two arguments", store.ItemQuery{TenantID: m.tenant, Kind: "message", OwnerID: m.adele, ParentIDs: []string{m.inbox, m.archive}},
			store.And{compare(num("n"), store.Ge, store.Int(2)), compare(num("n"), store.Lt, store.Int(11))}, []store.Item{in[2], m.archiveMsgs[0]}},
		{"boolean", store.ItemQuery{TenantID: m.tenant, Kind: "message", ParentID: m.inbox},
			eq(boolean("isRead"), store.Bool(true)), []store.Item{in[0], in[2], in[4]}},
		{"date-time text range", store.ItemQuery{TenantID: m.tenant, Kind: "message", OwnerID: m.adele},
			store.And{compare(dt("receivedDateTime"), store.Ge, store.Time(at(3*time.Hour))), compare(dt("receivedDateTime"), store.Lt, store.Time(at(11*time.Hour)))},
			[]store.Item{in[3], in[4], m.archiveMsgs[0]}},
		{"contains, escaped", store.ItemQuery{TenantID: m.tenant, Kind: "message", OwnerID: m.adele, ParentID: m.inbox},
			store.Match{Field: str("subject"), Kind: store.Contains, Text: `100% done_`}, []store.Item{in[3]}},
		{"contains, case-insensitive", store.ItemQuery{TenantID: m.tenant, Kind: "message", OwnerID: m.adele},
			store.Match{Field: str("subject"), Kind: store.Contains, Text: "report"}, []store.Item{in[0], in[2], m.archiveMsgs[1]}},
		{"eleven arguments", store.ItemQuery{TenantID: m.tenant, Kind: "message", OwnerID: m.adele, ParentID: m.inbox},
			store.In{Field: num("n"), Values: in11}, []store.Item{in[1], in[2], in[4]}},
		{"or, grouped by the backend", store.ItemQuery{TenantID: m.tenant, Kind: "message", ParentID: m.megansBox},
			store.Or{eq(str("subject"), store.String("Quarterly report")), eq(str("subject"), store.String("Old news"))}, []store.Item{m.meganMsgs[0]}},
		{"matching nothing", store.ItemQuery{TenantID: m.tenant, Kind: "message"},
			eq(str("subject"), store.String("no such subject")), nil},
	} {
		tc.q.Filter, tc.q.Count = tc.filter, true
		got, n := query(t, s, tc.q)
		checkItems(t, tc.name, got, byID(tc.want...))
		if n != len(tc.want) {
			t.Errorf("%s: count %d, want %d", tc.name, n, len(tc.want))
		}
	}
}

// sortItems sorts items by key, then id (the store's final tie-breaker).
func sortItems(items []store.Item, cmp func(a, b store.Item) int) []store.Item {
	items = slices.Clone(items)
	slices.SortFunc(items, func(a, b store.Item) int {
		if c := cmp(a, b); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
	return items
}

// docField decodes one top-level member of an item's document.
func docField[T any](it store.Item, name string) T {
	var doc map[string]json.RawMessage
	if err := json.Unmarshal(it.Doc, &doc); err != nil {
		panic(err)
	}
	var v T
	if err := json.Unmarshal(doc[name], &v); err != nil {
		panic(err)
	}
	return v
}

// testItemQueryOrder: the caller's ordering, then id.
func testItemQueryOrder(t *testing.T, s store.Store) {
	m := newMailbox(t, s)
	n := func(it store.Item) int { return docField[int](it, "n") }
	subject := func(it store.Item) string { return docField[string](it, "subject") }
	received := func(it store.Item) string { return docField[string](it, "receivedDateTime") }
	adeles := slices.Concat(m.inboxMsgs, m.archiveMsgs)
	for _, tc := range []struct {
		name  string
		q     store.ItemQuery
		order []store.Order
		want  []store.Item
	}{
		{"no order: id", store.ItemQuery{TenantID: m.tenant, Kind: "message"}, nil, byID(m.all...)},
		{"number descending, ties by id", store.ItemQuery{TenantID: m.tenant, Kind: "message", ParentID: m.inbox},
			[]store.Order{desc(num("n"))}, sortItems(m.inboxMsgs, func(a, b store.Item) int { return n(b) - n(a) })},
		{"number ascending, ties by id", store.ItemQuery{TenantID: m.tenant, Kind: "message", OwnerID: m.adele},
			[]store.Order{asc(num("n"))}, sortItems(adeles, func(a, b store.Item) int { return n(a) - n(b) })},
		{"date-time descending", store.ItemQuery{TenantID: m.tenant, Kind: "message", OwnerID: m.adele},
			[]store.Order{desc(dt("receivedDateTime"))}, sortItems(adeles, func(a, b store.Item) int { return strings.Compare(received(b), received(a)) })},
		{"string ascending", store.ItemQuery{TenantID: m.tenant, Kind: "message"},
			[]store.Order{asc(str("subject"))}, sortItems(m.all, func(a, b store.Item) int { return strings.Compare(subject(a), subject(b)) })},
		{"two keys", store.ItemQuery{TenantID: m.tenant, Kind: "message", OwnerID: m.adele},
			[]store.Order{desc(boolean("isRead")), desc(num("n"))}, sortItems(adeles, func(a, b store.Item) int {
				ra, rb := docField[bool](a, "isRead"), docField[bool](b, "isRead")
				if ra != rb {
					if ra {
						return -1
					}
					return 1
				}
				return n(b) - n(a)
			})},
	} {
		tc.q.Order = tc.order
		got, _ := query(t, s, tc.q)
		checkItems(t, tc.name, got, tc.want)
	}
}

// testItemQueryPaging: Limit and Offset page through the order, visiting
// every item once; Count is the total, whatever the page.
func testItemQueryPaging(t *testing.T, s store.Store) {
	ctx := t.Context()
	tenant, owner, folder := newID(), newID(), newID()
	var all []store.Item
	for i := range 11 {
		all = append(all, newMessage(tenant, owner, folder, fmt.Sprint("message ", i), i%4, at(time.Duration(i)*time.Minute), i%3 == 0))
	}
	must(t, s.CreateItems(ctx, all...))
	must(t, s.CreateItems(ctx, newMessage(tenant, newID(), newID(), "elsewhere", 1, at(0), false)))
	ordered := sortItems(all, func(a, b store.Item) int { return docField[int](a, "n") - docField[int](b, "n") })
	base := store.ItemQuery{TenantID: tenant, Kind: "message", OwnerID: owner, ParentID: folder, Order: []store.Order{asc(num("n"))}}

	for _, pageSize := range []int{1, 3, 4, 11, 20} {
		var walked []store.Item
		for offset := 0; ; offset += pageSize {
			q := base
			q.Limit, q.Offset, q.Count = pageSize, offset, true
			page, n := query(t, s, q)
			if n != len(all) {
				t.Errorf("page size %d, offset %d: count %d, want %d", pageSize, offset, n, len(all))
			}
			if len(page) > pageSize {
				t.Fatalf("page size %d, offset %d: %d items", pageSize, offset, len(page))
			}
			if len(page) == 0 {
				break
			}
			walked = append(walked, page...)
		}
		checkItems(t, fmt.Sprintf("walking pages of %d", pageSize), walked, ordered)
	}

	for _, tc := range []struct {
		name          string
		limit, offset int
		count         bool
		want          []store.Item
		wantCount     int
	}{
		{"no limit", 0, 0, false, ordered, -1},
		{"no limit, counted", 0, 0, true, ordered, 11},
		{"offset without limit", 0, 8, true, ordered[8:], 11},
		{"limit, not counted", 2, 1, false, ordered[1:3], -1},
		{"offset past the end", 5, 11, true, nil, 11},
		{"offset far past the end", 0, 100, true, nil, 11},
	} {
		q := base
		q.Limit, q.Offset, q.Count = tc.limit, tc.offset, tc.count
		got, n := query(t, s, q)
		checkItems(t, tc.name, got, tc.want)
		if n != tc.wantCount {
			t.Errorf("%s: count %d, want %d", tc.name, n, tc.wantCount)
		}
	}

	// Count counts what Filter selects, not what the page holds.
	q := base
	q.Filter = eq(num("n"), store.Int(1))
	q.Limit, q.Count = 1, true
	page, n := query(t, s, q)
	var ones []store.Item
	for _, it := range ordered {
		if docField[int](it, "n") == 1 {
			ones = append(ones, it)
		}
	}
	checkItems(t, "a filtered page", page, ones[:1])
	if n != len(ones) {
		t.Errorf("filtered count %d, want %d", n, len(ones))
	}
}

// roundTripDocs are documents with what JSON encoders and backends tend to
// change: escapes, non-ASCII text, number spellings, nesting, empty
// containers, nulls.
var roundTripDocs = []string{
	`{}`,
	`{"subject":"Hello","isRead":false,"importance":"normal","flag":null}`,
	`{ "spaced" :  [ 1 , 2 ,3 ] ,
	   "newlines" : "a\nb\r\nc\td" }`,
	`{"quotes":"\"quoted\" and \\backslash\\ and \/slash","html":"<b>bold</b> & \u003cscript\u003e"}`,
	`{"unicode":"Adèle Vancé — 日本語 — 😀","escaped":"\u00e9\u65e5\ud83d\ude00","control":"\u0001\u001f"}`,
	`{"z":1,"a":2,"m":{"y":[],"b":{},"a":[{"k":"v"},[[]],null,true,false]}}`,
	`{"int":42,"negative":-7,"zero":0,"float":3.25,"exp":1e2,"small":1.5E-7,"big":9007199254740993,"decimal":0.1}`,
	`{"body":{"contentType":"html","content":"<html><body><p>Hi,</p><p>See you at 10:00.</p></body></html>"},` +
		`"toRecipients":[{"emailAddress":{"name":"Megan Bowen","address":"MeganB@contoso.com"}}],` +
		`"receivedDateTime":"2025-03-14T15:09:26.5350000Z","categories":["Red category","Blue category"]}`,
	`{"deep":{"a":{"b":{"c":{"d":{"e":{"f":{"g":["h"]}}}}}}}}`,
	`{"key with spaces":"v","ключ":"значение","":"empty key","@odata.etag":"W/\"CQAAABYAAAB\""}`,
}

// testItemDocRoundTrip: documents come back as equivalent JSON, from
// every method that returns them.
func testItemDocRoundTrip(t *testing.T, s store.Store) {
	ctx := t.Context()
	tenant, owner := newID(), newID()
	var items []store.Item
	for _, doc := range roundTripDocs {
		items = append(items, newItem(tenant, "message", owner, "", doc))
	}
	must(t, s.CreateItems(ctx, items...))
	for i, it := range items {
		checkItem(t, fmt.Sprintf("GetItem of document %d", i), getItem(t, s, it), it)
	}
	got, _ := query(t, s, store.ItemQuery{TenantID: tenant, Kind: "message", OwnerID: owner})
	checkItems(t, "QueryItems", got, byID(items...))

	// Through an update, both in the result and in the store.
	for i, it := range items {
		next := roundTripDocs[(i+1)%len(roundTripDocs)]
		updated, err := s.UpdateItem(ctx, tenant, "message", it.ID, 0, func(cur store.Item) (store.Item, error) {
			if msg := jsonEquivalent(cur.Doc, it.Doc); msg != "" {
				t.Errorf("document %d in the update closure: %s", i, msg)
			}
			cur.Doc = json.RawMessage(next)
			return cur, nil
		})
		must(t, err)
		if msg := jsonEquivalent(updated.Doc, []byte(next)); msg != "" {
			t.Errorf("UpdateItem's result for document %d: %s", i, msg)
		}
		if msg := jsonEquivalent(getItem(t, s, it).Doc, []byte(next)); msg != "" {
			t.Errorf("GetItem after updating document %d: %s", i, msg)
		}
	}
}

// testItemTimes: item times come back in UTC with at least millisecond
// precision, whatever the location they were given in.
func testItemTimes(t *testing.T, s store.Store) {
	zone := time.FixedZone("UTC-08:00", -8*3600)
	created := time.Date(2025, 7, 1, 9, 30, 15, 123_456_789, zone)
	modified := created.Add(90*time.Minute + 987_654)
	it := newItem(newID(), "event", newID(), newID(), `{}`)
	it.CreatedAt, it.ModifiedAt = created, modified
	must(t, s.CreateItems(t.Context(), it))
	got := getItem(t, s, it)
	for _, tc := range []struct {
		name      string
		got, want time.Time
	}{
		{"CreatedAt", got.CreatedAt, created},
		{"ModifiedAt", got.ModifiedAt, modified},
	} {
		if tc.got.Location() != time.UTC {
			t.Errorf("%s: %v is not in UTC", tc.name, tc.got)
		}
		if tc.got.Before(tc.want.Truncate(time.Millisecond)) || tc.got.After(tc.want) {
			t.Errorf("%s: %v, want %v to the millisecond", tc.name, tc.got, tc.want.UTC())
		}
	}
	updated, err := s.UpdateItem(t.Context(), it.TenantID, it.Kind, it.ID, 0, func(cur store.Item) (store.Item, error) { return cur, nil })
	must(t, err)
	if updated.ModifiedAt.Location() != time.UTC || updated.CreatedAt.Location() != time.UTC {
		t.Errorf("UpdateItem's times %v, %v are not in UTC", updated.CreatedAt, updated.ModifiedAt)
	}
	if !updated.CreatedAt.Equal(got.CreatedAt) {
		t.Errorf("CreatedAt after update = %v, want %v", updated.CreatedAt, got.CreatedAt)
	}
}

// batchFixture stores x (to update) and y (to delete) and returns them with
// a and b (to create).
func batchFixture(t *testing.T, s store.Store) (x, y, a, b store.Item) {
	tenant, owner, folder := newID(), newID(), newID()
	x = newItem(tenant, "message", owner, folder, `{"subject":"x","log":[]}`)
	y = newItem(tenant, "message", owner, folder, `{"subject":"y"}`)
	a = newItem(tenant, "message", owner, folder, `{"subject":"a"}`)
	b = newItem(tenant, "message", newID(), newID(), `{"subject":"b"}`)
	must(t, s.CreateItems(t.Context(), x, y))
	return x, y, a, b
}

// batchWork creates a and b, updates x, deletes y, checking within the
// batch that each change is visible to the batch itself.
func batchWork(t *testing.T, tx store.Items, x, y, a, b store.Item) error {
	ctx := t.Context()
	if err := tx.CreateItems(ctx, a); err != nil {
		return err
	}
	if err := tx.CreateItems(ctx, b); err != nil {
		return err
	}
	got, err := tx.GetItem(ctx, a.TenantID, a.Kind, a.ID)
	if err != nil {
		return fmt.Errorf("GetItem in the batch of an item it created: %w", err)
	}
	checkItem(t, "GetItem in the batch", got, a)
	if _, err := tx.UpdateItem(ctx, x.TenantID, x.Kind, x.ID, 1, appendToLog("batch")); err != nil {
		return err
	}
	n, err := tx.DeleteItems(ctx, y.TenantID, y.Kind, y.ID)
	if err != nil {
		return err
	}
	if n != 1 {
		t.Errorf("DeleteItems in the batch = %d, want 1", n)
	}
	items, count, err := tx.QueryItems(ctx, store.ItemQuery{TenantID: x.TenantID, Kind: x.Kind, OwnerID: x.OwnerID, Count: true})
	if err != nil {
		return err
	}
	if !slices.Equal(itemIDs(items), itemIDs(byID(a, x))) || count != 2 {
		t.Errorf("QueryItems in the batch = %v (count %d), want %v", itemIDs(items), count, itemIDs(byID(a, x)))
	}
	return nil
}

// testItemBatchCommit: a batch's changes are all there when it returns nil.
func testItemBatchCommit(t *testing.T, s store.Store) {
	x, y, a, b := batchFixture(t, s)
	must(t, s.Batch(t.Context(), func(tx store.Items) error {
		return batchWork(t, tx, x, y, a, b)
	}))
	checkItem(t, "a created in the batch", getItem(t, s, a), a)
	checkItem(t, "b created in the batch", getItem(t, s, b), b)
	wantNoItem(t, s, y, "y deleted in the batch")
	gotX := getItem(t, s, x)
	if gotX.Version != 2 || jsonEquivalent(gotX.Doc, []byte(`{"subject":"x","log":["batch"]}`)) != "" {
		t.Errorf("x updated in the batch: version %d, doc %s", gotX.Version, gotX.Doc)
	}
}

// testItemBatchRollback: when f returns an error, Batch returns it and
// none of f's changes remain.
func testItemBatchRollback(t *testing.T, s store.Store) {
	x, y, a, b := batchFixture(t, s)
	veto := errors.New("vetoed by the batch")
	err := s.Batch(t.Context(), func(tx store.Items) error {
		if err := batchWork(t, tx, x, y, a, b); err != nil {
			return err
		}
		return veto
	})
	wantErr(t, err, veto, "Batch whose function fails")
	wantNoItem(t, s, a, "a created in the failed batch")
	wantNoItem(t, s, b, "b created in the failed batch")
	checkItem(t, "x updated in the failed batch", getItem(t, s, x), x)
	checkItem(t, "y deleted in the failed batch", getItem(t, s, y), y)
}

// testItemBatchConflict: a store error inside a batch, returned by f,
// fails the batch, which leaves nothing behind.
func testItemBatchConflict(t *testing.T, s store.Store) {
	ctx := t.Context()
	x, y, a, b := batchFixture(t, s)
	dup := newItem(x.TenantID, x.Kind, x.OwnerID, x.ParentID, `{"subject":"duplicate"}`)
	dup.ID = y.ID
	err := s.Batch(ctx, func(tx store.Items) error {
		if err := tx.CreateItems(ctx, a); err != nil {
			return err
		}
		if _, err := tx.UpdateItem(ctx, x.TenantID, x.Kind, x.ID, 0, appendToLog("batch")); err != nil {
			return err
		}
		return tx.CreateItems(ctx, b, dup)
	})
	wantErr(t, err, store.ErrConflict, "Batch creating a duplicate")
	wantNoItem(t, s, a, "a created in the failed batch")
	wantNoItem(t, s, b, "b created in the failed batch")
	checkItem(t, "x updated in the failed batch", getItem(t, s, x), x)
	checkItem(t, "y", getItem(t, s, y), y)
}

// testItemTenantIsolation: the same kind and id in two tenants are two
// items that no method mixes up.
func testItemTenantIsolation(t *testing.T, s store.Store) {
	ctx := t.Context()
	owner, folder := newID(), newID()
	a := newItem(newID(), "message", owner, folder, `{"subject":"Contoso"}`)
	b := newItem(newID(), "message", owner, folder, `{"subject":"Fabrikam"}`)
	b.ID = a.ID
	must(t, s.CreateItems(ctx, a, b))
	checkItem(t, "GetItem in tenant a", getItem(t, s, a), a)
	checkItem(t, "GetItem in tenant b", getItem(t, s, b), b)

	updated, err := s.UpdateItem(ctx, a.TenantID, a.Kind, a.ID, 1, func(cur store.Item) (store.Item, error) {
		checkItem(t, "the closure's item", cur, a)
		cur.Doc = json.RawMessage(`{"subject":"Contoso, updated"}`)
		return cur, nil
	})
	must(t, err)
	checkItem(t, "the other tenant's item after an update", getItem(t, s, b), b)

	for _, tc := range []struct {
		item store.Item
		want []store.Item
	}{{a, []store.Item{updated}}, {b, []store.Item{b}}} {
		got, n := query(t, s, store.ItemQuery{TenantID: tc.item.TenantID, Kind: "message", OwnerID: owner, ParentID: folder,
			Filter: store.Not{Cond: store.IsNull{Field: str("subject")}}, Count: true})
		checkItems(t, "QueryItems in one tenant", got, tc.want)
		if n != 1 {
			t.Errorf("count in one tenant = %d, want 1", n)
		}
	}

	n, err := s.DeleteItems(ctx, a.TenantID, "message", a.ID)
	must(t, err)
	if n != 1 {
		t.Errorf("DeleteItems = %d, want 1", n)
	}
	checkItem(t, "the other tenant's item after a delete", getItem(t, s, b), b)
}
