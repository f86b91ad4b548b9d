package odata

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

func TestCompileJSONFilter(t *testing.T) {
	msg, task, folder, event := jsonKindMapping("message"), jsonKindMapping("todoTask"), jsonKindMapping("mailFolder"), jsonKindMapping("event")
	// A document mapping may mix in store columns.
	mixed := JSONMapping("microsoft.graph.message", JSONProps{"subject": TypeString})
	mixed.Columns["parentFolderId"] = Column{Name: "i.parent_id", Type: TypeString}
	tests := []struct {
		name     string
		mapping  Mapping
		filter   string
		sqlite   string
		postgres string
		args     []any // both dialects
	}{
		{
			name: "ha mail query", mapping: msg,
			filter: "isRead eq false and hasAttachments eq true and importance eq 'high' and from/emailAddress/address eq 'x@y.z' and contains(subject,'invoice') and receivedDateTime ge 2024-05-01T00:00:00Z",
			sqlite: `json_extract(doc,'$.isRead') = ? AND json_extract(doc,'$.hasAttachments') = ? AND lower(json_extract(doc,'$.importance')) = lower(?) AND ` +
				`lower(json_extract(doc,'$.from.emailAddress.address')) = lower(?) AND lower(json_extract(doc,'$.subject')) LIKE lower(?) ESCAPE '\' AND ` +
				`json_extract(doc,'$.receivedDateTime') >= ?`,
			postgres: `(doc #>> '{isRead}')::boolean = $1 AND (doc #>> '{hasAttachments}')::boolean = $2 AND lower(doc #>> '{importance}') = lower($3) AND ` +
				`lower(doc #>> '{from,emailAddress,address}') = lower($4) AND lower(doc #>> '{subject}') LIKE lower($5) ESCAPE '\' AND ` +
				`doc #>> '{receivedDateTime}' >= $6 COLLATE "C"`,
			args: []any{false, true, "high", "x@y.z", "%invoice%", "2024-05-01T00:00:00.0000000Z"},
		},
		{
			name: "ha todo", mapping: task, filter: "status ne 'completed'",
			sqlite:   `(json_extract(doc,'$.status') IS NULL OR lower(json_extract(doc,'$.status')) <> lower(?))`,
			postgres: `(doc #>> '{status}' IS NULL OR lower(doc #>> '{status}') <> lower($1))`,
			args:     []any{"completed"},
		},
		{
			name: "ha inbox", mapping: folder, filter: "displayName eq 'Inbox'",
			sqlite:   `lower(json_extract(doc,'$.displayName')) = lower(?)`,
			postgres: `lower(doc #>> '{displayName}') = lower($1)`,
			args:     []any{"Inbox"},
		},
		{
			name: "names ignore case, paths keep the declared spelling", mapping: msg, filter: "FROM/EMAILADDRESS/ADDRESS eq null",
			sqlite:   `json_extract(doc,'$.from.emailAddress.address') IS NULL`,
			postgres: `doc #>> '{from,emailAddress,address}' IS NULL`,
		},
		{
			name: "not folds NULL, numbers", mapping: event, filter: "not(reminderMinutesBeforeStart ge 14.5) or location/coordinates/latitude lt 0",
			sqlite:   `NOT COALESCE(json_extract(doc,'$.reminderMinutesBeforeStart') >= ?, FALSE) OR json_extract(doc,'$.location.coordinates.latitude') < ?`,
			postgres: `NOT COALESCE((doc #>> '{reminderMinutesBeforeStart}')::numeric >= CAST($1 AS double precision), FALSE) OR (doc #>> '{location,coordinates,latitude}')::double precision < $2`,
			args:     []any{14.5, int64(0)},
		},
		{
			name: "bare boolean", mapping: folder, filter: "not isHidden",
			sqlite:   `NOT COALESCE(json_extract(doc,'$.isHidden') = ?, FALSE)`,
			postgres: `NOT COALESCE((doc #>> '{isHidden}')::boolean = $1, FALSE)`,
			args:     []any{true},
		},
		{
			name: "any over strings", mapping: msg, filter: "categories/any(c:c eq 'Red')",
			sqlite:   `EXISTS (SELECT 1 FROM json_each(CASE json_type(doc,'$.categories') WHEN 'array' THEN json_extract(doc,'$.categories') END) AS l1 WHERE lower(l1.value) = lower(?))`,
			postgres: `EXISTS (SELECT 1 FROM jsonb_array_elements_text(CASE jsonb_typeof(doc #> '{categories}') WHEN 'array' THEN doc #> '{categories}' END) AS l1 WHERE lower(l1.value) = lower($1))`,
			args:     []any{"Red"},
		},
		{
			name: "any over objects", mapping: msg, filter: "toRecipients/any(r:r/emailAddress/address eq 'x@y.z')",
			sqlite:   `EXISTS (SELECT 1 FROM json_each(CASE json_type(doc,'$.toRecipients') WHEN 'array' THEN json_extract(doc,'$.toRecipients') END) AS l1 WHERE lower(json_extract(l1.value,'$.emailAddress.address')) = lower(?))`,
			postgres: `EXISTS (SELECT 1 FROM jsonb_array_elements(CASE jsonb_typeof(doc #> '{toRecipients}') WHEN 'array' THEN doc #> '{toRecipients}' END) AS l1 WHERE lower(l1.value #>> '{emailAddress,address}') = lower($1))`,
			args:     []any{"x@y.z"},
		},
		{
			name: "all with a nullable boolean", mapping: task, filter: "checklistItems/all(i:i/isChecked)",
			sqlite:   `NOT EXISTS (SELECT 1 FROM json_each(CASE json_type(doc,'$.checklistItems') WHEN 'array' THEN json_extract(doc,'$.checklistItems') END) AS l1 WHERE NOT COALESCE(json_extract(l1.value,'$.isChecked') = ?, FALSE))`,
			postgres: `NOT EXISTS (SELECT 1 FROM jsonb_array_elements(CASE jsonb_typeof(doc #> '{checklistItems}') WHEN 'array' THEN doc #> '{checklistItems}' END) AS l1 WHERE NOT COALESCE((l1.value #>> '{isChecked}')::boolean = $1, FALSE))`,
			args:     []any{true},
		},
		{
			name: "nested all, any() and $count", mapping: msg, filter: "multiValueExtendedProperties/all(p:p/value/all(v:v ne 'x')) and categories/any() and toRecipients/$count eq 0",
			sqlite: `NOT EXISTS (SELECT 1 FROM json_each(CASE json_type(doc,'$.multiValueExtendedProperties') WHEN 'array' THEN json_extract(doc,'$.multiValueExtendedProperties') END) AS l1 ` +
				`WHERE NOT (NOT EXISTS (SELECT 1 FROM json_each(CASE json_type(l1.value,'$.value') WHEN 'array' THEN json_extract(l1.value,'$.value') END) AS l2 ` +
				`WHERE NOT ((l2.value IS NULL OR lower(l2.value) <> lower(?)))))) AND ` +
				`EXISTS (SELECT 1 FROM json_each(CASE json_type(doc,'$.categories') WHEN 'array' THEN json_extract(doc,'$.categories') END) AS l3) AND ` +
				`(SELECT COUNT(*) FROM json_each(CASE json_type(doc,'$.toRecipients') WHEN 'array' THEN json_extract(doc,'$.toRecipients') END) AS l4) = ?`,
			postgres: `NOT EXISTS (SELECT 1 FROM jsonb_array_elements(CASE jsonb_typeof(doc #> '{multiValueExtendedProperties}') WHEN 'array' THEN doc #> '{multiValueExtendedProperties}' END) AS l1 ` +
				`WHERE NOT (NOT EXISTS (SELECT 1 FROM jsonb_array_elements_text(CASE jsonb_typeof(l1.value #> '{value}') WHEN 'array' THEN l1.value #> '{value}' END) AS l2 ` +
				`WHERE NOT ((l2.value IS NULL OR lower(l2.value) <> lower($1)))))) AND ` +
				`EXISTS (SELECT 1 FROM jsonb_array_elements_text(CASE jsonb_typeof(doc #> '{categories}') WHEN 'array' THEN doc #> '{categories}' END) AS l3) AND ` +
				`(SELECT COUNT(*) FROM jsonb_array_elements(CASE jsonb_typeof(doc #> '{toRecipients}') WHEN 'array' THEN doc #> '{toRecipients}' END) AS l4) = $2`,
			args: []any{"x", int64(0)},
		},
		{
			name: "typed scalar elements", mapping: jsonKindMapping("sample"), filter: "flags/any(f:f) and sizes/all(s:s gt 2)",
			sqlite: `EXISTS (SELECT 1 FROM json_each(CASE json_type(doc,'$.flags') WHEN 'array' THEN json_extract(doc,'$.flags') END) AS l1 WHERE l1.value = ?) AND ` +
				`NOT EXISTS (SELECT 1 FROM json_each(CASE json_type(doc,'$.sizes') WHEN 'array' THEN json_extract(doc,'$.sizes') END) AS l2 WHERE NOT COALESCE(l2.value > ?, FALSE))`,
			postgres: `EXISTS (SELECT 1 FROM jsonb_array_elements_text(CASE jsonb_typeof(doc #> '{flags}') WHEN 'array' THEN doc #> '{flags}' END) AS l1 WHERE l1.value::boolean = $1) AND ` +
				`NOT EXISTS (SELECT 1 FROM jsonb_array_elements_text(CASE jsonb_typeof(doc #> '{sizes}') WHEN 'array' THEN doc #> '{sizes}' END) AS l2 WHERE NOT COALESCE(l2.value::numeric > $2, FALSE))`,
			args: []any{true, int64(2)},
		},
		{
			name: "date-time in and null", mapping: event, filter: "start/utc in (2024-05-01, null)",
			sqlite:   `(json_extract(doc,'$.start.utc') IS NULL OR json_extract(doc,'$.start.utc') IN (?))`,
			postgres: `(doc #>> '{start,utc}' IS NULL OR doc #>> '{start,utc}' IN ($1))`,
			args:     []any{"2024-05-01T00:00:00.0000000Z"},
		},
		{
			name: "document and table columns", mapping: mixed, filter: "parentFolderId eq 'f1' and subject eq 'a'",
			sqlite:   `lower(i.parent_id) = lower(?) AND lower(json_extract(doc,'$.subject')) = lower(?)`,
			postgres: `lower(i.parent_id) = lower($1) AND lower(doc #>> '{subject}') = lower($2)`,
			args:     []any{"f1", "a"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, err := ParseFilter(tt.filter, Exchange)
			if err != nil {
				t.Fatal(err)
			}
			for d, want := range map[Dialect]string{SQLite: tt.sqlite, Postgres: tt.postgres} {
				sql, args, err := CompileFilter(e, tt.mapping, SQLOptions{Dialect: d, Flavor: Exchange})
				if err != nil {
					t.Fatal(err)
				}
				if sql != want || !reflect.DeepEqual(args, tt.args) {
					t.Errorf("%v\n got  %s %#v\n want %s %#v", d, sql, args, want, tt.args)
				}
			}
		})
	}
}

