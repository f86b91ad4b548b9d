package odata

import (
	"net/url"
	"reflect"
	"strings"
	"testing"
)

// mustQuery parses a raw query string as a handler would, with
// ParseRawQuery (url.ParseQuery rejects the ';' of nested $expand options).
func mustQuery(t *testing.T, raw string) url.Values {
	t.Helper()
	v, err := ParseRawQuery(raw)
	if err != nil {
		t.Fatalf("bad test query %q: %v", raw, err)
	}
	return v
}

func intp(n int) *int { return &n }

// The first cases are the calls the Home Assistant O365 integration makes.
func TestParseValid(t *testing.T) {
	haMail := "isRead eq false and hasAttachments eq true and importance eq 'high' and from/emailAddress/address eq 'x@y.z' and contains(subject,'invoice') and receivedDateTime ge 2024-05-01T00:00:00Z"
	tests := []struct {
		name  string
		raw   string
		opts  ParseOptions
		check func(t *testing.T, q *Query)
	}{
		{"ha inbox lookup", "$filter=displayName eq 'Inbox'&$top=1", ParseOptions{Flavor: Exchange}, func(t *testing.T, q *Query) {
			wantFilter(t, q, "displayName eq 'Inbox'")
			wantTop(t, q, 1)
		}},
		{"ha mail query", "$filter=" + url.QueryEscape(haMail) + "&$orderby=receivedDateTime desc&$top=25&$select=subject,from,receivedDateTime", ParseOptions{Flavor: Exchange}, func(t *testing.T, q *Query) {
			wantFilter(t, q, haMail)
			wantTop(t, q, 25)
			want(t, "orderby", q.OrderBy, []OrderItem{{Property: "receivedDateTime", Desc: true}})
			want(t, "select", q.Select, []string{"subject", "from", "receivedDateTime"})
		}},
		{"ha todo tasks", "$filter=status ne 'completed'&$top=100", ParseOptions{Flavor: Exchange}, func(t *testing.T, q *Query) {
			wantFilter(t, q, "status ne 'completed'")
			wantTop(t, q, 100)
		}},
		{"ha startswith", "$filter=startswith(displayName,'David')", ParseOptions{Flavor: Directory}, func(t *testing.T, q *Query) {
			wantFilter(t, q, "startswith(displayName,'David')")
		}},
		{"ha unified groups", "$filter=groupTypes/any(a:a eq 'unified')", ParseOptions{Flavor: Directory}, func(t *testing.T, q *Query) {
			wantFilter(t, q, "groupTypes/any(a:a eq 'unified')")
		}},
		{"ha contains", "$filter=contains(subject,'x')", ParseOptions{}, func(t *testing.T, q *Query) {
			wantFilter(t, q, "contains(subject,'x')")
		}},
		{"ha organizer", "$filter=organizer/emailAddress/address eq 'a@b.c'", ParseOptions{Flavor: Exchange}, func(t *testing.T, q *Query) {
			wantFilter(t, q, "organizer/emailAddress/address eq 'a@b.c'")
		}},
		{"ha orderby upper-case DESC", "$orderby=receivedDateTime DESC", ParseOptions{}, func(t *testing.T, q *Query) {
			want(t, "orderby", q.OrderBy, []OrderItem{{Property: "receivedDateTime", Desc: true}})
		}},
		{"orderby list", "$orderby=displayName, from/emailAddress/address asc,createdDateTime desc", ParseOptions{}, func(t *testing.T, q *Query) {
			want(t, "orderby", q.OrderBy, []OrderItem{{"displayName", false}, {"from/emailAddress/address", false}, {"createdDateTime", true}})
		}},
		{"option names ignore case", "$FILTER=id eq 'a'&$OrderBy=id&$Top=5&$skipToken=X%27abc%27&$Count=true", ParseOptions{}, func(t *testing.T, q *Query) {
			wantFilter(t, q, "id eq 'a'")
			wantTop(t, q, 5)
			want(t, "skiptoken", q.SkipToken, "X'abc'")
			want(t, "count", q.Count, true)
			want(t, "raw", q.Raw["$skiptoken"], "X'abc'")
		}},
		{"no-dollar names are not options by default", "filter=nonsense((&top=abc&startDateTime=2024-01-01T00:00:00Z", ParseOptions{}, func(t *testing.T, q *Query) {
			want(t, "filter", q.Filter, Expr(nil))
			want(t, "top", q.Top, (*int)(nil))
		}},
		{"no-dollar names with DollarOptional", "filter=id eq 'a'&select=id&startDateTime=x", ParseOptions{DollarOptional: true}, func(t *testing.T, q *Query) {
			wantFilter(t, q, "id eq 'a'")
			want(t, "select", q.Select, []string{"id"})
		}},
		{"expand with nested options", "$expand=members($select=id,displayName;$filter=startswith(displayName,'a;b');$top=5),owners", ParseOptions{Flavor: Directory}, func(t *testing.T, q *Query) {
			if len(q.Expand) != 2 || q.Expand[0].Property != "members" || q.Expand[1].Property != "owners" || q.Expand[1].Query != nil {
				t.Fatalf("expand = %+v", q.Expand)
			}
			n := q.Expand[0].Query
			want(t, "nested select", n.Select, []string{"id", "displayName"})
			want(t, "nested filter", n.Filter.String(), "startswith(displayName,'a;b')")
			wantTop(t, n, 5)
		}},
		{"expand through a type cast", "$expand=microsoft.graph.eventMessage/event($select=subject),attachments", ParseOptions{Flavor: Exchange}, func(t *testing.T, q *Query) {
			if len(q.Expand) != 2 || q.Expand[0].Cast != "microsoft.graph.eventMessage" || q.Expand[0].Property != "event" ||
				q.Expand[0].Name() != "microsoft.graph.eventMessage/event" || q.Expand[1].Cast != "" || q.Expand[1].Name() != "attachments" {
				t.Fatalf("expand = %+v", q.Expand)
			}
			want(t, "nested select", q.Expand[0].Query.Select, []string{"subject"})
		}},
		{"expand levels", "$expand=manager($levels=max;$select=id,displayName)", ParseOptions{Flavor: Directory}, func(t *testing.T, q *Query) {
			want(t, "levels", q.Expand[0].Query.Levels, intp(-1))
		}},
		{"drive-style expand without $", "expand=children(select=name,id)", ParseOptions{DollarOptional: true}, func(t *testing.T, q *Query) {
			want(t, "nested select", q.Expand[0].Query.Select, []string{"name", "id"})
		}},
		{"search and count", `$search="displayName:wa" OR "mail:wa"&$count=true`, ParseOptions{Flavor: Directory}, func(t *testing.T, q *Query) {
			want(t, "search groups", q.Search.Groups, [][]SearchTerm{{{Property: "displayName", Value: "wa"}}, {{Property: "mail", Value: "wa"}}})
			want(t, "count", q.Count, true)
		}},
		{"top zero, skip, tokens", "$top=0&$skip=10&$deltatoken=abc&$format=json&$select=*", ParseOptions{Flavor: Exchange}, func(t *testing.T, q *Query) {
			wantTop(t, q, 0)
			want(t, "skip", q.Skip, intp(10))
			want(t, "delta", q.DeltaToken, "abc")
			want(t, "format", q.Format, "json")
			want(t, "select", q.Select, []string{"*"})
		}},
		// Microsoft.OData.Core's rules for empty values, white space and
		// signs (odata.net: SelectExpandParser.ParseCommaSeparatedSelectList,
		// ODataQueryOptionParser.ParseTop/ParseSkip/ParseCount/TryGetQueryOption).
		{"empty $select selects everything", "$select=", ParseOptions{Flavor: Exchange}, func(t *testing.T, q *Query) {
			want(t, "select", q.Select, []string(nil))
			want(t, "raw", q.Raw["$select"], "")
		}},
		{"blank $select selects everything", "$select=%20%20", ParseOptions{Flavor: Directory}, func(t *testing.T, q *Query) {
			want(t, "select", q.Select, []string(nil))
		}},
		{"white space around select terms", "$select=%20subject%20,%20from%20", ParseOptions{Flavor: Exchange}, func(t *testing.T, q *Query) {
			want(t, "select", q.Select, []string{"subject", "from"})
		}},
		{"select trailing comma ends the list", "$select=id,", ParseOptions{Flavor: Directory}, func(t *testing.T, q *Query) {
			want(t, "select", q.Select, []string{"id"})
		}},
		{"select star with names", "$select=*,subject", ParseOptions{Flavor: Exchange}, func(t *testing.T, q *Query) {
			want(t, "select", q.Select, []string{"*", "subject"})
		}},
		{"empty $expand expands nothing", "$expand=", ParseOptions{Flavor: Exchange}, func(t *testing.T, q *Query) {
			want(t, "expand", q.Expand, []ExpandItem(nil))
		}},
		{"top and skip: long.TryParse allows white space and a sign", "$top=%2B5&$skip=%203%20", ParseOptions{Flavor: Exchange}, func(t *testing.T, q *Query) {
			wantTop(t, q, 5)
			want(t, "skip", q.Skip, intp(3))
		}},
		{"count value is trimmed", "$count=%20true%20", ParseOptions{Flavor: Exchange}, func(t *testing.T, q *Query) {
			want(t, "count", q.Count, true)
		}},
		{"option names are trimmed", "%20$top%20=2", ParseOptions{Flavor: Exchange}, func(t *testing.T, q *Query) { wantTop(t, q, 2) }},
		{"directory top at the cap", "$top=999", ParseOptions{Flavor: Directory}, func(t *testing.T, q *Query) { wantTop(t, q, 999) }},
		{"uncapped top", "$top=5000", ParseOptions{Flavor: Exchange, MaxTop: -1}, func(t *testing.T, q *Query) { wantTop(t, q, 5000) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q, err := Parse(mustQuery(t, tt.raw), tt.opts)
			if err != nil {
				t.Fatalf("Parse(%q): %v", tt.raw, err)
			}
			tt.check(t, q)
		})
	}
}

