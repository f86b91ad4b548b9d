package graph_test

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"graphgate/internal/demo"
	"graphgate/internal/graph"
	"graphgate/internal/store"
)

// noFollow sends a request without following redirects.
func (e *env) noFollow(method, path, token string) *http.Response {
	e.t.Helper()
	req, err := http.NewRequest(method, e.base+path, nil)
	if err != nil {
		e.t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	cl := &http.Client{Timeout: 30 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := cl.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, res.Body)
	res.Body.Close()
	return res
}

// forgeDownload signs a download token with the tenant's stored key.
func (e *env) forgeDownload(driveID, itemID string, expires time.Time) string {
	e.t.Helper()
	it, err := e.srv.Store().GetItem(context.Background(), demo.TenantID, graph.KindDriveURLKey, "download")
	if err != nil {
		e.t.Fatal(err)
	}
	var kd struct{ Key string }
	_ = json.Unmarshal(it.Doc, &kd)
	key, _ := base64.StdEncoding.DecodeString(kd.Key)
	claims, _ := json.Marshal(map[string]any{"t": demo.TenantID, "d": driveID, "i": itemID, "e": expires.Unix()})
	payload := base64.RawURLEncoding.EncodeToString(claims)
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte(payload))
	return e.base + "/_transfer/download?tempauth=" + payload + "." + base64.RawURLEncoding.EncodeToString(mac.Sum(nil))
}

func TestDriveDownloadURL(t *testing.T) {
	e := newEnv(t)
	read := e.delegated("adele", "Files.Read")
	welcome := e.must(200, "GET", "/me/drive/root:/Welcome.txt", read, nil)
	id, driveID := str(welcome, "id"), str(welcome, "parentReference/driveId")
	dl := str(welcome, "@microsoft.graph.downloadUrl")
	if !strings.HasPrefix(dl, e.base+"/_transfer/download?tempauth=") {
		t.Fatalf("downloadUrl %q", dl)
	}
	if kids := e.all("/me/drive/root/children", read); str(find(kids, "name", "Welcome.txt"), "@microsoft.graph.downloadUrl") == "" ||
		str(find(kids, "name", "Projects"), "@microsoft.graph.downloadUrl") != "" {
		t.Errorf("downloadUrl on files only, in listings too")
	}
	// The authorized /content request issues the URL.
	res := e.noFollow("GET", "/me/drive/items/"+id+"/content", read)
	loc := res.Header.Get("Location")
	if res.StatusCode != 302 || !strings.HasPrefix(loc, e.base+"/_transfer/download?tempauth=") {
		t.Fatalf("content: %d %q", res.StatusCode, loc)
	}
	if r := e.noFollow("GET", "/me/drive/items/"+id+"/content", ""); r.StatusCode != 401 {
		t.Errorf("/content without a token: %d", r.StatusCode)
	}
	want := "Welcome to your OneDrive, Adele.\n"
	for _, u := range []string{dl, loc} {
		r := e.do("GET", u, "", nil) // no Authorization header
		if r.Status != 200 || string(r.Raw) != want || r.Header.Get("ETag") != str(welcome, "cTag") || r.Header.Get("Content-Type") != "text/plain" {
			t.Errorf("GET %s: %d %q %v", u, r.Status, r.Raw, r.Header)
		}
	}
	if r := e.do("GET", dl, "", nil, header("Range", "bytes=0-6")); r.Status != 206 || string(r.Raw) != "Welcome" {
		t.Errorf("range: %d %q", r.Status, r.Raw)
	}
	if r := e.do("GET", dl, "", nil, header("If-None-Match", str(welcome, "cTag"))); r.Status != 304 {
		t.Errorf("If-None-Match: %d", r.Status)
	}
	// Tampered: another byte of the signature, or the claims of another item.
	u, _ := url.Parse(dl)
	tok := u.Query().Get("tempauth")
	payload, sig, _ := strings.Cut(tok, ".")
	raw, _ := base64.RawURLEncoding.DecodeString(payload)
	var cl map[string]any
	_ = json.Unmarshal(raw, &cl)
	budget := e.must(200, "GET", "/me/drive/root:/Projects/Budget.csv", read, nil)
	cl["i"] = str(budget, "id")
	other, _ := json.Marshal(cl)
	flipped := []byte(sig)
	flipped[3] ^= 1
	if flipped[3] == '.' || flipped[3] == '&' {
		flipped[3] = 'A'
	}
	for name, bad := range map[string]string{
		"signature":  payload + "." + string(flipped),
		"other item": base64.RawURLEncoding.EncodeToString(other) + "." + sig,
		"no sig":     payload,
	} {
		r := e.do("GET", e.base+"/_transfer/download?tempauth="+url.QueryEscape(bad), "", nil)
		if r.Status != 401 || str(r.JSON, "error/code") != "unauthenticated" {
			t.Errorf("tampered (%s): %d %s", name, r.Status, r.Raw)
		}
	}
	// Expired, with the right key; the same key with a future expiry works.
	if r := e.do("GET", e.forgeDownload(driveID, id, time.Now().Add(-time.Minute)), "", nil); r.Status != 401 {
		t.Errorf("expired URL: %d", r.Status)
	}
	if r := e.do("GET", e.forgeDownload(driveID, id, time.Now().Add(time.Minute)), "", nil); r.Status != 200 || string(r.Raw) != want {
		t.Errorf("forged with the key: %d", r.Status)
	}
	if exp, ok := cl["e"].(float64); !ok || time.Until(time.Unix(int64(exp), 0)) > time.Hour+time.Minute || time.Until(time.Unix(int64(exp), 0)) < 50*time.Minute {
		t.Errorf("expiry %v, want about an hour", cl["e"])
	}
	// A folder has no content; a deleted file's URL stops working.
	wantError(t, e.do("GET", "/me/drive/root:/Projects:/content", read, nil), 400, "invalidRequest", "")
	f := e.do("PUT", "/me/drive/root:/gone.txt:/content", e.delegated("adele", "Files.ReadWrite"), "bye")
	gone := str(f.JSON, "@microsoft.graph.downloadUrl")
	e.must(204, "DELETE", "/me/drive/items/"+str(f.JSON, "id"), e.delegated("adele", "Files.ReadWrite"), nil)
	if r := e.do("GET", gone, "", nil); r.Status != 404 {
		t.Errorf("deleted file's URL: %d", r.Status)
	}
}

