package odata

import (
	"math"
	"reflect"
	"strings"
	"time"
)

// Resolver gives Eval the values of one row (or of one collection element
// inside a lambda).
//
// Resolve returns the value at path and whether the property exists; a
// missing property is an error, a null one is (nil, true). Values are:
// nil, string, bool, int64 (or any Go integer), float64 (or float32),
// time.Time, a slice of values for a collection, and a Resolver or
// map[string]any for a complex value or collection element.
type Resolver interface {
	Resolve(path []string) (any, bool)
}

// Row is a Resolver over nested maps, matching names case-insensitively
// (Graph property names are case-insensitive in $filter).
type Row map[string]any

// Resolve implements Resolver.
func (r Row) Resolve(path []string) (any, bool) {
	var cur any = r
	for _, name := range path {
		next, ok := lookup(cur, name)
		if !ok {
			return nil, false
		}
		cur = next
	}
	return cur, true
}

func lookup(v any, name string) (any, bool) {
	var m map[string]any
	switch t := v.(type) {
	case Row:
		m = t
	case map[string]any:
		m = t
	case Resolver:
		return t.Resolve([]string{name})
	case nil:
		return nil, true // a property of a null complex value is null
	default:
		return nil, false
	}
	if x, ok := m[name]; ok {
		return x, true
	}
	for k, x := range m {
		if strings.EqualFold(k, name) {
			return x, true
		}
	}
	return nil, false
}

// EvalOptions sets the wording of evaluation errors.
type EvalOptions struct {
	Flavor Flavor
	// EntityType names the row's type in "property not found" errors,
	// e.g. "microsoft.graph.message".
	EntityType string
}

// Eval reports whether the row r matches the filter e, with Graph's
// semantics:
//
//   - string comparisons (eq ne gt ge lt le in, startswith, endswith,
//     contains) ignore case, as Graph does on both directory and
//     Exchange properties;
//   - null eq null is true; null compared to a value with eq, gt, ge, lt
//     or le is false, and with ne is true (OData two-valued logic, so
//     not(x eq 'a') matches rows where x is null);
//   - a function applied to null is false;
//   - any over an empty or null collection is false, all is true.
//
// An unknown property, or operands of incompatible types, is an *Error.
func Eval(e Expr, r Resolver) (bool, error) {
	return EvalWith(e, r, EvalOptions{})
}

// EvalWith is Eval with explicit error wording.
func EvalWith(e Expr, r Resolver, opts EvalOptions) (bool, error) {
	ev := evaluator{opts: opts, row: r}
	ok, err := ev.predicate(e)
	if err != nil {
		return false, err
	}
	return ok, nil
}

type scope struct {
	name  string
	value any
}

type evaluator struct {
	opts  EvalOptions
	row   Resolver
	scope []scope
}

func (ev *evaluator) fail(detail string) error { return FilterError(ev.opts.Flavor, detail) }

func (ev *evaluator) predicate(e Expr) (bool, error) {
	switch n := e.(type) {
	case *LogicalExpr:
		stop := n.Op == Or // short-circuit: true or .., false and ..
		for _, t := range n.Terms() {
			ok, err := ev.predicate(t)
			if err != nil || ok == stop {
				return ok, err
			}
		}
		return !stop, nil
	case *NotExpr:
		x, err := ev.predicate(n.X)
		return !x, err
	case *CompareExpr:
		return ev.compare(n)
	case *InExpr:
		for _, l := range n.List {
			ok, err := ev.compare(&CompareExpr{Op: Eq, Left: n.X, Right: l})
			if ok || err != nil {
				return ok, err
			}
		}
		return false, nil
	case *CallExpr:
		return ev.call(n)
	case *LambdaExpr:
		return ev.lambda(n)
	}
	v, err := ev.value(e)
	if err != nil {
		return false, err
	}
	switch b := v.(type) {
	case bool:
		return b, nil
	case nil:
		return false, nil
	}
	return false, ev.fail(notBooleanDetail)
}

// value evaluates an operand to a normalised value (see normalize).
func (ev *evaluator) value(e Expr) (any, error) {
	switch n := e.(type) {
	case *Literal:
		return literalValue(n), nil
	case *PropertyExpr:
		return ev.property(n)
	case *CountExpr:
		coll, err := ev.collection(n.Collection)
		return int64(len(coll)), err
	}
	// A predicate used as an operand: (a eq b) eq true.
	b, err := ev.predicate(e)
	return b, err
}

