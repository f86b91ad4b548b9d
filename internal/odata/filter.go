package odata

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/alecthomas/participle/v2"
	"github.com/alecthomas/participle/v2/lexer"
)

// MaxFilterDepth bounds the nesting of parentheses, not, lambdas and
// function calls in a $filter. It keeps every later recursive walk (Eval,
// the SQL compiler, String) shallow whatever the input.
const MaxFilterDepth = 100

// ParseFilter parses $filter text into an AST. Errors are *Error in the
// wording of flavor f, with 0-based character positions.
func ParseFilter(text string, f Flavor) (Expr, error) {
	if strings.TrimSpace(text) == "" {
		return nil, FilterError(f, expressionExpectedDetail(text, 0))
	}
	if depth(text) > MaxFilterDepth {
		return nil, FilterError(f, tooDeepDetail)
	}
	tree, err := filterParser().ParseString("", text)
	if err != nil {
		return nil, FilterError(f, parseErrorDetail(text, err))
	}
	c := converter{text: text}
	e, derr := c.or(tree)
	if derr != "" {
		return nil, FilterError(f, derr)
	}
	return e, nil
}

// depth bounds the syntactic nesting: open parentheses plus the current
// run of "not" keywords (a run continues through "(" and ends at any other
// token, since "not a and not b" nests no deeper than one not). It runs
// before participle, whose recursive descent would otherwise follow a
// hostile input all the way down.
func depth(text string) int {
	max, open, run := 0, 0, 0
	inString := false
	for i := 0; i < len(text); i++ {
		switch c := text[i]; {
		case c == '\'':
			inString, run = !inString, 0
		case inString, c == ' ', c == '\t', c == '\r', c == '\n':
		case c == '(':
			open++
		case c == ')':
			open, run = open-1, 0
		case (c == 'n' || c == 'N') && isKeywordAt(text, i, "not"):
			run++
			i += 2
		default:
			run = 0
		}
		if open+run > max {
			max = open + run
		}
	}
	return max
}

// isKeywordAt reports whether text has the keyword kw at i as a whole word.
func isKeywordAt(text string, i int, kw string) bool {
	end := i + len(kw)
	if end > len(text) || !strings.EqualFold(text[i:end], kw) {
		return false
	}
	return (i == 0 || !isWordByte(text[i-1])) && (end == len(text) || !isWordByte(text[end]))
}

func isWordByte(c byte) bool {
	return c == '_' || c >= '0' && c <= '9' || c|0x20 >= 'a' && c|0x20 <= 'z'
}

// parseErrorDetail turns a participle error into the Microsoft.OData.Core
// message for the same fault.
func parseErrorDetail(text string, err error) string {
	var lexErr *lexer.Error
	if errors.As(err, &lexErr) {
		off := lexErr.Pos.Offset
		pos := charPos(text, off)
		if off < len(text) {
			c, _ := utf8.DecodeRuneInString(text[off:])
			if c == '\'' {
				return unterminatedDetail(text, pos)
			}
			return invalidCharDetail(text, pos, c)
		}
		return syntaxDetail(text, pos)
	}
	var perr participle.Error
	if errors.As(err, &perr) {
		off := perr.Position().Offset
		if off >= len(strings.TrimRight(text, " \t\r\n")) {
			return endOfInputDetail(text)
		}
		return syntaxDetail(text, charPos(text, off))
	}
	return syntaxDetail(text, 0)
}

// endOfInputDetail words a filter that stops too early the way
// Microsoft.OData.Core does: an operand is missing after an operator, or a
// parenthesis was left open (inside a call, a ',' would also do).
func endOfInputDetail(text string) string {
	trimmed := strings.TrimRight(text, " \t\r\n")
	end := charPos(text, len(text))
	toks, err := filterLexer().LexString("", trimmed)
	if err != nil {
		return expressionExpectedDetail(text, end)
	}
	sym := filterLexer().Symbols()
	var kinds []string // "call(" or "(" for each open parenthesis
	var last, prev lexer.Token
	for {
		t, err := toks.Next()
		if err != nil || t.EOF() {
			break
		}
		if t.Type == sym["Whitespace"] {
			continue
		}
		switch t.Value {
		case "(":
			if last.Type == sym["Ident"] && prev.Value != "/" {
				kinds = append(kinds, "call(")
			} else {
				kinds = append(kinds, "(")
			}
		case ")":
			if len(kinds) > 0 {
				kinds = kinds[:len(kinds)-1]
			}
		}
		prev, last = last, t
	}
	// The input ended after a complete operand unless its last token is an
	// operator keyword or punctuation other than ')'.
	operand := last.Value == ")" || isValueKeyword(last.Value) ||
		(last.Type != sym["Keyword"] && last.Type != sym["Punct"])
	switch {
	case !operand || len(kinds) == 0:
		return expressionExpectedDetail(text, end)
	case kinds[len(kinds)-1] == "call(":
		return fmt.Sprintf("')' or ',' expected at position %d in '%s'.", end, text)
	default:
		return fmt.Sprintf("')' or operator expected at position %d in '%s'.", end, text)
	}
}

