package graph_test

import (
	"strings"
	"testing"
)

// TestDriveFileSystemInfo: the client's file system times are read from
// fileSystemInfo in POST …/children and PATCH bodies, and sharedWithMe
// lists them on the item and its remoteItem, as OneDrive does.
func TestDriveFileSystemInfo(t *testing.T) {
	e := newEnv(t)
	write := e.delegated("adele", "Files.ReadWrite")
	read := e.delegated("adele", "Files.Read")
	const created, modified, patched = "2019-03-04T05:06:07", "2020-01-02T03:04:05", "2021-06-07T08:09:10"

	folder := e.must(201, "POST", "/me/drive/root/children", write, map[string]any{"name": "FSI folder", "folder": map[string]any{},
		"fileSystemInfo": map[string]any{"createdDateTime": created + "Z", "lastModifiedDateTime": modified + "Z"}})
	file := e.must(201, "POST", "/me/drive/items/"+str(folder, "id")+"/children", write, map[string]any{"name": "fsi.txt", "file": map[string]any{},
		"fileSystemInfo": map[string]any{"createdDateTime": created + "Z", "lastModifiedDateTime": modified + "Z"}})
	id := str(file, "id")
	patchedItem := e.must(200, "PATCH", "/me/drive/items/"+id, write, map[string]any{
		"fileSystemInfo": map[string]any{"lastModifiedDateTime": patched + "Z"}})
	e.must(200, "POST", "/me/drive/items/"+id+"/invite", write, map[string]any{
		"recipients": []any{map[string]any{"email": e.upn("megan")}}, "roles": []string{"read"}, "requireSignIn": true, "sendInvitation": false})
	shared := find(e.all("/me/drive/sharedWithMe", e.delegated("megan", "Files.Read.All")), "name", "fsi.txt")
	if shared == nil {
		t.Fatal("fsi.txt is not in Megan's sharedWithMe")
	}

	for _, tc := range []struct {
		name string
		item map[string]any
		path string
		want string
	}{
		{"created folder", folder, "fileSystemInfo/createdDateTime", created},
		{"created folder", folder, "fileSystemInfo/lastModifiedDateTime", modified},
		{"created file", file, "fileSystemInfo/createdDateTime", created},
		{"created file", file, "fileSystemInfo/lastModifiedDateTime", modified},
		{"patched file", patchedItem, "fileSystemInfo/createdDateTime", created},
		{"patched file", patchedItem, "fileSystemInfo/lastModifiedDateTime", patched},
		{"read back", e.must(200, "GET", "/me/drive/items/"+id, read, nil), "fileSystemInfo/lastModifiedDateTime", patched},
		{"sharedWithMe", shared, "fileSystemInfo/createdDateTime", created},
		{"sharedWithMe", shared, "remoteItem/fileSystemInfo/createdDateTime", created},
		{"sharedWithMe", shared, "remoteItem/fileSystemInfo/lastModifiedDateTime", patched},
	} {
		if got := str(tc.item, tc.path); !strings.HasPrefix(got, tc.want) {
			t.Errorf("%s: %s = %q, want %s…", tc.name, tc.path, got, tc.want)
		}
	}
}
