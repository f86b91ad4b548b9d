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
	// route is the plain route ending here; variants are the routes ending
	// here that apply under a $filter condition.
	route    *Route
	variants []*Route
}

// nodeChunk is how many trie nodes are allocated at once: the table has
// about 8,000, so the trie costs a few allocations instead of one per node.
const nodeChunk = 512

// newNode returns a zero node from the table's current chunk.
func (t *Table) newNode() *node {
	if len(t.nodes) == 0 {
		t.nodes = make([]node, nodeChunk)
	}
	nd := &t.nodes[0]
	t.nodes = t.nodes[1:]
	return nd
}

// child returns the child of nd for a normalized segment ("{id}" and
// "{id}:" are parameters, "..." any number of segments, anything else a
// literal), creating it if create is set.
func (t *Table) child(nd *node, seg string, create bool) *node {
	var next **node
	switch seg {
	case "{id}":
		next = &nd.param
	case "{id}:":
		next = &nd.paramColon
	case "...":
		next = &nd.ellipsis
	default:
		if c := nd.lit[seg]; c != nil || !create {
			return c
		}
		if nd.lit == nil {
			nd.lit = map[string]*node{}
		}
		c := t.newNode()
		nd.lit[seg] = c
		return c
	}
	if *next == nil && create {
		*next = t.newNode()
	}
	return *next
}

// insert adds r to the trie along the segments of its path (in normal
// form).
func (t *Table) insert(r *Route) {
	nd := t.root
	if r.Path != "/" {
		for rest := strings.TrimPrefix(r.Path, "/"); ; {
			seg, after, more := strings.Cut(rest, "/")
			nd = t.child(nd, seg, true)
			if !more {
				break
			}
			rest = after
		}
	}
	if r.Query == "" {
		nd.route = r
	} else {
		nd.variants = append(nd.variants, r)
	}
}

// exact returns the route with exactly this normalized path (and, after a
// '?', $filter condition), or nil.
func (t *Table) exact(path string) *Route {
	path, query, _ := strings.Cut(path, "?")
	nd := t.root
	if path != "/" {
		for rest := strings.TrimPrefix(path, "/"); nd != nil; {
			seg, after, more := strings.Cut(rest, "/")
			nd = t.child(nd, seg, false)
			if !more {
				break
			}
			rest = after
		}
	}
	if nd == nil {
		return nil
	}
	if query == "" {
		return nd.route
	}
	for _, r := range nd.variants {
		if r.Query == query {
			return r
		}
	}
	return nil
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
	if p.Query != "" {
		for _, r := range nd.variants {
			if queryMatches(r.Query, p.Query) {
				return r
			}
		}
	}
	return nd.route
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
