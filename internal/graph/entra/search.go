package entra

import (
	"strings"

	"graphgate/internal/graph"
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
				return nil, graph.NewErrorf(400, "Request_UnsupportedQuery", "Unsupported query term '%s'. The $search query parameter must be in the form \"property:value\" with a supported property.", t.Property)
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
