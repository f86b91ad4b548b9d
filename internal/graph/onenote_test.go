package graph_test

import (
	"context"
	"encoding/json"
	"regexp"
	"strings"
	"testing"
	"time"

	"graphgate/internal/demo"
	"graphgate/internal/graph"
	"graphgate/internal/store"
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

	// Issue 10: Notes.ReadWrite.All, which any user may consent to, is "all
	// the notebooks the signed-in user can access", not another member's
	// unshared ones, nor those of a group one is not a member of. OneNote
	// refuses with 403 40003 (no access) or 40002 (no write access), and
	// nothing changes.
	t.Run("another member's notebooks need their sharing", func(t *testing.T) {
		megan := e.delegated("megan", "Notes.ReadWrite.All")
		page := str(e.all("/me/onenote/pages", read)[0], "id")
		doc, version := e.storedDoc(graph.KindPage, page)
		nbs := len(e.all("/me/onenote/notebooks", read))
		cmds := []map[string]any{{"target": "body", "action": "append", "content": "<p>Megan was here</p>"}}
		base := "/users/" + adele + "/onenote"
		for _, c := range []struct {
			method, path string
			body         any
			code, msg    string
		}{
			{"GET", base + "/notebooks", nil, "40003", "The user doesn't have permission to access the requested resource."},
			{"GET", base + "/notebooks/" + str(nb, "id"), nil, "40003", ""},
			{"GET", base + "/notebooks/" + str(nb, "id") + "/sections", nil, "40003", ""},
			{"GET", base + "/pages", nil, "40003", ""},
			{"GET", base + "/pages/" + page, nil, "40003", ""},
			{"GET", base + "/pages/" + page + "/content", nil, "40003", ""},
			{"PATCH", base + "/pages/" + page + "/content", cmds, "40002", "The user doesn't have permission to write to the requested location."},
			{"DELETE", base + "/pages/" + page, nil, "40002", ""},
			{"POST", base + "/notebooks", map[string]any{"displayName": "Megan's"}, "40002", ""},
		} {
			r := e.do(c.method, c.path, megan, c.body)
			wantError(t, r, 403, c.code, c.msg)
			if d := r.Header.Get("x-graphgate-decision"); !strings.HasPrefix(d, "not_shared; check=relation; ") || !strings.Contains(d, "Notes") {
				t.Errorf("%s %s: decision %q", c.method, c.path, d)
			}
		}
		if d, v := e.storedDoc(graph.KindPage, page); d != doc || v != version {
			t.Errorf("the refused calls changed Adele's page:\n%s\n%s", doc, d)
		}
		if n := len(e.all("/me/onenote/notebooks", read)); n != nbs {
			t.Errorf("Adele has %d notebooks, had %d", n, nbs)
		}
		// Once Adele shares her notebooks with Megan for reading, Megan reads
		// them, and still cannot change them.
		share := store.Item{TenantID: demo.TenantID, Kind: graph.KindDelegation, ID: "dlg-notes-megan", OwnerID: adele,
			Doc: json.RawMessage(`{"delegateId":"` + e.id("megan") + `","resource":"Notes","access":["read"]}`), CreatedAt: time.Now(), ModifiedAt: time.Now(), Version: 1}
		if err := e.srv.Store().(store.Items).CreateItems(context.Background(), share); err != nil {
			t.Fatal(err)
		}
		if got := e.all(base+"/notebooks", megan); len(got) != nbs {
			t.Errorf("Megan sees %d of Adele's shared notebooks, want %d", len(got), nbs)
		}
		if r := e.do("GET", base+"/pages/"+page+"/content", megan, nil); r.Status != 200 || !strings.HasPrefix(r.Header.Get("x-graphgate-decision"), "allowed; check=relation; ") ||
			!strings.Contains(r.Header.Get("x-graphgate-decision"), "sharing of Notes") {
			t.Errorf("reading a shared page: %d %q", r.Status, r.Header.Get("x-graphgate-decision"))
		}
		wantError(t, e.do("PATCH", base+"/pages/"+page+"/content", megan, cmds), 403, "40002", "")
		wantError(t, e.do("DELETE", base+"/pages/"+page, megan, nil), 403, "40002", "")
	})

	t.Run("a hidden group's notebooks are its members'", func(t *testing.T) {
		// Project Falcon hides its membership: Adele owns it, Lynne is a
		// member, Megan is neither.
		base := "/groups/" + falconID + "/onenote"
		megan := e.delegated("megan", "Notes.ReadWrite.All")
		wantError(t, e.do("GET", base+"/notebooks", megan, nil), 403, "40003", "")
		r := e.do("POST", base+"/notebooks", megan, map[string]any{"displayName": "Megan's plans"})
		wantError(t, r, 403, "40002", "")
		if d := r.Header.Get("x-graphgate-decision"); !strings.HasPrefix(d, "not_group_member;") {
			t.Errorf("decision %q", d)
		}
		wantError(t, e.do("POST", base+"/pages", megan, "<html><head><title>x</title></head></html>", header("Content-Type", "text/html")), 403, "40002", "")
		// Members and owners succeed.
		lynne := e.delegated("lynne", "Notes.ReadWrite.All")
		created := e.must(201, "POST", base+"/notebooks", lynne, map[string]any{"displayName": "Falcon plans"})
		got := e.all(base+"/notebooks", e.delegated("adele", "Notes.Read"))
		if len(got) != 1 || str(got[0], "id") != str(created, "id") {
			t.Errorf("Falcon's notebooks as its owner %v", w2DisplayNames(got))
		}
		// The public Marketing group's notebooks: read by anyone of the
		// organization, changed by its members only.
		lynneRead := e.delegated("lynne", "Notes.Read.All")
		if got := e.all("/groups/"+marketingID+"/onenote/notebooks", lynneRead); len(got) != 1 {
			t.Errorf("Marketing's notebooks as Lynne %v", w2DisplayNames(got))
		}
		wantError(t, e.do("POST", "/groups/"+marketingID+"/onenote/notebooks", lynne, map[string]any{"displayName": "Lynne's"}), 403, "40002", "")
	})
}

