package odata

import (
	"strconv"
	"strings"
	"time"
)

// Expr is a node of a parsed $filter. The concrete types are the pointer
// types below; a switch over them is exhaustive.
//
// String prints the node as $filter text that parses back to an equal tree
// (keywords and function names lower-cased, every compound operand in
// parentheses), which is what FuzzParseFilter checks.
type Expr interface {
	String() string
	exprNode()
}

// LogicalOp is "and" or "or".
type LogicalOp int

const (
	And LogicalOp = iota + 1
	Or
)

func (op LogicalOp) String() string {
	if op == Or {
		return "or"
	}
	return "and"
}

// CompareOp is one of the six OData comparison operators.
type CompareOp int

const (
	Eq CompareOp = iota + 1
	Ne
	Gt
	Ge
	Lt
	Le
)

var compareNames = [...]string{Eq: "eq", Ne: "ne", Gt: "gt", Ge: "ge", Lt: "lt", Le: "le"}

// kindNames are Microsoft.OData.Core's BinaryOperatorKind names, which its
// error messages use.
var kindNames = [...]string{Eq: "Equal", Ne: "NotEqual", Gt: "GreaterThan", Ge: "GreaterThanOrEqual", Lt: "LessThan", Le: "LessThanOrEqual"}

func (op CompareOp) String() string {
	if op < Eq || op > Le {
		return "?"
	}
	return compareNames[op]
}

func (op CompareOp) kindName() string {
	if op < Eq || op > Le {
		return "?"
	}
	return kindNames[op]
}

// mirror is the operator with its operands swapped: 'a' lt x == x gt 'a'.
func (op CompareOp) mirror() CompareOp {
	switch op {
	case Gt:
		return Lt
	case Ge:
		return Le
	case Lt:
		return Gt
	case Le:
		return Ge
	}
	return op
}

// LambdaOp is "any" or "all".
type LambdaOp int

const (
	Any LambdaOp = iota + 1
	All
)

func (op LambdaOp) String() string {
	if op == All {
		return "all"
	}
	return "any"
}

// LogicalExpr is Left and/or Right.
type LogicalExpr struct {
	Op          LogicalOp
	Left, Right Expr
}

// NotExpr is not X.
type NotExpr struct{ X Expr }

// CompareExpr is Left op Right, e.g. displayName eq 'Inbox'.
type CompareExpr struct {
	Op          CompareOp
	Left, Right Expr
}

// InExpr is X in (List...), e.g. id in ('a','b'). List holds literals only.
type InExpr struct {
	X    Expr
	List []*Literal
}

// CallExpr is a function call. Func is lower-cased: "startswith",
// "endswith" or "contains" (the only functions Parse accepts).
type CallExpr struct {
	Func string
	Args []Expr
}

// PropertyExpr is a property path such as from/emailAddress/address. Inside
// a lambda, a path that starts with the range variable has Var set and Path
// holds the rest (empty for the bare variable): a/b -> Var "a", Path ["b"].
type PropertyExpr struct {
	Var  string
	Path []string
}

// LambdaExpr is Collection/any(Var:Predicate) or Collection/all(...).
// any() with no arguments has Var "" and Predicate nil: the collection is
// not empty.
type LambdaExpr struct {
	Collection *PropertyExpr
	Op         LambdaOp
	Var        string
	Predicate  Expr
}

// CountExpr is Collection/$count, the number of elements.
type CountExpr struct{ Collection *PropertyExpr }

// LiteralKind tells which field of a Literal holds its value.
type LiteralKind int

const (
	NullLiteral     LiteralKind = iota + 1
	BoolLiteral                 // Bool
	IntLiteral                  // Int
	FloatLiteral                // Float
	StringLiteral               // Str
	DateTimeLiteral             // Time (UTC), from 2024-01-01T00:00:00Z
	DateLiteral                 // Time (UTC midnight), from 2024-01-01
	GUIDLiteral                 // Str, lower-cased
)

// edmType is the OData type name of a literal kind, for error messages.
func (k LiteralKind) edmType() string {
	switch k {
	case BoolLiteral:
		return "Edm.Boolean"
	case IntLiteral:
		return "Edm.Int64"
	case FloatLiteral:
		return "Edm.Double"
	case StringLiteral:
		return "Edm.String"
	case DateTimeLiteral:
		return "Edm.DateTimeOffset"
	case DateLiteral:
		return "Edm.Date"
	case GUIDLiteral:
		return "Edm.Guid"
	}
	return "Edm.Untyped"
}

// Literal is a constant. Raw keeps the source text so printing gives back
// exactly what was parsed (a decimal such as 1.10 or an offset such as
// +02:00 survives the round trip).
type Literal struct {
	Kind  LiteralKind
	Raw   string
	Str   string
	Int   int64
	Float float64
	Bool  bool
	Time  time.Time
}

func (*LogicalExpr) exprNode()  {}
func (*NotExpr) exprNode()      {}
func (*CompareExpr) exprNode()  {}
func (*InExpr) exprNode()       {}
func (*CallExpr) exprNode()     {}
func (*PropertyExpr) exprNode() {}
func (*LambdaExpr) exprNode()   {}
func (*CountExpr) exprNode()    {}
func (*Literal) exprNode()      {}

