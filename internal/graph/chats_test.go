package graph_test

import (
	"slices"
	"strings"
	"testing"
	"time"
)

func texts(items []map[string]any) []string {
	var out []string
	for _, it := range items {
		out = append(out, str(it, "body/content"))
	}
	return out
}

func TestChats(t *testing.T) {
	e := newEnv(t)
	read := e.delegated("adele", "Chat.Read")
	oneOnOne := e.chatWith(e.id("adele"), e.id("megan"))
	launch := e.chatWith(e.id("adele"), e.id("megan"), e.id("lynne"))

	t.Run("MyChats", func(t *testing.T) {
		body := e.must(200, "GET", "/me/chats", read, nil)
		if str(body, "@odata.context") != e.base+"/$metadata#chats" {
			t.Errorf("@odata.context %q", body["@odata.context"])
		}
		cs := list(t, body)
		ids := []string{str(cs[0], "id"), str(cs[1], "id")}
		slices.Sort(ids)
		want := []string{oneOnOne, launch}
		slices.Sort(want)
		if len(cs) != 2 || !slices.Equal(ids, want) {
			t.Fatalf("Adele's chats = %v", cs)
		}
		c := find(cs, "id", launch)
		if c["topic"] != "Launch" || c["chatType"] != "group" || c["tenantId"] != e.user("adele").TenantID || !strings.HasPrefix(str(c, "webUrl"), "https://teams.microsoft.com/l/chat/") {
			t.Errorf("Launch chat = %v", c)
		}
		if o := find(cs, "id", oneOnOne); o["chatType"] != "oneOnOne" || o["topic"] != nil {
			t.Errorf("one-on-one chat = %v", o)
		}
		for _, c := range cs {
			if _, ok := c["members"]; ok {
				t.Error("chats list members")
			}
			if _, ok := c["_memberIds"]; ok {
				t.Error("internal property leaks")
			}
		}
		// Lynne is only in the Launch chat; Kim in none.
		ls := list(t, e.must(200, "GET", "/me/chats", e.delegated("lynne", "Chat.ReadBasic"), nil))
		if len(ls) != 1 || ls[0]["id"] != launch {
			t.Errorf("Lynne's chats = %v", ls)
		}
		if gs := list(t, e.must(200, "GET", "/me/chats", e.delegated("guest", "Chat.Read"), nil)); len(gs) != 0 {
			t.Errorf("Kim's chats = %v", gs)
		}
		// A $filter narrows the caller's chats; it never widens them to
		// the tenant's (the membership condition and the filter both
		// apply).
		if gs := list(t, e.must(200, "GET", "/me/chats?$filter="+q("chatType eq 'group'"), e.delegated("guest", "Chat.Read"), nil)); len(gs) != 0 {
			t.Errorf("Kim's group chats = %v", gs)
		}
		if ls := list(t, e.must(200, "GET", "/me/chats?$filter="+q("chatType eq 'oneOnOne'"), e.delegated("lynne", "Chat.ReadBasic"), nil)); len(ls) != 0 {
			t.Errorf("Lynne's one-on-one chats = %v", ls)
		}
		if n := len(list(t, e.must(200, "GET", "/users/"+e.id("megan")+"/chats", e.app("Chat.ReadBasic.All"), nil))); n != 2 {
			t.Errorf("Megan's chats app-only: %d", n)
		}
		got := e.must(200, "GET", "/chats/"+launch, read, nil)
		if got["topic"] != "Launch" || str(got, "@odata.context") != e.base+"/$metadata#chats/$entity" {
			t.Errorf("GET chat = %v", got)
		}
	})

	t.Run("Messages", func(t *testing.T) {
		body := e.must(200, "GET", "/chats/"+oneOnOne+"/messages", read, nil)
		if str(body, "@odata.context") != e.base+"/$metadata#chats('"+oneOnOne+"')/messages" {
			t.Errorf("@odata.context %q", body["@odata.context"])
		}
		ms := list(t, body)
		if got := texts(ms); !slices.Equal(got, []string{"Thanks!", "Yes — reviewing it now.", "Did you see the launch plan?"}) {
			t.Errorf("messages, newest first = %v", got)
		}
		m := ms[0]
		if m["messageType"] != "message" || m["chatId"] != oneOnOne || str(m, "from/user/displayName") != "Megan Bowen" || str(m, "from/user/id") != e.id("megan") ||
			str(m, "body/contentType") != "text" || m["importance"] != "normal" {
			t.Errorf("message = %v", m)
		}
		if _, err := time.Parse("2006-01-02T15:04:05Z", str(m, "createdDateTime")); err != nil {
			t.Errorf("createdDateTime %q", m["createdDateTime"])
		}
		one := e.must(200, "GET", "/chats/"+oneOnOne+"/messages/"+str(m, "id"), read, nil)
		if str(one, "body/content") != "Thanks!" {
			t.Errorf("GET message = %v", one)
		}
		for _, k := range []string{"attachments", "mentions", "reactions"} {
			if v, ok := m[k].([]any); !ok || len(v) != 0 {
				t.Errorf("%s = %v, want []", k, m[k])
			}
		}
		// A message id names a message of its own chat only (the oldest
		// message of the one-on-one chat is older than any of Launch's).
		r := e.do("GET", "/chats/"+launch+"/messages/"+str(ms[2], "id"), read, nil)
		wantError(t, r, 404, "NotFound", "…")
		if all := e.all("/chats/"+oneOnOne+"/messages?$top=1", read); len(all) != 3 {
			t.Errorf("paging messages with $top=1: %d", len(all))
		}
	})

	t.Run("Send", func(t *testing.T) {
		r := e.do("POST", "/chats/"+oneOnOne+"/messages", e.delegated("adele", "ChatMessage.Send"), map[string]any{"body": map[string]any{"content": "Lunch at noon?"}})
		if r.Status != 201 {
			t.Fatalf("send: %d %s", r.Status, r.Raw)
		}
		sent := r.JSON
		if str(sent, "id") == "" || str(sent, "from/user/id") != e.id("adele") || str(sent, "body/content") != "Lunch at noon?" || str(sent, "body/contentType") != "text" ||
			!strings.HasSuffix(str(sent, "@odata.context"), "/messages/$entity") {
			t.Errorf("sent message = %v", sent)
		}
		ms := list(t, e.must(200, "GET", "/chats/"+oneOnOne+"/messages", e.delegated("megan", "Chat.Read"), nil))
		if len(ms) != 4 || ms[0]["id"] != sent["id"] {
			t.Errorf("after sending, messages = %v", texts(ms))
		}
		wantError(t, e.do("POST", "/chats/"+oneOnOne+"/messages", e.delegated("adele", "ChatMessage.Send"), map[string]any{"body": map[string]any{"content": " "}}), 400, "BadRequest", "…")
		wantError(t, e.do("POST", "/chats/"+oneOnOne+"/messages", read, map[string]any{"body": map[string]any{"content": "x"}}),
			403, "Forbidden", "Missing scope permissions on the request. API requires one of 'ChatMessage.Send,Chat.ReadWrite,Group.ReadWrite.All'. Scopes on the request 'Chat.Read'")
	})

	t.Run("Members", func(t *testing.T) {
		body := e.must(200, "GET", "/chats/"+launch+"/members", e.delegated("adele", "ChatMember.Read"), nil)
		ms := list(t, body)
		if len(ms) != 3 {
			t.Fatalf("members = %v", ms)
		}
		names := names(ms)
		if !slices.Equal(names, []string{"Adele Vance", "Lynne Robbins", "Megan Bowen"}) {
			t.Errorf("members = %v", names)
		}
		m := find(ms, "displayName", "Lynne Robbins")
		if m["@odata.type"] != "#microsoft.graph.aadUserConversationMember" || m["userId"] != e.id("lynne") || m["email"] != e.upn("lynne") {
			t.Errorf("member = %v", m)
		}
	})

	t.Run("NonMemberAndUnknown", func(t *testing.T) {
		lynne := e.delegated("lynne", "Chat.Read")
		for _, p := range []string{"/chats/" + oneOnOne, "/chats/" + oneOnOne + "/messages", "/chats/" + oneOnOne + "/members"} {
			r := e.do("GET", p, lynne, nil)
			if r.Status != 403 || str(r.JSON, "error/code") != "Forbidden" {
				t.Errorf("Lynne on %s: %d %s", p, r.Status, r.Raw)
			}
		}
		wantError(t, e.do("POST", "/chats/"+oneOnOne+"/messages", e.delegated("lynne", "ChatMessage.Send"), map[string]any{"body": map[string]any{"content": "hi"}}), 403, "Forbidden", "…")
		wantError(t, e.do("GET", "/chats/19:nosuchchat@thread.v2/messages", read, nil), 404, "NotFound", "…")
		wantError(t, e.do("GET", "/chats/19:nosuchchat@thread.v2", e.app("Chat.Read.All"), nil), 404, "NotFound", "…")
	})

	t.Run("Create", func(t *testing.T) {
		bind := func(id string) map[string]any {
			return map[string]any{"@odata.type": "#microsoft.graph.aadUserConversationMember", "roles": []string{"owner"},
				"user@odata.bind": "https://graph.microsoft.com/v1.0/users('" + id + "')"}
		}
		c := e.must(201, "POST", "/chats", e.delegated("lynne", "Chat.Create"), map[string]any{"chatType": "oneOnOne",
			"members": []any{bind(e.id("lynne")), bind(e.id("admin"))}})
		if c["chatType"] != "oneOnOne" || !strings.HasPrefix(str(c, "id"), "19:") {
			t.Errorf("created chat = %v", c)
		}
		if ls := list(t, e.must(200, "GET", "/me/chats", e.delegated("lynne", "Chat.Read"), nil)); len(ls) != 2 {
			t.Errorf("Lynne's chats after creating one: %d", len(ls))
		}
		wantError(t, e.do("POST", "/chats", e.delegated("lynne", "Chat.Create"), map[string]any{"chatType": "oneOnOne",
			"members": []any{bind(e.id("adele")), bind(e.id("admin"))}}), 400, "BadRequest", "…")
	})
}
