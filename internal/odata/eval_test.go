package odata

import (
	"testing"
	"time"
)

var (
	mayFirst = time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC)

	// A message as the Exchange handlers would expose it.
	inboxMessage = Row{
		"id":               "AAMkAGI1",
		"subject":          "Your Invoice #42",
		"isRead":           false,
		"hasAttachments":   true,
		"importance":       "High",
		"from":             Row{"emailAddress": Row{"address": "X@Y.Z", "name": "Xavier"}},
		"receivedDateTime": mayFirst.Add(36 * time.Hour),
		"size":             2048,
		"categories":       []string{"Red category", "Blue category"},
		"toRecipients": []any{
			Row{"emailAddress": Row{"address": "adele@contoso.com"}},
			map[string]any{"emailAddress": map[string]any{"address": "alex@contoso.com"}},
		},
		"flag":     nil,
		"parentId": nil,
	}
	// A group as the directory handlers would expose it.
	unifiedGroup = Row{
		"id":               "8fce32da-1246-437b-99cd-76d1d4677bd5",
		"displayName":      "David's team",
		"groupTypes":       []any{"Unified"},
		"assignedLicenses": []any{},
		"mail":             nil,
		"score":            1.5,
	}
)

func TestEval(t *testing.T) {
	tests := []struct {
		filter string
		row    Row
		want   bool
	}{
		// Home Assistant calls
		{"isRead eq false and hasAttachments eq true and importance eq 'high' and from/emailAddress/address eq 'x@y.z' and contains(subject,'invoice') and receivedDateTime ge 2024-05-01T00:00:00Z", inboxMessage, true},
		{"contains(subject,'x')", inboxMessage, false},
		{"startswith(displayName,'David')", unifiedGroup, true},
		{"groupTypes/any(a:a eq 'unified')", unifiedGroup, true},
		{"organizer/emailAddress/address eq 'a@b.c'", Row{"organizer": Row{"emailAddress": Row{"address": "A@B.C"}}}, true},
		{"status ne 'completed'", Row{"status": "notStarted"}, true},
		{"status ne 'completed'", Row{"status": "Completed"}, false},
		{"displayName eq 'Inbox'", Row{"displayName": "inbox"}, true},
		// strings ignore case everywhere
		{"subject eq 'YOUR INVOICE #42'", inboxMessage, true},
		{"endswith(subject,'#42')", inboxMessage, true},
		{"startswith(subject,'your')", inboxMessage, true},
		{"subject gt 'xyz'", inboxMessage, true}, // "your..." > "xyz"
		{"subject lt 'Z'", inboxMessage, true},
		{"importance in ('low','HIGH')", inboxMessage, true},
		{"importance in ('low','normal')", inboxMessage, false},
		// numbers, times, dates, GUIDs
		{"size gt 2000 and size le 2048", inboxMessage, true},
		{"size eq 2048.0", inboxMessage, true},
		{"score ge 1 and score lt 2", unifiedGroup, true},
		{"receivedDateTime le 2024-05-02T14:00:00+02:00", inboxMessage, true}, // the same instant as 12:00Z
		{"receivedDateTime lt 2024-05-02T14:00:00+02:00", inboxMessage, false},
		{"receivedDateTime ge 2024-05-02", inboxMessage, true},
		{"receivedDateTime gt 2024-05-02T12:00:00.0000001Z", inboxMessage, false},
		{"id eq 8FCE32DA-1246-437B-99CD-76D1D4677BD5", unifiedGroup, true},
		// nulls: two-valued logic
		{"mail eq null", unifiedGroup, true},
		{"mail ne null", unifiedGroup, false},
		{"mail eq 'a@b.c'", unifiedGroup, false},
		{"mail ne 'a@b.c'", unifiedGroup, true},
		{"not(mail eq 'a@b.c')", unifiedGroup, true},
		{"mail gt 'a'", unifiedGroup, false},
		{"not(mail gt 'a')", unifiedGroup, true},
		{"startswith(mail,'a')", unifiedGroup, false},
		{"not startswith(mail,'a')", unifiedGroup, true},
		{"mail in ('x', null)", unifiedGroup, true},
		{"flag/flagStatus eq null", inboxMessage, true}, // property of a null complex value
		// lambdas and $count
		{"categories/any(c:startswith(c,'blue'))", inboxMessage, true},
		{"categories/all(c:endswith(c,'category'))", inboxMessage, true},
		{"categories/all(c:startswith(c,'red'))", inboxMessage, false},
		{"toRecipients/any(r:r/emailAddress/address eq 'ALEX@contoso.com')", inboxMessage, true},
		{"toRecipients/any(r:startswith(r/emailAddress/address,'bob'))", inboxMessage, false},
		{"toRecipients/any()", inboxMessage, true},
		{"assignedLicenses/any()", unifiedGroup, false},
		{"assignedLicenses/all(l:l/skuId eq 'x')", unifiedGroup, true},
		{"assignedLicenses/$count eq 0", unifiedGroup, true},
		{"categories/$count eq 2", inboxMessage, true},
		{"not(groupTypes/any(c:c eq 'Unified'))", unifiedGroup, false},
		// bare booleans and constants
		{"hasAttachments", inboxMessage, true},
		{"not isRead", inboxMessage, true},
		{"true", inboxMessage, true},
		{"null", inboxMessage, false},
		{"1 eq 1.0 and 'a' eq 'A'", inboxMessage, true},
		{"(size gt 1) eq true", inboxMessage, true},
		{"isRead eq false or nosuchproperty eq 1", inboxMessage, true}, // short-circuit
	}
	for _, tt := range tests {
		e, err := ParseFilter(tt.filter, Generic)
		if err != nil {
			t.Fatalf("ParseFilter(%q): %v", tt.filter, err)
		}
		got, err := Eval(e, tt.row)
		if err != nil {
			t.Errorf("Eval(%q): %v", tt.filter, err)
			continue
		}
		if got != tt.want {
			t.Errorf("Eval(%q) = %v, want %v", tt.filter, got, tt.want)
		}
	}
}