func (e *LogicalExpr) String() string {
	terms := e.Terms()
	var b strings.Builder
	for i, t := range terms {
		if i > 0 {
			b.WriteString(" " + e.Op.String() + " ")
		}
		// The first term's own chain was flattened into terms, so a logical
		// first term has the other operator; later ones are right operands.
		b.WriteString(wrapIf(t, isLogical))
	}
	return b.String()
}

// Terms lists the operands of a chain of the same operator as parsed,
// a and b and c -> [a b c], without recursion: a long chain is left-deep,
// and callers that print or compile it would otherwise recurse through
// every term and copy the text at every level.
func (e *LogicalExpr) Terms() []Expr {
	var rev []Expr
	cur := e
	for {
		rev = append(rev, cur.Right)
		l, ok := cur.Left.(*LogicalExpr)
		if !ok || l.Op != e.Op {
			rev = append(rev, cur.Left)
			break
		}
		cur = l
	}
	for i, j := 0, len(rev)-1; i < j; i, j = i+1, j-1 {
		rev[i], rev[j] = rev[j], rev[i]
	}
	return rev
}

func (e *NotExpr) String() string { return "not(" + e.X.String() + ")" }

func (e *CompareExpr) String() string {
	return wrapIf(e.Left, isPredicate) + " " + e.Op.String() + " " + wrapIf(e.Right, isPredicate)
}

func (e *InExpr) String() string {
	items := make([]string, len(e.List))
	for i, l := range e.List {
		items[i] = l.String()
	}
	return wrapIf(e.X, isPredicate) + " in (" + strings.Join(items, ",") + ")"
}

func (e *CallExpr) String() string {
	args := make([]string, len(e.Args))
	for i, a := range e.Args {
		args[i] = a.String()
	}
	return e.Func + "(" + strings.Join(args, ",") + ")"
}

func (e *PropertyExpr) String() string {
	if e.Var == "" {
		return strings.Join(e.Path, "/")
	}
	return strings.Join(append([]string{e.Var}, e.Path...), "/")
}

func (e *LambdaExpr) String() string {
	if e.Predicate == nil {
		return e.Collection.String() + "/" + e.Op.String() + "()"
	}
	return e.Collection.String() + "/" + e.Op.String() + "(" + e.Var + ":" + e.Predicate.String() + ")"
}

func (e *CountExpr) String() string { return e.Collection.String() + "/$count" }

func (l *Literal) String() string {
	if l.Raw != "" {
		return l.Raw
	}
	switch l.Kind {
	case NullLiteral:
		return "null"
	case BoolLiteral:
		return strconv.FormatBool(l.Bool)
	case IntLiteral:
		return strconv.FormatInt(l.Int, 10)
	case FloatLiteral:
		s := strconv.FormatFloat(l.Float, 'g', -1, 64)
		if !strings.ContainsAny(s, ".eE") {
			s += ".0" // keep it a decimal, not an integer, on re-parse
		}
		return s
	case StringLiteral:
		return quoteString(l.Str)
	case DateTimeLiteral:
		return l.Time.UTC().Format(time.RFC3339Nano)
	case DateLiteral:
		return l.Time.UTC().Format(time.DateOnly)
	case GUIDLiteral:
		return l.Str
	}
	return "null"
}

// quoteString writes s as an OData string literal, doubling single quotes.
func quoteString(s string) string {
	return "'" + strings.ReplaceAll(s, "'", "''") + "'"
}

// Property returns the slash-joined path of a PropertyExpr that is not
// relative to a lambda variable ("from/emailAddress/address").
func (e *PropertyExpr) Property() string { return strings.Join(e.Path, "/") }

func isLogical(e Expr) bool {
	_, ok := e.(*LogicalExpr)
	return ok
}

// isPredicate reports nodes that must be parenthesised when used as an
// operand of a comparison.
func isPredicate(e Expr) bool {
	switch e.(type) {
	case *LogicalExpr, *NotExpr, *CompareExpr, *InExpr:
		return true
	}
	return false
}

func wrapIf(e Expr, need func(Expr) bool) string {
	if need(e) {
		return "(" + e.String() + ")"
	}
	return e.String()
}

// Walk calls fn for e and, while fn returns true, for each node below it,
// depth first. Handlers use it to list the properties a filter touches.
func Walk(e Expr, fn func(Expr) bool) {
	if e == nil || !fn(e) {
		return
	}
	switch n := e.(type) {
	case *LogicalExpr:
		Walk(n.Left, fn)
		Walk(n.Right, fn)
	case *NotExpr:
		Walk(n.X, fn)
	case *CompareExpr:
		Walk(n.Left, fn)
		Walk(n.Right, fn)
	case *InExpr:
		Walk(n.X, fn)
		for _, l := range n.List {
			Walk(l, fn)
		}
	case *CallExpr:
		for _, a := range n.Args {
			Walk(a, fn)
		}
	case *LambdaExpr:
		Walk(n.Collection, fn)
		if n.Predicate != nil {
			Walk(n.Predicate, fn)
		}
	case *CountExpr:
		Walk(n.Collection, fn)
	}
}
