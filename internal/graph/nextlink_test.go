package graph

import (
	"encoding/json"
	"net/url"
	"testing"

	"graphgate/internal/store"
)

// oldNextLink is how NextLinkToken wrote a link before it kept templates:
// the query parsed, $skip and $skiptoken dropped, the token set, encoded.
func oldNextLink(base string, u *url.URL, token string) string {
	vals := u.Query()
	vals.Del("$skip")
	vals.Del("$skiptoken")
	vals.Set("$skiptoken", token)
	return base + PathAfterVersion(u.Path) + "?" + encodeQuery(vals)
}

// TestNextLinkTemplate: a link made from a template is the link the
// query's encoding makes, for queries with names on either side of
// $skiptoken, repeated names, escapes, $skip and an old $skiptoken, and
// tokens of any text.
func TestNextLinkTemplate(t *testing.T) {
	const base = "https://localhost:8443/v1.0"
	queries := []string{
		"",
		"$top=25",
		"$top=25&$select=subject,from",
		"$select=subject&$top=25&$filter=isRead+eq+false&$orderby=receivedDateTime+desc",
		"$skip=50&$top=10",
		"$skiptoken=abc&$top=10",
		"$skip=5&$skiptoken=abc&$count=true",
		"a=1&b=2&$z=3&$a=4&%24top=7",
		"$search=%22hello+world%22&$top=5",
		"$filter=startswith(displayName,'a%26b')&$count=true&$top=100",
		"x=1&x=2&$skiptoken2=y&$skiptoke=z&$Skiptoken=q",
		"startDateTime=2026-01-01T00:00:00Z&endDateTime=2026-02-01T00:00:00Z&$top=10",
		"emptyvalue=&$top=",
		"%24=dollar&~=tilde&%26=amp",
	}
	tokens := []string{"", "abc", "S0VZU0VUOnsib2Zmc2V0IjoxMH0", "a$b", "a b&c=d", "é%24"}
	for _, q := range queries {
		for _, path := range []string{"/v1.0/me/messages", "/beta/users", "/v1.0/me/calendarView"} {
			u := &url.URL{Path: path, RawQuery: q}
			tmpl := newNextLinkTemplate(base, u)
			for _, tok := range tokens {
				got := tmpl.before + escapeToken(tok) + tmpl.after
				if want := oldNextLink(base, u, tok); got != want {
					t.Errorf("path %s query %q token %q:\n got %s\nwant %s", path, q, tok, got, want)
				}
			}
		}
	}
}

// TestCachedCursorToken: a remembered keyset token is the one encodeKeyset
// writes for the same offset; at another offset (another $skip or $top)
// the token is encoded again, never the remembered one.
func TestCachedCursorToken(t *testing.T) {
	orders := []store.Order{{Field: store.Field{Path: []string{"receivedDateTime"}}, Desc: true}}
	cur := store.Cursor{ID: "m25", Keys: []*store.Value{ptr(store.String("2026-12-05T10:00:00Z"))}}
	q := &Query{top: 25}
	cc := cachedCursor{cursor: cur, offset: 25, token: encodeKeyset(q, orders, cur)}
	if got, want := cc.tokenFor(q, orders), encodeKeyset(q, orders, cur); got != want {
		t.Fatalf("same offset: %q, want %q", got, want)
	}
	other := &Query{top: 10, skip: 5}
	got, want := cc.tokenFor(other, orders), encodeKeyset(other, orders, cur)
	if got != want || got == cc.token {
		t.Fatalf("other offset: %q, want %q (remembered %q)", got, want, cc.token)
	}
}

func ptr[T any](v T) *T { return &v }

// TestAppendJSONString: the workloads' quoting is encoding/json's.
func TestAppendJSONString(t *testing.T) {
	for _, s := range []string{"", "Megan Bowen", `a"b\c`, "<a&b>", "a\nb\tc\x00d\x7f", "café ☕", "\u2028\u2029", "a\xffb\xc3"} {
		want, _ := json.Marshal(s)
		if got := AppendJSONString([]byte("x"), s); string(got) != "x"+string(want) {
			t.Errorf("AppendJSONString(%q) = %s, want x%s", s, got, want)
		}
	}
}