func isValueKeyword(s string) bool {
	s = strings.ToLower(s)
	return s == "true" || s == "false" || s == "null"
}

// charPos converts a byte offset to the character position OData reports.
func charPos(text string, off int) int {
	if off > len(text) {
		off = len(text)
	}
	return utf8.RuneCountInString(text[:off])
}

// converter checks the raw tree and builds the AST. Its methods return a
// Microsoft.OData.Core detail message instead of an error; ParseFilter
// wraps it for the flavor.
type converter struct {
	text string
	vars []string // lambda range variables in scope, innermost last
}

func (c *converter) pos(p lexer.Position) int { return charPos(c.text, p.Offset) }

func (c *converter) or(g *gOr) (Expr, string) {
	var out Expr
	for _, t := range g.Terms {
		e, err := c.and(t)
		if err != "" {
			return nil, err
		}
		if out == nil {
			out = e
		} else {
			out = &LogicalExpr{Op: Or, Left: out, Right: e}
		}
	}
	return out, ""
}

func (c *converter) and(g *gAnd) (Expr, string) {
	var out Expr
	for _, t := range g.Terms {
		e, err := c.unary(t)
		if err != "" {
			return nil, err
		}
		if out == nil {
			out = e
		} else {
			out = &LogicalExpr{Op: And, Left: out, Right: e}
		}
	}
	return out, ""
}

func (c *converter) unary(g *gUnary) (Expr, string) {
	if g.Not != nil {
		x, err := c.unary(g.Not)
		if err != "" {
			return nil, err
		}
		return &NotExpr{X: x}, ""
	}
	return c.cmp(g.Cmp)
}

var compareOps = map[string]CompareOp{"eq": Eq, "ne": Ne, "gt": Gt, "ge": Ge, "lt": Lt, "le": Le}

func (c *converter) cmp(g *gCmp) (Expr, string) {
	left, err := c.primary(g.Left)
	if err != "" {
		return nil, err
	}
	switch {
	case g.Op != "":
		right, err := c.primary(g.Right)
		if err != "" {
			return nil, err
		}
		return &CompareExpr{Op: compareOps[strings.ToLower(g.Op)], Left: left, Right: right}, ""
	case g.In != nil:
		in := &InExpr{X: left}
		for _, p := range g.In {
			if p.Lit == nil {
				return nil, syntaxDetail(c.text, c.pos(p.Pos))
			}
			lit, err := c.literal(p.Lit)
			if err != "" {
				return nil, err
			}
			in.List = append(in.List, lit)
		}
		return in, ""
	}
	return left, ""
}

func (c *converter) primary(g *gPrimary) (Expr, string) {
	switch {
	case g.Group != nil:
		return c.or(g.Group)
	case g.Lit != nil:
		return c.literal(g.Lit)
	case g.Call != nil:
		return c.call(g.Call)
	default:
		return c.path(g.Path)
	}
}

// stringFunctions are the canonical functions Graph supports in $filter.
var stringFunctions = map[string]bool{"startswith": true, "endswith": true, "contains": true}

func (c *converter) call(g *gCall) (Expr, string) {
	name := strings.ToLower(g.Name)
	if !stringFunctions[name] {
		return nil, unknownFunctionDetail(g.Name)
	}
	if len(g.Args) != 2 {
		return nil, noSignatureDetail(name)
	}
	call := &CallExpr{Func: name}
	for _, a := range g.Args {
		e, err := c.or(a)
		if err != "" {
			return nil, err
		}
		call.Args = append(call.Args, e)
	}
	return call, ""
}

