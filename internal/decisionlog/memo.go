package decisionlog

import (
	"graphgate/internal/authz"
	"graphgate/internal/graph"
	"graphgate/internal/store"
)

// Bounds of the writer's memo of rendered decisions.
const (
	memoPaths   = 1024 // paths remembered; beyond, the memo starts afresh
	memoPerPath = 8    // decisions remembered per path, the oldest replaced first
)

// memo renders each distinct decision once: a decision that renders
// alike (authz.Decision.RendersAlike, an exact comparison, not a hash) to
// one already rendered for the same path gets that rendering, which is
// exactly what Row would render again. Most of a busy log is the same few
// calls repeated (GET /me), whose explanation is the writer's largest
// cost. It is used by the writer's goroutine only, and bounded.
type memo struct {
	byPath map[string]*memoPath
}

type memoPath struct {
	d    [memoPerPath]authz.Decision
	r    [memoPerPath]rendering
	n    int // entries filled
	next int // the entry replaced next when full
}

func newMemo() *memo { return &memo{byPath: make(map[string]*memoPath)} }

// row is the entry's log row, rendered on the writer's goroutine.
func (m *memo) row(e entry) store.Decision {
	if e.raw != nil {
		return *e.raw
	}
	return row(e.ev, m.render(&e.ev))
}

func (m *memo) render(e *graph.DecisionEvent) rendering {
	p := m.byPath[e.Path]
	if p != nil {
		for i := range p.n {
			if p.d[i].RendersAlike(&e.Decision) {
				return p.r[i]
			}
		}
	}
	re := render(e)
	if p == nil {
		if len(m.byPath) >= memoPaths {
			clear(m.byPath)
		}
		p = new(memoPath)
		m.byPath[e.Path] = p
	}
	i := p.n
	if p.n < memoPerPath {
		p.n++
	} else {
		i = p.next
		p.next = (p.next + 1) % memoPerPath
	}
	p.d[i], p.r[i] = e.Decision, re
	return re
}
