package graph

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"strings"
)

// WithContext adds @odata.context to a rendered object.
func WithContext(obj json.RawMessage, ctx string) json.RawMessage {
	cb, _ := json.Marshal(ctx)
	out := append([]byte(`{"@odata.context":`), cb...)
	if len(obj) > 2 {
		out = append(out, ',')
		out = append(out, obj[1:]...)
	} else {
		out = append(out, '}')
	}
	return out
}

// WithType adds @odata.type to a rendered object.
func WithType(obj json.RawMessage, t string) json.RawMessage {
	tb, _ := json.Marshal(t)
	out := append([]byte(`{"@odata.type":`), tb...)
	if len(obj) > 2 {
		out = append(out, ',')
		out = append(out, obj[1:]...)
	} else {
		out = append(out, '}')
	}
	return out
}

// NewGUID returns a random GUID in upper case (the ids graphgate gives new
// objects and delta tokens).
func NewGUID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	x := strings.ToUpper(hex.EncodeToString(b))
	return x[0:8] + "-" + x[8:12] + "-" + x[12:16] + "-" + x[16:20] + "-" + x[20:32]
}

// BindID reads the id out of an @odata.bind URL: …/users('id') or …/users/id.
func BindID(bind string) string {
	if i := strings.Index(bind, "('"); i >= 0 {
		return strings.TrimSuffix(strings.TrimSuffix(bind[i+2:], "')"), "'")
	}
	return bind[strings.LastIndexByte(bind, '/')+1:]
}
