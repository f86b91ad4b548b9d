package files

import (
	"bytes"
	"encoding/json"
	"errors"
	"html"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"time"

	"graphgate/internal/graph"
	"graphgate/internal/model"
	"graphgate/internal/odata"
	"graphgate/internal/store"
)

// OneNote: notebooks, their sections and pages, for users (/me/onenote,
// /users/{id}/onenote) and groups (/groups/{id}/onenote). A notebook is an
// item owned by the user or group; a section's parent is its notebook, a
// page's its section. A page is created from HTML (text/html,
// application/xhtml+xml, or the "Presentation" part of multipart/form-data;
// other parts are ignored): its title is the HTML <title>, its creation
// time the <meta name="created"> when given, and GET …/content returns the
// page as OneNote renders it (the body inside OneNote's page document).
// POST /onenote/pages creates the page in the default section (created,
// with the default notebook, when the owner has none), or in the section of
// the default notebook named by ?sectionName=. Section groups
// (onenote_sectiongroups.go) nest sections inside a notebook, and
// PATCH …/content (onenote_patch.go) edits a page's HTML.

var (
	notebookSelectable = graph.Selectable(model.Notebook{})
	sectionSelectable  = graph.Selectable(model.Section{})
	pageSelectable     = graph.Selectable(model.Page{})
)

var (
	notebookProps = odata.JSONProps{"id": odata.TypeString, "displayName": odata.TypeString, "isDefault": odata.TypeBool,
		"isShared": odata.TypeBool, "userRole": odata.TypeString, "createdDateTime": odata.TypeDateTime, "lastModifiedDateTime": odata.TypeDateTime}
	sectionProps = odata.JSONProps{"id": odata.TypeString, "displayName": odata.TypeString, "isDefault": odata.TypeBool,
		"createdDateTime": odata.TypeDateTime, "lastModifiedDateTime": odata.TypeDateTime, "parentNotebook/id": odata.TypeString,
		"parentNotebook/displayName": odata.TypeString, "parentSectionGroup/id": odata.TypeString, "parentSectionGroup/displayName": odata.TypeString}
	pageProps = odata.JSONProps{"id": odata.TypeString, "title": odata.TypeString, "createdByAppId": odata.TypeString,
		"createdDateTime": odata.TypeDateTime, "lastModifiedDateTime": odata.TypeDateTime, "level": odata.TypeInt, "order": odata.TypeInt,
		"parentSection/id": odata.TypeString, "parentSection/displayName": odata.TypeString}
)

// OneNote's errors: its own numeric codes.
func errOnenoteNotFound() *graph.Error {
	return graph.NewErrorf(http.StatusNotFound, "20102", "The requested resource does not exist.")
}

func errOnenoteNameExists() *graph.Error {
	return graph.NewErrorf(http.StatusConflict, "20117", "An item with this name already exists in this location.")
}

// OneNote's refusals, from "Error codes for the OneNote API in Microsoft
// Graph" (codes 40001–49999, "the user or application does not have the
// correct permissions"): a token without the scopes the call needs
// (40004); a signed-in user without access to the notebooks (40003), or
// without the right to write there (40002). The page gives no status;
// graphgate answers 403, as for every authorization refusal.

func errOnenoteBadRequest(format string, a ...any) *graph.Error {
	return graph.NewErrorf(http.StatusBadRequest, "20100", format, a...)
}

