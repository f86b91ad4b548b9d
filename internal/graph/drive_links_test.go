package graph_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"graphgate/internal/demo"
	"graphgate/internal/graph"
	"graphgate/internal/store"
)

// rawRequest sends a request to a full URL without following redirects.
func (e *env) rawRequest(method, u, token, contentType, body string) (*http.Response, []byte) {
	e.t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, u, rd)
	if err != nil {
		e.t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	cl := &http.Client{Timeout: 30 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := cl.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res, b
}

// encodeSharingURL is Microsoft's documented encoding, written out here
// independently of the server's.
func encodeSharingURL(u string) string {
	b := base64.StdEncoding.EncodeToString([]byte(u))
	return "u!" + strings.NewReplacer("/", "_", "+", "-").Replace(strings.TrimRight(b, "="))
}

func permIDs(ps []map[string]any) []string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = str(p, "id")
	}
	return out
}

func TestDriveLinksCreate(t *testing.T) {
	e := newEnv(t)
	read, write := e.delegated("adele", "Files.Read"), e.delegated("adele", "Files.ReadWrite")
	budget := e.must(200, "GET", "/me/drive/root:/Projects/Budget.csv", read, nil)
	bid, driveID := str(budget, "id"), str(budget, "parentReference/driveId")
	base := "/me/drive/items/" + bid

	org := e.do("POST", base+"/createLink", write, map[string]any{"type": "view", "scope": "organization"})
	if org.Status != 201 || str(org.JSON, "link/type") != "view" || str(org.JSON, "link/scope") != "organization" ||
		!strings.HasPrefix(str(org.JSON, "link/webUrl"), e.base+"/_transfer/share/") || get(org.JSON, "roles").([]any)[0] != "read" ||
		str(org.JSON, "link/application/id") != demo.HomeAssistantAppID || get(org.JSON, "link/preventsDownload") != false ||
		get(org.JSON, "hasPassword") != false || org.JSON["expirationDateTime"] != nil || !strings.HasSuffix(str(org.JSON, "@odata.context"), "/$metadata#permission") ||
		!strings.HasPrefix(str(org.JSON, "shareId"), "s!") {
		t.Fatalf("organization link: %d %s", org.Status, org.Raw)
	}
	// The same link again is the existing one, 200.
	again := e.do("POST", base+"/createLink", write, map[string]any{"type": "view", "scope": "organization"})
	if again.Status != 200 || str(again.JSON, "id") != str(org.JSON, "id") || str(again.JSON, "link/webUrl") != str(org.JSON, "link/webUrl") {
		t.Errorf("identical link: %d %s", again.Status, again.Raw)
	}
	exp := time.Now().Add(48 * time.Hour).UTC().Truncate(time.Second).Format(time.RFC3339)
	anon := e.must(201, "POST", base+"/createLink", write, map[string]any{"type": "edit", "scope": "anonymous", "password": "Open Sesame 1",
		"expirationDateTime": exp, "retainInheritedPermissions": true})
	if get(anon, "roles").([]any)[0] != "write" || get(anon, "hasPassword") != true || str(anon, "expirationDateTime") != exp ||
		str(anon, "id") == str(org.JSON, "id") {
		t.Errorf("anonymous edit link %v", anon)
	}
	// Another password makes another link; the same password finds it.
	if r := e.do("POST", base+"/createLink", write, map[string]any{"type": "edit", "scope": "anonymous", "password": "Open Sesame 1", "expirationDateTime": exp}); r.Status != 200 || str(r.JSON, "id") != str(anon, "id") {
		t.Errorf("same password: %d %s", r.Status, r.Raw)
	}
	if r := e.do("POST", base+"/createLink", write, map[string]any{"type": "edit", "scope": "anonymous", "password": "Other 2", "expirationDateTime": exp}); r.Status != 201 {
		t.Errorf("other password: %d %s", r.Status, r.Raw)
	} else {
		e.must(204, "DELETE", base+"/permissions/"+str(r.JSON, "id"), write, nil)
	}
	if got := e.must(200, "GET", base, read, nil); str(got, "shared/scope") != "anonymous" {
		t.Errorf("shared facet %v", got["shared"])
	}
	// Bad requests change nothing.
	before := permIDs(list(t, e.must(200, "GET", base+"/permissions", read, nil)))
	for name, c := range map[string]struct {
		body map[string]any
		msg  string
	}{
		"embed on a work drive":  {map[string]any{"type": "embed"}, "Link type must be either 'edit' or 'view'."},
		"no type":                {map[string]any{"scope": "anonymous"}, "Link type must be either 'edit' or 'view'."},
		"bad scope":              {map[string]any{"type": "view", "scope": "everyone"}, "Link scope must be either 'anonymous', 'organization' or 'users'."},
		"password, organization": {map[string]any{"type": "view", "scope": "organization", "password": "x"}, "A password can only be set on an anonymous link."},
		"past expiration":        {map[string]any{"type": "view", "expirationDateTime": "2001-01-01T00:00:00Z"}, "The expiration date and time must be in the future."},
		"bad expiration":         {map[string]any{"type": "view", "expirationDateTime": "soon"}, "Invalid expirationDateTime…"},
		"unknown recipient":      {map[string]any{"type": "view", "scope": "users", "recipients": []any{map[string]any{"email": "nobody@nowhere.test"}}}, "The recipient…"},
	} {
		t.Run(name, func(t *testing.T) {
			wantError(t, e.do("POST", base+"/createLink", write, c.body), 400, "invalidRequest", c.msg)
		})
	}
	if r := e.do("POST", base+"/createLink", read, map[string]any{"type": "view"}); r.Status != 403 {
		t.Errorf("Files.Read: %d", r.Status)
	}
	wantError(t, e.do("POST", "/me/drive/items/01NOSUCHITEM/createLink", write, map[string]any{"type": "view"}), 404, "itemNotFound", "")
	if after := permIDs(list(t, e.must(200, "GET", base+"/permissions", read, nil))); strings.Join(after, ",") != strings.Join(before, ",") {
		t.Errorf("permissions changed by bad requests: %v → %v", before, after)
	}
	// Every drive base.
	all := e.delegated("adele", "Files.ReadWrite.All")
	welcome := str(e.must(200, "GET", "/me/drive/root:/Welcome.txt", read, nil), "id")
	if r := e.do("POST", "/users/"+e.id("adele")+"/drive/items/"+welcome+"/createLink", all, map[string]any{"type": "view"}); r.Status != 201 || str(r.JSON, "link/scope") != "organization" {
		t.Errorf("/users/{id}/drive: %d %s", r.Status, r.Raw)
	}
	if r := e.do("POST", "/drives/"+url.PathEscape(driveID)+"/items/"+welcome+"/createLink", write, map[string]any{"type": "view"}); r.Status != 200 {
		t.Errorf("/drives/{id} (the same link): %d %s", r.Status, r.Raw)
	}
	megan := e.delegated("megan", "Files.ReadWrite")
	groot := str(e.must(200, "GET", "/groups/"+marketingID+"/drive/root", megan, nil), "id")
	gfile := e.must(201, "PUT", "/groups/"+marketingID+"/drive/items/"+groot+":/plan.txt:/content", megan, "group plan")
	glink := e.do("POST", "/groups/"+marketingID+"/drive/items/"+str(gfile, "id")+"/createLink", megan, map[string]any{"type": "edit", "scope": "organization"})
	if glink.Status != 201 {
		t.Fatalf("group drive link: %d %s", glink.Status, glink.Raw)
	}
	gperms := list(t, e.must(200, "GET", "/groups/"+marketingID+"/drive/items/"+str(gfile, "id")+"/permissions", megan, nil))
	if len(gperms) != 2 || str(gperms[0], "grantedToV2/group/id") != marketingID || get(gperms[0], "roles").([]any)[0] != "owner" ||
		str(gperms[1], "id") != str(glink.JSON, "id") {
		t.Errorf("group item permissions %v", gperms)
	}
	// A personal drive: embed links (files only), anonymous by default, no organization links.
	sam := e.personal("Files.ReadWrite")
	sfile := e.must(200, "GET", "/me/drive/root:/Getting%20started%20with%20OneDrive.txt", sam, nil)
	emb := e.do("POST", "/me/drive/items/"+str(sfile, "id")+"/createLink", sam, map[string]any{"type": "embed"})
	if emb.Status != 201 || str(emb.JSON, "link/scope") != "anonymous" || !strings.Contains(str(emb.JSON, "link/webHtml"), str(emb.JSON, "link/webUrl")) {
		t.Errorf("embed link: %d %s", emb.Status, emb.Raw)
	}
	wantError(t, e.do("POST", "/me/drive/items/"+str(sfile, "id")+"/createLink", sam, map[string]any{"type": "view", "scope": "organization"}), 400, "invalidRequest",
		"The link scope 'organization' is only available in OneDrive for Business and SharePoint.")
	sroot := str(e.must(200, "GET", "/me/drive/root", sam, nil), "id")
	wantError(t, e.do("POST", "/me/drive/items/"+sroot+"/createLink", sam, map[string]any{"type": "embed"}), 400, "invalidRequest", "Embed links can only be created for files.")
	if sp := list(t, e.must(200, "GET", "/me/drive/items/"+str(sfile, "id")+"/permissions", sam, nil)); len(sp) != 2 || str(sp[0], "grantedToV2/user/id") != e.id("sam") {
		t.Errorf("Sam's permissions %v", sp)
	}
}

