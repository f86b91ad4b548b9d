package graph_test

import (
	"strings"
	"testing"
)

func TestExpand(t *testing.T) {
	e := newEnv(t)
	adele := e.delegated("adele", "User.Read", "User.Read.All", "Mail.Read", "GroupMember.Read.All")
	self := e.delegated("adele", "User.Read", "Mail.Read")

	t.Run("message attachments", func(t *testing.T) {
		msgs := e.all("/me/messages?$expand=attachments&$select=subject,hasAttachments", adele)
		withAtt := 0
		for _, m := range msgs {
			atts, ok := m["attachments"].([]any)
			if !ok {
				t.Fatalf("message %v has no attachments array", m["subject"])
			}
			if len(atts) > 0 {
				withAtt++
				a := atts[0].(map[string]any)
				if a["name"] != "launch-plan.txt" || a["contentBytes"] == nil {
					t.Errorf("expanded attachment %v", a)
				}
			}
		}
		if withAtt != 1 {
			t.Errorf("%d messages with expanded attachments, the seed has 1", withAtt)
		}
		one := msgs[0]["id"].(string)
		got := e.must(200, "GET", "/me/messages/"+one+"?$expand=attachments($select=name)", adele, nil)
		if _, ok := got["attachments"].([]any); !ok {
			t.Errorf("GET message $expand=attachments: %v", got)
		}
	})

	t.Run("manager", func(t *testing.T) {
		me := e.must(200, "GET", "/me?$expand=manager($select=displayName)", adele, nil)
		m, ok := me["manager"].(map[string]any)
		if !ok {
			t.Fatalf("no manager expanded: %v", me)
		}
		if m["@odata.type"] != "#microsoft.graph.user" || m["displayName"] == nil || m["id"] != nil {
			t.Errorf("manager %v", m)
		}
		// The expansion is authorized as GET /users/{id}/manager would be:
		// User.Read alone does not reach another user's profile.
		r := e.do("GET", "/me?$expand=manager", self, nil)
		if r.Status != 403 {
			t.Errorf("$expand=manager with User.Read only: %d %s", r.Status, r.Raw)
		}
		users := e.all("/users?$expand=manager&$select=displayName", adele)
		managed := 0
		for _, u := range users {
			if u["manager"] != nil {
				managed++
			}
		}
		if managed == 0 {
			t.Error("no user in the list has an expanded manager")
		}
	})

	t.Run("group members and hidden membership", func(t *testing.T) {
		g := e.must(200, "GET", "/groups/"+marketingID+"?$expand=members($select=displayName)", adele, nil)
		ms, ok := g["members"].([]any)
		if !ok || len(ms) == 0 {
			t.Fatalf("members not expanded: %v", g)
		}
		// Project Falcon hides its membership from non-members.
		r := e.do("GET", "/groups/"+falconID+"?$expand=members", e.delegated("megan", "GroupMember.Read.All"), nil)
		if r.Status != 403 {
			t.Errorf("hidden membership expanded by a non-member: %d %s", r.Status, r.Raw)
		}
	})

	t.Run("unsupported expansions answer 400", func(t *testing.T) {
		cases := []struct{ path, code, msg string }{
			{"/me/messages?$expand=nosuch", "RequestBroker--ParseUri", "Could not find a property named 'nosuch' on type 'microsoft.graph.message'."},
			{"/me?$expand=nosuch", "Request_UnsupportedQuery", "Property 'nosuch' does not exist"},
			{"/me/mailFolders?$expand=messages", "", "messages"},
		}
		for _, c := range cases {
			r := e.do("GET", c.path, adele, nil)
			if r.Status != 400 {
				t.Errorf("%s: %d, want 400", c.path, r.Status)
				continue
			}
			er := r.JSON["error"].(map[string]any)
			if c.code != "" && er["code"] != c.code || !strings.Contains(er["message"].(string), c.msg) {
				t.Errorf("%s: %v", c.path, er)
			}
		}
	})
}
