package graph_test

import (
	"slices"
	"strings"
	"testing"
)

// GET /users/delta: a first sync lists every user with the round's
// $select, its deltaLink lists what changed since (created, updated,
// deleted as @removed), and bad tokens or options get Graph's 400s.
func TestUsersDelta(t *testing.T) {
	e := newEnv(t)
	reader := e.app("User.Read.All")
	admin := e.delegated("admin", "User.ReadWrite.All")

	first := e.must(200, "GET", "/users/delta?$select=displayName,jobTitle", reader, nil)
	if str(first, "@odata.context") != e.base+"/$metadata#users" {
		t.Errorf("@odata.context = %q", str(first, "@odata.context"))
	}
	if first["@odata.nextLink"] != nil {
		t.Fatalf("a 6-user tenant fits one page: %v", first["@odata.nextLink"])
	}
	deltaLink := str(first, "@odata.deltaLink")
	if !strings.HasPrefix(deltaLink, e.base+"/users/delta?$deltatoken=") {
		t.Fatalf("@odata.deltaLink = %q", deltaLink)
	}
	vs := list(t, first)
	if len(vs) != 6 || find(vs, "id", e.id("adele")) == nil {
		t.Fatalf("first sync: %d users %v, want the tenant's 6", len(vs), vs)
	}
	for _, v := range vs {
		for _, k := range keys(v) {
			if k != "id" && k != "displayName" && k != "jobTitle" {
				t.Errorf("$select=displayName,jobTitle returned %s: %v", k, v)
			}
		}
	}

	// Nothing changed: an empty page and a new deltaLink.
	again := e.must(200, "GET", deltaLink, reader, nil)
	if vs := list(t, again); len(vs) != 0 || str(again, "@odata.deltaLink") == "" {
		t.Fatalf("no change: %v", again)
	}

	// Sync from now: no users, a deltaLink.
	latest := e.must(200, "GET", "/users/delta?$deltatoken=latest", reader, nil)
	if vs := list(t, latest); len(vs) != 0 || str(latest, "@odata.deltaLink") == "" {
		t.Fatalf("$deltatoken=latest: %v", latest)
	}

	nu := map[string]any{"accountEnabled": true, "displayName": "Nestor Wilke", "mailNickname": "nestor",
		"userPrincipalName": "nestor@contoso.onmicrosoft.com", "passwordProfile": map[string]any{"password": "xWwvJ]6NMw+bWH-d"}}
	nestor := str(e.must(201, "POST", "/users", admin, nu), "id")
	e.must(204, "PATCH", "/users/"+e.id("adele"), admin, map[string]any{"jobTitle": "Director"})
	e.must(204, "DELETE", "/users/"+e.id("megan"), admin, nil)

	for i, link := range []string{deltaLink, str(again, "@odata.deltaLink"), str(latest, "@odata.deltaLink")} {
		selected := i < 2 // the latest round was started without $select
		changed := e.must(200, "GET", link, reader, nil)
		vs := list(t, changed)
		var ids []string
		for _, v := range vs {
			ids = append(ids, str(v, "id"))
		}
		slices.Sort(ids)
		want := []string{nestor, e.id("adele"), e.id("megan")}
		slices.Sort(want)
		if !slices.Equal(ids, want) {
			t.Fatalf("changes since %s: %v, want created, updated and deleted %v", link, ids, want)
		}
		if a := find(vs, "id", e.id("adele")); a["jobTitle"] != "Director" || (a["mail"] != nil) == selected {
			t.Errorf("updated user (with the round's $select): %v", a)
		}
		if n := find(vs, "id", nestor); n["displayName"] != "Nestor Wilke" || n["@removed"] != nil {
			t.Errorf("created user: %v", n)
		}
		m := find(vs, "id", e.id("megan"))
		if rm, _ := m["@removed"].(map[string]any); rm["reason"] != "changed" || m["@odata.type"] != "#microsoft.graph.user" || len(m) != 3 {
			t.Errorf("deleted user: %v", m)
		}
		if str(changed, "@odata.deltaLink") == "" || changed["@odata.nextLink"] != nil {
			t.Errorf("the last page ends with a deltaLink: %v", changed)
		}
	}

	for _, c := range []struct {
		name, path string
		status     int
		code       string
	}{
		{"unknown state", "/users/delta?$deltatoken=eyJvIjoibm9uZSJ9", 400, "syncStateNotFound"},
		{"not a token", "/users/delta?$deltatoken=%21%21", 400, "syncStateNotFound"},
		{"bad skiptoken", "/users/delta?$skiptoken=xyz", 400, "BadRequest"},
		{"unsupported option", "/users/delta?$filter=" + q("id eq 'x'"), 400, "Request_BadRequest"},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := e.do("GET", c.path, reader, nil)
			if e, _ := r.JSON["error"].(map[string]any); r.Status != c.status || e["code"] != c.code {
				t.Errorf("%s: %d %s, want %d %s", c.path, r.Status, r.Raw, c.status, c.code)
			}
		})
	}

	// The route table's rule decides: an app without a user permission is
	// refused with the directory's body.
	r := e.do("GET", "/users/delta", e.app("Mail.Read"), nil)
	wantError(t, r, 403, "Authorization_RequestDenied", "Insufficient privileges to complete the operation.")
}

