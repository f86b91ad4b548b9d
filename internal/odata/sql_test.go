package odata

import (
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"
)

// toPostgres rewrites the expected SQLite text for Postgres: numbered
// placeholders, from offset+1.
func toPostgres(sqlite string, offset int) string {
	var b strings.Builder
	n := offset
	for _, part := range strings.SplitAfter(sqlite, "?") {
		if strings.HasSuffix(part, "?") {
			n++
			b.WriteString(strings.TrimSuffix(part, "?") + "$" + strconv.Itoa(n))
			continue
		}
		b.WriteString(part)
	}
	return b.String()
}

func TestCompileFilter(t *testing.T) {
	may1 := time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		name    string
		mapping Mapping
		filter  string
		sqlite  string // expected SQLite SQL; Postgres is the same with $n unless pg is set
		pg      string
		args    []any // SQLite args; Postgres differs only for times (pgArgs)
		pgArgs  []any
	}{
		{
			name: "ha mail query", mapping: messageMapping,
			filter: "isRead eq false and hasAttachments eq true and importance eq 'high' and from/emailAddress/address eq 'x@y.z' and contains(subject,'invoice') and receivedDateTime ge 2024-05-01T00:00:00Z",
			sqlite: `m.is_read = ? AND m.has_attachments = ? AND lower(m.importance) = lower(?) AND lower(m.from_address) = lower(?) AND lower(m.subject) LIKE lower(?) ESCAPE '\' AND m.received_at >= ?`,
			args:   []any{false, true, "high", "x@y.z", "%invoice%", "2024-05-01T00:00:00.0000000Z"},
			pgArgs: []any{false, true, "high", "x@y.z", "%invoice%", may1},
		},
		{
			name: "ha inbox", mapping: Mapping{EntityType: "microsoft.graph.mailFolder", Columns: map[string]Column{"displayName": {SQL: "f.display_name", Type: TypeString}}},
			filter: "displayName eq 'Inbox'", sqlite: "lower(f.display_name) = lower(?)", args: []any{"Inbox"},
		},
		{
			name: "ha todo", mapping: Mapping{Columns: map[string]Column{"status": {SQL: "t.status", Type: TypeString}}},
			filter: "status ne 'completed'", sqlite: "(t.status IS NULL OR lower(t.status) <> lower(?))", args: []any{"completed"},
		},
		{
			name: "ha startswith", mapping: groupMapping, filter: "startswith(displayName,'David')",
			sqlite: `lower(g.display_name) LIKE lower(?) ESCAPE '\' AND lower(g.display_name) >= ? AND lower(g.display_name) < ?`,
			pg:     `lower(g.display_name) LIKE lower($1) ESCAPE '\' AND lower(g.display_name) >= $2 COLLATE "C" AND lower(g.display_name) < $3 COLLATE "C"`,
			args:   []any{"David%", "david", "davie"},
		},
		{
			name: "ha unified groups", mapping: groupMapping, filter: "groupTypes/any(a:a eq 'unified')",
			sqlite: "EXISTS (SELECT 1 FROM group_types AS l1 WHERE l1.group_id = g.id AND (lower(l1.value) = lower(?)))", args: []any{"unified"},
		},
		{
			name: "ha organizer", mapping: Mapping{Columns: map[string]Column{"organizer/emailAddress/address": {SQL: "e.organizer_address", Type: TypeString}}},
			filter: "organizer/emailAddress/address eq 'a@b.c'", sqlite: "lower(e.organizer_address) = lower(?)", args: []any{"a@b.c"},
		},
		{
			name: "LIKE wildcards escaped", mapping: messageMapping, filter: `contains(subject,'100%_\') or endswith(subject,'x')`,
			sqlite: `lower(m.subject) LIKE lower(?) ESCAPE '\' OR lower(m.subject) LIKE lower(?) ESCAPE '\'`, args: []any{`%100\%\_\\%`, "%x"},
		},
		{
			name: "complex lambda", mapping: contactMapping, filter: "emailAddresses/any(x:startswith(x/address,'adele'))",
			sqlite: `EXISTS (SELECT 1 FROM contact_emails AS l1 WHERE l1.contact_id = c.id AND (lower(l1.address) LIKE lower(?) ESCAPE '\' AND lower(l1.address) >= ? AND lower(l1.address) < ?))`,
			pg:     `EXISTS (SELECT 1 FROM contact_emails AS l1 WHERE l1.contact_id = c.id AND (lower(l1.address) LIKE lower($1) ESCAPE '\' AND lower(l1.address) >= $2 COLLATE "C" AND lower(l1.address) < $3 COLLATE "C"))`,
			args:   []any{"adele%", "adele", "adelf"},
		},
		{
			name: "all, not, $count", mapping: groupMapping, filter: "not(groupTypes/any(c:c eq 'Unified')) and assignedLicenses/all(l:l/skuId ne null) and assignedLicenses/$count eq 0",
			sqlite: "NOT (EXISTS (SELECT 1 FROM group_types AS l1 WHERE l1.group_id = g.id AND (lower(l1.value) = lower(?)))) AND NOT EXISTS (SELECT 1 FROM group_licenses AS l2 WHERE l2.group_id = g.id AND NOT (l2.sku_id IS NOT NULL)) AND (SELECT COUNT(*) FROM group_licenses AS l3 WHERE l3.group_id = g.id) = ?",
			args:   []any{"Unified", int64(0)},
		},
		{
			name: "all with a nullable predicate", mapping: messageMapping, filter: "categories/all(c:startswith(c,'r'))",
			sqlite: `NOT EXISTS (SELECT 1 FROM message_categories AS l1 WHERE l1.message_id = m.id AND NOT COALESCE(lower(l1.value) LIKE lower(?) ESCAPE '\' AND lower(l1.value) >= ? AND lower(l1.value) < ?, FALSE))`,
			pg:     `NOT EXISTS (SELECT 1 FROM message_categories AS l1 WHERE l1.message_id = m.id AND NOT COALESCE(lower(l1.value) LIKE lower($1) ESCAPE '\' AND lower(l1.value) >= $2 COLLATE "C" AND lower(l1.value) < $3 COLLATE "C", FALSE))`,
			args:   []any{"r%", "r", "s"},
		},
		{
			name: "not folds NULL to false", mapping: messageMapping, filter: "not(subject eq 'a') or not(isRead)",
			sqlite: "NOT COALESCE(lower(m.subject) = lower(?), FALSE) OR NOT COALESCE(m.is_read = ?, FALSE)", args: []any{"a", true},
		},
		{
			name: "precedence and parentheses", mapping: messageMapping, filter: "(size gt 1 or size lt -1) and (score ge 2.5 and isRead eq true)",
			sqlite: "(m.size > ? OR m.size < ?) AND (m.score >= ? AND m.is_read = ?)", args: []any{int64(1), int64(-1), 2.5, true},
		},
		{
			name: "string ranges use byte order on Postgres", mapping: messageMapping, filter: "subject ge 'a' and 'z' gt subject",
			sqlite: "lower(m.subject) >= lower(?) AND lower(m.subject) < lower(?)",
			pg:     `lower(m.subject) >= lower($1) COLLATE "C" AND lower(m.subject) < lower($2) COLLATE "C"`,
			args:   []any{"a", "z"},
		},
		{
			name: "in, with and without null", mapping: messageMapping, filter: "importance in ('low','high') or importance in ('normal',null) or subject in (null)",
			sqlite: "lower(m.importance) IN (lower(?), lower(?)) OR (m.importance IS NULL OR lower(m.importance) IN (lower(?))) OR m.subject IS NULL",
			args:   []any{"low", "high", "normal"},
		},
		{
			name: "null comparisons", mapping: messageMapping, filter: "subject eq null and importance ne null and size gt null",
			sqlite: "m.subject IS NULL AND m.importance IS NOT NULL AND 1 = 0",
		},
		{
			name: "int column, decimal literal", mapping: messageMapping, filter: "size ge 2500.5",
			sqlite: "m.size >= ?", pg: "m.size >= CAST($1 AS double precision)", args: []any{2500.5},
		},
		{
			name: "date literal and offsets", mapping: messageMapping, filter: "receivedDateTime lt 2024-05-02 and receivedDateTime gt 2024-05-01T10:00:00.5+02:00",
			sqlite: "m.received_at < ? AND m.received_at > ?",
			args:   []any{"2024-05-02T00:00:00.0000000Z", "2024-05-01T08:00:00.5000000Z"},
			pgArgs: []any{time.Date(2024, 5, 2, 0, 0, 0, 0, time.UTC), time.Date(2024, 5, 1, 8, 0, 0, 500_000_000, time.UTC)},
		},
		{
			name: "guid literal", mapping: groupMapping, filter: "id eq 8FCE32DA-1246-437b-99cd-76d1d4677bd5",
			sqlite: "lower(g.id) = lower(?)", args: []any{"8fce32da-1246-437b-99cd-76d1d4677bd5"},
		},
		{
			name: "constants fold", mapping: messageMapping, filter: "true and 1 eq 1.0 and not(false) or startswith('abc','A')",
			sqlite: "(1 = 1 AND 1 = 1 AND NOT (1 = 0)) OR 1 = 1",
		},
		{
			name: "names ignore case", mapping: messageMapping, filter: "SUBJECT eq 'a' and From/EmailAddress/Address eq 'b'",
			sqlite: "lower(m.subject) = lower(?) AND lower(m.from_address) = lower(?)", args: []any{"a", "b"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, err := ParseFilter(tt.filter, Generic)
			if err != nil {
				t.Fatal(err)
			}
			sql, args, err := CompileFilter(e, tt.mapping, SQLOptions{Dialect: SQLite})
			if err != nil {
				t.Fatal(err)
			}
			if sql != tt.sqlite || !reflect.DeepEqual(args, tt.args) {
				t.Errorf("SQLite\n got  %s %#v\n want %s %#v", sql, args, tt.sqlite, tt.args)
			}
			wantPG, wantArgs := tt.pg, tt.args
			if wantPG == "" {
				wantPG = toPostgres(tt.sqlite, 0)
			}
			if tt.pgArgs != nil {
				wantArgs = tt.pgArgs
			}
			sql, args, err = CompileFilter(e, tt.mapping, SQLOptions{Dialect: Postgres})
			if err != nil {
				t.Fatal(err)
			}
			if sql != wantPG || !reflect.DeepEqual(args, wantArgs) {
				t.Errorf("Postgres\n got  %s %#v\n want %s %#v", sql, args, wantPG, wantArgs)
			}
		})
	}
}

