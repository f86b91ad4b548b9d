package odata

import (
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"
)

func prop(path ...string) *PropertyExpr { return &PropertyExpr{Path: path} }
func str(raw, s string) *Literal        { return &Literal{Kind: StringLiteral, Raw: raw, Str: s} }
func integer(n int64, raw string) *Literal {
	return &Literal{Kind: IntLiteral, Raw: raw, Int: n}
}
func cmp(op CompareOp, l, r Expr) *CompareExpr { return &CompareExpr{Op: op, Left: l, Right: r} }

func TestParseFilterAST(t *testing.T) {
	tests := []struct {
		filter string
		want   Expr
	}{
		// or < and < not < comparison
		{"a eq 1 or b eq 2 and not c eq 3", &LogicalExpr{Op: Or,
			Left:  cmp(Eq, prop("a"), integer(1, "1")),
			Right: &LogicalExpr{Op: And, Left: cmp(Eq, prop("b"), integer(2, "2")), Right: &NotExpr{X: cmp(Eq, prop("c"), integer(3, "3"))}}}},
		{"(a eq 1 or b eq 2) and c eq 3", &LogicalExpr{Op: And,
			Left:  &LogicalExpr{Op: Or, Left: cmp(Eq, prop("a"), integer(1, "1")), Right: cmp(Eq, prop("b"), integer(2, "2"))},
			Right: cmp(Eq, prop("c"), integer(3, "3"))}},
		// keywords and function names in any case
		{"A EQ 'x' AnD startsWith(B,'y')", &LogicalExpr{Op: And,
			Left:  cmp(Eq, prop("A"), str("'x'", "x")),
			Right: &CallExpr{Func: "startswith", Args: []Expr{prop("B"), str("'y'", "y")}}}},
		{"subject eq 'let''s meet'", cmp(Eq, prop("subject"), str("'let''s meet'", "let's meet"))},
		{"from/emailAddress/address eq 'a@b.c'", cmp(Eq, prop("from", "emailAddress", "address"), str("'a@b.c'", "a@b.c"))},
		{"id IN ('a','b')", &InExpr{X: prop("id"), List: []*Literal{str("'a'", "a"), str("'b'", "b")}}},
		{"groupTypes/any(a:a eq 'Unified')", &LambdaExpr{Collection: prop("groupTypes"), Op: Any, Var: "a",
			Predicate: cmp(Eq, &PropertyExpr{Var: "a"}, str("'Unified'", "Unified"))}},
		{"emailAddresses/any(x:startswith(x/address,'adele'))", &LambdaExpr{Collection: prop("emailAddresses"), Op: Any, Var: "x",
			Predicate: &CallExpr{Func: "startswith", Args: []Expr{&PropertyExpr{Var: "x", Path: []string{"address"}}, str("'adele'", "adele")}}}},
		{"identities/all(c:c/issuer eq 'x')", &LambdaExpr{Collection: prop("identities"), Op: All, Var: "c",
			Predicate: cmp(Eq, &PropertyExpr{Var: "c", Path: []string{"issuer"}}, str("'x'", "x"))}},
		{"attachments/any()", &LambdaExpr{Collection: prop("attachments"), Op: Any}},
		{"assignedLicenses/$count eq 0", cmp(Eq, &CountExpr{Collection: prop("assignedLicenses")}, integer(0, "0"))},
		{"not(groupTypes/any(c:c eq 'Unified'))", &NotExpr{X: &LambdaExpr{Collection: prop("groupTypes"), Op: Any, Var: "c",
			Predicate: cmp(Eq, &PropertyExpr{Var: "c"}, str("'Unified'", "Unified"))}}},
		{"isRead", prop("isRead")},
		{"a ne null and b eq true and c eq FALSE", &LogicalExpr{Op: And,
			Left: &LogicalExpr{Op: And,
				Left:  cmp(Ne, prop("a"), &Literal{Kind: NullLiteral, Raw: "null"}),
				Right: cmp(Eq, prop("b"), &Literal{Kind: BoolLiteral, Raw: "true", Bool: true})},
			Right: cmp(Eq, prop("c"), &Literal{Kind: BoolLiteral, Raw: "false"})}},
	}
	for _, tt := range tests {
		got, err := ParseFilter(tt.filter, Generic)
		if err != nil {
			t.Fatalf("ParseFilter(%q): %v", tt.filter, err)
		}
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("ParseFilter(%q)\n got  %s\n want %s", tt.filter, got, tt.want)
		}
	}
}

