package odata

import (
	"strings"

	"graphgate/internal/store"
)

// Type is the OData type of a mapped property, which decides how literals
// are checked and compared.
type Type int

const (
	TypeString   Type = iota + 1 // compared case-insensitively
	TypeGUID                     // stored as text, compared case-insensitively
	TypeBool                     // boolean
	TypeInt                      // integer
	TypeFloat                    // floating point
	TypeDateTime                 // in documents: text in store.TimeLayout
)

// storeType is the store's type of t.
func (t Type) storeType() store.Type {
	switch t {
	case TypeBool:
		return store.TypeBool
	case TypeInt:
		return store.TypeInt
	case TypeFloat:
		return store.TypeFloat
	case TypeDateTime:
		return store.TypeTime
	}
	return store.TypeString
}

// Column maps one OData property to what the store holds.
type Column struct {
	// Name is the store column holding the property (one of
	// store.DirectoryColumns, e.g. "display_name"). Leave it empty for a
	// property read from the object's JSON document at the path given by
	// its key in Columns (see JSONMapping).
	Name string
	Type Type
	// Collection is set for a collection-valued property, which $filter
	// can only use through any, all or $count.
	Collection *Collection
}

// Collection describes a collection-valued property: a JSON array in the
// document, at the path that is its key in Columns (or in the enclosing
// collection's Fields). Its elements are primitive, of Type, when Fields
// is nil, and objects otherwise, whose Fields map the element's property
// paths ("emailAddress/address") to a Column with a Type and no Name (or
// to a nested Collection). JSONMapping builds such mappings.
type Collection struct {
	Type   Type
	Fields map[string]Column
}

// Mapping is a resource's schema for building store queries. Property
// paths are matched case-insensitively.
type Mapping struct {
	// EntityType names the resource in error messages, e.g.
	// "microsoft.graph.message" (the directory flavor shows "Message").
	EntityType string
	Columns    map[string]Column
}

// Filter turns a parsed $filter into the store's condition
// (store.Cond), keeping Eval's semantics exactly: strings compare
// ignoring case (Fold); startswith/endswith/contains match literal text;
// a comparison with null is false and ne true, and not of a comparison
// that met null is true, as OData says (the store's rules, store/query.go).
// Constant comparisons are folded here with Eval's rules.
//
// Anything the mapping cannot express (an unknown property, a lambda on a
// property without Collection, a function on a non-string, two properties
// compared with each other) is an *Error in the flavor's wording, never an
// approximate condition.
func Filter(e Expr, m Mapping, f Flavor) (store.Cond, error) {
	c := &compiler{m: m, f: f}
	return c.predicate(e)
}

// Order turns $orderby into the store's ordering (none: nil). Only mapped,
// non-collection properties sort; strings sort ignoring case; null sorts
// first ascending and last descending, as OData specifies; booleans sort
// false first. The store breaks ties by id.
func Order(items []OrderItem, m Mapping, f Flavor) ([]store.Order, error) {
	var out []store.Order
	for _, it := range items {
		key, col, ok := lookupKey(m.Columns, it.Property)
		if !ok {
			if f == Directory {
				return nil, UnsupportedSortError(f, m.EntityType, it.Property)
			}
			return nil, UnknownPropertyError(f, m.EntityType, it.Property)
		}
		if col.Collection != nil {
			return nil, UnsupportedSortError(f, m.EntityType, it.Property)
		}
		field := store.Field{Column: col.Name, Type: col.Type.storeType()}
		if col.Name == "" {
			path, ok := jsonPath(key)
			if !ok {
				return nil, UnsupportedSortError(f, m.EntityType, it.Property)
			}
			field.Path = path
		}
		out = append(out, store.Order{Field: field, Desc: it.Desc, Fold: isText(col.Type), Nulls: store.NullsLow})
	}
	return out, nil
}

// lookupKey finds the column of a property path, matching it exactly or
// else ignoring case, and returns the path as declared (which JSON
// documents, whose keys are case-sensitive, need).
func lookupKey(cols map[string]Column, path string) (string, Column, bool) {
	if c, ok := cols[path]; ok {
		return path, c, true
	}
	for k, c := range cols {
		if strings.EqualFold(k, path) {
			return k, c, true
		}
	}
	return "", Column{}, false
}

type irScope struct {
	name string
	coll *Collection
}

type compiler struct {
	m      Mapping
	f      Flavor
	scopes []irScope
}

// operand is a resolved property: a scalar field, or a collection (its
// array field and description).
type operand struct {
	name  string // property path, for errors
	field store.Field
	typ   Type
	coll  *Collection
}

func (c *compiler) unsupported(name string) error {
	return UnsupportedFilterError(c.f, c.m.EntityType, name)
}

func (c *compiler) fail(detail string) error { return FilterError(c.f, detail) }