func TestCompileFilterArgOffset(t *testing.T) {
	e, err := ParseFilter("subject eq 'a' and size gt 3", Generic)
	if err != nil {
		t.Fatal(err)
	}
	sql, args, err := CompileFilter(e, messageMapping, SQLOptions{Dialect: Postgres, ArgOffset: 2})
	if err != nil {
		t.Fatal(err)
	}
	if want := "lower(m.subject) = lower($3) AND m.size > $4"; sql != want || len(args) != 2 {
		t.Fatalf("got %s %v, want %s", sql, args, want)
	}
}

// Unsupported constructs give the Graph error of the flavor, never SQL.
func TestCompileFilterErrors(t *testing.T) {
	tests := []struct {
		mapping Mapping
		filter  string
		flavor  Flavor
		code    string
		message string
	}{
		{messageMapping, "nosuch eq 'a'", Exchange, "RequestBroker--ParseUri", "Could not find a property named 'nosuch' on type 'microsoft.graph.message'."},
		{groupMapping, "nosuch eq 'a'", Directory, "Request_UnsupportedQuery", "Property 'nosuch' does not exist as a declared property or extension property."},
		{messageMapping, "toRecipients/any(r:r/nosuch eq 'a')", Generic, "BadRequest", "Could not find a property named 'r/nosuch' on type 'microsoft.graph.message'."},
		{messageMapping, "subject/any(s:s eq 'a')", Exchange, "ErrorInvalidUrlQueryFilter", "The query filter contains one or more invalid nodes."},
		{groupMapping, "displayName/any(s:s eq 'a')", Directory, "Request_UnsupportedQuery", "Unsupported or invalid query filter clause specified for property 'displayName' of resource 'Group'."},
		{messageMapping, "subject/any(s:s eq 'a')", Generic, "BadRequest", "The property 'subject' cannot be used in the $filter query option."},
		{messageMapping, "startswith(size,'1')", Exchange, "ErrorInvalidUrlQueryFilter", "The query filter contains one or more invalid nodes."},
		{groupMapping, "startswith(createdDateTime,'2024')", Directory, "Request_UnsupportedQuery", "Unsupported or invalid query filter clause specified for property 'createdDateTime' of resource 'Group'."},
		{groupMapping, "groupTypes eq 'Unified'", Directory, "Request_UnsupportedQuery", "Unsupported or invalid query filter clause specified for property 'groupTypes' of resource 'Group'."},
		{groupMapping, "groupTypes/$count eq 'a'", Directory, "BadRequest", "Invalid filter clause"},
		{messageMapping, "subject eq 1", Exchange, "BadRequest", "Invalid filter clause: A binary operator with incompatible types was detected. Found operand types 'Edm.String' and 'Edm.Int64' for operator kind 'Equal'."},
		{groupMapping, "mail eq true", Directory, "BadRequest", "Invalid filter clause"},
		{messageMapping, "receivedDateTime ge '2024-01-01'", Generic, "BadRequest", "A binary operator with incompatible types was detected. Found operand types 'Edm.DateTimeOffset' and 'Edm.String' for operator kind 'GreaterThanOrEqual'."},
		{messageMapping, "importance in ('low', 2)", Generic, "BadRequest", "A binary operator with incompatible types was detected. Found operand types 'Edm.String' and 'Edm.Int64' for operator kind 'Equal'."},
		{messageMapping, "subject", Generic, "BadRequest", "The $filter expression must evaluate to a single boolean value."},
		{messageMapping, "subject eq importance", Directory, "Request_UnsupportedQuery", "Unsupported Query."},
		{messageMapping, "toRecipients/any(r:r/emailAddress/address eq from/emailAddress/address)", Exchange, "ErrorInvalidUrlQueryFilter", "The query filter contains one or more invalid nodes."},
		{messageMapping, "contains(subject,importance)", Generic, "BadRequest", "Unsupported Query."},
		{messageMapping, "startswith(subject,1)", Generic, "BadRequest", "No function signature for the function with name 'startswith' matches the specified arguments. The function signatures considered are: startswith(Edm.String Nullable=true, Edm.String Nullable=true)."},
		{messageMapping, "'a' eq 1", Generic, "BadRequest", "A binary operator with incompatible types was detected. Found operand types 'Edm.String' and 'Edm.Int64' for operator kind 'Equal'."},
		{messageMapping, "categories/any(c:c/x eq 1)", Generic, "BadRequest", "Could not find a property named 'c/x' on type 'microsoft.graph.message'."},
		{messageMapping, "toRecipients/any(r:r eq 'a')", Generic, "BadRequest", "The property 'r' cannot be used in the $filter query option."},
	}
	for _, tt := range tests {
		e, err := ParseFilter(tt.filter, tt.flavor)
		if err != nil {
			t.Errorf("ParseFilter(%q): %v", tt.filter, err)
			continue
		}
		for _, d := range []Dialect{SQLite, Postgres} {
			sql, _, err := CompileFilter(e, tt.mapping, SQLOptions{Dialect: d, Flavor: tt.flavor})
			ge, ok := err.(*Error)
			if !ok || ge.Code != tt.code || ge.Message != tt.message || sql != "" {
				t.Errorf("%v %q: got %q, %v\n want %s: %s", d, tt.filter, sql, err, tt.code, tt.message)
			}
		}
	}
}

