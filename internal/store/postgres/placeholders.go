package postgres

import (
	"strconv"
	"strings"
)

// renumber shifts the positional parameters of a caller's SQL fragment
// ($1, $2, … numbered from 1, as store.ItemQuery and store.DirectoryQuery
// specify) by offset, so that they follow the arguments the backend binds
// before them: with offset 3, "$1" becomes "$4" and "$10" becomes "$13".
// It also returns the highest parameter number the fragment used (before
// shifting), so the caller can check it against the arguments it was given.
//
// It is a small PostgreSQL lexer: '$' followed by digits is a parameter
// only outside string constants ('…', E'…' with backslash escapes,
// dollar-quoted $tag$…$tag$), quoted identifiers ("…"), and comments (-- …
// and nested /* … */), and only where it starts a token: in "a$1" the '$'
// belongs to the identifier. Unterminated quotes or comments are copied as
// they are, for PostgreSQL to reject.
func renumber(sql string, offset int) (string, int) {
	var b strings.Builder
	b.Grow(len(sql) + 8)
	maxN := 0
	i := 0
	for i < len(sql) {
		c := sql[i]
		switch {
		case c == '\'':
			escapes := i > 0 && (sql[i-1] == 'E' || sql[i-1] == 'e') && (i < 2 || !identChar(sql[i-2]))
			end := skipQuoted(sql, i, '\'', escapes)
			b.WriteString(sql[i:end])
			i = end
		case c == '"':
			end := skipQuoted(sql, i, '"', false)
			b.WriteString(sql[i:end])
			i = end
		case c == '-' && strings.HasPrefix(sql[i:], "--"):
			end := strings.IndexByte(sql[i:], '\n')
			if end < 0 {
				end = len(sql)
			} else {
				end += i + 1
			}
			b.WriteString(sql[i:end])
			i = end
		case c == '/' && strings.HasPrefix(sql[i:], "/*"):
			end := skipBlockComment(sql, i)
			b.WriteString(sql[i:end])
			i = end
		case c == '$' && (i == 0 || !identChar(sql[i-1])):
			j := i + 1
			for j < len(sql) && isDigit(sql[j]) {
				j++
			}
			if j > i+1 {
				n, err := strconv.Atoi(sql[i+1 : j])
				if err != nil { // absurdly many digits: leave it to PostgreSQL
					b.WriteString(sql[i:j])
				} else {
					maxN = max(maxN, n)
					b.WriteString("$" + strconv.Itoa(n+offset))
				}
				i = j
				continue
			}
			if end, ok := skipDollarQuoted(sql, i); ok {
				b.WriteString(sql[i:end])
				i = end
				continue
			}
			b.WriteByte(c)
			i++
		default:
			// Copy a whole identifier or keyword at once, so that a '$'
			// inside it is never taken for a parameter.
			if identStart(c) {
				j := i + 1
				for j < len(sql) && identChar(sql[j]) {
					j++
				}
				// E'…' is an escape string: leave the quote to the next
				// iteration, which looks back at the E.
				b.WriteString(sql[i:j])
				i = j
				continue
			}
			b.WriteByte(c)
			i++
		}
	}
	return b.String(), maxN
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

// identStart and identChar follow PostgreSQL's identifier rules, with every
// non-ASCII byte counted as a letter.
func identStart(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || c == '_' || c >= 0x80
}

func identChar(c byte) bool { return identStart(c) || isDigit(c) || c == '$' }

// skipQuoted returns the index just past the quoted token starting at
// sql[i] == q, where a doubled quote stands for itself (and, in an escape
// string, a backslash escapes the next byte).
func skipQuoted(sql string, i int, q byte, backslash bool) int {
	for j := i + 1; j < len(sql); j++ {
		switch sql[j] {
		case '\\':
			if backslash {
				j++
			}
		case q:
			if j+1 < len(sql) && sql[j+1] == q {
				j++
				continue
			}
			return j + 1
		}
	}
	return len(sql)
}

// skipBlockComment returns the index just past the (nested) comment
// starting at sql[i:] == "/*".
func skipBlockComment(sql string, i int) int {
	depth := 0
	for j := i; j < len(sql); {
		switch {
		case strings.HasPrefix(sql[j:], "/*"):
			depth++
			j += 2
		case strings.HasPrefix(sql[j:], "*/"):
			depth--
			j += 2
			if depth == 0 {
				return j
			}
		default:
			j++
		}
	}
	return len(sql)
}

// skipDollarQuoted reports whether sql[i] == '$' opens a dollar-quoted
// string ($$ or $tag$) and, if so, returns the index just past its end.
func skipDollarQuoted(sql string, i int) (int, bool) {
	j := i + 1
	if j < len(sql) && identStart(sql[j]) {
		for j < len(sql) && identChar(sql[j]) && sql[j] != '$' {
			j++
		}
	}
	if j >= len(sql) || sql[j] != '$' {
		return 0, false
	}
	delim := sql[i : j+1]
	end := strings.Index(sql[j+1:], delim)
	if end < 0 {
		return len(sql), true
	}
	return j + 1 + end + len(delim), true
}
