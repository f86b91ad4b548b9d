package graph_test

import (
	"context"
	"errors"
	"net/url"
	"sort"
	"strings"
	"testing"
	"time"

	"graphgate/internal/demo"
	"graphgate/internal/graph"
	"graphgate/internal/store"
)

const day = 24 * time.Hour

func skewDeltaClock(t *testing.T, e *env, d time.Duration) {
	graph.SetDriveDeltaClockSkew(e.srv.Graph(), d)
	t.Cleanup(func() { graph.SetDriveDeltaClockSkew(e.srv.Graph(), 0) })
}

func TestDriveDeltaTombstoneRetention(t *testing.T) {
	e := newEnv(t)
	read, write := e.delegated("adele", "Files.Read"), e.delegated("adele", "Files.ReadWrite")
	_, before := e.deltaRound("/me/drive/root/delta", read)
	notes := e.must(200, "GET", "/me/drive/root:/Personal/Notes.txt", read, nil)
	notesID := str(notes, "id")
	e.must(204, "DELETE", "/me/drive/items/"+notesID, write, nil)
	tombstone := func() error {
		_, err := e.srv.Store().GetItem(context.Background(), demo.TenantID, graph.KindDriveTombstone, notesID)
		return err
	}

	// Within the retention period the deletion is still reported.
	skewDeltaClock(t, e, 29*day)
	changes, after := e.deltaRound(before, read)
	if n := find(changes, "id", notesID); n == nil || str(n, "deleted/state") != "deleted" || n["_at"] != nil {
		t.Fatalf("29 days on: %v", changes)
	}
	if err := tombstone(); err != nil {
		t.Fatalf("tombstone pruned too early: %v", err)
	}

	// Past it the tombstone goes and a token from before it is gone.
	skewDeltaClock(t, e, 31*day)
	r := e.do("GET", before, read, nil)
	wantError(t, r, 410, "resyncRequired", "Resync required. Replace any local items with the server's version…")
	inner, _ := r.JSON["error"].(map[string]any)["innerError"].(map[string]any)
	if inner["code"] != "resyncChangesApplyDifferences" || inner["request-id"] == "" || inner["date"] == "" {
		t.Errorf("innerError %v", inner)
	}
	if err := tombstone(); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("tombstone after 31 days: %v", err)
	}
	// Location restarts the enumeration from scratch.
	loc := r.Header.Get("Location")
	if !strings.HasPrefix(loc, e.base+"/me/drive/root/delta?token=") {
		t.Fatalf("Location %q", loc)
	}
	full, link := e.deltaRound(strings.TrimPrefix(loc, e.base), read)
	got := w2ItemNames(full)
	sort.Strings(got)
	if strings.Join(got, ",") != "Budget.csv,Launch plan.txt,Personal,Projects,Welcome.txt,root" {
		t.Errorf("resync enumeration %v", got)
	}
	if again, _ := e.deltaRound(link, read); len(again) != 0 {
		t.Errorf("after the resync %v", again)
	}
	// A token issued after the pruned deletion still works.
	if again, _ := e.deltaRound(after, read); len(again) != 0 {
		t.Errorf("token after the deletion %v", again)
	}
	// A later deletion, once old enough, expires the tokens before it.
	skewDeltaClock(t, e, 0)
	welcome := e.must(200, "GET", "/me/drive/root:/Welcome.txt", read, nil)
	e.must(204, "DELETE", "/me/drive/items/"+str(welcome, "id"), write, nil)
	if again, _ := e.deltaRound(after, read); find(again, "name", "Welcome.txt") == nil {
		t.Errorf("recent deletion missing: %v", again)
	}
	skewDeltaClock(t, e, 31*day)
	wantError(t, e.do("GET", after, read, nil), 410, "resyncRequired", "")
	if r := e.do("GET", "/me/drive/root/delta?token=latest", read, nil); r.Status != 200 {
		t.Errorf("token=latest after pruning: %d %s", r.Status, r.Raw)
	}
}

