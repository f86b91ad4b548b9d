package graph_test

import (
	"slices"
	"testing"
)

// names lists the displayName of items, sorted.
func names(items []map[string]any) []string {
	var out []string
	for _, it := range items {
		out = append(out, str(it, "displayName"))
	}
	slices.Sort(out)
	return out
}

func TestGroups(t *testing.T) {
	e := newEnv(t)
	read := e.delegated("adele", "Group.Read.All")

	t.Run("List", func(t *testing.T) {
		body := e.must(200, "GET", "/groups", read, nil)
		if str(body, "@odata.context") != e.base+"/$metadata#groups" {
			t.Errorf("@odata.context %q", body["@odata.context"])
		}
		gs := list(t, body)
		if got := names(gs); !slices.Equal(got, []string{"All Employees", "Marketing", "Project Falcon"}) {
			t.Errorf("groups = %v", got)
		}
		m := find(gs, "displayName", "Marketing")
		if m["id"] != marketingID || m["mail"] != "marketing@contoso.onmicrosoft.com" || m["mailEnabled"] != true || m["securityEnabled"] != false ||
			m["visibility"] != "Public" && m["visibility"] != "public" {
			t.Errorf("Marketing = %v", m)
		}
		if gt, _ := m["groupTypes"].([]any); len(gt) != 1 || gt[0] != "Unified" {
			t.Errorf("groupTypes = %v", m["groupTypes"])
		}
		if _, ok := m["createdDateTime"].(string); !ok {
			t.Errorf("createdDateTime = %v", m["createdDateTime"])
		}
		if gt, _ := find(gs, "displayName", "All Employees")["groupTypes"].([]any); gt == nil || len(gt) != 0 {
			t.Errorf("a security group's groupTypes = %v, want []", gt)
		}
	})

	t.Run("FilterUnified", func(t *testing.T) {
		gs := list(t, e.must(200, "GET", "/groups?$filter="+q("groupTypes/any(a:a eq 'Unified')"), read, nil))
		if got := names(gs); !slices.Equal(got, []string{"Marketing", "Project Falcon"}) {
			t.Errorf("Unified groups = %v", got)
		}
		gs = list(t, e.must(200, "GET", "/groups?$filter="+q("securityEnabled eq true")+"&$select=displayName", read, nil))
		if got := names(gs); !slices.Equal(got, []string{"All Employees"}) {
			t.Errorf("security groups = %v", got)
		}
	})

	t.Run("Get", func(t *testing.T) {
		g := e.must(200, "GET", "/groups/"+marketingID, read, nil)
		if g["displayName"] != "Marketing" || str(g, "@odata.context") != e.base+"/$metadata#groups/$entity" {
			t.Errorf("GET /groups/{id} = %v", g)
		}
		wantError(t, e.do("GET", "/groups/0a1b2c3d-3333-4a5b-8c6d-0000000000ff", read, nil), 404, "Request_ResourceNotFound", "…")
	})

	t.Run("MembersAndOwners", func(t *testing.T) {
		ms := list(t, e.must(200, "GET", "/groups/"+marketingID+"/members", read, nil))
		if got := names(ms); !slices.Equal(got, []string{"Adele Vance", "Megan Bowen"}) {
			t.Errorf("Marketing members = %v", got)
		}
		for _, m := range ms {
			if m["@odata.type"] != "#microsoft.graph.user" {
				t.Errorf("member @odata.type = %v", m["@odata.type"])
			}
		}
		os := list(t, e.must(200, "GET", "/groups/"+marketingID+"/owners", read, nil))
		if got := names(os); !slices.Equal(got, []string{"Megan Bowen"}) {
			t.Errorf("Marketing owners = %v", got)
		}
		// Paging over members.
		if all := e.all("/groups/"+employeesID+"/members?$top=1", read); len(all) != 4 {
			t.Errorf("paging All Employees' members with $top=1: %d, want 4", len(all))
		}
	})

	t.Run("AddRemoveMemberRef", func(t *testing.T) {
		megan := e.delegated("megan", "GroupMember.ReadWrite.All", "User.ReadBasic.All")
		ref := map[string]any{"@odata.id": "https://graph.microsoft.com/v1.0/directoryObjects/" + e.id("lynne")}
		// Adele is a member but not an owner: she cannot manage members.
		wantError(t, e.do("POST", "/groups/"+marketingID+"/members/$ref", e.delegated("adele", "GroupMember.ReadWrite.All", "User.ReadBasic.All"), ref),
			403, "Authorization_RequestDenied", "Insufficient privileges to complete the operation.")
		// The permission alone, without one to read the user it adds.
		wantError(t, e.do("POST", "/groups/"+marketingID+"/members/$ref", e.delegated("megan", "GroupMember.ReadWrite.All"), ref), 403, "Authorization_RequestDenied", "…")

		e.must(204, "POST", "/groups/"+marketingID+"/members/$ref", megan, ref)
		if got := names(list(t, e.must(200, "GET", "/groups/"+marketingID+"/members", read, nil))); !slices.Equal(got, []string{"Adele Vance", "Lynne Robbins", "Megan Bowen"}) {
			t.Errorf("members after adding Lynne = %v", got)
		}
		wantError(t, e.do("POST", "/groups/"+marketingID+"/members/$ref", megan, ref), 400, "Request_BadRequest", "One or more added object references already exist for the following modified properties: 'members'.")
		wantError(t, e.do("POST", "/groups/"+marketingID+"/members/$ref", megan, map[string]any{}), 400, "Request_BadRequest", "…")

		e.must(204, "DELETE", "/groups/"+marketingID+"/members/"+e.id("lynne")+"/$ref", megan, nil)
		if got := names(list(t, e.must(200, "GET", "/groups/"+marketingID+"/members", read, nil))); !slices.Equal(got, []string{"Adele Vance", "Megan Bowen"}) {
			t.Errorf("members after removing Lynne = %v", got)
		}
		wantError(t, e.do("DELETE", "/groups/"+marketingID+"/members/"+e.id("lynne")+"/$ref", megan, nil), 404, "Request_ResourceNotFound", "…")
	})

	t.Run("HiddenMembership", func(t *testing.T) {
		// Megan is not in Project Falcon, whose membership is hidden.
		wantError(t, e.do("GET", "/groups/"+falconID+"/members", e.delegated("megan", "GroupMember.Read.All"), nil),
			403, "Authorization_RequestDenied", "Insufficient privileges to complete the operation.")
		// She can still read the group itself.
		e.must(200, "GET", "/groups/"+falconID, e.delegated("megan", "GroupMember.Read.All"), nil)
		// Members see each other; so does a Global Administrator.
		if got := names(list(t, e.must(200, "GET", "/groups/"+falconID+"/members", e.delegated("lynne", "GroupMember.Read.All"), nil))); !slices.Equal(got, []string{"Adele Vance", "Lynne Robbins"}) {
			t.Errorf("Falcon members = %v", got)
		}
		e.must(200, "GET", "/groups/"+falconID+"/members", e.delegated("admin", "GroupMember.Read.All"), nil)
		// Without a user, Member.Read.Hidden is needed as well.
		wantError(t, e.do("GET", "/groups/"+falconID+"/members", e.app("GroupMember.Read.All"), nil), 403, "Authorization_RequestDenied", "…")
		e.must(200, "GET", "/groups/"+falconID+"/members", e.app("GroupMember.Read.All", "Member.Read.Hidden"), nil)
	})

	t.Run("CreateUpdateDelete", func(t *testing.T) {
		rw := e.delegated("adele", "Group.ReadWrite.All")
		g := e.must(201, "POST", "/groups", rw, map[string]any{"displayName": "Retail", "mailNickname": "retail", "mailEnabled": true,
			"securityEnabled": false, "groupTypes": []string{"Unified"}, "description": "Retail team"})
		id := str(g, "id")
		if id == "" || g["mail"] != "retail@contoso.onmicrosoft.com" {
			t.Fatalf("POST /groups = %v", g)
		}
		// The creator owns the group, so she may change and delete it.
		if got := names(list(t, e.must(200, "GET", "/groups/"+id+"/owners", read, nil))); !slices.Equal(got, []string{"Adele Vance"}) {
			t.Errorf("owners of a new group = %v", got)
		}
		e.must(204, "PATCH", "/groups/"+id, rw, map[string]any{"description": "Retail stores"})
		if d := e.must(200, "GET", "/groups/"+id, read, nil)["description"]; d != "Retail stores" {
			t.Errorf("description after PATCH = %v", d)
		}
		wantError(t, e.do("PATCH", "/groups/"+id, e.delegated("megan", "Group.ReadWrite.All"), map[string]any{"description": "x"}), 403, "Authorization_RequestDenied", "…")
		e.must(204, "DELETE", "/groups/"+id, rw, nil)
		wantError(t, e.do("GET", "/groups/"+id, read, nil), 404, "Request_ResourceNotFound", "…")
	})

	t.Run("CreateWithOwnersAndMembers", func(t *testing.T) {
		// Graph's "create a group with owners and members" example: binds
		// to users; one to no user is left out. The owners named replace
		// the creator as owner.
		rw := e.delegated("adele", "Group.ReadWrite.All")
		user := func(key string) string { return "https://graph.microsoft.com/v1.0/users/" + e.id(key) }
		g := e.must(201, "POST", "/groups", rw, map[string]any{"displayName": "Events", "mailNickname": "events", "mailEnabled": true,
			"securityEnabled": false, "groupTypes": []string{"Unified"},
			"owners@odata.bind":  []string{user("megan")},
			"members@odata.bind": []string{user("lynne"), user("adele"), user("lynne"), "https://graph.microsoft.com/v1.0/users/3b0f1a2c-0000-4000-8000-000000000000"}})
		id := str(g, "id")
		for _, tc := range []struct {
			rel  string
			want []string
		}{{"owners", []string{"Megan Bowen"}}, {"members", []string{"Adele Vance", "Lynne Robbins"}}} {
			if got := names(list(t, e.must(200, "GET", "/groups/"+id+"/"+tc.rel, read, nil))); !slices.Equal(got, tc.want) {
				t.Errorf("%s of the new group = %v, want %v", tc.rel, got, tc.want)
			}
		}
	})

	t.Run("GuestCannotList", func(t *testing.T) {
		wantError(t, e.do("GET", "/groups", e.delegated("guest", "Group.Read.All"), nil), 403, "Authorization_RequestDenied", "…")
	})
}