func (c *compiler) resolve(p *PropertyExpr) (operand, error) {
	name := p.String()
	if p.Var != "" {
		for i := len(c.scopes) - 1; i >= 0; i-- {
			s := c.scopes[i]
			if s.name != p.Var {
				continue
			}
			if len(p.Path) == 0 {
				if s.coll.Fields != nil {
					return operand{}, c.unsupported(name)
				}
				return operand{name: name, field: store.Field{Var: s.name, Type: s.coll.Type.storeType()}, typ: s.coll.Type}, nil
			}
			key, col, ok := lookupKey(s.coll.Fields, p.Property())
			if !ok {
				return operand{}, UnknownPropertyError(c.f, c.m.EntityType, name)
			}
			return c.docOperand(name, s.name, key, col)
		}
	}
	key, col, ok := lookupKey(c.m.Columns, p.Property())
	if !ok {
		return operand{}, UnknownPropertyError(c.f, c.m.EntityType, name)
	}
	if col.Name != "" {
		if col.Collection != nil {
			return operand{}, c.unsupported(name)
		}
		return operand{name: name, field: store.Field{Column: col.Name, Type: col.Type.storeType()}, typ: col.Type}, nil
	}
	return c.docOperand(name, "", key, col)
}

// docOperand resolves the property declared as key (a path) in the JSON
// document of the row (v "") or of a lambda's element (v its variable).
func (c *compiler) docOperand(name, v, key string, col Column) (operand, error) {
	path, ok := jsonPath(key)
	if !ok || col.Name != "" {
		return operand{}, c.unsupported(name)
	}
	if col.Collection != nil {
		f := store.Field{Var: v, Path: path}
		if col.Collection.Fields == nil {
			f.Type = col.Collection.Type.storeType()
		}
		return operand{name: name, field: f, coll: col.Collection}, nil
	}
	return operand{name: name, field: store.Field{Var: v, Path: path, Type: col.Type.storeType()}, typ: col.Type}, nil
}

func (c *compiler) predicate(e Expr) (store.Cond, error) {
	switch n := e.(type) {
	case *LogicalExpr:
		terms := n.Terms()
		out := make([]store.Cond, 0, len(terms))
		for _, t := range terms {
			x, err := c.predicate(t)
			if err != nil {
				return nil, err
			}
			out = append(out, x)
		}
		if n.Op == Or {
			return store.Or(out), nil
		}
		return store.And(out), nil
	case *NotExpr:
		x, err := c.predicate(n.X)
		if err != nil {
			return nil, err
		}
		return store.Not{Cond: x}, nil
	case *CompareExpr:
		return c.compare(n)
	case *InExpr:
		return c.in(n)
	case *CallExpr:
		return c.call(n)
	case *LambdaExpr:
		return c.lambda(n)
	case *PropertyExpr:
		op, err := c.resolve(n)
		if err != nil {
			return nil, err
		}
		if op.coll != nil || op.typ != TypeBool {
			return nil, c.fail(notBooleanDetail)
		}
		return store.Compare{Field: op.field, Op: store.Eq, Value: store.Bool(true)}, nil
	case *Literal:
		switch n.Kind {
		case BoolLiteral:
			return store.Const(n.Bool), nil
		case NullLiteral:
			return store.Const(false), nil
		}
	}
	return nil, c.fail(notBooleanDetail)
}

// scalar resolves a comparison operand: a literal, a mapped scalar
// property or a $count. ok is false for anything else (a predicate or a
// function used as a value), which the caller rejects.
func (c *compiler) scalar(e Expr) (lit *Literal, op operand, ok bool, err error) {
	switch n := e.(type) {
	case *Literal:
		return n, operand{}, true, nil
	case *PropertyExpr:
		op, err := c.resolve(n)
		return nil, op, err == nil, err
	case *CountExpr:
		coll, err := c.resolve(n.Collection)
		if err != nil {
			return nil, operand{}, false, err
		}
		if coll.coll == nil {
			return nil, operand{}, false, c.unsupported(coll.name)
		}
		f := coll.field
		f.Count, f.Type = true, store.TypeInt
		return nil, operand{name: coll.name + "/$count", field: f, typ: TypeInt}, true, nil
	}
	return nil, operand{}, false, nil
}

func (c *compiler) compare(n *CompareExpr) (store.Cond, error) {
	llit, lop, lok, err := c.scalar(n.Left)
	if err != nil {
		return nil, err
	}
	rlit, rop, rok, err := c.scalar(n.Right)
	if err != nil {
		return nil, err
	}
	if !lok || !rok {
		return nil, UnsupportedQueryError(c.f)
	}
	switch {
	case llit != nil && rlit != nil: // constant: fold it with Eval's rules
		ev := evaluator{}
		b, err := ev.compare(n)
		return store.Const(b), c.refail(err)
	case llit == nil && rlit == nil:
		return nil, UnsupportedQueryError(c.f)
	case llit != nil:
		return c.columnCompare(rop, n.Op.mirror(), llit)
	}
	return c.columnCompare(lop, n.Op, rlit)
}

// refail rewords an error from a constant folded by the evaluator (which
// uses Generic wording, i.e. the bare detail) for the compiler's flavor.
func (c *compiler) refail(err error) error {
	if e, ok := err.(*Error); ok {
		return c.fail(e.Message)
	}
	return err
}

var storeOps = map[CompareOp]store.Op{Eq: store.Eq, Ne: store.Ne, Gt: store.Gt, Ge: store.Ge, Lt: store.Lt, Le: store.Le}

