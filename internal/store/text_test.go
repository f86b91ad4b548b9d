package store

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"
)

// TestCheckArg: which statement arguments hold a NUL character (and are
// refused with ErrInvalidText), by the type a backend binds them as.
func TestCheckArg(t *testing.T) {
	type role string
	for _, c := range []struct {
		name string
		arg  any
		nul  bool
	}{
		{"string", "a\x00b", true},
		{"string without", "a b", false},
		{"string spelling the escape", `a\u0000b`, false},
		{"named string type", role("a\x00"), true},
		{"list", []string{"a", "b\x00"}, true},
		{"list without", []string{"a", "b"}, false},
		{"JSON escape", json.RawMessage(`{"s":"a\u0000b"}`), true},
		{"JSON escape after an escaped backslash and another escape", json.RawMessage(`{"s":"\\\u0000"}`), true},
		{"JSON escaped backslash, then text", json.RawMessage(`{"s":"\\u0000"}`), false},
		{"JSON two escaped backslashes, then text", json.RawMessage(`{"s":"\\\\u0000"}`), false},
		{"JSON escape in a key", json.RawMessage(`{"a\u0000":1}`), true},
		{"JSON raw byte 0", json.RawMessage("{\"s\":\"a\x00\"}"), true},
		{"JSON other escapes", json.RawMessage(`{"s":"\u0001\u00000"}`), true},
		{"JSON without", json.RawMessage(`{"s":"u0000 \u0041"}`), false},
		{"binary", []byte{0, 0, 1}, false},
		{"nil", nil, false},
		{"int", 0, false},
		{"time", time.Time{}, false},
	} {
		err := CheckArg(c.arg)
		if got := errors.Is(err, ErrInvalidText); got != c.nul || !c.nul && err != nil {
			t.Errorf("%s (%#v): %v, want NUL %v", c.name, c.arg, err, c.nul)
		}
	}
}

// BenchmarkCheckArg: the guard's cost per argument, for the arguments a
// Graph write binds — ids, a message document of 4 KB, a 4 MiB one (the
// largest a request body makes).
func BenchmarkCheckArg(b *testing.B) {
	// A body's text, and text with an escape every 15 bytes or so (quotes,
	// backslashes, non-ASCII: the worst case for the escape search).
	const text, escapes = `Lorem ipsum dolor sit amet, consectetur adipiscing elit. `, `a \"quoted\", caf\u00e9 \\ `
	doc := func(word string, n int) json.RawMessage {
		return json.RawMessage(`{"subject":"Launch plan","body":{"contentType":"html","content":"` + strings.Repeat(word, n/len(word)) + `"}}`)
	}
	for _, c := range []struct {
		name string
		arg  any
	}{
		{"id", "AAMkAGI2TG93AAA="},
		{"document 4 KB", doc(text, 4<<10)},
		{"document 4 MiB", doc(text, 4<<20)},
		{"document 4 MiB, escapes", doc(escapes, 4<<20)},
	} {
		b.Run(c.name, func(b *testing.B) {
			if j, ok := c.arg.(json.RawMessage); ok {
				b.SetBytes(int64(len(j)))
			}
			for b.Loop() {
				if err := CheckArg(c.arg); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
