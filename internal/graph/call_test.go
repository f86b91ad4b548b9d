package graph_test

import (
	"bytes"
	"testing"
)

// TestBodyLimit: a request body is limited to 4 MiB as sent and, when
// gzip-compressed, once decompressed; a body over the limit is refused
// whole with Graph's 413 and nothing is written — it is never cut at the
// limit and used.
func TestBodyLimit(t *testing.T) {
	e := newEnv(t)
	tok := e.delegated("adele", "Files.ReadWrite", "MailboxSettings.ReadWrite", "Mail.ReadWrite")
	const limit = 4 << 20
	file := func(n int) []byte { return bytes.Repeat([]byte("0123456789abcdef"), n/16+1)[:n] }
	// A folder's JSON followed by spaces up to n bytes: valid JSON of any size.
	folder := func(name string, n int) []byte {
		b := []byte(`{"displayName":"` + name + `"}`)
		return append(b, bytes.Repeat([]byte(" "), n-len(b))...)
	}
	for _, c := range []struct {
		name, method, path string
		body               []byte
		gzip               bool
		status             int
	}{
		{"gzip upload of exactly the limit", "PUT", "/me/drive/root:/Limit/exact.bin:/content", file(limit), true, 201},
		{"gzip upload one byte over", "PUT", "/me/drive/root:/Limit/over.bin:/content", file(limit + 1), true, 413},
		{"gzip upload of 5 MiB", "PUT", "/me/drive/root:/Limit/five.bin:/content", file(5 << 20), true, 413},
		{"plain upload one byte over", "PUT", "/me/drive/root:/Limit/plain.bin:/content", file(limit + 1), false, 413},
		{"gzip JSON of exactly the limit", "POST", "/me/mailFolders", folder("Exact", limit), true, 201},
		{"gzip JSON whose first bytes are a folder, one byte over", "POST", "/me/mailFolders", folder("Over", limit+1), true, 413},
	} {
		t.Run(c.name, func(t *testing.T) {
			body, opts := c.body, []opt{header("Content-Type", "application/json")}
			if c.method == "PUT" {
				opts[0] = header("Content-Type", "application/octet-stream")
			}
			if c.gzip {
				body, opts = gzipped(c.body), append(opts, header("Content-Encoding", "gzip"))
			}
			r := e.do(c.method, c.path, tok, body, opts...)
			if c.status != 413 {
				if r.Status != c.status {
					t.Fatalf("%d %s", r.Status, r.Raw)
				}
				return
			}
			wantError(t, r, 413, "RequestEntityTooLarge", "The request size exceeds the maximum limit of 4194304 bytes…")
		})
	}
	if it := e.must(200, "GET", "/me/drive/root:/Limit/exact.bin", tok, nil); it["size"] != float64(limit) {
		t.Errorf("exact.bin is %v bytes, want %d", it["size"], limit)
	}
	for _, name := range []string{"over.bin", "five.bin", "plain.bin"} {
		if r := e.do("GET", "/me/drive/root:/Limit/"+name, tok, nil); r.Status != 404 {
			t.Errorf("%s, refused with 413, was stored: %d %s", name, r.Status, r.Raw)
		}
	}
	for name, want := range map[string]int{"Exact": 1, "Over": 0} {
		if n := len(e.all("/me/mailFolders?$filter="+q("displayName eq '"+name+"'"), tok)); n != want {
			t.Errorf("%d mail folders named %s, want %d", n, name, want)
		}
	}
}
