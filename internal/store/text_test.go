package store

import (
	"encoding/json"
	"errors"
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