// GET /groups/delta tracks groups as /users/delta tracks users; a token of
// one collection is no state of the other.
func TestGroupsDelta(t *testing.T) {
	e := newEnv(t)
	reader := e.app("Group.Read.All")
	rw := e.delegated("adele", "Group.ReadWrite.All")

	first := e.must(200, "GET", "/groups/delta?$select=displayName", reader, nil)
	if str(first, "@odata.context") != e.base+"/$metadata#groups" {
		t.Errorf("@odata.context = %q", str(first, "@odata.context"))
	}
	deltaLink := str(first, "@odata.deltaLink")
	if !strings.HasPrefix(deltaLink, e.base+"/groups/delta?$deltatoken=") {
		t.Fatalf("@odata.deltaLink = %q", deltaLink)
	}
	all := list(t, first)
	if len(all) != 3 {
		t.Fatalf("first sync: %v, want the tenant's 3 groups", all)
	}
	for _, g := range all {
		if len(g) != 2 || g["displayName"] == nil || g["id"] == nil {
			t.Errorf("$select=displayName: %v", g)
		}
	}
	marketing := str(find(all, "displayName", "Marketing"), "id")

	retail := str(e.must(201, "POST", "/groups", rw, map[string]any{"displayName": "Retail", "mailNickname": "retail", "mailEnabled": true,
		"securityEnabled": false, "groupTypes": []string{"Unified"}}), "id")
	scratch := str(e.must(201, "POST", "/groups", rw, map[string]any{"displayName": "Scratch", "mailNickname": "scratch", "mailEnabled": true,
		"securityEnabled": false, "groupTypes": []string{"Unified"}}), "id")
	// Created and deleted within the round: neither listed nor removed.
	e.must(204, "DELETE", "/groups/"+scratch, rw, nil)
	e.must(204, "PATCH", "/groups/"+marketing, e.delegated("admin", "Group.ReadWrite.All"), map[string]any{"description": "Marketing and events"})

	changed := e.must(200, "GET", deltaLink, reader, nil)
	vs := list(t, changed)
	if len(vs) != 2 || find(vs, "id", retail)["displayName"] != "Retail" || find(vs, "id", marketing)["displayName"] != "Marketing" {
		t.Fatalf("changes: %v, want Retail created and Marketing updated", vs)
	}
	e.must(204, "DELETE", "/groups/"+retail, rw, nil)
	gone := list(t, e.must(200, "GET", str(changed, "@odata.deltaLink"), reader, nil))
	if len(gone) != 1 || str(gone[0], "id") != retail || gone[0]["@removed"] == nil || gone[0]["@odata.type"] != "#microsoft.graph.group" {
		t.Fatalf("after deleting Retail: %v", gone)
	}

	// A users/delta token is no groups/delta state.
	users := e.must(200, "GET", "/users/delta", e.app("User.Read.All"), nil)
	tok := strings.TrimPrefix(str(users, "@odata.deltaLink"), e.base+"/users/delta?")
	wantError(t, e.do("GET", "/groups/delta?"+tok, reader, nil), 400, "syncStateNotFound",
		"The sync state generation is not found. The delta token is expired and data must be synchronized again.")
}
