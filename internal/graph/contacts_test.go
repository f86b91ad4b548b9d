package graph_test

import (
	"net/http"
	"strings"
	"testing"
)

// displayNames lists the displayName of each item.
func w2DisplayNames(items []map[string]any) []string {
	out := make([]string, len(items))
	for i, it := range items {
		out[i] = str(it, "displayName")
	}
	return out
}

func TestContacts(t *testing.T) {
	e := newEnv(t)
	adele, megan := e.id("adele"), e.id("megan")
	read := e.delegated("adele", "Contacts.Read")
	write := e.delegated("adele", "Contacts.ReadWrite")

	t.Run("list the default folder, ordered by name, in Graph's shape", func(t *testing.T) {
		body := e.must(200, "GET", "/me/contacts", read, nil)
		if got, want := str(body, "@odata.context"), e.base+"/$metadata#users('"+adele+"')/contacts"; got != want {
			t.Errorf("@odata.context %q, want %q", got, want)
		}
		items := list(t, body)
		if got := strings.Join(w2DisplayNames(items), ","); got != "Fabrikam Billing,Megan Bowen" {
			t.Fatalf("contacts %s", got)
		}
		m := items[1]
		for _, k := range []string{"id", "@odata.etag", "createdDateTime", "lastModifiedDateTime", "changeKey", "categories", "parentFolderId",
			"birthday", "fileAs", "givenName", "surname", "emailAddresses", "businessPhones", "homePhones", "mobilePhone", "imAddresses",
			"businessAddress", "homeAddress", "otherAddress", "personalNotes", "children", "companyName", "jobTitle"} {
			if _, ok := m[k]; !ok {
				t.Errorf("contact has no %s: %v", k, keys(m))
			}
		}
		if m["birthday"] != nil || str(m, "givenName") != "Megan" || str(m, "businessAddress/city") != "Redmond" {
			t.Errorf("contact %v", m)
		}
		if a, _ := get(m, "emailAddresses").([]any); len(a) != 1 || str(a[0].(map[string]any), "address") != e.upn("megan") {
			t.Errorf("emailAddresses %v", m["emailAddresses"])
		}
		if h, ok := get(m, "homeAddress").(map[string]any); !ok || len(h) != 0 {
			t.Errorf("homeAddress %v, want {}", m["homeAddress"])
		}
		if !strings.HasSuffix(str(m, "createdDateTime"), "Z") || strings.Contains(str(m, "createdDateTime"), ".0000000") {
			t.Errorf("createdDateTime %q is not Graph's form", str(m, "createdDateTime"))
		}
	})

	t.Run("OData", func(t *testing.T) {
		for _, c := range []struct {
			name, query string
			want        string
		}{
			{"any() over emailAddresses", "$filter=" + q("emailAddresses/any(a:a/address eq '"+e.upn("megan")+"')"), "Megan Bowen"},
			{"startswith, ignoring case", "$filter=" + q("startswith(displayName,'fab')"), "Fabrikam Billing"},
			{"companyName eq", "$filter=" + q("companyName eq 'Contoso'"), "Megan Bowen"},
			{"categories any", "$filter=" + q("categories/any(c:c eq 'Suppliers')"), "Fabrikam Billing"},
			{"orderby desc", "$orderby=displayName%20desc", "Megan Bowen,Fabrikam Billing"},
			{"no match", "$filter=" + q("surname eq 'Nobody'"), ""},
		} {
			t.Run(c.name, func(t *testing.T) {
				items := e.all("/me/contacts?"+c.query, read)
				if got := strings.Join(w2DisplayNames(items), ","); got != c.want {
					t.Errorf("%s: %q, want %q", c.query, got, c.want)
				}
			})
		}
		t.Run("paging", func(t *testing.T) {
			body := e.must(200, "GET", "/me/contacts?$top=1&$count=true", read, nil)
			if len(list(t, body)) != 1 || str(body, "@odata.nextLink") == "" || get(body, "@odata.count") != float64(2) {
				t.Fatalf("first page %v", body)
			}
			if items := e.all("/me/contacts?$top=1", read); len(items) != 2 {
				t.Errorf("%d contacts over the pages, want 2", len(items))
			}
		})
		t.Run("select", func(t *testing.T) {
			items := list(t, e.must(200, "GET", "/me/contacts?$select=displayName,emailAddresses", read, nil))
			if got := strings.Join(keys(items[0]), ","); got != "@odata.etag,displayName,emailAddresses,id" {
				t.Errorf("selected keys %s", got)
			}
			r := e.do("GET", "/me/contacts?$select=nonsense", read, nil)
			if r.Status != 400 {
				t.Errorf("$select of an unknown property: status %d, want 400", r.Status)
			}
		})
		t.Run("bad filter", func(t *testing.T) {
			r := e.do("GET", "/me/contacts?$filter="+q("displayName eq"), read, nil)
			if r.Status != 400 {
				t.Errorf("status %d, want 400", r.Status)
			}
		})
	})

	t.Run("create, read, update, delete", func(t *testing.T) {
		created := e.must(201, "POST", "/me/contacts", write, map[string]any{"givenName": "Pavel", "surname": "Bansky",
			"emailAddresses": []any{map[string]any{"address": "pavelb@fabrikam.onmicrosoft.com", "name": "Pavel Bansky"}},
			"businessPhones": []string{"+1 732 555 0102"}, "birthday": "1974-07-22"})
		id := str(created, "id")
		if str(created, "displayName") != "Pavel Bansky" || str(created, "birthday") != "1974-07-22T00:00:00Z" || str(created, "@odata.etag") == "" {
			t.Fatalf("created %v", created)
		}
		folder := str(created, "parentFolderId")
		if !strings.HasSuffix(str(created, "@odata.context"), "/contacts/$entity") {
			t.Errorf("@odata.context %q", str(created, "@odata.context"))
		}
		got := e.must(200, "GET", "/me/contacts/"+id, read, nil)
		if str(got, "surname") != "Bansky" {
			t.Errorf("got %v", got)
		}
		patched := e.must(200, "PATCH", "/me/contacts/"+id, write, map[string]any{"jobTitle": "Director", "surname": nil})
		if str(patched, "jobTitle") != "Director" || patched["surname"] != nil || str(patched, "displayName") != "Pavel Bansky" ||
			str(patched, "@odata.etag") == str(created, "@odata.etag") {
			t.Errorf("patched %v", patched)
		}
		wantError(t, e.do("PATCH", "/me/contacts/"+id, write, map[string]any{"favoriteColor": "blue"}), 400, "RequestBodyRead", "The property 'favoriteColor' does not exist…")
		wantError(t, e.do("PATCH", "/me/contacts/"+id, write, map[string]any{"jobTitle": "X"}, header("If-Match", str(created, "@odata.etag"))),
			412, "ErrorIrresolvableConflict", "")
		if folders := list(t, e.must(200, "GET", "/me/contactFolders/"+folder+"/contacts?$select=id", read, nil)); find(folders, "id", id) == nil {
			t.Errorf("the contact is not in its folder's contacts")
		}
		r := e.do("DELETE", "/me/contacts/"+id, write, nil)
		if r.Status != http.StatusNoContent {
			t.Fatalf("delete: status %d", r.Status)
		}
		wantError(t, e.do("GET", "/me/contacts/"+id, read, nil), 404, "ErrorItemNotFound", "The specified object was not found in the store.")
		wantError(t, e.do("DELETE", "/me/contacts/"+id, write, nil), 404, "ErrorItemNotFound", "")
	})

	t.Run("contact folders", func(t *testing.T) {
		folders := list(t, e.must(200, "GET", "/me/contactFolders", read, nil))
		partners := find(folders, "displayName", "Partners")
		if len(folders) != 1 || partners == nil {
			t.Fatalf("folders %v", w2DisplayNames(folders))
		}
		pid := str(partners, "id")
		got := e.must(200, "GET", "/me/contactFolders/"+pid, read, nil)
		if str(got, "displayName") != "Partners" || str(got, "parentFolderId") == "" {
			t.Errorf("folder %v", got)
		}
		if names := strings.Join(w2DisplayNames(e.all("/me/contactFolders/"+pid+"/contacts", read)), ","); names != "Alex Wilber,Kim Akers" {
			t.Errorf("Partners contacts %s", names)
		}
		if names := strings.Join(w2DisplayNames(e.all("/me/contactFolders/"+pid+"/contacts?$filter="+q("mobilePhone eq '+1 503 555 0111'"), read)), ","); names != "Alex Wilber" {
			t.Errorf("filtered Partners contacts %s", names)
		}
		wantError(t, e.do("POST", "/me/contactFolders", write, map[string]any{"displayName": "partners"}), 409, "ErrorFolderExists", "")

		child := e.must(201, "POST", "/me/contactFolders/"+pid+"/childFolders", write, map[string]any{"displayName": "EMEA"})
		cid := str(child, "id")
		if str(child, "parentFolderId") != pid {
			t.Errorf("child folder %v", child)
		}
		if kids := list(t, e.must(200, "GET", "/me/contactFolders/"+pid+"/childFolders", read, nil)); len(kids) != 1 || str(kids[0], "id") != cid {
			t.Errorf("child folders %v", kids)
		}
		ct := e.must(201, "POST", "/me/contactFolders/"+cid+"/contacts", write, map[string]any{"displayName": "Anna Schmidt"})
		if str(ct, "parentFolderId") != cid {
			t.Errorf("contact in child folder %v", ct)
		}
		e.must(200, "GET", "/me/contactFolders/"+cid+"/contacts/"+str(ct, "id"), read, nil)
		wantError(t, e.do("GET", "/me/contactFolders/"+pid+"/contacts/"+str(ct, "id"), read, nil), 404, "ErrorItemNotFound", "")
		renamed := e.must(200, "PATCH", "/me/contactFolders/"+cid, write, map[string]any{"displayName": "Europe"})
		if str(renamed, "displayName") != "Europe" {
			t.Errorf("renamed %v", renamed)
		}
		// Deleting a folder deletes what it holds.
		if r := e.do("DELETE", "/me/contactFolders/"+pid, write, nil); r.Status != 204 {
			t.Fatalf("delete folder: %d %s", r.Status, r.Raw)
		}
		wantError(t, e.do("GET", "/me/contactFolders/"+cid, read, nil), 404, "ErrorItemNotFound", "")
		wantError(t, e.do("GET", "/me/contacts/"+str(ct, "id"), read, nil), 404, "ErrorItemNotFound", "")
		// The default folder stays.
		def := e.must(200, "GET", "/me/contactFolders/contacts", read, nil)
		wantError(t, e.do("DELETE", "/me/contactFolders/"+str(def, "id"), write, nil), 400, "ErrorDeleteDistinguishedFolder", "")
	})

	t.Run("isolation between users", func(t *testing.T) {
		mine := e.all("/me/contacts", read)
		theirs := e.all("/me/contacts", e.delegated("megan", "Contacts.Read"))
		if got := strings.Join(w2DisplayNames(theirs), ","); got != "Adele Vance" {
			t.Errorf("Megan's contacts %s", got)
		}
		wantError(t, e.do("GET", "/me/contacts/"+str(mine[0], "id"), e.delegated("megan", "Contacts.Read"), nil), 404, "ErrorItemNotFound", "")
		wantError(t, e.do("PATCH", "/me/contacts/"+str(mine[0], "id"), e.delegated("megan", "Contacts.ReadWrite"), map[string]any{"jobTitle": "x"}), 404, "ErrorItemNotFound", "")
		// Megan did not share her contacts: Contacts.Read.Shared is not enough.
		wantError(t, e.do("GET", "/users/"+megan+"/contacts", e.delegated("adele", "Contacts.Read.Shared"), nil), 403, "ErrorAccessDenied", "")
		// An application permission reaches every mailbox.
		if got := strings.Join(w2DisplayNames(e.all("/users/"+megan+"/contacts", e.app("Contacts.Read"))), ","); got != "Adele Vance" {
			t.Errorf("Megan's contacts, app-only: %s", got)
		}
		if got := w2DisplayNames(e.all("/users/"+adele+"/contactFolders", e.app("Contacts.Read"))); len(got) != 0 {
			t.Errorf("Adele's folders after the delete: %v", got)
		}
	})
}