// onenoteEndpoints serve the notebooks of users (and /me) and of groups.
func onenoteEndpoints() []graph.Endpoint {
	var out []graph.Endpoint
	for _, e := range []graph.Endpoint{
		{Method: "GET", Template: "/onenote/notebooks", Handler: handle(server.listNotebooks), Entity: graph.Entity{Context: "notebooks"}},
		{Method: "POST", Template: "/onenote/notebooks", Handler: handle(server.createNotebook), Entity: graph.Entity{Context: "notebooks/$entity"}},
		{Method: "GET", Template: "/onenote/notebooks/{id}", Handler: noteGet(model.KindNotebook, notebookSelectable, "microsoft.graph.notebook"), Entity: graph.Entity{Context: "notebooks/$entity"}},
		{Method: "GET", Template: "/onenote/notebooks/{id}/sections", Handler: noteList(model.KindSection, model.KindNotebook), Entity: graph.Entity{Context: "notebooks('{1}')/sections"}},
		{Method: "POST", Template: "/onenote/notebooks/{id}/sections", Handler: handle(server.createSection), Entity: graph.Entity{Context: "sections/$entity"}},
		{Method: "GET", Template: "/onenote/sections", Handler: noteList(model.KindSection, ""), Entity: graph.Entity{Context: "sections"}},
		{Method: "GET", Template: "/onenote/sections/{id}", Handler: noteGet(model.KindSection, sectionSelectable, "microsoft.graph.onenoteSection"), Entity: graph.Entity{Context: "sections/$entity"}},
		{Method: "GET", Template: "/onenote/sections/{id}/pages", Handler: noteList(model.KindPage, model.KindSection), Entity: graph.Entity{Context: "sections('{1}')/pages"}},
		{Method: "POST", Template: "/onenote/sections/{id}/pages", Handler: handle(server.createPage), Entity: graph.Entity{Context: "pages/$entity"}},
		{Method: "GET", Template: "/onenote/pages", Handler: noteList(model.KindPage, ""), Entity: graph.Entity{Context: "pages"}},
		{Method: "POST", Template: "/onenote/pages", Handler: handle(server.createPage), Entity: graph.Entity{Context: "pages/$entity"}},
		{Method: "GET", Template: "/onenote/pages/{id}", Handler: noteGet(model.KindPage, pageSelectable, "microsoft.graph.onenotePage"), Entity: graph.Entity{Context: "pages/$entity"}},
		{Method: "DELETE", Template: "/onenote/pages/{id}", Handler: handle(server.deletePage)},
		{Method: "GET", Template: "/onenote/pages/{id}/content", Handler: handle(server.getPageContent)},
		{Method: "PATCH", Template: "/onenote/pages/{id}/content", Handler: handle(server.patchPageContent)},
		{Method: "GET", Template: "/onenote/notebooks/{id}/sectionGroups", Handler: noteList(model.KindSectionGroup, model.KindNotebook), Entity: graph.Entity{Context: "notebooks('{1}')/sectionGroups"}},
		{Method: "POST", Template: "/onenote/notebooks/{id}/sectionGroups", Handler: handle(server.createSectionGroup), Entity: graph.Entity{Context: "sectionGroups/$entity"}},
		{Method: "GET", Template: "/onenote/sectionGroups", Handler: noteList(model.KindSectionGroup, ""), Entity: graph.Entity{Context: "sectionGroups"}},
		{Method: "GET", Template: "/onenote/sectionGroups/{id}", Handler: noteGet(model.KindSectionGroup, sectionGroupSelectable, "microsoft.graph.sectionGroup"), Entity: graph.Entity{Context: "sectionGroups/$entity"}},
		{Method: "GET", Template: "/onenote/sectionGroups/{id}/sections", Handler: noteList(model.KindSection, model.KindSectionGroup), Entity: graph.Entity{Context: "sectionGroups('{1}')/sections"}},
		{Method: "POST", Template: "/onenote/sectionGroups/{id}/sections", Handler: handle(server.createSection), Entity: graph.Entity{Context: "sections/$entity"}},
		{Method: "GET", Template: "/onenote/sectionGroups/{id}/sectionGroups", Handler: noteList(model.KindSectionGroup, model.KindSectionGroup), Entity: graph.Entity{Context: "sectionGroups('{1}')/sectionGroups"}},
		{Method: "POST", Template: "/onenote/sectionGroups/{id}/sectionGroups", Handler: handle(server.createSectionGroup), Entity: graph.Entity{Context: "sectionGroups/$entity"}},
	} {
		// The context URL names the notebooks' owner: a user (/me, /users/{id})
		// or a group.
		u, g := e, e
		g.Template = "/groups/{id}" + e.Template
		if e.Entity.Context != "" {
			u.Entity.Context = "users('{owner}')/onenote/" + e.Entity.Context
			g.Entity.Context = "groups('{owner}')/onenote/" + e.Entity.Context
		}
		out = append(append(out, graph.Twins(u)...), g)
	}
	return out
}

