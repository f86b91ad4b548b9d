package graph

import (
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

// BindID reads the id out of an @odata.bind URL: …/users('id') or …/users/id.
func BindID(bind string) string {
	if i := strings.Index(bind, "('"); i >= 0 {
		return strings.TrimSuffix(strings.TrimSuffix(bind[i+2:], "')"), "'")
	}
	return bind[strings.LastIndexByte(bind, '/')+1:]
}
