package files

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"testing"

	"graphgate/internal/model"
)

// Fuzz tests of the files workload's hand-written parsers of request
// input: upload Content-Range headers, share keys, OneNote's lenient
// command JSON and the page patcher. None may panic; each keeps its
// invariants.

func FuzzParseContentRange(f *testing.F) {
	for _, s := range []string{"bytes 0-99/100", "bytes 5-4/10", " bytes  1 - 2 / 3 ", "bytes -1-2/3", "bytes 0-0/0", "bytes 0-9223372036854775807/9223372036854775807", "items 0-1/2"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, h string) {
		start, end, total, ok := parseContentRange(h)
		if !ok {
			return
		}
		if start < 0 || end < start || total <= 0 {
			t.Fatalf("%q parsed to %d-%d/%d", h, start, end, total)
		}
		s2, e2, t2, ok2 := parseContentRange(fmt.Sprintf("bytes %d-%d/%d", start, end, total))
		if !ok2 || s2 != start || e2 != end || t2 != total {
			t.Fatalf("%q does not round-trip", h)
		}
	})
}

func FuzzParseShareKey(f *testing.F) {
	for _, s := range []string{"s!dGVuYW50L2lk", "u!aHR0cHM6Ly9leGFtcGxlL3YxLjAvX3RyYW5zZmVyL3NoYXJlL3QvaWQ", "u!", "s!", "s!====", "u!%%%", "x!abc"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, key string) {
		tenant, id, ok := parseShareKey(key)
		if !ok {
			return
		}
		if tenant == "" || id == "" {
			t.Fatalf("%q: empty tenant or id", key)
		}
		// The share id form of what was found names the same link.
		t2, id2, ok2 := parseShareKey("s!" + base64.RawURLEncoding.EncodeToString([]byte(tenant+"/"+id)))
		if !ok2 || t2 != tenant || id2 != id {
			t.Fatalf("%q: share id of %s/%s parses to %s/%s %v", key, tenant, id, t2, id2, ok2)
		}
	})
}

func FuzzRelaxedJSON(f *testing.F) {
	for _, s := range []string{`[{'target':'body','action':'append','content':'<p>x</p>'}]`, "[{\"target\":\"#a\",\"content\":\"line\nbreak\"}]", `['\'', "\"']`, `[`, `'`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		out := relaxedJSON(b)
		if json.Valid(b) && string(out) != string(b) {
			// Standard JSON passes through unchanged.
			t.Fatalf("valid JSON %q rewritten to %q", b, out)
		}
	})
}

func FuzzApplyPagePatch(f *testing.F) {
	for _, s := range []string{
		`[{"target":"body","action":"append","content":"<p>new</p>"}]`,
		`[{"target":"#intro","action":"replace","content":"<p data-id='intro'>x</p>"}]`,
		`[{"target":"title","action":"replace","content":"T"}]`,
		`[{"target":"#list","action":"insert","position":"before","content":"<li>a</li>"}]`,
		`[{"target":"#intro","action":"delete"}]`,
		`[{"target":"body","action":"prepend","content":"<table><tr><td>x"}]`,
	} {
		f.Add(s)
	}
	const original = `<html><head><title>Plan</title></head><body><div><p data-id="intro">Hello</p><ul data-id="list"><li>one</li></ul><img src="a.png"/></div></body></html>`
	f.Fuzz(func(t *testing.T, cmdJSON string) {
		var cmds []patchCommand
		if json.Unmarshal([]byte(cmdJSON), &cmds) != nil || len(cmds) == 0 {
			return
		}
		p := model.Page{ID: "1-abc", Title: "Plan", Body: original}
		if err := applyPagePatch(&p, cmds); err != nil {
			if p.Body != original || p.Title != "Plan" {
				t.Fatalf("a refused patch changed the page: %q %q", p.Title, p.Body)
			}
			return
		}
		if _, err := parsePageBody(p.Body); err != nil {
			t.Fatalf("patched page does not parse: %v", err)
		}
	})
}