var _ = declare(graph.WorkloadOneNote, onenoteEndpoints()...)

// noteOwner is the user or group whose notebooks the request reaches, and
// the service root of its OneNote URLs.
func (s server) noteOwner(c *graph.Call) (owner, root string, err error) {
	switch {
	case c.TargetGroup != nil:
		return c.TargetGroup.ID, c.BaseURL() + "/groups/" + c.TargetGroup.ID + "/onenote", nil
	case c.TargetUser != nil:
		return c.TargetUser.ID, c.BaseURL() + "/users/" + c.TargetUser.ID + "/onenote", nil
	}
	return "", "", graph.ErrMailboxNotFound(c.Param(0))
}

// onenoteRender adds the computed URLs to a stored notebook, section or page.
func onenoteRender(root string) func(store.Item) (json.RawMessage, error) {
	return func(it store.Item) (json.RawMessage, error) {
		b, err := graph.RenderItem(it)
		if err != nil {
			return nil, err
		}
		var m map[string]any
		if err := json.Unmarshal(b, &m); err != nil {
			return nil, err
		}
		delete(m, "@odata.etag")
		graphTimes(m)
		switch it.Kind {
		case model.KindNotebook:
			m["self"] = root + "/notebooks/" + it.ID
			m["sectionsUrl"] = root + "/notebooks/" + it.ID + "/sections"
			m["sectionGroupsUrl"] = root + "/notebooks/" + it.ID + "/sectionGroups"
		case model.KindSection:
			m["self"] = root + "/sections/" + it.ID
			m["pagesUrl"] = root + "/sections/" + it.ID + "/pages"
			parentSelves(m, root)
		case model.KindSectionGroup:
			m["self"] = root + "/sectionGroups/" + it.ID
			m["sectionsUrl"] = root + "/sectionGroups/" + it.ID + "/sections"
			m["sectionGroupsUrl"] = root + "/sectionGroups/" + it.ID + "/sectionGroups"
			parentSelves(m, root)
		case model.KindPage:
			m["self"] = root + "/pages/" + it.ID
			m["contentUrl"] = root + "/pages/" + it.ID + "/content"
			if p, ok := m["parentSection"].(map[string]any); ok {
				p["self"] = root + "/sections/" + it.ParentID
			}
		}
		return json.Marshal(m)
	}
}

func (s server) writeOnenote(c *graph.Call, status int, it store.Item, root, contextURL string, known map[string]bool, entity string) error {
	q, err := c.ParseQuery(odata.Generic, 1, 0)
	if err != nil {
		return err
	}
	if err := graph.CheckSelect(q.Options().Select, withComputed(known), entity, odata.Generic); err != nil {
		return err
	}
	b, err := onenoteRender(root)(it)
	if err != nil {
		return graph.AsError(err)
	}
	if b, err = graph.Project(b, q.Options().Select, nil, nil); err != nil {
		return graph.AsError(err)
	}
	return c.JSON(status, graph.WithContext(b, contextURL))
}

// withComputed adds the computed URL properties to a selectable set.
func withComputed(known map[string]bool) map[string]bool {
	out := map[string]bool{"self": true, "sectionsurl": true, "sectiongroupsurl": true, "pagesurl": true, "contenturl": true}
	for k, v := range known {
		out[k] = v
	}
	return out
}

