package cli

import (
	"bytes"
	"fmt"
	"testing"
)

// TestWriteList: the shared output of the list commands.
func TestWriteList(t *testing.T) {
	type row struct {
		Name string `json:"name"`
		N    int    `json:"n"`
	}
	line := func(_ int, r row) string { return fmt.Sprintf("%s\t%d", r.Name, r.N) }
	for _, tc := range []struct {
		name         string
		json         bool
		rows         []row
		title, empty string
		want         string
	}{
		{"table with title", false, []row{{"alpha", 1}, {"b", 22}}, "Things of X: 2", "", "Things of X: 2\nNAME   N\nalpha  1\nb      22\n"},
		{"no rows: title only", false, []row{}, "Things of X: 0", "", "Things of X: 0\n"},
		{"no rows: empty message", false, nil, "", "Nothing yet.", "Nothing yet.\n"},
		{"json", true, []row{{"a", 1}}, "ignored", "ignored", "[\n  {\n    \"name\": \"a\",\n    \"n\": 1\n  }\n]\n"},
		{"json with no rows", true, []row{}, "", "", "[]\n"},
	} {
		var b bytes.Buffer
		if err := writeList(&b, tc.json, tc.rows, tc.title, tc.empty, "NAME\tN", line); err != nil {
			t.Fatal(err)
		}
		if b.String() != tc.want {
			t.Errorf("%s:\n got %q\nwant %q", tc.name, b.String(), tc.want)
		}
	}
}
