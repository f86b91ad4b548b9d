package graph

import (
	"net/url"
	"testing"
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
