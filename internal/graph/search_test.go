package graph_test

import (
	"net/url"
	"slices"
	"testing"
)

// TestSearchWildcards: % and _ in a $search term (and in a drive search's
// q) are characters to find, as every other character is, not SQL LIKE
// wildcards: "%" finds what contains a percent sign, not everything.
func TestSearchWildcards(t *testing.T) {
	e := newEnv(t)
	tok := e.delegated("adele", "Mail.ReadWrite", "User.Read.All", "Files.ReadWrite")
	e.must(201, "POST", "/me/messages", tok, map[string]any{"subject": "Budget 100% approved"})
	e.must(201, "PUT", "/me/drive/root:/Wildcards/plan_v2.txt:/content", tok, "plan")
	e.must(201, "PUT", "/me/drive/root:/Wildcards/planxv2.txt:/content", tok, "plan")
	names := func(items []map[string]any, prop string) []string {
		var out []string
		for _, it := range items {
			out = append(out, str(it, prop))
		}
		slices.Sort(out)
		return out
	}
	for _, c := range []struct {
		name, path, prop string
		want             []string
	}{
		{"message: % alone", "/me/messages?$search=" + q(`"%"`), "subject", []string{"Budget 100% approved"}},
		{"message: _ alone", "/me/messages?$search=" + q(`"_"`), "subject", nil},
		{"message: % around a word", "/me/messages?$search=" + q(`"%launch%"`), "subject", nil},
		{"message: a term holding %", "/me/messages?$search=" + q(`"100%"`), "subject", []string{"Budget 100% approved"}},
		{"message: subject:%", "/me/messages?$search=" + q(`"subject:%"`), "subject", []string{"Budget 100% approved"}},
		{"message: a backslash", "/me/messages?$search=" + q(`"\\"`), "subject", nil},
		{"user: displayName:%", "/users?$search=" + q(`"displayName:%"`), "displayName", nil},
		{"user: displayName:_", "/users?$search=" + q(`"displayName:_"`), "displayName", nil},
		{"user: displayName:a%", "/users?$search=" + q(`"displayName:a%"`), "displayName", nil},
		{"drive: q=_", "/me/drive/root/search(q='" + url.PathEscape("_") + "')", "name", []string{"plan_v2.txt"}},
		{"drive: q=plan_v2", "/me/drive/root/search(q='" + url.PathEscape("plan_v2") + "')", "name", []string{"plan_v2.txt"}},
		{"drive: q=%", "/me/drive/root/search(q='" + url.PathEscape("%") + "')", "name", nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := names(e.all(c.path, tok, header("ConsistencyLevel", "eventual")), c.prop); !slices.Equal(got, c.want) {
				t.Errorf("%s = %q, want %q", c.path, got, c.want)
			}
		})
	}
}

// TestNULCharacters: a NUL character in a path id, a query option or a
// body, which the store refuses (store.ErrInvalidText), answers the
// workload's 400 worded for where it was, and writes nothing.
func TestNULCharacters(t *testing.T) {
	e := newEnv(t)
	tok := e.delegated("adele", "Mail.ReadWrite", "Calendars.ReadWrite", "Tasks.ReadWrite", "User.ReadWrite.All", "Files.ReadWrite", "Group.ReadWrite.All")
	const (
		path  = "The request path holds a NUL character (U+0000), which no id or name can hold."
		query = "A query option holds a NUL character (U+0000), which no property value can hold."
		body  = "The request body holds a NUL character (U+0000), which no property value can hold."
	)
	nul := url.PathEscape("a\x00b")
	folders := len(e.all("/me/mailFolders", tok))
	for _, c := range []struct {
		name, method, path string
		body               any
		code, message      string
	}{
		{"message id", "GET", "/me/messages/" + nul, nil, "ErrorInvalidIdMalformed", "Id is malformed."},
		{"To Do list id", "GET", "/me/todo/lists/" + nul + "/tasks", nil, "ErrorInvalidIdMalformed", "Id is malformed."},
		{"user id", "GET", "/users/" + nul, nil, "Request_BadRequest", "Invalid object identifier 'a\x00b'."},
		{"group id", "GET", "/groups/" + nul + "/members", nil, "Request_BadRequest", "Invalid object identifier 'a\x00b'."},
		{"drive item id", "GET", "/me/drive/items/" + nul, nil, "invalidRequest", path},
		{"drive path", "GET", "/me/drive/root:/" + nul, nil, "invalidRequest", path},
		{"drive search text", "GET", "/me/drive/root/search(q='" + nul + "')", nil, "invalidRequest", path},
		{"message $filter", "GET", "/me/messages?$filter=" + q("subject eq 'a\x00b'"), nil, "BadRequest", query},
		{"event $filter ne", "GET", "/me/events?$filter=" + q("subject ne 'a\x00b'"), nil, "BadRequest", query},
		{"user $filter", "GET", "/users?$filter=" + q("displayName eq 'a\x00b'"), nil, "Request_BadRequest", query},
		{"message $search", "GET", "/me/messages?$search=" + q("\"a\x00b\""), nil, "BadRequest", query},
		{"mail folder body", "POST", "/me/mailFolders", map[string]any{"displayName": "a\x00b"}, "RequestBodyRead", body},
		{"To Do list body", "POST", "/me/todo/lists", map[string]any{"displayName": "a\x00b"}, "invalidRequest", body},
		{"user body", "PATCH", "/me", map[string]any{"jobTitle": "a\x00b"}, "Request_BadRequest", body},
		{"group body", "POST", "/groups", map[string]any{"displayName": "a\x00b", "mailEnabled": false, "mailNickname": "nul", "securityEnabled": true},
			"Request_BadRequest", body},
	} {
		t.Run(c.name, func(t *testing.T) {
			wantError(t, e.do(c.method, c.path, tok, c.body, header("ConsistencyLevel", "eventual")), 400, c.code, c.message)
		})
	}
	if n := len(e.all("/me/mailFolders", tok)); n != folders {
		t.Errorf("%d mail folders, want %d", n, folders)
	}
	if got := e.must(200, "GET", "/me", tok, nil); got["jobTitle"] == "a\x00b" {
		t.Error("the job title was changed")
	}
}
