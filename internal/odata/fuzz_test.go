package odata

import (
	"encoding/json"
	"reflect"
	"testing"
)

// fuzzJSONMessage is a message document for the fuzzers' Eval, with a
// property absent, one null and arrays of scalars, objects and arrays.
var fuzzJSONMessage = func() map[string]any {
	var doc map[string]any
	if err := json.Unmarshal([]byte(`{"id":"m1","subject":"Hi","isRead":false,"importance":null,
		"receivedDateTime":"2024-05-01T10:00:00.0000000Z","from":{"emailAddress":{"address":"a@b.c"}},
		"toRecipients":[{"emailAddress":{"address":"x@y.z","name":null}},{}],"categories":["Red",null],
		"multiValueExtendedProperties":[{"id":"x","value":["a"]}]}`), &doc); err != nil {
		panic(err)
	}
	return doc
}()

// FuzzParseFilter checks that no input panics the parser, the evaluator or
// the SQL compiler, and that a parsed filter prints to text that parses
// back to an equal tree.
func FuzzParseFilter(f *testing.F) {
	seeds := append([]string{
		"displayName eq 'Inbox'",
		"startswith(displayName,'David')",
		"groupTypes/any(a:a eq 'unified')",
		"emailAddresses/any(x:startswith(x/address,'adele'))",
		"assignedLicenses/$count eq 0",
		"organizer/emailAddress/address eq 'a@b.c'",
		"id in ('a','b') and resourceId eq 8fce32da-1246-437b-99cd-76d1d4677bd5",
		"not(a eq 1) or (b lt 2.5e3 and c ge 2024-01-01T00:00:00.5+01:00)",
		"x/any(a: a/b/all(b: b eq a/c))",
		"startswith(displayName,'Garth'",
		"subject eq 'it''s'",
		"a eq 'unterminated",
	}, crossCheckFilters...)
	for _, tt := range jsonCrossCheckFilters {
		seeds = append(seeds, tt.filter)
	}
	jsonMessage := jsonKinds["message"].props
	jsonMapping := jsonKindMapping("message")
	for _, s := range seeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		e, err := ParseFilter(text, Exchange)
		if err != nil {
			if _, ok := err.(*Error); !ok {
				t.Fatalf("ParseFilter(%q): error %T is not *Error", text, err)
			}
			return
		}
		printed := e.String()
		again, err := ParseFilter(printed, Exchange)
		if err != nil {
			t.Fatalf("ParseFilter(%q) printed %q, which does not parse: %v", text, printed, err)
		}
		if !reflect.DeepEqual(e, again) {
			t.Fatalf("ParseFilter(%q) printed %q, which parses to %q", text, printed, again)
		}
		_, _ = Eval(e, inboxMessage)
		_, _ = Eval(e, jsonMessage.Resolver(fuzzJSONMessage))
		for _, d := range []Dialect{SQLite, Postgres} {
			_, _, _ = CompileFilter(e, messageMapping, SQLOptions{Dialect: d})
			_, _, _ = CompileFilter(e, jsonMapping, SQLOptions{Dialect: d})
		}
	})
}

// FuzzParse checks that no query string panics Parse, whose $expand,
// $orderby and $search splitting is hand-written.
func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"$filter=displayName eq 'Inbox'&$top=1",
		"$expand=members($select=id,displayName;$filter=startswith(displayName,'a;b');$top=5),owners",
		"$orderby=receivedDateTime desc,subject&$select=subject,from",
		`$search="subject:\"quarterly report\"" OR "from:bob"&$count=true`,
		"$expand=manager($levels=max;$expand=manager($select=id))",
		"select=id&expand=children(select=name)",
		"$expand=microsoft.graph.eventMessage/event($select=subject),a.b/c",
		"$select=&$expand=&$top=%2B5&$skip=%203%20&$count=%20true",
		"$select=%20subject%20,attachments,&%20$top%20=2",
		"$select=*&$count=True&$select=id",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		values, err := ParseRawQuery(raw)
		if err != nil {
			return
		}
		for _, opts := range []ParseOptions{{Flavor: Directory}, {Flavor: Exchange, DollarOptional: true}} {
			if _, err := Parse(values, opts); err != nil {
				if _, ok := err.(*Error); !ok {
					t.Fatalf("Parse(%q): error %T is not *Error", raw, err)
				}
			}
		}
	})
}