func (c *converter) path(g *gPath) (Expr, string) {
	prop := &PropertyExpr{Path: []string{g.Head}}
	if c.inScope(g.Head) {
		prop = &PropertyExpr{Var: g.Head}
	}
	for i, s := range g.Segs {
		last := i == len(g.Segs)-1
		switch {
		case s.Dollar != "":
			if !strings.EqualFold(s.Dollar, "$count") || !last {
				return nil, syntaxDetail(c.text, c.pos(s.Pos))
			}
			return &CountExpr{Collection: prop}, ""
		case s.Lambda != nil:
			op, ok := map[string]LambdaOp{"any": Any, "all": All}[strings.ToLower(s.Name)]
			if !ok || !last || (op == All && s.Lambda.Body == nil) {
				return nil, syntaxDetail(c.text, c.pos(s.Pos))
			}
			return c.lambda(prop, op, s.Lambda)
		default:
			prop.Path = append(prop.Path, s.Name)
		}
	}
	return prop, ""
}

func (c *converter) inScope(name string) bool {
	for _, v := range c.vars {
		if v == name {
			return true
		}
	}
	return false
}

func (c *converter) lambda(coll *PropertyExpr, op LambdaOp, g *gLambda) (Expr, string) {
	l := &LambdaExpr{Collection: coll, Op: op}
	if g.Body == nil {
		return l, ""
	}
	if c.inScope(g.Var) {
		return nil, rangeVariableDetail(g.Var)
	}
	c.vars = append(c.vars, g.Var)
	defer func() { c.vars = c.vars[:len(c.vars)-1] }()
	body, err := c.or(g.Body)
	if err != "" {
		return nil, err
	}
	l.Var, l.Predicate = g.Var, body
	return l, ""
}

func (c *converter) literal(g *gLiteral) (*Literal, string) {
	switch {
	case g.Str != nil:
		raw := *g.Str
		return &Literal{Kind: StringLiteral, Raw: raw, Str: strings.ReplaceAll(raw[1:len(raw)-1], "''", "'")}, ""
	case g.DateTime != nil:
		t, err := parseDateTime(*g.DateTime)
		if err != nil {
			return nil, badLiteralDetail("Edm.DateTimeOffset", *g.DateTime, c.pos(g.Pos), c.text)
		}
		return &Literal{Kind: DateTimeLiteral, Raw: *g.DateTime, Time: t}, ""
	case g.Date != nil:
		t, err := time.Parse(time.DateOnly, *g.Date)
		if err != nil {
			return nil, badLiteralDetail("Edm.Date", *g.Date, c.pos(g.Pos), c.text)
		}
		return &Literal{Kind: DateLiteral, Raw: *g.Date, Time: t.UTC()}, ""
	case g.GUID != nil:
		return &Literal{Kind: GUIDLiteral, Raw: *g.GUID, Str: strings.ToLower(*g.GUID)}, ""
	case g.Number != nil:
		return c.number(*g.Number, g.Pos)
	}
	switch kw := strings.ToLower(*g.Keyword); kw {
	case "null":
		return &Literal{Kind: NullLiteral, Raw: kw}, ""
	default:
		return &Literal{Kind: BoolLiteral, Raw: kw, Bool: kw == "true"}, ""
	}
}

func (c *converter) number(raw string, p lexer.Position) (*Literal, string) {
	if !strings.ContainsAny(raw, ".eE") {
		if n, err := strconv.ParseInt(raw, 10, 64); err == nil {
			return &Literal{Kind: IntLiteral, Raw: raw, Int: n}, ""
		}
	}
	f, err := strconv.ParseFloat(raw, 64)
	if err != nil { // out of range: ±Inf is no OData literal
		return nil, badLiteralDetail("Edm.Double", raw, c.pos(p), c.text)
	}
	return &Literal{Kind: FloatLiteral, Raw: raw, Float: f}, ""
}

// parseDateTime accepts the OData dateTimeOffset forms: seconds and the
// fraction optional, Z or a ±hh:mm offset, T and Z in either case. The
// result is in UTC.
func parseDateTime(s string) (time.Time, error) {
	s = strings.ToUpper(s)
	layout := "2006-01-02T15:04:05Z07:00"
	if len(s) >= 17 && s[16] != ':' { // no seconds: 2024-01-01T10:00Z
		layout = "2006-01-02T15:04Z07:00"
	}
	t, err := time.Parse(layout, s)
	if err != nil {
		return time.Time{}, err
	}
	return t.UTC(), nil
}
