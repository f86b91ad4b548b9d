package graph

import (
	"net/http/httptest"
	"strings"
	"testing"

	"graphgate/internal/store"
)

// Entity.Context's placeholders: the server refuses one the template
// cannot fill, and ContextURL fills the others from the call.
func TestContextPlaceholders(t *testing.T) {
	adele := &store.User{ID: "a1"}
	for _, tc := range []struct {
		name, template, context string
		params                  []string
		target                  *store.User
		want                    string // the context URL, or the bind error's text
	}{
		{"plain", "/chats", "chats", nil, nil, "http://graph.test/v1.0/$metadata#chats"},
		{"none", "/chats", "", nil, nil, "http://graph.test/v1.0/$metadata"},
		{"param", "/chats/{id}/messages", "chats('{0}')/messages", []string{"19:x@thread.v2"}, nil,
			"http://graph.test/v1.0/$metadata#chats('19:x@thread.v2')/messages"},
		{"second param", "/chats/{id}/messages/{id}", "chats('{0}')/messages('{1}')", []string{"c", "m"}, nil,
			"http://graph.test/v1.0/$metadata#chats('c')/messages('m')"},
		{"owner on /me", "/me/presence", "users('{owner}')/presence/$entity", []string{"me"}, adele,
			"http://graph.test/v1.0/$metadata#users('a1')/presence/$entity"},
		{"owner by upn", "/users/{id}/presence", "users('{owner}')/presence/$entity", []string{"adele@contoso.test"}, adele,
			"http://graph.test/v1.0/$metadata#users('a1')/presence/$entity"},
		{"me is param 0", "/me/chats", "users('{0}')/chats", []string{"me"}, adele, "http://graph.test/v1.0/$metadata#users('me')/chats"},
		{"param beyond the path", "/chats/{id}", "chats('{1}')", nil, nil, "placeholder {1}, which its path cannot fill"},
		{"param of a path without one", "/chats", "chats('{0}')", nil, nil, "placeholder {0}, which its path cannot fill"},
		{"unknown name", "/chats/{id}", "chats('{chat}')", nil, nil, "placeholder {chat}, which its path cannot fill"},
		{"padded number", "/chats/{id}", "chats('{00}')", nil, nil, "placeholder {00}, which its path cannot fill"},
		{"unclosed", "/chats/{id}", "chats('{0')", nil, nil, "unclosed placeholder"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := Endpoint{Method: "GET", Template: tc.template, Handler: nop, Workload: WorkloadTeams, Entity: Entity{Context: tc.context}}
			s, err := boundServer([]Endpoint{e})
			if !strings.HasPrefix(tc.want, "http") {
				if err == nil || !strings.Contains(err.Error(), tc.want) {
					t.Fatalf("bind = %v, want an error with %q", err, tc.want)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			c := &Call{s: s, r: httptest.NewRequest("GET", "http://graph.test/v1.0"+tc.template, nil), endpoint: &e,
				params: tc.params, TargetUser: tc.target}
			if got := c.ContextURL(); got != tc.want {
				t.Errorf("ContextURL() = %q, want %q", got, tc.want)
			}
		})
	}
}

// {owner} on a group's path is the group's id, and a placeholder of
// Entity.ContextValues is what the handler supplied; the server refuses a
// declared value its context does not use, or one that shadows the path's.
func TestContextValues(t *testing.T) {
	group := &store.Group{ID: "g1"}
	for _, tc := range []struct {
		name, template, context string
		values                  []string
		params                  []string
		set                     [][2]string // what the handler supplies
		want                    string      // the context URL, or the bind error's text
	}{
		{"owner of a group's path", "/groups/{id}/events", "users('{owner}')/events", nil, []string{"G1"}, nil,
			"http://graph.test/v1.0/$metadata#users('g1')/events"},
		{"supplied", "/me/contactFolders/{id}/contacts", "users('{owner}')/contactFolders('{folder}')/contacts", []string{"folder"},
			[]string{"me", "contacts"}, [][2]string{{"folder", "AAMkF"}}, "http://graph.test/v1.0/$metadata#users('')/contactFolders('AAMkF')/contacts"},
		{"two supplied", "/chats/{id}", "a('{x}')/b('{y}')", []string{"x", "y"}, []string{"c"}, [][2]string{{"y", "2"}, {"x", "1"}},
			"http://graph.test/v1.0/$metadata#a('1')/b('2')"},
		{"not supplied", "/chats/{id}", "chats('{chat}')", []string{"chat"}, []string{"c"}, nil, "http://graph.test/v1.0/$metadata#chats('')"},
		{"undeclared", "/chats/{id}", "chats('{chat}')", nil, []string{"c"}, nil, "placeholder {chat}, which its path cannot fill"},
		{"declared, unused", "/chats/{id}", "chats('{0}')", []string{"chat"}, []string{"c"}, nil, "does not use its value {chat}"},
		{"shadows a parameter", "/chats/{id}", "chats('{0}')", []string{"0"}, []string{"c"}, nil, "is a placeholder of the path's"},
		{"shadows owner", "/chats/{id}", "chats('{owner}')", []string{"owner"}, []string{"c"}, nil, "is a placeholder of the path's"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := Endpoint{Method: "GET", Template: tc.template, Handler: nop, Workload: WorkloadExchange,
				Entity: Entity{Context: tc.context, ContextValues: tc.values}}
			s, err := boundServer([]Endpoint{e})
			if !strings.HasPrefix(tc.want, "http") {
				if err == nil || !strings.Contains(err.Error(), tc.want) {
					t.Fatalf("bind = %v, want an error with %q", err, tc.want)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			c := &Call{s: s, r: httptest.NewRequest("GET", "http://graph.test/v1.0"+tc.template, nil), endpoint: &e, params: tc.params}
			if strings.HasPrefix(tc.template, "/groups/") {
				c.TargetGroup = group
			}
			for _, kv := range tc.set {
				c.SetContextValue(kv[0], kv[1])
			}
			if got := c.ContextURL(); got != tc.want {
				t.Errorf("ContextURL() = %q, want %q", got, tc.want)
			}
		})
	}
}