func TestDrivePermissions(t *testing.T) {
	e := newEnv(t)
	read, write := e.delegated("adele", "Files.Read"), e.delegated("adele", "Files.ReadWrite")
	megan := e.delegated("megan", "Files.ReadWrite.All")
	driveID := str(e.must(200, "GET", "/me/drive", read, nil), "id")
	plan := e.must(200, "GET", "/me/drive/root:/Projects/Launch%20plan.txt", read, nil)
	planID := str(plan, "id")
	perms := e.must(200, "GET", "/me/drive/items/"+planID+"/permissions", read, nil)
	ps := list(t, perms)
	// The owner's own permission comes first, as in OneDrive.
	if len(ps) != 2 || get(ps[0], "roles").([]any)[0] != "owner" || str(ps[0], "grantedToV2/user/id") != e.id("adele") {
		t.Fatalf("owner permission %v", perms)
	}
	ps = ps[1:]
	if len(ps) != 1 || str(ps[0], "grantedTo/user/id") != e.id("megan") || str(ps[0], "grantedToV2/user/id") != e.id("megan") ||
		get(ps[0], "roles").([]any)[0] != "write" || !strings.Contains(str(perms, "@odata.context"), "/permissions") {
		t.Fatalf("permissions %v", perms)
	}
	permID := str(ps[0], "id")
	if one := e.must(200, "GET", "/me/drive/items/"+planID+"/permissions/"+permID, read, nil); str(one, "id") != permID {
		t.Errorf("permission %v", one)
	}
	wantError(t, e.do("GET", "/me/drive/items/"+planID+"/permissions/nosuch", read, nil), 404, "itemNotFound", "")
	// The grantee sees their own grant, and the file.
	pd := "/drives/" + url.PathEscape(driveID) + "/items/" + planID
	if got := list(t, e.must(200, "GET", pd+"/permissions", megan, nil)); len(got) != 1 {
		t.Errorf("Megan's view of the permissions %v", got)
	}
	e.must(200, "GET", pd, megan, nil)
	// Inherited grants show where they come from and are revoked there.
	projects := e.must(200, "GET", "/me/drive/root:/Projects", read, nil)
	e.must(200, "POST", "/me/drive/items/"+str(projects, "id")+"/invite", write, map[string]any{
		"recipients": []any{map[string]any{"email": e.upn("lynne")}}, "roles": []string{"read"}})
	all := list(t, e.must(200, "GET", "/me/drive/items/"+planID+"/permissions", read, nil))
	var inherited map[string]any
	for _, p := range all {
		if str(p, "grantedTo/user/id") == e.id("lynne") {
			inherited = p
		}
	}
	if len(all) != 3 || inherited == nil || str(inherited, "inheritedFrom/id") != str(projects, "id") {
		t.Fatalf("with the folder's grant %v", all)
	}
	wantError(t, e.do("DELETE", "/me/drive/items/"+planID+"/permissions/"+str(inherited, "id"), write, nil), 400, "invalidRequest", "")
	// Files.Read cannot revoke; the owner can, and the grantee loses access.
	if r := e.do("DELETE", "/me/drive/items/"+planID+"/permissions/"+permID, read, nil); r.Status != 403 {
		t.Errorf("revoking with Files.Read: %d", r.Status)
	}
	e.must(204, "DELETE", "/me/drive/items/"+planID+"/permissions/"+permID, write, nil)
	wantError(t, e.do("GET", pd, megan, nil), 404, "itemNotFound", "")
	wantError(t, e.do("GET", pd+"/content", megan, nil), 404, "itemNotFound", "")
	wantError(t, e.do("PUT", pd+"/content", megan, "mine"), 404, "itemNotFound", "")
	for _, it := range e.all("/me/drive/sharedWithMe", e.delegated("megan", "Files.Read.All")) {
		if str(it, "name") == "Launch plan.txt" {
			t.Errorf("the revoked file is still shared with Megan")
		}
	}
	if got := e.must(200, "GET", "/me/drive/items/"+planID, read, nil); got["shared"] != nil {
		t.Errorf("shared facet after the last grant went: %v", got["shared"])
	}
	wantError(t, e.do("DELETE", "/me/drive/items/"+planID+"/permissions/"+permID, write, nil), 404, "itemNotFound", "")
	// Lynne still reads through the folder's grant.
	e.must(200, "GET", pd, e.delegated("lynne", "Files.Read.All"), nil)
}