func (s server) onenoteList(c *graph.Call, base store.ItemQuery, entity string, props odata.JSONProps, known map[string]bool, root, contextURL string, defOrder []store.Order) error {
	pageSize, maxTop := 100, 100
	if base.Kind == model.KindPage {
		pageSize = 20
	}
	q, err := c.ParseQuery(odata.Generic, pageSize, maxTop)
	if err != nil {
		return err
	}
	return s.WriteCollection(c, graph.Collection{Q: q, Base: base, Mapping: graph.JSONMapping(entity, props),
		DefOrder: defOrder, Context: contextURL, Known: withComputed(known), Render: onenoteRender(root)})
}

// byName orders by a name, ignoring case.
func (s server) byName(field string) []store.Order {
	return []store.Order{{Field: store.Doc(field, store.TypeString), Fold: true}}
}

// Notebooks.

func (s server) listNotebooks(c *graph.Call) error {
	owner, root, err := s.noteOwner(c)
	if err != nil {
		return err
	}
	return s.onenoteList(c, store.ItemQuery{TenantID: c.TenantID, Kind: model.KindNotebook, OwnerID: owner}, "microsoft.graph.notebook",
		notebookProps, notebookSelectable, root, c.ContextURL(), s.byName("displayName"))
}

// noteList serves a list of kind: all of the owner's, or, with in, those
// in the container of kind in that the path's first id names (its
// descriptor's context spells it: notebooks('{1}')/sections).
func noteList(kind, in string) graph.Handler {
	return func(gs *graph.Server, c *graph.Call) error {
		s := server{gs}
		owner, root, err := s.noteOwner(c)
		if err != nil {
			return err
		}
		q := store.ItemQuery{TenantID: c.TenantID, Kind: kind, OwnerID: owner}
		if in != "" {
			p, err := s.onenoteItem(c, in, c.Param(1), owner)
			if err != nil {
				return err
			}
			q.ParentID = p.ID
		}
		ctx := c.ContextURL()
		switch kind {
		case model.KindSection:
			return s.sectionsQuery(c, owner, root, q, ctx)
		case model.KindPage:
			return s.pagesQuery(c, owner, root, q, ctx)
		}
		return s.sectionGroupsQuery(c, root, q, ctx)
	}
}

// noteGet serves one object of kind, named by the path's first id.
func noteGet(kind string, known map[string]bool, entity string) graph.Handler {
	return func(gs *graph.Server, c *graph.Call) error {
		s := server{gs}
		owner, root, err := s.noteOwner(c)
		if err != nil {
			return err
		}
		it, err := s.onenoteItem(c, kind, c.Param(1), owner)
		if err != nil {
			return err
		}
		return s.writeOnenote(c, http.StatusOK, it, root, c.ContextURL(), known, entity)
	}
}

// onenoteItem reads a notebook, section or page of the owner.
func (s server) onenoteItem(c *graph.Call, kind, id, owner string) (store.Item, error) {
	it, err := s.Store().GetItem(c.Context(), c.TenantID, kind, id)
	if errors.Is(err, store.ErrNotFound) || err == nil && it.OwnerID != owner {
		return store.Item{}, errOnenoteNotFound()
	}
	if err != nil {
		return store.Item{}, graph.AsError(err)
	}
	return it, nil
}

type onenoteNameInput struct {
	DisplayName *string `json:"displayName"`
}

// validOnenoteName checks a notebook or section name as OneNote does.
func validOnenoteName(n string, max int) error {
	if strings.TrimSpace(n) == "" {
		return errOnenoteBadRequest("The displayName property is required.")
	}
	if len([]rune(n)) > max || strings.ContainsAny(n, `?*\/:<>|&#'%~"`) {
		return graph.NewErrorf(http.StatusBadRequest, "20153", "The name '%s' is not valid: it can be at most %d characters and cannot contain ? * \\ / : < > | & # ' %% ~ \".", n, max)
	}
	return nil
}