func TestDriveFolderDelta(t *testing.T) {
	e := newEnv(t)
	read, write := e.delegated("adele", "Files.Read"), e.delegated("adele", "Files.ReadWrite")
	projects := e.must(200, "GET", "/me/drive/root:/Projects", read, nil)
	pid := str(projects, "id")
	first, link := e.deltaRound("/me/drive/items/"+pid+"/delta?$top=1", read)
	got := w2ItemNames(first)
	sort.Strings(got)
	if strings.Join(got, ",") != "Budget.csv,Launch plan.txt,Projects" {
		t.Fatalf("first folder delta %v", got)
	}
	if !strings.Contains(link, "/me/drive/items/"+pid+"/delta?token=") {
		t.Errorf("deltaLink %s", link)
	}
	// Changes inside (a subfolder and its files, one deleted) and outside.
	sub := e.must(201, "POST", "/me/drive/items/"+pid+"/children", write, map[string]any{"name": "sub", "folder": map[string]any{}})
	a := e.must(201, "PUT", "/me/drive/items/"+str(sub, "id")+":/a.txt:/content", write, "a")
	b := e.must(201, "PUT", "/me/drive/items/"+str(sub, "id")+":/b.txt:/content", write, "b")
	e.must(204, "DELETE", "/me/drive/items/"+str(b, "id"), write, nil)
	e.must(200, "PUT", "/me/drive/root:/Welcome.txt:/content", write, "changed")
	notes := e.must(200, "GET", "/me/drive/root:/Personal/Notes.txt", read, nil)
	e.must(204, "DELETE", "/me/drive/items/"+str(notes, "id"), write, nil)
	changes, link2 := e.deltaRound(link, read)
	byName := map[string]map[string]any{}
	for _, it := range changes {
		byName[str(it, "name")] = it
	}
	if byName["sub"] == nil || byName["a.txt"] == nil || str(byName["a.txt"], "id") != str(a, "id") ||
		str(byName["b.txt"], "deleted/state") != "deleted" {
		t.Errorf("folder changes %v", changes)
	}
	if byName["Welcome.txt"] != nil || byName["Notes.txt"] != nil || byName["Budget.csv"] != nil {
		t.Errorf("changes outside the folder: %v", w2ItemNames(changes))
	}
	// A deleted subfolder reports what was below it, and only that.
	e.must(204, "DELETE", "/me/drive/items/"+str(sub, "id"), write, nil)
	gone, _ := e.deltaRound(link2, read)
	// (Projects itself changed: its size and childCount.)
	if got := w2ItemNames(gone); len(got) != 3 || find(gone, "name", "Projects") == nil || find(gone, "name", "sub")["deleted"] == nil || find(gone, "name", "a.txt")["deleted"] == nil {
		t.Errorf("after deleting sub %v", gone)
	}
	// The root's delta sees everything.
	all, _ := e.deltaRound("/me/drive/root/delta", read)
	if find(all, "name", "Welcome.txt") == nil {
		t.Errorf("root delta %v", w2ItemNames(all))
	}
	// A folder's token is not the root's, nor another folder's.
	tok := link[strings.Index(link, "token=")+len("token="):]
	wantError(t, e.do("GET", "/me/drive/root/delta?token="+tok, read, nil), 400, "invalidRequest", "")
	personal := e.must(200, "GET", "/me/drive/root:/Personal", read, nil)
	wantError(t, e.do("GET", "/me/drive/items/"+str(personal, "id")+"/delta?token="+tok, read, nil), 400, "invalidRequest", "")
	// A file has no delta; another user's folder is not readable.
	welcome := e.must(200, "GET", "/me/drive/root:/Welcome.txt", read, nil)
	wantError(t, e.do("GET", "/me/drive/items/"+str(welcome, "id")+"/delta", read, nil), 400, "invalidRequest", "")
	megan := e.delegated("megan", "Files.Read.All")
	item := e.do("GET", "/users/"+e.id("adele")+"/drive/items/"+pid, megan, nil)
	if r := e.do("GET", "/users/"+e.id("adele")+"/drive/items/"+pid+"/delta", megan, nil); r.Status < 400 || r.Status != item.Status {
		t.Errorf("Megan's folder delta of Adele's drive: %d, the folder itself %d", r.Status, item.Status)
	}
	latest := e.must(200, "GET", "/me/drive/items/"+pid+"/delta?token=latest", read, nil)
	if len(list(t, latest)) != 0 || !strings.Contains(str(latest, "@odata.deltaLink"), "/items/"+pid+"/delta?token=") {
		t.Errorf("folder token=latest %v", latest)
	}
}

func TestDriveSearchContent(t *testing.T) {
	e := newEnv(t)
	read, write := e.delegated("adele", "Files.Read"), e.delegated("adele", "Files.ReadWrite")
	e.must(201, "PUT", "/me/drive/root:/Projects/data.json:/content", write, `{"codename":"Bluebird"}`)
	e.must(201, "PUT", "/me/drive/root:/Projects/image.png:/content", write, "bluebird inside a binary")
	big := strings.Repeat("x", 1<<20) + "bluebird"
	e.must(201, "PUT", "/me/drive/root:/Projects/big.txt:/content", write, big)
	names := func(q string, top int) string {
		got := w2ItemNames(e.all("/me/drive/root/search(q='"+url.PathEscape(q)+"')?$top="+string(rune('0'+top)), read))
		sort.Strings(got)
		return strings.Join(got, ",")
	}
	for _, c := range []struct{ q, want string }{
		{"CATERING", "Budget.csv"},      // content of a CSV, any case
		{"announce", "Launch plan.txt"}, // content of a text file
		{"bluebird", "data.json"},       // JSON yes; PNG and a file over the bound no
		{"plan", "Launch plan.txt"},     // name and content: once
		{"budget", "Budget.csv"},        // name only
		{"no such text anywhere", ""},
	} {
		for _, top := range []int{1, 5} {
			if got := names(c.q, top); got != c.want {
				t.Errorf("search %q $top=%d: %s, want %s", c.q, top, got, c.want)
			}
		}
	}
	// Paging across name and content matches keeps name order.
	e.must(201, "PUT", "/me/drive/root:/Personal/zeta.md:/content", write, "# Catering menu")
	e.must(201, "PUT", "/me/drive/root:/Personal/catering.txt:/content", write, "none")
	p := e.must(200, "GET", "/me/drive/root/search(q='catering')?$top=2", read, nil)
	if got := w2ItemNames(list(t, p)); strings.Join(got, ",") != "Budget.csv,catering.txt" || str(p, "@odata.nextLink") == "" {
		t.Errorf("first page %v", got)
	}
	p2 := e.must(200, "GET", strings.TrimPrefix(str(p, "@odata.nextLink"), e.base), read, nil)
	if got := w2ItemNames(list(t, p2)); strings.Join(got, ",") != "zeta.md" || str(p2, "@odata.nextLink") != "" {
		t.Errorf("second page %v", got)
	}
}