func TestDriveCopy(t *testing.T) {
	e := newEnv(t)
	read, write := e.delegated("adele", "Files.Read"), e.delegated("adele", "Files.ReadWrite")
	projects := e.must(200, "GET", "/me/drive/root:/Projects", read, nil)
	archive := e.must(201, "POST", "/me/drive/root/children", write, map[string]any{"name": "Archive", "folder": map[string]any{}})
	r := e.do("POST", "/me/drive/items/"+str(projects, "id")+"/copy", write, map[string]any{
		"parentReference": map[string]any{"id": str(archive, "id")}, "name": "Projects 2024"})
	loc := r.Header.Get("Location")
	if r.Status != 202 || !strings.HasPrefix(loc, e.base+"/_transfer/monitor/") {
		t.Fatalf("copy: %d %q %s", r.Status, loc, r.Raw)
	}
	mon := e.do("GET", loc, "", nil)
	if mon.Status != 200 || str(mon.JSON, "status") != "completed" || get(mon.JSON, "percentageComplete") != 100.0 || str(mon.JSON, "resourceId") == "" {
		t.Fatalf("monitor: %d %s", mon.Status, mon.Raw)
	}
	newID := str(mon.JSON, "resourceId")
	cp := e.must(200, "GET", "/me/drive/items/"+newID, read, nil)
	if str(cp, "name") != "Projects 2024" || str(cp, "parentReference/path") != "/drive/root:/Archive" || w2Num(cp, "size") != w2Num(projects, "size") ||
		w2Num(cp, "folder/childCount") != 2 {
		t.Errorf("copy %v", cp)
	}
	kids := e.all("/me/drive/items/"+newID+"/children", read)
	if got := strings.Join(w2ItemNames(kids), ","); got != "Budget.csv,Launch plan.txt" {
		t.Fatalf("copied children %s", got)
	}
	orig := e.do("GET", "/me/drive/root:/Projects/Budget.csv:/content", read, nil)
	copied := e.do("GET", "/me/drive/items/"+str(find(kids, "name", "Budget.csv"), "id")+"/content", read, nil)
	if copied.Status != 200 || !bytes.Equal(orig.Raw, copied.Raw) || len(orig.Raw) == 0 {
		t.Errorf("copied content %q, original %q", copied.Raw, orig.Raw)
	}
	if find(kids, "name", "Launch plan.txt")["shared"] != nil {
		t.Errorf("grants were copied")
	}
	if a := e.must(200, "GET", "/me/drive/items/"+str(archive, "id"), read, nil); w2Num(a, "size") != w2Num(projects, "size") {
		t.Errorf("Archive size %v", a["size"])
	}
	// A file into the same folder needs a new name, or rename.
	welcome := e.must(200, "GET", "/me/drive/root:/Welcome.txt", read, nil)
	wantError(t, e.do("POST", "/me/drive/items/"+str(welcome, "id")+"/copy", write, map[string]any{}), 409, "nameAlreadyExists", "")
	r = e.do("POST", "/me/drive/items/"+str(welcome, "id")+"/copy?@microsoft.graph.conflictBehavior=rename", write, map[string]any{})
	if r.Status != 202 {
		t.Fatalf("copy with rename: %d %s", r.Status, r.Raw)
	}
	if got := e.must(200, "GET", "/me/drive/items/"+str(e.do("GET", r.Header.Get("Location"), "", nil).JSON, "resourceId"), read, nil); str(got, "name") != "Welcome 1.txt" {
		t.Errorf("renamed copy %v", got["name"])
	}
	wantError(t, e.do("POST", "/me/drive/items/"+str(archive, "id")+"/copy", write, map[string]any{
		"parentReference": map[string]any{"id": newID}}), 400, "invalidRequest", "")
	if r := e.do("POST", "/me/drive/items/"+str(welcome, "id")+"/copy", read, map[string]any{"name": "x.txt"}); r.Status != 403 {
		t.Errorf("copy with Files.Read: %d", r.Status)
	}
	if r := e.do("GET", e.base+"/_transfer/monitor/"+demo.TenantID+"/nosuch", "", nil); r.Status != 404 {
		t.Errorf("unknown monitor: %d", r.Status)
	}
}