// named reports whether the owner has an item of kind (under parent) with
// the display name, ignoring case.
func (s server) onenoteNamed(c *graph.Call, kind, owner, parent, name string) (bool, error) {
	items, _, err := s.Store().QueryItems(c.Context(), store.ItemQuery{TenantID: c.TenantID, Kind: kind, OwnerID: owner, ParentID: parent,
		Filter: graph.DocEqFold("displayName", name), Limit: 1})
	if err != nil {
		return false, graph.AsError(err)
	}
	return len(items) > 0, nil
}

func (s server) noteActor(c *graph.Call) model.IdentitySet {
	var out model.IdentitySet
	if c.Caller != nil {
		out.User = &model.DriveIdentity{ID: c.Caller.ID, DisplayName: c.Caller.DisplayName}
	} else if c.Claims != nil {
		out.Application = &model.DriveIdentity{ID: c.Claims.AppID, DisplayName: s.appName(c)}
	}
	return out
}

func newOnenoteID() string { return "1-" + strings.ToLower(model.NewGUID()) }

func (s server) createNotebook(c *graph.Call) error {
	owner, root, err := s.noteOwner(c)
	if err != nil {
		return err
	}
	var in onenoteNameInput
	if err := c.ReadJSON(&in); err != nil {
		return err
	}
	if in.DisplayName == nil {
		return errOnenoteBadRequest("The displayName property is required.")
	}
	if err := validOnenoteName(*in.DisplayName, 128); err != nil {
		return err
	}
	exists, err := s.onenoteNamed(c, model.KindNotebook, owner, "", *in.DisplayName)
	if err != nil {
		return err
	}
	if exists {
		return errOnenoteNameExists()
	}
	it := s.newNotebook(c, owner, *in.DisplayName, false)
	if err := s.Store().CreateItems(c.Context(), it); err != nil {
		return graph.AsError(err)
	}
	return s.writeOnenote(c, http.StatusCreated, it, root, c.ContextURL(), notebookSelectable, "microsoft.graph.notebook")
}

func (s server) newNotebook(c *graph.Call, owner, name string, isDefault bool) store.Item {
	now := s.Now()
	ts := model.StoredTime(now)
	id := newOnenoteID()
	by := s.noteActor(c)
	d := model.Notebook{ID: id, DisplayName: name, CreatedDateTime: ts, LastModifiedDateTime: ts, IsDefault: isDefault, UserRole: "Owner",
		IsShared: c.TargetGroup != nil, CreatedBy: by, LastModifiedBy: by, Links: model.NoteLinks("notebooks", id, name)}
	return store.Item{TenantID: c.TenantID, Kind: model.KindNotebook, ID: id, OwnerID: owner, Doc: model.EncodeDoc(d), CreatedAt: now, ModifiedAt: now, Version: 1}
}

// Sections.

func (s server) sectionsQuery(c *graph.Call, owner, root string, base store.ItemQuery, contextURL string) error {
	return s.onenoteList(c, base, "microsoft.graph.onenoteSection", sectionProps, sectionSelectable, root, contextURL, s.byName("displayName"))
}

func (s server) createSection(c *graph.Call) error {
	owner, root, err := s.noteOwner(c)
	if err != nil {
		return err
	}
	var in onenoteNameInput
	if err := c.ReadJSON(&in); err != nil {
		return err
	}
	parent, err := s.noteContainer(c, owner)
	if err != nil {
		return err
	}
	name, err := s.newContainerName(c, model.KindSection, owner, parent.ID, in)
	if err != nil {
		return err
	}
	it, err := s.newSection(c, owner, parent, name, false)
	if err != nil {
		return err
	}
	if err := s.Store().CreateItems(c.Context(), it); err != nil {
		return graph.AsError(err)
	}
	return s.writeOnenote(c, http.StatusCreated, it, root, c.ContextURL(), sectionSelectable, "microsoft.graph.onenoteSection")
}

