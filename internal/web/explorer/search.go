package explorer

import (
	"net/http"
	"sort"
	"strconv"
	"strings"

	"graphgate/internal/catalog"
)

// searchIndex holds, per permission, the lower-cased texts a search reads:
// built once, so a search lower-cases only the query. The catalog has 1,883
// permissions; a linear scan of them answers in 0.3–2.3 ms on a loaded
// 2-core machine (BenchmarkSearch), so no inverted index or search library
// (bleve, …) earns its weight here.
type searchIndex struct {
	docs []searchDoc
}

type searchDoc struct {
	p      *catalog.Permission
	name   string   // lower-cased name
	parts  []string // lower-cased dot-separated parts of the name
	ids    []string // lower-cased ids, one per scheme that has one
	titles string   // lower-cased display names, joined by \n
	descs  string   // lower-cased descriptions, joined by \n
	hidden bool
}

func newSearchIndex(cat *catalog.Catalog) *searchIndex {
	ix := &searchIndex{docs: make([]searchDoc, 0, cat.Len())}
	for _, p := range cat.All() {
		d := searchDoc{p: p, name: strings.ToLower(p.Name), hidden: p.Hidden()}
		d.parts = strings.Split(d.name, ".")
		var titles, descs []string
		for _, si := range p.Schemes {
			if si == nil {
				continue
			}
			if si.ID != "" {
				d.ids = append(d.ids, strings.ToLower(si.ID))
			}
			titles = append(titles, si.AdminDisplayName, si.UserDisplayName)
			descs = append(descs, si.AdminDescription, si.UserDescription)
		}
		for _, a := range p.Aliases {
			d.parts = append(d.parts, strings.ToLower(a))
		}
		d.titles = strings.ToLower(strings.Join(titles, "\n"))
		d.descs = strings.ToLower(strings.Join(descs, "\n"))
		ix.docs = append(ix.docs, d)
	}
	return ix
}

func (e *explorer) searchIx() *searchIndex {
	e.searchOnce.Do(func() { e.search = newSearchIndex(e.cat) })
	return e.search
}

// Hit is one search result.
type Hit struct {
	Name  string `json:"name"`
	Score int    `json:"score"`
	// Display is the permission's display name (the delegated user-facing
	// one when there is one, else the administrator's, else the
	// application's).
	Display string `json:"display"`
	// Schemes lists the schemes the permission exists in.
	Schemes      []string `json:"schemes"`
	AdminConsent bool     `json:"requiresAdminConsent"`
	Hidden       bool     `json:"hidden,omitempty"`
	Preview      bool     `json:"preview,omitempty"`
	URL          string   `json:"url"`
}

// SearchResult is a search's answer: the hits best first, at most Limit,
// and how many permissions matched in all.
type SearchResult struct {
	Query string `json:"query"`
	Total int    `json:"total"`
	Limit int    `json:"limit"`
	Hits  []Hit  `json:"hits"`
}

// Scores of one query word. A word must match the name, an id, a display
// name or a description; the best match counts. Names outrank display
// names, which outrank descriptions, so "Mail.Read" finds Mail.Read first
// and "mailbox" still finds the permissions whose descriptions say it.
const (
	scoreExactName   = 1000
	scoreID          = 900
	scoreNamePrefix  = 300
	scorePart        = 200
	scorePartPrefix  = 120
	scoreNameContain = 80
	scoreTitleWord   = 40
	scoreTitle       = 25
	scoreDescWord    = 12
	scoreDesc        = 6
	// scorePhrase rewards a query of several words found as written in a
	// display name or description.
	scorePhrase = 50
	// hiddenPenalty ranks permissions Microsoft does not offer in the
	// portal after those it does.
	hiddenPenalty = 30
)

