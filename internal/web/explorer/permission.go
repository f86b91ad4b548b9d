package explorer

import (
	"errors"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"

	"graphgate/internal/catalog"
	"graphgate/internal/routes"
)

// inverseIndex is the route table turned around: per permission and
// scheme, the rules that accept it, in path order. Microsoft's tools answer
// "which permissions does this call take"; this answers "which calls does
// this permission allow". Built once, on the first permission page.
type inverseIndex struct {
	byPerm [][catalog.NumSchemes][]callRef
}

type callRef struct {
	rule  *routes.Rule
	entry *routes.Entry
}

func newInverseIndex(cat *catalog.Catalog, tab *routes.Table) *inverseIndex {
	ix := &inverseIndex{byPerm: make([][catalog.NumSchemes][]callRef, cat.Len())}
	for _, rule := range tab.Rules() {
		for s := range rule.Accepted {
			for i := range rule.Accepted[s] {
				e := &rule.Accepted[s][i]
				ix.byPerm[e.Perm.Index][s] = append(ix.byPerm[e.Perm.Index][s], callRef{rule, e})
			}
		}
	}
	for i := range ix.byPerm {
		for s := range ix.byPerm[i] {
			refs := ix.byPerm[i][s]
			sort.Slice(refs, func(a, b int) bool {
				ra, rb := refs[a].rule, refs[b].rule
				if ra.Route.Path != rb.Route.Path {
					return ra.Route.Path < rb.Route.Path
				}
				if ra.Route.Query != rb.Route.Query {
					return ra.Route.Query < rb.Route.Query
				}
				return ra.Method < rb.Method
			})
		}
	}
	return ix
}

func (e *explorer) inverseIx() *inverseIndex {
	e.inverseOnce.Do(func() { e.inverse = newInverseIndex(e.cat, e.tab) })
	return e.inverse
}

// PermissionView is a permission's page: what the catalog says of it, and
// the calls it allows in one scheme, a page at a time.
type PermissionView struct {
	Name       string `json:"name"`
	Kind       string `json:"kind"`
	Display    string `json:"display"`
	Resource   string `json:"resource"`
	Operation  string `json:"operation,omitempty"`
	Constraint string `json:"constraint,omitempty"`
	// Personal: a personal Microsoft account may hold it.
	Personal      bool           `json:"validForPersonalAccounts"`
	Preview       bool           `json:"preview,omitempty"`
	Deprecated    bool           `json:"deprecated,omitempty"`
	GrantsNothing bool           `json:"grantsNothing,omitempty"`
	Hidden        bool           `json:"hidden,omitempty"`
	Aliases       []string       `json:"aliases,omitempty"`
	Schemes       []SchemeView   `json:"schemes"`
	Decisions     []DecisionView `json:"overlayDecisions,omitempty"`
	Calls         CallsView      `json:"calls"`
}

// SchemeView is the permission in one scheme.
type SchemeView struct {
	Scheme    string `json:"scheme"`
	Available bool   `json:"available"`
	ID        string `json:"id,omitempty"`
	// AdminConsent: only an administrator may consent (always, for
	// application permissions).
	AdminConsent     bool   `json:"requiresAdminConsent"`
	PrivilegeLevel   int    `json:"privilegeLevel,omitempty"`
	AdminDisplayName string `json:"adminDisplayName,omitempty"`
	AdminDescription string `json:"adminDescription,omitempty"`
	UserDisplayName  string `json:"userDisplayName,omitempty"`
	UserDescription  string `json:"userDescription,omitempty"`
	// Calls counts the method+path rules that accept it in this scheme,
	// Least those where it is Microsoft's least privileged choice.
	Calls int    `json:"calls"`
	Least int    `json:"leastPrivilegedFor"`
	URL   string `json:"url"`
}

// DecisionView is an overlay decision about the permission: where the
// older prose reference and Microsoft's data disagree, and which one
// graphgate follows.
type DecisionView struct {
	ID     string `json:"id"`
	Topic  string `json:"topic"`
	Route  string `json:"route,omitempty"`
	Follow string `json:"follow"`
	Seed   string `json:"reference"`
	Data   string `json:"data"`
	Why    string `json:"why"`
}

// CallsView is one page of the calls a permission allows in one scheme.
type CallsView struct {
	Scheme string `json:"scheme"`
	// Filter keeps paths containing it; LeastOnly the calls where the
	// permission is least privileged.
	Filter    string     `json:"filter,omitempty"`
	LeastOnly bool       `json:"leastOnly,omitempty"`
	Total     int        `json:"total"`
	Page      int        `json:"page"`
	Pages     int        `json:"pages"`
	PageSize  int        `json:"pageSize"`
	Items     []CallItem `json:"items"`
	Prev      string     `json:"prev,omitempty"`
	Next      string     `json:"next,omitempty"`
}

// CallItem is one call a permission allows.
type CallItem struct {
	Method string `json:"method"`
	Path   string `json:"path"`
	// Least: Microsoft marks the permission least privileged for this
	// method and scheme.
	Least bool `json:"leastPrivileged"`
	// AlsoRequires: the call also needs one of these.
	AlsoRequires []string `json:"alsoRequiresOneOf,omitempty"`
	// Source is microsoft, or docs/retired for graphgate's supplement.
	Source string `json:"source"`
	URL    string `json:"url"`
}