func TestDriveSearch(t *testing.T) {
	e := newEnv(t)
	read := e.delegated("adele", "Files.Read")
	names := func(q string) string {
		got := w2ItemNames(e.all("/me/drive/root/search(q='"+url.PathEscape(q)+"')?$top=2", read))
		sort.Strings(got)
		return strings.Join(got, ",")
	}
	for _, c := range []struct{ q, want string }{
		{"plan", "Launch plan.txt"},
		{".TXT", "Launch plan.txt,Notes.txt,Welcome.txt"},
		{"proj", "Projects"},
		{"%", ""},
		{"it''s", ""},
	} {
		if got := names(c.q); got != c.want {
			t.Errorf("search %q: %s, want %s", c.q, got, c.want)
		}
	}
	p := e.must(200, "GET", "/me/drive/root/search(q='.txt')?$top=1", read, nil)
	if len(list(t, p)) != 1 || str(p, "@odata.nextLink") == "" || str(list(t, p)[0], "parentReference/path") == "" {
		t.Errorf("first page %v", p)
	}
	if r := e.do("GET", "/me/drive/root/search(q='plan')", e.delegated("megan", "Files.Read.All"), nil); r.Status != 200 ||
		find(list(t, r.JSON), "name", "Launch plan.txt") != nil {
		t.Errorf("Megan's search found Adele's files: %d %s", r.Status, r.Raw)
	}
}

// deltaRound follows a delta from path to its deltaLink.
func (e *env) deltaRound(path, token string) ([]map[string]any, string) {
	e.t.Helper()
	var out []map[string]any
	for next, n := path, 0; ; n++ {
		if n > 50 {
			e.t.Fatalf("delta: more than 50 pages")
		}
		body := e.must(200, "GET", next, token, nil)
		out = append(out, list(e.t, body)...)
		if d := str(body, "@odata.deltaLink"); d != "" {
			return out, d
		}
		if next = str(body, "@odata.nextLink"); next == "" {
			e.t.Fatalf("delta page with neither link: %v", body)
		}
	}
}

