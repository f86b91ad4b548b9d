package routes

import (
	"net/url"
	"strings"

	"graphgate/internal/graphpath"
)

// node is a trie node over normalized segments.
type node struct {
	lit        map[string]*node
	param      *node // {id}
	paramColon *node // {id}:
	ellipsis   *node // ... (any number of segments)
	// routes ending here: the plain route first, then $filter variants.
	routes []*Route
}

func (t *Table) insert(p *graphpath.Path, r *Route) {
	nd := t.root
	for i := 0; i < p.N; i++ {
		var next **node
		switch p.Segs[i].Kind {
		case graphpath.Param:
			next = &nd.param
		case graphpath.ParamColon:
			next = &nd.paramColon
		case graphpath.Ellipsis:
			next = &nd.ellipsis
		default:
			if nd.lit == nil {
				nd.lit = map[string]*node{}
			}
			key := string(p.Text(i))
			child := nd.lit[key]
			if child == nil {
				child = &node{}
				nd.lit[key] = child
			}
			nd = child
			continue
		}
		if *next == nil {
			*next = &node{}
		}
		nd = *next
	}
	if r.Query == "" {
		nd.routes = append([]*Route{r}, nd.routes...)
	} else {
		nd.routes = append(nd.routes, r)
	}
}

// find matches the first n segments of p. With usersTwin it matches
// users/{id}/<segments 1..n> instead of me/<segments 1..n>.
func (t *Table) find(p *graphpath.Path, n int, usersTwin bool) *Route {
	if !usersTwin {
		return match(t.root, p, 0, n)
	}
	users := t.root.lit["users"]
	if users == nil || users.param == nil {
		return nil
	}
	return match(users.param, p, 1, n)
}

// match walks the trie depth-first, literal children before parameters
// before ellipses, so the most literal template wins.
func match(nd *node, p *graphpath.Path, i, n int) *Route {
	if i == n {
		return pick(nd, p)
	}
	seg := p.Segs[i]
	text := p.Text(i)
	if seg.Kind == graphpath.Literal {
		if child := nd.lit[string(text)]; child != nil {
			if r := match(child, p, i+1, n); r != nil {
				return r
			}
		}
	}
	colon := seg.Kind == graphpath.ParamColon || seg.Kind == graphpath.Literal && len(text) > 0 && text[len(text)-1] == ':'
	if seg.Kind == graphpath.Literal && systemSegment(text) {
		// $count, $value, $ref and type casts are never an {id}.
	} else if colon {
		if nd.paramColon != nil {
			if r := match(nd.paramColon, p, i+1, n); r != nil {
				return r
			}
		}
	} else if nd.param != nil {
		if r := match(nd.param, p, i+1, n); r != nil {
			return r
		}
	}
	if nd.ellipsis != nil {
		for k := i; k <= n; k++ {
			if r := match(nd.ellipsis, p, k, n); r != nil {
				return r
			}
		}
	}
	return nil
}

// pick chooses among the routes ending at a node: a $filter variant whose
// condition the request's query meets, else the plain route.
func pick(nd *node, p *graphpath.Path) *Route {
	if len(nd.routes) == 0 {
		return nil
	}
	if len(nd.routes) > 1 && p.Query != "" {
		for _, r := range nd.routes[1:] {
			if queryMatches(r.Query, p.Query) {
				return r
			}
		}
	}
	if nd.routes[0].Query != "" {
		// Only variants end here and none applies.
		if queryMatches(nd.routes[0].Query, p.Query) {
			return nd.routes[0]
		}
		return nil
	}
	return nd.routes[0]
}

// queryMatches reports whether a request query string meets a route's
// condition such as "$filter=agentcardmanifest/id eq '{id}'", where {id}
// stands for any value.
func queryMatches(cond, query string) bool {
	key, pattern, ok := strings.Cut(cond, "=")
	if !ok {
		return false
	}
	vals, err := url.ParseQuery(query)
	if err != nil {
		return false
	}
	for k, vs := range vals {
		if !strings.EqualFold(k, key) {
			continue
		}
		for _, v := range vs {
			if globMatch(pattern, strings.ToLower(strings.TrimSpace(v))) {
				return true
			}
		}
	}
	return false
}

// globMatch matches s against pattern where each "{id}" matches one or more
// characters.
func globMatch(pattern, s string) bool {
	before, after, ok := strings.Cut(pattern, "{id}")
	if !ok {
		return pattern == s
	}
	if !strings.HasPrefix(s, before) {
		return false
	}
	rest := s[len(before):]
	for k := 1; k <= len(rest); k++ {
		if globMatch(after, rest[k:]) {
			return true
		}
	}
	return false
}

func systemSegment(text []byte) bool {
	return len(text) > 0 && text[0] == '$' || strings.HasPrefix(string(text), "microsoft.graph.")
}