// noteContainer is the notebook or section group named by the request's
// second id: a section group when the path goes through sectionGroups.
func (s server) noteContainer(c *graph.Call, owner string) (store.Item, error) {
	if strings.Contains(strings.ToLower(c.Match.Route.Path), "/sectiongroups/{id}/") {
		return s.onenoteItem(c, model.KindSectionGroup, c.Param(1), owner)
	}
	return s.onenoteItem(c, model.KindNotebook, c.Param(1), owner)
}

// parentRefs are the parentNotebook and parentSectionGroup of what is
// created in container (a notebook or a section group): the notebook is
// the one the container belongs to, however deep.
func parentRefs(container store.Item) (model.OnenoteParent, *model.OnenoteParent, error) {
	if container.Kind == model.KindSectionGroup {
		g, err := model.DecodeDoc[model.SectionGroup](container)
		if err != nil {
			return model.OnenoteParent{}, nil, graph.AsError(err)
		}
		return g.ParentNotebook, &model.OnenoteParent{ID: g.ID, DisplayName: g.DisplayName}, nil
	}
	nd, err := model.DecodeDoc[model.Notebook](container)
	if err != nil {
		return model.OnenoteParent{}, nil, graph.AsError(err)
	}
	return model.OnenoteParent{ID: container.ID, DisplayName: nd.DisplayName}, nil, nil
}

func (s server) newSection(c *graph.Call, owner string, container store.Item, name string, isDefault bool) (store.Item, error) {
	nb, group, err := parentRefs(container)
	if err != nil {
		return store.Item{}, err
	}
	now := s.Now()
	ts := model.StoredTime(now)
	id := newOnenoteID()
	by := s.noteActor(c)
	d := model.Section{ID: id, DisplayName: name, CreatedDateTime: ts, LastModifiedDateTime: ts, IsDefault: isDefault, CreatedBy: by, LastModifiedBy: by,
		Links: model.NoteLinks("sections", id, name), ParentNotebook: nb, ParentSectionGroup: group}
	return store.Item{TenantID: c.TenantID, Kind: model.KindSection, ID: id, OwnerID: owner, ParentID: container.ID, Doc: model.EncodeDoc(d), CreatedAt: now,
		ModifiedAt: now, Version: 1}, nil
}

// Pages.

func (s server) pagesQuery(c *graph.Call, owner, root string, base store.ItemQuery, contextURL string) error {
	return s.onenoteList(c, base, "microsoft.graph.onenotePage", pageProps, pageSelectable, root, contextURL,
		graph.ByDoc("lastModifiedDateTime", store.TypeTime, true))
}

func (s server) deletePage(c *graph.Call) error {
	owner, _, err := s.noteOwner(c)
	if err != nil {
		return err
	}
	it, err := s.onenoteItem(c, model.KindPage, c.Param(1), owner)
	if err != nil {
		return err
	}
	if _, err := s.Store().DeleteItems(c.Context(), c.TenantID, model.KindPage, it.ID); err != nil {
		return graph.AsError(err)
	}
	return c.NoContent()
}

func (s server) getPageContent(c *graph.Call) error {
	owner, _, err := s.noteOwner(c)
	if err != nil {
		return err
	}
	it, err := s.onenoteItem(c, model.KindPage, c.Param(1), owner)
	if err != nil {
		return err
	}
	p, err := model.DecodeDoc[model.Page](it)
	if err != nil {
		return graph.AsError(err)
	}
	return c.Raw(http.StatusOK, "text/html", []byte(renderPageHTML(p, strings.EqualFold(c.Request().URL.Query().Get("includeIDs"), "true"))))
}