func TestCompileJSONOrderBy(t *testing.T) {
	tests := []struct {
		kind, orderby    string
		sqlite, postgres string
	}{
		{"message", "receivedDateTime desc",
			"ORDER BY json_extract(doc,'$.receivedDateTime') DESC, id ASC",
			`ORDER BY (doc #>> '{receivedDateTime}') COLLATE "C" DESC NULLS LAST, id ASC`},
		{"message", "subject, isRead desc, from/emailAddress/address",
			"ORDER BY lower(json_extract(doc,'$.subject')) ASC, json_extract(doc,'$.isRead') DESC, lower(json_extract(doc,'$.from.emailAddress.address')) ASC, id ASC",
			`ORDER BY lower(doc #>> '{subject}') COLLATE "C" ASC NULLS FIRST, (doc #>> '{isRead}')::boolean DESC NULLS LAST, lower(doc #>> '{from,emailAddress,address}') COLLATE "C" ASC NULLS FIRST, id ASC`},
		{"event", "reminderMinutesBeforeStart, location/coordinates/latitude desc",
			"ORDER BY json_extract(doc,'$.reminderMinutesBeforeStart') ASC, json_extract(doc,'$.location.coordinates.latitude') DESC, id ASC",
			`ORDER BY (doc #>> '{reminderMinutesBeforeStart}')::numeric ASC NULLS FIRST, (doc #>> '{location,coordinates,latitude}')::double precision DESC NULLS LAST, id ASC`},
	}
	for _, tt := range tests {
		items, err := ParseOrderBy(tt.orderby, Exchange)
		if err != nil {
			t.Fatal(err)
		}
		for d, want := range map[Dialect]string{SQLite: tt.sqlite, Postgres: tt.postgres} {
			got, err := CompileOrderBy(items, jsonKindMapping(tt.kind), "id", SQLOptions{Dialect: d, Flavor: Exchange})
			if err != nil || got != want {
				t.Errorf("%v $orderby=%s:\n got  %q, %v\n want %q", d, tt.orderby, got, err, want)
			}
		}
	}
}