func TestDriveDelta(t *testing.T) {
	e := newEnv(t)
	read, write := e.delegated("adele", "Files.Read"), e.delegated("adele", "Files.ReadWrite")
	first, link := e.deltaRound("/me/drive/root/delta?$top=2", read)
	got := w2ItemNames(first)
	sort.Strings(got)
	if strings.Join(got, ",") != "Budget.csv,Launch plan.txt,Notes.txt,Personal,Projects,Welcome.txt,root" {
		t.Fatalf("first delta %v", got)
	}
	for _, it := range first {
		if it["deleted"] != nil || str(it, "parentReference/path") != "" {
			t.Errorf("first delta item %v", it)
		}
	}
	if !strings.Contains(link, "/me/drive/root/delta?token=") {
		t.Errorf("deltaLink %s", link)
	}
	if again, _ := e.deltaRound(link, read); len(again) != 0 {
		t.Errorf("no change, yet %v", w2ItemNames(again))
	}
	// A change, a new file, a deleted file.
	e.must(200, "PUT", "/me/drive/root:/Welcome.txt:/content", write, "changed")
	created := e.must(201, "PUT", "/me/drive/root:/Personal/new.txt:/content", write, "new")
	notes := e.must(200, "GET", "/me/drive/root:/Personal/Notes.txt", read, nil)
	e.must(204, "DELETE", "/me/drive/items/"+str(notes, "id"), write, nil)
	changes, link2 := e.deltaRound(link, read)
	byName := map[string]map[string]any{}
	for _, it := range changes {
		byName[str(it, "name")] = it
	}
	if w := byName["Welcome.txt"]; w == nil || w2Num(w, "size") != 7 {
		t.Errorf("changed file %v", w)
	}
	if byName["new.txt"] == nil || str(byName["new.txt"], "id") != str(created, "id") {
		t.Errorf("new file missing: %v", w2ItemNames(changes))
	}
	if n := byName["Notes.txt"]; n == nil || str(n, "deleted/state") != "deleted" || str(n, "id") != str(notes, "id") || str(n, "parentReference/driveId") == "" {
		t.Errorf("deleted file %v", n)
	}
	if byName["Budget.csv"] != nil || byName["Projects"] != nil {
		t.Errorf("unchanged items in the delta: %v", w2ItemNames(changes))
	}
	if again, _ := e.deltaRound(link2, read); len(again) != 0 {
		t.Errorf("after the second round %v", w2ItemNames(again))
	}
	// A deleted folder reports what was below it.
	personal := e.must(200, "GET", "/me/drive/root:/Personal", read, nil)
	e.must(204, "DELETE", "/me/drive/items/"+str(personal, "id"), write, nil)
	gone, _ := e.deltaRound(link2, read)
	if got := w2ItemNames(gone); len(got) != 3 || find(gone, "name", "Personal")["deleted"] == nil || find(gone, "name", "new.txt")["deleted"] == nil {
		t.Errorf("after deleting Personal %v", gone)
	}
	latest := e.must(200, "GET", "/me/drive/root/delta?token=latest", read, nil)
	if len(list(t, latest)) != 0 || str(latest, "@odata.deltaLink") == "" {
		t.Errorf("token=latest %v", latest)
	}
	wantError(t, e.do("GET", "/me/drive/root/delta?token=garbage", read, nil), 400, "invalidRequest", "")
	if r := e.do("GET", "/users/"+e.id("adele")+"/drive/root/delta", e.delegated("megan", "Files.Read.All"), nil); r.Status != 403 {
		t.Errorf("Megan's delta of Adele's drive: %d", r.Status)
	}
}

// putRange sends a fragment to an upload URL without a token.
func (e *env) putRange(uploadURL string, data []byte, start, total int) resp {
	return e.do("PUT", uploadURL, "", data, header("Content-Range", fmt.Sprintf("bytes %d-%d/%d", start, start+len(data)-1, total)))
}