func wantFilter(t *testing.T, q *Query, s string) {
	t.Helper()
	if q.Filter == nil || q.Filter.String() != s {
		t.Fatalf("filter = %v, want %s", q.Filter, s)
	}
}

func wantTop(t *testing.T, q *Query, n int) {
	t.Helper()
	if q.Top == nil || *q.Top != n {
		t.Fatalf("top = %v, want %d", q.Top, n)
	}
}

func want[T any](t *testing.T, what string, got, want T) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("%s = %#v, want %#v", what, got, want)
	}
}

// Each invalid query asserts the exact Graph code and message.
func TestParseInvalid(t *testing.T) {
	deep := "$filter=" + url.QueryEscape(strings.Repeat("(", MaxFilterDepth+1)+"a eq 1"+strings.Repeat(")", MaxFilterDepth+1))
	tests := []struct {
		name    string
		raw     string
		opts    ParseOptions
		code    string
		message string
	}{
		{"unknown option, directory", "$foo=1", ParseOptions{Flavor: Directory}, "Request_BadRequest", "Unrecognized query argument specified: '$foo'."},
		{"unknown option, exchange", "$foo=1", ParseOptions{Flavor: Exchange}, "BadRequest", "The query parameter '$foo' is not supported."},
		{"$levels outside $expand", "$levels=2", ParseOptions{}, "BadRequest", "The query parameter '$levels' is not supported."},
		{"repeated option", "$top=1&$top=2", ParseOptions{Flavor: Exchange}, "BadRequest", "Query option '$top' was specified more than once, but it must be specified at most once."},
		{"repeated option, other case", "$top=1&$TOP=2", ParseOptions{Flavor: Exchange}, "BadRequest", "Query option '$top' was specified more than once, but it must be specified at most once."},
		{"repeated option, with and without $", "$select=id&select=id", ParseOptions{DollarOptional: true}, "BadRequest", "Query option '$select' was specified more than once, but it must be specified at most once."},
		{"repeated filter", "$filter=a eq 1&$filter=b eq 2", ParseOptions{Flavor: Directory}, "Request_BadRequest", "Query option '$filter' was specified more than once, but it must be specified at most once."},
		{"directory top over cap", "$top=1000", ParseOptions{Flavor: Directory}, "Request_UnsupportedQuery", "Invalid page size specified: '1000'. Must be between 1 and 999 inclusive."},
		{"directory top zero", "$top=0", ParseOptions{Flavor: Directory}, "Request_UnsupportedQuery", "Invalid page size specified: '0'. Must be between 1 and 999 inclusive."},
		{"directory top not a number", "$top=ten", ParseOptions{Flavor: Directory}, "Request_UnsupportedQuery", "Invalid page size specified: 'ten'. Must be between 1 and 999 inclusive."},
		{"exchange top over cap", "$top=1001", ParseOptions{Flavor: Exchange}, "BadRequest", "The query specified in the URI is not valid. The limit of '1000' for Top query has been exceeded. The value from the incoming request is '1001'."},
		{"custom cap (Teams chats: 50)", "$top=100", ParseOptions{MaxTop: 50}, "BadRequest", "The query specified in the URI is not valid. The limit of '50' for Top query has been exceeded. The value from the incoming request is '100'."},
		{"negative top", "$top=-1", ParseOptions{}, "BadRequest", "Invalid value '-1' for $top query option found. The $top query option requires a non-negative integer value."},
		{"directory top with sign", "$top=%2B5", ParseOptions{Flavor: Directory}, "Request_UnsupportedQuery", "Invalid page size specified: '+5'. Must be between 1 and 999 inclusive."},
		{"top with two signs", "$top=%2B-5", ParseOptions{}, "BadRequest", "Invalid value '+-5' for $top query option found. The $top query option requires a non-negative integer value."},
		{"top not an integer", "$top=1.5", ParseOptions{Flavor: Exchange}, "BadRequest", "Invalid value '1.5' for $top query option found. The $top query option requires a non-negative integer value."},
		{"empty top (long.TryParse(\"\") fails)", "$top=", ParseOptions{Flavor: Exchange}, "BadRequest", "Invalid value '' for $top query option found. The $top query option requires a non-negative integer value."},
		{"count is case-sensitive (ODataQueryOptionParser.ParseCount: \"Invalid Samples: $count=True\")", "$count=True", ParseOptions{Flavor: Exchange}, "BadRequest", "Invalid value 'True' for $count query option found. Valid values are 'true, false'."},
		{"exchange top over cap with sign", "$top=%2B1001", ParseOptions{Flavor: Exchange}, "BadRequest", "The query specified in the URI is not valid. The limit of '1000' for Top query has been exceeded. The value from the incoming request is '+1001'."},
		{"top overflow", "$top=99999999999999999999", ParseOptions{MaxTop: -1}, "BadRequest", "Invalid value '99999999999999999999' for $top query option found. The $top query option requires a non-negative integer value."},
		{"bad skip", "$skip=x", ParseOptions{}, "BadRequest", "Invalid value 'x' for $skip query option found. The $skip query option requires a non-negative integer value."},
		{"bad count", "$count=yes", ParseOptions{Flavor: Exchange}, "BadRequest", "Invalid value 'yes' for $count query option found. Valid values are 'true, false'."},
		{"select path", "$select=from/emailAddress", ParseOptions{Flavor: Exchange}, "BadRequest", "Term 'from/emailAddress' is not valid in a $select or $expand expression."},
		{"select empty term", "$select=id,,mail", ParseOptions{Flavor: Directory}, "Request_BadRequest", "Term '' is not valid in a $select or $expand expression."},
		{"select leading comma", "$select=,id", ParseOptions{Flavor: Exchange}, "BadRequest", "Term '' is not valid in a $select or $expand expression."},
		{"empty filter", "$filter=", ParseOptions{Flavor: Exchange}, "BadRequest", "Invalid filter clause: Expression expected at position 0 in ''."},
		{"filter missing operand", "$filter=subject eq", ParseOptions{Flavor: Exchange}, "BadRequest", "Invalid filter clause: Expression expected at position 10 in 'subject eq'."},
		{"filter unknown operator", "$filter=subject iswhatever 12", ParseOptions{Flavor: Exchange}, "BadRequest", "Invalid filter clause: Syntax error at position 8 in 'subject iswhatever 12'."},
		{"filter unterminated string", "$filter=subject eq 'a", ParseOptions{Flavor: Exchange}, "BadRequest", "Invalid filter clause: There is an unterminated string literal at position 11 in 'subject eq 'a'."},
		{"filter bad character", "$filter=subject eq %23", ParseOptions{}, "BadRequest", "Syntax error: character '#' is not valid at position 11 in 'subject eq #'."},
		{"filter unclosed call", "$filter=startswith(displayName,'Garth'", ParseOptions{}, "BadRequest", "')' or ',' expected at position 30 in 'startswith(displayName,'Garth''."},
		{"filter unclosed group", "$filter=(a eq 1", ParseOptions{}, "BadRequest", "')' or operator expected at position 7 in '(a eq 1'."},
		{"directory hides the detail", "$filter=accountEnabled eq", ParseOptions{Flavor: Directory}, "BadRequest", "Invalid filter clause"},
		{"unknown function", "$filter=substringof('a',b)", ParseOptions{Flavor: Exchange}, "BadRequest", "Invalid filter clause: An unknown function with name 'substringof' was found. This may also be a function import or a key lookup on a navigation property, which is not allowed."},
		{"wrong argument count", "$filter=startswith(a)", ParseOptions{}, "BadRequest", "No function signature for the function with name 'startswith' matches the specified arguments. The function signatures considered are: startswith(Edm.String Nullable=true, Edm.String Nullable=true)."},
		{"range variable reused", "$filter=a/any(x:x/b/any(x:x eq 1))", ParseOptions{}, "BadRequest", "The range variable 'x' has already been declared."},
		{"impossible date", "$filter=x eq 2024-13-01T00:00:00Z", ParseOptions{Flavor: Exchange}, "BadRequest", "Invalid filter clause: Unrecognized 'Edm.DateTimeOffset' literal '2024-13-01T00:00:00Z' at '5' in 'x eq 2024-13-01T00:00:00Z'."},
		{"too deep", deep, ParseOptions{}, "BadRequest", "Recursion depth exceeded allowed limit."},
		{"lambda other than any/all", "$filter=a/some(x:x eq 1)", ParseOptions{}, "BadRequest", "Syntax error at position 2 in 'a/some(x:x eq 1)'."},
		{"$count not last", "$filter=a/$count/b eq 1", ParseOptions{}, "BadRequest", "Syntax error at position 2 in 'a/$count/b eq 1'."},
		{"in with a property", "$filter=id in ('a',b)", ParseOptions{}, "BadRequest", "Syntax error at position 11 in 'id in ('a',b)'."},
		{"orderby bad direction", "$orderby=receivedDateTime sideways", ParseOptions{Flavor: Exchange}, "BadRequest", "Syntax error at position 17 in 'receivedDateTime sideways'."},
		{"orderby empty item", "$orderby=a,,b", ParseOptions{}, "BadRequest", "Syntax error at position 2 in 'a,,b'."},
		{"orderby bad path", "$orderby=a/", ParseOptions{}, "BadRequest", "Syntax error at position 0 in 'a/'."},
		{"expand empty parens", "$expand=members()", ParseOptions{Flavor: Directory}, "Request_BadRequest", "Missing expand option on navigation property 'members'. If a parenthesis expression follows an expanded navigation property, then at least one expand option must be provided."},
		{"expand cast of a non-type", "$expand=from/event", ParseOptions{Flavor: Exchange}, "BadRequest", "Term 'from/event' is not valid in a $select or $expand expression."},
		{"expand cast to star", "$expand=microsoft.graph.eventMessage/*", ParseOptions{Flavor: Exchange}, "BadRequest", "Term '*' is not valid in a $select or $expand expression."},
		{"expand unknown nested option", "$expand=members($foo=1)", ParseOptions{Flavor: Directory}, "Request_BadRequest", "Unrecognized query argument specified: '$foo'."},
		{"expand nested bad top", "$expand=members($top=1000)", ParseOptions{Flavor: Directory}, "Request_UnsupportedQuery", "Invalid page size specified: '1000'. Must be between 1 and 999 inclusive."},
		{"expand bad levels", "$expand=manager($levels=all)", ParseOptions{}, "BadRequest", "Levels option must be a non-negative integer or 'max', it is set to 'all' instead."},
		{"search unterminated", `$search="from:bob`, ParseOptions{Flavor: Exchange}, "BadRequest", `There is an unterminated string literal at position 0 in '"from:bob'.`},
		{"search empty", `$search=""`, ParseOptions{Flavor: Exchange}, "BadRequest", `Expression expected at position 2 in '""'.`},
		{"search dangling OR", `$search="a" OR`, ParseOptions{Flavor: Directory}, "Request_BadRequest", `Expression expected at position 6 in '"a" OR'.`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q, err := Parse(mustQuery(t, tt.raw), tt.opts)
			if err == nil {
				t.Fatalf("Parse(%q) = %+v, want error", tt.raw, q)
			}
			e, ok := err.(*Error)
			if !ok {
				t.Fatalf("error %T is not *Error: %v", err, err)
			}
			if e.Code != tt.code || e.Message != tt.message || e.Status != 400 {
				t.Fatalf("got  %d %s %q\nwant 400 %s %q", e.Status, e.Code, e.Message, tt.code, tt.message)
			}
		})
	}
}