func TestCompileOrderBy(t *testing.T) {
	tests := []struct {
		orderby  string
		tie      string
		sqlite   string
		postgres string
	}{
		{"receivedDateTime desc", "m.id", "ORDER BY m.received_at DESC, m.id ASC", "ORDER BY m.received_at DESC NULLS LAST, m.id ASC"},
		{"receivedDateTime DESC", "", "ORDER BY m.received_at DESC", "ORDER BY m.received_at DESC NULLS LAST"},
		{"subject, from/emailAddress/address desc, size", "m.id",
			"ORDER BY lower(m.subject) ASC, lower(m.from_address) DESC, m.size ASC, m.id ASC",
			`ORDER BY lower(m.subject) COLLATE "C" ASC NULLS FIRST, lower(m.from_address) COLLATE "C" DESC NULLS LAST, m.size ASC NULLS FIRST, m.id ASC`},
		{"", "m.id", "ORDER BY m.id ASC", "ORDER BY m.id ASC"},
	}
	for _, tt := range tests {
		var items []OrderItem
		if tt.orderby != "" {
			var err error
			if items, err = ParseOrderBy(tt.orderby, Generic); err != nil {
				t.Fatal(err)
			}
		}
		for d, want := range map[Dialect]string{SQLite: tt.sqlite, Postgres: tt.postgres} {
			got, err := CompileOrderBy(items, messageMapping, tt.tie, SQLOptions{Dialect: d})
			if err != nil || got != want {
				t.Errorf("%v $orderby=%s: %q, %v; want %q", d, tt.orderby, got, err, want)
			}
		}
	}
	if got, err := CompileOrderBy(nil, messageMapping, "", SQLOptions{Dialect: SQLite}); got != "" || err != nil {
		t.Errorf("no order: %q, %v", got, err)
	}
}