func TestDriveUploadSession(t *testing.T) {
	e := newEnv(t)
	read, write := e.delegated("adele", "Files.Read"), e.delegated("adele", "Files.ReadWrite")
	data := make([]byte, 10_000_000)
	_, _ = rand.Read(data)
	s := e.must(200, "POST", "/me/drive/root:/big.bin:/createUploadSession", write, map[string]any{"item": map[string]any{"@microsoft.graph.conflictBehavior": "fail"}})
	up := str(s, "uploadUrl")
	if !strings.HasPrefix(up, e.base+"/_transfer/upload/") || str(s, "expirationDateTime") == "" || get(s, "nextExpectedRanges").([]any)[0] != "0-" {
		t.Fatalf("session %v", s)
	}
	const frag = 4 << 20
	r := e.putRange(up, data[:frag], 0, len(data))
	if r.Status != 202 || get(r.JSON, "nextExpectedRanges").([]any)[0] != fmt.Sprintf("%d-", frag) {
		t.Fatalf("first fragment: %d %s", r.Status, r.Raw)
	}
	// The received bytes are in the store, not in this process.
	chunks, _, _ := e.srv.Store().QueryItems(context.Background(), store.ItemQuery{TenantID: demo.TenantID, Kind: graph.KindDriveUploadChunk})
	if len(chunks) != 1 {
		t.Errorf("%d stored fragments", len(chunks))
	}
	for name, c := range map[string]struct {
		start int
		code  string
	}{"overlap": {0, "fragmentOverlap"}, "out of order": {2 * frag, "fragmentOutOfOrder"}} {
		r := e.putRange(up, data[c.start:c.start+1000], c.start, len(data))
		if r.Status != 416 || str(r.JSON, "error/code") != "invalidRange" || str(r.JSON, "error/innererror/code") != c.code {
			t.Errorf("%s: %d %s", name, r.Status, r.Raw)
		}
	}
	if r := e.do("PUT", up, "", data[frag:frag+10], header("Content-Range", fmt.Sprintf("bytes %d-%d/%d", frag, frag+99, len(data)))); r.Status != 400 {
		t.Errorf("length mismatch: %d", r.Status)
	}
	if r := e.do("GET", up, "", nil); r.Status != 200 || get(r.JSON, "nextExpectedRanges").([]any)[0] != fmt.Sprintf("%d-", frag) {
		t.Errorf("status: %d %s", r.Status, r.Raw)
	}
	if r := e.putRange(up, data[frag:2*frag], frag, len(data)); r.Status != 202 {
		t.Fatalf("second fragment: %d %s", r.Status, r.Raw)
	}
	done := e.putRange(up, data[2*frag:], 2*frag, len(data))
	if done.Status != 201 || str(done.JSON, "name") != "big.bin" || w2Num(done.JSON, "size") != float64(len(data)) {
		t.Fatalf("last fragment: %d %.300s", done.Status, done.Raw)
	}
	got := e.do("GET", "/me/drive/items/"+str(done.JSON, "id")+"/content", read, nil)
	if got.Status != 200 || !bytes.Equal(got.Raw, data) {
		t.Fatalf("download: %d, %d bytes, equal %v", got.Status, len(got.Raw), bytes.Equal(got.Raw, data))
	}
	if r := e.do("GET", up, "", nil); r.Status != 404 {
		t.Errorf("the finished session: %d", r.Status)
	}
	if chunks, _, _ := e.srv.Store().QueryItems(context.Background(), store.ItemQuery{TenantID: demo.TenantID, Kind: graph.KindDriveUploadChunk}); len(chunks) != 0 {
		t.Errorf("%d fragments left", len(chunks))
	}
	wantError(t, e.do("POST", "/me/drive/root:/big.bin:/createUploadSession", write, map[string]any{"item": map[string]any{"@microsoft.graph.conflictBehavior": "fail"}}),
		409, "nameAlreadyExists", "")
	// Replacing the file through a session on the item: 200.
	s2 := e.must(200, "POST", "/me/drive/items/"+str(done.JSON, "id")+"/createUploadSession", write, nil)
	small := []byte("small now")
	if r := e.putRange(str(s2, "uploadUrl"), small, 0, len(small)); r.Status != 200 || str(r.JSON, "id") != str(done.JSON, "id") || w2Num(r.JSON, "size") != 9 {
		t.Errorf("replace: %d %.300s", r.Status, r.Raw)
	}
	if r := e.do("GET", "/me/drive/items/"+str(done.JSON, "id")+"/content", read, nil); string(r.Raw) != "small now" {
		t.Errorf("after replace %q", r.Raw)
	}
	// Cancelling drops the session and its bytes; nothing is created.
	root := e.must(200, "GET", "/me/drive/root", read, nil)
	s3 := e.must(200, "POST", "/me/drive/items/"+str(root, "id")+":/cancelled.bin:/createUploadSession", write, nil)
	e.putRange(str(s3, "uploadUrl"), data[:1000], 0, 5000)
	if r := e.do("DELETE", str(s3, "uploadUrl"), "", nil); r.Status != 204 {
		t.Errorf("cancel: %d", r.Status)
	}
	if r := e.putRange(str(s3, "uploadUrl"), data[1000:5000], 1000, 5000); r.Status != 404 {
		t.Errorf("after cancel: %d", r.Status)
	}
	wantError(t, e.do("GET", "/me/drive/root:/cancelled.bin", read, nil), 404, "itemNotFound", "")
	if chunks, _, _ := e.srv.Store().QueryItems(context.Background(), store.ItemQuery{TenantID: demo.TenantID, Kind: graph.KindDriveUploadChunk}); len(chunks) != 0 {
		t.Errorf("%d fragments left after cancel", len(chunks))
	}
	if r := e.do("POST", "/me/drive/root:/x.bin:/createUploadSession", read, nil); r.Status != 403 {
		t.Errorf("Files.Read creating a session: %d", r.Status)
	}
	wantError(t, e.do("POST", "/me/drive/root:/Projects:/createUploadSession", write, nil), 409, "nameAlreadyExists", "")
	projects := e.must(200, "GET", "/me/drive/root:/Projects", read, nil)
	wantError(t, e.do("POST", "/me/drive/items/"+str(projects, "id")+"/createUploadSession", write, nil), 400, "invalidRequest", "")
}