func TestParseSearch(t *testing.T) {
	tests := []struct {
		raw  string
		want [][]SearchTerm
	}{
		{`"pizza"`, [][]SearchTerm{{{Value: "pizza"}}}},
		{`pizza`, [][]SearchTerm{{{Value: "pizza"}}}},
		{`"from:bob"`, [][]SearchTerm{{{Property: "from", Value: "bob"}}}},
		{`"subject:\"quarterly report\""`, [][]SearchTerm{{{Property: "subject", Value: "quarterly report"}}}},
		{`"from:bob subject:lunch"`, [][]SearchTerm{{{Property: "from", Value: "bob"}, {Property: "subject", Value: "lunch"}}}},
		{`"displayName:wa" AND "mail:x" OR "mail:y"`, [][]SearchTerm{{{Property: "displayName", Value: "wa"}, {Property: "mail", Value: "x"}}, {{Property: "mail", Value: "y"}}}},
		{`"budget NOT draft"`, [][]SearchTerm{{{Value: "budget"}, {Value: "draft", Not: true}}}},
		{`"a\\b"`, [][]SearchTerm{{{Value: `a\b`}}}},
		{`"time:10:30"`, [][]SearchTerm{{{Property: "time", Value: "10:30"}}}},
	}
	for _, tt := range tests {
		s, err := ParseSearch(tt.raw, Exchange)
		if err != nil {
			t.Fatalf("ParseSearch(%s): %v", tt.raw, err)
		}
		if s.Raw != tt.raw || !reflect.DeepEqual(s.Groups, tt.want) {
			t.Errorf("ParseSearch(%s) = %+v, want %+v", tt.raw, s.Groups, tt.want)
		}
	}
}

