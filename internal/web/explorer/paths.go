package explorer

import (
	"errors"
	"net/http"
	"strings"

	"graphgate/internal/catalog"
	"graphgate/internal/routes"
)

// PathView is an API path's page: per method and scheme the permissions
// the route table accepts, least privileged first, with the rule's notes.
type PathView struct {
	// Input is the path as given; Method the method asked for ("" for all).
	Input  string `json:"path"`
	Method string `json:"method,omitempty"`
	// Template is the route's path in Microsoft's spelling; Query its
	// $filter condition when the route has one.
	Template   string       `json:"template,omitempty"`
	Query      string       `json:"query,omitempty"`
	Source     string       `json:"source,omitempty"`
	MeFallback bool         `json:"meFallback,omitempty"`
	Notes      []string     `json:"notes,omitempty"`
	Methods    []MethodView `json:"methods"`
	// Examples are paths the empty page offers.
	Examples []string `json:"-"`
	// AllMethods fill the form's method list.
	AllMethods []string `json:"-"`
}

// MethodView is one method of a path.
type MethodView struct {
	Method  string          `json:"method"`
	Schemes []SchemeEntries `json:"schemes"`
}

// SchemeEntries are the permissions one scheme accepts for a method.
type SchemeEntries struct {
	Scheme string `json:"scheme"`
	// Entries are least privileged first; empty when the scheme cannot
	// make the call.
	Entries []EntryView `json:"permissions"`
}

// EntryView is one accepted permission.
type EntryView struct {
	Permission     string   `json:"permission"`
	Least          bool     `json:"leastPrivileged"`
	AdminConsent   bool     `json:"requiresAdminConsent"`
	PrivilegeLevel int      `json:"privilegeLevel,omitempty"`
	AlsoRequires   []string `json:"alsoRequiresOneOf,omitempty"`
	Source         string   `json:"source"`
	URL            string   `json:"url"`
}

var pathExamples = []string{"/me", "/me/messages", "/users/{id}/calendar/events", "/me/drive/root/children", "/groups/{id}/members", "/sites/{id}/lists"}

func (e *explorer) handlePath(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	v := PathView{Input: strings.TrimSpace(q.Get("path")), Method: strings.ToUpper(strings.TrimSpace(q.Get("method"))),
		Methods: []MethodView{}, Examples: pathExamples, AllMethods: methodNames()}
	title := "Permissions of an API path"
	if v.Input == "" {
		if wantsJSON(r) {
			e.fail(w, r, http.StatusBadRequest, "invalidRequest", "Give the API path: /explorer/paths?path=/me/messages (and method=GET).", notFoundView{})
			return
		}
		e.render(w, r, http.StatusOK, "path", pageData{Title: title, Nav: "paths", Body: v})
		return
	}
	var route *routes.Route
	var methods []routes.Method
	var err error
	if v.Method != "" {
		var m routes.Method
		m, err = routes.ParseMethod(v.Method)
		if err == nil {
			var match routes.Match
			match, err = e.tab.MatchMethod(m, v.Input)
			route, v.MeFallback, methods = match.Route, match.MeFallback, []routes.Method{m}
		}
	} else {
		route, v.MeFallback, err = e.tab.AllRules(v.Input)
		if route != nil {
			methods = route.Methods()
		}
	}
	if err != nil {
		status, code := http.StatusBadRequest, "invalidRequest"
		if errors.Is(err, routes.ErrNoRoute) || errors.Is(err, routes.ErrNoMethod) {
			status, code = http.StatusNotFound, "routeNotFound"
		}
		msg := err.Error()
		e.fail(w, r, status, code, msg, notFoundView{Heading: "No permission rule for " + strings.TrimSpace(v.Method+" "+v.Input),
			Message: msg + ". The explorer knows the paths of Microsoft's permission data and graphgate's supplement; " +
				"list them with graphgate permissions routes --grep TEXT, or try a path below."})
		return
	}
	v.Template, v.Query, v.Source = route.Template, route.Query, route.Source
	if route.Note != "" {
		v.Notes = append(v.Notes, route.Note)
	}
	if v.MeFallback {
		v.Notes = append(v.Notes, "Microsoft's data has no rule for this /me path: graphgate decides it by the rule of its /users/{id} twin, "+route.Template+".")
	}
	switch route.Source {
	case routes.SourceDocs:
		v.Notes = append(v.Notes, "Microsoft's permission data lacks this endpoint; graphgate adds it from Microsoft's documentation (its supplement).")
	case routes.SourceRetired:
		v.Notes = append(v.Notes, "This API is retired: Graph no longer serves it; graphgate keeps the older reference's rule.")
	}
	for _, m := range methods {
		rule := route.Rules[m]
		if rule == nil {
			continue
		}
		mv := MethodView{Method: m.String()}
		for _, s := range catalog.Schemes() {
			se := SchemeEntries{Scheme: s.String(), Entries: []EntryView{}}
			for _, en := range rule.Accepted[s] {
				ev := EntryView{Permission: en.Perm.Name, Least: en.Least, AdminConsent: en.Perm.RequiresAdminConsent(s),
					PrivilegeLevel: en.Perm.PrivilegeLevel(s), Source: en.Source, URL: permURL(en.Perm.Name)}
				for _, a := range en.AlsoRequires {
					ev.AlsoRequires = append(ev.AlsoRequires, a.Name)
				}
				se.Entries = append(se.Entries, ev)
			}
			mv.Schemes = append(mv.Schemes, se)
		}
		for _, d := range e.cat.Decisions() {
			if strings.EqualFold(d.Route, m.String()+" "+route.Template) {
				v.Notes = append(v.Notes, d.Route+": "+d.Why)
			}
		}
		v.Methods = append(v.Methods, mv)
	}
	title = strings.TrimSpace(v.Method + " " + v.Input)
	e.render(w, r, http.StatusOK, "path", pageData{Title: title, Nav: "paths", Body: v})
}

func methodNames() []string {
	out := make([]string, 0, routes.NumMethods)
	for m := routes.Method(0); m < routes.NumMethods; m++ {
		out = append(out, m.String())
	}
	return out
}