func TestDriveGroup(t *testing.T) {
	e := newEnv(t)
	megan := e.delegated("megan", "Files.ReadWrite")
	adele := e.delegated("adele", "Files.Read")
	base := "/groups/" + marketingID + "/drive"
	d := e.must(200, "GET", base, megan, nil)
	if str(d, "driveType") != "documentLibrary" || str(d, "owner/group/id") != marketingID || !strings.HasPrefix(str(d, "id"), "b!") {
		t.Fatalf("group drive %v", d)
	}
	folder := e.must(201, "POST", base+"/root/children", megan, map[string]any{"name": "Campaigns", "folder": map[string]any{}})
	file := e.do("PUT", base+"/items/"+str(folder, "id")+":/brief.txt:/content", megan, "spring brief")
	if file.Status != 201 || str(file.JSON, "createdBy/user/id") != e.id("megan") {
		t.Fatalf("upload into the group drive: %d %s", file.Status, file.Raw)
	}
	// Adele is a member too; the same item through /drives/{id}.
	if kids := e.all(base+"/items/"+str(folder, "id")+"/children", adele); len(kids) != 1 || str(kids[0], "name") != "brief.txt" {
		t.Errorf("Adele's view %v", w2ItemNames(kids))
	}
	if r := e.do("GET", "/drives/"+url.PathEscape(str(d, "id"))+"/items/"+str(file.JSON, "id")+"/content", adele, nil); r.Status != 200 || string(r.Raw) != "spring brief" {
		t.Errorf("through /drives: %d %q", r.Status, r.Raw)
	}
	if got := e.all(base+"/root/children", e.app("Files.Read.All")); find(got, "name", "Campaigns") == nil {
		t.Errorf("app-only %v", w2ItemNames(got))
	}
	// Lynne is not a member: Marketing is public, so she reads its library
	// (any member of the organization reads a public group's content) but
	// does not change it. A token without a Files permission is denied.
	lynne := e.delegated("lynne", "Files.ReadWrite.All")
	e.must(200, "GET", base+"/root", lynne, nil)
	e.must(200, "GET", base+"/items/"+str(file.JSON, "id"), lynne, nil)
	wantError(t, e.do("PUT", base+"/items/"+str(file.JSON, "id")+"/content", lynne, "Lynne's brief"), 403, "accessDenied", "")
	wantError(t, e.do("POST", base+"/root/children", lynne, map[string]any{"name": "y", "folder": map[string]any{}}), 403, "accessDenied", "")
	// Project Falcon is private (hidden membership): Megan is not a member;
	// its drive's root answers 403, its items 404, as OneDrive hides them.
	falcon := "/groups/" + falconID + "/drive"
	lynneRW := e.delegated("lynne", "Files.ReadWrite")
	ffolder := e.must(201, "POST", falcon+"/root/children", lynneRW, map[string]any{"name": "Plans", "folder": map[string]any{}})
	ff := e.do("PUT", falcon+"/items/"+str(ffolder, "id")+":/plan.txt:/content", lynneRW, "falcon plan")
	if ff.Status != 201 {
		t.Fatalf("Lynne (a member) writing Falcon's drive: %d %s", ff.Status, ff.Raw)
	}
	outsider := e.delegated("megan", "Files.ReadWrite.All")
	wantError(t, e.do("GET", falcon+"/root", outsider, nil), 403, "accessDenied", "")
	wantError(t, e.do("GET", falcon+"/items/"+str(ff.JSON, "id"), outsider, nil), 404, "itemNotFound", "")
	if r := e.do("GET", falcon+"/items/"+str(ff.JSON, "id"), outsider, nil); !strings.HasPrefix(r.Header.Get("x-graphgate-decision"), "not_group_member;") {
		t.Errorf("decision %q", r.Header.Get("x-graphgate-decision"))
	}
	wantError(t, e.do("GET", base, e.delegated("megan", "User.Read"), nil), 403, "accessDenied", "")
	wantError(t, e.do("GET", base+"/root/children", e.app("User.Read.All"), nil), 403, "accessDenied", "")
	if r := e.do("POST", base+"/root/children", adele, map[string]any{"name": "x", "folder": map[string]any{}}); r.Status != 403 {
		t.Errorf("Files.Read writing the group drive: %d", r.Status)
	}
	// A security group has no drive.
	wantError(t, e.do("GET", "/groups/"+employeesID+"/drive/root", e.app("Files.Read.All"), nil), 404, "itemNotFound", "")
	// Megan's own drive is another.
	if mine := e.must(200, "GET", "/me/drive", megan, nil); str(mine, "id") == str(d, "id") {
		t.Errorf("the group's drive is Megan's")
	}
}

