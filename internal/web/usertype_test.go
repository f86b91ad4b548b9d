package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"graphgate/internal/server/servertest"
	"graphgate/internal/store"
)

// The user page's "Convert to member" / "Convert to guest": a confirmed,
// CSRF-protected form that changes the user type through the directory
// and keeps the user principal name.
func TestConsoleConvertUserType(t *testing.T) {
	env := servertest.Start(t)
	b := newBrowser(t, env)
	b.signIn("admin", "/console/")
	st := env.Server.Store()
	guest, support, adele := env.User("guest"), env.User("support"), env.User("adele")
	page := b.get("/console/users/" + guest.ID)
	tok := field(t, csrfRe, page.body)
	if !strings.Contains(page.body, `id="convert">Convert to member<`) || !strings.Contains(page.body, `id="user-type">Guest<`) {
		t.Fatalf("the guest's page offers no conversion to member:\n%s", page.body)
	}
	for _, tc := range []struct {
		name   string
		id     string
		form   url.Values
		status int
		want   store.UserKind // the stored kind afterwards
		body   []string       // in the page
	}{
		{"unconfirmed", guest.ID, url.Values{"csrf": {tok}, "action": {"convert"}, "userType": {"member"}}, http.StatusBadRequest, store.UserGuest,
			[]string{"Confirm the conversion", "nothing was changed"}},
		{"no CSRF value", guest.ID, url.Values{"action": {"convert"}, "userType": {"member"}, "confirm": {"yes"}}, http.StatusForbidden, store.UserGuest, nil},
		{"not a type", guest.ID, url.Values{"csrf": {tok}, "action": {"convert"}, "userType": {"admin"}, "confirm": {"yes"}}, http.StatusBadRequest, store.UserGuest,
			[]string{"Choose Member or Guest"}},
		{"guest to member", guest.ID, url.Values{"csrf": {tok}, "action": {"convert"}, "userType": {"member"}, "confirm": {"yes"}}, http.StatusOK, store.UserMember,
			[]string{"Converted " + guest.UserPrincipalName, "user principal name is unchanged", `id="user-type">Member<`, `id="convert" class="danger">Convert to guest<`}},
		{"member again", guest.ID, url.Values{"csrf": {tok}, "action": {"convert"}, "userType": {"member"}, "confirm": {"yes"}}, http.StatusOK, store.UserMember,
			[]string{"is a member already"}},
		{"member to guest", adele.ID, url.Values{"csrf": {tok}, "action": {"convert"}, "userType": {"guest"}, "confirm": {"yes"}}, http.StatusOK, store.UserGuest,
			[]string{`id="user-type">Guest<`, "Convert to member"}},
		{"a shared mailbox", support.ID, url.Values{"csrf": {tok}, "action": {"convert"}, "userType": {"guest"}, "confirm": {"yes"}}, http.StatusBadRequest, store.UserSharedMailbox,
			[]string{"only members and guests of an organisation change type"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before, err := st.GetUser(t.Context(), guest.TenantID, tc.id)
			if err != nil {
				t.Fatal(err)
			}
			p := b.post("/console/users/"+tc.id, tc.form)
			if p.status != tc.status {
				t.Fatalf("%d, want %d:\n%s", p.status, tc.status, p.body)
			}
			for _, s := range tc.body {
				if !strings.Contains(p.body, s) {
					t.Errorf("the page does not say %q:\n%s", s, p.body)
				}
			}
			u, err := st.GetUser(t.Context(), guest.TenantID, tc.id)
			if err != nil {
				t.Fatal(err)
			}
			if u.Kind != tc.want || u.UserPrincipalName != before.UserPrincipalName {
				t.Errorf("stored kind %s, name %s; want %s, %s", u.Kind, u.UserPrincipalName, tc.want, before.UserPrincipalName)
			}
		})
	}
	if p := b.get("/console/users/" + support.ID); strings.Contains(p.body, `id="convert"`) {
		t.Error("a shared mailbox's page offers a conversion")
	}
}
