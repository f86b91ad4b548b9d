package graph

import (
	"net/url"
	"strings"
	"testing"
)

// Fuzz tests of the hand-written parsers of request input (the files
// workload's are in internal/graph/files). None may panic; each keeps its
// invariants.

// FuzzDecodePath: a path decoded for routing never holds a '?' or '#'
// (they would end it), and reading it back gives what url.PathUnescape
// gives.
func FuzzDecodePath(f *testing.F) {
	for _, s := range []string{"/v1.0/me/drive/root:/a%3F.txt:/content", "/me/drive/root:/a%23b%253F:/content", "/me/messages", "/me/drive/root:/100%25.txt", "/a%3f%3F%zz", "%", "a%3f#00", "\xff%23", "%#%3F0"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, escaped string) {
		path, kept := decodePath(escaped)
		want, err := url.PathUnescape(escaped)
		if !kept {
			if err == nil && path != want {
				t.Fatalf("decodePath(%q) = %q, want %q", escaped, path, want)
			}
			return
		}
		if strings.ContainsAny(path, "?#") {
			t.Fatalf("decodePath(%q) = %q holds '?' or '#'", escaped, path)
		}
		if err == nil && keptUnescaper.Replace(path) != want {
			t.Fatalf("decodePath(%q) = %q, read back %q, want %q", escaped, path, keptUnescaper.Replace(path), want)
		}
	})
}