func TestDriveLinksPermissions(t *testing.T) {
	e := newEnv(t)
	read, write := e.delegated("adele", "Files.Read"), e.delegated("adele", "Files.ReadWrite")
	plan := str(e.must(200, "GET", "/me/drive/root:/Projects/Launch%20plan.txt", read, nil), "id")
	base := "/me/drive/items/" + plan
	link := e.must(201, "POST", base+"/createLink", write, map[string]any{"type": "view", "scope": "anonymous"})
	ps := list(t, e.must(200, "GET", base+"/permissions", read, nil))
	if len(ps) != 3 {
		t.Fatalf("permissions %v", ps)
	}
	owner := ps[0]
	if get(owner, "roles").([]any)[0] != "owner" || str(owner, "grantedToV2/user/id") != e.id("adele") || str(owner, "grantedTo/user/id") != e.id("adele") ||
		!strings.HasPrefix(str(owner, "id"), "aTowIy5mfG1lbWJlcnNoaXB8") {
		t.Errorf("owner permission first: %v", owner)
	}
	if str(ps[1], "grantedTo/user/id") != e.id("megan") || str(ps[2], "id") != str(link, "id") || str(ps[2], "link/scope") != "anonymous" ||
		str(ps[2], "link/webUrl") != str(link, "link/webUrl") {
		t.Errorf("grant then link: %v", ps[1:])
	}
	if one := e.must(200, "GET", base+"/permissions/"+str(link, "id"), read, nil); str(one, "link/type") != "view" {
		t.Errorf("the link permission %v", one)
	}
	if one := e.must(200, "GET", base+"/permissions/"+str(owner, "id"), read, nil); get(one, "roles").([]any)[0] != "owner" {
		t.Errorf("the owner permission %v", one)
	}
	// Megan, the grantee, sees her own grant only.
	driveID := str(e.must(200, "GET", "/me/drive", read, nil), "id")
	if mp := list(t, e.must(200, "GET", "/drives/"+url.PathEscape(driveID)+"/items/"+plan+"/permissions", e.delegated("megan", "Files.Read.All"), nil)); len(mp) != 1 ||
		str(mp[0], "grantedTo/user/id") != e.id("megan") {
		t.Errorf("Megan's view %v", mp)
	}
	// The owner's permission stays.
	wantError(t, e.do("DELETE", base+"/permissions/"+str(owner, "id"), write, nil), 403, "notAllowed", "Operation not allowed")
	// A folder's link is inherited below it and revoked on the folder.
	projects := str(e.must(200, "GET", "/me/drive/root:/Projects", read, nil), "id")
	flink := e.must(201, "POST", "/me/drive/items/"+projects+"/createLink", write, map[string]any{"type": "edit", "scope": "organization"})
	var inherited map[string]any
	for _, p := range list(t, e.must(200, "GET", base+"/permissions", read, nil)) {
		if str(p, "id") == str(flink, "id") {
			inherited = p
		}
	}
	if inherited == nil || str(inherited, "inheritedFrom/id") != projects {
		t.Fatalf("inherited link %v", inherited)
	}
	wantError(t, e.do("DELETE", base+"/permissions/"+str(flink, "id"), write, nil), 400, "invalidRequest", "")
	e.must(204, "DELETE", "/me/drive/items/"+projects+"/permissions/"+str(flink, "id"), write, nil)
	if got := e.must(200, "GET", "/me/drive/items/"+projects, read, nil); got["shared"] != nil {
		t.Errorf("Projects still shared: %v", got["shared"])
	}
	// Revoking the link leaves the grant: the facet narrows to users.
	e.must(204, "DELETE", base+"/permissions/"+str(link, "id"), write, nil)
	if got := e.must(200, "GET", base, read, nil); str(got, "shared/scope") != "users" {
		t.Errorf("shared facet after the link went: %v", got["shared"])
	}
	if n := len(list(t, e.must(200, "GET", base+"/permissions", read, nil))); n != 2 {
		t.Errorf("%d permissions after revoking", n)
	}
	// Deleting an item takes its links with it.
	welcome := str(e.must(200, "GET", "/me/drive/root:/Welcome.txt", read, nil), "id")
	e.must(201, "POST", "/me/drive/items/"+welcome+"/createLink", write, map[string]any{"type": "view"})
	e.must(204, "DELETE", "/me/drive/items/"+welcome, write, nil)
	if links, _, _ := e.srv.Store().QueryItems(context.Background(), store.ItemQuery{TenantID: demo.TenantID, Kind: graph.KindDriveLink, ParentID: welcome}); len(links) != 0 {
		t.Errorf("%d links left on a deleted item", len(links))
	}
}