func TestCompileOrderByErrors(t *testing.T) {
	tests := []struct {
		mapping  Mapping
		property string
		flavor   Flavor
		code     string
		message  string
	}{
		{groupMapping, "createdAt", Directory, "Request_UnsupportedQuery", "Unsupported sort property 'createdAt' for 'Group'."},
		{groupMapping, "groupTypes", Directory, "Request_UnsupportedQuery", "Unsupported sort property 'groupTypes' for 'Group'."},
		{messageMapping, "nosuch", Exchange, "RequestBroker--ParseUri", "Could not find a property named 'nosuch' on type 'microsoft.graph.message'."},
		{messageMapping, "categories", Exchange, "BadRequest", "The property 'categories' cannot be used in the $orderby query option."},
	}
	for _, tt := range tests {
		_, err := CompileOrderBy([]OrderItem{{Property: tt.property}}, tt.mapping, "x.id", SQLOptions{Dialect: SQLite, Flavor: tt.flavor})
		ge, ok := err.(*Error)
		if !ok || ge.Code != tt.code || ge.Message != tt.message {
			t.Errorf("%s: %v\n want %s: %s", tt.property, err, tt.code, tt.message)
		}
	}
}

// TestPrefixRange: the range startswith adds holds exactly the byte-ordered
// strings that start with the lower-cased prefix; a prefix that is empty
// or not ASCII gets none.
func TestPrefixRange(t *testing.T) {
	for _, tc := range []struct {
		prefix, lo, hi string
		ok             bool
	}{
		{"David", "david", "davie", true},
		{"a", "a", "b", true},
		{"Z", "z", "{", true},
		{"a_", "a_", "a`", true},
		{"100%", "100%", "100&", true},
		{"x\x7f", "x\x7f", "x\u0080", true},
		{"", "", "", false},
		{"Zoë", "", "", false},
	} {
		lo, hi, ok := prefixRange(tc.prefix)
		if lo != tc.lo || hi != tc.hi || ok != tc.ok {
			t.Errorf("prefixRange(%q) = %q, %q, %t; want %q, %q, %t", tc.prefix, lo, hi, ok, tc.lo, tc.hi, tc.ok)
		}
	}
}