func literalValue(l *Literal) any {
	switch l.Kind {
	case BoolLiteral:
		return l.Bool
	case IntLiteral:
		return l.Int
	case FloatLiteral:
		return l.Float
	case StringLiteral, GUIDLiteral:
		return l.Str
	case DateTimeLiteral, DateLiteral:
		return l.Time
	}
	return nil
}

func (ev *evaluator) property(p *PropertyExpr) (any, error) {
	var base any
	var found bool
	if p.Var != "" {
		for i := len(ev.scope) - 1; i >= 0; i-- {
			if ev.scope[i].name == p.Var {
				base, found = ev.scope[i].value, true
				break
			}
		}
	}
	if !found {
		v, ok := ev.row.Resolve(p.Path)
		if !ok {
			return nil, UnknownPropertyError(ev.opts.Flavor, ev.opts.EntityType, p.Property())
		}
		return normalize(v), nil
	}
	for _, name := range p.Path {
		next, ok := lookup(base, name)
		if !ok {
			return nil, UnknownPropertyError(ev.opts.Flavor, ev.opts.EntityType, p.String())
		}
		base = next
	}
	return normalize(base), nil
}

func (ev *evaluator) collection(p *PropertyExpr) ([]any, error) {
	v, err := ev.property(p)
	if err != nil {
		return nil, err
	}
	switch c := v.(type) {
	case []any:
		return c, nil
	case nil:
		return nil, nil
	}
	return nil, ev.fail(lambdaParentDetail)
}

func (ev *evaluator) lambda(n *LambdaExpr) (bool, error) {
	coll, err := ev.collection(n.Collection)
	if err != nil {
		return false, err
	}
	if n.Predicate == nil {
		return len(coll) > 0, nil
	}
	want := n.Op == Any // any stops at the first match, all at the first miss
	for _, elem := range coll {
		ev.scope = append(ev.scope, scope{n.Var, elem})
		ok, err := ev.predicate(n.Predicate)
		ev.scope = ev.scope[:len(ev.scope)-1]
		if err != nil {
			return false, err
		}
		if ok == want {
			return want, nil
		}
	}
	return !want, nil
}

func (ev *evaluator) call(n *CallExpr) (bool, error) {
	var args [2]any
	for i, a := range n.Args {
		v, err := ev.value(a)
		if err != nil {
			return false, err
		}
		args[i] = v
	}
	s, ok1 := args[0].(string)
	sub, ok2 := args[1].(string)
	if (!ok1 && args[0] != nil) || (!ok2 && args[1] != nil) {
		return false, ev.fail(noSignatureDetail(n.Func))
	}
	if args[0] == nil || args[1] == nil {
		return false, nil
	}
	s, sub = strings.ToLower(s), strings.ToLower(sub)
	switch n.Func {
	case "startswith":
		return strings.HasPrefix(s, sub), nil
	case "endswith":
		return strings.HasSuffix(s, sub), nil
	}
	return strings.Contains(s, sub), nil
}

func (ev *evaluator) compare(n *CompareExpr) (bool, error) {
	left, err := ev.value(n.Left)
	if err != nil {
		return false, err
	}
	right, err := ev.value(n.Right)
	if err != nil {
		return false, err
	}
	if isCollection(left) || isCollection(right) {
		return false, ev.fail(notSingleValueDetail(n.Op))
	}
	if left == nil || right == nil {
		switch n.Op {
		case Eq:
			return left == nil && right == nil, nil
		case Ne:
			return !(left == nil && right == nil), nil
		}
		return false, nil
	}
	c, ok := compareValues(left, right)
	if !ok {
		return false, ev.fail(incompatibleDetail(edmTypeOf(left), edmTypeOf(right), n.Op))
	}
	switch n.Op {
	case Eq:
		return c == 0, nil
	case Ne:
		return c != 0, nil
	case Gt:
		return c > 0, nil
	case Ge:
		return c >= 0, nil
	case Lt:
		return c < 0, nil
	}
	return c <= 0, nil
}

func isCollection(v any) bool {
	_, ok := v.([]any)
	return ok
}