func TestOnenoteSectionGroups(t *testing.T) {
	e := newEnv(t)
	adele := e.id("adele")
	read := e.delegated("adele", "Notes.Read")
	create := e.delegated("adele", "Notes.Create")
	root := e.base + "/users/" + adele + "/onenote"
	nb := e.all("/me/onenote/notebooks", read)[0]
	nbID := str(nb, "id")

	g := e.must(201, "POST", "/me/onenote/notebooks/"+nbID+"/sectionGroups", create, map[string]any{"displayName": "Projects"})
	gID := str(g, "id")
	if str(g, "displayName") != "Projects" || str(g, "parentNotebook/id") != nbID || str(g, "parentNotebook/displayName") != "Adele's Notebook" ||
		str(g, "parentNotebook/self") != root+"/notebooks/"+nbID || g["parentSectionGroup"] != nil || str(g, "self") != root+"/sectionGroups/"+gID ||
		str(g, "sectionsUrl") != root+"/sectionGroups/"+gID+"/sections" || str(g, "sectionGroupsUrl") != root+"/sectionGroups/"+gID+"/sectionGroups" ||
		!strings.HasSuffix(str(g, "@odata.context"), "/$metadata#users('"+adele+"')/onenote/sectionGroups/$entity") || str(g, "createdBy/user/id") != adele {
		t.Fatalf("section group %v", g)
	}
	if _, ok := g["parentSectionGroup"]; !ok {
		t.Error("a top-level section group has no parentSectionGroup (null)")
	}
	nested := e.must(201, "POST", "/me/onenote/sectionGroups/"+gID+"/sectionGroups", create, map[string]any{"displayName": "2025"})
	nestedID := str(nested, "id")
	if str(nested, "parentNotebook/id") != nbID || str(nested, "parentSectionGroup/id") != gID || str(nested, "parentSectionGroup/displayName") != "Projects" ||
		str(nested, "parentSectionGroup/self") != root+"/sectionGroups/"+gID {
		t.Errorf("nested section group %v", nested)
	}
	sec := e.must(201, "POST", "/me/onenote/sectionGroups/"+nestedID+"/sections", create, map[string]any{"displayName": "Q1"})
	if str(sec, "parentNotebook/id") != nbID || str(sec, "parentNotebook/self") != root+"/notebooks/"+nbID || str(sec, "parentSectionGroup/id") != nestedID ||
		str(sec, "parentSectionGroup/displayName") != "2025" || str(sec, "parentSectionGroup/self") != root+"/sectionGroups/"+nestedID {
		t.Errorf("section in a section group %v", sec)
	}
	// A page goes into the nested section like into any other.
	p := e.do("POST", "/me/onenote/sections/"+str(sec, "id")+"/pages", create, "<html><head><title>Deep</title></head><body><p>x</p></body></html>",
		header("Content-Type", "text/html"))
	if p.Status != 201 || str(p.JSON, "parentSection/id") != str(sec, "id") {
		t.Errorf("page in the nested section: %d %s", p.Status, p.Raw)
	}

	t.Run("errors", func(t *testing.T) {
		wantError(t, e.do("POST", "/me/onenote/notebooks/"+nbID+"/sectionGroups", create, map[string]any{"displayName": "projects"}), 409, "20117", "")
		wantError(t, e.do("POST", "/me/onenote/notebooks/"+nbID+"/sectionGroups", create, map[string]any{"displayName": "a:b"}), 400, "20153", "")
		wantError(t, e.do("POST", "/me/onenote/sectionGroups/"+gID+"/sectionGroups", create, map[string]any{}), 400, "20100", "")
		wantError(t, e.do("POST", "/me/onenote/sectionGroups/"+nestedID+"/sections", create, map[string]any{"displayName": "q1"}), 409, "20117", "")
		wantError(t, e.do("POST", "/me/onenote/sectionGroups/1-nosuch/sections", create, map[string]any{"displayName": "X"}), 404, "20102", "")
		wantError(t, e.do("GET", "/me/onenote/sectionGroups/1-nosuch", read, nil), 404, "20102", "")
		// A section id is not a section group id.
		wantError(t, e.do("GET", "/me/onenote/sectionGroups/"+str(sec, "id"), read, nil), 404, "20102", "")
		// Same name in another container is fine.
		e.must(201, "POST", "/me/onenote/sectionGroups/"+gID+"/sectionGroups", create, map[string]any{"displayName": "Projects"})
	})

	t.Run("the tree", func(t *testing.T) {
		for _, c := range []struct{ path, want string }{
			{"/me/onenote/notebooks/" + nbID + "/sectionGroups", "Projects"},
			{"/me/onenote/sectionGroups", "2025,Projects,Projects"},
			{"/me/onenote/sectionGroups/" + gID + "/sectionGroups", "2025,Projects"},
			{"/me/onenote/sectionGroups/" + nestedID + "/sectionGroups", ""},
			{"/me/onenote/sectionGroups/" + nestedID + "/sections", "Q1"},
			{"/me/onenote/sectionGroups/" + gID + "/sections", ""},
			{"/me/onenote/notebooks/" + nbID + "/sections", "Meetings,Quick Notes"},
			{"/me/onenote/sections", "Meetings,Q1,Quick Notes"},
			{"/me/onenote/sectionGroups?$filter=" + q("parentSectionGroup/id eq '"+gID+"'"), "2025,Projects"},
			{"/me/onenote/sections?$filter=" + q("parentSectionGroup/id eq '"+nestedID+"'"), "Q1"},
		} {
			if got := strings.Join(w2DisplayNames(e.all(c.path, read)), ","); got != c.want {
				t.Errorf("%s: %q, want %q", c.path, got, c.want)
			}
		}
		got := e.must(200, "GET", "/me/onenote/sectionGroups/"+nestedID, read, nil)
		if str(got, "displayName") != "2025" || str(got, "parentSectionGroup/id") != gID {
			t.Errorf("GET nested %v", got)
		}
		quick := find(e.all("/me/onenote/sections", read), "displayName", "Quick Notes")
		if v, ok := quick["parentSectionGroup"]; !ok || v != nil || str(quick, "parentNotebook/self") != root+"/notebooks/"+nbID {
			t.Errorf("a notebook's own section: %v", quick)
		}
		if !strings.HasSuffix(str(e.must(200, "GET", "/me/onenote/sectionGroups/"+gID+"/sections", read, nil), "@odata.context"),
			"/onenote/sectionGroups('"+gID+"')/sections") {
			t.Error("@odata.context of a section group's sections")
		}
	})

	t.Run("isolation and groups", func(t *testing.T) {
		megan := e.delegated("megan", "Notes.Read")
		wantError(t, e.do("GET", "/me/onenote/sectionGroups/"+gID, megan, nil), 404, "20102", "")
		if got := e.all("/me/onenote/sectionGroups", megan); len(got) != 0 {
			t.Errorf("Megan's section groups %v", w2DisplayNames(got))
		}
		if got := e.all("/users/"+adele+"/onenote/sectionGroups", e.app("Notes.Read.All")); len(got) != 3 {
			t.Errorf("app-only: %v", w2DisplayNames(got))
		}
		tok := e.delegated("megan", "Notes.ReadWrite.All")
		gnb := e.all("/groups/"+marketingID+"/onenote/notebooks", tok)[0]
		gg := e.must(201, "POST", "/groups/"+marketingID+"/onenote/notebooks/"+str(gnb, "id")+"/sectionGroups", tok, map[string]any{"displayName": "Events"})
		if !strings.HasPrefix(str(gg, "self"), e.base+"/groups/"+marketingID+"/onenote/sectionGroups/") {
			t.Errorf("group section group %v", gg)
		}
		if got := w2DisplayNames(e.all("/groups/"+marketingID+"/onenote/sectionGroups", tok)); strings.Join(got, ",") != "Events" {
			t.Errorf("group section groups %v", got)
		}
	})
}