// TestDriveUploadCancelRacesCompletion: a session cancelled while its last
// fragment arrives either makes the file (and the cancel finds no
// session) or is cancelled (and no file appears) — never both, because the
// file and the session's removal commit together.
func TestDriveUploadCancelRacesCompletion(t *testing.T) {
	e := newEnv(t)
	read, write := e.delegated("adele", "Files.Read"), e.delegated("adele", "Files.ReadWrite")
	data := []byte("0123456789")
	outcomes := map[string]int{}
	for i := range 12 {
		name := fmt.Sprintf("race-%d.bin", i)
		s := e.must(200, "POST", "/me/drive/root:/"+name+":/createUploadSession", write, nil)
		up := str(s, "uploadUrl")
		if r := e.putRange(up, data[:5], 0, len(data)); r.Status != 202 {
			t.Fatalf("first fragment: %d %s", r.Status, r.Raw)
		}
		var wg sync.WaitGroup
		var last, cancel resp
		wg.Add(2)
		go func() { defer wg.Done(); last = e.putRange(up, data[5:], 5, len(data)) }()
		go func() { defer wg.Done(); cancel = e.do("DELETE", up, "", nil) }()
		wg.Wait()
		file := e.do("GET", "/me/drive/root:/"+name, read, nil)
		switch {
		case last.Status == 201 && cancel.Status == 404 && file.Status == 200:
			outcomes["uploaded"]++
		case cancel.Status == 204 && last.Status == 404 && file.Status == 404:
			outcomes["cancelled"]++
		default:
			t.Errorf("round %d: last fragment %d, cancel %d, file %d", i, last.Status, cancel.Status, file.Status)
		}
	}
	t.Logf("outcomes: %v", outcomes)
}