// renderPageHTML is a page's content as OneNote returns it; includeIDs adds
// the generated ids that PATCH …/content targets.
func renderPageHTML(p model.Page, includeIDs bool) string {
	body, rootID := pageContentHTML(p, includeIDs)
	idAttr := ""
	if rootID != "" {
		idAttr = ` id="` + html.EscapeString(rootID) + `"`
	}
	created := p.CreatedDateTime
	if t, err := model.ParseStoredTime(created); err == nil {
		created = t.UTC().Format("2006-01-02T15:04:05.0000000")
	}
	return "<html lang=\"en-US\">\n\t<head>\n\t\t<title>" + html.EscapeString(p.Title) + "</title>\n" +
		"\t\t<meta http-equiv=\"Content-Type\" content=\"text/html; charset=utf-8\" />\n" +
		"\t\t<meta name=\"created\" content=\"" + created + "\" />\n\t</head>\n" +
		"\t<body data-absolute-enabled=\"true\" style=\"font-family:Calibri;font-size:11pt\">\n" +
		"\t\t<div" + idAttr + " style=\"position:absolute;left:48px;top:115px;width:624px\">\n" + body + "\n\t\t</div>\n\t</body>\n</html>\n"
}

var (
	titleRe   = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`(?is)<title[^>]*>(.*?)</title>`) })
	bodyRe    = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`(?is)<body[^>]*>(.*)</body>`) })
	createdRe = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`(?is)<meta\s+[^>]*name\s*=\s*["']created["'][^>]*>`) })
	contentRe = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`(?is)content\s*=\s*["']([^"']*)["']`) })
)

// pageHTML reads the page's HTML from the request: the body itself
// (text/html, application/xhtml+xml) or the Presentation part of a
// multipart/form-data request.
func (s server) pageHTML(c *graph.Call) (string, error) {
	ct := c.Request().Header.Get("Content-Type")
	mt, params, err := mime.ParseMediaType(ct)
	if err != nil {
		return "", errOnenoteBadRequest("The Content-Type header must be text/html, application/xhtml+xml or multipart/form-data.")
	}
	body, err := c.Body()
	if err != nil {
		return "", err
	}
	switch mt {
	case "text/html", "application/xhtml+xml":
		return string(body), nil
	case "multipart/form-data":
		mr := multipart.NewReader(bytes.NewReader(body), params["boundary"])
		for {
			part, err := mr.NextPart()
			if err == io.EOF {
				break
			}
			if err != nil {
				return "", errOnenoteBadRequest("The multipart request could not be read.")
			}
			if strings.EqualFold(part.FormName(), "Presentation") {
				b, err := io.ReadAll(part)
				if err != nil {
					return "", errOnenoteBadRequest("The multipart request could not be read.")
				}
				return string(b), nil
			}
		}
		return "", errOnenoteBadRequest("A multipart request must have a part named Presentation with the page's HTML.")
	}
	return "", graph.NewErrorf(http.StatusUnsupportedMediaType, "20001", "The Content-Type '%s' is not supported: send the page as text/html.", mt)
}

// parsePage reads a page's title, creation time and body from its HTML.
func parsePage(src string) (title string, created time.Time, body string) {
	if m := titleRe().FindStringSubmatch(src); m != nil {
		title = strings.TrimSpace(html.UnescapeString(regexp.MustCompile(`<[^>]*>`).ReplaceAllString(m[1], "")))
	}
	if m := createdRe().FindString(src); m != "" {
		if cm := contentRe().FindStringSubmatch(m); cm != nil {
			if t, err := time.Parse(time.RFC3339, cm[1]); err == nil {
				created = t
			}
		}
	}
	body = src
	if m := bodyRe().FindStringSubmatch(src); m != nil {
		body = strings.TrimSpace(m[1])
	} else if strings.Contains(strings.ToLower(src), "<head") {
		body = ""
	}
	return title, created, body
}

