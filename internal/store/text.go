package store

import (
	"bytes"
	"encoding/json"
	"errors"
	"reflect"
	"strings"
)

// ErrInvalidText is returned when a value a method is given holds the NUL
// character (U+0000): in a key it looks up, an object or document it
// writes, or a query argument. PostgreSQL's text and jsonb cannot hold a
// NUL, so no backend stores, finds or compares one: every backend refuses
// such a value before a statement runs, and both answer the same. A
// protocol layer answers its client's 400 for it.
var ErrInvalidText = errors.New("store: text holds a NUL character (U+0000)")

// CheckArg returns ErrInvalidText when v, a statement argument, holds a
// NUL character: a string (or a type whose underlying type is string) or
// an element of a []string with the byte 0, or a json.RawMessage with the
// escape \u0000 in a string (JSON text holds a NUL only escaped). []byte
// is binary data (PostgreSQL's bytea, SQLite's BLOB) and may hold any byte.
// Backends call it for every argument of every statement, at the one place
// their statements bind arguments (internal/store/postgres guard.go,
// internal/store/sqlite guard.go).
func CheckArg(v any) error {
	switch v := v.(type) {
	case nil, []byte, bool, int, int32, int64, float64:
		return nil
	case string:
		return checkText(v)
	case []string:
		for _, s := range v {
			if err := checkText(s); err != nil {
				return err
			}
		}
		return nil
	case json.RawMessage:
		return CheckJSON(v)
	}
	if rv := reflect.ValueOf(v); rv.Kind() == reflect.String {
		return checkText(rv.String())
	}
	return nil
}

func checkText(s string) error {
	if strings.IndexByte(s, 0) >= 0 {
		return ErrInvalidText
	}
	return nil
}

// CheckJSON returns ErrInvalidText when the JSON text b holds a NUL
// character: the escape \u0000 — "u0000" after an odd number of
// backslashes; after an even number it is an escaped backslash followed by
// the text "u0000" — or a raw byte 0, which valid JSON never holds.
func CheckJSON(b []byte) error {
	if bytes.IndexByte(b, 0) >= 0 {
		return ErrInvalidText
	}
	for i := 0; ; {
		j := bytes.Index(b[i:], []byte(`\u0000`))
		if j < 0 {
			return nil
		}
		j += i
		n := 1 // the backslash of the match, and those before it
		for k := j - 1; k >= 0 && b[k] == '\\'; k-- {
			n++
		}
		if n%2 == 1 {
			return ErrInvalidText
		}
		i = j + 1
	}
}