// columnCompare builds col op literal.
func (c *compiler) columnCompare(col operand, op CompareOp, lit *Literal) (store.Cond, error) {
	if col.coll != nil {
		return nil, c.unsupported(col.name)
	}
	if lit.Kind == NullLiteral {
		switch op {
		case Eq:
			return store.IsNull{Field: col.field}, nil
		case Ne:
			return store.Not{Cond: store.IsNull{Field: col.field}}, nil
		}
		return store.Const(false), nil
	}
	v, err := c.value(col, op, lit)
	if err != nil {
		return nil, err
	}
	return store.Compare{Field: col.field, Op: storeOps[op], Value: v, Fold: isText(col.typ)}, nil
}

func isText(t Type) bool { return t == TypeString || t == TypeGUID }

// value type-checks lit against col and returns it as a store value.
func (c *compiler) value(col operand, op CompareOp, lit *Literal) (store.Value, error) {
	if !compatible(col.typ, lit.Kind) {
		return store.Value{}, c.fail(incompatibleDetail(col.typ.edmType(), lit.Kind.edmType(), op))
	}
	switch {
	case isText(col.typ):
		return store.String(lit.Str), nil
	case col.typ == TypeDateTime:
		return store.Time(lit.Time), nil
	case col.typ == TypeBool:
		return store.Bool(lit.Bool), nil
	case lit.Kind == IntLiteral:
		return store.Int(lit.Int), nil
	}
	return store.Float(lit.Float), nil
}

func compatible(t Type, k LiteralKind) bool {
	switch t {
	case TypeString, TypeGUID:
		return k == StringLiteral || k == GUIDLiteral
	case TypeBool:
		return k == BoolLiteral
	case TypeInt, TypeFloat:
		return k == IntLiteral || k == FloatLiteral
	case TypeDateTime:
		return k == DateTimeLiteral || k == DateLiteral
	}
	return false
}

func (t Type) edmType() string {
	switch t {
	case TypeString:
		return "Edm.String"
	case TypeGUID:
		return "Edm.Guid"
	case TypeBool:
		return "Edm.Boolean"
	case TypeInt:
		return "Edm.Int64"
	case TypeFloat:
		return "Edm.Double"
	case TypeDateTime:
		return "Edm.DateTimeOffset"
	}
	return "Edm.Untyped"
}

func (c *compiler) in(n *InExpr) (store.Cond, error) {
	lit, col, ok, err := c.scalar(n.X)
	if err != nil {
		return nil, err
	}
	if !ok || lit != nil {
		return nil, UnsupportedQueryError(c.f)
	}
	if col.coll != nil {
		return nil, c.unsupported(col.name)
	}
	var vals []store.Value
	hasNull := false
	for _, l := range n.List {
		if l.Kind == NullLiteral {
			hasNull = true
			continue
		}
		v, err := c.value(col, Eq, l)
		if err != nil {
			return nil, err
		}
		vals = append(vals, v)
	}
	if len(vals) == 0 {
		return store.IsNull{Field: col.field}, nil
	}
	return store.In{Field: col.field, Values: vals, Fold: isText(col.typ), OrNull: hasNull}, nil
}

var matchKinds = map[string]store.MatchKind{"startswith": store.Prefix, "endswith": store.Suffix, "contains": store.Contains}

func (c *compiler) call(n *CallExpr) (store.Cond, error) {
	lit, col, ok, err := c.scalar(n.Args[0])
	if err != nil {
		return nil, err
	}
	plit, _, pok, err := c.scalar(n.Args[1])
	if err != nil {
		return nil, err
	}
	switch {
	case !ok || !pok || plit == nil:
		return nil, UnsupportedQueryError(c.f)
	case lit != nil: // both literals: fold
		ev := evaluator{}
		b, err := ev.call(n)
		return store.Const(b), c.refail(err)
	case col.coll != nil || !isText(col.typ):
		return nil, c.unsupported(col.name)
	case plit.Kind == NullLiteral:
		return store.Const(false), nil
	case plit.Kind != StringLiteral && plit.Kind != GUIDLiteral:
		return nil, c.fail(noSignatureDetail(n.Func))
	}
	return store.Match{Field: col.field, Kind: matchKinds[n.Func], Text: plit.Str}, nil
}

func (c *compiler) lambda(n *LambdaExpr) (store.Cond, error) {
	coll, err := c.resolve(n.Collection)
	if err != nil {
		return nil, err
	}
	if coll.coll == nil {
		return nil, c.unsupported(coll.name)
	}
	var pred store.Cond
	if n.Predicate != nil {
		c.scopes = append(c.scopes, irScope{name: n.Var, coll: coll.coll})
		pred, err = c.predicate(n.Predicate)
		c.scopes = c.scopes[:len(c.scopes)-1]
		if err != nil {
			return nil, err
		}
	}
	if n.Op == Any || pred == nil {
		return store.Any{Array: coll.field, Var: n.Var, Cond: pred}, nil
	}
	return store.All{Array: coll.field, Var: n.Var, Cond: pred}, nil
}
