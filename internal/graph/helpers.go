package graph

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"strings"

	"graphgate/internal/odata"
	"graphgate/internal/store"
)

// userSearchColumns are the properties $search may name on users.
var userSearchColumns = map[string]string{"displayname": "display_name", "mail": "mail", "userprincipalname": "upn",
	"givenname": "given_name", "surname": "surname", "jobtitle": "job_title", "department": "department"}

// searchUsers turns a directory $search ("displayName:ad" OR …) into a
// store condition: each term matches the start of any word of the
// property (its start, or a space before it), case-insensitively; % and _
// in a term are characters, not wildcards.
func searchUsers(s *odata.Search) (store.Cond, error) {
	var ors store.Or
	for _, group := range s.Groups {
		var ands store.And
		for _, t := range group {
			col, ok := userSearchColumns[strings.ToLower(t.Property)]
			if !ok {
				return nil, NewErrorf(400, "Request_UnsupportedQuery", "Unsupported query term '%s'. The $search query parameter must be in the form \"property:value\" with a supported property.", t.Property)
			}
			f := store.Column(col, store.TypeString)
			var cond store.Cond = store.Or{store.Match{Field: f, Kind: store.Prefix, Text: t.Value}, store.Match{Field: f, Kind: store.Contains, Text: " " + t.Value}}
			if t.Not {
				cond = store.Not{Cond: cond}
			}
			ands = append(ands, cond)
		}
		ors = append(ors, ands)
	}
	return ors, nil
}

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
