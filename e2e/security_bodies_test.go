package e2e

import (
	"bytes"
	"compress/gzip"
	"encoding/base64"
	"io"
	"net/url"
	"runtime"
	"strings"
	"testing"
	"time"

	"graphgate/internal/catalog"
	"graphgate/internal/demo"
)

// gzipBomb is a gzip stream of n members, each of the same 1 MiB of fill
// (a multi-member stream decompresses as their concatenation, RFC 1952
// §2.2), after a first member holding prefix: about n KB that decompress
// to n MiB.
func gzipBomb(t testing.TB, prefix string, fill byte, n int) []byte {
	t.Helper()
	member := func(b []byte) []byte {
		var buf bytes.Buffer
		zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
		if _, err := zw.Write(b); err != nil {
			t.Fatal(err)
		}
		if err := zw.Close(); err != nil {
			t.Fatal(err)
		}
		return buf.Bytes()
	}
	block := member(bytes.Repeat([]byte{fill}, 1<<20))
	out := member([]byte(prefix))
	for range n {
		out = append(out, block...)
	}
	return out
}

// allocated runs f and returns how many bytes the process allocated
// meanwhile (the server runs in the test's process).
func allocated(f func()) uint64 {
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

// TestSecurityRequestBodies sends bodies built to exhaust the server: a
// gzip bomb (RFC 1952 multi-member, 1 GiB decompressed), a body over
// Graph's 4 MB request limit (plain and chunked), JSON nested 100,000 deep
// (in a write and in $batch), a $filter nested 50,000 deep, and an
// oversized token request. Each is refused with Graph's error (or the
// identity platform's) without a 5xx, the work stays bounded — the bomb is
// never decompressed beyond the limit — and nothing is stored.
func TestSecurityRequestBodies(t *testing.T) {
	e := start(t)
	m := minter(t, e)
	tok := graphUser(t, e, m, "adele", everyPermission(t, e, catalog.DelegatedWork)...)
	folders := func() int {
		r := e.graphCall(t, "GET", "/me/mailFolders?$top=100", tok, nil)
		v, _ := r.json["value"].([]any)
		if r.status != 200 {
			t.Fatalf("mail folders: %s", r)
		}
		return len(v)
	}
	n0 := folders()
	post := func(body []byte, hdr ...string) gresp {
		return e.graphCall(t, "POST", "/me/mailFolders", tok, body, hdr...)
	}
	const limit = 4 << 20

	t.Run("CWE-409 gzip bomb: decompression stops at the limit", func(t *testing.T) {
		bomb := gzipBomb(t, "", 0, 1024) // 1 GiB of zeros in ~1 MB
		var r gresp
		start := time.Now()
		alloc := allocated(func() { r = post(bomb, "Content-Encoding", "gzip") })
		if r.status < 400 || r.status >= 500 {
			t.Errorf("gzip bomb: %s", r)
		}
		if code, _ := r.graphErr(); code == "" {
			t.Errorf("gzip bomb: no Graph error body: %s", r)
		}
		// 1 GiB decompressed would allocate at least that; the limit is 4 MiB.
		if alloc > 256<<20 {
			t.Errorf("the bomb made the process allocate %d MiB", alloc>>20)
		}
		t.Logf("gzip bomb (%d KB compressed, 1 GiB decompressed): %d, %d MiB allocated, %v", len(bomb)>>10, r.status, alloc>>20, time.Since(start).Round(time.Millisecond))
	})

	t.Run("RFC 9110 §15.5.14 body over the 4 MB limit", func(t *testing.T) {
		big := []byte(`{"displayName":"big","x":"` + strings.Repeat("a", limit) + `"}`)
		wantGraphError(t, post(big), 413, "RequestEntityTooLarge", "")
	})

	t.Run("RFC 9112 §7.1 chunked body over the 4 MB limit", func(t *testing.T) {
		big := []byte(`{"displayName":"big","x":"` + strings.Repeat("a", limit) + `"}`)
		// A reader without a length makes the client send it chunked.
		r := e.graphCall(t, "POST", "/me/mailFolders", tok, io.MultiReader(bytes.NewReader(big)))
		wantGraphError(t, r, 413, "RequestEntityTooLarge", "")
	})

	t.Run("RFC 8259 §9 JSON nested 100,000 deep", func(t *testing.T) {
		for name, body := range map[string]string{
			"objects": strings.Repeat(`{"a":`, 100000) + "1" + strings.Repeat("}", 100000),
			"arrays":  `{"displayName":` + strings.Repeat("[", 100000) + strings.Repeat("]", 100000) + "}",
		} {
			r := post([]byte(body))
			if r.status != 400 {
				t.Errorf("%s: %s", name, r)
			}
		}
		batch := `{"requests":[{"id":"1","method":"POST","url":"/me/mailFolders","headers":{"Content-Type":"application/json"},"body":` +
			strings.Repeat(`{"a":`, 100000) + "1" + strings.Repeat("}", 100000) + `}]}`
		r := e.graphCall(t, "POST", "/$batch", tok, batch)
		if r.status >= 500 || r.status == 200 && !strings.Contains(string(r.raw), `"status":400`) {
			t.Errorf("$batch with a nested body: %s", r)
		}
	})

	t.Run("OData $filter nested 50,000 deep", func(t *testing.T) {
		for name, f := range map[string]string{
			"parentheses": strings.Repeat("(", 50000) + "subject eq 'x'" + strings.Repeat(")", 50000),
			"not":         strings.Repeat("not ", 50000) + "(subject eq 'x')",
		} {
			var r gresp
			start := time.Now()
			alloc := allocated(func() { r = e.graphCall(t, "GET", "/me/messages?$filter="+url.QueryEscape(f), tok, nil) })
			if r.status >= 500 || r.status != 400 && r.status != 200 && r.status != 414 && r.status != 431 {
				t.Errorf("%s: %s", name, r)
			}
			t.Logf("$filter of %d nested %s: %d in %v, %d MiB allocated", 50000, name, r.status, time.Since(start).Round(time.Millisecond), alloc>>20)
		}
	})

	t.Run("RFC 6749 §3.2 token request over the form limit", func(t *testing.T) {
		d := e.app("daemon")
		v := kv("grant_type", "client_credentials", "client_id", d.ClientID, "client_secret", d.Secret, "scope", graphDotDefault, "pad", strings.Repeat("a", 1<<20))
		r := postToken(t, e, demo.TenantID, v)
		if r.status != 400 && r.status != 413 || r.str("access_token") != "" || r.str("error") == "" {
			t.Errorf("oversized token request: %s", clip(r.String(), 300))
		}
	})

	if n := folders(); n != n0 {
		t.Errorf("the refused bodies created %d mail folders", n-n0)
	}
}

// TestSecurityGzipBeyondLimit: a gzip request body that decompresses
// beyond Graph's 4 MB limit is refused whole with 413 RequestEntityTooLarge
// and changes nothing (RFC 9110 §15.5.14; CWE-409) — directly and inside
// $batch — rather than cut at the limit and used: a bomb whose first bytes
// are valid JSON creates no mail folder, and a 5 MiB file sent compressed
// is not stored truncated.
func TestSecurityGzipBeyondLimit(t *testing.T) {
	e := start(t)
	tok := graphUser(t, e, minter(t, e), "adele", everyPermission(t, e, catalog.DelegatedWork)...)
	bomb := gzipBomb(t, `{"displayName":"bomb"}`, ' ', 1024) // valid JSON, then 1 GiB of spaces
	wantGraphError(t, e.graphCall(t, "POST", "/me/mailFolders", tok, bomb, "Content-Encoding", "gzip"), 413, "RequestEntityTooLarge", "")
	// The same inside $batch: the inner request's body is base64, its
	// Content-Encoding one of its headers.
	batch := map[string]any{"requests": []map[string]any{{"id": "1", "method": "POST", "url": "/me/mailFolders",
		"headers": map[string]string{"Content-Type": "application/json", "Content-Encoding": "gzip"},
		"body":    base64.StdEncoding.EncodeToString(gzipBomb(t, `{"displayName":"batch bomb"}`, ' ', 64))}}}
	r := e.graphCall(t, "POST", "/$batch", tok, batch)
	if rs, _ := r.json["responses"].([]any); r.status != 200 || len(rs) != 1 || rs[0].(map[string]any)["status"] != float64(413) {
		t.Errorf("$batch with a gzip bomb: want its request answered 413, got %s", r)
	}
	for _, name := range []string{"bomb", "batch bomb"} {
		r := e.graphCall(t, "GET", "/me/mailFolders?$filter="+qv("displayName eq '"+name+"'"), tok, nil)
		if v, _ := r.json["value"].([]any); r.status != 200 || len(v) != 0 {
			t.Errorf("the %s created a mail folder: %s", name, r)
		}
	}
	// A 5 MiB file, gzip-compressed on the wire.
	content := bytes.Repeat([]byte("0123456789abcdef"), 5<<16)
	wantGraphError(t, e.graphCall(t, "PUT", "/me/drive/root:/big.bin:/content", tok, gzipBomb(t, string(content), 0, 0), "Content-Encoding", "gzip",
		"Content-Type", "application/octet-stream"), 413, "RequestEntityTooLarge", "")
	if r := e.graphCall(t, "GET", "/me/drive/root:/big.bin", tok, nil); r.status != 404 {
		t.Errorf("a file over the limit was stored: %s", r)
	}
}
