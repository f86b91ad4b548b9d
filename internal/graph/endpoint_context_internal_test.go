package graph

import (
	"net/http/httptest"
	"strings"
	"testing"

	"graphgate/internal/authz"
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
		group                   *store.Group
		values                  [][2]string // SetContextValue's
	}{
		{"plain", "/chats", "chats", nil, nil, "http://graph.test/v1.0/$metadata#chats", nil, nil},
		{"none", "/chats", "", nil, nil, "http://graph.test/v1.0/$metadata", nil, nil},
		{"param", "/chats/{id}/messages", "chats('{0}')/messages", []string{"19:x@thread.v2"}, nil,
			"http://graph.test/v1.0/$metadata#chats('19:x@thread.v2')/messages", nil, nil},
		{"second param", "/chats/{id}/messages/{id}", "chats('{0}')/messages('{1}')", []string{"c", "m"}, nil,
			"http://graph.test/v1.0/$metadata#chats('c')/messages('m')", nil, nil},
		{"owner on /me", "/me/presence", "users('{owner}')/presence/$entity", []string{"me"}, adele,
			"http://graph.test/v1.0/$metadata#users('a1')/presence/$entity", nil, nil},
		{"owner by upn", "/users/{id}/presence", "users('{owner}')/presence/$entity", []string{"adele@contoso.test"}, adele,
			"http://graph.test/v1.0/$metadata#users('a1')/presence/$entity", nil, nil},
		{"me is param 0", "/me/chats", "users('{0}')/chats", []string{"me"}, adele, "http://graph.test/v1.0/$metadata#users('me')/chats", nil, nil},
		{"param beyond the path", "/chats/{id}", "chats('{1}')", nil, nil, "placeholder {1}, which its path cannot fill", nil, nil},
		{"param of a path without one", "/chats", "chats('{0}')", nil, nil, "placeholder {0}, which its path cannot fill", nil, nil},
		{"unknown name", "/chats/{id}", "chats('{chat}')", nil, nil, "placeholder {chat}, which its path cannot fill", nil, nil},
		{"padded number", "/chats/{id}", "chats('{00}')", nil, nil, "placeholder {00}, which its path cannot fill", nil, nil},
		{"unclosed", "/chats/{id}", "chats('{0')", nil, nil, "unclosed placeholder", nil, nil},
		{"owner of a group's path", "/groups/{id}/photo", "groups('{owner}')/photo/$entity", []string{"G1"}, nil,
			"http://graph.test/v1.0/$metadata#groups('g1')/photo/$entity", &store.Group{ID: "g1"}, nil},
		{"stored values", "/me/drive/items/{id}/children", "drives('{drive.id}')/items('{item.id}')/children", []string{"me", "x"}, adele,
			"http://graph.test/v1.0/$metadata#drives('b!d')/items('01I')/children", nil, [][2]string{{"drive.id", "b!d"}, {"item.id", "01X"}, {"item.id", "01I"}}},
		{"stored value not supplied", "/me/drive/root", "drives('{drive.id}')/root/$entity", []string{"me"}, adele,
			"http://graph.test/v1.0/$metadata#drives('')/root/$entity", nil, nil},
		{"stored value nobody declares", "/me/drive/root", "drives('{drive.key}')/root/$entity", nil, nil,
			"placeholder {drive.key}, which no workload package supplies", nil, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := Endpoint{Method: "GET", Template: tc.template, Handler: nop, Workload: WorkloadTeams, Entity: Entity{Context: tc.context}}
			s := &Server{engine: authz.Default()}
			err := s.declareStoredPlaceholders([]Package{{ContextValues: []string{"drive.id", "item.id"}}})
			if err == nil {
				err = s.bind([]Endpoint{e})
			}
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
				params: tc.params, TargetUser: tc.target, TargetGroup: tc.group}
			for _, v := range tc.values {
				c.SetContextValue(v[0], v[1])
			}
			if got := c.ContextURL(); got != tc.want {
				t.Errorf("ContextURL() = %q, want %q", got, tc.want)
			}
		})
	}
}
