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