func (s server) createPage(c *graph.Call) error {
	owner, root, err := s.noteOwner(c)
	if err != nil {
		return err
	}
	src, err := s.pageHTML(c)
	if err != nil {
		return err
	}
	var sec store.Item
	if strings.Contains(c.Match.Route.Path, "/sections/") {
		if sec, err = s.onenoteItem(c, model.KindSection, c.Param(1), owner); err != nil {
			return err
		}
	} else if sec, err = s.defaultSection(c, owner, c.Request().URL.Query().Get("sectionName")); err != nil {
		return err
	}
	sd, err := model.DecodeDoc[model.Section](sec)
	if err != nil {
		return graph.AsError(err)
	}
	title, created, body := parsePage(src)
	now := s.Now()
	if created.IsZero() {
		created = now
	}
	id := newOnenoteID() + "!1-" + strings.TrimPrefix(sec.ID, "1-")
	appID := ""
	if c.Claims != nil {
		appID = c.Claims.AppID
	}
	p := model.Page{ID: id, Title: title, CreatedDateTime: model.StoredTime(created), LastModifiedDateTime: model.StoredTime(now), CreatedByAppID: "WLID-" + appID,
		Links: model.NoteLinks("pages", id, title), ParentSection: model.OnenoteParent{ID: sec.ID, DisplayName: sd.DisplayName}, Body: body}
	it := store.Item{TenantID: c.TenantID, Kind: model.KindPage, ID: id, OwnerID: owner, ParentID: sec.ID, Doc: model.EncodeDoc(p), CreatedAt: now, ModifiedAt: now, Version: 1}
	if err := s.Store().CreateItems(c.Context(), it); err != nil {
		return graph.AsError(err)
	}
	return s.writeOnenote(c, http.StatusCreated, it, root, c.ContextURL(), pageSelectable, "microsoft.graph.onenotePage")
}

// defaultSection is the section POST /onenote/pages writes to: the named
// section of the default notebook (created if missing), or its default
// section. The default notebook and section are created when the owner has
// no notebook.
func (s server) defaultSection(c *graph.Call, owner, name string) (store.Item, error) {
	nbs, _, err := s.Store().QueryItems(c.Context(), store.ItemQuery{TenantID: c.TenantID, Kind: model.KindNotebook, OwnerID: owner, Order: graph.ByCreation})
	if err != nil {
		return store.Item{}, graph.AsError(err)
	}
	var nb store.Item
	for _, it := range nbs {
		if d, err := model.DecodeDoc[model.Notebook](it); err == nil && d.IsDefault {
			nb = it
			break
		}
	}
	if nb.ID == "" && len(nbs) > 0 {
		nb = nbs[0]
	}
	var created []store.Item
	if nb.ID == "" {
		label := "Notebook"
		if c.TargetUser != nil {
			label = c.TargetUser.DisplayName + "'s Notebook"
			if first, _, _ := strings.Cut(c.TargetUser.DisplayName, " "); first != "" {
				label = first + "'s Notebook"
			}
		} else if c.TargetGroup != nil {
			label = c.TargetGroup.DisplayName + " Notebook"
		}
		nb = s.newNotebook(c, owner, label, true)
		created = append(created, nb)
	}
	secs, _, err := s.Store().QueryItems(c.Context(), store.ItemQuery{TenantID: c.TenantID, Kind: model.KindSection, OwnerID: owner, ParentID: nb.ID, Order: graph.ByCreation})
	if err != nil {
		return store.Item{}, graph.AsError(err)
	}
	var sec store.Item
	for _, it := range secs {
		d, err := model.DecodeDoc[model.Section](it)
		if err != nil {
			continue
		}
		if name != "" && strings.EqualFold(d.DisplayName, name) || name == "" && d.IsDefault {
			sec = it
			break
		}
	}
	if sec.ID == "" && name == "" && len(secs) > 0 {
		sec = secs[0]
	}
	if sec.ID == "" {
		label, isDefault := name, false
		if label == "" {
			label, isDefault = "Quick Notes", true
		}
		if err := validOnenoteName(label, 50); err != nil {
			return store.Item{}, err
		}
		if sec, err = s.newSection(c, owner, nb, label, isDefault); err != nil {
			return store.Item{}, err
		}
		created = append(created, sec)
	}
	if len(created) > 0 {
		if err := s.Store().CreateItems(c.Context(), created...); err != nil {
			return store.Item{}, graph.AsError(err)
		}
	}
	return sec, nil
}

// Seeding.
