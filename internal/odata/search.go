package odata

import "strings"

// Search is a parsed $search. Graph takes KQL-like text in double quotes:
//
//	$search="pizza"                          free text (messages)
//	$search="from:bob"                       property:value (messages)
//	$search="subject:\"quarterly report\""   a phrase, quotes escaped
//	$search="displayName:wa" OR "mail:wa"    clauses joined (directory)
//
// Raw keeps the text as received; Groups is a simple reading of it in
// disjunctive normal form: the search matches when every term of at least
// one group matches. AND (also implied by a space) binds tighter than OR;
// NOT negates the next term. Parentheses are not interpreted.
type Search struct {
	Raw    string
	Groups [][]SearchTerm
}

// SearchTerm is one KQL term. Property is "" for free text.
type SearchTerm struct {
	Property string
	Value    string
	Not      bool
}

type searchToken struct {
	text   string
	offset int // byte offset in Raw of the enclosing clause or word
}

// ParseSearch parses $search text (see Search).
func ParseSearch(raw string, f Flavor) (*Search, error) {
	tokens, err := searchTokens(raw, f)
	if err != nil {
		return nil, err
	}
	s := &Search{Raw: raw}
	var group []SearchTerm
	not, expectTerm := false, true
	for _, t := range tokens {
		switch t.text {
		case "AND", "OR", "NOT":
			if expectTerm && t.text != "NOT" {
				return nil, SyntaxError(f, raw, charPos(raw, t.offset))
			}
			switch t.text {
			case "OR":
				s.Groups = append(s.Groups, group)
				group = nil
			case "NOT":
				not = !not
			}
			expectTerm = true
			continue
		}
		term := SearchTerm{Value: unquotePhrase(t.text), Not: not}
		if prop, value, ok := strings.Cut(t.text, ":"); ok && isIdentifier(prop) && value != "" {
			term.Property, term.Value = prop, unquotePhrase(value)
		}
		group = append(group, term)
		not, expectTerm = false, false
	}
	if expectTerm {
		return nil, newError(f.badRequestCode(), "%s", expressionExpectedDetail(raw, charPos(raw, len(raw))))
	}
	s.Groups = append(s.Groups, group)
	return s, nil
}

// searchTokens splits raw into terms and operators. A double-quoted clause
// is unescaped (\" and \\) and split further, keeping "phrases" whole.
func searchTokens(raw string, f Flavor) ([]searchToken, error) {
	var out []searchToken
	for i := 0; i < len(raw); {
		switch c := raw[i]; {
		case c == ' ' || c == '\t':
			i++
		case c == '"':
			var b strings.Builder
			j := i + 1
			for ; j < len(raw) && raw[j] != '"'; j++ {
				if raw[j] == '\\' && j+1 < len(raw) {
					j++
				}
				b.WriteByte(raw[j])
			}
			if j >= len(raw) {
				return nil, newError(f.badRequestCode(), "%s", unterminatedDetail(raw, charPos(raw, i)))
			}
			for _, w := range splitPhrases(b.String()) {
				out = append(out, searchToken{w, i})
			}
			i = j + 1
		default:
			j := i
			for j < len(raw) && raw[j] != ' ' && raw[j] != '\t' && raw[j] != '"' {
				j++
			}
			out = append(out, searchToken{raw[i:j], i})
			i = j
		}
	}
	return out, nil
}

// splitPhrases splits clause text at spaces outside "phrases".
func splitPhrases(s string) []string {
	var out []string
	start, quoted := -1, false
	for i := 0; i <= len(s); i++ {
		end := i == len(s)
		if !end && s[i] == '"' {
			quoted = !quoted
		}
		if end || (!quoted && (s[i] == ' ' || s[i] == '\t')) {
			if start >= 0 {
				out = append(out, s[start:i])
				start = -1
			}
			continue
		}
		if start < 0 {
			start = i
		}
	}
	return out
}

func unquotePhrase(s string) string {
	if len(s) >= 2 && s[0] == '"' && s[len(s)-1] == '"' {
		return s[1 : len(s)-1]
	}
	return s
}