func TestFilterDepthLimit(t *testing.T) {
	// "not" counts only as a whole word: 150 properties named notes are fine.
	many := strings.Repeat("notes eq 'a' or ", 150) + "notes eq 'b'"
	if _, err := ParseFilter(many, Generic); err != nil {
		t.Fatalf("flat filter refused: %v", err)
	}
	nots := strings.Repeat("not ", MaxFilterDepth+1) + "isRead"
	if _, err := ParseFilter(nots, Generic); err == nil || err.(*Error).Message != "Recursion depth exceeded allowed limit." {
		t.Fatalf("deep not chain: %v", err)
	}
	ok := strings.Repeat("not ", MaxFilterDepth) + "isRead"
	if _, err := ParseFilter(ok, Generic); err != nil {
		t.Fatalf("not chain at the limit refused: %v", err)
	}
}

// A url.Values built by hand may hold a key with no value.
func TestParseEmptyValueSlice(t *testing.T) {
	if _, err := Parse(url.Values{"$top": {}}, ParseOptions{Flavor: Directory}); err == nil {
		t.Fatal("empty $top accepted")
	}
	q, err := Parse(url.Values{"$skiptoken": {}}, ParseOptions{})
	if err != nil || q.SkipToken != "" {
		t.Fatalf("empty $skiptoken: %+v, %v", q, err)
	}
}

func TestFilterDepthCountsNesting(t *testing.T) {
	flat := strings.Repeat("not isRead and ", MaxFilterDepth+10) + "isRead"
	if _, err := ParseFilter(flat, Generic); err != nil {
		t.Fatalf("a flat chain of negations is not deep: %v", err)
	}
	nested := strings.Repeat("not (", MaxFilterDepth/2+1) + "isRead" + strings.Repeat(")", MaxFilterDepth/2+1)
	if _, err := ParseFilter(nested, Generic); err == nil {
		t.Fatal("nested negations beyond the limit accepted")
	}
}