func TestDriveLinksInheritance(t *testing.T) {
	e := newEnv(t)
	read, write := e.delegated("adele", "Files.Read"), e.delegated("adele", "Files.ReadWrite")
	lynne := e.delegated("lynne", "Files.Read.All")
	driveID := str(e.must(200, "GET", "/me/drive", read, nil), "id")
	projects := str(e.must(200, "GET", "/me/drive/root:/Projects", read, nil), "id")
	budget := str(e.must(200, "GET", "/me/drive/root:/Projects/Budget.csv", read, nil), "id")
	plan := str(e.must(200, "GET", "/me/drive/root:/Projects/Launch%20plan.txt", read, nil), "id")
	e.must(200, "POST", "/me/drive/items/"+projects+"/invite", write, map[string]any{"recipients": []any{map[string]any{"email": e.upn("lynne")}}, "roles": []string{"read"}})
	dp := "/drives/" + url.PathEscape(driveID) + "/items/"
	e.must(200, "GET", dp+budget, lynne, nil)
	// Launch plan is shared already: retainInheritedPermissions does not apply.
	e.must(201, "POST", "/me/drive/items/"+plan+"/createLink", write, map[string]any{"type": "view", "retainInheritedPermissions": false})
	e.must(200, "GET", dp+plan, lynne, nil)
	// Budget's first sharing drops what it inherited.
	e.must(201, "POST", "/me/drive/items/"+budget+"/createLink", write, map[string]any{"type": "view", "retainInheritedPermissions": false})
	ps := list(t, e.must(200, "GET", "/me/drive/items/"+budget+"/permissions", read, nil))
	if len(ps) != 2 || get(ps[0], "roles").([]any)[0] != "owner" || get(ps[1], "link") == nil {
		t.Errorf("Budget's permissions %v", ps)
	}
	wantError(t, e.do("GET", dp+budget, lynne, nil), 404, "itemNotFound", "")
	if pp := list(t, e.must(200, "GET", "/me/drive/items/"+plan+"/permissions", read, nil)); len(pp) != 4 {
		t.Errorf("Launch plan's permissions (owner, Megan, Lynne's inherited, link) %v", pp)
	}
}

