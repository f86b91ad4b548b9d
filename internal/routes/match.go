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

// insert adds r to the trie below nd, the node of r's first segment (its
// group), along the rest of its path (in normal form).
func (t *Table) insert(nd *node, r *Route) {
	if _, rest, more := strings.Cut(strings.TrimPrefix(r.Path, "/"), "/"); more {
		for {
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
// '?', $filter condition), or nil. It builds the path's group if need be.
func (t *Table) exact(path string) *Route {
	p, _, _ := strings.Cut(path, "?")
	return exactIn(t.sub(firstSegment(p)), path)
}

// exactIn is exact below nd, the node of path's first segment.
func exactIn(nd *node, path string) *Route {
	path, query, _ := strings.Cut(path, "?")
	if _, rest, more := strings.Cut(strings.TrimPrefix(path, "/"), "/"); more {
		for nd != nil {
			seg, after, more := strings.Cut(rest, "/")
			nd = nd.lookup(seg)
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

// lookup returns the child of nd for a normalized segment, or nil.
func (nd *node) lookup(seg string) *node {
	switch seg {
	case "{id}":
		return nd.param
	case "{id}:":
		return nd.paramColon
	case "...":
		return nd.ellipsis
	}
	return nd.lit[seg]
}

// find matches the first n segments of p. With usersTwin it matches
// users/{id}/<segments 1..n> instead of me/<segments 1..n>.
func (t *Table) find(p *graphpath.Path, n int, usersTwin bool) *Route {
	if !usersTwin {
		return t.matchRoot(p, n)
	}
	users := t.sub("users")
	if users == nil || users.param == nil {
		return nil
	}
	return match(users.param, p, 1, n)
}

// matchRoot is match at the trie's root, whose children are the groups
// (built on first use); the order is match's.
func (t *Table) matchRoot(p *graphpath.Path, n int) *Route {
	if n == 0 {
		if nd := t.sub(""); nd != nil {
			return pick(nd, p)
		}
		return nil
	}
	seg := p.Segs[0]
	text := p.Text(0)
	if seg.Kind == graphpath.Literal {
		if child := t.subBytes(text); child != nil {
			if r := match(child, p, 1, n); r != nil {
				return r
			}
		}
	}
	colon := seg.Kind == graphpath.ParamColon || seg.Kind == graphpath.Literal && len(text) > 0 && text[len(text)-1] == ':'
	if seg.Kind == graphpath.Literal && systemSegment(text) {
		// $count, $value, $ref and type casts are never an {id}.
	} else if colon {
		if child := t.sub("{id}:"); child != nil {
			if r := match(child, p, 1, n); r != nil {
				return r
			}
		}
	} else if child := t.sub("{id}"); child != nil {
		if r := match(child, p, 1, n); r != nil {
			return r
		}
	}
	if child := t.sub("..."); child != nil {
		for k := 0; k <= n; k++ {
			if r := match(child, p, k, n); r != nil {
				return r
			}
		}
	}
	return nil
}

// subBytes is sub for a segment of a request path; the map lookup does not
// allocate.
func (t *Table) subBytes(seg []byte) *node {
	if g := t.groups[string(seg)]; g != nil {
		if nd := g.nd.Load(); nd != nil {
			return nd
		}
		return t.sub(g.key)
	}
	return nil
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