func (e *explorer) handlePermission(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	p, err := e.cat.Resolve(name)
	if err != nil {
		var ue *catalog.UnknownError
		v := notFoundView{Heading: "No permission named " + name, Search: name}
		if errors.As(err, &ue) {
			v.Suggestions = ue.Suggestions
		}
		msg := "Microsoft Graph has no permission named " + strconv.Quote(name) + "."
		if len(v.Suggestions) > 0 {
			msg += " Did you mean " + strings.Join(v.Suggestions, ", ") + "?"
		}
		v.Message = msg + " Search the catalog for the permission you need, or run graphgate permissions list."
		e.fail(w, r, http.StatusNotFound, "permissionNotFound", msg, v)
		return
	}
	if p.Name != name {
		// One address per permission: other spellings and the older
		// reference's names redirect to Microsoft's spelling.
		u := *r.URL
		u.Path = permURL(p.Name)
		u.RawPath = ""
		http.Redirect(w, r, u.String(), http.StatusMovedPermanently)
		return
	}
	q := r.URL.Query()
	inv := e.inverseIx().byPerm[p.Index]
	v := PermissionView{Name: p.Name, Kind: p.Kind.String(), Display: displayName(p), Resource: p.Parts.Resource,
		Operation: p.Parts.Operation, Constraint: p.Parts.Constraint, Personal: p.ValidForPersonal(), Preview: p.Preview,
		Deprecated: p.Deprecated, GrantsNothing: p.GrantsNothing, Hidden: p.Hidden(), Aliases: p.Aliases}
	for _, s := range catalog.Schemes() {
		sv := SchemeView{Scheme: s.String(), Calls: len(inv[s]), URL: permURL(p.Name) + "?scheme=" + s.String() + "#calls"}
		for _, c := range inv[s] {
			if c.entry.Least {
				sv.Least++
			}
		}
		if si := p.Schemes[s]; si != nil && !si.Disabled {
			sv.Available, sv.ID, sv.AdminConsent, sv.PrivilegeLevel = true, si.ID, p.RequiresAdminConsent(s), si.PrivilegeLevel
			sv.AdminDisplayName, sv.AdminDescription, sv.UserDisplayName, sv.UserDescription = si.AdminDisplayName, si.AdminDescription, si.UserDisplayName, si.UserDescription
		}
		v.Schemes = append(v.Schemes, sv)
	}
	for _, d := range p.Decisions {
		v.Decisions = append(v.Decisions, DecisionView{ID: d.ID, Topic: d.Topic, Route: d.Route, Follow: d.Follow, Seed: d.Seed, Data: d.Data, Why: d.Why})
	}

	// The scheme shown: the one asked for, else the first with calls, else
	// the first the permission exists in.
	sch := catalog.NumSchemes
	if s := q.Get("scheme"); s != "" {
		ps, err := catalog.ParseScheme(s)
		if err != nil {
			e.fail(w, r, http.StatusBadRequest, "invalidRequest", err.Error(), notFoundView{Heading: "Bad request", Search: p.Name})
			return
		}
		sch = ps
	}
	for _, s := range catalog.Schemes() {
		if sch == catalog.NumSchemes && len(inv[s]) > 0 {
			sch = s
		}
	}
	for _, s := range catalog.Schemes() {
		if sch == catalog.NumSchemes && p.In(s) {
			sch = s
		}
	}
	if sch == catalog.NumSchemes {
		sch = catalog.DelegatedWork
	}
	page := 1
	if s := q.Get("page"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 {
			e.fail(w, r, http.StatusBadRequest, "invalidRequest", "page must be a whole number from 1.", notFoundView{Heading: "Bad request", Search: p.Name})
			return
		}
		page = n
	}
	filter := strings.ToLower(strings.TrimSpace(q.Get("calls")))
	if len(filter) > maxQuery {
		filter = filter[:maxQuery]
	}
	v.Calls = callsPage(p, sch, inv[sch], filter, q.Get("least") == "1", page)
	e.render(w, r, http.StatusOK, "permission", pageData{Title: p.Name, Nav: "search", Body: v})
}

// callsPage filters and pages a permission's calls in one scheme.
func callsPage(p *catalog.Permission, s catalog.Scheme, refs []callRef, filter string, leastOnly bool, page int) CallsView {
	cv := CallsView{Scheme: s.String(), Filter: filter, LeastOnly: leastOnly, Page: page, PageSize: pageSize, Items: []CallItem{}}
	var kept []callRef
	for _, c := range refs {
		if leastOnly && !c.entry.Least {
			continue
		}
		if filter != "" && !strings.Contains(c.rule.Route.Path, filter) && !strings.Contains(strings.ToLower(c.rule.Route.Template), filter) {
			continue
		}
		kept = append(kept, c)
	}
	cv.Total = len(kept)
	cv.Pages = max(1, (cv.Total+pageSize-1)/pageSize)
	from := (page - 1) * pageSize
	for i := from; i < len(kept) && i < from+pageSize; i++ {
		c := kept[i]
		path := c.rule.Route.Template
		if c.rule.Route.Query != "" {
			path += "?" + c.rule.Route.Query
		}
		it := CallItem{Method: c.rule.Method.String(), Path: path, Least: c.entry.Least, Source: c.entry.Source,
			URL: pathURL(c.rule.Method.String(), c.rule.Route.Template)}
		for _, a := range c.entry.AlsoRequires {
			it.AlsoRequires = append(it.AlsoRequires, a.Name)
		}
		cv.Items = append(cv.Items, it)
	}
	link := func(n int) string {
		v := url.Values{"scheme": {s.String()}, "page": {strconv.Itoa(n)}}
		if filter != "" {
			v.Set("calls", filter)
		}
		if leastOnly {
			v.Set("least", "1")
		}
		return permURL(p.Name) + "?" + v.Encode() + "#calls"
	}
	if page > 1 {
		cv.Prev = link(min(page-1, cv.Pages))
	}
	if page < cv.Pages {
		cv.Next = link(page + 1)
	}
	return cv
}
