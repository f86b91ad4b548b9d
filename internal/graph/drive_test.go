package graph_test

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"net/url"
	"strings"
	"testing"
)

// itemNames lists the name of each item.
func w2ItemNames(items []map[string]any) []string {
	out := make([]string, len(items))
	for i, it := range items {
		out[i] = str(it, "name")
	}
	return out
}

func w2Num(m map[string]any, path string) float64 {
	f, _ := get(m, path).(float64)
	return f
}

// pathOf escapes a drive path for a URL.
func w2PathOf(p string) string { return strings.ReplaceAll(url.PathEscape(p), "%2F", "/") }

func TestDrive(t *testing.T) {
	e := newEnv(t)
	adele := e.id("adele")
	read := e.delegated("adele", "Files.Read")
	write := e.delegated("adele", "Files.ReadWrite")

	drive := e.must(200, "GET", "/me/drive", read, nil)
	driveID := str(drive, "id")

	t.Run("drive", func(t *testing.T) {
		if !strings.HasPrefix(driveID, "b!") || str(drive, "driveType") != "business" || str(drive, "owner/user/id") != adele ||
			str(drive, "@odata.context") != e.base+"/$metadata#drives/$entity" {
			t.Fatalf("drive %v", drive)
		}
		if w2Num(drive, "quota/used") <= 0 || w2Num(drive, "quota/total") != float64(1<<40) || str(drive, "quota/state") != "normal" {
			t.Errorf("quota %v", drive["quota"])
		}
		if !strings.HasPrefix(str(drive, "webUrl"), "https://contoso-my.sharepoint.com/personal/adele_contoso_onmicrosoft_com/") {
			t.Errorf("webUrl %s", str(drive, "webUrl"))
		}
		if _, ok := drive["_rootId"]; ok {
			t.Errorf("internal field in %v", keys(drive))
		}
		same := e.must(200, "GET", "/users/"+adele+"/drive", e.app("Files.Read.All"), nil)
		byID := e.must(200, "GET", "/drives/"+url.PathEscape(driveID), read, nil)
		if str(same, "id") != driveID || str(byID, "id") != driveID {
			t.Errorf("drive ids %s %s, want %s", str(same, "id"), str(byID, "id"), driveID)
		}
		wantError(t, e.do("GET", "/drives/b!nosuchdrive", read, nil), 404, "itemNotFound", "")
		wantError(t, e.do("GET", "/users/"+e.id("support")+"/drive", e.app("Files.Read.All"), nil), 404, "ResourceNotFound", "User's mysite not found.")
	})

	t.Run("root and children", func(t *testing.T) {
		root := e.must(200, "GET", "/me/drive/root", read, nil)
		if _, ok := root["root"]; !ok || w2Num(root, "folder/childCount") != 3 || str(root, "parentReference/driveId") != driveID {
			t.Fatalf("root %v", root)
		}
		if _, ok := root["cTag"]; ok {
			t.Errorf("a folder has a cTag")
		}
		body := e.must(200, "GET", "/me/drive/root/children", read, nil)
		items := list(t, body)
		if got := strings.Join(w2ItemNames(items), ","); got != "Personal,Projects,Welcome.txt" {
			t.Fatalf("children %s", got)
		}
		if !strings.HasPrefix(str(body, "@odata.context"), e.base+"/$metadata#drives('") {
			t.Errorf("@odata.context %s", str(body, "@odata.context"))
		}
		welcome := find(items, "name", "Welcome.txt")
		for _, k := range []string{"id", "name", "size", "eTag", "cTag", "webUrl", "createdDateTime", "lastModifiedDateTime", "createdBy",
			"lastModifiedBy", "parentReference", "fileSystemInfo", "file"} {
			if _, ok := welcome[k]; !ok {
				t.Errorf("file has no %s: %v", k, keys(welcome))
			}
		}
		if str(welcome, "file/mimeType") != "text/plain" || str(welcome, "parentReference/path") != "/drive/root:" ||
			str(welcome, "parentReference/id") != str(root, "id") || str(welcome, "file/hashes/quickXorHash") == "" ||
			!strings.HasSuffix(str(welcome, "webUrl"), "/Welcome.txt") || str(welcome, "createdBy/user/id") != adele {
			t.Errorf("file %v", welcome)
		}
		projects := find(items, "name", "Projects")
		if w2Num(projects, "folder/childCount") != 2 || w2Num(projects, "size") == 0 {
			t.Errorf("folder %v", projects)
		}
		kids := list(t, e.must(200, "GET", "/me/drive/items/"+str(projects, "id")+"/children", read, nil))
		if got := strings.Join(w2ItemNames(kids), ","); got != "Budget.csv,Launch plan.txt" {
			t.Errorf("Projects children %s", got)
		}
		if str(kids[0], "parentReference/path") != "/drive/root:/Projects" {
			t.Errorf("parentReference.path %s", str(kids[0], "parentReference/path"))
		}
		var total float64
		for _, k := range kids {
			total += w2Num(k, "size")
		}
		if total != w2Num(projects, "size") {
			t.Errorf("folder size %v, children total %v", w2Num(projects, "size"), total)
		}
		// OData on children.
		for _, c := range []struct{ query, want string }{
			{"$filter=" + q("name eq 'Projects'"), "Projects"},
			{"$orderby=name%20desc", "Welcome.txt,Projects,Personal"},
			{"$top=2", "Personal,Projects,Welcome.txt"},
			{"$filter=" + q("file/mimeType eq 'text/plain'"), "Welcome.txt"},
		} {
			if got := strings.Join(w2ItemNames(e.all("/me/drive/root/children?"+c.query, read)), ","); got != c.want {
				t.Errorf("%s: %s, want %s", c.query, got, c.want)
			}
		}
		if p := e.must(200, "GET", "/me/drive/root/children?$top=2", read, nil); str(p, "@odata.nextLink") == "" {
			t.Errorf("no nextLink on a full page")
		}
		sel := list(t, e.must(200, "GET", "/me/drive/root/children?$select=name,size", read, nil))
		if got := strings.Join(keys(sel[0]), ","); got != "id,name,size" {
			t.Errorf("selected %s", got)
		}
		byPath := e.must(200, "GET", "/me/drive/root:/Projects/Launch%20plan.txt", read, nil)
		if str(byPath, "name") != "Launch plan.txt" || str(byPath, "parentReference/id") != str(projects, "id") {
			t.Errorf("by path %v", byPath)
		}
		// A folder's children by path ("List the contents of a folder":
		// GET /me/drive/root:/{path-relative-to-root}:/children), as by id.
		for _, p := range []string{"/me/drive/root:/Projects:/children", "/drives/" + url.PathEscape(driveID) + "/root:/Projects:/children"} {
			if got := strings.Join(w2ItemNames(list(t, e.must(200, "GET", p, read, nil))), ","); got != "Budget.csv,Launch plan.txt" {
				t.Errorf("%s: %s", p, got)
			}
		}
		wantError(t, e.do("GET", "/me/drive/root:/Nowhere:/children", read, nil), 404, "itemNotFound", "")
		wantError(t, e.do("GET", "/me/drive/items/01NOSUCHITEM", read, nil), 404, "itemNotFound", "The resource could not be found.")
		wantError(t, e.do("GET", "/me/drive/root:/Projects/nothing.txt", read, nil), 404, "itemNotFound", "")
	})

	t.Run("create folders with conflictBehavior", func(t *testing.T) {
		f := e.must(201, "POST", "/me/drive/root/children", write, map[string]any{"name": "New Folder", "folder": map[string]any{}})
		if str(f, "name") != "New Folder" || w2Num(f, "folder/childCount") != 0 || str(f, "parentReference/path") != "/drive/root:" {
			t.Fatalf("folder %v", f)
		}
		wantError(t, e.do("POST", "/me/drive/root/children", write, map[string]any{"name": "new folder", "folder": map[string]any{}}),
			409, "nameAlreadyExists", "")
		r1 := e.must(201, "POST", "/me/drive/root/children", write, map[string]any{"name": "New Folder", "folder": map[string]any{},
			"@microsoft.graph.conflictBehavior": "rename"})
		r2 := e.must(201, "POST", "/me/drive/root/children?@microsoft.graph.conflictBehavior=rename", write, map[string]any{"name": "New Folder", "folder": map[string]any{}})
		if str(r1, "name") != "New Folder 1" || str(r2, "name") != "New Folder 2" {
			t.Errorf("renamed %s, %s", str(r1, "name"), str(r2, "name"))
		}
		sub := e.must(201, "POST", "/me/drive/items/"+str(f, "id")+"/children", write, map[string]any{"name": "Sub", "folder": map[string]any{}})
		if str(sub, "parentReference/path") != "/drive/root:/New Folder" {
			t.Errorf("sub %v", sub)
		}
		if got := e.must(200, "GET", "/me/drive/items/"+str(f, "id"), read, nil); w2Num(got, "folder/childCount") != 1 {
			t.Errorf("childCount %v", got["folder"])
		}
		wantError(t, e.do("POST", "/me/drive/root/children", write, map[string]any{"name": "a:b", "folder": map[string]any{}}), 400, "invalidRequest", "")
		wantError(t, e.do("POST", "/me/drive/root/children", write, map[string]any{"name": "x"}), 400, "invalidRequest", "")
		// Files.Read cannot write.
		if r := e.do("POST", "/me/drive/root/children", read, map[string]any{"name": "y", "folder": map[string]any{}}); r.Status != 403 {
			t.Errorf("Files.Read creating a folder: %d", r.Status)
		}
	})

	t.Run("upload and download", func(t *testing.T) {
		used := w2Num(e.must(200, "GET", "/me/drive", read, nil), "quota/used")
		up := e.do("PUT", "/me/drive/root:/Uploads/Reports/hello.txt:/content", write, "hello", header("Content-Type", "text/plain"))
		if up.Status != 201 || str(up.JSON, "name") != "hello.txt" || w2Num(up.JSON, "size") != 5 || str(up.JSON, "file/mimeType") != "text/plain" {
			t.Fatalf("upload: %d %s", up.Status, up.Raw)
		}
		id := str(up.JSON, "id")
		if str(up.JSON, "parentReference/path") != "/drive/root:/Uploads/Reports" {
			t.Errorf("the missing folders were not created: %s", str(up.JSON, "parentReference/path"))
		}
		for _, p := range []string{"/me/drive/root:/Uploads/Reports/hello.txt:/content", "/me/drive/items/" + id + "/content", "/drives/" + url.PathEscape(driveID) + "/items/" + id + "/content"} {
			r := e.do("GET", p, read, nil)
			if r.Status != 200 || string(r.Raw) != "hello" || r.Header.Get("Content-Type") != "text/plain" || r.Header.Get("ETag") != str(up.JSON, "cTag") {
				t.Errorf("GET %s: %d %q %v", p, r.Status, r.Raw, r.Header)
			}
		}
		if r := e.do("GET", "/me/drive/items/"+id+"/content", read, nil, header("Range", "bytes=1-3")); r.Status != 206 || string(r.Raw) != "ell" {
			t.Errorf("range: %d %q", r.Status, r.Raw)
		}
		if r := e.do("GET", "/me/drive/items/"+id+"/content", read, nil, header("If-None-Match", str(up.JSON, "cTag"))); r.Status != 304 {
			t.Errorf("If-None-Match: %d", r.Status)
		}
		re := e.do("PUT", "/me/drive/items/"+id+"/content", write, "hello world")
		if re.Status != 200 || w2Num(re.JSON, "size") != 11 || str(re.JSON, "cTag") == str(up.JSON, "cTag") || str(re.JSON, "id") != id {
			t.Fatalf("replace: %d %s", re.Status, re.Raw)
		}
		if r := e.do("GET", "/me/drive/items/"+id+"/content", read, nil); string(r.Raw) != "hello world" {
			t.Errorf("after replace: %q", r.Raw)
		}
		if got := w2Num(e.must(200, "GET", "/me/drive", read, nil), "quota/used"); got != used+11 {
			t.Errorf("quota used %v, want %v", got, used+11)
		}
		if f := e.must(200, "GET", "/me/drive/root:/Uploads", read, nil); w2Num(f, "size") != 11 || w2Num(f, "folder/childCount") != 1 {
			t.Errorf("Uploads %v %v", f["size"], f["folder"])
		}
		// By parent and name; conflictBehavior.
		folder := e.must(200, "GET", "/me/drive/root:/Uploads/Reports", read, nil)
		byName := e.do("PUT", "/me/drive/items/"+str(folder, "id")+":/hello.txt:/content", write, "again")
		if byName.Status != 200 || str(byName.JSON, "id") != id {
			t.Errorf("replace by name: %d %s", byName.Status, byName.Raw)
		}
		wantError(t, e.do("PUT", "/me/drive/items/"+str(folder, "id")+":/hello.txt:/content?@microsoft.graph.conflictBehavior=fail", write, "x"),
			409, "nameAlreadyExists", "")
		renamed := e.do("PUT", "/me/drive/items/"+str(folder, "id")+":/hello.txt:/content?@microsoft.graph.conflictBehavior=rename", write, "x")
		if renamed.Status != 201 || str(renamed.JSON, "name") != "hello 1.txt" {
			t.Errorf("rename: %d %s", renamed.Status, renamed.Raw)
		}
		child := e.do("PUT", "/me/drive/root/children/"+url.PathEscape("notes.md")+"/content", write, "# notes")
		if child.Status != 201 || str(child.JSON, "file/mimeType") != "text/markdown" {
			t.Errorf("root/children/{name}/content: %d %s", child.Status, child.Raw)
		}
		// QuickXorHash test vectors (rclone's).
		for _, v := range []struct{ in, want string }{
			{"", "AAAAAAAAAAAAAAAAAAAAAAAAAAA="},
			{"Sg==", "SgAAAAAAAAAAAAAAAQAAAAAAAAA="},
			{"T6LYJIfDh81JrAK309H2JMJTXis=", "zBTHrspn3mEcohlJdIUAbjGNaNg="},
			{"jyibxJSzO6ZiZ0O1qe3tG/bvIAYssvukh9suIT5wEy1JBINVgPiqdsTW0cOpP0aUfP7mgqLfADkzI/m/GgCuVhr8oFLrOCoTx1/psBOWwhltCbhUx51Icm9aH8tY4Z3ccU+6BKpYQkLCy0B/A9Zc", "hZfLIilSITC6N3e3tQ/iSgEzkto="},
		} {
			b, _ := base64.StdEncoding.DecodeString(v.in)
			r := e.do("PUT", "/me/drive/root:/Uploads/vector-"+fmt.Sprint(len(b))+".bin:/content", write, b)
			if got := str(r.JSON, "file/hashes/quickXorHash"); got != v.want {
				t.Errorf("quickXorHash of %d bytes %s, want %s", len(b), got, v.want)
			}
		}
		wantError(t, e.do("PUT", "/me/drive/root:/Uploads/big.bin:/content", write, bytes.Repeat([]byte("x"), 4<<20+1)), 413, "", "")
		wantError(t, e.do("GET", "/me/drive/root:/Uploads:/content", read, nil), 400, "invalidRequest", "")
		if r := e.do("PUT", "/me/drive/root:/Uploads/x.txt:/content", read, "x"); r.Status != 403 {
			t.Errorf("Files.Read uploading: %d", r.Status)
		}
	})

	t.Run("rename, move, delete", func(t *testing.T) {
		f := e.do("PUT", "/me/drive/root:/Moves/a.txt:/content", write, "aaa")
		id, etag := str(f.JSON, "id"), str(f.JSON, "eTag")
		ren := e.must(200, "PATCH", "/me/drive/items/"+id, write, map[string]any{"name": "b.txt"})
		if str(ren, "name") != "b.txt" || str(ren, "eTag") == etag {
			t.Fatalf("rename %v", ren)
		}
		wantError(t, e.do("PATCH", "/me/drive/items/"+id, write, map[string]any{"name": "c.txt"}, header("If-Match", etag)), 412, "resourceModified", "")
		projects := e.must(200, "GET", "/me/drive/root:/Projects", read, nil)
		count := w2Num(projects, "folder/childCount")
		mv := e.must(200, "PATCH", "/me/drive/items/"+id, write, map[string]any{"parentReference": map[string]any{"id": str(projects, "id")}})
		if str(mv, "parentReference/id") != str(projects, "id") || str(mv, "parentReference/path") != "/drive/root:/Projects" {
			t.Errorf("moved %v", mv["parentReference"])
		}
		if got := e.must(200, "GET", "/me/drive/root:/Projects", read, nil); w2Num(got, "folder/childCount") != count+1 {
			t.Errorf("Projects childCount %v, want %v", w2Num(got, "folder/childCount"), count+1)
		}
		if got := e.must(200, "GET", "/me/drive/root:/Moves", read, nil); w2Num(got, "folder/childCount") != 0 || w2Num(got, "size") != 0 {
			t.Errorf("Moves after the move %v %v", got["folder"], got["size"])
		}
		byPath := e.must(200, "PATCH", "/me/drive/items/"+id, write, map[string]any{"parentReference": map[string]any{"path": "/drive/root:/Moves"}, "name": "c.txt"})
		if str(byPath, "parentReference/path") != "/drive/root:/Moves" || str(byPath, "name") != "c.txt" {
			t.Errorf("moved by path %v", byPath)
		}
		e.must(201, "PUT", "/me/drive/root:/Projects/c.txt:/content", write, "other")
		wantError(t, e.do("PATCH", "/me/drive/items/"+id, write, map[string]any{"parentReference": map[string]any{"id": str(projects, "id")}}), 409, "nameAlreadyExists", "")
		moves := e.must(200, "GET", "/me/drive/root:/Moves", read, nil)
		wantError(t, e.do("PATCH", "/me/drive/items/"+str(moves, "id"), write, map[string]any{"parentReference": map[string]any{"id": str(moves, "id")}}), 400, "invalidRequest", "")
		root := e.must(200, "GET", "/me/drive/root", read, nil)
		wantError(t, e.do("DELETE", "/me/drive/items/"+str(root, "id"), write, nil), 400, "invalidRequest", "")
		if r := e.do("DELETE", "/me/drive/items/"+str(moves, "id"), write, nil); r.Status != 204 {
			t.Fatalf("delete: %d %s", r.Status, r.Raw)
		}
		wantError(t, e.do("GET", "/me/drive/items/"+id, read, nil), 404, "itemNotFound", "")
		wantError(t, e.do("GET", "/me/drive/items/"+id+"/content", read, nil), 404, "itemNotFound", "")
		// Microsoft's data accepts Files.ReadWrite.All, not Files.ReadWrite, for DELETE by path.
		if r := e.do("DELETE", "/me/drive/root:/Projects/c.txt", e.delegated("adele", "Files.ReadWrite.All"), nil); r.Status != 204 {
			t.Errorf("delete by path: %d", r.Status)
		}
	})

	t.Run("sharing and isolation", func(t *testing.T) {
		megan := e.id("megan")
		meganAll := e.delegated("megan", "Files.ReadWrite.All")
		shared := e.all("/me/drive/sharedWithMe", e.delegated("megan", "Files.Read.All"))
		if len(shared) != 1 || str(shared[0], "name") != "Launch plan.txt" || str(shared[0], "remoteItem/parentReference/driveId") != driveID ||
			str(shared[0], "remoteItem/shared/owner/user/id") != adele {
			t.Fatalf("Megan's sharedWithMe %v", shared)
		}
		planID := str(shared[0], "remoteItem/id")
		if got := e.must(200, "GET", "/drives/"+url.PathEscape(driveID)+"/items/"+planID, meganAll, nil); str(got, "name") != "Launch plan.txt" {
			t.Errorf("shared item %v", got)
		}
		if r := e.do("PUT", "/drives/"+url.PathEscape(driveID)+"/items/"+planID+"/content", meganAll, "edited by Megan"); r.Status != 200 ||
			str(r.JSON, "lastModifiedBy/user/id") != megan {
			t.Errorf("Megan editing the shared plan: %d %s", r.Status, r.Raw)
		}
		welcome := e.must(200, "GET", "/me/drive/root:/Welcome.txt", read, nil)
		wantError(t, e.do("GET", "/drives/"+url.PathEscape(driveID)+"/items/"+str(welcome, "id"), meganAll, nil), 404, "itemNotFound", "")
		wantError(t, e.do("GET", "/users/"+adele+"/drive/root/children", meganAll, nil), 403, "accessDenied", "")
		wantError(t, e.do("GET", "/me/drive/items/"+str(welcome, "id"), e.delegated("megan", "Files.Read"), nil), 404, "itemNotFound", "")
		for _, it := range e.all("/me/drive/root/children", e.delegated("megan", "Files.Read")) {
			if str(it, "name") == "Welcome.txt" || str(it, "name") == "Projects" {
				t.Errorf("Adele's %s in Megan's drive", str(it, "name"))
			}
		}
		// Adele may read Megan's roadmap, not change it.
		mine := e.all("/me/drive/sharedWithMe", e.delegated("adele", "Files.Read.All"))
		if len(mine) != 1 || str(mine[0], "name") != "Roadmap.txt" {
			t.Fatalf("Adele's sharedWithMe %v", w2ItemNames(mine))
		}
		mDrive := str(mine[0], "remoteItem/parentReference/driveId")
		rid := str(mine[0], "remoteItem/id")
		adeleAll := e.delegated("adele", "Files.ReadWrite.All")
		if r := e.do("GET", "/drives/"+url.PathEscape(mDrive)+"/items/"+rid+"/content", adeleAll, nil); r.Status != 200 || !strings.HasPrefix(string(r.Raw), "Q1") {
			t.Errorf("reading the shared roadmap: %d %q", r.Status, r.Raw)
		}
		wantError(t, e.do("PUT", "/drives/"+url.PathEscape(mDrive)+"/items/"+rid+"/content", adeleAll, "mine now"), 403, "accessDenied", "")
		wantError(t, e.do("DELETE", "/drives/"+url.PathEscape(mDrive)+"/items/"+rid, adeleAll, nil), 403, "accessDenied", "")

		// Invite: Adele shares Personal/Notes.txt with Megan.
		notes := e.must(200, "GET", "/me/drive/root:/Personal/Notes.txt", read, nil)
		inv := e.must(200, "POST", "/me/drive/items/"+str(notes, "id")+"/invite", write, map[string]any{
			"recipients": []any{map[string]any{"email": e.upn("megan")}}, "roles": []string{"read"}, "requireSignIn": true, "sendInvitation": false})
		perms := list(t, inv)
		if len(perms) != 1 || str(perms[0], "grantedTo/user/id") != megan || get(perms[0], "roles").([]any)[0] != "read" {
			t.Fatalf("invite %v", inv)
		}
		if got := e.must(200, "GET", "/me/drive/items/"+str(notes, "id"), read, nil); str(got, "shared/scope") != "users" {
			t.Errorf("shared facet %v", got["shared"])
		}
		if got := e.all("/me/drive/sharedWithMe", e.delegated("megan", "Files.Read.All")); len(got) != 2 {
			t.Errorf("Megan's sharedWithMe after the invite %v", w2ItemNames(got))
		}
		wantError(t, e.do("POST", "/me/drive/items/"+str(notes, "id")+"/invite", write, map[string]any{
			"recipients": []any{map[string]any{"email": "nobody@example.com"}}, "roles": []string{"read"}}), 400, "invalidRequest", "")
		// Deleting the item removes the grant.
		e.do("DELETE", "/me/drive/items/"+str(notes, "id"), write, nil)
		if got := e.all("/me/drive/sharedWithMe", e.delegated("megan", "Files.Read.All")); len(got) != 1 {
			t.Errorf("Megan's sharedWithMe after the delete %v", w2ItemNames(got))
		}
		// App-only sees every drive.
		if items := e.all("/users/"+adele+"/drive/root/children", e.app("Files.Read.All")); find(items, "name", "Welcome.txt") == nil {
			t.Errorf("app-only: %v", w2ItemNames(items))
		}
	})

	t.Run("app folder", func(t *testing.T) {
		app := e.delegated("adele", "Files.ReadWrite.AppFolder")
		f := e.must(200, "GET", "/me/drive/special/approot", app, nil)
		if str(f, "specialFolder/name") != "approot" || str(f, "name") != "Home Assistant O365" || str(f, "parentReference/path") != "/drive/root:/Apps" {
			t.Fatalf("approot %v", f)
		}
		up := e.do("PUT", "/me/drive/special/approot:/settings.json:/content", app, `{"theme":"dark"}`)
		if up.Status != 201 || str(up.JSON, "parentReference/id") != str(f, "id") {
			t.Fatalf("upload into the app folder: %d %s", up.Status, up.Raw)
		}
		e.must(201, "PUT", "/me/drive/special/approot/children/state.txt/content", app, "1")
		e.must(201, "POST", "/me/drive/special/approot/children", app, map[string]any{"name": "cache", "folder": map[string]any{}})
		if got := strings.Join(w2ItemNames(e.all("/me/drive/special/approot/children", app)), ","); got != "cache,settings.json,state.txt" {
			t.Errorf("app folder children %s", got)
		}
		if r := e.do("GET", "/me/drive/special/approot:/settings.json:/content", app, nil); r.Status != 200 || string(r.Raw) != `{"theme":"dark"}` {
			t.Errorf("download from the app folder: %d %q", r.Status, r.Raw)
		}
		if r := e.do("GET", "/me/drive/root:/Apps/"+w2PathOf("Home Assistant O365")+"/settings.json", app, nil); r.Status != 200 {
			t.Errorf("the app folder by path: %d %s", r.Status, r.Raw)
		}
		// Nothing outside it.
		wantError(t, e.do("GET", "/me/drive/root:/Welcome.txt", app, nil), 403, "accessDenied", "Access denied")
		wantError(t, e.do("DELETE", "/me/drive/root:/Welcome.txt", app, nil), 403, "accessDenied", "")
		wantError(t, e.do("GET", "/me/drive/special/documents", app, nil), 403, "accessDenied", "")
		if r := e.do("GET", "/me/drive/root/children", app, nil); r.Status != 403 {
			t.Errorf("listing the root with the app folder permission: %d", r.Status)
		}
		// With Files.Read as well, reading is not confined.
		if r := e.do("GET", "/me/drive/root:/Welcome.txt", e.delegated("adele", "Files.ReadWrite.AppFolder", "Files.Read"), nil); r.Status != 200 {
			t.Errorf("with Files.Read too: %d", r.Status)
		}
		// The user sees the folder in their drive.
		if r := e.do("GET", "/me/drive/root:/Apps", read, nil); r.Status != 200 || w2Num(r.JSON, "folder/childCount") != 1 {
			t.Errorf("Apps folder: %d %s", r.Status, r.Raw)
		}
	})

	t.Run("personal account", func(t *testing.T) {
		tok := e.personal("Files.Read")
		d := e.must(200, "GET", "/me/drive", tok, nil)
		if str(d, "driveType") != "personal" || len(str(d, "id")) != 16 {
			t.Errorf("personal drive %v", d)
		}
		items := e.all("/me/drive/root/children", tok)
		if len(items) != 1 || str(items[0], "file/hashes/sha1Hash") == "" || str(items[0], "file/hashes/quickXorHash") == "" {
			t.Errorf("personal drive items %v", items)
		}
	})
}
