package postgres

import (
	"strings"
	"testing"

	"graphgate/internal/pgtest"
)

func TestRenumber(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		in     string
		offset int
		want   string
		max    int
	}{
		{"empty", "", 3, "", 0},
		{"no placeholders", "doc->>'subject' IS NOT NULL", 3, "doc->>'subject' IS NOT NULL", 0},
		{"one", "x = $1", 2, "x = $3", 1},
		{"zero offset", "x = $1 AND y = $2", 0, "x = $1 AND y = $2", 2},
		{"several", "a = $1 AND b > $2 OR c < $3", 4, "a = $5 AND b > $6 OR c < $7", 3},
		{"$10 is not $1 then 0", "n IN ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)", 3,
			"n IN ($4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)", 11},
		{"repeated and out of order", "$2 = x OR $1 = y OR $2 = z", 1, "$3 = x OR $2 = y OR $3 = z", 2},
		{"adjacent to punctuation", "f($1,$2)=$3::int", 1, "f($2,$3)=$4::int", 3},
		{"start and end", "$1", 5, "$6", 1},
		{"string literal", "x = '$1' AND y = $1", 2, "x = '$1' AND y = $3", 1},
		{"string with doubled quote", "x = 'it''s $1' AND y = $2", 1, "x = 'it''s $1' AND y = $3", 2},
		{"backslash is not an escape in a plain string", `x LIKE $1 ESCAPE '\' AND y = $2`, 1, `x LIKE $2 ESCAPE '\' AND y = $3`, 2},
		{"escape string", `x = E'\' $1' AND y = $2`, 1, `x = E'\' $1' AND y = $3`, 2},
		{"lower-case escape string", `x = e'a\'b $1' OR y = $1`, 1, `x = e'a\'b $1' OR y = $2`, 1},
		{"E ending an identifier is not an escape string", `somE'\' = $1`, 1, `somE'\' = $2`, 1},
		{"quoted identifier", `"col$1" = $1`, 1, `"col$1" = $2`, 1},
		{"quoted identifier with doubled quote", `"a""$1" = $1`, 1, `"a""$1" = $2`, 1},
		{"jsonpath in a string", `doc #>> '{a,b}' = $1 AND doc @? '$.x ? (@ > 1)'`, 2, `doc #>> '{a,b}' = $3 AND doc @? '$.x ? (@ > 1)'`, 1},
		{"dollar-quoted", `x = $$ $1 $$ AND y = $1`, 1, `x = $$ $1 $$ AND y = $2`, 1},
		{"tagged dollar-quoted", `x = $q$ $1 $$ $2 $q$ AND y = $1`, 1, `x = $q$ $1 $$ $2 $q$ AND y = $2`, 1},
		{"line comment", "x = $1 -- not $2\nAND y = $2", 1, "x = $2 -- not $2\nAND y = $3", 2},
		{"line comment at the end", "x = $1 -- $9", 1, "x = $2 -- $9", 1},
		{"block comment", "x = $1 /* $2 /* nested $3 */ $4 */ AND y = $2", 1, "x = $2 /* $2 /* nested $3 */ $4 */ AND y = $3", 2},
		{"dollar inside an identifier", "a$1 = $1 AND b$ = $2", 1, "a$1 = $2 AND b$ = $3", 2},
		{"lone dollar", "x = $ AND y = $1", 1, "x = $ AND y = $2", 1},
		{"unterminated string", "x = $1 AND y = 'abc $2", 1, "x = $2 AND y = 'abc $2", 1},
		{"non-ASCII identifier", "größe$1 = $1 AND 'ü' = $2", 1, "größe$1 = $2 AND 'ü' = $3", 2},
		{"ORDER BY list", `lower(doc->>'subject') COLLATE "C" ASC NULLS FIRST, id ASC`, 4, `lower(doc->>'subject') COLLATE "C" ASC NULLS FIRST, id ASC`, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, n := renumber(tc.in, tc.offset)
			if got != tc.want || n != tc.max {
				t.Errorf("renumber(%q, %d)\n got: %q, max $%d\nwant: %q, max $%d", tc.in, tc.offset, got, n, tc.want, tc.max)
			}
		})
	}
}

// TestRenumberAgainstServer checks the lexer's view of strings, quoted
// identifiers and dollar quotes against PostgreSQL's own: each fragment is
// renumbered by 1 and run with two arguments, the first a dummy.
func TestRenumberAgainstServer(t *testing.T) {
	t.Parallel()
	conn := pgtest.Admin(t)
	defer conn.Close(t.Context())
	for _, tc := range []struct {
		frag string // uses $1 only
		arg  any
		want string
	}{
		{`'$1' || $1::text`, "x", "$1x"},
		{`E'\'$1' || $1::text`, "x", "'$1x"},
		{`$$ $1 $$ || $1::text`, "x", " $1 x"},
		{`$a$ $$ $1 $a$ || $1::text`, "x", " $$ $1 x"},
		{"/* $1 */ $1::text -- $1\n", "x", "x"},
		{`(SELECT "$1" FROM (SELECT $1::text AS "$1") s)`, "x", "x"},
		{`replace($1::text, '\', '/')`, `a\b`, "a/b"},
	} {
		frag, _ := renumber(tc.frag, 1)
		var got string
		if err := conn.QueryRow(t.Context(), `SELECT `+frag+` WHERE $1::text IS NOT NULL`, "dummy", tc.arg).Scan(&got); err != nil {
			t.Errorf("%s → %s: %v", tc.frag, frag, err)
			continue
		}
		if got != tc.want {
			t.Errorf("%s → %s = %q, want %q", tc.frag, frag, got, tc.want)
		}
	}
	// Sanity: the test really runs the fragment after the backend's $1.
	if frag, _ := renumber("$1", 1); !strings.Contains(frag, "$2") {
		t.Fatal(frag)
	}
}
