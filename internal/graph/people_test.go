package graph_test

import (
	"strings"
	"testing"
)

func w2Relevance(p map[string]any) float64 {
	a, _ := p["scoredEmailAddresses"].([]any)
	if len(a) == 0 {
		return 0
	}
	f, _ := a[0].(map[string]any)["relevanceScore"].(float64)
	return f
}

func TestPeople(t *testing.T) {
	e := newEnv(t)
	adele, megan := e.id("adele"), e.id("megan")
	tok := e.delegated("adele", "People.Read")

	t.Run("ranked from mail, contacts, directory and groups", func(t *testing.T) {
		body := e.must(200, "GET", "/me/people?$top=50", tok, nil)
		if got, want := str(body, "@odata.context"), e.base+"/$metadata#users('"+adele+"')/people"; got != want {
			t.Errorf("@odata.context %q, want %q", got, want)
		}
		people := list(t, body)
		names := w2DisplayNames(people)
		// The manager (6 + a recent message) before Megan (a contact, a
		// recent message, a co-recipient): see the ranking in people.go.
		if len(names) < 2 || names[0] != "MOD Administrator" || names[1] != "Megan Bowen" {
			t.Fatalf("people %v", names)
		}
		last := -1 // people without an address show no score
		for i := range people {
			if w2Relevance(people[i]) == 0 {
				continue
			}
			if last >= 0 && w2Relevance(people[i]) > w2Relevance(people[last]) {
				t.Errorf("%s (%v) ranks after %s (%v)", names[i], w2Relevance(people[i]), names[last], w2Relevance(people[last]))
			}
			last = i
		}
		for _, c := range []struct{ name, class, subclass, id string }{
			{"Megan Bowen", "Person", "OrganizationUser", megan},
			{"MOD Administrator", "Person", "OrganizationUser", e.id("admin")},
			{"Kim Akers", "Person", "PersonalContact", ""},
			{"Fabrikam Billing", "Person", "PersonalContact", ""},
			{"Marketing", "Group", "UnifiedGroup", marketingID},
		} {
			p := find(people, "displayName", c.name)
			if p == nil {
				t.Errorf("%s is not among the people: %v", c.name, names)
				continue
			}
			if str(p, "personType/class") != c.class || str(p, "personType/subclass") != c.subclass {
				t.Errorf("%s: personType %v", c.name, p["personType"])
			}
			if c.id != "" && str(p, "id") != c.id {
				t.Errorf("%s: id %s, want %s", c.name, str(p, "id"), c.id)
			}
			for _, k := range []string{"givenName", "surname", "birthday", "personNotes", "isFavorite", "jobTitle", "companyName", "yomiCompany",
				"department", "officeLocation", "profession", "userPrincipalName", "imAddress", "scoredEmailAddresses", "phones",
				"postalAddresses", "websites", "personType"} {
				if _, ok := p[k]; !ok {
					t.Errorf("%s has no %s", c.name, k)
				}
			}
		}
		if p := find(people, "displayName", "Megan Bowen"); p != nil && (str(p, "userPrincipalName") != e.upn("megan") || str(p, "department") != "Marketing") {
			t.Errorf("Megan: %v", p)
		}
		if p := find(people, "displayName", "Kim Akers"); p != nil && (str(p, "companyName") != "Fabrikam" || len(get(p, "phones").([]any)) != 1) {
			t.Errorf("Kim: %v", p)
		}
		if find(people, "displayName", "Adele Vance") != nil {
			t.Errorf("Adele is among her own people")
		}
		// Stable ids across requests.
		again := list(t, e.must(200, "GET", "/me/people?$top=50", tok, nil))
		if str(find(again, "displayName", "Kim Akers"), "id") != str(find(people, "displayName", "Kim Akers"), "id") {
			t.Errorf("a contact's person id changed between requests")
		}
	})

	t.Run("query options", func(t *testing.T) {
		for _, c := range []struct {
			name, query string
			check       func(t *testing.T, items []map[string]any)
		}{
			{"search by name", `$search="meg"`, func(t *testing.T, items []map[string]any) {
				if got := strings.Join(w2DisplayNames(items), ","); got != "Megan Bowen" {
					t.Errorf("%s", got)
				}
			}},
			{"search by surname", `$search="akers"`, func(t *testing.T, items []map[string]any) {
				if got := strings.Join(w2DisplayNames(items), ","); got != "Kim Akers" {
					t.Errorf("%s", got)
				}
			}},
			{"search by address", `$search="billing"`, func(t *testing.T, items []map[string]any) {
				if got := strings.Join(w2DisplayNames(items), ","); got != "Fabrikam Billing" {
					t.Errorf("%s", got)
				}
			}},
			{"filter on personType", "$filter=" + q("personType/class eq 'Group'"), func(t *testing.T, items []map[string]any) {
				if got := strings.Join(w2DisplayNames(items), ","); got != "Marketing,Project Falcon" && got != "Project Falcon,Marketing" {
					t.Errorf("%s", got)
				}
			}},
			{"orderby", "$orderby=displayName&$filter=" + q("personType/subclass eq 'OrganizationUser'"), func(t *testing.T, items []map[string]any) {
				names := w2DisplayNames(items)
				for i := 1; i < len(names); i++ {
					if strings.ToLower(names[i]) < strings.ToLower(names[i-1]) {
						t.Errorf("not ordered by name: %v", names)
					}
				}
			}},
			{"select", "$select=displayName", func(t *testing.T, items []map[string]any) {
				if got := strings.Join(keys(items[0]), ","); got != "displayName,id" {
					t.Errorf("keys %s", got)
				}
			}},
		} {
			t.Run(c.name, func(t *testing.T) {
				path := "/me/people?" + strings.ReplaceAll(c.query, `"`, "%22")
				c.check(t, e.all(path, tok))
			})
		}
		t.Run("paging", func(t *testing.T) {
			all := e.all("/me/people?$top=50", tok)
			first := e.must(200, "GET", "/me/people?$top=2", tok, nil)
			if len(list(t, first)) != 2 || str(first, "@odata.nextLink") == "" {
				t.Fatalf("first page %v", first)
			}
			paged := e.all("/me/people?$top=2", tok)
			if strings.Join(w2DisplayNames(paged), ",") != strings.Join(w2DisplayNames(all), ",") {
				t.Errorf("paged %v, all %v", w2DisplayNames(paged), w2DisplayNames(all))
			}
			skipped := list(t, e.must(200, "GET", "/me/people?$skip=1&$top=1", tok, nil))
			if len(skipped) != 1 || str(skipped[0], "id") != str(all[1], "id") {
				t.Errorf("$skip=1: %v", w2DisplayNames(skipped))
			}
		})
		t.Run("$skip with $search", func(t *testing.T) {
			wantError(t, e.do("GET", `/me/people?$search=%22meg%22&$skip=1`, tok, nil), 400, "BadRequest", "")
		})
	})

	t.Run("another user's people and isolation", func(t *testing.T) {
		theirs := e.all("/me/people?$top=100", e.delegated("megan", "People.Read"))
		names := w2DisplayNames(theirs)
		if find(theirs, "displayName", "Adele Vance") == nil {
			t.Errorf("Adele is not among Megan's people: %v", names)
		}
		for _, n := range []string{"Kim Akers", "Fabrikam Billing", "Megan Bowen", "Project Falcon"} {
			if find(theirs, "displayName", n) != nil {
				t.Errorf("%s is among Megan's people (Adele's data): %v", n, names)
			}
		}
		// People.Read reaches only one's own people.
		wantError(t, e.do("GET", "/users/"+megan+"/people", tok, nil), 403, "ErrorAccessDenied", "")
		viaAll := e.all("/users/"+megan+"/people?$top=100", e.delegated("adele", "People.Read.All"))
		if strings.Join(w2DisplayNames(viaAll), ",") != strings.Join(names, ",") {
			t.Errorf("Megan's people via People.Read.All %v, want %v", w2DisplayNames(viaAll), names)
		}
		if app := e.all("/users/"+adele+"/people?$top=100", e.app("People.Read.All")); len(app) == 0 || str(app[0], "displayName") != "MOD Administrator" {
			t.Errorf("app-only: %v", w2DisplayNames(app))
		}
	})

	// $search works only on the signed-in user's own relevant people.
	t.Run("$search only for the signed-in user", func(t *testing.T) {
		all := e.delegated("adele", "People.Read.All")
		search := "?$search=" + q(`"meg"`)
		for _, c := range []struct {
			name, path, token string
			ok                bool
		}{
			{"/me", "/me/people", tok, true},
			{"own id", "/users/" + adele + "/people", all, true},
			{"another user", "/users/" + megan + "/people", all, false},
			{"app-only", "/users/" + adele + "/people", e.app("People.Read.All"), false},
		} {
			t.Run(c.name, func(t *testing.T) {
				r := e.do("GET", c.path+search, c.token, nil)
				if !c.ok {
					wantError(t, r, 400, "BadRequest", "$search is supported only for the signed-in user's relevant people (/me/people), not for people relevant to other users.")
					return
				}
				if r.Status != 200 || strings.Join(w2DisplayNames(list(t, r.JSON)), ",") != "Megan Bowen" {
					t.Errorf("%d %s", r.Status, r.Raw)
				}
			})
		}
		// Without $search, another user's people are still listed.
		if got := e.all("/users/"+megan+"/people", all); len(got) == 0 {
			t.Error("Megan's people without $search: none")
		}
	})
}
