package graph

import (
	"fmt"
	"strings"

	"graphgate/internal/odata"
)

// placeholder returns the n-th (1-based) bind placeholder of a dialect.
func placeholder(d odata.Dialect, n int) string {
	if d == odata.Postgres {
		return fmt.Sprintf("$%d", n)
	}
	return "?"
}

// andWhere joins two WHERE fragments. b's PostgreSQL placeholders must
// already be numbered after a's arguments.
func andWhere(a string, aArgs []any, b string, bArgs []any, _ odata.Dialect) (string, []any) {
	switch {
	case a == "":
		return b, bArgs
	case b == "":
		return a, aArgs
	}
	return "(" + a + ") AND (" + b + ")", append(append([]any{}, aArgs...), bArgs...)
}

// userSearchColumns are the properties $search may name on users.
var userSearchColumns = map[string]string{"displayname": "display_name", "mail": "mail", "userprincipalname": "upn",
	"givenname": "given_name", "surname": "surname", "jobtitle": "job_title", "department": "department"}

// searchUsers compiles a directory $search ("displayName:ad" OR …) to SQL:
// each term matches the start of any word of the property, case-insensitively;
// % and _ in a term are characters, not wildcards.
func searchUsers(s *odata.Search, o odata.SQLOptions) (string, []any, error) {
	var ors []string
	var args []any
	n := o.ArgOffset
	for _, group := range s.Groups {
		var ands []string
		for _, t := range group {
			col, ok := userSearchColumns[strings.ToLower(t.Property)]
			if !ok {
				return "", nil, newError(400, "Request_UnsupportedQuery", "Unsupported query term '%s'. The $search query parameter must be in the form \"property:value\" with a supported property.", t.Property)
			}
			n += 2
			cond := fmt.Sprintf("(lower(%s) LIKE %s%s OR lower(%s) LIKE %s%s)", col, placeholder(o.Dialect, n-1), odata.LikeEscape, col, placeholder(o.Dialect, n), odata.LikeEscape)
			v := odata.EscapeLike(strings.ToLower(t.Value))
			args = append(args, v+"%", "% "+v+"%")
			if t.Not {
				cond = "NOT " + cond
			}
			ands = append(ands, cond)
		}
		ors = append(ors, "("+strings.Join(ands, " AND ")+")")
	}
	return strings.Join(ors, " OR "), args, nil
}
