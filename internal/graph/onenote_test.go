package graph_test

import (
	"strings"
	"testing"
)

func w2Titles(items []map[string]any) []string {
	out := make([]string, len(items))
	for i, it := range items {
		out[i] = str(it, "title")
	}
	return out
}

func TestOnenote(t *testing.T) {
	e := newEnv(t)
	adele := e.id("adele")
	read := e.delegated("adele", "Notes.Read")
	create := e.delegated("adele", "Notes.Create")
	rw := e.delegated("adele", "Notes.ReadWrite")

	nbs := list(t, e.must(200, "GET", "/me/onenote/notebooks", read, nil))
	if len(nbs) != 1 || str(nbs[0], "displayName") != "Adele's Notebook" {
		t.Fatalf("notebooks %v", w2DisplayNames(nbs))
	}
	nb := nbs[0]

	t.Run("notebook shape", func(t *testing.T) {
		root := e.base + "/users/" + adele + "/onenote"
		if str(nb, "self") != root+"/notebooks/"+str(nb, "id") || str(nb, "sectionsUrl") != root+"/notebooks/"+str(nb, "id")+"/sections" ||
			nb["isDefault"] != true || str(nb, "userRole") != "Owner" || str(nb, "links/oneNoteWebUrl/href") == "" || str(nb, "createdBy/user/id") != adele {
			t.Errorf("notebook %v", nb)
		}
		if _, ok := nb["@odata.etag"]; ok {
			t.Errorf("a notebook has an @odata.etag")
		}
		got := e.must(200, "GET", "/me/onenote/notebooks/"+str(nb, "id"), read, nil)
		if !strings.HasSuffix(str(got, "@odata.context"), "/$metadata#users('"+adele+"')/onenote/notebooks/$entity") {
			t.Errorf("@odata.context %s", str(got, "@odata.context"))
		}
		wantError(t, e.do("GET", "/me/onenote/notebooks/1-nosuch", read, nil), 404, "20102", "")
	})

	var secID string
	t.Run("create a notebook, a section, pages", func(t *testing.T) {
		work := e.must(201, "POST", "/me/onenote/notebooks", create, map[string]any{"displayName": "Work"})
		if str(work, "displayName") != "Work" || work["isDefault"] != false {
			t.Fatalf("notebook %v", work)
		}
		wantError(t, e.do("POST", "/me/onenote/notebooks", create, map[string]any{"displayName": "work"}), 409, "20117", "")
		wantError(t, e.do("POST", "/me/onenote/notebooks", create, map[string]any{"displayName": "a/b"}), 400, "20153", "")
		wantError(t, e.do("POST", "/me/onenote/notebooks", create, map[string]any{}), 400, "", "")
		sec := e.must(201, "POST", "/me/onenote/notebooks/"+str(work, "id")+"/sections", create, map[string]any{"displayName": "Ideas"})
		secID = str(sec, "id")
		if str(sec, "parentNotebook/id") != str(work, "id") || str(sec, "parentNotebook/displayName") != "Work" || !strings.HasSuffix(str(sec, "pagesUrl"), "/sections/"+secID+"/pages") {
			t.Errorf("section %v", sec)
		}
		if got := w2DisplayNames(e.all("/me/onenote/notebooks/"+str(work, "id")+"/sections", read)); strings.Join(got, ",") != "Ideas" {
			t.Errorf("sections %v", got)
		}

		html := `<!DOCTYPE html><html><head><title>A page with <i>rendered</i> text</title><meta name="created" content="2024-01-02T03:04:05Z" /></head>` +
			`<body><p>Hello from graphgate</p></body></html>`
		p := e.do("POST", "/me/onenote/sections/"+secID+"/pages", create, html, header("Content-Type", "text/html"))
		if p.Status != 201 || str(p.JSON, "title") != "A page with rendered text" || str(p.JSON, "createdDateTime") != "2024-01-02T03:04:05Z" ||
			str(p.JSON, "parentSection/id") != secID || !strings.HasSuffix(str(p.JSON, "contentUrl"), "/content") {
			t.Fatalf("page: %d %s", p.Status, p.Raw)
		}
		if _, ok := p.JSON["_body"]; ok {
			t.Errorf("internal body in the page")
		}
		c := e.do("GET", "/me/onenote/pages/"+str(p.JSON, "id")+"/content", read, nil)
		if c.Status != 200 || !strings.HasPrefix(c.Header.Get("Content-Type"), "text/html") || !strings.Contains(string(c.Raw), "<title>A page with rendered text</title>") ||
			!strings.Contains(string(c.Raw), "<p>Hello from graphgate</p>") {
			t.Errorf("content: %d %s\n%s", c.Status, c.Header.Get("Content-Type"), c.Raw)
		}

		multi := "--b1\r\nContent-Disposition: form-data; name=\"Presentation\"\r\nContent-Type: text/html\r\n\r\n" +
			"<html><head><title>Multipart</title></head><body><p>with an image</p><img src=\"name:img\" /></body></html>\r\n" +
			"--b1\r\nContent-Disposition: form-data; name=\"img\"\r\nContent-Type: image/png\r\n\r\nPNG\r\n--b1--\r\n"
		m := e.do("POST", "/me/onenote/sections/"+secID+"/pages", create, multi, header("Content-Type", "multipart/form-data; boundary=b1"))
		if m.Status != 201 || str(m.JSON, "title") != "Multipart" {
			t.Errorf("multipart: %d %s", m.Status, m.Raw)
		}
		wantError(t, e.do("POST", "/me/onenote/sections/"+secID+"/pages", create, map[string]any{"title": "x"}), 415, "", "")
		wantError(t, e.do("POST", "/me/onenote/sections/1-nosuch/pages", create, html, header("Content-Type", "text/html")), 404, "20102", "")

		if got := strings.Join(w2Titles(e.all("/me/onenote/sections/"+secID+"/pages", read)), ","); got != "Multipart,A page with rendered text" {
			t.Errorf("section pages (newest first): %s", got)
		}
	})

	t.Run("pages across notebooks, OData", func(t *testing.T) {
		all := e.all("/me/onenote/pages", read)
		if got := strings.Join(w2Titles(all), ","); got != "Multipart,A page with rendered text,Launch checklist" {
			t.Errorf("pages %s", got)
		}
		first := e.must(200, "GET", "/me/onenote/pages?$top=1", read, nil)
		if len(list(t, first)) != 1 || str(first, "@odata.nextLink") == "" {
			t.Errorf("first page %v", first)
		}
		if got := e.all("/me/onenote/pages?$top=1", read); len(got) != 3 {
			t.Errorf("%d pages over the pages", len(got))
		}
		if got := w2Titles(e.all("/me/onenote/pages?$filter="+q("title eq 'Launch checklist'"), read)); len(got) != 1 {
			t.Errorf("filtered %v", got)
		}
		if got := w2Titles(e.all("/me/onenote/pages?$orderby=title", read)); strings.Join(got, ",") != "A page with rendered text,Launch checklist,Multipart" {
			t.Errorf("ordered %v", got)
		}
		sel := list(t, e.must(200, "GET", "/me/onenote/pages?$select=title,self", read, nil))
		if got := strings.Join(keys(sel[0]), ","); got != "id,self,title" {
			t.Errorf("selected %s", got)
		}
		wantError(t, e.do("GET", "/me/onenote/pages?$select=nonsense", read, nil), 400, "", "")
		secs := e.all("/me/onenote/sections", read)
		if got := strings.Join(w2DisplayNames(secs), ","); got != "Ideas,Meetings,Quick Notes" {
			t.Errorf("sections %s", got)
		}
		quick := find(secs, "displayName", "Quick Notes")
		if got := e.must(200, "GET", "/me/onenote/sections/"+str(quick, "id"), read, nil); got["isDefault"] != true {
			t.Errorf("Quick Notes %v", got)
		}
	})

	t.Run("create in the default section, delete", func(t *testing.T) {
		p := e.do("POST", "/me/onenote/pages", create, "<html><head><title>Quick thought</title></head><body>x</body></html>", header("Content-Type", "text/html"))
		if p.Status != 201 || str(p.JSON, "parentSection/displayName") != "Quick Notes" {
			t.Fatalf("default section: %d %s", p.Status, p.Raw)
		}
		n := e.do("POST", "/me/onenote/pages?sectionName=Travel", create, "<html><head><title>Trip</title></head><body>y</body></html>", header("Content-Type", "text/html"))
		if n.Status != 201 || str(n.JSON, "parentSection/displayName") != "Travel" {
			t.Fatalf("named section: %d %s", n.Status, n.Raw)
		}
		if r := e.do("DELETE", "/me/onenote/pages/"+str(p.JSON, "id"), rw, nil); r.Status != 204 {
			t.Fatalf("delete: %d", r.Status)
		}
		wantError(t, e.do("GET", "/me/onenote/pages/"+str(p.JSON, "id"), read, nil), 404, "20102", "")
		// A user without notebooks gets a default notebook and section.
		l := e.do("POST", "/me/onenote/pages", e.delegated("lynne", "Notes.Create"), "<html><head><title>First</title></head><body></body></html>", header("Content-Type", "text/html"))
		if l.Status != 201 || str(l.JSON, "parentSection/displayName") != "Quick Notes" {
			t.Fatalf("first page: %d %s", l.Status, l.Raw)
		}
		if got := w2DisplayNames(e.all("/me/onenote/notebooks", e.delegated("lynne", "Notes.Read"))); strings.Join(got, ",") != "Lynne's Notebook" {
			t.Errorf("Lynne's notebooks %v", got)
		}
	})

	t.Run("groups", func(t *testing.T) {
		tok := e.delegated("adele", "Notes.Read.All")
		gnbs := e.all("/groups/"+marketingID+"/onenote/notebooks", tok)
		if len(gnbs) != 1 || str(gnbs[0], "displayName") != "Marketing Notebook" || !strings.HasPrefix(str(gnbs[0], "self"), e.base+"/groups/"+marketingID+"/onenote/") {
			t.Fatalf("group notebooks %v", gnbs)
		}
		pages := e.all("/groups/"+marketingID+"/onenote/pages", tok)
		if len(pages) != 1 || str(pages[0], "title") != "Spring campaign" {
			t.Fatalf("group pages %v", w2Titles(pages))
		}
		c := e.do("GET", "/groups/"+marketingID+"/onenote/pages/"+str(pages[0], "id")+"/content", tok, nil)
		if c.Status != 200 || !strings.Contains(string(c.Raw), "spring campaign") {
			t.Errorf("group page content: %d %s", c.Status, c.Raw)
		}
		// A user's page is not the group's.
		mine := e.all("/me/onenote/pages", read)
		wantError(t, e.do("GET", "/groups/"+marketingID+"/onenote/pages/"+str(mine[0], "id"), tok, nil), 404, "20102", "")
	})

	t.Run("isolation between users", func(t *testing.T) {
		megan := e.delegated("megan", "Notes.Read")
		if got := e.all("/me/onenote/notebooks", megan); len(got) != 0 {
			t.Errorf("Megan's notebooks %v", w2DisplayNames(got))
		}
		pages := e.all("/me/onenote/pages", read)
		wantError(t, e.do("GET", "/me/onenote/pages/"+str(pages[0], "id"), megan, nil), 404, "20102", "")
		wantError(t, e.do("GET", "/me/onenote/pages/"+str(pages[0], "id")+"/content", megan, nil), 404, "20102", "")
		wantError(t, e.do("GET", "/me/onenote/notebooks/"+str(nb, "id")+"/sections", megan, nil), 404, "20102", "")
		wantError(t, e.do("DELETE", "/me/onenote/pages/"+str(pages[0], "id"), e.delegated("megan", "Notes.ReadWrite"), nil), 404, "20102", "")
		if r := e.do("GET", "/users/"+adele+"/onenote/notebooks", megan, nil); r.Status != 403 {
			t.Errorf("Megan reading Adele's notebooks with Notes.Read: %d", r.Status)
		}
		if got := e.all("/users/"+adele+"/onenote/pages", e.app("Notes.Read.All")); len(got) < 3 {
			t.Errorf("app-only: %v", w2Titles(got))
		}
	})
}
