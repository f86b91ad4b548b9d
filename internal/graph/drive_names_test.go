package graph_test

import (
	"net/url"
	"slices"
	"testing"
)

// TestDriveItemNames: a name with a control character (NUL included) or
// a character OneDrive for work or school forbids answers OneDrive's 400
// on every path that names an item — create, rename, upload by path,
// upload session by path, copy — and writes nothing (issue 10).
func TestDriveItemNames(t *testing.T) {
	e := newEnv(t)
	write := e.delegated("adele", "Files.ReadWrite")
	children := func() []string {
		var out []string
		for _, it := range e.all("/me/drive/root/children", write) {
			out = append(out, str(it, "name"))
		}
		slices.Sort(out)
		return out
	}
	before := children()
	file := e.must(201, "PUT", "/me/drive/root:/names.txt:/content", write, "hello")
	fileID := str(file, "id")
	before = append(before, "names.txt")
	slices.Sort(before)

	const illegal = "The provided name cannot contain any illegal characters."
	for _, tc := range []struct {
		name, message string
	}{
		{"a\x00b.txt", illegal},
		{"tab\there.txt", illegal},
		{"bell\a.txt", illegal},
		{"del\x7f.txt", illegal},
		{"c1\u0085.txt", illegal},
		{"a:b.txt", illegal},
		{"a*b.txt", illegal},
		{`a"b.txt`, illegal},
		{"a<b>.txt", illegal},
		{"a?.txt", illegal},
		{"a|b.txt", illegal},
		{`a\b.txt`, illegal},
		{" lead.txt", "The provided name cannot contain leading, or trailing, spaces."},
		{"trail.txt ", "The provided name cannot contain leading, or trailing, spaces."},
		{"CON", "The provided name 'CON' is reserved."},
		{"com7", "The provided name 'com7' is reserved."},
		{"desktop.ini", "The provided name 'desktop.ini' is reserved."},
		{"~$draft.docx", "The provided name '~$draft.docx' is reserved."},
		{"my_vti_file", "The provided name 'my_vti_file' is reserved."},
	} {
		steps := []struct {
			what, method, path string
			body               any
		}{
			{"create", "POST", "/me/drive/root/children", map[string]any{"name": tc.name, "folder": map[string]any{}}},
			{"rename", "PATCH", "/me/drive/items/" + fileID, map[string]any{"name": tc.name}},
			{"upload by path", "PUT", "/me/drive/root:/" + url.PathEscape(tc.name) + ":/content", "x"},
			{"upload session by path", "POST", "/me/drive/root:/" + url.PathEscape(tc.name) + ":/createUploadSession", map[string]any{}},
			{"copy", "POST", "/me/drive/items/" + fileID + "/copy", map[string]any{"name": tc.name}},
		}
		for _, st := range steps {
			r := e.do(st.method, st.path, write, st.body)
			if r.Status != 400 || str(r.JSON, "error/code") != "invalidRequest" || str(r.JSON, "error/message") != tc.message {
				t.Errorf("%s %q: %d %s, want 400 invalidRequest %q", st.what, tc.name, r.Status, r.Raw, tc.message)
			}
		}
	}
	if got := children(); !slices.Equal(got, before) {
		t.Errorf("children after refused names = %q, want %q", got, before)
	}
	if got := e.must(200, "GET", "/me/drive/items/"+fileID, write, nil); got["name"] != "names.txt" {
		t.Errorf("renamed to %v", got["name"])
	}
	// Names OneDrive accepts: other punctuation, non-ASCII, reserved words
	// inside a longer name.
	for _, ok := range []string{"ok #1 & 50%.txt", "Überblick — 2031.txt", "console.log", "CONTRACT.pdf", "lpt10"} {
		e.must(201, "POST", "/me/drive/root/children", write, map[string]any{"name": ok, "folder": map[string]any{}})
	}
}