// storedDoc reads an item's stored document and version.
func (e *env) storedDoc(kind, id string) (string, int64) {
	e.t.Helper()
	it, err := e.srv.Store().(store.Items).GetItem(context.Background(), demo.TenantID, kind, id)
	if err != nil {
		e.t.Fatal(err)
	}
	return string(it.Doc), it.Version
}

// inOrder reports whether the parts appear in s in this order.
func inOrder(s string, parts ...string) bool {
	for _, p := range parts {
		i := strings.Index(s, p)
		if i < 0 {
			return false
		}
		s = s[i+len(p):]
	}
	return true
}

func TestOnenotePatchContent(t *testing.T) {
	e := newEnv(t)
	read := e.delegated("adele", "Notes.Read")
	rw := e.delegated("adele", "Notes.ReadWrite")
	nb := e.all("/me/onenote/notebooks", read)[0]
	sec := e.must(201, "POST", "/me/onenote/notebooks/"+str(nb, "id")+"/sections", rw, map[string]any{"displayName": "Patches"})
	const page = `<html><head><title>Plan</title></head><body>` +
		`<p data-id="intro">Intro</p><ul data-id="list"><li>One</li></ul>` +
		`<table data-id="t"><tr><td data-id="cell">x</td></tr></table>` +
		`<img data-id="pic" src="https://example.com/a.png" alt="a"/>` +
		`<div data-id="box"><p>In box</p></div><p id="input-id">Last</p></body></html>`
	newPage := func(t *testing.T) string {
		r := e.do("POST", "/me/onenote/sections/"+str(sec, "id")+"/pages", rw, page, header("Content-Type", "text/html"))
		if r.Status != 201 {
			t.Fatalf("page: %d %s", r.Status, r.Raw)
		}
		return str(r.JSON, "id")
	}
	content := func(t *testing.T, id, query string) string {
		r := e.do("GET", "/me/onenote/pages/"+id+"/content"+query, read, nil)
		if r.Status != 200 {
			t.Fatalf("content: %d %s", r.Status, r.Raw)
		}
		return string(r.Raw)
	}
	// generated finds the generated id of the element whose markup starts
	// with prefix (the id attribute first, as the page renders it).
	generated := func(t *testing.T, id, tag, text string) string {
		m := regexp.MustCompile(`<` + tag + ` id="([^"]+)"[^>]*>` + regexp.QuoteMeta(text)).FindStringSubmatch(content(t, id, "?includeIDs=true"))
		if m == nil {
			t.Fatalf("no generated id for <%s>%s", tag, text)
		}
		return m[1]
	}

	t.Run("content before any change", func(t *testing.T) {
		id := newPage(t)
		c := content(t, id, "")
		if strings.Contains(c, "input-id") || !strings.Contains(c, `<p data-id="intro">Intro</p>`) || strings.Contains(c, ` id="`) {
			t.Errorf("content drops input ids and has no generated ones:\n%s", c)
		}
		withIDs := content(t, id, "?includeIDs=true")
		guid := strings.TrimPrefix(strings.Split(id, "!")[0], "1-")
		if !strings.Contains(withIDs, `<div id="div:{`+guid+`}{1}" style="position:absolute`) ||
			!strings.Contains(withIDs, `<p id="p:{`+guid+`}{2}" data-id="intro">Intro</p>`) || strings.Contains(withIDs, `<td id=`) {
			t.Errorf("generated ids:\n%s", withIDs)
		}
	})

	ok := []struct {
		name string
		cmds func(t *testing.T, id string) any
		want []string // in this order in the content
		gone []string // no longer in the content
	}{
		{"append to body", func(*testing.T, string) any {
			return []map[string]any{{"target": "body", "action": "append", "content": `<p data-id="end">End</p>`}}
		}, []string{`data-id="box"`, `>Last</p>`, `<p data-id="end">End</p>`}, nil},
		{"prepend to body", func(*testing.T, string) any {
			return []map[string]any{{"target": "body", "action": "prepend", "content": `<p>First</p>`}}
		}, []string{`<p>First</p>`, `data-id="intro"`}, nil},
		{"append before to a list", func(*testing.T, string) any {
			return []map[string]any{{"target": "#list", "action": "append", "position": "before", "content": `<li>Zero</li>`}}
		}, []string{`<li>Zero</li><li>One</li>`}, nil},
		{"append to a list", func(*testing.T, string) any {
			return []map[string]any{{"target": "#list", "action": "append", "content": `<li>Two</li>`}}
		}, []string{`<li>One</li><li>Two</li>`}, nil},
		{"append to a div within the div", func(*testing.T, string) any {
			return []map[string]any{{"target": "#box", "action": "append", "content": `<p>Also in box</p>`}}
		}, []string{`<div data-id="box"><p>In box</p><p>Also in box</p></div>`}, nil},
		{"insert before", func(*testing.T, string) any {
			return []map[string]any{{"target": "#intro", "action": "insert", "position": "before", "content": `<h1>Head</h1>`}}
		}, []string{`<h1>Head</h1><p data-id="intro">`}, nil},
		{"insert after (the default)", func(*testing.T, string) any {
			return []map[string]any{{"target": "#intro", "action": "insert", "content": `<p>Second</p>`}}
		}, []string{`Intro</p><p>Second</p><ul`}, nil},
		{"insert next to a table", func(*testing.T, string) any {
			return []map[string]any{{"target": "#t", "action": "insert", "content": `<p>After table</p>`}}
		}, []string{`</table><p>After table</p><img`}, nil},
		{"replace an image by data-id", func(*testing.T, string) any {
			return []map[string]any{{"target": "#pic", "action": "replace", "content": `<div data-id="new-div"><p>This div replaces the image</p></div>`}}
		}, []string{`</table><div data-id="new-div"><p>This div replaces the image</p></div><div data-id="box">`}, []string{"example.com/a.png"}},
		{"replace a paragraph by generated id, input ids discarded", func(t *testing.T, id string) any {
			return []map[string]any{{"target": generated(t, id, "p", "Last"), "action": "replace", "content": `<p id="mine" data-id="last">New last</p>`}}
		}, []string{`<p data-id="last">New last</p>`}, []string{">Last<", "mine"}},
		{"replace the title", func(*testing.T, string) any {
			return []map[string]any{{"target": "title", "action": "replace", "content": "New <b>title</b>"}}
		}, []string{"<title>New title</title>"}, []string{"<title>Plan</title>"}},
		{"delete", func(*testing.T, string) any {
			return []map[string]any{{"target": "#intro", "action": "delete"}}
		}, []string{`<div style="position:absolute;left:48px;top:115px;width:624px">` + "\n" + `<ul data-id="list">`}, []string{"Intro"}},
		{"several changes, a generated id from before the first", func(t *testing.T, id string) any {
			return []map[string]any{
				{"target": "#intro", "action": "insert", "position": "before", "content": `<p>Above</p>`},
				{"target": generated(t, id, "li", "One"), "action": "insert", "content": `<li>After one</li>`},
				{"target": "#list", "action": "append", "content": `<li data-id="added">Added</li>`},
				{"target": "#added", "action": "insert", "position": "before", "content": `<li>Before added</li>`},
			}
		}, []string{`<p>Above</p><p data-id="intro">`, `<li>One</li><li>After one</li><li>Before added</li><li data-id="added">Added</li></ul>`}, nil},
		{"single-quoted JSON as in Microsoft's examples", func(*testing.T, string) any {
			return "[\n {\n  'target':'#list',\n  'action':'append',\n  'content':'<li style=\"color:red\">It\\'s\n red</li>'\n }\n]"
		}, []string{`<li style="color:red">It&#39;s` + "\n" + ` red</li></ul>`}, nil},
	}
	for _, c := range ok {
		t.Run(c.name, func(t *testing.T) {
			id := newPage(t)
			beforeDoc, _ := e.storedDoc(graph.KindPage, id)
			if r := e.do("PATCH", "/me/onenote/pages/"+id+"/content", rw, c.cmds(t, id)); r.Status != 204 {
				t.Fatalf("PATCH: %d %s", r.Status, r.Raw)
			}
			got := content(t, id, "")
			if !inOrder(got, c.want...) {
				t.Errorf("want %q in order in\n%s", c.want, got)
			}
			for _, g := range c.gone {
				if strings.Contains(got, g) {
					t.Errorf("%q is still in\n%s", g, got)
				}
			}
			afterDoc, _ := e.storedDoc(graph.KindPage, id)
			if w2Field(afterDoc, "lastModifiedDateTime") <= w2Field(beforeDoc, "lastModifiedDateTime") {
				t.Errorf("lastModifiedDateTime %s, before %s", w2Field(afterDoc, "lastModifiedDateTime"), w2Field(beforeDoc, "lastModifiedDateTime"))
			}
		})
	}

	t.Run("the page's title and time in its metadata", func(t *testing.T) {
		id := newPage(t)
		before := e.must(200, "GET", "/me/onenote/pages/"+id, read, nil)
		time.Sleep(1100 * time.Millisecond) // Graph shows whole seconds
		e.must(204, "PATCH", "/me/onenote/pages/"+id+"/content", rw, []map[string]any{{"target": "title", "action": "replace", "content": "Renamed"}})
		after := e.must(200, "GET", "/me/onenote/pages/"+id, read, nil)
		if str(after, "title") != "Renamed" || str(after, "lastModifiedDateTime") <= str(before, "lastModifiedDateTime") ||
			str(after, "createdDateTime") != str(before, "createdDateTime") {
			t.Errorf("before %v\nafter %v", before, after)
		}
	})

	t.Run("multipart with a Commands part", func(t *testing.T) {
		id := newPage(t)
		body := "--b1\r\nContent-Disposition: form-data; name=\"Commands\"\r\nContent-Type: application/json\r\n\r\n" +
			`[{"target":"#list","action":"append","content":"<li>From multipart</li>"}]` + "\r\n" +
			"--b1\r\nContent-Disposition: form-data; name=\"img\"\r\nContent-Type: image/png\r\n\r\nPNG\r\n--b1--\r\n"
		if r := e.do("PATCH", "/me/onenote/pages/"+id+"/content", rw, body, header("Content-Type", "multipart/form-data; boundary=b1")); r.Status != 204 {
			t.Fatalf("%d %s", r.Status, r.Raw)
		}
		if !strings.Contains(content(t, id, ""), "<li>From multipart</li>") {
			t.Error("multipart change not applied")
		}
	})

	bad := []struct {
		name   string
		body   func(t *testing.T, id string) any
		ct     string
		status int
		code   string
	}{
		{"no actions", func(*testing.T, string) any { return []any{} }, "", 400, "20125"},
		{"no body", func(*testing.T, string) any { return "" }, "", 400, "20132"},
		{"not an array", func(*testing.T, string) any {
			return map[string]any{"target": "body", "action": "append", "content": "<p>x</p>"}
		}, "", 400, "20109"},
		{"malformed JSON", func(*testing.T, string) any { return `[{"target":"body",` }, "", 400, "20126"},
		{"unknown field", func(*testing.T, string) any {
			return []map[string]any{{"target": "body", "action": "append", "content": "<p>x</p>", "where": "here"}}
		}, "", 400, "20126"},
		{"unknown action", func(*testing.T, string) any {
			return []map[string]any{{"target": "#intro", "action": "move", "content": "<p>x</p>"}}
		}, "", 400, "20122"},
		{"bad position", func(*testing.T, string) any {
			return []map[string]any{{"target": "#intro", "action": "insert", "position": "middle", "content": "<p>x</p>"}}
		}, "", 400, "20121"},
		{"no content", func(*testing.T, string) any { return []map[string]any{{"target": "body", "action": "append"}} }, "", 400, "20121"},
		{"no target", func(*testing.T, string) any { return []map[string]any{{"action": "append", "content": "<p>x</p>"}} }, "", 400, "20121"},
		{"unknown data-id", func(*testing.T, string) any {
			return []map[string]any{{"target": "#nope", "action": "insert", "content": "<p>x</p>"}}
		}, "", 400, "20120"},
		{"data-id without #", func(*testing.T, string) any {
			return []map[string]any{{"target": "intro", "action": "insert", "content": "<p>x</p>"}}
		}, "", 400, "20134"},
		{"unknown generated id", func(_ *testing.T, id string) any {
			return []map[string]any{{"target": "p:{" + strings.TrimPrefix(strings.Split(id, "!")[0], "1-") + "}{99}", "action": "insert", "content": "<p>x</p>"}}
		}, "", 400, "20120"},
		{"append to a paragraph", func(*testing.T, string) any {
			return []map[string]any{{"target": "#intro", "action": "append", "content": "<p>x</p>"}}
		}, "", 400, "20138"},
		{"append to a table", func(*testing.T, string) any {
			return []map[string]any{{"target": "#t", "action": "append", "content": "<tr><td>y</td></tr>"}}
		}, "", 400, "20138"},
		{"insert next to body", func(*testing.T, string) any {
			return []map[string]any{{"target": "body", "action": "insert", "content": "<p>x</p>"}}
		}, "", 400, "20141"},
		{"replace body", func(*testing.T, string) any {
			return []map[string]any{{"target": "body", "action": "replace", "content": "<p>x</p>"}}
		}, "", 400, "20141"},
		{"append to the title", func(*testing.T, string) any {
			return []map[string]any{{"target": "title", "action": "append", "content": "x"}}
		}, "", 400, "20141"},
		{"a table cell", func(*testing.T, string) any {
			return []map[string]any{{"target": "#cell", "action": "replace", "content": "<td>y</td>"}}
		}, "", 400, "20133"},
		{"a good change then a bad one", func(*testing.T, string) any {
			return []map[string]any{
				{"target": "title", "action": "replace", "content": "Changed"},
				{"target": "body", "action": "append", "content": "<p>Changed</p>"},
				{"target": "#nope", "action": "insert", "content": "<p>x</p>"},
			}
		}, "", 400, "20120"},
		{"an element an earlier change replaced", func(t *testing.T, id string) any {
			p := generated(t, id, "p", "Intro")
			return []map[string]any{
				{"target": "#intro", "action": "replace", "content": "<p>Changed</p>"},
				{"target": p, "action": "insert", "content": "<p>x</p>"},
			}
		}, "", 400, "20120"},
		{"multipart without Commands", func(*testing.T, string) any {
			return "--b1\r\nContent-Disposition: form-data; name=\"Presentation\"\r\nContent-Type: text/html\r\n\r\n<p>x</p>\r\n--b1--\r\n"
		}, "multipart/form-data; boundary=b1", 400, "20124"},
		{"HTML body", func(*testing.T, string) any { return "<p>x</p>" }, "text/html", 400, "20131"},
	}
	for _, c := range bad {
		t.Run("refused: "+c.name, func(t *testing.T) {
			id := newPage(t)
			body := c.body(t, id)
			doc, version := e.storedDoc(graph.KindPage, id)
			var opts []opt
			if c.ct != "" {
				opts = append(opts, header("Content-Type", c.ct))
			}
			wantError(t, e.do("PATCH", "/me/onenote/pages/"+id+"/content", rw, body, opts...), c.status, c.code, "")
			if d, v := e.storedDoc(graph.KindPage, id); d != doc || v != version {
				t.Errorf("the page changed:\n%s\n%s", doc, d)
			}
		})
	}

	t.Run("other pages and users", func(t *testing.T) {
		id := newPage(t)
		cmds := []map[string]any{{"target": "body", "action": "append", "content": "<p>x</p>"}}
		wantError(t, e.do("PATCH", "/me/onenote/pages/1-nosuch/content", rw, cmds), 404, "20102", "")
		wantError(t, e.do("PATCH", "/me/onenote/pages/"+id+"/content", e.delegated("megan", "Notes.ReadWrite"), cmds), 404, "20102", "")
		if r := e.do("PATCH", "/me/onenote/pages/"+id+"/content", read, cmds); r.Status != 403 {
			t.Errorf("Notes.Read: %d", r.Status)
		}
		e.must(204, "PATCH", "/users/"+e.id("adele")+"/onenote/pages/"+id+"/content", e.app("Notes.ReadWrite.All"), cmds)
		if !strings.Contains(content(t, id, ""), "<p>x</p>") {
			t.Error("app-only change not applied")
		}
		// A group notebook's page.
		tok := e.delegated("megan", "Notes.ReadWrite.All")
		gp := e.all("/groups/"+marketingID+"/onenote/pages", tok)[0]
		e.must(204, "PATCH", "/groups/"+marketingID+"/onenote/pages/"+str(gp, "id")+"/content", tok, cmds)
		r := e.do("GET", "/groups/"+marketingID+"/onenote/pages/"+str(gp, "id")+"/content", tok, nil)
		if !strings.Contains(string(r.Raw), "<p>x</p>") {
			t.Errorf("group page: %s", r.Raw)
		}
	})
}

// w2Field reads a top-level string of a JSON document.
func w2Field(doc, key string) string {
	var m map[string]any
	_ = json.Unmarshal([]byte(doc), &m)
	s, _ := m[key].(string)
	return s
}