func TestParseFilterLiterals(t *testing.T) {
	utc := func(s string) time.Time {
		tm, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			t.Fatal(err)
		}
		return tm.UTC()
	}
	tests := []struct {
		text string
		want *Literal
	}{
		{"42", &Literal{Kind: IntLiteral, Raw: "42", Int: 42}},
		{"-7", &Literal{Kind: IntLiteral, Raw: "-7", Int: -7}},
		{"1.50", &Literal{Kind: FloatLiteral, Raw: "1.50", Float: 1.5}},
		{"2e3", &Literal{Kind: FloatLiteral, Raw: "2e3", Float: 2000}},
		{"99999999999999999999", &Literal{Kind: FloatLiteral, Raw: "99999999999999999999", Float: 1e20}},
		{"2024-01-01T00:00:00Z", &Literal{Kind: DateTimeLiteral, Raw: "2024-01-01T00:00:00Z", Time: utc("2024-01-01T00:00:00Z")}},
		{"2024-05-01T10:30:00.1234567+02:00", &Literal{Kind: DateTimeLiteral, Raw: "2024-05-01T10:30:00.1234567+02:00", Time: utc("2024-05-01T08:30:00.1234567Z")}},
		{"2024-05-01T10:30Z", &Literal{Kind: DateTimeLiteral, Raw: "2024-05-01T10:30Z", Time: utc("2024-05-01T10:30:00Z")}},
		{"2021-11-01", &Literal{Kind: DateLiteral, Raw: "2021-11-01", Time: utc("2021-11-01T00:00:00Z")}},
		{"8FCE32DA-1246-437b-99cd-76d1d4677bd5", &Literal{Kind: GUIDLiteral, Raw: "8FCE32DA-1246-437b-99cd-76d1d4677bd5", Str: "8fce32da-1246-437b-99cd-76d1d4677bd5"}},
		{"'it''s'", &Literal{Kind: StringLiteral, Raw: "'it''s'", Str: "it's"}},
		{"''", &Literal{Kind: StringLiteral, Raw: "''", Str: ""}},
		{"Null", &Literal{Kind: NullLiteral, Raw: "null"}},
	}
	for _, tt := range tests {
		e, err := ParseFilter("x eq "+tt.text, Generic)
		if err != nil {
			t.Fatalf("%s: %v", tt.text, err)
		}
		if got := e.(*CompareExpr).Right; !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%s: got %#v, want %#v", tt.text, got, tt.want)
		}
	}
}

// String output is canonical and parses back to the same tree.
func TestFilterStringRoundTrip(t *testing.T) {
	tests := []struct{ in, out string }{
		{"A EQ 'x' AND (B eq 1 OR C eq 2)", "A eq 'x' and (B eq 1 or C eq 2)"},
		{"a eq 1 and (b eq 2 and c eq 3)", "a eq 1 and (b eq 2 and c eq 3)"},
		{"NOT a eq 1", "not(a eq 1)"},
		{"not not a", "not(not(a))"},
		{"(a eq b) eq true", "(a eq b) eq true"},
		{"x/any(a: a/b/any(b: b eq a/c))", "x/any(a:a/b/any(b:b eq a/c))"},
		{"id in ( 'a' , 'b' )", "id in ('a','b')"},
		{"endsWith(mail,'@contoso.com')", "endswith(mail,'@contoso.com')"},
	}
	for _, tt := range tests {
		e, err := ParseFilter(tt.in, Generic)
		if err != nil {
			t.Fatalf("%q: %v", tt.in, err)
		}
		if e.String() != tt.out {
			t.Errorf("String(%q) = %q, want %q", tt.in, e.String(), tt.out)
		}
		again, err := ParseFilter(e.String(), Generic)
		if err != nil || !reflect.DeepEqual(again, e) {
			t.Errorf("%q does not round-trip: %v", e.String(), err)
		}
	}
}

// A tree built by hand, without Raw text, still prints as valid $filter.
func TestLiteralStringWithoutRaw(t *testing.T) {
	when := time.Date(2024, 5, 1, 8, 30, 0, 0, time.UTC)
	tests := []struct {
		lit  *Literal
		want string
	}{
		{&Literal{Kind: StringLiteral, Str: "it's"}, "'it''s'"},
		{&Literal{Kind: IntLiteral, Int: -3}, "-3"},
		{&Literal{Kind: FloatLiteral, Float: 2}, "2.0"},
		{&Literal{Kind: BoolLiteral, Bool: true}, "true"},
		{&Literal{Kind: NullLiteral}, "null"},
		{&Literal{Kind: DateTimeLiteral, Time: when}, "2024-05-01T08:30:00Z"},
		{&Literal{Kind: DateLiteral, Time: when}, "2024-05-01"},
		{&Literal{Kind: GUIDLiteral, Str: "8fce32da-1246-437b-99cd-76d1d4677bd5"}, "8fce32da-1246-437b-99cd-76d1d4677bd5"},
	}
	for _, tt := range tests {
		if got := tt.lit.String(); got != tt.want {
			t.Errorf("%+v: %q, want %q", tt.lit, got, tt.want)
		}
		if _, err := ParseFilter("x eq "+tt.lit.String(), Generic); err != nil {
			t.Errorf("%q does not parse: %v", tt.lit.String(), err)
		}
	}
}

func TestWalk(t *testing.T) {
	e, err := ParseFilter("a eq 1 and (contains(b,'x') or c/any(v:v/d eq 2))", Generic)
	if err != nil {
		t.Fatal(err)
	}
	var props []string
	Walk(e, func(n Expr) bool {
		if p, ok := n.(*PropertyExpr); ok {
			props = append(props, p.String())
		}
		return true
	})
	if want := []string{"a", "b", "c", "v/d"}; !reflect.DeepEqual(props, want) {
		t.Fatalf("Walk properties = %v, want %v", props, want)
	}
}

// A long flat chain is handled in linear time and without deep recursion.
func TestLongChain(t *testing.T) {
	var b strings.Builder
	for i := range 5000 {
		if i > 0 {
			b.WriteString(" or ")
		}
		b.WriteString("size eq " + strconv.Itoa(i))
	}
	e, err := ParseFilter(b.String(), Generic)
	if err != nil {
		t.Fatal(err)
	}
	if e.String() != b.String() {
		t.Fatal("long chain does not print back")
	}
	if ok, err := Eval(e, Row{"size": 4999}); !ok || err != nil {
		t.Fatalf("Eval = %v, %v", ok, err)
	}
	sql, args, err := CompileFilter(e, messageMapping, SQLOptions{Dialect: Postgres})
	if err != nil || len(args) != 5000 || !strings.HasSuffix(sql, "m.size = $5000") {
		t.Fatalf("CompileFilter: %v, %d args", err, len(args))
	}
}