// compareValues orders two non-null values: strings case-insensitively
// and by byte order (what SQLite's BINARY and Postgres' "C" collations do),
// numbers numerically across int64/float64, times by instant, false before
// true. A string and a time compare when the string is an RFC 3339 time,
// for resolvers that hand back JSON text. ok is false for other pairs.
func compareValues(a, b any) (c int, ok bool) {
	switch x := a.(type) {
	case string:
		switch y := b.(type) {
		case string:
			return strings.Compare(strings.ToLower(x), strings.ToLower(y)), true
		case time.Time:
			if t, err := time.Parse(time.RFC3339Nano, x); err == nil {
				return t.Compare(y), true
			}
		}
	case bool:
		if y, ok := b.(bool); ok {
			return boolInt(x) - boolInt(y), true
		}
	case int64:
		switch y := b.(type) {
		case int64:
			return cmp3(x < y, x > y), true
		case float64:
			return cmp3(float64(x) < y, float64(x) > y), true
		}
	case float64:
		switch y := b.(type) {
		case int64:
			return cmp3(x < float64(y), x > float64(y)), true
		case float64:
			return cmp3(x < y, x > y), true
		}
	case time.Time:
		switch y := b.(type) {
		case time.Time:
			return x.Compare(y), true
		case string:
			c, ok := compareValues(y, x)
			return -c, ok
		}
	}
	return 0, false
}

func cmp3(less, greater bool) int {
	switch {
	case less:
		return -1
	case greater:
		return 1
	}
	return 0
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

func edmTypeOf(v any) string {
	switch v.(type) {
	case string:
		return "Edm.String"
	case bool:
		return "Edm.Boolean"
	case int64:
		return "Edm.Int64"
	case float64:
		return "Edm.Double"
	case time.Time:
		return "Edm.DateTimeOffset"
	}
	return "Edm.Untyped"
}

// normalize maps the Go types a Resolver may return onto the few Eval
// works with: int64, float64, string, bool, time.Time, []any, nil, and
// complex values (maps, Resolvers) left as they are.
func normalize(v any) any {
	switch x := v.(type) {
	case nil, string, bool, int64, float64, time.Time, []any, Row, map[string]any:
		return v
	case int:
		return int64(x)
	case int32:
		return int64(x)
	case float32:
		return float64(x)
	case *time.Time:
		if x == nil {
			return nil
		}
		return *x
	case *string:
		if x == nil {
			return nil
		}
		return *x
	case Resolver:
		return v
	}
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.Slice, reflect.Array:
		out := make([]any, rv.Len())
		for i := range out {
			out[i] = normalize(rv.Index(i).Interface())
		}
		return out
	case reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return rv.Int()
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32:
		return int64(rv.Uint())
	case reflect.Uint64:
		if u := rv.Uint(); u <= math.MaxInt64 {
			return int64(u)
		}
		return float64(rv.Uint())
	case reflect.Float32, reflect.Float64:
		return rv.Float()
	case reflect.String:
		return rv.String()
	case reflect.Bool:
		return rv.Bool()
	case reflect.Pointer:
		if rv.IsNil() {
			return nil
		}
		return normalize(rv.Elem().Interface())
	}
	return v
}

// CompareRows orders rows a and b by the $orderby items, for sorting in
// memory with the same rules as Order: strings ignore case, null
// sorts first ascending (last descending). An unknown property or values
// that cannot be ordered is an *Error.
func CompareRows(items []OrderItem, a, b Resolver, opts EvalOptions) (int, error) {
	for _, it := range items {
		path := strings.Split(it.Property, "/")
		va, oka := a.Resolve(path)
		vb, okb := b.Resolve(path)
		if !oka || !okb {
			return 0, UnknownPropertyError(opts.Flavor, opts.EntityType, it.Property)
		}
		va, vb = normalize(va), normalize(vb)
		var c int
		switch {
		case va == nil && vb == nil:
		case va == nil:
			c = -1
		case vb == nil:
			c = 1
		default:
			var ok bool
			if c, ok = compareValues(va, vb); !ok {
				return 0, UnsupportedSortError(opts.Flavor, opts.EntityType, it.Property)
			}
		}
		if it.Desc {
			c = -c
		}
		if c != 0 {
			return c, nil
		}
	}
	return 0, nil
}
