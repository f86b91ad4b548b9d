package graph_test

import (
	"bytes"
	"image"
	pngenc "image/png"
	"net/url"
	"strings"
	"testing"
)

// The @odata.context of every files and photo response, byte for byte:
// the drive's id where the path names the drive through its owner
// (/me/drive), the resolved item's id where the path names it by path,
// the owner's stored id where the path spells it otherwise.
func TestFilesContextURLs(t *testing.T) {
	e := newEnv(t)
	adele := e.id("adele")
	read, write := e.delegated("adele", "Files.Read"), e.delegated("adele", "Files.ReadWrite")
	megan := e.delegated("megan", "Files.ReadWrite")
	driveID := str(e.must(200, "GET", "/me/drive", read, nil), "id")
	rootID := str(e.must(200, "GET", "/me/drive/root", read, nil), "id")
	pid := str(e.must(200, "GET", "/me/drive/root:/Projects", read, nil), "id")
	bid := str(e.must(200, "GET", "/me/drive/root:/Projects/Budget.csv", read, nil), "id")
	welcome := str(e.must(200, "GET", "/me/drive/root:/Welcome.txt", read, nil), "id")
	gDrive := str(e.must(200, "GET", "/groups/"+marketingID+"/drive", megan, nil), "id")
	gRoot := str(e.must(200, "GET", "/groups/"+marketingID+"/drive/root", megan, nil), "id")
	folder := str(e.must(201, "POST", "/me/drive/root/children", write, map[string]any{"name": "ctx", "folder": map[string]any{}}), "id")
	link := e.must(201, "POST", "/me/drive/items/"+bid+"/createLink", write, map[string]any{"type": "view", "scope": "organization"})
	share := encodeSharingURL(str(link, "link/webUrl"))
	perm := str(link, "id")
	session := e.must(200, "POST", "/me/drive/root:/big.bin:/createUploadSession", write, nil)

	var buf bytes.Buffer
	if err := pngenc.Encode(&buf, image.NewRGBA(image.Rect(0, 0, 4, 4))); err != nil {
		t.Fatal(err)
	}
	photo := e.delegated("adele", "User.ReadWrite", "Group.ReadWrite.All")
	e.do("PUT", "/me/photo/$value", photo, buf.Bytes(), header("Content-Type", "image/png"))
	if r := e.do("PUT", "/groups/"+marketingID+"/photo/$value", e.delegated("megan", "Group.ReadWrite.All"), buf.Bytes(), header("Content-Type", "image/png")); r.Status >= 300 {
		t.Fatalf("PUT a group's photo: %d %.300s", r.Status, r.Raw)
	}

	notes := e.delegated("adele", "Notes.ReadWrite")
	nb := list(t, e.must(200, "GET", "/me/onenote/notebooks", notes, nil))[0]
	nbID := str(nb, "id")
	gNotes := e.delegated("megan", "Notes.ReadWrite.All")
	sectionID := str(list(t, e.must(200, "GET", "/me/onenote/sections", notes, nil))[0], "id")
	groupID := str(e.must(201, "POST", "/me/onenote/notebooks/"+nbID+"/sectionGroups", notes, map[string]any{"displayName": "Group"}), "id")
	gNotebook := str(list(t, e.must(200, "GET", "/groups/"+marketingID+"/onenote/notebooks", gNotes, nil))[0], "id")

	meta := e.base + "/$metadata#"
	drive := meta + "drives('" + driveID + "')/"
	upper := strings.ToUpper
	for _, c := range []struct {
		name, method, path, token string
		body                      any
		status                    int
		want                      string
	}{
		{"drive of /me", "GET", "/me/drive", read, nil, 200, meta + "drives/$entity"},
		{"drive by id", "GET", "/drives/" + url.PathEscape(driveID), read, nil, 200, meta + "drives/$entity"},
		{"group's drive", "GET", "/groups/" + marketingID + "/drive", megan, nil, 200, meta + "drives/$entity"},
		{"root", "GET", "/me/drive/root", read, nil, 200, drive + "root/$entity"},
		{"root of a user's drive", "GET", "/users/" + upper(adele) + "/drive/root", e.app("Files.Read.All"), nil, 200, drive + "root/$entity"},
		{"group's root", "GET", "/groups/" + marketingID + "/drive/root", megan, nil, 200, meta + "drives('" + gDrive + "')/root/$entity"},
		{"item by id", "GET", "/me/drive/items/" + pid, read, nil, 200, drive + "items/$entity"},
		{"item by path", "GET", "/me/drive/root:/Projects", read, nil, 200, drive + "items/$entity"},
		{"item of a drive by id", "GET", "/drives/" + url.PathEscape(driveID) + "/items/" + pid, read, nil, 200, drive + "items/$entity"},
		{"special folder", "GET", "/me/drive/special/approot", e.delegated("adele", "Files.ReadWrite.AppFolder"), nil, 200,
			meta + "users('" + adele + "')/drive/special/$entity"},
		{"root's children", "GET", "/me/drive/root/children", read, nil, 200, drive + "items('" + rootID + "')/children"},
		{"children by path", "GET", "/me/drive/root:/Projects:/children", read, nil, 200, drive + "items('" + pid + "')/children"},
		{"children of a file", "GET", "/me/drive/items/" + welcome + "/children", read, nil, 200, drive + "items('" + welcome + "')/children"},
		{"group root's children", "GET", "/groups/" + marketingID + "/drive/root/children", megan, nil, 200,
			meta + "drives('" + gDrive + "')/items('" + gRoot + "')/children"},
		{"create a child", "POST", "/me/drive/items/" + folder + "/children", write, map[string]any{"name": "sub", "folder": map[string]any{}}, 201,
			drive + "items/$entity"},
		{"rename", "PATCH", "/me/drive/items/" + folder, write, map[string]any{"name": "ctx2"}, 200, drive + "items/$entity"},
		{"replace content", "PUT", "/me/drive/items/" + welcome + "/content", write, "hello", 200, drive + "items/$entity"},
		{"upload by path", "PUT", "/me/drive/root:/new.txt:/content", write, "new", 201, drive + "items/$entity"},
		{"upload again by path", "PUT", "/me/drive/root:/new.txt:/content", write, "newer", 200, drive + "items/$entity"},
		{"upload by child name", "PUT", "/me/drive/root/children/new2.txt/content", write, "two", 201, drive + "items/$entity"},
		{"invite", "POST", "/me/drive/items/" + bid + "/invite", write, map[string]any{"recipients": []any{map[string]any{"email": e.upn("megan")}},
			"roles": []string{"read"}, "requireSignIn": true, "sendInvitation": false}, 200, meta + "Collection(microsoft.graph.permission)"},
		{"shared with me", "GET", "/me/drive/sharedWithMe", e.delegated("megan", "Files.Read.All"), nil, 200, meta + "Collection(driveItem)"},
		{"search", "GET", "/me/drive/root/search(q='budget')", read, nil, 200, meta + "Collection(driveItem)"},
		{"delta", "GET", "/me/drive/root/delta", read, nil, 200, meta + "Collection(driveItem)"},
		{"permissions", "GET", "/me/drive/items/" + bid + "/permissions", read, nil, 200, drive + "items('" + bid + "')/permissions"},
		{"permission", "GET", "/me/drive/items/" + bid + "/permissions/" + perm, read, nil, 200, drive + "items('" + bid + "')/permissions/$entity"},
		{"create a link", "POST", "/me/drive/items/" + bid + "/createLink", write, map[string]any{"type": "view", "scope": "organization"}, 200,
			meta + "permission"},
		{"share", "GET", "/shares/" + share, megan, nil, 200, meta + "shares/$entity"},
		{"shared item", "GET", "/shares/" + share + "/driveItem", megan, nil, 200, meta + "shares('" + share + "')/driveItem/$entity"},
		{"upload session", "POST", "/me/drive/root:/big2.bin:/createUploadSession", write, nil, 200, meta + "microsoft.graph.uploadSession"},
		{"my photo", "GET", "/me/photo", photo, nil, 200, meta + "users('" + adele + "')/photo/$entity"},
		{"a user's photo by upper-case id", "GET", "/users/" + upper(adele) + "/photo", photo, nil, 200, meta + "users('" + adele + "')/photo/$entity"},
		{"a group's photo", "GET", "/groups/" + upper(marketingID) + "/photo", photo, nil, 200, meta + "groups('" + marketingID + "')/photo/$entity"},
		{"notebooks", "GET", "/me/onenote/notebooks", notes, nil, 200, meta + "users('" + adele + "')/onenote/notebooks"},
		{"notebook", "GET", "/users/" + upper(adele) + "/onenote/notebooks/" + nbID, notes, nil, 200,
			meta + "users('" + adele + "')/onenote/notebooks/$entity"},
		{"notebook's sections", "GET", "/me/onenote/notebooks/" + nbID + "/sections", notes, nil, 200,
			meta + "users('" + adele + "')/onenote/notebooks('" + nbID + "')/sections"},
		{"sections", "GET", "/me/onenote/sections", notes, nil, 200, meta + "users('" + adele + "')/onenote/sections"},
		{"pages", "GET", "/me/onenote/pages", notes, nil, 200, meta + "users('" + adele + "')/onenote/pages"},
		{"section groups", "GET", "/me/onenote/sectionGroups", notes, nil, 200, meta + "users('" + adele + "')/onenote/sectionGroups"},
		{"create a notebook", "POST", "/me/onenote/notebooks", notes, map[string]any{"displayName": "Ctx"}, 201,
			meta + "users('" + adele + "')/onenote/notebooks/$entity"},
		{"create a section", "POST", "/me/onenote/notebooks/" + nbID + "/sections", notes, map[string]any{"displayName": "Ctx"}, 201,
			meta + "users('" + adele + "')/onenote/sections/$entity"},
		{"create a section group", "POST", "/me/onenote/notebooks/" + nbID + "/sectionGroups", notes, map[string]any{"displayName": "Ctx"}, 201,
			meta + "users('" + adele + "')/onenote/sectionGroups/$entity"},
		{"section's pages", "GET", "/me/onenote/sections/" + sectionID + "/pages", notes, nil, 200,
			meta + "users('" + adele + "')/onenote/sections('" + sectionID + "')/pages"},
		{"section group's sections", "GET", "/me/onenote/sectionGroups/" + groupID + "/sections", notes, nil, 200,
			meta + "users('" + adele + "')/onenote/sectionGroups('" + groupID + "')/sections"},
		{"section group", "GET", "/me/onenote/sectionGroups/" + groupID, notes, nil, 200,
			meta + "users('" + adele + "')/onenote/sectionGroups/$entity"},
		{"group's notebook", "GET", "/groups/" + marketingID + "/onenote/notebooks/" + gNotebook, gNotes, nil, 200,
			meta + "groups('" + marketingID + "')/onenote/notebooks/$entity"},
		{"group's notebook's sections", "GET", "/groups/" + marketingID + "/onenote/notebooks/" + gNotebook + "/sections", gNotes, nil, 200,
			meta + "groups('" + marketingID + "')/onenote/notebooks('" + gNotebook + "')/sections"},
		{"children of a drive by id", "GET", "/drives/" + url.PathEscape(driveID) + "/items/" + pid + "/children", read, nil, 200,
			drive + "items('" + pid + "')/children"},
		{"upload to a group's drive", "PUT", "/groups/" + marketingID + "/drive/items/" + gRoot + ":/plan.txt:/content", megan, "plan", 201,
			meta + "drives('" + gDrive + "')/items/$entity"},
		{"group's item by path", "GET", "/groups/" + marketingID + "/drive/root:/plan.txt", megan, nil, 200,
			meta + "drives('" + gDrive + "')/items/$entity"},
		{"group's notebooks", "GET", "/groups/" + upper(marketingID) + "/onenote/notebooks", gNotes, nil, 200,
			meta + "groups('" + marketingID + "')/onenote/notebooks"},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := e.do(c.method, c.path, c.token, c.body)
			if r.Status != c.status {
				t.Fatalf("%s %s: %d %.300s", c.method, c.path, r.Status, r.Raw)
			}
			if got := str(r.JSON, "@odata.context"); got != c.want {
				t.Errorf("@odata.context = %q, want %q", got, c.want)
			}
		})
	}

	t.Run("upload session's last fragment", func(t *testing.T) {
		data := []byte("the whole file")
		r := e.putRange(str(session, "uploadUrl"), data, 0, len(data))
		if r.Status != 201 {
			t.Fatalf("%d %.300s", r.Status, r.Raw)
		}
		if got := str(r.JSON, "@odata.context"); got != drive+"items/$entity" {
			t.Errorf("@odata.context = %q, want %q", got, drive+"items/$entity")
		}
	})
}