func TestDriveLinksShares(t *testing.T) {
	e := newEnv(t)
	read, write := e.delegated("adele", "Files.Read"), e.delegated("adele", "Files.ReadWrite")
	megan, lynne := e.delegated("megan", "Files.ReadWrite"), e.delegated("lynne", "Files.ReadWrite")
	sam := e.personal("Files.ReadWrite")
	budget := str(e.must(200, "GET", "/me/drive/root:/Projects/Budget.csv", read, nil), "id")
	plan := str(e.must(200, "GET", "/me/drive/root:/Projects/Launch%20plan.txt", read, nil), "id")
	welcome := str(e.must(200, "GET", "/me/drive/root:/Welcome.txt", read, nil), "id")
	projects := str(e.must(200, "GET", "/me/drive/root:/Projects", read, nil), "id")
	gone := "The sharing link no longer exists, or you do not have permission to access it."

	// Organization: anyone of the tenant, nobody else.
	org := e.must(201, "POST", "/me/drive/items/"+budget+"/createLink", write, map[string]any{"type": "view", "scope": "organization"})
	orgURL := str(org, "link/webUrl")
	for _, key := range []string{encodeSharingURL(orgURL), str(org, "shareId")} {
		it := e.must(200, "GET", "/shares/"+key+"/driveItem", megan, nil)
		if str(it, "id") != budget || str(it, "name") != "Budget.csv" || !strings.Contains(str(it, "@odata.context"), "/driveItem/$entity") {
			t.Errorf("shares %s: %v", key, it)
		}
	}
	sh := e.must(200, "GET", "/shares/"+encodeSharingURL(orgURL), lynne, nil)
	if str(sh, "name") != "Budget.csv" || str(sh, "owner/user/id") != e.id("adele") || str(sh, "id") != str(org, "shareId") {
		t.Errorf("sharedDriveItem %v", sh)
	}
	wantError(t, e.do("GET", "/shares/"+encodeSharingURL(orgURL)+"/driveItem", sam, nil), 403, "accessDenied", gone)
	if res, _ := e.rawRequest("GET", orgURL, "", "", ""); res.StatusCode != 401 || res.Header.Get("WWW-Authenticate") == "" {
		t.Errorf("organization webUrl without a token: %d", res.StatusCode)
	}

	// Anonymous: a caller of any tenant, and the content.
	anon := e.must(201, "POST", "/me/drive/items/"+plan+"/createLink", write, map[string]any{"type": "view", "scope": "anonymous"})
	anonKey := encodeSharingURL(str(anon, "link/webUrl"))
	it := e.must(200, "GET", "/shares/"+anonKey+"/driveItem", sam, nil)
	want := "Launch plan\n1. Announce\n2. Ship\n3. Celebrate\n"
	if dl := str(it, "@microsoft.graph.downloadUrl"); dl == "" {
		t.Errorf("no downloadUrl: %v", it)
	} else if r := e.do("GET", dl, "", nil); r.Status != 200 || string(r.Raw) != want {
		t.Errorf("download through the link: %d %q", r.Status, r.Raw)
	}
	res, _ := e.rawRequest("GET", e.base+"/shares/"+anonKey+"/driveItem/content", sam, "", "")
	if loc := res.Header.Get("Location"); res.StatusCode != 302 || !strings.HasPrefix(loc, e.base+"/_transfer/download?") {
		t.Errorf("content: %d %q", res.StatusCode, loc)
	} else if r := e.do("GET", loc, "", nil); string(r.Raw) != want {
		t.Errorf("content through the redirect %q", r.Raw)
	}
	if r := e.do("GET", "/shares/"+anonKey+"/driveItem", e.app("Files.ReadWrite.All"), nil); r.Status != 200 {
		t.Errorf("app-only: %d", r.Status)
	}
	// Its webUrl works without a token: a file redirects to its content.
	res, _ = e.rawRequest("GET", str(anon, "link/webUrl"), "", "", "")
	if loc := res.Header.Get("Location"); res.StatusCode != 302 || !strings.HasPrefix(loc, e.base+"/_transfer/download?") {
		t.Errorf("anonymous webUrl: %d %q", res.StatusCode, loc)
	} else if r := e.do("GET", loc, "", nil); string(r.Raw) != want {
		t.Errorf("webUrl content %q", r.Raw)
	}
	// A folder's answers the folder and its children.
	fl := e.must(201, "POST", "/me/drive/items/"+projects+"/createLink", write, map[string]any{"type": "view", "scope": "anonymous"})
	res, body := e.rawRequest("GET", str(fl, "link/webUrl"), "", "", "")
	var folder struct {
		Name     string
		Children []struct {
			Name        string
			DownloadURL string `json:"@microsoft.graph.downloadUrl"`
		}
	}
	if res.StatusCode != 200 || json.Unmarshal(body, &folder) != nil || folder.Name != "Projects" || len(folder.Children) != 2 ||
		folder.Children[0].Name != "Budget.csv" || folder.Children[0].DownloadURL == "" {
		t.Errorf("folder webUrl: %d %s", res.StatusCode, body)
	}
	// A password: the webUrl wants it; through the API, only those with access.
	pw := e.must(201, "POST", "/me/drive/items/"+budget+"/createLink", write, map[string]any{"type": "view", "scope": "anonymous", "password": "Open Sesame 1"})
	pwURL := str(pw, "link/webUrl")
	if res, _ := e.rawRequest("GET", pwURL, "", "", ""); res.StatusCode != 401 {
		t.Errorf("password link without it: %d", res.StatusCode)
	}
	if res, _ := e.rawRequest("POST", pwURL, "", "application/x-www-form-urlencoded", "password=wrong"); res.StatusCode != 401 {
		t.Errorf("wrong password: %d", res.StatusCode)
	}
	if res, _ := e.rawRequest("POST", pwURL, "", "application/x-www-form-urlencoded", "password="+url.QueryEscape("Open Sesame 1")); res.StatusCode != 302 {
		t.Errorf("right password: %d", res.StatusCode)
	}
	wantError(t, e.do("GET", "/shares/"+encodeSharingURL(pwURL)+"/driveItem", sam, nil), 403, "accessDenied", gone)
	e.must(200, "GET", "/shares/"+encodeSharingURL(pwURL)+"/driveItem", write, nil)

	// Users: the recipients (and who has access anyway).
	ul := e.must(201, "POST", "/me/drive/items/"+welcome+"/createLink", write, map[string]any{"type": "view", "scope": "users",
		"recipients": []any{map[string]any{"email": e.upn("lynne")}}})
	if ids, _ := get(ul, "grantedToIdentitiesV2").([]any); len(ids) != 1 || str(ids[0].(map[string]any), "user/id") != e.id("lynne") {
		t.Errorf("users link %v", ul)
	}
	uk := encodeSharingURL(str(ul, "link/webUrl"))
	e.must(200, "GET", "/shares/"+uk+"/driveItem", lynne, nil)
	e.must(200, "GET", "/shares/"+uk+"/driveItem", write, nil)
	wantError(t, e.do("GET", "/shares/"+uk+"/driveItem", megan, nil), 403, "accessDenied", gone)
	wantError(t, e.do("GET", "/shares/"+uk+"/driveItem", sam, nil), 403, "accessDenied", gone)
	if res, _ := e.rawRequest("GET", str(ul, "link/webUrl"), "", "", ""); res.StatusCode != 401 {
		t.Errorf("users webUrl without a token: %d", res.StatusCode)
	}

	// Keys that name no link.
	for _, key := range []string{"nonsense", "u!@@@", encodeSharingURL("https://contoso.sharepoint.com/:x:/g/abc"), "s!" + base64.RawURLEncoding.EncodeToString([]byte("no-slash"))} {
		wantError(t, e.do("GET", "/shares/"+url.PathEscape(key)+"/driveItem", megan, nil), 400, "invalidRequest", "Invalid shares key.")
	}
	if r := e.do("GET", "/shares/"+anonKey+"/driveItem", e.delegated("megan", "Files.Read"), nil); r.Status != 403 {
		t.Errorf("Files.Read: %d", r.Status)
	}

	// Expired: the stored expiry moved into the past.
	ex := e.must(201, "POST", "/me/drive/items/"+plan+"/createLink", write, map[string]any{"type": "edit", "scope": "organization",
		"expirationDateTime": "2099-01-01T00:00:00Z"})
	exKey := encodeSharingURL(str(ex, "link/webUrl"))
	e.must(200, "GET", "/shares/"+exKey+"/driveItem", megan, nil)
	_, err := e.srv.Store().UpdateItem(context.Background(), demo.TenantID, graph.KindDriveLink, str(ex, "id"), 0, func(it store.Item) (store.Item, error) {
		it.Doc = []byte(strings.Replace(string(it.Doc), "2099", "2001", 1))
		return it, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	wantError(t, e.do("GET", "/shares/"+exKey+"/driveItem", megan, nil), 403, "accessDenied", gone)

	// Revoked: the API and the webUrl stop working.
	e.must(204, "DELETE", "/me/drive/items/"+plan+"/permissions/"+str(anon, "id"), write, nil)
	wantError(t, e.do("GET", "/shares/"+anonKey+"/driveItem", sam, nil), 403, "accessDenied", gone)
	if res, _ := e.rawRequest("GET", str(anon, "link/webUrl"), "", "", ""); res.StatusCode != 403 {
		t.Errorf("revoked webUrl: %d", res.StatusCode)
	}
}
