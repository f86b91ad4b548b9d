package graph_test

import (
	"slices"
	"strings"
	"testing"
)

// userDefaultProps are the properties Graph returns for a user without
// $select.
var userDefaultProps = []string{"businessPhones", "displayName", "givenName", "id", "jobTitle", "mail", "mobilePhone", "officeLocation",
	"preferredLanguage", "surname", "userPrincipalName"}

func TestUsers(t *testing.T) {
	e := newEnv(t)
	adele := e.delegated("adele", "User.Read")
	readAll := e.delegated("adele", "User.Read.All")

	t.Run("Me", func(t *testing.T) {
		r := e.do("GET", "/me", adele, nil)
		if r.Status != 200 {
			t.Fatalf("GET /me: %d %s", r.Status, r.Raw)
		}
		me := r.JSON
		if got := str(me, "@odata.context"); got != e.base+"/$metadata#users/$entity" {
			t.Errorf("@odata.context = %q", got)
		}
		want := append([]string{"@odata.context"}, userDefaultProps...)
		slices.Sort(want)
		if got := keys(me); !slices.Equal(got, want) {
			t.Errorf("GET /me properties\n got %v\nwant %v", got, want)
		}
		if me["id"] != e.id("adele") || me["displayName"] != "Adele Vance" || me["userPrincipalName"] != e.upn("adele") || me["mail"] != e.upn("adele") {
			t.Errorf("GET /me = %v", me)
		}
		if _, ok := me["businessPhones"].([]any); !ok {
			t.Errorf("businessPhones is %T, want an array", me["businessPhones"])
		}
		if me["mobilePhone"] != nil || me["jobTitle"] != "Retail Manager" {
			t.Errorf("mobilePhone %v (want null), jobTitle %v", me["mobilePhone"], me["jobTitle"])
		}
		if !strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") || r.Header.Get("request-id") == "" {
			t.Errorf("headers %v", r.Header)
		}
	})

	t.Run("ListFilterStartsWith", func(t *testing.T) {
		body := e.must(200, "GET", "/users?$filter="+q("startswith(displayName,'A')"), readAll, nil)
		if str(body, "@odata.context") != e.base+"/$metadata#users" {
			t.Errorf("@odata.context = %q", str(body, "@odata.context"))
		}
		vs := list(t, body)
		if len(vs) != 1 || vs[0]["displayName"] != "Adele Vance" {
			t.Errorf("startswith(displayName,'A') = %v", vs)
		}
	})

	t.Run("Select", func(t *testing.T) {
		vs := list(t, e.must(200, "GET", "/users?$select=displayName,jobTitle,department", readAll, nil))
		if len(vs) != 6 {
			t.Fatalf("%d users, want the 6 of the tenant", len(vs))
		}
		for _, v := range vs {
			for _, k := range keys(v) {
				if k != "displayName" && k != "jobTitle" && k != "department" && k != "id" {
					t.Errorf("$select=displayName,jobTitle,department returned %s: %v", k, v)
				}
			}
			if _, ok := v["department"]; !ok {
				t.Errorf("department missing: %v", v)
			}
		}
		// department is not a default property.
		if v := list(t, e.must(200, "GET", "/users", readAll, nil)); v[0]["department"] != nil {
			t.Errorf("department returned without $select: %v", v[0])
		}
	})

	t.Run("TopAndNextLink", func(t *testing.T) {
		first := e.must(200, "GET", "/users?$top=2", readAll, nil)
		next := str(first, "@odata.nextLink")
		if !strings.HasPrefix(next, e.base+"/users?") || !strings.Contains(next, "$skiptoken=") || !strings.Contains(next, "$top=2") {
			t.Errorf("@odata.nextLink = %q", next)
		}
		all := e.all("/users?$top=2", readAll)
		if len(all) != 6 {
			t.Errorf("paging with $top=2 visited %d users, want 6", len(all))
		}
		last := e.must(200, "GET", "/users?$top=6", readAll, nil)
		if _, ok := last["@odata.nextLink"]; ok {
			t.Errorf("a complete page has a nextLink: %v", last["@odata.nextLink"])
		}
	})

	t.Run("Count", func(t *testing.T) {
		r := e.do("GET", "/users?$count=true", readAll, nil)
		wantError(t, r, 400, "Request_BadRequest", "$count is not currently supported.")
		body := e.must(200, "GET", "/users?$count=true&$top=1", readAll, nil, header("ConsistencyLevel", "eventual"))
		if n, ok := body["@odata.count"].(float64); !ok || n != 6 {
			t.Errorf("@odata.count = %v, want 6", body["@odata.count"])
		}
		if len(list(t, body)) != 1 {
			t.Errorf("$top=1 with $count returned %d users", len(list(t, body)))
		}
		if _, ok := e.must(200, "GET", "/users", readAll, nil)["@odata.count"]; ok {
			t.Error("@odata.count without $count")
		}
	})

	t.Run("ByUPN", func(t *testing.T) {
		u := e.must(200, "GET", "/users/"+e.upn("megan"), readAll, nil)
		if u["id"] != e.id("megan") || u["displayName"] != "Megan Bowen" {
			t.Errorf("GET /users/{upn} = %v", u)
		}
		r := e.do("GET", "/users/nobody@"+"contoso.onmicrosoft.com", readAll, nil)
		wantError(t, r, 404, "Request_ResourceNotFound", "Resource 'nobody@contoso.onmicrosoft.com' does not exist or one of its queried reference-property objects are not present.")
	})

	t.Run("ReadBasicAllOnlyBasicProfile", func(t *testing.T) {
		basic := e.delegated("adele", "User.ReadBasic.All")
		r := e.do("GET", "/users/"+e.id("megan")+"?$select=displayName,jobTitle,mail,department", basic, nil)
		if r.Status != 200 {
			t.Fatalf("%d %s", r.Status, r.Raw)
		}
		if !strings.Contains(r.Header.Get("x-graphgate-decision"), "basic profile") {
			t.Errorf("decision %q", r.Header.Get("x-graphgate-decision"))
		}
		if r.JSON["jobTitle"] != nil || r.JSON["department"] != nil {
			t.Errorf("User.ReadBasic.All returned more than the basic profile: %v", r.JSON)
		}
		if r.JSON["displayName"] != "Megan Bowen" || r.JSON["mail"] != e.upn("megan") {
			t.Errorf("basic profile missing: %v", r.JSON)
		}
		basicProps := map[string]bool{"@odata.context": true, "id": true, "displayName": true, "givenName": true, "surname": true, "mail": true, "userPrincipalName": true}
		for _, v := range list(t, e.must(200, "GET", "/users", basic, nil)) {
			for _, k := range keys(v) {
				if !basicProps[k] {
					t.Errorf("GET /users with User.ReadBasic.All returned %s", k)
				}
			}
		}
	})

	t.Run("CreateUpdateDelete", func(t *testing.T) {
		admin := e.delegated("admin", "User.ReadWrite.All")
		nu := map[string]any{"accountEnabled": true, "displayName": "Nestor Wilke", "mailNickname": "nestor",
			"userPrincipalName": "nestor@contoso.onmicrosoft.com", "passwordProfile": map[string]any{"forceChangePasswordNextSignIn": true, "password": "xWwvJ]6NMw+bWH-d"}}
		// A member without an administrator role cannot create users.
		r := e.do("POST", "/users", e.delegated("adele", "User.ReadWrite.All"), nu)
		wantError(t, r, 403, "Authorization_RequestDenied", "Insufficient privileges to complete the operation.")

		created := e.must(201, "POST", "/users", admin, nu)
		id := str(created, "id")
		if id == "" || created["displayName"] != "Nestor Wilke" || created["userPrincipalName"] != "nestor@contoso.onmicrosoft.com" {
			t.Fatalf("POST /users = %v", created)
		}
		if str(created, "@odata.context") != e.base+"/$metadata#users/$entity" {
			t.Errorf("@odata.context %q", created["@odata.context"])
		}
		r = e.do("POST", "/users", admin, nu)
		wantError(t, r, 400, "Request_BadRequest", "Another object with the same value for property userPrincipalName already exists.")
		bad := map[string]any{"accountEnabled": true, "displayName": "X", "mailNickname": "x", "userPrincipalName": "x@fabrikam.com", "passwordProfile": map[string]any{"password": "xWwvJ]6NMw+bWH-d"}}
		wantError(t, e.do("POST", "/users", admin, bad), 400, "Request_BadRequest", "The domain portion of the userPrincipalName property is invalid. You must use one of the verified domain names in your organization.")

		e.must(204, "PATCH", "/users/"+id, admin, map[string]any{"jobTitle": "Director", "officeLocation": "Building 7"})
		got := e.must(200, "GET", "/users/"+id, readAll, nil)
		if got["jobTitle"] != "Director" || got["officeLocation"] != "Building 7" || got["displayName"] != "Nestor Wilke" {
			t.Errorf("after PATCH: %v", got)
		}
		// Adele updates her own profile with User.ReadWrite, not Nestor's.
		e.must(204, "PATCH", "/me", e.delegated("adele", "User.ReadWrite"), map[string]any{"mobilePhone": "+1 425 555 0101"})
		if v := e.must(200, "GET", "/me", adele, nil)["mobilePhone"]; v != "+1 425 555 0101" {
			t.Errorf("mobilePhone after PATCH /me = %v", v)
		}
		wantError(t, e.do("PATCH", "/users/"+id, e.delegated("adele", "User.ReadWrite.All"), map[string]any{"jobTitle": "x"}),
			403, "Authorization_RequestDenied", "Insufficient privileges to complete the operation.")

		e.must(204, "DELETE", "/users/"+id, admin, nil)
		wantError(t, e.do("GET", "/users/"+id, readAll, nil), 404, "Request_ResourceNotFound", "…")
	})

	t.Run("CreatePasswordPolicy", func(t *testing.T) {
		// Entra's password policy for cloud accounts: 8 to 256 characters,
		// three of lower case, upper case, digits and symbols.
		admin := e.delegated("admin", "User.ReadWrite.All")
		for i, tc := range []struct {
			password string
			ok       bool
		}{
			{"Passw0rd", true},
			{"abc-defg1", true},
			{"Ab1-", false},      // too short
			{"weakweak", false},  // one kind of character
			{"weakweak1", false}, // two kinds
			{"", false},
		} {
			nu := map[string]any{"accountEnabled": true, "displayName": "Policy " + tc.password, "mailNickname": "policy",
				"userPrincipalName": "policy" + string(rune('a'+i)) + "@contoso.onmicrosoft.com", "passwordProfile": map[string]any{"password": tc.password}}
			r := e.do("POST", "/users", admin, nu)
			if tc.ok {
				if r.Status != 201 {
					t.Errorf("password %q: %d %s", tc.password, r.Status, r.Raw)
				}
				continue
			}
			wantError(t, r, 400, "BadRequest", "The specified password does not comply with password complexity requirements. Please provide a different password.")
			if e.do("GET", "/users/"+str(nu, "userPrincipalName"), readAll, nil).Status != 404 {
				t.Errorf("password %q: the user was created", tc.password)
			}
		}
	})

	t.Run("Manager", func(t *testing.T) {
		m := e.must(200, "GET", "/me/manager", readAll, nil)
		if m["id"] != e.id("admin") || m["@odata.type"] != "#microsoft.graph.user" || m["displayName"] != "MOD Administrator" {
			t.Errorf("GET /me/manager = %v", m)
		}
		if str(m, "@odata.context") != e.base+"/$metadata#directoryObjects/$entity" {
			t.Errorf("@odata.context %q", m["@odata.context"])
		}
		wantError(t, e.do("GET", "/users/"+e.id("admin")+"/manager", readAll, nil), 404, "Request_ResourceNotFound", "…")
	})

	t.Run("DirectReports", func(t *testing.T) {
		vs := list(t, e.must(200, "GET", "/users/"+e.id("admin")+"/directReports", readAll, nil))
		var names []string
		for _, v := range vs {
			names = append(names, str(v, "displayName"))
		}
		slices.Sort(names)
		if !slices.Equal(names, []string{"Adele Vance", "Megan Bowen"}) {
			t.Errorf("admin's direct reports = %v", names)
		}
		if vs := list(t, e.must(200, "GET", "/me/directReports", adele, nil)); len(vs) != 0 {
			t.Errorf("Adele's direct reports = %v", vs)
		}
	})

	t.Run("MemberOf", func(t *testing.T) {
		body := e.must(200, "GET", "/me/memberOf", adele, nil)
		if str(body, "@odata.context") != e.base+"/$metadata#directoryObjects" {
			t.Errorf("@odata.context %q", body["@odata.context"])
		}
		var names []string
		for _, v := range list(t, body) {
			if v["@odata.type"] != "#microsoft.graph.group" {
				t.Errorf("Adele's memberOf has a %v", v["@odata.type"])
			}
			names = append(names, str(v, "displayName"))
		}
		slices.Sort(names)
		if !slices.Equal(names, []string{"All Employees", "Marketing", "Project Falcon"}) {
			t.Errorf("Adele's groups = %v", names)
		}

		// Lynne is in an administrative unit and holds a directory role:
		// her memberships need a Directory permission.
		lynneID := e.id("lynne")
		wantError(t, e.do("GET", "/me/memberOf", e.delegated("lynne", "User.Read"), nil), 403, "Authorization_RequestDenied", "Insufficient privileges to complete the operation.")
		types := map[string][]string{}
		for _, v := range list(t, e.must(200, "GET", "/users/"+lynneID+"/memberOf", e.delegated("lynne", "Directory.Read.All"), nil)) {
			typ := str(v, "@odata.type")
			types[typ] = append(types[typ], str(v, "displayName"))
		}
		if !slices.Equal(types["#microsoft.graph.administrativeUnit"], []string{"Seattle"}) || !slices.Equal(types["#microsoft.graph.directoryRole"], []string{"Security Reader"}) ||
			len(types["#microsoft.graph.group"]) != 2 {
			t.Errorf("Lynne's memberOf = %v", types)
		}
		// The admin's Global Administrator role, app-only.
		roles := list(t, e.must(200, "GET", "/users/"+e.id("admin")+"/memberOf", e.app("Directory.Read.All"), nil))
		if find(roles, "@odata.type", "#microsoft.graph.directoryRole") == nil {
			t.Errorf("admin's memberOf has no directory role: %v", roles)
		}
	})

	t.Run("Guest", func(t *testing.T) {
		guest := e.delegated("guest", "User.Read.All")
		wantError(t, e.do("GET", "/users", guest, nil), 403, "Authorization_RequestDenied", "Insufficient privileges to complete the operation.")
		if u := e.must(200, "GET", "/users/"+e.id("megan"), guest, nil); u["displayName"] != "Megan Bowen" {
			t.Errorf("guest reading one user: %v", u)
		}
		if me := e.must(200, "GET", "/me?$select=userType,mail", e.delegated("guest", "User.Read"), nil); me["userType"] != "Guest" || me["mail"] != "kim@fabrikam.com" {
			t.Errorf("guest /me: %v", me)
		}
	})

	t.Run("PersonalAccount", func(t *testing.T) {
		me := e.must(200, "GET", "/me", e.personal("User.Read"), nil)
		if me["id"] != e.id("sam") || me["userPrincipalName"] != "sam.personal@outlook.com" {
			t.Errorf("personal /me = %v", me)
		}
		wantError(t, e.do("GET", "/users", e.personal("User.Read.All"), nil), 403, "Authorization_RequestDenied", "…")
	})
}