func TestEvalErrors(t *testing.T) {
	tests := []struct {
		filter  string
		flavor  Flavor
		code    string
		message string
	}{
		{"nosuch eq 1", Exchange, "RequestBroker--ParseUri", "Could not find a property named 'nosuch' on type 'microsoft.graph.message'."},
		{"nosuch eq 1", Directory, "Request_UnsupportedQuery", "Property 'nosuch' does not exist as a declared property or extension property."},
		{"toRecipients/any(r:r/nosuch eq 1)", Generic, "BadRequest", "Could not find a property named 'r/nosuch' on type 'microsoft.graph.message'."},
		{"subject eq 1", Exchange, "BadRequest", "Invalid filter clause: A binary operator with incompatible types was detected. Found operand types 'Edm.String' and 'Edm.Int64' for operator kind 'Equal'."},
		{"isRead eq 'false'", Directory, "BadRequest", "Invalid filter clause"},
		{"receivedDateTime ge '2024-01-01'", Generic, "BadRequest", "A binary operator with incompatible types was detected. Found operand types 'Edm.DateTimeOffset' and 'Edm.String' for operator kind 'GreaterThanOrEqual'."},
		{"startswith(size,'2')", Generic, "BadRequest", "No function signature for the function with name 'startswith' matches the specified arguments. The function signatures considered are: startswith(Edm.String Nullable=true, Edm.String Nullable=true)."},
		{"subject/any(c:c eq 'a')", Generic, "BadRequest", "Any/All may only be used following a collection."},
		{"categories eq 'a'", Generic, "BadRequest", "The operand for a binary operator 'Equal' is not a single value. Binary operators require both operands to be single values."},
		{"subject", Generic, "BadRequest", "The $filter expression must evaluate to a single boolean value."},
	}
	for _, tt := range tests {
		e, err := ParseFilter(tt.filter, tt.flavor)
		if err != nil {
			t.Fatalf("ParseFilter(%q): %v", tt.filter, err)
		}
		_, err = EvalWith(e, inboxMessage, EvalOptions{Flavor: tt.flavor, EntityType: "microsoft.graph.message"})
		ge, ok := err.(*Error)
		if !ok || ge.Code != tt.code || ge.Message != tt.message {
			t.Errorf("Eval(%q) error = %v\nwant %s: %s", tt.filter, err, tt.code, tt.message)
		}
	}
}

func TestCompareRows(t *testing.T) {
	rows := []Row{
		{"id": "1", "name": "bob", "when": mayFirst},
		{"id": "2", "name": nil, "when": mayFirst.Add(time.Hour)},
		{"id": "3", "name": "Alice", "when": mayFirst},
	}
	tests := []struct {
		items []OrderItem
		a, b  int
		want  int
	}{
		{[]OrderItem{{Property: "name"}}, 0, 2, 1},             // bob > alice, ignoring case
		{[]OrderItem{{Property: "name"}}, 1, 0, -1},            // null first ascending
		{[]OrderItem{{Property: "name", Desc: true}}, 1, 0, 1}, // null last descending
		{[]OrderItem{{Property: "when"}, {Property: "name"}}, 0, 2, 1},
		{[]OrderItem{{Property: "when", Desc: true}}, 0, 1, 1},
		{[]OrderItem{{Property: "when"}}, 0, 2, 0},
	}
	for _, tt := range tests {
		got, err := CompareRows(tt.items, rows[tt.a], rows[tt.b], EvalOptions{})
		if err != nil || got != tt.want {
			t.Errorf("CompareRows(%v, %d, %d) = %d, %v; want %d", tt.items, tt.a, tt.b, got, err, tt.want)
		}
	}
	if _, err := CompareRows([]OrderItem{{Property: "nope"}}, rows[0], rows[1], EvalOptions{}); err == nil {
		t.Error("CompareRows on an unknown property: no error")
	}
}