// Misuses of document properties give the flavor's Graph error, never SQL.
func TestCompileJSONErrors(t *testing.T) {
	msg := jsonKindMapping("message")
	bad := Mapping{EntityType: "microsoft.graph.message", Columns: map[string]Column{"a'b": {Type: TypeString}, "A-B": {Type: TypeString}}}
	tests := []struct {
		mapping Mapping
		filter  string
		flavor  Flavor
		code    string
		message string
	}{
		{msg, "nosuch eq 'a'", Exchange, "RequestBroker--ParseUri", "Could not find a property named 'nosuch' on type 'microsoft.graph.message'."},
		{msg, "from eq null", Exchange, "RequestBroker--ParseUri", "Could not find a property named 'from' on type 'microsoft.graph.message'."},
		{msg, "from/emailAddress eq null", Generic, "BadRequest", "Could not find a property named 'from/emailAddress' on type 'microsoft.graph.message'."},
		{msg, "subject/any(s:s eq 'a')", Exchange, "ErrorInvalidUrlQueryFilter", "The query filter contains one or more invalid nodes."},
		{msg, "categories eq 'Red'", Generic, "BadRequest", "The property 'categories' cannot be used in the $filter query option."},
		{msg, "toRecipients/any(r:r eq null)", Generic, "BadRequest", "The property 'r' cannot be used in the $filter query option."},
		{msg, "toRecipients/any(r:r/emailAddress eq null)", Generic, "BadRequest", "Could not find a property named 'r/emailAddress' on type 'microsoft.graph.message'."},
		{msg, "categories/any(c:c/x eq 'a')", Generic, "BadRequest", "Could not find a property named 'c/x' on type 'microsoft.graph.message'."},
		{msg, "isRead eq 'true'", Exchange, "BadRequest", "Invalid filter clause: A binary operator with incompatible types was detected. Found operand types 'Edm.Boolean' and 'Edm.String' for operator kind 'Equal'."},
		{msg, "receivedDateTime ge '2024-05-01T00:00:00.0000000Z'", Generic, "BadRequest", "A binary operator with incompatible types was detected. Found operand types 'Edm.DateTimeOffset' and 'Edm.String' for operator kind 'GreaterThanOrEqual'."},
		{msg, "startswith(isRead,'t')", Exchange, "ErrorInvalidUrlQueryFilter", "The query filter contains one or more invalid nodes."},
		{msg, "subject eq importance", Exchange, "ErrorInvalidUrlQueryFilter", "The query filter contains one or more invalid nodes."},
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
	// A hand-made document mapping with a key that is not a path of
	// identifiers is refused rather than written into SQL (the parser
	// cannot produce such names, but an AST can be built by hand).
	for _, key := range []string{"a'b", "A-B"} {
		e := &CompareExpr{Op: Eq, Left: &PropertyExpr{Path: []string{key}}, Right: &Literal{Kind: StringLiteral, Str: "x"}}
		if sql, _, err := CompileFilter(e, bad, SQLOptions{Dialect: Postgres}); err == nil {
			t.Errorf("key %s compiled to %s", key, sql)
		}
		if s, err := CompileOrderBy([]OrderItem{{Property: key}}, bad, "", SQLOptions{Dialect: SQLite}); err == nil {
			t.Errorf("key %s sorted: %s", key, s)
		}
	}
	for _, p := range []string{"categories", "nosuch", "from"} {
		_, err := CompileOrderBy([]OrderItem{{Property: p}}, msg, "id", SQLOptions{Dialect: SQLite, Flavor: Exchange})
		if _, ok := err.(*Error); !ok {
			t.Errorf("$orderby=%s: %v", p, err)
		}
	}
}

func TestJSONPropsCheckSelect(t *testing.T) {
	props := jsonKinds["message"].props
	ok := [][]string{nil, {"*"}, {"id"}, {"ID", "subject", "From", "toRecipients", "body"}}
	for _, sel := range ok {
		if err := props.CheckSelect(sel, "microsoft.graph.message", Exchange); err != nil {
			t.Errorf("%v: %v", sel, err)
		}
	}
	tests := []struct {
		flavor        Flavor
		code, message string
	}{
		{Exchange, "RequestBroker--ParseUri", "Could not find a property named 'isJunk' on type 'microsoft.graph.message'."},
		{Generic, "BadRequest", "Parsing OData Select and Expand failed: Could not find a property named 'isJunk' on type 'microsoft.graph.message'."},
		{Directory, "Request_BadRequest", "Parsing OData Select and Expand failed: Could not find a property named 'isJunk' on type 'microsoft.graph.message'."},
	}
	for _, tt := range tests {
		err := props.CheckSelect([]string{"subject", "isJunk", "nosuch"}, "microsoft.graph.message", tt.flavor)
		ge, ok := err.(*Error)
		if !ok || ge.Code != tt.code || ge.Message != tt.message || ge.Status != 400 {
			t.Errorf("%v: %v\n want %s: %s", tt.flavor, err, tt.code, tt.message)
		}
	}
	// "emailAddress" is a top-level name of toRecipients' elements, not
	// of the message.
	if err := props.CheckSelect([]string{"emailAddress"}, "microsoft.graph.message", Exchange); err == nil {
		t.Error("emailAddress accepted")
	}
}

func TestJSONPropsResolver(t *testing.T) {
	props := jsonKinds["message"].props
	dec := json.NewDecoder(strings.NewReader(`{"subject":"Hi","from":{"emailAddress":null},"size":3,
		"toRecipients":[{"emailAddress":{"address":"a@b.c"}},{}],"categories":"Red",
		"multiValueExtendedProperties":[{"value":["x"]}],"flag":{"flagStatus":7}}`))
	dec.UseNumber()
	var doc map[string]any
	if err := dec.Decode(&doc); err != nil {
		t.Fatal(err)
	}
	r := props.Resolver(doc)
	get := func(path string) (any, bool) { return r.Resolve(strings.Split(path, "/")) }
	for path, want := range map[string]any{
		"subject":                   "Hi",
		"SUBJECT":                   "Hi",
		"isRead":                    nil, // absent
		"from/emailAddress/address": nil, // under null
		"body/content":              nil, // under absent
		"categories":                nil, // not an array
		"flag/flagStatus":           int64(7),
	} {
		if v, ok := get(path); !ok || v != want {
			t.Errorf("%s: %#v, %v; want %#v", path, v, ok, want)
		}
	}
	for _, path := range []string{"size", "nosuch", "subject/x", "from/emailAddress/nosuch"} {
		if v, ok := get(path); ok {
			t.Errorf("%s resolved to %#v", path, v)
		}
	}
	for filter, want := range map[string]bool{
		"toRecipients/any(r:r/emailAddress/address eq 'A@B.C')":               true,
		"toRecipients/any(r:r/emailAddress/name eq null)":                     true,
		"toRecipients/all(r:r/emailAddress/address ne null)":                  false,
		"multiValueExtendedProperties/any(p:p/value/any(v:v eq 'X'))":         true,
		"multiValueExtendedProperties/any(p:p/id eq null and p/value/any())":  true,
		"not(categories/any()) and from/emailAddress/address eq null":         true,
		"from/emailAddress/name ne 'a' and importance eq null and not isRead": true,
	} {
		e, err := ParseFilter(filter, Exchange)
		if err != nil {
			t.Fatal(err)
		}
		if got, err := Eval(e, r); err != nil || got != want {
			t.Errorf("%s: %v, %v; want %v", filter, got, err, want)
		}
	}
	e, _ := ParseFilter("size eq 3", Exchange)
	if _, err := EvalWith(e, r, EvalOptions{Flavor: Exchange, EntityType: "microsoft.graph.message"}); err == nil ||
		err.Error() != "RequestBroker--ParseUri: Could not find a property named 'size' on type 'microsoft.graph.message'." {
		t.Errorf("undeclared size: %v", err)
	}
}

func TestJSONMappingPanics(t *testing.T) {
	for name, props := range map[string]JSONProps{
		"bad segment":       {"from/email-address": TypeString},
		"empty segment":     {"from//address": TypeString},
		"leaf and prefix":   {"from": TypeString, "from/emailAddress/address": TypeString},
		"case clash":        {"subject": TypeString, "Subject": TypeString},
		"nil":               {"subject": nil},
		"zero type":         {"subject": Type(0)},
		"zero element type": {"categories": JSONArrayOf(0)},
		"nested clash":      {"toRecipients": JSONArrayOfObjects(JSONProps{"a": TypeString, "a/b": TypeString})},
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s: no panic", name)
				}
			}()
			JSONMapping("microsoft.graph.message", props)
		}()
	}
	m := JSONMapping("microsoft.graph.message", JSONProps{"toRecipients": JSONArrayOfObjects(nil), "subject": TypeString})
	if c := m.Columns["toRecipients"].Collection; c == nil || c.Fields == nil {
		t.Errorf("toRecipients: %#v", c)
	}
	if m.Columns["subject"] != (Column{Type: TypeString}) {
		t.Errorf("mapping: %#v", m)
	}
}