// Search ranks the catalog against q: every word of q must match; ties go
// to shorter names (Mail.Read before Mail.ReadBasic.Shared), then names.
func (ix *searchIndex) Search(q string, limit int) SearchResult {
	if len(q) > maxQuery {
		q = q[:maxQuery]
	}
	q = strings.TrimSpace(q)
	res := SearchResult{Query: q, Limit: limit, Hits: []Hit{}}
	lq := strings.ToLower(q)
	terms := strings.Fields(lq)
	if len(terms) > maxTerms {
		terms = terms[:maxTerms]
	}
	if len(terms) == 0 {
		return res
	}
	type scored struct {
		d     *searchDoc
		score int
	}
	var hits []scored
	for i := range ix.docs {
		d := &ix.docs[i]
		total := 0
		for _, t := range terms {
			s := d.termScore(t)
			if s == 0 {
				total = 0
				break
			}
			total += s
		}
		if total == 0 {
			continue
		}
		if len(terms) > 1 && (strings.Contains(d.titles, lq) || strings.Contains(d.descs, lq)) {
			total += scorePhrase
		}
		if d.hidden {
			total = max(total-hiddenPenalty, 1)
		}
		hits = append(hits, scored{d, total})
	}
	sort.Slice(hits, func(i, j int) bool {
		a, b := hits[i], hits[j]
		if a.score != b.score {
			return a.score > b.score
		}
		if len(a.d.name) != len(b.d.name) {
			return len(a.d.name) < len(b.d.name)
		}
		return a.d.name < b.d.name
	})
	res.Total = len(hits)
	if len(hits) > limit {
		hits = hits[:limit]
	}
	for _, h := range hits {
		res.Hits = append(res.Hits, hitOf(h.d.p, h.score))
	}
	return res
}

func (d *searchDoc) termScore(t string) int {
	switch {
	case d.name == t:
		return scoreExactName
	case contains(d.ids, t):
		return scoreID
	case strings.HasPrefix(d.name, t):
		return scoreNamePrefix
	case contains(d.parts, t):
		return scorePart
	case hasPrefix(d.parts, t):
		return scorePartPrefix
	case strings.Contains(d.name, t):
		return scoreNameContain
	case hasWord(d.titles, t):
		return scoreTitleWord
	case strings.Contains(d.titles, t):
		return scoreTitle
	case hasWord(d.descs, t):
		return scoreDescWord
	case strings.Contains(d.descs, t):
		return scoreDesc
	}
	return 0
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func hasPrefix(list []string, s string) bool {
	for _, x := range list {
		if strings.HasPrefix(x, s) {
			return true
		}
	}
	return false
}

// hasWord reports whether t occurs in text starting at a word boundary
// ("mail" in "read your mail", not in "email").
func hasWord(text, t string) bool {
	for i := 0; ; {
		j := strings.Index(text[i:], t)
		if j < 0 {
			return false
		}
		at := i + j
		if at == 0 || !isWordByte(text[at-1]) {
			return true
		}
		i = at + 1
	}
}

func isWordByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_' || c >= 0x80
}

func hitOf(p *catalog.Permission, score int) Hit {
	h := Hit{Name: p.Name, Score: score, Hidden: p.Hidden(), Preview: p.Preview, URL: permURL(p.Name), Schemes: []string{}}
	for _, s := range catalog.Schemes() {
		if p.In(s) {
			h.Schemes = append(h.Schemes, s.String())
		}
	}
	h.Display = displayName(p)
	h.AdminConsent = p.RequiresAdminConsent(catalog.DelegatedWork)
	if !p.In(catalog.DelegatedWork) && !p.In(catalog.DelegatedPersonal) {
		h.AdminConsent = true
	}
	return h
}

// displayName is the name a person recognises: the delegated user-facing
// display name, else the first display name of any scheme.
func displayName(p *catalog.Permission) string {
	for _, s := range catalog.Schemes() {
		if si := p.Schemes[s]; si != nil && si.DisplayName() != "" {
			return si.DisplayName()
		}
	}
	return ""
}

// searchView is the search page's body.
type searchView struct {
	SearchResult
	// Examples are queries the empty page offers.
	Examples []string `json:"-"`
	Catalog  int      `json:"catalogSize"`
}

func (e *explorer) handleSearch(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query().Get("q")
	limit := defaultResults
	if s := r.URL.Query().Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 {
			e.fail(w, r, http.StatusBadRequest, "invalidRequest", "limit must be a whole number from 1 to "+strconv.Itoa(maxResults)+".",
				notFoundView{Heading: "Bad request", Search: q})
			return
		}
		limit = min(n, maxResults)
	}
	v := searchView{SearchResult: e.searchIx().Search(q, limit), Catalog: e.cat.Len(),
		Examples: []string{"Mail.Read", "calendar", "read your mail", "Sites.Selected", "e1fe6dd8-ba31-4d61-89e7-88639da4683d"}}
	title := "Permission explorer"
	if v.Query != "" {
		title = "Search: " + v.Query
	}
	e.render(w, r, http.StatusOK, "search", pageData{Title: title, Nav: "search", Query: v.Query, Body: v})
}
